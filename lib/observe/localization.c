/* Localization of plastic strain into bands, and the bands themselves.
 *
 * A straight band follows a family of lattice lines: rows (0 deg), columns (90), diagonals (45, 135) and the slope-1/2 and
 * slope-2 families (26.6, 63.4, 116.6, 153.4 deg). In a periodic box the lines wrap onto themselves (the inclined families
 * only in square boxes); in a body (slab, block) they run across the rectangle and hold different numbers of sites. For each
 * family the plastic strain is summed per line, and the participation ratio of the line means, PR = (sum c m)^2 / (sum c *
 * sum c m^2) (c the line's sites, m its mean), is the fraction of the body that effectively carries the strain. The index
 * 1 - PR is 0 when every line carries the same strain, 0.5 for a band over half the lines and 0.9 for a band over a tenth of
 * them; the reported index and angle are those of the family with the largest index. (A top-10%-share measure was tried
 * first and read a half-box band as nearly homogeneous.) Uncorrelated activity gives a small positive index from counting
 * noise. *Ninth session*: bodies of any aspect ratio use the inclined families too (before, a rectangle used rows and
 * columns alone, and the 45-degree bands of a compressed strip went unseen). */
#include "../impl.h"
#include <stdlib.h>

void StzPlasticShear(PetscInt N, const PetscReal e[], PetscReal out[])
{
  for (PetscInt i = 0; i < N; i++) out[i] = 2.0 * PetscSqrtReal(0.25 * (e[3 * i] - e[3 * i + 1]) * (e[3 * i] - e[3 * i + 1]) + e[3 * i + 2] * e[3 * i + 2]);
}

/* The line families as (p, q): the line of site (x, y) is q y - p x (q = 0: the column x), a direction of slope p/q. */
static const PetscInt StzFamilies[8][2] = {{0, 1}, {1, 0}, {1, 1}, {-1, 1}, {1, 2}, {2, 1}, {-2, 1}, {-1, 2}};

/* Whether family (p, q) is used, its number of lines, and the line of site (x, y) in 0 .. nl-1. In a periodic box the lines
 * wrap: rows and columns always, the inclined families only in square boxes (nl = n). In a body (slab or block) they do not
 * wrap: line q y - p x runs from its smallest value over the rectangle to its largest. */
static PetscBool StzFamilyLines(PetscInt nx, PetscInt ny, PetscBool periodic, PetscInt p, PetscInt q, PetscInt *nl, PetscInt *lmin)
{
  if (periodic) {
    if (nx != ny && p != 0 && q != 0) return PETSC_FALSE;
    *nl   = (p == 0) ? ny : (q == 0 ? nx : PetscMax(nx, ny));
    *lmin = 0;
  } else if (q == 0) {
    *nl = nx, *lmin = 0;
  } else {
    const PetscInt c[4] = {0, q * (ny - 1), -p * (nx - 1), q * (ny - 1) - p * (nx - 1)};
    PetscInt       lo = c[0], hi = c[0];
    for (int k = 1; k < 4; k++) lo = PetscMin(lo, c[k]), hi = PetscMax(hi, c[k]);
    *nl = hi - lo + 1, *lmin = lo;
  }
  return PETSC_TRUE;
}
static inline PetscInt StzLineOf(PetscInt x, PetscInt y, PetscBool periodic, PetscInt p, PetscInt q, PetscInt nl, PetscInt lmin)
{
  if (q == 0) return x;
  return periodic ? ((q * y - p * x) % nl + 2 * nl * 4) % nl : q * y - p * x - lmin;
}

/* Line sums s[l] and site counts c[l] of family (p, q), and which lines take part: in a body, lines holding at least half as
 * many sites as the family's longest (the short lines in a block's corners are too few sites to tell a band from noise). */
