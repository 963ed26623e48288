/* Thermomechanical treatments of the glass (issue 5; docs/outputs.md, docs/model.md "Treatments"):
 *   anneal          hold at -stz_anneal_temperature_k, zero stress, for -stz_hold_time_s;
 *   creep           hold at a constant pure-shear stress (a fraction of the yield stress) at -stz_creep_temperature_k
 *                   (default -stz_temperature_k);
 *   cyclic          strain-controlled pure shear, triangle wave of amplitude -stz_cyclic_amplitude, -stz_cycles cycles;
 *   thermal-cycling temperature steps between -stz_thermal_high_k and -stz_thermal_low_k with per-site thermal expansion;
 *   dsc             a heating scan at -stz_dsc_rate_k_per_s, as differential scanning calorimetry: the heat the glass gives off;
 *   sequence        any of the protocols in order on the same sample, each in its own sub-directory.
 * Every treatment writes series.csv (time-based rows), summary.json, map_plastic_strain_final.png, and the cyclic ones
 * cycles.csv. Energies are per g-atom (lib/kmc.c, StzKmcEnergy). */
#include "impl.h"

/* Plane-strain elastic energy density of a uniform stress (xx, yy, xy): [s1^2 + s2^2 + (1 - 2 nu) sp^2] / (2 mu). */
static PetscReal StzMeanElasticEnergyDensity(const StzConfig *c, const PetscReal S[3])
{
  const PetscReal s1 = 0.5 * (S[0] - S[1]), s2 = S[2], sp = 0.5 * (S[0] + S[1]);
  return (s1 * s1 + s2 * s2 + (1 - 2 * c->mat.poisson_ratio) * sp * sp) / (2 * c->mat.shear_modulus_pa);
}

/* J/m^3 to J per g-atom. */
static PetscReal StzDensityToGramAtom(const StzConfig *c, PetscReal w)
{
  return w * c->mat.atomic_volume_m3 * STZ_AVOGADRO_PER_MOL;
}

/* Work bookkeeping across kMC steps: external work density done on the sample, sum_c w_c int S_c dE_c (w = 1, 1, 2). */
typedef struct {
  PetscReal work_j_per_m3;
  PetscReal peak_stress_pa;
  PetscReal max_abs_strain; /* > 0: stop when |strain| reaches it (creep above the flow stress would run on for ever) */
  PetscBool strain_limited; /* the strain limit stopped the advance */
} StzWork;

static void StzWorkAdd(StzWork *w, const PetscReal Sa[3], const PetscReal Ea[3], const PetscReal Sb[3], const PetscReal Eb[3])
{
  const PetscReal wt[3] = {1, 1, 2};
  /* Between events the response is elastic and linear in time, and across an event each component keeps either its
   * stress or its strain: the trapezoid is exact in both pieces. */
  for (int q = 0; q < 3; q++) w->work_j_per_m3 += wt[q] * 0.5 * (Sa[q] + Sb[q]) * (Eb[q] - Ea[q]);
}

/* Times of the series.csv rows: every dt_s (decades = 0), or log-spaced, per_decade rows per decade over the last
 * `decades` decades of span_s after t0_s (holds, whose ageing and creep go with log t; row k's time is computed, not
 * accumulated). Where the rows fall changes a trajectory only through rounding of the consumed hazard. */
typedef struct {
  PetscReal t0_s, dt_s, span_s;
  PetscInt  k, per_decade, decades;
  PetscReal next_s;
} StzRows;

static void StzRowsNext(StzRows *r)
{
  r->k++;
  r->next_s = r->decades > 0 ? r->t0_s + r->span_s * PetscPowReal(10.0, (PetscReal)(r->k - r->decades * r->per_decade) / r->per_decade) : r->next_s + r->dt_s;
}

static StzRows StzRowsLinear(PetscReal t0_s, PetscReal dt_s)
{
  StzRows r = {t0_s, dt_s, 0, 0, 0, 0, t0_s};
  StzRowsNext(&r);
  return r;
}

static StzRows StzRowsLog(PetscReal t0_s, PetscReal span_s, PetscInt per_decade, PetscInt decades)
{
  StzRows r = {t0_s, 0, span_s, -1, per_decade, decades, t0_s};
  StzRowsNext(&r); /* row 0 at t0 + span 10^-decades */
  return r;
}

/* Advance the kMC to time t_end_s, writing the series rows due and a progress line; accumulates work. */
static PetscErrorCode StzAdvanceTo(StzSim sim, PetscReal t_end_s, StzRows *rows, StzWork *w, const char *what)
{
  StzKmc         k = sim->kmc;
  PetscLogDouble now;

  PetscFunctionBeginUser;
  /* The clock of the last progress line is the run's, not this call's: a heating scan advances 1 K at a time, each step far
   * shorter than -stz_progress_s, and printed none (found in the twelfth session). */
  if (sim->progress_last == 0) PetscCall(PetscTime(&sim->progress_last));
  while (k->time_s < t_end_s * (1 - 1e-14)) {
    PetscBool fired;
    StzEvent  ev;
    PetscReal Sa[3], Ea[3], t_stop = PetscMin(t_end_s, rows->next_s), strain, stress, plastic;
    for (int q = 0; q < 3; q++) Sa[q] = k->S[q], Ea[q] = k->E[q];
    if (StzEventsDone(k->events, sim->cfg.max_events)) break;
    PetscCall(StzKmcStep(k, PetscMax(0, t_stop - k->time_s), &fired, &ev));
    if (w) {
      StzWorkAdd(w, Sa, Ea, k->S_pre, k->E_pre);
      StzWorkAdd(w, k->S_pre, k->E_pre, k->S, k->E);
      StzProtocolMeasure(sim, &strain, &stress, &plastic);
      w->peak_stress_pa = PetscMax(w->peak_stress_pa, PetscAbsReal(stress));
      if (w->max_abs_strain > 0 && PetscAbsReal(strain) >= w->max_abs_strain) {
        w->strain_limited = PETSC_TRUE;
        PetscCall(StzSeriesAppend(sim));
        break;
      }
    }
    if (!fired && k->time_s >= rows->next_s * (1 - 1e-14)) {
      PetscCall(StzSeriesAppend(sim));
      StzRowsNext(rows);
    }
    if (sim->cfg.progress_s > 0 && !sim->cfg.quiet) {
      PetscCall(PetscTime(&now));
      if (now - sim->progress_last >= sim->cfg.progress_s) {
        StzEnergy e;
        StzKmcEnergy(k, &e);
        PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: %s  t %.4g s  T %.4g K  events %lld (reversals %lld)  relaxations %lld  stored energy %.4g J/g-atom\n", what, (double)k->time_s,
                               (double)k->temperature_k, (long long)k->events, (long long)k->reversals, (long long)k->relax_events, (double)e.total_j_per_gatom));
        sim->progress_last = now;
      }
    }
  }
  PetscFunctionReturn(0);
}

