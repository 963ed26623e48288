/* The heating scan (-stz_protocol dsc, docs/model.md 11d), against what calorimetry of metallic glasses shows (review in
 * reference/, Figures 3 and 4a and Box 1) and what any glass's relaxation must do:
 *  - The relaxation enthalpy (the heat given off before the glass transition) grows with the excess enthalpy the glass was
 *    made with: a glass quenched at 1000 K/s gives off more than one quenched at 10 K/s, which gives off more than one
 *    equilibrated at 0.9 T_g (almost nothing: it is relaxed).
 *  - The more rejuvenated glass starts giving off its heat at lower temperatures: half of it has come off at a lower
 *    temperature (the review's Figure 4a: after rejuvenation "the relaxation spectrum starts at a lower temperature").
 *  - The glass transition on heating moves up with the heating rate (a faster scan leaves less time to relax), here for a
 *    10 times faster scan.
 *  - Heating through the glass transition erases the thermal history, which is why calorimetry rescans a sample as its
 *    baseline: at the end of the scan (1.08 T_g, 675 K) the glasses quenched at 10 and 1000 K/s hold stored energies within a tenth of
 *    their initial difference.
 *  - The heat given off is the fall of the stored energy, step by step (dsc.csv against the energies of the run).
 * Each scan: 16 x 16 sites, from 300 K to 675 K (1.08 T_g) at 20 K/min (about 15 s; the faster scan 3 s). */
#include <stzdyn/stzdyn.h>
#include "../lib/impl.h"
#include "testrun.h"

typedef struct {
  PetscReal e0, e1, dh, half_k, tg_k, released_end;
} Scan;

static PetscErrorCode RunScan(const char *extra, const char *dir, Scan *out)
{
  char         opts[1024], path[1100], line[1024];
  StzSim       sim;
  StzSimResult r;
  StzEnergy    e;
  FILE        *fp;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(opts, sizeof(opts), "-stz_protocol dsc -stz_nx 16 -stz_ny 16 -stz_quiet -stz_progress_s 0 -stz_output_dir test-output/stzdyn-test-dsc/%s %s", dir, extra));
  PetscCall(StzTestRun(opts, &sim));
  PetscCall(StzSimGetResult(sim, &r));
  StzKmcEnergy(sim->kmc, &e);
  out->e0     = sim->energy0.total_j_per_gatom;
  out->e1     = e.total_j_per_gatom;
  out->dh     = r.dsc_relaxation_enthalpy_j_per_gatom;
  out->half_k = r.dsc_release_50_k;
  out->tg_k   = r.dsc_glass_transition_k;
  PetscCall(StzSimDestroy(&sim));
  /* The last row's heat_released_j_per_gatom (column 9). */
  out->released_end = NAN;
  PetscCall(PetscSNPrintf(path, sizeof(path), "test-output/stzdyn-test-dsc/%s/dsc.csv", dir));
  if ((fp = fopen(path, "r"))) {
    while (fgets(line, sizeof(line), fp)) {
      const char *f = line;
      for (int c = 0; f && c < 8; c++) f = (f = strchr(f, ',')) ? f + 1 : NULL;
      if (f && line[0] != 't') out->released_end = atof(f);
    }
    fclose(fp);
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  Scan q10, q1000, ann, fast;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(RunScan("", "q10", &q10));
  PetscCall(RunScan("-stz_cooling_rate_k_per_s 1000", "q1000", &q1000));
  PetscCall(RunScan("-stz_initial_state annealed", "annealed", &ann));
  PetscCall(RunScan("-stz_dsc_rate_k_per_s 3.3333333333", "fast", &fast));

  STZ_CHECK(q1000.dh > q10.dh && q10.dh > ann.dh && ann.dh >= 0, "relaxation enthalpy grows with the quench rate: %.1f (1000 K/s) > %.1f (10 K/s) > %.1f J/g-atom (equilibrated at 0.9 T_g)", q1000.dh,
            q10.dh, ann.dh);
  STZ_CHECK(q1000.half_k > 0 && q1000.half_k < q10.half_k, "the more rejuvenated glass gives off half its heat at a lower temperature: %.0f K against %.0f K", q1000.half_k, q10.half_k);
  STZ_CHECK(q10.tg_k > 0 && fast.tg_k > q10.tg_k, "a 10 times faster scan moves the glass transition up: %.1f K against %.1f K at 20 K/min", fast.tg_k, q10.tg_k);
  STZ_CHECK(PetscAbsReal(q1000.e1 - q10.e1) < 0.1 * PetscAbsReal(q1000.e0 - q10.e0),
            "heating to 1.08 T_g erases the history: the two quenched glasses end %.1f J/g-atom apart, against %.1f at the start (< a tenth)", PetscAbsReal(q1000.e1 - q10.e1),
            PetscAbsReal(q1000.e0 - q10.e0));
  STZ_CHECK(StzClose(q10.released_end, q10.e0 - q10.e1, 1e-6, 1e-6), "dsc.csv's heat given off over the scan, %.6f J/g-atom, is the fall of the stored energy, %.6f", q10.released_end,
            q10.e0 - q10.e1);
  PetscCall(PetscFinalize());
  return stz_test_failures > 100 ? 100 : stz_test_failures;
}
