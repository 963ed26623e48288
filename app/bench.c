/* stzdyn-bench: events per second of the whole kMC step (stress pass + rates + selection) for each stress engine, measured
 * side by side in one run, with the memory bandwidth of this machine (STREAM triad) for reference.
 * Usage: stzdyn-bench [-sizes 128,256] [-events 2000] [-windows 3] [-resolve_max 64] [-factor_max 256] [-slab_max 128]
 *                     [-block 32] [-strip 1024,16] [-csv bench.csv]
 * Every engine runs on the same periodic box. factor and slab-kernel rows above -factor_max / -slab_max are extrapolated
 * (marked): factor by N log N like resolve; slab-kernel, whose per-event pass is the kernel engine's, as the kernel engine's
 * rate at that size times the slab-kernel/kernel ratio measured at -slab_max (its set-up, 2 ny back-substitutions, is what
 * makes larger sizes slow to measure). Then a -block x -block block with free sides (0: skipped): slab-kernel, cut-kernel and
 * factor; and a -strip nx,ny strip with free ends on a roller base (0: skipped): cut-kernel against factor.
 * The kernel engines' rates are the best of -windows consecutive windows of -events events: on a shared machine the other
 * users' load only ever slows a window down, so the fastest window is the closest to what the code can do. */
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

/* Events per second of `engine` at n x n sites: best of `windows` windows of `events` events after a warm-up. If sync_s is
 * not NULL, also the time to bring the lazily kept pressure sp up to date afterwards (StzSimGetSites with stresses). */
/* Threads of the kernel engines' pass: OMP_NUM_THREADS (or all cores) as found at start. Passed explicitly, because
 * -stz_threads 1 of a factor or resolve run sets the process-wide OpenMP default, which later runs would otherwise inherit. */
static int pass_threads;

static PetscErrorCode MeasureIn(const char *geometry, const char *engine, PetscInt n, PetscInt ny, PetscInt events, PetscInt windows, PetscReal *eps, PetscReal *sync_s)
{
  char      opt[512];
  StzSim    sim;
  PetscReal wall;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-stz_quiet -stz_protocol pure-shear -stz_nx %d -stz_ny %d -stz_engine %s -stz_output_dir /tmp/stzdyn-bench %s", (int)n, (int)ny, engine, geometry));
  /* The FE engines' time is the solve: one pass thread, so that idle OpenMP workers spinning between passes do not compete with
   * the solver's BLAS for the cores. */
  if (!strcmp(engine, "factor") || !strcmp(engine, "resolve")) PetscCall(PetscStrlcat(opt, " -stz_threads 1", sizeof(opt)));
  else {
    char t[32];
    PetscCall(PetscSNPrintf(t, sizeof(t), " -stz_threads %d", pass_threads));
    PetscCall(PetscStrlcat(opt, t, sizeof(opt)));
  }
  PetscCall(PetscOptionsInsertString(NULL, opt));
  PetscCall(StzSimCreate(PETSC_COMM_WORLD, &sim));
  PetscCall(StzSimRunEvents(sim, PetscMax(10, events / 20), NULL)); /* warm-up */
  *eps = 0;
  for (PetscInt w = 0; w < windows; w++) {
    PetscCall(StzSimRunEvents(sim, events, &wall));
    *eps = PetscMax(*eps, events / wall);
  }
  if (sync_s) {
    PetscReal *stress;
    double     t0;
    PetscCall(PetscMalloc1(3 * n * ny, &stress));
    t0 = omp_get_wtime();
    PetscCall(StzSimGetSites(sim, NULL, NULL, stress, NULL, NULL));
    *sync_s = omp_get_wtime() - t0;
    PetscCall(PetscFree(stress));
  }
  PetscCall(StzSimDestroy(&sim));
  PetscFunctionReturn(0);
}

