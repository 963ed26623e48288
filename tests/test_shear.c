/* Emergent behaviour of pure shear at room temperature, against the signs physics requires.
 *  - Strain softening: the stress overshoots and drops (peak > 1.2 x flow stress), as for metallic glasses below T_g.
 *  - Localization: plastic strain concentrates on lines at 45 deg +- 10 deg to the principal axes (planes of maximum shear),
 *    and the localization index is at least 2.5 times that of the same site strains randomly shuffled (a null model with
 *    no spatial correlation; the shuffled index, about 0.07 here, is counting noise, and the margin keeps the check about
 *    correlation rather than about one seed's band width).
 *  - Thermally activated flow: the flow stress rises with strain rate (1e-2 -> 1 /s at 300 K) and falls with temperature
 *    (300 -> 400 K at 1 /s). Three seeds for the orientation check.
 *  - Homogeneous flow near T_g: at 560 K (0.9 T_g) and 1e-3 /s the plastic strain is spread over the lattice, and the flow
 *    stress rises with strain rate (1e-3 -> 1e-1 /s).
 *  - The 0.2 % offset yield of an abrupt yield (450 K) lies on the offset line, near the peak.
 *  - With the two-temperature preset vitreloy1-js the yield stress rises from 300 to 77 K by about Johnson & Samwer's 1.22,
 *    and its flow stress at 560 K rises with strain rate and does not depend on the flicker acceleration. */
#include <stzdyn/stzdyn.h>
#include "../lib/impl.h"
#include "check.h"

