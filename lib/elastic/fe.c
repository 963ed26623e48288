/* Plane-strain Q1 finite elements on a DMDA, loaded by element eigenstrains (see include/stzdyn/fe.h).
 *
 * Displacements live on the nodes of a DMDA with two dofs. A periodic direction has as many nodes as elements (the last
 * element wraps to node 0); a bounded direction has one more. In a periodic box the unknown is the periodic fluctuation u~
 * of u = E x + u~, so the macroscopic strain E enters only through the load vector, K never changes, and one factorisation
 * serves every solve. Rigid translations (and, for a wholly free body, the rotation) are removed by pinning nodes, which
 * changes no stress because every load here is self-equilibrated or balanced by Dirichlet edges.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include "../impl.h"
#include <dlfcn.h>
#ifdef _OPENMP
  #include <omp.h>
#endif
#include <petscdmda.h>
#include <petscksp.h>

const char *const StzBCTypes[]   = {"periodic", "free", "fixed", "roller", "displacement", "traction", NULL};
const char *const StzEdgeNames[] = {"left", "right", "bottom", "top", NULL};

typedef struct {
  PetscScalar ux, uy;
} StzNode;

/* A constrained dof owned by this rank: node (i, j), component c, prescribed value (m). */
typedef struct {
  PetscInt  i, j, c;
  PetscReal value;
} StzDirichlet;

struct StzFE_private {
  MPI_Comm      comm;
  StzFEGeometry g;
  PetscBool     periodic[2];
  PetscInt      nn[2]; /* nodes along x, y */
  DM            da;
  Mat           K; /* with Dirichlet rows and columns replaced by identity */
  KSP           ksp;
  Vec           u, b, f_fixed; /* f_fixed: traction loads minus the lifting K u_D of the Dirichlet values */
  StzDirichlet *bcs;
  PetscInt      n_bcs;
  PetscReal     C[3][3]; /* Voigt, engineering shear */
  PetscReal     Ke[8][8];
  PetscReal     Bgp[4][3][8]; /* strain-displacement at the 2x2 Gauss points (engineering shear) */
  PetscReal     Bbar[3][8];   /* int B dA over one element (per unit depth) */
  PetscReal     asym;         /* relative asymmetry of K before constraints */
  PetscReal     diag;         /* diagonal of the constrained rows */
  PetscInt      n_solves, last_its;
};

/* Isotropic plane-strain stiffness in Voigt form with engineering shear strain. */
static void StzVoigtStiffness(PetscReal mu, PetscReal nu, PetscReal C[3][3])
{
  const PetscReal lambda  = 2.0 * mu * nu / (1.0 - 2.0 * nu);
  PetscReal       c[3][3] = {{lambda + 2.0 * mu, lambda, 0.0}, {lambda, lambda + 2.0 * mu, 0.0}, {0.0, 0.0, mu}};
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) C[a][b] = c[a][b];
}

/* Q1 on a square of side h. Local node order: 0 (i,j), 1 (i+1,j), 2 (i+1,j+1), 3 (i,j+1); dofs 2a (x), 2a+1 (y). */
static void StzQ1StrainMatrix(PetscReal h, PetscReal xi, PetscReal eta, PetscReal B[3][8])
{
  const PetscReal xa[4] = {-1, 1, 1, -1}, ya[4] = {-1, -1, 1, 1};
  for (int a = 0; a < 4; a++) {
    const PetscReal dx = 0.25 * xa[a] * (1 + eta * ya[a]) * 2.0 / h;
    const PetscReal dy = 0.25 * ya[a] * (1 + xi * xa[a]) * 2.0 / h;
    B[0][2 * a] = dx, B[0][2 * a + 1] = 0;
    B[1][2 * a] = 0, B[1][2 * a + 1] = dy;
    B[2][2 * a] = dy, B[2][2 * a + 1] = dx;
  }
}

static void StzFEElementSetup(StzFE fe)
{
  const PetscReal h = fe->g.element_size_m, gp = 1.0 / PetscSqrtReal(3.0), w = 0.25 * h * h; /* weight 1 x det J */
  const PetscReal pts[4][2] = {{-gp, -gp}, {gp, -gp}, {gp, gp}, {-gp, gp}};
  StzVoigtStiffness(fe->g.mu_pa, fe->g.nu, fe->C);
  for (int a = 0; a < 8; a++) {
    for (int b = 0; b < 8; b++) fe->Ke[a][b] = 0;
    for (int r = 0; r < 3; r++) fe->Bbar[r][a] = 0;
  }
  for (int q = 0; q < 4; q++) {
    PetscReal(*B)[8] = fe->Bgp[q];
    StzQ1StrainMatrix(h, pts[q][0], pts[q][1], B);
    for (int r = 0; r < 3; r++)
      for (int a = 0; a < 8; a++) fe->Bbar[r][a] += w * B[r][a];
    for (int a = 0; a < 8; a++)
      for (int b = 0; b < 8; b++) {
        PetscReal s = 0;
        for (int r = 0; r < 3; r++)
          for (int t = 0; t < 3; t++) s += B[r][a] * fe->C[r][t] * B[t][b];
        fe->Ke[a][b] += w * s;
      }
  }
}

static void StzElementStencil(PetscInt i, PetscInt j, MatStencil st[8])
{
  const PetscInt di[4] = {0, 1, 1, 0}, dj[4] = {0, 0, 1, 1};
  for (int a = 0; a < 4; a++)
    for (int c = 0; c < 2; c++) {
      st[2 * a + c].i = i + di[a];
      st[2 * a + c].j = j + dj[a];
      st[2 * a + c].k = 0;
      st[2 * a + c].c = c;
    }
}

