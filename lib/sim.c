/* A run: configuration, engine, kMC, the protocol's loading, the observers and the writers (see include/stzdyn/sim.h). */
#include "impl.h"
#include <signal.h>
#include <string.h>

/* ---------- loading modes of the mechanical protocols ---------- */

/* Load and load rate for a protocol at strain rate `rate` (1/s): which components are strain- or stress-controlled. */
static void StzProtocolLoad(StzProtocolType p, PetscReal rate, StzMacroLoad *load, StzMacroLoad *dload)
{
  PetscMemzero(load, sizeof(*load));
  PetscMemzero(dload, sizeof(*dload));
  switch (p) {
  case STZ_PROTO_PURE_SHEAR: /* E_xx = gamma/2, E_yy = -gamma/2, S_xy = 0 */
    load->control[2] = 1;
    dload->value[0]  = 0.5 * rate;
    dload->value[1]  = -0.5 * rate;
    break;
  case STZ_PROTO_SIMPLE_SHEAR: /* E_xy = gamma/2, E_xx = E_yy = 0 */
    dload->value[2] = 0.5 * rate;
    break;
  case STZ_PROTO_COMPRESSION: /* E_yy = -eps, S_xx = S_xy = 0 */
  case STZ_PROTO_TENSION:
    load->control[0] = load->control[2] = 1;
    dload->value[1]                     = p == STZ_PROTO_COMPRESSION ? -rate : rate;
    break;
  default:
    break;
  }
}

/* The protocol's scalar strain, stress and plastic strain (positive in the loading sense), from the stage's start.
 * The treatments (anneal, creep, cyclic, thermal cycling) are measured in pure shear. */
void StzProtocolMeasure(StzSim sim, PetscReal *strain, PetscReal *stress, PetscReal *plastic)
{
  const StzKmc k = sim->kmc;
  switch (StzConfigLoading(&sim->cfg)) {
  case STZ_PROTO_SIMPLE_SHEAR:
    *strain  = 2 * k->E[2];
    *stress  = k->S[2];
    *plastic = 2 * k->mean_eig[2];
    break;
  case STZ_PROTO_COMPRESSION:
  case STZ_PROTO_ROLLING:
  case STZ_PROTO_TENSION: {
    /* The mean yy stress, i.e. the platen's force per length. In a body S is the platen's uniform part only; the eigenstrains'
     * part of the mean is -<su : eps*> by reciprocity (the response to the platen, su per unit strain, is uniform), as the
     * periodic box's mixed control gives (docs/model.md 10). */
    const PetscReal sg  = StzConfigLoading(&sim->cfg) == STZ_PROTO_TENSION ? 1 : -1;
    const PetscReal syy = k->platen ? StzKmcPlatenStress(k) : k->S[1];
    *strain             = sg * k->E[1];
    *stress             = sg * syy;
    *plastic            = sg * k->mean_eig[1];
  } break;
  case STZ_PROTO_ROLL_GAP: {
    /* The roll's depth below the original surface over the strip's height, the mean pressure on its contact, and the strip's
     * plastic thinning, -<eps*_yy> (plastic flow is isochoric without dilatation: it equals the lengthening, <eps*_xx>). */
    PetscReal d, F, lc;
    StzRollGapMeasure(sim, &d, &F, &lc);
    *strain  = d / (sim->cfg.ny * sim->cfg.site_size_m);
    *stress  = lc > 0 ? F / lc : 0;
    *plastic = -k->mean_eig[1];
  } break;
  case STZ_PROTO_INDENT: {
    /* Depth over the body's height, the load over its width (the mean sigma_yy it causes), the plastic depth over the height. */
    const PetscReal H = sim->cfg.ny * sim->cfg.site_size_m, L = sim->cfg.nx * sim->cfg.site_size_m;
    PetscReal       h, F, hp;
    StzIndentMeasure(sim, &h, &F, &hp);
    *strain  = h / H;
    *stress  = F / L;
    *plastic = hp / H;
  } break;
  default:
    *strain  = k->E[0] - k->E[1];
    *stress  = 0.5 * (k->S[0] - k->S[1]);
    *plastic = k->mean_eig[0] - k->mean_eig[1];
    break;
  }
  *strain -= sim->strain0;
  *plastic -= sim->plastic0;
}

void StzStageBegin(StzSim sim)
{
  PetscReal strain, stress, plastic;
  sim->strain0 = sim->plastic0 = 0;
  StzProtocolMeasure(sim, &strain, &stress, &plastic);
  sim->strain0  = strain;
  sim->plastic0 = plastic;
  sim->ser.n    = 0;
  sim->events0  = sim->kmc->events;
  sim->relax0   = sim->kmc->relax_events;
  StzKmcEnergy(sim->kmc, &sim->energy0);
}

void StzWriteEnergyJSON(FILE *fp, const StzEnergy *e0, const StzEnergy *e1)
{
  fprintf(fp, "  \"stored_energy_j_per_gatom_initial\": %.9g,\n  \"stored_energy_j_per_gatom_final\": %.9g,\n", (double)e0->total_j_per_gatom, (double)e1->total_j_per_gatom);
  fprintf(fp, "  \"stored_energy_fraction_dhm_initial\": %.9g,\n  \"stored_energy_fraction_dhm_final\": %.9g,\n", (double)e0->fraction_of_dhm, (double)e1->fraction_of_dhm);
  fprintf(fp, "  \"elastic_energy_j_per_gatom_final\": %.9g,\n  \"structural_enthalpy_j_per_gatom_final\": %.9g,\n", (double)e1->elastic_j_per_gatom, (double)e1->structural_j_per_gatom);
  fprintf(fp, "  \"mean_fictive_temperature_k_initial\": %.9g,\n  \"mean_fictive_temperature_k_final\": %.9g,\n", (double)e0->mean_tf_k, (double)e1->mean_tf_k);
  fprintf(fp, "  \"equivalent_cooling_rate_k_per_s_initial\": %.6g,\n  \"equivalent_cooling_rate_k_per_s_final\": %.6g,\n", (double)e0->cooling_rate_k_per_s, (double)e1->cooling_rate_k_per_s);
  fprintf(fp, "  \"mean_barrier_ev_initial\": %.9g,\n  \"mean_barrier_ev_final\": %.9g,\n", (double)e0->mean_barrier_ev, (double)e1->mean_barrier_ev);
  fprintf(fp, "  \"mean_barrier_disorder_initial\": %.6g,\n  \"mean_barrier_disorder_final\": %.6g,\n", (double)e0->mean_barrier_disorder, (double)e1->mean_barrier_disorder);
  fprintf(fp, "  \"mean_dilatation_final\": %.9g,\n", (double)e1->mean_dilatation);
}

/* Elastic modulus of the loading mode: dtau/dgamma = mu in shear, dsigma/deps = 2 mu / (1 - nu) in plane-strain uniaxial loading
 * (for a body between platens, the platen's stiffness: lambda + 2 mu with both sides held in x, more with sticking platens). */
static PetscReal StzProtocolModulus(const StzSim sim)
{
  const StzConfig      *c = &sim->cfg;
  const StzProtocolType p = StzConfigLoading(c);
  if (p == STZ_PROTO_PURE_SHEAR || p == STZ_PROTO_SIMPLE_SHEAR) return c->mat.shear_modulus_pa;
  if (sim->kmc && sim->kmc->platen) return sim->kmc->platen_M; /* the platen's stiffness per unit area */
  return 2 * c->mat.shear_modulus_pa / (1 - c->mat.poisson_ratio);
}

/* Protocol plastic strain of a unit eigenstrain (xx, yy, xy) spread over the box: the weights of StzProtocolMeasure. */
static void StzProtocolPlasticWeights(StzProtocolType p, PetscReal w[3])
{
  w[0] = w[1] = w[2] = 0;
  switch (p) {
  case STZ_PROTO_SIMPLE_SHEAR:
    w[2] = 2;
    break;
  case STZ_PROTO_COMPRESSION:
  case STZ_PROTO_ROLLING:
  case STZ_PROTO_ROLL_GAP:
    w[1] = -1;
    break;
  case STZ_PROTO_TENSION:
    w[1] = 1;
    break;
  default: /* pure shear, and the treatments, which are measured in pure shear */
    w[0] = 1, w[1] = -1;
    break;
  }
}

/* ---------- series ---------- */

PetscErrorCode StzSeriesBegin(StzSim sim)
{
  PetscFunctionBeginUser;
  PetscCall(StzFileOpen(sim->cfg.output_dir, "series.csv", &sim->series_fp));
  fprintf(sim->series_fp, "time_s,strain,stress_pa,plastic_strain,events,sigma_xx_pa,sigma_yy_pa,sigma_xy_pa,temperature_k,relaxation_events,stored_energy_j_per_gatom,"
                          "elastic_energy_j_per_gatom,structural_enthalpy_j_per_gatom,stored_energy_fraction_dhm,mean_fictive_temperature_k,equivalent_cooling_rate_k_per_s,"
                          "mean_barrier_ev,mean_barrier_disorder,mean_dilatation\n");
  PetscFunctionReturn(0);
}

PetscErrorCode StzSeriesAppendIfNew(StzSim sim)
{
  PetscReal strain, stress, plastic;

  PetscFunctionBeginUser;
  StzProtocolMeasure(sim, &strain, &stress, &plastic);
  if (!sim->ser.n || sim->ser.events[sim->ser.n - 1] != sim->kmc->events || sim->ser.strain[sim->ser.n - 1] != strain || sim->ser.time_s[sim->ser.n - 1] != sim->kmc->time_s)
    PetscCall(StzSeriesAppend(sim));
  PetscFunctionReturn(0);
}

