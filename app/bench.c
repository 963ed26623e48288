/* stzdyn-bench: events per second of the whole kMC step (stress pass + rates + selection) for each stress engine, measured
 * side by side in one run, with the memory bandwidth of this machine (STREAM triad) for reference.
 * Usage: stzdyn-bench [-sizes 128,256] [-events 2000] [-resolve_max 64] [-factor_max 256] [-slab_max 128] [-csv bench.csv]
 * Every engine runs on the same periodic box. factor and slab-kernel rows above -factor_max / -slab_max are extrapolated
 * (marked): factor by N log N like resolve; slab-kernel, whose per-event pass is the kernel engine's, as the kernel engine's
 * rate at that size times the slab-kernel/kernel ratio measured at -slab_max (its set-up, 2 ny back-substitutions, is what
 * makes larger sizes slow to measure). */
#include <stzdyn/stzdyn.h>
#include <omp.h>
#include <string.h>

/* Best-of-five STREAM triad a = b + s c over arrays far larger than the caches; bytes/s counting 3 arrays of doubles. */
static double StreamTriad(void)
{
  const size_t n = 1 << 24;
  double      *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double)), *c = malloc(n * sizeof(double)), best = 0;
#pragma omp parallel for
  for (size_t i = 0; i < n; i++) a[i] = 0, b[i] = 1, c[i] = 2;
  for (int r = 0; r < 5; r++) {
    double t0 = omp_get_wtime(), dt;
#pragma omp parallel for
    for (size_t i = 0; i < n; i++) a[i] = b[i] + 3.0 * c[i];
    dt   = omp_get_wtime() - t0;
    best = PetscMax(best, 3.0 * n * sizeof(double) / dt);
  }
  free(a), free(b), free(c);
  return best;
}

