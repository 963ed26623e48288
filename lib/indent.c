/* Nanoindentation of a slab or block by a rigid cylinder (docs/model.md 10c; docs/outputs.md, popin.csv).
 *
 * The load F (N per m of depth) rises at -stz_indent_load_rate. The indenter presses on the free top edge with Hertz's
 * pressure for a frictionless rigid cylinder of radius R on an elastic half-plane (line contact; Johnson, Contact Mechanics,
 * 1985, section 4.2):
 *   p(x) = p0 sqrt(1 - (x - xc)^2 / a^2),  p0 = 2F / (pi a),  a^2 = 4 F R / (pi E*),  E* = 2 mu / (1 - nu),
 * which is the contact pressure as long as the glass is elastic (before the first pop-in). The field of that pressure is
 * linear in F for a fixed a, so between updates of a the site stresses grow as F(t) q_i (q: the site stress per unit load,
 * solved once by the FE) and the kMC's exact ramp with thinning applies (docs/model.md 7, "Bodies"). a is recomputed, and
 * q solved again, each time Hertz's a(F) has grown by -stz_indent_width_step. After plastic events the true contact follows
 * the dented surface: by default the model keeps Hertz's pressure (a limitation, docs/model.md 13); with -stz_indent_contact
 * it solves the contact with the surface as it is (StzIndentContact) at those steps and whenever the events have moved the
 * depth by half a pop-in's threshold.
 *
 * The indentation depth is the work-conjugate displacement of the pressure: the pressure-weighted mean downward displacement
 * of the surface, h = F c(a) + h_p. c(a) is the elastic compliance of the body under the pressure shape, and, by Betti's
 * reciprocal theorem, the eigenstrains add h_p = sum_i A q_i : eps*_i (A the site area): each event changes the depth by its
 * own increment, so excursions are seen event by event. A pop-in is a depth excursion at nearly constant load: the plastic
 * depth grows by at least -stz_popin_depth_m while the load moves by less than -stz_popin_load_window of itself
 * (StzIndentDetect). */
#include "impl.h"
#include <stzdyn/fe.h>
#include <petscblaslapack.h>

typedef struct {
  PetscReal  time_s, load_n_per_m, half_width_m, depth_m, plastic_depth_m, depth_jump_m, load_span_n_per_m, duration_s;
  PetscReal  contact_half_width_m; /* the contact's half-width at the pop-in's start (Hertz's a(F), or from the contact solve) */
  PetscInt64 events;
  PetscInt   cycle;                          /* the pre-cycle it happened in (1 ..), 0 in the final ramp */
  PetscReal  centroid_x_m, centroid_depth_m; /* where the pop-in's depth came from: the depth-weighted mean position of its events
                                                (positive increments), from the contact's centre and below the surface */
} StzPopin;

/* One STZ event as the pop-in detector sees it: the load and the depths just before it, what it added, where. */
typedef struct {
  PetscReal F, t, h, h_p, dh, x, z;
  PetscReal d; /* what the detector follows: the plastic depth (Hertz's pressure), or the depth itself (contact) */
} StzIndentEvent;