static void StzFamilySums(PetscInt nx, PetscInt ny, PetscBool periodic, PetscInt p, PetscInt q, PetscInt nl, PetscInt lmin, const PetscReal g[], PetscReal s[], PetscInt c[], PetscBool use[])
{
  PetscInt cmax = 0;
  for (PetscInt l = 0; l < nl; l++) s[l] = 0, c[l] = 0;
  for (PetscInt y = 0; y < ny; y++)
    for (PetscInt x = 0; x < nx; x++) {
      const PetscInt l = StzLineOf(x, y, periodic, p, q, nl, lmin);
      s[l] += g[y * nx + x];
      c[l]++;
    }
  for (PetscInt l = 0; l < nl; l++) cmax = PetscMax(cmax, c[l]);
  for (PetscInt l = 0; l < nl; l++) use[l] = (PetscBool)(c[l] > 0 && 2 * c[l] >= cmax);
}

/* 1 - the participation ratio of the line means m = s / c, weighted by the lines' sizes: (sum c m)^2 / (sum c * sum c m^2),
 * which is (sum s)^2 / (nl sum s^2) when all lines hold the same number of sites (a periodic box). 0 for a zero field. */
static PetscReal StzFamilyIndex(PetscInt nl, const PetscReal s[], const PetscInt c[], const PetscBool use[])
{
  PetscReal s1 = 0, s2 = 0, c1 = 0;
  for (PetscInt k = 0; k < nl; k++)
    if (use[k]) s1 += s[k], s2 += s[k] * s[k] / c[k], c1 += c[k];
  return s2 > 0 ? 1 - s1 * s1 / (c1 * s2) : 0;
}

static PetscReal StzFamilyAngle(PetscInt p, PetscInt q)
{
  PetscReal ang = (q == 0) ? 90.0 : PetscAtanReal((PetscReal)p / q) * 180.0 / PETSC_PI;
  return ang < 0 ? ang + 180.0 : ang;
}

PetscErrorCode StzLocalizationCompute(PetscInt nx, PetscInt ny, PetscBool periodic, const PetscReal g[], StzLocalization *loc)
{
  const PetscInt n = 2 * (nx + ny) + 2; /* more than any family's number of lines */
  PetscReal     *line, total = 0;
  PetscInt      *cnt;
  PetscBool     *use;

  PetscFunctionBeginUser;
  loc->index     = 0;
  loc->angle_deg = 0;
  loc->p = 0, loc->q = 1;
  for (PetscInt i = 0; i < nx * ny; i++) total += g[i];
  if (total <= 0) PetscFunctionReturn(0);
  PetscCall(PetscMalloc3(n, &line, n, &cnt, n, &use));
  for (int f = 0; f < 8; f++) {
    const PetscInt p = StzFamilies[f][0], q = StzFamilies[f][1];
    PetscInt       nl, lmin;
    PetscReal      idx;
    if (!StzFamilyLines(nx, ny, periodic, p, q, &nl, &lmin)) continue;
    StzFamilySums(nx, ny, periodic, p, q, nl, lmin, g, line, cnt, use);
    idx = StzFamilyIndex(nl, line, cnt, use);
    if (idx > loc->index) {
      loc->index = idx;
      loc->p = p, loc->q = q;
      loc->angle_deg = StzFamilyAngle(p, q);
    }
  }
  PetscCall(PetscFree3(line, cnt, use));
  PetscFunctionReturn(0);
}

static int StzCmpReal(const void *a, const void *b)
{
  const PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return (x > y) - (x < y);
}

/* Work arrays of the band search, each long enough for any family's lines. */
typedef struct {
  PetscReal *line, *gline, *scratch;
  PetscInt  *cnt;
  PetscBool *use, *inb;
} StzBandWork;

