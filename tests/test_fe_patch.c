/* Patch tests of the periodic FE box (elasticity theory: a uniform eigenstrain in a periodic body causes no
 * incompatibility, so the total strain is uniform).
 *  - zero mean strain: stress is uniform and equals -C:eps* exactly (to solver round-off);
 *  - zero mean stress: stress vanishes and the mean strain equals eps*.
 *  - a body with free edges and uniform eigenstrain is stress-free as well (compatible eigenstrain, no constraint). */
#include <stzdyn/stzdyn.h>
#include "check.h"

static PetscErrorCode RunBox(StzBCType bc, PetscInt control)
{
  StzFEGeometry   g      = {.nex = 12, .ney = 8, .element_size_m = 1e-9, .mu_pa = 35e9, .nu = 0.35};
  const PetscReal eps[3] = {1.3e-3, -0.4e-3, 0.7e-3};
  PetscReal      *eig, *s, C_eps[3], E[3], energy, maxdev = 0, maxs = 0;
  StzMacroLoad    load = {{control, control, control}, {0, 0, 0}};
  StzFE           fe;
  const PetscInt  nel = g.nex * g.ney;

  PetscFunctionBeginUser;
  for (int e = 0; e < 4; e++) g.bc[e] = bc;
  PetscCall(StzFECreate(PETSC_COMM_WORLD, &g, &fe));
  PetscCall(PetscMalloc2(3 * nel, &eig, 3 * nel, &s));
  for (PetscInt e = 0; e < nel; e++)
    for (int c = 0; c < 3; c++) eig[3 * e + c] = eps[c];
  PetscCall(StzFESolve(fe, eig, bc == STZ_BC_PERIODIC ? &load : NULL, s, E, &energy));
  StzHookePlaneStrain(g.mu_pa, g.nu, eps, C_eps);
  for (PetscInt e = 0; e < nel; e++)
    for (int c = 0; c < 3; c++) {
      const PetscReal expect = (bc == STZ_BC_PERIODIC && control == 0) ? -C_eps[c] : 0.0;
      maxdev                 = PetscMax(maxdev, PetscAbsReal(s[3 * e + c] - expect));
      maxs                   = PetscMax(maxs, PetscAbsReal(C_eps[c]));
    }
  if (bc == STZ_BC_PERIODIC && control == 0) {
    STZ_CHECK(maxdev <= 1e-10 * maxs, "periodic box, zero mean strain: stress = -C:eps* everywhere (max deviation %.3e of %.3e Pa)", (double)maxdev, (double)maxs);
    STZ_CHECK(StzClose(energy, 0.5 * g.nex * g.ney * 1e-18 * (C_eps[0] * eps[0] + C_eps[1] * eps[1] + 2 * C_eps[2] * eps[2]), 1e-10, 0),
              "periodic box, zero mean strain: energy = 1/2 eps*:C:eps* x area (%.6e J/m)", (double)energy);
  } else {
    STZ_CHECK(maxdev <= 1e-10 * maxs, "%s, uniform eigenstrain: stress-free (max |sigma| %.3e Pa against C:eps* %.3e Pa)", bc == STZ_BC_PERIODIC ? "periodic box at zero mean stress" : "free body",
              (double)maxdev, (double)maxs);
    for (int c = 0; c < 3; c++) STZ_CHECK(StzClose(E[c], eps[c], 1e-10, 0), "mean strain component %d = eps* (%.9e vs %.9e)", c, (double)E[c], (double)eps[c]);
    STZ_CHECK(PetscAbsReal(energy) <= 1e-16 * nel * 1e-18 * maxs * 1e-3, "no stored elastic energy (%.3e J/m)", (double)energy);
  }
  PetscCall(PetscFree2(eig, s));
  PetscCall(StzFEDestroy(&fe));
  PetscFunctionReturn(0);
}

/* A body on rollers (left: u_x = 0, bottom: u_y = 0), free on the right, pulled on top by a uniform traction t (or a roller
 * displacement u): statics gives the uniform uniaxial plane-strain state sigma_yy = t, sigma_xx = sigma_xy = 0 with
 * eps_yy = t (1 - nu^2) / E = t (1 - nu) / (2 mu); with the displacement, sigma_yy = 2 mu / (1 - nu) u / H. */
static PetscErrorCode RunEdges(PetscBool traction)
{
  StzFEGeometry   g = {.nex = 10, .ney = 6, .element_size_m = 2e-9, .mu_pa = 35e9, .nu = 0.35};
  const PetscReal t = 1e8, H = 6 * 2e-9, u = 1e-3 * H, expect = traction ? t : 2 * 35e9 / (1 - 0.35) * u / H;
  PetscReal       s[3 * 60], E[3], dev = 0;
  StzFE           fe;

  PetscFunctionBeginUser;
  g.bc[STZ_EDGE_LEFT]         = STZ_BC_ROLLER;
  g.bc[STZ_EDGE_BOTTOM]       = STZ_BC_ROLLER;
  g.bc[STZ_EDGE_RIGHT]        = STZ_BC_FREE;
  g.bc[STZ_EDGE_TOP]          = traction ? STZ_BC_TRACTION : STZ_BC_ROLLER;
  g.bc_value[STZ_EDGE_TOP][0] = traction ? 0 : u;
  g.bc_value[STZ_EDGE_TOP][1] = traction ? t : 0;
  PetscCall(StzFECreate(PETSC_COMM_WORLD, &g, &fe));
  PetscCall(StzFESolve(fe, NULL, NULL, s, E, NULL));
  for (PetscInt e = 0; e < 60; e++) dev = PetscMax(dev, PetscMax(PetscAbsReal(s[3 * e + 1] - expect), PetscMax(PetscAbsReal(s[3 * e]), PetscAbsReal(s[3 * e + 2]))));
  STZ_CHECK(dev <= 1e-8 * expect, "%s on top of a body on rollers: uniform uniaxial stress sigma_yy = %.4e Pa, others 0 (max deviation %.2e Pa)", traction ? "traction" : "roller displacement",
            (double)expect, (double)dev);
  STZ_CHECK(StzClose(E[1], expect * (1 - 0.35) / (2 * 35e9), 1e-8, 0), "mean strain eps_yy = sigma (1 - nu) / (2 mu): %.6e vs %.6e", (double)E[1], (double)(expect * (1 - 0.35) / (2 * 35e9)));
  PetscCall(StzFEDestroy(&fe));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(RunBox(STZ_BC_PERIODIC, 0));
  PetscCall(RunBox(STZ_BC_PERIODIC, 1));
  PetscCall(RunBox(STZ_BC_FREE, 0));
  PetscCall(RunEdges(PETSC_TRUE));
  PetscCall(RunEdges(PETSC_FALSE));
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
