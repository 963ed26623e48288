/* Avalanche recorder: groups STZ events into avalanches and measures each one (docs/model.md, "Avalanches").
 *
 * aqs: one avalanche = one cascade at fixed strain; the driver opens a new one at every trigger (force_new).
 * thermal protocols: consecutive events belong to the same avalanche while the applied strain advances by no more than the
 * gap (-stz_avalanche_gap_strain, default gamma0 / N: the strain over which reloading recovers about one event's stress
 * drop) between them. In the limit T -> 0 at vanishing rate the events of a cascade come at the same strain and the two
 * definitions agree.
 *
 * Measures (all from the protocol state the driver reports around each event, and from the events themselves):
 *   size         = plastic strain after the last event - before the first (the macroscopic bookkeeping);
 *   size_events  = sum over the events of their eigenstrain's plastic measure / N (the same number, computed independently);
 *   stress_drop  = stress before the first event - after the last;
 *   gyration radius and orientation of the cloud of event sites, with periodic minimum images about the circular mean.
 */
#include "../impl.h"

typedef struct {
  PetscInt  site;
  PetscReal eig[3];
} StzAvEvent;

struct StzAvalancheRec_private {
  const StzConfig *cfg;
  PetscInt         nx, ny, N;
  PetscReal        gap, plastic_of_eig[3];
  /* closed avalanches */
  StzAvalanche *list;
  PetscInt      n, cap;
  /* the open avalanche */
  PetscBool    open;
  StzAvalanche cur;
  StzLoadState first, last;
  PetscReal    first_time;
  StzAvEvent  *ev;
  PetscInt     nev, evcap;
  /* events of the last closed avalanche (for its frame) */
  StzAvEvent *last_ev;
  PetscInt    last_nev, last_evcap;
};

PetscErrorCode StzAvalancheRecCreate(const StzConfig *cfg, PetscReal gap_strain, const PetscReal plastic_of_eig[3], StzAvalancheRec *out)
{
  StzAvalancheRec rec;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&rec));
  rec->cfg = cfg;
  rec->nx  = cfg->nx;
  rec->ny  = cfg->ny;
  rec->N   = cfg->nx * cfg->ny;
  rec->gap = gap_strain;
  for (int c = 0; c < 3; c++) rec->plastic_of_eig[c] = plastic_of_eig[c];
  *out = rec;
  PetscFunctionReturn(0);
}

PetscErrorCode StzAvalancheRecDestroy(StzAvalancheRec *rec)
{
  PetscFunctionBeginUser;
  if (!*rec) PetscFunctionReturn(0);
  PetscCall(PetscFree((*rec)->list));
  PetscCall(PetscFree((*rec)->ev));
  PetscCall(PetscFree((*rec)->last_ev));
  PetscCall(PetscFree(*rec));
  PetscFunctionReturn(0);
}

/* Gyration radius (in sites) and long-axis direction of the event sites, periodic: each axis is unwrapped about the circular
 * mean of its coordinates (the centre of mass on the circle), so a cluster across the box edge is measured as one piece. */
static void StzAvalancheShape(PetscInt nx, PetscInt ny, PetscInt n, const StzAvEvent ev[], PetscReal *rg, PetscReal *angle_deg)
{
  PetscReal cx = 0, sx = 0, cy = 0, sy = 0, mx, my, xx = 0, yy = 0, xy = 0, mdx = 0, mdy = 0;
  PetscBool distinct = PETSC_FALSE;

  *rg = 0, *angle_deg = 0;
  if (n < 2) return;
  for (PetscInt e = 0; e < n; e++) {
    const PetscReal ax = 2 * PETSC_PI * (ev[e].site % nx) / nx, ay = 2 * PETSC_PI * (ev[e].site / nx) / ny;
    cx += PetscCosReal(ax), sx += PetscSinReal(ax), cy += PetscCosReal(ay), sy += PetscSinReal(ay);
    if (ev[e].site != ev[0].site) distinct = PETSC_TRUE;
  }
  if (!distinct) return;
  mx = PetscAtan2Real(sx, cx) * nx / (2 * PETSC_PI);
  my = PetscAtan2Real(sy, cy) * ny / (2 * PETSC_PI);
  for (PetscInt e = 0; e < n; e++) {
    PetscReal dx = (ev[e].site % nx) - mx, dy = (ev[e].site / nx) - my;
    dx -= nx * round(dx / nx);
    dy -= ny * round(dy / ny);
    mdx += dx, mdy += dy;
    xx += dx * dx, yy += dy * dy, xy += dx * dy;
  }
  mdx /= n, mdy /= n;
  xx = xx / n - mdx * mdx, yy = yy / n - mdy * mdy, xy = xy / n - mdx * mdy;
  *rg = PetscSqrtReal(PetscMax(0.0, xx + yy));
  /* Direction of the largest eigenvector of the gyration tensor, in [0, 180). */
  *angle_deg = 0.5 * PetscAtan2Real(2 * xy, xx - yy) * 180 / PETSC_PI;
  if (*angle_deg < 0) *angle_deg += 180;
}

