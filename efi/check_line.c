/* The check line of every app, made by report_lines.c: see check_line.h. */
#include "check_line.h"

#include "text.h"

size_t check_line_vformat(char *line, size_t size, struct check_clock *clock, uint64_t now,
                          const char *name, bool pass, const char *fmt, va_list ap)
{
    char detail[400];
    text_vformat(detail, sizeof detail, fmt, ap);
    uint64_t us = clock->hz ? (now - clock->last_tsc) * 1000000 / clock->hz : 0;
    clock->last_tsc = now;
    return text_format(line, size, "check %-20s %s  %s [%llu us]", name, pass ? "PASS" : "FAIL",
                       detail, (unsigned long long)us);
}
