/* The report's sink in the 64-bit part: it cannot call the 32-bit firmware, so every line
 * goes into the handoff's line buffer, which the 32-bit side prints and saves after the
 * return (see handoff.h for the kinds). With `inspect` the part never returns: lines then
 * also go to COM1 as they are made. Check lines carry their own time, measured here. */
#include <stddef.h>

#include "handoff.h"
#include "long_report.h"
#include "report.h"
#include "serial.h"

static struct handoff *out;
static bool to_serial;

void long_report_open(struct handoff *h)
{
    out = h;
    out->lines_used = 0;
    report_set_clock(h->tsc_hz);
}

static void write_to_serial(void *ctx, const char *line)
{
    (void)ctx;
    if (line[1]) {
        serial_write(line + 1); /* without the kind */
        serial_write("\r\n");
    }
}

void long_report_to_serial(void)
{
    char line[520];
    handoff_lines_each(out, line, sizeof line, write_to_serial, NULL);
    to_serial = true;
}

/* A line that does not fit is cut, and the buffer's last line says so once. */
void report_emit(enum report_kind kind, const char *line)
{
    static const char kinds[] = {[REPORT_LINE] = LINE_REPORT,
                                 [REPORT_DETAIL] = LINE_DETAIL,
                                 [REPORT_PASS] = LINE_PASS,
                                 [REPORT_FAIL] = LINE_FAIL};
    static const char cut[] = "Rreport lines cut: the 64-bit part's buffer is full\n";
    char *buf = (char *)(uintptr_t)out->lines;
    uint64_t used = out->lines_used, room = out->lines_size - sizeof cut;
    if (to_serial) {
        serial_write(line);
        serial_write("\r\n");
    }
    if (used > room)
        return;
    size_t len = 0;
    while (line[len])
        len++;
    if (used + len + 2 > room) {
        for (size_t i = 0; i < sizeof cut - 1; i++)
            buf[used++] = cut[i];
        out->lines_used = out->lines_size; /* nothing more fits */
        return;
    }
    buf[used++] = kinds[kind];
    for (size_t i = 0; i < len; i++)
        buf[used++] = line[i] == '\n' ? ' ' : line[i];
    buf[used++] = '\n';
    out->lines_used = used;
}
