/* Private declarations shared inside lib/: the structs behind the public handles and internal helpers. */
#ifndef STZDYN_IMPL_H
#define STZDYN_IMPL_H

#include <stzdyn/stzdyn.h>

#define STZ_MAX_ORIENT 8
#define STZ_MAX_CLASSES (2 * STZ_MAX_ORIENT)
#define STZ_MAX_MAPS 16

/* ---------- configuration (lib/config.c) ---------- */
typedef enum {
  STZ_PROTO_SINGLE,
  STZ_PROTO_PURE_SHEAR,
  STZ_PROTO_SIMPLE_SHEAR,
  STZ_PROTO_COMPRESSION,
  STZ_PROTO_TENSION,
  STZ_PROTO_COUNT
} StzProtocolType;
extern const char *const StzProtocolNames[];

typedef enum { STZ_ENGINE_KERNEL, STZ_ENGINE_SLAB_KERNEL, STZ_ENGINE_FACTOR, STZ_ENGINE_RESOLVE, STZ_ENGINE_COUNT } StzEngineType;
extern const char *const StzEngineNames[];

/* periodic: the fully periodic box, loaded through its mean strain/stress; slab: periodic along x, the bottom and top edges
 * take -stz_bc_bottom/-stz_bc_top; block: all four edges take -stz_bc_*. Slab and block are "bodies": loaded through edges. */
typedef enum { STZ_GEOM_PERIODIC, STZ_GEOM_SLAB, STZ_GEOM_BLOCK, STZ_GEOM_COUNT } StzGeometryType;
extern const char *const StzGeometryNames[];

typedef struct {
  PetscInt        nx, ny, site_elems, n_orient, threads, max_events, n_maps;
  PetscInt        seed;
  PetscReal       temperature_k, strain_rate, max_strain, site_size_m, barrier_spread, dilatation, progress_s;
  PetscReal       map_strains[STZ_MAX_MAPS], series_dstrain, single_theta_deg;
  PetscBool       fields_csv, quiet;
  StzProtocolType protocol;
  StzEngineType   engine;
  StzGeometryType geometry;
  StzBCType       bc[4];          /* per StzEdge; all periodic for the periodic box, left/right periodic for a slab */
  PetscReal       bc_value[4][2]; /* see StzBCType: m for displacement and roller, Pa for traction */
  char            output_dir[PETSC_MAX_PATH_LEN], material_name[64];
  StzMaterial     mat;
} StzConfig;

PetscErrorCode StzConfigFromOptions(MPI_Comm comm, StzConfig *cfg);
PetscErrorCode StzConfigWriteJSON(const StzConfig *cfg, FILE *fp, const char *indent);

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
  PetscReal    *kern[STZ_MAX_ORIENT][3], *kdil[3];
  /* slab-kernel engine: one block of N sites per source row ys, at ys * N, rows rotated as above; [k][comp], [comp]. */
  PetscReal    *slab[STZ_MAX_ORIENT][3], *sdil[3];
  /* factor and resolve engines: FE solver; element eigenstrain (resolve: accumulated; factor: the event's only) and stresses. */
  StzFE         fe;
  PetscReal    *eig, *estress, *ds[3];
  PetscReal     bytes; /* memory the engine holds (reported before allocation) */
};
PetscErrorCode StzElasticCreate(MPI_Comm comm, const StzConfig *cfg, StzElastic *el);
PetscErrorCode StzElasticDestroy(StzElastic *el);
/* Update the site stresses for one event (site, orientation k, sense, eigenstrain eig[3] tensor xx, yy, xy), before the kMC pass.
 * factor and resolve engines add the FE answer here; kernel engines only point the pass at the right kernels, and the pass adds them. */
PetscErrorCode StzElasticEvent(StzElastic el, PetscInt site, PetscInt orient, PetscInt sense, const PetscReal eig[3]);
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
  PetscInt   site, cls, orient, sense;
  PetscReal  dt_s, eig[3];
} StzEvent;

typedef struct StzKmc_private *StzKmc;
struct StzKmc_private {
  const StzConfig *cfg;
  StzElastic  el;
  PetscInt    nx, ny, N, n_orient, n_classes;
  PetscReal   cos2[STZ_MAX_ORIENT], sin2[STZ_MAX_ORIENT];
  PetscReal   kT_j, b_per_pa, ln_nu0;
  /* per site */
  PetscReal  *lnA;        /* ln(nu0) - dF_i / kT */
  PetscReal  *barrier_j;  /* dF_i */
  PetscReal  *eps_p;      /* accumulated eigenstrain, 3 per site (xx, yy, xy) */
  PetscInt   *count;      /* activations per site */
  /* selection: rate sums per row and class (scaled by exp(-X)), totals per class */
  PetscReal  *row_sum;    /* [class][row] */
  PetscReal   class_sum[STZ_MAX_CLASSES];
  PetscReal   X, X_next;  /* exponent shift used for the stored sums, and the maximum seen in the last pass */
  /* macroscopic state */
  StzMacroLoad load, load_rate; /* load values and their time derivative (piecewise constant) */
  PetscReal   mean_eig[3], E[3], S[3], Sdot[3];
  PetscReal   time_s;
  PetscInt64  events;
  uint64_t    key_time, key_select;
  PetscReal   hazard_left; /* unused part of the current -ln u (absolute units); < 0: draw a new one */
  PetscInt64  draws;       /* waiting-time draws so far (counter of key_time) */
};
PetscErrorCode StzKmcCreate(const StzConfig *cfg, StzElastic el, StzKmc *kmc);
PetscErrorCode StzKmcDestroy(StzKmc *kmc);
/* Set the macroscopic load and its rate of change (values per second) from now on; recomputes rates. */
PetscErrorCode StzKmcSetLoad(StzKmc kmc, const StzMacroLoad *load, const StzMacroLoad *rate);
/* Advance by one event, or to time t_limit_s with no event if none happens before it (*fired = PETSC_FALSE). */
PetscErrorCode StzKmcStep(StzKmc kmc, PetscReal t_limit_s, PetscBool *fired, StzEvent *ev);
/* Total site stress (mean + fluctuation) at site i, (xx, yy, xy) in Pa. */
void StzKmcSiteStress(StzKmc kmc, PetscInt i, PetscReal s[3]);

/* ---------- observers (lib/observe/) ---------- */
typedef struct {
  PetscReal index;     /* 0 homogeneous .. 1 all plastic strain in 10% of the lines */
  PetscReal angle_deg; /* direction of the most localized line family, degrees from the x axis */
} StzLocalization;
/* Equivalent plastic shear strain per site: 2 sqrt(((exx - eyy)/2)^2 + exy^2). */
void StzPlasticShear(PetscInt N, const PetscReal eps_p[], PetscReal out[]);
PetscErrorCode StzLocalizationCompute(PetscInt nx, PetscInt ny, const PetscReal gamma_p[], StzLocalization *loc);

/* ---------- outputs (lib/output/) ---------- */
/* Open "<dir>/<name>.tmp" for writing; StzFileCommit closes it and renames it to "<dir>/<name>". */
PetscErrorCode StzFileOpen(const char dir[], const char name[], FILE **fp);
PetscErrorCode StzFileCommit(const char dir[], const char name[], FILE **fp);
PetscErrorCode StzMakeDir(const char dir[]);
PetscErrorCode StzWriteFieldsCSV(const char dir[], StzKmc kmc, PetscReal site_size_m);

#endif
