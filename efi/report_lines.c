/* The report's lines, made the same in every app and handed to its sink (report_emit):
 * plain lines, detail lines, and check lines timed from the previous check. */
#include <stdarg.h>

#include "check_line.h"
#include "cpu.h"
#include "report.h"
#include "text.h"

static struct check_clock check_time;

void report_set_clock(uint64_t hz)
{
    check_time.hz = hz;
    check_time.last_tsc = cpu_rdtsc();
}

static void emit_formatted(enum report_kind kind, const char *fmt, va_list ap)
{
    char line[512];
    text_vformat(line, sizeof line, fmt, ap);
    report_emit(kind, line);
}

void report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit_formatted(REPORT_LINE, fmt, ap);
    va_end(ap);
}

void report_detail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit_formatted(REPORT_DETAIL, fmt, ap);
    va_end(ap);
}

static void emit_check(struct report_tally *tally, bool pass, const char *line)
{
    tally->checks++;
    tally->failed += !pass;
    report_emit(pass ? REPORT_PASS : REPORT_FAIL, line);
}

bool report_check(struct report_tally *tally, const char *name, bool pass, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    check_line_vformat(line, sizeof line, &check_time, cpu_rdtsc(), name, pass, fmt, ap);
    va_end(ap);
    emit_check(tally, pass, line);
    return pass;
}

void report_check_line(struct report_tally *tally, bool pass, const char *line)
{
    check_time.last_tsc = cpu_rdtsc();
    emit_check(tally, pass, line);
}

void report_tally_add(struct report_tally *sum, const struct report_tally *part)
{
    sum->checks += part->checks;
    sum->failed += part->failed;
}
