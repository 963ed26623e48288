/* Compression of bodies: a block (free sides) or a slab (periodic in x) between frictionless platens, the top one moving at the
 * strain rate (docs/model.md 10). Expectations from elasticity and from the physics of free surfaces:
 *  - The FE's response to the platen's motion (no eigenstrain) is uniform, and is the field the kMC adds: uniaxial stress,
 *    sigma_yy = 2 mu / (1 - nu) eps, with free sides; uniaxial strain, (lambda, lambda + 2 mu) eps, with sides held in x
 *    (roller sides, or a slab). Exact to round-off, since the Q1 elements reproduce a uniform field exactly.
 *  - After plastic flow the reported stress (the platen's part plus -<su : eps*> by reciprocity) is the mean of the site
 *    stresses, i.e. the platen force per length (equilibrium), and the engine's site stresses agree with an FE solve of all
 *    eigenstrains plus the platen's uniform part; the residual elastic energy (platen unloaded to zero force) is the FE's.
 *  - Sticking platens (non-uniform response, thinning): the same identities after flow; they raise the peak above frictionless
 *    platens; and the first-activation times of 400 seeds follow the exact survival function (KS at 1 %), not the bound's.
 *  - The friction hill: between sticking platens the peak pressure rises with the strip's length over its thickness, by
 *    between half the rigid-plastic slab method's rise and the slip-line field's from L/h = 1 to 4.
 *  - Conjugate shear bands: a strip pressed between sticking platens (the rolling scenario) localises into two bands in
 *    mirror-image directions, as the mirror symmetry of plane-strain compression between rough platens asks.
 *  - Free surfaces lower the stress at which the glass yields: a transformation next to a free surface is less held back by
 *    its own field (the surface relaxes it), so a block yields at a lower peak stress than the periodic box of the same size
 *    and seed (three seeds). */
#include <stzdyn/stzdyn.h>
#include "../lib/impl.h"
#include "check.h"
#include "testrun.h"
#include <stdlib.h>

static PetscErrorCode Run(const char geometry_opts[], PetscReal T, PetscReal max_strain, PetscInt seed, StzSim *sim)
{
  char opt[768];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(opt, sizeof(opt),
                          "-stz_quiet -stz_progress_s 0 -stz_output_dir test-output/stzdyn-test-body -stz_protocol compression -stz_nx 16 -stz_ny 16 -stz_strain_rate 1e-2 "
                          "-stz_temperature_k %g -stz_max_strain %g -stz_seed %d %s",
                          (double)T, (double)max_strain, (int)seed, geometry_opts));
  PetscCall(StzTestRun(opt, sim));
  PetscFunctionReturn(0);
}

#define BLOCK "-stz_geometry block -stz_bc_bottom roller -stz_bc_top roller"
#define STICK "-stz_geometry block -stz_bc_bottom fixed -stz_bc_top displacement"

