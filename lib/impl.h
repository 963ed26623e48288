/* Private declarations shared inside lib/: the structs behind the public handles and internal helpers. */
#ifndef STZDYN_IMPL_H
#define STZDYN_IMPL_H

#include <stzdyn/stzdyn.h>

#define STZ_MAX_ORIENT         8
#define STZ_MAX_CLASSES        (2 * STZ_MAX_ORIENT)
#define STZ_KMC_PARALLEL_SITES 16384 /* -stz_threads 0: lattices smaller than 128 x 128 run the kMC passes on one thread */
#define STZ_MAX_MAPS           16

/* Whether a run must stop taking events: -stz_max_events is reached, or the user interrupted it (StzRequestStop, from
 * SIGINT or SIGTERM), in which case the protocol ends as at its limit and writes all its outputs. */
static inline PetscBool StzEventsDone(PetscInt64 events, PetscInt max_events)
{
  return (PetscBool)(events >= max_events || StzStopRequested());
}

/* ---------- configuration (lib/config.c) ---------- */
typedef enum {
  STZ_PROTO_SINGLE,
  STZ_PROTO_PURE_SHEAR,
  STZ_PROTO_SIMPLE_SHEAR,
  STZ_PROTO_COMPRESSION,
  STZ_PROTO_TENSION,
  STZ_PROTO_ANNEAL,
  STZ_PROTO_CREEP,
  STZ_PROTO_CYCLIC,
  STZ_PROTO_THERMAL_CYCLING,
  STZ_PROTO_SEQUENCE,
  STZ_PROTO_AQS,
  STZ_PROTO_INDENT,
  STZ_PROTO_ROLLING,
  STZ_PROTO_DSC,      /* a heating scan, as differential scanning calorimetry (lib/treat.c) */
  STZ_PROTO_ROLL_GAP, /* passes of a roll gap travelling along a strip (lib/indent.c) */
  STZ_PROTO_COUNT
} StzProtocolType;
extern const char *const StzProtocolNames[];

typedef enum { STZ_ENGINE_KERNEL, STZ_ENGINE_SLAB_KERNEL, STZ_ENGINE_FACTOR, STZ_ENGINE_RESOLVE, STZ_ENGINE_CUT_KERNEL, STZ_ENGINE_COUNT } StzEngineType;
/* Engines whose kMC pass adds a slab's kernels shifted in x (slab-kernel; cut-kernel, which adds its side correction first). */
static inline PetscBool StzEngineHasSlabKernels(StzEngineType t)
{
  return (PetscBool)(t == STZ_ENGINE_SLAB_KERNEL || t == STZ_ENGINE_CUT_KERNEL);
}
extern const char *const StzEngineNames[];

/* Pictures of the plastic-strain increment (lib/output/avalanches.c): none, one per avalanche, or one per strain step. */
typedef enum { STZ_FRAMES_NONE, STZ_FRAMES_AVALANCHE, STZ_FRAMES_STRAIN, STZ_FRAMES_COUNT } StzFramesType;
extern const char *const StzFramesNames[];

/* Avalanche and frame options (aqs and the thermal protocols). */
typedef struct {
  StzProtocolType aqs_loading; /* loading mode of -stz_protocol aqs: one of the four mechanical protocols */
  PetscReal       gap_strain;  /* thermal protocols: events closer than this in applied strain join one avalanche (resolved, > 0) */
  PetscInt        bootstrap;   /* bootstrap resamples of the exponent fit */
  PetscInt        bins;        /* log bins of avalanche_sizes.csv; 0: five per decade */
  StzFramesType   frames;
  PetscInt        frame_min_events, max_frames;
  PetscReal       frame_dstrain, frame_scale; /* resolved: never 0 */
} StzAvalancheConfig;

typedef enum { STZ_INITIAL_AS_QUENCHED, STZ_INITIAL_ANNEALED } StzInitialState;
extern const char *const StzInitialStateNames[];

#define STZ_MAX_STAGES 8

/* Structural state (docs/model.md, "Structural state") and the thermomechanical treatments (docs/outputs.md). */
typedef struct {
  PetscBool          on;                   /* -stz_structure: per-site fictive temperature (off: fixed quenched barriers) */
  StzInitialState    initial;              /* as-quenched (from the cooling rate) or annealed (equilibrated at a temperature) */
  PetscReal          cooling_rate_k_per_s; /* as-quenched: cooling rate of the preparation */
  PetscReal          initial_anneal_k;     /* annealed: temperature at which the start state was equilibrated */
  PetscReal          tf_spread;            /* relative standard deviation of the initial T_f */
  PetscReal          tf_flow_k;            /* T_ss: mean T_f drawn when a site is renewed by a shear activation */
  PetscReal          tf_flow_spread;       /* relative standard deviation of renewed T_f */
  PetscReal          relax_step;           /* fraction of (T - T_f) a relaxation event moves T_f */
  PetscReal          tf_reference_k;       /* T_ref of the structural excess enthalpy dCp (T_f - T_ref) */
  PetscReal          renewal_strain;       /* a site is renewed when its plastic strain leaves its basin: moves > this times gamma0 */
  StzStructureParams p;                    /* T_g, kappa, tau_g, nu0 */
} StzStructureConfig;

typedef struct {
  PetscReal       hold_time_s;           /* anneal and creep duration */
  PetscReal       anneal_temperature_k;  /* anneal temperature */
  PetscReal       creep_stress_fraction; /* creep stress as a fraction of the yield stress */
  PetscReal       creep_temperature_k;   /* creep temperature (0 in the options: -stz_temperature_k) */
  PetscReal       creep_max_strain;      /* creep stops when |strain| reaches it (runaway above the flow stress) */
  PetscReal       yield_stress_pa;       /* yield shear stress for creep (measured before the hold if yield_measure) */
  PetscBool       yield_measure;         /* -stz_yield_stress_pa measure: a pure-shear test of a fresh copy of the sample */
  PetscReal       cyclic_amplitude;      /* strain amplitude (pure-shear strain) */
  PetscBool       cyclic_stress_control; /* -stz_cyclic_control stress */
  PetscReal       cyclic_stress_pa;      /* its pure-shear stress amplitude */
  PetscInt        cycles;                /* mechanical cycles */
  PetscReal       cyclic_frequency_hz;
  PetscReal       thermal_low_k, thermal_high_k; /* thermal cycling temperatures */
  PetscInt        thermal_cycles, thermal_steps; /* cycles; temperature steps per half cycle */
  PetscReal       thermal_period_s;              /* duration of one thermal cycle */
  PetscReal       alpha_spread;                  /* relative standard deviation of the per-site thermal expansion coefficient */
  PetscReal       dsc_start_k, dsc_end_k;        /* heating scan: from (0 in the options: -stz_temperature_k) and to (0: 1.08 T_g) */
  PetscReal       dsc_rate_k_per_s, dsc_step_k;  /* its heating rate and temperature step */
  PetscInt        n_stages;                      /* sequence: protocols run one after another on the same sample */
  StzProtocolType stages[STZ_MAX_STAGES];
} StzTreatmentConfig;
/* Indentation (lib/indent.c): a rigid cylinder pressed into the top edge of a slab or block under a load ramp; the contact
 * pressure is Hertz's for the current load, on a contact that widens with it (docs/model.md 10c). */
