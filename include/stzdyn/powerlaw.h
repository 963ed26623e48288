/* Maximum-likelihood power-law fits of avalanche sizes (Clauset, Shalizi & Newman, SIAM Review 51, 661, 2009). */
#ifndef STZDYN_POWERLAW_H
#define STZDYN_POWERLAW_H

#include <petscsys.h>
#include <stdint.h>

typedef struct {
  PetscReal exponent;        /* tau in p(s) ~ s^-tau for s >= s_min (continuous MLE) */
  PetscReal s_min;           /* lower cutoff chosen by minimising the Kolmogorov-Smirnov distance */
  PetscReal ks_distance;     /* KS distance at that cutoff */
  PetscInt  n_tail;          /* number of samples >= s_min */
  PetscReal ci_low, ci_high; /* bootstrap confidence interval of the exponent (cutoff re-chosen in each resample) */
  PetscInt  n_bootstrap;
} StzPowerLawFit;

/* Fit sizes[0..n) (> 0; non-positive values are ignored). `confidence` e.g. 0.95; `n_bootstrap` resamples (0: no CI);
 * `seed` makes the bootstrap reproducible. Requires at least 10 positive samples, else PETSC_ERR_ARG_SIZ. */
PetscErrorCode StzPowerLawFitCreate(PetscInt n, const PetscReal sizes[], PetscReal confidence, PetscInt n_bootstrap, uint64_t seed, StzPowerLawFit *fit);

/* Continuous MLE exponent for a fixed cutoff: 1 + n / sum(ln(s/s_min)) over s >= s_min. */
PetscReal StzPowerLawExponentMLE(PetscInt n, const PetscReal sizes[], PetscReal s_min, PetscInt *n_tail);

/* Log-binned probability density: `nbins` bins between the smallest and largest positive size.
 * centers[b], density[b] (per unit size, normalised over all positive samples). */
PetscErrorCode StzPowerLawHistogram(PetscInt n, const PetscReal sizes[], PetscInt nbins, PetscReal centers[], PetscReal density[]);

/* Percentile p in [0, 1] of v[0..n) sorted ascending (NaN if n = 0); the bootstrap intervals use it. */
PetscReal StzPercentileSorted(PetscInt n, const PetscReal v[], PetscReal p);

#endif