PetscErrorCode StzSeriesAppend(StzSim sim)
{
  StzSeriesBuf *s = &sim->ser;
  PetscReal     strain, stress, plastic;

  PetscFunctionBeginUser;
  if (s->n == s->cap) {
    PetscInt    cap = PetscMax(1024, 2 * s->cap);
    PetscReal  *a[7];
    PetscInt64 *ev;
    PetscReal **old[7] = {&s->time_s, &s->strain, &s->stress, &s->plastic, &s->sxx, &s->syy, &s->sxy};
    for (int k = 0; k < 7; k++) {
      PetscCall(PetscMalloc1(cap, &a[k]));
      if (s->n) PetscCall(PetscArraycpy(a[k], *old[k], s->n));
      PetscCall(PetscFree(*old[k]));
      *old[k] = a[k];
    }
    PetscCall(PetscMalloc1(cap, &ev));
    if (s->n) PetscCall(PetscArraycpy(ev, s->events, s->n));
    PetscCall(PetscFree(s->events));
    s->events = ev;
    s->cap    = cap;
  }
  StzProtocolMeasure(sim, &strain, &stress, &plastic);
  s->time_s[s->n]  = sim->kmc->time_s;
  s->strain[s->n]  = strain;
  s->stress[s->n]  = stress;
  s->plastic[s->n] = plastic;
  if (sim->kmc->el->body) {
    /* A body's S is the platen's uniform part only: the mean stress is taken from the sites (equal areas). */
    PetscReal m[3] = {0, 0, 0}, st[3];
    StzKmcSyncStress(sim->kmc);
    for (PetscInt i = 0; i < sim->kmc->N; i++) {
      StzKmcSiteStress(sim->kmc, i, st);
      for (int q = 0; q < 3; q++) m[q] += st[q] / sim->kmc->N;
    }
    s->sxx[s->n] = m[0], s->syy[s->n] = m[1], s->sxy[s->n] = m[2];
  } else {
    s->sxx[s->n] = sim->kmc->S[0];
    s->syy[s->n] = sim->kmc->S[1];
    s->sxy[s->n] = sim->kmc->S[2];
  }
  s->events[s->n] = sim->kmc->events;
  if (sim->series_fp) {
    StzEnergy e;
    StzKmcEnergy(sim->kmc, &e);
    fprintf(sim->series_fp, "%.10e,%.10e,%.10e,%.10e,%lld,%.10e,%.10e,%.10e,%.6g,%lld,%.8e,%.8e,%.8e,%.8e,%.8g,%.6e,%.8g,%.6g,%.8g\n", (double)s->time_s[s->n], (double)strain, (double)stress,
            (double)plastic, (long long)s->events[s->n], (double)s->sxx[s->n], (double)s->syy[s->n], (double)s->sxy[s->n], (double)sim->kmc->temperature_k, (long long)sim->kmc->relax_events,
            (double)e.total_j_per_gatom, (double)e.elastic_j_per_gatom, (double)e.structural_j_per_gatom, (double)e.fraction_of_dhm, (double)e.mean_tf_k, (double)e.cooling_rate_k_per_s,
            (double)e.mean_barrier_ev, (double)e.mean_barrier_disorder, (double)e.mean_dilatation);
    fflush(sim->series_fp);
  }
  s->n++;
  PetscFunctionReturn(0);
}

/* ---------- pictures ---------- */

PetscErrorCode StzWritePlasticMap(StzSim sim, const char name[])
{
  const PetscInt N = sim->kmc->N;
  PetscReal     *g, vmax = 0;
  char           path[PETSC_MAX_PATH_LEN], title[128];
  PetscReal      strain, stress, plastic;
  StzPngMap      map = {0};

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(N, &g));
  StzPlasticShear(N, sim->kmc->eps_p, g);
  for (PetscInt i = 0; i < N; i++) vmax = PetscMax(vmax, g[i]);
  StzProtocolMeasure(sim, &strain, &stress, &plastic);
  PetscCall(PetscSNPrintf(title, sizeof(title), "plastic shear strain, strain %.4f, %lld events", (double)strain, (long long)sim->kmc->events));
  map.title           = title;
  map.units           = "-";
  map.vmin            = 0;
  map.vmax            = vmax > 0 ? vmax : 1;
  map.cmap            = STZ_CMAP_SEQUENTIAL;
  map.pixels_per_cell = 0;
  map.cell_size_m     = sim->cfg.site_size_m;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", sim->cfg.output_dir, name));
  PetscCall(StzPngWriteMap(path, sim->cfg.nx, sim->cfg.ny, g, &map));
  PetscCall(PetscFree(g));
  PetscFunctionReturn(0);
}

/* ---------- avalanches and frames ---------- */

/* A frame of the last closed avalanche, if it is large enough and frames are wanted. */
static PetscErrorCode StzFrameAvalanche(StzSim sim, PetscInt closed)
{
  const StzConfig    *c = &sim->cfg;
  const StzAvalanche *l;
  PetscInt            n;
  PetscReal          *g;
  char                title[160];

  PetscFunctionBeginUser;
  if (closed < 0 || c->av.frames != STZ_FRAMES_AVALANCHE || sim->frames_written >= c->av.max_frames) PetscFunctionReturn(0);
  StzAvalancheRecGet(sim->av, &n, &l);
  if (l[closed].events < c->av.frame_min_events) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(sim->kmc->N, &g));
  PetscCall(StzAvalancheRecLastField(sim->av, g));
  PetscCall(PetscSNPrintf(title, sizeof(title), "avalanche %d: %lld events, strain %.4f, drop %.1f MPa", (int)l[closed].index, (long long)l[closed].events, (double)l[closed].start_strain,
                          (double)(l[closed].stress_drop_pa / 1e6)));
  PetscCall(StzWriteFrame(c->output_dir, ++sim->frames_written, c->nx, c->ny, g, c->av.frame_scale, c->site_size_m, title));
  PetscCall(PetscFree(g));
  PetscFunctionReturn(0);
}

/* A frame of the plastic shear increment since the previous strain frame. */
static PetscErrorCode StzFrameStrain(StzSim sim, PetscReal strain)
{
  const StzConfig *c = &sim->cfg;
  const PetscInt   N = sim->kmc->N;
  PetscReal       *inc, *g;
  char             title[160];

  PetscFunctionBeginUser;
  if (c->av.frames != STZ_FRAMES_STRAIN || sim->frames_written >= c->av.max_frames) PetscFunctionReturn(0);
  PetscCall(PetscMalloc2(3 * N, &inc, N, &g));
  for (PetscInt i = 0; i < 3 * N; i++) inc[i] = sim->kmc->eps_p[i] - sim->frame_eps[i];
  StzPlasticShear(N, inc, g);
  PetscCall(PetscArraycpy(sim->frame_eps, sim->kmc->eps_p, 3 * N));
  PetscCall(PetscSNPrintf(title, sizeof(title), "plastic shear increment to strain %.4f (%lld events)", (double)strain, (long long)sim->kmc->events));
  PetscCall(StzWriteFrame(c->output_dir, ++sim->frames_written, c->nx, c->ny, g, c->av.frame_scale, c->site_size_m, title));
  PetscCall(PetscFree2(inc, g));
  PetscFunctionReturn(0);
}

/* Set up the avalanche recorder and the frames directory (mechanical protocols). */
static PetscErrorCode StzAvalancheSetUp(StzSim sim)
{
  const StzConfig *c = &sim->cfg;
  PetscReal        w[3];
  char             dir[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  /* A sequence runs several loading stages, each into its own directory: start each one afresh. */
  PetscCall(StzAvalancheRecDestroy(&sim->av));
  PetscCall(PetscFree(sim->frame_eps));
  sim->frames_written = 0;
  StzProtocolPlasticWeights(StzConfigLoading(c), w);
  /* aqs avalanches are delimited by the cascades themselves (force_new at each trigger), never by strain gaps. */
  PetscCall(StzAvalancheRecCreate(c, c->protocol == STZ_PROTO_AQS ? PETSC_MAX_REAL : c->av.gap_strain, w, &sim->av));
  if (c->av.frames != STZ_FRAMES_NONE && c->av.max_frames > 0) {
    PetscCall(PetscSNPrintf(dir, sizeof(dir), "%s/frames", c->output_dir));
    PetscCall(StzMakeDir(dir));
  }
  if (c->av.frames == STZ_FRAMES_STRAIN) {
    PetscCall(PetscMalloc1(3 * sim->kmc->N, &sim->frame_eps));
    PetscCall(PetscArraycpy(sim->frame_eps, sim->kmc->eps_p, 3 * sim->kmc->N));
  }
  PetscFunctionReturn(0);
}

/* Record one event. The state after it is measured. The state just before it is `measured_before` if the driver measured it
 * (aqs); otherwise (thermal: the load advances to the event inside the kMC step) it follows at the event's strain from the
 * event's plastic strain through the exact identity stress = M (strain - plastic) of every loading mode. */
static PetscErrorCode StzAvalancheRecord(StzSim sim, const StzEvent *ev, PetscInt generation, PetscBool force_new, const StzLoadState *measured_before)
{
  const PetscReal M = StzProtocolModulus(sim);
  StzLoadState    before, after;
  PetscReal       w[3], dp;
  PetscInt        closed;

  PetscFunctionBeginUser;
  StzProtocolMeasure(sim, &after.strain, &after.stress_pa, &after.plastic);
  after.time_s = sim->kmc->time_s;
  StzProtocolPlasticWeights(StzConfigLoading(&sim->cfg), w);
  dp               = (w[0] * ev->eig[0] + w[1] * ev->eig[1] + w[2] * ev->eig[2]) / sim->kmc->N;
  before           = after;
  before.plastic   = after.plastic - dp;
  before.stress_pa = after.stress_pa + M * dp;
  if (measured_before) {
    before       = *measured_before;
    after.strain = before.strain; /* aqs: the strain is fixed during a cascade; the macro solve can differ at round-off */
  }
  PetscCall(StzAvalancheRecEvent(sim->av, ev, generation, &before, &after, force_new, &closed));
  PetscCall(StzFrameAvalanche(sim, closed));
  PetscFunctionReturn(0);
}

/* Close the last avalanche, fit the sizes, write avalanches.csv and avalanche_sizes.csv. */
static PetscErrorCode StzAvalancheFinish(StzSim sim)
{
  PetscInt closed;

  PetscFunctionBeginUser;
  PetscCall(StzAvalancheRecClose(sim->av, &closed));
  PetscCall(StzFrameAvalanche(sim, closed));
  PetscCall(StzAvalancheRecFit(sim->av, &sim->res));
  PetscCall(StzAvalancheRecWrite(sim->av, sim->cfg.output_dir, sim->cfg.av.bins));
  PetscFunctionReturn(0);
}

/* ---------- create / destroy ---------- */

PetscErrorCode StzSimCreate(MPI_Comm comm, StzSim *out)
{
  StzSim sim;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&sim));
  sim->comm      = comm;
  sim->last.site = sim->last.cls = -1;
  PetscCallMPI(MPI_Comm_rank(comm, &sim->rank));
  PetscCall(StzConfigFromOptions(comm, &sim->cfg));
  /* An ensemble builds one sample per seed (lib/ensemble.c), not this one. */
  if (sim->cfg.protocol != STZ_PROTO_SINGLE && sim->cfg.n_seeds == 0) {
    /* The kMC is serial and runs on rank 0 (ensembles use the ranks, one seed each); its stress engine is set up there too, on
     * that rank alone, so that the run rounds the same on any number of ranks (a factorisation distributed over ranks rounds
     * differently, and changed the series in the last digits; sharing the set-up saved little: 1.4 s of 5.8 s for 256 x 256
     * sites, and a 64 x 64 block was slower on two ranks). The other ranks learn whether the set-up failed. */
    PetscErrorCode e = 0;
    PetscMPIInt    size;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    if (!sim->rank) {
      e = StzElasticCreate(PETSC_COMM_SELF, &sim->cfg, &sim->el);
      if (!e) e = StzKmcCreate(&sim->cfg, sim->el, &sim->kmc);
    }
    if (size > 1) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &e, 1, MPI_INT, MPI_MAX, comm));
    if (e) {
      PetscCall(StzSimDestroy(&sim));
      PetscFunctionReturn(e); /* rank 0 has reported it */
    }
  }
  *out = sim;
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimDestroy(StzSim *sim)
{
  StzSeriesBuf *s;

  PetscFunctionBeginUser;
  if (!*sim) PetscFunctionReturn(0);
  s = &(*sim)->ser;
  PetscCall(PetscFree(s->time_s));
  PetscCall(PetscFree(s->strain));
  PetscCall(PetscFree(s->stress));
  PetscCall(PetscFree(s->plastic));
  PetscCall(PetscFree(s->sxx));
  PetscCall(PetscFree(s->syy));
  PetscCall(PetscFree(s->sxy));
  PetscCall(PetscFree(s->events));
  if ((*sim)->series_fp) fclose((*sim)->series_fp);
  PetscCall(StzAqsDestroy(&(*sim)->aqs));
  PetscCall(StzAvalancheRecDestroy(&(*sim)->av));
  PetscCall(PetscFree((*sim)->frame_eps));
  PetscCall(StzIndentDestroy(*sim));
  PetscCall(StzKmcDestroy(&(*sim)->kmc));
  PetscCall(StzElasticDestroy(&(*sim)->el));
  PetscCall(PetscFree(*sim));
  PetscFunctionReturn(0);
}

