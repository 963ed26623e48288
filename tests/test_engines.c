/* Stress engines are interchangeable: elasticity is linear, so every engine must give the same stress field for the same events,
 * and therefore (the rates being a function of the stresses) the same event sequence from the same seed.
 * The three geometries use one element per site to keep the FE engines quick (the sequence check is algebra, not resolution);
 * the last check below uses the default 2 x 2.
 *  - 64 x 64 periodic box: kernel, slab-kernel, factor and resolve fire the same 1000 events (site and class, event by
 *    event), and their site stresses agree with each other and with an FE solve of all accumulated eigenstrains to 1e-8.
 *  - 32 x 32 free-surface block (bottom fixed, top under a uniform compressive and shear traction, x edges free): slab-kernel
 *    (kernels per source site), factor and resolve, the same checks; the stress now includes the edge load, so the FE reference
 *    carries the edge conditions.
 *  - 32 x 32 slab (periodic x, bottom fixed, top free under shear traction): slab-kernel, factor and resolve, the same checks.
 *  - 16 x 24 slab and block with a roller top and dilatation: slab-kernel and factor stresses equal the FE solve after 300
 *    events; so do the kernel engine's in a 16 x 24 periodic box with dilatation, where flips and their reversals give events
 *    of dilatation +eps_v and -eps_v (model.md 3), so that sites hold less than eps_v per activation. (Errors are relative to
 *    the largest site stress but at least mu gamma0: with reversals the field can cancel back to zero.)
 * Runs are at 600 K with a 0.1 barrier spread so that many different sites fire, not one flickering site. */
#include <stzdyn/stzdyn.h>
#include "check.h"
#include <string.h>

#define NEV 1000

typedef struct {
  PetscInt   site[NEV], cls[NEV];
  PetscReal *stress;   /* 3 per site */
  PetscReal  verify;   /* StzSimVerifyStress */
  PetscInt   distinct; /* distinct sites that fired */
} Trace;

static PetscErrorCode RunEngine(const char *base, const char *engine, const char *extra, Trace *t)
{
  StzSim          sim;
  PetscInt        nx, ny;
  const PetscInt *count;
  char            opt[1024];

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscSNPrintf(opt, sizeof(opt),
                          "-stz_quiet -stz_progress_s 0 -stz_output_dir test-output/stzdyn-test-engines -stz_protocol pure-shear -stz_temperature_k 600 -stz_structure false -stz_flicker_limit 0 %s "
                          "-stz_engine %s %s",
                          base, engine, extra));
  PetscCall(PetscOptionsInsertString(NULL, opt));
  PetscCall(StzSimCreate(PETSC_COMM_WORLD, &sim));
  for (PetscInt n = 0; n < NEV; n++) {
    PetscCall(StzSimRunEvents(sim, 1, NULL));
    PetscCall(StzSimGetLastEvent(sim, &t->site[n], &t->cls[n]));
  }
  PetscCall(StzSimGetSites(sim, &nx, &ny, NULL, NULL, &count));
  PetscCall(PetscMalloc1(3 * nx * ny, &t->stress));
  PetscCall(StzSimGetSites(sim, NULL, NULL, t->stress, NULL, NULL));
  t->distinct = 0;
  for (PetscInt i = 0; i < nx * ny; i++) t->distinct += count[i] > 0;
  PetscCall(StzSimVerifyStress(sim, &t->verify));
  PetscCall(StzSimDestroy(&sim));
  PetscFunctionReturn(0);
}