/* The bands of one family in the field h (g with the bands of earlier families taken out). A line is in a band when its mean
 * plastic shear in h exceeds the threshold (below); a gap of lines narrower than a site between two such runs does not split
 * them, and a run narrower than a site is not a band: the lattice cannot resolve either (the inclined families' lines are
 * closer than a site, a / sqrt(5) for slopes 1/2 and 2, and sample it as staircases, so their profiles are noisy on that
 * scale). Runs are cyclic when the lines wrap. Appends the bands to bands[*nb] (at most max), with their share of the total
 * from h (a crossing counts for the band found first) and their mean shear from g (crossings included); marks their lines
 * in w->inb; returns the family's localization index in h in *index. */
static void StzFamilyBands(PetscInt nx, PetscInt ny, PetscBool periodic, PetscInt f, const PetscReal g[], const PetscReal h[], PetscReal total, PetscReal a, StzBandWork *w, PetscInt max,
                           StzBand bands[], PetscInt *nb, PetscReal *index)
{
  const PetscInt  p = StzFamilies[f][0], q = StzFamilies[f][1];
  const PetscReal d    = a / PetscSqrtReal((PetscReal)(p * p + q * q));
  const PetscInt  sub  = (PetscInt)PetscCeilReal(a / d - 1e-9); /* lines in a site's width: runs and gaps of fewer are below it */
  PetscReal      *line = w->line, *gline = w->gline, thr;
  PetscInt       *cnt = w->cnt, nl, lmin, start = 0, first = *nb;
  PetscBool      *use = w->use, *inb = w->inb;

  *index = 0;
  if (!StzFamilyLines(nx, ny, periodic, p, q, &nl, &lmin)) return;
  StzFamilySums(nx, ny, periodic, p, q, nl, lmin, g, gline, cnt, use);
  StzFamilySums(nx, ny, periodic, p, q, nl, lmin, h, line, cnt, use);
  *index = StzFamilyIndex(nl, line, cnt, use);
  /* The threshold: twice the field's mean in a periodic box; in a body twice the median line mean of the family (its
   * background), but at least the field's mean. A body's flow can fill much of it (the crossed bands between sticking platens,
   * with dead zones against the platens and hot corners at their edges), so that its bands stand out from their surroundings
   * by a factor of 3 without reaching twice the mean of the whole field. */
  if (periodic) thr = 2 * total / (nx * ny);
  else {
    PetscInt m = 0;
    for (PetscInt l = 0; l < nl; l++)
      if (use[l]) w->scratch[m++] = line[l] / cnt[l];
    qsort(w->scratch, m, sizeof(PetscReal), StzCmpReal);
    thr = PetscMax(m ? (m % 2 ? 2 * w->scratch[m / 2] : w->scratch[m / 2 - 1] + w->scratch[m / 2]) : 0, total / (nx * ny));
  }
  for (PetscInt l = 0; l < nl; l++) inb[l] = (PetscBool)(use[l] && line[l] > thr * cnt[l]);
  /* Scan from a line outside every band (when the lines wrap), so that no run or gap is split by the wrap. */
  if (periodic) {
    start = -1;
    for (PetscInt l = 0; l < nl && start < 0; l++)
      if (!inb[l]) start = l;
    if (start < 0) start = 0; /* every line in the band: one band over the whole period */
  }
  /* Close gaps narrower than a site between two runs (not at the ends of a body's lines). */
  for (PetscInt k = 0; k < nl;) {
    const PetscInt l   = (start + k) % nl;
    PetscInt       len = 0;
    if (inb[l]) {
      k++;
      continue;
    }
    while (k + len < nl && !inb[(start + k + len) % nl]) len++;
    if (len < sub && (periodic ? len < nl : k > 0 && k + len < nl))
      for (PetscInt j = 0; j < len; j++) inb[(start + k + j) % nl] = use[(start + k + j) % nl];
    k += len;
  }
  for (PetscInt k = 0; k < nl;) {
    PetscInt  len = 0, sites = 0;
    PetscReal sum = 0, gsum = 0, wsum = 0, wpos = 0;
    if (!inb[(start + k) % nl]) {
      k++;
      continue;
    }
    while (k + len < nl && inb[(start + k + len) % nl]) {
      const PetscInt  l = (start + k + len) % nl;
      const PetscReal x = PetscMax(line[l] - thr * cnt[l], 0);
      sum += line[l];
      gsum += gline[l];
      sites += cnt[l];
      wsum += x;
      wpos += x * (periodic ? start + k + len : l + lmin); /* unwrapped, or the line's value q y - p x */
      len++;
    }
    if (len < sub || *nb >= max || wsum <= 0) {
      for (PetscInt j = 0; j < len; j++) inb[(start + k + j) % nl] = PETSC_FALSE;
    } else {
      bands[*nb].family     = f;
      bands[*nb].angle_deg  = StzFamilyAngle(p, q);
      bands[*nb].position_m = (periodic ? PetscFmodReal(wpos / wsum, (PetscReal)nl) : wpos / wsum) * d;
      bands[*nb].width_m    = len * d;
      bands[*nb].mean_shear = gsum / sites;
      bands[*nb].share      = sum / total;
      (*nb)++;
    }
    k += len;
  }
  /* In order of position, and the spacing to the next band of the family (round the period when the lines wrap). */
  for (PetscInt i = first + 1; i < *nb; i++)
    for (PetscInt j = i; j > first && bands[j].position_m < bands[j - 1].position_m; j--) {
      const StzBand t = bands[j];
      bands[j]        = bands[j - 1];
      bands[j - 1]    = t;
    }
  for (PetscInt i = first; i < *nb; i++) {
    if (*nb - first < 2) bands[i].spacing_m = -1;
    else if (i + 1 < *nb) bands[i].spacing_m = bands[i + 1].position_m - bands[i].position_m;
    else bands[i].spacing_m = periodic ? bands[first].position_m + nl * d - bands[i].position_m : -1;
  }
}

