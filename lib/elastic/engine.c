/* Stress-update engines behind one interface (see impl.h, StzElastic).
 *
 * kernel      : periodic box. Elasticity is linear and the mesh translation-invariant, so the stress change caused by an event
 *               at site (ex, ey) is the response to an event at site (0, 0), shifted. The responses to the shear eigenstrain of
 *               each orientation (and to the dilatation) are computed once with the FE solver; each event then costs O(N).
 *               The kMC pass applies the shifted kernel and recomputes the rates in the same loop (lib/kmc.c).
 * slab-kernel : periodic along x only (a slab, or the periodic box): the response depends on (dx, y_source, y_target), so one
 *               kernel per source row is stored (3 comps x modes x ny x N doubles), computed with ny x (2 or 3) back-substitutions
 *               of one factorisation; the pass applies it exactly as the kernel engine's, O(N) per event.
 * cut-kernel  : a block with free sides: one period of a slab cut open along x = 0. The slab's kernels as slab-kernel's, plus
 *               the block's response to the forces the slab held across the cut (StzElasticCutKernels): memory O(N ny) instead
 *               of a block's O(N^2) per-site kernels, and O(N) per event far from the sides.
 * factor      : any geometry: the stiffness is Cholesky-factored once; each event is one back-substitution for the event's
 *               eigenstrain alone, whose site stresses are added to the arrays (superposition).
 * resolve     : the naive baseline of the original STZ-dynamics papers: accumulate the element eigenstrains and solve the whole
 *               problem again after every event, iteratively (CG + GAMG), warm-started from the previous displacement.
 * In a periodic box the engines hold the zero-mean (fluctuation) part of the site stress and the uniform mean stress is the kMC
 * driver's; in a body (slab, block) they hold the full site stress, starting from the response to the edge loads.
 */
#define _POSIX_C_SOURCE 200809L /* sysconf */
#include "../impl.h"
#include <stdio.h>
#include <unistd.h>

void StzConfigFEGeometry(const StzConfig *cfg, StzFEGeometry *g)
{
  PetscMemzero(g, sizeof(*g));
  g->nex            = cfg->nx * cfg->site_elems;
  g->ney            = cfg->ny * cfg->site_elems;
  g->element_size_m = cfg->site_size_m / cfg->site_elems;
  g->mu_pa          = cfg->mat.shear_modulus_pa;
  g->nu             = cfg->mat.poisson_ratio;
  for (int e = 0; e < 4; e++) {
    g->bc[e]          = cfg->bc[e];
    g->bc_value[e][0] = cfg->bc_value[e][0];
    g->bc_value[e][1] = cfg->bc_value[e][1];
  }
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

/* ---------- memory ---------- */

/* Estimated bytes of an FE solver on nel elements: the matrix (18 nonzeros per row, value and column index), a few vectors,
 * and either the Cholesky factor of a 2D mesh under nested dissection, about STZ_FACTOR_FILL ndof log2(ndof) entries (value
 * and index), or the GAMG hierarchy (about twice the matrix). STZ_FACTOR_FILL was calibrated against the resident memory of
 * MUMPS factorisations of 128^2 and 256^2-site meshes (docs/performance.md). */
#define STZ_FACTOR_FILL 6.5
/* Right-hand sides per solver call in the slab-kernel set-up; each holds element eigenstrain and stress arrays (6 nel doubles)
 * and a column of the dense right-hand side and solution (4 nel). */
#define STZ_SLAB_BATCH 16
static PetscReal StzFEMemory(PetscReal nel, PetscBool direct)
{
  const PetscReal ndof = 2 * nel, mat = ndof * 18 * 12.0, vecs = 6 * ndof * 8.0;
  return mat + vecs + (direct ? STZ_FACTOR_FILL * ndof * PetscLog2Real(ndof) * 12.0 : 2 * mat);
}

void StzElasticMemory(const StzConfig *cfg, StzEngineType type, PetscReal *held, PetscReal *setup)
{
  const PetscReal N = (PetscReal)cfg->nx * cfg->ny, nel = N * cfg->site_elems * cfg->site_elems, sites = 3 * N * 8.0;
  const PetscReal modes = cfg->n_orient + (cfg->dilatation != 0) + StzConfigHasProtocol(cfg, STZ_PROTO_THERMAL_CYCLING), fe_scratch = 3 * 3 * nel * 8.0;
  switch (type) {
  case STZ_ENGINE_KERNEL: /* kernels; the set-up also holds the factorisation and one solve's arrays */
    *held  = sites + 3 * modes * N * 8.0;
    *setup = *held + StzFEMemory(nel, PETSC_TRUE) + fe_scratch;
    break;
  case STZ_ENGINE_SLAB_KERNEL: /* per source row in a slab, per source site in a block */
    *held  = sites + 3 * modes * (cfg->geometry == STZ_GEOM_BLOCK ? N : cfg->ny) * N * 8.0;
    *setup = *held + StzFEMemory(nel, PETSC_TRUE) + fe_scratch + 3 * 3 * N * 8.0 + STZ_SLAB_BATCH * 10 * nel * 8.0;
    break;
  case STZ_ENGINE_CUT_KERNEL: { /* slab kernels per source row, side responses, line forces; set-up: the block's and the slab's FE */
    const PetscReal nd = 2.0 * (cfg->ny * cfg->site_elems + 1), nb = 2 + (cfg->dilatation != 0);
    *held = sites + 3 * (cfg->n_orient + (cfg->dilatation != 0)) * cfg->ny * N * 8.0 + (nd * 3 * N + cfg->ny * nb * 3 * N + cfg->ny * nb * cfg->nx * nd + 2 * nd) * 8.0 +
            cfg->ny * cfg->nx * sizeof(PetscBool);
    *setup = *held + 2 * StzFEMemory(nel, PETSC_TRUE) + fe_scratch + 3 * 3 * N * 8.0 + STZ_SLAB_BATCH * 10 * nel * 8.0;
    if (StzConfigHasProtocol(cfg, STZ_PROTO_THERMAL_CYCLING)) *held += StzFEMemory(nel, PETSC_TRUE) + fe_scratch + sites; /* thermal strains: the block's FE stays */
  } break;
  case STZ_ENGINE_FACTOR:
    *held  = 2 * sites + StzFEMemory(nel, PETSC_TRUE) + fe_scratch;
    *setup = *held;
    break;
  default:
    *held  = sites + StzFEMemory(nel, PETSC_FALSE) + fe_scratch;
    *setup = *held;
    break;
  }
}

/* Memory the system can give this process: MemAvailable from /proc/meminfo, else the physical memory. */
static PetscReal StzAvailableMemory(void)
{
  FILE     *fp = fopen("/proc/meminfo", "r");
  char      line[256];
  long long kb = -1;
  if (fp) {
    while (fgets(line, sizeof(line), fp))
      if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1) break;
    fclose(fp);
  }
  if (kb > 0) return 1024.0 * (PetscReal)kb;
  {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (PetscReal)pages * page : PETSC_MAX_REAL;
  }
}

