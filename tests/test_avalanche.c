/* Avalanche definitions and bookkeeping, against exact identities:
 *  - First trigger: with no event yet every site feels only the mean stress, so in pure shear the first avalanche starts at
 *    stress min_i tau_c,i / sin(60 deg) (orientations 30 and 60 deg resolve the pure-shear stress by sin 2 theta), with
 *    tau_c,i = 2 dF_i / (gamma0 Omega0) the Argon barrier's zero-barrier stress; and at strain = that stress / mu. 1e-9.
 *  - Engines: the kernel, factor and FE re-solve engines give the same avalanches in aqs (same events, sizes to 1e-9 of one event).
 *  - Loading modes: in plane-strain compression the aqs stress drop is the elastic unloading 2 mu / (1 - nu) x plastic strain.
 *  - Thermal runs: the same avalanches.csv; each avalanche's size is the sum of its events, and since the load advances
 *    during it, the stress drop is M (size - strain span), to 1e-6 of one event's stress drop. */
#include <stzdyn/stzdyn.h>
#include "check.h"
#include <unistd.h>

static PetscErrorCode Run(const char *opts, StzSim *sim)
{
  char dir[256];

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  /* One directory per process: test suites of several checkouts may run at the same time. */
  PetscCall(PetscSNPrintf(dir, sizeof(dir), "-stz_output_dir test-output/stzdyn-test-avalanche-%d", (int)getpid()));
  PetscCall(PetscOptionsInsertString(NULL, dir));
  PetscCall(PetscOptionsInsertString(NULL, "-stz_quiet -stz_progress_s 0 -stz_avalanche_bootstrap 20"));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(StzSimCreate(PETSC_COMM_WORLD, sim));
  PetscCall(StzSimRun(*sim));
  PetscFunctionReturn(0);
}