/* Bands. A band is a run of adjacent lines of one family whose mean plastic shear exceeds a threshold: twice the mean of the
 * whole field in a periodic box, twice the family's background in a body (StzFamilyBands). Twice the mean keeps the counting
 * noise of homogeneous flow out (a line fluctuates by far less than its mean once each carries many events), while a band
 * over a tenth of the lines carries ten times the mean. The families are taken in turn, the most localized one (largest
 * index) that has bands first, and the sites of its bands are taken out of the field before the next is searched (ranking by
 * the strain the bands carry instead picked the slope-2 family across a 45-degree band, whose lines each cross it): so
 * crossed bands (an X between sticking platens, conjugate bands in a box) are each found in their own family, and a strong
 * band is not found again as a bump in the lines of a neighbouring family that cross it. Adjacent lines of family (p, q) are
 * a / sqrt(p^2 + q^2) apart. */
PetscErrorCode StzBandsCompute(PetscInt nx, PetscInt ny, PetscBool periodic, const PetscReal g[], PetscReal a, PetscInt max, StzBand bands[], PetscInt *nb)
{
  const PetscInt N = nx * ny, n = 2 * (nx + ny) + 2;
  PetscReal     *h, total       = 0;
  StzBand       *tmp;
  StzBandWork    w;
  PetscBool      done[8] = {PETSC_FALSE};

  PetscFunctionBeginUser;
  *nb = 0;
  for (PetscInt i = 0; i < N; i++) total += g[i];
  if (total <= 0) PetscFunctionReturn(0);
  PetscCall(PetscMalloc3(N, &h, n, &tmp, n, &w.line));
  PetscCall(PetscMalloc5(n, &w.gline, n, &w.scratch, n, &w.cnt, n, &w.use, n, &w.inb));
  PetscCall(PetscArraycpy(h, g, N));
  for (int round = 0; round < 8 && *nb < max; round++) {
    PetscInt  best = -1;
    PetscReal most = 0;
    for (PetscInt f = 0; f < 8; f++) {
      PetscInt  m = 0;
      PetscReal idx;
      if (done[f]) continue;
      StzFamilyBands(nx, ny, periodic, f, g, h, total, a, &w, n, tmp, &m, &idx);
      if (m > 0 && idx > most) most = idx, best = f;
    }
    if (best < 0) break;
    done[best] = PETSC_TRUE;
    {
      const PetscInt p = StzFamilies[best][0], q = StzFamilies[best][1];
      PetscInt       nl = 1, lmin = 0, m = 0;
      PetscReal      idx;
      StzFamilyBands(nx, ny, periodic, best, g, h, total, a, &w, max - *nb, bands + *nb, &m, &idx);
      *nb += m;
      /* Take the band sites out. */
      StzFamilyLines(nx, ny, periodic, p, q, &nl, &lmin);
      for (PetscInt y = 0; y < ny; y++)
        for (PetscInt x = 0; x < nx; x++)
          if (w.inb[StzLineOf(x, y, periodic, p, q, nl, lmin)]) h[y * nx + x] = 0;
    }
  }
  PetscCall(PetscFree3(h, tmp, w.line));
  PetscCall(PetscFree5(w.gline, w.scratch, w.cnt, w.use, w.inb));
  PetscFunctionReturn(0);
}