/* Does the owned node (i, j) anchor an element (as its lower-left node)? */
static inline PetscBool StzFEHasElement(StzFE fe, PetscInt i, PetscInt j)
{
  return (PetscBool)((fe->periodic[0] || i < fe->nn[0] - 1) && (fe->periodic[1] || j < fe->nn[1] - 1));
}

static PetscErrorCode StzFECheckGeometry(MPI_Comm comm, const StzFEGeometry *g)
{
  PetscFunctionBeginUser;
  PetscCheck(g->nex >= 4 && g->ney >= 4, comm, PETSC_ERR_USER_INPUT, "mesh of %" PetscInt_FMT " x %" PetscInt_FMT " elements: need at least 4 x 4", g->nex, g->ney);
  PetscCheck(g->element_size_m > 0, comm, PETSC_ERR_USER_INPUT, "element size %g m: must be > 0", (double)g->element_size_m);
  PetscCheck(g->mu_pa > 0, comm, PETSC_ERR_USER_INPUT, "shear modulus %g Pa: must be > 0", (double)g->mu_pa);
  PetscCheck(g->nu > -1.0 && g->nu < 0.5, comm, PETSC_ERR_USER_INPUT, "Poisson ratio %g: allowed -1 < nu < 0.5", (double)g->nu);
  for (int e = 0; e < 4; e++) {
    const int opp = e ^ 1;
    PetscCheck((g->bc[e] == STZ_BC_PERIODIC) == (g->bc[opp] == STZ_BC_PERIODIC), comm, PETSC_ERR_USER_INPUT, "%s edge is %s but %s edge is %s: periodic edges come in pairs", StzEdgeNames[e],
               StzBCTypes[g->bc[e]], StzEdgeNames[opp], StzBCTypes[g->bc[opp]]);
  }
  PetscFunctionReturn(0);
}

/* Collect this rank's Dirichlet dofs: edges that prescribe displacements, then pins for what nothing else constrains. */
static PetscErrorCode StzFECollectDirichlet(StzFE fe)
{
  PetscInt  xs, ys, xm, ym, cap, n = 0;
  PetscBool constrained[2] = {PETSC_FALSE, PETSC_FALSE}, any = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(DMDAGetCorners(fe->da, &xs, &ys, NULL, &xm, &ym, NULL));
  cap = 2 * (2 * xm + 2 * ym) + 4;
  PetscCall(PetscMalloc1(cap, &fe->bcs));
  for (int e = 0; e < 4; e++) {
    const StzBCType t      = fe->g.bc[e];
    const PetscInt  normal = (e == STZ_EDGE_LEFT || e == STZ_EDGE_RIGHT) ? 0 : 1;
    if (t == STZ_BC_FIXED || t == STZ_BC_DISPLACEMENT) constrained[0] = constrained[1] = any = PETSC_TRUE;
    if (t == STZ_BC_ROLLER) constrained[normal] = any = PETSC_TRUE;
  }
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      for (int e = 0; e < 4; e++) {
        const StzBCType t = fe->g.bc[e];
        PetscBool       on;
        if (t != STZ_BC_FIXED && t != STZ_BC_DISPLACEMENT && t != STZ_BC_ROLLER) continue;
        on = (PetscBool)((e == STZ_EDGE_LEFT && i == 0) || (e == STZ_EDGE_RIGHT && i == fe->nn[0] - 1) || (e == STZ_EDGE_BOTTOM && j == 0) || (e == STZ_EDGE_TOP && j == fe->nn[1] - 1));
        if (!on) continue;
        for (PetscInt c = 0; c < 2; c++) {
          PetscReal v;
          PetscBool dup = PETSC_FALSE;
          if (t == STZ_BC_ROLLER && c != ((e == STZ_EDGE_LEFT || e == STZ_EDGE_RIGHT) ? 0 : 1)) continue;
          v = t == STZ_BC_FIXED ? 0.0 : fe->g.bc_value[e][t == STZ_BC_ROLLER ? 0 : c];
          /* A corner shared by two constraining edges keeps the first edge's value (left/right before bottom/top). */
          for (PetscInt k = 0; k < n; k++)
            if (fe->bcs[k].i == i && fe->bcs[k].j == j && fe->bcs[k].c == c) dup = PETSC_TRUE;
          if (dup) continue;
          PetscCheck(n < cap, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Dirichlet list overflow");
          fe->bcs[n++] = (StzDirichlet){i, j, c, v};
        }
      }
      /* Pins at node (0, 0) remove rigid translations nothing else removes; a wholly free body also needs a rotation pin. */
      if (i == 0 && j == 0)
        for (PetscInt c = 0; c < 2; c++)
          if (!constrained[c]) fe->bcs[n++] = (StzDirichlet){i, j, c, 0.0};
      if (!any && !fe->periodic[0] && !fe->periodic[1] && i == fe->nn[0] - 1 && j == 0) fe->bcs[n++] = (StzDirichlet){i, j, 1, 0.0};
    }
  fe->n_bcs = n;
  PetscFunctionReturn(0);
}

