/* A 5x7 bitmap font for the characters 0x20-0x5f; lower case is drawn as upper case. */
#ifndef EFI_FONT_H
#define EFI_FONT_H

#include <stdint.h>

#define FONT_W 5
#define FONT_H 7

/* Row r (0 at the top) of the glyph of c: bit 4 is the leftmost pixel. */
uint8_t font_row(char c, int r);

#endif
