/* The report: every line goes to COM1 and is kept so it can be written to a file on the
 * volume the app was loaded from; the screen shows its own short view (screen.h). */
#ifndef EFI_REPORT_H
#define EFI_REPORT_H

#include <efi.h>
#include <stdbool.h>
#include <stdint.h>

void report_init(void);
/* Why lines reach COM1 the way they do: written by the app, or through the firmware's
 * console (only one of the two, so each line appears once). */
const char *report_serial_route(void);
/* Asked by the screen when it has no display of its own and would share the firmware's
 * console: true when that console already reaches COM1 (a UART in ConOut or in the
 * console's device path, or U-Boot), and from then on lines go through it, not to COM1. */
bool report_console_is_com1(void);
/* After ExitBootServices: lines go to COM1 directly and the screen view moves to the
 * framebuffer console, never to the firmware's console. */
void report_firmware_gone(void);
/* TSC ticks per second: each check line then shows the time since the previous one. */
void report_set_clock(uint64_t hz);
void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A line for the file and the serial port only (the map dump, the memory map). */
void report_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The checks a run reported and how many failed: the counts its verdict line shows, kept
 * by the caller that prints that line. */
struct report_tally {
    unsigned checks, failed;
};
/* A named check: "check <name>: PASS|FAIL <detail>", counted in *tally. Returns pass, so a
 * caller can carry its own verdict as a value. */
bool report_check(struct report_tally *tally, const char *name, bool pass, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A check line made elsewhere (the IA32 app's 64-bit part), counted as report_check's. */
void report_check_line(struct report_tally *tally, bool pass, const char *line);
/* Adds part's counts to *sum. */
void report_tally_add(struct report_tally *sum, const struct report_tally *part);

/* What a line is, for the sink: shown, file and serial only, a check that passed or not. */
enum report_kind { REPORT_LINE, REPORT_DETAIL, REPORT_PASS, REPORT_FAIL };
/* The app's sink behind the functions above (report_lines.c): report.c in the apps,
 * ia32/long_report.c in the IA32 app's 64-bit part. */
void report_emit(enum report_kind kind, const char *line);

/* The machine's product name, for the report file's name (machine_product). */
void report_set_product(const char *name);
/* Writes the report to its own file \pagetk\<date>-<time>-<product>.txt on the app's
 * volume (stick.h), and says on the screen where, or why not. */
EFI_STATUS report_save(EFI_HANDLE image);
/* Frees the kept copy; later lines still reach the console and serial port. */
void report_release(void);

#endif
