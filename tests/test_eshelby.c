/* Circular Eshelby inclusion in a large periodic box (plane strain), against elasticity theory.
 *
 * A circular inclusion with uniform eigenstrain eps*_xy = e0 in an infinite isotropic plane-strain matrix has uniform
 * interior strain eps_xy = 2 S_1212 e0 with S_1212 = (3 - 4 nu) / (8 (1 - nu)) (Eshelby 1957; Mura, Micromechanics of
 * Defects in Solids, sec. 11), so the interior stress is sigma_xy = -mu e0 / (2 (1 - nu)) and the elastic energy per unit
 * depth is W = -1/2 sigma^I : eps* A = mu e0^2 pi R^2 / (2 (1 - nu)).
 * Outside, the stress decays as r^-2 with the four-fold pattern cos(4 phi) (Picard et al., EPJE 15, 371, 2004): along
 * phi = 0 and phi = 45 deg the shear stress has opposite signs and equal magnitudes at large r.
 * The box is at zero mean stress, so the inclusion is free to change the box's mean strain, as in an infinite body.
 * Each element carries the eigenstrain times its area fraction inside the circle, so refining the mesh converges to the
 * circle rather than to a different staircase shape. What remains at convergence is the interaction with the periodic
 * images, which scales with the area fraction f = pi R^2 / L^2: halving R/L must cut the error by about four.
 */
#include <stzdyn/stzdyn.h>
#include "check.h"

typedef struct {
  PetscReal  interior_err;  /* RMS relative deviation of sigma_xy from the analytic value over r < R/2 */
  PetscReal  interior_mean; /* mean sigma_xy over r < R/2, Pa */
  PetscReal  energy;        /* J/m */
  PetscReal  clapeyron;     /* -1/2 sum_e A_e sigma_e : eps*_e, J/m */
  PetscReal *s;             /* element stresses */
  PetscInt   n;             /* elements per side */
} Result;

static PetscErrorCode Solve(PetscReal radius, PetscInt box, PetscReal mu, PetscReal nu, PetscReal e0, Result *res)
{
  StzFEGeometry g    = {.nex = box, .ney = box, .element_size_m = 1.0, .mu_pa = mu, .nu = nu};
  StzMacroLoad  load = {{1, 1, 1}, {0, 0, 0}};
  PetscReal    *eig, c = 0.5 * box, expect = -mu * e0 / (2 * (1 - nu)), sum = 0, sum2 = 0;
  PetscInt      cnt = 0;
  StzFE         fe;

  PetscFunctionBeginUser;
  for (int e = 0; e < 4; e++) g.bc[e] = STZ_BC_PERIODIC;
  PetscCall(StzFECreate(PETSC_COMM_WORLD, &g, &fe));
  PetscCall(PetscCalloc1(3 * box * box, &eig));
  PetscCall(PetscMalloc1(3 * box * box, &res->s));
  for (PetscInt j = 0; j < box; j++)
    for (PetscInt i = 0; i < box; i++) {
      PetscReal x = i + 0.5 - c, y = j + 0.5 - c;
      int       in = 0;
      for (int a = 0; a < 8; a++)
        for (int b = 0; b < 8; b++) {
          PetscReal xx = x - 0.5 + (a + 0.5) / 8, yy = y - 0.5 + (b + 0.5) / 8;
          if (xx * xx + yy * yy < radius * radius) in++;
        }
      eig[3 * (j * box + i) + 2] = e0 * in / 64.0;
    }
  PetscCall(StzFESolve(fe, eig, &load, res->s, NULL, &res->energy));
  res->clapeyron = 0;
  for (PetscInt e = 0; e < box * box; e++) res->clapeyron -= 0.5 * 2 * res->s[3 * e + 2] * eig[3 * e + 2]; /* element area 1 m^2 */
  for (PetscInt j = 0; j < box; j++)
    for (PetscInt i = 0; i < box; i++) {
      PetscReal x = i + 0.5 - c, y = j + 0.5 - c, v = res->s[3 * (j * box + i) + 2];
      if (x * x + y * y < 0.25 * radius * radius) {
        sum += v;
        sum2 += (v - expect) * (v - expect);
        cnt++;
      }
    }
  res->interior_mean = sum / cnt;
  res->interior_err  = PetscSqrtReal(sum2 / cnt) / PetscAbsReal(expect);
  res->n             = box;
  PetscCall(PetscFree(eig));
  PetscCall(StzFEDestroy(&fe));
  PetscFunctionReturn(0);
}

