/* Runs derived from a run's own options: the option replacement used by the creep's yield test (lib/treat.c), and ensembles
 * (-stz_seeds): the same scenario for many seeds, spread over MPI ranks, with a table of each seed's results and their
 * statistics (docs/outputs.md, "ensemble.csv"). Distributions over seeds are what pop-in and yield statistics are made of. */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
  #include <omp.h>
#endif
#include "impl.h"
#include <stzdyn/nucleation.h>

PetscBool StzParseSeeds(const char spec[], PetscInt *n, PetscInt list[])
{
  const char *p     = spec;
  PetscInt    count = 0;

  if (!spec || !*spec) return PETSC_FALSE;
  while (*p) {
    char     *end;
    long long a = strtoll(p, &end, 10), b;
    if (end == p || a < 0 || a > PETSC_MAX_INT) return PETSC_FALSE;
    b = a;
    p = end;
    if (*p == '-') {
      const char *q = p + 1;
      b             = strtoll(q, &end, 10);
      if (end == q || b < a || b > PETSC_MAX_INT) return PETSC_FALSE;
      p = end;
    }
    if (*p && *p != ',') return PETSC_FALSE;
    if (*p == ',' && !p[1]) return PETSC_FALSE; /* a trailing comma */
    if (*p == ',') p++;
    if (b - a + 1 > STZ_MAX_SEEDS - count) return PETSC_FALSE;
    for (long long s = a; s <= b; s++) {
      if (list) list[count] = (PetscInt)s;
      count++;
    }
  }
  *n = count;
  return PETSC_TRUE;
}

struct StzOptionsSaved_private {
  PetscInt           n;
  const char *const *names;
  char             **value; /* the old value ("" for a flag without one), NULL where the option was not set */
};

PetscErrorCode StzOptionsReplace(PetscInt n, const char *const names[], const char *const values[], StzOptionsSaved *saved)
{
  StzOptionsSaved s;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&s));
  s->n     = n;
  s->names = names;
  PetscCall(PetscCalloc1(n, &s->value));
  for (PetscInt q = 0; q < n; q++) {
    const char *old;
    PetscBool   set;
    PetscCall(PetscOptionsFindPair(NULL, NULL, names[q], &old, &set));
    if (set) PetscCall(PetscStrallocpy(old ? old : "", &s->value[q]));
    if (values[q]) PetscCall(PetscOptionsSetValue(NULL, names[q], values[q]));
    else PetscCall(PetscOptionsClearValue(NULL, names[q]));
  }
  *saved = s;
  PetscFunctionReturn(0);
}

PetscErrorCode StzOptionsRestore(StzOptionsSaved *saved)
{
  StzOptionsSaved s = *saved;

  PetscFunctionBeginUser;
  if (!s) PetscFunctionReturn(0);
  for (PetscInt q = 0; q < s->n; q++) {
    if (s->value[q]) PetscCall(PetscOptionsSetValue(NULL, s->names[q], s->value[q][0] ? s->value[q] : NULL));
    else PetscCall(PetscOptionsClearValue(NULL, s->names[q]));
    PetscCall(PetscFree(s->value[q]));
  }
  PetscCall(PetscFree(s->value));
  PetscCall(PetscFree(*saved));
  PetscFunctionReturn(0);
}

/* The columns of ensemble.csv after `seed` (docs/outputs.md). Loading results are those of the run's loading test (in a
 * sequence, its last one); they are empty for a run without one. */
