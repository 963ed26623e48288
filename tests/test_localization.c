/* The localization index and the bands on fields whose answer is known by construction.
 * Periodic box (lines wrap): uniform strain -> 0 and no band; a band over a tenth of the diagonal lines -> 0.9 at 45 deg; a
 * band over half the rows -> 0.5 at 0 deg. Bands (bands.csv): two 45-deg bands of three lines each at lines 5-7 and 25-27 of
 * a 40 x 40 box -> two bands, centres 6 d and 26 d, widths 3 d, spacing 20 d both ways (d = a / sqrt2 between diagonal lines,
 * period 40 d), half the strain each; a band of rows 38, 39, 0, 1, across the periodic edge -> one band of width 4 a centred
 * at 39.5 a; crossed bands (a 45-deg and a 135-deg band) -> one band in each family, the second without the sites the first
 * took, so that their shares add up to 1.
 * Body (a 64 x 32 block, lines do not wrap): a 45-deg band -> index above that of rows and columns, angle 45, where a
 * rectangle used to see only rows and columns; two parallel 45-deg bands 20 lines apart -> spacing 20 d, none after the last;
 * an X of a 45-deg and a 135-deg band -> both, each at its angle and its shear.
 * Period along x (StzPeriodAlongX): a zigzag of bands between the top and bottom rows -> its period exactly; noise -> none.
 * Its significance (StzPeriodPValue, how evenly the bands of bands.csv are spaced against the same bands at random places):
 * the zigzag -> the smallest p-value the random placements allow, and with its legs moved at random by a sixth of their gap
 * -> still p <= 0.05; bands at uniformly random places along the strip (the null hypothesis itself) -> p-values that are
 * uniform, so p <= 0.05 in about 5 % of such strips. Fisher's combination of p-values against hand-computed values. */
#include <stzdyn/stzdyn.h>
#include "../lib/impl.h"
#include <stzdyn/rng.h>
#include "check.h"

#define BX 64
#define BY 32

