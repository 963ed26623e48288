/* Localization of plastic strain into bands, and the bands themselves.
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
  loc->p = 0, loc->q = 1;
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
        loc->index = idx;
        loc->p = p, loc->q = q;
        loc->angle_deg = (q == 0) ? 90.0 : PetscAtanReal((PetscReal)p / q) * 180.0 / PETSC_PI;
        if (loc->angle_deg < 0) loc->angle_deg += 180.0;
      }
    }
  }
  PetscCall(PetscFree(line));
  PetscFunctionReturn(0);
}

/* Bands. The line sums of the most localized family form a profile along its normal; a band is a run of adjacent lines
 * (cyclic: the lines wrap in a periodic box) each carrying more than twice the mean line sum. Twice the mean keeps the
 * counting noise of homogeneous flow out (a line fluctuates by far less than its mean once each carries many events) while
 * a band over a tenth of the lines carries ten times the mean. Adjacent lines of family (p, q) are a / sqrt(p^2 + q^2)
 * apart. */
PetscErrorCode StzBandsCompute(PetscInt nx, PetscInt ny, const PetscReal g[], PetscReal a, const StzLocalization *loc, PetscInt max, StzBand bands[], PetscInt *nb, PetscReal *period_m)
{
  const PetscInt  p = loc->p, q = loc->q, n = PetscMax(nx, ny), nl = (p == 0) ? ny : (q == 0 ? nx : n);
  const PetscReal d = a / PetscSqrtReal((PetscReal)(p * p + q * q)), per_line = (PetscReal)(nx * ny) / nl;
  PetscReal      *line, total                                                 = 0, thr;
  PetscInt        start = -1;

  PetscFunctionBeginUser;
  *nb       = 0;
  *period_m = nl * d;
  PetscCall(PetscCalloc1(nl, &line));
  for (PetscInt y = 0; y < ny; y++)
    for (PetscInt x = 0; x < nx; x++) {
      const PetscInt l = q == 0 ? x : ((q * y - p * x) % nl + 2 * nl * 4) % nl;
      line[l] += g[y * nx + x];
      total += g[y * nx + x];
    }
  thr = 2 * total / nl;
  for (PetscInt l = 0; l < nl && start < 0; l++)
    if (!(line[l] > thr)) start = l; /* scan from a line outside every band, so no run is split by the wrap */
  if (total <= 0 || start < 0) {
    PetscCall(PetscFree(line));
    PetscFunctionReturn(0);
  }
  for (PetscInt k = 1; k <= nl && *nb < max; k++) {
    const PetscInt l0  = (start + k) % nl;
    PetscInt       len = 0;
    PetscReal      sum = 0, wsum = 0, wpos = 0;
    if (!(line[l0] > thr)) continue;
    while (k + len <= nl && line[(start + k + len) % nl] > thr) {
      const PetscReal w = line[(start + k + len) % nl] - thr;
      sum += line[(start + k + len) % nl];
      wsum += w;
      wpos += w * (start + k + len); /* unwrapped index */
      len++;
    }
    bands[*nb].position_m = PetscFmodReal(wpos / wsum, (PetscReal)nl) * d;
    bands[*nb].width_m    = len * d;
    bands[*nb].mean_shear = sum / (len * per_line);
    bands[*nb].share      = sum / total;
    (*nb)++;
    k += len - 1;
  }
  /* In order of position. */
  for (PetscInt i = 1; i < *nb; i++)
    for (PetscInt j = i; j > 0 && bands[j].position_m < bands[j - 1].position_m; j--) {
      const StzBand t = bands[j];
      bands[j]        = bands[j - 1];
      bands[j - 1]    = t;
    }
  PetscCall(PetscFree(line));
  PetscFunctionReturn(0);
}