struct StzIndenter_private {
  StzFE     fe;
  PetscInt  nn;            /* nodes along the top edge */
  PetscReal he, xc, estar; /* element size, the contact's centre, plane-strain modulus 2 mu / (1 - nu) */
  PetscReal a, comp;       /* the present contact half-width and the compliance c (m per N/m) of the pressure's shape */
  PetscReal a_step;        /* Hertz's half-width of the last update: the field is renewed when a(F) leaves a_step (1 +- step) */
  /* Contact (-stz_indent_contact): the compliance of the top nodes (column n: the downward deflection of every node per unit
   * downward force on node n, solved when first needed; a slab's are shifts of one), the deflection of the eigenstrains alone,
   * the pressure-weighted height of the indenter's profile above its tip (depth = F c + h_p + zbar), and the sum of the
   * events' |depth increments| (which renews the contact) and its value at the last renewal. */
  PetscReal *G, *w_pl, *work;
  PetscBool *Gset;
  /* Contact: the site field (3 N) of a unit downward force on a top node. A block keeps one per node (Qset: solved when first
   * needed); a slab, invariant under shifts by a site, one per node position within a site (site_elems of them). The contact's
   * field is their sum weighted by the forces, and each event moves the eigenstrains' deflection of node m by
   * A Q_m(site) : deps* (Betti): no FE solve once they are known. */
  PetscReal *Q;
  PetscBool *Qset;
  PetscReal  zbar, hp_cum, hp_cum_upd, delta; /* delta: the tip's depth from the last contact solve */
  PetscReal *f, *u, *q, *es;                  /* unit-load nodal forces (2 nn), top displacements (2 nn), site field (3 N), element stresses */
  PetscReal  h_p;                             /* plastic depth */
  PetscReal  peak_pressure;                   /* largest mean contact pressure F / 2a */
  PetscInt   updates;                         /* field updates */
  PetscInt   cycle;                           /* the pre-cycle under way (1 .. -stz_indent_cycles), 0 in the final ramp */
  PetscBool  warned_size;                     /* the contact has outgrown the body (said once) */
  PetscBool  warned_contact;                  /* the contact's active set did not settle (said once) */
  /* the events of the trailing load window (a ring), and the open pop-in */
  StzIndentEvent *win;
  PetscInt        win_head, win_n, win_cap;
  PetscBool       open;
  PetscReal       b_F0, b_F_last, b_h0, b_hp0, b_h_last, b_t0, b_t_last, b_a;
  PetscInt64      b_events;
  PetscInt        b_cycle;
  PetscReal       b_wx, b_wy, b_w; /* depth-weighted sums of the event positions */
  PetscBool       stopped_deep;    /* the run stopped because the indenter sank through half the body */
  StzPopin       *pop;
  PetscInt        n_pop, cap_pop;
  /* A roll gap (StzRunRollGap): the roll's depth below the original surface (ind->delta is its tip), its force per length and
   * projected contact length and how far it reaches ahead of and behind the roll's lowest point (its last nodes, entry and
   * exit side) from the last contact solve, and the last pass's record. */
  PetscReal roll_F, roll_contact, roll_ahead, roll_behind, roll_peak_F, roll_thinning_mid, roll_spacing_rd, roll_regularity, roll_p_value, roll_pressure;
  PetscInt  roll_done; /* the passes run to their end */
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

/* Column n of the top nodes' compliance: the downward deflection of every top node per unit downward force on node n. A slab
 * (periodic in x, uniform elements) is invariant under shifts by a node, so its columns are shifts of the first. */
static PetscErrorCode StzIndentColumn(StzSim sim, PetscInt n, const PetscReal **col)
{
  StzIndenter     ind   = sim->ind;
  const PetscInt  nn    = ind->nn;
  const PetscBool shift = (PetscBool)(sim->cfg.geometry == STZ_GEOM_SLAB);

  PetscFunctionBeginUser;
  if (!ind->Gset[n]) {
    if (shift && n != 0) {
      const PetscReal *c0;
      PetscCall(StzIndentColumn(sim, 0, &c0));
      for (PetscInt m = 0; m < nn; m++) ind->G[n * nn + m] = c0[((m - n) % nn + nn) % nn];
    } else {
      PetscReal *f = ind->work, *u = ind->work + 2 * nn;
      PetscCall(PetscArrayzero(f, 2 * nn));
      f[2 * n + 1] = -1;
      PetscCall(StzFESolveTopForces(ind->fe, f, NULL, NULL, u));
      for (PetscInt m = 0; m < nn; m++) ind->G[n * nn + m] = -u[2 * m + 1];
    }
    ind->Gset[n] = PETSC_TRUE;
  }
  *col = ind->G + n * nn;
  PetscFunctionReturn(0);
}

/* The site field of a unit downward force on top node n: the array to read and the site shift sx: Q_n at site (x, y) is
 * field[y nx + (x - sx) mod nx] (block: sx = 0, its own field). */
static PetscErrorCode StzIndentNodeField(StzSim sim, PetscInt n, const PetscReal **field, PetscInt *sx)
{
  StzIndenter      ind = sim->ind;
  const StzConfig *c   = &sim->cfg;
  const PetscInt   N = sim->kmc->N, se = c->site_elems;
  const PetscBool  slab = (PetscBool)(c->geometry == STZ_GEOM_SLAB);
  const PetscInt   k    = slab ? n % se : n;

  PetscFunctionBeginUser;
  if (!ind->Qset[k]) {
    PetscReal *f = ind->work, *u = ind->work + 2 * ind->nn, *r[3];
    PetscCall(PetscArrayzero(f, 2 * ind->nn));
    f[2 * k + 1] = -1;
    PetscCall(StzFESolveTopForces(ind->fe, f, NULL, ind->es, slab ? NULL : u));
    r[0] = ind->Q + 3 * N * k, r[1] = r[0] + N, r[2] = r[0] + 2 * N;
    StzElementToSiteStress(c->nx, c->ny, se, ind->es, r);
    ind->Qset[k] = PETSC_TRUE;
    /* A block's node has its own compliance column too: the same solve gives it (StzIndentColumn). */
    if (!slab && !ind->Gset[k]) {
      for (PetscInt m = 0; m < ind->nn; m++) ind->G[k * ind->nn + m] = -u[2 * m + 1];
      ind->Gset[k] = PETSC_TRUE;
    }
  }
  *field = ind->Q + 3 * N * k;
  *sx    = slab ? n / se : 0;
  PetscFunctionReturn(0);
}

/* Q_n(i) : e for site i and eigenstrain e (xx, yy, xy), with Q_n read through its shift. */
static inline PetscReal StzIndentNodeWork(const PetscReal *Q, PetscInt sx, PetscInt nx, PetscInt N, PetscInt i, const PetscReal e[3])
{
  const PetscInt  j  = (i / nx) * nx + ((i % nx) - sx + nx) % nx;
  const PetscReal s1 = Q[j], s2 = Q[N + j], sp = Q[2 * N + j];
  return (sp + s1) * e[0] + (sp - s1) * e[1] + 2 * s2 * e[2];
}

/* The eigenstrains' downward deflection of every top node, by Betti: w_pl(m) = A sum_i Q_m(i) : eps*_i (plastic plus thermal). */
static PetscErrorCode StzIndentPlasticDeflection(StzSim sim)
{
  StzIndenter      ind = sim->ind;
  const StzConfig *c   = &sim->cfg;
  const PetscInt   N = sim->kmc->N, nx = c->nx;
  const PetscReal  A = c->site_size_m * c->site_size_m;

  PetscFunctionBeginUser;
  for (PetscInt m = 0; m < ind->nn; m++) {
    const PetscReal *Q;
    PetscInt         sx;
    PetscReal        w = 0;
    PetscCall(StzIndentNodeField(sim, m, &Q, &sx));
    for (PetscInt i = 0; i < N; i++) {
      const PetscReal *p = sim->kmc->eps_p + 3 * i, th = sim->kmc->eps_th[i], e[3] = {p[0] + th, p[1] + th, p[2]};
      w += StzIndentNodeWork(Q, sx, nx, N, i, e);
    }
    ind->w_pl[m] = A * w;
  }
  PetscFunctionReturn(0);
}

/* One event at site i with eigenstrain increment eig: every node's eigenstrain deflection moves by A Q_m(i) : eig. *dmax (may
 * be NULL): the largest move of a node in contact (one with a force). */
static PetscErrorCode StzIndentDeflectionEvent(StzSim sim, PetscInt i, const PetscReal eig[3], PetscReal *dmax)
{
  StzIndenter      ind = sim->ind;
  const StzConfig *c   = &sim->cfg;
  const PetscReal  A   = c->site_size_m * c->site_size_m;
  PetscReal        d   = 0;

  PetscFunctionBeginUser;
  for (PetscInt m = 0; m < ind->nn; m++) {
    const PetscReal *Q;
    PetscInt         sx;
    PetscReal        dw;
    PetscCall(StzIndentNodeField(sim, m, &Q, &sx));
    dw = A * StzIndentNodeWork(Q, sx, c->nx, sim->kmc->N, i, eig);
    ind->w_pl[m] += dw;
    if (ind->f[2 * m + 1] != 0) d = PetscMax(d, PetscAbsReal(dw));
  }
  if (dmax) *dmax = d;
  PetscFunctionReturn(0);
}

/* The contact's site field per unit load, q = sum_n (p_n / F) Q_n, and its compliance c = sum_nm (p_n/F) G_nm (p_m/F). */
static PetscErrorCode StzIndentContactField(StzSim sim)
{
  StzIndenter      ind = sim->ind;
  const StzConfig *c   = &sim->cfg;
  const PetscInt   N = sim->kmc->N, nx = c->nx, nn = ind->nn;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(ind->q, 3 * N));
  ind->comp = 0;
  for (PetscInt n = 0; n < nn; n++) {
    const PetscReal w = -ind->f[2 * n + 1], *Q, *col;
    PetscInt        sx;
    if (w == 0) continue;
    PetscCall(StzIndentNodeField(sim, n, &Q, &sx));
    for (PetscInt i = 0; i < N; i++) {
      const PetscInt j = (i / nx) * nx + ((i % nx) - sx + nx) % nx;
      for (int q = 0; q < 3; q++) ind->q[q * N + i] += w * Q[q * N + j];
    }
    PetscCall(StzIndentColumn(sim, n, &col));
    for (PetscInt m = 0; m < nn; m++) ind->comp += w * col[m] * -ind->f[2 * m + 1];
  }
  PetscFunctionReturn(0);
}

