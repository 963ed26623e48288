/* The stzdyn command: parses the sub-command, hands everything else to the PETSc options database, calls lib/. */
#define _POSIX_C_SOURCE 200809L /* setenv, sigaction */
#include <stzdyn/stzdyn.h>
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

static const char usage[] = "usage: stzdyn run -options_file configs/<scenario>.yaml [-option value ...]\n"
                            "       stzdyn -help            list every option with its default and units (-help petsc: PETSc's too)\n"
                            "       stzdyn --version\n";

/* -help prints stzdyn's options only, tidied: PETSc's help (its own options, those of the solver set up for the run) comes
 * first and runs to 180 lines and more, which buried them. PETSc prints each options section starting with a line of dashes
 * and its title; only the section titled "stzdyn:" is passed on. -help petsc prints everything as PETSc does. */
static PetscBool stz_help_pass = PETSC_FALSE;

static PetscErrorCode StzHelpPrintf(MPI_Comm comm, const char format[], ...)
{
  char        buf[8192], out[8192];
  va_list     ap;
  const char *lt, *gt, *sep;

  va_start(ap, format);
  vsnprintf(buf, sizeof buf, format, ap);
  va_end(ap);
  if (!strncmp(buf, "----", 4)) stz_help_pass = (PetscBool)(strstr(buf, "stzdyn:") != NULL);
  if (!stz_help_pass) return 0;
  /* "  -stz_nx <now 64 : formerly 64>: sites along x [-] (None)" -> "  -stz_nx <64>: sites along x [-]", and a value other
   * than the default as "<value, default D>". */
  {
    char *none = strstr(buf, " (None)");
    if (none) memmove(none, none + 7, strlen(none + 7) + 1);
  }
  lt  = strchr(buf, '<');
  gt  = lt ? strchr(lt, '>') : NULL;
  sep = lt && gt ? strstr(lt, " : ") : NULL;
  if (sep && sep < gt) {
    const char *now = lt + 1, *def = sep + 3;
    int         nnow, ndef;
    if (!strncmp(now, "now ", 4)) now += 4;
    if (!strncmp(def, "formerly ", 9)) def += 9;
    nnow = (int)(sep - now);
    ndef = (int)(gt - def);
    if (nnow == ndef && !strncmp(now, def, (size_t)nnow)) snprintf(out, sizeof out, "%.*s<%.*s>%s", (int)(lt - buf), buf, nnow, now, gt + 1);
    else snprintf(out, sizeof out, "%.*s<%.*s, default %.*s>%s", (int)(lt - buf), buf, nnow, now, ndef, def, gt + 1);
    return PetscFPrintf(comm, stdout, "%s", out);
  }
  return PetscFPrintf(comm, stdout, "%s", buf);
}

/* Mistakes of the user (bad options, missing files, unsupported combinations) are told in one line, which names the option,
 * the value and what is allowed; PETSc's traceback and configure line would bury it. Other errors keep the traceback. */
static PetscBool StzUserError(PetscErrorCode n)
{
  return n == PETSC_ERR_USER_INPUT || n == PETSC_ERR_FILE_OPEN || n == PETSC_ERR_FILE_READ || n == PETSC_ERR_FILE_UNEXPECTED || n == PETSC_ERR_SUP || n == PETSC_ERR_ARG_OUTOFRANGE ||
         n == PETSC_ERR_ARG_WRONG || n == PETSC_ERR_ARG_INCOMP || n == PETSC_ERR_MEM || n == PETSC_ERR_ARG_UNKNOWN_TYPE; /* e.g. -elas_ksp_type foo */
}

static PetscErrorCode StzErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt rank = 0;
  if (!StzUserError(n)) return PetscTraceBackErrorHandler(comm, line, fun, file, n, p, mess, ctx);
  /* A check on a communicator is made by all its ranks alike: one line from its first rank is enough. */
  if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &rank);
  /* stzdyn's own options name themselves; an unknown type comes from PETSc reading a solver option (-elas_ksp_type foo). */
  if (p == PETSC_ERROR_INITIAL && !rank)
    fprintf(stderr, "stzdyn: error: %s%s\n", mess,
            n == PETSC_ERR_ARG_UNKNOWN_TYPE ? " (from a solver option -elas_...: check its value; docs/outputs.md, \"Elastic solver options\", lists common ones, e.g. -elas_ksp_type cg or preonly)"
                                            : "");
  return n;
}

