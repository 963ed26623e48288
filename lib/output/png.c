/* PNG colour maps of lattice fields (see include/stzdyn/png.h).
 *
 * The picture is rasterised into an 8-bit RGB buffer by a few tiny drawing helpers and handed to libpng in one go. Text uses
 * an embedded 5x8 bitmap font so the output needs nothing beyond libpng (no FreeType, no font files on compute nodes).
 * All geometry is computed in one place (StzPngComputeLayout) so the writer and StzPngMapLayout can never disagree.
 *
 * Picture, top to bottom: optional title; optional units line above the colour bar; the map (framed) with the colour bar to
 * its right (ticks and labels at vmax, middle, vmin); optional scale bar under the map.
 */
#include <stzdyn/png.h>
#include "../impl.h" /* StzFopenFresh */

#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Font: 5 columns x 8 rows per glyph, bit 4 = leftmost column. Rows 0..6 hold capitals and digits (baseline under row 6),
 * row 7 is only used by descenders (g j p q y , _). Covers printable ASCII 32..126; anything else is drawn as '?'. */
#define STZ_FONT_W     5
#define STZ_FONT_H     8
#define STZ_FONT_CAP   7 /* rows above the baseline, used to centre labels on ticks */
#define STZ_FONT_FIRST 32
#define STZ_FONT_LAST  126

/* Text is drawn at 2x: 5x7 pixel glyphs are illegible on a typical screen at 1x. */
#define STZ_TEXT_SCALE 2
#define STZ_TEXT_ADV   ((STZ_FONT_W + 1) * STZ_TEXT_SCALE) /* one blank column between glyphs */
#define STZ_TEXT_CAP   (STZ_FONT_CAP * STZ_TEXT_SCALE)
#define STZ_TEXT_LINE  (STZ_FONT_H * STZ_TEXT_SCALE)

/* Layout constants in pixels. */
#define STZ_MARGIN      12 /* white border around everything */
#define STZ_TITLE_GAP   10 /* title line -> next element */
#define STZ_UNITS_GAP   12 /* units line -> top of the bar; > half a label height so the vmax label cannot touch it */
#define STZ_BAR_GAP     16 /* map frame -> colour bar */
#define STZ_BAR_W       20 /* colour bar width */
#define STZ_BAR_MIN_H   64 /* so three labels never overlap on a flat map */
#define STZ_TICK_LEN    5
#define STZ_TICK_GAP    4  /* tick end -> label */
#define STZ_SCALE_GAP   10 /* map frame -> scale bar */
#define STZ_SCALE_THICK 4
#define STZ_SCALE_LGAP  5     /* scale bar -> its label */
#define STZ_AUTO_WIDTH  512   /* pixels_per_cell = 0 aims at this map width ... */
#define STZ_AUTO_HEIGHT 1024  /* ... unless the map would then be taller than this (very elongated lattices) */
#define STZ_MAX_SIDE    65536 /* refuse absurd pictures instead of failing inside malloc or libpng */
#define STZ_MAX_BYTES   ((size_t)1 << 30)

