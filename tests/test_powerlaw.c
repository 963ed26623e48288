/* Tests of the power-law fit (lib/observe/powerlaw.c) on synthetic samples with a known exponent.
 *
 * Samples come from the project's counter-based RNG with fixed seeds, so every check is deterministic: a statistical
 * check (e.g. "the true exponent is inside the 95% interval") either always passes or always fails for this build.
 */
#include <stzdyn/powerlaw.h>
#include <stzdyn/rng.h>

#include <math.h>
#include <string.h>

static int failures = 0;

/* Print one TAP-style line per check and remember failures for the exit code. */
static void Check(PetscBool cond, const char *name, const char *detail)
{
  if (!cond) failures++;
  (void)PetscPrintf(PETSC_COMM_SELF, "%s - %s (%s)\n", cond ? "ok" : "not ok", name, detail);
}

/* Continuous power law p(s) ~ s^-tau on [s_min, inf) by inverse CDF: s = s_min (1-u)^(-1/(tau-1)). */
static void PowerLawSample(PetscInt n, PetscReal tau, PetscReal s_min, uint64_t seed, uint64_t counter0, PetscReal s[])
{
  const uint64_t key = StzRngKey(seed, 0x5a3);

  for (PetscInt i = 0; i < n; i++) {
    const double u = StzRngUniform(key, counter0 + (uint64_t)i);
    s[i]           = s_min * PetscPowReal(1.0 - u, -1.0 / (tau - 1.0));
  }
}

