/* Output files are written under a temporary name and renamed when complete, so an interrupted run never leaves a
 * truncated file under a final name. */
#include "../impl.h"
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

PetscErrorCode StzMakeDir(const char dir[])
{
  char        path[PETSC_MAX_PATH_LEN];
  struct stat st;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(path, dir, sizeof(path)));
  /* mkdir -p */
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(path, 0777) && errno != EEXIST) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create directory '%s' (from -stz_output_dir %s): %s", path, dir, strerror(errno));
    *p = '/';
  }
  if (mkdir(path, 0777) && errno != EEXIST) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create directory '%s' (-stz_output_dir): %s", dir, strerror(errno));
  PetscCheck(!stat(path, &st) && S_ISDIR(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-stz_output_dir '%s' exists and is not a directory", dir);
  PetscFunctionReturn(0);
}

PetscErrorCode StzFileOpen(const char dir[], const char name[], FILE **fp)
{
  char tmp[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name));
  *fp = fopen(tmp, "w");
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