static const unsigned char StzFont[STZ_FONT_LAST - STZ_FONT_FIRST + 1][STZ_FONT_H] = {
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* space */
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04, 0x00}, /* '!' */
    {0x0a, 0x0a, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00}, /* '"' */
    {0x0a, 0x0a, 0x1f, 0x0a, 0x1f, 0x0a, 0x0a, 0x00}, /* '#' */
    {0x04, 0x0f, 0x14, 0x0e, 0x05, 0x1e, 0x04, 0x00}, /* '$' */
    {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03, 0x00}, /* '%' */
    {0x0c, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0d, 0x00}, /* '&' */
    {0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00}, /* ''' */
    {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02, 0x00}, /* '(' */
    {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08, 0x00}, /* ')' */
    {0x00, 0x04, 0x15, 0x0e, 0x15, 0x04, 0x00, 0x00}, /* '*' */
    {0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00, 0x00}, /* '+' */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c, 0x08}, /* ',' */
    {0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x00}, /* '-' */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c, 0x00}, /* '.' */
    {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00, 0x00}, /* '/' */
    {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e, 0x00}, /* '0' */
    {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e, 0x00}, /* '1' */
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f, 0x00}, /* '2' */
    {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e, 0x00}, /* '3' */
    {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02, 0x00}, /* '4' */
    {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e, 0x00}, /* '5' */
    {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e, 0x00}, /* '6' */
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08, 0x00}, /* '7' */
    {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e, 0x00}, /* '8' */
    {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c, 0x00}, /* '9' */
    {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00, 0x00}, /* ':' */
    {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x08, 0x00}, /* ';' */
    {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02, 0x00}, /* '<' */
    {0x00, 0x00, 0x1f, 0x00, 0x1f, 0x00, 0x00, 0x00}, /* '=' */
    {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08, 0x00}, /* '>' */
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04, 0x00}, /* '?' */
    {0x0e, 0x11, 0x01, 0x0d, 0x15, 0x15, 0x0e, 0x00}, /* '@' */
    {0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11, 0x00}, /* 'A' */
    {0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e, 0x00}, /* 'B' */
    {0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e, 0x00}, /* 'C' */
    {0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c, 0x00}, /* 'D' */
    {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f, 0x00}, /* 'E' */
    {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10, 0x00}, /* 'F' */
    {0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f, 0x00}, /* 'G' */
    {0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11, 0x00}, /* 'H' */
    {0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e, 0x00}, /* 'I' */
    {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c, 0x00}, /* 'J' */
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11, 0x00}, /* 'K' */
    {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f, 0x00}, /* 'L' */
    {0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11, 0x00}, /* 'M' */
    {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x00}, /* 'N' */
    {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e, 0x00}, /* 'O' */
    {0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10, 0x00}, /* 'P' */
    {0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d, 0x00}, /* 'Q' */
    {0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11, 0x00}, /* 'R' */
    {0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e, 0x00}, /* 'S' */
    {0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x00}, /* 'T' */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e, 0x00}, /* 'U' */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04, 0x00}, /* 'V' */
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a, 0x00}, /* 'W' */
    {0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11, 0x00}, /* 'X' */
    {0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04, 0x00}, /* 'Y' */
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f, 0x00}, /* 'Z' */
    {0x0e, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0e, 0x00}, /* '[' */
    {0x00, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00, 0x00}, /* backslash */
    {0x0e, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0e, 0x00}, /* ']' */
    {0x04, 0x0a, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00}, /* '^' */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f}, /* '_' */
    {0x08, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00}, /* '`' */
    {0x00, 0x00, 0x0e, 0x01, 0x0f, 0x11, 0x0f, 0x00}, /* 'a' */
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1e, 0x00}, /* 'b' */
    {0x00, 0x00, 0x0e, 0x10, 0x10, 0x11, 0x0e, 0x00}, /* 'c' */
    {0x01, 0x01, 0x0d, 0x13, 0x11, 0x11, 0x0f, 0x00}, /* 'd' */
    {0x00, 0x00, 0x0e, 0x11, 0x1f, 0x10, 0x0e, 0x00}, /* 'e' */
    {0x06, 0x09, 0x08, 0x1c, 0x08, 0x08, 0x08, 0x00}, /* 'f' */
    {0x00, 0x00, 0x0f, 0x11, 0x11, 0x0f, 0x01, 0x0e}, /* 'g' */
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11, 0x00}, /* 'h' */
    {0x04, 0x00, 0x0c, 0x04, 0x04, 0x04, 0x0e, 0x00}, /* 'i' */
    {0x02, 0x00, 0x06, 0x02, 0x02, 0x02, 0x12, 0x0c}, /* 'j' */
    {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12, 0x00}, /* 'k' */
    {0x0c, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e, 0x00}, /* 'l' */
    {0x00, 0x00, 0x1a, 0x15, 0x15, 0x11, 0x11, 0x00}, /* 'm' */
    {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11, 0x00}, /* 'n' */
    {0x00, 0x00, 0x0e, 0x11, 0x11, 0x11, 0x0e, 0x00}, /* 'o' */
    {0x00, 0x00, 0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10}, /* 'p' */
    {0x00, 0x00, 0x0f, 0x11, 0x11, 0x0f, 0x01, 0x01}, /* 'q' */
    {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10, 0x00}, /* 'r' */
    {0x00, 0x00, 0x0f, 0x10, 0x0e, 0x01, 0x1e, 0x00}, /* 's' */
    {0x08, 0x08, 0x1c, 0x08, 0x08, 0x09, 0x06, 0x00}, /* 't' */
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0d, 0x00}, /* 'u' */
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x0a, 0x04, 0x00}, /* 'v' */
    {0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0a, 0x00}, /* 'w' */
    {0x00, 0x00, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x00}, /* 'x' */
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x0f, 0x01, 0x0e}, /* 'y' */
    {0x00, 0x00, 0x1f, 0x02, 0x04, 0x08, 0x1f, 0x00}, /* 'z' */
    {0x02, 0x04, 0x04, 0x08, 0x04, 0x04, 0x02, 0x00}, /* '{' */
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x00}, /* '|' */
    {0x08, 0x04, 0x04, 0x02, 0x04, 0x04, 0x08, 0x00}, /* '}' */
    {0x00, 0x00, 0x08, 0x15, 0x02, 0x00, 0x00, 0x00}, /* '~' */
};