/* Solve M x = b in place (Gaussian elimination with partial pivoting; M is n x n, row-major, overwritten). */
static PetscErrorCode StzDenseSolve(PetscInt n, PetscReal M[], PetscReal b[])
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < n; k++) {
    PetscInt piv = k;
    for (PetscInt i = k + 1; i < n; i++)
      if (PetscAbsReal(M[i * n + k]) > PetscAbsReal(M[piv * n + k])) piv = i;
    PetscCheck(M[piv * n + k] != 0, PETSC_COMM_SELF, PETSC_ERR_MAT_LU_ZRPVT, "indent: singular contact system");
    if (piv != k) {
      for (PetscInt j = 0; j < n; j++) {
        const PetscReal t = M[k * n + j];
        M[k * n + j] = M[piv * n + j], M[piv * n + j] = t;
      }
      {
        const PetscReal t = b[k];
        b[k] = b[piv], b[piv] = t;
      }
    }
    for (PetscInt i = k + 1; i < n; i++) {
      const PetscReal l = M[i * n + k] / M[k * n + k];
      for (PetscInt j = k; j < n; j++) M[i * n + j] -= l * M[k * n + j];
      b[i] -= l * b[k];
    }
  }
  for (PetscInt k = n - 1; k >= 0; k--) {
    for (PetscInt j = k + 1; j < n; j++) b[k] -= M[k * n + j] * b[j];
    b[k] /= M[k * n + k];
  }
  PetscFunctionReturn(0);
}

/* The contact of the rigid cylinder (radius R), tip at depth delta below the undeformed surface, with the surface as the load
 * and the eigenstrains deform it (frictionless, nodal forces p_n >= 0 on the top nodes). The surface's downward deflection is
 * w = G p + w_pl (w_pl: the eigenstrains' alone) and the cylinder's profile is z_n = (x_n - xc)^2 / 2R above its tip:
 * nodes in contact have w_n = delta - z_n and p_n >= 0, the others p_n = 0 and w_n >= delta - z_n (no penetration).
 * Load control (F > 0, the indenter): sum p = F, delta unknown; the start is Hertz's contact. Depth control (F < 0, a roll):
 * delta = ind->delta is given and the load is what it takes; the start is the nodes the roll penetrates, and the contact may
 * be empty. Active set: solve the equalities, drop the most negative force or add the most penetrated node, until neither
 * happens. Sets the nodal forces f (per unit load under load control, absolute under depth control, with the load in
 * ind->roll_F), the half-width a (Hertz's equivalent, from the forces' second moment) and zbar = sum f_n z_n. */
static PetscErrorCode StzIndentContact(StzSim sim, PetscReal F, PetscReal R)
{
  StzIndenter       ind = sim->ind;
  const StzConfig  *c   = &sim->cfg;
  const PetscInt    nn  = ind->nn;
  const PetscBool   fix = (PetscBool)(F < 0);
  PetscInt         *act, na = 0, it;
  PetscReal        *M, *b, *z, *p, delta = fix ? ind->delta : 0;
  const PetscReal   a0 = fix ? 0 : StzHertzHalfWidth(ind, c, F);
  const PetscReal **cp; /* the compliance columns of the active nodes, beside act */

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc5(nn, &act, (nn + 1) * (nn + 1), &M, nn + 1, &b, nn, &z, nn, &p));
  PetscCall(PetscMalloc1(nn, &cp));
  /* w_pl, the eigenstrains' deflection of the surface, is kept current event by event (StzIndentDeflectionEvent). */
  for (PetscInt m = 0; m < nn; m++) {
    const PetscReal x = m * ind->he - ind->xc;
    z[m]              = x * x / (2 * R);
    p[m]              = 0;
  }
  /* Start: the nodes within Hertz's half-width, at least the one nearest the centre; or the nodes the roll penetrates and those
   * in contact at the last solve (the roll has moved by half an element since, or the events have changed the surface a
   * little: the contact is nearly the same, and few nodes join or leave). */
  for (PetscInt m = 0; m < nn; m++)
    if (fix ? delta - z[m] - ind->w_pl[m] > 0 || ind->f[2 * m + 1] != 0 : PetscAbsReal(m * ind->he - ind->xc) <= a0) act[na++] = m;
  if (!na && !fix) act[na++] = (PetscInt)PetscFloorReal(ind->xc / ind->he + 0.5);
  for (PetscInt i = 0; i < na; i++) PetscCall(StzIndentColumn(sim, act[i], &cp[i]));
  for (it = 0; it < 4 * nn; it++) {
    const PetscInt k     = fix ? na : na + 1;
    PetscInt       worst = -1;
    PetscReal      most  = 0;
    for (PetscInt i = 0; i < na; i++) {
      for (PetscInt j = 0; j < na; j++) M[i * k + j] = cp[j][act[i]];
      if (!fix) M[i * k + na] = -1;
      b[i] = (fix ? delta : 0) - z[act[i]] - ind->w_pl[act[i]];
    }
    if (!fix) {
      for (PetscInt j = 0; j < na; j++) M[na * k + j] = 1;
      M[na * k + na] = 0;
      b[na]          = F;
    }
    if (fix && k) {
      /* The roll: G_AA is the compliance of the nodes in contact, symmetric (reciprocity) and positive definite, and the
       * contact may hold a few hundred nodes (a long roll gap): LAPACK's Cholesky. */
      PetscBLASInt nb, one = 1, info;
      PetscCall(PetscBLASIntCast(k, &nb));
      PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("L", &nb, M, &nb, &info));
      PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_MAT_CH_ZRPVT, "roll-gap: the contact's compliance is not positive definite (LAPACK potrf info %d)", (int)info);
      PetscCallBLAS("LAPACKpotrs", LAPACKpotrs_("L", &nb, &one, M, &nb, b, &nb, &info));
    } else if (k) PetscCall(StzDenseSolve(k, M, b));
    if (!fix) delta = b[na];
    /* A node pulling the indenter (negative force) leaves the contact. */
    for (PetscInt i = 0; i < na; i++)
      if (b[i] < most) most = b[i], worst = i;
    if (worst >= 0 && (fix || na > 1)) {
      --na;
      act[worst] = act[na], cp[worst] = cp[na];
      continue;
    }
    for (PetscInt m = 0; m < nn; m++) p[m] = 0;
    for (PetscInt i = 0; i < na; i++) p[act[i]] = PetscMax(b[i], 0);
    /* A node the indenter would pass through joins it: the largest penetration first. */
    most  = 1e-12 * PetscMax(PetscAbsReal(delta), ind->he);
    worst = -1;
    for (PetscInt m = 0; m < nn; m++) {
      PetscReal w = ind->w_pl[m];
      if (p[m] > 0) continue;
      for (PetscInt i = 0; i < na; i++) w += cp[i][m] * p[act[i]];
      if (delta - z[m] - w > most) most = delta - z[m] - w, worst = m;
    }
    if (worst < 0) break;
    PetscCall(StzIndentColumn(sim, worst, &cp[na]));
    act[na++] = worst;
  }
  /* The active set has always settled within a few tens of iterations (26 at most in configs/roll-gap.yaml); say so if it
   * ever does not, rather than use forces of an unfinished solve silently. */
  if (it == 4 * nn && !ind->warned_contact) {
    ind->warned_contact = PETSC_TRUE;
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: warning: the contact's active set did not settle in %d iterations (at %.4g nm): its forces may be off there\n", (int)it,
                           (double)(ind->xc * 1e9)));
  }
  ind->delta = delta;
  {
    /* The half-width reported is Hertz's equivalent: for an elliptical pressure the second moment about its centre is a^2/4.
     * Under depth control the load is the sum of the forces, and the contact's length the span of the nodes that carry them
     * (a node stands for half an element on either side). */
    PetscReal m1 = 0, m2 = 0, load = 0, lo = PETSC_MAX_REAL, hi = -PETSC_MAX_REAL;
    if (fix)
      for (PetscInt m = 0; m < nn; m++) load += p[m];
    ind->zbar = 0;
    for (PetscInt m = 0; m < nn; m++) {
      ind->f[2 * m] = ind->f[2 * m + 1] = 0; /* a loop, not PetscArrayzero: gcc 12 cannot bound 2 nn there and warns */
      if (p[m] > 0) {
        const PetscReal x = m * ind->he - ind->xc, w = p[m] / (fix ? load : F);
        ind->f[2 * m + 1] = fix ? -p[m] : -w;
        ind->zbar += w * z[m];
        m1 += w * x, m2 += w * x * x;
        lo = PetscMin(lo, x), hi = PetscMax(hi, x);
      }
    }
    ind->a            = PetscMax(2 * PetscSqrtReal(PetscMax(m2 - m1 * m1, 0)), 0.5 * ind->he);
    ind->roll_F       = load;
    ind->roll_contact = hi >= lo ? hi - lo + ind->he : 0;
    ind->roll_ahead   = hi >= lo ? hi : 0;
    ind->roll_behind  = hi >= lo ? -lo : 0;
  }
  PetscCall(PetscFree5(act, M, b, z, p));
  PetscCall(PetscFree(cp));
  PetscFunctionReturn(0);
}

