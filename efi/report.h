/* The report: every line goes to the console and the serial port, and is kept so it can
 * be written to a file on the volume the app was loaded from. */
#ifndef EFI_REPORT_H
#define EFI_REPORT_H

#include <efi.h>
#include <stdbool.h>
#include <stdint.h>

void report_init(void);
/* Why lines reach COM1 the way they do: through the firmware's console, or written by the
 * app (only one of the two, so each line appears once). */
const char *report_serial_route(void);
/* After ExitBootServices: lines go to COM1 directly and to the framebuffer console (the
 * map and mem lines to COM1 only), never to the firmware's console. */
void report_firmware_gone(void);
/* TSC ticks per second: each check line then shows the time since the previous one. */
void report_set_clock(uint64_t hz);
void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A line for the file and the serial port only (the map dump, the memory map). */
void report_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A named check: "check <name>: PASS|FAIL <detail>"; counts towards the verdict. */
void report_check(const char *name, bool pass, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
unsigned report_checks(void);
unsigned report_failed(void);
/* Writes the report to \pagetk-report.txt on the app's volume. */
EFI_STATUS report_save(EFI_HANDLE image);
/* Frees the kept copy; later lines still reach the console and serial port. */
void report_release(void);

#endif