/* The periodic box, on which every engine runs. */
static PetscErrorCode Measure(const char *engine, PetscInt n, PetscInt events, PetscInt windows, PetscReal *eps, PetscReal *sync_s)
{
  PetscFunctionBeginUser;
  PetscCall(MeasureIn("", engine, n, n, events, windows, eps, sync_s));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt          sizes[8] = {128, 256}, nsizes = 8, events = 2000, windows = 3, resolve_max = 64, factor_max = 256, slab_max = 128, block = 32, strip[2] = {1024, 16}, nstrip = 2;
  PetscReal         slab_ratio = -1, f0 = -1;
  PetscBool         set;
  char              csv[PETSC_MAX_PATH_LEN] = "bench.csv";
  FILE             *fp;
  double            bw;
  PetscReal         rate[8][4], ksync[8];
  PetscBool         extra[8][4];
  const char *const names[4] = {"kernel", "slab-kernel", "factor", "resolve"};

  PetscCall(PetscInitialize(&argc, &argv, NULL, "stzdyn-bench: events/s of each stress engine"));
  pass_threads = omp_get_max_threads();
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-sizes", sizes, &nsizes, &set));
  if (!set) nsizes = 2;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-events", &events, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-windows", &windows, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-resolve_max", &resolve_max, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-factor_max", &factor_max, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-slab_max", &slab_max, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-csv", csv, sizeof(csv), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-block", &block, NULL));
  PetscCall(PetscOptionsClearValue(NULL, "-block"));
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-strip", strip, &nstrip, &set));
  PetscCheck(!set || nstrip == 2 || (nstrip == 1 && strip[0] == 0), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "option -strip takes nx,ny (e.g. 1024,16; 0 skips the strip)");
  PetscCall(PetscOptionsClearValue(NULL, "-strip"));
  PetscCall(PetscOptionsClearValue(NULL, "-sizes"));
  PetscCall(PetscOptionsClearValue(NULL, "-events"));
  PetscCall(PetscOptionsClearValue(NULL, "-windows"));
  PetscCall(PetscOptionsClearValue(NULL, "-resolve_max"));
  PetscCall(PetscOptionsClearValue(NULL, "-factor_max"));
  PetscCall(PetscOptionsClearValue(NULL, "-slab_max"));
  PetscCall(PetscOptionsClearValue(NULL, "-csv"));
  /* Anything left is not a benchmark option: each measurement builds its own options, so it would be ignored silently. */
  PetscCall(StzOptionsCheckUnused(PETSC_COMM_WORLD));
  bw = StreamTriad();
  fp = fopen(csv, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write -csv %s", csv);
  fprintf(fp, "engine,nx,ny,events_per_second,extrapolated,bandwidth_fraction\n");
  printf("threads %d, STREAM triad %.1f GB/s (best of 5; measured again at the end)\n", pass_threads, bw / 1e9);
  for (PetscInt s = 0; s < nsizes; s++) {
    const PetscInt n  = sizes[s];
    PetscReal      ek = 0, es = 0, ef = 0, er = 0, sync_s = 0;
    PetscBool      rextra = (PetscBool)(n > resolve_max), sextra = (PetscBool)(n > slab_max), fextra = (PetscBool)(n > factor_max);
    PetscCall(Measure("kernel", n, events, windows, &ek, &sync_s));
    if (!rextra) PetscCall(Measure("resolve", n, PetscMax(20, events / 100), 1, &er, NULL));
    else {
      /* The FE re-solve costs ~ N log N per event; scale the largest measured size (marked extrapolated). */
      PetscReal e0;
      PetscCall(Measure("resolve", resolve_max, PetscMax(20, events / 100), 1, &e0, NULL));
      er = e0 * ((double)resolve_max * resolve_max * log((double)resolve_max * resolve_max)) / ((double)n * n * log((double)n * n));
    }
    if (!sextra) PetscCall(Measure("slab-kernel", n, events, windows, &es, NULL));
    else {
      if (slab_ratio < 0) {
        PetscReal e1, e2;
        PetscCall(Measure("slab-kernel", slab_max, events, windows, &e1, NULL));
        PetscCall(Measure("kernel", slab_max, events, windows, &e2, NULL));
        slab_ratio = e1 / e2;
      }
      es = ek * slab_ratio;
    }
    if (!fextra) PetscCall(Measure("factor", n, PetscMax(20, events / 100), 1, &ef, NULL));
    else {
      if (f0 < 0) PetscCall(Measure("factor", factor_max, PetscMax(20, events / 100), 1, &f0, NULL));
      ef = f0 * ((double)factor_max * factor_max * log((double)factor_max * factor_max)) / ((double)n * n * log((double)n * n));
    }
    rate[s][0] = ek, rate[s][1] = es, rate[s][2] = ef, rate[s][3] = er;
    extra[s][0] = PETSC_FALSE, extra[s][1] = sextra, extra[s][2] = fextra, extra[s][3] = rextra;
    ksync[s] = sync_s;
    printf("measured %d x %d: kernel %.0f events/s (then sp sync after %d events: %.1f ms), slab-kernel %.0f%s, factor %.1f%s, resolve %.1f%s\n", (int)n, (int)n, ek,
           (int)(events * windows + PetscMax(10, events / 20)), 1e3 * sync_s, es, sextra ? " (extrapolated)" : "", ef, fextra ? " (extrapolated)" : "", er, rextra ? " (extrapolated)" : "");
    fflush(stdout);
  }
  /* The bandwidth reference: the better of the two STREAM runs, so a run slowed by other users does not inflate the fraction. */
  omp_set_num_threads(pass_threads);
  bw = PetscMax(bw, StreamTriad());
  printf("\nthreads %d (kernel engines; factor and resolve 1), STREAM triad %.1f GB/s (best of the runs before and after)\n", pass_threads, bw / 1e9);
  printf("%-11s %9s %12s %12s %10s %12s %14s\n", "engine", "sites", "events/s", "extrapolated", "bw frac", "kernel/this", "sp sync (ms)");
  for (PetscInt s = 0; s < nsizes; s++) {
    const PetscInt n = sizes[s];
    /* Bytes the O(N) pass must move per event and site (StzKmcPass in lib/kmc.c): s1 and s2 read and written (4 doubles) and
     * the rate cache read (a float and an int32) and the flicker word (an int32: penalty and escape mask), plus the event's
     * two kernel components. The periodic kernel is
     * inversion-symmetric, so the kernel engine reads each kernel value once for the two mirror-image sites ey +- dy
     * (1 double per site); the slab-kernel engine reads 2 doubles per site. The default benchmark has no dilatation. sp is not
     * touched by the step: its cost is the separate sync column (paid only when someone reads the stresses). */
    const double bytes[2] = {(4 * 8.0 + 4.0 + 4.0 + 4.0 + 8.0) * n * n, (4 * 8.0 + 4.0 + 4.0 + 4.0 + 16.0) * n * n};
    for (int e = 0; e < 4; e++) {
      const PetscReal r        = rate[s][e];
      char            frac[32] = "-", ratio[32], sync[32] = "-";
      if (e < 2) PetscCall(PetscSNPrintf(frac, sizeof(frac), "%.3f", r * bytes[e] / bw));
      PetscCall(PetscSNPrintf(ratio, sizeof(ratio), e == 1 ? "%.2f" : "%.0f", rate[s][0] / r));
      if (e == 0) PetscCall(PetscSNPrintf(sync, sizeof(sync), "%.1f", 1e3 * ksync[s]));
      printf("%-11s %4dx%-4d %12.*f %12s %10s %12s %14s\n", names[e], (int)n, (int)n, e < 2 ? 0 : 1, r, extra[s][e] ? "yes" : "no", frac, ratio, sync);
      if (e < 2) fprintf(fp, "%s,%d,%d,%.6g,%s,%.4f\n", names[e], (int)n, (int)n, r, extra[s][e] ? "true" : "false", r * bytes[e] / bw);
      else fprintf(fp, "%s,%d,%d,%.6g,%s,\n", names[e], (int)n, (int)n, r, extra[s][e] ? "true" : "false");
    }
  }
  /* A block (free sides, fixed bottom, top under a compressive and shear traction): the slab-kernel engine's per-site kernels
   * against one FE back-substitution per event (factor), the two engines a block can use besides resolve. */
  if (block > 0) {
    const char *g = "-stz_geometry block -stz_bc_bottom fixed -stz_bc_top traction -stz_bc_top_value 2e8,-5e8";
    PetscReal   eb_s, eb_f;
    /* Ten times the events: in a block a window of 2000 events lands in a phase of the trajectory (a cheap flicker-dominated
     * stretch, or an avalanche), which moved the rate by a factor 3 between builds that differ only in round-off. */
    PetscReal eb_c;
    PetscCall(MeasureIn(g, "slab-kernel", block, block, 10 * events, windows, &eb_s, NULL));
    PetscCall(MeasureIn(g, "cut-kernel", block, block, 10 * events, windows, &eb_c, NULL));
    PetscCall(MeasureIn(g, "factor", block, block, PetscMax(20, events / 4), 1, &eb_f, NULL));
    printf("block %dx%d (free sides): slab-kernel (per-site kernels) %.0f events/s, cut-kernel %.0f events/s, factor %.1f events/s; slab-kernel/factor %.0f, cut-kernel/factor %.0f\n", (int)block,
           (int)block, eb_s, eb_c, eb_f, eb_s / eb_f, eb_c / eb_f);
    fprintf(fp, "slab-kernel-block,%d,%d,%.6g,false,\ncut-kernel-block,%d,%d,%.6g,false,\nfactor-block,%d,%d,%.6g,false,\n", (int)block, (int)block, eb_s, (int)block, (int)block, eb_c, (int)block,
            (int)block, eb_f);
  }
  /* A long strip with free ends on a roller base (the rolling studies' body): its per-site kernels would not fit (9 N^2
   * doubles, 19 GB at 1024 x 16), so cut-kernel against factor. */
  if (strip[0] > 0) {
    const char *g = "-stz_geometry block -stz_bc_bottom roller -stz_bc_top traction -stz_bc_top_value 2e8,-5e8";
    PetscReal   es_c, es_f;
    PetscCall(MeasureIn(g, "cut-kernel", strip[0], strip[1], 10 * events, windows, &es_c, NULL));
    PetscCall(MeasureIn(g, "factor", strip[0], strip[1], PetscMax(20, events / 4), 1, &es_f, NULL));
    printf("strip %dx%d (free ends, roller base): cut-kernel %.0f events/s, factor %.1f events/s, cut-kernel/factor %.0f\n", (int)strip[0], (int)strip[1], es_c, es_f, es_c / es_f);
    fprintf(fp, "cut-kernel-strip,%d,%d,%.6g,false,\nfactor-strip,%d,%d,%.6g,false,\n", (int)strip[0], (int)strip[1], es_c, (int)strip[0], (int)strip[1], es_f);
  }
  fclose(fp);
  printf("wrote %s\n", csv);
  PetscCall(PetscFinalize());
  return 0;
}