/* ---------- single STZ: the first picture ---------- */

static PetscErrorCode StzRunSingle(StzSim sim)
{
  const StzConfig *c  = &sim->cfg;
  const PetscInt   se = c->site_elems, nex = c->nx * se, ney = c->ny * se, nel = nex * ney, N = c->nx * c->ny;
  const PetscInt   cx = c->nx / 2, cy = c->ny / 2;
  StzFEGeometry    g;
  StzFE            fe;
  StzMacroLoad     zero_stress = {{1, 1, 1}, {0, 0, 0}};
  PetscReal       *site_eig, *eig, *es, *s[3], *map_v, eps[3], vmax = 0, energy;
  char             path[PETSC_MAX_PATH_LEN];
  FILE            *fp;
  StzPngMap        map = {0};

  PetscFunctionBeginUser;
  StzConfigFEGeometry(c, &g);
  PetscCall(StzFECreate(PETSC_COMM_SELF, &g, &fe)); /* on rank 0 alone, as every single run (StzSimCreate) */
  PetscCall(PetscCalloc1(3 * N, &site_eig));
  PetscCall(PetscMalloc3(3 * nel, &eig, 3 * nel, &es, nel, &map_v));
  PetscCall(PetscMalloc3(N, &s[0], N, &s[1], N, &s[2]));
  StzEigenstrain(c->mat.gamma0, c->single_theta_deg * PETSC_PI / 180.0, 1, c->dilatation, eps);
  for (int q = 0; q < 3; q++) site_eig[3 * (cy * c->nx + cx) + q] = eps[q];
  StzSiteToElementEigenstrain(c->nx, c->ny, se, site_eig, eig);
  /* A body carries its edge loads too; a box is at zero mean stress. */
  PetscCall(StzFESolve(fe, eig, c->geometry == STZ_GEOM_PERIODIC ? &zero_stress : NULL, es, NULL, &energy));
  StzElementToSiteStress(c->nx, c->ny, se, es, s);
  if (sim->rank == 0) {
    /* Element-resolution map of sigma_xy. The colour range is set by the field outside the STZ (five sites or more from its
     * edge), so the four lobes are visible; the transformed core saturates. */
    for (PetscInt j = 0; j < ney; j++)
      for (PetscInt i = 0; i < nex; i++) {
        const PetscReal dx = (i + 0.5) / se - (cx + 0.5), dy = (j + 0.5) / se - (cy + 0.5);
        map_v[j * nex + i] = es[3 * (j * nex + i) + 2];
        if (PetscAbsReal(dx) > 5.0 || PetscAbsReal(dy) > 5.0) vmax = PetscMax(vmax, PetscAbsReal(map_v[j * nex + i]));
      }
    map.title           = "sigma_xy around one STZ (Eshelby field)";
    map.units           = "Pa";
    map.vmin            = -vmax;
    map.vmax            = vmax;
    map.cmap            = STZ_CMAP_DIVERGING;
    map.pixels_per_cell = 0;
    map.cell_size_m     = c->site_size_m / se;
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/map_sigma_xy.png", c->output_dir));
    PetscCall(StzPngWriteMap(path, nex, ney, map_v, &map));
    PetscCall(StzFileOpen(c->output_dir, "fields.csv", &fp));
    fprintf(fp, STZ_FIELDS_HEADER);
    for (PetscInt i = 0; i < N; i++) {
      const PetscBool center = (PetscBool)(i == cy * c->nx + cx);
      fprintf(fp, "%.6e,%.6e,%.9e,%.9e,%.9e,%.9e,%.9e,%.9e,%d,,,,,\n", (double)(((i % c->nx) + 0.5) * c->site_size_m), (double)(((i / c->nx) + 0.5) * c->site_size_m), (double)(s[2][i] + s[0][i]),
              (double)(s[2][i] - s[0][i]), (double)s[1][i], (double)site_eig[3 * i], (double)site_eig[3 * i + 1], (double)site_eig[3 * i + 2], center ? 1 : 0);
    }
    PetscCall(StzFileCommit(c->output_dir, "fields.csv", &fp));
    PetscCall(StzFileOpen(c->output_dir, "summary.json", &fp));
    fprintf(fp, "{\n  \"protocol\": \"single-stz\",\n  \"seed\": %lld,\n  \"events\": 1,\n", (long long)c->seed);
    fprintf(fp, "  \"site_stress_at_stz_pa\": [%.9e, %.9e, %.9e],\n", (double)(s[2][cy * c->nx + cx] + s[0][cy * c->nx + cx]), (double)(s[2][cy * c->nx + cx] - s[0][cy * c->nx + cx]),
            (double)s[1][cy * c->nx + cx]);
    fprintf(fp, "  \"elastic_energy_j\": %.9e,\n  \"options\": ", (double)(energy * c->site_size_m));
    PetscCall(StzConfigWriteJSON(c, fp, "  "));
    fprintf(fp, "\n}\n");
    PetscCall(StzFileCommit(c->output_dir, "summary.json", &fp));
    if (!c->quiet)
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: single STZ (gamma0 %g, theta %g deg) in a %d x %d %s%s; wrote %s/map_sigma_xy.png, fields.csv, summary.json\n", (double)c->mat.gamma0,
                            (double)c->single_theta_deg, (int)c->nx, (int)c->ny, StzGeometryNames[c->geometry], c->geometry == STZ_GEOM_PERIODIC ? " box" : "", c->output_dir));
  }
  PetscCall(PetscFree(site_eig));
  PetscCall(PetscFree3(eig, es, map_v));
  PetscCall(PetscFree3(s[0], s[1], s[2]));
  PetscCall(StzFEDestroy(&fe));
  PetscFunctionReturn(0);
}

/* ---------- mechanical loading at constant strain rate ---------- */

PetscErrorCode StzSimBands(StzSim sim, StzLocalization *loc)
{
  const PetscBool periodic = (PetscBool)(sim->cfg.geometry == STZ_GEOM_PERIODIC);
  PetscReal      *g;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(sim->kmc->N, &g));
  StzPlasticShear(sim->kmc->N, sim->kmc->eps_p, g);
  PetscCall(StzLocalizationCompute(sim->cfg.nx, sim->cfg.ny, periodic, g, loc));
  PetscCall(StzBandsCompute(sim->cfg.nx, sim->cfg.ny, periodic, g, sim->cfg.site_size_m, STZ_MAX_BANDS, sim->bands, &sim->n_bands));
  PetscCall(PetscFree(g));
  PetscFunctionReturn(0);
}