/* ---------- responses ---------- */

/* Site stresses out[3] (s1, s2, sp) of one event of eigenstrain eps on site `site` alone, with homogeneous boundary data;
 * the round-off mean is removed in a periodic box (the mean belongs to the macroscopic balance). el->eig is zero on entry and
 * on exit; el->estress is scratch. */
static PetscErrorCode StzElasticEventResponse(StzElastic el, PetscInt site, const PetscReal eps[3], PetscReal *out[3])
{
  const PetscInt se = el->site_elems, nex = el->nx * se, sx = site % el->nx, sy = site / el->nx, N = el->N;

  PetscFunctionBeginUser;
  for (PetscInt b = 0; b < se; b++)
    for (PetscInt a = 0; a < se; a++)
      for (int c = 0; c < 3; c++) el->eig[3 * ((sy * se + b) * nex + sx * se + a) + c] = eps[c];
  PetscCall(StzFESolveEigenstrain(el->fe, el->eig, el->estress));
  for (PetscInt b = 0; b < se; b++)
    for (PetscInt a = 0; a < se; a++)
      for (int c = 0; c < 3; c++) el->eig[3 * ((sy * se + b) * nex + sx * se + a) + c] = 0;
  StzElementToSiteStress(el->nx, el->ny, se, el->estress, out);
  if (!el->body)
    for (int c = 0; c < 3; c++) {
      PetscReal mean = 0;
      for (PetscInt i = 0; i < N; i++) mean += out[c][i];
      mean /= N;
      for (PetscInt i = 0; i < N; i++) out[c][i] -= mean;
    }
  PetscFunctionReturn(0);
}

/* Body: the site stresses start as the response to the edge loads alone. */
static PetscErrorCode StzElasticLoadResponse(StzElastic el)
{
  PetscReal *s[3] = {el->s1, el->s2, el->sp};

  PetscFunctionBeginUser;
  PetscCall(StzFESolve(el->fe, NULL, NULL, el->estress, NULL, NULL));
  StzElementToSiteStress(el->nx, el->ny, el->site_elems, el->estress, s);
  PetscFunctionReturn(0);
}

/* slab-kernel: for every source row (slab; every source site in a block, which has no periodic direction), the responses to
 * the two deviatoric basis modes (theta = 0 and 45 degrees; every orientation is cos 2theta times the first plus sin 2theta
 * times the second) and to the dilatation, stored rotated (slab) or in natural order (block). The 2 ny (block: 2 N) solves,
 * or 3 with dilatation, go to the solver STZ_SLAB_BATCH at a time (defined with the memory estimate). */
