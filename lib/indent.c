/* Nanoindentation of a slab or block by a rigid cylinder (docs/model.md 10c; docs/outputs.md, popin.csv).
 *
 * The load F (N per m of depth) rises at -stz_indent_load_rate. The indenter presses on the free top edge with Hertz's
 * pressure for a frictionless rigid cylinder of radius R on an elastic half-plane (line contact; Johnson, Contact Mechanics,
 * 1985, section 4.2):
 *   p(x) = p0 sqrt(1 - (x - xc)^2 / a^2),  p0 = 2F / (pi a),  a^2 = 4 F R / (pi E*),  E* = 2 mu / (1 - nu),
 * which is the contact pressure as long as the glass is elastic (before the first pop-in). The field of that pressure is
 * linear in F for a fixed a, so between updates of a the site stresses grow as F(t) q_i (q: the site stress per unit load,
 * solved once by the FE) and the kMC's exact ramp with thinning applies (docs/model.md 7, "Bodies"). a is recomputed, and
 * q solved again, each time Hertz's a(F) has grown by -stz_indent_width_step. After plastic events the true contact would
 * follow the dented surface; the model keeps Hertz's pressure (a limitation, docs/model.md 13).
 *
 * The indentation depth is the work-conjugate displacement of the pressure: the pressure-weighted mean downward displacement
 * of the surface, h = F c(a) + h_p. c(a) is the elastic compliance of the body under the pressure shape, and, by Betti's
 * reciprocal theorem, the eigenstrains add h_p = sum_i A q_i : eps*_i (A the site area): each event changes the depth by its
 * own increment, so excursions are seen event by event. A pop-in is a depth excursion at nearly constant load: the plastic
 * depth grows by at least -stz_popin_depth_m while the load moves by less than -stz_popin_load_window of itself
 * (StzIndentDetect). */
#include "impl.h"
#include <stzdyn/fe.h>

typedef struct {
  PetscReal  time_s, load_n_per_m, half_width_m, depth_m, plastic_depth_m, depth_jump_m, load_span_n_per_m, duration_s;
  PetscInt64 events;
  PetscInt   cycle;                          /* the pre-cycle it happened in (1 ..), 0 in the final ramp */
  PetscReal  centroid_x_m, centroid_depth_m; /* where the pop-in's depth came from: the depth-weighted mean position of its events
                                                (positive increments), from the contact's centre and below the surface */
} StzPopin;

/* One STZ event as the pop-in detector sees it: the load and the depths just before it, what it added, where. */
typedef struct {
  PetscReal F, t, h, h_p, dh, x, z;
} StzIndentEvent;

struct StzIndenter_private {
  StzFE      fe;
  PetscInt   nn;             /* nodes along the top edge */
  PetscReal  he, xc, estar;  /* element size, the contact's centre, plane-strain modulus 2 mu / (1 - nu) */
  PetscReal  a, comp;        /* the present half-width and the compliance c(a) (m per N/m) */
  PetscReal *f, *u, *q, *es; /* unit-load nodal forces (2 nn), top displacements (2 nn), site field (3 N), element stresses */
  PetscReal  h_p;            /* plastic depth */
  PetscReal  peak_pressure;  /* largest mean contact pressure F / 2a */
  PetscInt   updates;        /* field updates */
  PetscInt   cycle;          /* the pre-cycle under way (1 .. -stz_indent_cycles), 0 in the final ramp */
  PetscBool  warned_size;    /* the contact has outgrown the body (said once) */
  /* the events of the trailing load window (a ring), and the open pop-in */
  StzIndentEvent *win;
  PetscInt        win_head, win_n, win_cap;
  PetscBool       open;
  PetscReal       b_F0, b_F_last, b_h0, b_hp0, b_h_last, b_t0, b_t_last;
  PetscInt64      b_events;
  PetscInt        b_cycle;
  PetscReal       b_wx, b_wy, b_w; /* depth-weighted sums of the event positions */
  PetscBool       stopped_deep;    /* the run stopped because the indenter sank through half the body */
  StzPopin       *pop;
  PetscInt        n_pop, cap_pop;
};

