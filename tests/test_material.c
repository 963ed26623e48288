/* Material presets and the pure physics of STZ activation, checked against the formulas' meaning rather than printed values.
 *
 * - Argon's barrier (Argon, Acta Metall 27, 47, 1979) against a hand evaluation with exact fractions, and its monotonicity.
 * - The rate nu0 exp(-(dF - tau g0 W0/2)/kT): zero-stress limit, the stress factor exp(tau g0 W0/(2kT)), and no overflow when a
 *   large barrier is nearly cancelled by a large stress.
 * - Resolved shear stress = shear stress in the frame rotated by theta; the work identity sigma:eps* = gamma0 tau, which makes
 *   the rate's work term the work done by the stress on the STZ's eigenstrain.
 * - Eigenstrain trace and shear magnitude; plane-strain Hooke's law in pure shear and uniform dilatation.
 * - Presets: unknown names fail with the allowed list; every field is positive; each preset's STZ activates at 1/s at 300 K near
 *   the Johnson-Samwer shear limit (PRL 95, 195501, 2005) and is frozen at room temperature; the Argon presets' STZs are
 *   mobile at T_g, the two-temperature "-js" presets match the Johnson-Samwer stress at 77 K too.
 */
#include "check.h"
#include <string.h>
#include <stzdyn/material.h>

#define KB STZ_BOLTZMANN_J_PER_K
#define EV 1.602176634e-19

/* Deterministic uniform numbers in [a, b) (LCG): the test must not depend on a library RNG. */
static double Uniform(unsigned long long *state, double a, double b)
{
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return a + (b - a) * (double)(*state >> 11) / 9007199254740992.0;
}

static void TestBarrier(void)
{
  /* nu = 0.2, beta = 0.5, tau_hat = 0.02 mu, gamma0 = 0.1: the bracket is 6/24 + (2.4/7.2)(1/4) + 0.02/0.2 = 13/30,
   * and mu gamma0^2 Omega0 = 30e9 * 0.01 * 1e-27 = 3e-19 J, so dF = 1.3e-19 J. */
  double dF = StzArgonBarrier(30e9, 0.2, 0.1, 1e-27, 0.5, 0.02 * 30e9);
  STZ_CHECK(StzClose(dF, 1.3e-19, 1e-12, 0), "Argon barrier, nu=0.2 beta=0.5 tau_hat=0.02mu: %.17g J, hand value 1.3e-19 J", dF);
  /* nu = 0, beta = 1, tau_hat = 0: 7/30 + 2/9 = 41/90 of mu gamma0^2 Omega0 = 40e9 * 0.04 * 2e-28 = 3.2e-19 J. */
  dF = StzArgonBarrier(40e9, 0.0, 0.2, 2e-28, 1.0, 0.0);
  STZ_CHECK(StzClose(dF, 41.0 / 90.0 * 3.2e-19, 1e-12, 0), "Argon barrier, nu=0 beta=1 tau_hat=0: %.17g J, hand value %.17g J", dF, 41.0 / 90.0 * 3.2e-19);

  int    up_beta = 1, up_tau = 1;
  double prev = StzArgonBarrier(36e9, 0.355, 0.1, 1e-27, 0.0, 0.036 * 36e9);
  for (int i = 1; i <= 20; i++) {
    double b = StzArgonBarrier(36e9, 0.355, 0.1, 1e-27, 0.1 * i, 0.036 * 36e9);
    if (!(b > prev)) up_beta = 0;
    prev = b;
  }
  STZ_CHECK(up_beta, "Argon barrier increases with the dilatancy factor beta (0 to 2): dilatation costs elastic energy");
  prev = StzArgonBarrier(36e9, 0.355, 0.1, 1e-27, 0.2, 0.0);
  for (int i = 1; i <= 20; i++) {
    double b = StzArgonBarrier(36e9, 0.355, 0.1, 1e-27, 0.2, 0.005 * i * 36e9);
    if (!(b > prev)) up_tau = 0;
    prev = b;
  }
  STZ_CHECK(up_tau, "Argon barrier increases with the athermal resistance tau_hat (0 to 0.1 mu)");
}

