/* Residence-time kinetic Monte Carlo of STZ activations (BKL / Gillespie), with exact time integration under a linear load ramp.
 *
 * Event classes. Site i can shear on n_orient orientations theta_k = k (pi/2) / n_orient, each in both senses; class
 * c = 2k + (sense < 0). Its rate is r_ic = exp(lnA_i + sense b tau_ik) with lnA_i = ln nu0 - dF_i / kT and
 * b = gamma0 Omega0 / (2 kT) (Argon's rate, DESIGN.md).
 *
 * Driving stress. tau_ik is resolved from the TOTAL stress at the site, including the back-stress of the site's own earlier
 * transformations: that back-stress is real, and Argon's constant barrier accounts only for the self-energy of the new
 * increment. A transformed STZ is thus pushed back with barrier dF - 1/2 d:K:d, detailed balance for a two-state STZ.
 * (Leaving the site's own field out instead removes the diagonal of the positive-definite interaction matrix, and clusters of
 * neighbours then load each other without bound.)
 *
 * Time under loading. Between events the box's mean stress changes linearly in time, S(t) = S + Sdot t, and the mean stress is
 * the same at every site, so every rate of class c is multiplied by the same factor exp(g_c t), g_c = sense b tau_k(Sdot).
 * The total rate R(t) = sum_c R_c exp(g_c t) is therefore known in closed form, and the waiting time solves
 * int_0^dt R(t) dt = -ln u exactly (safeguarded Newton). The event is then drawn from the rates at t + dt: the class with
 * weight R_c exp(g_c dt), then the row, then the site. No step-size bound is needed and no event is missed.
 *
 * Selection is O(sqrt N): per class, the pass stores one sum per row of sites; a draw scans the rows, then one row.
 * Every sum is taken in a fixed order inside a row and rows are summed serially, so the result does not depend on the number
 * of threads. Rates are stored scaled by exp(-X) (X is the largest log-rate seen in the previous pass) so that neither
 * cryogenic barriers (exp(-300)) nor high stresses overflow or underflow.
 */
#include "impl.h"
#include <string.h>
#ifdef _OPENMP
  #include <omp.h>
#endif

/* exp(x) for |x| <= 708, branch-free so that the pass vectorises: 2^n times a degree-12 Taylor polynomial on
 * |r| <= ln2/2 (truncation error < 2e-16 relative). The same code path is taken for a given site whatever the threads. */
#pragma omp declare simd notinbranch
static inline double StzExp(double x)
{
  x                = x < -708.0 ? -708.0 : (x > 708.0 ? 708.0 : x);
  const double n   = floor(x * 1.4426950408889634 + 0.5);
  const double r   = (x - n * 0.693147180369123816490) - n * 1.90821492927058770002e-10;
  double       p   = 2.08767569878680989792e-9;
  p                = p * r + 2.50521083854417187751e-8;
  p                = p * r + 2.75573192239858906526e-7;
  p                = p * r + 2.75573192239858906526e-6;
  p                = p * r + 2.48015873015873015873e-5;
  p                = p * r + 1.98412698412698412698e-4;
  p                = p * r + 1.38888888888888888889e-3;
  p                = p * r + 8.33333333333333333333e-3;
  p                = p * r + 4.16666666666666666667e-2;
  p                = p * r + 1.66666666666666666667e-1;
  p                = p * r + 0.5;
  p                = p * r + 1.0;
  p                = p * r + 1.0;
  const double t   = n + 6755399441056767.0; /* 1.5 * 2^52 + 1023: the low mantissa bits now hold n + 1023 */
  uint64_t     u;
  double       scale;
  memcpy(&u, &t, sizeof u);
  u <<= 52;
  memcpy(&scale, &u, sizeof u);
  return p * scale;
}

/* Mean stress as the rates see it: (S_xx - S_yy)/2 and S_xy. */
static inline void StzMeanShear(const PetscReal S[3], PetscReal *t1, PetscReal *t2)
{
  *t1 = 0.5 * (S[0] - S[1]);
  *t2 = S[2];
}

/* The fused pass: add the event's shifted kernel (if ev != NULL and the engine has kernels) to every site's stress, and
 * recompute the per-row, per-class rate sums at the current mean stress. No PETSc calls inside the parallel region. */