typedef struct {
  PetscReal radius_m;          /* indenter radius R */
  PetscReal load_rate;         /* dF/dt, N per m of depth per s */
  PetscReal max_load;          /* the run stops at this load, N/m */
  PetscReal width_step;        /* the contact's half-width is updated when a(F) has grown by this fraction */
  PetscReal popin_depth_m;     /* a burst is a pop-in if the depth jumps by at least this */
  PetscReal popin_load_window; /* a pop-in: the plastic depth grows by popin_depth_m while the load moves by less than this fraction of it */
  PetscInt  max_popins;        /* the run stops after this many pop-ins (0: at max_load only) */
  PetscInt  cycles;            /* pre-cycles 0 -> cycle_load -> 0 before the final ramp */
  PetscReal cycle_load;        /* their top load, N/m */
  PetscBool contact;           /* the pressure from contact with the dented surface (else Hertz's on an elastic half-plane) */
} StzIndentConfig;

/* periodic: the fully periodic box, loaded through its mean strain/stress; slab: periodic along x, the bottom and top edges
 * take -stz_bc_bottom/-stz_bc_top; block: all four edges take -stz_bc_*. Slab and block are "bodies": loaded through edges. */
typedef enum { STZ_GEOM_PERIODIC, STZ_GEOM_SLAB, STZ_GEOM_BLOCK, STZ_GEOM_COUNT } StzGeometryType;
extern const char *const StzGeometryNames[];

typedef struct {
  PetscInt           nx, ny, site_elems, n_orient, threads, max_events, n_maps;
  PetscInt           seed;
  PetscReal          temperature_k, strain_rate, max_strain, site_size_m, barrier_spread, dilatation, progress_s;
  PetscReal          map_strains[STZ_MAX_MAPS], series_dstrain, single_theta_deg;
  PetscBool          fields_csv, fields_vtk, quiet;
  PetscInt           flicker_limit;  /* activations inside a flicker basin before its inner moves are slowed 8-fold (0: exact kinetics) */
  PetscBool          renew_disorder; /* a site that leaves its basin draws a new barrier disorder factor (threshold renewal) */
  StzProtocolType    protocol;
  StzEngineType      engine;
  StzGeometryType    geometry;
  StzBCType          bc[4];          /* per StzEdge; all periodic for the periodic box, left/right periodic for a slab */
  PetscReal          bc_value[4][2]; /* see StzBCType: m for displacement and roller, Pa for traction */
  char               output_dir[PETSC_MAX_PATH_LEN], material_name[64];
  char               seeds[2048]; /* -stz_seeds: an ensemble of runs, one per seed ("" : one run with -stz_seed) */
  PetscInt           n_seeds;
  StzMaterial        mat;
  StzAvalancheConfig av;
  StzStructureConfig st;
  StzTreatmentConfig tr;
  StzIndentConfig    in;
  struct {
    PetscInt  passes;        /* rolling, roll-gap: passes */
    PetscReal pass_strain;   /* rolling: platen travel of a pass past where the last one left it unloaded; roll-gap: the roll's
                                depth below the strip's mean surface, per half-thickness */
    PetscReal radius_m;      /* roll-gap: the roll's radius */
    PetscReal speed_m_per_s; /* roll-gap: the roll's speed along the strip */
    PetscBool reverse;       /* roll-gap: every second pass from right to left (a reversing mill) */
  } roll;
} StzConfig;

/* The loading mode behind a protocol: itself for the strain-rate protocols, -stz_aqs_loading for aqs. */
static inline StzProtocolType StzConfigLoading(const StzConfig *cfg)
{
  return cfg->protocol == STZ_PROTO_AQS ? cfg->av.aqs_loading : cfg->protocol;
}

PetscErrorCode StzConfigFromOptions(MPI_Comm comm, StzConfig *cfg);
PetscErrorCode StzConfigWriteJSON(const StzConfig *cfg, FILE *fp, const char *indent);
/* Write str as a JSON string literal, quotes included: '"' and '\\' escaped, control characters as \u00XX. */
void StzWriteJSONString(FILE *fp, const char *str);
/* Compression and tension of a body (slab, block): the uniform site stress su[3] (xx, yy, xy; Pa) per unit yy strain of the
 * top platen. Roller platens and free, roller or periodic sides make the response to the platen's motion uniform: uniaxial
 * stress (0, 2 mu / (1 - nu), 0) if a side is free, uniaxial strain (lambda, lambda + 2 mu, 0) if both are held in x. */
void StzBodyPlatenStress(const StzConfig *cfg, PetscReal su[3]);
/* The FE edge data of a body with its top platen at strain eyy: a roller edge moves along y, a displacement edge moves along
 * y and keeps x. */
void StzPlatenEdge(const StzConfig *cfg, StzFEGeometry *g, PetscReal eyy);
/* Is the platen's response uniform (roller platens, free, roller or periodic sides), so that StzBodyPlatenStress gives it? */
PetscBool StzBodyPlatenUniform(const StzConfig *cfg);
/* A body (slab, block) runs single-stz, or compression or tension between roller platens with free, roller or periodic sides:
 * anything else is an error naming what is needed. Called when a run starts. */
