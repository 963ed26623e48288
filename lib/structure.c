/* Structural state: pure functions of the local fictive temperature model (include/stzdyn/structure.h). */
#include <stzdyn/structure.h>
#include <stzdyn/material.h>

PetscReal StzBarrierFactor(const StzStructureParams *p, PetscReal tf_k)
{
  return PetscMax(0.05, 1 + p->kappa * (p->tg_k - tf_k) / p->tg_k);
}

PetscReal StzRelaxBarrierAtTg(const StzStructureParams *p)
{
  return STZ_BOLTZMANN_J_PER_K * p->tg_k * PetscLogReal(p->attempt_frequency_hz * p->relax_time_at_tg_s);
}

PetscReal StzEquilibriumRelaxTime(const StzStructureParams *p, PetscReal temperature_k)
{
  const PetscReal q = StzRelaxBarrierAtTg(p) * StzBarrierFactor(p, temperature_k);
  return PetscExpReal(q / (STZ_BOLTZMANN_J_PER_K * temperature_k)) / p->attempt_frequency_hz;
}

PetscReal StzFictiveFromCoolingRate(const StzStructureParams *p, PetscReal rate)
{
  /* tau_eq(T) falls monotonically with T: bisect ln tau_eq(T) = ln(tau_g q_g / q) on [0.2 T_g, 5 T_g]. */
  const PetscReal target = PetscLogReal(p->relax_time_at_tg_s * STZ_TG_COOLING_RATE_K_PER_S / rate);
  PetscReal       lo = 0.2 * p->tg_k, hi = 5 * p->tg_k;
  for (int it = 0; it < 200 && hi - lo > 1e-12 * p->tg_k; it++) {
    const PetscReal mid = 0.5 * (lo + hi);
    if (PetscLogReal(StzEquilibriumRelaxTime(p, mid)) > target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

PetscReal StzCoolingRateFromFictive(const StzStructureParams *p, PetscReal tf_k)
{
  return p->relax_time_at_tg_s * STZ_TG_COOLING_RATE_K_PER_S / StzEquilibriumRelaxTime(p, tf_k);
}

PetscReal StzJoulesPerGramAtom(PetscReal e_site_j, PetscReal site_volume_m3, PetscReal atomic_volume_m3)
{
  return e_site_j / (site_volume_m3 / atomic_volume_m3) * STZ_AVOGADRO_PER_MOL;
}
