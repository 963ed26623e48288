/* The localization index on fields whose answer is known by construction:
 * uniform strain -> 0; a band over a tenth of the diagonal lines -> 0.9 at 45 deg; a band over half the rows -> 0.5 at 0 deg. */
#include <stzdyn/stzdyn.h>
#include "../lib/impl.h"
#include "check.h"

int main(int argc, char **argv)
{
  const PetscInt  n = 40;
  PetscReal       g[40 * 40];
  StzLocalization loc;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (PetscInt i = 0; i < n * n; i++) g[i] = 0.05;
  PetscCall(StzLocalizationCompute(n, n, g, &loc));
  STZ_CHECK(PetscAbsReal(loc.index) < 1e-12, "uniform plastic strain: index %.3e (expect 0)", (double)loc.index);
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) g[y * n + x] = (((y - x) % n + n) % n) < n / 10 ? 0.2 : 0.0;
  PetscCall(StzLocalizationCompute(n, n, g, &loc));
  STZ_CHECK(StzClose(loc.index, 0.9, 1e-12, 0) && StzClose(loc.angle_deg, 45, 1e-9, 0), "band over a tenth of the 45-deg lines: index %.4f (0.9), angle %.1f deg (45)", (double)loc.index,
            (double)loc.angle_deg);
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) g[y * n + x] = y < n / 2 ? 0.1 : 0.0;
  PetscCall(StzLocalizationCompute(n, n, g, &loc));
  STZ_CHECK(StzClose(loc.index, 0.5, 1e-12, 0) && StzClose(loc.angle_deg, 0, 1e-9, 1e-9), "band over half the rows: index %.4f (0.5), angle %.1f deg (0)", (double)loc.index, (double)loc.angle_deg);
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
