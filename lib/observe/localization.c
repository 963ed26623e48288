/* Localization of plastic strain into bands.
 *
 * In a periodic box a straight band follows a family of lattice lines that wraps onto itself: rows (0 deg), columns (90),
 * diagonals (45, 135) and the slope-1/2 and slope-2 families (26.6, 63.4, 116.6, 153.4 deg). For each family the plastic
 * strain is summed per line, L_l, and its participation ratio PR = (sum L)^2 / (n sum L^2) is the fraction of lines that
 * effectively carry the strain. The index 1 - PR is 0 when every line carries the same strain, 0.5 for a band over half the
 * lines and 0.9 for a band over a tenth of them; the reported index and angle are those of the family with the largest index.
 * (A top-10%-share measure was tried first and read a half-box band as nearly homogeneous.) Uncorrelated activity gives a
 * small positive index from counting noise. */
#include "../impl.h"

void StzPlasticShear(PetscInt N, const PetscReal e[], PetscReal out[])
{
  for (PetscInt i = 0; i < N; i++) out[i] = 2.0 * PetscSqrtReal(0.25 * (e[3 * i] - e[3 * i + 1]) * (e[3 * i] - e[3 * i + 1]) + e[3 * i + 2] * e[3 * i + 2]);
}

PetscErrorCode StzLocalizationCompute(PetscInt nx, PetscInt ny, const PetscReal g[], StzLocalization *loc)
{
  /* Line families as (p, q): line index of site (x, y) is (q y - p x) mod n for a direction of slope p/q. */
  const PetscInt fam[8][2] = {{0, 1}, {1, 0}, {1, 1}, {-1, 1}, {1, 2}, {2, 1}, {-2, 1}, {-1, 2}};
  const PetscInt n         = PetscMax(nx, ny);
  PetscReal     *line, total = 0;

  PetscFunctionBeginUser;
  loc->index     = 0;
  loc->angle_deg = 0;
  for (PetscInt i = 0; i < nx * ny; i++) total += g[i];
  if (total <= 0) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(n, &line));
  for (int f = 0; f < 8; f++) {
    const PetscInt p = fam[f][0], q = fam[f][1];
    PetscInt       nl;
    /* Only square boxes wrap the inclined families onto n lines; rectangles use rows and columns alone. */
    if (nx != ny && p != 0 && q != 0) continue;
    nl = (p == 0) ? ny : (q == 0 ? nx : n);
    PetscCall(PetscArrayzero(line, n));
    for (PetscInt y = 0; y < ny; y++)
      for (PetscInt x = 0; x < nx; x++) {
        PetscInt l = ((q * y - p * x) % nl + 2 * nl * 4) % nl;
        if (q == 0) l = x;
        line[l] += g[y * nx + x];
      }
    {
      PetscReal s1 = 0, s2 = 0, idx;
      for (PetscInt k = 0; k < nl; k++) s1 += line[k], s2 += line[k] * line[k];
      idx = 1 - s1 * s1 / (nl * s2);
      if (idx > loc->index) {
        loc->index     = idx;
        loc->angle_deg = (q == 0) ? 90.0 : PetscAtanReal((PetscReal)p / q) * 180.0 / PETSC_PI;
        if (loc->angle_deg < 0) loc->angle_deg += 180.0;
      }
    }
  }
  PetscCall(PetscFree(line));
  PetscFunctionReturn(0);
}
