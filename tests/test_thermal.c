/* Thermal strains (thermal-cycling protocol): a temperature step dT gives site i the in-plane isotropic eigenstrain
 * alpha_i dT, and the elastic engines turn its non-uniform part into internal stresses. Checks, on 16 x 16 sites:
 *  - One hot site (all other alpha zero) is an Eshelby inclusion with a dilatational eigenstrain e = alpha dT. In an
 *    isotropic plane-strain body its interior mean in-plane stress is -mu e / (1 - nu) for any shape of inclusion (the
 *    displacement is the gradient of a potential whose Laplacian is uniform inside, so the trace of the strain is uniform
 *    inside and zero outside), less the 1/N share that the zero-mean periodic box removes. The FE model must converge to it
 *    under refinement (2, 4, 8 Q1 elements along a site's side; within 3 % with 8; the default 2 is 16 % stiff), and the
 *    mean stress of the neighbours, where the trace of the strain vanishes, must fall towards zero; the deviatoric stress
 *    averaged over the square site is zero by its symmetry (to round-off). Sign: cooling (dT < 0) puts a site that
 *    contracts more than its matrix in tension.
 *  - The kernel (convolution with the unit response), factor (one FE solve of the whole increment) and resolve (FE solve of
 *    all eigenstrains so far) engines give the same stresses for a heterogeneous field (alpha spread 0.5), to 1e-6.
 *  - Linearity: cooling then heating by the same step returns every stress to zero; a uniform alpha (spread 0) only expands
 *    the free box and creates no stress.
 *  - Bodies (a slab on a fixed base, a block): the same for the slab-kernel, factor and resolve engines, and their stresses
 *    are those of an FE solve of the thermal eigenstrains; a uniform alpha makes no stress (the body expands freely). */
#include <stzdyn/stzdyn.h>
#include "../lib/impl.h"
#include "check.h"

#define NS 256

static PetscErrorCode Make(const char *engine, const char *extra, StzSim *sim)
{
  char opt[512];

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-stz_quiet -stz_progress_s 0 -stz_output_dir test-output/stzdyn-test-thermal -stz_protocol thermal-cycling -stz_nx 16 -stz_ny 16 -stz_engine %s %s",
                          engine, extra));
  PetscCall(PetscOptionsInsertString(NULL, opt));
  PetscCall(StzSimCreate(PETSC_COMM_WORLD, sim));
  PetscFunctionReturn(0);
}

/* Largest |s1|, |s2|, |sp| over the sites. */
static PetscReal MaxStress(StzElastic el)
{
  PetscReal m = 0;
  for (PetscInt i = 0; i < el->N; i++) m = PetscMax(m, PetscMax(PetscAbsReal(el->sp[i]), PetscMax(PetscAbsReal(el->s1[i]), PetscAbsReal(el->s2[i]))));
  return m;
}