/* Worst |size - sum of events| and |drop - M (size - span)| over a run's avalanches. */
static PetscErrorCode Worst(StzSim sim, PetscReal M, PetscInt *n, PetscReal *wsum, PetscReal *wdrop)
{
  const StzAvalanche *l;

  PetscFunctionBeginUser;
  PetscCall(StzSimGetAvalanches(sim, n, &l));
  *wsum = *wdrop = 0;
  for (PetscInt a = 0; a < *n; a++) {
    *wsum  = PetscMax(*wsum, PetscAbsReal(l[a].size - l[a].size_events));
    *wdrop = PetscMax(*wdrop, PetscAbsReal(l[a].stress_drop_pa - M * (l[a].size - l[a].strain_span)));
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  StzSim              sim, sim2;
  StzMaterial         m;
  const PetscInt      nx = 32, N = nx * nx;
  PetscReal           dF, tcmin  = PETSC_MAX_REAL, wsum, wdrop;
  PetscInt            n;
  const StzAvalanche *l, *l2;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(StzMaterialPreset("vitreloy1", &m));
  dF = StzArgonBarrier(m.shear_modulus_pa, m.poisson_ratio, m.gamma0, m.stz_volume_m3, m.dilatancy_beta, m.tau_hat_over_mu * m.shear_modulus_pa);
  /* The quenched barriers of seed 1 (model.md, section 5: normal cut at +-3, spread 0.1, counter = site index). */
  for (PetscInt i = 0; i < N; i++) {
    const PetscReal g = PetscMax(-3.0, PetscMin(3.0, StzRngNormal(StzRngKey(1, 0xd15), (uint64_t)i)));
    tcmin             = PetscMin(tcmin, 2 * dF * (1 + 0.1 * g) / (m.gamma0 * m.stz_volume_m3));
  }
  PetscCall(Run("-stz_protocol aqs -stz_nx 32 -stz_ny 32 -stz_max_strain 0.15", &sim));
  PetscCall(StzSimGetAvalanches(sim, &n, &l));
  {
    const PetscReal expect = tcmin / PetscSinReal(PETSC_PI / 3);
    STZ_CHECK(n > 0 && StzClose(l[0].start_stress_pa, expect, 1e-9, 0), "first trigger at min tau_c / sin 60 deg: %.6e Pa vs %.6e Pa", (double)(n ? l[0].start_stress_pa : 0), (double)expect);
    STZ_CHECK(n > 0 && StzClose(l[0].start_strain, expect / m.shear_modulus_pa, 1e-9, 0), "first trigger strain = stress / mu: %.8f vs %.8f", (double)(n ? l[0].start_strain : 0),
              (double)(expect / m.shear_modulus_pa));
  }
  PetscCall(StzSimDestroy(&sim));

  /* Engines: the periodic kernel, the stored factor and the FE re-solve give the same avalanches. */
  {
    const char *engines[2] = {"factor", "resolve"};
    PetscCall(Run("-stz_protocol aqs -stz_nx 16 -stz_ny 16 -stz_max_strain 0.16 -stz_engine kernel", &sim));
    PetscCall(StzSimGetAvalanches(sim, &n, &l));
    for (int e = 0; e < 2; e++) {
      char      opt[256];
      PetscInt  n2;
      PetscBool same;
      PetscReal worst = 0;
      PetscCall(PetscSNPrintf(opt, sizeof(opt), "-stz_protocol aqs -stz_nx 16 -stz_ny 16 -stz_max_strain 0.16 -stz_engine %s", engines[e]));
      PetscCall(Run(opt, &sim2));
      PetscCall(StzSimGetAvalanches(sim2, &n2, &l2));
      same = (PetscBool)(n == n2 && n >= 50);
      for (PetscInt a = 0; same && a < n; a++) {
        if (l[a].events != l2[a].events) same = PETSC_FALSE;
        worst = PetscMax(worst, PetscAbsReal(l[a].size - l2[a].size));
      }
      STZ_CHECK(same && worst <= 1e-9 * 0.1 / 256, "aqs: kernel and %s engines give the same avalanches (%d vs %d, largest size difference %.1e)", engines[e], (int)n, (int)n2, (double)worst);
      PetscCall(StzSimDestroy(&sim2));
    }
    PetscCall(StzSimDestroy(&sim));
  }

  /* Compression: the modulus of the loading mode. */
  {
    const PetscReal M = 2 * m.shear_modulus_pa / (1 - m.poisson_ratio), dp1 = m.gamma0 / N;
    PetscCall(Run("-stz_protocol aqs -stz_aqs_loading compression -stz_nx 32 -stz_ny 32 -stz_max_strain 0.08", &sim));
    PetscCall(Worst(sim, M, &n, &wsum, &wdrop));
    STZ_CHECK(n >= 50 && wsum <= 1e-6 * dp1 && wdrop <= 1e-6 * M * dp1, "aqs compression, %d avalanches: size = sum of events (worst %.1e), drop = 2mu/(1-nu) x size (worst %.2e Pa, allowed %.2e)",
              (int)n, (double)wsum, (double)wdrop, (double)(1e-6 * M * dp1));
    PetscCall(StzSimDestroy(&sim));
  }

  /* Thermal: 300 K pure shear. */
  {
    const PetscReal M = m.shear_modulus_pa, dp1 = m.gamma0 / N;
    PetscInt        pos = 0;
    PetscCall(Run("-stz_protocol pure-shear -stz_nx 32 -stz_ny 32 -stz_strain_rate 1 -stz_max_strain 0.04 -stz_avalanche_gap_strain 1e-5", &sim));
    PetscCall(Worst(sim, M, &n, &wsum, &wdrop));
    PetscCall(StzSimGetAvalanches(sim, &n, &l));
    for (PetscInt a = 0; a < n; a++) pos += l[a].size > 0;
    STZ_CHECK(n >= 100 && pos > 0, "thermal run: %d avalanches, %d with positive size", (int)n, (int)pos);
    STZ_CHECK(wsum <= 1e-6 * dp1, "thermal: size = sum of events' contributions, worst %.1e (<= %.1e)", (double)wsum, (double)(1e-6 * dp1));
    STZ_CHECK(wdrop <= 1e-6 * M * dp1, "thermal: stress drop = mu (size - strain span), worst %.2e Pa (<= %.2e)", (double)wdrop, (double)(1e-6 * M * dp1));
    PetscCall(StzSimDestroy(&sim));
  }
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