/* Nodal forces of uniform tractions on TRACTION edges, added into the local (ghosted) array. */
static void StzFEAddTractions(StzFE fe, PetscInt xs, PetscInt ys, PetscInt xm, PetscInt ym, StzNode **f)
{
  const PetscReal h = fe->g.element_size_m;
  for (int e = 0; e < 4; e++) {
    const PetscBool vertical = (PetscBool)(e == STZ_EDGE_LEFT || e == STZ_EDGE_RIGHT);
    if (fe->g.bc[e] != STZ_BC_TRACTION) continue;
    /* Each element edge along the boundary gives half its force t h to each of its two nodes. */
    for (PetscInt j = ys; j < ys + ym; j++)
      for (PetscInt i = xs; i < xs + xm; i++) {
        const PetscBool on =
            (PetscBool)((e == STZ_EDGE_LEFT && i == 0) || (e == STZ_EDGE_RIGHT && i == fe->nn[0] - 1) || (e == STZ_EDGE_BOTTOM && j == 0) || (e == STZ_EDGE_TOP && j == fe->nn[1] - 1));
        if (!on) continue;
        if (vertical ? (fe->periodic[1] || j < fe->nn[1] - 1) : (fe->periodic[0] || i < fe->nn[0] - 1)) {
          const PetscInt i2 = vertical ? i : i + 1, j2 = vertical ? j + 1 : j;
          f[j][i].ux += 0.5 * h * fe->g.bc_value[e][0];
          f[j][i].uy += 0.5 * h * fe->g.bc_value[e][1];
          f[j2][i2].ux += 0.5 * h * fe->g.bc_value[e][0];
          f[j2][i2].uy += 0.5 * h * fe->g.bc_value[e][1];
        }
      }
  }
}