/* Colour-map control points, interpolated linearly in sRGB. */

/* ColorBrewer RdBu (11 classes), reversed so low = blue and high = red. Its centre is near-white (247) rather than pure
 * white, so zero-valued cells stay distinguishable from the white background. */
static const unsigned char StzCmapDiverging[][3] = {
    {5, 48, 97}, {33, 102, 172}, {67, 147, 195}, {146, 197, 222}, {209, 229, 240}, {247, 247, 247}, {253, 219, 199}, {244, 165, 130}, {214, 96, 77}, {178, 24, 43}, {103, 0, 31},
};

/* matplotlib's viridis sampled at 9 points: monotone in lightness and readable in greyscale and by colour-blind viewers.
 * Unlike inferno it never reaches black, so the black frames and ticks stay distinct from the data. */
static const unsigned char StzCmapSequential[][3] = {
    {68, 1, 84}, {71, 44, 122}, {59, 81, 139}, {44, 113, 142}, {33, 144, 141}, {39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37},
};

/* NaN cells: a neutral grey that occurs in neither map, so missing data cannot be mistaken for a value. */
static const unsigned char StzColorNaN[3]   = {128, 128, 128};
static const unsigned char StzColorBlack[3] = {0, 0, 0};

/* Colour at position t in [0, 1] along the colour map. The colour bar calls this directly with exact t = 0 and t = 1 at its
 * ends, so the bar ends match StzPngColor(vmin) and StzPngColor(vmax) bit for bit. */
static void StzColormapAt(StzColormap cmap, PetscReal t, unsigned char rgb[3])
{
  const unsigned char(*stops)[3] = cmap == STZ_CMAP_SEQUENTIAL ? StzCmapSequential : StzCmapDiverging;
  const PetscInt n               = cmap == STZ_CMAP_SEQUENTIAL ? (PetscInt)(sizeof StzCmapSequential / sizeof StzCmapSequential[0]) : (PetscInt)(sizeof StzCmapDiverging / sizeof StzCmapDiverging[0]);
  PetscReal      x;
  PetscInt       k;

  if (!(t > 0)) t = 0; /* also catches NaN */
  if (t > 1) t = 1;
  x = t * (PetscReal)(n - 1);
  k = (PetscInt)x;
  if (k > n - 2) k = n - 2; /* t = 1 interpolates the last segment at f = 1 */
  x -= (PetscReal)k;
  for (int c = 0; c < 3; c++) rgb[c] = (unsigned char)lround((double)(stops[k][c] + x * (stops[k + 1][c] - stops[k][c])));
}

void StzPngColor(const StzPngMap *map, PetscReal v, unsigned char rgb[3])
{
  PetscReal lo, hi, t;

  if (!map || PetscIsNanReal(v)) {
    memcpy(rgb, StzColorNaN, 3);
    return;
  }
  lo = map->vmin;
  hi = map->vmax;
  if (hi > lo) {
    /* Halves so that neither hi - lo nor v - lo can overflow for ranges near the largest double; multiplying by 0.5 is exact,
     * so v = vmin gives t = 0 and v = vmax gives t = 1 exactly. */
    t = (0.5 * v - 0.5 * lo) / (0.5 * hi - 0.5 * lo);
  } else if (v < lo) {
    t = 0; /* empty (or invalid) range: a step at vmin, and never a division by zero */
  } else if (v > hi) {
    t = 1;
  } else {
    t = 0.5;
  }
  StzColormapAt(map->cmap, t, rgb); /* clamps t, which is how out-of-range values (including +-inf) get the end colours */
}

