/* Rolling by a roll gap travelling along a strip (docs/model.md 10e), against contact mechanics and rolling theory:
 *  - Elastic contact (a strip 128 x 16 sites after a pass too shallow and too cold to flow, 0.3 % of its height at 10 K):
 *    the strip is uniform away from its ends, so the roll's force does not depend on where it stands in the middle (within
 *    1 % at 0.35, 0.5 and 0.65 of the length); a frictionless roll on a flat elastic strip presses symmetrically about its
 *    lowest point, so the centroid of the contact forces is the roll's position (within a quarter of an element); and the
 *    force grows with the depth as F ~ delta^n between the two limits of contact mechanics: n -> 1 (up to a logarithm) for
 *    a contact short against the thickness (Hertz's line contact on a half-plane, where delta ~ (F / E*) ln(...)) and
 *    n = 3/2 for one long against it (a thin layer acts as a Winkler foundation: p = E_c (delta - x^2 / 2R) / H over a
 *    contact 2 sqrt(2 R delta) long, so F ~ delta^(3/2)); the contact here is about as long as the strip is thick, so
 *    1.0 < n < 1.55.
 *    The pass left no plastic thinning (under 1e-4 of the height).
 *  - A pass that flows (annealed Vitreloy 1 at 300 K, the roll 4 % of the height deep, 64 x 16 sites): the gap sets the exit
 *    thickness less the elastic spring-back (rolling theory: the strip leaves the gap at the roll's depth and recovers its
 *    elastic compression). So the plastic thinning of the middle half, read from its surface, lies between the depth minus
 *    twice the elastic strain of the mean roll pressure (p / E*, E* = 2 mu / (1 - nu), the plane-strain modulus) and the
 *    depth. A pass half as deep thins the strip less. Cold work raises the stored energy (the review in reference/: cold
 *    rolling rejuvenates). */
#include <stzdyn/stzdyn.h>
#include "../lib/impl.h"
#include "testrun.h"

