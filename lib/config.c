/* Run configuration: every -stz_ option is read and validated here, in one place (see docs/outputs.md for the list). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "impl.h"

const char *const StzProtocolNames[]     = {"single-stz",      "pure-shear", "simple-shear", "compression", "tension", "anneal", "creep",    "cyclic",
                                            "thermal-cycling", "sequence",   "aqs",          "indent",      "rolling", "dsc",    "roll-gap", NULL};
const char *const StzInitialStateNames[] = {"as-quenched", "annealed", NULL};
const char *const StzEngineNames[]       = {"kernel", "slab-kernel", "factor", "resolve", "cut-kernel", NULL};
const char *const StzGeometryNames[]     = {"periodic", "slab", "block", NULL};
const char *const StzFramesNames[]       = {"none", "avalanche", "strain", NULL};

/* Edge conditions a body's edge may take (periodic edges come only from -stz_geometry). */
static const char *const StzBodyBCNames[] = {"free", "fixed", "roller", "displacement", "traction", NULL};
/* Loading modes that -stz_aqs_loading accepts, and the protocol each one is. */
static const char *const StzAqsLoadingNames[]    = {"pure-shear", "simple-shear", "compression", "tension", NULL};
static const char *const StzCyclicControlNames[] = {"strain", "stress", NULL};

/* Index of `value` in a NULL-terminated list, or -1. */
static PetscInt StzListFind(const char *const list[], const char value[])
{
  for (PetscInt i = 0; list[i]; i++) {
    PetscBool eq;
    if (!PetscStrcmp(list[i], value, &eq) && eq) return i;
  }
  return -1;
}

static void StzListJoin(const char *const list[], char out[], size_t len)
{
  out[0] = 0;
  for (PetscInt i = 0; list[i]; i++) {
    if (i) PetscStrlcat(out, ", ", len);
    PetscStrlcat(out, list[i], len);
  }
}

/* Fail with the option's name, its value and the allowed range; `why` says where a bound comes from (or is NULL). The
 * numbers are formatted by C's printf, not PETSc's, which marks a real with a trailing dot ("-1."). */
static PetscErrorCode StzRangeError(MPI_Comm comm, const char name[], double v, double lo, double hi, const char why[])
{
  char a[3][32];

  PetscFunctionBeginUser;
  snprintf(a[0], sizeof a[0], "%.10g", v);
  snprintf(a[1], sizeof a[1], "%.10g", lo);
  snprintf(a[2], sizeof a[2], "%.10g", hi);
  SETERRQ(comm, PETSC_ERR_USER_INPUT, "option %s = %s is out of range: allowed %s .. %s%s%s", name, a[0], a[1], a[2], why ? " " : "", why ? why : "");
}
#define StzCheckRangeWhy(comm, name, v, lo, hi, why)                                                                                                                                                   \
  do {                                                                                                                                                                                                 \
    if (!((v) >= (lo) && (v) <= (hi))) PetscCall(StzRangeError(comm, name, (double)(v), (double)(lo), (double)(hi), why));                                                                             \
  } while (0)
#define StzCheckRange(comm, name, v, lo, hi) StzCheckRangeWhy(comm, name, v, lo, hi, NULL)

/* What an option's raw text must be (StzOptionRaw). */
typedef enum { STZ_RAW_INT, STZ_RAW_REAL, STZ_RAW_BOOL, STZ_RAW_STRING, STZ_RAW_REAL_LIST, STZ_RAW_STRING_LIST } StzRawKind;

/* s without leading and trailing blanks (in place): PETSc's own parsers skip them, and YAML or a quoted list can have them. */
static char *StzTrim(char *s)
{
  size_t n;
  while (*s == ' ' || *s == '\t') s++;
  n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = 0;
  return s;
}

/* A finite decimal number and nothing else (strtod alone also takes "nan", "inf", hex and trailing text). */
static PetscBool StzIsDecimal(const char s[], PetscBool integer)
{
  char *end;

  if (!*s || strspn(s, integer ? "+-0123456789" : "+-0123456789.eE") != strlen(s)) return PETSC_FALSE;
  if (integer) {
    long long v = (errno = 0, strtoll(s, &end, 10));
    return (PetscBool)(!*end && !errno && v >= PETSC_MIN_INT && v <= PETSC_MAX_INT);
  } else {
    double v = strtod(s, &end);
    return (PetscBool)(!*end && isfinite(v));
  }
}

/* Check an option's text before PETSc parses it, so that every mistake names the option and its value: PETSc's own parse
 * errors do not name the option, a missing value silently kept the default, NaN and inf passed, integers wrapped at 32 bits,
 * and lists longer than their arrays were cut short. `max` is a list's capacity, or a string's buffer size. */