static PetscErrorCode StzSummarize(StzSim sim, PetscReal wall)
{
  StzSeriesBuf   *s      = &sim->ser;
  StzSimResult   *r      = &sim->res;
  const PetscReal M      = StzProtocolModulus(sim);
  PetscReal       fsum   = 0, strain, stress, plastic;
  PetscInt        fcount = 0;
  StzLocalization loc;

  PetscFunctionBeginUser;
  {
    /* Keep the avalanche statistics (StzAvalancheFinish ran before). */
    const StzSimResult keep = *r;
    PetscCall(PetscMemzero(r, sizeof(*r)));
    r->avalanche_count    = keep.avalanche_count;
    r->avalanche_positive = keep.avalanche_positive;
    r->avalanche_tail     = keep.avalanche_tail;
    r->avalanche_fit_ok   = keep.avalanche_fit_ok;
    r->avalanche_exponent = keep.avalanche_exponent;
    r->avalanche_ci_low   = keep.avalanche_ci_low;
    r->avalanche_ci_high  = keep.avalanche_ci_high;
    r->avalanche_size_min = keep.avalanche_size_min;
    r->avalanche_ks       = keep.avalanche_ks;
    r->avalanche_size_max = keep.avalanche_size_max;
    /* and those of an earlier treatment stage of a sequence */
    r->treatment_kind                    = keep.treatment_kind;
    r->treatment_strain                  = keep.treatment_strain;
    r->treatment_plastic_strain          = keep.treatment_plastic_strain;
    r->treatment_stopped                 = keep.treatment_stopped;
    r->last_cycle_dissipated_j_per_gatom = keep.last_cycle_dissipated_j_per_gatom;
  }
  r->events            = sim->kmc->events - sim->events0;
  r->wall_time_s       = wall;
  r->events_per_second = wall > 0 ? r->events / wall : 0;
  r->yield_strain      = -1;
  StzProtocolMeasure(sim, &strain, &stress, &plastic);
  r->final_strain = strain;
  r->final_time_s = sim->kmc->time_s;
  for (PetscInt k = 0; k < s->n; k++) {
    r->peak_stress_pa = PetscMax(r->peak_stress_pa, s->stress[k]);
    /* Yield: 0.2% offset. The plastic strain reaches 0.002 between rows k-1 and k; interpolate the strain there, and take the
     * stress from the identity stress = M (strain - plastic) at plastic = 0.002 (docs/model.md 10), which is the intersection
     * with the offset line even when one avalanche takes the plastic strain far past 0.002 between two rows, where the
     * stress of row k is already the stress after the drop. */
    if (r->yield_strain < 0 && s->plastic[k] >= 0.002 && sim->cfg.protocol != STZ_PROTO_ROLL_GAP) {
      const PetscReal p0 = k ? s->plastic[k - 1] : 0, e0 = k ? s->strain[k - 1] : 0;
      const PetscReal ey = s->plastic[k] > p0 ? e0 + (0.002 - p0) * (s->strain[k] - e0) / (s->plastic[k] - p0) : s->strain[k];
      r->yield_strain    = ey;
      r->yield_stress_pa = M * (ey - 0.002);
    }
    /* Flow stress: mean over the last quarter of the strain range. */
    if (s->strain[k] >= 0.75 * strain && sim->cfg.protocol != STZ_PROTO_ROLL_GAP) {
      fsum += s->stress[k];
      fcount++;
    }
  }
  r->flow_stress_pa = fcount ? fsum / fcount : 0;
  /* Initial slope: least squares through the origin over the rows before any plastic strain of 1e-5 (elastic branch). */
  {
    PetscReal sxy = 0, sxx = 0;
    for (PetscInt k = 0; k < s->n && PetscAbsReal(s->plastic[k]) < 1e-5; k++) {
      sxy += s->strain[k] * s->stress[k];
      sxx += s->strain[k] * s->strain[k];
    }
    r->elastic_modulus_pa = sxx > 0 ? sxy / sxx : (PetscReal)NAN;             /* no elastic row: not measured (null), not the theory's value */
    if (sim->cfg.protocol == STZ_PROTO_ROLL_GAP) r->elastic_modulus_pa = NAN; /* the roll's pressure against its depth is no modulus */
  }
  PetscCall(StzSimBands(sim, &loc));
  r->localization_index = loc.index;
  r->band_angle_deg     = loc.angle_deg;
  r->band_count         = sim->n_bands;
  PetscFunctionReturn(0);
}

/* bands.csv: the shear bands of the final plastic shear field (StzBandsCompute), family by family, in order of position along
 * each family's normal; the spacing to the next band of the same family wraps around the period of a periodic box. */
static PetscErrorCode StzWriteBands(StzSim sim)
{
  FILE *fp;

  PetscFunctionBeginUser;
  PetscCall(StzFileOpen(sim->cfg.output_dir, "bands.csv", &fp));
  fprintf(fp, "band,angle_deg,position_m,width_m,mean_plastic_shear,strain_share,spacing_to_next_m\n");
  for (PetscInt b = 0; b < sim->n_bands; b++) {
    const StzBand *k = &sim->bands[b];
    fprintf(fp, "%d,%.2f,%.6e,%.6e,%.6e,%.6f,", (int)b + 1, (double)k->angle_deg, (double)k->position_m, (double)k->width_m, (double)k->mean_shear, (double)k->share);
    if (k->spacing_m >= 0) fprintf(fp, "%.6e\n", (double)k->spacing_m);
    else fprintf(fp, "\n");
  }
  PetscCall(StzFileCommit(sim->cfg.output_dir, "bands.csv", &fp));
  PetscFunctionReturn(0);
}

static PetscErrorCode StzWriteSummary(StzSim sim)
{
  const StzSimResult *r = &sim->res;
  FILE               *fp;

  PetscFunctionBeginUser;
  PetscCall(StzFileOpen(sim->cfg.output_dir, "summary.json", &fp));
  fprintf(fp, "{\n  \"protocol\": \"%s\",\n  \"seed\": %lld,\n  \"events\": %lld,\n  \"interrupted\": %s,\n", StzProtocolNames[sim->cfg.protocol], (long long)sim->cfg.seed, (long long)r->events,
          StzStopRequested() ? "true" : "false");
  fprintf(fp, "  \"wall_time_s\": %.6g,\n  \"events_per_second\": %.6g,\n", (double)r->wall_time_s, (double)r->events_per_second);
  fprintf(fp, "  \"final_strain\": %.9g,\n  \"final_time_s\": %.9g,\n", (double)r->final_strain, (double)r->final_time_s);
  if (PetscIsNanReal(r->elastic_modulus_pa)) fprintf(fp, "  \"elastic_modulus_pa\": null,\n");
  else fprintf(fp, "  \"elastic_modulus_pa\": %.9g,\n", (double)r->elastic_modulus_pa);
  fprintf(fp, "  \"elastic_modulus_theory_pa\": %.9g,\n", (double)StzProtocolModulus(sim));
  if (sim->cfg.protocol == STZ_PROTO_ROLL_GAP) {
    fprintf(fp, "  \"peak_stress_pa\": %.9g,\n  \"flow_stress_pa\": null,\n", (double)r->peak_stress_pa);
    StzRollGapWriteJSON(sim, fp);
  } else fprintf(fp, "  \"peak_stress_pa\": %.9g,\n  \"flow_stress_pa\": %.9g,\n", (double)r->peak_stress_pa, (double)r->flow_stress_pa);
  if (r->yield_strain >= 0) fprintf(fp, "  \"yield_strain\": %.9g,\n  \"yield_stress_pa\": %.9g,\n", (double)r->yield_strain, (double)r->yield_stress_pa);
  else fprintf(fp, "  \"yield_strain\": null,\n  \"yield_stress_pa\": null,\n");
  fprintf(fp, "  \"localization_index\": %.6f,\n  \"band_angle_deg\": %.2f,\n  \"band_count\": %d,\n", (double)r->localization_index, (double)r->band_angle_deg, (int)r->band_count);
  fprintf(fp, "  \"avalanche_count\": %d,\n  \"avalanche_positive_count\": %d,\n", (int)r->avalanche_count, (int)r->avalanche_positive);
  if (r->avalanche_fit_ok) {
    fprintf(fp, "  \"avalanche_exponent\": %.6g,\n", (double)r->avalanche_exponent);
    /* No bootstrap (-stz_avalanche_bootstrap 0): no interval. */
    if (PetscIsInfOrNanReal(r->avalanche_ci_low) || PetscIsInfOrNanReal(r->avalanche_ci_high)) fprintf(fp, "  \"avalanche_exponent_ci_low\": null,\n  \"avalanche_exponent_ci_high\": null,\n");
    else fprintf(fp, "  \"avalanche_exponent_ci_low\": %.6g,\n  \"avalanche_exponent_ci_high\": %.6g,\n", (double)r->avalanche_ci_low, (double)r->avalanche_ci_high);
    fprintf(fp, "  \"avalanche_size_min\": %.6g,\n  \"avalanche_tail_count\": %d,\n  \"avalanche_ks_distance\": %.6g,\n  \"avalanche_fit_note\": null,\n", (double)r->avalanche_size_min,
            (int)r->avalanche_tail, (double)r->avalanche_ks);
  } else {
    fprintf(fp, "  \"avalanche_exponent\": null,\n  \"avalanche_exponent_ci_low\": null,\n  \"avalanche_exponent_ci_high\": null,\n");
    fprintf(fp, "  \"avalanche_size_min\": null,\n  \"avalanche_tail_count\": null,\n  \"avalanche_ks_distance\": null,\n");
    fprintf(fp, "  \"avalanche_fit_note\": \"%s\",\n", r->avalanche_positive < 50 ? "fewer than 50 avalanches with a positive size" : "the positive sizes span less than a decade");
  }
  fprintf(fp, "  \"avalanche_size_max\": %.6g,\n", (double)r->avalanche_size_max);
  fprintf(fp, "  \"relaxation_events\": %lld,\n", (long long)(sim->kmc->relax_events - sim->relax0));
  /* A body whose platen response is not uniform is stepped by thinning: how many proposals were rejected (model.md 7). */
  if (sim->kmc->ramp) fprintf(fp, "  \"thinning_rejections\": %lld,\n", (long long)sim->kmc->thin_rejects);
  {
    StzEnergy e1;
    StzKmcEnergy(sim->kmc, &e1);
    StzWriteEnergyJSON(fp, &sim->energy0, &e1);
  }
  fprintf(fp, "  \"options\": ");
  PetscCall(StzConfigWriteJSON(&sim->cfg, fp, "  "));
  fprintf(fp, "\n}\n");
  PetscCall(StzFileCommit(sim->cfg.output_dir, "summary.json", &fp));
  PetscFunctionReturn(0);
}

