/* Gaussian deviates from the counter-based generator (see include/stzdyn/rng.h). */
#include <math.h>
#include <stzdyn/rng.h>

double StzRngNormal(uint64_t key, uint64_t counter)
{
  const double u1 = StzRngUniform(key, 2 * counter), u2 = StzRngUniform(key, 2 * counter + 1);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