static void StzKmcPass(StzKmc kmc, const StzEvent *ev)
{
  StzElastic      el = kmc->el;
  const PetscInt  nx = kmc->nx, ny = kmc->ny, K = kmc->n_orient, C = kmc->n_classes;
  const PetscReal b = kmc->b_per_pa, X = kmc->X;
  PetscReal       S1, S2, xmax = -PETSC_MAX_REAL;
  PetscReal *restrict s1 = el->s1, *restrict s2 = el->s2, *restrict sp = el->sp;
  const PetscReal *restrict lnA = kmc->lnA;
  const PetscBool apply = (PetscBool)(ev && (el->type == STZ_ENGINE_KERNEL || el->type == STZ_ENGINE_SLAB_KERNEL));
  const PetscInt  ex = apply ? ev->site % nx : 0, ey = apply ? ev->site / nx : 0;
  const PetscReal sg = apply ? (PetscReal)ev->sense : 0;
  const PetscInt  ko = apply ? ev->orient : 0;

  StzMeanShear(kmc->S, &S1, &S2);
#pragma omp parallel for schedule(static) reduction(max : xmax)
  for (PetscInt y = 0; y < ny; y++) {
    PetscReal *restrict r1 = s1 + y * nx, *restrict r2 = s2 + y * nx, *restrict rp = sp + y * nx;
    const PetscReal *restrict la = lnA + y * nx;
    if (apply) {
      const PetscInt ky = (y - ey + ny) % ny;
      const PetscReal *restrict k1 = el->kern[ko][0] + ky * nx, *restrict k2 = el->kern[ko][1] + ky * nx, *restrict kp = el->kern[ko][2] + ky * nx;
      /* Site x takes the kernel at x - ex (periodic): two contiguous segments. */
#pragma omp simd
      for (PetscInt x = ex; x < nx; x++) {
        r1[x] += sg * k1[x - ex];
        r2[x] += sg * k2[x - ex];
        rp[x] += sg * kp[x - ex];
      }
#pragma omp simd
      for (PetscInt x = 0; x < ex; x++) {
        r1[x] += sg * k1[x - ex + nx];
        r2[x] += sg * k2[x - ex + nx];
        rp[x] += sg * kp[x - ex + nx];
      }
      if (el->kdil[0]) {
        const PetscReal *restrict d1 = el->kdil[0] + ky * nx, *restrict d2 = el->kdil[1] + ky * nx, *restrict dp = el->kdil[2] + ky * nx;
        for (PetscInt x = 0; x < nx; x++) {
          const PetscInt kx = (x - ex + nx) % nx;
          r1[x] += d1[kx];
          r2[x] += d2[kx];
          rp[x] += dp[kx];
        }
      }
    }
    for (PetscInt k = 0; k < K; k++) {
      const PetscReal c2 = kmc->cos2[k], n2 = kmc->sin2[k];
      PetscReal       sum_p = 0, sum_m = 0, xm = -PETSC_MAX_REAL;
#pragma omp simd reduction(+ : sum_p, sum_m) reduction(max : xm)
      for (PetscInt x = 0; x < nx; x++) {
        const PetscReal u = b * ((S2 + r2[x]) * c2 - (S1 + r1[x]) * n2), a = la[x] - X;
        sum_p += StzExp(a + u);
        sum_m += StzExp(a - u);
        xm = PetscMax(xm, la[x] + PetscAbsReal(u));
      }
      kmc->row_sum[(2 * k) * ny + y]     = sum_p;
      kmc->row_sum[(2 * k + 1) * ny + y] = sum_m;
      xmax                               = PetscMax(xmax, xm);
    }
  }
  for (PetscInt c = 0; c < C; c++) {
    PetscReal s = 0;
    for (PetscInt y = 0; y < ny; y++) s += kmc->row_sum[c * ny + y];
    kmc->class_sum[c] = s;
  }
  kmc->X_next = xmax;
}

/* Recompute the rates with a fresh shift when the log-rates have moved far from the stored shift. */
static void StzKmcPassAndRescale(StzKmc kmc, const StzEvent *ev)
{
  StzKmcPass(kmc, ev);
  if (PetscAbsReal(kmc->X_next - kmc->X) > 300) {
    kmc->X = kmc->X_next;
    StzKmcPass(kmc, NULL);
  }
}

/* Mean strain, mean stress and its time derivative from the load, its rate, and the mean eigenstrain. A body (slab, block) is
 * loaded through its edges at a fixed load and its engine holds the full site stress: no uniform part, E = S = Sdot = 0. */