static PetscErrorCode StzOptionRaw(MPI_Comm comm, const char name[], StzRawKind kind, PetscInt max)
{
  char      buf[4096], *raw = buf;
  size_t    len;
  PetscBool set;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetString(NULL, NULL, name, buf, sizeof buf, &set));
  if (!set) PetscFunctionReturn(0);
  PetscCall(PetscStrlen(buf, &len));
  PetscCheck(len < sizeof buf - 1, comm, PETSC_ERR_USER_INPUT, "option %s: the value is too long (%d characters or more)", name, (int)(sizeof buf - 1));
  raw = StzTrim(buf);
  PetscCall(PetscStrlen(raw, &len));
  if (kind == STZ_RAW_BOOL) {
    static const char *const ok[] = {"true", "false", "yes", "no", "on", "off", "1", "0", NULL};
    PetscBool                good = (PetscBool)(len == 0); /* "-stz_fields_csv" alone means true */
    for (int i = 0; !good && ok[i]; i++) PetscCall(PetscStrcasecmp(raw, ok[i], &good));
    PetscCheck(good, comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not a boolean: allowed true or false (also yes/no, on/off, 1/0)", name, raw);
    PetscFunctionReturn(0);
  }
  PetscCheck(len > 0, comm, PETSC_ERR_USER_INPUT, "option %s is given without a value", name);
  switch (kind) {
  case STZ_RAW_INT:
    PetscCheck(StzIsDecimal(raw, PETSC_TRUE), comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not a whole number (e.g. 32; -help gives the option's default and meaning)", name, raw);
    break;
  case STZ_RAW_REAL:
    PetscCheck(StzIsDecimal(raw, PETSC_FALSE), comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not a finite number (e.g. 300, 1e-2, 2.5e8)", name, raw);
    break;
  case STZ_RAW_STRING:
    PetscCheck(len < (size_t)max, comm, PETSC_ERR_USER_INPUT, "option %s: the value is too long (%d characters; at most %d)", name, (int)len, (int)max - 1);
    break;
  default: { /* comma-separated lists */
    PetscInt n = 0;
    for (char *item = raw, *next; item; item = next, n++) {
      next = strchr(item, ',');
      if (next) *next++ = 0;
      item = StzTrim(item);
      PetscCheck(*item, comm, PETSC_ERR_USER_INPUT, "option %s: item %d of the list is empty", name, (int)n + 1);
      PetscCheck(kind != STZ_RAW_REAL_LIST || StzIsDecimal(item, PETSC_FALSE), comm, PETSC_ERR_USER_INPUT, "option %s: item %d, '%s', is not a finite number", name, (int)n + 1, item);
    }
    PetscCheck(n <= max, comm, PETSC_ERR_USER_INPUT, "option %s lists %d values: at most %d", name, (int)n, (int)max);
  }
  }
  PetscFunctionReturn(0);
}
/* The PetscOptions* calls of this file, each after StzOptionRaw. */
#define StzOptionsReal(name, ...)                                                                                                                                                                      \
  do {                                                                                                                                                                                                 \
    PetscCall(StzOptionRaw(comm, name, STZ_RAW_REAL, 0));                                                                                                                                              \
    PetscCall(PetscOptionsReal(name, __VA_ARGS__));                                                                                                                                                    \
  } while (0)
#define StzOptionsInt(name, ...)                                                                                                                                                                       \
  do {                                                                                                                                                                                                 \
    PetscCall(StzOptionRaw(comm, name, STZ_RAW_INT, 0));                                                                                                                                               \
    PetscCall(PetscOptionsInt(name, __VA_ARGS__));                                                                                                                                                     \
  } while (0)
#define StzOptionsBool(name, ...)                                                                                                                                                                      \
  do {                                                                                                                                                                                                 \
    PetscCall(StzOptionRaw(comm, name, STZ_RAW_BOOL, 0));                                                                                                                                              \
    PetscCall(PetscOptionsBool(name, __VA_ARGS__));                                                                                                                                                    \
  } while (0)
#define StzOptionsString(name, text, man, cur, val, len, set)                                                                                                                                          \
  do {                                                                                                                                                                                                 \
    PetscCall(StzOptionRaw(comm, name, STZ_RAW_STRING, (PetscInt)(len)));                                                                                                                              \
    PetscCall(PetscOptionsString(name, text, man, cur, val, len, set));                                                                                                                                \
  } while (0)
#define StzOptionsRealArray(name, text, man, val, n, set)                                                                                                                                              \
  do {                                                                                                                                                                                                 \
    PetscCall(StzOptionRaw(comm, name, STZ_RAW_REAL_LIST, *(n)));                                                                                                                                      \
    PetscCall(PetscOptionsRealArray(name, text, man, val, n, set));                                                                                                                                    \
  } while (0)
#define StzOptionsStringArray(name, text, man, val, n, set)                                                                                                                                            \
  do {                                                                                                                                                                                                 \
    PetscCall(StzOptionRaw(comm, name, STZ_RAW_STRING_LIST, *(n)));                                                                                                                                    \
    PetscCall(PetscOptionsStringArray(name, text, man, val, n, set));                                                                                                                                  \
  } while (0)

PetscErrorCode StzConfigFromOptions(MPI_Comm comm, StzConfig *cfg)
{
  char protocol[64] = "single-stz", engine[64] = "kernel", geometry[64] = "periodic", allowed[256], initial[64] = "as-quenched", cyclic_control[64] = "strain", aqs_loading[64] = "pure-shear",
       frames[64] = "none", *stages[STZ_MAX_STAGES] = {NULL};
  PetscInt  n_stages  = STZ_MAX_STAGES;
  char      bc[4][64] = {"free", "free", "fixed", "free"};
  PetscInt  idx;
  PetscBool set, engine_set, bc_set[4], bc_value_set[4];
  PetscInt  bc_nv[4] = {0, 0, 0, 0};

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(cfg, sizeof(*cfg)));
  PetscCall(PetscStrncpy(cfg->material_name, "vitreloy1", sizeof(cfg->material_name)));
  PetscCall(PetscStrncpy(cfg->output_dir, "out", sizeof(cfg->output_dir)));
  PetscOptionsBegin(comm, NULL, "stzdyn: STZ dynamics of metallic glasses (units in brackets)", NULL);
  StzOptionsString("-stz_material", "material preset (vitreloy1, cu57zr43, vitreloy1-js, cu57zr43-js): sets every -stz_ material option below", NULL, cfg->material_name, cfg->material_name,
                   sizeof(cfg->material_name), NULL);
  PetscCall(StzMaterialPreset(cfg->material_name, &cfg->mat));
  StzOptionsReal("-stz_shear_modulus_pa", "shear modulus mu [Pa]", NULL, cfg->mat.shear_modulus_pa, &cfg->mat.shear_modulus_pa, NULL);
  StzOptionsReal("-stz_poisson_ratio", "Poisson ratio nu [-]", NULL, cfg->mat.poisson_ratio, &cfg->mat.poisson_ratio, NULL);
  StzOptionsReal("-stz_gamma0", "STZ transformation shear strain gamma0 [-]", NULL, cfg->mat.gamma0, &cfg->mat.gamma0, NULL);
  StzOptionsReal("-stz_volume_m3", "STZ volume Omega0 [m^3]", NULL, cfg->mat.stz_volume_m3, &cfg->mat.stz_volume_m3, NULL);
  StzOptionsReal("-stz_beta", "dilatancy factor beta in Argon's barrier [-]", NULL, cfg->mat.dilatancy_beta, &cfg->mat.dilatancy_beta, NULL);
  StzOptionsReal("-stz_tau_hat_over_mu", "athermal shear resistance tau_hat/mu [-]", NULL, cfg->mat.tau_hat_over_mu, &cfg->mat.tau_hat_over_mu, NULL);
  StzOptionsReal("-stz_attempt_frequency_hz", "attempt frequency nu0 [1/s]", NULL, cfg->mat.attempt_frequency_hz, &cfg->mat.attempt_frequency_hz, NULL);

  cfg->nx = cfg->ny = 64;
  StzOptionsInt("-stz_nx", "sites along x [-]", NULL, cfg->nx, &cfg->nx, NULL);
  StzOptionsInt("-stz_ny", "sites along y [-]", NULL, cfg->ny, &cfg->ny, NULL);
  cfg->site_elems = 2;
  StzOptionsInt("-stz_site_elems", "finite elements along each side of a site [-]", NULL, cfg->site_elems, &cfg->site_elems, NULL);
  cfg->site_size_m = PetscPowReal(cfg->mat.stz_volume_m3, 1.0 / 3.0);
  StzOptionsReal("-stz_site_size_m", "site spacing [m] (default: cube root of the STZ volume)", NULL, cfg->site_size_m, &cfg->site_size_m, NULL);
  cfg->n_orient = 3;
  StzOptionsInt("-stz_n_orient", "STZ shear orientations per site, evenly spaced over 90 degrees, each in both senses [-]", NULL, cfg->n_orient, &cfg->n_orient, NULL);
  cfg->seed = 1;
  StzOptionsInt("-stz_seed", "random seed [-]", NULL, cfg->seed, &cfg->seed, NULL);
  cfg->seeds[0] = 0;
  cfg->n_seeds  = 0;
  StzOptionsString("-stz_seeds", "an ensemble: one run per seed, e.g. 1-16 or 1,5,9, spread over the MPI ranks, into <output_dir>/seed-<n>/ with ensemble.csv [-]", NULL, cfg->seeds, cfg->seeds,
                   sizeof(cfg->seeds), NULL);
  cfg->temperature_k = 300;
  StzOptionsReal("-stz_temperature_k", "temperature [K]", NULL, cfg->temperature_k, &cfg->temperature_k, NULL);
  cfg->barrier_spread = 0.1;
  StzOptionsReal("-stz_barrier_spread", "relative standard deviation of the quenched site barriers [-] (0: uniform)", NULL, cfg->barrier_spread, &cfg->barrier_spread, NULL);
  cfg->dilatation = 0;
  StzOptionsReal("-stz_dilatation", "in-plane dilatation (trace) of a zone per gamma0 of shear from the start of its basin; its work enters the rates [-]", NULL, cfg->dilatation, &cfg->dilatation,
                 NULL);
  StzOptionsString("-stz_protocol",
                   "what to do: single-stz, pure-shear, simple-shear, compression, tension, anneal, creep, cyclic, thermal-cycling, sequence, aqs (athermal quasistatic), indent, rolling, dsc (a "
                   "heating scan), roll-gap (a roll travelling along a strip)",
                   NULL, protocol, protocol, sizeof(protocol), NULL);
  StzOptionsString("-stz_aqs_loading", "aqs: loading mode (pure-shear, simple-shear, compression, tension)", NULL, aqs_loading, aqs_loading, sizeof(aqs_loading), NULL);
  cfg->av.gap_strain = 0;
  StzOptionsReal("-stz_avalanche_gap_strain", "thermal protocols: events closer than this in applied strain form one avalanche [-] (0: gamma0/N)", NULL, cfg->av.gap_strain, &cfg->av.gap_strain, NULL);
  cfg->av.bootstrap = 200;
  StzOptionsInt("-stz_avalanche_bootstrap", "bootstrap resamples for the confidence interval of the avalanche exponent [-]", NULL, cfg->av.bootstrap, &cfg->av.bootstrap, NULL);
  cfg->av.bins = 0;
  StzOptionsInt("-stz_avalanche_bins", "log bins of avalanche_sizes.csv [-] (0: five per decade)", NULL, cfg->av.bins, &cfg->av.bins, NULL);
  StzOptionsString("-stz_frames", "PNG frames of the plastic-strain increment in frames/: none, avalanche (one per avalanche), strain (one per strain step)", NULL, frames, frames, sizeof(frames),
                   NULL);
  cfg->av.frame_min_events = 1;
  StzOptionsInt("-stz_frame_min_events", "frames avalanche: only avalanches with at least this many events get a frame [-]", NULL, cfg->av.frame_min_events, &cfg->av.frame_min_events, NULL);
  cfg->av.frame_dstrain = 0;
  StzOptionsReal("-stz_frame_dstrain", "frames strain: applied strain between frames [-] (0: max_strain/100)", NULL, cfg->av.frame_dstrain, &cfg->av.frame_dstrain, NULL);
  cfg->av.frame_scale = 0;
  StzOptionsReal("-stz_frame_scale", "top of the fixed colour scale of every frame, in plastic shear increment [-] (0: gamma0, one transformation)", NULL, cfg->av.frame_scale, &cfg->av.frame_scale,
                 NULL);
  cfg->av.max_frames = 1000;
  StzOptionsInt("-stz_max_frames", "write at most this many frames [-]", NULL, cfg->av.max_frames, &cfg->av.max_frames, NULL);
  StzOptionsString("-stz_geometry", "body: periodic (box), slab (periodic in x, -stz_bc_bottom/top), block (four -stz_bc_* edges)", NULL, geometry, geometry, sizeof(geometry), NULL);
  /* The default that -help shows: the engine the geometry gets when none is asked for (set below, from the checked options). */
  PetscCall(PetscStrncpy(engine, strcmp(geometry, "periodic") == 0 ? "kernel" : (strcmp(geometry, "slab") == 0 || cfg->nx * cfg->ny <= 4096 ? "slab-kernel" : "cut-kernel"), sizeof(engine)));
  StzOptionsString("-stz_engine",
                   "stress-update engine: kernel (periodic box), slab-kernel (periodic in x; a block's own kernels up to 64 x 64 sites), cut-kernel (a block with free "
                   "sides, as a slab cut open), factor (one back-substitution per event), resolve (iterative FE solve per event); default: the fastest for -stz_geometry "
                   "(a larger block whose sides are not both free: factor)",
                   NULL, engine, engine, sizeof(engine), &engine_set);
  for (int e = 0; e < 4; e++) {
    char     name[64], vname[64], help[160];
    PetscInt nv = 2;
    PetscCall(PetscSNPrintf(name, sizeof(name), "-stz_bc_%s", StzEdgeNames[e]));
    PetscCall(PetscSNPrintf(vname, sizeof(vname), "-stz_bc_%s_value", StzEdgeNames[e]));
    PetscCall(PetscSNPrintf(help, sizeof(help), "%s edge of a %s: free, fixed, roller, displacement, traction", StzEdgeNames[e], e < 2 ? "block" : "slab or block"));
    StzOptionsString(name, help, NULL, bc[e], bc[e], sizeof(bc[e]), &bc_set[e]);
    cfg->bc_value[e][0] = cfg->bc_value[e][1] = 0;
    StzOptionsRealArray(vname, "edge value: roller normal displacement [m]; displacement ux,uy [m]; traction tx,ty [Pa]", NULL, cfg->bc_value[e], &nv, &bc_value_set[e]);
    bc_nv[e] = nv;
  }
  cfg->strain_rate = 1e-4;
  StzOptionsReal("-stz_strain_rate", "imposed strain rate [1/s]", NULL, cfg->strain_rate, &cfg->strain_rate, NULL);
  cfg->max_strain = 0.1;
  StzOptionsReal("-stz_max_strain", "strain at which the loading stops [-]", NULL, cfg->max_strain, &cfg->max_strain, NULL);
  cfg->series_dstrain = 0;
  StzOptionsReal("-stz_series_dstrain", "strain between rows of series.csv [-] (0: max_strain/1000)", NULL, cfg->series_dstrain, &cfg->series_dstrain, NULL);
  cfg->max_events = PETSC_MAX_INT;
  StzOptionsInt("-stz_max_events", "stop after this many STZ events [-]", NULL, cfg->max_events, &cfg->max_events, NULL);
  cfg->n_maps = STZ_MAX_MAPS;
  StzOptionsRealArray("-stz_map_strains", "strains at which to write plastic-strain PNG maps, comma-separated [-]", NULL, cfg->map_strains, &cfg->n_maps, &set);
  if (!set) cfg->n_maps = 0;
  cfg->single_theta_deg = 0;
  StzOptionsReal("-stz_single_theta_deg", "single-stz: orientation of the transformation [deg]", NULL, cfg->single_theta_deg, &cfg->single_theta_deg, NULL);
  cfg->flicker_limit = 100;
  StzOptionsInt("-stz_flicker_limit",
                "activations of a site inside its flicker basin before its moves that stay inside are slowed eightfold (superbasin acceleration; escapes keep exact rates; 0: exact "
                "kinetics) [-]",
                NULL, cfg->flicker_limit, &cfg->flicker_limit, NULL);
  cfg->renew_disorder = PETSC_TRUE;
  StzOptionsBool("-stz_renew_disorder",
                 "a site that rearranges (leaves its basin) draws a new barrier disorder factor, with the probability 1 - exp(-w) of its applied-stress drive w; false: the disorder is frozen", NULL,
                 cfg->renew_disorder, &cfg->renew_disorder, NULL);
  /* Structural state. Defaults that depend on T_g are set as 0 here and resolved after the material is known. */
  cfg->st.on = PETSC_TRUE;
  StzOptionsBool("-stz_structure", "per-site fictive temperature: barriers evolve (renewal by shear, relaxation events)", NULL, cfg->st.on, &cfg->st.on, NULL);
  StzOptionsString("-stz_initial_state", "initial glass: as-quenched (from -stz_cooling_rate_k_per_s) or annealed (equilibrated at -stz_initial_anneal_k)", NULL, initial, initial, sizeof(initial),
                   NULL);
  cfg->st.cooling_rate_k_per_s = 10;
  StzOptionsReal("-stz_cooling_rate_k_per_s", "as-quenched: cooling rate of the preparation [K/s]", NULL, cfg->st.cooling_rate_k_per_s, &cfg->st.cooling_rate_k_per_s, NULL);
  StzOptionsReal("-stz_initial_anneal_k", "annealed: temperature at which the initial glass was equilibrated [K] (0: 0.9 T_g)", NULL, cfg->st.initial_anneal_k, &cfg->st.initial_anneal_k, NULL);
  cfg->st.tf_spread = 0.05;
  StzOptionsReal("-stz_tf_spread", "relative standard deviation of the initial fictive temperatures [-]", NULL, cfg->st.tf_spread, &cfg->st.tf_spread, NULL);
  StzOptionsReal("-stz_tf_flow_k",
                 "T_ss: fictive temperature a rearrangement driven hard by the applied stress renews a site to; a weaker drive w moves T_f a fraction 1 - exp(-w) of the way [K] (0: 1.1 T_g)", NULL,
                 cfg->st.tf_flow_k, &cfg->st.tf_flow_k, NULL);
  cfg->st.tf_flow_spread = 0.05;
  StzOptionsReal("-stz_tf_flow_spread", "relative standard deviation of renewed fictive temperatures [-]", NULL, cfg->st.tf_flow_spread, &cfg->st.tf_flow_spread, NULL);
  cfg->st.p.kappa = 1;
  StzOptionsReal("-stz_barrier_tf_sensitivity", "kappa: relative barrier change per relative fictive-temperature change [-]", NULL, cfg->st.p.kappa, &cfg->st.p.kappa, NULL);
  cfg->st.p.relax_time_at_tg_s = 100;
  StzOptionsReal("-stz_relax_time_at_tg_s", "structural relaxation time of the liquid at T_g [s]", NULL, cfg->st.p.relax_time_at_tg_s, &cfg->st.p.relax_time_at_tg_s, NULL);
  cfg->st.renewal_strain = 1.9;
  StzOptionsReal("-stz_renewal_strain", "a site is renewed (T_f towards T_ss by the drive, new barrier disorder) when its plastic shear strain has moved this many gamma0 from its last renewal [-]",
                 NULL, cfg->st.renewal_strain, &cfg->st.renewal_strain, NULL);
  cfg->st.relax_step = 0.2;
  StzOptionsReal("-stz_relax_step", "fraction of (T - T_f) one relaxation event moves a site's T_f [-]", NULL, cfg->st.relax_step, &cfg->st.relax_step, NULL);
  StzOptionsReal("-stz_tf_reference_k", "T_ref of the structural excess enthalpy dCp (T_f - T_ref) [K] (0: T_g)", NULL, cfg->st.tf_reference_k, &cfg->st.tf_reference_k, NULL);
  /* Indentation. */
  cfg->in.radius_m = 100e-9;
  StzOptionsReal("-stz_indent_radius_m", "indent: radius R of the rigid cylindrical indenter [m]", NULL, cfg->in.radius_m, &cfg->in.radius_m, NULL);
  cfg->in.load_rate = 1;
  StzOptionsReal("-stz_indent_load_rate", "indent: loading rate dF/dt [N per m of depth per s]", NULL, cfg->in.load_rate, &cfg->in.load_rate, NULL);
  cfg->in.max_load = 60;
  StzOptionsReal("-stz_indent_max_load", "indent: the run stops at this load [N per m of depth]", NULL, cfg->in.max_load, &cfg->in.max_load, NULL);
  cfg->in.width_step = 0.02;
  StzOptionsReal("-stz_indent_width_step", "indent: the contact's half-width is recomputed each time Hertz's a(F) has grown by this fraction [-]", NULL, cfg->in.width_step, &cfg->in.width_step, NULL);
  cfg->in.popin_depth_m = 0.1e-9;
  StzOptionsReal("-stz_popin_depth_m", "indent: the plastic depth a pop-in adds within -stz_popin_load_window [m]", NULL, cfg->in.popin_depth_m, &cfg->in.popin_depth_m, NULL);
  cfg->in.popin_load_window = 0.02;
  StzOptionsReal("-stz_popin_load_window", "indent: a pop-in is a plastic depth excursion of -stz_popin_depth_m while the load moves by less than this fraction of itself [-]", NULL,
                 cfg->in.popin_load_window, &cfg->in.popin_load_window, NULL);
  cfg->in.max_popins = 1;
  StzOptionsInt("-stz_indent_max_popins", "indent: the run stops after this many pop-ins (0: only at -stz_indent_max_load) [-]", NULL, cfg->in.max_popins, &cfg->in.max_popins, NULL);
  StzOptionsInt("-stz_indent_cycles", "indent: load cycles 0 -> -stz_indent_cycle_load -> 0 (at the same rate) before the final ramp [-]", NULL, cfg->in.cycles, &cfg->in.cycles, NULL);
  StzOptionsReal("-stz_indent_cycle_load", "indent: top load of the cycles [N per m of depth]", NULL, cfg->in.cycle_load, &cfg->in.cycle_load, NULL);
  cfg->in.contact = PETSC_FALSE;
  StzOptionsBool("-stz_indent_contact", "indent: the pressure from contact of the rigid cylinder with the dented surface, not Hertz's [-]", NULL, cfg->in.contact, &cfg->in.contact, NULL);
  /* Rolling. */
  cfg->roll.passes = 10;
  StzOptionsInt("-stz_rolling_passes", "rolling: passes of compression, each unloaded to zero force; roll-gap: passes of the roll along the strip [-]", NULL, cfg->roll.passes, &cfg->roll.passes,
                NULL);
  cfg->roll.pass_strain = 0.02;
  StzOptionsReal("-stz_rolling_pass_strain",
                 "rolling: compressive strain of the platen's travel in a pass, past where the last pass left it unloaded; roll-gap: the roll's depth below the strip's mean surface at "
                 "the pass's start, per strip height [-]",
                 NULL, cfg->roll.pass_strain, &cfg->roll.pass_strain, NULL);
  cfg->roll.radius_m = 1e-6;
  StzOptionsReal("-stz_rolling_roll_radius_m", "roll-gap: the roll's radius [m]", NULL, cfg->roll.radius_m, &cfg->roll.radius_m, NULL);
  cfg->roll.speed_m_per_s = 1e-8;
  StzOptionsReal("-stz_rolling_roll_speed_m_per_s", "roll-gap: the roll's speed along the strip [m/s]", NULL, cfg->roll.speed_m_per_s, &cfg->roll.speed_m_per_s, NULL);
  cfg->roll.reverse = PETSC_FALSE;
  StzOptionsBool("-stz_rolling_reverse", "roll-gap: every second pass from right to left, as in a reversing mill (default: all from left to right, a tandem mill) [-]", NULL, cfg->roll.reverse,
                 &cfg->roll.reverse, NULL);
  /* Treatments. */
  cfg->tr.hold_time_s = 3600;
  StzOptionsReal("-stz_hold_time_s", "anneal, creep: duration [s]", NULL, cfg->tr.hold_time_s, &cfg->tr.hold_time_s, NULL);
  StzOptionsReal("-stz_anneal_temperature_k", "anneal: temperature [K] (0: 0.9 T_g)", NULL, cfg->tr.anneal_temperature_k, &cfg->tr.anneal_temperature_k, NULL);
  cfg->tr.creep_stress_fraction = 0.85;
  StzOptionsReal("-stz_creep_stress_fraction", "creep: shear stress as a fraction of the yield stress [-]", NULL, cfg->tr.creep_stress_fraction, &cfg->tr.creep_stress_fraction, NULL);
  StzOptionsReal("-stz_creep_temperature_k", "creep: temperature [K] (0: -stz_temperature_k; in a sequence, lets a later test run at another temperature)", NULL, cfg->tr.creep_temperature_k,
                 &cfg->tr.creep_temperature_k, NULL);
  cfg->tr.creep_max_strain = 0.1;
  StzOptionsReal("-stz_creep_max_strain", "creep and stress-controlled cyclic: strain at which the run stops, because the stress is above the flow stress and the sample runs away [-]", NULL,
                 cfg->tr.creep_max_strain, &cfg->tr.creep_max_strain, NULL);
  {
    /* A stress in Pa, or `measure`: the creep stage first runs a pure-shear test of a fresh copy of the sample (lib/treat.c). */
    char      ys[64] = "";
    PetscBool set;
    StzOptionsString("-stz_yield_stress_pa", "creep: yield shear stress the creep stress is a fraction of [Pa], or 'measure' (a pure-shear test at the creep temperature first; required by creep)",
                     NULL, ys, ys, sizeof(ys), &set);
    cfg->tr.yield_measure = PETSC_FALSE;
    if (set) {
      PetscCall(PetscStrcmp(ys, "measure", &cfg->tr.yield_measure));
      if (!cfg->tr.yield_measure) {
        char *end               = NULL;
        cfg->tr.yield_stress_pa = strtod(ys, &end);
        PetscCheck(StzIsDecimal(ys, PETSC_FALSE) && end && *end == 0, comm, PETSC_ERR_USER_INPUT, "option -stz_yield_stress_pa = '%s': expected a stress in Pa (e.g. 6.5e8) or 'measure'", ys);
      }
    }
  }
  cfg->tr.cyclic_amplitude = 0.01;
  StzOptionsString("-stz_cyclic_control", "cyclic: strain (amplitude -stz_cyclic_amplitude) or stress (amplitude -stz_cyclic_stress_pa)", NULL, cyclic_control, cyclic_control, sizeof(cyclic_control),
                   NULL);
  StzOptionsReal("-stz_cyclic_amplitude", "cyclic, strain control: pure-shear strain amplitude [-]", NULL, cfg->tr.cyclic_amplitude, &cfg->tr.cyclic_amplitude, NULL);
  StzOptionsReal("-stz_cyclic_stress_pa", "cyclic, stress control: pure-shear stress amplitude [Pa] (required by -stz_cyclic_control stress)", NULL, cfg->tr.cyclic_stress_pa,
                 &cfg->tr.cyclic_stress_pa, NULL);
  cfg->tr.cycles = 10;
  StzOptionsInt("-stz_cycles", "cyclic: number of cycles [-]", NULL, cfg->tr.cycles, &cfg->tr.cycles, NULL);
  cfg->tr.cyclic_frequency_hz = 0.1;
  StzOptionsReal("-stz_cyclic_frequency_hz", "cyclic: frequency [1/s]", NULL, cfg->tr.cyclic_frequency_hz, &cfg->tr.cyclic_frequency_hz, NULL);
  cfg->tr.thermal_low_k = 77;
  StzOptionsReal("-stz_thermal_low_k", "thermal-cycling: low temperature [K]", NULL, cfg->tr.thermal_low_k, &cfg->tr.thermal_low_k, NULL);
  cfg->tr.thermal_high_k = 300;
  StzOptionsReal("-stz_thermal_high_k", "thermal-cycling: high temperature [K]", NULL, cfg->tr.thermal_high_k, &cfg->tr.thermal_high_k, NULL);
  cfg->tr.thermal_cycles = 10;
  StzOptionsInt("-stz_thermal_cycles", "thermal-cycling: number of cycles [-]", NULL, cfg->tr.thermal_cycles, &cfg->tr.thermal_cycles, NULL);
  cfg->tr.thermal_steps = 10;
  StzOptionsInt("-stz_thermal_steps", "thermal-cycling: temperature steps per half cycle [-]", NULL, cfg->tr.thermal_steps, &cfg->tr.thermal_steps, NULL);
  cfg->tr.thermal_period_s = 600;
  StzOptionsReal("-stz_thermal_period_s", "thermal-cycling: duration of one cycle [s]", NULL, cfg->tr.thermal_period_s, &cfg->tr.thermal_period_s, NULL);
  cfg->tr.alpha_spread = 0.1;
  StzOptionsReal("-stz_alpha_spread", "relative standard deviation of the per-site thermal expansion coefficient [-]", NULL, cfg->tr.alpha_spread, &cfg->tr.alpha_spread, NULL);
  StzOptionsReal("-stz_dsc_start_k", "dsc: temperature the heating scan starts from [K] (0: -stz_temperature_k)", NULL, cfg->tr.dsc_start_k, &cfg->tr.dsc_start_k, NULL);
  StzOptionsReal("-stz_dsc_end_k", "dsc: temperature the scan ends at [K] (0: 1.08 T_g)", NULL, cfg->tr.dsc_end_k, &cfg->tr.dsc_end_k, NULL);
  cfg->tr.dsc_rate_k_per_s = 20.0 / 60;
  StzOptionsReal("-stz_dsc_rate_k_per_s", "dsc: heating rate [K/s] (20 K/min, the usual rate of calorimetry)", NULL, cfg->tr.dsc_rate_k_per_s, &cfg->tr.dsc_rate_k_per_s, NULL);
  cfg->tr.dsc_step_k = 1;
  StzOptionsReal("-stz_dsc_step_k", "dsc: temperature step of the scan [K]", NULL, cfg->tr.dsc_step_k, &cfg->tr.dsc_step_k, NULL);
  StzOptionsStringArray("-stz_sequence", "sequence: protocols run in order on the same sample, comma-separated (e.g. anneal,pure-shear)", NULL, stages, &n_stages, &set);
  if (!set) n_stages = 0;
  StzOptionsString("-stz_output_dir", "directory for all outputs (created if missing)", NULL, cfg->output_dir, cfg->output_dir, sizeof(cfg->output_dir), NULL);
  {
    size_t len = strlen(cfg->output_dir); /* "out/" is "out": paths below are joined with '/' */
    while (len > 1 && cfg->output_dir[len - 1] == '/') cfg->output_dir[--len] = 0;
  }
  cfg->fields_csv = PETSC_FALSE;
  StzOptionsBool("-stz_fields_csv", "write fields.csv (per-site stress, plastic strain, activations) at the end", NULL, cfg->fields_csv, &cfg->fields_csv, NULL);
  cfg->fields_vtk = PETSC_FALSE;
  StzOptionsBool("-stz_fields_vtk", "write fields.vti (the same per-site fields as VTK image data, for ParaView) at the end", NULL, cfg->fields_vtk, &cfg->fields_vtk, NULL);
  cfg->threads = 0;
  StzOptionsInt("-stz_threads", "OpenMP threads for the per-event pass [-] (0: OMP_NUM_THREADS or all cores)", NULL, cfg->threads, &cfg->threads, NULL);
  cfg->progress_s = 5;
  StzOptionsReal("-stz_progress_s", "seconds between progress lines on stderr [s] (0: none)", NULL, cfg->progress_s, &cfg->progress_s, NULL);
  cfg->quiet = PETSC_FALSE;
  StzOptionsBool("-stz_quiet", "print nothing but errors", NULL, cfg->quiet, &cfg->quiet, NULL);
  PetscOptionsEnd();

  /* Validation: every message names the option, the value and what is allowed. */
  idx = StzListFind(StzProtocolNames, protocol);
  StzListJoin(StzProtocolNames, allowed, sizeof(allowed));
  PetscCheck(idx >= 0, comm, PETSC_ERR_USER_INPUT, "option -stz_protocol = '%s' is not known: allowed %s", protocol, allowed);
  cfg->protocol = (StzProtocolType)idx;
  idx           = StzListFind(StzEngineNames, engine);
  StzListJoin(StzEngineNames, allowed, sizeof(allowed));
  PetscCheck(idx >= 0, comm, PETSC_ERR_USER_INPUT, "option -stz_engine = '%s' is not known: allowed %s", engine, allowed);
  cfg->engine = (StzEngineType)idx;
  idx         = StzListFind(StzAqsLoadingNames, aqs_loading);
  StzListJoin(StzAqsLoadingNames, allowed, sizeof(allowed));
  PetscCheck(idx >= 0, comm, PETSC_ERR_USER_INPUT, "option -stz_aqs_loading = '%s' is not known: allowed %s", aqs_loading, allowed);
  cfg->av.aqs_loading = (StzProtocolType)(STZ_PROTO_PURE_SHEAR + idx);
  idx                 = StzListFind(StzFramesNames, frames);
  StzListJoin(StzFramesNames, allowed, sizeof(allowed));
  PetscCheck(idx >= 0, comm, PETSC_ERR_USER_INPUT, "option -stz_frames = '%s' is not known: allowed %s", frames, allowed);
  cfg->av.frames = (StzFramesType)idx;
  idx            = StzListFind(StzInitialStateNames, initial);
  StzListJoin(StzInitialStateNames, allowed, sizeof(allowed));
  PetscCheck(idx >= 0, comm, PETSC_ERR_USER_INPUT, "option -stz_initial_state = '%s' is not known: allowed %s", initial, allowed);
  cfg->st.initial = (StzInitialState)idx;
  idx             = StzListFind(StzCyclicControlNames, cyclic_control);
  StzListJoin(StzCyclicControlNames, allowed, sizeof(allowed));
  PetscCheck(idx >= 0, comm, PETSC_ERR_USER_INPUT, "option -stz_cyclic_control = '%s' is not known: allowed %s", cyclic_control, allowed);
  cfg->tr.cyclic_stress_control = (PetscBool)(idx == 1);
  cfg->tr.n_stages              = n_stages;
  /* The stages a sequence takes: every protocol but single-stz, sequence and aqs. */
  allowed[0] = 0;
  for (int p = 0; p < STZ_PROTO_COUNT; p++) {
    if (p == STZ_PROTO_SINGLE || p == STZ_PROTO_SEQUENCE || p == STZ_PROTO_AQS) continue;
    if (allowed[0]) PetscCall(PetscStrlcat(allowed, ", ", sizeof(allowed)));
    PetscCall(PetscStrlcat(allowed, StzProtocolNames[p], sizeof(allowed)));
  }
  for (PetscInt k = 0; k < n_stages; k++) {
    idx = StzListFind(StzProtocolNames, stages[k]);
    PetscCheck(idx != STZ_PROTO_INDENT || k == n_stages - 1, comm, PETSC_ERR_USER_INPUT,
               "option -stz_sequence: stage %d = 'indent' must be the last stage (an indentation ends at its pop-in; it is stage %d of %d)", (int)k + 1, (int)k + 1, (int)n_stages);
    PetscCheck(idx > 0 && idx != STZ_PROTO_SEQUENCE && idx != STZ_PROTO_AQS, comm, PETSC_ERR_USER_INPUT, "option -stz_sequence: stage %d = '%s' is not a stage a sequence can run: allowed %s",
               (int)k + 1, stages[k], allowed);
    cfg->tr.stages[k] = (StzProtocolType)idx;
    PetscCall(PetscFree(stages[k]));
  }
  PetscCheck(cfg->protocol != STZ_PROTO_SEQUENCE || n_stages > 0, comm, PETSC_ERR_USER_INPUT, "option -stz_protocol = sequence needs -stz_sequence (e.g. anneal,pure-shear); it is missing");
  idx = StzListFind(StzGeometryNames, geometry);
  StzListJoin(StzGeometryNames, allowed, sizeof(allowed));
  PetscCheck(idx >= 0, comm, PETSC_ERR_USER_INPUT, "option -stz_geometry = '%s' is not known: allowed %s", geometry, allowed);
  cfg->geometry = (StzGeometryType)idx;
  PetscCheck(cfg->protocol != STZ_PROTO_AQS || cfg->geometry == STZ_GEOM_PERIODIC, comm, PETSC_ERR_USER_INPUT,
             "option -stz_protocol = aqs needs -stz_geometry periodic (it is %s): aqs loads through the box's mean strain", StzGeometryNames[cfg->geometry]);
  StzListJoin(StzBodyBCNames, allowed, sizeof(allowed));
  for (int e = 0; e < 4; e++) {
    /* Edges that -stz_geometry makes periodic take no condition: say so rather than ignore the option. */
    const PetscBool periodic = (PetscBool)(cfg->geometry == STZ_GEOM_PERIODIC || (cfg->geometry == STZ_GEOM_SLAB && e < 2));
    PetscCheck(!periodic || (!bc_set[e] && !bc_value_set[e]), comm, PETSC_ERR_USER_INPUT, "option -stz_bc_%s%s is given but the %s edge of -stz_geometry %s is periodic: edge conditions apply to %s",
               StzEdgeNames[e], bc_set[e] ? "" : "_value", StzEdgeNames[e], geometry, e < 2 ? "-stz_geometry block" : "-stz_geometry slab or block");
    if (periodic) {
      cfg->bc[e] = STZ_BC_PERIODIC;
      continue;
    }
    idx = StzListFind(StzBodyBCNames, bc[e]);
    PetscCheck(idx >= 0, comm, PETSC_ERR_USER_INPUT, "option -stz_bc_%s = '%s' is not known: allowed %s", StzEdgeNames[e], bc[e], allowed);
    cfg->bc[e] = (StzBCType)(idx + STZ_BC_FREE);
    PetscCheck(!bc_value_set[e] || cfg->bc[e] == STZ_BC_ROLLER || cfg->bc[e] == STZ_BC_DISPLACEMENT || cfg->bc[e] == STZ_BC_TRACTION, comm, PETSC_ERR_USER_INPUT,
               "option -stz_bc_%s_value is given but -stz_bc_%s = %s takes no value: values apply to roller, displacement and traction", StzEdgeNames[e], StzEdgeNames[e], bc[e]);
    /* One value for a traction would silently be (t, 0), a shear load, where a user likely meant a pressure. */
    PetscCheck(!bc_value_set[e] || bc_nv[e] == (cfg->bc[e] == STZ_BC_ROLLER ? 1 : 2), comm, PETSC_ERR_USER_INPUT, "option -stz_bc_%s_value gives %d value%s but -stz_bc_%s = %s takes %s",
               StzEdgeNames[e], (int)bc_nv[e], bc_nv[e] == 1 ? "" : "s", StzEdgeNames[e], bc[e],
               cfg->bc[e] == STZ_BC_ROLLER ? "one (the normal displacement, m)" : (cfg->bc[e] == STZ_BC_TRACTION ? "two, tx,ty in Pa (a pressure on the top edge is 0,-p)" : "two, ux,uy in m"));
  }
  /* The engine: the fastest exact one for the geometry unless chosen; a kernel engine needs the periodicity it relies on. */
  /* A block's slab-kernel engine holds N^2 kernel values per mode (1.2 GB at 64 x 64 sites): beyond that the cut-kernel engine
   * if the sides are free, else the factor engine. (Below it slab-kernel stays the default, so that earlier results of small
   * blocks repeat to the last digit.) */
  if (!engine_set) {
    if (cfg->geometry == STZ_GEOM_PERIODIC) cfg->engine = STZ_ENGINE_KERNEL;
    else if (cfg->geometry == STZ_GEOM_SLAB || cfg->nx * cfg->ny <= 4096) cfg->engine = STZ_ENGINE_SLAB_KERNEL;
    else cfg->engine = StzConfigCutKernelApplies(cfg) ? STZ_ENGINE_CUT_KERNEL : STZ_ENGINE_FACTOR;
  }
  PetscCheck(cfg->engine != STZ_ENGINE_KERNEL || cfg->geometry == STZ_GEOM_PERIODIC, comm, PETSC_ERR_USER_INPUT, "option -stz_engine = kernel needs -stz_geometry periodic (it is %s): use %s",
             geometry, "slab-kernel, factor or resolve");
  PetscCheck(cfg->engine != STZ_ENGINE_CUT_KERNEL || StzConfigCutKernelApplies(cfg), comm, PETSC_ERR_USER_INPUT,
             "option -stz_engine = cut-kernel needs -stz_geometry block with free sides (-stz_bc_left free -stz_bc_right free; it is %s%s%s%s%s): it treats the block as a slab cut open; use %s",
             geometry, cfg->geometry == STZ_GEOM_BLOCK ? ", left " : "", cfg->geometry == STZ_GEOM_BLOCK ? StzBCTypes[cfg->bc[STZ_EDGE_LEFT]] : "", cfg->geometry == STZ_GEOM_BLOCK ? ", right " : "",
             cfg->geometry == STZ_GEOM_BLOCK ? StzBCTypes[cfg->bc[STZ_EDGE_RIGHT]] : "",
             cfg->geometry == STZ_GEOM_PERIODIC ? "kernel, slab-kernel, factor or resolve" : "slab-kernel, factor or resolve");

  StzCheckRange(comm, "-stz_nx", cfg->nx, 4, 8192);
  StzCheckRange(comm, "-stz_ny", cfg->ny, 4, 8192);
  StzCheckRange(comm, "-stz_site_elems", cfg->site_elems, 1, 16);
  StzCheckRange(comm, "-stz_n_orient", cfg->n_orient, 1, STZ_MAX_ORIENT);
  StzCheckRange(comm, "-stz_temperature_k", cfg->temperature_k, 1e-3, 5000);
  StzCheckRange(comm, "-stz_barrier_spread", cfg->barrier_spread, 0, 0.3); /* the +-3 sigma cut keeps barriers > 0.1 dF */
  StzCheckRange(comm, "-stz_dilatation", cfg->dilatation, -0.1, 0.1);
  StzCheckRange(comm, "-stz_strain_rate", cfg->strain_rate, 1e-12, 1e12);
  StzCheckRange(comm, "-stz_max_strain", cfg->max_strain, 1e-6, 10);
  StzCheckRangeWhy(comm, "-stz_series_dstrain", cfg->series_dstrain, 0, cfg->max_strain, "(at most -stz_max_strain)");
  StzCheckRange(comm, "-stz_max_events", cfg->max_events, 0, PETSC_MAX_INT);
  StzCheckRange(comm, "-stz_threads", cfg->threads, 0, 1024);
  StzCheckRange(comm, "-stz_progress_s", cfg->progress_s, 0, 1e9);
  StzCheckRange(comm, "-stz_site_size_m", cfg->site_size_m, 1e-12, 1e-3);
  StzCheckRange(comm, "-stz_shear_modulus_pa", cfg->mat.shear_modulus_pa, 1e6, 1e13);
  StzCheckRange(comm, "-stz_poisson_ratio", cfg->mat.poisson_ratio, -0.99, 0.499);
  StzCheckRange(comm, "-stz_gamma0", cfg->mat.gamma0, 1e-4, 1);
  StzCheckRange(comm, "-stz_volume_m3", cfg->mat.stz_volume_m3, 1e-32, 1e-20);
  StzCheckRange(comm, "-stz_beta", cfg->mat.dilatancy_beta, 0, 10);
  StzCheckRange(comm, "-stz_tau_hat_over_mu", cfg->mat.tau_hat_over_mu, 0, 1);
  StzCheckRange(comm, "-stz_attempt_frequency_hz", cfg->mat.attempt_frequency_hz, 1, 1e16);
  for (PetscInt k = 0; k < cfg->n_maps; k++) StzCheckRangeWhy(comm, "-stz_map_strains", cfg->map_strains[k], 0, cfg->max_strain, "(at most -stz_max_strain)");
  StzCheckRangeWhy(comm, "-stz_avalanche_gap_strain", cfg->av.gap_strain, 0, cfg->max_strain, "(at most -stz_max_strain)");
  StzCheckRange(comm, "-stz_avalanche_bootstrap", cfg->av.bootstrap, 0, 100000);
  StzCheckRange(comm, "-stz_avalanche_bins", cfg->av.bins, 0, 1000);
  StzCheckRange(comm, "-stz_frame_min_events", cfg->av.frame_min_events, 1, PETSC_MAX_INT);
  StzCheckRangeWhy(comm, "-stz_frame_dstrain", cfg->av.frame_dstrain, 0, cfg->max_strain, "(at most -stz_max_strain)");
  StzCheckRange(comm, "-stz_frame_scale", cfg->av.frame_scale, 0, 10);
  StzCheckRange(comm, "-stz_max_frames", cfg->av.max_frames, 0, 99999); /* frame numbers have five digits */
  StzCheckRange(comm, "-stz_flicker_limit", cfg->flicker_limit, 0, 1000000);
  StzCheckRange(comm, "-stz_cooling_rate_k_per_s", cfg->st.cooling_rate_k_per_s, 1e-6, 1e15);
  StzCheckRange(comm, "-stz_initial_anneal_k", cfg->st.initial_anneal_k, 0, 5000);
  StzCheckRange(comm, "-stz_tf_spread", cfg->st.tf_spread, 0, 0.2);
  StzCheckRange(comm, "-stz_tf_flow_k", cfg->st.tf_flow_k, 0, 5000);
  StzCheckRange(comm, "-stz_tf_flow_spread", cfg->st.tf_flow_spread, 0, 0.2);
  StzCheckRange(comm, "-stz_barrier_tf_sensitivity", cfg->st.p.kappa, 0, 5);
  StzCheckRange(comm, "-stz_relax_time_at_tg_s", cfg->st.p.relax_time_at_tg_s, 1e-6, 1e9);
  StzCheckRange(comm, "-stz_renewal_strain", cfg->st.renewal_strain, 0, 100);
  StzCheckRange(comm, "-stz_relax_step", cfg->st.relax_step, 1e-3, 1);
  StzCheckRange(comm, "-stz_tf_reference_k", cfg->st.tf_reference_k, 0, 5000);
  StzCheckRange(comm, "-stz_hold_time_s", cfg->tr.hold_time_s, 0, 1e15);
  StzCheckRange(comm, "-stz_anneal_temperature_k", cfg->tr.anneal_temperature_k, 0, 5000);
  StzCheckRange(comm, "-stz_creep_stress_fraction", cfg->tr.creep_stress_fraction, 0, 2);
  StzCheckRange(comm, "-stz_creep_temperature_k", cfg->tr.creep_temperature_k, 0, 5000);
  StzCheckRange(comm, "-stz_creep_max_strain", cfg->tr.creep_max_strain, 1e-6, 10);
  StzCheckRange(comm, "-stz_indent_radius_m", cfg->in.radius_m, 1e-10, 1);
  StzCheckRange(comm, "-stz_indent_load_rate", cfg->in.load_rate, 1e-12, 1e12);
  StzCheckRange(comm, "-stz_indent_max_load", cfg->in.max_load, 1e-12, 1e12);
  StzCheckRange(comm, "-stz_indent_width_step", cfg->in.width_step, 1e-4, 1);
  StzCheckRange(comm, "-stz_popin_depth_m", cfg->in.popin_depth_m, 1e-15, 1);
  StzCheckRange(comm, "-stz_popin_load_window", cfg->in.popin_load_window, 1e-9, 1);
  StzCheckRange(comm, "-stz_indent_max_popins", cfg->in.max_popins, 0, 1000000);
  StzCheckRange(comm, "-stz_indent_cycles", cfg->in.cycles, 0, 1000000);
  StzCheckRange(comm, "-stz_rolling_passes", cfg->roll.passes, 1, 100000);
  StzCheckRange(comm, "-stz_rolling_pass_strain", cfg->roll.pass_strain, 1e-6, 1);
  StzCheckRange(comm, "-stz_rolling_roll_radius_m", cfg->roll.radius_m, 1e-9, 1);
  StzCheckRange(comm, "-stz_rolling_roll_speed_m_per_s", cfg->roll.speed_m_per_s, 1e-15, 1e3);
  StzCheckRange(comm, "-stz_indent_cycle_load", cfg->in.cycle_load, 0, 1e12);
  PetscCheck(cfg->in.cycles == 0 || (cfg->in.cycle_load > 0 && cfg->in.cycle_load < cfg->in.max_load), comm, PETSC_ERR_USER_INPUT,
             "option -stz_indent_cycles = %d needs -stz_indent_cycle_load between 0 and -stz_indent_max_load = %g N/m (exclusive); it is %g", (int)cfg->in.cycles, (double)cfg->in.max_load,
             (double)cfg->in.cycle_load);
  StzCheckRange(comm, "-stz_yield_stress_pa", cfg->tr.yield_stress_pa, 0, 1e11);
  StzCheckRange(comm, "-stz_cyclic_amplitude", cfg->tr.cyclic_amplitude, 1e-6, 1);
  StzCheckRange(comm, "-stz_cyclic_stress_pa", cfg->tr.cyclic_stress_pa, 0, 1e11);
  PetscCheck(!cfg->tr.cyclic_stress_control || !StzConfigHasProtocol(cfg, STZ_PROTO_CYCLIC) || cfg->tr.cyclic_stress_pa > 0, comm, PETSC_ERR_USER_INPUT,
             "option -stz_cyclic_stress_pa is needed by -stz_cyclic_control stress: the pure-shear stress amplitude in Pa (e.g. 0.5 x yield_stress_pa of a pure-shear run)");

  StzCheckRange(comm, "-stz_cycles", cfg->tr.cycles, 1, 100000);
  StzCheckRange(comm, "-stz_cyclic_frequency_hz", cfg->tr.cyclic_frequency_hz, 1e-9, 1e9);
  StzCheckRange(comm, "-stz_thermal_low_k", cfg->tr.thermal_low_k, 1e-3, 5000);
  StzCheckRangeWhy(comm, "-stz_thermal_high_k", cfg->tr.thermal_high_k, cfg->tr.thermal_low_k, 5000, "(at least -stz_thermal_low_k)");
  StzCheckRange(comm, "-stz_thermal_cycles", cfg->tr.thermal_cycles, 1, 100000);
  StzCheckRange(comm, "-stz_thermal_steps", cfg->tr.thermal_steps, 1, 10000);
  StzCheckRange(comm, "-stz_thermal_period_s", cfg->tr.thermal_period_s, 1e-9, 1e12);
  StzCheckRange(comm, "-stz_alpha_spread", cfg->tr.alpha_spread, 0, 1);
  StzCheckRange(comm, "-stz_dsc_start_k", cfg->tr.dsc_start_k, 0, 5000);
  StzCheckRange(comm, "-stz_dsc_end_k", cfg->tr.dsc_end_k, 0, 5000);
  StzCheckRange(comm, "-stz_dsc_rate_k_per_s", cfg->tr.dsc_rate_k_per_s, 1e-9, 1e12);
  StzCheckRange(comm, "-stz_dsc_step_k", cfg->tr.dsc_step_k, 1e-3, 100);
  if (cfg->seeds[0]) {
    PetscCheck(StzParseSeeds(cfg->seeds, &cfg->n_seeds, NULL), comm, PETSC_ERR_USER_INPUT,
               "option -stz_seeds = '%s': expected seeds >= 0 as a list of numbers and upward ranges (low-high), e.g. 1-16 or 1,5,9 or 1-4,10 (at most %d seeds)", cfg->seeds, STZ_MAX_SEEDS);
    PetscCheck(cfg->protocol != STZ_PROTO_SINGLE, comm, PETSC_ERR_USER_INPUT, "option -stz_seeds does not apply to -stz_protocol single-stz, which has nothing random");
    {
      /* Each seed writes into seed-<n>/: a repeated seed would overwrite its own outputs. */
      PetscInt *list, n = cfg->n_seeds;
      PetscCall(PetscMalloc1(n, &list));
      (void)StzParseSeeds(cfg->seeds, &n, list);
      PetscCall(PetscSortInt(n, list));
      for (PetscInt k = 1; k < n; k++)
        if (list[k] == list[k - 1]) {
          const PetscInt dup = list[k];
          PetscCall(PetscFree(list));
          SETERRQ(comm, PETSC_ERR_USER_INPUT, "option -stz_seeds = '%s' lists seed %d more than once", cfg->seeds, (int)dup);
        }
      PetscCall(PetscFree(list));
    }
  }
  /* The yield stress of the model depends on temperature, rate, size and state; no formula stands in for measuring it. */
  PetscCheck(!StzConfigHasProtocol(cfg, STZ_PROTO_CREEP) || cfg->tr.yield_stress_pa > 0 || cfg->tr.yield_measure, comm, PETSC_ERR_USER_INPUT,
             "option -stz_yield_stress_pa is needed by -stz_protocol creep (the creep stress is -stz_creep_stress_fraction times it): take yield_stress_pa "
             "from the summary.json of a pure-shear run at the same temperature, or give 'measure' to run that test first");
  /* An anneal without a structural state has nothing to change, and a scan nothing to measure. */
  PetscCheck(cfg->st.on || !StzConfigHasProtocol(cfg, STZ_PROTO_ANNEAL), comm, PETSC_ERR_USER_INPUT,
             "option -stz_protocol anneal (or a sequence with it) needs the structural state, but -stz_structure is false: set it true");
  PetscCheck(cfg->st.on || !StzConfigHasProtocol(cfg, STZ_PROTO_DSC), comm, PETSC_ERR_USER_INPUT,
             "option -stz_protocol dsc (or a sequence with it) needs the structural state, whose relaxation it measures, but -stz_structure is false: set it true");
  /* Defaults tied to the material's T_g. */
  cfg->st.p.tg_k                 = cfg->mat.glass_transition_k;
  cfg->st.p.attempt_frequency_hz = cfg->mat.attempt_frequency_hz;
  if (cfg->st.initial_anneal_k == 0) cfg->st.initial_anneal_k = 0.9 * cfg->st.p.tg_k;
  if (cfg->st.tf_flow_k == 0) cfg->st.tf_flow_k = 1.1 * cfg->st.p.tg_k;
  if (cfg->st.tf_reference_k == 0) cfg->st.tf_reference_k = cfg->st.p.tg_k;
  if (cfg->tr.anneal_temperature_k == 0) cfg->tr.anneal_temperature_k = 0.9 * cfg->st.p.tg_k;
  if (cfg->tr.creep_temperature_k == 0) cfg->tr.creep_temperature_k = cfg->temperature_k;
  if (cfg->tr.dsc_start_k == 0) cfg->tr.dsc_start_k = cfg->temperature_k;
  if (cfg->tr.dsc_end_k == 0) cfg->tr.dsc_end_k = 1.08 * cfg->st.p.tg_k;
  PetscCheck(!StzConfigHasProtocol(cfg, STZ_PROTO_DSC) || cfg->tr.dsc_end_k > cfg->tr.dsc_start_k, comm, PETSC_ERR_USER_INPUT,
             "option -stz_dsc_end_k = %g must be above the scan's start, %g K (-stz_dsc_start_k, or -stz_temperature_k): a scan heats", (double)cfg->tr.dsc_end_k, (double)cfg->tr.dsc_start_k);
  if (cfg->series_dstrain == 0) cfg->series_dstrain = cfg->protocol == STZ_PROTO_ROLLING ? cfg->roll.pass_strain / 100 : cfg->max_strain / 1000;
  if (cfg->av.gap_strain == 0) cfg->av.gap_strain = cfg->mat.gamma0 / (cfg->nx * cfg->ny);
  if (cfg->av.frame_dstrain == 0) cfg->av.frame_dstrain = cfg->max_strain / 100;
  if (cfg->av.frame_scale == 0) cfg->av.frame_scale = cfg->mat.gamma0;
  PetscFunctionReturn(0);
}

/* Checked when a run starts (StzSimRun), not when it is set up: frozen-load runs of a body through the library
 * (StzSimRunEvents, as in the tests and stzdyn-bench) take any protocol name and edge conditions. */
/* Options that are valid but do nothing in this run, where that could mislead (one note each on stderr, rank 0). */
PetscErrorCode StzConfigNotes(MPI_Comm comm, const StzConfig *cfg)
{
  const StzProtocolType P = cfg->protocol;
  const PetscBool maps = (PetscBool)(cfg->protocol == STZ_PROTO_PURE_SHEAR || cfg->protocol == STZ_PROTO_SIMPLE_SHEAR || cfg->protocol == STZ_PROTO_COMPRESSION || cfg->protocol == STZ_PROTO_TENSION ||
                                     cfg->protocol == STZ_PROTO_AQS || cfg->protocol == STZ_PROTO_SEQUENCE);
  const struct {
    const char *option;
    PetscBool   unused;
    const char *why;
  } notes[] = {
      {"-stz_sequence", (PetscBool)(cfg->protocol != STZ_PROTO_SEQUENCE), "is given but -stz_protocol is not sequence: no stages run (add -stz_protocol sequence)"},
      {"-stz_seed", (PetscBool)(cfg->n_seeds > 0), "is ignored: -stz_seeds runs the ensemble's seeds"},
      {"-stz_indent_cycle_load", (PetscBool)(cfg->in.cycles == 0), "is given but -stz_indent_cycles is 0: no pre-cycles run"},
      {"-stz_initial_anneal_k", (PetscBool)(!cfg->st.on || cfg->st.initial != STZ_INITIAL_ANNEALED), "applies only to -stz_initial_state annealed (with -stz_structure true)"},
      {"-stz_cooling_rate_k_per_s", (PetscBool)(!cfg->st.on || cfg->st.initial != STZ_INITIAL_AS_QUENCHED), "applies only to -stz_initial_state as-quenched (with -stz_structure true)"},
      {"-stz_map_strains", (PetscBool)!maps, "is given but this protocol writes only map_plastic_strain_final.png (maps at strains: loading tests, aqs and their sequence stages)"},
      {"-stz_temperature_k", (PetscBool)(P == STZ_PROTO_ANNEAL), "does not set the anneal's temperature: -stz_anneal_temperature_k does (default 0.9 T_g)"},
      {"-stz_temperature_k", (PetscBool)(P == STZ_PROTO_THERMAL_CYCLING), "does nothing here: the cycles run between -stz_thermal_low_k and -stz_thermal_high_k"},
      {"-stz_temperature_k", (PetscBool)(P == STZ_PROTO_AQS), "does nothing in aqs, which is athermal (T = 0)"},
      {"-stz_strain_rate", (PetscBool)(P == STZ_PROTO_ANNEAL || P == STZ_PROTO_CREEP || P == STZ_PROTO_THERMAL_CYCLING || P == STZ_PROTO_AQS || P == STZ_PROTO_DSC),
       "does nothing in this protocol (no imposed strain rate)"},
      {"-stz_strain_rate", (PetscBool)(P == STZ_PROTO_CYCLIC), "does nothing in cyclic: its rate follows -stz_cyclic_frequency_hz and the amplitude"},
      {"-stz_strain_rate", (PetscBool)(P == STZ_PROTO_INDENT), "does nothing in indent: the load ramps at -stz_indent_load_rate"},
      {"-stz_max_strain", (PetscBool)(P == STZ_PROTO_ANNEAL || P == STZ_PROTO_THERMAL_CYCLING || P == STZ_PROTO_CYCLIC || P == STZ_PROTO_INDENT || P == STZ_PROTO_DSC),
       "does nothing in this protocol (it ends by time, cycles, load or temperature)"},
      {"-stz_max_strain", (PetscBool)(P == STZ_PROTO_CREEP), "does nothing in creep: a runaway stops at -stz_creep_max_strain"},
      {"-stz_max_strain", (PetscBool)(P == STZ_PROTO_ROLLING), "does nothing in rolling: it makes -stz_rolling_passes passes of -stz_rolling_pass_strain each"},
      {"-stz_cyclic_stress_pa", (PetscBool)(StzConfigHasProtocol(cfg, STZ_PROTO_CYCLIC) && !cfg->tr.cyclic_stress_control),
       "does nothing under -stz_cyclic_control strain: the amplitude is -stz_cyclic_amplitude"},
      {"-stz_cyclic_amplitude", (PetscBool)(StzConfigHasProtocol(cfg, STZ_PROTO_CYCLIC) && cfg->tr.cyclic_stress_control),
       "does nothing under -stz_cyclic_control stress: the amplitude is -stz_cyclic_stress_pa"},
      {"-stz_strain_rate", (PetscBool)(P == STZ_PROTO_ROLL_GAP), "does nothing in roll-gap: the roll moves at -stz_rolling_roll_speed_m_per_s"},
      {"-stz_max_strain", (PetscBool)(P == STZ_PROTO_ROLL_GAP), "does nothing in roll-gap: it ends after -stz_rolling_passes"},
      {"-stz_series_dstrain", (PetscBool)(P == STZ_PROTO_ROLL_GAP), "does nothing in roll-gap: series.csv and roll.csv have a row per site of the roll's travel"},
      {"-stz_rolling_roll_radius_m", (PetscBool)!StzConfigHasProtocol(cfg, STZ_PROTO_ROLL_GAP), "applies only to -stz_protocol roll-gap (rolling presses the whole strip with a platen)"},
      {"-stz_rolling_roll_speed_m_per_s", (PetscBool)!StzConfigHasProtocol(cfg, STZ_PROTO_ROLL_GAP), "applies only to -stz_protocol roll-gap (rolling moves its platen at -stz_strain_rate)"},
      {"-stz_rolling_reverse", (PetscBool)!StzConfigHasProtocol(cfg, STZ_PROTO_ROLL_GAP), "applies only to -stz_protocol roll-gap"},
  };
  /* Options of one protocol's, or a few protocols', own: given to a run that has none of them (not even as a sequence stage),
   * they do nothing. (Those with a more specific note above are not repeated here.) */
#define STZ_P(p) (1u << (p))
  const unsigned loading = STZ_P(STZ_PROTO_PURE_SHEAR) | STZ_P(STZ_PROTO_SIMPLE_SHEAR) | STZ_P(STZ_PROTO_COMPRESSION) | STZ_P(STZ_PROTO_TENSION);
  const struct {
    const char *option;
    unsigned    protocols;
  } own[] = {
      {"-stz_aqs_loading", STZ_P(STZ_PROTO_AQS)},
      {"-stz_avalanche_gap_strain", loading | STZ_P(STZ_PROTO_AQS) | STZ_P(STZ_PROTO_ROLLING)},
      {"-stz_avalanche_bootstrap", loading | STZ_P(STZ_PROTO_AQS) | STZ_P(STZ_PROTO_ROLLING)},
      {"-stz_avalanche_bins", loading | STZ_P(STZ_PROTO_AQS) | STZ_P(STZ_PROTO_ROLLING)},
      {"-stz_frames", loading | STZ_P(STZ_PROTO_AQS) | STZ_P(STZ_PROTO_ROLLING)},
      {"-stz_frame_min_events", loading | STZ_P(STZ_PROTO_AQS) | STZ_P(STZ_PROTO_ROLLING)},
      {"-stz_frame_dstrain", loading | STZ_P(STZ_PROTO_AQS) | STZ_P(STZ_PROTO_ROLLING)},
      {"-stz_frame_scale", loading | STZ_P(STZ_PROTO_AQS) | STZ_P(STZ_PROTO_ROLLING)},
      {"-stz_max_frames", loading | STZ_P(STZ_PROTO_AQS) | STZ_P(STZ_PROTO_ROLLING)},
      {"-stz_single_theta_deg", STZ_P(STZ_PROTO_SINGLE)},
      {"-stz_indent_radius_m", STZ_P(STZ_PROTO_INDENT)},
      {"-stz_indent_load_rate", STZ_P(STZ_PROTO_INDENT)},
      {"-stz_indent_max_load", STZ_P(STZ_PROTO_INDENT)},
      {"-stz_indent_width_step", STZ_P(STZ_PROTO_INDENT)},
      {"-stz_popin_depth_m", STZ_P(STZ_PROTO_INDENT)},
      {"-stz_popin_load_window", STZ_P(STZ_PROTO_INDENT)},
      {"-stz_indent_max_popins", STZ_P(STZ_PROTO_INDENT)},
      {"-stz_indent_cycles", STZ_P(STZ_PROTO_INDENT)},
      {"-stz_indent_contact", STZ_P(STZ_PROTO_INDENT)},
      {"-stz_rolling_passes", STZ_P(STZ_PROTO_ROLLING) | STZ_P(STZ_PROTO_ROLL_GAP)},
      {"-stz_rolling_pass_strain", STZ_P(STZ_PROTO_ROLLING) | STZ_P(STZ_PROTO_ROLL_GAP)},
      {"-stz_hold_time_s", STZ_P(STZ_PROTO_ANNEAL) | STZ_P(STZ_PROTO_CREEP)},
      {"-stz_anneal_temperature_k", STZ_P(STZ_PROTO_ANNEAL)},
      {"-stz_creep_stress_fraction", STZ_P(STZ_PROTO_CREEP)},
      {"-stz_creep_temperature_k", STZ_P(STZ_PROTO_CREEP)},
      {"-stz_creep_max_strain", STZ_P(STZ_PROTO_CREEP)},
      {"-stz_yield_stress_pa", STZ_P(STZ_PROTO_CREEP)},
      {"-stz_cyclic_control", STZ_P(STZ_PROTO_CYCLIC)},
      {"-stz_cyclic_amplitude", STZ_P(STZ_PROTO_CYCLIC)},
      {"-stz_cyclic_stress_pa", STZ_P(STZ_PROTO_CYCLIC)},
      {"-stz_cycles", STZ_P(STZ_PROTO_CYCLIC)},
      {"-stz_cyclic_frequency_hz", STZ_P(STZ_PROTO_CYCLIC)},
      {"-stz_thermal_low_k", STZ_P(STZ_PROTO_THERMAL_CYCLING)},
      {"-stz_thermal_high_k", STZ_P(STZ_PROTO_THERMAL_CYCLING)},
      {"-stz_thermal_cycles", STZ_P(STZ_PROTO_THERMAL_CYCLING)},
      {"-stz_thermal_steps", STZ_P(STZ_PROTO_THERMAL_CYCLING)},
      {"-stz_thermal_period_s", STZ_P(STZ_PROTO_THERMAL_CYCLING)},
      {"-stz_alpha_spread", STZ_P(STZ_PROTO_THERMAL_CYCLING)},
      {"-stz_dsc_start_k", STZ_P(STZ_PROTO_DSC)},
      {"-stz_dsc_end_k", STZ_P(STZ_PROTO_DSC)},
      {"-stz_dsc_rate_k_per_s", STZ_P(STZ_PROTO_DSC)},
      {"-stz_dsc_step_k", STZ_P(STZ_PROTO_DSC)},
  };
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank || cfg->quiet) PetscFunctionReturn(0);
  for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++) {
    PetscBool set;
    if (!notes[i].unused) continue;
    PetscCall(PetscOptionsHasName(NULL, NULL, notes[i].option, &set));
    if (set) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: note: option %s %s\n", notes[i].option, notes[i].why));
  }
  for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
    PetscBool set, used = PETSC_FALSE;
    char      list[256] = "";
    for (int p = 0; p < STZ_PROTO_COUNT; p++) {
      if (!(own[i].protocols & STZ_P(p))) continue;
      if (StzConfigHasProtocol(cfg, (StzProtocolType)p)) used = PETSC_TRUE;
      if (list[0]) PetscCall(PetscStrlcat(list, ", ", sizeof(list)));
      PetscCall(PetscStrlcat(list, StzProtocolNames[p], sizeof(list)));
    }
    if (used) continue;
    PetscCall(PetscOptionsHasName(NULL, NULL, own[i].option, &set));
    if (set) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: note: option %s does nothing in this run: it belongs to %s\n", own[i].option, list));
  }
