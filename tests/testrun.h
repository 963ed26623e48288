/* Running stzdyn from an option string in the tests. */
#ifndef STZDYN_TESTS_TESTRUN_H
#define STZDYN_TESTS_TESTRUN_H

#include <stzdyn/stzdyn.h>

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

#endif