static PetscErrorCode RunWith(const char extra[], PetscReal T, PetscReal rate, PetscReal max_strain, PetscInt seed, StzSim *sim, StzSimResult *res)
{
  char opt[768];

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscSNPrintf(opt, sizeof(opt),
                          "-stz_quiet -stz_progress_s 0 -stz_output_dir test-output/stzdyn-test-shear -stz_protocol pure-shear -stz_nx 32 -stz_ny 32 -stz_max_strain %g "
                          "-stz_temperature_k %g -stz_strain_rate %g -stz_seed %d %s",
                          (double)max_strain, (double)T, (double)rate, (int)seed, extra));
  PetscCall(PetscOptionsInsertString(NULL, opt));
  PetscCall(StzSimCreate(PETSC_COMM_WORLD, sim));
  PetscCall(StzSimRun(*sim));
  PetscCall(StzSimGetResult(*sim, res));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(PetscReal T, PetscReal rate, PetscReal max_strain, PetscInt seed, StzSim *sim, StzSimResult *res)
{
  PetscFunctionBeginUser;
  PetscCall(RunWith("", T, rate, max_strain, seed, sim, res));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  StzSim       sim;
  StzSimResult cold[3], slow, warm, hot, hotfast;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (PetscInt s = 0; s < 3; s++) {
    const PetscReal *eps;
    PetscInt         nx, ny;
    PetscReal        g[32 * 32], ang;
    StzLocalization  shuffled;
    PetscCall(Run(300, 1, 0.05, s + 1, &sim, &cold[s]));
    PetscCall(StzSimGetSites(sim, &nx, &ny, NULL, &eps, NULL));
    StzPlasticShear(nx * ny, eps, g);
    /* Fisher-Yates shuffle with the project's counter-based generator. */
    for (PetscInt i = nx * ny - 1; i > 0; i--) {
      const PetscInt  j = (PetscInt)(StzRngUniform(StzRngKey(99, (uint64_t)s), (uint64_t)i) * (i + 1));
      const PetscReal t = g[i];
      g[i] = g[j], g[j] = t;
    }
    PetscCall(StzLocalizationCompute(nx, ny, PETSC_TRUE, g, &shuffled));
    ang = cold[s].band_angle_deg;
    STZ_CHECK(cold[s].peak_stress_pa > 1.2 * cold[s].flow_stress_pa, "seed %d, 300 K: stress overshoot, peak %.0f MPa > 1.2 x flow %.0f MPa", (int)(s + 1), (double)(cold[s].peak_stress_pa / 1e6),
              (double)(cold[s].flow_stress_pa / 1e6));
    STZ_CHECK(PetscAbsReal(ang - 45) <= 10 || PetscAbsReal(ang - 135) <= 10, "seed %d, 300 K: band along a plane of maximum shear, %.1f deg (45 or 135 +- 10)", (int)(s + 1), (double)ang);
    STZ_CHECK(cold[s].localization_index >= 2.5 * shuffled.index, "seed %d, 300 K: localization %.3f >= 2.5 x the shuffled field's %.3f", (int)(s + 1), (double)cold[s].localization_index,
              (double)shuffled.index);
    PetscCall(StzSimDestroy(&sim));
  }
  PetscCall(Run(300, 1e-2, 0.05, 1, &sim, &slow));
  PetscCall(StzSimDestroy(&sim));
  PetscCall(Run(400, 1, 0.05, 1, &sim, &warm));
  PetscCall(StzSimDestroy(&sim));
  PetscCall(Run(560, 1e-3, 0.3, 1, &sim, &hot));
  PetscCall(StzSimDestroy(&sim));
  PetscCall(Run(560, 1e-1, 0.3, 1, &sim, &hotfast));
  PetscCall(StzSimDestroy(&sim));
  PetscCall(StzSimDestroy(&sim));
  /* The rise is bounded by one STZ's rate sensitivity: a 100 times faster flow needs every rate 100 times higher, i.e. a
   * resolved stress higher by ln(100) / b (b = gamma0 Omega0 / 2kT) if the distribution of site stresses keeps its shape, and
   * less where more sites join in; pure shear resolves at least cos 30 deg of itself on the nearest orientation. */
  {
    StzMaterial mat;
    PetscReal   bound;
    PetscCall(StzMaterialPreset("vitreloy1", &mat));
    bound = PetscLogReal(100) / (mat.gamma0 * mat.stz_volume_m3 / (2 * 1.380649e-23 * 300)) / PetscCosReal(PETSC_PI / 6);
    STZ_CHECK(slow.flow_stress_pa < cold[0].flow_stress_pa && cold[0].flow_stress_pa - slow.flow_stress_pa < bound,
              "flow stress rises with strain rate at 300 K: %.0f MPa at 1e-2 /s < %.0f MPa at 1 /s, by less than one STZ's ln(100) / (b cos 30) = %.0f MPa", (double)(slow.flow_stress_pa / 1e6),
              (double)(cold[0].flow_stress_pa / 1e6), (double)(bound / 1e6));
  }
  STZ_CHECK(warm.flow_stress_pa < cold[0].flow_stress_pa && warm.peak_stress_pa < cold[0].peak_stress_pa,
            "flow and peak stress fall with temperature at 1 /s: 400 K %.0f / %.0f MPa < 300 K %.0f / %.0f MPa", (double)(warm.flow_stress_pa / 1e6), (double)(warm.peak_stress_pa / 1e6),
            (double)(cold[0].flow_stress_pa / 1e6), (double)(cold[0].peak_stress_pa / 1e6));
  /* Deformation maps of metallic glasses (Spaepen, Acta Metall 25, 407, 1977; Schuh, Hufnagel & Ramamurty, Acta Mater 55,
   * 4067, 2007): well below T_g flow localizes, near T_g and at low rates it is homogeneous, and thermally activated flow
   * needs a higher stress to go faster. At 0.9 T_g, 1e-3 /s and strain 0.3 (about three transformations per site) the
   * plastic strain must be spread: index below 0.1 (a band over 90 % of the lattice lines would give 0.1) and below a third
   * of the room-temperature run's; and the flow stress at 1e-1 /s must exceed that at 1e-3 /s. */
  STZ_CHECK(hot.localization_index < 0.1 && hot.localization_index < cold[0].localization_index / 3, "560 K (0.9 T_g), 1e-3 /s: homogeneous flow, localization %.3f < 0.1 and < 1/3 of 300 K's %.3f",
            (double)hot.localization_index, (double)cold[0].localization_index);
  STZ_CHECK(hotfast.flow_stress_pa > hot.flow_stress_pa, "560 K: flow stress rises with strain rate: %.0f MPa at 1e-3 /s < %.0f MPa at 1e-1 /s", (double)(hot.flow_stress_pa / 1e6),
            (double)(hotfast.flow_stress_pa / 1e6));
  /* The 0.2 % offset construction after an abrupt yield: at 450 K this box yields in one avalanche (the plastic strain jumps
   * from below 0.002 to about 0.015 between two rows), so the offset line meets the curve on the drop, just past the peak:
   * the yield point must lie on the recorded curve between the two rows where the plastic strain passes 0.002 (strain and
   * stress both between theirs), and the yield stress between 0.8 and 1 times the peak. (Taking the stress of the first row
   * past 0.002, as before the fifth session, gave the stress after the drop, a quarter of it.) */
  {
    StzSimResult abrupt;
    StzSeries    sr;
    PetscBool    on_curve = PETSC_FALSE;
    PetscCall(Run(450, 1e-2, 0.03, 1, &sim, &abrupt));
    PetscCall(StzSimGetSeries(sim, &sr));
    for (PetscInt k = 1; k < sr.n; k++)
      if (sr.plastic_strain[k - 1] < 0.002 && sr.plastic_strain[k] >= 0.002) {
        const PetscReal tol = 1e-9 * abrupt.peak_stress_pa;
        on_curve = (PetscBool)(abrupt.yield_strain >= sr.strain[k - 1] && abrupt.yield_strain <= sr.strain[k] && abrupt.yield_stress_pa >= PetscMin(sr.stress_pa[k - 1], sr.stress_pa[k]) - tol &&
                               abrupt.yield_stress_pa <= PetscMax(sr.stress_pa[k - 1], sr.stress_pa[k]) + tol);
        break;
      }
    STZ_CHECK(on_curve && abrupt.yield_stress_pa >= 0.8 * abrupt.peak_stress_pa && abrupt.yield_stress_pa <= abrupt.peak_stress_pa,
              "450 K, abrupt yield: 0.2 %% offset yield %.0f MPa at strain %.4f is on the recorded curve where the plastic strain passes 0.002, and within 0.8-1 x the peak %.0f MPa",
              (double)(abrupt.yield_stress_pa / 1e6), (double)abrupt.yield_strain, (double)(abrupt.peak_stress_pa / 1e6));
    PetscCall(StzSimDestroy(&sim));
  }
  /* Temperature dependence of yield with the two-temperature preset (docs/model.md 12): Johnson & Samwer's law (PRL 95,
   * 195501, 2005) gives sigma_y(77 K) / sigma_y(300 K) = 1.22 (1.17-1.29 within their fit's uncertainty), and one median STZ
   * of vitreloy1-js fires at 1/s at exactly their stresses. The box yields where its weakest sites (barriers down to 0.7 x
   * the median at the -3 sigma cut of the 10 % spread) fire, which raises the ratio to at most (0.7 tau_ath - 0.071 GPa) /
   * (0.7 tau_ath - 0.283 GPa) = 1.37 (tau_ath = 1.226 GPa, the thermal terms kT ln(nu0 1 s) / V*). Expected 1.22-1.37; checked
   * within 1.17-1.40 (the lower end of Johnson & Samwer's uncertainty to the weakest-site bound, with 2 % of seed scatter), far
   * from the Argon presets' 3.3 (docs/model.md 13). */
  for (PetscInt s = 1; s <= 2; s++) {
    StzSimResult r300, r77;
    PetscCall(RunWith("-stz_material vitreloy1-js", 300, 1e-2, 0.05, s, &sim, &r300));
    PetscCall(StzSimDestroy(&sim));
    PetscCall(RunWith("-stz_material vitreloy1-js", 77, 1e-2, 0.05, s, &sim, &r77));
    PetscCall(StzSimDestroy(&sim));
    STZ_CHECK(r300.yield_stress_pa > 0 && r77.yield_stress_pa / r300.yield_stress_pa > 1.17 && r77.yield_stress_pa / r300.yield_stress_pa < 1.40,
              "seed %d, vitreloy1-js at 1e-2 /s: yield stress 77 K / 300 K = %.0f / %.0f MPa = %.2f, within 1.17-1.40 (Johnson-Samwer 1.22, weakest sites 1.37)", (int)s,
              (double)(r77.yield_stress_pa / 1e6), (double)(r300.yield_stress_pa / 1e6), (double)(r77.yield_stress_pa / r300.yield_stress_pa));
  }
  /* Thermally activated flow near T_g without the flicker acceleration's bias: with vitreloy1-js unloaded STZs are frozen,
   * so the flow stress at 560 K must not depend on the flicker limit (within 10 %, the seed scatter of a 32 x 32 box), and
   * it must rise with strain rate (1e-3 -> 1e-1 /s) at either limit. (With the Argon preset the hot flow stress depends on the
   * limit, docs/validation.md, "Shear near T_g".) */
  for (PetscInt s = 1; s <= 2; s++) {
    StzSimResult r[2][2]; /* [limit 100, 1000][rate 1e-3, 1e-1] */
    for (int l = 0; l < 2; l++)
      for (int q = 0; q < 2; q++) {
        PetscCall(RunWith(l ? "-stz_material vitreloy1-js -stz_flicker_limit 1000" : "-stz_material vitreloy1-js -stz_flicker_limit 100", 560, q ? 1e-1 : 1e-3, 0.3, s, &sim, &r[l][q]));
        PetscCall(StzSimDestroy(&sim));
      }
    for (int q = 0; q < 2; q++)
      STZ_CHECK(PetscAbsReal(r[0][q].flow_stress_pa - r[1][q].flow_stress_pa) < 0.1 * r[1][q].flow_stress_pa,
                "seed %d, vitreloy1-js at 560 K and %g /s: flow stress %.0f MPa (flicker limit 100) and %.0f MPa (1000) agree within 10 %%", (int)s, q ? 1e-1 : 1e-3,
                (double)(r[0][q].flow_stress_pa / 1e6), (double)(r[1][q].flow_stress_pa / 1e6));
    STZ_CHECK(r[0][1].flow_stress_pa > r[0][0].flow_stress_pa && r[1][1].flow_stress_pa > r[1][0].flow_stress_pa,
              "seed %d, vitreloy1-js at 560 K: flow stress rises with strain rate, 1e-3 -> 1e-1 /s: %.0f -> %.0f MPa (limit 100), %.0f -> %.0f MPa (limit 1000)", (int)s,
              (double)(r[0][0].flow_stress_pa / 1e6), (double)(r[0][1].flow_stress_pa / 1e6), (double)(r[1][0].flow_stress_pa / 1e6), (double)(r[1][1].flow_stress_pa / 1e6));
  }
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