/* Zero mean stress in every component: the box is free (anneal, thermal cycling). */
static PetscErrorCode StzSetFree(StzKmc k)
{
  StzMacroLoad load = {{1, 1, 1}, {0, 0, 0}};
  PetscFunctionBeginUser;
  PetscCall(StzKmcSetLoad(k, &load, NULL));
  PetscFunctionReturn(0);
}

/* Start a cyclic treatment at temperature T in a free box: a new stage, series.csv and cycles.csv with row 0 (the state
 * before the first cycle); *elastic0 is the elastic energy the sample holds (internal plus mean-field), J per g-atom. */
static PetscErrorCode StzCyclesBegin(StzSim sim, PetscReal temperature_k, FILE **fp, PetscReal *elastic0)
{
  StzKmc    k = sim->kmc;
  StzEnergy e;

  PetscFunctionBeginUser;
  if (k->temperature_k != temperature_k) PetscCall(StzKmcSetTemperature(k, temperature_k));
  PetscCall(StzSetFree(k));
  StzStageBegin(sim);
  PetscCall(StzSeriesBegin(sim));
  PetscCall(StzSeriesAppend(sim));
  PetscCall(StzFileOpen(sim->cfg.output_dir, "cycles.csv", fp));
  fprintf(*fp, "cycle,time_s,stored_energy_j_per_gatom,elastic_energy_j_per_gatom,structural_enthalpy_j_per_gatom,stored_energy_fraction_dhm,mean_fictive_temperature_k,"
               "dissipated_work_j_per_gatom,external_work_j_per_gatom,peak_stress_pa,plastic_strain,events,relaxation_events,mean_barrier_ev,mean_barrier_disorder,mean_dilatation\n");
  StzKmcEnergy(k, &e);
  *elastic0 = e.elastic_j_per_gatom + StzDensityToGramAtom(&sim->cfg, StzMeanElasticEnergyDensity(&sim->cfg, k->S));
  fprintf(*fp, "0,%.10e,%.8e,%.8e,%.8e,%.8e,%.8g,,,,0,%lld,%lld,%.8g,%.6g,%.8g\n", (double)k->time_s, (double)e.total_j_per_gatom, (double)e.elastic_j_per_gatom, (double)e.structural_j_per_gatom,
          (double)e.fraction_of_dhm, (double)e.mean_tf_k, (long long)k->events, (long long)k->relax_events, (double)e.mean_barrier_ev, (double)e.mean_barrier_disorder, (double)e.mean_dilatation);
  PetscFunctionReturn(0);
}

/* One row of cycles.csv. The dissipated work of a cycle is the external work done on the sample minus the change of the
 * elastic energy it holds (internal plus mean-field): the work turned into heat. */
static void StzCyclesRow(StzSim sim, FILE *fp, PetscInt cycle, const StzWork *w, PetscReal elastic_before, PetscReal *elastic_after, StzEnergy *e)
{
  PetscReal strain, stress, plastic, ext;
  StzKmcEnergy(sim->kmc, e);
  *elastic_after = e->elastic_j_per_gatom + StzDensityToGramAtom(&sim->cfg, StzMeanElasticEnergyDensity(&sim->cfg, sim->kmc->S));
  ext            = StzDensityToGramAtom(&sim->cfg, w->work_j_per_m3);
  StzProtocolMeasure(sim, &strain, &stress, &plastic);
  sim->res.last_cycle_dissipated_j_per_gatom = ext - (*elastic_after - elastic_before); /* for ensembles (StzSimResult) */
  fprintf(fp, "%d,%.10e,%.8e,%.8e,%.8e,%.8e,%.8g,%.8e,%.8e,%.8e,%.8e,%lld,%lld,%.8g,%.6g,%.8g\n", (int)cycle, (double)sim->kmc->time_s, (double)e->total_j_per_gatom, (double)e->elastic_j_per_gatom,
          (double)e->structural_j_per_gatom, (double)e->fraction_of_dhm, (double)e->mean_tf_k, (double)(ext - (*elastic_after - elastic_before)), (double)ext, (double)w->peak_stress_pa,
          (double)plastic, (long long)sim->kmc->events, (long long)sim->kmc->relax_events, (double)e->mean_barrier_ev, (double)e->mean_barrier_disorder, (double)e->mean_dilatation);
  fflush(fp);
}

static PetscErrorCode StzWritePlasticMapFinal(StzSim sim)
{
  const PetscInt N = sim->kmc->N;
  PetscReal     *g, vmax = 0;
  char           path[PETSC_MAX_PATH_LEN];
  StzPngMap      map = {0};

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(N, &g));
  StzPlasticShear(N, sim->kmc->eps_p, g);
  for (PetscInt i = 0; i < N; i++) vmax = PetscMax(vmax, g[i]);
  map.title       = "accumulated plastic shear strain";
  map.units       = "-";
  map.vmax        = vmax > 0 ? vmax : 1;
  map.cmap        = STZ_CMAP_SEQUENTIAL;
  map.cell_size_m = sim->cfg.site_size_m;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/map_plastic_strain_final.png", sim->cfg.output_dir));
  PetscCall(StzPngWriteMap(path, sim->cfg.nx, sim->cfg.ny, g, &map));
  PetscCall(PetscFree(g));
  PetscFunctionReturn(0);
}