#undef STZ_P
  if (P == STZ_PROTO_DSC || (P == STZ_PROTO_SEQUENCE && cfg->tr.n_stages > 0 && cfg->tr.stages[0] == STZ_PROTO_DSC)) {
    PetscBool t_set, start_set;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-stz_temperature_k", &t_set));
    PetscCall(PetscOptionsHasName(NULL, NULL, "-stz_dsc_start_k", &start_set));
    if (t_set && start_set) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: note: option -stz_temperature_k does not start the scan: -stz_dsc_start_k does\n"));
  }
  {
    PetscBool engine_set;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-stz_engine", &engine_set));
    if (!engine_set && cfg->geometry == STZ_GEOM_BLOCK && cfg->engine == STZ_ENGINE_FACTOR) {
      /* The fixed threshold keeps the engine, and so the round-off, the same on every machine; the user may know better. */
      const PetscReal N = (PetscReal)(cfg->nx * cfg->ny), modes = cfg->n_orient + (cfg->dilatation != 0) + StzConfigHasProtocol(cfg, STZ_PROTO_THERMAL_CYCLING);
      PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr,
                             "stzdyn: note: a block of more than 64 x 64 sites whose sides are not both free uses the factor engine, tens of times slower per event than slab-kernel (36 times for 32 "
                             "x 32 in scripts/bench), whose "
                             "per-site kernels would "
                             "hold %.3g GB here; -stz_engine slab-kernel uses them if the machine has the memory (a block with free sides gets cut-kernel)\n",
                             (double)(3 * modes * N * N * 8 / 1e9)));
    }
  }
  {
    PetscMPIInt size;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    /* A single run is serial and set up on rank 0 alone (StzSimCreate), so that it gives the same result on any number of ranks. */
    if (size > 1 && cfg->n_seeds == 0)
      PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: note: a single run uses one MPI rank: rank%s 1%s%.0d %s idle (an ensemble, -stz_seeds, shares its seeds among the ranks)\n",
                             size > 2 ? "s" : "", size > 2 ? "-" : "", size > 2 ? (int)size - 1 : 0, size > 2 ? "are" : "is"));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode StzConfigCheckLoading(MPI_Comm comm, const StzConfig *cfg)
{
  PetscFunctionBeginUser;
  /* Loading a body (slab, block): compression or tension through its top edge, the platen, moving at the strain rate. Its
   * response is uniform with roller platens and free, roller or periodic sides (added as the uniform stress S), and otherwise
   * (sticking platens, fixed sides) added site by site, with the rates' unequal growth handled by thinning (docs/model.md 7,
   * "Bodies"). Edge loads must be zero: the platen is the load. Treatments and aqs load a box's mean stress. */
  /* A sequence on a body: anneals, thermal cycles and heating scans (no load) and roll gaps, then an indentation. */
  if (cfg->geometry != STZ_GEOM_PERIODIC && cfg->protocol == STZ_PROTO_SEQUENCE) {
    for (PetscInt k = 0; k < cfg->tr.n_stages; k++)
      PetscCheck(cfg->tr.stages[k] == STZ_PROTO_ANNEAL || cfg->tr.stages[k] == STZ_PROTO_THERMAL_CYCLING || cfg->tr.stages[k] == STZ_PROTO_DSC || cfg->tr.stages[k] == STZ_PROTO_INDENT ||
                     cfg->tr.stages[k] == STZ_PROTO_ROLL_GAP,
                 comm, PETSC_ERR_USER_INPUT,
                 "option -stz_sequence: stage %d = %s needs -stz_geometry periodic (it is %s): a sequence on a slab or block takes anneal, thermal-cycling, dsc and roll-gap (a block) "
                 "stages and a last indent stage",
                 (int)k + 1, StzProtocolNames[cfg->tr.stages[k]], StzGeometryNames[cfg->geometry]);
  }
  /* The load-free treatments on a body (alone or as stages): no edge loads either, or they would run loaded. */
  if (cfg->geometry != STZ_GEOM_PERIODIC &&
      (cfg->protocol == STZ_PROTO_ANNEAL || cfg->protocol == STZ_PROTO_THERMAL_CYCLING || cfg->protocol == STZ_PROTO_DSC || cfg->protocol == STZ_PROTO_SEQUENCE)) {
    for (int e = 0; e < 4; e++)
      PetscCheck(cfg->bc[e] == STZ_BC_PERIODIC || (cfg->bc_value[e][0] == 0 && cfg->bc_value[e][1] == 0), comm, PETSC_ERR_USER_INPUT,
                 "option -stz_protocol = %s on -stz_geometry %s is load-free: -stz_bc_%s_value must be zero (it is %g, %g)", StzProtocolNames[cfg->protocol], StzGeometryNames[cfg->geometry],
                 StzEdgeNames[e], (double)cfg->bc_value[e][0], (double)cfg->bc_value[e][1]);
  }
  /* A roll gap: a rigid roll on the free top edge of a block (a strip with ends, which it enters and leaves, and which may
   * lengthen), whose bottom is supported (roller: the mid-plane of a strip between two rolls). */
  if (StzConfigHasProtocol(cfg, STZ_PROTO_ROLL_GAP)) {
    PetscCheck(cfg->geometry == STZ_GEOM_BLOCK, comm, PETSC_ERR_USER_INPUT,
               "option -stz_protocol = %s%s needs -stz_geometry block (it is %s): the roll enters the strip at its left end and leaves it at its right end", StzProtocolNames[cfg->protocol],
               cfg->protocol == STZ_PROTO_SEQUENCE ? " with a roll-gap stage" : "", StzGeometryNames[cfg->geometry]);
    PetscCheck(cfg->bc[STZ_EDGE_TOP] == STZ_BC_FREE, comm, PETSC_ERR_USER_INPUT, "option -stz_protocol = roll-gap presses the roll on the top edge: -stz_bc_top must be free, not %s",
               StzBCTypes[cfg->bc[STZ_EDGE_TOP]]);
    PetscCheck(cfg->bc[STZ_EDGE_BOTTOM] == STZ_BC_FIXED || cfg->bc[STZ_EDGE_BOTTOM] == STZ_BC_ROLLER || cfg->bc[STZ_EDGE_BOTTOM] == STZ_BC_DISPLACEMENT, comm, PETSC_ERR_USER_INPUT,
               "option -stz_protocol = roll-gap needs a supported bottom edge (-stz_bc_bottom roller: the mid-plane of a strip between two rolls; fixed or displacement: a strip on an anvil), "
               "not %s",
               StzBCTypes[cfg->bc[STZ_EDGE_BOTTOM]]);
    for (int e = 0; e < 4; e++)
      PetscCheck(cfg->bc_value[e][0] == 0 && cfg->bc_value[e][1] == 0, comm, PETSC_ERR_USER_INPUT,
                 "option -stz_protocol = roll-gap loads the strip through the roll only: -stz_bc_%s_value must be zero (it is %g, %g)", StzEdgeNames[e], (double)cfg->bc_value[e][0],
                 (double)cfg->bc_value[e][1]);
  }
  /* Indentation: a rigid cylinder on the free top edge of a slab or block whose bottom is supported; the other edges are
   * unloaded. */
  if (StzConfigHasProtocol(cfg, STZ_PROTO_INDENT)) {
    PetscCheck(cfg->geometry != STZ_GEOM_PERIODIC, comm, PETSC_ERR_USER_INPUT, "option -stz_protocol = %s needs a free surface for its indentation: -stz_geometry slab or block (it is periodic)",
               StzProtocolNames[cfg->protocol]);
    PetscCheck(cfg->bc[STZ_EDGE_TOP] == STZ_BC_FREE, comm, PETSC_ERR_USER_INPUT, "option -stz_protocol = indent presses on the top edge: -stz_bc_top must be free, not %s",
               StzBCTypes[cfg->bc[STZ_EDGE_TOP]]);
    PetscCheck(cfg->bc[STZ_EDGE_BOTTOM] == STZ_BC_FIXED || cfg->bc[STZ_EDGE_BOTTOM] == STZ_BC_ROLLER || cfg->bc[STZ_EDGE_BOTTOM] == STZ_BC_DISPLACEMENT, comm, PETSC_ERR_USER_INPUT,
               "option -stz_protocol = indent needs a supported bottom edge (-stz_bc_bottom fixed, roller or displacement), not %s", StzBCTypes[cfg->bc[STZ_EDGE_BOTTOM]]);
    for (int e = 0; e < 4; e++)
      PetscCheck(cfg->bc[e] == STZ_BC_PERIODIC || (cfg->bc_value[e][0] == 0 && cfg->bc_value[e][1] == 0), comm, PETSC_ERR_USER_INPUT,
                 "option -stz_protocol = indent loads the body through the indenter only: -stz_bc_%s_value must be zero (it is %g, %g)", StzEdgeNames[e], (double)cfg->bc_value[e][0],
                 (double)cfg->bc_value[e][1]);
    PetscFunctionReturn(0);
  }
  /* A roll gap, the load-free treatments (anneal, thermal cycling, a heating scan) or a sequence on a body (its stages checked
   * above) have no platen to check. (Until the twelfth session these were refused here, alone and in a sequence without an
   * indentation, e.g. anneal,dsc, though the same stages ran on bodies before an indentation.) */
  if (cfg->geometry != STZ_GEOM_PERIODIC && cfg->protocol != STZ_PROTO_SINGLE && cfg->protocol != STZ_PROTO_SEQUENCE && cfg->protocol != STZ_PROTO_ROLL_GAP && cfg->protocol != STZ_PROTO_ANNEAL &&
      cfg->protocol != STZ_PROTO_THERMAL_CYCLING && cfg->protocol != STZ_PROTO_DSC) {
    PetscCheck(cfg->protocol == STZ_PROTO_COMPRESSION || cfg->protocol == STZ_PROTO_TENSION || cfg->protocol == STZ_PROTO_ROLLING, comm, PETSC_ERR_USER_INPUT,
               "option -stz_protocol = %s needs -stz_geometry periodic (it is %s): a slab or block takes compression, tension or rolling (through its top edge), indent, anneal, "
               "thermal-cycling, dsc, sequences of these, single-stz, and on a block roll-gap",
               StzProtocolNames[cfg->protocol], StzGeometryNames[cfg->geometry]);
    PetscCheck(cfg->bc[STZ_EDGE_TOP] == STZ_BC_ROLLER || cfg->bc[STZ_EDGE_TOP] == STZ_BC_DISPLACEMENT, comm, PETSC_ERR_USER_INPUT,
               "option -stz_protocol = %s on -stz_geometry %s moves the top edge: -stz_bc_top must be roller (a frictionless platen) or displacement (a sticking one), not %s",
               StzProtocolNames[cfg->protocol], StzGeometryNames[cfg->geometry], StzBCTypes[cfg->bc[STZ_EDGE_TOP]]);
    PetscCheck(cfg->bc[STZ_EDGE_BOTTOM] != STZ_BC_FREE && cfg->bc[STZ_EDGE_BOTTOM] != STZ_BC_TRACTION, comm, PETSC_ERR_USER_INPUT,
               "option -stz_protocol = %s on -stz_geometry %s needs a supported bottom edge (-stz_bc_bottom roller, fixed or displacement), not %s", StzProtocolNames[cfg->protocol],
               StzGeometryNames[cfg->geometry], StzBCTypes[cfg->bc[STZ_EDGE_BOTTOM]]);
    for (int e = 0; e < 4; e++)
      PetscCheck(cfg->bc[e] == STZ_BC_PERIODIC || (cfg->bc_value[e][0] == 0 && cfg->bc_value[e][1] == 0), comm, PETSC_ERR_USER_INPUT,
                 "option -stz_protocol = %s on -stz_geometry %s loads the body through its top edge only: -stz_bc_%s_value must be zero (it is %g, %g)", StzProtocolNames[cfg->protocol],
                 StzGeometryNames[cfg->geometry], StzEdgeNames[e], (double)cfg->bc_value[e][0], (double)cfg->bc_value[e][1]);
  }
  PetscFunctionReturn(0);
}