PetscErrorCode StzConfigCheckLoading(MPI_Comm comm, const StzConfig *cfg);
/* One note on stderr per option that is valid but has no effect in this run (e.g. -stz_sequence without the sequence protocol). */
PetscErrorCode StzConfigNotes(MPI_Comm comm, const StzConfig *cfg);
/* True if the run uses protocol p, directly or as a stage of a sequence. */
PetscBool StzConfigHasProtocol(const StzConfig *cfg, StzProtocolType p);
/* Whether the cut-kernel engine applies: a block whose left and right edges are free (lib/elastic/engine.c, StzElasticCutKernels). */
PetscBool StzConfigCutKernelApplies(const StzConfig *cfg);

/* ---------- elastic engines (lib/elastic/) ---------- */
/* Site stresses are kept as s1 = (sxx - syy)/2, s2 = sxy, sp = (sxx + syy)/2: the rates need only s1 and s2.
 * In a periodic box these arrays hold the zero-mean fluctuation and the uniform mean stress is kept by the kMC driver; in a
 * body (slab, block) they hold the full site stress (edge loads plus eigenstrains) and the driver's mean stress is zero. */
typedef struct StzElastic_private *StzElastic;
struct StzElastic_private {
  StzEngineType type;
  PetscBool     body;
  PetscInt      nx, ny, N, site_elems, n_orient;
  PetscReal     gamma0, eps_v, mu_pa, nu, site_size_m;
  PetscReal    *s1, *s2, *sp;
  /* Kernels the kMC pass applies, shifted: response to one event of orientation k (sense +1) at site (0, ey), row r of a kernel
   * holding target row (ey + r) mod ny; index [k][comp][site]; kdil: the dilatational part (NULL when eps_v = 0).
   * kernel engine: ey = 0 and the arrays are owned (translation invariance in y). slab-kernel engine: they point into `slab`
   * at the block of the current event's source row (StzElasticEvent sets them). */
  PetscReal *kern[STZ_MAX_ORIENT][3], *kdil[3];
  /* response to a unit in-plane isotropic eigenstrain (xx = yy = 1) on site 0: thermal strains (NULL unless needed). */
  PetscReal *kiso[3];
  /* slab-kernel engine: one block of N sites per source row ys, at ys * N, rows rotated as above; [k][comp], [comp]. In a
   * block (not periodic in x) one block of N sites per source SITE i, at i * N, in natural order (per_site). */
  PetscReal *slab[STZ_MAX_ORIENT][3], *sdil[3];
  /* slab-kernel engine with thermal strains: the response to a unit isotropic eigenstrain, stored as `slab` (NULL unless needed) */
  PetscReal *siso[3];
  PetscBool  per_site;
  /* cut-kernel engine (a block with free sides as one period of a slab, cut open; StzElasticCutKernels in lib/elastic/engine.c).
   * nd = 2 (ny site_elems + 1) dofs on each side; nb basis modes (the two shears, and the dilatation if any).
   * cut_D[(d * 3 + c) * N + i]: site stress c at i of a unit force on dof d of the left side and its opposite on the right side;
   * cut_dF[((ys * nb + b) * nx + k) * nd + d]: force across grid line k (sites) of the slab for mode b at site (0, ys), less
   * the reference (the force across the line farthest from the source); cut_ref[((ys * nb + b) * 3 + c) * N + i]: the site
   * stresses of the reference's correction; cut_active[ys * nx + k]: that line's remainder is not negligible. */
  PetscInt   cut_nd, cut_nb;
  PetscReal *cut_D, *cut_dF, *cut_ref, *cut_w, cut_h, cut_epsv;
  PetscInt  *cut_idx;
  PetscBool *cut_active;
  /* factor and resolve engines: FE solver; element eigenstrain (resolve: accumulated; factor: the event's only) and stresses. */
  StzFE      fe;
  PetscReal *eig, *estress, *ds[3];
  PetscReal  bytes; /* memory the engine holds (reported before allocation) */
};
PetscErrorCode StzElasticCreate(MPI_Comm comm, const StzConfig *cfg, StzElastic *el);
/* Set up, and drop, a 4 x 4-element model with the run's boundary conditions and solver(s), on this rank alone: PETSc reads the
 * -elas_ solver options while setting it up, so that they count as used before the real set-up (StzSimCheckOptions). With
 * quiet_errors an error (a solver option PETSc refuses) is returned without being printed. */
PetscErrorCode StzElasticReadSolverOptions(const StzConfig *cfg, PetscBool quiet_errors);
PetscErrorCode StzElasticDestroy(StzElastic *el);
/* Update the site stresses for one event (site, orientation k, sense, eigenstrain eig[3] tensor xx, yy, xy), before the kMC pass.
 * factor and resolve engines add the FE answer here; kernel engines only point the pass at the right kernels, and the pass adds them. */
PetscErrorCode StzElasticEvent(StzElastic el, PetscInt site, PetscInt orient, PetscInt sense, const PetscReal eig[3]);
/* Add the site stresses of an in-plane isotropic eigenstrain increment d[i] (xx = yy = d[i], xy = 0) on every site i: thermal
 * strains. Kernel engines by direct convolution with kiso (periodic box) or siso (slab, block), O(N^2); factor by one FE
 * solve of the increment (superposition), resolve by adding it to the accumulated eigenstrain and solving again. In a body
 * the caller passes the increment's non-uniform part (StzKmcThermalStrain). */
PetscErrorCode StzElasticIsotropicStrain(StzElastic el, const PetscReal d[]);
/* Bytes engine `type` needs for this configuration: held for the run, and the peak during its set-up (FE factorisation). Pure. */
void StzElasticMemory(const StzConfig *cfg, StzEngineType type, PetscReal *held_bytes, PetscReal *setup_bytes);
/* Site-average stress field (Pa, zero mean in a periodic box) of a unit eigenstrain eps (xx, yy, xy) on site (0, 0),
 * solved with the FE model of this configuration; out[3][N] in (s1, s2, sp). */
