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
 * of threads. Rates are stored scaled by exp(-X), X a shift moved onto the largest log-rate whenever that leaves a window
 * around it, so that neither cryogenic barriers (exp(-300)) nor high stresses overflow or underflow. The shear rates are
 * evaluated in single precision from double stresses (see "rates in single precision" below and docs/performance.md);
 * the stresses and kernels stay in double, so superposition stays exact.
 */
#include "impl.h"
#include <string.h>
#ifdef _OPENMP
  #include <omp.h>
#endif

/* exp(x) for |x| <= 708, branch-free so that a loop over sites vectorises: 2^n times a degree-12 Taylor polynomial on
 * |r| <= ln2/2 (truncation error < 2e-16 relative). Used for the rate cache (StzKmcCacheSite). */
/* clang-format off */
#pragma omp declare simd notinbranch
static inline double StzExp(double x)
/* clang-format on */
{
  x              = x < -708.0 ? -708.0 : (x > 708.0 ? 708.0 : x);
  const double n = floor(x * 1.4426950408889634 + 0.5);
  const double r = (x - n * 0.693147180369123816490) - n * 1.90821492927058770002e-10;
  double       p = 2.08767569878680989792e-9;
  p              = p * r + 2.50521083854417187751e-8;
  p              = p * r + 2.75573192239858906526e-7;
  p              = p * r + 2.75573192239858906526e-6;
  p              = p * r + 2.48015873015873015873e-5;
  p              = p * r + 1.98412698412698412698e-4;
  p              = p * r + 1.38888888888888888889e-3;
  p              = p * r + 8.33333333333333333333e-3;
  p              = p * r + 4.16666666666666666667e-2;
  p              = p * r + 1.66666666666666666667e-1;
  p              = p * r + 0.5;
  p              = p * r + 1.0;
  p              = p * r + 1.0;
  const double t = n + 6755399441056767.0; /* 1.5 * 2^52 + 1023: the low mantissa bits now hold n + 1023 */
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

/* ---------- rates in single precision ----------
 *
 * The pass evaluates 2 n_orient rates per site and event; in double that made it compute-bound. The rates only steer the
 * random choice of the next event and its waiting time, so float accuracy is plenty: a rate is off by at most about
 * 2^-22 (|b s1| + |b s2|) + 2^-21 relative, as if the stress were rounded to float (docs/performance.md; tests/test_rates.c).
 * The stresses and kernels stay in double (superposition must stay exact against the FE solve).
 *
 * A scaled rate exp(a_i +- u_ik), a_i = lnA_i - X and u_ik = b tau_ik, spans far more than the float range at cryogenic
 * temperatures (a ~ -300, u ~ +300), so each factor is split into a mantissa and an integer binary exponent:
 *   exp(a_i) = (pre_m[i] / 2) 2^(pre_e[i] - STZ_E_BIAS)  (cached per site, reduced in double),
 *   exp(+-u) = (E(r) +- O(r)) 2^(+-n),  u = n ln2 + r, |r| <= ln2/2,
 * with E and O the even and odd parts of the Taylor series of exp(r): one range reduction and one polynomial give both
 * senses, and the exponents add as integers. A rate below 2^-126 exp(X) is set to zero: while the largest rate stays
 * above 2^STZ_E_LOW exp(X) that is 2^-86 of it, irrelevant to the selection (see StzKmcRescaleNeeded). */
#define STZ_E_HIGH 64    /* rescale when the largest rate exceeds 2^64 exp(X): rows of 2^40 sites cannot overflow a float */
#define STZ_E_LOW  (-40) /* rescale when the largest rate is below 2^-40 exp(X): flushed rates stay < 2^-86 of it */
#define STZ_E_BIAS 126   /* pre_e holds the exponent plus this bias, so a float's exponent field is one integer add away */
/* b s1 and b s2 are clamped at STZ_U_MAX, so |u| < 2^15 ln2 and the reduction below stays exact; a stress with |b tau|
 * that large is 1e4 kT of work, far beyond any physical state. */
#define STZ_U_MAX 1.0e4

/* The scaled rates exp(a + u) and exp(a - u) of one site and orientation, with exp(a) = (m2 / 2) 2^(eb - STZ_E_BIAS).
 * *eb_max receives the larger of the two biased exponents (exact, before flushing) for the rescale test.
 * A rate with biased exponent <= 0, i.e. below 2^-126 exp(X), comes out as +0 (never denormal): m2 (E +- O) lies in
 * [1, 4], so the smallest nonzero rate is a normal float. Exponents beyond the float range give garbage, but then
 * *eb_max > STZ_E_HIGH + STZ_E_BIAS and the pass is redone with a new shift (StzKmcRescale) before anyone uses it.
 * xp, xm: binary exponents added to the + and - rate (a flicker penalty given back to a class that leaves the basin).
 * Pure float and int arithmetic with explicit fmaf: the vectorised pass and the scalar selection get bit-identical rates. */
static inline void StzRatePair(float u, float m2, int32_t eb, int32_t xp, int32_t xm, float *rp, float *rm, int32_t *eb_max)
{
  const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits */
  union {
    float    f;
    int32_t  i;
    uint32_t b;
  } t, sp, sm;
  float   n, r, r2, ev, od;
  int32_t ni, ep, em;
  t.f = fmaf(u, 1.44269504088896341f, magic);
  n   = t.f - magic;
  ni  = t.i - 0x4B400000; /* the bits of magic */
  /* Cody-Waite: 0.693359375 has 9 significant bits, so n * it is exact for |n| < 2^15. */
  r  = fmaf(n, 2.12194440e-4f, fmaf(n, -0.693359375f, u));
  r2 = r * r;
  /* |r| <= 0.347: the first omitted terms, r^8/8! and r^9/9!, are below 6e-9, a tenth of a float ulp. */
  ev      = fmaf(r2, fmaf(r2, fmaf(r2, 1.0f / 720, 1.0f / 24), 0.5f), 1.0f);
  od      = fmaf(r * r2, fmaf(r2, fmaf(r2, 1.0f / 5040, 1.0f / 120), 1.0f / 6), r);
  ep      = eb + ni + xp;
  em      = eb - ni + xm;
  *eb_max = ep > em ? ep : em;
  ep      = ep < 0 ? 0 : ep;
  em      = em < 0 ? 0 : em;
  sp.b    = (uint32_t)ep << 23; /* 2^(ep - 127); ep = 0 gives +0 */
  sm.b    = (uint32_t)em << 23;
  *rp     = (m2 * (ev + od)) * sp.f;
  *rm     = (m2 * (ev - od)) * sm.f;
}

/* b times a driving stress, clamped to +-STZ_U_MAX and rounded once to float. */
static inline float StzDrive(PetscReal b, PetscReal s)
{
  /* Convert first, then select between values: with the conversion inside a branch GCC kept the loop scalar (a
   * conditional conversion may trap); selects of values become vector compares and blends. */
  const float u = (float)(b * s);
  return u < (float)-STZ_U_MAX ? (float)-STZ_U_MAX : (u > (float)STZ_U_MAX ? (float)STZ_U_MAX : u);
}

/* exp(a_i + v) = (m2o / 2) 2^(ebo - STZ_E_BIAS) from the cached exp(a_i) = (m2 / 2) 2^(eb - STZ_E_BIAS), for a float v.
 * m2 lies in [sqrt2, 2 sqrt2] (StzKmcCacheSite) and is put back there, so StzRatePair's range argument holds unchanged.
 * Pure float and int arithmetic like StzRatePair: the pass and the selection get bit-identical rates. */
static inline void StzPressureFactor(float v, float m2, int32_t eb, float *m2o, int32_t *ebo)
{
  const float magic = 12582912.0f;
  union {
    float   f;
    int32_t i;
  } t;
  float   n, r, r2, e, m;
  int32_t ni, lo, hi;
  t.f  = fmaf(v, 1.44269504088896341f, magic);
  n    = t.f - magic;
  ni   = t.i - 0x4B400000;
  r    = fmaf(n, 2.12194440e-4f, fmaf(n, -0.693359375f, v));
  r2   = r * r;
  e    = fmaf(r2, fmaf(r2, fmaf(r2, 1.0f / 720, 1.0f / 24), 0.5f), 1.0f) + fmaf(r * r2, fmaf(r2, fmaf(r2, 1.0f / 5040, 1.0f / 120), 1.0f / 6), r);
  m    = m2 * e; /* in [1, 4] */
  lo   = m < 1.41421356f;
  hi   = m >= 2.82842712f;
  *m2o = lo ? 2.0f * m : (hi ? 0.5f * m : m);
  *ebo = eb + ni - lo + hi;
}

/* The pair of StzRatePair with the dilatation's work (dil_k != 0): p = b dil_k P of the site (float, clamped), ip and im the
 * dilatation of the + and - event (dinc). The + rate gains p ip, the - rate p im: their mean goes into the site factor, half
 * their difference into the drive u. */
static inline void StzDilRatePair(float u, float p, float ip, float im, float m2, int32_t eb, int32_t xp, int32_t xm, float *rp, float *rm, int32_t *eb_max)
{
  float   m;
  int32_t e;
  StzPressureFactor(p * ((ip + im) * 0.5f), m2, eb, &m, &e);
  StzRatePair(u + p * ((ip - im) * 0.5f), m, e, xp, xm, rp, rm, eb_max);
}

/* Cache entry of site i: exp(lnA_i - X) = (pre_m / 2) 2^(pre_e - STZ_E_BIAS), reduced in double so the split is exact
 * to a float ulp (the factor 2 keeps the smallest nonzero rate normal, see StzRatePair). */
static inline void StzKmcCacheSite(StzKmc kmc, PetscInt i)
{
  PetscReal a   = kmc->lnA[i] - kmc->X, n;
  a             = a < -1.0e6 ? -1.0e6 : (a > 1.0e6 ? 1.0e6 : a); /* keeps the int32 exponent sums far from overflow */
  n             = PetscFloorReal(a * 1.4426950408889634 + 0.5);
  kmc->pre_m[i] = (float)(2 * StzExp(a - n * 0.693147180559945309));
  kmc->pre_e[i] = (int32_t)n + STZ_E_BIAS;
}

static void StzKmcCacheAll(StzKmc kmc)
{
#pragma omp parallel for schedule(static) if (kmc->parallel)
  for (PetscInt i = 0; i < kmc->N; i++) StzKmcCacheSite(kmc, i);
}

/* Sites per chunk of a row: the float copies of the driving stress live on the stack (8 KB). */
#define STZ_CHUNK 1024

/* Rate sums of row y for every class at mean shear stress (S1, S2), into rs[0 .. 2 n_orient); returns the largest binary
 * exponent of a scaled rate in the row. The summation order is fixed by the row alone, whatever thread runs it. */
static inline int32_t StzKmcRowRates(const StzKmc kmc, PetscInt y, PetscReal S1, PetscReal S2, PetscReal *restrict rs)
{
  const PetscInt  nx = kmc->nx, K = kmc->n_orient;
  const PetscReal b            = kmc->b_per_pa;
  const PetscReal *restrict s1 = kmc->el->s1 + y * nx, *restrict s2 = kmc->el->s2 + y * nx;
  const float *restrict pm   = kmc->pre_m + y * nx;
  const int32_t *restrict pe = kmc->pre_e + y * nx;
  const int32_t *restrict xq = kmc->esc + y * nx;
  float   U1[STZ_CHUNK], U2[STZ_CHUNK], P[STZ_CHUNK], sum[2 * STZ_MAX_ORIENT];
  int32_t emax = INT32_MIN;

  for (PetscInt c = 0; c < 2 * K; c++) sum[c] = 0;
  for (PetscInt x0 = 0; x0 < nx; x0 += STZ_CHUNK) {
    const PetscInt len = PetscMin(STZ_CHUNK, nx - x0);
    /* b times the total driving stress, rounded once to float. */
#pragma omp simd
    for (PetscInt x = 0; x < len; x++) {
      U1[x] = StzDrive(b, S1 + s1[x0 + x]);
      U2[x] = StzDrive(b, S2 + s2[x0 + x]);
    }
    if (kmc->dil_k != 0) { /* b dil_k P: the dilatation's work per unit of dilatation */
      const PetscReal bk = b * kmc->dil_k, Sm = 0.5 * (kmc->S[0] + kmc->S[1]);
      const PetscReal *restrict spr = kmc->el->sp + y * nx + x0;
#pragma omp simd
      for (PetscInt x = 0; x < len; x++) P[x] = StzDrive(bk, Sm + spr[x]);
    }
    for (PetscInt k = 0; k < K; k++) {
      const float c2 = (float)kmc->cos2[k], n2 = (float)kmc->sin2[k];
      float       sp = 0, sm = 0;
      int32_t     em = INT32_MIN;
      if (kmc->dil_k != 0) {
        const float *restrict ip = kmc->dinc + 2 * k * kmc->N + y * nx + x0, *restrict im = ip + kmc->N;
#pragma omp simd reduction(+ : sp, sm) reduction(max : em)
        for (PetscInt x = 0; x < len; x++) {
          float         rp, rm;
          int32_t       ea;
          const int32_t q = xq[x0 + x], pn = q & 0xff;
          StzDilRatePair(fmaf(U2[x], c2, -(U1[x] * n2)), P[x], ip[x], im[x], pm[x0 + x], pe[x0 + x], ((q >> (8 + 2 * k)) & 1) * pn, ((q >> (9 + 2 * k)) & 1) * pn, &rp, &rm, &ea);
          sp += rp;
          sm += rm;
          em = em > ea ? em : ea;
        }
      } else {
#pragma omp simd reduction(+ : sp, sm) reduction(max : em)
        for (PetscInt x = 0; x < len; x++) {
          float         rp, rm;
          int32_t       ea;
          const int32_t q = xq[x0 + x], pn = q & 0xff;
          StzRatePair(fmaf(U2[x], c2, -(U1[x] * n2)), pm[x0 + x], pe[x0 + x], ((q >> (8 + 2 * k)) & 1) * pn, ((q >> (9 + 2 * k)) & 1) * pn, &rp, &rm, &ea);
          sp += rp;
          sm += rm;
          em = em > ea ? em : ea;
        }
      }
      sum[2 * k] += sp;
      sum[2 * k + 1] += sm;
      emax = PetscMax(emax, em);
    }
  }
  for (PetscInt c = 0; c < 2 * K; c++) rs[c] = sum[c];
  return emax - STZ_E_BIAS;
}

/* Add sg times the kernel row kr, shifted by ex (periodic), to the stress row r: two contiguous segments. */
static inline void StzAddShiftedRow(PetscInt nx, PetscInt ex, PetscReal sg, const PetscReal *restrict kr, PetscReal *restrict r)
{
#pragma omp simd
  for (PetscInt x = ex; x < nx; x++) r[x] += sg * kr[x - ex];
#pragma omp simd
  for (PetscInt x = 0; x < ex; x++) r[x] += sg * kr[x - ex + nx];
}

/* Add sg times the MIRRORED kernel row kr to r: r[x] += sg kr[(ex - x) mod nx], the row -dy of an inversion-symmetric
 * kernel (K(-dx, -dy) = K(dx, dy), see StzKernelSymmetrize) read from the stored row dy. */
static inline void StzAddMirroredRow(PetscInt nx, PetscInt ex, PetscReal sg, const PetscReal *restrict kr, PetscReal *restrict r)
{
#pragma omp simd
  for (PetscInt x = 0; x <= ex; x++) r[x] += sg * kr[ex - x];
#pragma omp simd
  for (PetscInt x = ex + 1; x < nx; x++) r[x] += sg * kr[ex - x + nx];
}

/* Class totals from the row sums, serially in row order (thread-count independent). */
static void StzKmcClassSums(StzKmc kmc)
{
  for (PetscInt c = 0; c < kmc->n_classes; c++) {
    PetscReal s = 0;
    for (PetscInt y = 0; y < kmc->ny; y++) s += kmc->row_sum[y * kmc->row_stride + c];
    kmc->class_sum[c] = s;
  }
}

/* The fused pass: add the event's shifted kernel (if ev != NULL and the engine has kernels) to s1 and s2 at every site, and
 * recompute the per-row, per-class rate sums at the current mean stress. sp is left to StzKmcSyncStress (the rates do not
 * read it), so the pass streams s1, s2, the rate cache (8 bytes per site) and the kernel. The kernel is inversion-symmetric,
 * so the rows ey + dy and ey - dy take the same stored kernel row dy (the second one mirrored in x) and are done together:
 * each kernel value is read from memory once for two sites, and only half of each kernel is ever touched, which keeps the
 * working set of a 512^2 lattice in the last-level cache. 52 bytes per site and event reach the cache hierarchy (with the flicker word esc). (The
 * slab-kernel engine's kernels have no such symmetry and take one kernel row per stress row.)
 * The work per row is the same whatever the number of threads (each row is summed by one thread, in a fixed order); the
 * row sums sit on separate 64-byte lines, so threads never write the same line. No PETSc calls inside the parallel region. */
static void StzKmcPass(StzKmc kmc, const StzEvent *ev)
{
  StzElastic     el = kmc->el;
  const PetscInt nx = kmc->nx, ny = kmc->ny, RS = kmc->row_stride;
  PetscReal      S1, S2;
  int32_t        emax = INT32_MIN;

  StzMeanShear(kmc->S, &S1, &S2);
  if (ev && el->type == STZ_ENGINE_KERNEL) {
    const PetscInt   ex = ev->site % nx, ey = ev->site / nx, ko = ev->orient, nh = ny / 2 + 1;
    const PetscReal  sg = (PetscReal)ev->sense, dq = ev->dil;
    const PetscReal *k1 = el->kern[ko][0], *k2 = el->kern[ko][1], *kp = el->kern[ko][2], *d1 = el->kdil[0], *d2 = el->kdil[1], *dp = el->kdil[2];
#pragma omp parallel for schedule(static) reduction(max : emax) if (kmc->parallel)
    for (PetscInt ky = 0; ky < nh; ky++) {
      const PetscInt ya = (ey + ky) % ny, yb = (ey - ky + ny) % ny;
      StzAddShiftedRow(nx, ex, sg, k1 + ky * nx, el->s1 + ya * nx);
      StzAddShiftedRow(nx, ex, sg, k2 + ky * nx, el->s2 + ya * nx);
      if (d1) { /* dilatation: the rates read sp too, so it is kept current here (no lazy sp) */
        StzAddShiftedRow(nx, ex, dq, d1 + ky * nx, el->s1 + ya * nx);
        StzAddShiftedRow(nx, ex, dq, d2 + ky * nx, el->s2 + ya * nx);
        StzAddShiftedRow(nx, ex, dq, dp + ky * nx, el->sp + ya * nx);
        StzAddShiftedRow(nx, ex, sg, kp + ky * nx, el->sp + ya * nx);
      }
      emax = PetscMax(emax, StzKmcRowRates(kmc, ya, S1, S2, kmc->row_sum + ya * RS));
      if (yb == ya) continue; /* dy = 0, and dy = ny/2 for even ny: the row is its own mirror */
      StzAddMirroredRow(nx, ex, sg, k1 + ky * nx, el->s1 + yb * nx);
      StzAddMirroredRow(nx, ex, sg, k2 + ky * nx, el->s2 + yb * nx);
      if (d1) {
        StzAddMirroredRow(nx, ex, dq, d1 + ky * nx, el->s1 + yb * nx);
        StzAddMirroredRow(nx, ex, dq, d2 + ky * nx, el->s2 + yb * nx);
        StzAddMirroredRow(nx, ex, dq, dp + ky * nx, el->sp + yb * nx);
        StzAddMirroredRow(nx, ex, sg, kp + ky * nx, el->sp + yb * nx);
      }
      emax = PetscMax(emax, StzKmcRowRates(kmc, yb, S1, S2, kmc->row_sum + yb * RS));
    }
  } else if (ev && StzEngineHasSlabKernels(el->type)) {
    /* Slab: kern points at the event's source-row block (StzElasticEvent), row r holding target row (ey + r) mod ny;
     * periodic in x only, so no mirror symmetry: one kernel row per stress row. */
    /* A block's kernels belong to the source site and are in natural order: no shift, no rotation. */
    const PetscInt   ex = el->per_site ? 0 : ev->site % nx, ey = el->per_site ? 0 : ev->site / nx, ko = ev->orient;
    const PetscReal  sg = (PetscReal)ev->sense, dq = ev->dil;
    const PetscReal *k1 = el->kern[ko][0], *k2 = el->kern[ko][1], *kp = el->kern[ko][2], *d1 = el->kdil[0], *d2 = el->kdil[1], *dp = el->kdil[2];
#pragma omp parallel for schedule(static) reduction(max : emax) if (kmc->parallel)
    for (PetscInt y = 0; y < ny; y++) {
      const PetscInt ky = (y - ey + ny) % ny;
      StzAddShiftedRow(nx, ex, sg, k1 + ky * nx, el->s1 + y * nx);
      StzAddShiftedRow(nx, ex, sg, k2 + ky * nx, el->s2 + y * nx);
      if (d1) {
        StzAddShiftedRow(nx, ex, dq, d1 + ky * nx, el->s1 + y * nx);
        StzAddShiftedRow(nx, ex, dq, d2 + ky * nx, el->s2 + y * nx);
        StzAddShiftedRow(nx, ex, dq, dp + ky * nx, el->sp + y * nx);
        StzAddShiftedRow(nx, ex, sg, kp + ky * nx, el->sp + y * nx);
      }
      emax = PetscMax(emax, StzKmcRowRates(kmc, y, S1, S2, kmc->row_sum + y * RS));
    }
  } else {
    /* No event, or the factor/resolve engines, which updated the stresses in StzElasticEvent: rates only. */
#pragma omp parallel for schedule(static) reduction(max : emax) if (kmc->parallel)
    for (PetscInt y = 0; y < ny; y++) emax = PetscMax(emax, StzKmcRowRates(kmc, y, S1, S2, kmc->row_sum + y * RS));
  }
  StzKmcClassSums(kmc);
  kmc->e_max = emax;
}

static void StzKmcAllSiteRates(StzKmc kmc);

/* Whether the shift X must move: the largest rate has left [2^STZ_E_LOW, 2^STZ_E_HIGH] exp(X). Inside that window no row
 * sum can overflow, and every flushed rate is below 2^(-126 - STZ_E_LOW) = 2^-86 of the largest one, so with up to 2^24
 * sites and 16 classes the flushed total is < 2^-58 of the total rate. */
static PetscBool StzKmcRescaleNeeded(const StzKmc kmc)
{
  return (PetscBool)(kmc->e_max > STZ_E_HIGH || kmc->e_max < STZ_E_LOW);
}

/* Move X onto the largest log-rate of the last pass, rebuild the cache, and recompute the rates (no event). The maximum is
 * exact (integer exponents, taken before flushing), so one round puts it at 2^0 or 2^1; the loop is a guard. */
static void StzKmcRescale(StzKmc kmc)
{
  for (int it = 0; it < 8 && StzKmcRescaleNeeded(kmc); it++) {
    kmc->X += (PetscReal)kmc->e_max * 0.693147180559945309;
    StzKmcAllSiteRates(kmc); /* the rate cache and the relaxation rates are both scaled by exp(-X) */
    StzKmcPass(kmc, NULL);
  }
}

/* ---------- structural state: barriers, relaxation rates ---------- */

/* Relaxation rate sums of row y and the total, each in a fixed order (thread-count independent). */
static void StzKmcRelaxRow(StzKmc kmc, PetscInt y)
{
  PetscReal s = 0;
  for (PetscInt x = 0; x < kmc->nx; x++) s += kmc->rel_rate[y * kmc->nx + x];
  kmc->rel_row[y] = s;
}

static void StzKmcRelaxTotal(StzKmc kmc)
{
  PetscReal s = 0;
  for (PetscInt y = 0; y < kmc->ny; y++) s += kmc->rel_row[y];
  kmc->rel_sum = s;
}

/* Site i's barrier, log-prefactor and (scaled) relaxation rate from its quenched barrier and fictive temperature.
 * The relaxation barrier is the shear barrier times Q_g / dF0: the same disorder and the same T_f dependence. */
static void StzKmcSiteRates(StzKmc kmc, PetscInt i)
{
  const StzStructureConfig *st = &kmc->cfg->st;
  kmc->barrier_j[i]            = kmc->dF_quench_j[i] * (st->on ? StzBarrierFactor(&st->p, kmc->tf_k[i]) : 1.0);
  kmc->lnA[i]                  = kmc->ln_nu0 - kmc->barrier_j[i] / kmc->kT_j - (kmc->esc[i] & 0xff) * 0.693147180559945309;
  if (st->on) kmc->rel_rate[i] = PetscExpReal(PetscMin(700.0, kmc->ln_nu0 - kmc->relax_ratio * kmc->barrier_j[i] / kmc->kT_j - kmc->X));
  StzKmcCacheSite(kmc, i); /* the shear rates' float cache follows lnA (impl.h) */
}

/* Every site's rates (after a change of temperature or of the shift X). */
static void StzKmcAllSiteRates(StzKmc kmc)
{
  for (PetscInt i = 0; i < kmc->N; i++) StzKmcSiteRates(kmc, i);
  if (kmc->cfg->st.on) {
    for (PetscInt y = 0; y < kmc->ny; y++) StzKmcRelaxRow(kmc, y);
    StzKmcRelaxTotal(kmc);
  }
}

/* Recompute the rates with a fresh shift when the log-rates have moved far from the stored shift. */
static void StzKmcPassAndRescale(StzKmc kmc, const StzEvent *ev)
{
  StzKmcPass(kmc, ev);
  StzKmcRescale(kmc);
}

void StzKmcSiteChanged(StzKmc kmc, PetscInt i)
{
  const PetscInt y = i / kmc->nx;
  PetscReal      S1, S2;
  int32_t        e;

  StzKmcCacheSite(kmc, i);
  StzMeanShear(kmc->S, &S1, &S2);
  e = StzKmcRowRates(kmc, y, S1, S2, kmc->row_sum + y * kmc->row_stride);
  StzKmcClassSums(kmc);
  /* The row's maximum can only raise the global one; a lowered site cannot push the maximum below the window by itself
   * unless it held the maximum, which the next pass sees. */
  if (e > kmc->e_max) kmc->e_max = e;
  if (StzKmcRescaleNeeded(kmc)) StzKmcRescale(kmc);
}

void StzKmcAllSitesChanged(StzKmc kmc)
{
  StzKmcCacheAll(kmc);
  StzKmcPassAndRescale(kmc, NULL);
}

/* b tau_k: the resolved shear stress of orientation k for a stress with shear parts (t1, t2), times b = gamma0 Omega0 / 2kT
 * (the rate of a + event is exp(lnA + this), StzKmcRowRates). */
static inline PetscReal StzKmcDriveK(const StzKmc kmc, PetscInt k, PetscReal t1, PetscReal t2)
{
  return kmc->b_per_pa * (t2 * kmc->cos2[k] - t1 * kmc->sin2[k]);
}

/* Structural response to an event at site i (docs/model.md, "Structural state" and "Flicker").
 * Basins: a site's plastic strain moves by gamma0 per activation. Held back by its own back-stress, an STZ with no net drive
 * wanders among a few states near where it started (anelastic, reversible flips); only when its plastic strain has left
 * that basin (moved more than renewal_strain * gamma0 from its last renewal, equivalent shear) has it flowed, and then:
 * - the site is renewed and a new basin starts there: T_f moves towards T_ss (a glass flowing at steady state) as far as
 *   the applied stress drove the rearrangement (below); with -stz_renew_disorder it also draws a new barrier disorder
 *   factor (a new local structure: threshold renewal);
 * - inside the basin, reversible flips do not rejuvenate; but a site more disordered than the flowing glass (T_f > T_ss)
 *   settles when it rearranges: it takes the lower of its T_f and a new draw around T_ss (mechanical annealing of soft spots);
 * - a relaxation event moves T_f a fraction of the way towards the temperature (ageing; equilibration above T_g).
 * Flicker acceleration: StzKmcFlicker. */
/* Dilatancy (docs/model.md 3): a site's dilatation grows with its equivalent plastic shear from the start of its basin,
 * eps_v per gamma0, so each class's event adds eps_v (d_after - d_now) / gamma0: +eps_v from the basin's start, -eps_v
 * straight back (a flip and its reversal leave no dilatation). When the site is renewed a new basin starts there, keeping
 * the dilatation as far as the load drove the renewal (StzKmcStructure): flow leaves free volume behind. */
void StzKmcDilatancy(StzKmc kmc, PetscInt i)
{
  const PetscReal  g0 = kmc->cfg->mat.gamma0;
  const PetscReal *e = kmc->eps_p + 3 * i, *r = kmc->eps_ref + 3 * i;
  const PetscReal  d1 = 0.5 * ((e[0] - r[0]) - (e[1] - r[1])), d2 = e[2] - r[2], now = 2 * PetscSqrtReal(d1 * d1 + d2 * d2);
  if (!kmc->dinc) return;
  for (PetscInt k = 0; k < kmc->n_orient; k++)
    for (int sg = 0; sg < 2; sg++) {
      /* A move of orientation k and sense s changes (d1, d2) by s gamma0 / 2 (-sin 2theta_k, cos 2theta_k) (StzEigenstrain). */
      const PetscReal h = (sg ? -0.5 : 0.5) * g0, q1 = d1 - h * kmc->sin2[k], q2 = d2 + h * kmc->cos2[k];
      kmc->dinc[(2 * k + sg) * kmc->N + i] = (float)((2 * PetscSqrtReal(q1 * q1 + q2 * q2) - now) / g0);
    }
}

static inline PetscReal StzKmcPlatenStrain(const StzKmc kmc);
/* The applied stress at site i (xx, yy, xy): the uniform part S, plus, in a body whose load has a non-uniform response
 * (sticking platens, an indenter: kmc->ramp), that response times the load. It is the stress the load would set up without
 * any eigenstrain; the renewal weight reads it (StzKmcStructure). */
static void StzKmcAppliedStress(const StzKmc kmc, PetscInt i, PetscReal Sa[3])
{
  for (int c = 0; c < 3; c++) Sa[c] = kmc->S[c];
  if (kmc->ramp) {
    const PetscInt  N = kmc->N;
    const PetscReal e = StzKmcPlatenStrain(kmc), r1 = kmc->ramp[i], r2 = kmc->ramp[N + i], rp = kmc->ramp[2 * N + i];
    Sa[0] += e * (rp + r1), Sa[1] += e * (rp - r1), Sa[2] += e * r2;
  }
}

static void StzKmcFlicker(StzKmc kmc, PetscInt i);
static void StzKmcStructure(StzKmc kmc, StzEvent *ev, uint64_t n)
{
  const StzStructureConfig *st = &kmc->cfg->st;
  const PetscInt            i  = ev->site;
  if (ev->cls == STZ_CLASS_RELAX(kmc)) {
    kmc->tf_k[i] += st->relax_step * (kmc->temperature_k - kmc->tf_k[i]);
  } else {
    const PetscReal *e = kmc->eps_p + 3 * i, *r = kmc->eps_ref + 3 * i;
    const PetscReal  d1 = 0.5 * ((e[0] - r[0]) - (e[1] - r[1])), d2 = e[2] - r[2];
    const PetscReal  dist  = 2 * PetscSqrtReal(d1 * d1 + d2 * d2); /* equivalent shear strain from the basin's start */
    const PetscReal  limit = (st->on ? st->renewal_strain : 2.0) * kmc->cfg->mat.gamma0;
    if (dist > limit * (1 + 1e-9)) {
      /* How hard the applied load drove the rearrangement: w = W / kT, with W = tau gamma0 Omega0 / 2 the work of the
       * resolved APPLIED stress across the saddle (the box's mean stress; in a body the platen's or indenter's response at
       * the site, StzKmcAppliedStress), as the weight 1 - exp(-w) (0 for w <= 0: no load, or a move against it). Only the
       * applied stress counts because the external work is what feeds disorder (effective-temperature theories, Bouchbinder
       * & Langer, PRE 80, 031131, 2009); internal stresses fluctuate in an unloaded glass too, and counting them heated it
       * above T. */
      PetscReal S1, S2, Sa[3], drive, weight;
      StzKmcAppliedStress(kmc, i, Sa);
      StzMeanShear(Sa, &S1, &S2);
      drive  = ev->sense * StzKmcDriveK(kmc, ev->orient, S1, S2) + kmc->b_per_pa * kmc->dil_k * ev->dil * 0.5 * (Sa[0] + Sa[1]);
      weight = drive > 0 ? 1 - PetscExpReal(-drive) : 0;
      for (int q = 0; q < 3; q++) kmc->eps_ref[3 * i + q] = e[q];
      if (kmc->dinc) {
        /* Free volume, like T_f, is kept as far as the applied load drove the rearrangement: flow dilates, while a thermal
         * one (no load, or against it) lets the new structure settle to the density the site started from. Without this a
         * site hopping between basins under internal stress (a band held at 0.9 T_g after unloading) ratcheted its dilatation
         * up without bound. The change is part of this event's eigenstrain, so the engine and the rates see it with it. */
        const PetscReal lost = -(e[0] + e[1]) * PetscExpReal(-PetscMax(drive, 0.0)), h = 0.5 * lost;
        kmc->eps_p[3 * i] += h, kmc->eps_p[3 * i + 1] += h;
        kmc->eps_ref[3 * i] += h, kmc->eps_ref[3 * i + 1] += h; /* the basin starts where the site now is */
        kmc->mean_eig[0] += h / kmc->N, kmc->mean_eig[1] += h / kmc->N;
        ev->eig[0] += h, ev->eig[1] += h;
        ev->dil += lost / kmc->cfg->dilatation;
      }
      if (st->on) {
        /* T_f moves a fraction `weight` of the way to the flowing glass's T_ss (to T above it), with a spread in proportion: a
         * strongly driven site (w ~ 1: flow below T_g) is renewed around T_ss as in the original rule; a thermal
         * rearrangement leaves T_f alone, so that only relaxation events (calibrated on the liquid's relaxation time) age
         * the glass or equilibrate it. */
        const PetscReal g  = PetscMax(-3.0, PetscMin(3.0, StzRngNormal(kmc->key_struct, n)));
        const PetscReal tc = PetscMax(kmc->temperature_k, st->tf_flow_k);
        kmc->tf_k[i]       = kmc->tf_k[i] + (tc * (1 + st->tf_flow_spread * g) - kmc->tf_k[i]) * weight;
      }
      /* The barrier disorder is renewed by the same drive, with probability `weight`: a driven rearrangement makes a new local
       * structure (threshold renewal), a thermal one keeps it. Renewing it at thermal rearrangements too selected strong
       * draws (weak ones are soon renewed again, strong ones stay: Bouchaud's trap model), which hardened glasses held hot
       * unseen by the stored energy (docs/model.md 13). Without a structural state every rearrangement renews it. */
      if (kmc->cfg->renew_disorder && kmc->cfg->barrier_spread > 0 && (!st->on || StzRngUniform(kmc->key_renew_p, n) < weight)) {
        const PetscReal g   = PetscMax(-3.0, PetscMin(3.0, StzRngNormal(kmc->key_renew, n)));
        kmc->dF_quench_j[i] = kmc->dF0_j * (1 + kmc->cfg->barrier_spread * g);
      }
    } else {
      kmc->reversals++;
      /* A site more disordered than the flowing glass settles at its next rearrangement: one-sided renewal. */
      if (st->on && kmc->tf_k[i] > st->tf_flow_k) {
        const PetscReal g = PetscMax(-3.0, PetscMin(3.0, StzRngNormal(kmc->key_struct, n)));
        kmc->tf_k[i]      = PetscMin(kmc->tf_k[i], st->tf_flow_k * (1 + st->tf_flow_spread * g));
      }
    }
    if (kmc->cfg->flicker_limit > 0) StzKmcFlicker(kmc, i);
  }
  StzKmcSiteRates(kmc, i);
  if (st->on) {
    StzKmcRelaxRow(kmc, i / kmc->nx);
    StzKmcRelaxTotal(kmc);
  }
}

/* Flicker acceleration (superbasin kMC after Chatterjee & Voter, J Chem Phys 132, 194101, 2010), after a shear event at i.
 * The site's flicker basin is a ball of radius renewal_strain * gamma0 (equivalent shear) around a centre that follows the
 * site's plastic state (moving average, weight 1/10 per event). While the site stays inside, every flicker_limit events its
 * moves that stay inside the ball are slowed 8-fold (penalty ln 8): they are slowed alike in both directions, so the relative
 * occupation of the states inside is kept, while the moves that leave the ball keep their exact rates (bit 8 + class of
 * esc[i]); the escape from the basin, which is what the flow and the load see, is therefore not delayed beyond the time the
 * slowed states take to be visited. The penalty is capped so that the site's fastest slowed move, stress included, stays at
 * least as fast as its structural relaxation (at most 40 = e^40-fold without a structural state), and it is cleared when the
 * site leaves the ball (the centre then jumps to the new state) or the temperature changes. A site wandering among a few
 * nearly equal states (common inside a band, where a neighbour's transformation makes several of its states degenerate)
 * keeps its ball: the moving centre sits in the middle of what it visits. */
/* The largest flicker penalty (in units of ln 2) site i may carry: its fastest slowed move, stress included, must stay at least
 * as fast as its structural relaxation (40 nats without a structural state). */
static int32_t StzKmcFlickerCap(StzKmc kmc, PetscInt i)
{
  PetscReal cap = 40.0;
  if (kmc->cfg->st.on) {
    PetscReal S1, S2, umax = 0;
    StzMeanShear(kmc->S, &S1, &S2);
    for (PetscInt k = 0; k < kmc->n_orient; k++) umax = PetscMax(umax, PetscAbsReal(StzKmcDriveK(kmc, k, S1 + kmc->el->s1[i], S2 + kmc->el->s2[i])));
    if (kmc->dil_k != 0) umax += kmc->b_per_pa * kmc->dil_k * PetscAbsReal(0.5 * (kmc->S[0] + kmc->S[1]) + kmc->el->sp[i]); /* the dilatation's work, |dinc| <= 1 */
    cap = PetscMax(0.0, (kmc->relax_ratio - 1) * kmc->barrier_j[i] / kmc->kT_j + umax);
  }
  return (int32_t)PetscMin(255.0, PetscFloorReal(cap / 0.693147180559945309));
}

static void StzKmcFlicker(StzKmc kmc, PetscInt i)
{
  const StzStructureConfig *st = &kmc->cfg->st;
  const PetscReal           g0 = kmc->cfg->mat.gamma0, radius = (st->on ? st->renewal_strain : 2.0) * g0;
  const PetscReal          *e  = kmc->eps_p + 3 * i;
  const PetscReal           d1 = 0.5 * (e[0] - e[1]), d2 = e[2];
  float                    *c = kmc->ctr + 2 * i;
  PetscReal                 r1, r2;
  int32_t                   pn, mask = 0;

  r1 = d1 - c[0];
  r2 = d2 - c[1];
  if (2 * PetscSqrtReal(r1 * r1 + r2 * r2) > radius * (1 + 1e-9)) {
    /* Left the ball: a new basin around the new state, at exact rates. */
    c[0]           = (float)d1;
    c[1]           = (float)d2;
    kmc->flicks[i] = 0;
    kmc->esc[i]    = 0;
    return;
  }
  c[0] += (float)(0.1 * r1);
  c[1] += (float)(0.1 * r2);
  pn = kmc->esc[i] & 0xff;
  if (++kmc->flicks[i] >= kmc->cfg->flicker_limit) {
    kmc->flicks[i] = 0;
    pn             = PetscMin(pn + 3, StzKmcFlickerCap(kmc, i));
  }
  if (pn > 0) {
    /* Which moves leave the ball around the (new) centre. A move of orientation k and sense s changes (d1, d2) by
     * s gamma0 / 2 (-sin 2theta_k, cos 2theta_k) (StzEigenstrain). */
    for (PetscInt k = 0; k < kmc->n_orient; k++)
      for (int sg = 0; sg < 2; sg++) {
        const PetscReal h = (sg ? -0.5 : 0.5) * g0, q1 = d1 - h * kmc->sin2[k] - c[0], q2 = d2 + h * kmc->cos2[k] - c[1];
        if (2 * PetscSqrtReal(q1 * q1 + q2 * q2) > radius * (1 + 1e-9)) mask |= 1 << (8 + 2 * k + sg);
      }
  }
  kmc->esc[i] = pn > 0 ? (pn | mask) : 0;
}

/* The platen's strain E_yy and its rate (zero unless the yy component is strain-controlled, as compression and tension make it). */
static inline PetscReal StzKmcPlatenStrain(const StzKmc kmc)
{
  return kmc->load.control[1] ? 0 : kmc->load.value[1];
}
static inline PetscReal StzKmcPlatenRate(const StzKmc kmc)
{
  return kmc->load.control[1] ? 0 : kmc->load_rate.value[1];
}

/* Add de times the non-uniform platen response to the engine's site stresses. */
static void StzKmcAddRamp(StzKmc kmc, PetscReal de)
{
  const PetscInt N = kmc->N;
  for (PetscInt i = 0; i < N; i++) {
    kmc->el->s1[i] += de * kmc->ramp[i];
    kmc->el->s2[i] += de * kmc->ramp[N + i];
    kmc->el->sp[i] += de * kmc->ramp[2 * N + i];
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
    /* Its engine holds the site stress of the eigenstrains and the fixed edge loads. Under compression or tension the top
     * platen moves (the strain-controlled yy component of the load), and the response to that motion is uniform
     * (StzBodyPlatenStress): the uniform part S, growing at Sdot, as in the periodic box. Frozen-load runs have none. */
    const PetscReal eyy = StzKmcPlatenStrain(kmc), rate = StzKmcPlatenRate(kmc);
    for (int c = 0; c < 3; c++) { /* a non-uniform response (ramp) is in the engine's arrays instead, and body_su is zero */
      kmc->E[c]    = 0;
      kmc->S[c]    = kmc->body_su[c] * eyy;
      kmc->Sdot[c] = kmc->body_su[c] * rate;
    }
    kmc->E[1] = eyy;
    return;
  }
  StzMacroSolve(mu, nu, &kmc->load, kmc->mean_eig, kmc->E, kmc->S);
  for (int c = 0; c < 3; c++) next.value[c] += kmc->load_rate.value[c];
  StzMacroSolve(mu, nu, &next, kmc->mean_eig, E1, S1);
  for (int c = 0; c < 3; c++) kmc->Sdot[c] = S1[c] - kmc->S[c];
}

/* The platen's response per unit strain of the body's height (the top edge moved by H, no eigenstrain). Uniform with roller
 * platens and free, roller or periodic sides (StzBodyPlatenStress: the uniform part S); otherwise solved by the FE and kept
 * per site (ramp), its mean sigma_yy being the platen's stiffness. */
static PetscErrorCode StzKmcPlatenField(StzKmc kmc)
{
  const StzConfig *cfg = kmc->cfg;
  const PetscInt   N = kmc->N, nel = N * cfg->site_elems * cfg->site_elems;
  StzFEGeometry    g;
  StzFE            fe;
  PetscReal       *es, *r[3];

  PetscFunctionBeginUser;
  if (StzBodyPlatenUniform(cfg)) {
    StzBodyPlatenStress(cfg, kmc->body_su);
    kmc->platen_M = kmc->body_su[1];
    PetscFunctionReturn(0);
  }
  StzConfigFEGeometry(cfg, &g);
  StzPlatenEdge(cfg, &g, 1.0);
  PetscCall(StzFECreate(PETSC_COMM_SELF, &g, &fe));
  PetscCall(PetscMalloc1(3 * nel, &es));
  PetscCall(PetscMalloc1(3 * N, &kmc->ramp));
  r[0] = kmc->ramp, r[1] = kmc->ramp + N, r[2] = kmc->ramp + 2 * N;
  PetscCall(StzFESolve(fe, NULL, NULL, es, NULL, NULL));
  StzElementToSiteStress(cfg->nx, cfg->ny, cfg->site_elems, es, r);
  kmc->platen_M = 0;
  for (PetscInt i = 0; i < N; i++) kmc->platen_M += (r[2][i] - r[0][i]) / N; /* sigma_yy = sp - s1 */
  kmc->ramp_bound_b = kmc->ramp_bound_rate = -1;
  PetscCall(PetscFree(es));
  PetscCall(StzFEDestroy(&fe));
  PetscFunctionReturn(0);
}

PetscErrorCode StzKmcCreate(const StzConfig *cfg, StzElastic el, StzKmc *out)
{
  StzKmc             kmc;
  const PetscInt     N = cfg->nx * cfg->ny;
  const StzMaterial *m = &cfg->mat;
  PetscReal          dF0, lnmax = -PETSC_MAX_REAL;
  uint64_t           key_dis;

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
  PetscCall(PetscMalloc4(N, &kmc->dF_quench_j, N, &kmc->tf_k, N, &kmc->rel_rate, cfg->ny, &kmc->rel_row));
  PetscCall(PetscCalloc2(N, &kmc->alpha_per_k, N, &kmc->eps_th));
  PetscCall(PetscCalloc2(N, &kmc->flicks, 3 * N, &kmc->eps_ref));
  PetscCall(PetscCalloc2(N, &kmc->esc, 2 * N, &kmc->ctr));
  kmc->temperature_k = cfg->temperature_k;
  PetscCall(PetscMalloc3(N, &kmc->pre_m, N, &kmc->pre_e, cfg->nx, &kmc->sel_rate));
  /* Row sums: a whole number of 64-byte lines per row, the block aligned to 64 bytes by hand (PetscMalloc aligns less). */
  kmc->row_stride = 8 * ((kmc->n_classes + 7) / 8);
  PetscCall(PetscMalloc1(kmc->row_stride * cfg->ny + 8, &kmc->row_sum_alloc));
  kmc->row_sum = kmc->row_sum_alloc + ((64 - ((uintptr_t)kmc->row_sum_alloc % 64)) % 64) / sizeof(PetscReal);
  kmc->dil_k   = cfg->dilatation / m->gamma0;
  if (cfg->dilatation != 0) {
    PetscCall(PetscMalloc1(2 * cfg->n_orient * N, &kmc->dinc));
    for (PetscInt i = 0; i < 2 * cfg->n_orient * N; i++) kmc->dinc[i] = 1; /* every site at the start of its basin */
  }
  /* Lazy pressure only where the rates do not read it (no dilatation); with dilatation the pass keeps sp current. */
  if ((el->type == STZ_ENGINE_KERNEL || StzEngineHasSlabKernels(el->type)) && cfg->dilatation == 0) {
    PetscCall(PetscCalloc1(cfg->n_orient * N, &kmc->sp_net));
    PetscCall(PetscMalloc1(cfg->n_orient * N, &kmc->sp_src));
  }
  PetscCall(PetscArrayzero(kmc->eps_p, 3 * N));
  PetscCall(PetscArrayzero(kmc->count, N));
  /* Quenched disorder: each site's barrier is Argon's barrier times (1 + spread g), g a standard normal cut at +-3 so
   * that no barrier becomes negative for spreads up to 0.33 (the option allows 0.5; the cut then keeps barriers > -0.5 dF). */
  dF0     = StzArgonBarrier(m->shear_modulus_pa, m->poisson_ratio, m->gamma0, m->stz_volume_m3, m->dilatancy_beta, m->tau_hat_over_mu * m->shear_modulus_pa);
  key_dis = StzRngKey((uint64_t)cfg->seed, 0xd15);
  /* Structural state: initial T_f around the preparation's value; relaxation barrier Q_g per dF0. Thermal expansion
   * coefficients with their own disorder (streams 0x7f0 and 0xa1f, independent of the barrier disorder). */
  {
    const StzStructureConfig *st  = &cfg->st;
    const PetscReal           tf0 = st->initial == STZ_INITIAL_ANNEALED ? st->initial_anneal_k : StzFictiveFromCoolingRate(&st->p, st->cooling_rate_k_per_s);
    const uint64_t            ktf = StzRngKey((uint64_t)cfg->seed, 0x7f0), kal = StzRngKey((uint64_t)cfg->seed, 0xa1f);
    kmc->relax_ratio = StzRelaxBarrierAtTg(&st->p) / dF0;
    kmc->key_struct  = StzRngKey((uint64_t)cfg->seed, 0x5eed);
    kmc->key_renew   = StzRngKey((uint64_t)cfg->seed, 0x2e7e);
    kmc->key_renew_p = StzRngKey((uint64_t)cfg->seed, 0x2e7f);
    kmc->dF0_j       = dF0;
    for (PetscInt i = 0; i < N; i++) {
      const PetscReal g   = cfg->st.tf_spread > 0 ? PetscMax(-3.0, PetscMin(3.0, StzRngNormal(ktf, (uint64_t)i))) : 0;
      const PetscReal ga  = cfg->tr.alpha_spread > 0 ? PetscMax(-3.0, PetscMin(3.0, StzRngNormal(kal, (uint64_t)i))) : 0;
      kmc->tf_k[i]        = tf0 * (1 + st->tf_spread * g);
      kmc->alpha_per_k[i] = m->thermal_expansion_per_k * (1 + cfg->tr.alpha_spread * ga);
    }
  }
  for (PetscInt i = 0; i < N; i++) {
    PetscReal g         = cfg->barrier_spread > 0 ? StzRngNormal(key_dis, (uint64_t)i) : 0;
    g                   = PetscMax(-3.0, PetscMin(3.0, g));
    kmc->dF_quench_j[i] = dF0 * (1 + cfg->barrier_spread * g);
    kmc->X              = 0;
    StzKmcSiteRates(kmc, i);
    lnmax = PetscMax(lnmax, kmc->lnA[i]);
  }
  /* With -stz_threads 0 (automatic) small lattices run on one thread: waking the other threads costs more than their share
   * of a pass over a few thousand sites (a 16 x 16 hold at T_g ran 15x slower on two threads with passive waiting).
   * Results do not depend on it (the work per row is fixed). */
  kmc->parallel    = (PetscBool)(cfg->threads > 0 || N >= STZ_KMC_PARALLEL_SITES);
  kmc->key_time    = StzRngKey((uint64_t)cfg->seed, 0x71e);
  kmc->key_select  = StzRngKey((uint64_t)cfg->seed, 0x5e1);
  kmc->X           = lnmax;
  kmc->hazard_left = -1;
  StzKmcAllSiteRates(kmc); /* with the shift: relaxation rates and the rate cache */
#ifdef _OPENMP
  {
    /* -stz_threads 0 means the process default (OMP_NUM_THREADS or all cores), not whatever an earlier run set. */
    static int default_threads = 0;
    if (!default_threads) default_threads = omp_get_max_threads();
    omp_set_num_threads(cfg->threads > 0 ? (int)cfg->threads : default_threads);
  }
#endif
  /* A body loaded by its top platen (compression, tension): the response to the platen's motion, per unit strain. */
  kmc->platen   = (PetscBool)(el->body && (cfg->protocol == STZ_PROTO_COMPRESSION || cfg->protocol == STZ_PROTO_TENSION || cfg->protocol == STZ_PROTO_ROLLING));
  kmc->key_thin = StzRngKey((uint64_t)cfg->seed, 0x7a1);
  if (kmc->platen) PetscCall(StzKmcPlatenField(kmc));
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
  PetscCall(PetscFree4((*kmc)->dF_quench_j, (*kmc)->tf_k, (*kmc)->rel_rate, (*kmc)->rel_row));
  PetscCall(PetscFree2((*kmc)->alpha_per_k, (*kmc)->eps_th));
  PetscCall(PetscFree2((*kmc)->flicks, (*kmc)->eps_ref));
  PetscCall(PetscFree2((*kmc)->esc, (*kmc)->ctr));
  PetscCall(PetscFree3((*kmc)->pre_m, (*kmc)->pre_e, (*kmc)->sel_rate));
  PetscCall(PetscFree((*kmc)->row_sum_alloc));
  PetscCall(PetscFree((*kmc)->sp_net));
  PetscCall(PetscFree((*kmc)->sp_src));
  PetscCall(PetscFree((*kmc)->ramp));
  PetscCall(PetscFree((*kmc)->dinc));
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
  if (kmc->sp_pending) StzKmcSyncStress(kmc);
  s[0] = kmc->S[0] + kmc->el->sp[i] + kmc->el->s1[i];
  s[1] = kmc->S[1] + kmc->el->sp[i] - kmc->el->s1[i];
  s[2] = kmc->S[2] + kmc->el->s2[i];
}

void StzKmcSyncStress(StzKmc kmc)
{
  StzElastic     el = kmc->el;
  const PetscInt nx = kmc->nx, ny = kmc->ny, N = kmc->N, K = kmc->n_orient;
  /* Rows per block: a block of sp (about 32 KB) stays in L1/L2 while every source's kernel rows stream past it. */
  const PetscInt rows = PetscMax(1, PetscMin(ny, 4096 / nx)), nblocks = (ny + rows - 1) / rows;
  PetscInt       nsrc = 0;
  int32_t       *src  = kmc->sp_src;

  if (!kmc->sp_pending) return;
  /* Sources in a fixed order (kernel, then site): each sp value receives its increments in that order, whatever the
   * number of threads. Events that cancelled (a site flipping back) have net zero and cost nothing. */
  for (PetscInt k = 0; k < K; k++) {
    const int32_t *cnt = kmc->sp_net + k * N;
    for (PetscInt i = 0; i < N; i++)
      if (cnt[i]) src[nsrc++] = (int32_t)(k * N + i);
  }
#pragma omp parallel for schedule(static) if (kmc->parallel)
  for (PetscInt blk = 0; blk < nblocks; blk++) {
    const PetscInt y0 = blk * rows, y1 = PetscMin(ny, y0 + rows);
    for (PetscInt j = 0; j < nsrc; j++) {
      const PetscInt  k = src[j] / N, i = src[j] % N, sx = el->per_site ? 0 : i % nx, sy = el->per_site ? 0 : i / nx;
      const PetscReal w = (PetscReal)kmc->sp_net[k * N + i];
      /* The kernel engine's kernels are the same for every source; the slab-kernel engine's belong to the source row (in a
       * block, to the source site, unshifted). */
      const PetscReal *kp = StzEngineHasSlabKernels(el->type) ? el->slab[k][2] + (el->per_site ? i : sy) * N : el->kern[k][2];
      for (PetscInt y = y0; y < y1; y++) StzAddShiftedRow(nx, sx, w, kp + ((y - sy + ny) % ny) * nx, el->sp + y * nx);
    }
  }
  for (PetscInt j = 0; j < nsrc; j++) {
    const PetscInt k = src[j] / N, i = src[j] % N;
    kmc->sp_net[k * N + i] = 0;
  }
  kmc->sp_pending = 0;
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
  /* A non-uniform platen response is carried in the site stresses themselves. */
  if (kmc->ramp && StzKmcPlatenRate(kmc) != 0) StzKmcAddRamp(kmc, StzKmcPlatenRate(kmc) * dt);
}

/* Largest growth rate of each shear class's rates over the sites under a non-uniform platen ramp (the thinning bound of
 * StzKmcStep); recomputed when the temperature (b) or the platen's rate changes. */
static void StzKmcRampBounds(StzKmc kmc)
{
  const PetscInt  N    = kmc->N;
  const PetscReal rate = StzKmcPlatenRate(kmc), b = kmc->b_per_pa;
  if (b == kmc->ramp_bound_b && rate == kmc->ramp_bound_rate) return;
  for (PetscInt k = 0; k < kmc->n_orient; k++) {
    PetscReal hp = -PETSC_MAX_REAL, hm = -PETSC_MAX_REAL;
    for (PetscInt i = 0; i < N; i++) {
      const PetscReal a = b * rate * (kmc->ramp[N + i] * kmc->cos2[k] - kmc->ramp[i] * kmc->sin2[k]), p = b * rate * kmc->dil_k * kmc->ramp[2 * N + i];
      hp = PetscMax(hp, a + PetscAbsReal(p)); /* |dinc| <= 1 */
      hm = PetscMax(hm, -a + PetscAbsReal(p));
    }
    kmc->ramp_bound[2 * k]     = hp; /* sense +1 */
    kmc->ramp_bound[2 * k + 1] = hm; /* sense -1 */
  }
  kmc->ramp_bound_b    = b;
  kmc->ramp_bound_rate = rate;
}

/* Scaled rates of class (k, sense) at the sites of row y, into r[0 .. nx): the same float arithmetic as StzKmcRowRates,
 * so a site gets exactly the rate the pass summed (a flushed rate is never chosen). Vectorised like the pass. */
static void StzKmcRowClassRates(const StzKmc kmc, PetscInt y, PetscInt k, PetscInt sense, PetscReal S1, PetscReal S2, float *restrict r)
{
  const PetscInt  nx           = kmc->nx;
  const PetscReal b            = kmc->b_per_pa;
  const PetscReal *restrict s1 = kmc->el->s1 + y * nx, *restrict s2 = kmc->el->s2 + y * nx;
  const float *restrict pm   = kmc->pre_m + y * nx;
  const int32_t *restrict pe = kmc->pre_e + y * nx;
  const int32_t *restrict xq = kmc->esc + y * nx;
  const float     c2 = (float)kmc->cos2[k], n2 = (float)kmc->sin2[k];
  const PetscBool dil = (PetscBool)(kmc->dil_k != 0);
  const PetscReal bk = b * kmc->dil_k, Sm = 0.5 * (kmc->S[0] + kmc->S[1]);
  const PetscReal *restrict spr = kmc->el->sp + y * nx;
  const float *restrict ip = dil ? kmc->dinc + 2 * k * kmc->N + y * nx : NULL, *restrict im = dil ? ip + kmc->N : NULL;
  /* The selection recomputes one row per event, so one loop serves both cases (the pass keeps two, StzKmcRowRates). */
#pragma omp simd
  for (PetscInt x = 0; x < nx; x++) {
    const float   U1 = StzDrive(b, S1 + s1[x]), U2 = StzDrive(b, S2 + s2[x]), u = fmaf(U2, c2, -(U1 * n2));
    float         rp, rm;
    int32_t       ea;
    const int32_t q = xq[x], pn = q & 0xff, xp = ((q >> (8 + 2 * k)) & 1) * pn, xm = ((q >> (9 + 2 * k)) & 1) * pn;
    if (dil) StzDilRatePair(u, StzDrive(bk, Sm + spr[x]), ip[x], im[x], pm[x], pe[x], xp, xm, &rp, &rm, &ea);
    else StzRatePair(u, pm[x], pe[x], xp, xm, &rp, &rm, &ea);
    r[x] = sense > 0 ? rp : rm;
  }
}

/* Draw the event at time dt after the last pass, with class weights R_c exp(g_c dt). */
static void StzKmcSelect(StzKmc kmc, const PetscReal g[], PetscReal dt, uint64_t n, StzEvent *ev)
{
  const PetscInt nx = kmc->nx, ny = kmc->ny, C = kmc->n_classes, CR = C + (kmc->cfg->st.on ? 1 : 0);
  PetscReal      w[STZ_MAX_CLASSES + 1], W = 0, u, acc = 0, S1, S2, S[3];
  PetscInt       c = 0, y = 0, x = 0, last = -1;

  for (PetscInt k = 0; k < C; k++) {
    w[k] = kmc->class_sum[k] * PetscExpReal(g[k] * dt);
    W += w[k];
  }
  if (CR > C) W += (w[C] = kmc->rel_sum); /* relaxation rates do not depend on stress */
  u = StzRngUniform(kmc->key_select, 3 * n) * W;
  for (c = 0; c < CR; c++) {
    if (w[c] > 0) last = c;
    acc += w[c];
    if (u < acc) break;
  }
  if (c == CR) c = last; /* round-off at the top end */
  if (c == C) {
    /* Relaxation: row, then site, by the stored relaxation rates. */
    u    = StzRngUniform(kmc->key_select, 3 * n + 1) * kmc->rel_sum;
    acc  = 0;
    last = -1;
    for (y = 0; y < ny; y++) {
      if (kmc->rel_row[y] > 0) last = y;
      acc += kmc->rel_row[y];
      if (u < acc) break;
    }
    if (y == ny) y = last;
    u    = StzRngUniform(kmc->key_select, 3 * n + 2) * kmc->rel_row[y];
    acc  = 0;
    last = -1;
    for (x = 0; x < nx; x++) {
      if (kmc->rel_rate[y * nx + x] > 0) last = x;
      acc += kmc->rel_rate[y * nx + x];
      if (u < acc) break;
    }
    if (x == nx) x = last;
    ev->site   = y * nx + x;
    ev->cls    = C;
    ev->orient = -1;
    ev->sense  = 0;
    ev->dt_s   = dt;
    ev->dil    = 0;
    ev->eig[0] = ev->eig[1] = ev->eig[2] = 0;
    return;
  }
  /* Row, then site, in class c. The common factor exp(g_c dt) does not change the choice inside the class. */
  u    = StzRngUniform(kmc->key_select, 3 * n + 1) * kmc->class_sum[c];
  acc  = 0;
  last = -1;
  for (y = 0; y < ny; y++) {
    if (kmc->row_sum[y * kmc->row_stride + c] > 0) last = y;
    acc += kmc->row_sum[y * kmc->row_stride + c];
    if (u < acc) break;
  }
  if (y == ny) y = last;
  {
    const PetscInt k = c / 2, sense = (c % 2) ? -1 : 1;
    PetscReal      row = 0;
    /* The mean stress the selection sees is the one of the last pass (the dt-dependence is the common class factor).
     * Site rates are recomputed exactly as the pass computed them (StzKmcRowClassRates), so a flushed rate is never chosen. */
    for (int q = 0; q < 3; q++) S[q] = kmc->S[q];
    StzMeanShear(S, &S1, &S2);
    StzKmcRowClassRates(kmc, y, k, sense, S1, S2, kmc->sel_rate);
    for (x = 0; x < nx; x++) row += kmc->sel_rate[x];
    u    = StzRngUniform(kmc->key_select, 3 * n + 2) * row;
    acc  = 0;
    last = -1;
    for (x = 0; x < nx; x++) {
      const PetscReal r = kmc->sel_rate[x];
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
    ev->dil    = kmc->dinc ? kmc->dinc[c * kmc->N + ev->site] : 0;
    StzEigenstrain(kmc->cfg->mat.gamma0, 0.5 * PETSC_PI * k / kmc->n_orient, sense, kmc->cfg->dilatation * ev->dil, ev->eig);
  }
}

/* Time and load dt later, without an event: the macroscopic state there, which is also the state "just before" the next event. */
static void StzKmcMoveOn(StzKmc kmc, PetscReal dt)
{
  StzKmcAdvanceLoad(kmc, dt);
  StzKmcMacro(kmc);
  for (int c = 0; c < 3; c++) kmc->E_pre[c] = kmc->E[c], kmc->S_pre[c] = kmc->S[c];
}

PetscErrorCode StzKmcStep(StzKmc kmc, PetscReal t_limit, PetscBool *fired, StzEvent *ev)
{
  const PetscInt  C = kmc->n_classes, CR = C + (kmc->cfg->st.on ? 1 : 0);
  PetscReal       g[STZ_MAX_CLASSES + 1], R[STZ_MAX_CLASSES + 1], St1, St2, target, ln_target, dt, gmax, t_step;
  const uint64_t  n       = (uint64_t)(kmc->events + kmc->relax_events); /* counter of the selection draws */
  uint64_t        rejects = 0;
  const PetscReal pdot    = kmc->b_per_pa * kmc->dil_k * 0.5 * (kmc->Sdot[0] + kmc->Sdot[1]); /* b dil_k dP/dt */

  PetscFunctionBeginUser;
  /* Thinning (Lewis & Shedler 1979; Ogata 1981) under a non-uniform platen ramp, or with dilatation under a changing mean
   * pressure (each site's dilatation work grows with its own dinc): the rates of class c grow at different
   * rates a_i at different sites, so events are proposed as if all grew at the class's largest rate A_c (the closed-form
   * waiting time below applies to those), and a proposal at site i after dt is accepted with probability exp((a_i - A_c) dt).
   * A rejected proposal only advances the time and the load; the next one is drawn afresh. Exact, whatever the step. */
  for (;;) {
    /* Growth rate of each class's rates under the stress ramp. */
    StzMeanShear(kmc->Sdot, &St1, &St2);
    for (PetscInt k = 0; k < kmc->n_orient; k++) {
      const PetscReal taudot = St2 * kmc->cos2[k] - St1 * kmc->sin2[k];
      g[2 * k]               = kmc->b_per_pa * taudot;
      g[2 * k + 1]           = -kmc->b_per_pa * taudot;
    }
    if (kmc->ramp) {
      StzKmcRampBounds(kmc);
      for (PetscInt c = 0; c < C; c++) g[c] += kmc->ramp_bound[c];
    }
    /* A mean pressure that changes makes the dilatation's work grow at b dil_k dinc Pdot, different at every site. */
    if (pdot != 0)
      for (PetscInt c = 0; c < C; c++) g[c] += PetscAbsReal(pdot);
    for (PetscInt c = 0; c < C; c++) R[c] = kmc->class_sum[c];
    if (CR > C) R[C] = kmc->rel_sum, g[C] = 0;
    /* -ln u in units of the scaled rates; a target beyond double range means nothing can happen before t_limit. */
    /* The hazard -ln u is consumed across milestones (series rows, maps): where the run pauses does not change the trajectory. */
    if (kmc->hazard_left < 0) kmc->hazard_left = -PetscLogReal(StzRngUniform(kmc->key_time, (uint64_t)kmc->draws++));
    ln_target = PetscLogReal(kmc->hazard_left) - kmc->X;
    target    = ln_target > 700 ? PETSC_MAX_REAL : PetscExpReal(ln_target);
    /* The closed form holds while the rates of the last pass stand for the classes: a class whose rates were flushed there
     * (below 2^-86 of the largest, StzKmcRescaleNeeded) must not grow past it. So a step lets no class grow by more than
     * 2^40 (exp(27.7)); beyond, the run survives to the step's end and passes again. Only a load ramp that is steep against
     * kT binds it (an event's growth g t is about 0.04 in a row of a 300-K shear test; at 0.001 K it reached 1500, where
     * flushed classes came back as 0 x inf). */
    gmax   = 0;
    t_step = t_limit;
    for (PetscInt c = 0; c < C; c++) gmax = PetscMax(gmax, g[c]);
    if (gmax > 0) t_step = PetscMin(t_limit, 40 * 0.693147180559945309 / gmax);
    *fired = StzSolveWaitingTime(R, g, CR, target, t_step, &dt);
    if (!*fired) {
      /* Survived to the step's end: keep the unused hazard and restart there with fresh rates. */
      kmc->hazard_left = PetscMax(0.0, kmc->hazard_left - StzIntegratedRate(R, g, CR, t_step, NULL) * PetscExpReal(kmc->X));
      StzKmcMoveOn(kmc, t_step);
      StzKmcPassAndRescale(kmc, NULL);
      if (t_step < t_limit) {
        t_limit -= t_step;
        continue;
      }
      PetscFunctionReturn(0);
    }
    kmc->hazard_left = -1;
    /* Each proposal of a step draws its own selection numbers (counters n + rejects 2^40: n stays below 2^40). */
    StzKmcSelect(kmc, g, dt, n + (rejects << 40), ev);
    if ((!kmc->ramp && pdot == 0) || ev->cls >= C) break;
    {
      /* The site's own growth rate against the class's bound (both without the uniform part b taudot). */
      const PetscInt i = ev->site, k = ev->orient, N = kmc->N;
      PetscReal      a = pdot * ev->dil, A = PetscAbsReal(pdot);
      if (kmc->ramp) {
        a += kmc->b_per_pa * StzKmcPlatenRate(kmc) * (ev->sense * (kmc->ramp[N + i] * kmc->cos2[k] - kmc->ramp[i] * kmc->sin2[k]) + kmc->dil_k * ev->dil * kmc->ramp[2 * N + i]);
        A += kmc->ramp_bound[ev->cls];
      }
      if (StzRngUniform(kmc->key_thin, (uint64_t)kmc->thin_draws++) < PetscExpReal((a - A) * dt)) break;
    }
    /* Rejected: move to the proposal's time without an event. */
    kmc->thin_rejects++;
    rejects++;
    StzKmcMoveOn(kmc, dt);
    StzKmcPassAndRescale(kmc, NULL);
    t_limit -= dt;
  }
  StzKmcMoveOn(kmc, dt);
  if (ev->cls == STZ_CLASS_RELAX(kmc)) {
    kmc->relax_events++;
    StzKmcStructure(kmc, ev, n);
    StzKmcMacro(kmc);
    /* Only the site's barrier changed. At a fixed load the mean stress did not move either, so only its row's sums need
     * recomputing; under a ramp every rate moved with the mean stress. */
    if (kmc->Sdot[0] == 0 && kmc->Sdot[1] == 0 && kmc->Sdot[2] == 0 && (!kmc->ramp || kmc->load_rate.value[1] == 0 || dt == 0)) StzKmcSiteChanged(kmc, ev->site);
    else StzKmcPassAndRescale(kmc, NULL);
    PetscFunctionReturn(0);
  }
  for (int c = 0; c < 3; c++) {
    kmc->eps_p[3 * ev->site + c] += ev->eig[c];
    kmc->mean_eig[c] += ev->eig[c] / kmc->N;
  }
  StzKmcStructure(kmc, ev, n);
  StzKmcDilatancy(kmc, ev->site); /* after a renewal moved the basin's start */
  kmc->count[ev->site]++;
  kmc->events++;
  StzKmcMacro(kmc);
  PetscCall(StzElasticEvent(kmc->el, ev->site, ev->orient, ev->sense, ev->eig));
  /* The resolve engine solved everything afresh under the (zero) edge data: put the platen's part back. */
  if (kmc->ramp && kmc->el->type == STZ_ENGINE_RESOLVE) StzKmcAddRamp(kmc, StzKmcPlatenStrain(kmc));
  if (kmc->sp_net) {
    /* sp is brought up to date lazily (StzKmcSyncStress); a site flipping back and forth costs nothing there. */
    kmc->sp_net[ev->orient * kmc->N + ev->site] += ev->sense;
    kmc->sp_pending++;
  }
  StzKmcPassAndRescale(kmc, ev);
  PetscFunctionReturn(0);
}

PetscErrorCode StzKmcSetRamp(StzKmc kmc, const PetscReal q[])
{
  const PetscReal e = StzKmcPlatenStrain(kmc);

  PetscFunctionBeginUser;
  if (!kmc->ramp) PetscCall(PetscCalloc1(3 * kmc->N, &kmc->ramp));
  StzKmcAddRamp(kmc, -e);
  PetscCall(PetscArraycpy(kmc->ramp, q, 3 * kmc->N));
  StzKmcAddRamp(kmc, e);
  kmc->ramp_bound_b = kmc->ramp_bound_rate = -1; /* the thinning bounds follow the field */
  StzKmcAllSitesChanged(kmc);
  PetscFunctionReturn(0);
}

static PetscErrorCode StzKmcChangeTemperature(StzKmc kmc, PetscReal temperature_k, PetscBool keep_flicker)
{
  const StzMaterial *m     = &kmc->cfg->mat;
  PetscReal          lnmax = -PETSC_MAX_REAL;

  PetscFunctionBeginUser;
  PetscCheck(temperature_k > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "temperature %g K: must be positive", (double)temperature_k);
  kmc->temperature_k = temperature_k;
  kmc->kT_j          = STZ_BOLTZMANN_J_PER_K * temperature_k;
  kmc->b_per_pa      = m->gamma0 * m->stz_volume_m3 / (2 * kmc->kT_j);
  if (keep_flicker) {
    /* A small step: each site keeps its penalty, cut to what the new temperature allows (StzKmcFlickerCap). */
    for (PetscInt i = 0; i < kmc->N; i++) {
      const int32_t pn = kmc->esc[i] & 0xff;
      if (pn > 0) {
        const int32_t cap = StzKmcFlickerCap(kmc, i);
        kmc->esc[i]       = cap > 0 ? (kmc->esc[i] & ~0xff) | PetscMin(pn, cap) : 0;
      }
    }
  } else {
    /* Flicker penalties belong to the conditions they were found under: start afresh. */
    PetscCall(PetscArrayzero(kmc->flicks, kmc->N));
    PetscCall(PetscArrayzero(kmc->esc, kmc->N));
  }
  /* A fresh shift: the log-rates all move by a factor T_old / T_new. */
  for (PetscInt i = 0; i < kmc->N; i++) lnmax = PetscMax(lnmax, kmc->ln_nu0 - kmc->barrier_j[i] / kmc->kT_j);
  kmc->X = lnmax;
  StzKmcAllSiteRates(kmc);
  StzKmcPassAndRescale(kmc, NULL);
  PetscFunctionReturn(0);
}

PetscErrorCode StzKmcSetTemperature(StzKmc kmc, PetscReal temperature_k)
{
  PetscFunctionBeginUser;
  PetscCall(StzKmcChangeTemperature(kmc, temperature_k, PETSC_FALSE));
  PetscFunctionReturn(0);
}

PetscErrorCode StzKmcStepTemperature(StzKmc kmc, PetscReal temperature_k)
{
  PetscFunctionBeginUser;
  PetscCall(StzKmcChangeTemperature(kmc, temperature_k, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode StzKmcThermalStrain(StzKmc kmc, PetscReal dT)
{
  const PetscInt N    = kmc->N;
  PetscReal      mean = 0, *d;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(N, &d));
  for (PetscInt i = 0; i < N; i++) {
    d[i] = kmc->alpha_per_k[i] * dT;
    kmc->eps_th[i] += d[i];
    mean += d[i];
  }
  mean /= N;
  if (kmc->el->body) {
    /* A slab or block expands freely as a whole: its base and its sides stand for more of the same glass, which expands with
     * it, so only the non-uniform part of the increment is an eigenstrain (on a rigid base the uniform part would set up a
     * thin film's thermal stress, which a bulk sample does not have). */
    for (PetscInt i = 0; i < N; i++) kmc->eps_th[i] -= mean, d[i] -= mean;
  } else {
    /* The uniform part changes only the mean strain (free expansion under stress control); the engine adds the stresses of
     * the non-uniform part (its responses have zero mean, so the full increment can be passed). */
    kmc->mean_eig[0] += mean;
    kmc->mean_eig[1] += mean;
  }
  PetscCall(StzElasticIsotropicStrain(kmc->el, d));
  PetscCall(PetscFree(d));
  StzKmcMacro(kmc);
  PetscCall(StzKmcSetTemperature(kmc, kmc->temperature_k + dT));
  PetscFunctionReturn(0);
}

/* sigma'_i : eps*_i of site i (zero-mean site stress times the site's total eigenstrain, plastic plus thermal), with
 * s':eps* = sp (exx + eyy) + s1 (exx - eyy) + 2 s2 exy. */
static inline PetscReal StzKmcSiteWork(const StzKmc kmc, PetscInt i)
{
  const PetscReal exx = kmc->eps_p[3 * i] + kmc->eps_th[i], eyy = kmc->eps_p[3 * i + 1] + kmc->eps_th[i], exy = kmc->eps_p[3 * i + 2];
  PetscReal       sp = kmc->el->sp[i], s1 = kmc->el->s1[i], s2 = kmc->el->s2[i];
  if (kmc->ramp) { /* the arrays also carry the platen's non-uniform part: the eigenstrains' field is the rest */
    const PetscInt  N = kmc->N;
    const PetscReal e = StzKmcPlatenStrain(kmc);
    s1 -= e * kmc->ramp[i], s2 -= e * kmc->ramp[N + i], sp -= e * kmc->ramp[2 * N + i];
  }
  return sp * (exx + eyy) + s1 * (exx - eyy) + 2 * s2 * exy;
}

PetscReal StzKmcPlatenCoupling(const StzKmc kmc)
{
  const PetscInt N = kmc->N;
  PetscReal      c = 0;
  if (!kmc->platen) return 0;
  if (!kmc->ramp) return kmc->body_su[0] * kmc->mean_eig[0] + kmc->body_su[1] * kmc->mean_eig[1] + 2 * kmc->body_su[2] * kmc->mean_eig[2];
  for (PetscInt i = 0; i < N; i++) {
    const PetscReal r1 = kmc->ramp[i], r2 = kmc->ramp[N + i], rp = kmc->ramp[2 * N + i];
    const PetscReal exx = kmc->eps_p[3 * i] + kmc->eps_th[i], eyy = kmc->eps_p[3 * i + 1] + kmc->eps_th[i], exy = kmc->eps_p[3 * i + 2];
    c += (rp + r1) * exx + (rp - r1) * eyy + 2 * r2 * exy;
  }
  return c / N;
}

PetscReal StzKmcPlatenStress(const StzKmc kmc)
{
  return kmc->platen_M * StzKmcPlatenStrain(kmc) - StzKmcPlatenCoupling(kmc);
}

/* A body between platens: the elastic energy summed from the eigenstrains' field is that with the platen held where it
 * started. Unloaded (zero platen force) the body gives back sbar^2 / 2M per volume, sbar = -<q : eps*> the mean platen stress
 * held there (reciprocity, q the platen's response per unit strain) and M = <q_yy> its stiffness. Returns that energy per site (J), 0 otherwise; the residual energy, like the
 * periodic box's at zero mean stress, is the sum minus it (docs/model.md 11c). */
static PetscReal StzKmcPlatenRelease(const StzKmc kmc, PetscReal V)
{
  PetscReal sbar;
  if (!kmc->platen) return 0;
  sbar = -StzKmcPlatenCoupling(kmc);
  return 0.5 * V * sbar * sbar / kmc->platen_M;
}

void StzKmcSiteEnergy(StzKmc kmc, PetscInt i, PetscReal *elastic_j_per_gatom, PetscReal *structural_j_per_gatom)
{
  const StzConfig *cfg = kmc->cfg;
  const PetscReal  V   = cfg->site_size_m * cfg->site_size_m * cfg->site_size_m;
  if (kmc->sp_pending) StzKmcSyncStress(kmc);
  *elastic_j_per_gatom    = StzJoulesPerGramAtom(-0.5 * V * StzKmcSiteWork(kmc, i) - StzKmcPlatenRelease(kmc, V), V, cfg->mat.atomic_volume_m3);
  *structural_j_per_gatom = cfg->st.on ? cfg->mat.heat_capacity_jump_j_per_gatom_k * (kmc->tf_k[i] - cfg->st.tf_reference_k) : 0;
}

void StzKmcEnergy(StzKmc kmc, StzEnergy *e)
{
  /* sp is kept lazily (StzKmcSyncStress), but it enters only multiplied by the eigenstrain's trace, exactly zero at every
   * site for shear STZs without dilatation or thermal strain (StzEigenstrain gives exx = -eyy, and sums of exact negatives
   * stay exact negatives). Then the stale sp gives the same sum (sp * 0 = 0) and the sync, which series rows would otherwise
   * force, is skipped. */
  for (PetscInt i = 0; i < kmc->N; i++)
    if ((kmc->eps_p[3 * i] + kmc->eps_th[i]) + (kmc->eps_p[3 * i + 1] + kmc->eps_th[i]) != 0) { /* exx + eyy, as summed below */
      StzKmcSyncStress(kmc);
      break;
    }
  const StzConfig *cfg = kmc->cfg;
  const PetscReal  V = cfg->site_size_m * cfg->site_size_m * cfg->site_size_m, va = cfg->mat.atomic_volume_m3;
  PetscReal        w = 0, tf = 0, bar = 0, dis = 0, dil = 0;

  /* Internal elastic energy of the eigenstrain field at zero mean stress: E = -1/2 sum_i V s'_i : eps*_i. Exact for the
   * FE model because each site's eigenstrain is uniform over its elements and s' is the average of their stresses. */
  for (PetscInt i = 0; i < kmc->N; i++) {
    w += StzKmcSiteWork(kmc, i);
    tf += kmc->tf_k[i];
    bar += kmc->barrier_j[i];
    dis += kmc->dF_quench_j[i];
    dil += kmc->eps_p[3 * i] + kmc->eps_p[3 * i + 1];
  }
  tf /= kmc->N;
  /* The barrier disorder is not part of the stored energy (only T_f is), but renewal can shift it (docs/model.md, Known
   * limitations): it is reported so that a hardening it causes is seen. */
  e->mean_barrier_ev        = bar / kmc->N / 1.602176634e-19;
  e->mean_dilatation        = dil / kmc->N;
  e->mean_barrier_disorder  = cfg->barrier_spread > 0 ? (dis / kmc->N / kmc->dF0_j - 1) / cfg->barrier_spread : 0;
  e->elastic_j_per_gatom    = StzJoulesPerGramAtom(-0.5 * V * w / kmc->N - StzKmcPlatenRelease(kmc, V), V, va) + 0.0; /* + 0: no eigenstrain gives -0, printed with its sign */
  e->mean_tf_k              = cfg->st.on ? tf : 0;
  e->structural_j_per_gatom = cfg->st.on ? cfg->mat.heat_capacity_jump_j_per_gatom_k * (tf - cfg->st.tf_reference_k) : 0;
  e->total_j_per_gatom      = e->elastic_j_per_gatom + e->structural_j_per_gatom;
  e->fraction_of_dhm        = e->total_j_per_gatom / cfg->mat.heat_of_melting_j_per_gatom;
  e->cooling_rate_k_per_s   = cfg->st.on ? StzCoolingRateFromFictive(&cfg->st.p, tf) : 0;
}
