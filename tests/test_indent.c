/* Nanoindentation by a rigid cylinder (docs/model.md 10c), against elasticity theory and the signs the literature reports:
 *  - Elastic field: with no event, the site stresses under the indenter match Hertz's line contact on a half-plane
 *    (McEwen 1949; Johnson, Contact Mechanics, 1985, eqs. 4.49-4.50) on the axis of the contact: sigma_z = -p0 a / sqrt(a^2 +
 *    z^2), sigma_x = -p0 [(a^2 + 2 z^2) / (a sqrt(a^2 + z^2)) - 2 z / a], and the largest shear stress (sigma_x - sigma_z) / 2
 *    = 0.300 p0 at z = 0.786 a. The slab is finite (a = 8 sites; 16a deep on a fixed base, 32a periodic width; the factor
 *    engine, which needs no per-row kernels) and a site averages a 1 nm square. The finite slab stiffens the field: the largest
 *    shear came out 0.321, 0.315 and 0.312 p0 on slabs of 16a x 8a, 16a x 16a and 32a x 16a, converging towards Hertz's
 *    value as the slab grows, so the tolerances are 4 % of p0 on the stresses at 0.5-1.5 a, 5 % on the largest shear and
 *    one site on its depth.
 *  - Bookkeeping, after a pop-in: the engine's site stresses equal an FE solve of the indenter's pressure with all the
 *    eigenstrains (1e-8), and the run's depth h = F c(a) + sum_i A q_i : eps*_i (Betti's reciprocal theorem) equals the FE's
 *    pressure-weighted displacement of the surface (1e-8). The plastic depth is positive: the indenter sinks.
 *  - Contact (-stz_indent_contact): elastic, the solved contact is Hertz's (half-width within 3 %, tip depth = Hertz's
 *    pressure-weighted depth + a^2/8R within 3 %); after flow it is a contact by an independent FE solve (the loaded nodes
 *    touch the cylinder to 1e-8, the others clear it, the forces push and sum to the load), the dent spreads it beyond
 *    Hertz's width, and the indenter holds at a finite depth (under a quarter of the slab at 30 N/m) where Hertz's pressure
 *    on Hertz's contact sinks through half the slab.
 *  - Pre-cycles (-stz_indent_cycles): series.csv turns at the cycles' top load and at zero, and the pop-in comes after.
 *  - The first pop-in is thermally activated nucleation (Schuh & Lund, J. Mater. Res. 19, 2152, 2004): a load ramp 100
 *    times faster reaches a higher load before it, and by how much follows from the activation volume: an STZ whose log-rate
 *    is linear in its resolved shear, b = gamma0 Omega0 / 2kT per Pa, first fires under a ramp when its hazard reaches about
 *    one, at a stress that rises by ln(100) / b (380 MPa at 300 K) for a ramp 100 times faster. Hertz's largest shear at the
 *    pop-in must rise by 0.5-1.25 times that: at most 1 / cos 30 deg = 1.15 times (the nearest of the three orientations)
 *    plus scatter, and less where the sites that fire first were softened by earlier events. A factor 2 in b fails.
 *  - A relaxed glass pops in at higher loads than an as-quenched one (the review in reference/, Fig. 4b: relaxation shifts
 *    the first pop-in loads up).
 *  - Under a cylinder the shear stress peaks below the surface (0.786 a), so the first pop-in's plastic depth comes from
 *    below the surface: its depth-weighted centroid lies between 0.3 a and 3 a deep, within 2a of the axis (mean of seeds).
 * The two ensemble comparisons ask for the means to differ by more than three standard errors (six seeds each). */
#include <stzdyn/stzdyn.h>
#include "../lib/impl.h"
#include "testrun.h"
#include <string.h>

/* Mean and standard error of the first pop-in loads of seeds 1..n for opts; also the mean centroid, in units of the
 * contact half-width at the pop-in, and the mean of Hertz's largest shear stress at the pop-ins. */