/* Hertz's half-width of a rigid cylinder on a half-plane, a = sqrt(4 F R / (pi E*)), and the load that gives a half-width. */
static PetscReal StzHertzHalfWidth(const StzIndenter ind, const StzConfig *c, PetscReal F)
{
  return PetscSqrtReal(4 * PetscMax(F, 0) * c->in.radius_m / (PETSC_PI * ind->estar));
}
static PetscReal StzHertzLoad(const StzIndenter ind, const StzConfig *c, PetscReal a)
{
  return PETSC_PI * ind->estar * a * a / (4 * c->in.radius_m);
}

/* Nodal forces of the unit load (1 N per m, downward) with Hertz's pressure of half-width a centred at xc: consistent forces
 * int p N_n dx over each element edge (composite Gauss, 16 x 3 points: the profile's square-root ends are then integrated
 * to better than 1e-4), scaled so that they sum to exactly -1. */
static void StzIndentForces(StzIndenter ind, PetscBool periodic, PetscReal a)
{
  const PetscReal gx[3] = {-0.7745966692414834, 0, 0.7745966692414834}, gw[3] = {5.0 / 9, 8.0 / 9, 5.0 / 9};
  const PetscInt  ne = periodic ? ind->nn : ind->nn - 1, sub = 16;
  PetscReal       sum = 0;
  PetscArrayzero(ind->f, 2 * ind->nn);
  for (PetscInt e = 0; e < ne; e++) {
    const PetscReal x0 = e * ind->he;
    if (x0 + ind->he < ind->xc - a || x0 > ind->xc + a) continue;
    for (PetscInt s = 0; s < sub; s++)
      for (int g = 0; g < 3; g++) {
        const PetscReal t = (s + 0.5 + 0.5 * gx[g]) / sub, x = x0 + t * ind->he, r = (x - ind->xc) / a, p = r * r < 1 ? PetscSqrtReal(1 - r * r) : 0;
        const PetscReal w = gw[g] * 0.5 / sub * ind->he * p;
        ind->f[2 * e + 1] -= w * (1 - t);
        ind->f[2 * ((e + 1) % ind->nn) + 1] -= w * t;
        sum += w;
      }
  }
  for (PetscInt n = 0; n < ind->nn; n++) ind->f[2 * n + 1] /= sum;
}

/* Plastic depth of the eigenstrains under the present field: sum_i A q_i : eps*_i (Betti). */
static PetscReal StzIndentPlasticDepth(const StzIndenter ind, const StzKmc k, PetscReal area)
{
  const PetscInt N = k->N;
  PetscReal      h = 0;
  for (PetscInt i = 0; i < N; i++) {
    const PetscReal s1 = ind->q[i], s2 = ind->q[N + i], sp = ind->q[2 * N + i], *e = k->eps_p + 3 * i;
    h += (sp + s1) * e[0] + (sp - s1) * e[1] + 2 * s2 * e[2];
  }
  return area * h;
}

/* Solve the field of the unit load with half-width a, hand it to the kMC, and recompute the compliance and plastic depth. */
static PetscErrorCode StzIndentSetWidth(StzSim sim, PetscReal a)
{
  StzIndenter      ind = sim->ind;
  const StzConfig *c   = &sim->cfg;
  const PetscInt   N   = sim->kmc->N;
  PetscReal       *r[3];

  PetscFunctionBeginUser;
  ind->a = a;
  StzIndentForces(ind, (PetscBool)(c->geometry == STZ_GEOM_SLAB), a);
  PetscCall(StzFESolveTopForces(ind->fe, ind->f, NULL, ind->es, ind->u));
  r[0] = ind->q, r[1] = ind->q + N, r[2] = ind->q + 2 * N;
  StzElementToSiteStress(c->nx, c->ny, c->site_elems, ind->es, r);
  ind->comp = 0;
  for (PetscInt n = 0; n < ind->nn; n++) ind->comp += ind->f[2 * n + 1] * ind->u[2 * n + 1];
  PetscCall(StzKmcSetRamp(sim->kmc, ind->q));
  ind->h_p = StzIndentPlasticDepth(ind, sim->kmc, c->site_size_m * c->site_size_m);
  ind->updates++;
  PetscFunctionReturn(0);
}

