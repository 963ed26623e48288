/* Time integration under a load ramp (residence-time kMC with time-dependent rates).
 * A 4 x 4 lattice with uniform barriers, unloaded at t = 0, sheared at constant rate gammadot (pure shear): every site sees
 * tau_k(t) = -mu gammadot t sin(2 theta_k), so the first activation has the hazard
 *   H(t) = N r0 sum_k sum_{s=+-1} (exp(s b taudot_k t) - 1) / (s b taudot_k),   r0 = nu0 exp(-dF/kT),
 * and the survival function exp(-H(t)). The empirical distribution of first-activation times over 400 seeds must pass a
 * Kolmogorov-Smirnov test against 1 - exp(-H) at the 1% level, and must fail it against the constant-rate exponential
 * (what a method that freezes the rates between events would give), showing the test can tell the two apart. */
#include <stzdyn/stzdyn.h>
#include "check.h"
#include "testrun.h"

int main(int argc, char **argv)
{
  const PetscInt  nseeds = 400, N = 16, n_orient = 3;
  const PetscReal T = 400;
  StzMaterial     m;
  PetscReal       dF, r0, b, t0, gdot, taudot[3], times[400], D = 0, Dexp = 0, crit = 1.63 / PetscSqrtReal(400.0);

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(StzMaterialPreset("vitreloy1", &m));
  dF   = StzArgonBarrier(m.shear_modulus_pa, m.poisson_ratio, m.gamma0, m.stz_volume_m3, m.dilatancy_beta, m.tau_hat_over_mu * m.shear_modulus_pa);
  r0   = StzActivationRate(m.attempt_frequency_hz, dF, 0, m.gamma0, m.stz_volume_m3, T);
  b    = m.gamma0 * m.stz_volume_m3 / (2 * STZ_BOLTZMANN_J_PER_K * T);
  t0   = 1.0 / (N * 2 * n_orient * r0);
  gdot = 3.0 / (b * m.shear_modulus_pa * t0); /* the ramp multiplies rates by e^3 per t0: strongly time-dependent */
  for (PetscInt k = 0; k < n_orient; k++) taudot[k] = -m.shear_modulus_pa * gdot * PetscSinReal(2 * 0.5 * PETSC_PI * k / n_orient);
  {
    char opt[512];
    PetscCall(PetscSNPrintf(opt, sizeof(opt),
                            "-stz_quiet -stz_progress_s 0 -stz_output_dir test-output/stzdyn-test-survival -stz_protocol pure-shear -stz_nx 4 -stz_ny 4 -stz_barrier_spread 0 -stz_structure false "
                            "-stz_temperature_k %g -stz_strain_rate %.17g -stz_max_strain 1 -stz_max_events 1",
                            (double)T, (double)gdot));
    PetscCall(StzTestFirstTimes(opt, nseeds, times));
  }
  for (PetscInt s = 0; s < nseeds; s++) {
    PetscReal H = 0, F, Fexp;
    for (PetscInt k = 0; k < n_orient; k++)
      for (int sg = -1; sg <= 1; sg += 2) {
        const PetscReal g = sg * b * taudot[k];
        H += N * r0 * StzGrowingHazard(g, times[s]);
      }
    F    = 1 - PetscExpReal(-H);
    Fexp = 1 - PetscExpReal(-times[s] / t0);
    D    = StzKSStep(D, F, (int)s, (int)nseeds);
    Dexp = StzKSStep(Dexp, Fexp, (int)s, (int)nseeds);
  }
  STZ_CHECK(D < crit, "first-activation times under a stress ramp follow the analytic survival function: KS D = %.4f < %.4f (1%% level, n = %d)", (double)D, (double)crit, (int)nseeds);
  STZ_CHECK(Dexp > crit, "and reject the frozen-rate exponential: KS D = %.4f > %.4f", (double)Dexp, (double)crit);
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
