/* Maximum-likelihood power-law fits of avalanche sizes, following Clauset, Shalizi & Newman, SIAM Review 51, 661 (2009):
 *   - continuous MLE of the exponent for a given lower cutoff s_min (their eq. 3.1),
 *   - s_min chosen by minimising the Kolmogorov-Smirnov distance between the empirical tail and the fitted law (sec. 3.3),
 *   - a non-parametric bootstrap of the whole procedure (cutoff re-chosen in every resample) for the uncertainty.
 */
#include <stzdyn/powerlaw.h>
#include <stzdyn/rng.h>

#include <math.h>

/* Minimum tail size for a cutoff candidate: below this the MLE and the KS distance are dominated by noise and the KS
 * minimum tends to land on the last few points, where any exponent fits. */
#define STZ_POWERLAW_MIN_TAIL 10

/* Upper bound on the number of cutoff candidates. Each candidate costs O(n_tail), so trying every distinct value would make
 * a fit O(n^2) and a bootstrap of a few hundred resamples too slow for routine analysis. */
#define STZ_POWERLAW_MAX_CANDIDATES 200

/* Tag of the bootstrap stream, so bootstrap indices never share random numbers with other uses of the same seed. */
#define STZ_POWERLAW_RNG_TAG 0xb007

PetscReal StzPowerLawExponentMLE(PetscInt n, const PetscReal sizes[], PetscReal s_min, PetscInt *n_tail)
{
  PetscInt  nt  = 0;
  PetscReal sum = 0.0;

  /* Pure function by contract (callable from anywhere, including inside loops that cannot propagate PETSc errors), so
   * degenerate input is reported through the return value rather than an error code. */
  if (s_min > 0) {
    for (PetscInt i = 0; i < n; i++) {
      if (sizes[i] >= s_min) {
        sum += PetscLogReal(sizes[i] / s_min);
        nt++;
      }
    }
  }
  if (n_tail) *n_tail = nt;
  if (nt == 0) return (PetscReal)NAN;         /* no data: exponent undefined */
  if (!(sum > 0)) return (PetscReal)INFINITY; /* every tail value equals s_min: the likelihood grows without bound in tau */
  return 1.0 + (PetscReal)nt / sum;
}

/* Result of the cutoff scan on one sorted sample. */
typedef struct {
  PetscReal tau, s_min, ks;
  PetscInt  n_tail;
  PetscBool found;
} StzCutoffScan;

/* Scan cutoff candidates on x[0..m) sorted ascending (all > 0), with lx[i] = log(x[i]) precomputed so the inner loops need no
 * logarithm. cand[] is workspace of at least STZ_POWERLAW_MAX_CANDIDATES + 1 entries; it receives tail start indices. */