static void StzKmcMacro(StzKmc kmc)
{
  const PetscReal mu = kmc->cfg->mat.shear_modulus_pa, nu = kmc->cfg->mat.poisson_ratio;
  StzMacroLoad    next = kmc->load;
  PetscReal       E1[3], S1[3];
  if (kmc->el->body) {
    for (int c = 0; c < 3; c++) kmc->E[c] = kmc->S[c] = kmc->Sdot[c] = 0;
    return;
  }
  StzMacroSolve(mu, nu, &kmc->load, kmc->mean_eig, kmc->E, kmc->S);
  for (int c = 0; c < 3; c++) next.value[c] += kmc->load_rate.value[c];
  StzMacroSolve(mu, nu, &next, kmc->mean_eig, E1, S1);
  for (int c = 0; c < 3; c++) kmc->Sdot[c] = S1[c] - kmc->S[c];
}

PetscErrorCode StzKmcCreate(const StzConfig *cfg, StzElastic el, StzKmc *out)
{
  StzKmc          kmc;
  const PetscInt  N = cfg->nx * cfg->ny;
  const StzMaterial *m = &cfg->mat;
  PetscReal       dF0, lnmax = -PETSC_MAX_REAL;
  uint64_t        key_dis;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&kmc));
  kmc->cfg       = cfg;
  kmc->el        = el;
  kmc->nx        = cfg->nx;
  kmc->ny        = cfg->ny;
  kmc->N         = N;
  kmc->n_orient  = cfg->n_orient;
  kmc->n_classes = 2 * cfg->n_orient;
  for (PetscInt k = 0; k < cfg->n_orient; k++) {
    const PetscReal theta = 0.5 * PETSC_PI * k / cfg->n_orient;
    kmc->cos2[k]          = PetscCosReal(2 * theta);
    kmc->sin2[k]          = PetscSinReal(2 * theta);
  }
  kmc->kT_j     = STZ_BOLTZMANN_J_PER_K * cfg->temperature_k;
  kmc->b_per_pa = m->gamma0 * m->stz_volume_m3 / (2 * kmc->kT_j);
  kmc->ln_nu0   = PetscLogReal(m->attempt_frequency_hz);
  PetscCall(PetscMalloc4(N, &kmc->lnA, N, &kmc->barrier_j, 3 * N, &kmc->eps_p, N, &kmc->count));
  PetscCall(PetscMalloc1(kmc->n_classes * cfg->ny, &kmc->row_sum));
  PetscCall(PetscArrayzero(kmc->eps_p, 3 * N));
  PetscCall(PetscArrayzero(kmc->count, N));
  /* Quenched disorder: each site's barrier is Argon's barrier times (1 + spread g), g a standard normal cut at +-3 so
   * that no barrier becomes negative for spreads up to 0.33 (the option allows 0.5; the cut then keeps barriers > -0.5 dF). */
  dF0     = StzArgonBarrier(m->shear_modulus_pa, m->poisson_ratio, m->gamma0, m->stz_volume_m3, m->dilatancy_beta, m->tau_hat_over_mu * m->shear_modulus_pa);
  key_dis = StzRngKey((uint64_t)cfg->seed, 0xd15);
  for (PetscInt i = 0; i < N; i++) {
    PetscReal g = cfg->barrier_spread > 0 ? StzRngNormal(key_dis, (uint64_t)i) : 0;
    g                 = PetscMax(-3.0, PetscMin(3.0, g));
    kmc->barrier_j[i] = dF0 * (1 + cfg->barrier_spread * g);
    kmc->lnA[i]       = kmc->ln_nu0 - kmc->barrier_j[i] / kmc->kT_j;
    lnmax             = PetscMax(lnmax, kmc->lnA[i]);
  }
  kmc->key_time   = StzRngKey((uint64_t)cfg->seed, 0x71e);
  kmc->key_select = StzRngKey((uint64_t)cfg->seed, 0x5e1);
  kmc->X          = lnmax;
  kmc->hazard_left = -1;
#ifdef _OPENMP
  if (cfg->threads > 0) omp_set_num_threads((int)cfg->threads);
#endif
  StzKmcMacro(kmc);
  StzKmcPassAndRescale(kmc, NULL);
  *out = kmc;
  PetscFunctionReturn(0);
}

PetscErrorCode StzKmcDestroy(StzKmc *kmc)
{
  PetscFunctionBeginUser;
  if (!*kmc) PetscFunctionReturn(0);
  PetscCall(PetscFree4((*kmc)->lnA, (*kmc)->barrier_j, (*kmc)->eps_p, (*kmc)->count));
  PetscCall(PetscFree((*kmc)->row_sum));
  PetscCall(PetscFree(*kmc));
  PetscFunctionReturn(0);
}