/* A number, or null where it is not defined. */
static void StzJSONNumberOrNull(FILE *fp, PetscBool defined, PetscReal v)
{
  if (defined) fprintf(fp, "%.9g", (double)v);
  else fprintf(fp, "null");
}

static PetscErrorCode StzTreatmentSummary(StzSim sim, PetscReal wall, const StzWork *w, PetscInt n_cycles, PetscInt n_completed)
{
  FILE     *fp;
  StzEnergy e1;
  PetscReal strain, stress, plastic;

  PetscFunctionBeginUser;
  PetscCall(StzWriteFields(&sim->cfg, sim->cfg.output_dir, sim->kmc));
  StzKmcEnergy(sim->kmc, &e1);
  StzProtocolMeasure(sim, &strain, &stress, &plastic);
  sim->res.treatment_kind           = (PetscInt)sim->cfg.protocol + 1;
  sim->res.treatment_strain         = strain;
  sim->res.treatment_plastic_strain = plastic;
  sim->res.treatment_stopped        = (PetscBool)(w && w->strain_limited);
  if (!n_cycles) sim->res.last_cycle_dissipated_j_per_gatom = 0; /* StzCyclesRow set it otherwise */
  PetscCall(StzFileOpen(sim->cfg.output_dir, "summary.json", &fp));
  fprintf(fp, "{\n  \"protocol\": \"%s\",\n  \"seed\": %lld,\n  \"events\": %lld,\n  \"interrupted\": %s,\n  \"relaxation_events\": %lld,\n", StzProtocolNames[sim->cfg.protocol],
          (long long)sim->cfg.seed, (long long)(sim->kmc->events - sim->events0), StzStopRequested() ? "true" : "false", (long long)(sim->kmc->relax_events - sim->relax0));
  fprintf(fp, "  \"wall_time_s\": %.6g,\n  \"events_per_second\": %.6g,\n  \"final_time_s\": %.9g,\n", (double)wall, (double)(wall > 0 ? (sim->kmc->events - sim->events0) / wall : 0),
          (double)sim->kmc->time_s);
  fprintf(fp, "  \"final_strain\": %.9g,\n  \"final_stress_pa\": %.9g,\n  \"plastic_strain_final\": %.9g,\n", (double)strain, (double)stress, (double)plastic);
  if (w)
    fprintf(fp, "  \"external_work_j_per_gatom\": %.9g,\n  \"peak_stress_pa\": %.9g,\n  \"stopped_at_max_strain\": %s,\n", (double)StzDensityToGramAtom(&sim->cfg, w->work_j_per_m3),
            (double)w->peak_stress_pa, w->strain_limited ? "true" : "false");
  if (sim->cfg.protocol == STZ_PROTO_CREEP)
    fprintf(fp, "  \"creep_stress_pa\": %.9g,\n  \"yield_stress_measured\": %s,\n", (double)(sim->cfg.tr.creep_stress_fraction * sim->cfg.tr.yield_stress_pa),
            sim->cfg.tr.yield_measure ? "true" : "false");
  if (n_cycles) fprintf(fp, "  \"cycles\": %d,\n  \"cycles_completed\": %d,\n", (int)n_cycles, (int)n_completed);
  if (sim->cfg.protocol == STZ_PROTO_DSC) {
    const StzSimResult *r = &sim->res;
    fprintf(fp, "  \"relaxation_enthalpy_j_per_gatom\": %.9g,\n  \"relaxation_enthalpy_fraction_dhm\": %.9g,\n", (double)r->dsc_relaxation_enthalpy_j_per_gatom,
            (double)(r->dsc_relaxation_enthalpy_j_per_gatom / sim->cfg.mat.heat_of_melting_j_per_gatom));
    fprintf(fp, "  \"heat_release_5pct_k\": ");
    StzJSONNumberOrNull(fp, r->dsc_release_5_k > 0, r->dsc_release_5_k);
    fprintf(fp, ",\n  \"heat_release_50pct_k\": ");
    StzJSONNumberOrNull(fp, r->dsc_release_50_k > 0, r->dsc_release_50_k);
    fprintf(fp, ",\n  \"glass_transition_k\": ");
    StzJSONNumberOrNull(fp, r->dsc_glass_transition_k > 0, r->dsc_glass_transition_k);
    fprintf(fp, ",\n");
  }
  StzWriteEnergyJSON(fp, &sim->energy0, &e1);
  fprintf(fp, "  \"options\": ");
  PetscCall(StzConfigWriteJSON(&sim->cfg, fp, "  "));
  fprintf(fp, "\n}\n");
  PetscCall(StzFileCommit(sim->cfg.output_dir, "summary.json", &fp));
  if (!sim->cfg.quiet)
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "stzdyn: %s: %lld STZ events, %lld relaxations, ending at simulated time %.4g s; stored energy %.4g -> %.4g J/g-atom (%.3g -> %.3g of dH_m)\n  outputs in %s/\n",
                          StzProtocolNames[sim->cfg.protocol], (long long)(sim->kmc->events - sim->events0), (long long)(sim->kmc->relax_events - sim->relax0), (double)sim->kmc->time_s,
                          (double)sim->energy0.total_j_per_gatom, (double)e1.total_j_per_gatom, (double)sim->energy0.fraction_of_dhm, (double)e1.fraction_of_dhm, sim->cfg.output_dir));
  if (!sim->cfg.quiet && sim->cfg.protocol == STZ_PROTO_DSC) {
    const StzSimResult *r      = &sim->res;
    char                tg[64] = "not found in the scan", half[64] = "none given off";
    if (r->dsc_glass_transition_k > 0) PetscCall(PetscSNPrintf(tg, sizeof tg, "%.4g K", (double)r->dsc_glass_transition_k));
    if (r->dsc_release_50_k > 0) PetscCall(PetscSNPrintf(half, sizeof half, "half of it given off by %.4g K", (double)r->dsc_release_50_k));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  heat of relaxation %.4g J/g-atom (%.3g of dH_m), %s; glass transition on heating (onset): %s\n", (double)r->dsc_relaxation_enthalpy_j_per_gatom,
                          (double)(r->dsc_relaxation_enthalpy_j_per_gatom / sim->cfg.mat.heat_of_melting_j_per_gatom), half, tg));
  }
  PetscFunctionReturn(0);
}

