/* Tests of the PNG map writer (lib/output/png.c): write maps of known fields, read them back with libpng's simplified API
 * and compare pixels with StzPngColor at the positions StzPngMapLayout promises.
 *
 * All files go to a fresh mkdtemp directory under /tmp, removed at the end. One "ok - ..." / "not ok - ..." line per check;
 * the exit code is the number of failures (capped), so any failure fails the test.
 */
/* mkdtemp is POSIX 2008, hidden by -std=c17 unless asked for. */
#define _POSIX_C_SOURCE 200809L

#include <stzdyn/png.h>

#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures = 0;

/* Print one TAP-style line per check and remember failures for the exit code. */
static void Check(PetscBool cond, const char *name, const char *detail)
{
  if (!cond) failures++;
  (void)PetscPrintf(PETSC_COMM_SELF, "%s - %s (%s)\n", cond ? "ok" : "not ok", name, detail);
}

/* A decoded PNG as packed 8-bit RGB, row 0 at the top. */
typedef struct {
  unsigned char *px;
  PetscInt       w, h;
} Image;

/* Read a PNG with the png_image API; returns PETSC_FALSE (and an empty image) if libpng cannot read it. */
static PetscBool ReadPng(const char *path, Image *img)
{
  png_image pi;

  memset(img, 0, sizeof *img);
  memset(&pi, 0, sizeof pi);
  pi.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&pi, path)) return PETSC_FALSE;
  pi.format = PNG_FORMAT_RGB;
  img->px   = (unsigned char *)malloc(PNG_IMAGE_SIZE(pi));
  if (!img->px) {
    png_image_free(&pi);
    return PETSC_FALSE;
  }
  if (!png_image_finish_read(&pi, NULL, img->px, 0, NULL)) {
    free(img->px);
    img->px = NULL;
    return PETSC_FALSE;
  }
  img->w = (PetscInt)pi.width;
  img->h = (PetscInt)pi.height;
  return PETSC_TRUE;
}

static const unsigned char *Pixel(const Image *img, PetscInt x, PetscInt y)
{
  return img->px + ((size_t)y * (size_t)img->w + (size_t)x) * 3;
}

