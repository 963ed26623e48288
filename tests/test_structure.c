/* Structural state (docs/model.md, "Structural state"): the pure functions of the fictive-temperature model, and the
 * energy accounting against the FE model.
 * Expectations: by definition, cooling at 20 K/min freezes in T_f = T_g and the liquid at T_g relaxes in tau_g; faster
 * cooling freezes in a higher T_f (Frenkel-Kobeko-Reiner); a higher T_f lowers barriers; the internal elastic energy
 * -1/2 sum V s':eps* equals the FE energy of the same eigenstrains (an identity of linear elasticity at zero mean stress). */
#include <stzdyn/stzdyn.h>
#include "check.h"

int main(int argc, char **argv)
{
  StzStructureParams p = {.tg_k = 625, .kappa = 1, .relax_time_at_tg_s = 100, .attempt_frequency_hz = 1e13};
  PetscReal          tf_slow, tf_fast, kmc_e, fe_e;
  StzSim             sim;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  STZ_CHECK(StzClose(StzBarrierFactor(&p, 625), 1, 1e-15, 0), "barrier factor at T_f = T_g is 1 (%.15g)", (double)StzBarrierFactor(&p, 625));
  STZ_CHECK(StzClose(StzBarrierFactor(&p, 687.5), 0.9, 1e-12, 0), "T_f 10%% above T_g lowers barriers by kappa * 10%% (factor %.6f, expected 0.9)", (double)StzBarrierFactor(&p, 687.5));
  STZ_CHECK(StzClose(StzEquilibriumRelaxTime(&p, 625), 100, 1e-10, 0), "the equilibrium liquid at T_g relaxes in tau_g (%.10g s, expected 100 s)", (double)StzEquilibriumRelaxTime(&p, 625));
  STZ_CHECK(StzEquilibriumRelaxTime(&p, 600) > 10 * StzEquilibriumRelaxTime(&p, 625), "relaxation slows on cooling below T_g (%.3g s at 600 K vs %.3g s at 625 K)",
            (double)StzEquilibriumRelaxTime(&p, 600), (double)StzEquilibriumRelaxTime(&p, 625));
  STZ_CHECK(StzClose(StzFictiveFromCoolingRate(&p, STZ_TG_COOLING_RATE_K_PER_S), 625, 1e-9, 0), "cooling at 20 K/min freezes in T_f = T_g (%.9g K)",
            (double)StzFictiveFromCoolingRate(&p, STZ_TG_COOLING_RATE_K_PER_S));
  tf_slow = StzFictiveFromCoolingRate(&p, 1e-2);
  tf_fast = StzFictiveFromCoolingRate(&p, 1e6);
  STZ_CHECK(tf_slow < 625 && tf_fast > 625, "slower cooling freezes in a lower T_f, faster a higher one (%.1f K at 0.01 K/s, %.1f K at 1e6 K/s)", (double)tf_slow, (double)tf_fast);
  STZ_CHECK(StzClose(StzCoolingRateFromFictive(&p, tf_fast), 1e6, 1e-8, 0), "cooling rate from T_f inverts T_f from cooling rate (%.9g K/s)", (double)StzCoolingRateFromFictive(&p, tf_fast));
  STZ_CHECK(StzClose(StzJoulesPerGramAtom(1e-20, 1e-27, 1.634e-29), 1e-20 / (1e-27 / 1.634e-29) * 6.02214076e23, 1e-14, 0), "J per site to J per g-atom (%.6g)",
            (double)StzJoulesPerGramAtom(1e-20, 1e-27, 1.634e-29));

  /* Energy identity after a few thousand events of pure shear past yield (32 x 32 sites). */
  PetscCall(PetscOptionsInsertString(NULL, "-stz_quiet -stz_progress_s 0 -stz_output_dir test-output/stzdyn-test-structure -stz_protocol pure-shear -stz_nx 32 -stz_ny 32 "
                                           "-stz_strain_rate 1 -stz_max_strain 0.04"));
  PetscCall(StzSimCreate(PETSC_COMM_WORLD, &sim));
  PetscCall(StzSimRun(sim));
  PetscCall(StzSimVerifyEnergy(sim, &kmc_e, &fe_e));
  STZ_CHECK(StzClose(kmc_e, fe_e, 1e-8, 0) && fe_e > 0, "internal elastic energy -1/2 sum V s':eps* = %.10e J/g-atom equals the FE energy %.10e J/g-atom (1e-8)", (double)kmc_e, (double)fe_e);
  PetscCall(StzSimDestroy(&sim));
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