static PetscErrorCode StzElasticSlabKernels(StzElastic el, const StzConfig *cfg, StzFE fe, PetscReal *lines)
{
  /* Modes: the two shear bases, then the dilatation (with -stz_dilatation) and a unit isotropic eigenstrain (thermal strains). */
  const PetscInt  idil = cfg->dilatation != 0 ? 2 : -1, iiso = el->siso[0] ? (idil > 0 ? 3 : 2) : -1, nb = 2 + (idil > 0) + (iiso > 0);
  const PetscInt  N = el->N, nx = el->nx, ny = el->ny, se = el->site_elems, nex = nx * se;
  const PetscInt  nsrc = el->per_site ? N : ny; /* sources: rows of a slab, sites of a block */
  const PetscInt  nel = N * se * se, ntask = nb * nsrc;
  const PetscReal h           = 0.5 * cfg->mat.gamma0;
  PetscReal       basis[4][3] = {{0, 0, h}, {-h, h, 0}}, ca[STZ_MAX_ORIENT], cb[STZ_MAX_ORIENT];
  PetscReal      *eig[STZ_SLAB_BATCH], *es[STZ_SLAB_BATCH], *r[4][3], *ln[STZ_SLAB_BATCH];
  const PetscInt  nd = 2 * (ny * se + 1); /* lines: forces on the nodes of a grid line (cut-kernel) */

  PetscFunctionBeginUser;
  if (idil > 0) basis[idil][0] = basis[idil][1] = 0.5 * cfg->dilatation, basis[idil][2] = 0;
  if (iiso > 0) basis[iiso][0] = basis[iiso][1] = 1, basis[iiso][2] = 0;
  for (PetscInt k = 0; k < cfg->n_orient; k++) {
    PetscReal eps[3];
    StzEigenstrain(cfg->mat.gamma0, 0.5 * PETSC_PI * k / cfg->n_orient, 1, 0.0, eps);
    ca[k] = eps[2] / h; /* cos 2theta */
    cb[k] = eps[1] / h; /* sin 2theta */
  }
  for (int q = 0; q < STZ_SLAB_BATCH; q++) PetscCall(PetscCalloc2(3 * nel, &eig[q], 3 * nel, &es[q]));
  for (int b = 0; b < nb; b++) PetscCall(PetscMalloc3(N, &r[b][0], N, &r[b][1], N, &r[b][2]));
  /* Task t: source row ys = t / nb, basis mode t % nb. A batch may split a row's modes; a row is stored once its last mode is in. */
  for (PetscInt t0 = 0; t0 < ntask; t0 += STZ_SLAB_BATCH) {
    const PetscInt nt = PetscMin(STZ_SLAB_BATCH, ntask - t0);
    /* A slab's source is row ys with its sites at x = 0 (its kernels are shifted in x), a block's the site (xs, ys). */
    for (PetscInt q = 0; q < nt; q++) {
      const PetscInt src = (t0 + q) / nb, b = (t0 + q) % nb, ys = el->per_site ? src / nx : src, xs = el->per_site ? src % nx : 0;
      for (PetscInt bb = 0; bb < se; bb++)
        for (PetscInt aa = 0; aa < se; aa++)
          for (int c = 0; c < 3; c++) eig[q][3 * ((ys * se + bb) * nex + xs * se + aa) + c] = basis[b][c];
    }
    for (PetscInt q = 0; q < nt && lines; q++) ln[q] = lines + (size_t)(t0 + q) * nx * nd; /* task t: source row t / nb, mode t % nb */
    PetscCall(StzFESolveEigenstrainBatchLines(fe, nt, (const PetscReal *const *)eig, es, lines ? se : 0, lines ? ln : NULL));
    for (PetscInt q = 0; q < nt; q++) {
      const PetscInt src = (t0 + q) / nb, b = (t0 + q) % nb, ys = el->per_site ? src / nx : src, xs = el->per_site ? src % nx : 0;
      for (PetscInt bb = 0; bb < se; bb++)
        for (PetscInt aa = 0; aa < se; aa++)
          for (int c = 0; c < 3; c++) eig[q][3 * ((ys * se + bb) * nex + xs * se + aa) + c] = 0;
      StzElementToSiteStress(nx, ny, se, es[q], r[b]);
      if (!el->body)
        for (int c = 0; c < 3; c++) {
          PetscReal mean = 0;
          for (PetscInt i = 0; i < N; i++) mean += r[b][c][i];
          mean /= N;
          for (PetscInt i = 0; i < N; i++) r[b][c][i] -= mean;
        }
      if (b < nb - 1) continue;
      /* All modes of the source are in r (its modes are consecutive tasks; those of an earlier batch stay in r). A slab's
       * block is stored with its rows rotated to start at the source row, a block's in natural order. */
      for (PetscInt yt = 0; yt < ny; yt++) {
        const PetscInt dst = src * N + (el->per_site ? yt : (yt - ys + ny) % ny) * nx, from = yt * nx;
        for (int c = 0; c < 3; c++) {
          for (PetscInt k = 0; k < cfg->n_orient; k++)
            for (PetscInt x = 0; x < nx; x++) el->slab[k][c][dst + x] = ca[k] * r[0][c][from + x] + cb[k] * r[1][c][from + x];
          if (idil > 0)
            for (PetscInt x = 0; x < nx; x++) el->sdil[c][dst + x] = r[idil][c][from + x];
          if (iiso > 0)
            for (PetscInt x = 0; x < nx; x++) el->siso[c][dst + x] = r[iiso][c][from + x];
        }
      }
    }
  }
  for (int b = 0; b < nb; b++) PetscCall(PetscFree3(r[b][0], r[b][1], r[b][2]));
  for (int q = 0; q < STZ_SLAB_BATCH; q++) PetscCall(PetscFree2(eig[q], es[q]));
  PetscFunctionReturn(0);
}

/* Below this fraction of the largest force across a line, the remainder of a line's force (after the reference) is dropped:
 * round-off level (the FE solves themselves agree to about 1e-14 of the largest stress). */