PetscBool StzBodyPlatenUniform(const StzConfig *cfg)
{
  for (int e = STZ_EDGE_LEFT; e <= STZ_EDGE_RIGHT; e++)
    if (cfg->bc[e] != STZ_BC_PERIODIC && cfg->bc[e] != STZ_BC_FREE && cfg->bc[e] != STZ_BC_ROLLER) return PETSC_FALSE;
  return (PetscBool)(cfg->bc[STZ_EDGE_BOTTOM] == STZ_BC_ROLLER && cfg->bc[STZ_EDGE_TOP] == STZ_BC_ROLLER);
}

void StzPlatenEdge(const StzConfig *c, StzFEGeometry *g, PetscReal eyy)
{
  const PetscReal d = eyy * c->ny * c->site_size_m;
  if (g->bc[STZ_EDGE_TOP] == STZ_BC_ROLLER) g->bc_value[STZ_EDGE_TOP][0] = d;
  else g->bc_value[STZ_EDGE_TOP][0] = 0, g->bc_value[STZ_EDGE_TOP][1] = d;
}

void StzBodyPlatenStress(const StzConfig *cfg, PetscReal su[3])
{
  const PetscReal mu = cfg->mat.shear_modulus_pa, nu = cfg->mat.poisson_ratio, lambda = 2 * mu * nu / (1 - 2 * nu);
  const PetscBool held = (PetscBool)(cfg->bc[STZ_EDGE_LEFT] != STZ_BC_FREE && cfg->bc[STZ_EDGE_RIGHT] != STZ_BC_FREE);
  su[0]                = held ? lambda : 0;
  su[1]                = held ? lambda + 2 * mu : 2 * mu / (1 - nu);
  su[2]                = 0;
}