static void StzPowerLawScanCutoffs(PetscInt m, const PetscReal x[], const PetscReal lx[], PetscInt cand[], StzCutoffScan *res)
{
  PetscInt ncand = 0, nuniq = 0, last;

  res->found  = PETSC_FALSE;
  res->tau    = (PetscReal)NAN;
  res->s_min  = (PetscReal)NAN;
  res->ks     = (PetscReal)INFINITY;
  res->n_tail = 0;
  if (m < STZ_POWERLAW_MIN_TAIL) return;

  /* The largest admissible cutoff is x[m - MIN_TAIL]: a cutoff value v keeps every sample >= v, i.e. m minus the index of
   * the first occurrence of v, and that is >= MIN_TAIL exactly when v <= x[m - MIN_TAIL]. */
  last = m - STZ_POWERLAW_MIN_TAIL;
  for (PetscInt i = 0; i <= last; i++)
    if (i == 0 || x[i] != x[i - 1]) nuniq++;

  if (nuniq <= STZ_POWERLAW_MAX_CANDIDATES) {
    for (PetscInt i = 0; i <= last; i++)
      if (i == 0 || x[i] != x[i - 1]) cand[ncand++] = i;
  } else {
    /* Too many distinct values: take candidates on a grid uniform in log(s) between the smallest and the largest admissible
     * value, each snapped up to the first sample at or above the grid point. Avalanche sizes span decades, so a log grid
     * resolves the cutoff to a fixed relative precision everywhere; snapping keeps every candidate an actual sample value
     * (as in the exhaustive search) and merging repeats means sparse regions simply contribute fewer candidates. */
    const PetscInt  K  = STZ_POWERLAW_MAX_CANDIDATES;
    const PetscReal lo = lx[0], hi = lx[last];
    PetscInt        idx = 0;

    for (PetscInt k = 0; k < K; k++) {
      PetscReal target = (k == K - 1) ? hi : lo + (hi - lo) * (PetscReal)k / (PetscReal)(K - 1);

      while (idx < last && lx[idx] < target) idx++;
      while (idx > 0 && x[idx - 1] == x[idx]) idx--; /* first occurrence, so the tail contains every copy of the value */
      if (ncand == 0 || cand[ncand - 1] != idx) cand[ncand++] = idx;
    }
  }

  for (PetscInt c = 0; c < ncand; c++) {
    const PetscInt  i0  = cand[c];
    const PetscInt  nt  = m - i0;
    const PetscReal l0  = lx[i0];
    PetscReal       sum = 0.0, tau, d = 0.0;

    for (PetscInt j = i0; j < m; j++) sum += lx[j] - l0;
    if (!(sum > 0)) continue; /* all tail values identical: exponent infinite, no meaningful fit */
    tau = 1.0 + (PetscReal)nt / sum;

    /* KS distance sup_s |F_emp(s) - P(s)| with P(s) = 1 - (s/s_min)^(1-tau). P is continuous, so the supremum is attained
     * just below or at a data point: compare P with both j/nt and (j+1)/nt. With ties the intermediate steps lie between
     * the left and right limits of the empirical CDF and cannot exceed them, so no special tie handling is needed. */
    for (PetscInt j = i0; j < m; j++) {
      const PetscReal P  = 1.0 - PetscExpReal((1.0 - tau) * (lx[j] - l0));
      const PetscReal k  = (PetscReal)(j - i0);
      const PetscReal d1 = PetscAbsReal(P - k / nt);
      const PetscReal d2 = PetscAbsReal(P - (k + 1.0) / nt);

      d = PetscMax(d, PetscMax(d1, d2));
    }
    /* Strict '<' keeps the smallest cutoff among exact ties, i.e. the one using the most data. */
    if (d < res->ks) {
      res->found  = PETSC_TRUE;
      res->ks     = d;
      res->tau    = tau;
      res->s_min  = x[i0];
      res->n_tail = nt;
    }
  }
}

/* Linear interpolation between order statistics (the usual "type 7" definition, as numpy.percentile's default), so results
 * are comparable with common analysis scripts. */
PetscReal StzPercentileSorted(PetscInt n, const PetscReal v[], PetscReal p)
{
  PetscReal h;
  PetscInt  lo;

  if (n <= 0) return (PetscReal)NAN;
  if (n == 1) return v[0];
  h  = p * (PetscReal)(n - 1);
  lo = (PetscInt)PetscFloorReal(h);
  if (lo < 0) return v[0];
  if (lo >= n - 1) return v[n - 1];
  return v[lo] + (h - (PetscReal)lo) * (v[lo + 1] - v[lo]);
}

/* Copy the positive sizes, rejecting non-finite ones: an infinite size would make every sum infinite and silently yield
 * tau = 1, which is worse than an error. NaN is rejected for the same reason (it would otherwise be dropped silently by
 * the "> 0" test and hide an upstream bug). */
static PetscErrorCode StzPowerLawCollectPositive(PetscInt n, const PetscReal sizes[], PetscInt *m, PetscReal **x)
{
  PetscInt cnt = 0;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n; i++) {
    PetscCheck(!PetscIsInfOrNanReal(sizes[i]), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "sizes[%" PetscInt_FMT "] = %g is not finite", i, (double)sizes[i]);
    if (sizes[i] > 0) cnt++;
  }
  *m = cnt;
  *x = NULL;
  if (cnt == 0) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(cnt, x));
  cnt = 0;
  for (PetscInt i = 0; i < n; i++)
    if (sizes[i] > 0) (*x)[cnt++] = sizes[i];
  PetscFunctionReturn(0);
}