#define STZ_CUT_TOL 1e-13

/* cut-kernel: a block whose sides are free is one period of a slab with the same top and bottom edges, cut open along the
 * line x = 0. The slab's response to an event, restricted to the block, satisfies every equation of the block except those of
 * the nodes on its two sides: across the cut, the slab's elements on the other side pulled on them with forces F, which the
 * block's free sides lack. So the block's response is the slab's plus the block's response to +F on the nodes of its left side
 * and -F on those of its right side (superposition; exact, tests/test_engines.c). The slab's kernels depend on the source row
 * and shift with the source in x (slab-kernel); F depends on where the cut lies relative to the source: for a source at x_s it is
 * the force across line k = (nx - x_s) mod nx of the same source at x = 0, stored per source row, basis mode and line. The
 * block's responses to a unit force on each side dof are stored once (cut_D). F tends to a constant far from the source (a
 * slab whose period is held takes the axial force that the eigenstrain's lengthening would need, and with a free base more):
 * F at the line farthest from the source is taken as the reference, its correction is stored as one field per source row and
 * mode, and the rest, which decays over a few thicknesses, is added only for lines where it is not negligible, i.e. for
 * sources near either side. The slab's FE model is needed during the set-up only; the block's (el->fe) is kept only for
 * thermal strains. */
static PetscErrorCode StzElasticCutKernels(StzElastic el, const StzConfig *cfg)
{
  const PetscInt N = el->N, nx = el->nx, ny = el->ny, se = el->site_elems, nd = 2 * (ny * se + 1), nb = 2 + (cfg->dilatation != 0);
  PetscReal     *fl, *fr, *lines, *ref, fmax = 0;
  StzFEGeometry  g;
  StzFE          slab;

  PetscFunctionBeginUser;
  el->cut_nd   = nd;
  el->cut_nb   = nb;
  el->cut_h    = 0.5 * cfg->mat.gamma0;
  el->cut_epsv = cfg->dilatation;
  /* The block's responses to +1 on a dof of its left side and -1 on the same dof of its right side. */
  PetscCall(PetscMalloc1((size_t)nd * 3 * N, &el->cut_D));
  PetscCall(PetscCalloc3(nd, &fl, nd, &fr, nd, &ref));
  for (PetscInt d = 0; d < nd; d++) {
    PetscReal *out[3] = {el->cut_D + (size_t)(d * 3 + 0) * N, el->cut_D + (size_t)(d * 3 + 1) * N, el->cut_D + (size_t)(d * 3 + 2) * N};
    fl[d] = 1, fr[d] = -1;
    PetscCall(StzFESolveSideForces(el->fe, fl, fr, el->estress));
    fl[d] = fr[d] = 0;
    StzElementToSiteStress(nx, ny, se, el->estress, out);
  }
  /* The slab: the block's edges with periodic sides; its kernels, and the forces across every site line. */
  StzConfigFEGeometry(cfg, &g);
  g.bc[STZ_EDGE_LEFT] = g.bc[STZ_EDGE_RIGHT] = STZ_BC_PERIODIC;
  PetscCall(StzFECreateWithSolver(PETSC_COMM_SELF, &g, STZ_FE_DIRECT, &slab));
  PetscCall(PetscMalloc1((size_t)ny * nb * nx * nd, &lines));
  PetscCall(StzElasticSlabKernels(el, cfg, slab, lines));
  PetscCall(StzFEDestroy(&slab));
  /* Reference (the farthest line), its correction field, and the remainders. */
  for (size_t q = 0; q < (size_t)ny * nb * nx * nd; q++) fmax = PetscMax(fmax, PetscAbsReal(lines[q]));
  PetscCall(PetscCalloc1((size_t)ny * nb * 3 * N, &el->cut_ref));
  PetscCall(PetscCalloc1(ny * nx, &el->cut_active));
  for (PetscInt ys = 0; ys < ny; ys++)
    for (PetscInt b = 0; b < nb; b++) {
      PetscReal *F = lines + (size_t)(ys * nb + b) * nx * nd, *cr = el->cut_ref + (size_t)(ys * nb + b) * 3 * N;
      for (PetscInt d = 0; d < nd; d++) ref[d] = F[(size_t)(nx / 2) * nd + d];
      for (PetscInt d = 0; d < nd; d++)
        if (ref[d] != 0)
          for (size_t q = 0; q < 3 * (size_t)N; q++) cr[q] += ref[d] * el->cut_D[(size_t)d * 3 * N + q];
      for (PetscInt k = 0; k < nx; k++)
        for (PetscInt d = 0; d < nd; d++) {
          F[(size_t)k * nd + d] -= ref[d];
          if (PetscAbsReal(F[(size_t)k * nd + d]) > STZ_CUT_TOL * fmax) el->cut_active[ys * nx + k] = PETSC_TRUE;
        }
    }
  el->cut_dF = lines;
  PetscCall(PetscMalloc2(nd, &el->cut_w, nd, &el->cut_idx));
  if (!cfg->quiet) {
    PetscInt near = 0;
    for (PetscInt q = 0; q < ny * nx; q++) near += el->cut_active[q];
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: cut-kernel: %.3g %% of the sites are close enough to a side for their events to need its correction (%d side dofs)\n",
                           (double)(100.0 * near / (ny * nx)), (int)nd));
  }
  PetscCall(PetscFree3(fl, fr, ref));
  PetscFunctionReturn(0);
}

