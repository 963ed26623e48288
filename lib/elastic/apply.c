/* Apply one event's stress change to an engine's site stresses, outside the kMC's fused pass (see impl.h).
 *
 * kernel  : add the orientation's kernel shifted to the event's site (and the dilatation kernel), the same sums lib/kmc.c does
 *           inside its rate pass.
 * slab-kernel : the same, with the kernels of the event's source row (StzElasticEvent points el->kern at them).
 * factor, resolve : StzElasticEvent adds the FE answer.
 */
#include "../impl.h"

static void StzElasticShiftKernel(StzElastic el, const StzEvent *ev)
{
  const PetscInt  nx = el->nx, ny = el->ny, ex = ev->site % nx, ey = ev->site / nx, ko = ev->orient;
  const PetscReal sg = (PetscReal)ev->sense;

/* Threads only for large lattices: below that the pass is too short to pay for the barrier (see lib/aqs.c). */
#pragma omp parallel for schedule(static) if (el->N >= 65536)
  for (PetscInt y = 0; y < ny; y++) {
    PetscReal *restrict r1 = el->s1 + y * nx, *restrict r2 = el->s2 + y * nx, *restrict rp = el->sp + y * nx;
    const PetscInt ky            = (y - ey + ny) % ny;
    const PetscReal *restrict k1 = el->kern[ko][0] + ky * nx, *restrict k2 = el->kern[ko][1] + ky * nx, *restrict kp = el->kern[ko][2] + ky * nx;
    /* Site x takes the kernel at x - ex (periodic): two contiguous segments, no modulo in the inner loops. */
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
        r1[x] += ev->dil * d1[kx]; /* the kernel is that of eps_v; the event's dilatation is ev->dil eps_v */
        r2[x] += ev->dil * d2[kx];
        rp[x] += ev->dil * dp[kx];
      }
    }
  }
}

PetscErrorCode StzElasticApplyEvent(StzElastic el, const StzEvent *ev)
{
  PetscFunctionBeginUser;
  /* The factor and resolve engines add the FE answer here; the kernel engines are pointed at the kernels of the event's source
   * row (slab-kernel) and the shift is added below, as the kMC pass would. */
  PetscCall(StzElasticEvent(el, ev->site, ev->orient, ev->sense, ev->eig));
  if (el->type == STZ_ENGINE_KERNEL || StzEngineHasSlabKernels(el->type)) StzElasticShiftKernel(el, ev);
  PetscFunctionReturn(0);
}
