/* What a person sees: the screen view of the report (see screen_layout.h) on the firmware's
 * console while boot services last, then on the framebuffer console. The view fits the
 * console's current mode; it goes to the console's outputs that are not a serial port, so
 * COM1 carries the long report lines once. */
#ifndef EFI_SCREEN_H
#define EFI_SCREEN_H

#include "fbcon.h"
#include "machine.h"
#include "screen_layout.h"

/* Finds the console's outputs and their mode, clears them, and draws the two header lines;
 * reports the console's geometry and the header lines ("screen header: ..."). */
void screen_begin(const struct machine *m);
/* A report line: drawn when the view shows it (checks, the verdict, a few notes). */
void screen_report_line(const char *line);
/* A line of the view's own ("saved: ...", "Press any key ..."), cut to the width. */
void screen_note(const char *text, enum screen_colour colour);
/* After ExitBootServices: the firmware's console is gone; nothing is drawn until
 * screen_framebuffer. */
void screen_firmware_gone(void);
/* Starts the framebuffer console and draws the view so far on it, then continues there. */
void screen_framebuffer(const struct framebuffer *fb);
#endif
