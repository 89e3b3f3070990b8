/* Framebuffer text: see fbcon.h. */
#include "fbcon.h"

#include "font.h"

static struct framebuffer fb;
static bool ready;
static unsigned scale = 1, cols, rows;

/* Foreground and background of each screen colour, as 0xRRGGBB. */
static const uint32_t palette[SC_COLOURS][2] = {
    [SC_TEXT] = {0xc8c8c8u, 0},
    [SC_TITLE] = {0xffffffu, 0},
    [SC_PASS] = {0x40e060u, 0},
    [SC_FAIL] = {0xff5050u, 0},
    [SC_BAR_PASS] = {0xffffffu, 0x148a34u},
    [SC_BAR_FAIL] = {0xffffffu, 0xc02020u},
    [SC_BAR_SKIP] = {0xffffffu, 0x1d4ed8u},
};

static uint32_t pixel(uint32_t rgb)
{
    if (fb.bgr)
        return rgb; /* bytes B, G, R in memory: 0x00RRGGBB as a little-endian word */
    return ((rgb & 0xff) << 16) | (rgb & 0xff00) | ((rgb >> 16) & 0xff);
}

static volatile uint32_t *at(uint32_t x, uint32_t y)
{
    return (volatile uint32_t *)(uintptr_t)fb.base + (uint64_t)y * fb.stride + x;
}

void fbcon_clear(void)
{
    if (!ready)
        return;
    for (uint32_t y = 0; y < fb.height; y++)
        for (uint32_t x = 0; x < fb.width; x++)
            *at(x, y) = 0;
}

bool fbcon_init(const struct framebuffer *f)
{
    fb = *f;
    scale = fb.width / (FBCON_TARGET_COLS * FONT_W);
    if (scale == 0)
        scale = 1;
    cols = fb.width / (FONT_W * scale);
    rows = fb.height / (FONT_H * scale);
    ready = fb.base && cols >= 40 && rows >= 4 && fb.stride >= fb.width &&
            (uint64_t)fb.stride * fb.height * 4 <= fb.size;
    fbcon_clear();
    return ready;
}

unsigned fbcon_cols(void)
{
    return ready ? cols : 0;
}

unsigned fbcon_rows(void)
{
    return ready ? rows : 0;
}

unsigned fbcon_scale(void)
{
    return scale;
}

void fbcon_draw_row(unsigned row, const struct screen_line *l, size_t from, size_t count)
{
    if (!ready || row >= rows)
        return;
    uint32_t cw = FONT_W * scale, ch = FONT_H * scale, y0 = row * ch;
    for (unsigned c = 0; c < cols; c++) {
        bool has = c < count && from + c < l->len;
        char glyph = has ? l->text[from + c] : ' ';
        unsigned colour = has && l->colour[from + c] < SC_COLOURS ? l->colour[from + c] : SC_TEXT;
        uint32_t fg = pixel(palette[colour][0]), bg = pixel(palette[colour][1]);
        for (uint32_t y = 0; y < ch; y++) {
            uint8_t bits = font_row(glyph, (int)(y / scale));
            volatile uint32_t *p = at(c * cw, y0 + y);
            for (uint32_t x = 0; x < cw; x++)
                p[x] = (bits >> (FONT_W - 1 - x / scale)) & 1 ? fg : bg;
        }
    }
}

unsigned fbcon_selftest(void)
{
    if (!ready)
        return 1;
    uint32_t y = fb.height - 1;
    unsigned bad = 0;
    for (uint32_t x = 0; x < fb.width; x++)
        *at(x, y) = (0x00a5a5a5u ^ (x * 0x010101u)) & 0xffffffu;
    for (uint32_t x = 0; x < fb.width; x++)
        bad += *at(x, y) != ((0x00a5a5a5u ^ (x * 0x010101u)) & 0xffffffu);
    for (uint32_t x = 0; x < fb.width; x++) /* the row may lie outside the text area */
        *at(x, y) = 0;
    return bad;
}
