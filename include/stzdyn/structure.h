/* Structural state of the glass: a local fictive temperature T_f per site (docs/model.md, "Structural state").
 * Pure functions, separately tested: how T_f sets a site's barriers, the relaxation time of the model's equilibrium liquid,
 * the fictive temperature a cooling rate freezes in (and back), and the conversion of energies to J per g-atom. */
#ifndef STZDYN_STRUCTURE_H
#define STZDYN_STRUCTURE_H

#include <petscsys.h>

/* Conventional cooling rate that defines T_g (20 K/min), K/s. */
#define STZ_TG_COOLING_RATE_K_PER_S (20.0 / 60.0)

/* Parameters of the structural model; all SI. */
typedef struct {
  PetscReal tg_k;                 /* glass transition temperature at 20 K/min */
  PetscReal kappa;                /* relative barrier change per relative change of T_f: dF = dF0 (1 + kappa (T_g - T_f)/T_g) */
  PetscReal relax_time_at_tg_s;   /* structural relaxation time of the equilibrium liquid at T_g (viscosity ~1e12 Pa s: ~100 s) */
  PetscReal attempt_frequency_hz; /* nu0 */
} StzStructureParams;

/* Barrier factor f(T_f) = max(0.05, 1 + kappa (T_g - T_f)/T_g): a site's barriers are its quenched barrier times f.
 * The floor keeps barriers positive for absurd fictive temperatures (T_f > 20 T_g / kappa). */
PetscReal StzBarrierFactor(const StzStructureParams *p, PetscReal tf_k);
/* Relaxation barrier of a site with T_f = T_g (no disorder): Q_g = k T_g ln(nu0 tau_g), so that the equilibrium liquid at T_g
 * relaxes in tau_g. Joules. */
PetscReal StzRelaxBarrierAtTg(const StzStructureParams *p);
/* Relaxation time of the equilibrium liquid (T_f = T) at temperature T: exp(Q_g f(T) / kT) / nu0. Seconds. */
PetscReal StzEquilibriumRelaxTime(const StzStructureParams *p, PetscReal temperature_k);
/* Fictive temperature frozen in by cooling at rate q (K/s): the T at which the equilibrium relaxation time reaches
 * tau_g q_g / q (Frenkel-Kobeko-Reiner: q tau(T_f) = const, with q_g = 20 K/min giving T_f = T_g). */
PetscReal StzFictiveFromCoolingRate(const StzStructureParams *p, PetscReal rate_k_per_s);
/* The inverse: the cooling rate that would freeze in T_f. K/s. */
PetscReal StzCoolingRateFromFictive(const StzStructureParams *p, PetscReal tf_k);
/* Energy per site (J) to J per g-atom: sites of volume site_volume_m3 holding site_volume_m3 / atomic_volume_m3 atoms. */
PetscReal StzJoulesPerGramAtom(PetscReal energy_per_site_j, PetscReal site_volume_m3, PetscReal atomic_volume_m3);

#endif
