/* Material presets and the pure physics of STZ activation: Argon's barrier, the activation rate, the resolved shear stress,
 * the STZ eigenstrain and plane-strain Hooke's law. Values and their sources: docs/model.md (Materials). */
#include <stzdyn/material.h>

/* Presets. Every number is explained, with its source or how it was estimated, in docs/model.md (Materials); keep the two in step.
 * The first two (Argon presets): STZ volumes are calibrated so that one STZ activates at 1/s at 300 K at the Johnson-Samwer shear limit
 * tau/mu = 0.036 - 0.016 (T/Tg)^(2/3) (PRL 95, 195501, 2005), rounded to two digits. */
static const StzMaterial stz_presets[] = {
    {
        .name                             = "vitreloy1", /* Zr41.2 Ti13.8 Cu12.5 Ni10 Be22.5 */
        .shear_modulus_pa                 = 36.0e9,
        .poisson_ratio                    = 0.355,
        .gamma0                           = 0.1,
        .stz_volume_m3                    = 1.0e-27, /* ~61 atoms */
        .dilatancy_beta                   = 0.2,
        .tau_hat_over_mu                  = 0.036,
        .attempt_frequency_hz             = 1.0e13,
        .glass_transition_k               = 625.0,
        .atomic_volume_m3                 = 1.634e-29, /* 60.03 g/mol at 6.1 g/cm^3 */
        .heat_capacity_jump_j_per_gatom_k = 13.2,
        .heat_of_melting_j_per_gatom      = 8.2e3,
        .thermal_expansion_per_k          = 9.3e-6,
        .source                           = "docs/model.md (Materials): mu, nu, Tg, dHm literature values not verified from primary sources; gamma0, nu0 "
                                            "Argon 1979 / Homer & Schuh 2009; tau_hat/mu Johnson & Samwer PRL 95 195501 (2005); Omega0 calibrated to the "
                                            "same; beta estimate; dCp generic 13.2 J/(g-atom K); alpha from -0.2% strain RT->77 K (reference review)",
    },
    {
        .name                             = "cu57zr43",
        .shear_modulus_pa                 = 33.0e9,
        .poisson_ratio                    = 0.365,
        .gamma0                           = 0.1,
        .stz_volume_m3                    = 1.1e-27, /* ~66 atoms */
        .dilatancy_beta                   = 0.2,
        .tau_hat_over_mu                  = 0.036,
        .attempt_frequency_hz             = 1.0e13,
        .glass_transition_k               = 740.0,
        .atomic_volume_m3                 = 1.674e-29, /* rule of mixtures of fcc Cu and hcp Zr atomic volumes */
        .heat_capacity_jump_j_per_gatom_k = 13.2,
        .heat_of_melting_j_per_gatom      = 9.0e3,
        .thermal_expansion_per_k          = 9.3e-6,
        .source                           = "docs/model.md (Materials): mu, nu, Tg estimates (Cu64Zr36: E 92.3 GPa, Tg 787 K, Xu et al., Acta "
                                            "Mater 2004); dHm 9 kJ/g-atom representative value of the reference review; atomic volume rule of mixtures; "
                                            "gamma0, nu0, tau_hat/mu, Omega0, beta, dCp, alpha as for vitreloy1",
    },
    /* Two-temperature calibration (docs/model.md 12, "The -js presets"): with Argon's barrier linear in stress, the 1/s
     * activation stress of one STZ, tau1(T) = tau_ath - kT ln(nu0 1 s) / V* (V* = gamma0 Omega0 / 2, tau_ath = dF / V*), is
     * matched to the Johnson-Samwer stress at 300 K and at 77 K. That fixes V* and tau_ath; with beta = tau_hat = 0 (the
     * fit leaves no room for them) tau_ath = 2 c1 mu gamma0 (c1 the shear bracket term) gives gamma0, and Omega0 = 2 V* /
     * gamma0. Rounded to two (gamma0) and three (Omega0) digits. */
    {
        .name                             = "vitreloy1-js",
        .shear_modulus_pa                 = 36.0e9,
        .poisson_ratio                    = 0.355,
        .gamma0                           = 0.063,
        .stz_volume_m3                    = 13.9e-27, /* ~850 atoms; activation volume gamma0 Omega0 / 2 = 0.44 nm^3 (27 atoms) */
        .dilatancy_beta                   = 0.0,
        .tau_hat_over_mu                  = 0.0,
        .attempt_frequency_hz             = 1.0e13,
        .glass_transition_k               = 625.0,
        .atomic_volume_m3                 = 1.634e-29,
        .heat_capacity_jump_j_per_gatom_k = 13.2,
        .heat_of_melting_j_per_gatom      = 8.2e3,
        .thermal_expansion_per_k          = 9.3e-6,
        .source                           = "docs/model.md (Materials): as vitreloy1, but gamma0, Omega0 calibrated so that one STZ activates at 1/s at "
                                            "the Johnson-Samwer shear stress at both 300 K and 77 K (PRL 95 195501, 2005), with beta = tau_hat = 0",
    },
    {
        .name                             = "cu57zr43-js",
        .shear_modulus_pa                 = 33.0e9,
        .poisson_ratio                    = 0.365,
        .gamma0                           = 0.063,
        .stz_volume_m3                    = 17.0e-27, /* ~1000 atoms; activation volume 0.54 nm^3 (32 atoms) */
        .dilatancy_beta                   = 0.0,
        .tau_hat_over_mu                  = 0.0,
        .attempt_frequency_hz             = 1.0e13,
        .glass_transition_k               = 740.0,
        .atomic_volume_m3                 = 1.674e-29,
        .heat_capacity_jump_j_per_gatom_k = 13.2,
        .heat_of_melting_j_per_gatom      = 9.0e3,
        .thermal_expansion_per_k          = 9.3e-6,
        .source                           = "docs/model.md (Materials): as cu57zr43, but gamma0, Omega0 calibrated so that one STZ activates at 1/s at "
                                            "the Johnson-Samwer shear stress at both 300 K and 77 K (PRL 95 195501, 2005), with beta = tau_hat = 0",
    },
};