/* passes.csv of the last run: the mean roll pressure (column 5) and the thickness reduction (7) of the first pass. */
static PetscErrorCode ReadPass(const char dir[], PetscReal *pressure, PetscReal *thinning)
{
  char  path[PETSC_MAX_PATH_LEN], line[2048];
  FILE *fp;
  int   ok = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/passes.csv", dir));
  fp = fopen(path, "r");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open %s", path);
  if (fgets(line, sizeof line, fp) && fgets(line, sizeof line, fp)) {
    double v[7];
    ok        = sscanf(line, "%*d,%lf,%lf,%lf,%lf,%lf,%lf", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) == 6;
    *pressure = v[3], *thinning = v[5];
  }
  fclose(fp);
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cannot read the first pass of %s", path);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  StzSim sim;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  {
    const char *base = "-stz_protocol roll-gap -stz_geometry block -stz_bc_bottom roller -stz_bc_top free -stz_material vitreloy1 -stz_initial_state annealed -stz_ny 16 -stz_seed 1 -stz_quiet";
    char        opt[1024];
    PetscReal   F[3], cen[3], len[3], x[3], F2, c2, l2, H, L, he, n;

    PetscCall(
        PetscSNPrintf(opt, sizeof opt, "%s -stz_nx 128 -stz_temperature_k 10 -stz_rolling_passes 1 -stz_rolling_pass_strain 0.003 -stz_output_dir test-output/stzdyn-test-rollgap/elastic", base));
    PetscCall(StzTestRun(opt, &sim));
    H  = 16 * sim->cfg.site_size_m;
    L  = 128 * sim->cfg.site_size_m;
    he = sim->cfg.site_size_m / sim->cfg.site_elems;
    /* On a node, between two nodes, on a node. */
    for (int k = 0; k < 3; k++) {
      x[k] = (0.35 + 0.15 * k) * L + (k == 1 ? 0.5 * he : 0);
      PetscCall(StzRollGapProbe(sim, x[k], 0.003 * H, &F[k], &cen[k], &len[k]));
    }
    PetscCall(StzRollGapProbe(sim, x[1], 0.006 * H, &F2, &c2, &l2));
    n = PetscLogReal(F2 / F[1]) / PetscLogReal(2.0);
    STZ_CHECK(StzClose(F[0], F[1], 0.01, 0) && StzClose(F[2], F[1], 0.01, 0),
              "the elastic roll's force does not depend on where it stands in the strip's middle: %.5g, %.5g, %.5g N/m at 0.35, 0.5, 0.65 L (1 %%)", (double)F[0], (double)F[1], (double)F[2]);
    STZ_CHECK(PetscAbsReal(cen[0] - x[0]) < 0.25 * he && PetscAbsReal(cen[1] - x[1]) < 0.25 * he && PetscAbsReal(cen[2] - x[2]) < 0.25 * he,
              "a frictionless roll presses symmetrically: its forces' centroid minus its position %.3g, %.3g, %.3g elements (a quarter allowed)", (double)((cen[0] - x[0]) / he),
              (double)((cen[1] - x[1]) / he), (double)((cen[2] - x[2]) / he));
    STZ_CHECK(n > 1.0 && n < 1.55, "F ~ depth^n between a half-plane's contact (n -> 1) and a thin layer's (3/2): n = %.3f, the contact %.3g nm = %.2f times the thickness", (double)n,
              (double)(len[1] * 1e9), (double)(len[1] / H));
    STZ_CHECK(PetscAbsReal(sim->kmc->mean_eig[1]) < 1e-4, "a shallow pass at 10 K leaves no plastic thinning: %.3g", (double)-sim->kmc->mean_eig[1]);
    PetscCall(StzSimDestroy(&sim));
  }
  {
    const char *base = "-stz_protocol roll-gap -stz_geometry block -stz_bc_bottom roller -stz_bc_top free -stz_material vitreloy1 -stz_initial_state annealed -stz_nx 64 -stz_ny 16 -stz_seed 1 "
                       "-stz_temperature_k 300 -stz_rolling_passes 1 -stz_quiet";
    char        opt[1024];
    PetscReal   p4, t4, p2, t2, Estar, e0, e1;
    StzEnergy   e;

    PetscCall(PetscSNPrintf(opt, sizeof opt, "%s -stz_rolling_pass_strain 0.04 -stz_output_dir test-output/stzdyn-test-rollgap/r4", base));
    PetscCall(StzTestRun(opt, &sim));
    Estar = 2 * sim->cfg.mat.shear_modulus_pa / (1 - sim->cfg.mat.poisson_ratio);
    e0    = sim->energy0.total_j_per_gatom;
    StzKmcEnergy(sim->kmc, &e);
    e1 = e.total_j_per_gatom;
    PetscCall(StzSimDestroy(&sim));
    PetscCall(ReadPass("test-output/stzdyn-test-rollgap/r4", &p4, &t4));
    PetscCall(PetscSNPrintf(opt, sizeof opt, "%s -stz_rolling_pass_strain 0.02 -stz_output_dir test-output/stzdyn-test-rollgap/r2", base));
    PetscCall(StzTestRun(opt, &sim));
    PetscCall(StzSimDestroy(&sim));
    PetscCall(ReadPass("test-output/stzdyn-test-rollgap/r2", &p2, &t2));
    STZ_CHECK(t4 >= 0.04 - 2 * p4 / Estar && t4 <= 0.04, "the gap sets the exit thickness less the spring-back: thinning %.4f within [0.04 - 2 p/E*, 0.04] = [%.4f, 0.04] (p = %.3g GPa)", (double)t4,
              (double)(0.04 - 2 * p4 / Estar), (double)(p4 / 1e9));
    STZ_CHECK(t2 < t4, "a pass half as deep thins the strip less: %.4f against %.4f (p = %.3g GPa)", (double)t2, (double)t4, (double)(p2 / 1e9));
    STZ_CHECK(e1 > e0, "cold rolling raises the stored energy: %.1f -> %.1f J/g-atom", (double)e0, (double)e1);
  }
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
