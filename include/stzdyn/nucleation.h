/* Thermally activated nucleation of a pop-in under a rising load, read from the distribution of first pop-in stresses
 * (Schuh & Lund, J. Mater. Res. 19, 2152, 2004; Mason, Lund & Schuh, Phys. Rev. B 73, 054102, 2006): the activation volume
 * V* an experimentalist would infer from the same data. */
#ifndef STZDYN_NUCLEATION_H
#define STZDYN_NUCLEATION_H

#include <petscsys.h>

/* The fit's model: pop-ins nucleate at the rate K exp(V* tau / kT) per unit time, tau the largest shear stress under the
 * indenter, with tau growing as the square root of a load that rises at a constant rate (Hertz's line or point contact
 * from zero load). The cumulative probability of a pop-in below tau is then
 *   F(tau) = 1 - exp(-A g(beta tau)),   g(x) = e^x (x - 1) + 1,   beta = V* / kT,
 * and A and beta are found by maximum likelihood, with each run that ended without a pop-in counted as right-censored at
 * the stress it reached. */
typedef struct {
  PetscInt  n_popins, n_censored;  /* runs with a first pop-in, and runs without one */
  PetscReal beta_per_pa;           /* V* / kT (1/Pa); NaN when there is no maximum (StzNucleationBetaMLE) */
  PetscReal activation_volume_m3;  /* V* = beta kT */
  PetscReal amplitude;             /* A, dimensionless */
  PetscReal ci_low_m3, ci_high_m3; /* profile-likelihood interval of V*: where the log-likelihood, A maximised out, is within
                                      chi^2_1(confidence) / 2 of its maximum; 0 below if it never falls that far towards
                                      V* = 0, NaN above if it does not by beta tau_max = 500 */
  PetscReal confidence;            /* of that interval */
} StzNucleationFit;

/* The maximum-likelihood beta (1/Pa) for pop-in stresses tau[0..n) (Pa, > 0) and n_censored runs censored at
 * tau_censored[0..n_censored) (Pa, > 0). NaN with fewer than 2 pop-ins, if the likelihood has no maximum below
 * beta tau_max = 500 (all stresses equal), or if its maximum is below beta tau_max = 1, where the rate's exponential changes
 * by less than e over the sample (stresses that do not rise as thermal activation makes them: e.g. a density falling with
 * the stress). Pure function. */
PetscReal StzNucleationBetaMLE(PetscInt n, const PetscReal tau[], PetscInt n_censored, const PetscReal tau_censored[]);

/* The fit at temperature_k with its interval at `confidence` (e.g. 0.95). At least 3 pop-ins, else PETSC_ERR_ARG_SIZ. */
PetscErrorCode StzNucleationFitCreate(PetscInt n, const PetscReal tau[], PetscInt n_censored, const PetscReal tau_censored[], PetscReal temperature_k, PetscReal confidence, StzNucleationFit *fit);

#endif