/* -stz_yield_stress_pa measure: the yield stress of a pure-shear test (0.2 % offset, 1e-2 /s, to strain 0.1) at the creep
 * temperature, of the sample as this stage finds it, written to <output_dir>/yield-test/. The run is deterministic, so that
 * sample is rebuilt from the same options: a fresh copy (same seed, lattice, material and initial state), and in a sequence
 * the stages before this one replayed on it (in yield-test/NN-name/, the test then in yield-test/NN-pure-shear/). The test's
 * options replace the run's in the options database for the test only (StzOptionsReplace). */
static PetscErrorCode StzMeasureYield(StzSim sim, PetscReal *yield_pa)
{
  const StzConfig *c      = &sim->cfg;
  const PetscInt   before = sim->seq_stage; /* stages to replay */
  char             temp[64], dir[PETSC_MAX_PATH_LEN], seq[PETSC_MAX_PATH_LEN] = "";
  /* A replay replaces only the first four: the earlier stages may use -stz_temperature_k, -stz_strain_rate and
   * -stz_max_strain, and where their series rows, maps and frames fall may change the trajectory by round-off (the carried
   * hazard), so they run as they ran. A fresh test replaces all. */
  const char *const names[]  = {"-stz_protocol",   "-stz_quiet",       "-stz_output_dir",    "-stz_sequence",    "-stz_frames",    "-stz_fields_csv",
                                "-stz_fields_vtk", "-stz_map_strains", "-stz_temperature_k", "-stz_strain_rate", "-stz_max_strain"};
  const char *const values[] = {before ? "sequence" : "pure-shear", "true", dir, before ? seq : NULL, "none", "false", "false", NULL, temp, "1e-2", "0.1"};
  const PetscInt    n        = before ? 4 : (PetscInt)(sizeof(names) / sizeof(names[0]));
  StzOptionsSaved   saved;
  StzSim            test;
  StzSimResult      r;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(temp, sizeof(temp), "%.17g", (double)c->tr.creep_temperature_k));
  PetscCall(PetscSNPrintf(dir, sizeof(dir), "%s/yield-test", c->output_dir));
  for (PetscInt s = 0; s < before; s++) {
    PetscCall(PetscStrlcat(seq, s ? "," : "", sizeof(seq)));
    PetscCall(PetscStrlcat(seq, StzProtocolNames[c->tr.stages[s]], sizeof(seq)));
  }
  if (!c->quiet) {
    if (before)
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: creep: measuring the yield stress: replaying the stages before it (%s) on a copy, then pure shear at %g K and 1e-2 /s (quietly, in %s/)\n", seq,
                            (double)c->tr.creep_temperature_k, dir));
    else
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: creep: measuring the yield stress: pure shear of a fresh copy at %g K and 1e-2 /s (quietly, in %s/)\n", (double)c->tr.creep_temperature_k, dir));
  }
  PetscCall(StzOptionsReplace(n, names, values, &saved));
  /* Treatments run on rank 0 alone (StzSimRun), so the test must not need the other ranks: its own communicator. */
  PetscCall(StzSimCreate(PETSC_COMM_SELF, &test));
  PetscCall(StzSimRun(test)); /* its summary.json records the test's options */
  if (before) {
    /* The test itself, on the replayed sample: a pure-shear stage at the creep temperature, as a sequence runs one. */
    StzConfig *tc = &test->cfg;
    PetscCall(PetscSNPrintf(tc->output_dir, sizeof(tc->output_dir), "%s/%02d-pure-shear", dir, (int)before + 1));
    PetscCall(StzMakeDir(tc->output_dir));
    tc->protocol      = STZ_PROTO_PURE_SHEAR;
    tc->temperature_k = c->tr.creep_temperature_k;
    tc->strain_rate   = 1e-2;
    tc->max_strain    = 0.1;
    PetscCall(StzSetFree(test->kmc));
    PetscCall(StzRunTreatment(test));
  }
  PetscCall(StzOptionsRestore(&saved));
  PetscCall(StzSimGetResult(test, &r));
  PetscCall(StzSimDestroy(&test));
  if (StzStopRequested()) { /* interrupted during the test: no yield stress to creep at; the caller stops */
    *yield_pa = 0;
    if (!c->quiet) PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: creep: interrupted during the yield test (its outputs are in %s/); the creep does not run\n", dir));
    PetscFunctionReturn(0);
  }
  PetscCheck(r.yield_strain > 0 && r.yield_stress_pa > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "option -stz_yield_stress_pa = measure: the pure-shear test at %g K (in %s) did not yield by strain 0.1; give the yield stress in Pa instead", (double)c->tr.creep_temperature_k, dir);
  *yield_pa = r.yield_stress_pa;
  if (!c->quiet)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: creep: yield stress measured by pure shear of %s at %g K and 1e-2 /s: %.4g MPa (test in %s/); creep stress %g x %.4g = %.4g MPa\n",
                          before ? "a copy of the sample (earlier stages replayed)" : "a fresh sample", (double)c->tr.creep_temperature_k, (double)(r.yield_stress_pa / 1e6), dir,
                          (double)c->tr.creep_stress_fraction, (double)(r.yield_stress_pa / 1e6), (double)(c->tr.creep_stress_fraction * r.yield_stress_pa / 1e6)));
  PetscFunctionReturn(0);
}

