/* One simulation run: options -> configuration -> lattice + elastic engine -> kMC under a protocol -> outputs. */
#ifndef STZDYN_SIM_H
#define STZDYN_SIM_H

#include <petscsys.h>

typedef struct StzSim_private *StzSim;

/* Scalar results of a run (also written to summary.json). Units: SI; strains dimensionless. */
typedef struct {
  PetscInt64 events;
  PetscReal  wall_time_s, events_per_second;
  PetscReal  peak_stress_pa, flow_stress_pa, yield_strain, yield_stress_pa;
  PetscReal  localization_index, band_angle_deg;
  PetscInt   band_count; /* shear bands found (bands.csv) */
  PetscReal  final_strain, final_time_s;
  PetscReal  elastic_modulus_pa; /* initial slope of stress-strain fitted over the elastic branch (NaN: no row before plastic strain 1e-5) */
  /* Avalanche statistics (docs/outputs.md, avalanches.csv): count of avalanches, and the maximum-likelihood power-law fit of the
   * positive sizes; avalanche_fit_ok is PETSC_FALSE (exponent null in summary.json) when there are too few to fit. */
  PetscInt  avalanche_count, avalanche_positive, avalanche_tail;
  PetscBool avalanche_fit_ok;
  PetscReal avalanche_exponent, avalanche_ci_low, avalanche_ci_high, avalanche_size_min, avalanche_ks, avalanche_size_max;
  /* The last treatment of the run (anneal, creep, cyclic, thermal-cycling; in a sequence the last such stage), as in its
   * summary.json: treatment_kind 0 if none ran, else its protocol + 1 (StzProtocolType); its final pure-shear strain and
   * plastic strain counted from its start; whether a creep or stress-controlled cycling stopped at -stz_creep_max_strain; and
   * the dissipated work of its last cycle (cyclic and thermal-cycling; 0 otherwise). */
  PetscInt  treatment_kind;
  PetscReal treatment_strain, treatment_plastic_strain, last_cycle_dissipated_j_per_gatom;
  PetscBool treatment_stopped;
  /* Indentation (popin.csv): pop-ins found, and the first one's load (N per m of depth), Hertz's largest shear stress under
   * the contact at that load (0.300 p0), and its depth jump (m); zero if none. */
  PetscInt  popin_count;
  PetscReal first_popin_load_n_per_m, first_popin_max_shear_pa, first_popin_depth_jump_m;
  PetscReal indent_final_load_n_per_m; /* the load at which the indentation ended (N per m of depth) */
  /* A heating scan (dsc; docs/outputs.md, dsc.csv): the relaxation enthalpy, the fall of the stored energy from the start to its
   * lowest point (J per g-atom); the temperatures (K) by which 5 % and half of it had come off; and the glass transition on
   * heating, where the stored energy turns from falling to rising (-1 where it is not found). */
  PetscReal dsc_relaxation_enthalpy_j_per_gatom, dsc_release_5_k, dsc_release_50_k, dsc_glass_transition_k;
  /* A roll gap (roll-gap; docs/outputs.md, passes.csv), after its last pass: the mean roll pressure in the steady gap (Pa),
   * the thickness reduction of the strip's middle half, and the spacing of the band pattern along the strip (m; -1 if none)
   * and its regularity. */
  PetscReal roll_mean_pressure_pa, roll_thickness_reduction, roll_band_spacing_m, roll_band_regularity, roll_band_p_value;
} StzSimResult;

/* One avalanche (a row of avalanches.csv). Strains dimensionless, in the loading sense of the protocol. */
typedef struct {
  PetscInt   index;             /* 1, 2, ... in order of start */
  PetscReal  start_strain;      /* applied strain just before the first event */
  PetscReal  start_stress_pa;   /* protocol stress just before the first event */
  PetscReal  size;              /* plastic strain increment: protocol plastic strain after the last event minus before the first */
  PetscReal  size_events;       /* the same, summed over the avalanche's events' eigenstrains (a bookkeeping check of size) */
  PetscReal  size_stz;          /* size * N / gamma0: the number of full transformations along the loading it equals */
  PetscReal  stress_drop_pa;    /* protocol stress before the first event minus after the last */
  PetscReal  strain_span;       /* applied strain advanced between the first and last event (0 in aqs) */
  PetscInt64 events;            /* STZ events in the avalanche */
  PetscReal  duration_s;        /* simulated time from the first to the last event (0 in aqs) */
  PetscInt   generations;       /* aqs: cascade depth (trigger = generation 0); thermal: 0 */
  PetscReal  gyration_radius_m; /* radius of gyration of the event sites (periodic minimum image about their circular mean) */
  PetscReal  orientation_deg;   /* direction of the long axis of the event cloud, [0, 180); 0 for fewer than 2 distinct sites */
} StzAvalanche;

