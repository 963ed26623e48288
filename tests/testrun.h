/* Running stzdyn from an option string in the tests. */
#ifndef STZDYN_TESTS_TESTRUN_H
#define STZDYN_TESTS_TESTRUN_H

#include <stzdyn/stzdyn.h>
#include <stdlib.h>
#include "check.h"

/* A fresh options database holding only opts, then set-up and the run; the caller reads the results and destroys *sim. */
static inline PetscErrorCode StzTestRun(const char opts[], StzSim *sim)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(StzSimCreate(PETSC_COMM_WORLD, sim));
  PetscCall(StzSimRun(*sim));
  PetscFunctionReturn(0);
}

/* Simulated times of the first event of seeds 1 .. n (runs of opts plus -stz_seed, which must stop after one event, e.g.
 * with -stz_max_events 1), sorted ascending: samples of the first-activation time for a Kolmogorov-Smirnov test. */
static inline PetscErrorCode StzTestFirstTimes(const char opts[], PetscInt n, PetscReal times[])
{
  char opt[1024];

  PetscFunctionBeginUser;
  for (PetscInt s = 0; s < n; s++) {
    StzSim       sim;
    StzSimResult res;
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "%s -stz_seed %d", opts, (int)(s + 1)));
    PetscCall(StzTestRun(opt, &sim));
    PetscCall(StzSimGetResult(sim, &res));
    times[s] = res.final_time_s;
    PetscCall(StzSimDestroy(&sim));
  }
  qsort(times, n, sizeof(PetscReal), StzCmpDouble);
  PetscFunctionReturn(0);
}

#endif