enum {
  COL_EVENTS,
  COL_WALL,
  COL_PEAK,
  COL_YIELD,
  COL_YIELD_STRAIN,
  COL_FLOW,
  COL_LOC,
  COL_ANGLE,
  COL_BANDS,
  COL_AVAL,
  COL_E0,
  COL_E1,
  COL_TF1,
  COL_TSTRAIN,
  COL_TPLASTIC,
  COL_TSTOP,
  COL_TDISS,
  COL_POPINS,
  COL_POPIN_LOAD,
  COL_POPIN_SHEAR,
  COL_ROLL_PRESSURE,
  COL_ROLL_THINNING,
  COL_ROLL_SPACING,
  COL_ROLL_REGULARITY,
  COL_ROLL_PVALUE,
  COL_LOADING,
  COL_TREAT,
  COL_INDENT,
  COL_FINAL_LOAD, /* an indentation's last load (N/m): where a seed without a pop-in is censored (not in ensemble.csv) */
  COL_ROLL,       /* 1 for a roll gap */
  NCOL
};
static const char *const col_names[] = {"events",
                                        "wall_time_s",
                                        "peak_stress_pa",
                                        "yield_stress_pa",
                                        "yield_strain",
                                        "flow_stress_pa",
                                        "localization_index",
                                        "band_angle_deg",
                                        "band_count",
                                        "avalanche_count",
                                        "stored_energy_j_per_gatom_initial",
                                        "stored_energy_j_per_gatom_final",
                                        "mean_fictive_temperature_k_final",
                                        "treatment_strain",
                                        "treatment_plastic_strain",
                                        "treatment_stopped_at_max_strain",
                                        "last_cycle_dissipated_work_j_per_gatom",
                                        "popin_count",
                                        "first_popin_load_n_per_m",
                                        "first_popin_hertz_max_shear_pa",
                                        "roll_mean_pressure_pa",
                                        "thickness_reduction",
                                        "band_spacing_rd_m",
                                        "band_regularity",
                                        "band_spacing_p_value"};

/* Does the run include a loading test, whose StzSimResult is meaningful? */
static PetscBool StzHasLoading(const StzConfig *c)
{
  if (c->protocol == STZ_PROTO_SEQUENCE) {
    for (PetscInt s = 0; s < c->tr.n_stages; s++)
      if (c->tr.stages[s] <= STZ_PROTO_TENSION) return PETSC_TRUE;
    return PETSC_FALSE;
  }
  return (PetscBool)(c->protocol <= STZ_PROTO_TENSION || c->protocol == STZ_PROTO_AQS || c->protocol == STZ_PROTO_ROLLING);
}

/* One member: the run's options with -stz_seed and -stz_output_dir replaced (and -stz_seeds removed), on this rank alone. */
static PetscErrorCode StzRunMember(const StzConfig *c, PetscInt seed, PetscInt threads, PetscReal row[NCOL])
{
  const char *const names[] = {"-stz_seeds", "-stz_seed", "-stz_output_dir", "-stz_quiet", "-stz_threads"};
  char              sseed[32], dir[PETSC_MAX_PATH_LEN], sthreads[32];
  const char *const values[] = {NULL, sseed, dir, "true", threads > 0 ? sthreads : NULL};
  StzOptionsSaved   saved;
  StzSim            m = NULL;
  StzEnergy         e0, e1;
  StzSimResult      r;
  PetscLogDouble    t0, t1;
  PetscInt64        events;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(sseed, sizeof(sseed), "%d", (int)seed));
  PetscCall(PetscSNPrintf(dir, sizeof(dir), "%s/seed-%d", c->output_dir, (int)seed));
  PetscCall(PetscSNPrintf(sthreads, sizeof(sthreads), "%d", (int)threads));
  PetscCall(StzOptionsReplace(threads > 0 ? 5 : 4, names, values, &saved));
  {
    /* The solver's options read only by this set-up are checked here (the others were before). On an error the run's options
     * are put back and the member freed, so that the ensemble stops cleanly. */
    PetscErrorCode e = StzSimCreate(PETSC_COMM_SELF, &m);
    if (!e) e = StzSimCheckUnusedOptions(m);
    if (e) {
      PetscCall(StzSimDestroy(&m));
      PetscCall(StzOptionsRestore(&saved));
      PetscFunctionReturn(e);
    }
  }
  StzKmcEnergy(m->kmc, &e0);
  PetscCall(PetscTime(&t0));
  PetscCall(StzSimRun(m));
  PetscCall(PetscTime(&t1));
  StzKmcEnergy(m->kmc, &e1);
  PetscCall(StzSimGetResult(m, &r));
  events = m->kmc->events; /* all stages' (a treatment's result has none) */
  PetscCall(StzSimDestroy(&m));
  PetscCall(StzOptionsRestore(&saved));
  row[COL_EVENTS]          = (PetscReal)events;
  row[COL_WALL]            = t1 - t0;
  row[COL_PEAK]            = r.peak_stress_pa;
  row[COL_YIELD]           = r.yield_strain > 0 ? r.yield_stress_pa : 0;
  row[COL_YIELD_STRAIN]    = r.yield_strain > 0 ? r.yield_strain : 0;
  row[COL_FLOW]            = r.flow_stress_pa;
  row[COL_LOC]             = r.localization_index;
  row[COL_ANGLE]           = r.band_angle_deg;
  row[COL_BANDS]           = (PetscReal)r.band_count;
  row[COL_AVAL]            = (PetscReal)r.avalanche_count;
  row[COL_E0]              = e0.total_j_per_gatom;
  row[COL_E1]              = e1.total_j_per_gatom;
  row[COL_TF1]             = e1.mean_tf_k;
  row[COL_TSTRAIN]         = r.treatment_strain;
  row[COL_TPLASTIC]        = r.treatment_plastic_strain;
  row[COL_TSTOP]           = r.treatment_stopped ? 1 : 0;
  row[COL_TDISS]           = r.last_cycle_dissipated_j_per_gatom;
  row[COL_TREAT]           = (PetscReal)r.treatment_kind;
  row[COL_INDENT]          = StzConfigHasProtocol(c, STZ_PROTO_INDENT) ? 1 : 0;
  row[COL_POPINS]          = (PetscReal)r.popin_count;
  row[COL_POPIN_LOAD]      = r.first_popin_load_n_per_m;
  row[COL_POPIN_SHEAR]     = r.first_popin_max_shear_pa;
  row[COL_FINAL_LOAD]      = r.indent_final_load_n_per_m;
  row[COL_ROLL]            = c->protocol == STZ_PROTO_ROLL_GAP ? 1 : 0;
  row[COL_ROLL_PRESSURE]   = r.roll_mean_pressure_pa;
  row[COL_ROLL_THINNING]   = r.roll_thickness_reduction;
  row[COL_ROLL_SPACING]    = r.roll_band_spacing_m;
  row[COL_ROLL_REGULARITY] = r.roll_band_regularity;
  row[COL_ROLL_PVALUE]     = r.roll_band_p_value;
  row[COL_LOADING]         = StzHasLoading(c) ? 1 : 0;
  if (r.yield_strain <= 0) row[COL_LOADING] = row[COL_LOADING] ? 2 : 0; /* loaded, but no 0.2 % offset yield reached */
  PetscFunctionReturn(0);
}