/* The recorded stress-strain series (one entry per row of series.csv); arrays owned by the run. */
typedef struct {
  PetscInt          n;
  const PetscReal  *time_s, *strain, *stress_pa, *plastic_strain;
  const PetscInt64 *events;
} StzSeries;

/* Ask the running simulation to stop at its next event, as if -stz_max_events were reached: the protocol ends, writes all its
 * outputs (summary.json says "interrupted": true), and later stages or seeds are not started. Async-signal-safe: meant for a
 * SIGINT/SIGTERM handler; `signum` is kept for StzStopRequested (0 is stored as -1). */
void StzRequestStop(int signum);
/* The signal number given to StzRequestStop (-1 if it was 0), or 0 if no stop was asked for. */
int StzStopRequested(void);

/* Read every -stz_ option (errors name the option, its value and what is allowed) and set up the run. Collective on comm.
 * A single run (no -stz_seeds) is serial: its lattice and stress engine are set up on rank 0 of comm alone (so that it rounds
 * the same on any number of ranks), and the functions below that read the lattice fail on other ranks; an ensemble builds
 * one sample per seed during StzSimRun. */
PetscErrorCode StzSimCreate(MPI_Comm comm, StzSim *sim);
/* Run the chosen protocol and write its outputs into -stz_output_dir. */
PetscErrorCode StzSimRun(StzSim sim);
PetscErrorCode StzSimDestroy(StzSim *sim);
PetscErrorCode StzSimGetResult(StzSim sim, StzSimResult *res);
PetscErrorCode StzSimGetSeries(StzSim sim, StzSeries *series);
/* Per-site arrays (length N = nx*ny, row-major, x fastest): total stress (3 per site: xx, yy, xy, Pa), accumulated
 * eigenstrain (3 per site), activation counts. The pointers stay valid until StzSimDestroy. */
PetscErrorCode StzSimGetSites(StzSim sim, PetscInt *nx, PetscInt *ny, PetscReal stress[], const PetscReal **eps_p, const PetscInt **count);
/* Cross-check: solve the FE problem for all accumulated eigenstrains at the current load and return the largest
 * site-stress difference from the engine's field, relative to the largest site stress (at least mu gamma0, the stress scale
 * of one transformation, so that a field that has cancelled back to zero is not measured against nothing). */
PetscErrorCode StzSimVerifyStress(StzSim sim, PetscReal *rel_err);
/* Cross-check of the energy accounting: the internal elastic energy as the run computes it (-1/2 sum V s':eps*, J per
 * g-atom) and the FE model's energy of all accumulated eigenstrains (plastic and thermal) at zero mean stress. */
PetscErrorCode StzSimVerifyEnergy(StzSim sim, PetscReal *kmc_j_per_gatom, PetscReal *fe_j_per_gatom);
/* Run exactly n_events events with the load frozen (for tests and benchmarks); returns the wall time. */
PetscErrorCode StzSimRunEvents(StzSim sim, PetscInt n_events, PetscReal *wall_s);
/* The last event fired: its site index (i + nx j) and class (2 k + [sense < 0], k the orientation); -1 before any event. */
PetscErrorCode StzSimGetLastEvent(StzSim sim, PetscInt *site, PetscInt *cls);
/* The avalanches of a mechanical run (aqs or thermal); the array is owned by the run and valid until StzSimDestroy. */
PetscErrorCode StzSimGetAvalanches(StzSim sim, PetscInt *n, const StzAvalanche **list);
/* Simulated time (s) of the run's clock. */
PetscReal StzSimEventTime(StzSim sim);
/* Fail if any option on the command line or in an options file was never read: a misspelled option is an error. */
PetscErrorCode StzOptionsCheckUnused(MPI_Comm comm);
/* The same after StzSimCreate, for its options: the solver's options (-elas_) are held to only on a rank that set up an
 * elastic model (rank 0 of a single run); an ensemble's members check theirs when they are set up. Collective. */
PetscErrorCode StzSimCheckUnusedOptions(StzSim sim);
/* Check, from the options alone, that the run can be set up and started as asked (e.g. which loads a slab or block takes),
 * before StzSimCreate spends time on the stress engine: a command calls it first. Library users that only step a body at
 * a frozen load (StzSimRunEvents) need not. */
PetscErrorCode StzSimCheckOptions(MPI_Comm comm);
/* Read every stzdyn option and nothing else: with -help in the options, PETSc prints each with its value, default and units
 * (no stress engine is set up). */
PetscErrorCode StzOptionsHelp(MPI_Comm comm);
/* Prepare the output directory for this run (rank 0): if an earlier stzdyn run marked it as its own (a file .stzdyn-run),
 * remove what that run left, so that the directory holds one run's outputs; then mark it. The stzdyn command calls it just
 * before StzSimRun, once the set-up has succeeded; library users who want the same call it themselves. */
PetscErrorCode StzSimPrepareOutput(StzSim sim);

#endif