void StzIndentMeasure(StzSim sim, PetscReal *depth_m, PetscReal *load_n_per_m, PetscReal *plastic_depth_m)
{
  const StzIndenter ind = sim->ind;
  const PetscReal   F   = sim->kmc->load.value[1];
  *load_n_per_m         = F;
  *depth_m              = ind ? F * ind->comp + ind->h_p : 0;
  *plastic_depth_m      = ind ? ind->h_p : 0;
}

PetscErrorCode StzIndentSolve(StzSim sim, const PetscReal eig[], PetscReal es[], PetscReal *depth_m)
{
  const StzIndenter ind = sim->ind;
  const PetscReal   F   = sim->kmc->load.value[1];
  PetscReal        *f, *u;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(2 * ind->nn, &f, 2 * ind->nn, &u));
  for (PetscInt n = 0; n < 2 * ind->nn; n++) f[n] = F * ind->f[n];
  PetscCall(StzFESolveTopForces(ind->fe, f, eig, es, u));
  if (depth_m) {
    *depth_m = 0;
    for (PetscInt n = 0; n < ind->nn; n++) *depth_m += ind->f[2 * n + 1] * u[2 * n + 1];
  }
  PetscCall(PetscFree2(f, u));
  PetscFunctionReturn(0);
}

void StzIndentGetField(StzSim sim, PetscReal *half_width_m, const PetscReal **q)
{
  *half_width_m = sim->ind->a;
  *q            = sim->ind->q;
}

PetscErrorCode StzIndentDestroy(StzSim sim)
{
  StzIndenter ind = sim->ind;

  PetscFunctionBeginUser;
  if (!ind) PetscFunctionReturn(0);
  PetscCall(StzFEDestroy(&ind->fe));
  PetscCall(PetscFree4(ind->f, ind->u, ind->q, ind->es));
  PetscCall(PetscFree(ind->pop));
  PetscCall(PetscFree(ind->win));
  PetscCall(PetscFree(sim->ind));
  PetscFunctionReturn(0);
}

/* Record the open pop-in. */
static PetscErrorCode StzIndentClosePopin(StzSim sim)
{
  StzIndenter ind = sim->ind;

  PetscFunctionBeginUser;
  if (!ind->open) PetscFunctionReturn(0);
  ind->open = PETSC_FALSE;
  if (ind->n_pop == ind->cap_pop) {
    ind->cap_pop = PetscMax(64, 2 * ind->cap_pop);
    PetscCall(PetscRealloc(ind->cap_pop * sizeof(StzPopin), &ind->pop));
  }
  {
    StzPopin *p          = &ind->pop[ind->n_pop++];
    p->time_s            = ind->b_t0;
    p->load_n_per_m      = ind->b_F0;
    p->half_width_m      = StzHertzHalfWidth(ind, &sim->cfg, ind->b_F0);
    p->depth_m           = ind->b_h0;
    p->plastic_depth_m   = ind->b_hp0;
    p->depth_jump_m      = ind->b_h_last - ind->b_h0;
    p->load_span_n_per_m = ind->b_F_last - ind->b_F0;
    p->duration_s        = ind->b_t_last - ind->b_t0;
    p->events            = ind->b_events;
    p->cycle             = ind->b_cycle;
    p->centroid_x_m      = ind->b_w > 0 ? ind->b_wx / ind->b_w : 0;
    p->centroid_depth_m  = ind->b_w > 0 ? ind->b_wy / ind->b_w : 0;
  }
  PetscFunctionReturn(0);
}

