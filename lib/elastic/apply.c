/* Apply one event's stress change to an engine's site stresses, outside the kMC's fused pass (see impl.h).
 *
 * kernel  : add the orientation's kernel shifted to the event's site (and the dilatation kernel), the same sums lib/kmc.c does
 *           inside its rate pass.
 * resolve : accumulate the event's eigenstrain on its elements and solve the FE problem again at zero mean stress.
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
        r1[x] += d1[kx];
        r2[x] += d2[kx];
        rp[x] += dp[kx];
      }
    }
  }
}

static PetscErrorCode StzElasticResolveEvent(StzElastic el, const StzEvent *ev)
{
  const PetscInt se = el->site_elems, nex = el->nx * se, sx = ev->site % el->nx, sy = ev->site / el->nx, N = el->N;
  StzMacroLoad   zero_stress = {{1, 1, 1}, {0, 0, 0}};
  PetscReal     *s[3] = {el->s1, el->s2, el->sp}, mean[3] = {0, 0, 0};

  PetscFunctionBeginUser;
  for (PetscInt b = 0; b < se; b++)
    for (PetscInt a = 0; a < se; a++) {
      const PetscInt e = (sy * se + b) * nex + sx * se + a;
      for (int c = 0; c < 3; c++)
        el->eig[3 * e + c] += ev->eig[c];
    }
  PetscCall(StzFESolve(el->fe, el->eig, &zero_stress, el->estress, NULL, NULL));
  StzElementToSiteStress(el->nx, el->ny, se, el->estress, s);
  for (int c = 0; c < 3; c++) {
    for (PetscInt i = 0; i < N; i++)
      mean[c] += s[c][i];
    for (PetscInt i = 0; i < N; i++)
      s[c][i] -= mean[c] / N;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode StzElasticApplyEvent(StzElastic el, const StzEvent *ev)
{
  PetscFunctionBeginUser;
  if (el->type == STZ_ENGINE_KERNEL)
    StzElasticShiftKernel(el, ev);
  else
    PetscCall(StzElasticResolveEvent(el, ev));
  PetscFunctionReturn(0);
}
