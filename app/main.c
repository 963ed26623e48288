/* The stzdyn command: parses the sub-command, hands everything else to the PETSc options database, calls lib/. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <stzdyn/stzdyn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "usage: stzdyn run -options_file configs/<scenario>.yaml [-option value ...]\n"
                            "       stzdyn -help            list every option with its default and units\n"
                            "       stzdyn --version\n";

/* Mistakes of the user (bad options, missing files, unsupported combinations) are told in one line, which names the option,
 * the value and what is allowed; PETSc's traceback and configure line would bury it. Other errors keep the traceback. */
static PetscBool StzUserError(PetscErrorCode n)
{
  return n == PETSC_ERR_USER_INPUT || n == PETSC_ERR_FILE_OPEN || n == PETSC_ERR_FILE_READ || n == PETSC_ERR_FILE_UNEXPECTED || n == PETSC_ERR_SUP || n == PETSC_ERR_ARG_OUTOFRANGE ||
         n == PETSC_ERR_ARG_WRONG || n == PETSC_ERR_ARG_INCOMP || n == PETSC_ERR_MEM;
}

static PetscErrorCode StzErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt rank = 0;
  if (!StzUserError(n)) return PetscTraceBackErrorHandler(comm, line, fun, file, n, p, mess, ctx);
  /* A check on a communicator is made by all its ranks alike: one line from its first rank is enough. */
  if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &rank);
  if (p == PETSC_ERROR_INITIAL && !rank) fprintf(stderr, "stzdyn: error: %s\n", mess);
  return n;
}

int main(int argc, char **argv)
{
  StzSim         sim = NULL;
  PetscBool      help;
  PetscErrorCode ierr;

  /* Idle OpenMP threads that spin between the per-event passes steal the cores the other thread needs on a shared or
   * busy machine (5-10x slower); sleeping costs little here. An explicit OMP_WAIT_POLICY wins. */
  setenv("OMP_WAIT_POLICY", "passive", 0);
  /* The sub-command is ours, not an option: take it out before PETSc sees argv. */
  if (argc >= 2 && !strcmp(argv[1], "--version")) {
    printf("stzdyn 0.1.0\n");
    return 0;
  }
  if (argc >= 2 && !strcmp(argv[1], "run")) {
    for (int i = 1; i < argc - 1; i++) argv[i] = argv[i + 1];
    argc--;
  } else if (argc < 2 || (strcmp(argv[1], "-help") && strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))) {
    fprintf(stderr, "stzdyn: %s%s%s\n%s", argc < 2 ? "no command given" : "unknown command '", argc < 2 ? "" : argv[1], argc < 2 ? "" : "'", usage);
    return 2;
  }
  /* PETSc reads the options file inside PetscInitialize, before our error handler exists: check it here. */
  for (int i = 1; i < argc - 1; i++)
    if (!strcmp(argv[i], "-options_file")) {
      FILE *fp = fopen(argv[i + 1], "r");
      if (!fp) {
        fprintf(stderr, "stzdyn: error: option -options_file = %s: cannot open it (%s); the scenarios are in configs/\n", argv[i + 1], strerror(errno));
        return 1;
      }
      fclose(fp);
    }
  PetscCall(PetscInitialize(&argc, &argv, NULL, usage));
  PetscCall(PetscPushErrorHandler(StzErrorHandler, NULL));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  /* Errors are not returned at once (PetscCall would abort MPI from main): the run stops, PETSc and MPI finish cleanly, and
   * the exit status is 1 for a user's mistake, the PETSc error code otherwise. */
  ierr = help ? 0 : StzSimCheckOptions(PETSC_COMM_WORLD); /* before the engine's set-up, which can take a while */
  if (!ierr) ierr = StzSimCreate(PETSC_COMM_WORLD, &sim);
  /* A misspelled option must stop the run before anything is written. */
  if (!ierr && !help) ierr = StzOptionsCheckUnused(PETSC_COMM_WORLD);
  if (!ierr && !help) ierr = StzSimRun(sim);
  if (!ierr) ierr = StzSimDestroy(&sim);
  if (ierr) PetscCall(PetscOptionsClear(NULL)); /* no "options left" report after an error that already named them */
  PetscCall(PetscFinalize());
  return ierr ? (StzUserError(ierr) ? 1 : (int)ierr) : 0;
}