/* popin.csv: one row per pop-in (docs/outputs.md). */
static PetscErrorCode StzIndentWritePopins(StzSim sim)
{
  const StzIndenter ind = sim->ind;
  FILE             *fp;

  PetscFunctionBeginUser;
  PetscCall(StzFileOpen(sim->cfg.output_dir, "popin.csv", &fp));
  fprintf(fp, "popin,time_s,load_n_per_m,contact_half_width_m,mean_pressure_pa,hertz_max_pressure_pa,hertz_max_shear_pa,depth_m,plastic_depth_m,depth_jump_m,events,load_span_n_per_m,duration_s,"
              "centroid_x_m,centroid_depth_m,cycle\n");
  for (PetscInt k = 0; k < ind->n_pop; k++) {
    const StzPopin *p  = &ind->pop[k];
    const PetscReal p0 = 2 * p->load_n_per_m / (PETSC_PI * p->half_width_m);
    fprintf(fp, "%d,%.10e,%.8e,%.6e,%.6e,%.6e,%.6e,%.8e,%.8e,%.6e,%lld,%.6e,%.6e,%.4e,%.4e,%d\n", (int)k + 1, (double)p->time_s, (double)p->load_n_per_m, (double)p->half_width_m,
            (double)(p->load_n_per_m / (2 * p->half_width_m)), (double)p0, (double)(0.300 * p0), (double)p->depth_m, (double)p->plastic_depth_m, (double)p->depth_jump_m, (long long)p->events,
            (double)p->load_span_n_per_m, (double)p->duration_s, (double)p->centroid_x_m, (double)p->centroid_depth_m, (int)p->cycle);
  }
  PetscCall(StzFileCommit(sim->cfg.output_dir, "popin.csv", &fp));
  PetscFunctionReturn(0);
}

