/* Stress-update engines behind one interface (see impl.h, StzElastic).
 *
 * kernel  : periodic box. Elasticity is linear and the mesh translation-invariant, so the stress change caused by an event
 *           at site (ex, ey) is the response to an event at site (0, 0), shifted. The responses to the shear eigenstrain of
 *           each orientation (and to the dilatation) are computed once with the FE solver; each event then costs O(N).
 *           The kMC pass applies the shifted kernel and recomputes the rates in the same loop (lib/kmc.c).
 * resolve : the naive baseline: accumulate element eigenstrains and solve the FE problem again after every event.
 * Both hold the zero-mean (fluctuation) part of the site stress; the uniform mean stress of the box is the kMC driver's.
 */
#include "../impl.h"

void StzConfigFEGeometry(const StzConfig *cfg, StzFEGeometry *g)
{
  PetscMemzero(g, sizeof(*g));
  g->nex            = cfg->nx * cfg->site_elems;
  g->ney            = cfg->ny * cfg->site_elems;
  g->element_size_m = cfg->site_size_m / cfg->site_elems;
  g->mu_pa          = cfg->mat.shear_modulus_pa;
  g->nu             = cfg->mat.poisson_ratio;
  for (int e = 0; e < 4; e++) g->bc[e] = STZ_BC_PERIODIC;
}

void StzSiteToElementEigenstrain(PetscInt nx, PetscInt ny, PetscInt se, const PetscReal site_eig[], PetscReal eig[])
{
  const PetscInt nex = nx * se;
  for (PetscInt sy = 0; sy < ny; sy++)
    for (PetscInt sx = 0; sx < nx; sx++)
      for (PetscInt b = 0; b < se; b++)
        for (PetscInt a = 0; a < se; a++) {
          const PetscInt e = (sy * se + b) * nex + sx * se + a, s = sy * nx + sx;
          for (int c = 0; c < 3; c++) eig[3 * e + c] = site_eig[3 * s + c];
        }
}

void StzElementToSiteStress(PetscInt nx, PetscInt ny, PetscInt se, const PetscReal es[], PetscReal *s[3])
{
  const PetscInt  nex = nx * se;
  const PetscReal w   = 1.0 / (se * se);
  for (PetscInt sy = 0; sy < ny; sy++)
    for (PetscInt sx = 0; sx < nx; sx++) {
      PetscReal xx = 0, yy = 0, xy = 0;
      for (PetscInt b = 0; b < se; b++)
        for (PetscInt a = 0; a < se; a++) {
          const PetscInt e = (sy * se + b) * nex + sx * se + a;
          xx += es[3 * e], yy += es[3 * e + 1], xy += es[3 * e + 2];
        }
      s[0][sy * nx + sx] = 0.5 * w * (xx - yy);
      s[1][sy * nx + sx] = w * xy;
      s[2][sy * nx + sx] = 0.5 * w * (xx + yy);
    }
}

PetscErrorCode StzElasticSiteResponse(StzFE fe, const StzConfig *cfg, const PetscReal eps[3], PetscReal *out[3])
{
  const PetscInt N = cfg->nx * cfg->ny, nel = N * cfg->site_elems * cfg->site_elems;
  PetscReal     *site_eig, *eig, *es, mean[3];
  StzMacroLoad   zero_stress = {{1, 1, 1}, {0, 0, 0}};

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(3 * N, &site_eig));
  PetscCall(PetscMalloc2(3 * nel, &eig, 3 * nel, &es));
  for (int c = 0; c < 3; c++) site_eig[c] = eps[c];
  StzSiteToElementEigenstrain(cfg->nx, cfg->ny, cfg->site_elems, site_eig, eig);
  /* At zero mean stress the response is the zero-mean fluctuation; the mean part belongs to the macroscopic balance. */
  PetscCall(StzFESolve(fe, eig, &zero_stress, es, NULL, NULL));
  StzElementToSiteStress(cfg->nx, cfg->ny, cfg->site_elems, es, out);
  /* Remove the round-off mean so superposition cannot drift the mean stress. */
  for (int c = 0; c < 3; c++) {
    mean[c] = 0;
    for (PetscInt i = 0; i < N; i++) mean[c] += out[c][i];
    mean[c] /= N;
    for (PetscInt i = 0; i < N; i++) out[c][i] -= mean[c];
  }
  PetscCall(PetscFree(site_eig));
  PetscCall(PetscFree2(eig, es));
  PetscFunctionReturn(0);
}

/* Make a periodic kernel exactly inversion-symmetric, K(-dx, -dy) = K(dx, dy), by averaging each value with its mirror.
 * The continuum and the discrete model share the symmetry (a uniform eigenstrain on one cell of a uniform periodic mesh; a
 * stress tensor is even under inversion), so this only removes the solver's round-off asymmetry. The kMC pass relies on it
 * bit for bit: it reads only the rows dy = 0 .. ny/2 and takes the others mirrored (lib/kmc.c, StzKmcPass). */