static PetscErrorCode Measure(const char *engine, PetscInt n, PetscInt events, PetscReal *eps)
{
  char   opt[256];
  StzSim sim;
  PetscReal wall;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-stz_quiet -stz_protocol pure-shear -stz_nx %d -stz_ny %d -stz_engine %s -stz_output_dir /tmp/stzdyn-bench", (int)n, (int)n, engine));
  /* The FE engines' time is the solve: one pass thread, so that idle OpenMP workers spinning between passes do not compete with
   * the solver's BLAS for the cores. */
  if (!strcmp(engine, "factor") || !strcmp(engine, "resolve")) PetscCall(PetscStrlcat(opt, " -stz_threads 1", sizeof(opt)));
  PetscCall(PetscOptionsInsertString(NULL, opt));
  PetscCall(StzSimCreate(PETSC_COMM_WORLD, &sim));
  PetscCall(StzSimRunEvents(sim, PetscMax(10, events / 20), NULL)); /* warm-up */
  PetscCall(StzSimRunEvents(sim, events, &wall));
  *eps = events / wall;
  PetscCall(StzSimDestroy(&sim));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt  sizes[8] = {128, 256}, nsizes = 8, events = 2000, resolve_max = 64, factor_max = 256, slab_max = 128;
  PetscReal slab_ratio = -1, f0 = -1;
  PetscBool set;
  char      csv[PETSC_MAX_PATH_LEN] = "bench.csv";
  FILE     *fp;
  double    bw;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "stzdyn-bench: events/s of each stress engine"));
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-sizes", sizes, &nsizes, &set));
  if (!set) nsizes = 2;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-events", &events, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-resolve_max", &resolve_max, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-factor_max", &factor_max, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-slab_max", &slab_max, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-csv", csv, sizeof(csv), NULL));
  PetscCall(PetscOptionsClearValue(NULL, "-sizes"));
  PetscCall(PetscOptionsClearValue(NULL, "-events"));
  PetscCall(PetscOptionsClearValue(NULL, "-resolve_max"));
  PetscCall(PetscOptionsClearValue(NULL, "-factor_max"));
  PetscCall(PetscOptionsClearValue(NULL, "-slab_max"));
  PetscCall(PetscOptionsClearValue(NULL, "-csv"));
  bw = StreamTriad();
  fp = fopen(csv, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write -csv %s", csv);
  fprintf(fp, "engine,nx,ny,events_per_second,extrapolated,bandwidth_fraction\n");
  printf("threads %d, STREAM triad %.1f GB/s\n", omp_get_max_threads(), bw / 1e9);
  printf("%-11s %6s %14s %12s %10s %12s\n", "engine", "sites", "events/s", "extrapolated", "bw frac", "kernel/this");
  for (PetscInt s = 0; s < nsizes; s++) {
    const PetscInt n = sizes[s];
    PetscReal      ek, er;
    PetscBool      rextra = (PetscBool)(n > resolve_max);
    /* Bytes the fused pass moves per event: kernel (3 doubles read), stress (3 read + 3 written), lnA (1 read). */
    const double   bytes = 10.0 * 8.0 * n * n;
    PetscCall(Measure("kernel", n, events, &ek));
    if (!rextra) PetscCall(Measure("resolve", n, PetscMax(20, events / 100), &er));
    else {
      /* The FE re-solve costs ~ N log N per event; scale the largest measured size (marked extrapolated). */
      PetscReal e0;
      PetscCall(Measure("resolve", resolve_max, PetscMax(20, events / 100), &e0));
      er = e0 * ((double)resolve_max * resolve_max * log((double)resolve_max * resolve_max)) / ((double)n * n * log((double)n * n));
    }
    PetscReal es, ef;
    PetscBool sextra = (PetscBool)(n > slab_max), fextra = (PetscBool)(n > factor_max);
    if (!sextra) PetscCall(Measure("slab-kernel", n, events, &es));
    else {
      if (slab_ratio < 0) {
        PetscReal e1, e2;
        PetscCall(Measure("slab-kernel", slab_max, events, &e1));
        PetscCall(Measure("kernel", slab_max, events, &e2));
        slab_ratio = e1 / e2;
      }
      es = ek * slab_ratio;
    }
    if (!fextra) PetscCall(Measure("factor", n, PetscMax(20, events / 100), &ef));
    else {
      if (f0 < 0) PetscCall(Measure("factor", factor_max, PetscMax(20, events / 100), &f0));
      ef = f0 * ((double)factor_max * factor_max * log((double)factor_max * factor_max)) / ((double)n * n * log((double)n * n));
    }
    printf("%-11s %4dx%-4d %12.0f %12s %10.3f %12s\n", "kernel", (int)n, (int)n, ek, "no", ek * bytes / bw, "1");
    printf("%-11s %4dx%-4d %12.0f %12s %10.3f %12.2f\n", "slab-kernel", (int)n, (int)n, es, sextra ? "yes" : "no", es * bytes / bw, ek / es);
    printf("%-11s %4dx%-4d %12.1f %12s %10s %12.0f\n", "factor", (int)n, (int)n, ef, fextra ? "yes" : "no", "-", ek / ef);
    printf("%-11s %4dx%-4d %12.1f %12s %10s %12.0f\n", "resolve", (int)n, (int)n, er, rextra ? "yes" : "no", "-", ek / er);
    fprintf(fp, "kernel,%d,%d,%.6g,false,%.4f\n", (int)n, (int)n, ek, ek * bytes / bw);
    fprintf(fp, "slab-kernel,%d,%d,%.6g,%s,%.4f\n", (int)n, (int)n, es, sextra ? "true" : "false", es * bytes / bw);
    fprintf(fp, "factor,%d,%d,%.6g,%s,\n", (int)n, (int)n, ef, fextra ? "true" : "false");
    fprintf(fp, "resolve,%d,%d,%.6g,%s,\n", (int)n, (int)n, er, rextra ? "true" : "false");
    fflush(stdout);
  }
  fclose(fp);
  printf("wrote %s\n", csv);
  PetscCall(PetscFinalize());
  return 0;
}