/* Hold at fixed load and temperature (anneal: free; creep: constant pure-shear stress). */
static PetscErrorCode StzRunHold(StzSim sim, PetscReal *wall)
{
  StzConfig     *c = &sim->cfg;
  StzKmc         k = sim->kmc;
  StzWork        w = {0, 0, 0, PETSC_FALSE};
  PetscReal      t_end;
  StzRows        rows;
  PetscLogDouble t0, t1;

  PetscFunctionBeginUser;
  if (c->protocol == STZ_PROTO_ANNEAL) {
    PetscCall(StzKmcSetTemperature(k, c->tr.anneal_temperature_k));
    PetscCall(StzSetFree(k));
  } else {
    PetscReal    tau;
    StzMacroLoad load = {{1, 1, 1}, {0, 0, 0}};
    if (c->tr.yield_measure) PetscCall(StzMeasureYield(sim, &c->tr.yield_stress_pa));
    if (StzStopRequested()) PetscFunctionReturn(0); /* interrupted in the yield test (StzMeasureYield said so) */
    tau           = c->tr.creep_stress_fraction * c->tr.yield_stress_pa;
    load.value[0] = tau;
    load.value[1] = -tau;
    if (k->temperature_k != c->tr.creep_temperature_k) PetscCall(StzKmcSetTemperature(k, c->tr.creep_temperature_k));
    PetscCall(StzSetFree(k));
    StzStageBegin(sim); /* strain counted from the unloaded state: the creep strain includes the elastic step */
    PetscCall(StzKmcSetLoad(k, &load, NULL));
    w.max_abs_strain = c->tr.creep_max_strain;
  }
  if (c->protocol == STZ_PROTO_ANNEAL) StzStageBegin(sim);
  PetscCall(StzSeriesBegin(sim));
  PetscCall(StzSeriesAppend(sim));
  /* Rows log-spaced over the last six decades of the hold, 100 per decade (ageing and creep go with log t). */
  rows  = StzRowsLog(k->time_s, c->tr.hold_time_s, 100, 6);
  t_end = k->time_s + c->tr.hold_time_s;
  PetscCall(PetscTime(&t0));
  PetscCall(StzAdvanceTo(sim, t_end, &rows, &w, StzProtocolNames[c->protocol]));
  PetscCall(PetscTime(&t1));
  if (sim->ser.n == 0 || sim->ser.time_s[sim->ser.n - 1] < k->time_s) PetscCall(StzSeriesAppend(sim));
  PetscCall(StzFileCommit(c->output_dir, "series.csv", &sim->series_fp));
  if (w.strain_limited && !c->quiet)
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr,
                           "stzdyn: creep: the strain reached -stz_creep_max_strain %g after %.4g s of the %.4g s hold: the stress (%.4g MPa) is above the flow stress at %.4g K "
                           "(runaway, tertiary creep); the hold stopped there. Lower -stz_creep_stress_fraction or raise -stz_creep_max_strain.\n",
                           (double)c->tr.creep_max_strain, (double)(k->time_s - (t_end - c->tr.hold_time_s)), (double)c->tr.hold_time_s,
                           (double)(c->tr.creep_stress_fraction * c->tr.yield_stress_pa / 1e6), (double)k->temperature_k));
  /* Unload creep at the end, so the next stage of a sequence starts stress-free. */
  if (c->protocol == STZ_PROTO_CREEP) PetscCall(StzSetFree(k));
  *wall = t1 - t0;
  PetscCall(StzWritePlasticMapFinal(sim));
  PetscCall(StzTreatmentSummary(sim, *wall, c->protocol == STZ_PROTO_CREEP ? &w : NULL, 0, 0));
  PetscFunctionReturn(0);
}

/* Pure shear, triangle wave 0 -> +A -> -A -> 0 per cycle, at -stz_temperature_k: of the strain (strain-controlled, from the
 * current strain) or, with -stz_cyclic_control stress, of the stress (stress-controlled, from the unloaded state, stopping if the
 * strain runs away as in creep, and unloaded at the end). */
static PetscErrorCode StzRunCyclic(StzSim sim, PetscReal *wall)
{
  StzConfig      *c      = &sim->cfg;
  StzKmc          k      = sim->kmc;
  const PetscBool stress = c->tr.cyclic_stress_control;
  const PetscReal period = 1 / c->tr.cyclic_frequency_hz, A = stress ? c->tr.cyclic_stress_pa : c->tr.cyclic_amplitude, rate = 4 * A / period;
  const PetscReal legs[3][2]     = {{0.25, 1}, {0.5, -1}, {0.25, 1}}; /* fraction of the period, sign of the rate */
  const PetscInt  rows_per_cycle = 40;
  PetscReal       el0, el1;
  StzRows         rows;
  PetscLogDouble  t0, t1;
  FILE           *cyc;
  StzEnergy       e;
  StzWork         w = {0, 0, 0, PETSC_FALSE}, all = {0, 0, 0, PETSC_FALSE}; /* the cycle's; the whole run's */
  PetscInt        completed = 0;                                            /* cycles run to their end (not cut by a runaway, -stz_max_events or a signal) */

  PetscFunctionBeginUser;
  if (stress) PetscCall(StzSetFree(k));
  PetscCall(StzCyclesBegin(sim, c->temperature_k, &cyc, &el0));
  rows = StzRowsLinear(k->time_s, period / rows_per_cycle);
  PetscCall(PetscTime(&t0));
  for (PetscInt cycle = 1; cycle <= c->tr.cycles && !w.strain_limited; cycle++) {
    const PetscReal t_end = k->time_s + period;
    w                     = (StzWork){0, 0, 0, PETSC_FALSE};
    if (stress) w.max_abs_strain = c->tr.creep_max_strain;
    for (int leg = 0; leg < 3 && !w.strain_limited; leg++) {
      /* Pure shear from the current state: strain-controlled E_xx = E_xx0 + gamma/2, E_yy = E_yy0 - gamma/2, S_xy = 0; or
       * stress-controlled S_xx = S_xx0 + tau, S_yy = S_yy0 - tau, S_xy = 0 (the stress state of creep). */
      const PetscReal r    = legs[leg][1] * rate;
      StzMacroLoad    load = {{0, 0, 1}, {k->E[0], k->E[1], 0}}, dload = {{0, 0, 1}, {0.5 * r, -0.5 * r, 0}};
      if (stress) load = (StzMacroLoad){{1, 1, 1}, {k->S[0], k->S[1], 0}}, dload = (StzMacroLoad){{1, 1, 1}, {r, -r, 0}};
      PetscCall(StzKmcSetLoad(k, &load, &dload));
      PetscCall(StzAdvanceTo(sim, k->time_s + legs[leg][0] * period, &rows, &w, "cyclic"));
    }
    if (!w.strain_limited && k->time_s >= t_end * (1 - 1e-14)) completed++;
    StzCyclesRow(sim, cyc, cycle, &w, el0, &el1, &e);
    el0 = el1;
    all.work_j_per_m3 += w.work_j_per_m3;
    all.peak_stress_pa = PetscMax(all.peak_stress_pa, w.peak_stress_pa);
    all.strain_limited = w.strain_limited;
    if (StzEventsDone(k->events, c->max_events)) break;
  }
  PetscCall(PetscTime(&t1));
  PetscCall(StzSeriesAppend(sim));
  PetscCall(StzFileCommit(c->output_dir, "series.csv", &sim->series_fp));
  PetscCall(StzFileCommit(c->output_dir, "cycles.csv", &cyc));
  if (w.strain_limited && !c->quiet)
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr,
                           "stzdyn: cyclic: the strain reached -stz_creep_max_strain %g at %.4g s: the stress amplitude (%.4g MPa) is above the flow stress at %.4g K (the sample runs "
                           "away); the cycles stopped there, the last row of cycles.csv is the unfinished cycle. Lower -stz_cyclic_stress_pa or raise -stz_creep_max_strain.\n",
                           (double)c->tr.creep_max_strain, (double)k->time_s, (double)(A / 1e6), (double)k->temperature_k));
  PetscCall(StzSetFree(k));
  *wall = t1 - t0;
  PetscCall(StzWritePlasticMapFinal(sim));
  PetscCall(StzTreatmentSummary(sim, *wall, stress ? &all : NULL, c->tr.cycles, completed));
  PetscFunctionReturn(0);
}

