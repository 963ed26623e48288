/* Output files are written under a temporary name and renamed when complete, so an interrupted run never leaves a
 * truncated file under a final name. */
#define _POSIX_C_SOURCE 200809L /* lstat */
#include "../impl.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p in plain C (no PETSc error, so that a rank can report it to the others): 0, or -1 with the reason in msg. */
static int StzMkdirP(const char dir[], char msg[], size_t len)
{
  char        path[PETSC_MAX_PATH_LEN];
  struct stat st;

  if (strlen(dir) >= sizeof path) return snprintf(msg, len, "option -stz_output_dir = %s: the path is too long", dir), -1;
  strcpy(path, dir);
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(path, 0777) && errno != EEXIST) return snprintf(msg, len, "cannot create directory '%s' (from -stz_output_dir %s): %s", path, dir, strerror(errno)), -1;
    *p = '/';
  }
  if (mkdir(path, 0777) && errno != EEXIST) return snprintf(msg, len, "cannot create directory '%s' (-stz_output_dir): %s", dir, strerror(errno)), -1;
  if (stat(path, &st) || !S_ISDIR(st.st_mode)) return snprintf(msg, len, "-stz_output_dir '%s' exists and is not a directory", dir), -1;
  return 0;
}

PetscErrorCode StzMakeDir(const char dir[])
{
  char msg[PETSC_MAX_PATH_LEN + 256];

  PetscFunctionBeginUser;
  PetscCheck(!StzMkdirP(dir, msg, sizeof msg), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s", msg);
  PetscFunctionReturn(0);
}

/* Whether a directory entry is something stzdyn writes (docs/outputs.md): its files, with or without ".tmp", and the
 * directories of frames, sequence stages (NN-protocol), ensemble seeds and the creep's yield test. */
static PetscBool StzIsOutputFile(const char n[], PetscBool in_frames)
{
  static const char *const files[] = {"series.csv", "summary.json", "fields.csv",    "fields.vti", "avalanches.csv", "avalanche_sizes.csv", "bands.csv", "cycles.csv", "passes.csv",
                                      "popin.csv",  "ensemble.csv", "ensemble.json", NULL};
  char                     base[256];
  size_t                   len = strlen(n);

  if (len >= sizeof base) return PETSC_FALSE;
  strcpy(base, n);
  if (len > 4 && !strcmp(base + len - 4, ".tmp")) base[len - 4] = 0;
  for (int i = 0; files[i]; i++)
    if (!strcmp(base, files[i])) return PETSC_TRUE;
  len = strlen(base);
  if (!strcmp(base, "map_sigma_xy.png")) return PETSC_TRUE;
  if (in_frames) return (PetscBool)(len == 15 && !strncmp(base, "frame_", 6) && strspn(base + 6, "0123456789") == 5 && !strcmp(base + 11, ".png"));
  if (!strcmp(base, "map_plastic_strain_final.png")) return PETSC_TRUE;
  /* map_plastic_strain_%.4f.png: digits, a point, four digits */
  if (len < 29 || strncmp(base, "map_plastic_strain_", 19) || strcmp(base + len - 4, ".png")) return PETSC_FALSE;
  {
    const char  *v = base + 19;
    const size_t d = strspn(v, "0123456789");
    return (PetscBool)(d >= 1 && v[d] == '.' && strspn(v + d + 1, "0123456789") == 4 && !strcmp(v + d + 5, ".png"));
  }
}

static PetscBool StzIsOutputDir(const char n[])
{
  if (!strcmp(n, "frames") || !strcmp(n, "yield-test")) return PETSC_TRUE;
  if (!strncmp(n, "seed-", 5) && n[5] && strspn(n + 5, "0123456789") == strlen(n + 5)) return PETSC_TRUE;
  if (n[0] >= '0' && n[0] <= '9' && n[1] >= '0' && n[1] <= '9' && n[2] == '-')
    for (int p = 0; StzProtocolNames[p]; p++)
      if (!strcmp(n + 3, StzProtocolNames[p])) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* Remove stzdyn's outputs in dir (recursively in its own subdirectories, which go too once empty); count what went. */
static PetscErrorCode StzRemoveOutputs(const char dir[], PetscBool in_frames, PetscInt *n)
{
  DIR           *d = opendir(dir);
  struct dirent *e;

  PetscFunctionBeginUser;
  if (!d) PetscFunctionReturn(0);
  while ((e = readdir(d))) {
    char        path[PETSC_MAX_PATH_LEN];
    struct stat st;
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    PetscCall(PetscSNPrintf(path, sizeof path, "%s/%s", dir, e->d_name));
    if (lstat(path, &st)) continue;
    if (S_ISDIR(st.st_mode) && StzIsOutputDir(e->d_name)) { /* lstat: a symbolic link to a directory is not followed */
      PetscCall(StzRemoveOutputs(path, (PetscBool)!strcmp(e->d_name, "frames"), n));
      (void)rmdir(path); /* kept if it holds anything else */
    } else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) && StzIsOutputFile(e->d_name, in_frames)) {
      if (!unlink(path)) (*n)++; /* a link itself, never its target */
    }
  }
  closedir(d);
  PetscFunctionReturn(0);
}