/* Solve the field of the unit load, hand it to the kMC, and recompute the compliance and plastic depth. The pressure's shape:
 * Hertz's with half-width a, or (-stz_indent_contact) the contact at load F (at least a's Hertz load). */
static PetscErrorCode StzIndentSetWidth(StzSim sim, PetscReal a)
{
  StzIndenter      ind = sim->ind;
  const StzConfig *c   = &sim->cfg;
  const PetscInt   N   = sim->kmc->N;
  PetscReal       *r[3];

  PetscFunctionBeginUser;
  ind->a_step = a;
  if (c->in.contact) {
    PetscCall(StzIndentContact(sim, PetscMax(sim->kmc->load.value[1], StzHertzLoad(ind, c, a)), c->in.radius_m));
    PetscCall(StzIndentContactField(sim));
    ind->hp_cum_upd = ind->hp_cum;
  } else {
    ind->a = a;
    StzIndentForces(ind, (PetscBool)(c->geometry == STZ_GEOM_SLAB), a);
    PetscCall(StzFESolveTopForces(ind->fe, ind->f, NULL, ind->es, ind->u));
    r[0] = ind->q, r[1] = ind->q + N, r[2] = ind->q + 2 * N;
    StzElementToSiteStress(c->nx, c->ny, c->site_elems, ind->es, r);
    ind->comp = 0;
    for (PetscInt n = 0; n < ind->nn; n++) ind->comp += ind->f[2 * n + 1] * ind->u[2 * n + 1];
  }
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
  *depth_m              = ind ? F * ind->comp + ind->h_p + ind->zbar : 0;
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

PetscErrorCode StzIndentRecontact(StzSim sim, PetscReal *delta_m, const PetscReal **f, PetscInt *nodes)
{
  StzIndenter ind = sim->ind;

  PetscFunctionBeginUser;
  PetscCheck(sim->cfg.in.contact, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "StzIndentRecontact needs -stz_indent_contact");
  PetscCall(StzIndentSetWidth(sim, ind->a_step));
  *delta_m = ind->delta;
  *f       = ind->f;
  *nodes   = ind->nn;
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
  PetscCall(PetscFree4(ind->G, ind->w_pl, ind->work, ind->Gset));
  PetscCall(PetscFree2(ind->Q, ind->Qset));
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
    StzPopin *p             = &ind->pop[ind->n_pop++];
    p->time_s               = ind->b_t0;
    p->load_n_per_m         = ind->b_F0;
    p->half_width_m         = StzHertzHalfWidth(ind, &sim->cfg, ind->b_F0);
    p->contact_half_width_m = sim->cfg.in.contact ? ind->b_a : p->half_width_m;
    p->depth_m              = ind->b_h0;
    p->plastic_depth_m      = ind->b_hp0;
    p->depth_jump_m         = ind->b_h_last - ind->b_h0;
    p->load_span_n_per_m    = ind->b_F_last - ind->b_F0;
    p->duration_s           = ind->b_t_last - ind->b_t0;
    p->events               = ind->b_events;
    p->cycle                = ind->b_cycle;
    p->centroid_x_m         = ind->b_w > 0 ? ind->b_wx / ind->b_w : 0;
    p->centroid_depth_m     = ind->b_w > 0 ? ind->b_wy / ind->b_w : 0;
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
    fprintf(fp, "%d,%.10e,%.8e,%.6e,%.6e,%.6e,%.6e,%.8e,%.8e,%.6e,%lld,%.6e,%.6e,%.4e,%.4e,%d\n", (int)k + 1, (double)p->time_s, (double)p->load_n_per_m, (double)p->contact_half_width_m,
            (double)(p->load_n_per_m / (2 * p->contact_half_width_m)), (double)p0, (double)(0.300 * p0), (double)p->depth_m, (double)p->plastic_depth_m, (double)p->depth_jump_m, (long long)p->events,
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
  r->events                    = sim->kmc->events - sim->events0;
  r->wall_time_s               = wall;
  r->events_per_second         = wall > 0 ? r->events / wall : 0;
  r->final_time_s              = sim->kmc->time_s;
  r->final_strain              = h / (c->ny * c->site_size_m);
  r->indent_final_load_n_per_m = F;
  r->yield_strain              = -1;
  r->peak_stress_pa            = ind->peak_pressure;
  r->popin_count               = ind->n_pop;
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
  fprintf(fp, "{\n  \"protocol\": \"indent\",\n  \"seed\": %lld,\n  \"events\": %lld,\n  \"interrupted\": %s,\n", (long long)c->seed, (long long)r->events, StzStopRequested() ? "true" : "false");
  fprintf(fp, "  \"wall_time_s\": %.6g,\n  \"events_per_second\": %.6g,\n  \"final_time_s\": %.9g,\n", (double)wall, (double)r->events_per_second, (double)r->final_time_s);
  fprintf(fp, "  \"final_load_n_per_m\": %.9g,\n  \"final_depth_m\": %.9g,\n  \"final_plastic_depth_m\": %.9g,\n  \"contact_half_width_m_final\": %.9g,\n", (double)F, (double)h, (double)hp,
          (double)(c->in.contact ? ind->a : StzHertzHalfWidth(ind, c, F)));
  fprintf(fp, "  \"peak_stress_pa\": %.9g,\n  \"flow_stress_pa\": null,\n  \"yield_strain\": null,\n  \"yield_stress_pa\": null,\n", (double)ind->peak_pressure);
  fprintf(fp, "  \"contact_width_updates\": %d,\n  \"stopped_at_half_depth\": %s,\n  \"popin_count\": %d,\n", (int)ind->updates, ind->stopped_deep ? "true" : "false", (int)ind->n_pop);
  if (ind->n_pop) {
    const StzPopin *p  = &ind->pop[0];
    const PetscReal p0 = 2 * p->load_n_per_m / (PETSC_PI * p->half_width_m);
    fprintf(fp, "  \"first_popin_load_n_per_m\": %.9g,\n  \"first_popin_time_s\": %.9g,\n  \"first_popin_depth_m\": %.9g,\n  \"first_popin_depth_jump_m\": %.9g,\n", (double)p->load_n_per_m,
            (double)p->time_s, (double)p->depth_m, (double)p->depth_jump_m);
    fprintf(fp, "  \"first_popin_plastic_depth_before_m\": %.9g,\n  \"first_popin_cycle\": %d,\n", (double)p->plastic_depth_m, (int)p->cycle);
    fprintf(fp, "  \"first_popin_mean_pressure_pa\": %.9g,\n  \"first_popin_hertz_max_shear_pa\": %.9g,\n  \"first_popin_events\": %lld,\n", (double)(p->load_n_per_m / (2 * p->contact_half_width_m)),
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
  growth = e->d + e->dh - ind->win[ind->win_head].d;
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
    ind->b_F0 = f->F, ind->b_h0 = f->h, ind->b_hp0 = f->h_p, ind->b_t0 = f->t, ind->b_cycle = ind->cycle, ind->b_a = ind->a;
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

/* The indenter's state on the top edge of the body: the FE model, the node spacing, the contact's arrays (contact: the
 * compliance columns and unit-force fields, solved when first needed, and the eigenstrains' deflection of the surface). */
static PetscErrorCode StzIndenterCreate(StzSim sim, PetscBool contact)
{
  const StzConfig *c = &sim->cfg;
  const PetscInt   N = sim->kmc->N;
  StzIndenter      ind;
  StzFEGeometry    g;

  PetscFunctionBeginUser;
  PetscCall(StzIndentDestroy(sim)); /* an earlier stage's (a roll gap before an indentation) */
  PetscCall(PetscNew(&sim->ind));
  ind = sim->ind;
  StzConfigFEGeometry(c, &g);
  PetscCall(StzFECreate(PETSC_COMM_SELF, &g, &ind->fe));
  ind->he    = g.element_size_m;
  ind->nn    = c->geometry == STZ_GEOM_SLAB ? g.nex : g.nex + 1;
  ind->xc    = 0.5 * g.nex * g.element_size_m;
  ind->estar = 2 * c->mat.shear_modulus_pa / (1 - c->mat.poisson_ratio);
  PetscCall(PetscMalloc4(2 * ind->nn, &ind->f, 2 * ind->nn, &ind->u, 3 * N, &ind->q, 3 * g.nex * g.ney, &ind->es));
  PetscCall(PetscArrayzero(ind->f, 2 * ind->nn));
  if (contact) {
    const PetscInt nQ = c->geometry == STZ_GEOM_SLAB ? c->site_elems : ind->nn;
    PetscCall(PetscCalloc4(ind->nn * ind->nn, &ind->G, ind->nn, &ind->w_pl, 4 * ind->nn, &ind->work, ind->nn, &ind->Gset));
    PetscCall(PetscCalloc2(3 * N * nQ, &ind->Q, nQ, &ind->Qset));
    PetscCall(StzIndentPlasticDeflection(sim)); /* the sample may come in deformed (a sequence's earlier stages) */
  }
  PetscFunctionReturn(0);
}

PetscErrorCode StzRunIndent(StzSim sim)
{
  const StzConfig *c    = &sim->cfg;
  const PetscInt   N    = sim->kmc->N;
  const PetscReal  area = c->site_size_m * c->site_size_m, dt_row = c->in.max_load / (500 * c->in.load_rate);
  StzIndenter      ind;
  StzMacroLoad     load = {{0, 0, 0}, {0, 0, 0}}, rate = {{0, 0, 0}, {0, c->in.load_rate, 0}};
  PetscLogDouble   t0, t1, tlast;
  PetscReal        a_min, F_up, F_down, t_start, F_turn, dir = 1;
  PetscInt         row = 1;

  PetscFunctionBeginUser;
  PetscCall(StzIndenterCreate(sim, c->in.contact));
  ind        = sim->ind;
  ind->cycle = c->in.cycles > 0 ? 1 : 0;
  a_min      = 2 * ind->he;
  F_turn     = ind->cycle ? c->in.cycle_load : c->in.max_load;
  if (sim->kmc->temperature_k != c->temperature_k) PetscCall(StzKmcSetTemperature(sim->kmc, c->temperature_k));
  /* The load ramps from zero; the smallest field has a half-width of two elements (Hertz's at a load too small to matter). */
  PetscCall(StzKmcSetLoad(sim->kmc, &load, &rate));
  PetscCall(StzIndentSetWidth(sim, a_min));
  F_up    = StzHertzLoad(ind, c, ind->a_step * (1 + c->in.width_step));
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
    if (StzEventsDone(sim->kmc->events, c->max_events)) break;
    PetscCall(StzKmcStep(sim->kmc, t_lim, &fired, &ev));
    if (fired && ev.cls != STZ_CLASS_RELAX(sim->kmc)) {
      const PetscInt  i  = ev.site;
      const PetscReal s1 = ind->q[i], s2 = ind->q[N + i], sp = ind->q[2 * N + i], Fn = sim->kmc->load.value[1];
      const PetscReal dh = area * ((sp + s1) * ev.eig[0] + (sp - s1) * ev.eig[1] + 2 * s2 * ev.eig[2]), h = Fn * ind->comp + ind->h_p + ind->zbar;
      sim->last = ev;
      /* The detector follows the plastic depth (Hertz's pressure, whose shape is that of a half-plane at the present load);
       * with contact, the depth itself, which each renewal of the contact puts right. */
      const StzIndentEvent e = {Fn, sim->kmc->time_s, h, ind->h_p, dh, (i % c->nx + 0.5) * c->site_size_m - ind->xc, (c->ny - i / c->nx - 0.5) * c->site_size_m, c->in.contact ? h : ind->h_p};
      PetscBool            done;
      ind->h_p += dh;
      ind->hp_cum += PetscAbsReal(dh);
      if (c->in.contact) PetscCall(StzIndentDeflectionEvent(sim, i, ev.eig, NULL));
      PetscCall(StzIndentDetect(sim, &e, &done));
      if (done) break;
      /* With contact, the dent the events make changes the contact: renew the pressure once they have moved the depth by half
       * a pop-in's (in either direction) since the last renewal (at the same half-width ladder). */
      if (c->in.contact && ind->hp_cum - ind->hp_cum_upd >= 0.5 * c->in.popin_depth_m) PetscCall(StzIndentSetWidth(sim, ind->a_step));
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
        F_up = StzHertzLoad(ind, c, ind->a_step * (1 + c->in.width_step));
        /* Hertz's field is a half-plane's: say once when the contact has grown too large for the body to hold it. */
        if (!ind->warned_size && (ind->a > 0.25 * c->nx * c->site_size_m || ind->a > c->ny * c->site_size_m / 3)) {
          ind->warned_size = PETSC_TRUE;
          if (!c->quiet)
            PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr,
                                   "stzdyn: indent: note: at %.4g N/m the contact's half-width (%.3g nm) is over a quarter of the body's width (%.3g nm) or a third of its height (%.3g nm): "
                                   "its edges or base now stiffen the field (a larger -stz_nx/-stz_ny or a smaller -stz_indent_radius_m keeps it a half-plane's)\n",
                                   (double)Fn, (double)(ind->a * 1e9), (double)(c->nx * c->site_size_m * 1e9), (double)(c->ny * c->site_size_m * 1e9)));
        }
        F_down = ind->a_step > a_min * (1 + 1e-9) ? StzHertzLoad(ind, c, ind->a_step / (1 + c->in.width_step)) : -1;
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

/* ---------- a roll gap travelling along a strip (docs/model.md 10e) ---------- */

void StzRollGapMeasure(StzSim sim, PetscReal *depth_m, PetscReal *force_n_per_m, PetscReal *contact_m)
{
  const StzIndenter ind = sim->ind;
  *depth_m              = ind ? ind->delta : 0;
  *force_n_per_m        = ind ? ind->roll_F : 0;
  *contact_m            = ind ? ind->roll_contact : 0;
}

/* The contact of the roll at its present position and depth with the strip as the eigenstrains have deformed it, and its field
 * handed to the kMC. The load's value is held at 1 and the field is the roll's absolute one (Pa), so that a new contact
 * replaces the old field exactly (StzKmcSetRamp). */
static PetscErrorCode StzRollGapSolve(StzSim sim)
{
  StzIndenter    ind = sim->ind;
  const PetscInt N   = sim->kmc->N;
  PetscInt       lo = ind->nn, hi = -1;

  PetscFunctionBeginUser;
  PetscCall(StzIndentContact(sim, -1, sim->cfg.roll.radius_m));
  /* The field sum_n p_n Q_n over the nodes in contact, a contiguous range of a block's top nodes, each with its own field
   * (Q holds them node after node): one matrix-vector product. */
  for (PetscInt m = 0; m < ind->nn; m++)
    if (ind->f[2 * m + 1] != 0) lo = PetscMin(lo, m), hi = PetscMax(hi, m);
  PetscCall(PetscArrayzero(ind->q, 3 * N));
  if (hi >= lo) {
    PetscBLASInt rows, cols, one = 1;
    PetscScalar  alpha = -1, beta = 0; /* f holds -p */
    for (PetscInt m = lo; m <= hi; m++) {
      const PetscReal *Q;
      PetscInt         sx;
      PetscCall(StzIndentNodeField(sim, m, &Q, &sx));
    }
    PetscCall(PetscBLASIntCast(3 * N, &rows));
    PetscCall(PetscBLASIntCast(hi - lo + 1, &cols));
    for (PetscInt m = lo; m <= hi; m++) ind->work[m - lo] = ind->f[2 * m + 1];
    PetscCallBLAS("BLASgemv", BLASgemv_("N", &rows, &cols, &alpha, ind->Q + 3 * N * lo, &rows, ind->work, &one, &beta, ind->q, &one));
  }
  PetscCall(StzKmcSetRamp(sim->kmc, sim->ind->q));
  sim->ind->updates++;
  PetscFunctionReturn(0);
}

/* The bands' spacing along the strip: the dominant period along x of the plastic shear of the strip's middle three quarters
 * (StzPeriodAlongX: the ends are the roll's entry and exit), in m, how regular the pattern is (the autocorrelation at that
 * period), and the chance that the bands bands.csv found there (sim->bands, computed before) would be as evenly spaced at
 * random places (StzPeriodPValue, 99 random placements: p >= 0.01). -1, 0 and 1 when there is none. */
static PetscErrorCode StzRollGapBandSpacing(const StzSim sim, PetscReal *spacing_m, PetscReal *regularity, PetscReal *p_value)
{
  const PetscInt nx = sim->cfg.nx, ny = sim->cfg.ny;
  PetscReal     *g;
  PetscInt       d;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nx * ny, &g));
  StzPlasticShear(nx * ny, sim->kmc->eps_p, g);
  PetscCall(StzPeriodAlongX(nx, ny, g, nx / 8, nx - nx / 8, &d, regularity));
  *spacing_m = d > 0 ? d * sim->cfg.site_size_m : -1;
  *p_value   = 1;
  if (d > 0) PetscCall(StzPeriodPValue(nx, ny, sim->cfg.site_size_m, sim->bands, sim->n_bands, nx / 8, nx - nx / 8, 99, StzRngKey((uint64_t)sim->cfg.seed, 0xba5d), p_value));
  PetscCall(PetscFree(g));
  PetscFunctionReturn(0);
}

/* The strip's surface: the mean downward deflection by the eigenstrains of the top nodes in [x0, x1]. */
static PetscReal StzRollGapSurface(const StzIndenter ind, PetscReal x0, PetscReal x1)
{
  PetscReal w = 0;
  PetscInt  k = 0;
  for (PetscInt m = 0; m < ind->nn; m++)
    if (m * ind->he >= x0 && m * ind->he <= x1) w += ind->w_pl[m], k++;
  return k ? w / k : 0;
}

PetscErrorCode StzRollGapProbe(StzSim sim, PetscReal xc_m, PetscReal depth_m, PetscReal *force_n_per_m, PetscReal *centroid_m, PetscReal *contact_m)
{
  StzIndenter ind = sim->ind;
  PetscReal   m1  = 0, *f;

  PetscFunctionBeginUser;
  PetscCheck(ind && sim->cfg.protocol == STZ_PROTO_ROLL_GAP, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "StzRollGapProbe needs a roll-gap run");
  {
    /* The run's contact state, put back afterwards: the probe leaves the run's field and measures alone. */
    const PetscReal xc = ind->xc, delta = ind->delta, F = ind->roll_F, lc = ind->roll_contact, ahead = ind->roll_ahead, behind = ind->roll_behind, a = ind->a, zbar = ind->zbar;
    PetscCall(PetscMalloc1(2 * ind->nn, &f));
    PetscCall(PetscArraycpy(f, ind->f, 2 * ind->nn));
    ind->xc = xc_m, ind->delta = depth_m;
    PetscCall(StzIndentContact(sim, -1, sim->cfg.roll.radius_m));
    for (PetscInt m = 0; m < ind->nn; m++) m1 -= ind->f[2 * m + 1] * m * ind->he;
    *force_n_per_m = ind->roll_F;
    *centroid_m    = ind->roll_F > 0 ? m1 / ind->roll_F : 0;
    *contact_m     = ind->roll_contact;
    PetscCall(PetscArraycpy(ind->f, f, 2 * ind->nn));
    ind->xc = xc, ind->delta = delta, ind->roll_F = F, ind->roll_contact = lc, ind->roll_ahead = ahead, ind->roll_behind = behind, ind->a = a, ind->zbar = zbar;
    PetscCall(PetscFree(f));
  }
  PetscFunctionReturn(0);
}

void StzRollGapWriteJSON(StzSim sim, FILE *fp)
{
  const StzIndenter ind = sim->ind;
  const PetscReal   H   = sim->cfg.ny * sim->cfg.site_size_m;
  fprintf(fp, "  \"roll_passes_completed\": %d,\n  \"roll_peak_force_n_per_m\": %.9g,\n  \"roll_contact_solves\": %d,\n", (int)(ind ? ind->roll_done : 0), (double)(ind ? ind->roll_peak_F : 0),
          (int)(ind ? ind->updates : 0));
  fprintf(fp, "  \"thickness_reduction_final\": %.9g,\n  \"plastic_thinning_final\": %.9g,\n", (double)(ind ? ind->roll_thinning_mid / H : 0), (double)-sim->kmc->mean_eig[1]);
  if (ind && ind->roll_spacing_rd >= 0) fprintf(fp, "  \"band_spacing_rd_m\": %.6g,\n", (double)ind->roll_spacing_rd);
  else fprintf(fp, "  \"band_spacing_rd_m\": null,\n");
  fprintf(fp, "  \"band_regularity\": %.4f,\n", (double)(ind ? ind->roll_regularity : 0));
  if (ind && ind->roll_spacing_rd >= 0) fprintf(fp, "  \"band_spacing_p_value\": %.4f,\n", (double)ind->roll_p_value);
  else fprintf(fp, "  \"band_spacing_p_value\": null,\n");
}

/* Rolling by a roll gap: a rigid frictionless roll of radius R (-stz_rolling_roll_radius_m) on the free top edge of a strip
 * (a block; its bottom roller edge is the mid-plane of a strip between two rolls), held at a depth below the strip's mean
 * surface (-stz_rolling_pass_strain times the strip's height, below where the last pass left the surface), travels from
 * beyond the strip's left end to beyond its right end at -stz_rolling_roll_speed_m_per_s, -stz_rolling_passes times, in the
 * same direction (a tandem mill) or, with -stz_rolling_reverse, back and forth (a reversing mill). The roll moves in steps of
 * half an element; at each step, and whenever the events' moves of the nodes in contact (each event's largest, added up)
 * reach a hundredth of a site since the last solve, the contact is solved again with the surface as it is (depth control:
 * the force is what the depth takes).
 * Between solves the roll's field is fixed and the kMC exact. passes.csv records each pass, roll.csv the roll as it travels;
 * bands.csv, the map and summary.json the end. */
PetscErrorCode StzRunRollGap(StzSim sim)
{
  const StzConfig *c = &sim->cfg;
  const PetscReal  a = c->site_size_m, H = c->ny * a, L = c->nx * a, R = c->roll.radius_m, v = c->roll.speed_m_per_s;
  StzMacroLoad     load = {{0, 0, 0}, {0, 1, 0}}; /* strain-controlled (a platen), at 1: the roll's field is absolute */
  StzIndenter      ind;
  PetscLogDouble   t0, t1, tlast;
  FILE            *fp, *fr;
  PetscBool        stop = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(StzIndenterCreate(sim, PETSC_TRUE));
  ind = sim->ind;
  if (sim->kmc->temperature_k != c->temperature_k) PetscCall(StzKmcSetTemperature(sim->kmc, c->temperature_k));
  PetscCall(StzKmcSetLoad(sim->kmc, &load, NULL));
  ind->delta           = 0;
  ind->roll_spacing_rd = -1;
  StzStageBegin(sim);
  PetscCall(StzSeriesBegin(sim));
  PetscCall(StzSeriesAppend(sim));
  PetscCall(StzFileOpen(c->output_dir, "passes.csv", &fp));
  PetscCall(StzFileOpen(c->output_dir, "roll.csv", &fr));
  fprintf(fr, "pass,time_s,roll_x_m,roll_depth_m,roll_force_n_per_m,contact_length_m,mean_pressure_pa,contact_ahead_m,contact_behind_m,events\n");
  fprintf(fp, "pass,roll_depth_m,peak_roll_force_n_per_m,mean_roll_force_n_per_m,mean_roll_pressure_pa,contact_length_m,thickness_reduction,plastic_thinning,elongation,"
              "stored_energy_j_per_gatom,structural_enthalpy_j_per_gatom,localization_index,band_count,band_spacing_rd_m,band_regularity,band_spacing_p_value,events\n");
  if (!c->quiet)
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: roll-gap: a roll of radius %.4g nm at %.4g nm/s, %d pass%s each %.4g of the strip's height (%.4g nm) deeper\n", (double)(R * 1e9),
                           (double)(v * 1e9), (int)c->roll.passes, c->roll.passes == 1 ? "" : "es", (double)c->roll.pass_strain, (double)(H * 1e9)));
  PetscCall(PetscTime(&t0));
  tlast = t0;
  for (PetscInt pass = 1; pass <= c->roll.passes && !stop; pass++) {
    const PetscReal dx = 0.5 * ind->he, dt = dx / v, surface = StzRollGapSurface(ind, 0, L);
    PetscReal       wmin = PETSC_MAX_REAL, reach, xs, dir, t_pass, Fsum = 0, Psum = 0, Csum = 0, peak = 0;
    PetscInt        nsteps, nmid = 0, npres = 0; /* steps over the middle half, and those of them with contact */
    for (PetscInt m = 0; m < ind->nn; m++) wmin = PetscMin(wmin, ind->w_pl[m]);
    ind->delta = surface + c->roll.pass_strain * H;
    /* From where the roll first touches the strip's lowest point to where it has left it, and a node's length beyond. */
    reach = PetscSqrtReal(2 * R * PetscMax(ind->delta - wmin, 0)) + 2 * ind->he;
    /* A reversing mill (-stz_rolling_reverse) sends every second pass back from the right end. */
    dir    = c->roll.reverse && pass % 2 == 0 ? -1 : 1;
    xs     = dir > 0 ? -reach : L + reach;
    nsteps = (PetscInt)PetscCeilReal((L + 2 * reach) / dx);
    t_pass = sim->kmc->time_s;
    for (PetscInt st = 0; st <= nsteps && !stop; st++) {
      const PetscReal t_end = t_pass + (st + 1) * dt;
      PetscReal       moved = 0;
      ind->xc               = xs + dir * st * dx;
      PetscCall(StzRollGapSolve(sim));
      for (;;) {
        PetscBool fired;
        StzEvent  ev;
        if (StzEventsDone(sim->kmc->events, c->max_events)) {
          stop = PETSC_TRUE;
          break;
        }
        PetscCall(StzKmcStep(sim->kmc, PetscMax(0, t_end - sim->kmc->time_s), &fired, &ev));
        if (!fired) break;
        if (ev.cls != STZ_CLASS_RELAX(sim->kmc)) {
          PetscReal d;
          sim->last = ev;
          PetscCall(StzIndentDeflectionEvent(sim, ev.site, ev.eig, &d));
          moved += d;
          /* The dent or bulge the events make under the roll changes the contact: solve it again. */
          if (moved >= 0.01 * a) {
            PetscCall(StzRollGapSolve(sim));
            moved = 0;
          }
        }
      }
      peak = PetscMax(peak, ind->roll_F);
      /* The steady gap: the roll over the middle half of the strip, away from its ends. */
      if (ind->xc >= 0.25 * L && ind->xc <= 0.75 * L) {
        Fsum += ind->roll_F, Csum += ind->roll_contact, nmid++;
        if (ind->roll_contact > 0) Psum += ind->roll_F / ind->roll_contact, npres++;
      }
      if (st % (2 * c->site_elems) == 0) { /* a row per site of travel */
        PetscCall(StzSeriesAppend(sim));
        fprintf(fr, "%d,%.10e,%.6e,%.6e,%.8e,%.6e,%.8e,", (int)pass, (double)sim->kmc->time_s, (double)ind->xc, (double)ind->delta, (double)ind->roll_F, (double)ind->roll_contact,
                (double)(ind->roll_contact > 0 ? ind->roll_F / ind->roll_contact : 0));
        if (ind->roll_contact > 0) fprintf(fr, "%.6e,%.6e,", (double)ind->roll_ahead, (double)ind->roll_behind);
        else fprintf(fr, ",,");
        fprintf(fr, "%lld\n", (long long)(sim->kmc->events - sim->events0)); /* as in passes.csv: from the stage's start */
        fflush(fr);
      }
      if (c->progress_s > 0 && !c->quiet) {
        PetscLogDouble now;
        PetscCall(PetscTime(&now));
        if (now - tlast >= c->progress_s) {
          PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: pass %d/%d  roll at %.4g of %.4g nm  force %.4g N/m  events %lld\n", (int)pass, (int)c->roll.passes, (double)(ind->xc * 1e9),
                                 (double)(L * 1e9), (double)ind->roll_F, (long long)sim->kmc->events));
          tlast = now;
        }
      }
    }
    /* The roll has left the strip (or the run stops): no load. */
    PetscCall(PetscArrayzero(ind->f, 2 * ind->nn));
    PetscCall(PetscArrayzero(ind->q, 3 * sim->kmc->N));
    PetscCall(StzKmcSetRamp(sim->kmc, ind->q));
    ind->roll_F = ind->roll_contact = 0;
    ind->roll_peak_F                = PetscMax(ind->roll_peak_F, peak);
    PetscCall(StzSeriesAppendIfNew(sim));
    {
      StzEnergy       e;
      StzLocalization loc;
      PetscReal       spacing = -1, regularity = 0, pv = 1;
      PetscCall(StzSimBands(sim, &loc));
      PetscCall(StzRollGapBandSpacing(sim, &spacing, &regularity, &pv));
      StzKmcEnergy(sim->kmc, &e);
      ind->roll_thinning_mid = StzRollGapSurface(ind, 0.25 * L, 0.75 * L);
      ind->roll_spacing_rd   = spacing;
      ind->roll_pressure     = npres ? Psum / npres : (PetscReal)NAN; /* a pass cut before the middle half: none (empty in ensemble.csv) */
      ind->roll_regularity   = regularity;
      ind->roll_p_value      = pv;
      fprintf(fp, "%d,%.8e,%.8e,", (int)pass, (double)ind->delta, (double)peak);
      /* The steady gap's means: empty if the pass stopped before the roll reached the strip's middle half. */
      if (nmid) fprintf(fp, "%.8e,%.8e,%.8e,", (double)(Fsum / nmid), (double)(npres ? Psum / npres : 0), (double)(Csum / nmid));
      else fprintf(fp, ",,,");
      fprintf(fp, "%.8e,%.8e,%.8e,%.8e,%.8e,%.6f,%d,", (double)(ind->roll_thinning_mid / H), (double)-sim->kmc->mean_eig[1], (double)sim->kmc->mean_eig[0], (double)e.total_j_per_gatom,
              (double)e.structural_j_per_gatom, (double)loc.index, (int)sim->n_bands);
      if (spacing >= 0) fprintf(fp, "%.6e,%.4f,%.4f,", (double)spacing, (double)regularity, (double)pv);
      else fprintf(fp, ",%.4f,,", (double)regularity);
      fprintf(fp, "%lld\n", (long long)(sim->kmc->events - sim->events0));
      fflush(fp);
      if (!c->quiet)
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: roll pass %d/%d: peak force %.4g N/m, mean pressure %.4g MPa in the gap%s; strip %.3f %% thinner, stored energy %.4g J/g-atom, %d band%s%s",
                              (int)pass, (int)c->roll.passes, (double)peak, (double)(npres ? Psum / npres / 1e6 : 0), npres ? "" : " (not reached)", (double)(100 * ind->roll_thinning_mid / H),
                              (double)e.total_j_per_gatom, (int)sim->n_bands, sim->n_bands == 1 ? "" : "s", spacing >= 0 ? "" : "\n"));
      if (!c->quiet && spacing >= 0)
        PetscCall(PetscPrintf(PETSC_COMM_SELF, ", repeating every %.3g nm along the strip (regularity %.2f; %s: p = %.2f)\n", (double)(spacing * 1e9), (double)regularity,
                              pv <= 0.05 ? "bands more evenly spaced than at random places" : "bands no more evenly spaced than at random places", (double)pv));
      if (!stop) ind->roll_done = pass;
      else if (!c->quiet)
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "stzdyn: roll-gap: %s in pass %d with the roll at %.4g nm of %.4g: the pass's row is that of a cut pass, the roll lifted there\n",
                              StzStopRequested() ? "interrupted" : "stopped at -stz_max_events", (int)pass, (double)(ind->xc * 1e9), (double)(L * 1e9)));
    }
  }
  PetscCall(StzFileCommit(c->output_dir, "passes.csv", &fp));
  PetscCall(StzFileCommit(c->output_dir, "roll.csv", &fr));
  PetscCall(PetscTime(&t1));
  PetscCall(StzLoadingFinish(sim, t1 - t0, PETSC_FALSE));
  sim->res.roll_mean_pressure_pa    = ind->roll_pressure; /* after StzLoadingFinish, which sets the result afresh */
  sim->res.roll_thickness_reduction = ind->roll_thinning_mid / H;
  sim->res.roll_band_spacing_m      = ind->roll_spacing_rd;
  sim->res.roll_band_regularity     = ind->roll_regularity;
  sim->res.roll_band_p_value        = ind->roll_p_value;
  if (!c->quiet)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  outputs in %s/: series.csv, passes.csv, roll.csv, summary.json, bands.csv, map_plastic_strain_final.png%s%s\n", c->output_dir,
                          c->fields_csv ? ", fields.csv" : "", c->fields_vtk ? ", fields.vti" : ""));
  PetscFunctionReturn(0);
}
