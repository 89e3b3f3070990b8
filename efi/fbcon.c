/* Framebuffer text: see fbcon.h. */
#include "fbcon.h"

#include "font.h"

#define SCALE  2
#define CELL_W ((FONT_W + 1) * SCALE)
#define CELL_H ((FONT_H + 2) * SCALE)

static struct framebuffer fb;
static bool ready;
static uint32_t row;

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

static void clear(void)
{
    for (uint32_t y = 0; y < fb.height; y++)
        for (uint32_t x = 0; x < fb.width; x++)
            *at(x, y) = 0;
    row = 0;
}

void fbcon_init(const struct framebuffer *f)
{
    fb = *f;
    ready = fb.base && fb.width >= CELL_W && fb.height >= 2 * CELL_H &&
            (uint64_t)fb.stride * fb.height * 4 <= fb.size;
    if (ready)
        clear();
}

bool fbcon_ready(void)
{
    return ready;
}

void fbcon_line(const char *text, uint32_t rgb)
{
    if (!ready)
        return;
    if ((row + 2) * CELL_H > fb.height) /* keep the last row for the self-test */
        clear();
    uint32_t colour = pixel(rgb), cols = fb.width / CELL_W, y0 = row * CELL_H;
    for (uint32_t c = 0; c < cols && text[c]; c++) {
        for (int r = 0; r < FONT_H; r++) {
            uint8_t bits = font_row(text[c], r);
            for (int b = 0; b < FONT_W; b++) {
                uint32_t v = (bits >> (FONT_W - 1 - b)) & 1 ? colour : 0;
                for (int sy = 0; sy < SCALE; sy++)
                    for (int sx = 0; sx < SCALE; sx++)
                        *at(c * CELL_W + b * SCALE + sx, y0 + (r + 1) * SCALE + sy) = v;
            }
        }
    }
    row++;
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
    return bad;
}
