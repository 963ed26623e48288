/* Minimal test reporting: every check prints "ok - ..." or "not ok - ..." with the compared numbers, and the program's
 * exit status is the number of failed checks (capped), so meson sees a failure. Numbers are never masked. */
#ifndef STZDYN_TESTS_CHECK_H
#define STZDYN_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>

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

#define STZ_TEST_EXIT() (stz_test_failures > 100 ? 100 : stz_test_failures)

#endif