static void TestRate(void)
{
  const double nu0 = 1e13, g0 = 0.1, W0 = 1e-27, T = 300.0, dF = 1.05 * EV;
  double       r0     = StzActivationRate(nu0, dF, 0.0, g0, W0, T);
  double       expect = nu0 * exp(-dF / (KB * T));

  STZ_CHECK(StzClose(r0, expect, 1e-12, 0), "rate at tau=0 is nu0 exp(-dF/kT): %.17g vs %.17g 1/s", r0, expect);
  int    ok    = 1;
  double worst = 0;
  for (int i = -10; i <= 10; i++) {
    double tau   = 1e8 * i; /* -1 to 1 GPa */
    double ratio = StzActivationRate(nu0, dF, tau, g0, W0, T) / r0;
    double want  = exp(tau * g0 * W0 / (2 * KB * T));
    double rel   = fabs(ratio / want - 1);
    if (rel > worst) worst = rel;
    if (!StzClose(ratio, want, 1e-12, 0)) ok = 0;
  }
  STZ_CHECK(ok, "rate ratio r(tau)/r(0) = exp(tau g0 W0/(2kT)) for tau in [-1, 1] GPa (worst relative error %.2e)", worst);

  /* A 100 eV barrier, 99 eV of it paid by the stress: separate exponentials would be 0 * inf. */
  double tau = 2 * 99.0 * EV / (g0 * W0);
  double r   = StzActivationRate(nu0, 100.0 * EV, tau, g0, W0, T);
  expect     = nu0 * exp(-1.0 * EV / (KB * T));
  STZ_CHECK(isfinite(r) && StzClose(r, expect, 1e-9, 0), "no overflow: 100 eV barrier less 99 eV of work gives %.6g 1/s, expected %.6g", r, expect);
  r = StzActivationRate(nu0, 100.0 * EV, 0.0, g0, W0, T);
  STZ_CHECK(r == 0.0, "a 100 eV barrier at 300 K gives a rate that underflows to exactly 0 (exp(-3868)), not NaN or inf: %.3g 1/s", r);
}

static void TestResolvedShear(void)
{
  unsigned long long s   = 12345;
  int                ok  = 1;
  double             sxx = 3.1e8, syy = -1.7e8, sxy = 2.3e8;
  double             t0 = StzResolvedShear(sxx, syy, sxy, 0.0), t45 = StzResolvedShear(sxx, syy, sxy, PETSC_PI / 4);

  STZ_CHECK(StzClose(t0, sxy, 1e-12, 0), "theta=0 resolves sigma_xy: %.6g vs %.6g Pa", t0, sxy);
  STZ_CHECK(StzClose(t45, -(sxx - syy) / 2, 1e-12, 0), "theta=pi/4 resolves -(sxx-syy)/2: %.6g vs %.6g Pa", t45, -(sxx - syy) / 2);
  for (int i = 0; i < 1000; i++) {
    double a = Uniform(&s, -1e9, 1e9), b = Uniform(&s, -1e9, 1e9), c = Uniform(&s, -1e9, 1e9), th = Uniform(&s, -PETSC_PI, PETSC_PI);
    double t1 = StzResolvedShear(a, b, c, th), t2 = StzResolvedShear(a, b, c, th + PETSC_PI / 2);
    if (!StzClose(t2, -t1, 1e-12, 1e-12 * 2e9)) ok = 0;
  }
  STZ_CHECK(ok, "tau(theta + pi/2) = -tau(theta) for 1000 random stresses: the conjugate plane carries the opposite shear");

  /* Rotating the stress tensor by theta and reading its xy component must give the same number. */
  ok = 1;
  for (int i = 0; i < 1000; i++) {
    double a = Uniform(&s, -1e9, 1e9), b = Uniform(&s, -1e9, 1e9), c = Uniform(&s, -1e9, 1e9), th = Uniform(&s, -PETSC_PI, PETSC_PI);
    double cs = cos(th), sn = sin(th);
    /* sigma' = R^T sigma R with R the rotation by theta; sigma'_xy with the axes turned by theta */
    double rot_xy = (b - a) * sn * cs + c * (cs * cs - sn * sn);
    if (!StzClose(StzResolvedShear(a, b, c, th), rot_xy, 1e-12, 1e-12 * 2e9)) ok = 0;
  }
  STZ_CHECK(ok, "resolved shear equals the xy component of the stress in axes rotated by theta (1000 random cases)");
}

