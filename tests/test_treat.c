/* Thermomechanical treatments (issue 5), against the signs and trends the literature reports (review in reference/,
 * Box 2 and "Effects of elastic and thermal strains"):
 *  - Annealing below T_g lowers the stored energy and raises the 0.2 %-offset yield stress of a later shear test (same
 *    seed, with and without a 1 h anneal at 0.9 T_g; seeds 1-3 give +12 to +15 %, the threshold is 5 %; a 10-min anneal
 *    gives +1 to +14 %, within the seed-to-seed scatter of one 32 x 32 box).
 *  - Creep at low stress and high temperature (0.3 sigma_y, 0.9 T_g): ageing wins, the energy falls. (The creep strain is
 *    about 1e-4 and the energy ends where the same anneal without load takes it, within the scatter of seeds.)
 *  - Cyclic pure shear below the yield strain lowers the energy of an as-quenched glass cycle by cycle towards a plateau
 *    (the last cycle changes it by less than a quarter of the first); above it the dissipated work per cycle is at least
 *    100 times larger, and the glass ends with more stored energy than after the same cycles below the threshold.
 *  - Stress-controlled cycles below yield (300 MPa) anneal the same way, to a plateau, and the strain amplitude is tau / mu
 *    (Hooke's law in pure shear) within 2 %.
 *  - Cycling far above the yield amplitude where flow spreads over the sample (0.72 T_g, amplitude 0.12, six times the
 *    yield strain) erases the memory of the initial state: an as-quenched and a well-annealed start both gain energy and
 *    end within a tenth of their initial difference (MD: Fiocco, Foffi & Sastry, PRE 88, 020301, 2013; Leishangthem,
 *    Parmar & Sastry, Nat. Commun. 8, 14653, 2017). Thermal relaxation at 450 K is negligible over the 40 s (a
 *    median site of the annealed start relaxes once in ~10^10 s there), so the convergence is mechanical.
 *  - A long hold at T_g brings a relaxed (T_f < T_g) and a rejuvenated (T_f > T_g) glass towards the same state (the
 *    equilibrium liquid, T_f = T_g): both mean T_f move towards T_g, the relaxed one more than half-way, and their
 *    difference shrinks by at least three quarters.
 *  - Creep with -stz_yield_stress_pa measure uses the yield stress of a pure-shear test of the same fresh sample (reproduced
 *    exactly by a separate run) and applies the requested fraction of it. In a sequence (anneal, creep) the test is of the
 *    sample as the creep stage finds it: the same as the pure-shear stage of a separate sequence (anneal, pure-shear), and
 *    higher than the fresh sample's (annealing hardens).
 * Not tested here because the model does not show them (docs/validation.md, "Treatments"): rejuvenation by creep at
 * 0.85 sigma_y (an annealed glass keeps its stored energy or ages at every temperature from 77 K to 0.9 T_g), and
 * rejuvenation by thermal cycling. */
#include <stzdyn/stzdyn.h>
#include "../lib/impl.h"
#include "check.h"
#include <stdlib.h>
#include <string.h>

static PetscErrorCode Run(const char *opts, StzSim *sim)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, "-stz_quiet -stz_progress_s 0 -stz_nx 32 -stz_ny 32"));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(StzSimCreate(PETSC_COMM_WORLD, sim));
  PetscCall(StzSimRun(*sim));
  PetscFunctionReturn(0);
}

/* Columns 3 (stored energy), 8 (dissipated work) and 14 (mean barrier, if B) of cycles.csv, rows 0..n-1. */
static int ReadCycles(const char *dir, double E[], double W[], double B[], int nmax)
{
  char  path[512], line[1024];
  FILE *fp;
  int   n = 0;
  snprintf(path, sizeof(path), "%s/cycles.csv", dir);
  if (!(fp = fopen(path, "r"))) return 0;
  if (!fgets(line, sizeof(line), fp)) return fclose(fp), 0;
  while (n < nmax && fgets(line, sizeof(line), fp)) {
    /* Fields by position; row 0 has empty work fields, which strtok would skip. */
    const char *f = line;
    for (int c = 0; f; c++) {
      if (c == 2) E[n] = atof(f);
      if (c == 7) W[n] = atof(f);
      if (c == 13 && B) B[n] = atof(f);
      f = strchr(f, ',');
      if (f) f++;
    }
    n++;
  }
  fclose(fp);
  return n;
}