int main(int argc, char **argv)
{
  const char     *engines[3] = {"kernel", "factor", "resolve"};
  const PetscReal dT         = -223; /* 300 K -> 77 K */
  StzSim          sim;
  PetscReal       s[4][3][NS];

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));

  /* One hot site in a matrix that does not expand, with 2, 4 and 8 elements along a site's side (factor engine). */
  {
    const PetscInt se[3] = {2, 4, 8}, i0 = 8 * 16 + 5;
    PetscReal      err[3], near[3], expect = 0;
    for (int r = 0; r < 3; r++) {
      char   opt[64];
      StzKmc kmc;
      PetscCall(PetscSNPrintf(opt, sizeof(opt), "-stz_site_elems %d", (int)se[r]));
      PetscCall(Make("factor", opt, &sim));
      kmc = sim->kmc;
      for (PetscInt i = 0; i < NS; i++) kmc->alpha_per_k[i] = 0;
      kmc->alpha_per_k[i0] = sim->cfg.mat.thermal_expansion_per_k;
      PetscCall(StzKmcThermalStrain(kmc, dT));
      expect  = -sim->cfg.mat.shear_modulus_pa * kmc->alpha_per_k[i0] * dT / (1 - sim->cfg.mat.poisson_ratio) * (1 - 1.0 / NS);
      err[r]  = kmc->el->sp[i0] / expect - 1;
      near[r] = 0;
      for (PetscInt d = -1; d <= 1; d += 2) near[r] = PetscMax(near[r], PetscMax(PetscAbsReal(kmc->el->sp[i0 + d]), PetscAbsReal(kmc->el->sp[i0 + 16 * d])) / expect);
      STZ_CHECK(expect > 0 && kmc->el->sp[i0] > 0, "%d x %d elements per site: a site cooled by 223 K more than its matrix is in tension: interior mean stress %.1f MPa (Eshelby %.1f MPa)", (int)se[r],
                (int)se[r], (double)(kmc->el->sp[i0] / 1e6), (double)(expect / 1e6));
      STZ_CHECK(PetscAbsReal(kmc->el->s1[i0]) < 1e-9 * expect && PetscAbsReal(kmc->el->s2[i0]) < 1e-9 * expect, "%d x %d: its deviatoric stress averages to zero by symmetry (s1 %.2g, s2 %.2g Pa)",
                (int)se[r], (int)se[r], (double)kmc->el->s1[i0], (double)kmc->el->s2[i0]);
      PetscCall(StzSimDestroy(&sim));
    }
    STZ_CHECK(PetscAbsReal(err[2]) < PetscAbsReal(err[1]) && PetscAbsReal(err[1]) < PetscAbsReal(err[0]) && PetscAbsReal(err[2]) < 0.03,
              "interior mean stress converges to Eshelby's -mu e / (1 - nu) = %.1f MPa: off by %.1f, %.1f, %.1f %% with 2, 4, 8 elements per site (< 3 %% with 8)", (double)(expect / 1e6),
              (double)(100 * err[0]), (double)(100 * err[1]), (double)(100 * err[2]));
    STZ_CHECK(near[2] < near[1] && near[1] < near[0] && near[2] < 0.02, "outside the trace of the strain vanishes: the neighbours' mean stress is %.3f, %.3f, %.3f of the inclusion's (< 0.02 with 8)",
              (double)near[0], (double)near[1], (double)near[2]);
  }

  /* A heterogeneous field: the three engines agree; cooling and heating back cancels. */
  for (int k = 0; k < 3; k++) {
    PetscReal before, after;
    PetscCall(Make(engines[k], "-stz_alpha_spread 0.5", &sim));
    PetscCall(StzKmcThermalStrain(sim->kmc, dT));
    for (PetscInt i = 0; i < NS; i++) s[k][0][i] = sim->kmc->el->s1[i], s[k][1][i] = sim->kmc->el->s2[i], s[k][2][i] = sim->kmc->el->sp[i];
    before = MaxStress(sim->kmc->el);
    PetscCall(StzKmcThermalStrain(sim->kmc, -dT));
    after = MaxStress(sim->kmc->el);
    STZ_CHECK(after < 1e-9 * before, "%s: cooling by 223 K and heating back leaves at most %.3g Pa (of %.3g MPa)", engines[k], (double)after, (double)(before / 1e6));
    PetscCall(StzSimDestroy(&sim));
  }
  {
    PetscReal scale = 0, diff[3] = {0, 0, 0};
    for (PetscInt i = 0; i < NS; i++)
      for (int c = 0; c < 3; c++) {
        scale = PetscMax(scale, PetscAbsReal(s[0][c][i]));
        for (int k = 1; k < 3; k++) diff[k] = PetscMax(diff[k], PetscAbsReal(s[k][c][i] - s[0][c][i]));
      }
    STZ_CHECK(scale > 1e6, "alpha spread 0.5, 223 K: internal stresses up to %.3g MPa", (double)(scale / 1e6));
    STZ_CHECK(diff[1] < 1e-6 * scale && diff[2] < 1e-6 * scale, "kernel, factor and resolve agree: largest difference %.2g and %.2g of the largest stress", (double)(diff[1] / scale),
              (double)(diff[2] / scale));
  }

  /* Uniform expansion coefficient: no internal stress. */
  for (int k = 0; k < 3; k++) {
    PetscCall(Make(engines[k], "-stz_alpha_spread 0", &sim));
    PetscCall(StzKmcThermalStrain(sim->kmc, dT));
    STZ_CHECK(MaxStress(sim->kmc->el) < 1e-6 * sim->cfg.mat.shear_modulus_pa * sim->cfg.mat.thermal_expansion_per_k * PetscAbsReal(dT), "%s: uniform alpha: largest stress %.3g Pa (free expansion)",
              engines[k], (double)MaxStress(sim->kmc->el));
    PetscCall(StzSimDestroy(&sim));
  }

  /* Bodies (thermal cycling before an indentation): a slab on a fixed base and a block with free sides. Only the non-uniform
   * part of a step is an eigenstrain (the body expands freely as a whole), so a uniform alpha makes no stress; with alpha
   * spread 0.5 the slab-kernel, factor and resolve engines (and in the block cut-kernel, which solves thermal strains with the
   * block's FE model) agree, their site stresses are those of an FE solve of all the thermal eigenstrains, and heating back
   * cancels. */
  {
    const char *bodies[2]   = {"-stz_geometry slab -stz_bc_bottom fixed -stz_bc_top free", "-stz_geometry block -stz_bc_bottom fixed -stz_bc_top free -stz_bc_left free -stz_bc_right free"};
    const char *bengines[4] = {"slab-kernel", "factor", "resolve", "cut-kernel"};
    for (int b = 0; b < 2; b++) {
      const int nk    = b ? 4 : 3;
      PetscReal scale = 0, diff[4] = {0, 0, 0, 0};
      for (int k = 0; k < nk; k++) {
        char      extra[256];
        PetscReal err, before, after;
        PetscCall(PetscSNPrintf(extra, sizeof extra, "-stz_alpha_spread 0 %s", bodies[b]));
        PetscCall(Make(bengines[k], extra, &sim));
        PetscCall(StzKmcThermalStrain(sim->kmc, dT));
        STZ_CHECK(MaxStress(sim->kmc->el) < 1e-6 * sim->cfg.mat.shear_modulus_pa * sim->cfg.mat.thermal_expansion_per_k * PetscAbsReal(dT),
                  "%s, %s: uniform alpha: largest stress %.3g Pa (the body expands freely)", b ? "block" : "slab", bengines[k], (double)MaxStress(sim->kmc->el));
        PetscCall(StzSimDestroy(&sim));
        PetscCall(PetscSNPrintf(extra, sizeof extra, "-stz_alpha_spread 0.5 %s", bodies[b]));
        PetscCall(Make(bengines[k], extra, &sim));
        PetscCall(StzKmcThermalStrain(sim->kmc, dT));
        for (PetscInt i = 0; i < NS; i++) s[k][0][i] = sim->kmc->el->s1[i], s[k][1][i] = sim->kmc->el->s2[i], s[k][2][i] = sim->kmc->el->sp[i];
        PetscCall(StzSimVerifyStress(sim, &err));
        STZ_CHECK(err < 1e-8, "%s, %s: site stresses agree with an FE solve of the thermal eigenstrains (relative %.1e)", b ? "block" : "slab", bengines[k], (double)err);
        before = MaxStress(sim->kmc->el);
        PetscCall(StzKmcThermalStrain(sim->kmc, -dT));
        after = MaxStress(sim->kmc->el);
        STZ_CHECK(after < 1e-9 * before, "%s, %s: cooling by 223 K and heating back leaves at most %.3g Pa (of %.3g MPa)", b ? "block" : "slab", bengines[k], (double)after, (double)(before / 1e6));
        PetscCall(StzSimDestroy(&sim));
      }
      for (PetscInt i = 0; i < NS; i++)
        for (int c = 0; c < 3; c++) {
          scale = PetscMax(scale, PetscAbsReal(s[0][c][i]));
          for (int k = 1; k < nk; k++) diff[k] = PetscMax(diff[k], PetscAbsReal(s[k][c][i] - s[0][c][i]));
        }
      STZ_CHECK(scale > 1e6 && diff[1] < 1e-6 * scale && diff[2] < 1e-6 * scale && diff[3] < 1e-6 * scale, "%s, alpha spread 0.5: slab-kernel, factor, resolve%s agree (%.2g, %.2g%s%.2g of %.3g MPa)",
                b ? "block" : "slab", b ? " and cut-kernel" : "", (double)(diff[1] / scale), (double)(diff[2] / scale), b ? ", " : "", b ? (double)(diff[3] / scale) : 0.0, (double)(scale / 1e6));
    }
  }
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
