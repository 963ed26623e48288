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

typedef enum { STZ_ENGINE_KERNEL, STZ_ENGINE_RESOLVE, STZ_ENGINE_COUNT } StzEngineType;
extern const char *const StzEngineNames[];

typedef struct {
  PetscInt        nx, ny, site_elems, n_orient, threads, max_events, n_maps;
  PetscInt        seed;
  PetscReal       temperature_k, strain_rate, max_strain, site_size_m, barrier_spread, dilatation, progress_s;
  PetscReal       map_strains[STZ_MAX_MAPS], series_dstrain, single_theta_deg;
  PetscBool       fields_csv, quiet;
  StzProtocolType protocol;
  StzEngineType   engine;
  char            output_dir[PETSC_MAX_PATH_LEN], material_name[64];
  StzMaterial     mat;
} StzConfig;

PetscErrorCode StzConfigFromOptions(MPI_Comm comm, StzConfig *cfg);
PetscErrorCode StzConfigWriteJSON(const StzConfig *cfg, FILE *fp, const char *indent);

/* ---------- elastic engines (lib/elastic/) ---------- */
/* Site stresses are kept as s1 = (sxx - syy)/2, s2 = sxy, sp = (sxx + syy)/2: the rates need only s1 and s2.
 * In a periodic box these arrays hold the zero-mean fluctuation; the uniform mean stress is kept by the kMC driver. */
typedef struct StzElastic_private *StzElastic;
struct StzElastic_private {
  StzEngineType type;
  PetscInt      nx, ny, N, site_elems, n_orient;
  PetscReal     gamma0, eps_v, mu_pa, nu, site_size_m;
  PetscReal    *s1, *s2, *sp;
  /* kernel engine: response of the zero-mean stress to one event of orientation k (sense +1) at site 0, per site;
   * index [k][comp][site]; dil: response to the dilatational part (NULL when eps_v = 0). */
  PetscReal    *kern[STZ_MAX_ORIENT][3], *kdil[3];
  /* resolve engine: FE solver and accumulated element eigenstrain. */
  StzFE         fe;
  PetscReal    *eig, *estress;
};
PetscErrorCode StzElasticCreate(MPI_Comm comm, const StzConfig *cfg, StzElastic *el);
PetscErrorCode StzElasticDestroy(StzElastic *el);
/* Site-average stress field (Pa, zero mean in a periodic box) of a unit eigenstrain eps (xx, yy, xy) on site (0, 0),
 * solved with the FE model of this configuration; out[3][N] in (s1, s2, sp). */
PetscErrorCode StzElasticSiteResponse(StzFE fe, const StzConfig *cfg, const PetscReal eps[3], PetscReal *out[3]);
/* Element eigenstrain array (3 per element) from per-site eigenstrain (3 per site, tensor xx, yy, xy). */
void StzSiteToElementEigenstrain(PetscInt nx, PetscInt ny, PetscInt se, const PetscReal site_eig[], PetscReal eig[]);
/* Site averages (s1, s2, sp) of element stresses. */
void StzElementToSiteStress(PetscInt nx, PetscInt ny, PetscInt se, const PetscReal estress[], PetscReal *s[3]);
/* FE geometry of a configuration (periodic box of nx*se by ny*se elements). */
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
  /* Rate cache derived from lnA and X (see StzKmcSiteChanged): exp(lnA_i - X) = (pre_m[i] / 2) 2^(pre_e[i] - 126), with
   * the integer exponent kept apart so that neither a deep barrier nor a high stress leaves the range of a float. */
  float      *pre_m;      /* mantissa factor 2 exp(r), |r| <= ln2/2 */
  int32_t    *pre_e;      /* binary exponent, biased by 126 */
  /* selection: rate sums per row and class (scaled by exp(-X)), totals per class */
  PetscReal  *row_sum;    /* [row][row_stride]: one 64-byte line per row, so threads never write the same line */
  PetscReal  *row_sum_alloc;
  PetscInt    row_stride;
  PetscReal   class_sum[STZ_MAX_CLASSES];
  PetscReal   X;          /* exponent shift used for the cache and the stored sums */
  PetscInt    e_max;      /* largest binary exponent of a scaled rate in the last pass (log2 of max rate / exp(X)) */
  /* Lazy pressure (kernel engine): sp is not needed by the rates, so events are only counted here, per site and
   * orientation (net sense), and StzKmcSyncStress adds their kernels to sp when someone reads it. */
  int32_t    *sp_net;     /* [orient][site] net sense of events not yet in sp (NULL for other engines) */
  int32_t    *sp_dil;     /* [site] events not yet in sp, for the dilatational kernel (NULL when eps_v = 0) */
  PetscInt64  sp_pending; /* events not yet in sp */
  int32_t    *sp_src;     /* scratch of StzKmcSyncStress: the nonzero counts, (kernel index) * N + site */
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
/* Total site stress (mean + fluctuation) at site i, (xx, yy, xy) in Pa. Brings sp up to date first if events are pending
 * (StzKmcSyncStress), so the first call after events is O(pending sources x N) and the others O(1); not thread-safe. */
void StzKmcSiteStress(StzKmc kmc, PetscInt i, PetscReal s[3]);

/* Contracts of the caches kept by the kMC (lib/kmc.c).
 *
 * Stress. After every StzKmcStep the stress components the rates use, el->s1 and el->s2, are current. The pressure-like
 * component el->sp is NOT: with the kernel engine the step only counts the event (sp_net, sp_dil), because the rates never
 * read sp. StzKmcSyncStress adds the kernels of every counted event to sp; after it s1, s2 and sp are all current.
 * Anyone who reads el->sp directly must call it first; StzKmcSiteStress, StzWriteFieldsCSV, StzSimGetSites and
 * StzSimVerifyStress do.
 *
 * Rates. The per-row rate sums and the cache pre_m/pre_e are derived from lnA, X, b_per_pa and the stresses. Code that
 * changes lnA[i] of one site between steps calls StzKmcSiteChanged(kmc, i); code that changes lnA at many sites, or kT_j
 * and b_per_pa (temperature), updates those fields itself and then calls StzKmcAllSitesChanged(kmc). Until then the next
 * step uses the old rates. Neither function touches lnA, barrier_j, kT_j or b_per_pa: they are the source of truth. */

/* Make el->s1, el->s2 and el->sp current: add the kernels of the events counted since the last sync to sp.
 * Cost O(distinct (site, orientation) sources x N), cache-blocked and threaded; the result does not depend on threads. */
void StzKmcSyncStress(StzKmc kmc);
/* Site i's lnA changed: refresh its cache entry and the rate sums of its row (O(nx n_orient + ny)); rescales all rates
 * if the new rate would leave the float range of the cache. */
void StzKmcSiteChanged(StzKmc kmc, PetscInt i);
/* lnA changed at many sites, and/or kT_j and b_per_pa changed: rebuild the cache and all rate sums (one O(N) pass). */
void StzKmcAllSitesChanged(StzKmc kmc);

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