/* Everything the renderer needs, computed once so the writer and StzPngMapLayout agree by construction. */
typedef struct {
  PetscInt  p, width, height;
  PetscInt  x0, y0, map_w, map_h; /* map interior; its 1-pixel frame lies just outside */
  PetscBool has_title, has_units;
  PetscInt  title_x, title_y, units_x, units_y;
  PetscInt  bar_x, bar_y, bar_h, label_x;
  PetscInt  tick_y[3]; /* vmax, middle, vmin */
  char      label[3][32];
  PetscBool has_scale;
  PetscInt  scale_y, scale_len, scale_label_x, scale_label_y;
  char      scale_label[48];
} StzPngGeom;

/* Width in pixels of a string drawn with StzDrawText (no trailing inter-glyph gap). */
static PetscInt StzTextWidth(const char *s)
{
  const size_t n = s ? strlen(s) : 0;
  return n ? (PetscInt)n * STZ_TEXT_ADV - STZ_TEXT_SCALE : 0;
}

/* Compact number for a tick label: "250", "0.5", "-1.23e+08". */
static void StzFormatValue(PetscReal v, int prec, char buf[32])
{
  if (v == 0) v = 0; /* -0 would print as "-0" */
  (void)snprintf(buf, 32, "%.*g", prec, (double)v);
}

/* Round scale-bar length: 1, 2 or 5 x 10^k metres closest (in ratio) to a fifth of the map width, and its label in the largest
 * of nm/um/mm/m that keeps the number >= 1 (so "200 nm", "1 um", "50 um"). */
static void StzScaleBarLength(PetscReal map_width_m, PetscReal *len_m, char label[48])
{
  static const int         unit_exp[]  = {-9, -6, -3, 0};
  static const char *const unit_name[] = {"nm", "um", "mm", "m"};
  const double             target      = (double)map_width_m / 5.0;
  int                      e = (int)floor(log10(target)), m, u = 0;
  const double             r = target / pow(10.0, e);

  /* Boundaries at the geometric means of neighbouring candidates, i.e. pick the nearest in log scale. */
  m = r < sqrt(2.0) ? 1 : r < sqrt(10.0) ? 2 : r < sqrt(50.0) ? 5 : 10;
  if (m == 10) {
    m = 1;
    e++;
  }
  *len_m = (PetscReal)(m * pow(10.0, e));
  for (int k = 0; k < 4; k++)
    if (e >= unit_exp[k]) u = k;
  if (e - unit_exp[u] >= 0) (void)snprintf(label, 48, "%.0f %s", m * pow(10.0, e - unit_exp[u]), unit_name[u]);
  else (void)snprintf(label, 48, "%g %s", m * pow(10.0, e - unit_exp[u]), unit_name[u]); /* sub-nanometre cells */
}

