/* Athermal quasistatic (AQS) driver: the T -> 0 limit of the STZ dynamics, as extremal dynamics on the kMC's lattice.
 *
 * Threshold. Argon's rate nu0 exp(-(dF_i - tau gamma0 Omega0 / 2) / kT) has a barrier that vanishes at the resolved shear
 * tau_c,i = 2 dF_i / (gamma0 Omega0). As T -> 0 a (site, orientation, sense) is inert below tau_c,i and fires at once at or
 * above it, so tau_c,i is the athermal threshold; dF_i carries the site's quenched disorder (model.md, section 5). The
 * resolved shear is the one the thermal rates see: the total site stress, including the site's own back-stress. With
 * dilatation (-stz_dilatation eps_v) the work of its trace adds dil_k P to every class's drive, P = (s_xx + s_yy) / 2 and
 * dil_k = eps_v / gamma0, as in the kMC rates (docs/model.md 4).
 * The structural state (fictive temperature, renewal, relaxation) is not used: the thresholds come from the quenched barriers
 * dF_quench_j and stay fixed (relaxation has no time to act at T -> 0; threshold renewal in aqs is future work).
 *
 * Loading. Between events only the mean stress changes, linearly in the protocol strain; each class's resolved shear grows
 * at the same rate at every site, so the strain at which the first (site, class) reaches its threshold is found exactly by
 * one scan. The load is advanced to that strain and that (site, class) fires: the trigger of an avalanche.
 *
 * Cascade. At fixed strain (the strain-controlled components are held; stress-controlled ones keep their stress) sites at or
 * above threshold fire one at a time, the MOST OVERLOADED first (largest s tau - tau_c in Pa, on the orientation and sense of
 * the largest |tau| of the site; ties: lowest site index, then lowest orientation), each event updating every stress before the next choice, until no site is
 * at or above threshold. Every event lowers the elastic energy (or enthalpy, under mixed control) by at least gamma0 Omega0 (tau_c - tau_self / 2) > 0, since
 * the self back-stress tau_self (1.5-1.9 GPa) is below every threshold (about 3.4 GPa), so a cascade always ends.
 *
 * Generations. The trigger is generation 0; a site that is first found above threshold after an event of generation g is
 * generation g + 1 (a site that falls back below threshold loses its mark). The deepest generation + 1 is the avalanche's
 * duration in parallel update steps.
 *
 * Determinism. Every scan is split by rows of sites; a row is always scanned in the same order and the rows' results are
 * combined serially in row order, so the choice does not depend on the number of threads.
 *
 * Threads. A cascade makes two short passes per event (kernel shift, scan: about 0.1 ms at 128 x 128), too short for thread
 * barriers to pay, and on a shared machine they cost far more (a 128 x 128 run took 63 s on two busy cores against 8 s on one).
 * So with -stz_threads 0 (automatic) the passes run on one thread below STZ_AQS_PARALLEL_SITES sites; an explicit
 * -stz_threads always applies.
 */
#include "impl.h"

#define STZ_AQS_PARALLEL_SITES 65536

struct StzAqs_private {
  StzKmc       kmc;
  StzMacroLoad dload;   /* load per unit protocol strain */
  PetscReal    Sdot[3]; /* mean stress per unit protocol strain at fixed eigenstrain */
  PetscReal    strain;  /* protocol strain */
  PetscReal   *tau_c;   /* per-site threshold (Pa) */
  PetscReal   *over;    /* per-site overload of the last scan (Pa) */
  PetscInt    *mark;    /* generation at which the site was found above threshold; -1: below */
  PetscInt     trig_site, trig_cls, gen_now;
  PetscBool    parallel; /* run the scans with OpenMP threads */
  /* per-row scan results */
  PetscReal *row_val;
  PetscInt  *row_site, *row_cls;
};

PetscReal StzAqsThreshold(PetscReal barrier_j, PetscReal gamma0, PetscReal omega0_m3)
{
  return 2 * barrier_j / (gamma0 * omega0_m3);
}

/* Mean strain and stress at the current protocol strain and mean eigenstrain. */
static void StzAqsMacro(StzAqs aqs)
{
  StzKmc          kmc = aqs->kmc;
  const PetscReal mu = kmc->cfg->mat.shear_modulus_pa, nu = kmc->cfg->mat.poisson_ratio;
  for (int c = 0; c < 3; c++) {
    kmc->load.control[c] = aqs->dload.control[c];
    kmc->load.value[c]   = aqs->strain * aqs->dload.value[c];
  }
  StzMacroSolve(mu, nu, &kmc->load, kmc->mean_eig, kmc->E, kmc->S);
  for (int c = 0; c < 3; c++) kmc->Sdot[c] = 0;
}

