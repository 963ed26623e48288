/* Avalanche outputs: avalanches.csv (one row per avalanche), avalanche_sizes.csv (log-binned size distribution) and the
 * numbered frames of the plastic-strain increment (docs/outputs.md). Written under .tmp names and renamed. */
#include "../impl.h"

PetscErrorCode StzAvalancheRecWrite(StzAvalancheRec rec, const char dir[], PetscInt bins)
{
  const StzAvalanche *l;
  PetscInt            n, m    = 0, nbins;
  PetscReal          *s, smin = PETSC_MAX_REAL, smax = 0;
  FILE               *fp;

  PetscFunctionBeginUser;
  StzAvalancheRecGet(rec, &n, &l);
  PetscCall(StzFileOpen(dir, "avalanches.csv", &fp));
  fprintf(fp, "index,start_strain,start_stress_pa,size,size_stz,stress_drop_pa,events,duration_s,duration_generations,strain_span,gyration_radius_m,orientation_deg\n");
  for (PetscInt k = 0; k < n; k++)
    fprintf(fp, "%d,%.10e,%.10e,%.10e,%.6e,%.10e,%lld,%.6e,%d,%.6e,%.6e,%.2f\n", (int)l[k].index, (double)l[k].start_strain, (double)l[k].start_stress_pa, (double)l[k].size, (double)l[k].size_stz,
            (double)l[k].stress_drop_pa, (long long)l[k].events, (double)l[k].duration_s, (int)l[k].generations, (double)l[k].strain_span, (double)l[k].gyration_radius_m,
            (double)l[k].orientation_deg);
  PetscCall(StzFileCommit(dir, "avalanches.csv", &fp));

  /* Size distribution of the positive sizes, log-binned (StzPowerLawHistogram's bins: equal in log between the extremes). */
  PetscCall(PetscMalloc1(n + 1, &s));
  for (PetscInt k = 0; k < n; k++)
    if (l[k].size > 0) {
      s[m++] = l[k].size;
      smin   = PetscMin(smin, l[k].size);
      smax   = PetscMax(smax, l[k].size);
    }
  PetscCall(StzFileOpen(dir, "avalanche_sizes.csv", &fp));
  fprintf(fp, "size_low,size_high,size_center,count,density\n");
  if (m > 0 && smax > smin) {
    PetscReal      *c, *d;
    const PetscReal lmin = PetscLogReal(smin), lmax = PetscLogReal(smax);
    nbins = bins > 0 ? bins : PetscMax(1, (PetscInt)PetscCeilReal(5 * (lmax - lmin) / PetscLogReal(10.0)));
    PetscCall(PetscMalloc2(nbins, &c, nbins, &d));
    PetscCall(StzPowerLawHistogram(m, s, nbins, c, d));
    for (PetscInt b = 0; b < nbins; b++) {
      const PetscReal dl = (lmax - lmin) / nbins, lo = b == 0 ? smin : PetscExpReal(lmin + dl * b), hi = b == nbins - 1 ? smax : PetscExpReal(lmin + dl * (b + 1));
      fprintf(fp, "%.6e,%.6e,%.6e,%.0f,%.6e\n", (double)lo, (double)hi, (double)c[b], (double)(d[b] * m * (hi - lo)), (double)d[b]);
    }
    PetscCall(PetscFree2(c, d));
  }
  PetscCall(StzFileCommit(dir, "avalanche_sizes.csv", &fp));
  PetscCall(PetscFree(s));
  PetscFunctionReturn(0);
}

PetscErrorCode StzWriteFrame(const char dir[], PetscInt index, PetscInt nx, PetscInt ny, const PetscReal gamma_p[], PetscReal vmax, PetscReal site_size_m, const char title[])
{
  char      path[PETSC_MAX_PATH_LEN];
  StzPngMap map = {0};

  PetscFunctionBeginUser;
  map.title           = title;
  map.units           = "-";
  map.vmin            = 0;
  map.vmax            = vmax;
  map.cmap            = STZ_CMAP_SEQUENTIAL;
  map.pixels_per_cell = 0;
  map.cell_size_m     = site_size_m;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/frames/frame_%05d.png", dir, (int)index));
  PetscCall(StzPngWriteMap(path, nx, ny, gamma_p, &map));
  PetscFunctionReturn(0);
}
