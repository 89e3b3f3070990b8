/* The screen view's lines as kept for the framebuffer console: each report line or note the
 * screen showed, drawn again when the framebuffer console starts, then one by one, wrapped
 * at its width; when the screen is full, the two header lines stay and the newest lines fill
 * the rest. No UEFI types: the host draws the same view (tests/tools/fb-render.c). */
#ifndef EFI_SCREEN_VIEW_H
#define EFI_SCREEN_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "screen_layout.h"

#define SCREEN_VIEW_LINES  96 /* kept; later lines push out the oldest after the header */
#define SCREEN_FROM_REPORT 0xff

/* A report line laid out again at each width, or a note in one colour. */
struct screen_kept {
    char text[SCREEN_LINE_MAX];
    uint8_t colour; /* SCREEN_FROM_REPORT, or the enum screen_colour of a note */
};

/* Storage for SCREEN_VIEW_LINES lines, from the caller (the pool in the app). */
void screen_view_init(struct screen_kept *storage);
/* Keeps a line (cut to SCREEN_LINE_MAX - 1 characters); returns it, or NULL without storage. */
const struct screen_kept *screen_view_add(const char *text, uint8_t colour);
/* The lines kept so far, and one of them (0 and 1 are the header). */
unsigned screen_view_count(void);
const struct screen_kept *screen_view_line(unsigned index);
/* The line as the screen shows it at `width` columns: false when it shows nothing. */
bool screen_view_layout(const struct screen_kept *k, struct screen_line *l, unsigned width);
/* On the framebuffer console (fbcon_init done): draws every kept line, then each added one. */
void screen_view_start_fb(void);
bool screen_view_on_fb(void);

#endif
