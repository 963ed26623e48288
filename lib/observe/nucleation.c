/* Activation volume from the distribution of first pop-in stresses: maximum likelihood for the nucleation law of
 * include/stzdyn/nucleation.h, and a bootstrap over the runs for its uncertainty. */
#include <stzdyn/nucleation.h>
#include <stzdyn/material.h>
#include <stzdyn/powerlaw.h>
#include <stzdyn/rng.h>

#include <math.h>

/* Tag of the bootstrap stream (see rng.h: different uses of one seed never share numbers). */
#define STZ_NUCLEATION_RNG_TAG 0x90915

/* Upper end of the search in beta tau_max: far beyond any activation volume of a pop-in (beta tau is 10-20 for the model's
 * pop-ins, 30-60 for dislocation nucleation in crystals), and e^500 stays a finite double. */
#define STZ_NUCLEATION_XMAX 500.0

/* g(x) = e^x (x - 1) + 1 = int_0^x t e^t dt: the expected number of nucleations up to the stress tau = x / beta, up to a
 * factor. Its two terms cancel for small x, where the series is used instead. */
static double StzNucleationG(double x)
{
  if (x < 1e-2) return x * x * (0.5 + x * (1.0 / 3.0 + x * 0.125));
  return x * exp(x) - expm1(x);
}

/* Profile log-likelihood at beta (the amplitude maximised out: A = d / S), up to a constant:
 *   l(beta) = -d ln S(beta) + 2 d ln beta + beta sum_i tau_i,   S = sum_i g(beta tau_i) + n_c g(beta tau_c). */
static double StzNucleationProfile(PetscInt n, const PetscReal tau[], PetscInt nc, PetscReal tc, double beta, double *S_out)
{
  double S = nc > 0 ? (double)nc * StzNucleationG(beta * tc) : 0.0, sum = 0.0;
  for (PetscInt i = 0; i < n; i++) {
    S += StzNucleationG(beta * tau[i]);
    sum += tau[i];
  }
  if (S_out) *S_out = S;
  return -(double)n * log(S) + 2.0 * (double)n * log(beta) + beta * sum;
}

PetscReal StzNucleationBetaMLE(PetscInt n, const PetscReal tau[], PetscInt n_censored, PetscReal tau_censored)
{
  const PetscInt ngrid = 300;
  double         tmax = n_censored > 0 ? tau_censored : 0.0, best = -INFINITY, lo, hi;
  PetscInt       kbest = -1;

  if (n < 2) return (PetscReal)NAN;
  for (PetscInt i = 0; i < n; i++) {
    if (!(tau[i] > 0)) return (PetscReal)NAN;
    tmax = PetscMax(tmax, tau[i]);
  }
  /* A scan in log(beta tau_max) from 1e-3 to the end of the range brackets the maximum; golden sections refine it. */
  for (PetscInt k = 0; k < ngrid; k++) {
    const double x = 1e-3 * pow(STZ_NUCLEATION_XMAX / 1e-3, (double)k / (ngrid - 1)), l = StzNucleationProfile(n, tau, n_censored, tau_censored, x / tmax, NULL);
    if (l > best) best = l, kbest = k;
  }
  /* A maximum at either end is no maximum: at the small end the stresses do not rise exponentially (no sign of thermal
   * activation), at the large end they are all equal. */
  if (kbest <= 0 || kbest >= ngrid - 1) return (PetscReal)NAN;
  lo = log(1e-3) + (log(STZ_NUCLEATION_XMAX) - log(1e-3)) * (kbest - 1) / (ngrid - 1);
  hi = log(1e-3) + (log(STZ_NUCLEATION_XMAX) - log(1e-3)) * (kbest + 1) / (ngrid - 1);
  for (int it = 0; it < 100 && hi - lo > 1e-12; it++) {
    const double r = 0.5 * (sqrt(5.0) - 1), a = hi - r * (hi - lo), b = lo + r * (hi - lo);
    if (StzNucleationProfile(n, tau, n_censored, tau_censored, exp(a) / tmax, NULL) > StzNucleationProfile(n, tau, n_censored, tau_censored, exp(b) / tmax, NULL)) hi = b;
    else lo = a;
  }
  /* Below beta tau_max = 1 the exponential varies by less than e over the whole sample: the fit then follows the geometric
   * factor tau of the law, not an activation, and the data show no sign of one. */
  if (0.5 * (lo + hi) < 0) return (PetscReal)NAN;
  return (PetscReal)(exp(0.5 * (lo + hi)) / tmax);
}

PetscErrorCode StzNucleationFitCreate(PetscInt n, const PetscReal tau[], PetscInt n_censored, PetscReal tau_censored, PetscReal temperature_k, PetscReal confidence, PetscInt n_bootstrap,
                                      uint64_t seed, StzNucleationFit *fit)
{
  const PetscReal kT = STZ_BOLTZMANN_J_PER_K * temperature_k;
  double          S;

  PetscFunctionBeginUser;
  PetscCheck(n >= 3, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "a nucleation fit needs at least 3 pop-ins, got %d", (int)n);
  PetscCheck(temperature_k > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "a nucleation fit needs a temperature > 0 K, got %g", (double)temperature_k);
  PetscCall(PetscMemzero(fit, sizeof(*fit)));
  fit->n_popins             = n;
  fit->n_censored           = n_censored;
  fit->confidence           = confidence;
  fit->beta_per_pa          = StzNucleationBetaMLE(n, tau, n_censored, tau_censored);
  fit->activation_volume_m3 = fit->beta_per_pa * kT;
  fit->amplitude            = (PetscReal)NAN;
  fit->ci_low_m3 = fit->ci_high_m3 = (PetscReal)NAN;
  if (PetscIsNanReal(fit->beta_per_pa)) PetscFunctionReturn(0);
  (void)StzNucleationProfile(n, tau, n_censored, tau_censored, fit->beta_per_pa, &S);
  fit->amplitude = (PetscReal)((double)n / S);
  if (n_bootstrap > 0) {
    /* Resample the runs (pop-ins and censored runs alike) with replacement; run j of resample b takes the fixed random
     * number at counter b N + j. */
    const uint64_t key = StzRngKey(seed, STZ_NUCLEATION_RNG_TAG);
    const PetscInt N   = n + n_censored;
    PetscReal     *tb, *vb;
    PetscInt       nb = 0;
    PetscCall(PetscMalloc2(N, &tb, n_bootstrap, &vb)); /* a resample can hold up to N pop-ins */
    for (PetscInt b = 0; b < n_bootstrap; b++) {
      PetscInt  m = 0, mc = 0;
      PetscReal beta;
      for (PetscInt j = 0; j < N; j++) {
        PetscInt idx = (PetscInt)(StzRngUniform(key, (uint64_t)b * (uint64_t)N + (uint64_t)j) * (double)N);
        if (idx >= N) idx = N - 1;
        if (idx < n) tb[m++] = tau[idx];
        else mc++;
      }
      beta = StzNucleationBetaMLE(m, tb, mc, tau_censored);
      if (!PetscIsNanReal(beta)) vb[nb++] = beta * kT;
    }
    PetscCall(PetscSortReal(nb, vb));
    fit->ci_low_m3   = StzPercentileSorted(nb, vb, 0.5 * (1 - confidence));
    fit->ci_high_m3  = StzPercentileSorted(nb, vb, 0.5 * (1 + confidence));
    fit->n_bootstrap = nb;
    PetscCall(PetscFree2(tb, vb));
  }
  PetscFunctionReturn(0);
}