PetscErrorCode StzAvalancheRecClose(StzAvalancheRec rec, PetscInt *closed)
{
  StzAvalanche *a = &rec->cur;
  PetscReal     rg, ang;

  PetscFunctionBeginUser;
  *closed = -1;
  if (!rec->open) PetscFunctionReturn(0);
  a->size           = rec->last.plastic - rec->first.plastic;
  a->size_stz       = a->size * rec->N / rec->cfg->mat.gamma0;
  a->stress_drop_pa = rec->first.stress_pa - rec->last.stress_pa;
  a->strain_span    = rec->last.strain - rec->first.strain;
  a->duration_s     = rec->last.time_s - rec->first_time;
  StzAvalancheShape(rec->nx, rec->ny, rec->nev, rec->ev, &rg, &ang);
  a->gyration_radius_m = rg * rec->cfg->site_size_m;
  a->orientation_deg   = ang;
  if (rec->n == rec->cap) {
    StzAvalanche *l;
    rec->cap = PetscMax(1024, 2 * rec->cap);
    PetscCall(PetscMalloc1(rec->cap, &l));
    if (rec->n) PetscCall(PetscArraycpy(l, rec->list, rec->n));
    PetscCall(PetscFree(rec->list));
    rec->list = l;
  }
  rec->list[rec->n] = *a;
  *closed           = rec->n++;
  /* Keep the events for the frame of this avalanche: swap the buffers. */
  {
    StzAvEvent *t = rec->last_ev;
    PetscInt    c = rec->last_evcap;
    rec->last_ev = rec->ev, rec->last_evcap = rec->evcap, rec->last_nev = rec->nev;
    rec->ev = t, rec->evcap = c, rec->nev = 0;
  }
  rec->open = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode StzAvalancheRecEvent(StzAvalancheRec rec, const StzEvent *ev, PetscInt generation, const StzLoadState *before, const StzLoadState *after, PetscBool force_new, PetscInt *closed)
{
  StzAvalanche *a = &rec->cur;

  PetscFunctionBeginUser;
  *closed = -1;
  if (rec->open && (force_new || after->strain - rec->last.strain > rec->gap)) PetscCall(StzAvalancheRecClose(rec, closed));
  if (!rec->open) {
    PetscCall(PetscMemzero(a, sizeof(*a)));
    a->index           = rec->n + 1;
    a->start_strain    = before->strain;
    a->start_stress_pa = before->stress_pa;
    rec->first         = *before;
    rec->first_time    = after->time_s; /* the time of the first event */
    rec->open          = PETSC_TRUE;
    rec->nev           = 0;
  }
  if (rec->nev == rec->evcap) {
    StzAvEvent *l;
    rec->evcap = PetscMax(256, 2 * rec->evcap);
    PetscCall(PetscMalloc1(rec->evcap, &l));
    if (rec->nev) PetscCall(PetscArraycpy(l, rec->ev, rec->nev));
    PetscCall(PetscFree(rec->ev));
    rec->ev = l;
  }
  rec->ev[rec->nev].site = ev->site;
  for (int c = 0; c < 3; c++) rec->ev[rec->nev].eig[c] = ev->eig[c];
  rec->nev++;
  a->events++;
  a->size_events += (rec->plastic_of_eig[0] * ev->eig[0] + rec->plastic_of_eig[1] * ev->eig[1] + rec->plastic_of_eig[2] * ev->eig[2]) / rec->N;
  a->generations = PetscMax(a->generations, generation + 1);
  rec->last      = *after;
  PetscFunctionReturn(0);
}

void StzAvalancheRecGet(StzAvalancheRec rec, PetscInt *n, const StzAvalanche **list)
{
  *n    = rec->n;
  *list = rec->list;
}

PetscErrorCode StzAvalancheRecLastField(StzAvalancheRec rec, PetscReal gamma_p[])
{
  PetscReal *inc;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(3 * rec->N, &inc));
  for (PetscInt e = 0; e < rec->last_nev; e++)
    for (int c = 0; c < 3; c++) inc[3 * rec->last_ev[e].site + c] += rec->last_ev[e].eig[c];
  StzPlasticShear(rec->N, inc, gamma_p);
  PetscCall(PetscFree(inc));
  PetscFunctionReturn(0);
}

/* Fewest positive sizes for a fit: with the fitter's 10-sample minimum tail, fewer than 50 leave the cutoff scan and the
 * bootstrap resting on a handful of points, and the interval is then meaningless. */
#define STZ_AVALANCHE_MIN_FIT 50

PetscErrorCode StzAvalancheRecFit(StzAvalancheRec rec, StzSimResult *res)
{
  PetscReal     *s, smin = PETSC_MAX_REAL, smax = 0;
  PetscInt       m = 0;
  StzPowerLawFit fit;

  PetscFunctionBeginUser;
  res->avalanche_count    = rec->n;
  res->avalanche_fit_ok   = PETSC_FALSE;
  res->avalanche_size_max = 0;
  PetscCall(PetscMalloc1(rec->n + 1, &s));
  for (PetscInt k = 0; k < rec->n; k++)
    if (rec->list[k].size > 0) {
      s[m++] = rec->list[k].size;
      smin   = PetscMin(smin, rec->list[k].size);
      smax   = PetscMax(smax, rec->list[k].size);
    }
  res->avalanche_positive = m;
  res->avalanche_size_max = smax;
  /* Sizes are multiples of one event's plastic strain; fewer than a decade between the extremes is a handful of discrete
   * values, on which a continuous power law is meaningless (the MLE then runs off to huge exponents). */
  if (m >= STZ_AVALANCHE_MIN_FIT && smax >= 10 * smin) {
    PetscCall(StzPowerLawFitCreate(m, s, 0.95, rec->cfg->av.bootstrap, (uint64_t)rec->cfg->seed, &fit));
    res->avalanche_fit_ok   = PETSC_TRUE;
    res->avalanche_exponent = fit.exponent;
    res->avalanche_ci_low   = fit.ci_low;
    res->avalanche_ci_high  = fit.ci_high;
    res->avalanche_size_min = fit.s_min;
    res->avalanche_ks       = fit.ks_distance;
    res->avalanche_tail     = fit.n_tail;
  }
  PetscCall(PetscFree(s));
  PetscFunctionReturn(0);
}