/* Run every engine on one geometry; compare each with the first. */
static PetscErrorCode CompareEngines(const char *label, const char *base, PetscInt N, PetscInt n_eng, const char *const engines[], const char *resolve_opts)
{
  Trace t[4];

  PetscFunctionBeginUser;
  for (PetscInt e = 0; e < n_eng; e++) {
    PetscLogDouble t0, t1;
    PetscCall(PetscTime(&t0));
    PetscCall(RunEngine(base, engines[e], strcmp(engines[e], "resolve") ? "" : resolve_opts, &t[e]));
    PetscCall(PetscTime(&t1));
    STZ_CHECK(t[e].verify <= 1e-8, "%s, %s engine%s%s: site stresses after %d events equal an FE solve of all accumulated eigenstrains, max relative difference %.2e (<= 1e-8; %.1f s)", label,
              engines[e], strcmp(engines[e], "resolve") || !resolve_opts[0] ? "" : " ", strcmp(engines[e], "resolve") ? "" : resolve_opts, NEV, (double)t[e].verify, (double)(t1 - t0));
  }
  STZ_CHECK(t[0].distinct >= 20, "%s: the %d events touch %d distinct sites (>= 20, so the sequence is a real test)", label, NEV, (int)t[0].distinct);
  for (PetscInt e = 1; e < n_eng; e++) {
    PetscInt  first = -1;
    PetscReal diff = 0, scale = 0;
    for (PetscInt n = NEV - 1; n >= 0; n--)
      if (t[e].site[n] != t[0].site[n] || t[e].cls[n] != t[0].cls[n]) first = n;
    STZ_CHECK(first < 0, "%s: %s and %s engines fire the same %d events (site and class), first difference at event %d", label, engines[0], engines[e], NEV, (int)first);
    for (PetscInt i = 0; i < 3 * N; i++) {
      diff  = PetscMax(diff, PetscAbsReal(t[e].stress[i] - t[0].stress[i]));
      scale = PetscMax(scale, PetscAbsReal(t[0].stress[i]));
    }
    STZ_CHECK(diff <= 1e-8 * scale, "%s: %s and %s engines give the same site stresses, max difference %.2e of %.2e Pa (1e-8 relative)", label, engines[0], engines[e], (double)diff, (double)scale);
  }
  for (PetscInt e = 0; e < n_eng; e++) PetscCall(PetscFree(t[e].stress));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const char *const box[]   = {"kernel", "slab-kernel", "factor", "resolve"};
  const char *const slab[]  = {"slab-kernel", "factor", "resolve"};
  const char *const block[] = {"slab-kernel", "cut-kernel", "factor", "resolve"};

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  /* The iterative resolve (CG + GAMG) is the slowest engine, so it runs its 1000 events on the smallest problem, the block; on the
   * box and the slab the re-solve uses a direct factorisation (still a full solve of every accumulated eigenstrain per event). */
  PetscCall(CompareEngines("64 x 64 periodic box (1 element per site)", "-stz_nx 64 -stz_ny 64 -stz_site_elems 1", 64 * 64, 4, box,
                           "-elas_ksp_type preonly -elas_pc_type cholesky -elas_pc_factor_mat_solver_type petsc -elas_pc_factor_mat_ordering_type nd"));
  PetscCall(CompareEngines("32 x 32 block (1 element per site), bottom fixed, top traction (2e8, -5e8) Pa, x edges free",
                           "-stz_nx 32 -stz_ny 32 -stz_site_elems 1 -stz_geometry block -stz_bc_bottom fixed -stz_bc_top traction -stz_bc_top_value 2e8,-5e8", 32 * 32, 4, block, ""));
  /* A long strip: the cut-kernel engine drops the side correction of events far from both sides (below 1e-13 of the largest
   * force across a line), which the 32 x 32 block never does; 2 elements per site, so the cut runs between elements too. */
  {
    const char *const strip[] = {"cut-kernel", "slab-kernel", "factor"};
    PetscCall(CompareEngines("192 x 4 strip (2 elements per site), bottom roller, top traction (1e8, -6e8) Pa, x edges free",
                             "-stz_nx 192 -stz_ny 4 -stz_geometry block -stz_bc_bottom roller -stz_bc_top traction -stz_bc_top_value 1e8,-6e8", 192 * 4, 3, strip, ""));
  }
  PetscCall(CompareEngines("32 x 32 slab (1 element per site), bottom fixed, top traction (3e8, 0) Pa",
                           "-stz_nx 32 -stz_ny 32 -stz_site_elems 1 -stz_geometry slab -stz_bc_bottom fixed -stz_bc_top traction -stz_bc_top_value 3e8,0", 32 * 32, 3, slab,
                           "-elas_ksp_type preonly -elas_pc_type cholesky -elas_pc_factor_mat_solver_type petsc -elas_pc_factor_mat_ordering_type nd"));
  /* Dilatation (a third kernel mode per source row), a roller top edge and a non-square slab: the superposed stresses still
   * equal the FE solve. */
  {
    const char *const eng[] = {"slab-kernel", "factor", "slab-kernel", "factor", "kernel", "cut-kernel"};
    /* e = 4: the periodic box's kernel engine, whose pass adds the dilatation and pressure kernels (mirrored rows too). Events
     * carry dilatations other than eps_v (a reversal takes it back: model.md 3), which every engine must scale alike. */
    for (int e = 0; e < 6; e++) {
      StzSim    sim;
      PetscReal err;
      char      opt[512];
      PetscCall(PetscOptionsClear(NULL));
      PetscCall(PetscSNPrintf(opt, sizeof(opt),
                              "-stz_quiet -stz_progress_s 0 -stz_protocol pure-shear -stz_temperature_k 600 -stz_structure false -stz_flicker_limit 0 -stz_nx 16 -stz_ny 24 -stz_dilatation 0.01 %s",
                              e != 4 ? "-stz_bc_top roller -stz_bc_top_value -1e-11" : "-stz_engine kernel"));
      if (e != 4) PetscCall(PetscOptionsSetValue(NULL, "-stz_geometry", e < 2 ? "slab" : "block"));
      if (e != 4) PetscCall(PetscOptionsSetValue(NULL, "-stz_engine", eng[e]));
      PetscCall(PetscOptionsInsertString(NULL, opt));
      PetscCall(StzSimCreate(PETSC_COMM_WORLD, &sim));
      PetscCall(StzSimRunEvents(sim, 300, NULL));
      PetscCall(StzSimVerifyStress(sim, &err));
      STZ_CHECK(err <= 1e-8, "16 x 24 %s, dilatation 0.01, %s engine: 300 events, stresses equal an FE solve to %.2e (<= 1e-8)",
                e < 2 ? "slab, roller top pressed down 1e-11 m" : (e != 4 ? "block, roller top pressed down 1e-11 m" : "periodic box"), eng[e], (double)err);
      if (e == 4) {
        const PetscReal *eps;
        const PetscInt  *count;
        PetscInt         nx, ny, less = 0;
        PetscCall(StzSimGetSites(sim, &nx, &ny, NULL, &eps, &count));
        for (PetscInt i = 0; i < nx * ny; i++) /* dilatation in units of eps_v below the number of activations */
          if (count[i] > 0 && (eps[3 * i] + eps[3 * i + 1]) / 0.01 < count[i] - 0.5) less++;
        STZ_CHECK(less > 0, "and %d sites hold less dilatation than eps_v per activation: events that take dilatation back were applied", (int)less);
      }
      PetscCall(StzSimDestroy(&sim));
    }
  }
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