/* sigma_xy at distance r (in elements) from the box centre along direction phi, by bilinear interpolation of element values. */
static PetscReal Sample(const Result *r, PetscReal dist, PetscReal phi)
{
  PetscReal x = 0.5 * r->n + dist * PetscCosReal(phi) - 0.5, y = 0.5 * r->n + dist * PetscSinReal(phi) - 0.5;
  PetscInt  i = (PetscInt)PetscFloorReal(x), j = (PetscInt)PetscFloorReal(y);
  PetscReal fx = x - i, fy = y - j;
#define S(I, J) r->s[3 * ((J)*r->n + (I)) + 2]
  return (1 - fx) * (1 - fy) * S(i, j) + fx * (1 - fy) * S(i + 1, j) + (1 - fx) * fy * S(i, j + 1) + fx * fy * S(i + 1, j + 1);
#undef S
}

int main(int argc, char **argv)
{
  const PetscReal mu = 35e9, nu = 0.35, e0 = 0.01, expect = -mu * e0 / (2 * (1 - nu));
  Result          r4, r8, r16, wide, far;
  Result         *seq[3] = {&r4, &r8, &r16};

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  /* One geometry (box = 16 R), three meshes. */
  PetscCall(Solve(4, 64, mu, nu, e0, &r4));
  PetscCall(Solve(8, 128, mu, nu, e0, &r8));
  PetscCall(Solve(16, 256, mu, nu, e0, &r16));
  PetscCall(Solve(8, 256, mu, nu, e0, &wide)); /* box = 32 R */
  for (int k = 1; k < 3; k++) {
    const Result  *r = seq[k];
    const PetscInt R = k == 1 ? 8 : 16;
    STZ_CHECK(StzClose(r->interior_mean, expect, 0.05, 0), "R = %d elements, box 16 R: interior sigma_xy %.4e Pa vs Eshelby %.4e Pa (5%%)", (int)R, (double)r->interior_mean, (double)expect);
    STZ_CHECK(r->interior_err < 0.05, "R = %d elements: interior stress uniform, RMS deviation from Eshelby %.2f%% (< 5%%)", (int)R, (double)(100 * r->interior_err));
    STZ_CHECK(StzClose(r->energy, r->clapeyron, 1e-9, 0), "R = %d: energy equals -1/2 int sigma:eps* dA (Clapeyron) to round-off: %.9e vs %.9e J/m", (int)R, (double)r->energy, (double)r->clapeyron);
  }
  {
    const PetscReal W = mu * e0 * e0 * PETSC_PI * 8 * 8 / (2 * (1 - nu));
    STZ_CHECK(StzClose(wide.energy, W, 0.05, 0), "R = 8 elements, box 32 R: elastic energy %.5e J/m vs analytic %.5e J/m (5%%)", (double)wide.energy, (double)W);
    /* The energy's relative error is a mesh term a / R plus an image term c f (f the area fraction), and nothing else: both
     * vanish in an infinite, fine body, where the energy must be Eshelby's. Fitted on the two 16 R boxes (same f), a and c f
     * predict the 32 R box's error (f / 4); a constant offset d (a missing or wrong term) would show as 0.75 d there, so
     * agreement within 0.3 % of W bounds any offset below 0.4 %. */
    {
      const PetscReal e8 = r8.energy / W - 1, e16 = r16.energy / (4 * W) - 1, ew = wide.energy / W - 1;
      const PetscReal a = 16 * (e8 - e16), cf = 2 * e16 - e8, pred = a / 8 + cf / 4;
      STZ_CHECK(PetscAbsReal(ew - pred) < 0.003,
                "energy errors %.2f %% (R 8), %.2f %% (R 16) in 16 R boxes give a / R + c f, which predicts %.2f %% for R 8 in a 32 R box: measured %.2f %% (within 0.3 %%)", (double)(100 * e8),
                (double)(100 * e16), (double)(100 * pred), (double)(100 * ew));
    }
  }
  {
    const PetscReal d1 = PetscAbsReal(r8.interior_mean - r4.interior_mean), d2 = PetscAbsReal(r16.interior_mean - r8.interior_mean);
    const PetscReal e16 = PetscAbsReal(r16.interior_mean - expect), e8 = PetscAbsReal(r8.interior_mean - expect), ew = PetscAbsReal(wide.interior_mean - expect);
    STZ_CHECK(d2 < 0.5 * d1, "mesh convergence: change R=8 -> 16 (%.3e Pa) is less than half the change R=4 -> 8 (%.3e Pa)", (double)d2, (double)d1);
    STZ_CHECK(e16 < e8, "error against Eshelby shrinks under refinement: %.3f%% (R=16) < %.3f%% (R=8)", (double)(100 * e16 / -expect), (double)(100 * e8 / -expect));
    STZ_CHECK(e8 / ew > 2.5 && e8 / ew < 6.0, "remaining error is the periodic images': box 16R -> 32R (f / 4) cuts it by %.2f (expect about 4, allowed 2.5..6)", (double)(e8 / ew));
    STZ_CHECK(ew / -expect < 0.01, "box 32 R: interior stress within 1%% of Eshelby (%.3f%%)", (double)(100 * ew / -expect));
  }

  /* Far field: a small inclusion (R = 1.5 elements) in a box 512 elements wide; fit log|sigma_xy| against log r over a decade.
   * The four-fold pattern is checked out to r = 30 = L/17; further out the periodic images bend it by more than 5%. */
  PetscCall(Solve(1.5, 512, mu, nu, e0, &far));
  {
    const PetscInt np = 11;
    PetscReal      sx = 0, sy = 0, sxx = 0, sxy = 0, slope, worst_ratio = 0;
    for (PetscInt k = 0; k < np; k++) {
      PetscReal r  = 6.0 * PetscPowReal(10.0, (PetscReal)k / (np - 1)); /* 6 .. 60 elements */
      PetscReal v0 = Sample(&far, r, 0), v45 = Sample(&far, r, PETSC_PI / 4), v90 = Sample(&far, r, PETSC_PI / 2);
      PetscReal lx = PetscLogReal(r), ly = PetscLogReal(PetscAbsReal(v0));
      sx += lx, sy += ly, sxx += lx * lx, sxy += lx * ly;
      if (r <= 30.0) worst_ratio = PetscMax(worst_ratio, PetscMax(PetscAbsReal(v45 / v0 + 1), PetscAbsReal(v90 / v0 - 1)));
      if (k == 0 || k == np - 1)
        STZ_CHECK(v0 > 0 && v45 < 0, "r = %.0f: sigma_xy along 0 deg (%.3e Pa) and 45 deg (%.3e Pa) have the signs of cos(4 phi) for a relieving inclusion", (double)r, (double)v0, (double)v45);
    }
    slope = (np * sxy - sx * sy) / (np * sxx - sx * sx);
    STZ_CHECK(PetscAbsReal(slope + 2) <= 0.15, "far-field decay: log-log slope of |sigma_xy| over r = 6..60 elements is %.3f (expect -2 +- 0.15)", (double)slope);
    STZ_CHECK(worst_ratio < 0.05, "four-fold pattern: sigma_xy(45 deg) = -sigma_xy(0 deg) and sigma_xy(90 deg) = sigma_xy(0 deg) within 5%% for r <= 30 (worst %.3f)", (double)worst_ratio);
  }
  for (int k = 0; k < 3; k++) PetscCall(PetscFree(seq[k]->s));
  PetscCall(PetscFree(wide.s));
  PetscCall(PetscFree(far.s));
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
