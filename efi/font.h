/* The framebuffer console's font: 8x16 glyphs of the printable ASCII characters, converted
 * at build time from a PSF console font (tests/tools/psf2c, Makefile's FONT_PSF). */
#ifndef EFI_FONT_H
#define EFI_FONT_H

#include <stdint.h>

#define FONT_W      8
#define FONT_H      16
#define FONT_FIRST  0x20
#define FONT_GLYPHS 95 /* 0x20-0x7e */

extern const uint8_t font_glyphs[FONT_GLYPHS][FONT_H];

/* Row r (0 at the top) of the glyph of c: bit 7 is the leftmost pixel. Characters outside
 * 0x20-0x7e are drawn as '?'. */
uint8_t font_row(char c, int r);

#endif