PetscErrorCode StzAqsCreate(StzKmc kmc, const StzMacroLoad *dload, StzAqs *out)
{
  StzAqs           aqs;
  const StzConfig *cfg     = kmc->cfg;
  const PetscInt   N       = kmc->N;
  PetscReal        zero[3] = {0, 0, 0}, E[3];

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&aqs));
  aqs->kmc   = kmc;
  aqs->dload = *dload;
  StzMacroSolve(cfg->mat.shear_modulus_pa, cfg->mat.poisson_ratio, dload, zero, E, aqs->Sdot);
  PetscCall(PetscMalloc3(N, &aqs->tau_c, N, &aqs->over, N, &aqs->mark));
  for (PetscInt i = 0; i < N; i++) {
    aqs->tau_c[i] = StzAqsThreshold(kmc->dF_quench_j[i], cfg->mat.gamma0, cfg->mat.stz_volume_m3);
    aqs->mark[i]  = -1;
  }
  PetscCall(PetscMalloc3(kmc->ny, &aqs->row_val, kmc->ny, &aqs->row_site, kmc->ny, &aqs->row_cls));
  aqs->trig_site = -1;
  aqs->parallel  = (PetscBool)(cfg->threads > 0 || N >= STZ_AQS_PARALLEL_SITES);
  StzAqsMacro(aqs);
  *out = aqs;
  PetscFunctionReturn(0);
}

PetscErrorCode StzAqsDestroy(StzAqs *aqs)
{
  PetscFunctionBeginUser;
  if (!*aqs) PetscFunctionReturn(0);
  PetscCall(PetscFree3((*aqs)->tau_c, (*aqs)->over, (*aqs)->mark));
  PetscCall(PetscFree3((*aqs)->row_val, (*aqs)->row_site, (*aqs)->row_cls));
  PetscCall(PetscFree(*aqs));
  PetscFunctionReturn(0);
}

PetscReal StzAqsStrain(StzAqs aqs)
{
  return aqs->strain;
}

/* Resolved shear of orientation k from the total stress: tau = sigma_xy cos 2t - (sigma_xx - sigma_yy)/2 sin 2t. */
static inline PetscReal StzAqsTau(PetscReal t1, PetscReal t2, PetscReal c2, PetscReal n2)
{
  return t2 * c2 - t1 * n2;
}

/* Smallest strain increment that brings a (site, class) to its threshold; row-wise, combined in row order. */
static void StzAqsScanLoad(StzAqs aqs, PetscReal *dstrain, PetscInt *site, PetscInt *cls)
{
  StzKmc          kmc = aqs->kmc;
  StzElastic      el  = kmc->el;
  const PetscInt  nx = kmc->nx, ny = kmc->ny, K = kmc->n_orient;
  const PetscReal S1 = 0.5 * (kmc->S[0] - kmc->S[1]), S2 = kmc->S[2], D1 = 0.5 * (aqs->Sdot[0] - aqs->Sdot[1]), D2 = aqs->Sdot[2];
  /* Dilatation: its work adds dil_k P to every class's drive (P = (s_xx + s_yy) / 2), as in the kMC rates. */
  const PetscReal kp = kmc->dil_k, Sm = 0.5 * (kmc->S[0] + kmc->S[1]), Dm = 0.5 * (aqs->Sdot[0] + aqs->Sdot[1]);

#pragma omp parallel for schedule(static) if (aqs->parallel)
  for (PetscInt y = 0; y < ny; y++) {
    PetscReal best = PETSC_MAX_REAL;
    PetscInt  bs = -1, bc = -1;
    for (PetscInt x = 0; x < nx; x++) {
      const PetscInt  i = y * nx + x;
      const PetscReal p = kp != 0 ? kp * (Sm + el->sp[i]) : 0, pd = kp * Dm;
      for (PetscInt k = 0; k < K; k++) {
        const PetscReal g = StzAqsTau(D1, D2, kmc->cos2[k], kmc->sin2[k]), tau = StzAqsTau(S1 + el->s1[i], S2 + el->s2[i], kmc->cos2[k], kmc->sin2[k]);
        for (PetscInt s = 0; s < 2; s++) {
          const PetscReal sg = s ? -1.0 : 1.0, q = kp != 0 ? kmc->dinc[(2 * k + s) * kmc->N + i] : 0, rate = sg * g + pd * q;
          PetscReal       d;
          if (!(rate > 0)) continue;
          d = (aqs->tau_c[i] - sg * tau - p * q) / rate;
          if (d < best) best = d, bs = i, bc = 2 * k + s;
        }
      }
    }
    aqs->row_val[y] = best, aqs->row_site[y] = bs, aqs->row_cls[y] = bc;
  }
  *dstrain = PETSC_MAX_REAL, *site = -1, *cls = -1;
  for (PetscInt y = 0; y < ny; y++)
    if (aqs->row_site[y] >= 0 && aqs->row_val[y] < *dstrain) *dstrain = aqs->row_val[y], *site = aqs->row_site[y], *cls = aqs->row_cls[y];
}