/* cut-kernel: add the side correction of an event of eigenstrain eig (tensor xx, yy, xy) at `site` to the site stresses (all
 * three components: the pass then adds the slab's kernel to s1, s2 and counts sp). Each site's sum is taken in a fixed order
 * (the reference, then the side dofs in order), whatever the number of threads. */
static void StzElasticCutCorrect(StzElastic el, PetscInt site, const PetscReal eig[3])
{
  const PetscInt N = el->N, nx = el->nx, ny = el->ny, nd = el->cut_nd, nb = el->cut_nb, xs = site % nx, ys = site / nx, k = (nx - xs) % nx;
  /* The event in the basis modes: shear {0, 0, h}, shear {-h, h, 0}, dilatation {eps_v/2, eps_v/2, 0}. */
  const PetscReal  w[3] = {eig[2] / el->cut_h, 0.5 * (eig[1] - eig[0]) / el->cut_h, nb > 2 ? (eig[0] + eig[1]) / el->cut_epsv : 0};
  const PetscReal *ref = el->cut_ref + (size_t)ys * nb * 3 * N, *D = el->cut_D;
  PetscReal       *s[3] = {el->s1, el->s2, el->sp};
  PetscInt         na   = 0;

  if (el->cut_active[ys * nx + k])
    for (PetscInt d = 0; d < nd; d++) {
      PetscReal c = 0;
      for (PetscInt b = 0; b < nb; b++) c += w[b] * el->cut_dF[((size_t)(ys * nb + b) * nx + k) * nd + d];
      if (c != 0) el->cut_w[na] = c, el->cut_idx[na++] = d;
    }
#pragma omp parallel for schedule(static) if ((na + nb) * N >= 131072)
  for (PetscInt y = 0; y < ny; y++)
    for (int c = 0; c < 3; c++) {
      PetscReal *restrict r = s[c] + y * nx;
      for (PetscInt b = 0; b < nb; b++) {
        const PetscReal *restrict f = ref + (size_t)(b * 3 + c) * N + y * nx;
        if (w[b] == 0) continue;
#pragma omp simd
        for (PetscInt x = 0; x < nx; x++) r[x] += w[b] * f[x];
      }
      for (PetscInt a = 0; a < na; a++) {
        const PetscReal *restrict f = D + (size_t)(el->cut_idx[a] * 3 + c) * N + y * nx;
        const PetscReal wa          = el->cut_w[a];
#pragma omp simd
        for (PetscInt x = 0; x < nx; x++) r[x] += wa * f[x];
      }
    }
}

/* ---------- create / destroy / event ---------- */

PetscErrorCode StzElasticReadSolverOptions(const StzConfig *cfg, PetscBool quiet_errors)
{
  StzFEGeometry  g;
  StzFE          fe = NULL;
  PetscErrorCode e;

  PetscFunctionBeginUser;
  StzConfigFEGeometry(cfg, &g);
  g.nex = g.ney = 4; /* the smallest mesh StzFECreate takes: milliseconds */
  if (quiet_errors) PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  /* Every run builds direct solvers (the kernels' set-up, the platen's and the indenter's responses); resolve an iterative one. */
  e = StzFECreateWithSolver(PETSC_COMM_SELF, &g, STZ_FE_DIRECT, &fe);
  if (!e) e = StzFEDestroy(&fe);
  if (!e && cfg->engine == STZ_ENGINE_RESOLVE) {
    e = StzFECreateWithSolver(PETSC_COMM_SELF, &g, STZ_FE_ITERATIVE, &fe);
    if (!e) e = StzFEDestroy(&fe);
  }
  if (quiet_errors) PetscCall(PetscPopErrorHandler());
  PetscFunctionReturn(e);
}