PetscBool StzConfigCutKernelApplies(const StzConfig *cfg)
{
  return (PetscBool)(cfg->geometry == STZ_GEOM_BLOCK && cfg->bc[STZ_EDGE_LEFT] == STZ_BC_FREE && cfg->bc[STZ_EDGE_RIGHT] == STZ_BC_FREE);
}

PetscBool StzConfigHasProtocol(const StzConfig *cfg, StzProtocolType p)
{
  if (cfg->protocol == p) return PETSC_TRUE;
  if (cfg->protocol != STZ_PROTO_SEQUENCE) return PETSC_FALSE;
  for (PetscInt k = 0; k < cfg->tr.n_stages; k++)
    if (cfg->tr.stages[k] == p) return PETSC_TRUE;
  return PETSC_FALSE;
}

void StzWriteJSONString(FILE *fp, const char *str)
{
  fputc('"', fp);
  for (const unsigned char *q = (const unsigned char *)str; *q; q++) {
    if (*q == '"' || *q == '\\') fprintf(fp, "\\%c", *q);
    else if (*q < 0x20) fprintf(fp, "\\u%04x", (unsigned)*q);
    else fputc(*q, fp);
  }
  fputc('"', fp);
}

/* The full option set as a JSON object, so summary.json can reproduce the run. */
PetscErrorCode StzConfigWriteJSON(const StzConfig *c, FILE *fp, const char *ind)
{
  PetscFunctionBeginUser;
  fprintf(fp, "{\n");
  fprintf(fp, "%s  \"stz_material\": ", ind);
  StzWriteJSONString(fp, c->material_name);
  fprintf(fp, ",\n");
  fprintf(fp, "%s  \"stz_shear_modulus_pa\": %.10g,\n%s  \"stz_poisson_ratio\": %.10g,\n", ind, (double)c->mat.shear_modulus_pa, ind, (double)c->mat.poisson_ratio);
  fprintf(fp, "%s  \"stz_gamma0\": %.10g,\n%s  \"stz_volume_m3\": %.10g,\n%s  \"stz_beta\": %.10g,\n", ind, (double)c->mat.gamma0, ind, (double)c->mat.stz_volume_m3, ind,
          (double)c->mat.dilatancy_beta);
  fprintf(fp, "%s  \"stz_tau_hat_over_mu\": %.10g,\n%s  \"stz_attempt_frequency_hz\": %.10g,\n", ind, (double)c->mat.tau_hat_over_mu, ind, (double)c->mat.attempt_frequency_hz);
  fprintf(fp, "%s  \"stz_nx\": %d,\n%s  \"stz_ny\": %d,\n%s  \"stz_site_elems\": %d,\n%s  \"stz_site_size_m\": %.10g,\n", ind, (int)c->nx, ind, (int)c->ny, ind, (int)c->site_elems, ind,
          (double)c->site_size_m);
  fprintf(fp, "%s  \"stz_n_orient\": %d,\n%s  \"stz_seed\": %lld,\n%s  \"stz_temperature_k\": %.10g,\n", ind, (int)c->n_orient, ind, (long long)c->seed, ind, (double)c->temperature_k);
  fprintf(fp, "%s  \"stz_barrier_spread\": %.10g,\n%s  \"stz_dilatation\": %.10g,\n", ind, (double)c->barrier_spread, ind, (double)c->dilatation);
  fprintf(fp, "%s  \"stz_protocol\": \"%s\",\n%s  \"stz_engine\": \"%s\",\n", ind, StzProtocolNames[c->protocol], ind, StzEngineNames[c->engine]);
  fprintf(fp, "%s  \"stz_geometry\": \"%s\",\n", ind, StzGeometryNames[c->geometry]);
  for (int e = 0; e < 4; e++) {
    if (c->bc[e] == STZ_BC_PERIODIC) continue;
    fprintf(fp, "%s  \"stz_bc_%s\": \"%s\",\n%s  \"stz_bc_%s_value\": [%.10g, %.10g],\n", ind, StzEdgeNames[e], StzBCTypes[c->bc[e]], ind, StzEdgeNames[e], (double)c->bc_value[e][0],
            (double)c->bc_value[e][1]);
  }
  fprintf(fp, "%s  \"stz_strain_rate\": %.10g,\n%s  \"stz_max_strain\": %.10g,\n%s  \"stz_series_dstrain\": %.10g,\n", ind, (double)c->strain_rate, ind, (double)c->max_strain, ind,
          (double)c->series_dstrain);
  fprintf(fp, "%s  \"stz_max_events\": %d,\n%s  \"stz_single_theta_deg\": %.10g,\n", ind, (int)c->max_events, ind, (double)c->single_theta_deg);
  fprintf(fp, "%s  \"stz_map_strains\": [", ind);
  for (PetscInt k = 0; k < c->n_maps; k++) fprintf(fp, "%s%.10g", k ? ", " : "", (double)c->map_strains[k]);
  fprintf(fp, "],\n");
  fprintf(fp, "%s  \"stz_aqs_loading\": \"%s\",\n%s  \"stz_avalanche_gap_strain\": %.10g,\n", ind, StzProtocolNames[c->av.aqs_loading], ind, (double)c->av.gap_strain);
  fprintf(fp, "%s  \"stz_avalanche_bootstrap\": %d,\n%s  \"stz_avalanche_bins\": %d,\n", ind, (int)c->av.bootstrap, ind, (int)c->av.bins);
  fprintf(fp, "%s  \"stz_frames\": \"%s\",\n%s  \"stz_frame_min_events\": %d,\n%s  \"stz_frame_dstrain\": %.10g,\n", ind, StzFramesNames[c->av.frames], ind, (int)c->av.frame_min_events, ind,
          (double)c->av.frame_dstrain);
  fprintf(fp, "%s  \"stz_frame_scale\": %.10g,\n%s  \"stz_max_frames\": %d,\n", ind, (double)c->av.frame_scale, ind, (int)c->av.max_frames);
  fprintf(fp, "%s  \"stz_flicker_limit\": %d,\n%s  \"stz_renew_disorder\": %s,\n", ind, (int)c->flicker_limit, ind, c->renew_disorder ? "true" : "false");
  fprintf(fp, "%s  \"stz_structure\": %s,\n%s  \"stz_initial_state\": \"%s\",\n%s  \"stz_cooling_rate_k_per_s\": %.10g,\n%s  \"stz_initial_anneal_k\": %.10g,\n", ind, c->st.on ? "true" : "false", ind,
          StzInitialStateNames[c->st.initial], ind, (double)c->st.cooling_rate_k_per_s, ind, (double)c->st.initial_anneal_k);
  fprintf(fp, "%s  \"stz_tf_spread\": %.10g,\n%s  \"stz_tf_flow_k\": %.10g,\n%s  \"stz_tf_flow_spread\": %.10g,\n%s  \"stz_barrier_tf_sensitivity\": %.10g,\n", ind, (double)c->st.tf_spread, ind,
          (double)c->st.tf_flow_k, ind, (double)c->st.tf_flow_spread, ind, (double)c->st.p.kappa);
  fprintf(fp, "%s  \"stz_relax_time_at_tg_s\": %.10g,\n%s  \"stz_relax_step\": %.10g,\n%s  \"stz_renewal_strain\": %.10g,\n%s  \"stz_tf_reference_k\": %.10g,\n", ind,
          (double)c->st.p.relax_time_at_tg_s, ind, (double)c->st.relax_step, ind, (double)c->st.renewal_strain, ind, (double)c->st.tf_reference_k);
  fprintf(fp, "%s  \"stz_hold_time_s\": %.10g,\n%s  \"stz_anneal_temperature_k\": %.10g,\n%s  \"stz_creep_stress_fraction\": %.10g,\n%s  \"stz_yield_stress_pa\": %.10g,\n", ind,
          (double)c->tr.hold_time_s, ind, (double)c->tr.anneal_temperature_k, ind, (double)c->tr.creep_stress_fraction, ind, (double)c->tr.yield_stress_pa);
  fprintf(fp, "%s  \"stz_creep_temperature_k\": %.10g,\n%s  \"stz_creep_max_strain\": %.10g,\n", ind, (double)c->tr.creep_temperature_k, ind, (double)c->tr.creep_max_strain);
  fprintf(fp, "%s  \"stz_indent_radius_m\": %.10g,\n%s  \"stz_indent_load_rate\": %.10g,\n%s  \"stz_indent_max_load\": %.10g,\n%s  \"stz_indent_width_step\": %.10g,\n", ind, (double)c->in.radius_m,
          ind, (double)c->in.load_rate, ind, (double)c->in.max_load, ind, (double)c->in.width_step);
  fprintf(fp, "%s  \"stz_popin_depth_m\": %.10g,\n%s  \"stz_popin_load_window\": %.10g,\n%s  \"stz_indent_max_popins\": %d,\n", ind, (double)c->in.popin_depth_m, ind, (double)c->in.popin_load_window,
          ind, (int)c->in.max_popins);
  fprintf(fp, "%s  \"stz_indent_cycles\": %d,\n%s  \"stz_indent_cycle_load\": %.10g,\n%s  \"stz_indent_contact\": %s,\n", ind, (int)c->in.cycles, ind, (double)c->in.cycle_load, ind,
          c->in.contact ? "true" : "false");
  fprintf(fp, "%s  \"stz_rolling_passes\": %d,\n%s  \"stz_rolling_pass_strain\": %.10g,\n%s  \"stz_rolling_roll_radius_m\": %.10g,\n%s  \"stz_rolling_roll_speed_m_per_s\": %.10g,\n", ind,
          (int)c->roll.passes, ind, (double)c->roll.pass_strain, ind, (double)c->roll.radius_m, ind, (double)c->roll.speed_m_per_s);
  fprintf(fp, "%s  \"stz_rolling_reverse\": %s,\n", ind, c->roll.reverse ? "true" : "false");
  fprintf(fp, "%s  \"stz_cyclic_control\": \"%s\",\n", ind, c->tr.cyclic_stress_control ? "stress" : "strain");
  fprintf(fp, "%s  \"stz_cyclic_amplitude\": %.10g,\n%s  \"stz_cyclic_stress_pa\": %.10g,\n%s  \"stz_cycles\": %d,\n%s  \"stz_cyclic_frequency_hz\": %.10g,\n", ind, (double)c->tr.cyclic_amplitude,
          ind, (double)c->tr.cyclic_stress_pa, ind, (int)c->tr.cycles, ind, (double)c->tr.cyclic_frequency_hz);
  fprintf(fp, "%s  \"stz_thermal_low_k\": %.10g,\n%s  \"stz_thermal_high_k\": %.10g,\n%s  \"stz_thermal_cycles\": %d,\n%s  \"stz_thermal_steps\": %d,\n", ind, (double)c->tr.thermal_low_k, ind,
          (double)c->tr.thermal_high_k, ind, (int)c->tr.thermal_cycles, ind, (int)c->tr.thermal_steps);
  fprintf(fp, "%s  \"stz_thermal_period_s\": %.10g,\n%s  \"stz_alpha_spread\": %.10g,\n", ind, (double)c->tr.thermal_period_s, ind, (double)c->tr.alpha_spread);
  fprintf(fp, "%s  \"stz_dsc_start_k\": %.10g,\n%s  \"stz_dsc_end_k\": %.10g,\n%s  \"stz_dsc_rate_k_per_s\": %.10g,\n%s  \"stz_dsc_step_k\": %.10g,\n%s  \"stz_sequence\": [", ind,
          (double)c->tr.dsc_start_k, ind, (double)c->tr.dsc_end_k, ind, (double)c->tr.dsc_rate_k_per_s, ind, (double)c->tr.dsc_step_k, ind);
  for (PetscInt k = 0; k < c->tr.n_stages; k++) fprintf(fp, "%s\"%s\"", k ? ", " : "", StzProtocolNames[c->tr.stages[k]]);
  fprintf(fp, "],\n%s  \"stz_output_dir\": ", ind);
  StzWriteJSONString(fp, c->output_dir);
  fprintf(fp, ",\n%s  \"stz_seeds\": ", ind);
  StzWriteJSONString(fp, c->seeds);
  {
    /* Everything PETSc was given (command line, options file, environment), -elas_ solver options included, as one string. */
    char *all;
    PetscCall(PetscOptionsGetAll(NULL, &all));
    fprintf(fp, ",\n%s  \"petsc_options\": ", ind);
    StzWriteJSONString(fp, all);
    PetscCall(PetscFree(all));
  }
  fprintf(fp, ",\n%s  \"stz_fields_csv\": %s,\n%s  \"stz_fields_vtk\": %s\n%s}", ind, c->fields_csv ? "true" : "false", ind, c->fields_vtk ? "true" : "false", ind);
  PetscFunctionReturn(0);
}