PetscErrorCode StzElasticSiteResponse(StzFE fe, const StzConfig *cfg, const PetscReal eps[3], PetscReal *out[3]);
/* Element eigenstrain array (3 per element) from per-site eigenstrain (3 per site, tensor xx, yy, xy). */
void StzSiteToElementEigenstrain(PetscInt nx, PetscInt ny, PetscInt se, const PetscReal site_eig[], PetscReal eig[]);
/* Site averages (s1, s2, sp) of element stresses. */
void StzElementToSiteStress(PetscInt nx, PetscInt ny, PetscInt se, const PetscReal estress[], PetscReal *s[3]);
/* FE geometry of a configuration: nx*se by ny*se elements, edges from -stz_geometry and -stz_bc_*. */
void StzConfigFEGeometry(const StzConfig *cfg, StzFEGeometry *g);

/* ---------- kinetic Monte Carlo state (lib/kmc.c) ---------- */
typedef struct {
  PetscInt  site, cls, orient, sense;
  PetscReal dt_s, eig[3];
  PetscReal dil; /* the event's dilatation in units of -stz_dilatation (StzKmcDilatancy; 0 without dilatation) */
} StzEvent;

/* Add one event's stress change to the engine's site stresses (lib/elastic/apply.c): the shifted kernel, or an FE re-solve.
 * The kMC fuses the kernel shift with its rate pass instead; the athermal driver (lib/aqs.c) calls this. */
PetscErrorCode StzElasticApplyEvent(StzElastic el, const StzEvent *ev);

typedef struct StzKmc_private *StzKmc;
struct StzKmc_private {
  const StzConfig *cfg;
  StzElastic       el;
  PetscInt         nx, ny, N, n_orient, n_classes;
  PetscReal        cos2[STZ_MAX_ORIENT], sin2[STZ_MAX_ORIENT];
  PetscReal        kT_j, b_per_pa, ln_nu0;
  /* Dilatation (docs/model.md 3-4): a site's dilatation (in-plane trace) is eps_v times its equivalent plastic shear from the
   * start of its current basin over gamma0, plus what earlier basins left; so an event of class c at site i adds eps_v
   * dinc[c N + i], dinc in [-1, 1] (+1 from the basin's start, -1 straight back: a flip and its reversal cancel). Its work,
   * 1/2 Omega0 eps_v dinc P with P = (s_xx + s_yy) / 2, enters the log-rate as b dil_k dinc P, dil_k = eps_v / gamma0.
   * dil_k = 0 and dinc = NULL without dilatation; the rates then never read the pressure-like stress sp. */
  PetscReal dil_k;
  float    *dinc;
  /* per site */
  PetscReal *lnA;       /* ln(nu0) - dF_i / kT */
  PetscReal *barrier_j; /* dF_i */
  PetscReal *eps_p;     /* accumulated eigenstrain, 3 per site (xx, yy, xy) */
  PetscInt  *count;     /* activations per site */
  /* Rate cache derived from lnA and X (see StzKmcSiteChanged): exp(lnA_i - X) = (pre_m[i] / 2) 2^(pre_e[i] - 126), with
   * the integer exponent kept apart so that neither a deep barrier nor a high stress leaves the range of a float. */
  float   *pre_m;    /* mantissa factor 2 exp(r), |r| <= ln2/2 */
  int32_t *pre_e;    /* binary exponent, biased by 126 */
  float   *sel_rate; /* scratch of the selection: the rates of one row and class */
  /* selection: rate sums per row and class (scaled by exp(-X)), totals per class */
  PetscReal *row_sum; /* [row][row_stride]: one 64-byte line per row, so threads never write the same line */
  PetscReal *row_sum_alloc;
  PetscInt   row_stride;
  PetscReal  class_sum[STZ_MAX_CLASSES];
  PetscReal  X;     /* exponent shift used for the cache and the stored sums */
  PetscInt   e_max; /* largest binary exponent of a scaled rate in the last pass (log2 of max rate / exp(X)) */
  /* Lazy pressure (kernel engine): sp is not needed by the rates, so events are only counted here, per site and
   * orientation (net sense), and StzKmcSyncStress adds their kernels to sp when someone reads it. */
  int32_t   *sp_net;     /* [orient][site] net sense of events not yet in sp (NULL for other engines) */
  PetscInt64 sp_pending; /* events not yet in sp */
  int32_t   *sp_src;     /* scratch of StzKmcSyncStress: the nonzero counts, (kernel index) * N + site */
  /* macroscopic state */
  StzMacroLoad load, load_rate; /* load values and their time derivative (piecewise constant) */
  PetscReal    mean_eig[3], E[3], S[3], Sdot[3];
  PetscReal    body_su[3]; /* body: uniform site stress per unit platen strain (StzBodyPlatenStress) */
  PetscBool    platen;     /* a body in compression or tension: loaded by its top platen */
  PetscReal    platen_M;   /* mean sigma_yy per unit platen strain: the platen's stiffness (su_yy when uniform) */
  /* Non-uniform platen response (sticking platens, fixed edges): the site stress per unit platen strain, s1, s2, sp blocks
   * of N, added to the engine's arrays as the platen moves; rates then grow site by site, handled by thinning (StzKmcStep). */
  PetscReal *ramp;
  PetscReal  ramp_bound[STZ_MAX_CLASSES], ramp_bound_b, ramp_bound_rate; /* each class's largest growth rate, and for what */
  uint64_t   key_thin;
  PetscInt64 thin_draws, thin_rejects;
  PetscReal  E_pre[3], S_pre[3]; /* mean strain and stress just before the last event (= E, S after a step without one) */
  PetscReal  time_s;
  PetscInt64 events;
  uint64_t   key_time, key_select;
  PetscReal  hazard_left; /* unused part of the current -ln u (absolute units); < 0: draw a new one */
  PetscInt64 draws;       /* waiting-time draws so far (counter of key_time) */
  /* structural state (cfg->st.on): barrier_j = dF_quench_j * f(T_f) */
  PetscReal  temperature_k;
  PetscReal *dF_quench_j;             /* quenched barrier of each site (Argon's barrier with the site's disorder) */
  PetscReal *tf_k;                    /* fictive temperature */
  PetscInt  *flicks;                  /* shear events in the site's current basin since its penalty last grew (flicker acceleration) */
  PetscReal *eps_ref;                 /* plastic strain (3 per site) where the site's current basin started: its last renewal */
  int32_t   *esc;                     /* flicker penalty in units of ln 2 (bits 0-7), subtracted from the site's shear log-rates, and, bit
                                         8 + class, the classes that leave the site's flicker basin: those keep their exact rate (the pass
                                         adds the penalty back to their exponent) */
  float     *ctr;                     /* [2N] centre of the site's flicker basin in (d1, d2) = ((eps_xx - eps_yy) / 2, eps_xy) */
  PetscReal *rel_rate;                /* relaxation rate per site, scaled by exp(-X) */
  PetscReal *rel_row;                 /* per-row sums of rel_rate */
  PetscReal  rel_sum;                 /* total relaxation rate (scaled) */
  PetscReal  relax_ratio;             /* relaxation barrier / shear barrier, Q_g / dF0 */
  PetscReal  dF0_j;                   /* Argon's barrier, the mean of the disorder */
  PetscBool  parallel;                /* run the passes on several threads (explicit -stz_threads, or at least STZ_KMC_PARALLEL_SITES) */
  PetscInt64 relax_events, reversals; /* reversals: shear events that stayed inside the site's basin */
  uint64_t   key_struct, key_renew, key_renew_p;
  /* thermal strain: per-site expansion coefficient and accumulated isotropic in-plane thermal strain */
  PetscReal *alpha_per_k, *eps_th;
};
/* Recompute the dilatation of each class of site i (dinc) from its plastic strain and its basin's start (eps_ref), after
 * either changed. No-op without dilatation. */