/* The autocorrelation along x of the rows, each less its mean over the window, C(d) = <w(x, y) w(x + d, y)> over the pairs
 * inside the window, normalised by C(0). Its central lobe (up to the first negative value) is the width of the bands; beyond
 * it, at lags up to half the window (so that at least half the window's pairs enter), the first local maximum that reaches
 * half the largest is the pattern's spacing: a zigzag of bands repeats along x at its period in every row, wherever the row
 * crosses it, so the rows' peaks add up there (and again at its multiples). This reads the spacing from the field itself,
 * with no band detection. */
PetscErrorCode StzPeriodAlongX(PetscInt nx, PetscInt ny, const PetscReal g[], PetscInt x0, PetscInt x1, PetscInt *period, PetscReal *corr)
{
  const PetscInt n = x1 - x0;
  PetscReal     *w, *C;
  PetscInt       z = -1;

  PetscFunctionBeginUser;
  *period = -1, *corr = 0;
  PetscCheck(x0 >= 0 && x1 <= nx && n >= 4, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "StzPeriodAlongX: window %d .. %d of %d columns", (int)x0, (int)x1, (int)nx);
  PetscCall(PetscMalloc2(n * ny, &w, n / 2 + 1, &C));
  for (PetscInt y = 0; y < ny; y++) {
    PetscReal m = 0;
    for (PetscInt x = 0; x < n; x++) m += g[y * nx + x0 + x] / n;
    for (PetscInt x = 0; x < n; x++) w[y * n + x] = g[y * nx + x0 + x] - m;
  }
  for (PetscInt d = 0; d <= n / 2; d++) {
    PetscReal c = 0;
    for (PetscInt y = 0; y < ny; y++)
      for (PetscInt x = 0; x + d < n; x++) c += w[y * n + x] * w[y * n + x + d];
    C[d] = c / (ny * (n - d));
  }
  if (C[0] > 0) {
    for (PetscInt d = 1; d <= n / 2 && z < 0; d++)
      if (C[d] < 0) z = d;
    if (z > 0) {
      /* The fundamental: the first local maximum that reaches half the largest. A pattern that is not exactly periodic can
       * correlate better at a multiple of its period, by chance, than at the period itself. */
      PetscReal top = 0;
      for (PetscInt d = z; d <= n / 2; d++) top = PetscMax(top, C[d]);
      for (PetscInt d = z; d <= n / 2 && *period < 0 && top > 0; d++)
        if (C[d] >= 0.5 * top && C[d] >= C[d - 1] && (d == n / 2 || C[d] >= C[d + 1])) *corr = PetscMin(1, C[d] / C[0]), *period = d;
    }
  }
  PetscCall(PetscFree2(w, C));
  PetscFunctionReturn(0);
}