/* End of a loading run (strain-rate or aqs): commit series.csv, close the avalanches, summarise, write the final map,
 * fields.csv on request and summary.json. */
PetscErrorCode StzLoadingFinish(StzSim sim, PetscReal wall_s, PetscBool avalanches)
{
  const StzConfig *c = &sim->cfg;

  PetscFunctionBeginUser;
  PetscCall(StzFileCommit(c->output_dir, "series.csv", &sim->series_fp));
  if (avalanches) PetscCall(StzAvalancheFinish(sim));
  PetscCall(StzSummarize(sim, wall_s));
  PetscCall(StzWritePlasticMap(sim, "map_plastic_strain_final.png"));
  PetscCall(StzWriteFields(c, c->output_dir, sim->kmc));
  PetscCall(StzWriteBands(sim));
  PetscCall(StzWriteSummary(sim));
  PetscFunctionReturn(0);
}

PetscErrorCode StzRunStrainRate(StzSim sim)
{
  const StzConfig *c = &sim->cfg;
  StzMacroLoad     load, dload;
  PetscLogDouble   t0, t1, tlast;
  PetscBool        slow_noted = PETSC_FALSE;
  PetscReal        strain, stress, plastic, next_row, next_map = PETSC_MAX_REAL, next_frame = PETSC_MAX_REAL;
  PetscInt         imap = 0;
  PetscReal        sorted_maps[STZ_MAX_MAPS];
  char             name[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  /* Near T_g the flicker acceleration is the largest error of a loading run (docs/model.md 11b): say so where it is read. It
   * matters where unloaded STZs flip back and forth (Argon presets near T_g), not where they are frozen (-js presets). */
  /* The loading's temperature, not the one a previous stage of a sequence left (an anneal at 0.9 T_g before a cold test). */
  if (!c->quiet && c->flicker_limit > 0 && c->flicker_limit < 1000 && c->temperature_k >= 0.8 * c->mat.glass_transition_k &&
      StzActivationRate(c->mat.attempt_frequency_hz, sim->kmc->dF0_j, 0, c->mat.gamma0, c->mat.stz_volume_m3, c->temperature_k) > 1)
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr,
                           "stzdyn: note: at %.3g T_g the flicker acceleration (-stz_flicker_limit %d) overstates stresses (at 0.9 T_g the flow stress by a factor 1.7 against "
                           "limit 1000; docs/model.md 11b); check results that matter with -stz_flicker_limit 1000\n",
                           (double)(c->temperature_k / c->mat.glass_transition_k), (int)c->flicker_limit));
  StzProtocolLoad(c->protocol, c->strain_rate, &load, &dload);
  /* Start from the present state: strain-controlled components keep their current mean strain (zero in a fresh sample). */
  for (int q = 0; q < 3; q++)
    if (!load.control[q]) load.value[q] = sim->kmc->E[q];
  if (sim->kmc->temperature_k != c->temperature_k) PetscCall(StzKmcSetTemperature(sim->kmc, c->temperature_k));
  PetscCall(StzKmcSetLoad(sim->kmc, &load, &dload));
  StzStageBegin(sim);
  PetscCall(StzAvalancheSetUp(sim));
  if (c->av.frames == STZ_FRAMES_STRAIN) next_frame = PetscMin(c->av.frame_dstrain, c->max_strain);
  for (PetscInt k = 0; k < c->n_maps; k++) sorted_maps[k] = c->map_strains[k];
  PetscCall(PetscSortReal(c->n_maps, sorted_maps));
  if (c->n_maps) next_map = sorted_maps[0];
  /* The series is written as it grows (flushed per row) under a partial name, renamed when the run completes. */
  PetscCall(StzSeriesBegin(sim));
  PetscCall(StzSeriesAppend(sim));
  /* Row k sits at k * dstrain (not a running sum, which drifts); the last row is at max_strain exactly. */
  next_row = PetscMin(c->series_dstrain, c->max_strain);
  PetscCall(PetscTime(&t0));
  tlast = t0;
  for (;;) {
    PetscBool fired;
    StzEvent  ev;
    PetscReal target = PetscMin(PetscMin(PetscMin(next_row, next_map), next_frame), c->max_strain), t_limit;
    if (StzEventsDone(sim->kmc->events, c->max_events)) {
      PetscCall(StzSeriesAppend(sim));
      break;
    }
    StzProtocolMeasure(sim, &strain, &stress, &plastic);
    /* Strain is linear in time in every strain-rate protocol: the time to the next milestone is exact. */
    t_limit = PetscMax(0, (target - strain) / c->strain_rate);
    PetscCall(StzKmcStep(sim->kmc, t_limit, &fired, &ev));
    if (fired) sim->last = ev;
    StzProtocolMeasure(sim, &strain, &stress, &plastic);
    /* Relaxation events (structural state) change no strain: they are not part of avalanches. */
    if (fired && ev.cls != STZ_CLASS_RELAX(sim->kmc)) PetscCall(StzAvalancheRecord(sim, &ev, -1, PETSC_FALSE, NULL));
    if (!fired) {
      /* Reached the milestone exactly. */
      if (target >= next_frame) {
        PetscCall(StzFrameStrain(sim, target));
        next_frame = PetscMin(c->av.frame_dstrain * (PetscFloorReal(target / c->av.frame_dstrain + 0.5) + 1), c->max_strain);
        if (target >= c->max_strain * (1 - 1e-12)) next_frame = PETSC_MAX_REAL;
      }
      if (target >= next_row) {
        PetscCall(StzSeriesAppend(sim));
        next_row = PetscMin(c->series_dstrain * (PetscFloorReal(target / c->series_dstrain + 0.5) + 1), c->max_strain);
        if (target >= c->max_strain * (1 - 1e-12)) next_row = PETSC_MAX_REAL;
      }
      if (target >= next_map && imap < c->n_maps) {
        PetscCall(PetscSNPrintf(name, sizeof(name), "map_plastic_strain_%.4f.png", (double)next_map));
        PetscCall(StzWritePlasticMap(sim, name));
        imap++;
        next_map = imap < c->n_maps ? sorted_maps[imap] : PETSC_MAX_REAL;
      }
      if (target >= c->max_strain * (1 - 1e-12)) break;
    }
    if (c->progress_s > 0 && !c->quiet) {
      PetscLogDouble now;
      PetscCall(PetscTime(&now));
      if (now - tlast >= c->progress_s) {
        const PetscReal eps = sim->kmc->events / (now - t0), frac = strain / c->max_strain, eta = frac > 0 ? (now - t0) * (1 - frac) / frac : PETSC_INFINITY;
        char            when[32];
        /* Readable at any size: seconds, minutes, hours or days. */
        if (eta < 120) PetscCall(PetscSNPrintf(when, sizeof(when), "%.0f s", (double)eta));
        else if (eta < 7200) PetscCall(PetscSNPrintf(when, sizeof(when), "%.0f min", (double)(eta / 60)));
        else if (eta < 172800) PetscCall(PetscSNPrintf(when, sizeof(when), "%.1f h", (double)(eta / 3600)));
        else if (eta < 1e12) PetscCall(PetscSNPrintf(when, sizeof(when), "%.0f d", (double)(eta / 86400)));
        else PetscCall(PetscStrncpy(when, "unknown (no strain yet)", sizeof(when)));
        PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: strain %.4f/%.4f  stress %.4g MPa  events %lld  %.0f events/s  ETA %s\n", (double)strain, (double)c->max_strain,
                               (double)(stress / 1e6), (long long)sim->kmc->events, (double)eps, when));
        /* Once, from the second line on (the first may be all set-up): a run that would take days says why. */
        if (tlast > t0 && !slow_noted && eta > 86400 && eta < 1e12) {
          PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr,
                                 "stzdyn: note: at this pace the run needs %s: its STZs flip back and forth far faster than the load moves (%.3g events per simulated second at %g K; above T_g = %g K "
                                 "almost every event is such flicker, docs/model.md 11b); a higher -stz_strain_rate, fewer sites or a smaller -stz_max_strain shorten it\n",
                                 when, (double)(sim->kmc->time_s > 0 ? sim->kmc->events / sim->kmc->time_s : 0), (double)c->temperature_k, (double)c->mat.glass_transition_k));
          slow_noted = PETSC_TRUE;
        }
        tlast = now;
      }
    }
  }
  PetscCall(PetscTime(&t1));
  PetscCall(StzLoadingFinish(sim, t1 - t0, PETSC_TRUE));
  if (!c->quiet) {
    const StzSimResult *r = &sim->res;
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "stzdyn: %s at %g K, %g /s: %lld events in %.2f s (%.0f events/s)\n  peak stress %.4g MPa, flow stress %.4g MPa, localization %.3f (band at %.1f deg)\n  "
                          "outputs in %s/: series.csv, summary.json, avalanches.csv, avalanche_sizes.csv, bands.csv, map_plastic_strain_final.png%s%s%s\n",
                          StzProtocolNames[c->protocol], (double)c->temperature_k, (double)c->strain_rate, (long long)r->events, (double)r->wall_time_s, (double)r->events_per_second,
                          (double)(r->peak_stress_pa / 1e6), (double)(r->flow_stress_pa / 1e6), (double)r->localization_index, (double)r->band_angle_deg, c->output_dir,
                          c->n_maps ? ", map_plastic_strain_<strain>.png" : "", c->fields_csv ? ", fields.csv" : "", c->fields_vtk ? ", fields.vti" : ""));
  }
  PetscFunctionReturn(0);
}

/* ---------- rolling: passes of compression and unloading ---------- */

