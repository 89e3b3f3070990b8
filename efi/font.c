/* Glyph lookup: see font.h. The glyph table itself is generated into build/gen. */
#include "font.h"

uint8_t font_row(char c, int r)
{
    unsigned u = (unsigned char)c;
    if (u < FONT_FIRST || u >= FONT_FIRST + FONT_GLYPHS)
        u = '?';
    return font_glyphs[u - FONT_FIRST][r];
}