/* The centres (in line units, q y - p x or x) and widths (in lines) of the bands of family f whose centre line crosses the
 * body's mid-height inside columns x0 .. x1-1, sorted by centre; and that range of centres, [*lo, *hi). Rows (p = 0) do not
 * cross the strip: none. */
static PetscInt StzFamilyCentres(PetscInt ny, PetscReal a, const StzBand bands[], PetscInt nb, PetscInt f, PetscInt x0, PetscInt x1, PetscReal c[], PetscReal w[], PetscReal *lo, PetscReal *hi)
{
  const PetscInt  p = StzFamilies[f][0], q = StzFamilies[f][1];
  const PetscReal d = a / PetscSqrtReal((PetscReal)(p * p + q * q)), ym = 0.5 * (ny - 1);
  PetscInt        m = 0;
  if (p == 0) return 0;
  /* The stretch of line values crossed at mid-height by columns x0 .. x1: x itself for columns, else q ym - p x. */
  if (q == 0) *lo = x0, *hi = x1;
  else {
    *lo = PetscMin(q * ym - p * x0, q * ym - p * (PetscReal)x1);
    *hi = PetscMax(q * ym - p * x0, q * ym - p * (PetscReal)x1);
  }
  for (PetscInt k = 0; k < nb; k++) {
    const PetscReal l = bands[k].position_m / d;
    if (bands[k].family != f || l < *lo || l >= *hi) continue;
    c[m] = l, w[m] = bands[k].width_m / d;
    for (PetscInt j = m; j > 0 && c[j] < c[j - 1]; j--) {
      const PetscReal tc = c[j], tw = w[j];
      c[j] = c[j - 1], w[j] = w[j - 1], c[j - 1] = tc, w[j - 1] = tw;
    }
    m++;
  }
  return m;
}

/* The scatter of the gaps between neighbouring bands: over the families with at least three bands, each gap over its
 * family's mean gap; the root mean square of (that - 1) over all of them (0: evenly spaced; about 1 for bands at independent
 * random places). *ngaps: how many gaps entered. */
static PetscReal StzGapScatter(PetscInt nf, const PetscInt m[], PetscReal *const c[], PetscInt *ngaps)
{
  PetscReal s = 0;
  *ngaps      = 0;
  for (PetscInt f = 0; f < nf; f++) {
    if (m[f] < 3) continue;
    const PetscReal mean = (c[f][m[f] - 1] - c[f][0]) / (m[f] - 1);
    for (PetscInt k = 1; k < m[f]; k++) s += PetscSqr((c[f][k] - c[f][k - 1]) / mean - 1);
    *ngaps += m[f] - 1;
  }
  return *ngaps ? PetscSqrtReal(s / *ngaps) : 0;
}

/* How likely bands as evenly spaced as these are by chance. Of each line family, the bands of bands.csv whose centre crosses
 * the strip's mid-height inside the window (columns x0 .. x1-1) are taken in order along the strip, and the scatter of the
 * gaps between neighbours, each over its family's mean gap, is measured (StzGapScatter: 0 for evenly spaced bands, about 1
 * for independent random places, as the gaps of a Poisson process). The null hypothesis places the same bands of each family,
 * with their widths, at random across the same stretch, one after another, a band not overlapping those placed before it
 * (random sequential adsorption: the detector would merge overlapping bands into one). The p-value is (1 + the placements
 * whose scatter is at most the bands') / (1 + nsurr): at least 1 / (1 + nsurr); 1 when no family has three bands there.
 * Random streams: key, so the p-value is reproducible.
 * *Fourteenth session.* Two other nulls were tried and dropped (docs/model.md 10e): the field's column blocks
 * shuffled along the strip cut the inclined bands into pieces, so that random placements looked significant (37 of 40 at
 * p <= 0.05); and the spacing estimator's own regularity (the autocorrelation at the spacing, StzPeriodAlongX) applied to
 * drawings of the bands in place and moved at random had little power: a rolled strip's evenly spaced bands (gaps 14-25 nm
 * along the normal, scatter about 0.2) drew a regularity of 0.16 against 0.19 on average for the same bands at random,
 * because a few bands at random places correlate strongly at some lag by chance. */