static void TestEigenstrain(void)
{
  unsigned long long s       = 777;
  int                ok_work = 1, ok_sense = 1, ok_trace = 1, ok_vol = 1, ok_mag = 1;
  double             worst = 0;

  for (int i = 0; i < 1000; i++) {
    double sxx = Uniform(&s, -2e9, 2e9), syy = Uniform(&s, -2e9, 2e9), sxy = Uniform(&s, -2e9, 2e9);
    double th = Uniform(&s, -PETSC_PI, PETSC_PI), g0 = Uniform(&s, 0.01, 0.3), ev = Uniform(&s, -0.05, 0.05);
    double e[3], em[3], ed[3];
    double tau = StzResolvedShear(sxx, syy, sxy, th);

    StzEigenstrain(g0, th, 1, 0.0, e);
    StzEigenstrain(g0, th, -1, 0.0, em);
    StzEigenstrain(g0, th, 1, ev, ed);
    double work  = sxx * e[0] + syy * e[1] + 2 * sxy * e[2];
    double workm = sxx * em[0] + syy * em[1] + 2 * sxy * em[2];
    double floor = 1e-12 * g0 * 6e9; /* absolute scale of the terms that cancel */
    if (!StzClose(work, g0 * tau, 1e-12, floor)) ok_work = 0;
    if (fabs(work - g0 * tau) / fmax(fabs(g0 * tau), floor) > worst) worst = fabs(work - g0 * tau) / fmax(fabs(g0 * tau), floor);
    if (!StzClose(workm, -g0 * tau, 1e-12, floor)) ok_sense = 0;
    if (fabs(e[0] + e[1]) > 1e-15 * g0) ok_trace = 0;
    if (!StzClose(ed[0] + ed[1], ev, 1e-12, 1e-15)) ok_vol = 0;
    /* the deviatoric part is a pure shear of engineering amplitude g0: max tensor shear sqrt(((exx-eyy)/2)^2 + exy^2) = g0/2 */
    if (!StzClose(sqrt(0.25 * (e[0] - e[1]) * (e[0] - e[1]) + e[2] * e[2]), 0.5 * g0, 1e-12, 0)) ok_mag = 0;
  }
  STZ_CHECK(ok_work, "work identity sigma:eps* = gamma0 tau for 1000 random stresses and orientations (worst %.2e)", worst);
  STZ_CHECK(ok_sense, "the opposite sense does the opposite work: sigma:eps*(-1) = -gamma0 tau");
  STZ_CHECK(ok_trace, "eigenstrain with eps_v = 0 is traceless (pure shear conserves area)");
  STZ_CHECK(ok_vol, "eigenstrain with dilatation eps_v has trace eps_v");
  STZ_CHECK(ok_mag, "the eigenstrain's maximum tensor shear is gamma0/2 (engineering shear gamma0) at every orientation");
}