static PetscBool BitEqual(PetscReal a, PetscReal b)
{
  return memcmp(&a, &b, sizeof a) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

/* Fit a pure power law and check CI coverage and the point estimate against the standard error. */
static PetscErrorCode CheckPureFit(PetscReal tau, uint64_t seed, PetscReal *s, PetscInt n)
{
  StzPowerLawFit fit;
  PetscReal      se, tau_mle;
  PetscInt       nt;
  char           buf[256], name[128];

  PetscFunctionBeginUser;
  PowerLawSample(n, tau, 1.0, seed, 0, s);
  PetscCall(StzPowerLawFitCreate(n, s, 0.95, 200, seed, &fit));
  /* The estimator only uses the n_tail samples above the chosen cutoff, so that is the n in its standard error. */
  se = (tau - 1.0) / PetscSqrtReal((PetscReal)fit.n_tail);

  PetscCall(PetscSNPrintf(name, sizeof name, "tau=%.2f: true exponent inside 95%% bootstrap CI", (double)tau));
  PetscCall(PetscSNPrintf(buf, sizeof buf, "CI [%.4f, %.4f], %" PetscInt_FMT " resamples", (double)fit.ci_low, (double)fit.ci_high, fit.n_bootstrap));
  Check((PetscBool)(fit.ci_low <= tau && tau <= fit.ci_high && fit.n_bootstrap == 200), name, buf);

  PetscCall(PetscSNPrintf(name, sizeof name, "tau=%.2f: estimate within 3 standard errors", (double)tau));
  PetscCall(
      PetscSNPrintf(buf, sizeof buf, "tau_hat %.4f, se %.4f, s_min %.4g, n_tail %" PetscInt_FMT ", KS %.4f", (double)fit.exponent, (double)se, (double)fit.s_min, fit.n_tail, (double)fit.ks_distance));
  Check((PetscBool)(PetscAbsReal(fit.exponent - tau) < 3.0 * se), name, buf);

  /* The reported exponent is the public MLE at the reported cutoff. */
  tau_mle = StzPowerLawExponentMLE(n, s, fit.s_min, &nt);
  PetscCall(PetscSNPrintf(name, sizeof name, "tau=%.2f: fit agrees with StzPowerLawExponentMLE at s_min", (double)tau));
  PetscCall(PetscSNPrintf(buf, sizeof buf, "%.17g vs %.17g, n_tail %" PetscInt_FMT " vs %" PetscInt_FMT, (double)fit.exponent, (double)tau_mle, fit.n_tail, nt));
  Check((PetscBool)(BitEqual(fit.exponent, tau_mle) && nt == fit.n_tail), name, buf);
  PetscFunctionReturn(0);
}

/* Log-log least-squares slope of the histogram over bins holding at least 10 samples. */
static PetscErrorCode CheckHistogramSlope(PetscReal tau, uint64_t seed, PetscReal *s, PetscInt n)
{
  enum { NB = 30 };
  PetscReal centers[NB], density[NB], r, sx = 0, sy = 0, sxx = 0, sxy = 0, slope, norm = 0;
  PetscInt  used = 0;
  char      buf[256], name[128];

  PetscFunctionBeginUser;
  PowerLawSample(n, tau, 1.0, seed, 0, s);
  PetscCall(StzPowerLawHistogram(n, s, NB, centers, density));
  r = centers[1] / centers[0]; /* constant ratio of consecutive edges for logarithmic bins */
  for (PetscInt b = 0; b < NB; b++) {
    /* Bin b spans [c/sqrt(r), c*sqrt(r)] around its geometric centre c; recover its count from the density. */
    const PetscReal width = centers[b] * (PetscSqrtReal(r) - 1.0 / PetscSqrtReal(r));
    const PetscReal count = density[b] * (PetscReal)n * width;

    norm += density[b] * width;
    if (count < 9.5) continue;
    sx += PetscLogReal(centers[b]);
    sy += PetscLogReal(density[b]);
    sxx += PetscLogReal(centers[b]) * PetscLogReal(centers[b]);
    sxy += PetscLogReal(centers[b]) * PetscLogReal(density[b]);
    used++;
  }
  slope = (used * sxy - sx * sy) / (used * sxx - sx * sx);

  PetscCall(PetscSNPrintf(name, sizeof name, "tau=%.2f: histogram log-log slope within 0.15 of -tau", (double)tau));
  PetscCall(PetscSNPrintf(buf, sizeof buf, "slope %.4f over %" PetscInt_FMT " bins", (double)slope, used));
  Check((PetscBool)(used >= 5 && PetscAbsReal(slope + tau) < 0.15), name, buf);

  PetscCall(PetscSNPrintf(name, sizeof name, "tau=%.2f: histogram density integrates to 1", (double)tau));
  PetscCall(PetscSNPrintf(buf, sizeof buf, "sum density*width = %.12f", (double)norm));
  Check((PetscBool)(PetscAbsReal(norm - 1.0) < 1e-9), name, buf);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const PetscInt n = 5000;
  PetscReal     *s;
  char           buf[256];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscMalloc1(n, &s));

  /* Exact MLE on a hand-made sample: sizes 1, e, e^2 give sum ln(s/1) = 3, so tau = 1 + 3/3 = 2; with s_min = e the
   * tail {e, e^2} has sum 1, so tau = 1 + 2/1 = 3. Values below s_min and non-positive ones are ignored. */
  {
    const PetscReal v[] = {-1.0, 0.0, 1.0, PetscExpReal(1.0), PetscExpReal(2.0), 0.5};
    PetscInt        nt1, nt2;
    PetscReal       t1 = StzPowerLawExponentMLE(6, v, 1.0, &nt1), t2 = StzPowerLawExponentMLE(6, v, PetscExpReal(1.0), &nt2);

    PetscCall(PetscSNPrintf(buf, sizeof buf, "tau %.15g (n %" PetscInt_FMT "), %.15g (n %" PetscInt_FMT ")", (double)t1, nt1, (double)t2, nt2));
    Check((PetscBool)(PetscAbsReal(t1 - 2.0) < 1e-12 && nt1 == 3 && PetscAbsReal(t2 - 3.0) < 1e-12 && nt2 == 2), "MLE exact on hand-made sample", buf);
  }

  PetscCall(CheckPureFit(1.5, 11, s, n));
  PetscCall(CheckPureFit(2.2, 12, s, n));

  /* Non-power-law body: half the sample uniform on (0, x0), half a power law above x0. The KS scan must place the
   * cutoff near x0, and the exponent of the tail must still be recovered. */
  {
    const PetscReal x0 = 5.0, tau = 2.2;
    const uint64_t  key = StzRngKey(13, 0x0b0d);
    StzPowerLawFit  fit;
    PetscReal       se;

    for (PetscInt i = 0; i < n / 2; i++) s[i] = x0 * StzRngUniform(key, (uint64_t)i);
    PowerLawSample(n - n / 2, tau, x0, 13, 0, s + n / 2);
    PetscCall(StzPowerLawFitCreate(n, s, 0.95, 200, 13, &fit));
    se = (tau - 1.0) / PetscSqrtReal((PetscReal)fit.n_tail);
    PetscCall(PetscSNPrintf(buf, sizeof buf, "s_min %.4f for x0 %.1f, n_tail %" PetscInt_FMT ", KS %.4f", (double)fit.s_min, (double)x0, fit.n_tail, (double)fit.ks_distance));
    Check((PetscBool)(fit.s_min >= 0.5 * x0 && fit.s_min <= 2.0 * x0), "mixed sample: cutoff within a factor 2 of x0", buf);
    PetscCall(PetscSNPrintf(buf, sizeof buf, "tau_hat %.4f, se %.4f, CI [%.4f, %.4f]", (double)fit.exponent, (double)se, (double)fit.ci_low, (double)fit.ci_high));
    Check((PetscBool)(PetscAbsReal(fit.exponent - tau) < 3.0 * se && fit.ci_low <= tau && tau <= fit.ci_high), "mixed sample: tail exponent recovered", buf);
  }

  /* A finite system: p(s) ~ s^-1.5 exp(-s/s_c) on s >= 1 with s_c = 300 (about 2.5 decades of power law, then a roll-off),
   * by rejection from the pure law. A fit whose tail sits in the roll-off reads a steep exponent there; the cutoff must leave
   * at least a decade of data above it, and the exponent must stay within 0.3 of the power law's 1.5 (the roll-off still
   * steepens it a little). */
  {
    const uint64_t key = StzRngKey(41, 0xc0f);
    PetscReal      t[1];
    StzPowerLawFit fit;
    PetscInt       m = 0;
    for (uint64_t c = 0; m < n; c++) {
      PowerLawSample(1, 1.5, 1.0, 41, c, t);
      if (StzRngUniform(key, c) < PetscExpReal(-(t[0] - 1.0) / 300.0)) s[m++] = t[0];
    }
    PetscCall(StzPowerLawFitCreate(n, s, 0.95, 0, 41, &fit));
    PetscCall(PetscSNPrintf(buf, sizeof buf, "tau_hat %.4f above s_min %.3g (n_tail %" PetscInt_FMT ")", (double)fit.exponent, (double)fit.s_min, fit.n_tail));
    Check((PetscBool)(PetscAbsReal(fit.exponent - 1.5) < 0.3), "power law with an exponential roll-off: exponent of the power-law stretch", buf);
  }

  PetscCall(CheckHistogramSlope(1.5, 21, s, n));
  PetscCall(CheckHistogramSlope(2.2, 22, s, n));

  /* Reproducibility: same data and seed give a bit-identical fit; another seed changes only the bootstrap interval. */
  {
    StzPowerLawFit a, b, c;

    PowerLawSample(n, 2.2, 1.0, 31, 0, s);
    PetscCall(StzPowerLawFitCreate(n, s, 0.95, 50, 7, &a));
    PetscCall(StzPowerLawFitCreate(n, s, 0.95, 50, 7, &b));
    PetscCall(StzPowerLawFitCreate(n, s, 0.95, 50, 8, &c));
    PetscCall(PetscSNPrintf(buf, sizeof buf, "tau %.17g, CI [%.17g, %.17g]", (double)a.exponent, (double)a.ci_low, (double)a.ci_high));
    Check((PetscBool)(BitEqual(a.exponent, b.exponent) && BitEqual(a.s_min, b.s_min) && BitEqual(a.ks_distance, b.ks_distance) && a.n_tail == b.n_tail && BitEqual(a.ci_low, b.ci_low) &&
                      BitEqual(a.ci_high, b.ci_high) && a.n_bootstrap == b.n_bootstrap),
          "same seed gives a bit-identical fit", buf);
    PetscCall(PetscSNPrintf(buf, sizeof buf, "seed 8: CI [%.17g, %.17g]", (double)c.ci_low, (double)c.ci_high));
    Check((PetscBool)(BitEqual(a.exponent, c.exponent) && BitEqual(a.s_min, c.s_min) && !(BitEqual(a.ci_low, c.ci_low) && BitEqual(a.ci_high, c.ci_high))),
          "other seed changes only the bootstrap interval", buf);
  }

  /* Too few samples: 9 positive values (plus non-positive ones that must not count) is an argument-size error. */
  {
    PetscReal      v[15];
    StzPowerLawFit fit;
    PetscErrorCode ierr;

    for (PetscInt i = 0; i < 15; i++) v[i] = i < 9 ? (PetscReal)(i + 1) : -(PetscReal)i;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = StzPowerLawFitCreate(15, v, 0.95, 10, 1, &fit);
    PetscCall(PetscPopErrorHandler());
    PetscCall(PetscSNPrintf(buf, sizeof buf, "error code %d, expected PETSC_ERR_ARG_SIZ = %d", (int)ierr, (int)PETSC_ERR_ARG_SIZ));
    Check((PetscBool)(ierr == PETSC_ERR_ARG_SIZ), "fewer than 10 positive samples is an error", buf);
  }

  PetscCall(PetscFree(s));
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