/* Temperature steps high -> low -> high, free box; each step changes every site's thermal strain by alpha_i dT. */
static PetscErrorCode StzRunThermalCycling(StzSim sim, PetscReal *wall)
{
  StzConfig      *c  = &sim->cfg;
  StzKmc          k  = sim->kmc;
  const PetscInt  n  = c->tr.thermal_steps;
  const PetscReal dT = (c->tr.thermal_high_k - c->tr.thermal_low_k) / n, step_s = c->tr.thermal_period_s / (2 * n);
  PetscReal       el0, el1;
  StzRows         rows;
  PetscLogDouble  t0, t1;
  FILE           *cyc;
  StzEnergy       e;
  PetscInt        completed = 0; /* cycles run to their end */

  PetscFunctionBeginUser;
  /* Start at the high temperature: the thermal strains are counted from here. */
  PetscCall(StzCyclesBegin(sim, c->tr.thermal_high_k, &cyc, &el0));
  rows = StzRowsLinear(k->time_s, step_s);
  PetscCall(PetscTime(&t0));
  for (PetscInt cycle = 1; cycle <= c->tr.thermal_cycles; cycle++) {
    StzWork         w     = {0, 0, 0, PETSC_FALSE};
    const PetscReal t_end = k->time_s + 2 * n * step_s;
    PetscInt        s;
    for (s = 0; s < 2 * n; s++) {
      if (StzStopRequested()) break;
      PetscCall(StzKmcThermalStrain(k, s < n ? -dT : dT));
      PetscCall(StzAdvanceTo(sim, k->time_s + step_s, &rows, NULL, "thermal-cycling"));
    }
    if (s == 2 * n && k->time_s >= t_end * (1 - 1e-12)) completed++;
    /* No external work in a free box: the dissipated work column is minus the change of elastic energy. */
    StzCyclesRow(sim, cyc, cycle, &w, el0, &el1, &e);
    el0 = el1;
    if (StzEventsDone(k->events, c->max_events)) break;
  }
  PetscCall(PetscTime(&t1));
  PetscCall(StzFileCommit(c->output_dir, "series.csv", &sim->series_fp));
  PetscCall(StzFileCommit(c->output_dir, "cycles.csv", &cyc));
  *wall = t1 - t0;
  PetscCall(StzWritePlasticMapFinal(sim));
  PetscCall(StzTreatmentSummary(sim, *wall, NULL, c->tr.thermal_cycles, completed));
  PetscFunctionReturn(0);
}

/* A heating scan, as differential scanning calorimetry measures a glass: from -stz_dsc_start_k (the sample is brought there
 * at once, as a sample is taken out of a furnace) to -stz_dsc_end_k at -stz_dsc_rate_k_per_s, in steps of -stz_dsc_step_k,
 * unloaded. The heat the glass gives off is the fall of its stored energy (structural enthalpy and residual elastic
 * energy): the excess over the heat capacity of a glass of fixed structure, which is what a scan shows against a rescan of
 * the relaxed sample. Thermal strains are left out: their internal stresses, tens of MPa (docs/validation.md), do not
 * change the relaxation, and the kernel engines hold the isotropic kernels for thermal-cycling runs only. One row of dsc.csv
 * per step. */