PetscErrorCode StzElasticCreate(MPI_Comm comm, const StzConfig *cfg, StzElastic *out)
{
  StzElastic     el;
  StzFEGeometry  g;
  const PetscInt N = cfg->nx * cfg->ny, nel = N * cfg->site_elems * cfg->site_elems;
  PetscReal      held, setup, avail, kmc_bytes;
  char           others[128] = "";

  PetscFunctionBeginUser;
  /* Report, and check, what the engine will hold before allocating any of it. */
  StzElasticMemory(cfg, cfg->engine, &held, &setup);
  /* The kMC's own per-site state (rates, caches, structural state, flicker basins, lazy stress sums): about 160 bytes plus
   * 8 per orientation (lib/impl.h, StzKmc), held alongside the engine. */
  kmc_bytes = (PetscReal)N * (160 + 8 * cfg->n_orient);
  held += kmc_bytes;
  setup += kmc_bytes;
  avail = StzAvailableMemory();
  if (!cfg->quiet) {
    if (cfg->engine == STZ_ENGINE_SLAB_KERNEL)
      PetscCall(
          PetscFPrintf(comm, stderr,
                       "stzdyn: slab-kernel engine, %d x %d sites: kernels 3 comps x %d modes x %d source %s x %d sites x 8 B = %.4g MB held, plus %.4g MB of kMC state; %.4g MB peak in set-up\n",
                       (int)cfg->nx, (int)cfg->ny, (int)(cfg->n_orient + (cfg->dilatation != 0) + StzConfigHasProtocol(cfg, STZ_PROTO_THERMAL_CYCLING)),
                       (int)(cfg->geometry == STZ_GEOM_BLOCK ? N : cfg->ny), cfg->geometry == STZ_GEOM_BLOCK ? "sites" : "rows", (int)N,
                       (double)(3.0 * (cfg->n_orient + (cfg->dilatation != 0) + StzConfigHasProtocol(cfg, STZ_PROTO_THERMAL_CYCLING)) * (cfg->geometry == STZ_GEOM_BLOCK ? N : cfg->ny) * N * 8 /
                                1048576.0),
                       (double)(kmc_bytes / 1048576.0), (double)(setup / 1048576.0)));
    else
      PetscCall(PetscFPrintf(comm, stderr, "stzdyn: %s engine, %d x %d sites: %.4g MB held (%.4g MB of it kMC state); %.4g MB peak in set-up%s\n", StzEngineNames[cfg->engine], (int)cfg->nx,
                             (int)cfg->ny, (double)(held / 1048576.0), (double)(kmc_bytes / 1048576.0), (double)(setup / 1048576.0), cfg->engine == STZ_ENGINE_KERNEL ? "" : " (FE part estimated)"));
  }
  for (int t = 0; t < STZ_ENGINE_COUNT; t++) {
    const PetscBool ok = (PetscBool)(t != (int)cfg->engine && (t != STZ_ENGINE_KERNEL || cfg->geometry == STZ_GEOM_PERIODIC) && (t != STZ_ENGINE_CUT_KERNEL || StzConfigCutKernelApplies(cfg)));
    if (!ok) continue;
    if (others[0]) PetscCall(PetscStrlcat(others, ", ", sizeof(others)));
    PetscCall(PetscStrlcat(others, StzEngineNames[t], sizeof(others)));
  }
  PetscCheck(PetscMax(held, setup) <= avail, comm, PETSC_ERR_MEM,
             "the %s engine needs %.0f bytes (%.3g GB) for %d x %d sites but only %.0f bytes (%.3g GB) of memory are available: choose another engine with -stz_engine (%s), or fewer sites",
             StzEngineNames[cfg->engine], (double)PetscMax(held, setup), (double)(PetscMax(held, setup) / 1e9), (int)cfg->nx, (int)cfg->ny, (double)avail, (double)(avail / 1e9), others);

  PetscCall(PetscNew(&el));
  el->type        = cfg->engine;
  el->body        = (PetscBool)(cfg->geometry != STZ_GEOM_PERIODIC);
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
  el->per_site    = (PetscBool)(cfg->geometry == STZ_GEOM_BLOCK && cfg->engine == STZ_ENGINE_SLAB_KERNEL);
  el->bytes       = held;
  PetscCall(PetscCalloc3(N, &el->s1, N, &el->s2, N, &el->sp));
  StzConfigFEGeometry(cfg, &g);
  /* factor and resolve solve inside the serial kMC loop, so their FE model lives on this rank alone; the kernel engines'
   * set-up may use every rank. */
  if (cfg->engine == STZ_ENGINE_RESOLVE) PetscCall(StzFECreateWithSolver(PETSC_COMM_SELF, &g, STZ_FE_ITERATIVE, &el->fe));
  else PetscCall(StzFECreateWithSolver(cfg->engine == STZ_ENGINE_FACTOR ? PETSC_COMM_SELF : comm, &g, STZ_FE_DIRECT, &el->fe));
  PetscCall(PetscCalloc2(3 * nel, &el->eig, 3 * nel, &el->estress));
  if (el->body) PetscCall(StzElasticLoadResponse(el));
  switch (cfg->engine) {
  case STZ_ENGINE_KERNEL:
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
    if (StzConfigHasProtocol(cfg, STZ_PROTO_THERMAL_CYCLING)) {
      PetscReal eps[3] = {1, 1, 0}; /* unit isotropic in-plane eigenstrain: thermal strains */
      PetscCall(PetscMalloc3(N, &el->kiso[0], N, &el->kiso[1], N, &el->kiso[2]));
      PetscCall(StzElasticSiteResponse(el->fe, cfg, eps, el->kiso));
    }
    break;
  case STZ_ENGINE_SLAB_KERNEL:
  case STZ_ENGINE_CUT_KERNEL: {
    const PetscInt nk = N * (el->per_site ? N : cfg->ny);
    for (PetscInt k = 0; k < cfg->n_orient; k++) PetscCall(PetscMalloc3(nk, &el->slab[k][0], nk, &el->slab[k][1], nk, &el->slab[k][2]));
    if (cfg->dilatation != 0) PetscCall(PetscMalloc3(nk, &el->sdil[0], nk, &el->sdil[1], nk, &el->sdil[2]));
    /* Thermal strains: slab-kernel convolves with isotropic kernels; cut-kernel solves them with the block's FE (kept below). */
    if (cfg->engine == STZ_ENGINE_SLAB_KERNEL && StzConfigHasProtocol(cfg, STZ_PROTO_THERMAL_CYCLING)) PetscCall(PetscMalloc3(nk, &el->siso[0], nk, &el->siso[1], nk, &el->siso[2]));
    if (cfg->engine == STZ_ENGINE_SLAB_KERNEL) PetscCall(StzElasticSlabKernels(el, cfg, el->fe, NULL));
    else PetscCall(StzElasticCutKernels(el, cfg));
    if (cfg->engine == STZ_ENGINE_CUT_KERNEL && StzConfigHasProtocol(cfg, STZ_PROTO_THERMAL_CYCLING)) PetscCall(PetscMalloc3(N, &el->ds[0], N, &el->ds[1], N, &el->ds[2])); /* the FE's site stresses */
  } break;
  case STZ_ENGINE_FACTOR:
    PetscCall(PetscMalloc3(N, &el->ds[0], N, &el->ds[1], N, &el->ds[2]));
    break;
  default:
    break;
  }
  if (cfg->engine == STZ_ENGINE_KERNEL || cfg->engine == STZ_ENGINE_SLAB_KERNEL || (cfg->engine == STZ_ENGINE_CUT_KERNEL && !StzConfigHasProtocol(cfg, STZ_PROTO_THERMAL_CYCLING))) {
    /* The kernels are all these engines need: free the factorisation and the element arrays. */
    PetscCall(StzFEDestroy(&el->fe));
    PetscCall(PetscFree2(el->eig, el->estress));
  }
  *out = el;
  PetscFunctionReturn(0);
}