/* Validate the description and compute the full geometry. `who` (the output path, or the calling function) prefixes errors. */
static PetscErrorCode StzPngComputeLayout(const char *who, PetscInt nx, PetscInt ny, const StzPngMap *map, StzPngGeom *g)
{
  PetscInt  p, right, bottom, lw = 0;
  PetscReal mid, vabs;
  size_t    bytes;

  PetscFunctionBeginUser;
  PetscCheck(map, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: StzPngMap description is NULL", who);
  PetscCheck(nx > 0 && ny > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: lattice size %" PetscInt_FMT " x %" PetscInt_FMT " must be positive", who, nx, ny);
  PetscCheck(nx <= STZ_MAX_SIDE && ny <= STZ_MAX_SIDE, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: lattice size %" PetscInt_FMT " x %" PetscInt_FMT " exceeds the PNG limit of %d cells per side",
             who, nx, ny, STZ_MAX_SIDE);
  PetscCheck(map->pixels_per_cell >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: pixels_per_cell %" PetscInt_FMT " must be >= 0 (0 = automatic)", who, map->pixels_per_cell);
  PetscCheck(!PetscIsInfOrNanReal(map->vmin) && !PetscIsInfOrNanReal(map->vmax), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: colour range [%g, %g] must be finite", who, (double)map->vmin,
             (double)map->vmax);
  PetscCheck(map->vmin <= map->vmax, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: colour range has vmin %g > vmax %g", who, (double)map->vmin, (double)map->vmax);
  PetscCheck(map->cell_size_m >= 0 && !PetscIsInfOrNanReal(map->cell_size_m), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: cell_size_m %g must be finite and >= 0", who, (double)map->cell_size_m);
  PetscCheck(map->cmap == STZ_CMAP_DIVERGING || map->cmap == STZ_CMAP_SEQUENTIAL, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: unknown colour map %d", who, (int)map->cmap);
  /* Text widths feed the picture size; a runaway string should fail here, not as a multi-gigabyte allocation. */
  PetscCheck(!map->title || strlen(map->title) <= 1024, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: title longer than 1024 characters", who);
  PetscCheck(!map->units || strlen(map->units) <= 256, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: units longer than 256 characters", who);

  memset(g, 0, sizeof *g);
  if (map->pixels_per_cell > 0) p = map->pixels_per_cell;
  else {
    p = (STZ_AUTO_WIDTH + nx / 2) / nx;
    if (p * ny > STZ_AUTO_HEIGHT) p = STZ_AUTO_HEIGHT / ny; /* a 10 x 1000 lattice should not become 50000 pixels tall */
    if (p < 1) p = 1;
  }
  /* Divisions, not products, so a silly pixels_per_cell cannot overflow PetscInt before being rejected. */
  PetscCheck(p <= STZ_MAX_SIDE / nx && p <= STZ_MAX_SIDE / ny, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: %" PetscInt_FMT " x %" PetscInt_FMT " cells at %" PetscInt_FMT " pixels per cell exceed %d pixels per side; lower pixels_per_cell", who, nx, ny, p, STZ_MAX_SIDE);
  g->p     = p;
  g->map_w = nx * p;
  g->map_h = ny * p;

  /* Vertical stack above the map: title, then the units line (which sits over the colour bar). */
  g->has_title = map->title && map->title[0] ? PETSC_TRUE : PETSC_FALSE;
  g->has_units = map->units && map->units[0] ? PETSC_TRUE : PETSC_FALSE;
  bottom       = STZ_MARGIN;
  if (g->has_title) {
    g->title_x = STZ_MARGIN;
    g->title_y = bottom;
    bottom += STZ_TEXT_LINE + STZ_TITLE_GAP;
  }
  if (g->has_units) {
    g->units_y = bottom;
    bottom += STZ_TEXT_LINE + STZ_UNITS_GAP;
  }
  g->x0 = STZ_MARGIN + 1; /* + 1: the frame */
  g->y0 = bottom + 1;

  /* Colour bar: same top as the map; at least STZ_BAR_MIN_H tall so the three labels fit even on a flat map. */
  g->bar_x     = g->x0 + g->map_w + 1 + STZ_BAR_GAP;
  g->bar_y     = g->y0;
  g->bar_h     = PetscMax(g->map_h, STZ_BAR_MIN_H);
  g->tick_y[0] = g->bar_y;
  g->tick_y[1] = g->bar_y + (g->bar_h - 1) / 2; /* the row whose t is (nearest to) 0.5 */
  g->tick_y[2] = g->bar_y + g->bar_h - 1;
  g->label_x   = g->bar_x + STZ_BAR_W + 1 + STZ_TICK_LEN + STZ_TICK_GAP;
  g->units_x   = g->bar_x - 1;

  /* Tick labels: 3 significant digits, more only where a narrow range needs them (e.g. [1000, 1000.5]), i.e. until every
   * label reads back within half a percent of the range. 0.5 * (a + b) written as halves cannot overflow; a midpoint that is
   * zero up to rounding is shown as 0, not 1e-17. */
  mid  = 0.5 * map->vmin + 0.5 * map->vmax;
  vabs = PetscMax(PetscAbsReal(map->vmin), PetscAbsReal(map->vmax));
  if (PetscAbsReal(mid) <= 1e-12 * vabs) mid = 0;
  for (int prec = 3; prec <= 9; prec++) {
    const PetscReal tick[3] = {map->vmax, mid, map->vmin};
    const PetscReal tol     = 0.01 * (0.5 * map->vmax - 0.5 * map->vmin); /* 0.5 % of the range, in halves */
    PetscBool       close   = PETSC_TRUE;

    for (int k = 0; k < 3; k++) {
      StzFormatValue(tick[k], prec, g->label[k]);
      if (!(PetscAbsReal((PetscReal)strtod(g->label[k], NULL) - tick[k]) <= tol)) close = PETSC_FALSE;
    }
    if (close || map->vmin == map->vmax) break;
  }
  for (int k = 0; k < 3; k++) lw = PetscMax(lw, StzTextWidth(g->label[k]));

  right  = g->label_x + lw;
  right  = PetscMax(right, g->units_x + StzTextWidth(g->has_units ? map->units : NULL));
  right  = PetscMax(right, g->title_x + StzTextWidth(g->has_title ? map->title : NULL));
  bottom = g->y0 + PetscMax(g->map_h, g->bar_h) + 1;
  bottom = PetscMax(bottom, g->tick_y[2] - STZ_TEXT_CAP / 2 + STZ_TEXT_LINE); /* the vmin label hangs below the bar end */

  if (map->cell_size_m > 0) {
    PetscReal len_m;

    StzScaleBarLength((PetscReal)nx * map->cell_size_m, &len_m, g->scale_label);
    g->has_scale     = PETSC_TRUE;
    g->scale_len     = PetscMax(1, (PetscInt)lround((double)(len_m / map->cell_size_m * (PetscReal)p)));
    g->scale_y       = g->y0 + g->map_h + 1 + STZ_SCALE_GAP;
    g->scale_label_y = g->scale_y + STZ_SCALE_THICK + STZ_SCALE_LGAP;
    g->scale_label_x = PetscMax(STZ_MARGIN, g->x0 + g->scale_len / 2 - StzTextWidth(g->scale_label) / 2);
    right            = PetscMax(right, g->x0 + g->scale_len);
    right            = PetscMax(right, g->scale_label_x + StzTextWidth(g->scale_label));
    bottom           = PetscMax(bottom, g->scale_label_y + STZ_TEXT_LINE);
  }
  g->width  = right + STZ_MARGIN;
  g->height = bottom + STZ_MARGIN;
  bytes     = (size_t)g->width * (size_t)g->height * 3;
  PetscCheck(bytes <= STZ_MAX_BYTES, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: picture of %" PetscInt_FMT " x %" PetscInt_FMT " pixels is too large; lower pixels_per_cell", who, g->width,
             g->height);
  PetscFunctionReturn(0);
}

PetscErrorCode StzPngMapLayout(PetscInt nx, PetscInt ny, const StzPngMap *map, PetscInt *width, PetscInt *height, PetscInt *x0, PetscInt *y0, PetscInt *pixels_per_cell)
{
  StzPngGeom g;

  PetscFunctionBeginUser;
  PetscCall(StzPngComputeLayout("StzPngMapLayout", nx, ny, map, &g));
  if (width) *width = g.width;
  if (height) *height = g.height;
  if (x0) *x0 = g.x0;
  if (y0) *y0 = g.y0;
  if (pixels_per_cell) *pixels_per_cell = g.p;
  PetscFunctionReturn(0);
}

/* A packed 8-bit RGB raster, row 0 at the top (PNG order). */
typedef struct {
  unsigned char *px;
  PetscInt       w, h;
} StzCanvas;

/* Filled rectangle, clipped to the canvas (text and labels may be placed partly outside on degenerate inputs). */
static void StzFillRect(StzCanvas *c, PetscInt x, PetscInt y, PetscInt w, PetscInt h, const unsigned char rgb[3])
{
  const PetscInt xa = PetscMax(x, 0), xb = PetscMin(x + w, c->w);
  const PetscInt ya = PetscMax(y, 0), yb = PetscMin(y + h, c->h);

  for (PetscInt yy = ya; yy < yb; yy++) {
    unsigned char *row = c->px + ((size_t)yy * (size_t)c->w + (size_t)xa) * 3;
    for (PetscInt xx = xa; xx < xb; xx++, row += 3) memcpy(row, rgb, 3);
  }
}

/* 1-pixel outline just outside the interior [x, x+w) x [y, y+h), so the interior keeps its exact colours. */
static void StzFrameRect(StzCanvas *c, PetscInt x, PetscInt y, PetscInt w, PetscInt h)
{
  StzFillRect(c, x - 1, y - 1, w + 2, 1, StzColorBlack);
  StzFillRect(c, x - 1, y + h, w + 2, 1, StzColorBlack);
  StzFillRect(c, x - 1, y, 1, h, StzColorBlack);
  StzFillRect(c, x + w, y, 1, h, StzColorBlack);
}

/* Text in black with its top-left corner at (x, y); characters outside printable ASCII are drawn as '?'. */
static void StzDrawText(StzCanvas *c, PetscInt x, PetscInt y, const char *s)
{
  for (; *s; s++, x += STZ_TEXT_ADV) {
    const unsigned char  ch    = (unsigned char)*s;
    const unsigned char *glyph = StzFont[(ch >= STZ_FONT_FIRST && ch <= STZ_FONT_LAST ? ch : '?') - STZ_FONT_FIRST];

    for (PetscInt r = 0; r < STZ_FONT_H; r++)
      for (PetscInt col = 0; col < STZ_FONT_W; col++)
        if (glyph[r] & (0x10 >> col)) StzFillRect(c, x + col * STZ_TEXT_SCALE, y + r * STZ_TEXT_SCALE, STZ_TEXT_SCALE, STZ_TEXT_SCALE, StzColorBlack);
  }
}

/* Rasterise the whole picture described by g. */
static void StzPngRender(const StzPngGeom *g, PetscInt nx, PetscInt ny, const PetscReal values[], const StzPngMap *map, StzCanvas *c)
{
  unsigned char rgb[3];

  memset(c->px, 255, (size_t)c->w * (size_t)c->h * 3);
  if (g->has_title) StzDrawText(c, g->title_x, g->title_y, map->title);
  if (g->has_units) StzDrawText(c, g->units_x, g->units_y, map->units);

  /* Cells: j = 0 is the bottom row of the picture, as in physical coordinates. */
  for (PetscInt j = 0; j < ny; j++) {
    for (PetscInt i = 0; i < nx; i++) {
      StzPngColor(map, values[j * nx + i], rgb);
      StzFillRect(c, g->x0 + i * g->p, g->y0 + (ny - 1 - j) * g->p, g->p, g->p, rgb);
    }
  }
  StzFrameRect(c, g->x0, g->y0, g->map_w, g->map_h);

  /* Colour bar, vmax at the top. t is exact 1 and 0 at the end rows (see StzColormapAt). */
  for (PetscInt r = 0; r < g->bar_h; r++) {
    StzColormapAt(map->cmap, (PetscReal)(g->bar_h - 1 - r) / (PetscReal)(g->bar_h - 1), rgb);
    StzFillRect(c, g->bar_x, g->bar_y + r, STZ_BAR_W, 1, rgb);
  }
  StzFrameRect(c, g->bar_x, g->bar_y, STZ_BAR_W, g->bar_h);
  for (int k = 0; k < 3; k++) {
    StzFillRect(c, g->bar_x + STZ_BAR_W + 1, g->tick_y[k], STZ_TICK_LEN, 1, StzColorBlack);
    StzDrawText(c, g->label_x, g->tick_y[k] - STZ_TEXT_CAP / 2, g->label[k]);
  }

  /* Scale bar with short end caps, label centred beneath it. */
  if (g->has_scale) {
    StzFillRect(c, g->x0, g->scale_y, g->scale_len, STZ_SCALE_THICK, StzColorBlack);
    StzFillRect(c, g->x0, g->scale_y - 3, 2, STZ_SCALE_THICK + 3, StzColorBlack);
    StzFillRect(c, g->x0 + g->scale_len - 2, g->scale_y - 3, 2, STZ_SCALE_THICK + 3, StzColorBlack);
    StzDrawText(c, g->scale_label_x, g->scale_label_y, g->scale_label);
  }
}

/* libpng reports errors by calling this and expecting it not to return; keep the message for the PETSc error. */
typedef struct {
  char msg[256];
} StzPngError;

static void StzPngErrorFn(png_structp png, png_const_charp msg)
{
  StzPngError *err = (StzPngError *)png_get_error_ptr(png);

  (void)snprintf(err->msg, sizeof err->msg, "libpng: %s", msg);
  png_longjmp(png, 1);
}

/* Warnings (e.g. about ancillary chunks) do not affect the picture; keep them off stderr. */
static void StzPngWarningFn(png_structp png, png_const_charp msg)
{
  (void)png;
  (void)msg;
}

/* Encode the raster to fp. Returns 0 on success, nonzero with err->msg set on failure. Kept free of PETSc macros because
 * longjmp out of libpng must not cross PetscFunctionBegin/Return bookkeeping. */
static int StzPngEncode(FILE *fp, const StzCanvas *c, png_bytep *rows, StzPngError *err)
{
  png_structp png;
  png_infop   info;

  png = png_create_write_struct(PNG_LIBPNG_VER_STRING, err, StzPngErrorFn, StzPngWarningFn);
  if (!png) {
    (void)snprintf(err->msg, sizeof err->msg, "libpng: cannot create write structure (out of memory?)");
    return 1;
  }
  info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, NULL);
    (void)snprintf(err->msg, sizeof err->msg, "libpng: cannot create info structure (out of memory?)");
    return 1;
  }
  /* png and info are not modified after setjmp, so they are valid after a longjmp back here. */
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return 1;
  }
  png_init_io(png, fp);
  png_set_IHDR(png, info, (png_uint_32)c->w, (png_uint_32)c->h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  /* The colour maps are defined in sRGB; saying so stops viewers from applying a gamma guess. */
  png_set_sRGB(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  return 0;
}

PetscErrorCode StzPngWriteMap(const char path[], PetscInt nx, PetscInt ny, const PetscReal values[], const StzPngMap *map)
{
  StzPngGeom  g;
  StzCanvas   c;
  png_bytep  *rows;
  char       *tmp;
  size_t      len;
  FILE       *fp;
  StzPngError err;
  int         failed; /* 0 ok, 1 cannot open, 2 later failure */

  PetscFunctionBeginUser;
  PetscCheck(path && path[0], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "PNG output path is NULL or empty");
  PetscCheck(values, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: values array is NULL", path);
  PetscCall(StzPngComputeLayout(path, nx, ny, map, &g));

  c.w = g.width;
  c.h = g.height;
  PetscCall(PetscMalloc1((size_t)c.w * (size_t)c.h * 3, &c.px));
  PetscCall(PetscMalloc1((size_t)c.h, &rows));
  for (PetscInt y = 0; y < c.h; y++) rows[y] = c.px + (size_t)y * (size_t)c.w * 3;
  StzPngRender(&g, nx, ny, values, map, &c);

  /* Write beside the target and rename: rename() within a directory is atomic on POSIX, so readers (and a restarted run) see
   * either the old file or the complete new one, never a truncated PNG. */
  len = strlen(path);
  PetscCall(PetscMalloc1(len + 5, &tmp));
  memcpy(tmp, path, len);
  memcpy(tmp + len, ".tmp", 5);
  err.msg[0] = 0;
  fp         = StzFopenFresh(tmp);
  if (!fp) {
    (void)snprintf(err.msg, sizeof err.msg, "cannot open temporary file for writing: %s", strerror(errno));
    failed = 1;
  } else {
    /* StzPngEncode reports 1 on failure; shift everything after a successful open to 2. */
    failed = StzPngEncode(fp, &c, rows, &err) ? 2 : 0;
    if (!failed && (fflush(fp) || ferror(fp))) {
      (void)snprintf(err.msg, sizeof err.msg, "write error: %s", strerror(errno));
      failed = 2;
    }
    /* fclose can be the first place a full disk or a network file system reports failure. */
    if (fclose(fp) && !failed) {
      (void)snprintf(err.msg, sizeof err.msg, "closing temporary file: %s", strerror(errno));
      failed = 2;
    }
    if (!failed && rename(tmp, path)) {
      (void)snprintf(err.msg, sizeof err.msg, "cannot rename temporary file into place: %s", strerror(errno));
      failed = 2;
    }
    if (failed) (void)remove(tmp);
  }
  /* Free before the check so the error path does not leak the raster. */
  PetscCall(PetscFree(tmp));
  PetscCall(PetscFree(rows));
  PetscCall(PetscFree(c.px));
  PetscCheck(!failed, PETSC_COMM_SELF, failed == 1 ? PETSC_ERR_FILE_OPEN : PETSC_ERR_FILE_WRITE, "Writing PNG %s (via %s.tmp) failed: %s", path, path, err.msg);
  PetscFunctionReturn(0);
}
