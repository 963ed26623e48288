/* Minimal test reporting: every check prints "ok - ..." or "not ok - ..." with the compared numbers, and the program's
 * exit status is the number of failed checks (capped), so meson sees a failure. Numbers are never masked. */
#ifndef STZDYN_TESTS_CHECK_H
#define STZDYN_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#ifdef _OPENMP
  #include <omp.h>
#endif

static int stz_test_failures = 0;

/* Check a condition; the message says what was expected, from which physics, with the numbers. */
#define STZ_CHECK(cond, ...)                                                                                                                                                                           \
  do {                                                                                                                                                                                                 \
    int stz_ok_ = (cond);                                                                                                                                                                              \
    printf("%s - ", stz_ok_ ? "ok" : "not ok");                                                                                                                                                        \
    printf(__VA_ARGS__);                                                                                                                                                                               \
    printf("\n");                                                                                                                                                                                      \
    fflush(stdout);                                                                                                                                                                                    \
    if (!stz_ok_) stz_test_failures++;                                                                                                                                                                 \
  } while (0)

/* |a - b| <= tol * max(|b|, floor): relative comparison with a floor for values near zero. */
static inline int StzClose(double a, double b, double rtol, double floor_abs)
{
  double scale = fabs(b) > floor_abs ? fabs(b) : floor_abs;
  return fabs(a - b) <= rtol * scale;
}

/* The integral of exp(g t) from 0 to t, (exp(g t) - 1) / g, without cancellation for g t -> 0: the hazard of one rate that
 * grows exponentially under a load ramp. */
static inline double StzGrowingHazard(double g, double t)
{
  return fabs(g * t) < 1e-10 ? t : expm1(g * t) / g;
}

/* The Kolmogorov-Smirnov step: the largest distance between a model CDF value F at the k-th of n sorted samples and the
 * empirical CDF on either side of it, folded into d. */
static inline double StzKSStep(double d, double F, int k, int n)
{
  const double lo = fabs(F - (double)k / n), hi = fabs(F - (double)(k + 1) / n), m = lo > hi ? lo : hi;
  return m > d ? m : d;
}

/* qsort comparator for doubles. */
static inline int StzCmpDouble(const void *x, const void *y)
{
  const double u = *(const double *)x, v = *(const double *)y;
  return (u > v) - (u < v);
}

/* The OpenMP thread count the last run set (1 without OpenMP): a comparison across thread counts must check it ran. */
static inline int StzTestMaxThreads(void)
{
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

#define STZ_TEST_EXIT() (stz_test_failures > 100 ? 100 : stz_test_failures)

#endif