int main(int argc, char **argv)
{
  const PetscInt  n = 40;
  const PetscReal a = 1e-9, d = a / PetscSqrtReal(2.0);
  PetscReal       g[40 * 40], gb[BX * BY];
  StzLocalization loc;
  StzBand         bands[16];
  PetscInt        nb;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (PetscInt i = 0; i < n * n; i++) g[i] = 0.05;
  PetscCall(StzLocalizationCompute(n, n, PETSC_TRUE, g, &loc));
  STZ_CHECK(PetscAbsReal(loc.index) < 1e-12, "uniform plastic strain: index %.3e (expect 0)", (double)loc.index);
  PetscCall(StzBandsCompute(n, n, PETSC_TRUE, g, a, 16, bands, &nb));
  STZ_CHECK(nb == 0, "and no band (%d)", (int)nb);
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) g[y * n + x] = (((y - x) % n + n) % n) < n / 10 ? 0.2 : 0.0;
  PetscCall(StzLocalizationCompute(n, n, PETSC_TRUE, g, &loc));
  STZ_CHECK(StzClose(loc.index, 0.9, 1e-12, 0) && StzClose(loc.angle_deg, 45, 1e-9, 0), "band over a tenth of the 45-deg lines: index %.4f (0.9), angle %.1f deg (45)", (double)loc.index,
            (double)loc.angle_deg);
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) g[y * n + x] = y < n / 2 ? 0.1 : 0.0;
  PetscCall(StzLocalizationCompute(n, n, PETSC_TRUE, g, &loc));
  STZ_CHECK(StzClose(loc.index, 0.5, 1e-12, 0) && StzClose(loc.angle_deg, 0, 1e-9, 1e-9), "band over half the rows: index %.4f (0.5), angle %.1f deg (0)", (double)loc.index, (double)loc.angle_deg);
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) {
      const PetscInt l = ((y - x) % n + n) % n;
      g[y * n + x]     = (l >= 5 && l <= 7) || (l >= 25 && l <= 27) ? 0.2 : 0.0;
    }
  PetscCall(StzBandsCompute(n, n, PETSC_TRUE, g, a, 16, bands, &nb));
  STZ_CHECK(nb == 2 && StzClose(bands[0].angle_deg, 45, 1e-9, 0), "two 45-deg bands: %d found at %.1f deg", (int)nb, (double)bands[0].angle_deg);
  if (nb == 2) {
    STZ_CHECK(StzClose(bands[0].position_m, 6 * d, 1e-12, 0) && StzClose(bands[1].position_m, 26 * d, 1e-12, 0) && StzClose(bands[0].width_m, 3 * d, 1e-12, 0),
              "at 6 d and 26 d (%.4g, %.4g m), 3 d wide (%.4g m)", (double)bands[0].position_m, (double)bands[1].position_m, (double)bands[0].width_m);
    STZ_CHECK(StzClose(bands[0].spacing_m, 20 * d, 1e-12, 0) && StzClose(bands[1].spacing_m, 20 * d, 1e-12, 0), "20 d apart both ways round the period of 40 d (%.4g, %.4g m)",
              (double)bands[0].spacing_m, (double)bands[1].spacing_m);
    STZ_CHECK(StzClose(bands[0].share, 0.5, 1e-12, 0) && StzClose(bands[1].mean_shear, 0.2, 1e-12, 0), "each carrying half the strain (%.3f) at the band's shear (%.3f)", (double)bands[0].share,
              (double)bands[1].mean_shear);
  }
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) g[y * n + x] = (y >= 38 || y <= 1) ? 0.1 : 0.0;
  PetscCall(StzBandsCompute(n, n, PETSC_TRUE, g, a, 16, bands, &nb));
  STZ_CHECK(nb == 1 && StzClose(bands[0].width_m, 4 * a, 1e-12, 0) && StzClose(bands[0].position_m, 39.5 * a, 1e-12, 0) && StzClose(bands[0].share, 1, 1e-12, 0) && bands[0].spacing_m < 0,
            "a band of rows across the periodic edge: %d band, %.4g m wide (4 a), centred at %.4g m (39.5 a), no spacing", (int)nb, nb ? (double)bands[0].width_m : 0.0,
            nb ? (double)bands[0].position_m : 0.0);
  /* Crossed bands in the box: lines y - x = 5..7 (45 deg) and y + x = 20..22 (135 deg), mod 40. */
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) {
      const PetscInt l = ((y - x) % n + n) % n, m = (y + x) % n;
      g[y * n + x] = (l >= 5 && l <= 7) || (m >= 20 && m <= 22) ? 0.2 : 0.0;
    }
  PetscCall(StzBandsCompute(n, n, PETSC_TRUE, g, a, 16, bands, &nb));
  STZ_CHECK(nb == 2 && ((StzClose(bands[0].angle_deg, 45, 1e-9, 0) && StzClose(bands[1].angle_deg, 135, 1e-9, 0)) ||
                        (StzClose(bands[0].angle_deg, 135, 1e-9, 0) && StzClose(bands[1].angle_deg, 45, 1e-9, 0))),
            "crossed bands in a box: %d found, at %.1f and %.1f deg (45 and 135)", (int)nb, (double)bands[0].angle_deg, nb > 1 ? (double)bands[1].angle_deg : -1.0);
  if (nb == 2)
    STZ_CHECK(StzClose(bands[0].share + bands[1].share, 1, 1e-12, 0) && bands[0].share > bands[1].share, "their shares %.4f + %.4f add up to 1, the first taking the crossing", (double)bands[0].share,
              (double)bands[1].share);

  /* A block of 64 x 32: the 45-deg lines y - x = c run from c = -63 to 31 and hold up to 32 sites. */
  for (PetscInt y = 0; y < BY; y++)
    for (PetscInt x = 0; x < BX; x++) gb[y * BX + x] = (y - x >= -21 && y - x <= -19) ? 0.3 : 0.01;
  PetscCall(StzLocalizationCompute(BX, BY, PETSC_FALSE, gb, &loc));
  STZ_CHECK(StzClose(loc.angle_deg, 45, 1e-9, 0) && loc.index > 0.8, "a 45-deg band across a 64 x 32 block: most localized family at %.1f deg (45), index %.3f (> 0.8)", (double)loc.angle_deg,
            (double)loc.index);
  PetscCall(StzBandsCompute(BX, BY, PETSC_FALSE, gb, a, 16, bands, &nb));
  STZ_CHECK(nb == 1 && StzClose(bands[0].position_m, -20 * d, 1e-12, 0) && StzClose(bands[0].width_m, 3 * d, 1e-12, 0) && StzClose(bands[0].mean_shear, 0.3, 1e-12, 0) && bands[0].spacing_m < 0,
            "and one band found, on line y - x = %.2f (-20), %.2f lines wide (3), shear %.3f (0.3)", nb ? (double)(bands[0].position_m / d) : 0.0, nb ? (double)(bands[0].width_m / d) : 0.0,
            nb ? (double)bands[0].mean_shear : 0.0);
  for (PetscInt y = 0; y < BY; y++)
    for (PetscInt x = 0; x < BX; x++) gb[y * BX + x] = (y - x >= -31 && y - x <= -29) || (y - x >= -11 && y - x <= -9) ? 0.3 : 0.01;
  PetscCall(StzBandsCompute(BX, BY, PETSC_FALSE, gb, a, 16, bands, &nb));
  STZ_CHECK(nb == 2 && StzClose(bands[0].spacing_m, 20 * d, 1e-12, 0) && bands[1].spacing_m < 0, "two parallel 45-deg bands in the block: %d found, %.2f lines apart (20), none after the last",
            (int)nb, nb ? (double)(bands[0].spacing_m / d) : 0.0);
  /* An X: y - x = -20 +- 1 and y + x = 43..45 (through the middle of the block). */
  for (PetscInt y = 0; y < BY; y++)
    for (PetscInt x = 0; x < BX; x++) gb[y * BX + x] = (y - x >= -21 && y - x <= -19) || (y + x >= 43 && y + x <= 45) ? 0.3 : 0.01;
  PetscCall(StzBandsCompute(BX, BY, PETSC_FALSE, gb, a, 16, bands, &nb));
  STZ_CHECK(nb == 2 && StzClose(bands[0].angle_deg + bands[1].angle_deg, 180, 1e-9, 0) && PetscAbsReal(bands[0].angle_deg - bands[1].angle_deg) == 90 && StzClose(bands[1].mean_shear, 0.3, 1e-12, 0),
            "an X in the block: %d bands, at %.1f and %.1f deg (45 and 135), the second at shear %.3f (0.3) without the crossing", (int)nb, nb ? (double)bands[0].angle_deg : 0.0,
            nb > 1 ? (double)bands[1].angle_deg : 0.0, nb > 1 ? (double)bands[1].mean_shear : 0.0);
  /* The period along x (roll-gap's band spacing): a zigzag of bands two sites wide between the top and bottom rows, whose
   * segments rise and fall one row per site, so that it repeats every 2 (BY - 1) = 62 sites; on a strip 4 times as long as
   * that, read over its middle three quarters, the period is 62 sites exactly, with a correlation close to 1. The same
   * zigzag stretched to two sites per row (period 124) reads 124 on a strip long enough. Uncorrelated noise has no
   * period worth the name: its correlation beyond the central lobe is a sampling fluctuation, of order 1 / sqrt(pairs). */
  {
    const PetscInt nx = 248, ny = BY;
    PetscReal     *z;
    StzBand       *sb;
    PetscInt       per, nsb;
    PetscReal      cor;
    PetscCall(PetscMalloc2(4 * nx * ny, &z, STZ_MAX_BANDS, &sb));
    for (int stretch = 1; stretch <= 2; stretch++) {
      const PetscInt L = stretch * nx, P = 2 * (ny - 1) * stretch;
      for (PetscInt y = 0; y < ny; y++)
        for (PetscInt x = 0; x < L; x++) {
          const PetscInt ph = (x / stretch) % (2 * (ny - 1)), yz = ph < ny ? ph : 2 * (ny - 1) - ph; /* the zigzag's row at x */
          z[y * L + x] = PetscAbsInt(y - yz) <= 1 ? 0.2 : 0.01;
        }
      PetscCall(StzPeriodAlongX(L, ny, z, L / 8, L - L / 8, &per, &cor));
      STZ_CHECK(per == P && cor > 0.7, "a zigzag of bands repeating every %d sites along a strip %d long: period %d, correlation %.3f (> 0.7)", (int)P, (int)L, (int)per, (double)cor);
      {
        PetscReal pv;
        PetscCall(StzBandsCompute(L, ny, PETSC_FALSE, z, a, STZ_MAX_BANDS, sb, &nsb));
        PetscCall(StzPeriodPValue(L, ny, a, sb, nsb, L / 8, L - L / 8, 99, StzRngKey(11, 0), &pv));
        STZ_CHECK(pv <= 0.011, "and none of 99 random placements of its %d bands is as evenly spaced: p = %.3f (1/100, the least 99 can give)", (int)nsb, (double)pv);
      }
    }
    /* A test that cannot see a period it should: the zigzag's legs moved at random by up to 5 sites either way (a sixth of
     * its half period), as the bands of a real strip are, must still be more regular than at random places (p <= 0.05). */
    {
      const PetscInt L = nx, P = 2 * (ny - 1), nleg = 2 * L / P + 2;
      PetscReal      pv;
      for (PetscInt i = 0; i < L * ny; i++) z[i] = 0.01;
      for (PetscInt k = 0; k < nleg; k++) {
        const PetscInt x0 = k * (P / 2) - P / 2 + (PetscInt)(11 * StzRngUniform(StzRngKey(17, 0), (uint64_t)k)) - 5, dir = k % 2 ? -1 : 1, xs = dir > 0 ? x0 : x0 + ny - 1;
        for (PetscInt y = 0; y < ny; y++)
          for (PetscInt x = xs + dir * y - 1; x <= xs + dir * y + 1; x++)
            if (x >= 0 && x < L) z[y * L + x] = 0.2;
      }
      PetscCall(StzPeriodAlongX(L, ny, z, L / 8, L - L / 8, &per, &cor));
      PetscCall(StzBandsCompute(L, ny, PETSC_FALSE, z, a, STZ_MAX_BANDS, sb, &nsb));
      PetscCall(StzPeriodPValue(L, ny, a, sb, nsb, L / 8, L - L / 8, 99, StzRngKey(11, 1), &pv));
      STZ_CHECK(per > 0 && PetscAbsInt(per - P) <= 5 && pv <= 0.05, "the zigzag with its %d legs moved by up to 5 sites: period %d (%d +- 5), regularity %.3f, p = %.3f (<= 0.05)", (int)nsb, (int)per,
                (int)P, (double)cor, (double)pv);
    }
    /* The null hypothesis: nb straight bands three sites wide, each at 45 or 135 deg through the strip's height, centred at
     * uniformly random places along it (the zigzag's band density; where they overlap the detector sees one wider band).
     * Under it the p-value is uniform: of K = 100 such strips about 5 fall at p <= 0.05, and the binomial tail
     * P(>= 13 | 100, 0.05) = 0.0015 bounds the count; a test that never rejects (p near 1 always) fails the second check,
     * that at least 35 fall at p <= 0.5 (tail P(<= 34 | 100, 0.5) = 0.0009). */
    {
      const PetscInt L = nx, K = 100, nb = L / (ny - 1);
      PetscInt       low = 0, half = 0, nper = 0;
      for (PetscInt k = 0; k < K; k++) {
        PetscReal pv = 1;
        for (PetscInt i = 0; i < L * ny; i++) z[i] = 0.01;
        for (PetscInt b = 0; b < nb; b++) {
          const PetscInt x0 = (PetscInt)(StzRngUniform(StzRngKey(13, (uint64_t)k), (uint64_t)(2 * b)) * L), dir = StzRngUniform(StzRngKey(13, (uint64_t)k), (uint64_t)(2 * b + 1)) < 0.5 ? 1 : -1;
          for (PetscInt y = 0; y < ny; y++)
            for (PetscInt x = x0 + dir * y - 1; x <= x0 + dir * y + 1; x++)
              if (x >= 0 && x < L) z[y * L + x] = 0.2;
        }
        PetscCall(StzPeriodAlongX(L, ny, z, L / 8, L - L / 8, &per, &cor));
        if (per > 0) nper++;
        PetscCall(StzBandsCompute(L, ny, PETSC_FALSE, z, a, STZ_MAX_BANDS, sb, &nsb));
        PetscCall(StzPeriodPValue(L, ny, a, sb, nsb, L / 8, L - L / 8, 99, StzRngKey(11, (uint64_t)k), &pv));
        low += pv <= 0.05, half += pv <= 0.5;
      }
      STZ_CHECK(low <= 12 && half >= 35, "bands at random places along %d strips: %d with p <= 0.05 (expect ~%d, at most 12), %d with p <= 0.5 (expect ~%d, at least 35); %d had a spacing", (int)K,
                (int)low, (int)(K / 20), (int)half, (int)(K / 2), (int)nper);
    }
    for (PetscInt i = 0; i < nx * ny; i++) z[i] = StzRngUniform(StzRngKey(7, 1), (uint64_t)i);
    PetscCall(StzPeriodAlongX(nx, ny, z, nx / 8, nx - nx / 8, &per, &cor));
    STZ_CHECK(cor < 0.1, "uncorrelated noise has no period: correlation %.3f at lag %d (< 0.1; pairs ~ %d)", (double)cor, (int)per, (int)(ny * nx / 2));
    PetscCall(PetscFree2(z, sb));
  }
  /* Fisher's method, against values computed by hand: one p-value is itself; two of 0.05 give X = 2 ln 400 = 11.98 on 4
   * degrees of freedom, P = (1 + ln 400) / 400 = 0.01748; four of 1 give 1. */
  {
    const PetscReal one[1] = {0.3}, two[2] = {0.05, 0.05}, four[4] = {1, 1, 1, 1};
    STZ_CHECK(StzClose(StzFisherCombine(1, one), 0.3, 1e-12, 0) && StzClose(StzFisherCombine(2, two), (1 + PetscLogReal(400.0)) / 400, 1e-12, 0) && StzClose(StzFisherCombine(4, four), 1, 1e-12, 0),
              "Fisher's combination: %.6f (0.3), %.6f (0.017478), %.6f (1)", (double)StzFisherCombine(1, one), (double)StzFisherCombine(2, two), (double)StzFisherCombine(4, four));
  }
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