PetscErrorCode StzPowerLawFitCreate(PetscInt n, const PetscReal sizes[], PetscReal confidence, PetscInt n_bootstrap, uint64_t seed, StzPowerLawFit *fit)
{
  PetscInt      m, *cand, nb_ok = 0;
  PetscReal    *x, *lx;
  StzCutoffScan scan;

  PetscFunctionBeginUser;
  PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "number of sizes must be non-negative, got %" PetscInt_FMT, n);
  PetscCheck(n == 0 || sizes, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "sizes is NULL but n = %" PetscInt_FMT, n);
  PetscCheck(fit, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "fit output pointer is NULL");
  PetscCheck(n_bootstrap >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "n_bootstrap must be non-negative, got %" PetscInt_FMT, n_bootstrap);
  PetscCheck(n_bootstrap == 0 || (confidence > 0 && confidence < 1), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "confidence must lie in (0, 1), got %g", (double)confidence);

  PetscCall(StzPowerLawCollectPositive(n, sizes, &m, &x));
  if (m < STZ_POWERLAW_MIN_TAIL) PetscCall(PetscFree(x)); /* free before the check below raises */
  PetscCheck(m >= STZ_POWERLAW_MIN_TAIL, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "power-law fit needs at least %d positive sizes, got %" PetscInt_FMT " (of %" PetscInt_FMT " values)",
             STZ_POWERLAW_MIN_TAIL, m, n);

  /* Sort once and take logs once: the cutoff scan and every bootstrap resample reuse them. */
  PetscCall(PetscSortReal(m, x));
  PetscCall(PetscMalloc1(m, &lx));
  for (PetscInt i = 0; i < m; i++) lx[i] = PetscLogReal(x[i]);
  PetscCall(PetscMalloc1(STZ_POWERLAW_MAX_CANDIDATES + 1, &cand));

  StzPowerLawScanCutoffs(m, x, lx, cand, &scan);
  if (!scan.found) {
    /* Keep the range for the message, then release everything before the check raises. */
    const PetscReal xlo = x[0], xhi = x[m - 1];

    PetscCall(PetscFree(cand));
    PetscCall(PetscFree(lx));
    PetscCall(PetscFree(x));
    PetscCheck(PETSC_FALSE, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "no cutoff leaves %d or more sizes with more than one distinct value (%" PetscInt_FMT " positive sizes, range [%g, %g])",
               STZ_POWERLAW_MIN_TAIL, m, (double)xlo, (double)xhi);
  }

  /* Report the exponent exactly as the public MLE computes it at the chosen cutoff on the caller's array (same values,
   * same summation order; non-positive sizes fall below s_min > 0), rather than the scan's difference of precomputed logs,
   * so StzPowerLawExponentMLE(n, sizes, fit->s_min, ...) reproduces fit->exponent to the last bit. */
  fit->exponent    = StzPowerLawExponentMLE(n, sizes, scan.s_min, &fit->n_tail);
  fit->s_min       = scan.s_min;
  fit->ks_distance = scan.ks;
  fit->ci_low      = (PetscReal)NAN;
  fit->ci_high     = (PetscReal)NAN;
  fit->n_bootstrap = 0;

  if (n_bootstrap > 0) {
    const uint64_t key = StzRngKey(seed, STZ_POWERLAW_RNG_TAG);
    PetscInt      *count;
    PetscReal     *xb, *lxb, *taus;

    PetscCall(PetscMalloc1(m, &count));
    PetscCall(PetscMalloc1(m, &xb));
    PetscCall(PetscMalloc1(m, &lxb));
    PetscCall(PetscMalloc1(n_bootstrap, &taus));
    for (PetscInt b = 0; b < n_bootstrap; b++) {
      PetscInt k = 0;

      /* Resample indices into the sorted sample and count multiplicities; expanding the counts in index order yields the
       * resample already sorted, with its logs copied rather than recomputed (O(m) instead of O(m log m) per resample).
       * Counter b*m + j gives every draw its own fixed random number, independent of anything else in the run. */
      PetscCall(PetscArrayzero(count, m));
      for (PetscInt j = 0; j < m; j++) {
        const double u   = StzRngUniform(key, (uint64_t)b * (uint64_t)m + (uint64_t)j);
        PetscInt     idx = (PetscInt)(u * (double)m);

        if (idx >= m) idx = m - 1; /* u < 1, but u*m can round up to m */
        count[idx]++;
      }
      for (PetscInt i = 0; i < m; i++)
        for (PetscInt c = 0; c < count[i]; c++) {
          xb[k]  = x[i];
          lxb[k] = lx[i];
          k++;
        }
      StzPowerLawScanCutoffs(m, xb, lxb, cand, &scan);
      /* A resample can (rarely, for nearly degenerate data) contain no admissible cutoff; it carries no information about
       * the exponent, so it is left out and fit->n_bootstrap reports how many resamples the interval is based on. */
      if (scan.found) taus[nb_ok++] = scan.tau;
    }
    PetscCall(PetscSortReal(nb_ok, taus));
    fit->ci_low      = StzPercentileSorted(nb_ok, taus, 0.5 * (1.0 - confidence));
    fit->ci_high     = StzPercentileSorted(nb_ok, taus, 0.5 * (1.0 + confidence));
    fit->n_bootstrap = nb_ok;
    PetscCall(PetscFree(taus));
    PetscCall(PetscFree(lxb));
    PetscCall(PetscFree(xb));
    PetscCall(PetscFree(count));
  }

  PetscCall(PetscFree(cand));
  PetscCall(PetscFree(lx));
  PetscCall(PetscFree(x));
  PetscFunctionReturn(0);
}