#define STZ_MARKER ".stzdyn-run" /* written into every output directory; only a directory carrying it is cleaned */

int StzOutputDirUsable(const char dir[], char msg[], size_t len)
{
  char  probe[PETSC_MAX_PATH_LEN + 32];
  FILE *fp;

  if (StzMkdirP(dir, msg, len)) return 0;
  snprintf(probe, sizeof probe, "%s/.stzdyn-write-test", dir);
  if (!(fp = StzFopenFresh(probe))) return snprintf(msg, len, "option -stz_output_dir = %s: cannot write there (%s)", dir, strerror(errno)), 0;
  fclose(fp);
  (void)unlink(probe);
  return 1;
}

PetscErrorCode StzOutputDirPrepare(const char dir[], PetscBool quiet)
{
  char        marker[PETSC_MAX_PATH_LEN + 32];
  struct stat st;
  PetscInt    n = 0;
  FILE       *fp;

  PetscFunctionBeginUser;
  PetscCall(StzMakeDir(dir));
  PetscCall(PetscSNPrintf(marker, sizeof marker, "%s/%s", dir, STZ_MARKER));
  /* Only a directory an earlier stzdyn run marked as its own is cleaned: files that merely share an output's name in a
   * directory stzdyn never wrote to (".", a home directory, a user's data) are left alone. */
  if (!lstat(marker, &st) && S_ISREG(st.st_mode)) {
    PetscCall(StzRemoveOutputs(dir, PETSC_FALSE, &n));
    if (n && !quiet) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "stzdyn: note: removed %d files an earlier run left in %s/, so that it holds this run's outputs only\n", (int)n, dir));
  }
  fp = StzFopenFresh(marker);
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write '%s': %s", marker, strerror(errno));
  fprintf(fp, "This directory holds the outputs of a stzdyn run. A new run into it first removes them (files with stzdyn's output\nnames and its stage, seed, frames and yield-test directories; other "
              "files stay). Delete this file to keep them.\n");
  PetscCheck(!fclose(fp), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "writing '%s' failed", marker);
  PetscFunctionReturn(0);
}

FILE *StzFopenFresh(const char path[])
{
  int fd;

  /* A new file, never written through a symbolic link left under the name (that would write outside the directory). */
  (void)unlink(path);
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0666);
  return fd >= 0 ? fdopen(fd, "w") : NULL;
}

PetscErrorCode StzFileOpen(const char dir[], const char name[], FILE **fp)
{
  char tmp[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name));
  *fp = StzFopenFresh(tmp);
  PetscCheck(*fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write '%s': %s", tmp, strerror(errno));
  PetscFunctionReturn(0);
}

PetscErrorCode StzFileCommit(const char dir[], const char name[], FILE **fp)
{
  char tmp[PETSC_MAX_PATH_LEN], final[PETSC_MAX_PATH_LEN];
  int  err;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name));
  PetscCall(PetscSNPrintf(final, sizeof(final), "%s/%s", dir, name));
  err = ferror(*fp);
  err |= fclose(*fp);
  *fp = NULL;
  PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "writing '%s' failed (disk full?)", tmp);
  PetscCheck(!rename(tmp, final), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename '%s' to '%s': %s", tmp, final, strerror(errno));
  PetscFunctionReturn(0);
}

/* One cell-data array of fields.vti: n components per site from get(kmc, i, out). */
typedef void (*StzSiteValues)(StzKmc kmc, PetscInt i, PetscReal out[]);
static void StzVTKArray(FILE *fp, StzKmc kmc, const char name[], PetscInt n, StzSiteValues get)
{
  fprintf(fp, "        <DataArray type=\"Float64\" Name=\"%s\" NumberOfComponents=\"%d\" format=\"ascii\">\n", name, (int)n);
  for (PetscInt i = 0; i < kmc->N; i++) {
    PetscReal v[3];
    get(kmc, i, v);
    for (PetscInt c = 0; c < n; c++) fprintf(fp, "%.9e%s", (double)v[c], c + 1 < n ? " " : "\n");
  }
  fprintf(fp, "        </DataArray>\n");
}
static void StzVTKStress(StzKmc kmc, PetscInt i, PetscReal v[])
{
  StzKmcSiteStress(kmc, i, v);
}
static void StzVTKPlastic(StzKmc kmc, PetscInt i, PetscReal v[])
{
  for (int c = 0; c < 3; c++) v[c] = kmc->eps_p[3 * i + c];
}
static void StzVTKActivations(StzKmc kmc, PetscInt i, PetscReal v[])
{
  v[0] = (PetscReal)kmc->count[i];
}
static void StzVTKBarrier(StzKmc kmc, PetscInt i, PetscReal v[])
{
  v[0] = kmc->barrier_j[i] / 1.602176634e-19;
}
static void StzVTKFictive(StzKmc kmc, PetscInt i, PetscReal v[])
{
  v[0] = kmc->cfg->st.on ? kmc->tf_k[i] : 0;
}
static void StzVTKEnergy(StzKmc kmc, PetscInt i, PetscReal v[])
{
  StzKmcSiteEnergy(kmc, i, &v[0], &v[1]);
  v[2] = v[0] + v[1];
}

