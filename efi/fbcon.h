/* Text on the GOP framebuffer once the firmware's console is gone. The font's 8x16 cell is
 * scaled by an integer factor chosen from the screen's width, so that about 100 columns fill
 * it at any resolution (x1 at 800x600, x2 at 1920x1080, x4 at 3840x2160). The caller lays
 * out and wraps lines; fbcon draws rows of cells. */
#ifndef EFI_FBCON_H
#define EFI_FBCON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "screen_layout.h"

struct framebuffer {
    uint64_t base, size;
    uint32_t width, height, stride; /* stride in pixels */
    bool bgr;                       /* PixelBlueGreenRedReserved8BitPerColor */
};

#define FBCON_TARGET_COLS 100u

/* False when the framebuffer cannot hold the console (none, too small, or a stride or size
 * that does not fit): every other call then draws nothing. */
bool fbcon_init(const struct framebuffer *fb);
/* Cells across and down, the scale factor, and the cell size in pixels. */
unsigned fbcon_cols(void);
unsigned fbcon_rows(void);
unsigned fbcon_scale(void);
void fbcon_clear(void);
/* Row `row` of cells: `count` characters of l from `from`, the rest of the row blank. */
void fbcon_draw_row(unsigned row, const struct screen_line *l, size_t from, size_t count);
/* Writes a pattern into the screen's last pixel row, reads it back, and blanks the row
 * again: 0 when every pixel matched. */
unsigned fbcon_selftest(void);

#endif