static PetscErrorCode StzFEAssemble(StzFE fe)
{
  PetscInt    xs, ys, xm, ym;
  MatStencil  st[8], *rows;
  Vec         ulift, flocal;
  StzNode   **a;
  PetscScalar Ke[64];
  PetscReal   nrm, nrm_asym;
  Mat         Kt;

  PetscFunctionBeginUser;
  for (int p = 0; p < 8; p++)
    for (int q = 0; q < 8; q++) Ke[p * 8 + q] = fe->Ke[p][q];
  PetscCall(DMCreateMatrix(fe->da, &fe->K));
  PetscCall(MatSetOption(fe->K, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
  PetscCall(DMDAGetCorners(fe->da, &xs, &ys, NULL, &xm, &ym, NULL));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      if (!StzFEHasElement(fe, i, j)) continue;
      StzElementStencil(i, j, st);
      PetscCall(MatSetValuesStencil(fe->K, 8, st, 8, st, Ke, ADD_VALUES));
    }
  PetscCall(MatAssemblyBegin(fe->K, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(fe->K, MAT_FINAL_ASSEMBLY));

  /* Symmetry of the assembled operator, measured before constraints touch it (a test reads it). */
  PetscCall(MatTranspose(fe->K, MAT_INITIAL_MATRIX, &Kt));
  PetscCall(MatAXPY(Kt, -1.0, fe->K, SAME_NONZERO_PATTERN));
  PetscCall(MatNorm(Kt, NORM_INFINITY, &nrm_asym));
  PetscCall(MatNorm(fe->K, NORM_INFINITY, &nrm));
  fe->asym = nrm_asym / nrm;
  PetscCall(MatDestroy(&Kt));

  /* Fixed part of the load: tractions minus K u_D (lifting of prescribed displacements), computed with the unconstrained K. */
  PetscCall(StzFECollectDirichlet(fe));
  PetscCall(DMCreateGlobalVector(fe->da, &fe->f_fixed));
  PetscCall(VecDuplicate(fe->f_fixed, &ulift));
  PetscCall(DMDAVecGetArray(fe->da, ulift, &a));
  for (PetscInt k = 0; k < fe->n_bcs; k++) {
    if (fe->bcs[k].c == 0) a[fe->bcs[k].j][fe->bcs[k].i].ux = fe->bcs[k].value;
    else a[fe->bcs[k].j][fe->bcs[k].i].uy = fe->bcs[k].value;
  }
  PetscCall(DMDAVecRestoreArray(fe->da, ulift, &a));
  PetscCall(MatMult(fe->K, ulift, fe->f_fixed));
  PetscCall(VecScale(fe->f_fixed, -1.0));
  PetscCall(VecDestroy(&ulift));
  PetscCall(DMGetLocalVector(fe->da, &flocal));
  PetscCall(VecZeroEntries(flocal));
  PetscCall(DMDAVecGetArray(fe->da, flocal, &a));
  StzFEAddTractions(fe, xs, ys, xm, ym, a);
  PetscCall(DMDAVecRestoreArray(fe->da, flocal, &a));
  PetscCall(DMLocalToGlobal(fe->da, flocal, ADD_VALUES, fe->f_fixed));
  PetscCall(DMRestoreLocalVector(fe->da, &flocal));

  /* Replace constrained rows and columns by a multiple d of the identity: K stays symmetric positive definite for Cholesky and
   * CG, and d = K's own diagonal scale keeps it well scaled for multigrid (a unit diagonal against entries ~ mu made GAMG-CG
   * diverge). The right-hand side of a constrained row is then d times the prescribed value. */
  PetscCall(PetscMalloc1(fe->n_bcs + 1, &rows));
  for (PetscInt k = 0; k < fe->n_bcs; k++) rows[k] = (MatStencil){.k = 0, .j = fe->bcs[k].j, .i = fe->bcs[k].i, .c = fe->bcs[k].c};
  fe->diag = fe->Ke[0][0];
  PetscCall(MatZeroRowsColumnsStencil(fe->K, fe->n_bcs, rows, fe->diag, NULL, NULL));
  PetscCall(PetscFree(rows));
  PetscCall(MatSetOption(fe->K, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(fe->K, MAT_SPD, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode StzFECreate(MPI_Comm comm, const StzFEGeometry *geom, StzFE *fe_out)
{
  PetscFunctionBeginUser;
  PetscCall(StzFECreateWithSolver(comm, geom, STZ_FE_DIRECT, fe_out));
  PetscFunctionReturn(0);
}

/* Threaded BLAS splits dense blocks by its thread count, which changes the last bits of a factorisation and of every
 * solve: Debian's OpenBLAS takes its count from OMP_NUM_THREADS, so the same seed gave series differing in the last digit
 * (and, over long runs, possibly a different event order) with 1 and 2 threads. The FE solves are a small part of a run,
 * so they use one BLAS thread. The symbol is looked up, not linked: another BLAS simply lacks it, and needs nothing. */
static void StzBlasSingleThread(void)
{
  void (*set)(int) = NULL;

  *(void **)&set = dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
  if (set) {
#ifdef _OPENMP
    /* OpenBLAS built on OpenMP (Debian's libopenblas0-openmp) sets OpenMP's own count here too: keep the kMC's threads
     * (that variant may then follow OpenMP's count again; scripts/setup installs the pthread one). */
    const int omp = omp_get_max_threads();
    set(1);
    omp_set_num_threads(omp);
#else
    set(1);
#endif
  }
}

PetscErrorCode StzFECreateWithSolver(MPI_Comm comm, const StzFEGeometry *geom, StzFESolverKind kind, StzFE *fe_out)
{
  StzFE     fe;
  PC        pc;
  PetscBool preonly;

  PetscFunctionBeginUser;
  StzBlasSingleThread();
  PetscCall(StzFECheckGeometry(comm, geom));
  PetscCall(PetscNew(&fe));
  fe->comm        = comm;
  fe->g           = *geom;
  fe->periodic[0] = (PetscBool)(geom->bc[STZ_EDGE_LEFT] == STZ_BC_PERIODIC);
  fe->periodic[1] = (PetscBool)(geom->bc[STZ_EDGE_BOTTOM] == STZ_BC_PERIODIC);
  fe->nn[0]       = geom->nex + (fe->periodic[0] ? 0 : 1);
  fe->nn[1]       = geom->ney + (fe->periodic[1] ? 0 : 1);
  StzFEElementSetup(fe);
  PetscCall(DMDACreate2d(comm, fe->periodic[0] ? DM_BOUNDARY_PERIODIC : DM_BOUNDARY_NONE, fe->periodic[1] ? DM_BOUNDARY_PERIODIC : DM_BOUNDARY_NONE, DMDA_STENCIL_BOX, fe->nn[0], fe->nn[1],
                         PETSC_DECIDE, PETSC_DECIDE, 2, 1, NULL, NULL, &fe->da));
  PetscCall(DMSetOptionsPrefix(fe->da, "elas_"));
  PetscCall(DMSetMatType(fe->da, MATAIJ));
  PetscCall(DMSetUp(fe->da));
  PetscCall(DMDASetFieldName(fe->da, 0, "ux"));
  PetscCall(DMDASetFieldName(fe->da, 1, "uy"));
  PetscCall(StzFEAssemble(fe));
  PetscCall(DMCreateGlobalVector(fe->da, &fe->u));
  PetscCall(VecDuplicate(fe->u, &fe->b));

  /* Direct: a Cholesky factorisation, computed once here and reused by every solve. Iterative: CG + GAMG, warm-started. */
  PetscCall(KSPCreate(comm, &fe->ksp));
  PetscCall(KSPSetOptionsPrefix(fe->ksp, "elas_"));
  PetscCall(KSPSetOperators(fe->ksp, fe->K, fe->K));
  PetscCall(KSPGetPC(fe->ksp, &pc));
  if (kind == STZ_FE_DIRECT) {
    PetscCall(KSPSetType(fe->ksp, KSPPREONLY));
    PetscCall(PCSetType(pc, PCCHOLESKY));
    PetscCall(PCFactorSetMatSolverType(pc, MATSOLVERMUMPS));
  } else {
    PetscCall(KSPSetType(fe->ksp, KSPCG));
    PetscCall(PCSetType(pc, PCGAMG));
    PetscCall(KSPSetInitialGuessNonzero(fe->ksp, PETSC_TRUE));
    if (!fe->periodic[0] && !fe->periodic[1]) {
      /* Rigid-body modes (two translations and the rotation) as GAMG's near null space; a periodic direction admits no rotation,
       * and the default (the block size's translations) serves it. */
      Vec          coords;
      MatNullSpace nsp;
      PetscCall(DMDASetUniformCoordinates(fe->da, 0, geom->element_size_m * geom->nex, 0, geom->element_size_m * geom->ney, 0, 0));
      PetscCall(DMGetCoordinates(fe->da, &coords));
      PetscCall(MatNullSpaceCreateRigidBody(coords, &nsp));
      PetscCall(MatSetNearNullSpace(fe->K, nsp));
      PetscCall(MatNullSpaceDestroy(&nsp));
    }
  }
  PetscCall(KSPSetTolerances(fe->ksp, 1e-12, 1e-30, PETSC_DEFAULT, 10000));
  if (kind == STZ_FE_ITERATIVE) {
    /* Warm-started: the tolerance is relative to the true initial residual (what the event changed, so errors do not build up
     * over events), and no divergence test
     * (the default compares with the preconditioned right-hand side, which a good initial guess can make look like divergence). */
    PetscCall(KSPSetTolerances(fe->ksp, 1e-10, 1e-30, PETSC_MAX_REAL, 10000));
    PetscCall(KSPConvergedDefaultSetUIRNorm(fe->ksp));
  }
  PetscCall(KSPSetFromOptions(fe->ksp));
  /* A warm start makes no sense for a direct solve (and PREONLY refuses it). */
  PetscCall(PetscObjectTypeCompare((PetscObject)fe->ksp, KSPPREONLY, &preonly));
  if (preonly) PetscCall(KSPSetInitialGuessNonzero(fe->ksp, PETSC_FALSE));
  PetscCall(KSPSetUp(fe->ksp));
  *fe_out = fe;
  PetscFunctionReturn(0);
}

PetscErrorCode StzFEDestroy(StzFE *fe)
{
  PetscFunctionBeginUser;
  if (!*fe) PetscFunctionReturn(0);
  PetscCall(KSPDestroy(&(*fe)->ksp));
  PetscCall(MatDestroy(&(*fe)->K));
  PetscCall(VecDestroy(&(*fe)->u));
  PetscCall(VecDestroy(&(*fe)->b));
  PetscCall(VecDestroy(&(*fe)->f_fixed));
  PetscCall(DMDestroy(&(*fe)->da));
  PetscCall(PetscFree((*fe)->bcs));
  PetscCall(PetscFree(*fe));
  PetscFunctionReturn(0);
}

void StzMacroSolve(PetscReal mu, PetscReal nu, const StzMacroLoad *load, const PetscReal m[3], PetscReal E[3], PetscReal S[3])
{
  const PetscReal lambda = 2.0 * mu * nu / (1.0 - 2.0 * nu), a = lambda + 2.0 * mu;
  PetscReal       d[3];
  StzMacroLoad    zero = {{0, 0, 0}, {0, 0, 0}};
  if (!load) load = &zero;
  /* d = E - <eps*> is the mean elastic strain; S = C d. Solve the mixed system component-wise. */
  if (load->control[2]) d[2] = load->value[2] / (2.0 * mu);
  else d[2] = load->value[2] - m[2];
  if (!load->control[0] && !load->control[1]) {
    d[0] = load->value[0] - m[0];
    d[1] = load->value[1] - m[1];
  } else if (load->control[0] && load->control[1]) {
    const PetscReal det = a * a - lambda * lambda;
    d[0]                = (a * load->value[0] - lambda * load->value[1]) / det;
    d[1]                = (a * load->value[1] - lambda * load->value[0]) / det;
  } else if (load->control[0]) {
    d[1] = load->value[1] - m[1];
    d[0] = (load->value[0] - lambda * d[1]) / a;
  } else {
    d[0] = load->value[0] - m[0];
    d[1] = (load->value[1] - lambda * d[0]) / a;
  }
  for (int c = 0; c < 3; c++) E[c] = d[c] + m[c];
  S[0] = a * d[0] + lambda * d[1];
  S[1] = lambda * d[0] + a * d[1];
  S[2] = 2.0 * mu * d[2];
}

/* Solve K u = b (fe->b into fe->u), failing with a message if the iterative solver did not converge. */
static PetscErrorCode StzFEKSPSolve(StzFE fe)
{
  KSPConvergedReason reason;

  PetscFunctionBeginUser;
  PetscCall(KSPSolve(fe->ksp, fe->b, fe->u));
  PetscCall(KSPGetConvergedReason(fe->ksp, &reason));
  PetscCheck(reason >= 0, fe->comm, PETSC_ERR_NOT_CONVERGED, "elastic solve did not converge (%s); try -elas_ksp_type preonly -elas_pc_type cholesky", KSPConvergedReasons[reason]);
  PetscCall(KSPGetIterationNumber(fe->ksp, &fe->last_its));
  fe->n_solves++;
  PetscFunctionReturn(0);
}

/* StzFESolve and StzFESolveEigenstrain: with `homogeneous`, no boundary data (f_fixed and prescribed values are zero).
 * Batched solves split the work: with b_out, only build the right-hand side into it; with u_in, skip the solve and evaluate
 * the stresses of the given displacement. */
static PetscErrorCode StzFESolveInternal(StzFE fe, const PetscReal eig[], const StzMacroLoad *load, PetscBool homogeneous, Vec b_out, Vec u_in, PetscReal stress[], PetscReal macro_strain[3],
                                         PetscReal *energy, PetscInt line_stride, PetscReal lines[])
{
  Vec             b = b_out ? b_out : fe->b, usol = u_in ? u_in : fe->u;
  const PetscInt  nel = fe->g.nex * fe->g.ney;
  PetscInt        xs, ys, xm, ym;
  PetscReal       E[3] = {0, 0, 0}, S[3], mean[3] = {0, 0, 0}, energy_local = 0, strain_sum[3] = {0, 0, 0};
  const PetscReal w = 0.25 * fe->g.element_size_m * fe->g.element_size_m;
  Vec             loc;
  StzNode       **a;
  const StzNode **u;
  PetscReal      *out = NULL, *lout = NULL;
  const PetscBool box    = (PetscBool)(fe->periodic[0] && fe->periodic[1]);
  const PetscInt  nlines = line_stride > 0 ? fe->g.nex / line_stride : 0, nline = 2 * fe->nn[1] * nlines;

  PetscFunctionBeginUser;
  PetscCheck(box || !load, fe->comm, PETSC_ERR_USER_INPUT, "a macroscopic load needs a fully periodic box; load this body through its edges");
  if (box) {
    if (eig)
      for (PetscInt e = 0; e < nel; e++)
        for (int c = 0; c < 3; c++) mean[c] += eig[3 * e + c];
    for (int c = 0; c < 3; c++) mean[c] /= nel;
    StzMacroSolve(fe->g.mu_pa, fe->g.nu, load, mean, E, S);
  }
  PetscCall(DMDAGetCorners(fe->da, &xs, &ys, NULL, &xm, &ym, NULL));

  /* Load: f = sum_e Bbar^T C (eps*_e - E) + f_fixed, then the prescribed values on constrained rows. */
  PetscCall(DMGetLocalVector(fe->da, &loc));
  if (u_in) goto solved;
  PetscCall(VecZeroEntries(loc));
  PetscCall(DMDAVecGetArray(fe->da, loc, &a));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      const PetscInt di[4] = {0, 1, 1, 0}, dj[4] = {0, 0, 1, 1};
      PetscReal      ev[3], sv[3];
      if (!StzFEHasElement(fe, i, j)) continue;
      {
        const PetscInt e = j * fe->g.nex + i;
        ev[0]            = (eig ? eig[3 * e + 0] : 0) - E[0];
        ev[1]            = (eig ? eig[3 * e + 1] : 0) - E[1];
        ev[2]            = 2.0 * ((eig ? eig[3 * e + 2] : 0) - E[2]);
      }
      if (ev[0] == 0 && ev[1] == 0 && ev[2] == 0) continue;
      for (int r = 0; r < 3; r++) sv[r] = fe->C[r][0] * ev[0] + fe->C[r][1] * ev[1] + fe->C[r][2] * ev[2];
      for (int n = 0; n < 4; n++) {
        StzNode *node = &a[j + dj[n]][i + di[n]];
        node->ux += fe->Bbar[0][2 * n] * sv[0] + fe->Bbar[1][2 * n] * sv[1] + fe->Bbar[2][2 * n] * sv[2];
        node->uy += fe->Bbar[0][2 * n + 1] * sv[0] + fe->Bbar[1][2 * n + 1] * sv[1] + fe->Bbar[2][2 * n + 1] * sv[2];
      }
    }
  PetscCall(DMDAVecRestoreArray(fe->da, loc, &a));
  if (homogeneous) PetscCall(VecZeroEntries(b));
  else PetscCall(VecCopy(fe->f_fixed, b));
  PetscCall(DMLocalToGlobal(fe->da, loc, ADD_VALUES, b));
  PetscCall(DMDAVecGetArray(fe->da, b, &a));
  for (PetscInt k = 0; k < fe->n_bcs; k++) {
    const PetscReal v = homogeneous ? 0.0 : fe->diag * fe->bcs[k].value;
    if (fe->bcs[k].c == 0) a[fe->bcs[k].j][fe->bcs[k].i].ux = v;
    else a[fe->bcs[k].j][fe->bcs[k].i].uy = v;
  }
  PetscCall(DMDAVecRestoreArray(fe->da, b, &a));
  if (b_out) {
    PetscCall(DMRestoreLocalVector(fe->da, &loc));
    PetscFunctionReturn(0);
  }

  PetscCall(StzFEKSPSolve(fe));

solved:
  /* Stresses and energy from the ghosted displacement. */
  PetscCall(DMGlobalToLocal(fe->da, usol, INSERT_VALUES, loc));
  PetscCall(DMDAVecGetArrayRead(fe->da, loc, &u));
  if (stress) {
    PetscCall(PetscCalloc1(3 * nel, &out));
  }
  if (lines) PetscCall(PetscCalloc1(nline, &lout));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      const PetscInt di[4] = {0, 1, 1, 0}, dj[4] = {0, 0, 1, 1}, e = j * fe->g.nex + i;
      PetscReal      ue[8], savg[3] = {0, 0, 0}, eavg[3] = {0, 0, 0}, ge[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      /* Does the element's right side lie on a line x = k line_stride (periodic in x): its forces on that line are wanted. */
      const PetscBool on_line = (PetscBool)(lout && ((i + 1) % fe->g.nex) % line_stride == 0);
      if (!StzFEHasElement(fe, i, j)) continue;
      for (int n = 0; n < 4; n++) {
        ue[2 * n]     = PetscRealPart(u[j + dj[n]][i + di[n]].ux);
        ue[2 * n + 1] = PetscRealPart(u[j + dj[n]][i + di[n]].uy);
      }
      for (int q = 0; q < 4; q++) {
        PetscReal el[3], s[3];
        for (int r = 0; r < 3; r++) {
          el[r] = 0;
          for (int p = 0; p < 8; p++) el[r] += fe->Bgp[q][r][p] * ue[p];
        }
        el[0] += E[0] - (eig ? eig[3 * e + 0] : 0);
        el[1] += E[1] - (eig ? eig[3 * e + 1] : 0);
        el[2] += 2.0 * (E[2] - (eig ? eig[3 * e + 2] : 0));
        for (int r = 0; r < 3; r++) s[r] = fe->C[r][0] * el[0] + fe->C[r][1] * el[1] + fe->C[r][2] * el[2];
        if (on_line)
          for (int p = 0; p < 8; p++) ge[p] += w * (fe->Bgp[q][0][p] * s[0] + fe->Bgp[q][1][p] * s[1] + fe->Bgp[q][2][p] * s[2]);
        energy_local += 0.5 * w * (s[0] * el[0] + s[1] * el[1] + s[2] * el[2]);
        for (int r = 0; r < 3; r++) savg[r] += 0.25 * s[r];
        eavg[0] += 0.25 * (el[0] + (eig ? eig[3 * e + 0] : 0));
        eavg[1] += 0.25 * (el[1] + (eig ? eig[3 * e + 1] : 0));
        eavg[2] += 0.25 * (0.5 * el[2] + (eig ? eig[3 * e + 2] : 0));
      }
      if (out)
        for (int r = 0; r < 3; r++) out[3 * e + r] = savg[r];
      if (on_line) { /* the element's nodes 1 (i + 1, j) and 2 (i + 1, j + 1) are on the line */
        PetscReal *L = lout + 2 * fe->nn[1] * (((i + 1) % fe->g.nex) / line_stride);
        for (int c = 0; c < 2; c++) L[2 * j + c] += ge[2 + c], L[2 * (j + 1) + c] += ge[4 + c];
      }
      for (int r = 0; r < 3; r++) strain_sum[r] += eavg[r];
    }
  PetscCall(DMDAVecRestoreArrayRead(fe->da, loc, &u));
  PetscCall(DMRestoreLocalVector(fe->da, &loc));
  if (out) {
    PetscCallMPI(MPI_Allreduce(out, stress, (PetscMPIInt)(3 * nel), MPIU_REAL, MPIU_SUM, fe->comm));
    PetscCall(PetscFree(out));
  }
  if (lout) {
    PetscCallMPI(MPI_Allreduce(lout, lines, (PetscMPIInt)nline, MPIU_REAL, MPIU_SUM, fe->comm));
    PetscCall(PetscFree(lout));
  }
  if (energy) PetscCallMPI(MPI_Allreduce(&energy_local, energy, 1, MPIU_REAL, MPIU_SUM, fe->comm));
  if (macro_strain) {
    if (box)
      for (int c = 0; c < 3; c++) macro_strain[c] = E[c];
    else {
      PetscCallMPI(MPI_Allreduce(strain_sum, macro_strain, 3, MPIU_REAL, MPIU_SUM, fe->comm));
      for (int c = 0; c < 3; c++) macro_strain[c] /= nel;
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode StzFESolve(StzFE fe, const PetscReal eig[], const StzMacroLoad *load, PetscReal stress[], PetscReal macro_strain[3], PetscReal *energy)
{
  PetscFunctionBeginUser;
  PetscCall(StzFESolveInternal(fe, eig, load, PETSC_FALSE, NULL, NULL, stress, macro_strain, energy, 0, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode StzFESolveEigenstrain(StzFE fe, const PetscReal eig[], PetscReal stress[])
{
  StzMacroLoad zero_stress = {{1, 1, 1}, {0, 0, 0}};

  PetscFunctionBeginUser;
  PetscCall(StzFESolveInternal(fe, eig, fe->periodic[0] && fe->periodic[1] ? &zero_stress : NULL, PETSC_TRUE, NULL, NULL, stress, NULL, NULL, 0, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode StzFESolveEigenstrainBatch(StzFE fe, PetscInt n, const PetscReal *const eig[], PetscReal *const stress[])
{
  PetscFunctionBeginUser;
  PetscCall(StzFESolveEigenstrainBatchLines(fe, n, eig, stress, 0, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode StzFESolveEigenstrainBatchLines(StzFE fe, PetscInt n, const PetscReal *const eig[], PetscReal *const stress[], PetscInt line_stride, PetscReal *const lines[])
{
  StzMacroLoad        zero_stress = {{1, 1, 1}, {0, 0, 0}};
  const StzMacroLoad *load        = fe->periodic[0] && fe->periodic[1] ? &zero_stress : NULL;
  PetscInt            nlocal, Nglobal;
  Mat                 B, X;

  PetscFunctionBeginUser;
  PetscCheck(!lines || (fe->periodic[0] && line_stride > 0 && fe->g.nex % line_stride == 0), fe->comm, PETSC_ERR_ARG_WRONG,
             "line forces need a mesh periodic in x and a stride (%d) dividing its %d elements", (int)line_stride, (int)fe->g.nex);
  PetscCall(VecGetLocalSize(fe->b, &nlocal));
  PetscCall(VecGetSize(fe->b, &Nglobal));
  PetscCall(MatCreateDense(fe->comm, nlocal, PETSC_DECIDE, Nglobal, n, NULL, &B));
  PetscCall(MatDuplicate(B, MAT_DO_NOT_COPY_VALUES, &X));
  for (PetscInt k = 0; k < n; k++) {
    Vec col;
    PetscCall(MatDenseGetColumnVecWrite(B, k, &col));
    PetscCall(StzFESolveInternal(fe, eig[k], load, PETSC_TRUE, col, NULL, NULL, NULL, NULL, 0, NULL));
    PetscCall(MatDenseRestoreColumnVecWrite(B, k, &col));
  }
  /* One call for all right-hand sides: a direct solver does them together (BLAS 3), others one by one. */
  PetscCall(KSPMatSolve(fe->ksp, B, X));
  fe->n_solves += n;
  for (PetscInt k = 0; k < n; k++) {
    Vec col;
    PetscCall(MatDenseGetColumnVecRead(X, k, &col));
    PetscCall(StzFESolveInternal(fe, eig[k], load, PETSC_TRUE, NULL, col, stress[k], NULL, NULL, line_stride, lines ? lines[k] : NULL));
    PetscCall(MatDenseRestoreColumnVecRead(X, k, &col));
  }
  PetscCall(MatDestroy(&B));
  PetscCall(MatDestroy(&X));
  PetscFunctionReturn(0);
}

PetscErrorCode StzFESolveTopForces(StzFE fe, const PetscReal f[], const PetscReal eig[], PetscReal stress[], PetscReal u_top[])
{
  PetscInt       xs, ys, xm, ym;
  const PetscInt jt = fe->nn[1] - 1;
  StzNode      **a;
  PetscReal     *ut = NULL;

  PetscFunctionBeginUser;
  PetscCheck(!fe->periodic[1], fe->comm, PETSC_ERR_USER_INPUT, "forces on the top edge need a body with a top edge (not periodic in y)");
  PetscCall(DMDAGetCorners(fe->da, &xs, &ys, NULL, &xm, &ym, NULL));
  /* The eigenstrains' load (homogeneous edge data), then the forces on top. */
  if (eig) PetscCall(StzFESolveInternal(fe, eig, NULL, PETSC_TRUE, fe->b, NULL, NULL, NULL, NULL, 0, NULL));
  else PetscCall(VecZeroEntries(fe->b));
  PetscCall(DMDAVecGetArray(fe->da, fe->b, &a));
  if (jt >= ys && jt < ys + ym)
    for (PetscInt i = xs; i < xs + xm; i++) {
      a[jt][i].ux += f[2 * i];
      a[jt][i].uy += f[2 * i + 1];
    }
  /* Homogeneous Dirichlet data: constrained rows take zero (a force on a constrained node is taken by the support). */
  for (PetscInt k = 0; k < fe->n_bcs; k++) {
    if (fe->bcs[k].c == 0) a[fe->bcs[k].j][fe->bcs[k].i].ux = 0;
    else a[fe->bcs[k].j][fe->bcs[k].i].uy = 0;
  }
  PetscCall(DMDAVecRestoreArray(fe->da, fe->b, &a));
  PetscCall(StzFEKSPSolve(fe));
  if (stress) PetscCall(StzFESolveInternal(fe, eig, NULL, PETSC_TRUE, NULL, fe->u, stress, NULL, NULL, 0, NULL));
  if (u_top) {
    const StzNode **u;
    PetscCall(PetscCalloc1(2 * fe->nn[0], &ut));
    PetscCall(DMDAVecGetArrayRead(fe->da, fe->u, &u));
    if (jt >= ys && jt < ys + ym)
      for (PetscInt i = xs; i < xs + xm; i++) {
        ut[2 * i]     = PetscRealPart(u[jt][i].ux);
        ut[2 * i + 1] = PetscRealPart(u[jt][i].uy);
      }
    PetscCall(DMDAVecRestoreArrayRead(fe->da, fe->u, &u));
    PetscCallMPI(MPI_Allreduce(ut, u_top, (PetscMPIInt)(2 * fe->nn[0]), MPIU_REAL, MPIU_SUM, fe->comm));
    PetscCall(PetscFree(ut));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode StzFESolveSideForces(StzFE fe, const PetscReal fl[], const PetscReal fr[], PetscReal stress[])
{
  PetscInt       xs, ys, xm, ym;
  const PetscInt ir = fe->nn[0] - 1;
  StzNode      **a;

  PetscFunctionBeginUser;
  PetscCheck(!fe->periodic[0], fe->comm, PETSC_ERR_USER_INPUT, "forces on the side edges need a body with side edges (not periodic in x)");
  PetscCall(DMDAGetCorners(fe->da, &xs, &ys, NULL, &xm, &ym, NULL));
  PetscCall(VecZeroEntries(fe->b));
  PetscCall(DMDAVecGetArray(fe->da, fe->b, &a));
  for (PetscInt j = ys; j < ys + ym; j++) {
    if (fl && xs == 0) a[j][0].ux += fl[2 * j], a[j][0].uy += fl[2 * j + 1];
    if (fr && ir >= xs && ir < xs + xm) a[j][ir].ux += fr[2 * j], a[j][ir].uy += fr[2 * j + 1];
  }
  /* Homogeneous Dirichlet data: constrained rows take zero (a force on a constrained node is taken by the support). */
  for (PetscInt k = 0; k < fe->n_bcs; k++) {
    if (fe->bcs[k].c == 0) a[fe->bcs[k].j][fe->bcs[k].i].ux = 0;
    else a[fe->bcs[k].j][fe->bcs[k].i].uy = 0;
  }
  PetscCall(DMDAVecRestoreArray(fe->da, fe->b, &a));
  PetscCall(StzFEKSPSolve(fe));
  PetscCall(StzFESolveInternal(fe, NULL, NULL, PETSC_TRUE, NULL, fe->u, stress, NULL, NULL, 0, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode StzFEGetStats(StzFE fe, PetscInt *n_solves, PetscInt *last_iterations)
{
  PetscFunctionBeginUser;
  if (n_solves) *n_solves = fe->n_solves;
  if (last_iterations) *last_iterations = fe->last_its;
  PetscFunctionReturn(0);
}

PetscErrorCode StzFEStiffnessAsymmetry(StzFE fe, PetscReal *rel_asym)
{
  PetscFunctionBeginUser;
  *rel_asym = fe->asym;
  PetscFunctionReturn(0);
}
