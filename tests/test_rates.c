/* The single-precision rates of the kMC pass and the cache hooks, against double-precision references.
 *  - Accuracy: every stored row sum equals sum_x exp(lnA_x - X + sense b tau_xk), evaluated in double from the same double
 *    stresses, within the bound of the float evaluation (docs/performance.md): the driving stress rounded once to float
 *    (relative error of a rate <= 2^-22 (|b s1| + |b s2|) + 2^-21) plus the float sum of a row ((nx/16 + 4) 2^-24).
 *    Rates below 2^-100 of the largest may be flushed to zero (absolute floor).
 *  - StzKmcSiteChanged: after lnA of one site changes, the sums are those of the new lnA (same bound), and the class totals
 *    are the sums of the rows.
 *  - StzKmcAllSitesChanged: after a temperature change to 300 K -> 20 K (kT_j, b_per_pa and lnA rewritten by the caller,
 *    log-rates spanning thousands), the sums again match the double reference; the float range is handled by the shift.
 *  - StzKmcSyncStress: the lazily kept sp, once synced, makes the site stress equal to an eager superposition of the kernels
 *    of all events so far (1e-12 relative), and a second sync changes nothing.
 *  - Dilatation: with -stz_dilatation every rate also carries the work of its event's dilatation,
 *    exp(... + b (eps_v / gamma0) dinc P), P = (s_xx + s_yy) / 2 (docs/model.md 4); the same comparison holds with that term in
 *    the reference (its rounding to float adds up to 2^-21 |b dil_k P|), and sp is then current after every step (the rates
 *    read it), equal to the eager sum. */
#include <stzdyn/stzdyn.h>
#include "../lib/impl.h"
#include "check.h"

/* Largest relative deviation of the row sums from the double reference, beyond the absolute floor; also the bound. */
static void CompareRates(StzKmc kmc, PetscReal *worst, PetscReal *bound)
{
  const PetscInt  nx = kmc->nx, ny = kmc->ny, K = kmc->n_orient;
  const PetscReal S1 = 0.5 * (kmc->S[0] - kmc->S[1]), S2 = kmc->S[2], Sm = 0.5 * (kmc->S[0] + kmc->S[1]), b = kmc->b_per_pa;
  PetscReal       umax = 0, rowmax = 0, dev = 0;
  PetscReal      *ref;

  ref = (PetscReal *)malloc(sizeof(PetscReal) * ny * 2 * K);
  for (PetscInt y = 0; y < ny; y++)
    for (PetscInt k = 0; k < K; k++) {
      PetscReal sp = 0, sm = 0;
      for (PetscInt x = 0; x < nx; x++) {
        const PetscInt  i  = y * nx + x;
        const PetscReal t1 = S1 + kmc->el->s1[i], t2 = S2 + kmc->el->s2[i];
        /* the dilatation's work per unit of dilatation, times each sense's dilatation (dinc); 0 without */
        const PetscReal v  = b * kmc->dil_k * (Sm + kmc->el->sp[i]);
        const PetscReal vp = kmc->dinc ? v * kmc->dinc[2 * k * kmc->N + i] : 0, vm = kmc->dinc ? v * kmc->dinc[(2 * k + 1) * kmc->N + i] : 0;
        const PetscReal u = b * (t2 * kmc->cos2[k] - t1 * kmc->sin2[k]), a = kmc->lnA[i] - kmc->X;
        umax = PetscMax(umax, PetscAbsReal(b * t1) + PetscAbsReal(b * t2) + 2 * PetscAbsReal(v));
        sp += exp(a + u + vp);
        sm += exp(a - u + vm);
      }
      ref[(2 * k) * ny + y]     = sp;
      ref[(2 * k + 1) * ny + y] = sm;
      rowmax                    = PetscMax(rowmax, PetscMax(sp, sm));
    }
  *bound = ldexp(umax, -22) + ldexp(1.0, -21) + (nx / 16.0 + 4) * ldexp(1.0, -24);
  for (PetscInt c = 0; c < 2 * K; c++)
    for (PetscInt y = 0; y < ny; y++) {
      const PetscReal r = ref[c * ny + y], got = kmc->row_sum[y * kmc->row_stride + c];
      if (PetscAbsReal(got - r) <= ldexp(rowmax, -100)) continue;
      dev = PetscMax(dev, PetscAbsReal(got - r) / r);
    }
  *worst = dev;
  free(ref);
}