void StzKmcDilatancy(StzKmc kmc, PetscInt i);
/* Class index of a relaxation event (shear classes are 0 .. 2 n_orient - 1). */
#define STZ_CLASS_RELAX(kmc) ((kmc)->n_classes)
PetscErrorCode StzKmcCreate(const StzConfig *cfg, StzElastic el, StzKmc *kmc);
PetscErrorCode StzKmcDestroy(StzKmc *kmc);
/* Set the macroscopic load and its rate of change (values per second) from now on; recomputes rates. */
PetscErrorCode StzKmcSetLoad(StzKmc kmc, const StzMacroLoad *load, const StzMacroLoad *rate);
/* Advance by one event, or to time t_limit_s with no event if none happens before it (*fired = PETSC_FALSE). */
PetscErrorCode StzKmcStep(StzKmc kmc, PetscReal t_limit_s, PetscBool *fired, StzEvent *ev);
/* Total site stress (mean + fluctuation) at site i, (xx, yy, xy) in Pa. Brings sp up to date first if events are pending
 * (StzKmcSyncStress), so the first call after events is O(pending sources x N) and the others O(1); not thread-safe. */
void StzKmcSiteStress(StzKmc kmc, PetscInt i, PetscReal s[3]);
/* A body between platens: <q : eps*> over the sites, q the platen's response per unit strain (0 otherwise), and the mean
 * sigma_yy, i.e. the platen force per length, M eyy - <q : eps*> by reciprocity (docs/model.md 7, "Bodies"). */
PetscReal StzKmcPlatenCoupling(const StzKmc kmc);
PetscReal StzKmcPlatenStress(const StzKmc kmc);
/* Replace the non-uniform load field (site stress per unit of the load's yy component, s1, s2, sp blocks of N; ramp) by q:
 * the site stresses change by (q - old) times the present load, and every rate is refreshed. Indentation uses it for the
 * field of its widening contact (lib/indent.c). */
PetscErrorCode StzKmcSetRamp(StzKmc kmc, const PetscReal q[]);
/* Change the temperature: rescales every rate (events keep their barriers) and clears the flicker penalties. */
PetscErrorCode StzKmcSetTemperature(StzKmc kmc, PetscReal temperature_k);
/* The same for a small step of a scan (a few % in the rates): the flicker penalties are kept, each cut to what the new
 * temperature allows, so that the acceleration is not lost at every step. */
PetscErrorCode StzKmcStepTemperature(StzKmc kmc, PetscReal temperature_k);
/* Change the temperature by dT with thermal strains: each site gets the isotropic in-plane eigenstrain alpha_i dT, whose
 * non-uniform part sets up internal stresses (exact: kernel convolution or FE re-solve). */
PetscErrorCode StzKmcThermalStrain(StzKmc kmc, PetscReal dT_k);
/* Stored energy per g-atom: internal elastic energy (-1/2 sum V s':eps*, exact for the FE model at zero mean stress) and
 * structural excess enthalpy dCp <T_f - T_ref>. Also the mean fictive temperature (K). */
typedef struct {
  PetscReal elastic_j_per_gatom, structural_j_per_gatom, total_j_per_gatom, fraction_of_dhm, mean_tf_k, cooling_rate_k_per_s;
  PetscReal mean_barrier_ev;       /* mean shear barrier (quenched disorder times the T_f factor) */
  PetscReal mean_barrier_disorder; /* mean disorder g of the barriers (dF_quench = dF0 (1 + spread g)); 0 without spread */
  PetscReal mean_dilatation;       /* mean trace of the plastic eigenstrain: the zones' free volume (0 without dilatation) */
} StzEnergy;
void StzKmcEnergy(StzKmc kmc, StzEnergy *e);
/* Stored energy of site i per g-atom of its atoms: its share of the internal elastic energy, -1/2 V s'_i : eps*_i, and
 * its structural enthalpy dCp (T_f,i - T_ref). Their means over the sites are StzKmcEnergy's totals. */
void StzKmcSiteEnergy(StzKmc kmc, PetscInt i, PetscReal *elastic_j_per_gatom, PetscReal *structural_j_per_gatom);

/* Contracts of the caches kept by the kMC (lib/kmc.c).
 *
 * Stress. After every StzKmcStep the stress components the rates use, el->s1 and el->s2, are current. The pressure-like
 * component el->sp is NOT: with the kernel and slab-kernel engines the step only counts the event (sp_net), because
 * the rates never read sp. (With dilatation, dil_k != 0, they do: then sp_net is NULL and the pass keeps sp current too.) StzKmcSyncStress adds the kernels of every counted event to sp; after it s1,
 * s2 and sp are all current. Anyone who reads el->sp directly must call it first; StzKmcSiteStress, StzKmcEnergy, StzWriteFieldsCSV, StzSimGetSites and StzSimVerifyStress do. Code that adds to s1,
 * s2, sp directly (StzKmcThermalStrain) may do so at any time: the pending kernels are added on top. The factor and resolve engines keep sp current themselves.
 *
 * Rates. The per-row rate sums and the float cache pre_m/pre_e are derived from lnA, X, b_per_pa and the stresses. lnA is
 * the source of truth: kmc.c's own StzKmcSiteRates (structural state, flicker penalty) and StzKmcSetTemperature refresh the
 * cache as they set it. Any other code that changes lnA[i] of one site between steps calls StzKmcSiteChanged(kmc, i); code
 * that changes lnA at many sites, or kT_j and b_per_pa (temperature), updates those fields itself and then calls
 * StzKmcAllSitesChanged(kmc). Until then the next step uses the old rates. Neither function touches lnA, barrier_j, kT_j,
 * b_per_pa or the relaxation rates (rel_rate, which follow barrier_j through StzKmcSiteRates). */