static PetscErrorCode PopinLoads(const char opts[], PetscInt n, PetscReal *mean, PetscReal *se, PetscReal *zc, PetscReal *xc, PetscInt *missing, PetscReal *tau_mean)
{
  PetscReal s = 0, s2 = 0, st = 0;
  char      opt[1024], path[PETSC_MAX_PATH_LEN], line[1024];

  PetscFunctionBeginUser;
  *zc = *xc = 0;
  *missing  = 0;
  for (PetscInt k = 0; k < n; k++) {
    StzSim       sim;
    StzSimResult r;
    FILE        *fp;
    PetscCall(PetscSNPrintf(opt, sizeof opt, "%s -stz_seed %d -stz_output_dir test-output/stzdyn-test-indent/ens", opts, (int)(k + 1)));
    PetscCall(StzTestRun(opt, &sim));
    PetscCall(StzSimGetResult(sim, &r));
    PetscCall(StzSimDestroy(&sim));
    if (r.popin_count < 1) {
      (*missing)++;
      continue;
    }
    s += r.first_popin_load_n_per_m;
    s2 += r.first_popin_load_n_per_m * r.first_popin_load_n_per_m;
    st += r.first_popin_max_shear_pa;
    /* popin.csv: half-width (column 4), centroid x and depth (14, 15) of the first pop-in. */
    PetscCall(PetscSNPrintf(path, sizeof path, "test-output/stzdyn-test-indent/ens/popin.csv"));
    if ((fp = fopen(path, "r"))) {
      if (fgets(line, sizeof line, fp) && fgets(line, sizeof line, fp)) {
        double v[15];
        char  *p = line;
        for (int c = 0; c < 15; c++) {
          v[c] = strtod(p, &p);
          if (*p == ',') p++;
        }
        *zc += v[14] / v[3] / n;
        *xc += PetscAbsReal(v[13]) / v[3] / n;
      }
      fclose(fp);
    }
  }
  *mean     = s / n;
  *tau_mean = n > *missing ? st / (n - *missing) : 0;
  *se       = n > 1 ? PetscSqrtReal(PetscMax(0, (s2 - n * (*mean) * (*mean)) / (n - 1)) / n) : 0;
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  StzSim sim;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));

  /* Elastic field: R = 1 um, loaded to the load where Hertz's half-width is 8 sites (F = pi a^2 E* / 4R); at 100 K nothing
   * fires. */
  {
    const PetscReal  R = 1e-6, s = 1e-9;
    PetscReal        a, p0, F, Estar, worst = 0, tmax = 0, ztmax = 0;
    const PetscReal *q;
    char             opt[1024];
    PetscInt         N, nx = 256, ny = 128;
    StzSimResult     r;
    PetscCall(PetscOptionsClear(NULL));
    PetscCall(PetscOptionsInsertString(NULL, "-stz_material vitreloy1"));
    {
      StzConfig c;
      PetscCall(StzConfigFromOptions(PETSC_COMM_WORLD, &c));
      Estar = 2 * c.mat.shear_modulus_pa / (1 - c.mat.poisson_ratio);
    }
    F = PETSC_PI * 64e-18 * Estar / (4 * R);
    PetscCall(PetscSNPrintf(opt, sizeof opt,
                            "-stz_quiet -stz_protocol indent -stz_geometry slab -stz_bc_bottom fixed -stz_bc_top free -stz_nx %d -stz_ny %d -stz_temperature_k 100 -stz_indent_radius_m %g "
                            "-stz_indent_max_load %.10g -stz_indent_load_rate %.10g -stz_engine factor -stz_output_dir test-output/stzdyn-test-indent/hertz",
                            (int)nx, (int)ny, (double)R, (double)F, (double)F));
    PetscCall(StzTestRun(opt, &sim));
    PetscCall(StzSimGetResult(sim, &r));
    StzIndentGetField(sim, &a, &q);
    N  = nx * ny;
    p0 = 2 * F / (PETSC_PI * a);
    STZ_CHECK(r.events == 0 && PetscAbsReal(a - 8e-9) < 0.03 * 8e-9, "elastic: no event at 100 K (%lld), contact half-width %.3f nm (8 nm)", (long long)r.events, (double)(a * 1e9));
    for (PetscInt k = 0; k < ny; k++) {
      /* The axis of the contact is the line between columns nx/2 - 1 and nx/2: average them (symmetric). */
      const PetscInt  i0 = (ny - 1 - k) * nx + nx / 2 - 1, i1 = i0 + 1;
      const PetscReal z = (k + 0.5) * s, w = PetscSqrtReal(a * a + z * z);
      const PetscReal s1 = 0.5 * (q[i0] + q[i1]) * F, sp = 0.5 * (q[2 * N + i0] + q[2 * N + i1]) * F;
      const PetscReal sx = sp + s1, sz = sp - s1, tau = PetscAbsReal(s1);
      const PetscReal sz_h = -p0 * a / w, sx_h = -p0 * ((a * a + 2 * z * z) / (a * w) - 2 * z / a);
      if (z >= 0.5 * a && z <= 1.5 * a) worst = PetscMax(worst, PetscMax(PetscAbsReal(sx - sx_h), PetscAbsReal(sz - sz_h)) / p0);
      if (tau > tmax) tmax = tau, ztmax = z;
    }
    STZ_CHECK(worst < 0.04, "Hertz line contact on the axis at 0.5-1.5 a: largest difference of sigma_x, sigma_z %.2f %% of p0 (< 4 %%)", 100 * worst);
    STZ_CHECK(PetscAbsReal(tmax / p0 - 0.300) < 0.05 * 0.300, "largest shear stress on the axis %.4f p0 (Hertz: 0.300 p0, 5 %%)", tmax / p0);
    STZ_CHECK(PetscAbsReal(ztmax - 0.786 * a) <= s, "at depth %.2f nm (Hertz: 0.786 a = %.2f nm, within one site)", ztmax * 1e9, 0.786 * a * 1e9);
    PetscCall(StzSimDestroy(&sim));
  }

  /* Bookkeeping after the first pop-in of the default scenario (a smaller slab). */
  {
    StzSimResult r;
    PetscReal    err, h_fe, h, F, hp, *eig;
    const char  *opts = "-stz_quiet -stz_protocol indent -stz_geometry slab -stz_bc_bottom fixed -stz_bc_top free -stz_nx 48 -stz_ny 24 -stz_indent_radius_m 1e-7 "
                        "-stz_output_dir test-output/stzdyn-test-indent/check";
    PetscCall(StzTestRun(opts, &sim));
    PetscCall(StzSimGetResult(sim, &r));
    PetscCall(StzSimVerifyStress(sim, &err));
    STZ_CHECK(r.popin_count == 1 && err < 1e-8, "after the first pop-in (%d, at %.3g N/m, %lld events): site stresses against an FE solve, relative error %.2e (< 1e-8)", (int)r.popin_count,
              (double)r.first_popin_load_n_per_m, (long long)r.events, (double)err);
    PetscCall(PetscMalloc1(3 * sim->kmc->N * sim->cfg.site_elems * sim->cfg.site_elems, &eig));
    StzSiteToElementEigenstrain(sim->cfg.nx, sim->cfg.ny, sim->cfg.site_elems, sim->kmc->eps_p, eig);
    PetscCall(StzIndentSolve(sim, eig, NULL, &h_fe));
    StzIndentMeasure(sim, &h, &F, &hp);
    STZ_CHECK(PetscAbsReal(h - h_fe) < 1e-8 * PetscAbsReal(h_fe), "depth F c(a) + sum A q : eps* = %.10g nm against the FE's pressure-weighted surface displacement %.10g nm (Betti, 1e-8)",
              (double)(h * 1e9), (double)(h_fe * 1e9));
    STZ_CHECK(hp > 0 && r.first_popin_depth_jump_m >= 0.1e-9, "the plastic depth is positive (%.3g nm) and the pop-in advanced the depth by %.3g nm (>= -stz_popin_depth_m, 0.1 nm)",
              (double)(hp * 1e9), (double)(r.first_popin_depth_jump_m * 1e9));
    PetscCall(PetscFree(eig));
    PetscCall(StzSimDestroy(&sim));
  }

  /* Contact with the dented surface (-stz_indent_contact; docs/model.md 10c). Elastic (100 K, no event): the contact of the
   * rigid cylinder with the slab is Hertz's, its half-width a = sqrt(4 F R / (pi E*)) within 3 % (the slab is finite and
   * the nodes 0.5 nm apart), and the tip's depth is the Hertz-pressure run's pressure-weighted depth plus the profile's
   * pressure-weighted height a^2 / 8R, within 3 %. After plastic flow (300 K, to 30 N/m): the contact solved again is a
   * contact, checked against an FE solve of the body under its forces and the eigenstrains: the nodes that carry force
   * touch the cylinder (deflection + profile height = tip depth, 1e-8), the others do not reach it, the forces push and sum
   * to the load; the dent spreads the contact beyond Hertz's half-width; and the indenter holds at a finite depth where
   * Hertz's pressure on a contact of Hertz's width sinks through half the slab. */
  {
    const char      *base = "-stz_quiet -stz_protocol indent -stz_geometry slab -stz_bc_bottom fixed -stz_bc_top free -stz_nx 64 -stz_ny 32 -stz_indent_radius_m 1e-7 -stz_indent_max_popins 0";
    char             opt[1024];
    StzSimResult     r;
    PetscReal        h_c, h_h, F, hp, a_c, a_h, R = 1e-7, Estar;
    const PetscReal *q;
    PetscCall(PetscSNPrintf(opt, sizeof opt, "%s -stz_temperature_k 100 -stz_indent_max_load 20 -stz_indent_contact -stz_output_dir test-output/stzdyn-test-indent/contact0", base));
    PetscCall(StzTestRun(opt, &sim));
    PetscCall(StzSimGetResult(sim, &r));
    Estar = 2 * sim->cfg.mat.shear_modulus_pa / (1 - sim->cfg.mat.poisson_ratio);
    StzIndentMeasure(sim, &h_c, &F, &hp);
    {
      PetscReal        delta;
      const PetscReal *f;
      PetscInt         nn;
      PetscCall(StzIndentRecontact(sim, &delta, &f, &nn));
      h_c = delta;
    }
    StzIndentGetField(sim, &a_c, &q);
    PetscCall(StzSimDestroy(&sim));
    a_h = PetscSqrtReal(4 * F * R / (PETSC_PI * Estar));
    PetscCall(PetscSNPrintf(opt, sizeof opt, "%s -stz_temperature_k 100 -stz_indent_max_load 20 -stz_output_dir test-output/stzdyn-test-indent/contact0h", base));
    PetscCall(StzTestRun(opt, &sim));
    StzIndentMeasure(sim, &h_h, &F, &hp);
    PetscCall(StzSimDestroy(&sim));
    STZ_CHECK(r.events == 0 && PetscAbsReal(a_c - a_h) < 0.03 * a_h, "contact, elastic at %.3g N/m: half-width %.3f nm against Hertz's %.3f nm (3 %%)", (double)F, (double)(a_c * 1e9),
              (double)(a_h * 1e9));
    STZ_CHECK(PetscAbsReal(h_c - (h_h + a_h * a_h / (8 * R))) < 0.03 * h_c, "contact, elastic: tip depth %.4f nm against Hertz's pressure-weighted depth + a^2/8R = %.4f nm (3 %%)",
              (double)(h_c * 1e9), (double)((h_h + a_h * a_h / (8 * R)) * 1e9));

    PetscCall(PetscSNPrintf(opt, sizeof opt, "%s -stz_indent_max_load 30 -stz_indent_contact -stz_output_dir test-output/stzdyn-test-indent/contact1", base));
    PetscCall(StzTestRun(opt, &sim));
    PetscCall(StzSimGetResult(sim, &r));
    {
      const StzConfig *c   = &sim->cfg;
      const PetscInt   nel = sim->kmc->N * c->site_elems * c->site_elems;
      const PetscReal  he = c->site_size_m / c->site_elems, xc = 0.5 * c->nx * c->site_size_m;
      PetscReal        delta, *eig, *fF, *u, sum = 0, touch = 0, gap = PETSC_MAX_REAL, depth;
      const PetscReal *f;
      PetscInt         nn, ntouch = 0;
      PetscBool        push = PETSC_TRUE;
      StzFEGeometry    g;
      StzFE            fe;
      StzIndentMeasure(sim, &depth, &F, &hp);
      PetscCall(StzIndentRecontact(sim, &delta, &f, &nn));
      StzIndentGetField(sim, &a_c, &q);
      PetscCall(PetscMalloc3(3 * nel, &eig, 2 * nn, &fF, 2 * nn, &u));
      PetscCall(StzSimElementEigenstrain(sim, eig));
      for (PetscInt n = 0; n < 2 * nn; n++) fF[n] = F * f[n];
      StzConfigFEGeometry(c, &g);
      PetscCall(StzFECreate(PETSC_COMM_SELF, &g, &fe));
      PetscCall(StzFESolveTopForces(fe, fF, eig, NULL, u));
      for (PetscInt n = 0; n < nn; n++) {
        const PetscReal x = n * he - xc, z = x * x / (2 * R), w = -u[2 * n + 1];
        sum += -f[2 * n + 1];
        if (f[2 * n + 1] > 0 || f[2 * n] != 0) push = PETSC_FALSE;
        if (f[2 * n + 1] < 0) touch = PetscMax(touch, PetscAbsReal(w + z - delta)), ntouch++;
        else gap = PetscMin(gap, w + z - delta);
      }
      STZ_CHECK(r.events > 1000 && ntouch > 0 && touch < 1e-8 * delta && gap > -1e-8 * delta,
                "contact after flow (%lld events, %.3g N/m): %d nodes touch the cylinder (deflection + profile - tip depth: %.1e of it), the others clear it by %.3g nm (>= 0)", (long long)r.events,
                (double)F, (int)ntouch, (double)(touch / delta), (double)(gap * 1e9));
      STZ_CHECK(push && PetscAbsReal(sum - 1) < 1e-10, "the contact forces push (none pulls) and sum to the load (%.12f of it)", (double)sum);
      a_h = PetscSqrtReal(4 * F * R / (PETSC_PI * Estar));
      STZ_CHECK(a_c > a_h, "the dent spreads the contact: half-width %.2f nm against Hertz's %.2f nm", (double)(a_c * 1e9), (double)(a_h * 1e9));
      STZ_CHECK(depth > 0 && depth < 0.25 * c->ny * c->site_size_m, "the indenter holds at %.3g nm deep at %.3g N/m (a quarter of the slab: %.3g nm)", (double)(depth * 1e9), (double)F,
                (double)(0.25 * c->ny * c->site_size_m * 1e9));
      PetscCall(PetscFree3(eig, fF, u));
      PetscCall(StzFEDestroy(&fe));
    }
    PetscCall(StzSimDestroy(&sim));
    PetscCall(PetscSNPrintf(opt, sizeof opt, "%s -stz_indent_max_load 30 -stz_output_dir test-output/stzdyn-test-indent/contact1h", base));
    PetscCall(StzTestRun(opt, &sim));
    StzIndentMeasure(sim, &h_h, &F, &hp);
    STZ_CHECK(h_h >= 0.5 * sim->cfg.ny * sim->cfg.site_size_m, "Hertz's pressure on Hertz's contact sinks through half the slab by %.3g N/m (%.3g nm)", (double)F, (double)(h_h * 1e9));
    PetscCall(StzSimDestroy(&sim));
  }

  /* Pre-cycles: the load goes 0 -> 8 N/m -> 0 twice at the same rate, then up to the first pop-in. series.csv's stress is
   * F / L: its maxima before the final ramp are the cycles' tops, its minima between them zero load. */
  {
    StzSimResult r;
    char         line[1024];
    FILE        *fp;
    double       prev = -1, up = 1, tops[8], bottoms[8], L = 48e-9;
    int          ntop = 0, nbot = 0;
    PetscCall(StzTestRun("-stz_quiet -stz_protocol indent -stz_geometry slab -stz_bc_bottom fixed -stz_bc_top free -stz_nx 48 -stz_ny 24 -stz_indent_radius_m 1e-7 -stz_indent_cycles 2 "
                         "-stz_indent_cycle_load 8 -stz_output_dir test-output/stzdyn-test-indent/cycles",
                         &sim));
    PetscCall(StzSimGetResult(sim, &r));
    PetscCall(StzSimDestroy(&sim));
    if ((fp = fopen("test-output/stzdyn-test-indent/cycles/series.csv", "r"))) {
      if (fgets(line, sizeof line, fp))
        while (fgets(line, sizeof line, fp)) {
          char  *p = strchr(line, ',');
          double F = p ? strtod(strchr(p + 1, ',') + 1, NULL) * L : 0; /* column 3, stress_pa */
          if (prev >= 0 && up > 0 && F < prev && ntop < 8) tops[ntop++] = prev, up = -1;
          else if (prev >= 0 && up < 0 && F > prev && nbot < 8) bottoms[nbot++] = prev, up = 1;
          prev = F;
        }
      fclose(fp);
    }
    STZ_CHECK(ntop == 2 && nbot == 2 && PetscAbsReal(tops[0] - 8) < 1e-6 * 8 && PetscAbsReal(tops[1] - 8) < 1e-6 * 8 && PetscAbsReal(bottoms[0]) < 1e-6 && PetscAbsReal(bottoms[1]) < 1e-6,
              "two cycles to %.6g and %.6g N/m (8), down to %.2g and %.2g N/m (0), then the final ramp (%d tops, %d bottoms)", ntop > 0 ? tops[0] : 0, ntop > 1 ? tops[1] : 0,
              nbot > 0 ? bottoms[0] : 1, nbot > 1 ? bottoms[1] : 1, ntop, nbot);
    STZ_CHECK(r.popin_count == 1 && r.first_popin_load_n_per_m > 8, "the pop-in comes in the final ramp, above the cycles' top: %.3g N/m", (double)r.first_popin_load_n_per_m);
  }

  /* Pop-in statistics, six seeds each: the loading rate, and the glass's state. */
  {
    const char *base = "-stz_quiet -stz_protocol indent -stz_geometry slab -stz_bc_bottom fixed -stz_bc_top free -stz_nx 48 -stz_ny 24 -stz_indent_radius_m 1e-7";
    char        opt[1024];
    PetscReal   m[3], se[3], zc[3], xc[3], tau[3], dtau;
    StzMaterial mat;
    PetscInt    miss[3];
    PetscCall(PopinLoads(base, 6, &m[0], &se[0], &zc[0], &xc[0], &miss[0], &tau[0]));
    PetscCall(PetscSNPrintf(opt, sizeof opt, "%s -stz_indent_load_rate 100", base));
    PetscCall(PopinLoads(opt, 6, &m[1], &se[1], &zc[1], &xc[1], &miss[1], &tau[1]));
    PetscCall(PetscSNPrintf(opt, sizeof opt, "%s -stz_initial_state annealed", base));
    PetscCall(PopinLoads(opt, 6, &m[2], &se[2], &zc[2], &xc[2], &miss[2], &tau[2]));
    STZ_CHECK(miss[0] + miss[1] + miss[2] == 0, "every run popped in before 60 N/m (%d missing)", (int)(miss[0] + miss[1] + miss[2]));
    STZ_CHECK(m[1] - m[0] > 3 * PetscSqrtReal(se[0] * se[0] + se[1] * se[1]), "a 100 times faster ramp pops in at a higher load: %.3g +- %.2g against %.3g +- %.2g N/m (> 3 standard errors)",
              (double)m[1], (double)se[1], (double)m[0], (double)se[0]);
    PetscCall(StzMaterialPreset("vitreloy1", &mat));
    dtau = PetscLogReal(100) / (mat.gamma0 * mat.stz_volume_m3 / (2 * 1.380649e-23 * 300));
    STZ_CHECK(tau[1] - tau[0] > 0.5 * dtau && tau[1] - tau[0] < 1.25 * dtau, "and Hertz's largest shear at it rises by %.0f MPa: 0.5-1.25 x ln(100) / b = %.0f MPa (the activation volume)",
              (double)((tau[1] - tau[0]) / 1e6), (double)(dtau / 1e6));
    STZ_CHECK(m[2] - m[0] > 3 * PetscSqrtReal(se[0] * se[0] + se[2] * se[2]), "an annealed glass pops in at a higher load: %.3g +- %.2g against %.3g +- %.2g N/m as quenched (> 3 standard errors)",
              (double)m[2], (double)se[2], (double)m[0], (double)se[0]);
    for (int k = 0; k < 3; k++)
      STZ_CHECK(zc[k] > 0.3 && zc[k] < 3 && xc[k] < 2, "the first pop-in's plastic depth comes from below the contact: centroid %.2f a deep, %.2f a off the axis (0.3-3 a, < 2 a)", (double)zc[k],
                (double)xc[k]);
  }
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