/* Is column k defined for this row (empty in the CSV otherwise)? */
static PetscBool StzDefined(const PetscReal row[NCOL], PetscInt k)
{
  if (k == COL_EVENTS || k == COL_WALL || (k >= COL_E0 && k <= COL_TF1)) return PETSC_TRUE;
  if (k >= COL_TSTRAIN && k <= COL_TDISS) { /* treatment columns: where one ran; the last cycle's work only for cycling */
    const StzProtocolType p = (StzProtocolType)(row[COL_TREAT] - 1);
    if (row[COL_TREAT] == 0) return PETSC_FALSE;
    if (k == COL_TDISS) return (PetscBool)(p == STZ_PROTO_CYCLIC || p == STZ_PROTO_THERMAL_CYCLING);
    if (k == COL_TSTOP) return (PetscBool)(p == STZ_PROTO_CREEP || p == STZ_PROTO_CYCLIC);
    return PETSC_TRUE;
  }
  if (k >= COL_ROLL_PRESSURE && k <= COL_ROLL_PVALUE) /* a roll gap; the spacing and its p-value if found, the pressure if the last pass reached the strip's middle */
    return (PetscBool)(row[COL_ROLL] && ((k != COL_ROLL_SPACING && k != COL_ROLL_PVALUE) || row[COL_ROLL_SPACING] > 0) && (k != COL_ROLL_PRESSURE || !PetscIsNanReal(row[COL_ROLL_PRESSURE])));
  if (k >= COL_POPINS && k <= COL_POPIN_SHEAR) return (PetscBool)(row[COL_INDENT] && (k == COL_POPINS || row[COL_POPINS] > 0)); /* indentation; the first pop-in's if any */
  if (row[COL_LOADING] == 0) return PETSC_FALSE;
  if ((k == COL_YIELD || k == COL_YIELD_STRAIN) && row[COL_LOADING] == 2) return PETSC_FALSE;
  return PETSC_TRUE;
}