PetscErrorCode StzKmcSetLoad(StzKmc kmc, const StzMacroLoad *load, const StzMacroLoad *rate)
{
  PetscFunctionBeginUser;
  kmc->load = *load;
  if (rate) kmc->load_rate = *rate;
  else PetscCall(PetscMemzero(&kmc->load_rate, sizeof(kmc->load_rate)));
  for (int c = 0; c < 3; c++) kmc->load_rate.control[c] = load->control[c];
  StzKmcMacro(kmc);
  StzKmcPassAndRescale(kmc, NULL);
  PetscFunctionReturn(0);
}

void StzKmcSiteStress(StzKmc kmc, PetscInt i, PetscReal s[3])
{
  s[0] = kmc->S[0] + kmc->el->sp[i] + kmc->el->s1[i];
  s[1] = kmc->S[1] + kmc->el->sp[i] - kmc->el->s1[i];
  s[2] = kmc->S[2] + kmc->el->s2[i];
}

/* Integral of the total (scaled) rate over [0, t]: sum_c R_c (exp(g_c t) - 1) / g_c. */
static PetscReal StzIntegratedRate(const PetscReal R[], const PetscReal g[], PetscInt C, PetscReal t, PetscReal *rate_at_t)
{
  PetscReal F = 0, Rt = 0;
  for (PetscInt c = 0; c < C; c++) {
    const PetscReal z = g[c] * t;
    /* expm1(z)/g without cancellation; for z -> 0 this is t. */
    F += R[c] * (PetscAbsReal(z) < 1e-8 ? t * (1 + 0.5 * z) : expm1(z) / g[c]);
    Rt += R[c] * PetscExpReal(z);
  }
  if (rate_at_t) *rate_at_t = Rt;
  return F;
}

/* Waiting time: solve F(t) = target on [0, t_limit]; returns PETSC_FALSE if F(t_limit) < target (no event before t_limit). */
static PetscBool StzSolveWaitingTime(const PetscReal R[], const PetscReal g[], PetscInt C, PetscReal target, PetscReal t_limit, PetscReal *t_out)
{
  PetscReal lo = 0, hi = t_limit, t, Rt, F;
  if (StzIntegratedRate(R, g, C, t_limit, NULL) < target) return PETSC_FALSE;
  (void)StzIntegratedRate(R, g, C, 0, &Rt);
  t = Rt > 0 ? PetscMin(target / Rt, t_limit) : 0.5 * t_limit;
  for (int it = 0; it < 200; it++) {
    F = StzIntegratedRate(R, g, C, t, &Rt) - target;
    if (F > 0) hi = t;
    else lo = t;
    if (PetscAbsReal(F) <= 1e-14 * target || hi - lo <= 1e-15 * hi) break;
    t = t - F / Rt; /* Newton, kept inside the bracket */
    if (!(t > lo && t < hi)) t = 0.5 * (lo + hi);
  }
  *t_out = t;
  return PETSC_TRUE;
}

/* Advance the macroscopic load by dt (the load is linear in time between events). */
static void StzKmcAdvanceLoad(StzKmc kmc, PetscReal dt)
{
  kmc->time_s += dt;
  for (int c = 0; c < 3; c++) kmc->load.value[c] += kmc->load_rate.value[c] * dt;
}