PetscErrorCode StzElasticEvent(StzElastic el, PetscInt site, PetscInt orient, PetscInt sense, const PetscReal eig[3])
{
  const PetscInt N = el->N, ey = site / el->nx;
  PetscReal     *s[3] = {el->s1, el->s2, el->sp};

  PetscFunctionBeginUser;
  switch (el->type) {
  case STZ_ENGINE_KERNEL: /* the pass adds the shifted kernel */
    break;
  case STZ_ENGINE_SLAB_KERNEL:
  case STZ_ENGINE_CUT_KERNEL: { /* point the pass at the source row's (block: the source site's) kernels; the pass adds them */
    const PetscInt src = el->per_site ? site : ey;
    for (PetscInt k = 0; k < el->n_orient; k++)
      for (int c = 0; c < 3; c++) el->kern[k][c] = el->slab[k][c] + src * N;
    if (el->sdil[0])
      for (int c = 0; c < 3; c++) el->kdil[c] = el->sdil[c] + src * N;
    if (el->type == STZ_ENGINE_CUT_KERNEL) StzElasticCutCorrect(el, site, eig); /* the block's sides; the pass adds the slab's part */
  } break;
  case STZ_ENGINE_FACTOR: /* one back-substitution for this event's eigenstrain; superpose its site stresses */
    PetscCall(StzElasticEventResponse(el, site, eig, el->ds));
    for (int c = 0; c < 3; c++)
      for (PetscInt i = 0; i < N; i++) s[c][i] += el->ds[c][i];
    break;
  default: { /* resolve: the whole problem again, with every eigenstrain so far and the edge loads */
    const PetscInt se = el->site_elems, nex = el->nx * se, sx = site % el->nx, sy = site / el->nx;
    StzMacroLoad   zero_stress = {{1, 1, 1}, {0, 0, 0}};
    for (PetscInt b = 0; b < se; b++)
      for (PetscInt a = 0; a < se; a++)
        for (int c = 0; c < 3; c++) el->eig[3 * ((sy * se + b) * nex + sx * se + a) + c] += eig[c];
    PetscCall(StzFESolve(el->fe, el->eig, el->body ? NULL : &zero_stress, el->estress, NULL, NULL));
    StzElementToSiteStress(el->nx, el->ny, se, el->estress, s);
    if (!el->body)
      for (int c = 0; c < 3; c++) {
        PetscReal mean = 0;
        for (PetscInt i = 0; i < N; i++) mean += s[c][i];
        for (PetscInt i = 0; i < N; i++) s[c][i] -= mean / N;
      }
  } break;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode StzElasticIsotropicStrain(StzElastic el, const PetscReal d[])
{
  const PetscInt nx = el->nx, ny = el->ny, N = el->N, se = el->site_elems, nex = nx * se;
  PetscReal     *s[3] = {el->s1, el->s2, el->sp};

  PetscFunctionBeginUser;
  switch (el->type) {
  case STZ_ENGINE_KERNEL:
    PetscCheck(el->kiso[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "thermal strains need the isotropic kernel (protocol thermal-cycling, or a sequence with it)");
    /* Direct convolution, O(N^2) per temperature step: exact, and a handful of steps per cycle. */
#pragma omp parallel for schedule(static)
    for (PetscInt y = 0; y < ny; y++) {
      for (PetscInt j = 0; j < N; j++) {
        const PetscInt jx = j % nx, jy = j / nx, ky = (y - jy + ny) % ny;
        for (PetscInt x = 0; x < nx; x++) {
          const PetscInt k = ky * nx + (x - jx + nx) % nx;
          for (int c = 0; c < 3; c++) s[c][y * nx + x] += d[j] * el->kiso[c][k];
        }
      }
    }
    break;
  case STZ_ENGINE_SLAB_KERNEL:
    PetscCheck(el->siso[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "thermal strains need the isotropic kernels (protocol thermal-cycling, or a sequence with it)");
    /* Direct superposition of each source's response (a slab's source row rotated and shifted in x, a block's source site in
     * natural order), O(N^2) per temperature step; each thread owns its target rows. */
#pragma omp parallel for schedule(static)
    for (PetscInt y = 0; y < ny; y++) {
      for (PetscInt j = 0; j < N; j++) {
        const PetscInt jx = j % nx, jy = j / nx, base = el->per_site ? j * N + y * nx : jy * N + ((y - jy + ny) % ny) * nx;
        if (d[j] == 0) continue;
        for (PetscInt x = 0; x < nx; x++) {
          const PetscInt k = base + (el->per_site ? x : (x - jx + nx) % nx);
          for (int c = 0; c < 3; c++) s[c][y * nx + x] += d[j] * el->siso[c][k];
        }
      }
    }
    break;
  case STZ_ENGINE_FACTOR:
  case STZ_ENGINE_CUT_KERNEL: /* the block's FE, kept for thermal strains: one solve of the increment, as factor */
  case STZ_ENGINE_RESOLVE: {
    /* factor: el->eig is zero between events, so it holds the increment alone, and its response is superposed (then cleared);
     * resolve: it holds every eigenstrain so far, and the whole field is solved again. */
    const PetscBool resolve = el->type == STZ_ENGINE_RESOLVE;
    PetscReal      *out[3]  = {el->ds[0], el->ds[1], el->ds[2]};
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt b = 0; b < se; b++)
        for (PetscInt a = 0; a < se; a++) {
          const PetscInt e = ((i / nx) * se + b) * nex + (i % nx) * se + a;
          el->eig[3 * e] += d[i];
          el->eig[3 * e + 1] += d[i];
        }
    if (resolve) {
      StzMacroLoad zero_stress = {{1, 1, 1}, {0, 0, 0}};
      PetscCall(StzFESolve(el->fe, el->eig, el->body ? NULL : &zero_stress, el->estress, NULL, NULL));
      for (int c = 0; c < 3; c++) out[c] = s[c];
    } else {
      PetscCall(StzFESolveEigenstrain(el->fe, el->eig, el->estress));
      for (PetscInt e = 0; e < 3 * N * se * se; e++) el->eig[e] = 0;
    }
    StzElementToSiteStress(nx, ny, se, el->estress, out);
    for (int c = 0; c < 3; c++) {
      PetscReal mean = 0;
      if (!el->body) { /* a periodic box's site stresses have zero mean (the mean stress is the load's) */
        for (PetscInt i = 0; i < N; i++) mean += out[c][i];
        mean /= N;
        for (PetscInt i = 0; i < N; i++) out[c][i] -= mean;
      }
      if (!resolve)
        for (PetscInt i = 0; i < N; i++) s[c][i] += out[c][i];
    }
  } break;
  default:
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "thermal strains are implemented for -stz_engine kernel, slab-kernel, cut-kernel, factor and resolve, not %s", StzEngineNames[el->type]);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode StzElasticDestroy(StzElastic *el)
{
  PetscFunctionBeginUser;
  if (!*el) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < STZ_MAX_ORIENT; k++) {
    if ((*el)->type == STZ_ENGINE_KERNEL && (*el)->kern[k][0]) PetscCall(PetscFree3((*el)->kern[k][0], (*el)->kern[k][1], (*el)->kern[k][2]));
    if ((*el)->slab[k][0]) PetscCall(PetscFree3((*el)->slab[k][0], (*el)->slab[k][1], (*el)->slab[k][2]));
  }
  if ((*el)->type == STZ_ENGINE_KERNEL && (*el)->kdil[0]) PetscCall(PetscFree3((*el)->kdil[0], (*el)->kdil[1], (*el)->kdil[2]));
  if ((*el)->sdil[0]) PetscCall(PetscFree3((*el)->sdil[0], (*el)->sdil[1], (*el)->sdil[2]));
  if ((*el)->kiso[0]) PetscCall(PetscFree3((*el)->kiso[0], (*el)->kiso[1], (*el)->kiso[2]));
  if ((*el)->siso[0]) PetscCall(PetscFree3((*el)->siso[0], (*el)->siso[1], (*el)->siso[2]));
  if ((*el)->ds[0]) PetscCall(PetscFree3((*el)->ds[0], (*el)->ds[1], (*el)->ds[2]));
  PetscCall(PetscFree((*el)->cut_D));
  PetscCall(PetscFree((*el)->cut_dF));
  PetscCall(PetscFree((*el)->cut_ref));
  PetscCall(PetscFree((*el)->cut_active));
  PetscCall(PetscFree2((*el)->cut_w, (*el)->cut_idx));
  PetscCall(PetscFree3((*el)->s1, (*el)->s2, (*el)->sp));
  PetscCall(PetscFree2((*el)->eig, (*el)->estress));
  PetscCall(StzFEDestroy(&(*el)->fe));
  PetscCall(PetscFree(*el));
  PetscFunctionReturn(0);
}
