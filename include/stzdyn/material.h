/* Material parameters and the pure physics functions of STZ activation (Argon 1979; Homer & Schuh 2009). */
#ifndef STZDYN_MATERIAL_H
#define STZDYN_MATERIAL_H

#include <petscsys.h>

#define STZ_BOLTZMANN_J_PER_K 1.380649e-23
#define STZ_AVOGADRO_PER_MOL  6.02214076e23

/* Everything that describes a glass-forming alloy to the model. SI units throughout. */
typedef struct {
  char        name[64];
  PetscReal   shear_modulus_pa;                 /* mu */
  PetscReal   poisson_ratio;                    /* nu */
  PetscReal   gamma0;                           /* STZ transformation shear strain (engineering) */
  PetscReal   stz_volume_m3;                    /* Omega0 */
  PetscReal   dilatancy_beta;                   /* beta in Argon's barrier */
  PetscReal   tau_hat_over_mu;                  /* athermal shear resistance tau_hat / mu */
  PetscReal   attempt_frequency_hz;             /* nu0 */
  PetscReal   glass_transition_k;               /* T_g at ~20 K/min */
  PetscReal   atomic_volume_m3;                 /* volume per atom: converts site energies to J per g-atom */
  PetscReal   heat_capacity_jump_j_per_gatom_k; /* Delta C_p at T_g (liquid minus glass) */
  PetscReal   heat_of_melting_j_per_gatom;      /* Delta H_m */
  PetscReal   thermal_expansion_per_k;          /* linear thermal expansion coefficient alpha */
  const char *source;                           /* citation of the values */
} StzMaterial;

/* Fill `mat` with the named preset (StzMaterialPresetList(): "vitreloy1", "cu57zr43" and their two-temperature "-js"
 * calibrations). Unknown name: PETSC_ERR_USER_INPUT listing the presets. */
PetscErrorCode StzMaterialPreset(const char name[], StzMaterial *mat);

/* Comma-separated list of preset names, for help and error messages. */
const char *StzMaterialPresetList(void);

/* Argon's activation free energy (J) of an STZ with athermal resistance tau_hat_pa:
 * [ (7-5nu)/(30(1-nu)) + 2(1+nu)/(9(1-nu)) beta^2 + tau_hat/(2 mu gamma0) ] mu gamma0^2 Omega0. */
PetscReal StzArgonBarrier(PetscReal mu_pa, PetscReal nu, PetscReal gamma0, PetscReal omega0_m3, PetscReal beta, PetscReal tau_hat_pa);

/* Rate (1/s) of one STZ activation: nu0 exp(-(dF - tau gamma0 Omega0 / 2) / kT). */
PetscReal StzActivationRate(PetscReal nu0_hz, PetscReal barrier_j, PetscReal tau_pa, PetscReal gamma0, PetscReal omega0_m3, PetscReal temperature_k);

/* Resolved shear stress (Pa) on an STZ oriented at theta (rad): the shear stress in the frame rotated by theta,
 * tau = sigma_xy cos(2 theta) - (sigma_xx - sigma_yy)/2 sin(2 theta). sigma:eps* = gamma0 tau for the STZ eigenstrain. */
PetscReal StzResolvedShear(PetscReal sxx, PetscReal syy, PetscReal sxy, PetscReal theta);

/* Eigenstrain tensor (xx, yy, xy; tensor components) of an STZ of shear gamma0 (engineering) on orientation theta,
 * sense +1 or -1, plus an isotropic in-plane dilatation eps_v (trace): eps_xx = -s g/2 sin2t + eps_v/2, ... */
void StzEigenstrain(PetscReal gamma0, PetscReal theta, PetscInt sense, PetscReal eps_v, PetscReal eps[3]);

/* Plane-strain stress from strain with uniform isotropic moduli: sigma = lambda tr(eps) I + 2 mu eps (xx, yy, xy tensor). */
void StzHookePlaneStrain(PetscReal mu_pa, PetscReal nu, const PetscReal eps[3], PetscReal sigma[3]);

#endif