static PetscErrorCode StzRunDsc(StzSim sim, PetscReal *wall)
{
  StzConfig      *c  = &sim->cfg;
  StzKmc          k  = sim->kmc;
  const PetscReal T0 = c->tr.dsc_start_k, T1 = c->tr.dsc_end_k, q = c->tr.dsc_rate_k_per_s;
  const PetscInt  n  = (PetscInt)PetscCeilReal((T1 - T0) / c->tr.dsc_step_k - 1e-9);
  const PetscReal dT = (T1 - T0) / n, step_s = dT / q;
  PetscReal       e_prev, e_min, released_5 = -1, released_50 = -1, t_glass = -1;
  PetscReal      *Ek; /* stored energy after step s (0: the start), at T0 + s dT */
  PetscInt        s_min = 0;
  StzRows         rows;
  StzEnergy       e;
  PetscLogDouble  t0, t1;
  FILE           *fp;
  PetscInt        done = 0;

  PetscFunctionBeginUser;
  PetscCall(StzKmcSetTemperature(k, T0));
  PetscCall(StzSetFree(k));
  StzStageBegin(sim);
  PetscCall(StzSeriesBegin(sim));
  PetscCall(StzSeriesAppend(sim));
  PetscCall(PetscMalloc1(n + 1, &Ek));
  PetscCall(StzFileOpen(c->output_dir, "dsc.csv", &fp));
  fprintf(fp, "temperature_k,time_s,stored_energy_j_per_gatom,elastic_energy_j_per_gatom,structural_enthalpy_j_per_gatom,mean_fictive_temperature_k,heat_flow_j_per_gatom_k,heat_flow_w_per_gatom,"
              "heat_released_j_per_gatom,events,relaxation_events\n");
  StzKmcEnergy(k, &e);
  Ek[0] = e.total_j_per_gatom;
  fprintf(fp, "%.6f,%.10e,%.8e,%.8e,%.8e,%.8g,,,0,%lld,%lld\n", (double)T0, (double)k->time_s, (double)e.total_j_per_gatom, (double)e.elastic_j_per_gatom, (double)e.structural_j_per_gatom,
          (double)e.mean_tf_k, (long long)k->events, (long long)k->relax_events);
  e_prev = e_min = e.total_j_per_gatom;
  rows           = StzRowsLinear(k->time_s, step_s);
  PetscCall(PetscTime(&t0));
  for (PetscInt s = 1; s <= n; s++) {
    const PetscReal T = T0 + s * dT;
    if (StzEventsDone(k->events, c->max_events)) break;
    PetscCall(StzKmcStepTemperature(k, T));
    PetscCall(StzAdvanceTo(sim, k->time_s + step_s, &rows, NULL, "dsc"));
    StzKmcEnergy(k, &e);
    /* Heat given off in the step: positive exothermic, as a calorimeter's trace of a relaxing glass is usually drawn. */
    fprintf(fp, "%.6f,%.10e,%.8e,%.8e,%.8e,%.8g,%.8e,%.8e,%.8e,%lld,%lld\n", (double)T, (double)k->time_s, (double)e.total_j_per_gatom, (double)e.elastic_j_per_gatom, (double)e.structural_j_per_gatom,
            (double)e.mean_tf_k, (double)((e_prev - e.total_j_per_gatom) / dT), (double)((e_prev - e.total_j_per_gatom) / step_s), (double)(Ek[0] - e.total_j_per_gatom), (long long)k->events,
            (long long)k->relax_events);
    fflush(fp);
    e_prev = e.total_j_per_gatom;
    Ek[s]  = e.total_j_per_gatom;
    done   = s;
    if (e.total_j_per_gatom < e_min) e_min = e.total_j_per_gatom, s_min = s;
  }
  PetscCall(PetscTime(&t1));
  PetscCall(StzSeriesAppendIfNew(sim));
  PetscCall(StzFileCommit(c->output_dir, "series.csv", &sim->series_fp));
  PetscCall(StzFileCommit(c->output_dir, "dsc.csv", &fp));
  /* Where the heat came off: the temperatures by which 5 % and half of the relaxation enthalpy (the fall of the stored energy
   * from the start to its lowest point) had been given off. And the glass transition on heating: where the heat flow turns
   * from giving off (relaxation) to taking up (the structure following the temperature, the step of the heat capacity), i.e.
   * the lowest point of the stored energy, refined by a least-squares parabola over the 21 steps around the lowest row (the
   * energy is flat there, and the kMC's noise would move the lowest row by several steps); unset if the lowest row is within
   * 10 steps of either end of the scan, or if the energy does not rise after it by at least 1 J/g-atom and a tenth of the
   * scan's range (a scan that ends below the transition levels off, with nothing taken up: thirteenth session). */
  for (PetscInt s = 0; s <= done; s++) {
    if (released_5 < 0 && Ek[0] - Ek[s] >= 0.05 * (Ek[0] - e_min) && Ek[0] > e_min) released_5 = T0 + s * dT;
    if (released_50 < 0 && Ek[0] - Ek[s] >= 0.5 * (Ek[0] - e_min) && Ek[0] > e_min) released_50 = T0 + s * dT;
  }
  {
    PetscReal after = e_min, top = e_min;
    for (PetscInt s = 0; s <= done; s++) top = PetscMax(top, Ek[s]);
    for (PetscInt s = s_min; s <= done; s++) after = PetscMax(after, Ek[s]);
    if (!(after - e_min >= 1.0 && after - e_min >= 0.1 * (top - e_min))) s_min = -1;
  }
  if (s_min >= 10 && s_min + 10 <= done) {
    /* E = a + b x + cc x^2, x in steps from the lowest row. The window is symmetric, so the sums of odd powers of x vanish and
     * the normal equations for b and for (a, cc) separate. */
    PetscReal s0 = 0, s2 = 0, s4 = 0, sy = 0, sxy = 0, sx2y = 0, b, cc;
    for (PetscInt k2 = -10; k2 <= 10; k2++) {
      const PetscReal x = (PetscReal)k2, y = Ek[s_min + k2];
      s0 += 1, s2 += x * x, s4 += x * x * x * x, sy += y, sxy += x * y, sx2y += x * x * y;
    }
    b  = sxy / s2;
    cc = (s0 * sx2y - s2 * sy) / (s0 * s4 - s2 * s2);
    /* A parabola open upwards with its vertex inside the window; else the lowest row itself. */
    t_glass = T0 + dT * (s_min + ((cc > 0 && PetscAbsReal(b / (2 * cc)) <= 10) ? -b / (2 * cc) : 0));
  }
  sim->res.dsc_relaxation_enthalpy_j_per_gatom = Ek[0] - e_min;
  sim->res.dsc_release_5_k                     = released_5;
  sim->res.dsc_release_50_k                    = released_50;
  sim->res.dsc_glass_transition_k              = t_glass;
  PetscCall(PetscFree(Ek));
  *wall = t1 - t0;
  PetscCall(StzWritePlasticMapFinal(sim));
  PetscCall(StzTreatmentSummary(sim, *wall, NULL, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode StzRunTreatment(StzSim sim)
{
  PetscReal wall = 0;

  PetscFunctionBeginUser;
  switch (sim->cfg.protocol) {
  case STZ_PROTO_ANNEAL:
  case STZ_PROTO_CREEP:
    PetscCall(StzRunHold(sim, &wall));
    break;
  case STZ_PROTO_CYCLIC:
    PetscCall(StzRunCyclic(sim, &wall));
    break;
  case STZ_PROTO_THERMAL_CYCLING:
    PetscCall(StzRunThermalCycling(sim, &wall));
    break;
  case STZ_PROTO_DSC:
    PetscCall(StzRunDsc(sim, &wall));
    break;
  case STZ_PROTO_INDENT:
    PetscCall(StzRunIndent(sim));
    break;
  case STZ_PROTO_ROLLING:
    PetscCall(StzRunRolling(sim));
    break;
  case STZ_PROTO_ROLL_GAP:
    PetscCall(StzRunRollGap(sim));
    break;
  default:
    PetscCall(StzRunStrainRate(sim));
    break;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode StzRunSequence(StzSim sim)
{
  StzConfig   *c = &sim->cfg;
  char         top[PETSC_MAX_PATH_LEN];
  StzEnergy    e_start, e_stage0, e1;
  FILE        *fp;
  PetscInt     n = c->tr.n_stages;
  char         dirs[STZ_MAX_STAGES][PETSC_MAX_PATH_LEN];
  StzEnergy    e_before[STZ_MAX_STAGES], e_after[STZ_MAX_STAGES];
  StzSimResult shear[STZ_MAX_STAGES], roll[STZ_MAX_STAGES];
  PetscBool    is_shear[STZ_MAX_STAGES];

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(top, c->output_dir, sizeof(top)));
  StzKmcEnergy(sim->kmc, &e_start);
  for (PetscInt s = 0; s < n; s++) {
    const StzProtocolType p = c->tr.stages[s];
    PetscCall(PetscSNPrintf(dirs[s], sizeof(dirs[s]), "%s/%02d-%s", top, (int)s + 1, StzProtocolNames[p]));
    PetscCall(PetscStrncpy(c->output_dir, dirs[s], sizeof(c->output_dir)));
    PetscCall(StzMakeDir(c->output_dir));
    c->protocol    = p;
    sim->seq_stage = s;
    StzKmcEnergy(sim->kmc, &e_before[s]);
    if (!c->quiet) PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: sequence stage %d/%d: %s\n", (int)s + 1, (int)n, StzProtocolNames[p]));
    PetscCall(StzRunTreatment(sim));
    StzKmcEnergy(sim->kmc, &e_after[s]);
    is_shear[s] = (PetscBool)(p <= STZ_PROTO_TENSION);
    if (is_shear[s]) shear[s] = sim->res;
    if (p == STZ_PROTO_ROLL_GAP) roll[s] = sim->res;
    /* After a loading test, unload so the next stage starts stress-free. */
    if (is_shear[s]) PetscCall(StzSetFree(sim->kmc));
    /* Interrupted: this stage has written its outputs; the later ones are not started, and the summary lists the stages run. */
    if (StzStopRequested()) {
      n = s + 1;
      break;
    }
  }
  c->protocol    = STZ_PROTO_SEQUENCE;
  sim->seq_stage = 0;
  PetscCall(PetscStrncpy(c->output_dir, top, sizeof(c->output_dir)));
  e_stage0 = e_start;
  StzKmcEnergy(sim->kmc, &e1);
  PetscCall(StzFileOpen(top, "summary.json", &fp));
  fprintf(fp, "{\n  \"protocol\": \"sequence\",\n  \"seed\": %lld,\n  \"events\": %lld,\n  \"interrupted\": %s,\n  \"relaxation_events\": %lld,\n", (long long)c->seed, (long long)sim->kmc->events,
          StzStopRequested() ? "true" : "false", (long long)sim->kmc->relax_events);
  StzWriteEnergyJSON(fp, &e_stage0, &e1);
  fprintf(fp, "  \"stages\": [\n");
  for (PetscInt s = 0; s < n; s++) {
    fprintf(fp, "    {\"protocol\": \"%s\", \"output_dir\": ", StzProtocolNames[c->tr.stages[s]]);
    StzWriteJSONString(fp, dirs[s]);
    fprintf(fp, ", \"stored_energy_j_per_gatom_initial\": %.9g, \"stored_energy_j_per_gatom_final\": %.9g", (double)e_before[s].total_j_per_gatom, (double)e_after[s].total_j_per_gatom);
    fprintf(fp, ", \"mean_barrier_ev_initial\": %.9g, \"mean_barrier_ev_final\": %.9g", (double)e_before[s].mean_barrier_ev, (double)e_after[s].mean_barrier_ev);
    if (is_shear[s]) fprintf(fp, ", \"peak_stress_pa\": %.9g, \"flow_stress_pa\": %.9g", (double)shear[s].peak_stress_pa, (double)shear[s].flow_stress_pa);
    if (c->tr.stages[s] == STZ_PROTO_ROLL_GAP) {
      fprintf(fp, ", \"thickness_reduction\": %.9g, \"band_spacing_rd_m\": ", (double)roll[s].roll_thickness_reduction);
      if (roll[s].roll_band_spacing_m > 0) fprintf(fp, "%.6g", (double)roll[s].roll_band_spacing_m);
      else fprintf(fp, "null");
    }
    if (c->tr.stages[s] == STZ_PROTO_INDENT) { /* the last stage: its result is the run's */
      fprintf(fp, ", \"popin_count\": %d, \"first_popin_load_n_per_m\": ", (int)sim->res.popin_count);
      if (sim->res.popin_count) fprintf(fp, "%.9g", (double)sim->res.first_popin_load_n_per_m);
      else fprintf(fp, "null");
    }
    fprintf(fp, "}%s\n", s + 1 < n ? "," : "");
  }
  fprintf(fp, "  ],\n  \"options\": ");
  PetscCall(StzConfigWriteJSON(c, fp, "  "));
  fprintf(fp, "\n}\n");
  PetscCall(StzFileCommit(top, "summary.json", &fp));
  PetscFunctionReturn(0);
}