int main(int argc, char **argv)
{
  StzSim       sim;
  StzSimResult plain, after;
  StzEnergy    e0, e1;
  double       Eb[16], Wb[16], Ea[16], Wa[16], wb = 0, wa = 0;
  int          nb, na;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));

  /* Anneal -> shear, against shear alone. */
  PetscCall(Run("-stz_protocol pure-shear -stz_temperature_k 300 -stz_strain_rate 1e-2 -stz_max_strain 0.05 -stz_output_dir test-output/stzdyn-test-treat/plain", &sim));
  PetscCall(StzSimGetResult(sim, &plain));
  PetscCall(StzSimDestroy(&sim));
  PetscCall(Run("-stz_protocol anneal -stz_anneal_temperature_k 562.5 -stz_hold_time_s 600 -stz_output_dir test-output/stzdyn-test-treat/anneal", &sim));
  e0 = sim->energy0;
  StzKmcEnergy(sim->kmc, &e1);
  STZ_CHECK(e1.total_j_per_gatom < e0.total_j_per_gatom - 100, "annealing 600 s at 0.9 T_g lowers the stored energy: %.1f -> %.1f J/g-atom (by > 100)", e0.total_j_per_gatom, e1.total_j_per_gatom);
  PetscCall(StzSimDestroy(&sim));
  /* Creep at low stress and high temperature: the same hold under 0.3 of the room-temperature yield stress (600 MPa on this
   * lattice, configs/creep.yaml). */
  {
    StzEnergy c1;
    PetscCall(Run("-stz_protocol creep -stz_temperature_k 562.5 -stz_yield_stress_pa 6e8 -stz_creep_stress_fraction 0.3 -stz_hold_time_s 600 "
                  "-stz_output_dir test-output/stzdyn-test-treat/creep-hot",
                  &sim));
    StzKmcEnergy(sim->kmc, &c1);
    STZ_CHECK(c1.total_j_per_gatom < e0.total_j_per_gatom - 50, "creep at 0.3 sigma_y and 0.9 T_g: ageing wins, %.1f -> %.1f J/g-atom (by > 50)", e0.total_j_per_gatom, c1.total_j_per_gatom);
    /* A creep strain of ~1e-4 renews a few sites at most, so the load must not move the end state by more than a tenth of
     * what the ageing does (seeds 1-3 differ from the unloaded anneal by 4-7 J/g-atom of ~375). */
    STZ_CHECK(PetscAbsReal(c1.total_j_per_gatom - e1.total_j_per_gatom) < 0.1 * (e0.total_j_per_gatom - e1.total_j_per_gatom),
              "and it ends where the same hold without load does: %.1f against %.1f J/g-atom (within a tenth of the anneal's fall)", c1.total_j_per_gatom, e1.total_j_per_gatom);
    PetscCall(StzSimDestroy(&sim));
  }
  PetscCall(Run("-stz_protocol sequence -stz_sequence anneal,pure-shear -stz_anneal_temperature_k 562.5 -stz_hold_time_s 3600 -stz_temperature_k 300 -stz_strain_rate 1e-2 "
                "-stz_max_strain 0.05 -stz_output_dir test-output/stzdyn-test-treat/seq",
                &sim));
  PetscCall(StzSimGetResult(sim, &after));
  STZ_CHECK(after.yield_stress_pa > 1.05 * plain.yield_stress_pa, "annealing 1 h raises the yield stress of a later shear test: %.1f MPa vs %.1f MPa without (> 5%%)", after.yield_stress_pa / 1e6,
            plain.yield_stress_pa / 1e6);
  PetscCall(StzSimDestroy(&sim));

  /* Cyclic pure shear below (0.01) and above (0.04) the yield strain (about 0.02 here). */
  PetscCall(Run("-stz_protocol cyclic -stz_temperature_k 300 -stz_cyclic_amplitude 0.01 -stz_cycles 6 -stz_output_dir test-output/stzdyn-test-treat/below", &sim));
  PetscCall(StzSimDestroy(&sim));
  PetscCall(Run("-stz_protocol cyclic -stz_temperature_k 300 -stz_cyclic_amplitude 0.04 -stz_cycles 6 -stz_output_dir test-output/stzdyn-test-treat/above", &sim));
  PetscCall(StzSimDestroy(&sim));
  nb = ReadCycles("test-output/stzdyn-test-treat/below", Eb, Wb, NULL, 16);
  na = ReadCycles("test-output/stzdyn-test-treat/above", Ea, Wa, NULL, 16);
  STZ_CHECK(nb == 7 && na == 7, "cycles.csv has rows 0..6 (%d and %d rows)", nb, na);
  if (nb == 7 && na == 7) {
    for (int k = 2; k <= 6; k++) wb += Wb[k] / 5, wa += Wa[k] / 5;
    STZ_CHECK(Eb[6] < Eb[0] - 20, "below the threshold cycling lowers the energy: %.1f -> %.1f J/g-atom (by > 20)", Eb[0], Eb[6]);
    STZ_CHECK(fabs(Eb[6] - Eb[5]) < 0.25 * fabs(Eb[1] - Eb[0]), "towards a plateau: last cycle changes it by %.2f, the first by %.2f J/g-atom (< 1/4)", Eb[6] - Eb[5], Eb[1] - Eb[0]);
    STZ_CHECK(wa > 100 * fabs(wb) && wa > 10, "dissipated work per cycle rises sharply across the threshold: %.3g J/g-atom above vs %.3g below (> 100x)", wa, wb);
    STZ_CHECK(Ea[6] > Eb[6] + 10, "above the threshold the glass ends more energetic than below it: %.1f vs %.1f J/g-atom (by > 10)", Ea[6], Eb[6]);
  }

  /* Stress-controlled cycles below yield (300 MPa, about half the yield stress): the same mechanical annealing, and the strain
   * follows Hooke's law in pure shear, gamma = tau / mu, to 2 %. */
  {
    double Es[12], Ws[12], gmax = 0, mu;
    int    ns;
    char   line[1024];
    FILE  *fp;
    PetscCall(Run("-stz_protocol cyclic -stz_temperature_k 300 -stz_cyclic_control stress -stz_cyclic_stress_pa 3e8 -stz_cycles 6 -stz_output_dir test-output/stzdyn-test-treat/stress", &sim));
    mu = sim->cfg.mat.shear_modulus_pa;
    PetscCall(StzSimDestroy(&sim));
    ns = ReadCycles("test-output/stzdyn-test-treat/stress", Es, Ws, NULL, 12);
    STZ_CHECK(ns == 7 && Es[6] < Es[0] - 20 && fabs(Es[6] - Es[5]) < 0.25 * fabs(Es[1] - Es[0]),
              "stress-controlled cycles at 300 MPa lower the energy to a plateau: %.1f -> %.1f J/g-atom, first cycle %.2f, last %.2f", ns > 0 ? Es[0] : 0, ns == 7 ? Es[6] : 0,
              ns > 1 ? Es[1] - Es[0] : 0, ns == 7 ? Es[6] - Es[5] : 0);
    if ((fp = fopen("test-output/stzdyn-test-treat/stress/series.csv", "r"))) {
      if (fgets(line, sizeof(line), fp))
        while (fgets(line, sizeof(line), fp)) {
          const char *f = strchr(line, ',');
          if (f) gmax = fmax(gmax, fabs(atof(f + 1)));
        }
      fclose(fp);
    }
    STZ_CHECK(fabs(gmax / (3e8 / mu) - 1) < 0.02, "and the strain amplitude is tau / mu: %.5f against %.5f", gmax, 3e8 / mu);
  }

  /* Far above the yield amplitude at 0.72 T_g, from an as-quenched and from an annealed start (16 x 16 sites). */
  {
    double Eq[8], Wq[8], Bq[8], En[8], Wn[8], Bn[8];
    int    nq, nn;
    PetscCall(Run("-stz_protocol cyclic -stz_nx 16 -stz_ny 16 -stz_temperature_k 450 -stz_cyclic_amplitude 0.12 -stz_cycles 4 "
                  "-stz_output_dir test-output/stzdyn-test-treat/memory-quenched",
                  &sim));
    PetscCall(StzSimDestroy(&sim));
    PetscCall(Run("-stz_protocol cyclic -stz_nx 16 -stz_ny 16 -stz_temperature_k 450 -stz_cyclic_amplitude 0.12 -stz_cycles 4 -stz_initial_state annealed "
                  "-stz_output_dir test-output/stzdyn-test-treat/memory-annealed",
                  &sim));
    PetscCall(StzSimDestroy(&sim));
    nq = ReadCycles("test-output/stzdyn-test-treat/memory-quenched", Eq, Wq, Bq, 8);
    nn = ReadCycles("test-output/stzdyn-test-treat/memory-annealed", En, Wn, Bn, 8);
    STZ_CHECK(nq == 5 && nn == 5, "cycles.csv has rows 0..4 (%d and %d rows)", nq, nn);
    if (nq == 5 && nn == 5) {
      STZ_CHECK(Eq[4] > Eq[0] && En[4] > En[0], "far above the threshold both starts gain energy: %.1f -> %.1f and %.1f -> %.1f J/g-atom", Eq[0], Eq[4], En[0], En[4]);
      STZ_CHECK(fabs(Eq[4] - En[4]) < 0.1 * fabs(Eq[0] - En[0]), "and forget where they started: difference %.1f -> %.1f J/g-atom (< 1/10)", fabs(Eq[0] - En[0]), fabs(Eq[4] - En[4]));
      /* The mean barrier also carries the barrier disorder g of the renewed sites, fresh draws in each run: on 256 sites its
       * sampling noise alone is about dF0 s_b sqrt(2 / 256) = 0.009 eV in the difference, hence 1/5 here (0.03 eV). */
      STZ_CHECK(fabs(Bq[4] - Bn[4]) < 0.2 * fabs(Bq[0] - Bn[0]), "in their barriers too: mean barrier difference %.4f -> %.4f eV (< 1/5)", fabs(Bq[0] - Bn[0]), fabs(Bq[4] - Bn[4]));
    }
  }

  /* A long hold at T_g from a relaxed and from a rejuvenated start (16 x 16 sites). With flicker limit 10 instead of the
   * default 100: without load T_f moves only by relaxation events, whose rates are exact and do not depend on a site's flip
   * state, so the strength of the acceleration does not matter (measured: 610.4 and 626.8 K with 100, 609.6 and 626.5 K
   * with 10), and the hold costs a tenth of the events. */
  {
    PetscReal tf[2][2];
    for (int s = 0; s < 2; s++) {
      PetscCall(Run(s ? "-stz_protocol anneal -stz_nx 16 -stz_ny 16 -stz_anneal_temperature_k 625 -stz_hold_time_s 20000 -stz_flicker_limit 10 -stz_initial_state annealed -stz_initial_anneal_k 575 "
                        "-stz_output_dir test-output/stzdyn-test-treat/tg-relaxed"
                      : "-stz_protocol anneal -stz_nx 16 -stz_ny 16 -stz_anneal_temperature_k 625 -stz_hold_time_s 20000 -stz_flicker_limit 10 -stz_cooling_rate_k_per_s 1e3 "
                        "-stz_output_dir test-output/stzdyn-test-treat/tg-rejuvenated",
                    &sim));
      StzKmcEnergy(sim->kmc, &e1);
      tf[s][0] = sim->energy0.mean_tf_k;
      tf[s][1] = e1.mean_tf_k;
      PetscCall(StzSimDestroy(&sim));
    }
    STZ_CHECK(tf[0][1] < tf[0][0] && tf[0][1] > 625 - 5, "at T_g a rejuvenated glass relaxes towards T_g: T_f %.1f -> %.1f K", tf[0][0], tf[0][1]);
    STZ_CHECK(tf[1][1] > 0.5 * (tf[1][0] + 625) && tf[1][1] < 625 + 5, "at T_g a relaxed glass rejuvenates more than half-way to T_g: T_f %.1f -> %.1f K", tf[1][0], tf[1][1]);
    STZ_CHECK(fabs(tf[0][1] - tf[1][1]) < 0.25 * fabs(tf[0][0] - tf[1][0]), "and their difference shrinks by more than three quarters: %.1f K -> %.1f K", fabs(tf[0][0] - tf[1][0]),
              fabs(tf[0][1] - tf[1][1]));
  }
  /* -stz_yield_stress_pa measure: the creep stage first runs a pure-shear test (1e-2 /s, to strain 0.1) of a fresh copy of
   * the sample at the creep temperature. Same seed and options, so it must reproduce a separate pure-shear run exactly, and
   * the creep stress must be the requested fraction of that yield stress. */
  {
    StzSimResult ref;
    PetscReal    ys;
    char         line[256];
    double       creep_pa = -1;
    FILE        *fp;
    PetscCall(Run("-stz_protocol pure-shear -stz_temperature_k 300 -stz_strain_rate 1e-2 -stz_max_strain 0.1 -stz_output_dir test-output/stzdyn-test-treat/ys-ref", &sim));
    PetscCall(StzSimGetResult(sim, &ref));
    PetscCall(StzSimDestroy(&sim));
    PetscCall(Run("-stz_protocol creep -stz_temperature_k 300 -stz_yield_stress_pa measure -stz_creep_stress_fraction 0.5 -stz_hold_time_s 1 "
                  "-stz_output_dir test-output/stzdyn-test-treat/ys-measure",
                  &sim));
    ys = sim->cfg.tr.yield_stress_pa;
    PetscCall(StzSimDestroy(&sim));
    if ((fp = fopen("test-output/stzdyn-test-treat/ys-measure/summary.json", "r"))) {
      while (fgets(line, sizeof(line), fp))
        if (strstr(line, "\"creep_stress_pa\":")) creep_pa = atof(strchr(line, ':') + 1);
      fclose(fp);
    }
    STZ_CHECK(ref.yield_stress_pa > 0 && PetscAbsReal(ys - ref.yield_stress_pa) <= 1e-9 * ref.yield_stress_pa,
              "creep with -stz_yield_stress_pa measure uses the yield stress of the same sample's pure-shear test: %.6g MPa against %.6g MPa", (double)(ys / 1e6), (double)(ref.yield_stress_pa / 1e6));
    STZ_CHECK(PetscAbsReal(creep_pa - 0.5 * ys) <= 1e-6 * ys, "summary.json creep_stress_pa %.6g MPa = 0.5 x the measured yield stress", creep_pa / 1e6);

    /* In a sequence: the earlier stages are replayed on the copy (deterministic), so the test sees the annealed sample. */
    {
      const char *anneal = "-stz_protocol sequence -stz_temperature_k 300 -stz_anneal_temperature_k 562.5 -stz_hold_time_s 100 ";
      char        opt[512];
      double      ref_seq = -1;
      creep_pa            = -1;
      PetscCall(PetscSNPrintf(opt, sizeof opt, "%s -stz_sequence anneal,pure-shear -stz_strain_rate 1e-2 -stz_max_strain 0.1 -stz_output_dir test-output/stzdyn-test-treat/ys-seq-ref", anneal));
      PetscCall(Run(opt, &sim));
      PetscCall(StzSimDestroy(&sim));
      PetscCall(
          PetscSNPrintf(opt, sizeof opt, "%s -stz_sequence anneal,creep -stz_yield_stress_pa measure -stz_creep_stress_fraction 0.5 -stz_output_dir test-output/stzdyn-test-treat/ys-seq", anneal));
      /* The sequence's own hold time (100 s) also serves the creep stage. */
      PetscCall(Run(opt, &sim));
      PetscCall(StzSimDestroy(&sim));
      if ((fp = fopen("test-output/stzdyn-test-treat/ys-seq-ref/02-pure-shear/summary.json", "r"))) {
        while (fgets(line, sizeof(line), fp))
          if (strstr(line, "\"yield_stress_pa\":")) ref_seq = atof(strchr(line, ':') + 1);
        fclose(fp);
      }
      if ((fp = fopen("test-output/stzdyn-test-treat/ys-seq/02-creep/summary.json", "r"))) {
        while (fgets(line, sizeof(line), fp))
          if (strstr(line, "\"creep_stress_pa\":")) creep_pa = atof(strchr(line, ':') + 1);
        fclose(fp);
      }
      STZ_CHECK(ref_seq > 0 && PetscAbsReal(2 * creep_pa - ref_seq) <= 1e-6 * ref_seq,
                "in a sequence anneal, creep the measured yield stress is that of the annealed sample: %.6g MPa against %.6g MPa for the sequence anneal, pure-shear", 2 * creep_pa / 1e6,
                ref_seq / 1e6);
      STZ_CHECK(ref_seq > ys, "and above the fresh sample's (%.6g MPa): annealing hardens", ys / 1e6);
    }
  }
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