static void StzKernelSymmetrize(PetscInt nx, PetscInt ny, PetscReal k[])
{
  for (PetscInt y = 0; y < ny; y++)
    for (PetscInt x = 0; x < nx; x++) {
      const PetscInt i = y * nx + x, m = ((ny - y) % ny) * nx + (nx - x) % nx;
      if (m < i) continue; /* each pair once; the self-mirrored points stay */
      k[i] = k[m] = 0.5 * (k[i] + k[m]);
    }
}

PetscErrorCode StzElasticCreate(MPI_Comm comm, const StzConfig *cfg, StzElastic *out)
{
  StzElastic     el;
  StzFEGeometry  g;
  const PetscInt N = cfg->nx * cfg->ny;
  PetscReal      mem_mb;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&el));
  el->type        = cfg->engine;
  el->nx          = cfg->nx;
  el->ny          = cfg->ny;
  el->N           = N;
  el->site_elems  = cfg->site_elems;
  el->n_orient    = cfg->n_orient;
  el->gamma0      = cfg->mat.gamma0;
  el->eps_v       = cfg->dilatation;
  el->mu_pa       = cfg->mat.shear_modulus_pa;
  el->nu          = cfg->mat.poisson_ratio;
  el->site_size_m = cfg->site_size_m;
  /* Report what the engine will hold before allocating it. */
  mem_mb = (cfg->engine == STZ_ENGINE_KERNEL ? 3.0 * (cfg->n_orient + (cfg->dilatation != 0) + 1) * N : 3.0 * N + 6.0 * N * cfg->site_elems * cfg->site_elems) * 8 / 1048576.0;
  if (!cfg->quiet && cfg->engine == STZ_ENGINE_KERNEL && N > 16384)
    PetscCall(PetscPrintf(comm, "stzdyn: %s engine needs %.1f MB for %d x %d sites (plus a one-off FE factorisation)\n", StzEngineNames[cfg->engine], (double)mem_mb,
                          (int)cfg->nx, (int)cfg->ny));
  PetscCall(PetscCalloc3(N, &el->s1, N, &el->s2, N, &el->sp));
  StzConfigFEGeometry(cfg, &g);
  /* The resolve engine solves inside the serial kMC loop, so its FE model lives on this rank alone. */
  PetscCall(StzFECreate(cfg->engine == STZ_ENGINE_RESOLVE ? PETSC_COMM_SELF : comm, &g, &el->fe));
  if (cfg->engine == STZ_ENGINE_KERNEL) {
    for (PetscInt k = 0; k < cfg->n_orient; k++) {
      PetscReal eps[3], theta = 0.5 * PETSC_PI * k / cfg->n_orient;
      StzEigenstrain(cfg->mat.gamma0, theta, 1, 0.0, eps);
      PetscCall(PetscMalloc3(N, &el->kern[k][0], N, &el->kern[k][1], N, &el->kern[k][2]));
      PetscCall(StzElasticSiteResponse(el->fe, cfg, eps, el->kern[k]));
      for (int c = 0; c < 3; c++) StzKernelSymmetrize(cfg->nx, cfg->ny, el->kern[k][c]);
    }
    if (cfg->dilatation != 0) {
      PetscReal eps[3] = {0.5 * cfg->dilatation, 0.5 * cfg->dilatation, 0};
      PetscCall(PetscMalloc3(N, &el->kdil[0], N, &el->kdil[1], N, &el->kdil[2]));
      PetscCall(StzElasticSiteResponse(el->fe, cfg, eps, el->kdil));
      for (int c = 0; c < 3; c++) StzKernelSymmetrize(cfg->nx, cfg->ny, el->kdil[c]);
    }
    /* The kernels are all the engine needs: free the factorisation's memory. */
    PetscCall(StzFEDestroy(&el->fe));
  } else {
    const PetscInt nel = N * cfg->site_elems * cfg->site_elems;
    PetscCall(PetscCalloc2(3 * nel, &el->eig, 3 * nel, &el->estress));
  }
  *out        = el;
  PetscFunctionReturn(0);
}

PetscErrorCode StzElasticDestroy(StzElastic *el)
{
  PetscFunctionBeginUser;
  if (!*el) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < STZ_MAX_ORIENT; k++)
    if ((*el)->kern[k][0]) PetscCall(PetscFree3((*el)->kern[k][0], (*el)->kern[k][1], (*el)->kern[k][2]));
  if ((*el)->kdil[0]) PetscCall(PetscFree3((*el)->kdil[0], (*el)->kdil[1], (*el)->kdil[2]));
  PetscCall(PetscFree3((*el)->s1, (*el)->s2, (*el)->sp));
  PetscCall(PetscFree2((*el)->eig, (*el)->estress));
  PetscCall(StzFEDestroy(&(*el)->fe));
  PetscCall(PetscFree(*el));
  PetscFunctionReturn(0);
}