/* Largest relative difference between class totals and the sums of their rows. */
static PetscReal ClassTotals(StzKmc kmc)
{
  PetscReal dev = 0;
  for (PetscInt c = 0; c < kmc->n_classes; c++) {
    PetscReal s = 0;
    for (PetscInt y = 0; y < kmc->ny; y++) s += kmc->row_sum[y * kmc->row_stride + c];
    dev = PetscMax(dev, PetscAbsReal(s - kmc->class_sum[c]) / PetscMax(s, PETSC_SMALL));
  }
  return dev;
}

/* One case: a 48 x 32 box near yield, 300 events, the hooks, a temperature drop. dilatation: eps_v (0: the lazy sp). */
static PetscErrorCode RunCase(PetscReal dilatation)
{
  StzConfig    cfg;
  StzElastic   el;
  StzKmc       kmc;
  StzMacroLoad load = {{1, 1, 1}, {0, 0, 1.2e9}};
  StzEvent     ev;
  PetscBool    fired;
  PetscReal    worst, bound;
  PetscReal   *eager[3];

  char opts[256];

  PetscFunctionBeginUser;
  printf("# -stz_dilatation %g\n", (double)dilatation);
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscSNPrintf(opts, sizeof opts, "-stz_quiet -stz_progress_s 0 -stz_protocol pure-shear -stz_nx 48 -stz_ny 32 -stz_dilatation %g -stz_output_dir test-output/stzdyn-test-rates",
                          (double)dilatation));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(StzConfigFromOptions(PETSC_COMM_WORLD, &cfg));
  PetscCall(StzElasticCreate(PETSC_COMM_WORLD, &cfg, &el));
  PetscCall(StzKmcCreate(&cfg, el, &kmc));
  /* A shear stress near yield, then events, so the stresses are heterogeneous and the rates span many decades. */
  PetscCall(StzKmcSetLoad(kmc, &load, NULL));
  PetscCall(PetscMalloc3(kmc->N, &eager[0], kmc->N, &eager[1], kmc->N, &eager[2]));
  PetscCall(PetscArrayzero(eager[0], kmc->N));
  PetscCall(PetscArrayzero(eager[1], kmc->N));
  PetscCall(PetscArrayzero(eager[2], kmc->N));
  PetscInt nfired = 0;
  for (PetscInt n = 0; n < 300; n++) {
    PetscCall(StzKmcStep(kmc, PETSC_MAX_REAL, &fired, &ev));
    if (!fired) break;
    nfired++;
    /* Eager superposition, the way the pass did it before sp became lazy. */
    for (PetscInt i = 0; i < kmc->N; i++) {
      const PetscInt x = i % kmc->nx, y = i / kmc->nx, ex = ev.site % kmc->nx, ey = ev.site / kmc->nx;
      const PetscInt j = ((y - ey + kmc->ny) % kmc->ny) * kmc->nx + (x - ex + kmc->nx) % kmc->nx;
      for (int q = 0; q < 3; q++) eager[q][i] += ev.sense * el->kern[ev.orient][q][j] + (el->kdil[q] ? ev.dil * el->kdil[q][j] : 0);
    }
  }
  STZ_CHECK(nfired == 300, "300 events fire under the load (%d)", (int)nfired);
  CompareRates(kmc, &worst, &bound);
  STZ_CHECK(worst <= bound, "float row sums after 300 events equal the double reference: max relative deviation %.2e <= bound %.2e", (double)worst, (double)bound);

  /* Lazy sp (without dilatation), or sp kept current (with it). */
  {
    PetscReal dev = 0, scale = 0, s[3], before;
    if (dilatation == 0) STZ_CHECK(kmc->sp_pending > 0, "sp is pending after events (%lld events counted)", (long long)kmc->sp_pending);
    else STZ_CHECK(kmc->sp_pending == 0 && !kmc->sp_net, "with dilatation sp is never pending: the rates read it");
    StzKmcSyncStress(kmc);
    for (PetscInt i = 0; i < kmc->N; i++)
      for (int q = 0; q < 3; q++) {
        const PetscReal mine = q == 0 ? el->s1[i] : (q == 1 ? el->s2[i] : el->sp[i]);
        dev                  = PetscMax(dev, PetscAbsReal(mine - eager[q][i]));
        scale                = PetscMax(scale, PetscAbsReal(eager[q][i]));
      }
    STZ_CHECK(dev <= 1e-12 * scale, "synced s1, s2, sp equal the eager superposition: max deviation %.2e of %.2e Pa (1e-12)", (double)dev, (double)scale);
    StzKmcSiteStress(kmc, 7, s);
    before = s[0];
    StzKmcSyncStress(kmc);
    StzKmcSiteStress(kmc, 7, s);
    STZ_CHECK(s[0] == before && kmc->sp_pending == 0, "a second sync changes nothing");
  }

  /* One site's barrier changes (a structural state would do this after an activation). */
  {
    const PetscInt i = 5 * kmc->nx + 11;
    kmc->lnA[i] += 4.0;
    StzKmcSiteChanged(kmc, i);
    CompareRates(kmc, &worst, &bound);
    STZ_CHECK(worst <= bound, "after StzKmcSiteChanged the row sums follow the new lnA: max relative deviation %.2e <= %.2e", (double)worst, (double)bound);
    STZ_CHECK(ClassTotals(kmc) <= 1e-14, "class totals are the sums of the rows (%.1e)", (double)ClassTotals(kmc));
    kmc->lnA[i] -= 60.0;
    StzKmcSiteChanged(kmc, i);
    CompareRates(kmc, &worst, &bound);
    STZ_CHECK(worst <= bound, "and after lowering it by e^60: %.2e <= %.2e", (double)worst, (double)bound);
  }

  /* Temperature drop: the caller rewrites kT, b and lnA, then one call refreshes everything. */
  {
    const PetscReal T    = 20;
    PetscReal       lmin = PETSC_MAX_REAL, lmax = -PETSC_MAX_REAL;
    kmc->kT_j     = STZ_BOLTZMANN_J_PER_K * T;
    kmc->b_per_pa = cfg.mat.gamma0 * cfg.mat.stz_volume_m3 / (2 * kmc->kT_j);
    for (PetscInt i = 0; i < kmc->N; i++) {
      kmc->lnA[i] = kmc->ln_nu0 - kmc->barrier_j[i] / kmc->kT_j;
      lmin        = PetscMin(lmin, kmc->lnA[i]);
      lmax        = PetscMax(lmax, kmc->lnA[i]);
    }
    StzKmcAllSitesChanged(kmc);
    CompareRates(kmc, &worst, &bound);
    STZ_CHECK(worst <= bound, "after a drop to %g K (lnA from %.0f to %.0f) and StzKmcAllSitesChanged: max relative deviation %.2e <= %.2e", (double)T, (double)lmin, (double)lmax, (double)worst,
              (double)bound);
    STZ_CHECK(kmc->e_max >= -40 && kmc->e_max <= 64, "the shift X puts the largest rate inside [2^-40, 2^64] (2^%d)", (int)kmc->e_max);
    PetscCall(StzKmcStep(kmc, PETSC_MAX_REAL, &fired, &ev));
    CompareRates(kmc, &worst, &bound);
    STZ_CHECK(fired && worst <= bound, "and an event later: %.2e <= %.2e", (double)worst, (double)bound);
  }
  PetscCall(PetscFree3(eager[0], eager[1], eager[2]));
  PetscCall(StzKmcDestroy(&kmc));
  PetscCall(StzElasticDestroy(&el));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(RunCase(0));
  PetscCall(RunCase(0.02));
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