static PetscErrorCode StzIndentSummary(StzSim sim, PetscReal wall)
{
  const StzConfig  *c   = &sim->cfg;
  const StzIndenter ind = sim->ind;
  StzSimResult     *r   = &sim->res;
  PetscReal         h, F, hp;
  StzLocalization   loc;
  FILE             *fp;

  PetscFunctionBeginUser;
  StzIndentMeasure(sim, &h, &F, &hp);
  PetscCall(PetscMemzero(r, sizeof(*r)));
  r->events            = sim->kmc->events - sim->events0;
  r->wall_time_s       = wall;
  r->events_per_second = wall > 0 ? r->events / wall : 0;
  r->final_time_s      = sim->kmc->time_s;
  r->final_strain      = h / (c->ny * c->site_size_m);
  r->yield_strain      = -1;
  r->peak_stress_pa    = ind->peak_pressure;
  r->popin_count       = ind->n_pop;
  if (ind->n_pop) {
    const StzPopin *p           = &ind->pop[0];
    r->first_popin_load_n_per_m = p->load_n_per_m;
    r->first_popin_max_shear_pa = 0.300 * 2 * p->load_n_per_m / (PETSC_PI * p->half_width_m);
    r->first_popin_depth_jump_m = p->depth_jump_m;
  }
  PetscCall(StzSimBands(sim, &loc));
  r->localization_index = loc.index;
  r->band_angle_deg     = loc.angle_deg;

  PetscCall(StzFileOpen(c->output_dir, "summary.json", &fp));
  fprintf(fp, "{\n  \"protocol\": \"indent\",\n  \"seed\": %lld,\n  \"events\": %lld,\n", (long long)c->seed, (long long)r->events);
  fprintf(fp, "  \"wall_time_s\": %.6g,\n  \"events_per_second\": %.6g,\n  \"final_time_s\": %.9g,\n", (double)wall, (double)r->events_per_second, (double)r->final_time_s);
  fprintf(fp, "  \"final_load_n_per_m\": %.9g,\n  \"final_depth_m\": %.9g,\n  \"final_plastic_depth_m\": %.9g,\n  \"contact_half_width_m_final\": %.9g,\n", (double)F, (double)h, (double)hp,
          (double)StzHertzHalfWidth(ind, c, F));
  fprintf(fp, "  \"peak_stress_pa\": %.9g,\n  \"flow_stress_pa\": null,\n  \"yield_strain\": null,\n  \"yield_stress_pa\": null,\n", (double)ind->peak_pressure);
  fprintf(fp, "  \"contact_width_updates\": %d,\n  \"stopped_at_half_depth\": %s,\n  \"popin_count\": %d,\n", (int)ind->updates, ind->stopped_deep ? "true" : "false", (int)ind->n_pop);
  if (ind->n_pop) {
    const StzPopin *p  = &ind->pop[0];
    const PetscReal p0 = 2 * p->load_n_per_m / (PETSC_PI * p->half_width_m);
    fprintf(fp, "  \"first_popin_load_n_per_m\": %.9g,\n  \"first_popin_time_s\": %.9g,\n  \"first_popin_depth_m\": %.9g,\n  \"first_popin_depth_jump_m\": %.9g,\n", (double)p->load_n_per_m,
            (double)p->time_s, (double)p->depth_m, (double)p->depth_jump_m);
    fprintf(fp, "  \"first_popin_plastic_depth_before_m\": %.9g,\n  \"first_popin_cycle\": %d,\n", (double)p->plastic_depth_m, (int)p->cycle);
    fprintf(fp, "  \"first_popin_mean_pressure_pa\": %.9g,\n  \"first_popin_hertz_max_shear_pa\": %.9g,\n  \"first_popin_events\": %lld,\n", (double)(p->load_n_per_m / (2 * p->half_width_m)),
            (double)(0.300 * p0), (long long)p->events);
    fprintf(fp, "  \"first_popin_centroid_x_m\": %.6g,\n  \"first_popin_centroid_depth_m\": %.6g,\n", (double)p->centroid_x_m, (double)p->centroid_depth_m);
  } else {
    fprintf(fp, "  \"first_popin_load_n_per_m\": null,\n  \"first_popin_time_s\": null,\n  \"first_popin_depth_m\": null,\n  \"first_popin_depth_jump_m\": null,\n");
    fprintf(fp, "  \"first_popin_plastic_depth_before_m\": null,\n  \"first_popin_cycle\": null,\n");
    fprintf(fp, "  \"first_popin_mean_pressure_pa\": null,\n  \"first_popin_hertz_max_shear_pa\": null,\n  \"first_popin_events\": null,\n");
    fprintf(fp, "  \"first_popin_centroid_x_m\": null,\n  \"first_popin_centroid_depth_m\": null,\n");
  }
  fprintf(fp, "  \"localization_index\": %.6f,\n  \"relaxation_events\": %lld,\n  \"thinning_rejections\": %lld,\n", (double)loc.index, (long long)(sim->kmc->relax_events - sim->relax0),
          (long long)sim->kmc->thin_rejects);
  {
    StzEnergy e1;
    StzKmcEnergy(sim->kmc, &e1);
    StzWriteEnergyJSON(fp, &sim->energy0, &e1);
  }
  fprintf(fp, "  \"options\": ");
  PetscCall(StzConfigWriteJSON(c, fp, "  "));
  fprintf(fp, "\n}\n");
  PetscCall(StzFileCommit(c->output_dir, "summary.json", &fp));
  PetscFunctionReturn(0);
}

/* Pop-in detection, after each STZ event e (docs/model.md 10c): the events whose load is within -stz_popin_load_window of the
 * present load form the trailing window. A pop-in opens when the plastic depth has grown by at least -stz_popin_depth_m
 * within the window (a depth excursion at nearly constant load), starting at the window's first event, and goes on while
 * the window's growth stays at least that; the event that brings it below is not part of it, and the window restarts
 * there, so that pop-ins do not overlap. *done: the run has the pop-ins it asked for. */