static void TestHooke(void)
{
  const double mu = 36e9, nu = 0.355, e = 1e-3;
  double       sig[3];

  StzHookePlaneStrain(mu, nu, (const PetscReal[3]){e, -e, 0}, sig);
  STZ_CHECK(StzClose(sig[0] - sig[1], 4 * mu * e, 1e-12, 0), "pure shear strain (e,-e,0): sxx - syy = 4 mu e (%.6g vs %.6g Pa)", sig[0] - sig[1], 4 * mu * e);
  STZ_CHECK(fabs(sig[0] + sig[1]) <= 1e-12 * mu * e && sig[2] == 0, "pure shear strain carries no in-plane pressure (sxx + syy = %.3g)", sig[0] + sig[1]);
  StzHookePlaneStrain(mu, nu, (const PetscReal[3]){0, 0, e}, sig);
  STZ_CHECK(StzClose(sig[2], 2 * mu * e, 1e-12, 0) && sig[0] == 0 && sig[1] == 0, "tensor shear strain e gives sxy = 2 mu e");
  /* Plane-strain areal bulk modulus: K2 = lambda + mu = mu / (1 - 2 nu), so (e, e, 0) gives sxx = syy = 2 mu e / (1 - 2 nu). */
  StzHookePlaneStrain(mu, nu, (const PetscReal[3]){e, e, 0}, sig);
  double want = 2 * mu * e / (1 - 2 * nu);
  STZ_CHECK(StzClose(sig[0], want, 1e-12, 0) && StzClose(sig[1], want, 1e-12, 0) && sig[2] == 0, "uniform dilatation (e,e,0): sxx = syy = 2 mu e/(1-2nu) = %.6g Pa (got %.6g, %.6g)", want, sig[0],
            sig[1]);
  /* Same through Young's modulus: plane-strain biaxial stress E e / ((1 + nu)(1 - 2 nu)). */
  double E = 2 * mu * (1 + nu);
  STZ_CHECK(StzClose(sig[0], E * e / ((1 + nu) * (1 - 2 * nu)), 1e-12, 0), "uniform dilatation agrees with E e/((1+nu)(1-2nu))");
}

static PetscErrorCode TestUnknownPreset(void)
{
  StzMaterial    mat;
  PetscErrorCode ierr;
  const char    *text;
  char          *specific = NULL;

  PetscFunctionBeginUser;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = StzMaterialPreset("unobtainium", &mat);
  PetscCall(PetscPopErrorHandler());
  STZ_CHECK(ierr == PETSC_ERR_USER_INPUT, "unknown preset fails with PETSC_ERR_USER_INPUT (got %d)", (int)ierr);
  PetscCall(PetscErrorMessage(ierr, &text, &specific));
  STZ_CHECK(specific && strstr(specific, "unobtainium") && strstr(specific, StzMaterialPresetList()), "the error names the bad value and the allowed list: \"%s\"", specific ? specific : "(none)");
  PetscFunctionReturn(0);
}

static int AllPositive(const StzMaterial *m)
{
  const PetscReal v[] = {m->shear_modulus_pa,
                         m->poisson_ratio,
                         m->gamma0,
                         m->stz_volume_m3,
                         m->attempt_frequency_hz,
                         m->glass_transition_k,
                         m->atomic_volume_m3,
                         m->heat_capacity_jump_j_per_gatom_k,
                         m->heat_of_melting_j_per_gatom,
                         m->thermal_expansion_per_k};
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    if (!(v[i] > 0) || !isfinite(v[i])) return 0;
  return 1;
}