PetscErrorCode StzWriteFieldsVTK(const char dir[], StzKmc kmc, PetscReal a)
{
  FILE *fp;

  PetscFunctionBeginUser;
  StzKmcSyncStress(kmc); /* sp is lazy (impl.h) */
  PetscCall(StzFileOpen(dir, "fields.vti", &fp));
  /* Points 0..nx by 0..ny with spacing a: site (i, j) is cell (i, j), x fastest as in fields.csv. */
  fprintf(fp, "<?xml version=\"1.0\"?>\n<VTKFile type=\"ImageData\" version=\"0.1\" byte_order=\"LittleEndian\">\n");
  fprintf(fp, "  <ImageData WholeExtent=\"0 %d 0 %d 0 0\" Origin=\"0 0 0\" Spacing=\"%.9e %.9e %.9e\">\n", (int)kmc->nx, (int)kmc->ny, (double)a, (double)a, (double)a);
  fprintf(fp, "    <Piece Extent=\"0 %d 0 %d 0 0\">\n      <CellData Scalars=\"activations\">\n", (int)kmc->nx, (int)kmc->ny);
  StzVTKArray(fp, kmc, "sigma_xx_yy_xy_pa", 3, StzVTKStress);
  StzVTKArray(fp, kmc, "eps_p_xx_yy_xy", 3, StzVTKPlastic);
  StzVTKArray(fp, kmc, "activations", 1, StzVTKActivations);
  StzVTKArray(fp, kmc, "barrier_ev", 1, StzVTKBarrier);
  StzVTKArray(fp, kmc, "fictive_temperature_k", 1, StzVTKFictive);
  StzVTKArray(fp, kmc, "elastic_structural_stored_energy_j_per_gatom", 3, StzVTKEnergy);
  fprintf(fp, "      </CellData>\n    </Piece>\n  </ImageData>\n</VTKFile>\n");
  PetscCall(StzFileCommit(dir, "fields.vti", &fp));
  PetscFunctionReturn(0);
}

PetscErrorCode StzWriteFields(const StzConfig *cfg, const char dir[], StzKmc kmc)
{
  PetscFunctionBeginUser;
  if (cfg->fields_csv) PetscCall(StzWriteFieldsCSV(dir, kmc, cfg->site_size_m));
  if (cfg->fields_vtk) PetscCall(StzWriteFieldsVTK(dir, kmc, cfg->site_size_m));
  PetscFunctionReturn(0);
}

PetscErrorCode StzWriteFieldsCSV(const char dir[], StzKmc kmc, PetscReal a)
{
  FILE *fp;

  PetscFunctionBeginUser;
  StzKmcSyncStress(kmc); /* sp is lazy (impl.h) */
  PetscCall(StzFileOpen(dir, "fields.csv", &fp));
  fprintf(fp, STZ_FIELDS_HEADER);
  for (PetscInt i = 0; i < kmc->N; i++) {
    PetscReal s[3], el, st;
    StzKmcSiteStress(kmc, i, s);
    StzKmcSiteEnergy(kmc, i, &el, &st);
    fprintf(fp, "%.6e,%.6e,%.9e,%.9e,%.9e,%.9e,%.9e,%.9e,%d,%.6f,%.4f,%.9e,%.9e,%.9e\n", (double)(((i % kmc->nx) + 0.5) * a), (double)(((i / kmc->nx) + 0.5) * a), (double)s[0], (double)s[1],
            (double)s[2], (double)kmc->eps_p[3 * i], (double)kmc->eps_p[3 * i + 1], (double)kmc->eps_p[3 * i + 2], (int)kmc->count[i], (double)(kmc->barrier_j[i] / 1.602176634e-19),
            (double)(kmc->cfg->st.on ? kmc->tf_k[i] : 0), (double)el, (double)st, (double)(el + st));
  }
  PetscCall(StzFileCommit(dir, "fields.csv", &fp));
  PetscFunctionReturn(0);
}