static PetscErrorCode StzIndentDetect(StzSim sim, const StzIndentEvent *e, PetscBool *done)
{
  StzIndenter      ind = sim->ind;
  const StzConfig *c   = &sim->cfg;
  PetscReal        growth;

  PetscFunctionBeginUser;
  *done = PETSC_FALSE;
  if (ind->win_n == ind->win_cap) { /* grow the ring, unrolled */
    StzIndentEvent *w;
    const PetscInt  cap = PetscMax(1024, 2 * ind->win_cap);
    PetscCall(PetscMalloc1(cap, &w));
    for (PetscInt k = 0; k < ind->win_n; k++) w[k] = ind->win[(ind->win_head + k) % ind->win_cap];
    PetscCall(PetscFree(ind->win));
    ind->win = w, ind->win_cap = cap, ind->win_head = 0;
  }
  ind->win[(ind->win_head + ind->win_n++) % ind->win_cap] = *e;
  while (ind->win_n > 1 && PetscAbsReal(e->F - ind->win[ind->win_head].F) > c->in.popin_load_window * e->F) ind->win_head = (ind->win_head + 1) % ind->win_cap, ind->win_n--;
  growth = e->h_p + e->dh - ind->win[ind->win_head].h_p;
  if (ind->open && growth < c->in.popin_depth_m) {
    PetscCall(StzIndentClosePopin(sim));
    *done = (PetscBool)(c->in.max_popins > 0 && ind->n_pop >= c->in.max_popins);
    /* The next pop-in starts after this one: the window restarts at this event. */
    ind->win_head = (ind->win_head + ind->win_n - 1) % ind->win_cap, ind->win_n = 1;
    PetscFunctionReturn(0);
  }
  if (!ind->open && growth >= c->in.popin_depth_m) {
    const StzIndentEvent *f = &ind->win[ind->win_head];
    ind->open               = PETSC_TRUE;
    ind->b_F0 = f->F, ind->b_h0 = f->h, ind->b_hp0 = f->h_p, ind->b_t0 = f->t, ind->b_cycle = ind->cycle;
    ind->b_events = 0, ind->b_wx = ind->b_wy = ind->b_w = 0;
    for (PetscInt k = 0; k < ind->win_n - 1; k++) { /* the window's earlier events are the pop-in's start */
      const StzIndentEvent *w = &ind->win[(ind->win_head + k) % ind->win_cap];
      ind->b_events++;
      if (w->dh > 0) ind->b_wx += w->dh * w->x, ind->b_wy += w->dh * w->z, ind->b_w += w->dh;
    }
  }
  if (ind->open) {
    ind->b_events++;
    if (e->dh > 0) ind->b_wx += e->dh * e->x, ind->b_wy += e->dh * e->z, ind->b_w += e->dh;
    ind->b_F_last = e->F, ind->b_h_last = e->h + e->dh, ind->b_t_last = e->t;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode StzRunIndent(StzSim sim)
{
  const StzConfig *c    = &sim->cfg;
  const PetscInt   N    = sim->kmc->N;
  const PetscReal  area = c->site_size_m * c->site_size_m, dt_row = c->in.max_load / (500 * c->in.load_rate);
  StzIndenter      ind;
  StzFEGeometry    g;
  StzMacroLoad     load = {{0, 0, 0}, {0, 0, 0}}, rate = {{0, 0, 0}, {0, c->in.load_rate, 0}};
  PetscLogDouble   t0, t1, tlast;
  PetscReal        a_min, F_up, F_down, t_start, F_turn, dir = 1;
  PetscInt         row = 1;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&sim->ind));
  ind = sim->ind;
  StzConfigFEGeometry(c, &g);
  PetscCall(StzFECreate(PETSC_COMM_SELF, &g, &ind->fe));
  ind->he    = g.element_size_m;
  ind->nn    = c->geometry == STZ_GEOM_SLAB ? g.nex : g.nex + 1;
  ind->xc    = 0.5 * g.nex * g.element_size_m;
  ind->estar = 2 * c->mat.shear_modulus_pa / (1 - c->mat.poisson_ratio);
  ind->cycle = c->in.cycles > 0 ? 1 : 0;
  a_min      = 2 * ind->he;
  F_turn     = ind->cycle ? c->in.cycle_load : c->in.max_load;
  PetscCall(PetscMalloc4(2 * ind->nn, &ind->f, 2 * ind->nn, &ind->u, 3 * N, &ind->q, 3 * g.nex * g.ney, &ind->es));
  if (sim->kmc->temperature_k != c->temperature_k) PetscCall(StzKmcSetTemperature(sim->kmc, c->temperature_k));
  /* The load ramps from zero; the smallest field has a half-width of two elements (Hertz's at a load too small to matter). */
  PetscCall(StzKmcSetLoad(sim->kmc, &load, &rate));
  PetscCall(StzIndentSetWidth(sim, a_min));
  F_up    = StzHertzLoad(ind, c, ind->a * (1 + c->in.width_step));
  F_down  = -1;
  t_start = sim->kmc->time_s;
  StzStageBegin(sim);
  PetscCall(StzSeriesBegin(sim));
  PetscCall(StzSeriesAppend(sim));
  if (!c->quiet) {
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: indent: cylinder R = %g nm, %g N/m per s to %g N/m; Hertz contact half-width %.3g nm at the end\n", (double)(c->in.radius_m * 1e9),
                           (double)c->in.load_rate, (double)c->in.max_load, (double)(StzHertzHalfWidth(ind, c, c->in.max_load) * 1e9)));
    if (c->in.cycles) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: indent: first %d cycles 0 -> %g N/m -> 0 at the same rate\n", (int)c->in.cycles, (double)c->in.cycle_load));
  }
  PetscCall(PetscTime(&t0));
  tlast = t0;
  for (;;) {
    PetscBool       fired;
    StzEvent        ev;
    const PetscReal F = sim->kmc->load.value[1], v = c->in.load_rate;
    /* The next milestone in time: the turn of the load, a new contact width, a series row. */
    const PetscReal t_turn = dir > 0 ? (F_turn - F) / v : F / v, t_width = dir > 0 ? (F_up - F) / v : (F_down > 0 ? (F - F_down) / v : PETSC_MAX_REAL);
    const PetscReal t_row = t_start + row * dt_row - sim->kmc->time_s, t_lim = PetscMax(0, PetscMin(PetscMin(t_turn, t_width), t_row));
    if (sim->kmc->events >= c->max_events) break;
    PetscCall(StzKmcStep(sim->kmc, t_lim, &fired, &ev));
    if (fired && ev.cls != STZ_CLASS_RELAX(sim->kmc)) {
      const PetscInt  i  = ev.site;
      const PetscReal s1 = ind->q[i], s2 = ind->q[N + i], sp = ind->q[2 * N + i], Fn = sim->kmc->load.value[1];
      const PetscReal dh = area * ((sp + s1) * ev.eig[0] + (sp - s1) * ev.eig[1] + 2 * s2 * ev.eig[2]), h = Fn * ind->comp + ind->h_p;
      sim->last              = ev;
      const StzIndentEvent e = {Fn, sim->kmc->time_s, h, ind->h_p, dh, (i % c->nx + 0.5) * c->site_size_m - ind->xc, (c->ny - i / c->nx - 0.5) * c->site_size_m};
      PetscBool            done;
      ind->h_p += dh;
      PetscCall(StzIndentDetect(sim, &e, &done));
      if (done) break;
      /* Hertz's pressure stays on a contact of Hertz's width however far the indenter sinks: past the limit load of the
       * plastic glass nothing holds it (docs/model.md 10c). Stop before the depth means nothing. */
      if (h + dh > 0.5 * c->ny * c->site_size_m) {
        ind->stopped_deep = PETSC_TRUE;
        if (!c->quiet)
          PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr,
                                 "stzdyn: indent: the indenter has sunk through half the body (%.3g nm) at %.4g N/m: stopping (Hertz's pressure on a fixed contact has no limit load)\n",
                                 (double)((h + dh) * 1e9), (double)Fn));
        break;
      }
    }
    if (!fired) {
      const PetscReal Fn = sim->kmc->load.value[1];
      ind->peak_pressure = PetscMax(ind->peak_pressure, Fn / (2 * ind->a));
      if (t_lim >= t_width) {
        /* The contact has widened or narrowed: a new field (Hertz's half-width at this load, at least two elements). */
        PetscCall(StzIndentSetWidth(sim, PetscMax(a_min, StzHertzHalfWidth(ind, c, Fn))));
        F_up = StzHertzLoad(ind, c, ind->a * (1 + c->in.width_step));
        /* Hertz's field is a half-plane's: say once when the contact has grown too large for the body to hold it. */
        if (!ind->warned_size && (ind->a > 0.25 * c->nx * c->site_size_m || ind->a > c->ny * c->site_size_m / 3)) {
          ind->warned_size = PETSC_TRUE;
          if (!c->quiet)
            PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr,
                                   "stzdyn: indent: note: at %.4g N/m the contact's half-width (%.3g nm) is over a quarter of the body's width (%.3g nm) or a third of its height (%.3g nm): "
                                   "its edges or base now stiffen the field (a larger -stz_nx/-stz_ny or a smaller -stz_indent_radius_m keeps it a half-plane's)\n",
                                   (double)Fn, (double)(ind->a * 1e9), (double)(c->nx * c->site_size_m * 1e9), (double)(c->ny * c->site_size_m * 1e9)));
        }
        F_down = ind->a > a_min * (1 + 1e-9) ? StzHertzLoad(ind, c, ind->a / (1 + c->in.width_step)) : -1;
      }
      if (t_lim >= t_row) {
        PetscCall(StzSeriesAppend(sim));
        row++;
      }
      if (t_lim >= t_turn) {
        if (dir > 0 && !ind->cycle) break;                  /* the final ramp reached -stz_indent_max_load */
        if (t_lim < t_row) PetscCall(StzSeriesAppend(sim)); /* a row at each turn of the load */
        if (dir > 0) dir = -1;                              /* a pre-cycle's top: unload */
        else { /* unloaded: the next cycle, or the final ramp */ dir = 1;
          if (++ind->cycle > c->in.cycles) ind->cycle = 0;
          F_turn = ind->cycle ? c->in.cycle_load : c->in.max_load;
        }
        load.value[1] = Fn; /* where the load is: the engine's stresses carry it */
        rate.value[1] = dir * v;
        PetscCall(StzKmcSetLoad(sim->kmc, &load, &rate));
      }
    }
    if (c->progress_s > 0 && !c->quiet) {
      PetscLogDouble now;
      PetscCall(PetscTime(&now));
      if (now - tlast >= c->progress_s) {
        PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: load %.4g/%.4g N/m  depth %.4g nm  events %lld  pop-ins %d\n", (double)F, (double)c->in.max_load,
                               (double)((F * ind->comp + ind->h_p) * 1e9), (long long)sim->kmc->events, (int)ind->n_pop));
        tlast = now;
      }
    }
  }
  PetscCall(StzIndentClosePopin(sim));
  PetscCall(PetscTime(&t1));
  PetscCall(StzSeriesAppend(sim));
  PetscCall(StzFileCommit(c->output_dir, "series.csv", &sim->series_fp));
  PetscCall(StzIndentWritePopins(sim));
  PetscCall(StzIndentSummary(sim, t1 - t0));
  PetscCall(StzWritePlasticMap(sim, "map_plastic_strain_final.png"));
  PetscCall(StzWriteFields(c, c->output_dir, sim->kmc));
  if (!c->quiet) {
    const StzSimResult *r = &sim->res;
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: indent at %g K, %g N/m per s: %lld events in %.2f s; %d pop-ins", (double)c->temperature_k, (double)c->in.load_rate, (long long)r->events,
                          (double)r->wall_time_s, (int)ind->n_pop));
    if (ind->n_pop)
      PetscCall(PetscPrintf(PETSC_COMM_SELF, ", the first at %.4g N/m (Hertz max shear %.4g GPa, %.3g nm jump, %lld events)", (double)r->first_popin_load_n_per_m,
                            (double)(r->first_popin_max_shear_pa / 1e9), (double)(r->first_popin_depth_jump_m * 1e9), (long long)ind->pop[0].events));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "\n  outputs in %s/: series.csv, popin.csv, summary.json, map_plastic_strain_final.png%s%s\n", c->output_dir, c->fields_csv ? ", fields.csv" : "",
                          c->fields_vtk ? ", fields.vti" : ""));
  }
  PetscFunctionReturn(0);
}