static PetscErrorCode TestPresets(void)
{
  const char  *p     = StzMaterialPresetList();
  int          count = 0;
  const double T     = 300.0;

  PetscFunctionBeginUser;
  while (*p) {
    char        tok[64];
    size_t      n = strcspn(p, ", ");
    StzMaterial m;

    if (n == 0) { /* skip separators */
      p++;
      continue;
    }
    PetscCheck(n < sizeof(tok), PETSC_COMM_SELF, PETSC_ERR_PLIB, "preset name too long in the list");
    memcpy(tok, p, n);
    tok[n] = 0;
    p += n;
    count++;
    PetscCall(StzMaterialPreset(tok, &m));
    STZ_CHECK(strcmp(m.name, tok) == 0, "preset '%s' loads under its own name", tok);
    STZ_CHECK(AllPositive(&m) && m.dilatancy_beta >= 0 && m.tau_hat_over_mu >= 0 && m.source && m.source[0],
              "preset '%s': every field positive and finite (beta and tau_hat non-negative), source given", tok);
    STZ_CHECK(m.poisson_ratio < 0.5 && m.stz_volume_m3 > 10 * m.atomic_volume_m3 && m.tau_hat_over_mu < 0.2, "preset '%s': nu < 1/2, STZ of more than 10 atoms (%.0f), tau_hat well below mu", tok,
              m.stz_volume_m3 / m.atomic_volume_m3);
    /* The review in reference/ gives Delta H_m = 5-12 kJ/g-atom for metallic glasses. */
    STZ_CHECK(m.heat_of_melting_j_per_gatom >= 5e3 && m.heat_of_melting_j_per_gatom <= 12e3, "preset '%s': heat of melting %.0f J/g-atom within the review's 5-12 kJ/g-atom", tok,
              m.heat_of_melting_j_per_gatom);

    double mu = m.shear_modulus_pa, g0 = m.gamma0, W0 = m.stz_volume_m3, nu0 = m.attempt_frequency_hz;
    double dF = StzArgonBarrier(mu, m.poisson_ratio, g0, W0, m.dilatancy_beta, m.tau_hat_over_mu * mu);
    /* tau at which one STZ activates at 1/s at temperature t: nu0 exp(-(dF - tau g0 W0/2)/kT) = 1 */
#define TAU1(t) (2 * (dF - KB * (t)*log(nu0)) / (g0 * W0))
#define JS(t)   (0.036 - 0.016 * pow((t) / m.glass_transition_k, 2.0 / 3.0))
    double tau1 = TAU1(T), js = JS(T);
    double r1 = StzActivationRate(nu0, dF, tau1, g0, W0, T);
    STZ_CHECK(StzClose(r1, 1.0, 1e-9, 0), "preset '%s': the solved stress tau = %.4g mu gives rate %.12g 1/s", tok, tau1 / mu, r1);
    double r_rt = StzActivationRate(nu0, dF, 0, g0, W0, T), r_tg = StzActivationRate(nu0, dF, 0, g0, W0, m.glass_transition_k);
    STZ_CHECK(r_rt < 1e-3,
              "preset '%s': unloaded STZs at 300 K are slower than 1e-3 1/s, glass does not flow unloaded (%.3g 1/s; dF = %.3f "
              "eV = %.1f kT)",
              tok, r_rt, dF / EV, dF / (KB * T));
    if (strstr(tok, "-js")) {
      /* Two-temperature calibration (docs/model.md 12): the 1/s activation stress is Johnson and Samwer's at 300 K and at 77 K
       * (to the rounding of gamma0 and Omega0), so the ratio between the two is theirs, 1.22, not the Argon presets' ~3. */
      double tau77 = TAU1(77.0), js77 = JS(77.0);
      STZ_CHECK(fabs(tau1 / mu / js - 1) < 0.01 && fabs(tau77 / mu / js77 - 1) < 0.01,
                "preset '%s': 1/s activation at tau/mu = %.4f (300 K) and %.4f (77 K), within 1%% of Johnson-Samwer's %.4f and %.4f", tok, tau1 / mu, tau77 / mu, js, js77);
      STZ_CHECK(m.dilatancy_beta == 0 && m.tau_hat_over_mu == 0, "preset '%s': beta = tau_hat = 0, as the calibration assumes", tok);
    } else {
      /* Argon presets: calibrated at 300 K only; their barrier (~ the beta-relaxation energy) lets STZs flip unloaded at T_g. */
      STZ_CHECK(fabs(tau1 / mu / js - 1) < 0.1, "preset '%s': 1/s activation at 300 K at tau/mu = %.4f, within 10%% of the Johnson-Samwer shear limit %.4f", tok, tau1 / mu, js);
      STZ_CHECK(r_tg > 1e-2, "preset '%s': unloaded STZs are mobile at T_g = %.0f K (%.3g 1/s, faster than a 100 s relaxation)", tok, m.glass_transition_k, r_tg);
    }
#undef TAU1
#undef JS
  }
  STZ_CHECK(count >= 4, "at least four presets are listed (%d): \"%s\"", count, StzMaterialPresetList());
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, "Unit tests of material presets and STZ activation physics"));
  TestBarrier();
  TestRate();
  TestResolvedShear();
  TestEigenstrain();
  TestHooke();
  PetscCall(TestUnknownPreset());
  PetscCall(TestPresets());
  printf("# %d failed checks\n", stz_test_failures);
  PetscCall(PetscFinalize());
  return STZ_TEST_EXIT();
}