/* Minus the mean sigma_yy of the sites: the platen force per length in compression (equilibrium). */
static PetscErrorCode MeanCompressiveStress(StzSim sim, PetscReal *mean)
{
  PetscReal *st;
  PetscInt   nx, ny;

  PetscFunctionBeginUser;
  PetscCall(StzSimGetSites(sim, &nx, &ny, NULL, NULL, NULL));
  PetscCall(PetscMalloc1(3 * nx * ny, &st));
  PetscCall(StzSimGetSites(sim, NULL, NULL, st, NULL, NULL));
  *mean = 0;
  for (PetscInt i = 0; i < nx * ny; i++) *mean += -st[3 * i + 1] / (nx * ny);
  PetscCall(PetscFree(st));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  StzSim          sim;
  StzSeries       ser;
  const PetscReal mu = 36.0e9, nu = 0.355, lambda = 2 * mu * nu / (1 - 2 * nu);
  const struct {
    const char *name, *opts;
    PetscReal   modulus;
  } cases[] = {
      {"block, free sides", BLOCK, 2 * mu / (1 - nu)},
      {"block, roller sides", BLOCK " -stz_bc_left roller -stz_bc_right roller", lambda + 2 * mu},
      {"slab (periodic in x)", "-stz_geometry slab -stz_bc_bottom roller -stz_bc_top roller", lambda + 2 * mu},
  };

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  /* The platen's response, solved by the FE: the top roller moved down by 0.1 % of the height, no eigenstrain. Every site
   * must carry su times that strain (StzBodyPlatenStress), the uniform field the kMC adds as its mean stress. */
  for (size_t q = 0; q < sizeof(cases) / sizeof(cases[0]); q++) {
    StzFEGeometry    g;
    StzFE            fe;
    const StzConfig *c;
    PetscReal       *eig, *es, *st[3], su[3], worst = 0, eyy = -1e-3;
    PetscInt         N, nel;
    PetscCall(PetscOptionsClear(NULL));
    PetscCall(PetscOptionsInsertString(NULL, "-stz_quiet -stz_protocol compression -stz_nx 16 -stz_ny 16"));
    PetscCall(PetscOptionsInsertString(NULL, cases[q].opts));
    PetscCall(StzSimCreate(PETSC_COMM_WORLD, &sim));
    c   = &sim->cfg;
    N   = c->nx * c->ny;
    nel = N * c->site_elems * c->site_elems;
    StzConfigFEGeometry(c, &g);
    g.bc_value[STZ_EDGE_TOP][0] = eyy * c->ny * c->site_size_m;
    PetscCall(StzFECreate(PETSC_COMM_SELF, &g, &fe));
    PetscCall(PetscCalloc2(3 * nel, &eig, 3 * nel, &es));
    PetscCall(PetscMalloc3(N, &st[0], N, &st[1], N, &st[2]));
    PetscCall(StzFESolve(fe, eig, NULL, es, NULL, NULL));
    StzElementToSiteStress(c->nx, c->ny, c->site_elems, es, st);
    StzBodyPlatenStress(c, su);
    for (PetscInt i = 0; i < N; i++) {
      /* st: [0] half the normal difference, [1] shear, [2] mean normal (as in StzSimVerifyStress) */
      const PetscReal fe_s[3] = {st[2][i] + st[0][i], st[2][i] - st[0][i], st[1][i]};
      for (int k = 0; k < 3; k++) worst = PetscMax(worst, PetscAbsReal(fe_s[k] - su[k] * eyy) / PetscAbsReal(su[1] * eyy));
    }
    STZ_CHECK(PetscAbsReal(su[1] - cases[q].modulus) < 1e-12 * cases[q].modulus && worst < 1e-9,
              "%s: the FE's response to the platen is uniform, su = (%.6g, %.6g, %.6g) GPa per unit strain at every site (worst relative error %.1e); su_yy is the modulus %.6g GPa", cases[q].name,
              (double)(su[0] / 1e9), (double)(su[1] / 1e9), (double)(su[2] / 1e9), (double)worst, (double)(cases[q].modulus / 1e9));
    PetscCall(PetscFree2(eig, es));
    PetscCall(PetscFree3(st[0], st[1], st[2]));
    PetscCall(StzFEDestroy(&fe));
    PetscCall(StzSimDestroy(&sim));
  }
  /* After flow at 300 K: the reported stress is the mean site stress, and the site stresses are the FE's. */
  {
    PetscReal mean, err;
    PetscCall(Run(BLOCK, 300, 0.05, 1, &sim));
    PetscCall(StzSimGetSeries(sim, &ser));
    PetscCall(MeanCompressiveStress(sim, &mean));
    PetscCall(StzSimVerifyStress(sim, &err));
    {
      /* series.csv's sigma_yy_pa of a body is the mean site stress too: the reported stress is minus it in compression. */
      PetscReal syy = sim->ser.syy[sim->ser.n - 1];
      STZ_CHECK(PetscAbsReal(-syy - ser.stress_pa[ser.n - 1]) < 1e-6 * PetscAbsReal(syy), "block after flow: series sigma_yy %.6g MPa is minus the reported stress", (double)(syy / 1e6));
    }
    STZ_CHECK(sim->kmc->events > 1000 && PetscAbsReal(mean - ser.stress_pa[ser.n - 1]) < 1e-6 * PetscAbsReal(mean),
              "block after flow (%lld events): reported stress %.6g MPa = mean site stress -sigma_yy %.6g MPa (reciprocity)", (long long)sim->kmc->events, (double)(ser.stress_pa[ser.n - 1] / 1e6),
              (double)(mean / 1e6));
    STZ_CHECK(err < 1e-8, "block after flow: site stresses agree with an FE solve of every eigenstrain plus the platen's part (relative %.1e)", (double)err);
    {
      PetscReal ek, ef;
      PetscCall(StzSimVerifyEnergy(sim, &ek, &ef));
      STZ_CHECK(ek > 0 && PetscAbsReal(ek - ef) < 1e-8 * ef, "block after flow: residual elastic energy %.6g J/g-atom = the FE's with the platen unloaded (zero force), %.6g J/g-atom", (double)ek,
                (double)ef);
    }
    PetscCall(StzSimDestroy(&sim));
  }
  /* Free surfaces lower the yield peak. */
  for (PetscInt s = 1; s <= 3; s++) {
    StzSimResult box, block;
    PetscCall(Run("", 300, 0.06, s, &sim));
    PetscCall(StzSimGetResult(sim, &box));
    PetscCall(StzSimDestroy(&sim));
    PetscCall(Run(BLOCK, 300, 0.06, s, &sim));
    PetscCall(StzSimGetResult(sim, &block));
    PetscCall(StzSimDestroy(&sim));
    STZ_CHECK(block.peak_stress_pa < box.peak_stress_pa, "seed %d, 16 x 16 at 300 K: a block with free sides peaks lower (%.0f MPa) than the periodic box (%.0f MPa)", (int)s,
              (double)(block.peak_stress_pa / 1e6), (double)(box.peak_stress_pa / 1e6));
  }
  /* Sticking platens (top edge displaced, bottom fixed): the platen's response is not uniform, so it is carried site by site
   * and the rates grow at different rates at different sites (thinning, docs/model.md 7). After flow the same identities
   * hold: reported stress = mean site sigma_yy, site stresses = FE solve with the platen where it is, residual energy = FE
   * energy with the platen at zero force; and a sticking block is stronger than a frictionless one (the platens hold its
   * ends from spreading), three seeds. The identities are checked again with dilatation (model.md 3-4), whose work makes
   * each site's rates grow with its own dilatancy as the platen's pressure rises (thinning on both counts). */
  for (int dil = 0; dil < 2; dil++) {
    PetscReal mean, err, ek, ef, spread = 0;
    PetscCall(Run(dil ? STICK " -stz_dilatation 0.01" : STICK, 300, 0.05, 1, &sim));
    if (dil) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "# with -stz_dilatation 0.01\n"));
    PetscCall(StzSimGetSeries(sim, &ser));
    PetscCall(MeanCompressiveStress(sim, &mean));
    for (PetscInt i = 0; i < sim->kmc->N; i++) spread = PetscMax(spread, PetscAbsReal(sim->kmc->ramp[i] - sim->kmc->ramp[0]) / sim->kmc->platen_M);
    PetscCall(StzSimVerifyStress(sim, &err));
    PetscCall(StzSimVerifyEnergy(sim, &ek, &ef));
    STZ_CHECK(spread > 0.01, "sticking platens: the platen's response varies over the sites (by %.2f of its mean stiffness), so thinning is exercised (%lld rejected proposals)", (double)spread,
              (long long)sim->kmc->thin_rejects);
    STZ_CHECK(sim->kmc->events > 1000 && PetscAbsReal(mean - ser.stress_pa[ser.n - 1]) < 1e-6 * PetscAbsReal(mean),
              "sticking platens after flow (%lld events): reported stress %.6g MPa = mean site stress -sigma_yy %.6g MPa", (long long)sim->kmc->events, (double)(ser.stress_pa[ser.n - 1] / 1e6),
              (double)(mean / 1e6));
    STZ_CHECK(err < 1e-8, "sticking platens after flow: site stresses agree with an FE solve with the platen where it is (relative %.1e)", (double)err);
    STZ_CHECK(ek > 0 && PetscAbsReal(ek - ef) < 1e-8 * ef, "sticking platens after flow: residual elastic energy %.6g J/g-atom = the FE's at zero platen force, %.6g", (double)ek, (double)ef);
    PetscCall(StzSimDestroy(&sim));
  }
  for (PetscInt s = 1; s <= 3; s++) {
    StzSimResult slip, stick;
    PetscCall(Run(BLOCK, 300, 0.06, s, &sim));
    PetscCall(StzSimGetResult(sim, &slip));
    PetscCall(StzSimDestroy(&sim));
    PetscCall(Run(STICK, 300, 0.06, s, &sim));
    PetscCall(StzSimGetResult(sim, &stick));
    PetscCall(StzSimDestroy(&sim));
    STZ_CHECK(stick.peak_stress_pa > slip.peak_stress_pa, "seed %d, 16 x 16 at 300 K: sticking platens raise the peak (%.0f MPa) above frictionless ones (%.0f MPa)", (int)s,
              (double)(stick.peak_stress_pa / 1e6), (double)(slip.peak_stress_pa / 1e6));
  }
  /* Flow rejuvenates an annealed glass whatever carries the load (docs/model.md 11a): a site that leaves its basin under the
   * applied stress moves its T_f towards that of the flowing glass. Between frictionless platens the applied stress is the
   * uniform part S; between sticking platens it is the platen's non-uniform response, held site by site, and the renewal must
   * read it there too (until the ninth session it read only S, and sticking platens never rejuvenated: the structural enthalpy
   * stayed exactly where it started). Annealed start, 16 x 16 to strain 0.08, seed 1: the structural enthalpy must rise in
   * both, and its rise per unit plastic strain, a property of the glass rather than of the platens, must agree within a
   * factor 3 (the flowing regions differ: crossed bands with dead zones against sticking platens, a single band otherwise). */
  {
    PetscReal rise[2], plastic[2];
    for (int stick = 0; stick < 2; stick++) {
      StzEnergy e0, e1;
      PetscCall(PetscOptionsClear(NULL));
      PetscCall(PetscOptionsInsertString(NULL, "-stz_quiet -stz_progress_s 0 -stz_output_dir test-output/stzdyn-test-body -stz_protocol compression -stz_nx 16 -stz_ny 16 "
                                               "-stz_strain_rate 1e-2 -stz_temperature_k 300 -stz_max_strain 0.08 -stz_seed 1 -stz_initial_state annealed"));
      PetscCall(PetscOptionsInsertString(NULL, stick ? STICK : BLOCK));
      PetscCall(StzSimCreate(PETSC_COMM_WORLD, &sim));
      StzKmcEnergy(sim->kmc, &e0);
      PetscCall(StzSimRun(sim));
      StzKmcEnergy(sim->kmc, &e1);
      PetscCall(StzSimGetSeries(sim, &ser));
      rise[stick]    = e1.structural_j_per_gatom - e0.structural_j_per_gatom;
      plastic[stick] = ser.plastic_strain[ser.n - 1];
      PetscCall(StzSimDestroy(&sim));
      STZ_CHECK(rise[stick] > 10 && plastic[stick] > 0.01, "annealed block, %s platens, to strain 0.08: flow (plastic strain %.3f) raises the structural enthalpy by %.1f J/g-atom (> 10)",
                stick ? "sticking" : "frictionless", (double)plastic[stick], (double)rise[stick]);
    }
    {
      const PetscReal r = (rise[1] / plastic[1]) / (rise[0] / plastic[0]);
      STZ_CHECK(r > 1.0 / 3 && r < 3, "structural enthalpy per plastic strain, sticking over frictionless platens: %.2f (within a factor 3)", (double)r);
    }
  }
  /* The friction hill. Between sticking platens the friction that holds a strip's ends raises the pressure it takes to make
   * the middle flow, the more so the longer the strip: for a rigid-plastic strip the slab method gives a mean pressure
   * 2k (1 + L / 4h) (L the length, h the thickness; e.g. Johnson & Mellor, Engineering Plasticity, 1973, ch. 11), 60 % more
   * at L/h = 4 than at L/h = 1, and the slip-line field about 75 %. Annealed strips 16 sites thick, L/h = 1, 2 and 4, pressed
   * 2 % (seeds 1-3): the mean peak pressure must rise with L/h, and by between half the slab method's rise (+30 %: the
   * glass is elastic and rate-sensitive, not rigid-plastic) and the slip-line field's (+75 %). */
  {
    const PetscInt len[3] = {16, 32, 64};
    PetscReal      peak[3];
    for (int k = 0; k < 3; k++) {
      char opt[512];
      peak[k] = 0;
      for (PetscInt sd = 1; sd <= 3; sd++) {
        StzSimResult r;
        PetscCall(PetscSNPrintf(opt, sizeof opt,
                                "-stz_quiet -stz_progress_s 0 -stz_output_dir test-output/stzdyn-test-body -stz_protocol compression -stz_nx %d -stz_ny 16 -stz_strain_rate 1e-2 "
                                "-stz_temperature_k 300 -stz_max_strain 0.02 -stz_seed %d -stz_initial_state annealed %s -stz_bc_left free -stz_bc_right free",
                                (int)len[k], (int)sd, STICK));
        PetscCall(StzTestRun(opt, &sim));
        PetscCall(StzSimGetResult(sim, &r));
        PetscCall(StzSimDestroy(&sim));
        peak[k] += r.peak_stress_pa / 3;
      }
    }
    STZ_CHECK(peak[0] < peak[1] && peak[1] < peak[2] && peak[2] > 1.3 * peak[0] && peak[2] < 1.75 * peak[0],
              "friction hill: mean peak pressure %.2f, %.2f, %.2f GPa at L/h = 1, 2, 4 (rising; x%.2f from 1 to 4, between 1.3 and 1.75)", (double)(peak[0] / 1e9), (double)(peak[1] / 1e9),
              (double)(peak[2] / 1e9), (double)(peak[2] / peak[0]));
  }
  /* Conjugate shear bands. Plane-strain compression of a strip between sticking platens is mirror-symmetric about the
   * compression axis, so its flow localises into conjugate bands (the slip-line field of compression between rough
   * platens: an X from the platens' edges). The rolling scenario's strip (64 x 32 sites, annealed, 10 passes of 2 %) must
   * show exactly that in bands.csv's analysis: two bands, in mirror-image directions (angles adding up to 180 degrees),
   * together carrying more than half the plastic strain. (Seeds 1-6 give 26.6 and 153.4 degrees, 75-84 % of the strain.) */
  {
    StzSimResult r;
    PetscCall(StzTestRun("-stz_quiet -stz_progress_s 0 -stz_output_dir test-output/stzdyn-test-body -stz_protocol rolling -stz_geometry block -stz_bc_left free -stz_bc_right free "
                         "-stz_bc_bottom fixed -stz_bc_top displacement -stz_nx 64 -stz_ny 32 -stz_initial_state annealed -stz_temperature_k 300 -stz_strain_rate 1e-2 -stz_rolling_passes 10 "
                         "-stz_rolling_pass_strain 0.02 -stz_seed 1",
                         &sim));
    PetscCall(StzSimGetResult(sim, &r));
    STZ_CHECK(sim->n_bands == 2 && PetscAbsReal(sim->bands[0].angle_deg + sim->bands[1].angle_deg - 180) < 1e-6 && sim->bands[0].angle_deg != 90 && sim->bands[0].share + sim->bands[1].share > 0.5,
              "a strip pressed between sticking platens: %d bands (2), at %.1f and %.1f degrees (mirror images), carrying %.0f %% of the plastic strain (> 50 %%)", (int)sim->n_bands,
              sim->n_bands > 0 ? (double)sim->bands[0].angle_deg : -1.0, sim->n_bands > 1 ? (double)sim->bands[1].angle_deg : -1.0,
              sim->n_bands > 1 ? 100 * (double)(sim->bands[0].share + sim->bands[1].share) : 0.0);
    PetscCall(StzSimDestroy(&sim));
  }
  /* The thinning sampler, against its exact answer. A 4 x 4 block between sticking platens, uniform barriers, unloaded at
   * t = 0 and compressed at a rate that multiplies the fastest rates by e^3 per mean waiting time: the rate of (site i, class
   * c) is r0 exp(a_ic t), a_ic = -sense b epsdot tau_ik per unit strain (from the platen's response), so the first activation
   * has the hazard H(t) = sum_ic r0 (exp(a_ic t) - 1) / a_ic. 400 seeds' first-activation times must pass a Kolmogorov-Smirnov
   * test against 1 - exp(-H) at the 1 % level, and fail it against the bound all proposals grow at (each class's largest
   * a_ic): without the acceptance step the sampler would follow the bound. Again with dilatation (eps_v = 0.02): every site
   * starts its basin, so each event dilates by eps_v, and the work of that dilatation adds b (eps_v / gamma0) P to its
   * log-rate, P the platen's mean in-plane stress at the site; the bound the sampler proposes with takes |that| (docs/model.md 9). */
  for (int dil = 0; dil < 2; dil++) {
    const PetscInt  nseeds = 400, N = 16;
    PetscReal       times[400], D = 0, Dbound = 0, crit = 1.63 / PetscSqrtReal(400.0), r0, rate, amax = 0, t0, A[2 * STZ_MAX_ORIENT], *a;
    PetscInt        C;
    char            opt[768];
    const char     *fmt   = "-stz_quiet -stz_progress_s 0 -stz_output_dir test-output/stzdyn-test-body -stz_protocol compression -stz_nx 4 -stz_ny 4 -stz_barrier_spread 0 "
                            "-stz_structure false -stz_flicker_limit 0 -stz_temperature_k 400 -stz_max_strain 1 -stz_max_events 1 -stz_dilatation %g -stz_strain_rate %.17g " STICK;
    const PetscReal eps_v = dil ? 0.02 : 0;
    /* A probe, never run: r0, b and the platen's response per unit strain. */
    PetscCall(PetscOptionsClear(NULL));
    PetscCall(PetscSNPrintf(opt, sizeof(opt), fmt, (double)eps_v, 1e-3));
    PetscCall(PetscOptionsInsertString(NULL, opt));
    PetscCall(StzSimCreate(PETSC_COMM_WORLD, &sim));
    C = sim->kmc->n_classes;
    /* The rate constants from the model's equations (docs/model.md 4), not from the kMC's own arrays: r0 = nu0 exp(-dF/kT)
     * with Argon's barrier, b = gamma0 Omega0 / 2kT, and the dilatation's work per unit mean stress b eps_v / gamma0. Only the
     * platen's response per unit strain (the FE's, tested elsewhere) is taken from the run. */
    {
      const StzMaterial *m  = &sim->cfg.mat;
      const PetscReal    kT = 1.380649e-23 * 400, b = m->gamma0 * m->stz_volume_m3 / (2 * kT), dk = eps_v / m->gamma0;
      const PetscReal    dF = StzArgonBarrier(m->shear_modulus_pa, m->poisson_ratio, m->gamma0, m->stz_volume_m3, m->dilatancy_beta, m->tau_hat_over_mu * m->shear_modulus_pa);
      r0                    = m->attempt_frequency_hz * PetscExpReal(-dF / kT);
      PetscCall(PetscMalloc1(N * C, &a));
      for (PetscInt i = 0; i < N; i++)
        for (PetscInt k = 0; k < sim->kmc->n_orient; k++) {
          const PetscReal th = k * (PETSC_PI / 2) / sim->kmc->n_orient, *rp = sim->kmc->ramp;
          const PetscReal bt   = b * (rp[N + i] * PetscCosReal(2 * th) - rp[i] * PetscSinReal(2 * th));
          const PetscReal bp   = b * dk * rp[2 * N + i]; /* the dilatation's work (0 without) */
          a[i * C + 2 * k]     = -bt - bp;               /* compression: the platen strain falls; sense +1 */
          a[i * C + 2 * k + 1] = bt - bp;                /* sense -1 */
          amax                 = PetscMax(amax, PetscMax(PetscAbsReal(bt - bp), PetscAbsReal(bt + bp)));
        }
    }
    PetscCall(StzSimDestroy(&sim));
    t0   = 1.0 / (N * C * r0);
    rate = 3.0 / (amax * t0);
    for (PetscInt q = 0; q < N * C; q++) a[q] *= rate; /* (not inside PetscMax, a macro that evaluates its arguments twice) */
    for (PetscInt c = 0; c < C; c++) {
      A[c] = -PETSC_MAX_REAL;
      for (PetscInt i = 0; i < N; i++) A[c] = PetscMax(A[c], a[i * C + c]);
    }
    PetscCall(PetscSNPrintf(opt, sizeof(opt), fmt, (double)eps_v, (double)rate));
    PetscCall(StzTestFirstTimes(opt, nseeds, times));
    for (PetscInt s = 0; s < nseeds; s++) {
      PetscReal H = 0, Hb = 0, F, Fb;
      for (PetscInt c = 0; c < C; c++) {
        for (PetscInt i = 0; i < N; i++) H += r0 * StzGrowingHazard(a[i * C + c], times[s]);
        Hb += N * r0 * StzGrowingHazard(A[c], times[s]);
      }
      F      = 1 - PetscExpReal(-H);
      Fb     = 1 - PetscExpReal(-Hb);
      D      = StzKSStep(D, F, (int)s, (int)nseeds);
      Dbound = StzKSStep(Dbound, Fb, (int)s, (int)nseeds);
    }
    PetscCall(PetscFree(a));
    STZ_CHECK(D < crit, "thinning%s: first-activation times of 400 seeds under a non-uniform platen ramp follow the exact survival function, KS D = %.4f < %.4f (1 %%)", dil ? " with dilatation" : "",
              (double)D, (double)crit);
    STZ_CHECK(Dbound > crit, "thinning%s: they do not follow the bound's survival function (D = %.4f > %.4f): the test tells the two apart", dil ? " with dilatation" : "", (double)Dbound,
              (double)crit);
  }
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
