/* Athermal quasistatic avalanches (-stz_protocol aqs), against what extremal dynamics with long-range elastic interactions
 * must show (2D elastoplastic models: Talamali et al., PRE 84, 016115, 2011; Lin et al., PNAS 111, 14382, 2014):
 *  - Broad sizes: at 128 x 128 sites, sizes span at least two decades. That alone an exponential distribution of mean 20
 *    events would also do with 4600 samples, so the sizes must be scale-free in the way a finite box allows: their
 *    coefficient of variation (1 for any exponential) is at least 1.3 at 128^2, and it grows with the box (from 64^2), as a
 *    power law's does when its cutoff grows, and an exponential's does not.
 *  - Finite size: the largest avalanches are cut off by the box, so they grow with it. The mean of the 10 largest (in
 *    size_stz, i.e. transformations, not box-averaged strain) must be more than 1.4 times larger at 128^2 than at 64^2: a
 *    cutoff growing as L^d_f with d_f >= 0.5 (d_f near 1 for slip lines, which would give 2). Both runs have > 1500 avalanches.
 *  - Conservation: each avalanche's plastic strain (macroscopic before/after) equals the sum of its events' eigenstrain
 *    contributions, and, at fixed strain, its stress drop is the elastic unloading M x plastic strain (M = mu in pure
 *    shear), both to 1e-6 of one event's value; and the sizes add up to the run's final plastic strain.
 *  - Thread independence: one and two threads give identical avalanches. */
#include <stzdyn/stzdyn.h>
#include "check.h"
#include <unistd.h>

static PetscErrorCode Run(const char *opts, StzSim *sim)
{
  char dir[256];

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  /* One directory per process: test suites of several checkouts may run at the same time. */
  PetscCall(PetscSNPrintf(dir, sizeof(dir), "-stz_output_dir test-output/stzdyn-test-aqs-%d", (int)getpid()));
  PetscCall(PetscOptionsInsertString(NULL, dir));
  PetscCall(PetscOptionsInsertString(NULL, "-stz_quiet -stz_progress_s 0 -stz_protocol aqs -stz_avalanche_bootstrap 20"));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(StzSimCreate(PETSC_COMM_WORLD, sim));
  PetscCall(StzSimRun(*sim));
  PetscFunctionReturn(0);
}

static int CmpDesc(const void *a, const void *b)
{
  const PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return (x < y) - (x > y);
}

/* Mean size_stz of the k largest avalanches, log10 of the span of the positive sizes and their coefficient of variation;
 * conservation checks. */
