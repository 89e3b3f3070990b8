/* The line each check prints, the same in both apps: "check NAME PASS|FAIL  detail [N us]". */
#ifndef EFI_CHECK_LINE_H
#define EFI_CHECK_LINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The time stamp counter's rate (0 when unknown) and its value at the previous check. */
struct check_clock {
    uint64_t hz, last_tsc;
};

/* Formats the line of check `name` into line[size]; its time is from clock->last_tsc to
 * `now`, which becomes clock->last_tsc. Returns the length written, as text_vformat. */
size_t check_line_vformat(char *line, size_t size, struct check_clock *clock, uint64_t now,
                          const char *name, bool pass, const char *fmt, va_list ap);

#endif
