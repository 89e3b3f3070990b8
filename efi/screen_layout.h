/* The screen view of the report, laid out for a person: which report lines belong on the
 * screen and how each fits the console's width. No UEFI types: host-tested.
 *
 * The view is two header lines naming the machine and firmware, one line per check (name,
 * PASS or FAIL, one short figure), a few notes, and the verdict as a coloured bar. The long
 * lines stay in the report file and on COM1. */
#ifndef EFI_SCREEN_LAYOUT_H
#define EFI_SCREEN_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCREEN_LINE_MAX  256u /* characters of one laid-out line, its NUL included */
#define SCREEN_NAME_COLS 20u  /* the check name's column */

enum screen_colour {
    SC_TEXT,     /* light grey on black */
    SC_TITLE,    /* white on black */
    SC_PASS,     /* green on black */
    SC_FAIL,     /* red on black */
    SC_BAR_PASS, /* white on green */
    SC_BAR_FAIL, /* white on red */
    SC_BAR_SKIP, /* white on blue: nothing failed, nothing was tried (no 64-bit mode) */
    SC_COLOURS
};

struct screen_line {
    char text[SCREEN_LINE_MAX];
    uint8_t colour[SCREEN_LINE_MAX]; /* enum screen_colour of each character */
    size_t len;
};

/* `text` in one colour, cut to `width` columns: a cut line ends in "...". */
void screen_layout_text(struct screen_line *out, const char *text, enum screen_colour colour,
                        unsigned width);

/* A report line as the screen shows it, in at most `width` columns (at least 40): a check
 * line ("check <name> PASS|FAIL  <detail> [<n> us]") becomes name, verdict and the detail's
 * first clause; a RESULT line a bar as wide as `width`; a note ("not switching", the
 * takeover's steps) stays as it is, cut to fit. False for a line the screen leaves out. */
bool screen_layout_report_line(struct screen_line *out, const char *line, unsigned width);

#endif