static PetscBool SameRGB(const unsigned char *a, const unsigned char *b)
{
  return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool IsBlack(const unsigned char *a)
{
  return a[0] == 0 && a[1] == 0 && a[2] == 0 ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool WhiteIsh(const unsigned char *a)
{
  return a[0] >= 240 && a[1] >= 240 && a[2] >= 240 ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool FileExists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

/* Pixel at the centre of cell (i, j), using the geometry documented in png.h. */
static const unsigned char *CellCentre(const Image *img, PetscInt ny, PetscInt x0, PetscInt y0, PetscInt p, PetscInt i, PetscInt j)
{
  return Pixel(img, x0 + i * p + p / 2, y0 + (ny - 1 - j) * p + p / 2);
}

/* Relative luminance (sRGB weights, no linearisation): enough to check the sequential map gets brighter. */
static double Luma(const unsigned char *c)
{
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

/* Map A: diverging ramp with cells at vmin, vmax, the midpoint, clamped values and NaN; checks geometry, cell colours, the
 * colour bar ends and the atomic write. */
static PetscErrorCode CheckDivergingMap(const char *dir)
{
  const PetscInt nx = 40, ny = 30;
  StzPngMap      map = {"sigma_xy (single STZ)", "MPa", -2.0, 2.0, STZ_CMAP_DIVERGING, 0, 1e-9};
  PetscReal     *v;
  char           path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8], buf[256];
  PetscInt       W, H, x0, y0, p, bad = 0, nbad = 0;
  Image          img;
  unsigned char  c[3], cmin[3], cmax[3], cmid[3], cnan[3];
  PetscErrorCode ierr;
  struct {
    PetscInt    i, j;
    PetscReal   val;
    const char *what;
  } special[] = {
      {0, 0, -2.0, "vmin at bottom-left (0,0)"}, {39, 29, 2.0, "vmax at top-right (39,29)"}, {10, 5, 0.0, "midpoint at (10,5)"},           {20, 20, 5.0, "above vmax at (20,20)"},
      {30, 3, -10.0, "below vmin at (30,3)"},    {0, 29, 1.5, "1.5 at top-left (0,29)"},     {39, 0, -1.5, "-1.5 at bottom-right (39,0)"}, {5, 25, (PetscReal)NAN, "NaN at (5,25)"},
  };
  const PetscInt nspecial = (PetscInt)(sizeof special / sizeof special[0]);

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/diverging.png", dir));
  PetscCall(PetscSNPrintf(tmp, sizeof tmp, "%s.tmp", path));
  PetscCall(PetscMalloc1(nx * ny, &v));
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) v[j * nx + i] = 0.1 * (PetscReal)(i - j); /* ramp -2.9 .. 3.9: both ends clamp */
  for (PetscInt s = 0; s < nspecial; s++) v[special[s].j * nx + special[s].i] = special[s].val;

  PetscCall(StzPngMapLayout(nx, ny, &map, &W, &H, &x0, &y0, &p));
  PetscCall(PetscSNPrintf(buf, sizeof buf, "p = %" PetscInt_FMT ", map %" PetscInt_FMT " px wide", p, nx * p));
  Check((PetscBool)(p >= 1 && nx * p >= 400 && nx * p <= 640), "pixels_per_cell = 0 gives a map about 512 px wide", buf);

  ierr = StzPngWriteMap(path, nx, ny, v, &map);
  Check((PetscBool)(ierr == 0), "StzPngWriteMap writes a diverging map", path);
  Check(FileExists(path), "the PNG exists after writing", path);
  Check((PetscBool)!FileExists(tmp), "no .tmp file remains after a successful write", tmp);
  if (!ReadPng(path, &img)) {
    Check(PETSC_FALSE, "libpng reads the map back", path);
    PetscCall(PetscFree(v));
    (void)remove(path);
    PetscFunctionReturn(0);
  }
  Check(PETSC_TRUE, "libpng reads the map back", path);
  PetscCall(PetscSNPrintf(buf, sizeof buf, "file %" PetscInt_FMT " x %" PetscInt_FMT ", layout %" PetscInt_FMT " x %" PetscInt_FMT, img.w, img.h, W, H));
  Check((PetscBool)(img.w == W && img.h == H), "picture size equals StzPngMapLayout", buf);

  /* Every cell centre, then the special cells by name (so a failure says which property broke). */
  for (PetscInt j = 0; j < ny; j++) {
    for (PetscInt i = 0; i < nx; i++) {
      StzPngColor(&map, v[j * nx + i], c);
      if (!SameRGB(CellCentre(&img, ny, x0, y0, p, i, j), c)) {
        if (!nbad) bad = j * nx + i;
        nbad++;
      }
    }
  }
  PetscCall(PetscSNPrintf(buf, sizeof buf, "%" PetscInt_FMT " of %" PetscInt_FMT " differ, first at index %" PetscInt_FMT, nbad, nx * ny, bad));
  Check((PetscBool)(nbad == 0), "every cell centre equals StzPngColor of its value", buf);
  for (PetscInt s = 0; s < nspecial; s++) {
    const unsigned char *px = CellCentre(&img, ny, x0, y0, p, special[s].i, special[s].j);
    char                 name[128];

    StzPngColor(&map, special[s].val, c);
    PetscCall(PetscSNPrintf(name, sizeof name, "cell colour: %s", special[s].what));
    PetscCall(PetscSNPrintf(buf, sizeof buf, "pixel %d,%d,%d expected %d,%d,%d", px[0], px[1], px[2], c[0], c[1], c[2]));
    Check(SameRGB(px, c), name, buf);
  }

  StzPngColor(&map, map.vmin, cmin);
  StzPngColor(&map, map.vmax, cmax);
  StzPngColor(&map, 0.0, cmid);
  StzPngColor(&map, (PetscReal)NAN, cnan);
  StzPngColor(&map, 5.0, c);
  Check(SameRGB(c, cmax), "values above vmax clamp to the vmax colour", "StzPngColor(5) == StzPngColor(2)");
  StzPngColor(&map, -10.0, c);
  Check(SameRGB(c, cmin), "values below vmin clamp to the vmin colour", "StzPngColor(-10) == StzPngColor(-2)");
  StzPngColor(&map, (PetscReal)INFINITY, c);
  Check(SameRGB(c, cmax), "+inf clamps to the vmax colour", "StzPngColor(inf)");
  PetscCall(PetscSNPrintf(buf, sizeof buf, "%d,%d,%d", cmid[0], cmid[1], cmid[2]));
  Check(WhiteIsh(cmid), "diverging midpoint colour is white-ish (all channels >= 240)", buf);
  Check(WhiteIsh(CellCentre(&img, ny, x0, y0, p, 10, 5)), "the midpoint cell is drawn white-ish", "cell (10,5)");
  Check((PetscBool)(cmin[2] > cmin[0] && cmax[0] > cmax[2]), "diverging map runs from blue (vmin) to red (vmax)", "channel order at the ends");
  PetscCall(PetscSNPrintf(buf, sizeof buf, "%d,%d,%d", cnan[0], cnan[1], cnan[2]));
  Check((PetscBool)(cnan[0] == cnan[1] && cnan[1] == cnan[2] && cnan[0] > 60 && cnan[0] < 200), "NaN is drawn grey", buf);

  /* Colour bar: not part of the public geometry, so find it. Its top row is level with the map top (y0); scanning that row to the
   * right of the map frame, the bar is the first run of vmax-coloured pixels. Walking down its middle column to the black frame
   * gives the bottom row, which must have the vmin colour. */
  {
    PetscInt run = 0, bx = -1, by;

    for (PetscInt x = x0 + nx * p + 1; x < img.w && bx < 0; x++) {
      run = SameRGB(Pixel(&img, x, y0), cmax) ? run + 1 : 0;
      if (run >= 8) bx = x - 4;
    }
    Check((PetscBool)(bx >= 0), "colour bar top row (right of the map) has the vmax colour", "run of >= 8 pixels on row y0");
    if (bx >= 0) {
      for (by = y0; by + 1 < img.h && !IsBlack(Pixel(&img, bx, by + 1)); by++) {}
      PetscCall(PetscSNPrintf(buf, sizeof buf, "bar rows %" PetscInt_FMT "..%" PetscInt_FMT " at x = %" PetscInt_FMT, y0, by, bx));
      Check((PetscBool)(by > y0 + 10 && SameRGB(Pixel(&img, bx, by), cmin)), "colour bar bottom row has the vmin colour", buf);
      Check(WhiteIsh(Pixel(&img, bx, (y0 + by) / 2)), "colour bar middle is white-ish", buf);
    }
  }
  free(img.px);

  /* Writing again must replace the existing file (rename over it), not fail. */
  ierr = StzPngWriteMap(path, nx, ny, v, &map);
  Check((PetscBool)(ierr == 0 && !FileExists(tmp)), "rewriting an existing PNG replaces it", path);
  PetscCall(PetscFree(v));
  if (remove(path)) (void)PetscPrintf(PETSC_COMM_SELF, "# could not remove %s: %s\n", path, strerror(errno));
  PetscFunctionReturn(0);
}

/* Map B: sequential colour map, explicit pixels_per_cell, no title/units/scale bar, and the degenerate range vmin == vmax. */
static PetscErrorCode CheckSequentialMap(const char *dir)
{
  const PetscInt nx = 7, ny = 5;
  StzPngMap      map = {NULL, NULL, 3.0, 3.0, STZ_CMAP_SEQUENTIAL, 3, 0.0};
  PetscReal      v[7 * 5];
  char           path[PETSC_MAX_PATH_LEN], buf[256];
  PetscInt       W, H, x0, y0, p, nbad = 0;
  Image          img;
  unsigned char  c[3], lo[3], hi[3], prev[3];
  PetscErrorCode ierr;
  PetscBool      mono = PETSC_TRUE;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/sequential.png", dir));
  for (PetscInt k = 0; k < nx * ny; k++) v[k] = (PetscReal)(2 + k % 3); /* 2, 3, 4: below, at and above the empty range */

  PetscCall(StzPngMapLayout(nx, ny, &map, &W, &H, &x0, &y0, &p));
  PetscCall(PetscSNPrintf(buf, sizeof buf, "p = %" PetscInt_FMT, p));
  Check((PetscBool)(p == 3), "explicit pixels_per_cell is used as given", buf);
  ierr = StzPngWriteMap(path, nx, ny, v, &map);
  Check((PetscBool)(ierr == 0), "StzPngWriteMap writes a sequential map with vmin == vmax and no labels", path);
  if (ierr == 0 && ReadPng(path, &img)) {
    PetscCall(PetscSNPrintf(buf, sizeof buf, "file %" PetscInt_FMT " x %" PetscInt_FMT ", layout %" PetscInt_FMT " x %" PetscInt_FMT, img.w, img.h, W, H));
    Check((PetscBool)(img.w == W && img.h == H), "sequential picture size equals StzPngMapLayout", buf);
    for (PetscInt j = 0; j < ny; j++)
      for (PetscInt i = 0; i < nx; i++) {
        StzPngColor(&map, v[j * nx + i], c);
        if (!SameRGB(CellCentre(&img, ny, x0, y0, p, i, j), c)) nbad++;
      }
    PetscCall(PetscSNPrintf(buf, sizeof buf, "%" PetscInt_FMT " cells differ", nbad));
    Check((PetscBool)(nbad == 0), "sequential cell centres equal StzPngColor", buf);
    free(img.px);
  } else Check(PETSC_FALSE, "libpng reads the sequential map back", path);
  StzPngColor(&map, 2.0, lo);
  StzPngColor(&map, 4.0, hi);
  Check((PetscBool)(Luma(lo) < Luma(hi)), "vmin == vmax: values below and above get the dark and bright ends", "no division by zero");
  if (remove(path)) (void)PetscPrintf(PETSC_COMM_SELF, "# could not remove %s: %s\n", path, strerror(errno));

  /* Perceptual ordering: brightness increases along the sequential map. */
  map.vmin = 0.0;
  map.vmax = 1.0;
  StzPngColor(&map, 0.0, prev);
  for (int k = 1; k <= 20; k++) {
    StzPngColor(&map, k / 20.0, c);
    if (!(Luma(c) > Luma(prev))) mono = PETSC_FALSE;
    memcpy(prev, c, 3);
  }
  Check(mono, "sequential map gets monotonically brighter from vmin to vmax", "21 samples");
  PetscFunctionReturn(0);
}

/* Failures must come back as PETSc errors (not aborts), and must not leave temporary files behind. */
static PetscErrorCode CheckErrors(const char *dir)
{
  StzPngMap      map  = {"t", "u", -1.0, 1.0, STZ_CMAP_DIVERGING, 2, 0.0};
  PetscReal      v[4] = {0, 1, 2, 3};
  char           path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8];
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = StzPngWriteMap("/nonexistent-dir/x.png", 2, 2, v, &map);
  Check((PetscBool)(ierr != 0), "an unwritable path returns an error", "/nonexistent-dir/x.png");

  /* A directory as the target: the tmp file can be written, the rename onto the directory fails. */
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/isdir.png", dir));
  PetscCall(PetscSNPrintf(tmp, sizeof tmp, "%s.tmp", path));
  if (mkdir(path, 0700) == 0) {
    ierr = StzPngWriteMap(path, 2, 2, v, &map);
    Check((PetscBool)(ierr != 0), "a failed rename returns an error", path);
    Check((PetscBool)!FileExists(tmp), "a failed write removes its .tmp file", tmp);
    (void)rmdir(path);
  } else Check(PETSC_FALSE, "mkdir for the rename-failure check", strerror(errno));

  PetscCall(PetscSNPrintf(path, sizeof path, "%s/bad.png", dir));
  ierr = StzPngWriteMap(path, 0, 2, v, &map);
  Check((PetscBool)(ierr != 0 && !FileExists(path)), "nx = 0 returns an error and writes nothing", path);
  map.vmin = 2.0;
  ierr     = StzPngWriteMap(path, 2, 2, v, &map);
  Check((PetscBool)(ierr != 0 && !FileExists(path)), "vmin > vmax returns an error", path);
  map.vmin = -1.0;
  ierr     = StzPngWriteMap(path, 2, 2, NULL, &map);
  Check((PetscBool)(ierr != 0), "NULL values returns an error", path);
  PetscCall(PetscPopErrorHandler());
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char dir[] = "/tmp/stzdyn-test-png-XXXXXX";

  PetscCall(PetscInitialize(&argc, &argv, NULL, "Tests of the PNG map writer"));
  if (!mkdtemp(dir)) {
    Check(PETSC_FALSE, "mkdtemp for test output", strerror(errno));
  } else {
    PetscCall(CheckDivergingMap(dir));
    PetscCall(CheckSequentialMap(dir));
    PetscCall(CheckErrors(dir));
    if (rmdir(dir)) Check(PETSC_FALSE, "test directory is empty and removed at the end", strerror(errno));
  }
  (void)PetscPrintf(PETSC_COMM_SELF, "# %d failure(s)\n", failures);
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
