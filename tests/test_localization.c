/* The localization index and the bands on fields whose answer is known by construction:
 * uniform strain -> 0 and no band; a band over a tenth of the diagonal lines -> 0.9 at 45 deg; a band over half the rows ->
 * 0.5 at 0 deg. Bands (bands.csv): two 45-deg bands of three lines each at lines 5-7 and 25-27 of a 40 x 40 box -> two bands,
 * centres 6 d and 26 d, widths 3 d, spacing 20 d both ways (d = a / sqrt2 between diagonal lines, period 40 d), half the
 * strain each; a band of rows 38, 39, 0, 1, across the periodic edge -> one band of width 4 a centred at 39.5 a. */
#include <stzdyn/stzdyn.h>
#include "../lib/impl.h"
#include "check.h"

int main(int argc, char **argv)
{
  const PetscInt  n = 40;
  const PetscReal a = 1e-9, d = a / PetscSqrtReal(2.0);
  PetscReal       g[40 * 40], period;
  StzLocalization loc;
  StzBand         bands[16];
  PetscInt        nb;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (PetscInt i = 0; i < n * n; i++) g[i] = 0.05;
  PetscCall(StzLocalizationCompute(n, n, g, &loc));
  STZ_CHECK(PetscAbsReal(loc.index) < 1e-12, "uniform plastic strain: index %.3e (expect 0)", (double)loc.index);
  PetscCall(StzBandsCompute(n, n, g, a, &loc, 16, bands, &nb, &period));
  STZ_CHECK(nb == 0, "and no band (%d)", (int)nb);
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) g[y * n + x] = (((y - x) % n + n) % n) < n / 10 ? 0.2 : 0.0;
  PetscCall(StzLocalizationCompute(n, n, g, &loc));
  STZ_CHECK(StzClose(loc.index, 0.9, 1e-12, 0) && StzClose(loc.angle_deg, 45, 1e-9, 0), "band over a tenth of the 45-deg lines: index %.4f (0.9), angle %.1f deg (45)", (double)loc.index,
            (double)loc.angle_deg);
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) g[y * n + x] = y < n / 2 ? 0.1 : 0.0;
  PetscCall(StzLocalizationCompute(n, n, g, &loc));
  STZ_CHECK(StzClose(loc.index, 0.5, 1e-12, 0) && StzClose(loc.angle_deg, 0, 1e-9, 1e-9), "band over half the rows: index %.4f (0.5), angle %.1f deg (0)", (double)loc.index, (double)loc.angle_deg);
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) {
      const PetscInt l = ((y - x) % n + n) % n;
      g[y * n + x]     = (l >= 5 && l <= 7) || (l >= 25 && l <= 27) ? 0.2 : 0.0;
    }
  PetscCall(StzLocalizationCompute(n, n, g, &loc));
  PetscCall(StzBandsCompute(n, n, g, a, &loc, 16, bands, &nb, &period));
  STZ_CHECK(nb == 2 && StzClose(loc.angle_deg, 45, 1e-9, 0) && StzClose(period, 40 * d, 1e-12, 0), "two 45-deg bands: %d found at %.1f deg, period %.4g m (40 a / sqrt2)", (int)nb,
            (double)loc.angle_deg, (double)period);
  if (nb == 2) {
    STZ_CHECK(StzClose(bands[0].position_m, 6 * d, 1e-12, 0) && StzClose(bands[1].position_m, 26 * d, 1e-12, 0) && StzClose(bands[0].width_m, 3 * d, 1e-12, 0),
              "at 6 d and 26 d (%.4g, %.4g m), 3 d wide (%.4g m)", (double)bands[0].position_m, (double)bands[1].position_m, (double)bands[0].width_m);
    STZ_CHECK(StzClose(bands[0].share, 0.5, 1e-12, 0) && StzClose(bands[1].mean_shear, 0.2, 1e-12, 0), "each carrying half the strain (%.3f) at the band's shear (%.3f)", (double)bands[0].share,
              (double)bands[1].mean_shear);
  }
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) g[y * n + x] = (y >= 38 || y <= 1) ? 0.1 : 0.0;
  PetscCall(StzLocalizationCompute(n, n, g, &loc));
  PetscCall(StzBandsCompute(n, n, g, a, &loc, 16, bands, &nb, &period));
  STZ_CHECK(nb == 1 && StzClose(bands[0].width_m, 4 * a, 1e-12, 0) && StzClose(bands[0].position_m, 39.5 * a, 1e-12, 0) && StzClose(bands[0].share, 1, 1e-12, 0),
            "a band of rows across the periodic edge: %d band, %.4g m wide (4 a), centred at %.4g m (39.5 a)", (int)nb, nb ? (double)bands[0].width_m : 0.0, nb ? (double)bands[0].position_m : 0.0);
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