static PetscErrorCode Analyse(StzSim sim, PetscInt n_sites, PetscInt k, PetscReal *top, PetscReal *decades, PetscInt *count, PetscReal *cv)
{
  const StzAvalanche *l;
  StzSeries           ser;
  PetscInt            n, bad_sum = 0, bad_drop = 0;
  PetscReal          *s, smin = PETSC_MAX_REAL, smax = 0, total = 0, worst_sum = 0, worst_drop = 0;
  const PetscReal     mu = 36e9, dp1 = 0.1 / n_sites; /* one event's plastic strain scale gamma0 / N */

  PetscFunctionBeginUser;
  PetscCall(StzSimGetAvalanches(sim, &n, &l));
  PetscCall(StzSimGetSeries(sim, &ser));
  PetscCall(PetscMalloc1(n + 1, &s));
  for (PetscInt a = 0; a < n; a++) {
    const PetscReal dsum = PetscAbsReal(l[a].size - l[a].size_events), ddrop = PetscAbsReal(l[a].stress_drop_pa - mu * l[a].size);
    s[a] = l[a].size_stz;
    if (l[a].size > 0) smin = PetscMin(smin, l[a].size), smax = PetscMax(smax, l[a].size);
    total += l[a].size;
    worst_sum  = PetscMax(worst_sum, dsum);
    worst_drop = PetscMax(worst_drop, ddrop);
    if (dsum > 1e-6 * dp1) bad_sum++;
    if (ddrop > 1e-6 * mu * dp1) bad_drop++;
  }
  STZ_CHECK(bad_sum == 0, "%d avalanches: plastic strain = sum of the events' contributions, worst difference %.2e (<= 1e-6 x gamma0/N = %.1e)", (int)n, (double)worst_sum, (double)(1e-6 * dp1));
  STZ_CHECK(bad_drop == 0, "%d avalanches: stress drop = mu x plastic strain at fixed strain, worst difference %.2e Pa (<= %.2e Pa)", (int)n, (double)worst_drop, (double)(1e-6 * mu * dp1));
  STZ_CHECK(PetscAbsReal(total - ser.plastic_strain[ser.n - 1]) <= 1e-6 * dp1 * PetscSqrtReal((PetscReal)n) + 1e-12, "the avalanches' sizes add up to the final plastic strain: %.10f vs %.10f",
            (double)total, (double)ser.plastic_strain[ser.n - 1]);
  qsort(s, (size_t)n, sizeof(PetscReal), CmpDesc);
  *top = 0;
  for (PetscInt a = 0; a < k && a < n; a++) *top += s[a] / k;
  *decades = smax > 0 ? PetscLog10Real(smax / smin) : 0;
  *count   = n;
  {
    PetscReal m = 0, v = 0;
    PetscInt  np = 0;
    for (PetscInt a = 0; a < n; a++)
      if (l[a].size > 0) m += l[a].size, np++;
    m /= PetscMax(np, 1);
    for (PetscInt a = 0; a < n; a++)
      if (l[a].size > 0) v += (l[a].size - m) * (l[a].size - m);
    *cv = np > 1 && m > 0 ? PetscSqrtReal(v / (np - 1)) / m : 0;
  }
  PetscCall(PetscFree(s));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  StzSim    sim, sim2;
  PetscReal top_small, top_big, dec_small, dec_big, cv_small, cv_big;
  PetscInt  n_small, n_big;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(Run("-stz_nx 128 -stz_ny 128 -stz_max_strain 0.3 -stz_threads 1", &sim));
  PetscCall(Analyse(sim, 128 * 128, 10, &top_big, &dec_big, &n_big, &cv_big));
  PetscCall(StzSimDestroy(&sim));
  PetscCall(Run("-stz_nx 64 -stz_ny 64 -stz_max_strain 0.3 -stz_threads 1", &sim));
  PetscCall(Analyse(sim, 64 * 64, 10, &top_small, &dec_small, &n_small, &cv_small));
  PetscCall(StzSimDestroy(&sim));
  STZ_CHECK(dec_big >= 2, "128 x 128: avalanche sizes span %.2f decades (>= 2) over %d avalanches", (double)dec_big, (int)n_big);
  STZ_CHECK(cv_big >= 1.3 && cv_big > cv_small, "and are scale-free up to the box's cutoff: coefficient of variation %.2f at 128^2 (>= 1.3; an exponential's is 1), up from %.2f at 64^2",
            (double)cv_big, (double)cv_small);
  STZ_CHECK(n_small > 1500 && n_big > 1500, "enough avalanches for the largest ten to be robust: %d (64^2), %d (128^2) (> 1500)", (int)n_small, (int)n_big);
  STZ_CHECK(top_big > 1.4 * top_small, "largest avalanches grow with the box: mean of the top 10 %.1f transformations at 128^2 > 1.4 x %.1f at 64^2 (ratio %.2f)", (double)top_big, (double)top_small,
            (double)(top_big / top_small));

  /* Threads: the scans are split by rows and combined in row order. */
  {
    const StzAvalanche *a, *b;
    PetscInt            na, nb;
    PetscBool           same;
    PetscCall(Run("-stz_nx 32 -stz_ny 32 -stz_max_strain 0.2 -stz_threads 1", &sim));
    PetscCall(Run("-stz_nx 32 -stz_ny 32 -stz_max_strain 0.2 -stz_threads 2", &sim2));
    PetscCall(StzSimGetAvalanches(sim, &na, &a));
    PetscCall(StzSimGetAvalanches(sim2, &nb, &b));
    same = (PetscBool)(na == nb && na > 100);
    for (PetscInt k = 0; same && k < na; k++)
      if (a[k].events != b[k].events || a[k].size != b[k].size || a[k].start_strain != b[k].start_strain || a[k].generations != b[k].generations) same = PETSC_FALSE;
    STZ_CHECK(same && StzTestMaxThreads() == 2, "1 and 2 threads give identical avalanches (%d and %d; the second run had %d threads)", (int)na, (int)nb, StzTestMaxThreads());
    PetscCall(StzSimDestroy(&sim));
    PetscCall(StzSimDestroy(&sim2));
  }
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