/* Draw the event at time dt after the last pass, with class weights R_c exp(g_c dt). */
static void StzKmcSelect(StzKmc kmc, const PetscReal g[], PetscReal dt, uint64_t n, StzEvent *ev)
{
  const PetscInt nx = kmc->nx, ny = kmc->ny, C = kmc->n_classes;
  PetscReal      w[STZ_MAX_CLASSES], W = 0, u, acc = 0, S1, S2, S[3];
  PetscInt       c = 0, y = 0, x = 0, last = -1;

  for (PetscInt k = 0; k < C; k++) {
    w[k] = kmc->class_sum[k] * PetscExpReal(g[k] * dt);
    W += w[k];
  }
  u = StzRngUniform(kmc->key_select, 3 * n) * W;
  for (c = 0; c < C; c++) {
    if (w[c] > 0) last = c;
    acc += w[c];
    if (u < acc) break;
  }
  if (c == C) c = last; /* round-off at the top end */
  /* Row, then site, in class c. The common factor exp(g_c dt) does not change the choice inside the class. */
  u    = StzRngUniform(kmc->key_select, 3 * n + 1) * kmc->class_sum[c];
  acc  = 0;
  last = -1;
  for (y = 0; y < ny; y++) {
    if (kmc->row_sum[c * ny + y] > 0) last = y;
    acc += kmc->row_sum[c * ny + y];
    if (u < acc) break;
  }
  if (y == ny) y = last;
  {
    const PetscInt  k = c / 2, sense = (c % 2) ? -1 : 1;
    const PetscReal b = kmc->b_per_pa, c2 = kmc->cos2[k], n2 = kmc->sin2[k];
    PetscReal       row = 0;
    /* The mean stress the selection sees is the one of the last pass (the dt-dependence is the common class factor). */
    for (int q = 0; q < 3; q++) S[q] = kmc->S[q];
    StzMeanShear(S, &S1, &S2);
    for (x = 0; x < nx; x++) {
      const PetscInt i = y * nx + x;
      row += StzExp(kmc->lnA[i] - kmc->X + sense * b * ((S2 + kmc->el->s2[i]) * c2 - (S1 + kmc->el->s1[i]) * n2));
    }
    u    = StzRngUniform(kmc->key_select, 3 * n + 2) * row;
    acc  = 0;
    last = -1;
    for (x = 0; x < nx; x++) {
      const PetscInt  i = y * nx + x;
      const PetscReal r = StzExp(kmc->lnA[i] - kmc->X + sense * b * ((S2 + kmc->el->s2[i]) * c2 - (S1 + kmc->el->s1[i]) * n2));
      if (r > 0) last = x;
      acc += r;
      if (u < acc) break;
    }
    if (x == nx) x = last;
    ev->site   = y * nx + x;
    ev->cls    = c;
    ev->orient = k;
    ev->sense  = sense;
    ev->dt_s   = dt;
    StzEigenstrain(kmc->cfg->mat.gamma0, 0.5 * PETSC_PI * k / kmc->n_orient, sense, kmc->cfg->dilatation, ev->eig);
  }
}

PetscErrorCode StzKmcStep(StzKmc kmc, PetscReal t_limit, PetscBool *fired, StzEvent *ev)
{
  const PetscInt  C = kmc->n_classes;
  PetscReal       g[STZ_MAX_CLASSES], St1, St2, target, ln_target, dt;
  const uint64_t  n = (uint64_t)kmc->events;

  PetscFunctionBeginUser;
  /* Growth rate of each class's rates under the stress ramp. */
  StzMeanShear(kmc->Sdot, &St1, &St2);
  for (PetscInt k = 0; k < kmc->n_orient; k++) {
    const PetscReal taudot = St2 * kmc->cos2[k] - St1 * kmc->sin2[k];
    g[2 * k]               = kmc->b_per_pa * taudot;
    g[2 * k + 1]           = -kmc->b_per_pa * taudot;
  }
  /* -ln u in units of the scaled rates; a target beyond double range means nothing can happen before t_limit. */
  /* The hazard -ln u is consumed across milestones (series rows, maps): where the run pauses does not change the trajectory. */
  if (kmc->hazard_left < 0) kmc->hazard_left = -PetscLogReal(StzRngUniform(kmc->key_time, (uint64_t)kmc->draws++));
  ln_target = PetscLogReal(kmc->hazard_left) - kmc->X;
  target    = ln_target > 700 ? PETSC_MAX_REAL : PetscExpReal(ln_target);
  *fired    = StzSolveWaitingTime(kmc->class_sum, g, C, target, t_limit, &dt);
  if (!*fired) {
    /* Survived to t_limit: keep the unused hazard and restart there with fresh rates. */
    kmc->hazard_left = PetscMax(0.0, kmc->hazard_left - StzIntegratedRate(kmc->class_sum, g, C, t_limit, NULL) * PetscExpReal(kmc->X));
    StzKmcAdvanceLoad(kmc, t_limit);
    StzKmcMacro(kmc);
    StzKmcPassAndRescale(kmc, NULL);
    PetscFunctionReturn(0);
  }
  kmc->hazard_left = -1;
  StzKmcSelect(kmc, g, dt, n, ev);
  StzKmcAdvanceLoad(kmc, dt);
  for (int c = 0; c < 3; c++) {
    kmc->eps_p[3 * ev->site + c] += ev->eig[c];
    kmc->mean_eig[c] += ev->eig[c] / kmc->N;
  }
  kmc->count[ev->site]++;
  kmc->events++;
  StzKmcMacro(kmc);
  PetscCall(StzElasticEvent(kmc->el, ev->site, ev->orient, ev->sense, ev->eig));
  StzKmcPassAndRescale(kmc, ev);
  PetscFunctionReturn(0);
}