/* Orientation class (2k, or 2k + 1 for the negative sense) of the largest |tau_k| at total shear (t1, t2); first k on ties. */
static PetscInt StzAqsBestClass(StzKmc kmc, PetscReal t1, PetscReal t2)
{
  PetscReal best = -1;
  PetscInt  cls  = 0;
  for (PetscInt k = 0; k < kmc->n_orient; k++) {
    const PetscReal tau = StzAqsTau(t1, t2, kmc->cos2[k], kmc->sin2[k]);
    if (PetscAbsReal(tau) > best) best = PetscAbsReal(tau), cls = 2 * k + (tau < 0);
  }
  return cls;
}

/* With dilatation: the largest drive s tau_k + dil_k P dinc over the classes of site i (total shear t1, t2 and pressure P),
 * and its class (first on ties) if cls is not NULL. */
static PetscReal StzAqsDrive(StzKmc kmc, PetscInt i, PetscReal t1, PetscReal t2, PetscReal P, PetscInt *cls)
{
  PetscReal best = -PETSC_MAX_REAL;
  for (PetscInt k = 0; k < kmc->n_orient; k++) {
    const PetscReal tau = StzAqsTau(t1, t2, kmc->cos2[k], kmc->sin2[k]);
    for (PetscInt s = 0; s < 2; s++) {
      const PetscReal d = (s ? -tau : tau) + kmc->dil_k * P * kmc->dinc[(2 * k + s) * kmc->N + i];
      if (d > best) {
        best = d;
        if (cls) *cls = 2 * k + s;
      }
    }
  }
  return best;
}

/* The most overloaded (site, class) at or above threshold, and the generation marks; *site = -1 if none.
 * A site's overload is max_k |tau_k| - tau_c (the better sense of each orientation); a vectorised pass computes it for a row,
 * a scalar pass over the row then keeps the marks and the row's largest overload (first site on ties). */
static void StzAqsScanUnstable(StzAqs aqs, PetscInt *site, PetscInt *cls)
{
  StzKmc          kmc = aqs->kmc;
  StzElastic      el  = kmc->el;
  const PetscInt  nx = kmc->nx, ny = kmc->ny, K = kmc->n_orient, gnext = aqs->gen_now + 1;
  const PetscReal S1 = 0.5 * (kmc->S[0] - kmc->S[1]), S2 = kmc->S[2], kp = kmc->dil_k, Sm = 0.5 * (kmc->S[0] + kmc->S[1]);

#pragma omp parallel for schedule(static) if (aqs->parallel)
  for (PetscInt y = 0; y < ny; y++) {
    const PetscReal *restrict r1 = el->s1 + y * nx, *restrict r2 = el->s2 + y * nx, *restrict rp = el->sp + y * nx, *restrict tc = aqs->tau_c + y * nx;
    PetscReal *restrict ov = aqs->over + y * nx;
    PetscInt *restrict mk  = aqs->mark + y * nx;
    PetscReal best         = -1;
    PetscInt  bs           = -1;
    if (kp != 0) { /* with dilatation each class has its own drive, s tau_k + dil_k P dinc (StzAqsDrive) */
      for (PetscInt x = 0; x < nx; x++) ov[x] = StzAqsDrive(kmc, y * nx + x, S1 + r1[x], S2 + r2[x], Sm + rp[x], NULL) - tc[x];
    } else {
#pragma omp simd
      for (PetscInt x = 0; x < nx; x++) {
        const PetscReal t1 = S1 + r1[x], t2 = S2 + r2[x];
        PetscReal       m = 0;
        for (PetscInt k = 0; k < K; k++) m = PetscMax(m, PetscAbsReal(t2 * kmc->cos2[k] - t1 * kmc->sin2[k]));
        ov[x] = m - tc[x];
      }
    }
    for (PetscInt x = 0; x < nx; x++) {
      if (ov[x] >= 0) {
        if (mk[x] < 0) mk[x] = gnext;
        if (ov[x] > best) best = ov[x], bs = y * nx + x;
      } else if (mk[x] >= 0) mk[x] = -1;
    }
    aqs->row_val[y] = best, aqs->row_site[y] = bs;
  }
  *site = -1, *cls = -1;
  {
    PetscReal best = -1;
    for (PetscInt y = 0; y < ny; y++)
      if (aqs->row_site[y] >= 0 && aqs->row_val[y] > best) best = aqs->row_val[y], *site = aqs->row_site[y];
  }
  if (*site >= 0) {
    if (kp != 0) (void)StzAqsDrive(kmc, *site, S1 + el->s1[*site], S2 + el->s2[*site], Sm + el->sp[*site], cls);
    else *cls = StzAqsBestClass(kmc, S1 + el->s1[*site], S2 + el->s2[*site]);
  }
}

