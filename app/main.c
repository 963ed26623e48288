/* The stzdyn command: parses the sub-command, hands everything else to the PETSc options database, calls lib/. */
#define _POSIX_C_SOURCE 200809L /* setenv, sigaction */
#include <stzdyn/stzdyn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The first message of an error raised while reading an options file, which the handler below keeps instead of printing. */
static char stz_captured[256];

static PetscErrorCode StzCaptureHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  if (p == PETSC_ERROR_INITIAL && mess) snprintf(stz_captured, sizeof stz_captured, "%s", mess);
  return n;
}

#define STZ_MAX_OPTIONS_FILES 8

/* Ctrl-C (SIGINT) or SIGTERM: the run stops at its next event and writes all its outputs, marked "interrupted" in
 * summary.json; a second signal, with the default action restored, ends the process at once. */
static void StzOnSignal(int sig)
{
  static const char msg[] = "\nstzdyn: interrupted: stopping at the next event and writing the outputs (again to abort at once)\n";
  StzRequestStop(sig);
  if (write(2, msg, sizeof msg - 1) < 0) return;
}

int main(int argc, char **argv)
{
  StzSim         sim = NULL;
  PetscBool      help;
  PetscErrorCode ierr;
  const char    *files[STZ_MAX_OPTIONS_FILES];
  int            n_files = 0;

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
  /* Options files are taken out of argv and read after PetscInitialize, once our error handler exists: PETSc would read them
   * inside PetscInitialize, where a YAML mistake prints a traceback that does not name the file. */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-options_file")) continue;
    if (i == argc - 1 || n_files == STZ_MAX_OPTIONS_FILES) {
      fprintf(stderr, "stzdyn: error: option -options_file %s\n", i == argc - 1 ? "is given without a file" : "is given more than 8 times");
      return 1;
    }
    files[n_files++] = argv[i + 1];
    for (int j = i; j + 2 <= argc; j++) argv[j] = argv[j + 2];
    argc -= 2;
    i--;
  }
  for (int f = 0; f < n_files; f++) {
    FILE *fp = fopen(files[f], "r");
    if (!fp) {
      fprintf(stderr, "stzdyn: error: option -options_file = %s: cannot open it (%s); the scenarios are in configs/\n", files[f], strerror(errno));
      return 1;
    }
    fclose(fp);
  }
  PetscCall(PetscInitialize(&argc, &argv, NULL, usage));
  PetscCall(PetscPushErrorHandler(StzErrorHandler, NULL));
  for (int f = 0; f < n_files; f++) {
    PetscCall(PetscPushErrorHandler(StzCaptureHandler, NULL));
    ierr = PetscOptionsInsertFile(PETSC_COMM_WORLD, NULL, files[f], PETSC_TRUE);
    PetscCall(PetscPopErrorHandler());
    if (ierr) {
      fprintf(stderr, "stzdyn: error: option -options_file = %s: not a valid %s options file (%s)\n", files[f], strstr(files[f], ".y") ? "YAML" : "PETSc",
              stz_captured[0] ? stz_captured : "unreadable");
      PetscCall(PetscFinalize());
      return 1;
    }
  }
  /* The command line overrides the files, as it does when PETSc reads them itself. */
  if (n_files) PetscCall(PetscOptionsInsert(NULL, &argc, &argv, NULL));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  /* Errors are not returned at once (PetscCall would abort MPI from main): the run stops, PETSc and MPI finish cleanly, and
   * the exit status is 1 for a user's mistake, the PETSc error code otherwise. */
  ierr = help ? 0 : StzSimCheckOptions(PETSC_COMM_WORLD); /* before the engine's set-up, which can take a while */
  if (!ierr) ierr = StzSimCreate(PETSC_COMM_WORLD, &sim);
  /* A misspelled option must stop the run before anything is written. */
  if (!ierr && !help) ierr = StzOptionsCheckUnused(PETSC_COMM_WORLD);
  if (!ierr && !help) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = StzOnSignal;
    sa.sa_flags   = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    ierr = StzSimRun(sim);
    if (!ierr && StzStopRequested())
      PetscCall(
          PetscFPrintf(PETSC_COMM_WORLD, stderr, "stzdyn: the run was interrupted (signal %d): its outputs cover it up to the stop (\"interrupted\": true in summary.json)\n", StzStopRequested()));
  }
  if (!ierr) ierr = StzSimDestroy(&sim);
  if (ierr) PetscCall(PetscOptionsClear(NULL)); /* no "options left" report after an error that already named them */
  PetscCall(PetscFinalize());
  /* An interrupted run that wrote its outputs still ends as the shell expects of a signal: 128 + its number. */
  if (!ierr && StzStopRequested() > 0) return 128 + StzStopRequested();
  return ierr ? (StzUserError(ierr) ? 1 : (int)ierr) : 0;
}