PetscErrorCode StzRunEnsemble(StzSim sim)
{
  const StzConfig *c = &sim->cfg;
  PetscMPIInt      size, rank;
  PetscInt         n = c->n_seeds, *seeds, threads = c->threads, failed = -1, stopped = -1;
  PetscReal       *rows, *all = NULL;
  PetscLogDouble   t0, t1;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(sim->comm, &size));
  PetscCallMPI(MPI_Comm_rank(sim->comm, &rank));
  PetscCall(PetscMalloc1(n, &seeds));
  PetscCheck(StzParseSeeds(c->seeds, &n, seeds), PETSC_COMM_SELF, PETSC_ERR_PLIB, "-stz_seeds was checked when it was read");
  PetscCall(PetscCalloc1(n * NCOL, &rows));
  /* Ranks share the machine's cores: unless -stz_threads says otherwise, each member gets its share of them. */
#ifdef _OPENMP
  if (threads == 0 && size > 1) threads = PetscMax(1, omp_get_num_procs() / size);
#endif
  if (!rank) PetscCall(StzMakeDir(c->output_dir));
  PetscCallMPI(MPI_Barrier(sim->comm));
  PetscCall(PetscTime(&t0));
  /* Round robin: seed j runs on rank j mod size, whatever the number of ranks; each member is a complete run of its own. */
  for (PetscInt j = rank; j < n; j += size) {
    PetscReal     *row = rows + j * NCOL;
    PetscErrorCode ierr;
    /* A seed that fails (its error is printed where it happens) stops this rank's share; the ranks then stop together
     * below, instead of leaving the others waiting for this one's rows. */
    ierr = StzRunMember(c, seeds[j], threads, row);
    if (ierr) {
      failed = seeds[j];
      break;
    }
    if (StzStopRequested()) { /* interrupted: this seed's outputs are written; no more seeds on this rank */
      stopped = seeds[j];
      break;
    }
    if (!c->quiet) {
      if (row[COL_INDENT])
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: ensemble: seed %d (%d of %d, rank %d): %d pop-ins, the first at %.4g N/m (Hertz max shear %.4g GPa)\n", (int)seeds[j], (int)(j + 1), (int)n,
                              (int)rank, (int)row[COL_POPINS], (double)row[COL_POPIN_LOAD], (double)(row[COL_POPIN_SHEAR] / 1e9)));
      else if (row[COL_ROLL]) {
        char spacing[64] = "no band pattern";
        if (row[COL_ROLL_SPACING] > 0)
          PetscCall(PetscSNPrintf(spacing, sizeof spacing, "band spacing %.3g nm (regularity %.2f, p = %.2f)", (double)(row[COL_ROLL_SPACING] * 1e9), (double)row[COL_ROLL_REGULARITY],
                                  (double)row[COL_ROLL_PVALUE]));
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: ensemble: seed %d (%d of %d, rank %d): strip %.3f %% thinner, %s, stored energy %.4g -> %.4g J/g-atom\n", (int)seeds[j], (int)(j + 1), (int)n,
                              (int)rank, (double)(100 * row[COL_ROLL_THINNING]), spacing, (double)row[COL_E0], (double)row[COL_E1]));
      } else if (row[COL_LOADING]) {
        char yield[48] = "yield not reached"; /* no 0.2 % offset in the run: ensemble.csv leaves the cell empty */
        if (row[COL_YIELD_STRAIN] > 0) PetscCall(PetscSNPrintf(yield, sizeof yield, "yield %.4g MPa", (double)(row[COL_YIELD] / 1e6)));
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: ensemble: seed %d (%d of %d, rank %d): peak %.4g MPa, %s, flow %.4g MPa, stored energy %.4g -> %.4g J/g-atom\n", (int)seeds[j], (int)(j + 1),
                              (int)n, (int)rank, (double)(row[COL_PEAK] / 1e6), yield, (double)(row[COL_FLOW] / 1e6), (double)row[COL_E0], (double)row[COL_E1]));
      } else
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: ensemble: seed %d (%d of %d, rank %d): stored energy %.4g -> %.4g J/g-atom\n", (int)seeds[j], (int)(j + 1), (int)n, (int)rank,
                              (double)row[COL_E0], (double)row[COL_E1]));
    }
  }
  {
    PetscInt any;
    PetscCallMPI(MPI_Allreduce(&failed, &any, 1, MPIU_INT, MPI_MAX, sim->comm));
    if (any >= 0) {
      PetscCall(PetscFree(rows));
      PetscCall(PetscFree(seeds));
      SETERRQ(sim->comm, PETSC_ERR_USER_INPUT, "the ensemble stopped: the run of seed %d failed (its error is above); the seeds finished before it are in %s/seed-<n>/", (int)any, c->output_dir);
    }
  }
  {
    PetscInt any;
    PetscCallMPI(MPI_Allreduce(&stopped, &any, 1, MPIU_INT, MPI_MAX, sim->comm));
    if (any >= 0) {
      if (!rank)
        PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: ensemble interrupted: the seeds run are in %s/seed-<n>/ (their summary.json says whether they were cut short); no ensemble.csv\n",
                               c->output_dir));
      PetscCall(PetscFree(rows));
      PetscCall(PetscFree(seeds));
      PetscFunctionReturn(0);
    }
  }
  /* Every row is filled by exactly one rank and zero elsewhere: a sum gathers them. */
  if (!rank) PetscCall(PetscMalloc1(n * NCOL, &all));
  PetscCallMPI(MPI_Reduce(rows, all, (PetscMPIInt)(n * NCOL), MPIU_REAL, MPIU_SUM, 0, sim->comm));
  PetscCall(PetscTime(&t1));
  if (!rank) {
    FILE            *fp;
    PetscReal        mean[NCOL], sd[NCOL], lo[NCOL], hi[NCOL];
    PetscInt         cnt[NCOL], nc = 0;
    StzNucleationFit nf;
    PetscBool        fitted   = PETSC_FALSE;
    const char      *fit_note = "";
    PetscReal        roll_p   = 1; /* a roll gap: the seeds' band-spacing p-values combined */

    PetscCall(StzFileOpen(c->output_dir, "ensemble.csv", &fp));
    fprintf(fp, "seed");
    for (PetscInt k = 0; k < COL_LOADING; k++) fprintf(fp, ",%s", col_names[k]);
    fprintf(fp, "\n");
    for (PetscInt j = 0; j < n; j++) {
      fprintf(fp, "%d", (int)seeds[j]);
      for (PetscInt k = 0; k < COL_LOADING; k++) {
        if (StzDefined(all + j * NCOL, k)) fprintf(fp, ",%.10g", (double)all[j * NCOL + k]);
        else fprintf(fp, ",");
      }
      fprintf(fp, "\n");
    }
    PetscCall(StzFileCommit(c->output_dir, "ensemble.csv", &fp));
    /* Mean, sample standard deviation, minimum and maximum of each column over the seeds where it is defined. */
    for (PetscInt k = 0; k < COL_LOADING; k++) {
      PetscReal s = 0, s2 = 0;
      cnt[k] = 0;
      lo[k]  = PETSC_MAX_REAL;
      hi[k]  = -PETSC_MAX_REAL;
      for (PetscInt j = 0; j < n; j++)
        if (StzDefined(all + j * NCOL, k)) {
          const PetscReal v = all[j * NCOL + k];
          s += v;
          lo[k] = PetscMin(lo[k], v);
          hi[k] = PetscMax(hi[k], v);
          cnt[k]++;
        }
      mean[k] = cnt[k] ? s / cnt[k] : 0;
      for (PetscInt j = 0; j < n; j++)
        if (StzDefined(all + j * NCOL, k)) s2 += PetscSqr(all[j * NCOL + k] - mean[k]);
      sd[k] = cnt[k] > 1 ? PetscSqrtReal(s2 / (cnt[k] - 1)) : 0;
    }
    /* A roll gap's band pattern over the seeds: their p-values combined (a seed without a spacing counts as p = 1). */
    if (c->protocol == STZ_PROTO_ROLL_GAP) {
      PetscReal *pv;
      PetscCall(PetscMalloc1(n, &pv));
      for (PetscInt j = 0; j < n; j++) pv[j] = StzDefined(all + j * NCOL, COL_ROLL_PVALUE) ? all[j * NCOL + COL_ROLL_PVALUE] : 1;
      roll_p = StzFisherCombine(n, pv);
      PetscCall(PetscFree(pv));
    }
    /* The activation volume an experimentalist would read from these first pop-ins (include/stzdyn/nucleation.h): for a
     * ramp from zero under Hertz's pressure, where the largest shear grows as the square root of the load. */
    if (StzConfigHasProtocol(c, STZ_PROTO_INDENT)) {
      const PetscReal estar = 2 * c->mat.shear_modulus_pa / (1 - c->mat.poisson_ratio);
      PetscInt        np    = 0;
      PetscReal      *tau, *tc;
      PetscCall(PetscMalloc2(n, &tau, n, &tc));
      /* A seed without a pop-in is censored where it stopped: Hertz's largest shear at its last load (the largest load, or less
       * if -stz_max_events or the half depth stopped it). */
      for (PetscInt j = 0; j < n; j++) {
        if (all[j * NCOL + COL_POPINS] > 0) tau[np++] = all[j * NCOL + COL_POPIN_SHEAR];
        else tc[nc++] = 0.300 * PetscSqrtReal(PetscMax(all[j * NCOL + COL_FINAL_LOAD], 0) * estar / (PETSC_PI * c->in.radius_m));
      }
      if (c->in.cycles > 0) fit_note = "not fitted: the load was cycled before the ramp (the fit assumes one ramp from zero)";
      else if (c->in.contact) fit_note = "not fitted: with -stz_indent_contact the shear stress does not follow Hertz's square root of the load";
      else if (np < 3) fit_note = "not fitted: fewer than 3 seeds popped in";
      else {
        PetscBool zero = PETSC_FALSE;
        for (PetscInt j = 0; j < nc; j++) zero = (PetscBool)(zero || !(tc[j] > 0));
        if (zero) fit_note = "not fitted: a seed without a pop-in stopped at zero load";
        else PetscCall(StzNucleationFitCreate(np, tau, nc, tc, c->temperature_k, 0.95, &nf));
        fitted = (PetscBool)(!zero && !PetscIsNanReal(nf.activation_volume_m3));
        if (!zero)
          fit_note = fitted ? "maximum likelihood for a pop-in rate growing as exp(V* tau / kT), tau Hertz's largest shear stress (docs/outputs.md, ensemble.json)"
                            : "no activation volume: the first pop-in stresses do not rise as thermal activation makes them (the likelihood has no maximum at beta tau > 1)";
      }
      PetscCall(PetscFree2(tau, tc));
    }
    PetscCall(StzFileOpen(c->output_dir, "ensemble.json", &fp));
    fprintf(fp, "{\n  \"protocol\": \"%s\",\n  \"seeds\": %d,\n  \"ranks\": %d,\n  \"wall_time_s\": %.6g,\n  \"columns\": {\n", StzProtocolNames[c->protocol], (int)n, (int)size, (double)(t1 - t0));
    for (PetscInt k = 0; k < COL_LOADING; k++) {
      fprintf(fp, "    \"%s\": ", col_names[k]);
      if (cnt[k]) fprintf(fp, "{\"n\": %d, \"mean\": %.10g, \"std\": %.10g, \"min\": %.10g, \"max\": %.10g}", (int)cnt[k], (double)mean[k], (double)sd[k], (double)lo[k], (double)hi[k]);
      else fprintf(fp, "{\"n\": 0}");
      fprintf(fp, "%s\n", k + 1 < COL_LOADING ? "," : "");
    }
    fprintf(fp, "  },\n");
    if (StzConfigHasProtocol(c, STZ_PROTO_INDENT)) {
      fprintf(fp, "  \"popin_activation_volume\": ");
      if (fitted) {
        fprintf(fp, "{\"m3\": %.6g, \"ci_m3\": [%.6g, ", (double)nf.activation_volume_m3, (double)nf.ci_low_m3);
        if (PetscIsNanReal(nf.ci_high_m3)) fprintf(fp, "null"); /* the likelihood stays within the level up to the search's end */
        else fprintf(fp, "%.6g", (double)nf.ci_high_m3);
        fprintf(fp, "], \"confidence\": %g, \"popins\": %d, \"censored\": %d, \"temperature_k\": %.6g}", (double)nf.confidence, (int)nf.n_popins, (int)nf.n_censored, (double)c->temperature_k);
      } else fprintf(fp, "null");
      fprintf(fp, ",\n  \"popin_activation_volume_note\": \"%s\",\n", fit_note);
    }
    if (c->protocol == STZ_PROTO_ROLL_GAP) fprintf(fp, "  \"band_spacing_combined_p_value\": %.4g,\n", (double)roll_p);
    fprintf(fp, "  \"options\": ");
    PetscCall(StzConfigWriteJSON(c, fp, "  "));
    fprintf(fp, "\n}\n");
    PetscCall(StzFileCommit(c->output_dir, "ensemble.json", &fp));
    if (!c->quiet) {
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: ensemble of %d seeds on %d rank%s in %.3g s\n", (int)n, (int)size, size > 1 ? "s" : "", (double)(t1 - t0)));
      if (cnt[COL_PEAK]) {
        char yield[96] = "yield stress not reached by any seed";
        if (cnt[COL_YIELD])
          PetscCall(PetscSNPrintf(yield, sizeof yield, "yield stress %.4g +- %.3g MPa (%d seeds)", (double)(mean[COL_YIELD] / 1e6), (double)(sd[COL_YIELD] / 1e6), (int)cnt[COL_YIELD]));
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "  peak stress %.4g +- %.3g MPa, %s, flow stress %.4g +- %.3g MPa (mean +- standard deviation)\n", (double)(mean[COL_PEAK] / 1e6),
                              (double)(sd[COL_PEAK] / 1e6), yield, (double)(mean[COL_FLOW] / 1e6), (double)(sd[COL_FLOW] / 1e6)));
      }
      if (cnt[COL_POPIN_LOAD])
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "  first pop-in load %.4g +- %.3g N/m, Hertz max shear %.4g +- %.3g GPa (%d of %d seeds popped in; mean +- standard deviation)\n",
                              (double)mean[COL_POPIN_LOAD], (double)sd[COL_POPIN_LOAD], (double)(mean[COL_POPIN_SHEAR] / 1e9), (double)(sd[COL_POPIN_SHEAR] / 1e9), (int)cnt[COL_POPIN_LOAD], (int)n));
      if (cnt[COL_ROLL_THINNING]) {
        PetscInt sig = 0; /* seeds whose bands are more evenly spaced than at random places */
        for (PetscInt j = 0; j < n; j++) sig += StzDefined(all + j * NCOL, COL_ROLL_PVALUE) && all[j * NCOL + COL_ROLL_PVALUE] <= 0.05;
        PetscCall(PetscPrintf(PETSC_COMM_SELF,
                              "  thickness reduction %.3f +- %.2f %%, band spacing along the strip %.3g +- %.2g nm (%d of %d seeds, %d of them with bands more evenly spaced than at random places, p "
                              "<= 0.05; mean "
                              "+- standard deviation)\n",
                              (double)(100 * mean[COL_ROLL_THINNING]), (double)(100 * sd[COL_ROLL_THINNING]), (double)(mean[COL_ROLL_SPACING] * 1e9), (double)(sd[COL_ROLL_SPACING] * 1e9),
                              (int)cnt[COL_ROLL_SPACING], (int)n, (int)sig));
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "  band pattern over all %d seeds (Fisher's method on their p-values, 1 for a seed without a spacing): p = %.2g\n", (int)n, (double)roll_p));
      }
      if (fitted) {
        char hi_text[32] = "unbounded";
        if (!PetscIsNanReal(nf.ci_high_m3)) PetscCall(PetscSNPrintf(hi_text, sizeof hi_text, "%.3g", (double)(nf.ci_high_m3 * 1e27)));
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "  activation volume from their distribution (Schuh-Lund): %.3g nm^3 (95 %% likelihood interval %.3g-%s nm^3)\n",
                              (double)(nf.activation_volume_m3 * 1e27), (double)(nf.ci_low_m3 * 1e27), hi_text));
      }
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  stored energy %.4g +- %.3g -> %.4g +- %.3g J/g-atom\n  outputs in %s/: ensemble.csv, ensemble.json, seed-<n>/\n", (double)mean[COL_E0],
                            (double)sd[COL_E0], (double)mean[COL_E1], (double)sd[COL_E1], c->output_dir));
    }
  }
  PetscCall(PetscFree(all));
  PetscCall(PetscFree(rows));
  PetscCall(PetscFree(seeds));
  PetscFunctionReturn(0);
}