/* Rolling (docs/model.md 10d): -stz_rolling_passes passes, each a plane-strain compression that moves the top platen
 * -stz_rolling_pass_strain past where the last pass left it unloaded, at -stz_strain_rate, then an unloading at the same
 * rate until the platen carries no force. series.csv gets a row every series_dstrain of platen travel and one at each turn;
 * passes.csv a row per pass. The protocol's strain, stress and plastic strain are those of compression. */
PetscErrorCode StzRunRolling(StzSim sim)
{
  const StzConfig *c = &sim->cfg;
  StzMacroLoad     load, dload;
  PetscLogDouble   t0, t1;
  PetscReal        strain, stress, plastic, M;
  FILE            *fp;
  PetscInt         row = 1;

  PetscFunctionBeginUser;
  if (sim->kmc->temperature_k != c->temperature_k) PetscCall(StzKmcSetTemperature(sim->kmc, c->temperature_k));
  StzProtocolLoad(STZ_PROTO_COMPRESSION, c->strain_rate, &load, &dload);
  load.value[1] = sim->kmc->E[1];
  PetscCall(StzKmcSetLoad(sim->kmc, &load, &dload));
  StzStageBegin(sim);
  PetscCall(StzAvalancheSetUp(sim));
  PetscCall(StzSeriesBegin(sim));
  PetscCall(StzSeriesAppend(sim));
  PetscCall(StzFileOpen(c->output_dir, "passes.csv", &fp));
  fprintf(fp, "pass,strain_loaded,peak_stress_pa,strain_unloaded,plastic_strain,stored_energy_j_per_gatom,structural_enthalpy_j_per_gatom,localization_index,band_count,events\n");
  M = StzProtocolModulus(sim);
  PetscCall(PetscTime(&t0));
  for (PetscInt pass = 1; pass <= c->roll.passes; pass++) {
    PetscReal peak = 0, target;
    StzProtocolMeasure(sim, &strain, &stress, &plastic);
    target = strain + c->roll.pass_strain;
    /* Loading: the platen moves down at the strain rate to the pass's strain. */
    for (;;) {
      PetscBool fired;
      StzEvent  ev;
      PetscReal t_row;
      StzProtocolMeasure(sim, &strain, &stress, &plastic);
      if (strain >= target * (1 - 1e-12) || StzEventsDone(sim->kmc->events, c->max_events)) break;
      t_row = sim->kmc->time_s < row * c->series_dstrain / c->strain_rate ? row * c->series_dstrain / c->strain_rate - sim->kmc->time_s : 0;
      PetscCall(StzKmcStep(sim->kmc, PetscMax(0, PetscMin((target - strain) / c->strain_rate, t_row)), &fired, &ev));
      StzProtocolMeasure(sim, &strain, &stress, &plastic);
      peak = PetscMax(peak, stress);
      if (fired && ev.cls != STZ_CLASS_RELAX(sim->kmc)) PetscCall(StzAvalancheRecord(sim, &ev, -1, PETSC_FALSE, NULL));
      if (!fired && sim->kmc->time_s >= row * c->series_dstrain / c->strain_rate * (1 - 1e-12)) {
        PetscCall(StzSeriesAppend(sim));
        row++;
      }
    }
    PetscCall(StzSeriesAppend(sim));
    {
      const PetscReal loaded = strain;
      /* Unloading: the platen moves back up at the strain rate until it carries no force. Between events the force falls
       * linearly, at M per unit strain; an event changes it, so the time to zero is recomputed after each, and if an event
       * has thrown it past zero (into tension) the platen moves back down to it. */
      PetscReal dir = 0;
      for (;;) {
        PetscBool fired;
        StzEvent  ev;
        StzProtocolMeasure(sim, &strain, &stress, &plastic);
        if (PetscAbsReal(stress) <= 1e-9 * M * c->roll.pass_strain || StzEventsDone(sim->kmc->events, c->max_events)) break;
        if (dir != (stress > 0 ? 1 : -1)) {
          dir            = stress > 0 ? 1 : -1;
          dload.value[1] = dir * c->strain_rate;
          load.value[1]  = sim->kmc->load.value[1];
          PetscCall(StzKmcSetLoad(sim->kmc, &load, &dload));
        }
        PetscCall(StzKmcStep(sim->kmc, PetscAbsReal(stress) / (M * c->strain_rate), &fired, &ev));
        if (fired && ev.cls != STZ_CLASS_RELAX(sim->kmc)) PetscCall(StzAvalancheRecord(sim, &ev, -1, PETSC_FALSE, NULL));
      }
      dload.value[1] = -c->strain_rate;
      load.value[1]  = sim->kmc->load.value[1];
      PetscCall(StzKmcSetLoad(sim->kmc, &load, &dload));
      row = (PetscInt)PetscCeilReal(sim->kmc->time_s * c->strain_rate / c->series_dstrain) + 1;
      PetscCall(StzSeriesAppendIfNew(sim)); /* a pass cut while loading has its row already */
      {
        StzEnergy       e;
        StzLocalization loc;
        PetscCall(StzSimBands(sim, &loc));
        StzKmcEnergy(sim->kmc, &e);
        fprintf(fp, "%d,%.8e,%.8e,%.8e,%.8e,%.8e,%.8e,%.6f,%d,%lld\n", (int)pass, (double)loaded, (double)peak, (double)strain, (double)plastic, (double)e.total_j_per_gatom,
                (double)e.structural_j_per_gatom, (double)loc.index, (int)sim->n_bands, (long long)(sim->kmc->events - sim->events0));
        fflush(fp);
        if (!c->quiet)
          PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: rolling pass %d/%d: to strain %.4f (peak %.4g MPa), unloaded at %.4f, plastic strain %.4f, stored energy %.4g J/g-atom, %d band%s\n",
                                (int)pass, (int)c->roll.passes, (double)loaded, (double)(peak / 1e6), (double)strain, (double)plastic, (double)e.total_j_per_gatom, (int)sim->n_bands,
                                sim->n_bands == 1 ? "" : "s"));
      }
    }
    /* At -stz_max_events or on an interruption this pass is the last (later ones would take no events). */
    if (StzEventsDone(sim->kmc->events, c->max_events)) break;
  }
  PetscCall(StzFileCommit(c->output_dir, "passes.csv", &fp));
  PetscCall(PetscTime(&t1));
  PetscCall(StzLoadingFinish(sim, t1 - t0, PETSC_TRUE));
  if (!c->quiet)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  outputs in %s/: series.csv, passes.csv, summary.json, bands.csv, avalanches.csv, avalanche_sizes.csv, map_plastic_strain_final.png%s%s\n", c->output_dir,
                          c->fields_csv ? ", fields.csv" : "", c->fields_vtk ? ", fields.vti" : ""));
  PetscFunctionReturn(0);
}

/* ---------- athermal quasistatic loading (lib/aqs.c) ---------- */

/* Load to the next threshold, relax the cascade at fixed strain, repeat, until -stz_max_strain or -stz_max_events. series.csv gets
 * a row just before and just after every avalanche, so the saw-tooth stress-strain curve is exact (time_s is 0: no clock). */
