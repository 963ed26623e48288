/* Linear-elastic plane-strain finite elements (Q1) on a structured mesh, loaded by a per-element eigenstrain field.
 *
 * Two kinds of body:
 *  - a fully periodic box, loaded by a macroscopic strain or stress (per component), and
 *  - a rectangle whose four edges are each periodic (paired), free, fixed, on rollers, given a displacement or a traction.
 * The stiffness is assembled and factored (or preconditioned) once; every solve reuses it. Solver options take the prefix
 * `-elas_` (default: direct Cholesky with MUMPS). Tensor components are ordered (xx, yy, xy) with tensor (not engineering)
 * shear strain; arrays over elements are indexed e = j * nex + i with i along x.
 */
#ifndef STZDYN_FE_H
#define STZDYN_FE_H

#include <petscsys.h>

typedef struct StzFE_private *StzFE;

typedef enum { STZ_EDGE_LEFT, STZ_EDGE_RIGHT, STZ_EDGE_BOTTOM, STZ_EDGE_TOP } StzEdge;

typedef enum {
  STZ_BC_PERIODIC,     /* must be paired with the opposite edge */
  STZ_BC_FREE,         /* zero traction */
  STZ_BC_FIXED,        /* zero displacement */
  STZ_BC_ROLLER,       /* normal displacement prescribed (value[0], m), tangential free: a frictionless platen */
  STZ_BC_DISPLACEMENT, /* displacement (value[0], value[1]) in m, uniform along the edge */
  STZ_BC_TRACTION      /* traction (value[0], value[1]) in Pa, uniform along the edge */
} StzBCType;

/* Names for options and messages: "periodic", "free", "fixed", "roller", "displacement", "traction". */
extern const char *const StzBCTypes[];
extern const char *const StzEdgeNames[];

typedef struct {
  PetscInt  nex, ney;       /* elements along x and y */
  PetscReal element_size_m; /* square elements of this side */
  PetscReal mu_pa, nu;      /* uniform isotropic moduli */
  StzBCType bc[4];          /* indexed by StzEdge */
  PetscReal bc_value[4][2]; /* see StzBCType */
} StzFEGeometry;

/* Macroscopic load of a fully periodic box, per tensor component (xx, yy, xy): control[c] = 0 prescribes the mean strain
 * value[c], control[c] = 1 the mean stress value[c] (Pa). */
typedef struct {
  PetscInt  control[3];
  PetscReal value[3];
} StzMacroLoad;

/* Create the solver on `comm` (the mesh is distributed over its ranks), assemble K, and set up its factorisation.
 * Geometry errors (unpaired periodic edges, sizes < 2, nu outside (-1, 0.5)) are PETSC_ERR_USER_INPUT naming the value. */
PetscErrorCode StzFECreate(MPI_Comm comm, const StzFEGeometry *geom, StzFE *fe);

/* Default solver of StzFECreateWithSolver (the -elas_ options override either):
 *   STZ_FE_DIRECT    Cholesky factorisation (MUMPS), computed once; every solve is one back-substitution;
 *   STZ_FE_ITERATIVE conjugate gradients with algebraic multigrid (GAMG), each solve warm-started from the previous solution
 *                    and converged to 1e-10 of its initial residual. */
typedef enum { STZ_FE_DIRECT, STZ_FE_ITERATIVE } StzFESolverKind;
PetscErrorCode StzFECreateWithSolver(MPI_Comm comm, const StzFEGeometry *geom, StzFESolverKind kind, StzFE *fe);
PetscErrorCode StzFEDestroy(StzFE *fe);

/* Solve for the stress caused by eigenstrain `eig` (3 per element, tensor components; NULL means zero) under the body's
 * boundary conditions and, for a periodic box, the macroscopic load `load` (NULL: zero mean strain).
 * Outputs (each may be NULL; identical on every rank):
 *   stress[3*e]   element-average stress (Pa),
 *   macro_strain  mean strain of the box (periodic box; for a body, the mean of the element strains),
 *   energy_j_per_m elastic energy per unit depth, 1/2 int (eps - eps*) : C : (eps - eps*) dA, exact for Q1 (2x2 Gauss). */