/* Check an options file before PETSc reads it inside PetscInitialize (where a YAML mistake prints a traceback that does not
 * name the file): it must open and not be a directory, and a .yaml/.yml file must parse as YAML (libyaml, as PETSc's
 * reader). The file is then left in argv, so that PETSc reads it in its usual place: options given after it on the command
 * line override it, start-up options in it (-log_view, -malloc_debug, ...) take effect, and PETSC_OPTIONS keeps its rank. */
/* The MPI rank of this process before MPI is initialised, from the launcher's environment (Open MPI, MPICH/PMI, PMIx); 0 if
 * launched without one. So that a mistake found before PetscInitialize is printed once, not once per rank. */
static int StzLauncherRank(void)
{
  const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"};
  for (int i = 0; i < 3; i++) {
    const char *v = getenv(vars[i]);
    if (v && *v) return atoi(v);
  }
  return 0;
}

static int StzCheckOptionsFile(const char path[])
{
  FILE         *fp  = fopen(path, "r");
  const int     say = !StzLauncherRank(); /* the mistake is the same on every rank */
  struct stat   st;
  size_t        len = strlen(path);
  yaml_parser_t parser;
  yaml_event_t  event;
  int           ok = 1, done = 0, root = 1;

  if (!fp) {
    if (say) fprintf(stderr, "stzdyn: error: option -options_file = %s: cannot open it (%s); the scenarios are in configs/\n", path, strerror(errno));
    return 0;
  }
  if (!fstat(fileno(fp), &st) && S_ISDIR(st.st_mode)) {
    if (say) fprintf(stderr, "stzdyn: error: option -options_file = %s is a directory, not an options file\n", path);
    fclose(fp);
    return 0;
  }
  if (!((len > 5 && !strcmp(path + len - 5, ".yaml")) || (len > 4 && !strcmp(path + len - 4, ".yml")))) {
    fclose(fp);
    return 1;
  }
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, fp);
  while (ok && !done) {
    if (!yaml_parser_parse(&parser, &event)) {
      if (say)
        fprintf(stderr, "stzdyn: error: option -options_file = %s is not valid YAML: %s at line %d, column %d\n", path, parser.problem ? parser.problem : "parse error",
                (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1);
      ok = 0;
      break;
    }
    done = event.type == YAML_STREAM_END_EVENT;
    /* PETSc takes a mapping of options (key: value lines); a list or a bare value at the top would fail inside PETSc, with
     * its traceback. An empty document (comments only) is fine. */
    if (root && (event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_SCALAR_EVENT)) {
      if (say)
        fprintf(stderr, "stzdyn: error: option -options_file = %s is YAML but not a mapping of options: line %d holds a %s where 'option: value' lines are expected (e.g. 'stz_nx: 32')\n", path,
                (int)event.start_mark.line + 1, event.type == YAML_SEQUENCE_START_EVENT ? "list" : "bare value");
      ok = 0;
    }
    if (event.type == YAML_MAPPING_START_EVENT || event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_SCALAR_EVENT) root = 0;
    if (event.type == YAML_DOCUMENT_START_EVENT) root = 1; /* every document of the file */
    yaml_event_delete(&event);
  }
  yaml_parser_delete(&parser);
  fclose(fp);
  return ok;
}

/* Ctrl-C (SIGINT) or SIGTERM: the run stops at its next event and writes all its outputs, marked "interrupted" in
 * summary.json; a second signal more than a second later ends the process at once (the default action). One within the
 * second is the same request: GNU timeout, and batch systems, signal the process and then its whole group, so it gets two. */
static volatile sig_atomic_t stz_signalled = 0;
static struct timespec       stz_signal_time;

static void StzOnSignal(int sig)
{
  static const char msg[] = "\nstzdyn: interrupted: stopping at the next event and writing the outputs (again, a second later, to abort at once)\n";
  struct timespec   now;
  const int         saved = errno;      /* write() may change it under the interrupted code */
  clock_gettime(CLOCK_MONOTONIC, &now); /* async-signal-safe */
  if (stz_signalled) {
    const double     since = (double)(now.tv_sec - stz_signal_time.tv_sec) + 1e-9 * (double)(now.tv_nsec - stz_signal_time.tv_nsec);
    struct sigaction dfl;
    if (since < 1.0) {
      errno = saved;
      return;
    }
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);
    return;
  }
  stz_signal_time = now; /* the time first: a handler nested in this one (SIGINT and SIGTERM block each other, but still) reads it after the flag */
  stz_signalled   = 1;
  StzRequestStop(sig);
  if (write(2, msg, sizeof msg - 1) < 0) { /* nothing to do about a lost message */
  }
  errno = saved;
}

