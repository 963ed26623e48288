/* The stzdyn command: parses the sub-command, hands everything else to the PETSc options database, calls lib/. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <stzdyn/stzdyn.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "usage: stzdyn run -options_file configs/<scenario>.yaml [-option value ...]\n"
                            "       stzdyn -help            list every option with its default and units\n"
                            "       stzdyn --version\n";

int main(int argc, char **argv)
{
  StzSim    sim = NULL;
  PetscBool help;

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
  PetscCall(PetscInitialize(&argc, &argv, NULL, usage));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  PetscCall(StzSimCreate(PETSC_COMM_WORLD, &sim));
  if (!help) {
    /* A misspelled option must stop the run before anything is written. */
    PetscCall(StzOptionsCheckUnused(PETSC_COMM_WORLD));
    PetscCall(StzSimRun(sim));
  }
  PetscCall(StzSimDestroy(&sim));
  PetscCall(PetscFinalize());
  return 0;
}