PetscErrorCode StzPowerLawHistogram(PetscInt n, const PetscReal sizes[], PetscInt nbins, PetscReal centers[], PetscReal density[])
{
  PetscInt  npos = 0;
  PetscReal smin = PETSC_MAX_REAL, smax = 0.0, lmin, lmax, dl;

  PetscFunctionBeginUser;
  PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "number of sizes must be non-negative, got %" PetscInt_FMT, n);
  PetscCheck(n == 0 || sizes, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "sizes is NULL but n = %" PetscInt_FMT, n);
  PetscCheck(nbins >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "nbins must be at least 1, got %" PetscInt_FMT, nbins);
  PetscCheck(centers && density, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "centers and density output arrays must not be NULL");

  for (PetscInt i = 0; i < n; i++) {
    PetscCheck(!PetscIsInfOrNanReal(sizes[i]), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "sizes[%" PetscInt_FMT "] = %g is not finite", i, (double)sizes[i]);
    if (sizes[i] > 0) {
      npos++;
      smin = PetscMin(smin, sizes[i]);
      smax = PetscMax(smax, sizes[i]);
    }
  }
  PetscCheck(npos > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "log-binned histogram needs positive sizes, got none (of %" PetscInt_FMT " values)", n);
  PetscCheck(smax > smin, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "all %" PetscInt_FMT " positive sizes equal %g: no range to log-bin", npos, (double)smin);

  lmin = PetscLogReal(smin);
  lmax = PetscLogReal(smax);
  dl   = (lmax - lmin) / (PetscReal)nbins;
  for (PetscInt b = 0; b < nbins; b++) density[b] = 0.0; /* counts first, converted to densities below */
  for (PetscInt i = 0; i < n; i++) {
    PetscInt b;

    if (!(sizes[i] > 0)) continue;
    b = (PetscInt)((PetscLogReal(sizes[i]) - lmin) / dl);
    b = PetscMax(0, PetscMin(b, nbins - 1)); /* the maximum lands exactly on the last edge; rounding may push others over */
    density[b] += 1.0;
  }
  for (PetscInt b = 0; b < nbins; b++) {
    /* Exact end points for the outer edges, so the widths sum to smax - smin and the density integrates to one. */
    const PetscReal lo = (b == 0) ? smin : PetscExpReal(lmin + dl * (PetscReal)b);
    const PetscReal hi = (b == nbins - 1) ? smax : PetscExpReal(lmin + dl * (PetscReal)(b + 1));

    /* Geometric centre: the natural midpoint on log axes, and for a power law the bin-averaged density sits on the same
     * line at every bin (scale invariance), so a log-log fit recovers -tau without a bin-centre bias. */
    centers[b] = PetscExpReal(lmin + dl * ((PetscReal)b + 0.5));
    density[b] = density[b] / ((PetscReal)npos * (hi - lo));
  }
  PetscFunctionReturn(0);
}
