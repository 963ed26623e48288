/* Reciprocity and symmetry (linear elasticity: the stiffness is symmetric, so by Betti's theorem the stress at B caused by a
 * unit eigenstrain at A, contracted with a unit eigenstrain at B, equals the converse: eps_B : sigma_B(eps_A) = eps_A : sigma_A(eps_B)).
 * Checked for a periodic box and for a body with free, fixed and roller edges. */
#include <stzdyn/stzdyn.h>
#include "check.h"

static PetscErrorCode Run(const char *what, StzBCType l, StzBCType r, StzBCType b, StzBCType t)
{
  StzFEGeometry   g   = {.nex = 24, .ney = 20, .element_size_m = 1e-9, .mu_pa = 35e9, .nu = 0.35};
  const PetscInt  nel = g.nex * g.ney, A = 5 * g.nex + 4, B = 13 * g.nex + 17;
  const PetscReal eA[3] = {1e-3, -0.4e-3, 0.7e-3}, eB[3] = {-0.3e-3, 0.9e-3, 0.2e-3};
  PetscReal      *eig, *s, asym, wAB, wBA;
  StzFE           fe;

  PetscFunctionBeginUser;
  g.bc[STZ_EDGE_LEFT] = l, g.bc[STZ_EDGE_RIGHT] = r, g.bc[STZ_EDGE_BOTTOM] = b, g.bc[STZ_EDGE_TOP] = t;
  PetscCall(StzFECreate(PETSC_COMM_WORLD, &g, &fe));
  PetscCall(StzFEStiffnessAsymmetry(fe, &asym));
  STZ_CHECK(asym < 1e-14, "%s: assembled stiffness is symmetric (max |K - K^T| / max |K| = %.2e)", what, (double)asym);
  PetscCall(PetscCalloc2(3 * nel, &eig, 3 * nel, &s));
  for (int c = 0; c < 3; c++) eig[3 * A + c] = eA[c];
  PetscCall(StzFESolve(fe, eig, NULL, s, NULL, NULL));
  wAB = s[3 * B] * eB[0] + s[3 * B + 1] * eB[1] + 2 * s[3 * B + 2] * eB[2];
  for (int c = 0; c < 3; c++) eig[3 * A + c] = 0, eig[3 * B + c] = eB[c];
  PetscCall(StzFESolve(fe, eig, NULL, s, NULL, NULL));
  wBA = s[3 * A] * eA[0] + s[3 * A + 1] * eA[1] + 2 * s[3 * A + 2] * eA[2];
  STZ_CHECK(StzClose(wAB, wBA, 1e-9, 0), "%s: Betti reciprocity eps_B:sigma(A) = %.12e vs eps_A:sigma(B) = %.12e Pa", what, (double)wAB, (double)wBA);
  STZ_CHECK(PetscAbsReal(wAB) > 1e-3 * 35e9 * 1e-3 * 1e-3, "%s: the interaction is not trivially zero (%.3e Pa)", what, (double)wAB);
  PetscCall(PetscFree2(eig, s));
  PetscCall(StzFEDestroy(&fe));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(Run("periodic box", STZ_BC_PERIODIC, STZ_BC_PERIODIC, STZ_BC_PERIODIC, STZ_BC_PERIODIC));
  PetscCall(Run("free/fixed/roller body", STZ_BC_FREE, STZ_BC_ROLLER, STZ_BC_FIXED, STZ_BC_FREE));
  PetscCall(Run("slab periodic in x", STZ_BC_PERIODIC, STZ_BC_PERIODIC, STZ_BC_FIXED, STZ_BC_FREE));
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