static PetscErrorCode StzRunAqs(StzSim sim)
{
  const StzConfig *c = &sim->cfg;
  StzMacroLoad     load, dload;
  PetscLogDouble   t0, t1, tlast;
  PetscReal        next_frame = PETSC_MAX_REAL, next_map = PETSC_MAX_REAL, strain, stress, plastic, sorted_maps[STZ_MAX_MAPS];
  PetscInt         imap = 0;
  PetscBool        stop = PETSC_FALSE;
  char             name[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  StzProtocolLoad(c->av.aqs_loading, 1.0, &load, &dload);
  for (int q = 0; q < 3; q++) dload.control[q] = load.control[q]; /* which components are stress-controlled (held at 0) */
  PetscCall(StzAqsCreate(sim->kmc, &dload, &sim->aqs));
  StzStageBegin(sim);
  PetscCall(StzAvalancheSetUp(sim));
  if (c->av.frames == STZ_FRAMES_STRAIN) next_frame = PetscMin(c->av.frame_dstrain, c->max_strain);
  for (PetscInt k = 0; k < c->n_maps; k++) sorted_maps[k] = c->map_strains[k];
  PetscCall(PetscSortReal(c->n_maps, sorted_maps));
  if (c->n_maps) next_map = sorted_maps[0];
  PetscCall(StzSeriesBegin(sim));
  PetscCall(StzSeriesAppend(sim));
  PetscCall(PetscTime(&t0));
  tlast = t0;
  while (!stop) {
    PetscBool triggered, fired, force_new = PETSC_TRUE;
    PetscInt  gen, closed;
    StzEvent  ev;

    if (StzEventsDone(sim->kmc->events, c->max_events)) {
      PetscCall(StzSeriesAppendIfNew(sim)); /* the last row may already be this state (an interruption between avalanches) */
      break;
    }
    PetscCall(StzAqsLoad(sim->aqs, PetscMin(PetscMin(next_frame, next_map), c->max_strain), &triggered));
    if (!triggered) {
      /* Reached a frame or map strain, or the end, with no threshold crossed. */
      const PetscReal e = StzAqsStrain(sim->aqs);
      while (e >= next_map) {
        PetscCall(PetscSNPrintf(name, sizeof(name), "map_plastic_strain_%.4f.png", (double)next_map));
        PetscCall(StzWritePlasticMap(sim, name));
        imap++;
        next_map = imap < c->n_maps ? sorted_maps[imap] : PETSC_MAX_REAL;
      }
      if (e >= next_frame) {
        PetscCall(StzFrameStrain(sim, e));
        next_frame = PetscMin(c->av.frame_dstrain * (PetscFloorReal(e / c->av.frame_dstrain + 0.5) + 1), c->max_strain);
        if (e >= c->max_strain * (1 - 1e-12)) next_frame = PETSC_MAX_REAL;
      }
      if (e >= c->max_strain * (1 - 1e-12)) {
        PetscCall(StzSeriesAppend(sim));
        break;
      }
      continue;
    }
    PetscCall(StzSeriesAppend(sim)); /* the local maximum, just before the avalanche */
    for (;;) {
      StzLoadState pre;
      StzProtocolMeasure(sim, &pre.strain, &pre.stress_pa, &pre.plastic);
      pre.strain = StzAqsStrain(sim->aqs) - sim->strain0; /* the driver's strain: exactly constant through the cascade */
      pre.time_s = 0;
      PetscCall(StzAqsRelax(sim->aqs, &fired, &ev, &gen));
      if (!fired) break;
      sim->last = ev;
      PetscCall(StzAvalancheRecord(sim, &ev, gen, force_new, &pre));
      force_new = PETSC_FALSE;
      if (StzEventsDone(sim->kmc->events, c->max_events)) {
        stop = PETSC_TRUE; /* the cascade is cut: its last row is not a relaxed state */
        break;
      }
    }
    PetscCall(StzAvalancheRecClose(sim->av, &closed));
    PetscCall(StzFrameAvalanche(sim, closed));
    PetscCall(StzSeriesAppend(sim)); /* the local minimum, just after it */
    if (c->progress_s > 0 && !c->quiet) {
      PetscLogDouble now;
      PetscCall(PetscTime(&now));
      if (now - tlast >= c->progress_s) {
        StzProtocolMeasure(sim, &strain, &stress, &plastic);
        PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: aqs strain %.4f/%.4f  stress %.4g MPa  events %lld  avalanches %d\n", (double)strain, (double)c->max_strain, (double)(stress / 1e6),
                               (long long)sim->kmc->events, (int)(closed + 1)));
        tlast = now;
      }
    }
  }
  PetscCall(PetscTime(&t1));
  PetscCall(StzLoadingFinish(sim, t1 - t0, PETSC_TRUE));
  if (!c->quiet) {
    const StzSimResult *r = &sim->res;
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: aqs (%s): %lld events in %d avalanches, %.2f s\n  peak stress %.4g MPa, flow stress %.4g MPa, localization %.3f (band at %.1f deg)\n",
                          StzProtocolNames[c->av.aqs_loading], (long long)r->events, (int)r->avalanche_count, (double)r->wall_time_s, (double)(r->peak_stress_pa / 1e6),
                          (double)(r->flow_stress_pa / 1e6), (double)r->localization_index, (double)r->band_angle_deg));
    if (r->avalanche_fit_ok)
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  avalanche size exponent %.3f (95%% CI %.3f .. %.3f) above size %.3g (%d of %d avalanches)\n", (double)r->avalanche_exponent,
                            (double)r->avalanche_ci_low, (double)r->avalanche_ci_high, (double)r->avalanche_size_min, (int)r->avalanche_tail, (int)r->avalanche_positive));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  outputs in %s/: series.csv, summary.json, avalanches.csv, avalanche_sizes.csv, bands.csv, map_plastic_strain_final.png%s%s%s%s\n", c->output_dir,
                          c->n_maps ? ", map_plastic_strain_<strain>.png" : "", c->fields_csv ? ", fields.csv" : "", c->fields_vtk ? ", fields.vti" : "",
                          c->av.frames != STZ_FRAMES_NONE ? ", frames/" : ""));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimRun(StzSim sim)
{
  PetscFunctionBeginUser;
  PetscCheck(!sim->ran, sim->comm, PETSC_ERR_ARG_WRONGSTATE, "a run can be run once");
  sim->ran = PETSC_TRUE;
  PetscCall(StzConfigCheckLoading(sim->comm, &sim->cfg));
  if (sim->rank == 0) PetscCall(StzMakeDir(sim->cfg.output_dir));
  PetscCallMPI(MPI_Barrier(sim->comm));
  if (sim->cfg.n_seeds > 0) PetscCall(StzRunEnsemble(sim)); /* every rank takes its share of the seeds */
  else if (sim->rank == 0) {
    /* A single run is serial: rank 0 runs it, and the other ranks wait. */
    if (sim->cfg.protocol == STZ_PROTO_SINGLE) PetscCall(StzRunSingle(sim));
    else if (sim->cfg.protocol == STZ_PROTO_AQS) PetscCall(StzRunAqs(sim));
    else if (sim->cfg.protocol == STZ_PROTO_INDENT) PetscCall(StzRunIndent(sim));
    else if (sim->cfg.protocol == STZ_PROTO_ROLLING) PetscCall(StzRunRolling(sim));
    else if (sim->cfg.protocol == STZ_PROTO_ROLL_GAP) PetscCall(StzRunRollGap(sim));
    else if (sim->cfg.protocol == STZ_PROTO_SEQUENCE) PetscCall(StzRunSequence(sim));
    else if (sim->cfg.protocol >= STZ_PROTO_ANNEAL) PetscCall(StzRunTreatment(sim));
    else PetscCall(StzRunStrainRate(sim));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimGetResult(StzSim sim, StzSimResult *res)
{
  PetscFunctionBeginUser;
  *res = sim->res;
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimGetSeries(StzSim sim, StzSeries *s)
{
  PetscFunctionBeginUser;
  s->n              = sim->ser.n;
  s->time_s         = sim->ser.time_s;
  s->strain         = sim->ser.strain;
  s->stress_pa      = sim->ser.stress;
  s->plastic_strain = sim->ser.plastic;
  s->events         = sim->ser.events;
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimGetSites(StzSim sim, PetscInt *nx, PetscInt *ny, PetscReal stress[], const PetscReal **eps_p, const PetscInt **count)
{
  PetscFunctionBeginUser;
  PetscCheck(sim->kmc, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "no lattice on this rank: the single-stz protocol has none, an ensemble builds one per seed, and a single run holds it on rank 0 alone");
  if (nx) *nx = sim->kmc->nx;
  if (ny) *ny = sim->kmc->ny;
  if (stress) {
    StzKmcSyncStress(sim->kmc);
    for (PetscInt i = 0; i < sim->kmc->N; i++) StzKmcSiteStress(sim->kmc, i, stress + 3 * i);
  }
  if (eps_p) *eps_p = sim->kmc->eps_p;
  if (count) *count = sim->kmc->count;
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimElementEigenstrain(StzSim sim, PetscReal eig[])
{
  const StzConfig *c = &sim->cfg;
  const PetscInt   N = c->nx * c->ny;
  PetscReal       *e;

  PetscFunctionBeginUser;
  PetscCheck(sim->kmc, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "no lattice on this rank: the single-stz protocol has none, an ensemble builds one per seed, and a single run holds it on rank 0 alone");
  PetscCall(PetscMalloc1(3 * N, &e));
  for (PetscInt i = 0; i < N; i++) {
    const PetscReal *p = sim->kmc->eps_p + 3 * i, th = sim->kmc->eps_th[i];
    e[3 * i] = p[0] + th, e[3 * i + 1] = p[1] + th, e[3 * i + 2] = p[2];
  }
  StzSiteToElementEigenstrain(c->nx, c->ny, c->site_elems, e, eig);
  PetscCall(PetscFree(e));
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimVerifyStress(StzSim sim, PetscReal *rel_err)
{
  const StzConfig *c = &sim->cfg;
  const PetscInt   N = c->nx * c->ny, nel = N * c->site_elems * c->site_elems;
  StzFEGeometry    g;
  StzFE            fe;
  PetscReal       *eig, *es, *s[3], err = 0, scale = 0;
  StzMacroLoad     load;

  PetscFunctionBeginUser;
  PetscCheck(sim->kmc, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "no lattice on this rank: the single-stz protocol has none, an ensemble builds one per seed, and a single run holds it on rank 0 alone");
  load = sim->kmc->load;
  StzConfigFEGeometry(c, &g);
  /* A body between platens: the top edge where the platen is now (its response is in the kMC's S or the engine's arrays). */
  if (sim->kmc->platen) StzPlatenEdge(c, &g, sim->kmc->load.control[1] ? 0 : sim->kmc->load.value[1]);
  PetscCall(StzFECreate(PETSC_COMM_SELF, &g, &fe));
  PetscCall(PetscMalloc2(3 * nel, &eig, 3 * nel, &es));
  PetscCall(PetscMalloc3(N, &s[0], N, &s[1], N, &s[2]));
  PetscCall(StzSimElementEigenstrain(sim, eig));
  if (sim->ind) PetscCall(StzIndentSolve(sim, eig, es, NULL)); /* an indenter's load is its pressure on the top edge */
  else PetscCall(StzFESolve(fe, eig, c->geometry == STZ_GEOM_PERIODIC ? &load : NULL, es, NULL, NULL));
  StzKmcSyncStress(sim->kmc); /* sp is lazy: add the pending events' kernels before comparing */
  StzElementToSiteStress(c->nx, c->ny, c->site_elems, es, s);
  for (PetscInt i = 0; i < N; i++) {
    PetscReal ref[3] = {s[2][i] + s[0][i], s[2][i] - s[0][i], s[1][i]}, mine[3];

    StzKmcSiteStress(sim->kmc, i, mine);
    for (int q = 0; q < 3; q++) {
      err   = PetscMax(err, PetscAbsReal(ref[q] - mine[q]));
      scale = PetscMax(scale, PetscAbsReal(ref[q]));
    }
  }
  /* At least the stress scale of one transformation, mu gamma0: after flips and their reversals (with dilatation these cancel
   * exactly) the field can return to zero, where a relative error would only measure round-off against nothing. */
  scale    = PetscMax(scale, c->mat.shear_modulus_pa * c->mat.gamma0);
  *rel_err = err / scale;
  PetscCall(PetscFree2(eig, es));
  PetscCall(PetscFree3(s[0], s[1], s[2]));
  PetscCall(StzFEDestroy(&fe));
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimVerifyEnergy(StzSim sim, PetscReal *kmc_j_per_gatom, PetscReal *fe_j_per_gatom)
{
  const StzConfig *c = &sim->cfg;
  const PetscInt   N = c->nx * c->ny, nel = N * c->site_elems * c->site_elems;
  const PetscReal  V           = c->site_size_m * c->site_size_m * c->site_size_m;
  StzMacroLoad     zero_stress = {{1, 1, 1}, {0, 0, 0}};
  StzFEGeometry    g;
  StzFE            fe;
  PetscReal       *site_eig, *eig, energy;
  StzEnergy        e;

  PetscFunctionBeginUser;
  PetscCheck(sim->kmc, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "no lattice on this rank: the single-stz protocol has none, an ensemble builds one per seed, and a single run holds it on rank 0 alone");
  StzConfigFEGeometry(c, &g);
  /* A body between platens is compared unloaded: the top platen where the platen force is zero, eyy = <su : eps*> / su_yy. */
  if (sim->kmc->platen) StzPlatenEdge(c, &g, StzKmcPlatenCoupling(sim->kmc) / sim->kmc->platen_M);
  PetscCall(StzFECreate(PETSC_COMM_SELF, &g, &fe));
  PetscCall(PetscMalloc2(3 * N, &site_eig, 3 * nel, &eig));
  for (PetscInt i = 0; i < N; i++) {
    site_eig[3 * i]     = sim->kmc->eps_p[3 * i] + sim->kmc->eps_th[i];
    site_eig[3 * i + 1] = sim->kmc->eps_p[3 * i + 1] + sim->kmc->eps_th[i];
    site_eig[3 * i + 2] = sim->kmc->eps_p[3 * i + 2];
  }
  StzSiteToElementEigenstrain(c->nx, c->ny, c->site_elems, site_eig, eig);
  PetscCall(StzFESolve(fe, eig, c->geometry == STZ_GEOM_PERIODIC ? &zero_stress : NULL, NULL, NULL, &energy));
  StzKmcEnergy(sim->kmc, &e);
  *kmc_j_per_gatom = e.elastic_j_per_gatom;
  *fe_j_per_gatom  = StzJoulesPerGramAtom(energy * c->site_size_m / N, V, c->mat.atomic_volume_m3);
  PetscCall(PetscFree2(site_eig, eig));
  PetscCall(StzFEDestroy(&fe));
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimRunEvents(StzSim sim, PetscInt n_events, PetscReal *wall_s)
{
  PetscLogDouble t0, t1;
  PetscInt       done = 0;

  PetscFunctionBeginUser;
  PetscCheck(sim->kmc, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "no lattice on this rank: the single-stz protocol has none, an ensemble builds one per seed, and a single run holds it on rank 0 alone");
  PetscCall(PetscTime(&t0));
  while (done < n_events) {
    PetscBool fired;
    StzEvent  ev;
    PetscCall(StzKmcStep(sim->kmc, PETSC_MAX_REAL, &fired, &ev));
    PetscCheck(fired, sim->comm, PETSC_ERR_PLIB, "no event can happen: every rate is zero (check temperature and barriers)");
    sim->last = ev;
    done++;
  }
  PetscCall(PetscTime(&t1));
  if (wall_s) *wall_s = t1 - t0;
  PetscFunctionReturn(0);
}

static volatile sig_atomic_t stz_stop_signal = 0;

void StzRequestStop(int signum)
{
  stz_stop_signal = signum ? signum : -1;
}

int StzStopRequested(void)
{
  return (int)stz_stop_signal;
}

/* Which options StzOptionsCheckLeft holds to: the -stz_ ones; all but the solver options PETSc reads only when it solves or
 * on multigrid levels that a small model does not have (StzSolverOptionDeferred); all. */
typedef enum { STZ_LEFT_STZ, STZ_LEFT_NOT_DEFERRED, STZ_LEFT_ALL } StzLeftMode;

/* Solver options that the 4 x 4-element model of StzElasticReadSolverOptions cannot read: those PETSc reads in KSPSolve
 * (the probe does not solve, so as to print nothing), and those of multigrid levels deeper than its own. They are checked
 * after the set-up of the run's model, on the rank that set it up. */
static PetscBool StzSolverOptionDeferred(const char name[])
{
  const char *const prefixes[] = {"elas_ksp_view", "elas_ksp_converged_reason", "elas_ksp_converged_rate", "elas_ksp_compute_", "elas_mg_levels_", "elas_mg_coarse_", NULL};
  for (int i = 0; prefixes[i]; i++)
    if (!strncmp(name, prefixes[i], strlen(prefixes[i]))) return PETSC_TRUE;
  return PETSC_FALSE;
}
static PetscErrorCode StzOptionsCheckLeft(MPI_Comm comm, StzLeftMode mode);

PetscErrorCode StzSimCheckOptions(MPI_Comm comm)
{
  StzConfig   cfg;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCall(StzConfigFromOptions(comm, &cfg));
  PetscCall(StzConfigCheckLoading(comm, &cfg));
  /* Every -stz_ option has been read by now, so a misspelled one is found before the engine's set-up (which can take half a
   * minute and GBs); options of the solver (-elas_...) are read during the set-up and checked after it. */
  PetscCall(StzOptionsCheckLeft(comm, STZ_LEFT_STZ));
  /* The solver's options too: a small model reads them (on every rank, also those that build none), so that any option left
   * unread now is a mistake, except the few only a solve or a deeper multigrid reads (StzSolverOptionDeferred). A solver
   * option PETSc refuses is reported by rank 0 (the others fail alike, quietly). */
  {
    PetscMPIInt r;
    PetscCallMPI(MPI_Comm_rank(comm, &r));
    PetscCall(StzElasticReadSolverOptions(&cfg, (PetscBool)(r != 0)));
  }
  PetscCall(StzOptionsCheckLeft(comm, STZ_LEFT_NOT_DEFERRED));
  PetscCall(StzConfigNotes(comm, &cfg));
  /* The output directory must be usable before the set-up too; rank 0 checks it and tells the others, which would
   * otherwise go on into the collective set-up and wait for it. */
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  {
    char msg[PETSC_MAX_PATH_LEN + 256] = "";
    int  ok                            = 1;
    if (!rank) ok = StzOutputDirUsable(cfg.output_dir, msg, sizeof msg);
    PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
    PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof msg, MPI_CHAR, 0, comm));
    PetscCheck(ok, comm, PETSC_ERR_FILE_OPEN, "%s", msg);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode StzOptionsHelp(MPI_Comm comm)
{
  StzConfig cfg;

  PetscFunctionBeginUser;
  PetscCall(StzConfigFromOptions(comm, &cfg)); /* with -help, PETSc prints each option as it is read */
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimPrepareOutput(StzSim sim)
{
  PetscFunctionBeginUser;
  if (!sim->rank) PetscCall(StzOutputDirPrepare(sim->cfg.output_dir, sim->cfg.quiet));
  PetscFunctionReturn(0);
}

PetscErrorCode StzOptionsCheckUnused(MPI_Comm comm)
{
  PetscFunctionBeginUser;
  PetscCall(StzOptionsCheckLeft(comm, STZ_LEFT_ALL));
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimCheckUnusedOptions(StzSim sim)
{
  PetscFunctionBeginUser;
  /* Only a rank that set up the run's elastic model has read every solver option it takes; an ensemble's members check theirs. */
  PetscCall(StzOptionsCheckLeft(sim->comm, sim->el ? STZ_LEFT_ALL : STZ_LEFT_NOT_DEFERRED));
  PetscFunctionReturn(0);
}

/* Fail on the first option nobody read (of those `mode` holds to), naming it. Collective: a rank that finds one tells the
 * others, which would otherwise go on into the run and wait for it. */
static PetscErrorCode StzOptionsCheckLeft(MPI_Comm comm, StzLeftMode mode)
{
  PetscInt n;
  char   **names, **values;
  /* Options PETSc itself reads on demand or at finalisation; they are not typos. */
  const char *const ignore[] = {"options_file",
                                "log_view",
                                "malloc_debug",
                                "malloc_dump",
                                "options_left",
                                "info",
                                "on_error_abort",
                                "help",
                                "checkstack",
                                "malloc_test",
                                "log_view_memory",
                                "memory_view",
                                "history",
                                "start_in_debugger",
                                "on_error_attach_debugger",
                                "fp_trap",
                                "check_pointer_intensity",
                                "options_monitor",
                                "use_gpu_aware_mpi",
                                "options_view",
                                NULL};

  char        msg[PETSC_MAX_PATH_LEN] = "";
  PetscMPIInt rank, size, first;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt k = 0; k < n && !msg[0]; k++) {
    PetscBool skip = PETSC_FALSE;
    for (PetscInt j = 0; ignore[j]; j++) {
      PetscBool eq;
      PetscCall(PetscStrcmp(names[k], ignore[j], &eq));
      if (eq) skip = PETSC_TRUE;
    }
    if (mode == STZ_LEFT_STZ && strncmp(names[k], "stz_", 4)) skip = PETSC_TRUE;
    if (mode == STZ_LEFT_NOT_DEFERRED && StzSolverOptionDeferred(names[k])) skip = PETSC_TRUE;
    if (skip) continue;
    PetscCall(
        PetscSNPrintf(msg, sizeof(msg), "unknown option -%s%s%s: not used by stzdyn (misspelled? 'stzdyn -help' lists every option)", names[k], values[k] ? " " : "", values[k] ? values[k] : ""));
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  first = msg[0] ? rank : size;
  if (size > 1) {
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm));
    if (first < size) PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof msg, MPI_CHAR, first, comm));
  }
  PetscCheck(first == size, comm, PETSC_ERR_USER_INPUT, "%s", msg);
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimGetAvalanches(StzSim sim, PetscInt *n, const StzAvalanche **list)
{
  PetscFunctionBeginUser;
  *n    = 0;
  *list = NULL;
  if (sim->av) StzAvalancheRecGet(sim->av, n, list);
  PetscFunctionReturn(0);
}

PetscErrorCode StzSimGetLastEvent(StzSim sim, PetscInt *site, PetscInt *cls)
{
  PetscFunctionBeginUser;
  if (site) *site = sim->last.site;
  if (cls) *cls = sim->last.cls;
  PetscFunctionReturn(0);
}

PetscReal StzSimEventTime(StzSim sim)
{
  return sim->kmc ? sim->kmc->time_s : 0;
}