#define STZ_NUM_PRESETS (sizeof(stz_presets) / sizeof(stz_presets[0]))

const char *StzMaterialPresetList(void)
{
  return "vitreloy1, cu57zr43, vitreloy1-js, cu57zr43-js";
}

PetscErrorCode StzMaterialPreset(const char name[], StzMaterial *mat)
{
  PetscBool match = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCheck(name && mat, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "StzMaterialPreset needs a preset name and a material to fill");
  for (size_t i = 0; i < STZ_NUM_PRESETS && !match; i++) {
    PetscCall(PetscStrcmp(name, stz_presets[i].name, &match));
    if (match) *mat = stz_presets[i];
  }
  PetscCheck(match, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "unknown -stz_material '%s'; allowed: %s", name, StzMaterialPresetList());
  PetscFunctionReturn(0);
}

PetscReal StzArgonBarrier(PetscReal mu_pa, PetscReal nu, PetscReal gamma0, PetscReal omega0_m3, PetscReal beta, PetscReal tau_hat_pa)
{
  PetscReal shear      = (7.0 - 5.0 * nu) / (30.0 * (1.0 - nu));              /* Eshelby energy of the sheared zone */
  PetscReal dilatation = 2.0 * (1.0 + nu) / (9.0 * (1.0 - nu)) * beta * beta; /* of its dilatation beta*gamma0 */
  PetscReal athermal   = tau_hat_pa / (2.0 * mu_pa * gamma0);                 /* work against the athermal resistance */

  return (shear + dilatation + athermal) * mu_pa * gamma0 * gamma0 * omega0_m3;
}

PetscReal StzActivationRate(PetscReal nu0_hz, PetscReal barrier_j, PetscReal tau_pa, PetscReal gamma0, PetscReal omega0_m3, PetscReal temperature_k)
{
  /* One exp of the net exponent: exp(-dF/kT) * exp(tau g0 W0 / 2kT) would underflow to 0 times overflow to inf (NaN) for a
   * large barrier nearly cancelled by a large stress. */
  PetscReal exponent = -(barrier_j - 0.5 * tau_pa * gamma0 * omega0_m3) / (STZ_BOLTZMANN_J_PER_K * temperature_k);

  return nu0_hz * PetscExpReal(exponent);
}

PetscReal StzResolvedShear(PetscReal sxx, PetscReal syy, PetscReal sxy, PetscReal theta)
{
  return sxy * PetscCosReal(2.0 * theta) - 0.5 * (sxx - syy) * PetscSinReal(2.0 * theta);
}

void StzEigenstrain(PetscReal gamma0, PetscReal theta, PetscInt sense, PetscReal eps_v, PetscReal eps[3])
{
  PetscReal half = 0.5 * (PetscReal)sense * gamma0; /* tensor shear component of an engineering shear gamma0 */

  eps[0] = -half * PetscSinReal(2.0 * theta) + 0.5 * eps_v;
  eps[1] = half * PetscSinReal(2.0 * theta) + 0.5 * eps_v;
  eps[2] = half * PetscCosReal(2.0 * theta);
}

void StzHookePlaneStrain(PetscReal mu_pa, PetscReal nu, const PetscReal eps[3], PetscReal sigma[3])
{
  PetscReal lambda = 2.0 * mu_pa * nu / (1.0 - 2.0 * nu);
  PetscReal trace  = eps[0] + eps[1];

  sigma[0] = lambda * trace + 2.0 * mu_pa * eps[0];
  sigma[1] = lambda * trace + 2.0 * mu_pa * eps[1];
  sigma[2] = 2.0 * mu_pa * eps[2];
}