PetscErrorCode StzFESolve(StzFE fe, const PetscReal eig[], const StzMacroLoad *load, PetscReal stress[], PetscReal macro_strain[3], PetscReal *energy_j_per_m);

/* Stress of the eigenstrain `eig` alone (3 per element, NULL: zero) with homogeneous boundary data: zero tractions, zero
 * prescribed displacements and, for a periodic box, zero mean stress. By linearity the stress of StzFESolve is this plus the
 * response to the boundary data (or macroscopic load) alone. stress[3*e] as in StzFESolve (identical on every rank). */
PetscErrorCode StzFESolveEigenstrain(StzFE fe, const PetscReal eig[], PetscReal stress[]);
/* The same for n eigenstrain fields at once (eig[k], stress[k] as above), in one call to the solver (a direct solver treats the
 * right-hand sides together, which is much faster per field than n calls). */
PetscErrorCode StzFESolveEigenstrainBatch(StzFE fe, PetscInt n, const PetscReal *const eig[], PetscReal *const stress[]);

/* The same, also returning the nodal forces across vertical grid lines, for a mesh periodic in x: lines[k] (NULL: not wanted)
 * receives, for each line x = l line_stride (l = 0 .. nex / line_stride - 1, in element widths), the forces (N per m of
 * depth) that the elements on the line's left exert on its nodes, lines[k][2 (l nn_y + j) + c] for node j = 0 .. ney and
 * component c (x, y): the internal forces, integral of B^T sigma over those elements. They are what a cut along the line
 * would have to apply to keep the two sides as they are. */
PetscErrorCode StzFESolveEigenstrainBatchLines(StzFE fe, PetscInt n, const PetscReal *const eig[], PetscReal *const stress[], PetscInt line_stride, PetscReal *const lines[]);

/* Stress of nodal forces on the nodes of the left and right edges of a body not periodic in x, with no eigenstrain and zero
 * prescribed displacements and edge tractions: fl[2 j + c], fr[2 j + c] (N per m of depth; NULL: none) on node j = 0 .. ney of
 * the left and the right edge, component c (x, y). A force on a constrained dof is taken by the support. stress[3 e] as in
 * StzFESolve. */
PetscErrorCode StzFESolveSideForces(StzFE fe, const PetscReal fl[], const PetscReal fr[], PetscReal stress[]);

/* Stress of nodal forces f on the nodes of the top edge, with the eigenstrain eig (3 per element, NULL: none) and zero
 * prescribed displacements and edge tractions: f[2 i], f[2 i + 1] are the x and y forces (N per m of depth) on node i of the
 * edge, i = 0 .. nodes - 1, nodes = nex (x periodic) or nex + 1. A body only. Outputs (NULL allowed; identical on every
 * rank): stress[3 e] as in StzFESolve, u_top[2 i] the displacement (m) of the top edge's node i. */
PetscErrorCode StzFESolveTopForces(StzFE fe, const PetscReal f[], const PetscReal eig[], PetscReal stress[], PetscReal u_top[]);

/* Number of solves done so far and the KSP iterations of the last one (0 for a direct solve). */
PetscErrorCode StzFEGetStats(StzFE fe, PetscInt *n_solves, PetscInt *last_iterations);

/* Mean-field algebra of the periodic box: given the load and the mean eigenstrain, the mean strain E and mean stress S
 * (S = C:(E - <eps*>)). Pure function. */
void StzMacroSolve(PetscReal mu_pa, PetscReal nu, const StzMacroLoad *load, const PetscReal mean_eig[3], PetscReal E[3], PetscReal S[3]);

/* Write the assembled stiffness (before boundary conditions) symmetric test: returns max |K - K^T| / max |K|. */
PetscErrorCode StzFEStiffnessAsymmetry(StzFE fe, PetscReal *rel_asym);

#endif