PetscErrorCode StzAqsLoad(StzAqs aqs, PetscReal strain_limit, PetscBool *triggered)
{
  PetscReal d;
  PetscInt  site, cls;

  PetscFunctionBeginUser;
  PetscCheck(aqs->trig_site < 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "aqs: load step requested before the cascade was relaxed");
  StzAqsScanLoad(aqs, &d, &site, &cls);
  PetscCheck(site >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "aqs: the loading mode raises no resolved shear on any orientation (check -stz_n_orient)");
  d = PetscMax(d, 0.0); /* a site left exactly at threshold by round-off fires without further load */
  if (aqs->strain + d > strain_limit) {
    aqs->strain = PetscMax(aqs->strain, strain_limit);
    *triggered  = PETSC_FALSE;
  } else {
    aqs->strain += d;
    aqs->trig_site = site;
    aqs->trig_cls  = cls;
    *triggered     = PETSC_TRUE;
  }
  StzAqsMacro(aqs);
  PetscFunctionReturn(0);
}

PetscErrorCode StzAqsRelax(StzAqs aqs, PetscBool *fired, StzEvent *ev, PetscInt *generation)
{
  StzKmc           kmc = aqs->kmc;
  const StzConfig *cfg = kmc->cfg;
  PetscInt         site, cls, gen;

  PetscFunctionBeginUser;
  if (aqs->trig_site >= 0) {
    /* The trigger sits at its threshold up to round-off: it fires by definition. */
    site = aqs->trig_site, cls = aqs->trig_cls, gen = 0;
    aqs->trig_site = -1;
  } else {
    StzAqsScanUnstable(aqs, &site, &cls);
    if (site < 0) {
      *fired = PETSC_FALSE;
      PetscFunctionReturn(0);
    }
    gen = aqs->mark[site];
  }
  aqs->mark[site] = -1;
  aqs->gen_now    = gen;
  ev->site        = site;
  ev->cls         = cls;
  ev->orient      = cls / 2;
  ev->sense       = (cls % 2) ? -1 : 1;
  ev->dt_s        = 0;
  ev->dil         = kmc->dinc ? kmc->dinc[cls * kmc->N + site] : 0;
  StzEigenstrain(cfg->mat.gamma0, 0.5 * PETSC_PI * ev->orient / kmc->n_orient, ev->sense, cfg->dilatation * ev->dil, ev->eig);
  for (int c = 0; c < 3; c++) {
    kmc->eps_p[3 * site + c] += ev->eig[c];
    kmc->mean_eig[c] += ev->eig[c] / kmc->N;
  }
  StzKmcDilatancy(kmc, site); /* no renewal here: the basin is the site's whole history */
  kmc->count[site]++;
  kmc->events++;
  PetscCall(StzElasticApplyEvent(kmc->el, ev));
  StzAqsMacro(aqs);
  *fired      = PETSC_TRUE;
  *generation = gen;
  PetscFunctionReturn(0);
}