/* Make el->s1, el->s2 and el->sp current: add the kernels of the events counted since the last sync to sp.
 * Cost O(distinct (site, orientation) sources x N), cache-blocked and threaded; the result does not depend on threads. */
void StzKmcSyncStress(StzKmc kmc);
/* Site i's lnA changed: refresh its cache entry and the rate sums of its row (O(nx n_orient + ny)); rescales all rates
 * if the new rate would leave the float range of the cache. */
void StzKmcSiteChanged(StzKmc kmc, PetscInt i);
/* lnA changed at many sites, and/or kT_j and b_per_pa changed: rebuild the cache and all rate sums (one O(N) pass). */
void StzKmcAllSitesChanged(StzKmc kmc);

/* ---------- athermal quasistatic driver (lib/aqs.c) ---------- */
/* T -> 0 extremal dynamics on the kMC's lattice, stresses and bookkeeping (eps_p, mean_eig, count, events, load). */
typedef struct StzAqs_private *StzAqs;
/* dload: the load per unit protocol strain (strain-controlled components) of the loading mode. */
PetscErrorCode StzAqsCreate(StzKmc kmc, const StzMacroLoad *dload, StzAqs *aqs);
PetscErrorCode StzAqsDestroy(StzAqs *aqs);
/* Raise the protocol strain until the weakest (site, orientation, sense) reaches its threshold, but not beyond strain_limit.
 * *triggered: a threshold was reached (at *strain <= strain_limit); else the strain is strain_limit. */
PetscErrorCode StzAqsLoad(StzAqs aqs, PetscReal strain_limit, PetscBool *triggered);
/* One cascade step at fixed strain: fire the most overloaded site (the trigger first). *fired = PETSC_FALSE when every site is
 * below threshold (the avalanche is over). *generation: 0 for the trigger, g + 1 for a site first pushed over by generation g. */
PetscErrorCode StzAqsRelax(StzAqs aqs, PetscBool *fired, StzEvent *ev, PetscInt *generation);
/* Current protocol strain of the athermal driver. */
PetscReal StzAqsStrain(StzAqs aqs);
/* Athermal threshold of a site: tau_c = 2 dF / (gamma0 Omega0), where Argon's barrier dF - tau gamma0 Omega0 / 2 vanishes. */
PetscReal StzAqsThreshold(PetscReal barrier_j, PetscReal gamma0, PetscReal omega0_m3);

/* ---------- observers (lib/observe/) ---------- */
typedef struct {
  PetscReal index;     /* 0 homogeneous .. 1 all plastic strain in 10% of the lines */
  PetscReal angle_deg; /* direction of the most localized line family, degrees from the x axis */
  PetscInt  p, q;      /* that family: the line of site (x, y) is q y - p x (wrapped mod n in a periodic box; q = 0: the column x) */
} StzLocalization;
#define STZ_MAX_BANDS 256
/* One band of bands.csv: a run of adjacent lines of one family that each carry more than twice the field's mean shear. */
typedef struct {
  PetscInt  family;     /* which of the eight line families (StzBandsCompute) */
  PetscReal angle_deg;  /* its direction, counter-clockwise from the x axis, in [0, 180) */
  PetscReal position_m; /* centre, along the family's normal from the line through site (0, 0) (excess-weighted) */
  PetscReal width_m;    /* number of lines times their spacing */
  PetscReal mean_shear; /* mean equivalent plastic shear of the band's sites */
  PetscReal share;      /* the band's fraction of the total plastic shear */
  PetscReal spacing_m;  /* centre to centre to the next band of the same family (round the period in a periodic box); -1: none */
} StzBand;
/* The shear bands of the plastic shear field g (nx x ny sites of size site_size_m; periodic: a periodic box, else a body), at
 * most max of them: family by family, the most localized family that has bands first, each family's band sites taken
 * out before the next is searched; within a family in order of position. */
PetscErrorCode StzBandsCompute(PetscInt nx, PetscInt ny, PetscBool periodic, const PetscReal g[], PetscReal site_size_m, PetscInt max, StzBand bands[], PetscInt *n);
/* The spacing along x of the pattern of a field g (nx x ny sites, x fastest) over the columns x0 .. x1-1: the lag d, in sites,
 * of the first local maximum of the autocorrelation along x beyond its central lobe that reaches half the largest there (lags
 * up to half the window), and that correlation (1: a pattern that repeats exactly; near 0: none). *period = -1 when the
 * correlation never turns negative or stays below zero. */
PetscErrorCode StzPeriodAlongX(PetscInt nx, PetscInt ny, const PetscReal g[], PetscInt x0, PetscInt x1, PetscInt *period, PetscReal *corr);
/* The chance that bands (StzBandsCompute of a body, nb of them; sites of size a) would be as evenly spaced along x, over
 * columns x0 .. x1-1, at random places: the share of nsurr random placements (random stream key) of each family's bands there
 * whose gaps scatter at most as much as theirs, as (1 + hits) / (1 + nsurr); 1 when no family has three bands there. */
PetscErrorCode StzPeriodPValue(PetscInt nx, PetscInt ny, PetscReal a, const StzBand bands[], PetscInt nb, PetscInt x0, PetscInt x1, PetscInt nsurr, uint64_t key, PetscReal *p);
/* Fisher's combination of n independent p-values: the chance, if every null holds, of a product of p-values at most theirs. */
PetscReal StzFisherCombine(PetscInt n, const PetscReal p[]);
/* Equivalent plastic shear strain per site: 2 sqrt(((exx - eyy)/2)^2 + exy^2). */
void StzPlasticShear(PetscInt N, const PetscReal eps_p[], PetscReal out[]);
/* Localization index and angle of the plastic shear field (the most localized line family). */
PetscErrorCode StzLocalizationCompute(PetscInt nx, PetscInt ny, PetscBool periodic, const PetscReal gamma_p[], StzLocalization *loc);