PetscErrorCode StzPeriodPValue(PetscInt nx, PetscInt ny, PetscReal a, const StzBand bands[], PetscInt nb, PetscInt x0, PetscInt x1, PetscInt nsurr, uint64_t key, PetscReal *p)
{
  PetscReal *c[8], *w[8], *r[8], lo[8], hi[8], t_obs, t;
  PetscInt   m[8], ng, hits = 0;

  PetscFunctionBeginUser;
  *p = 1;
  PetscCheck(x0 >= 0 && x1 <= nx && x1 - x0 >= 4 && nsurr > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "StzPeriodPValue: window %d .. %d of %d columns, %d surrogates", (int)x0, (int)x1, (int)nx,
             (int)nsurr);
  for (PetscInt f = 0; f < 8; f++) {
    PetscCall(PetscMalloc3(PetscMax(nb, 1), &c[f], PetscMax(nb, 1), &w[f], PetscMax(nb, 1), &r[f]));
    m[f] = StzFamilyCentres(ny, a, bands, nb, f, x0, x1, c[f], w[f], &lo[f], &hi[f]);
  }
  t_obs = StzGapScatter(8, m, c, &ng);
  if (ng > 0) {
    for (PetscInt s = 0; s < nsurr; s++) {
      uint64_t cnt = 0; /* the stream's counter: draws, rejected ones included */
      for (PetscInt f = 0; f < 8; f++) {
        if (m[f] < 3) continue;
        for (PetscInt k = 0; k < m[f]; k++) {
          PetscReal x = 0;
          for (PetscInt tries = 0; tries < 1000; tries++) {
            PetscBool ok = PETSC_TRUE;
            x            = lo[f] + StzRngUniform(key, ((uint64_t)s << 32) + cnt++) * (hi[f] - lo[f]);
            for (PetscInt j = 0; j < k && ok; j++) ok = (PetscBool)(PetscAbsReal(x - r[f][j]) >= 0.5 * (w[f][k] + w[f][j]));
            if (ok) break; /* else draw again (after 1000 tries the last draw stands: a stretch too full to hold them apart) */
          }
          r[f][k] = x; /* band k of the family, with its width w[f][k] */
        }
        qsort(r[f], m[f], sizeof(PetscReal), StzCmpReal); /* then in order along the strip, for the gaps */
      }
      t = StzGapScatter(8, m, r, &ng);
      if (t <= t_obs) hits++;
    }
    *p = (1.0 + hits) / (1.0 + nsurr);
  }
  for (PetscInt f = 0; f < 8; f++) PetscCall(PetscFree3(c[f], w[f], r[f]));
  PetscFunctionReturn(0);
}

/* Fisher's method: X = -2 sum ln p_i is chi-squared with 2n degrees of freedom when the n tests are independent and their
 * nulls hold, and its upper tail for even degrees of freedom is exp(-X/2) sum_{i<n} (X/2)^i / i!. */
PetscReal StzFisherCombine(PetscInt n, const PetscReal p[])
{
  PetscReal h = 0, term = 1, sum = 0;
  if (n <= 0) return 1;
  for (PetscInt i = 0; i < n; i++) h -= PetscLogReal(PetscMax(p[i], PETSC_SMALL * PETSC_SMALL));
  for (PetscInt i = 0; i < n; i++) {
    sum += term;
    term *= h / (i + 1);
  }
  return PetscMin(1, PetscExpReal(-h) * sum);
}
