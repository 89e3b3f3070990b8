/* Text on the GOP framebuffer once the firmware's console is gone: one line at a time,
 * starting again at the top when the screen is full. */
#ifndef EFI_FBCON_H
#define EFI_FBCON_H

#include <stdbool.h>
#include <stdint.h>

struct framebuffer {
    uint64_t base, size;
    uint32_t width, height, stride; /* stride in pixels */
    bool bgr;                       /* PixelBlueGreenRedReserved8BitPerColor */
};

/* Colours as 0xRRGGBB. */
#define FB_WHITE 0xe0e0e0u
#define FB_GREEN 0x30d050u
#define FB_RED   0xf04040u

void fbcon_init(const struct framebuffer *fb);
bool fbcon_ready(void);
void fbcon_line(const char *text, uint32_t rgb);
/* Writes a pattern into the last row and reads it back: 0 when every pixel matches. */
unsigned fbcon_selftest(void);

#endif