/* Avalanche recorder (lib/observe/avalanche.c). The driver reports every event with the protocol state just before and just after
 * it; events join the open avalanche unless force_new, or the applied strain advanced by more than the gap since its last event. */
typedef struct {
  PetscReal strain, stress_pa, plastic, time_s;
} StzLoadState;
typedef struct StzAvalancheRec_private *StzAvalancheRec;
/* plastic_of_eig: protocol plastic strain of one eigenstrain (xx, yy, xy) on one site, i.e. its loading measure divided by N. */
PetscErrorCode StzAvalancheRecCreate(const StzConfig *cfg, PetscReal gap_strain, const PetscReal plastic_of_eig[3], StzAvalancheRec *rec);
PetscErrorCode StzAvalancheRecDestroy(StzAvalancheRec *rec);
/* Record one event; *closed is set to the avalanche that this event closed (index >= 0), or -1. */
PetscErrorCode StzAvalancheRecEvent(StzAvalancheRec rec, const StzEvent *ev, PetscInt generation, const StzLoadState *before, const StzLoadState *after, PetscBool force_new, PetscInt *closed);
/* Close the open avalanche, if any (*closed as above). */
PetscErrorCode StzAvalancheRecClose(StzAvalancheRec rec, PetscInt *closed);
/* Recorded avalanches so far (valid until the next call that records). */
void StzAvalancheRecGet(StzAvalancheRec rec, PetscInt *n, const StzAvalanche **list);
/* Equivalent plastic shear of each site's eigenstrain increment over the events of the last closed avalanche (N values). */
PetscErrorCode StzAvalancheRecLastField(StzAvalancheRec rec, PetscReal gamma_p[]);
/* Fit and histogram of the positive sizes (fills the avalanche_* fields of res). */
PetscErrorCode StzAvalancheRecFit(StzAvalancheRec rec, StzSimResult *res);
/* avalanches.csv and avalanche_sizes.csv (lib/output/avalanches.c); bins: log bins of the distribution, 0 for five per decade. */
PetscErrorCode StzAvalancheRecWrite(StzAvalancheRec rec, const char dir[], PetscInt bins);

/* ---------- outputs (lib/output/) ---------- */
/* Open "<dir>/<name>.tmp" for writing; StzFileCommit closes it and renames it to "<dir>/<name>". */
PetscErrorCode StzFileOpen(const char dir[], const char name[], FILE **fp);
PetscErrorCode StzFileCommit(const char dir[], const char name[], FILE **fp);
PetscErrorCode StzMakeDir(const char dir[]);
/* Open `path` for writing as a new file (removing what is there; a symbolic link is removed, not followed), or NULL with errno. */
FILE *StzFopenFresh(const char path[]);
/* Make the output directory (mkdir -p) and check that a file can be created in it: 1, or 0 with the reason in msg (plain C,
 * so that rank 0 can tell the others). */
int StzOutputDirUsable(const char dir[], char msg[], size_t len);
/* Just before a run writes: if an earlier stzdyn run marked dir as its own (".stzdyn-run"), remove what it left (files named
 * as stzdyn's outputs, ".tmp" ones included, and inside its stage, seed, frames and yield-test directories), with a note on
 * stderr unless quiet; then mark dir. A re-run into the same directory must not leave old results beside new ones. */
PetscErrorCode StzOutputDirPrepare(const char dir[], PetscBool quiet);
PetscErrorCode StzWriteFieldsCSV(const char dir[], StzKmc kmc, PetscReal site_size_m);
/* fields.vti: the same per-site fields as VTK XML image data (one cell per site, ASCII), for ParaView (docs/outputs.md). */
PetscErrorCode StzWriteFieldsVTK(const char dir[], StzKmc kmc, PetscReal site_size_m);
/* The field files a run asked for (-stz_fields_csv, -stz_fields_vtk) into dir. */
PetscErrorCode StzWriteFields(const StzConfig *cfg, const char dir[], StzKmc kmc);
/* Header of fields.csv (docs/outputs.md), shared by StzWriteFieldsCSV and the single-STZ writer. */
#define STZ_FIELDS_HEADER                                                                                                                                                                              \
  "x_m,y_m,sigma_xx_pa,sigma_yy_pa,sigma_xy_pa,eps_p_xx,eps_p_yy,eps_p_xy,activations,barrier_ev,fictive_temperature_k,elastic_energy_j_per_gatom,"                                                    \
  "structural_enthalpy_j_per_gatom,stored_energy_j_per_gatom\n"
/* frames/frame_<index, 5 digits>.png: a plastic-shear-increment map on the fixed colour scale 0 .. vmax. */
PetscErrorCode StzWriteFrame(const char dir[], PetscInt index, PetscInt nx, PetscInt ny, const PetscReal gamma_p[], PetscReal vmax, PetscReal site_size_m, const char title[]);

/* ---------- runs derived from a run's options (lib/ensemble.c) ---------- */
/* Parse a seed list "1-16", "3,5,9" or "1-4,10" (seeds >= 0, at most STZ_MAX_SEEDS): *n seeds into list (if not NULL), in the
 * order given. Returns PETSC_FALSE for a malformed list. */
#define STZ_MAX_SEEDS 100000
PetscBool StzParseSeeds(const char spec[], PetscInt *n, PetscInt list[]);
/* Replace options of the default database (values[q] NULL: remove option q) for a run derived from this one, and put the old
 * values back with StzOptionsRestore: the creep's yield test and the members of an ensemble. names must outlive the pair. */
typedef struct StzOptionsSaved_private *StzOptionsSaved;
PetscErrorCode                          StzOptionsReplace(PetscInt n, const char *const names[], const char *const values[], StzOptionsSaved *saved);
PetscErrorCode                          StzOptionsRestore(StzOptionsSaved *saved);

/* ---------- a run (lib/sim.c, lib/treat.c) ---------- */
typedef struct StzIndenter_private *StzIndenter;
typedef struct {
  PetscInt    n, cap;
  PetscReal  *time_s, *strain, *stress, *plastic, *sxx, *syy, *sxy;
  PetscInt64 *events;
} StzSeriesBuf;

