/* PNG maps of scalar fields on the site lattice, with a colour bar and labelled range. */
#ifndef STZDYN_PNG_H
#define STZDYN_PNG_H

#include <petscsys.h>

typedef enum {
  STZ_CMAP_DIVERGING, /* blue - white - red, symmetric about zero: stresses */
  STZ_CMAP_SEQUENTIAL /* dark - bright (perceptually ordered): plastic strain, counts */
} StzColormap;

/* Description of one map: everything except the values. */
typedef struct {
  const char *title;      /* drawn above the map, e.g. "sigma_xy (single STZ)"; may be NULL */
  const char *units;      /* drawn beside the colour bar, e.g. "MPa"; may be NULL */
  PetscReal   vmin, vmax; /* value range mapped to the colour bar ends; values outside are clamped */
  StzColormap cmap;
  PetscInt    pixels_per_cell; /* >= 1; 0 chooses so the map is about 512 pixels wide */
  PetscReal   cell_size_m;     /* > 0: a scale bar with a length in nm/um is drawn; 0: none */
} StzPngMap;

/* Write `values` (nx * ny, row-major with j*nx + i, j = 0 at the bottom of the picture) as a colour map PNG.
 * The file is written to "<path>.tmp" and renamed, so an interrupted run never leaves a truncated PNG.
 * Errors (cannot open, libpng failure) are reported with the path. */
PetscErrorCode StzPngWriteMap(const char path[], PetscInt nx, PetscInt ny, const PetscReal values[], const StzPngMap *map);

/* Colour (8-bit RGB) that the map uses for value v; exposed so tests can check pixels. */
void StzPngColor(const StzPngMap *map, PetscReal v, unsigned char rgb[3]);

/* Geometry of the written picture, so tests know where the map's cells lie:
 * cell (i, j) covers pixels x in [x0 + i*p, x0 + (i+1)*p), y in [y0 + (ny-1-j)*p, ...) with p = pixels per cell. */
PetscErrorCode StzPngMapLayout(PetscInt nx, PetscInt ny, const StzPngMap *map, PetscInt *width, PetscInt *height, PetscInt *x0, PetscInt *y0, PetscInt *pixels_per_cell);

#endif