/* Install StzOnSignal for SIGINT and SIGTERM, unless the signal is ignored (a background job of a script): by convention an
 * ignored SIGINT stays ignored. SA_RESTART: a write interrupted by the signal goes on. */
static void StzCatchSignals(void)
{
  const int sigs[] = {SIGINT, SIGTERM};
  for (int i = 0; i < 2; i++) {
    struct sigaction sa, old;
    if (sigaction(sigs[i], NULL, &old) || old.sa_handler == SIG_IGN) continue;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = StzOnSignal;
    sa.sa_flags   = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT); /* one handler at a time */
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(sigs[i], &sa, NULL);
  }
}

int main(int argc, char **argv)
{
  StzSim         sim = NULL;
  PetscBool      help, help_full = PETSC_FALSE;
  PetscErrorCode ierr;
  int            stopped = 0;

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
  /* --help and -h are PETSc's -help (PETSc knows only that one); -help petsc asks for PETSc's full help. */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) argv[i] = (char *)"-help";
    if (strcmp(argv[i], "-help")) continue;
    if (i + 1 < argc && !strcmp(argv[i + 1], "petsc")) { /* ours, not a value PETSc takes for -help: remove it */
      help_full = PETSC_TRUE;
      for (int j = i + 1; j < argc - 1; j++) argv[j] = argv[j + 1];
      argc--;
    }
  }
  if (!help_full) PetscHelpPrintf = StzHelpPrintf; /* prints only when -help is given */
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "-options_file")) {
      if (i == argc - 1) {
        if (!StzLauncherRank()) fprintf(stderr, "stzdyn: error: option -options_file is given without a file\n");
        return 1;
      }
      if (!StzCheckOptionsFile(argv[i + 1])) return 1;
    }
  PetscCall(PetscInitialize(&argc, &argv, NULL, help_full ? usage : NULL)); /* the filtered help prints the usage itself */
  PetscCall(PetscPushErrorHandler(StzErrorHandler, NULL));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help && !help_full) {
    /* stzdyn's options, read without setting anything up; then where the others are described. */
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", usage));
    ierr = StzOptionsHelp(PETSC_COMM_WORLD);
    if (!ierr)
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Solver options (-elas_ksp_type, -elas_pc_type, -elas_pc_factor_mat_solver_type, ...): docs/outputs.md, \"Elastic solver options\".\n"
                                              "'stzdyn -help petsc' adds PETSc's own options, and those of the solver the given options set up.\n"));
    PetscCall(PetscFinalize());
    return ierr ? (StzUserError(ierr) ? 1 : (int)ierr) : 0;
  }
  /* Errors are not returned at once (PetscCall would abort MPI from main): the run stops, PETSc and MPI finish cleanly, and
   * the exit status is 1 for a user's mistake, the PETSc error code otherwise. */
  ierr = help ? 0 : StzSimCheckOptions(PETSC_COMM_WORLD); /* before the engine's set-up, which can take a while */
  /* From here a signal stops the run gracefully; during the set-up it takes effect once the set-up is done. */
  if (!ierr && !help) StzCatchSignals();
  if (!ierr) ierr = StzSimCreate(PETSC_COMM_WORLD, &sim);
  /* A misspelled option must stop the run before anything is written. */
  if (!ierr && !help) ierr = StzSimCheckUnusedOptions(sim);
  if (!ierr && !help && StzStopRequested()) {
    PetscCall(PetscFPrintf(PETSC_COMM_WORLD, stderr, "stzdyn: interrupted before the first event: nothing was written, and the output directory was not touched\n"));
    stopped = StzStopRequested();
  } else if (!ierr && !help) {
    ierr = StzSimPrepareOutput(sim); /* now that the run will happen: clear what an earlier run left */
    if (!ierr) ierr = StzSimRun(sim);
    stopped = StzStopRequested(); /* a signal after this (while finishing) does not change the exit status */
    if (!ierr && stopped)
      PetscCall(PetscFPrintf(PETSC_COMM_WORLD, stderr, "stzdyn: the run was interrupted (signal %d): the outputs it wrote cover it up to the stop (summary.json: \"interrupted\": true)\n", stopped));
  }
  if (!ierr) ierr = StzSimDestroy(&sim);
  if (ierr) PetscCall(PetscOptionsClear(NULL)); /* no "options left" report after an error that already named them */
  PetscCall(PetscFinalize());
  /* An interrupted run that wrote its outputs still ends as the shell expects of a signal: 128 + its number. */
  if (!ierr && stopped > 0) return 128 + stopped;
  return ierr ? (StzUserError(ierr) ? 1 : (int)ierr) : 0;
}