struct StzSim_private {
  MPI_Comm     comm;
  PetscMPIInt  rank;
  StzConfig    cfg;
  StzElastic   el;
  StzKmc       kmc;
  StzSeriesBuf ser;
  StzSimResult res;
  FILE        *series_fp;
  PetscBool    ran;
  StzEvent     last;                 /* the last event fired (site -1 before any) */
  PetscReal    strain0, plastic0;    /* protocol strain and plastic strain at the start of the current stage */
  PetscInt64   events0, relax0;      /* STZ events and relaxation events before the current stage */
  StzEnergy    energy0;              /* stored energy at the start of the current stage */
  PetscInt     seq_stage;            /* in a sequence, the index of the current stage (stages before it: 0 .. seq_stage - 1); else 0 */
  StzBand      bands[STZ_MAX_BANDS]; /* the last loading test's shear bands (StzBandsCompute), for bands.csv */
  PetscInt     n_bands;
  /* avalanches and frames */
  StzAqs          aqs;
  StzAvalancheRec av;
  PetscInt        frames_written;
  PetscReal      *frame_eps;     /* strain frames: eigenstrain at the previous frame, 3 per site */
  StzIndenter     ind;           /* indentation (lib/indent.c) */
  PetscLogDouble  progress_last; /* wall clock of the last progress line of a treatment (0: none yet) */
};

/* The protocol's scalar strain, stress and plastic strain, counted from the start of the current stage. */
void StzProtocolMeasure(StzSim sim, PetscReal *strain, PetscReal *stress, PetscReal *plastic);
/* Open series.csv (.tmp until committed) in the current output directory and write its header. */
PetscErrorCode StzSeriesBegin(StzSim sim);
PetscErrorCode StzSeriesAppend(StzSim sim);
/* StzSeriesAppend unless the last row is already the present state (same events, strain and time). */
PetscErrorCode StzSeriesAppendIfNew(StzSim sim);
/* Start a stage: reset the series, record the strain and energy origins. */
void StzStageBegin(StzSim sim);
/* The constant strain-rate protocols (pure-shear, simple-shear, compression, tension) from the current state. */
PetscErrorCode StzRunStrainRate(StzSim sim);
/* The treatments (lib/treat.c): anneal, creep, cyclic, thermal-cycling, and sequences of any protocols. */
PetscErrorCode StzRunTreatment(StzSim sim);
PetscErrorCode StzRunSequence(StzSim sim);
/* Localization and shear bands (sim->bands, bands.csv) of the present plastic shear field. */
PetscErrorCode StzSimBands(StzSim sim, StzLocalization *loc);
/* Element eigenstrain array (3 per element) of the sample's plastic plus thermal eigenstrains. */
PetscErrorCode StzSimElementEigenstrain(StzSim sim, PetscReal eig[]);
/* map_plastic_strain*.png of the present plastic strain into the output directory. */
PetscErrorCode StzWritePlasticMap(StzSim sim, const char name[]);
/* Indentation of a slab or block (lib/indent.c): load ramp, pop-ins, popin.csv. */
PetscErrorCode StzRunIndent(StzSim sim);
/* Rolling (lib/sim.c): passes of plane-strain compression, each unloaded to zero force; passes.csv. */
PetscErrorCode StzRunRolling(StzSim sim);
/* A roll gap travelling along a strip (lib/indent.c, with the indenter's contact): passes, passes.csv. */
PetscErrorCode StzRunRollGap(StzSim sim);
/* The roll's depth below the original surface, its force per length, the projected contact length (for StzProtocolMeasure),
 * and its summary.json keys. */
void StzRollGapMeasure(StzSim sim, PetscReal *depth_m, PetscReal *force_n_per_m, PetscReal *contact_m);
void StzRollGapWriteJSON(StzSim sim, FILE *fp);
/* After a roll-gap run: the contact of the roll at xc_m, its tip depth_m below the original surface, with the strip as it is
 * (its force per length, the centroid of its forces along the strip, its projected length); the run's field is left alone. */
PetscErrorCode StzRollGapProbe(StzSim sim, PetscReal xc_m, PetscReal depth_m, PetscReal *force_n_per_m, PetscReal *centroid_m, PetscReal *contact_m);
/* End of a loading run: series.csv committed, avalanches (if recorded) closed and fitted, summary, final map, fields, bands. */
PetscErrorCode StzLoadingFinish(StzSim sim, PetscReal wall_s, PetscBool avalanches);
/* Its depth, load, plastic depth (for StzProtocolMeasure), and freeing its state (StzSimDestroy). */
void           StzIndentMeasure(StzSim sim, PetscReal *depth_m, PetscReal *load_n_per_m, PetscReal *plastic_depth_m);
PetscErrorCode StzIndentDestroy(StzSim sim);
/* FE check of an indentation: solve the body under the indenter's present pressure with the element eigenstrains eig; element
 * stresses into es (may be NULL) and the depth (the pressure-weighted mean downward displacement of the top edge) into
 * *depth_m (may be NULL). */
PetscErrorCode StzIndentSolve(StzSim sim, const PetscReal eig[], PetscReal es[], PetscReal *depth_m);
/* The indenter's present contact half-width (m), and its site field per unit load (3 N: s1, s2, sp blocks; Pa per N/m). */
void StzIndentGetField(StzSim sim, PetscReal *half_width_m, const PetscReal **q);
/* With -stz_indent_contact: solve the contact again at the present load and eigenstrains, and renew the field (as the run
 * does); the indenter's tip depth into *delta_m, the profile's heights z_n above it and the unit-load nodal forces f (2 per
 * top node, y downward negative) via the pointers (owned by the indenter), and the number of top nodes. */
PetscErrorCode StzIndentRecontact(StzSim sim, PetscReal *delta_m, const PetscReal **f, PetscInt *nodes);
/* -stz_seeds: one run per seed, spread over the ranks of sim->comm, each on its own rank (lib/ensemble.c). */
PetscErrorCode StzRunEnsemble(StzSim sim);
/* "key": value JSON lines for the stored energy at the stage start (e0) and now (e1). */
void StzWriteEnergyJSON(FILE *fp, const StzEnergy *e0, const StzEnergy *e1);

#endif
