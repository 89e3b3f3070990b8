/* Report output and keeping: see report.h. */
#include "report.h"

#include <efilib.h>
#include <stdarg.h>

#include "cpu.h"
#include "screen.h"
#include "serial.h"
#include "stick.h"
#include "text.h"

#define REPORT_CAPACITY (256u * 1024u)

static char *kept; /* from the pool: a static buffer would add its size to the image */
static size_t kept_len;
static bool truncated;
static unsigned checks, failed;
static const char *product = "unknown"; /* names the report file */
static uint64_t tsc_hz, last_check_tsc;

void report_init(void)
{
    serial_init();
    if (EFI_ERROR(
            uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, REPORT_CAPACITY, (void **)&kept)))
        kept = NULL;
    kept_len = 0;
    truncated = false;
    checks = failed = 0;
}

void report_firmware_gone(void)
{
    screen_firmware_gone();
}

void report_set_product(const char *name)
{
    product = name;
}

void report_set_clock(uint64_t hz)
{
    tsc_hz = hz;
    last_check_tsc = cpu_rdtsc();
}

/* Every line goes to COM1 as it is; the screen shows its own view of the checks and the
 * verdict (screen.h): drawing hundreds of long lines would scroll the verdict away and cost
 * seconds under TCG, and the file keeps every line anyway. */
static void emit(const char *line, bool detail)
{
    serial_write(line);
    serial_write("\r\n");
    if (!detail)
        screen_report_line(line);
    if (!kept) {
        truncated = true;
        return;
    }
    for (const char *p = line; *p; p++) {
        if (kept_len + 2 >= REPORT_CAPACITY) {
            truncated = true;
            return;
        }
        kept[kept_len++] = *p;
    }
    kept[kept_len++] = '\n';
}

static void emit_formatted(bool detail, const char *fmt, va_list ap)
{
    char line[512];
    text_vformat(line, sizeof line, fmt, ap);
    emit(line, detail);
}

void report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit_formatted(false, fmt, ap);
    va_end(ap);
}

void report_detail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit_formatted(true, fmt, ap);
    va_end(ap);
}

void report_check(const char *name, bool pass, const char *fmt, ...)
{
    char detail[400], line[512];
    va_list ap;
    va_start(ap, fmt);
    text_vformat(detail, sizeof detail, fmt, ap);
    va_end(ap);
    checks++;
    if (!pass)
        failed++;
    uint64_t now = cpu_rdtsc();
    uint64_t us = tsc_hz ? (now - last_check_tsc) * 1000000 / tsc_hz : 0;
    last_check_tsc = now;
    text_format(line, sizeof line, "check %-20s %s  %s [%llu us]", name, pass ? "PASS" : "FAIL",
                detail, (unsigned long long)us);
    emit(line, false);
}

unsigned report_checks(void)
{
    return checks;
}

unsigned report_failed(void)
{
    return failed;
}

EFI_STATUS report_save(EFI_HANDLE image)
{
    EFI_FILE *file;
    char name[FLEET_NAME_SIZE], why[96], note[SCREEN_LINE_MAX];
    EFI_STATUS st = stick_create(image, product, &file, name);
    if (!EFI_ERROR(st)) {
        /* The file names itself: this line is its last before the write. */
        report("report file: \\" FLEET_DIR "\\%s", name);
        UINTN size = kept_len;
        st = kept ? uefi_call_wrapper(file->Write, 3, file, &size, kept) : EFI_SUCCESS;
        if (!EFI_ERROR(st) && truncated) {
            static const char cut[] = "(report truncated)\n";
            size = sizeof cut - 1;
            st = uefi_call_wrapper(file->Write, 3, file, &size, (void *)cut);
        }
        if (!EFI_ERROR(st))
            st = uefi_call_wrapper(file->Flush, 1, file);
        if (EFI_ERROR(st)) /* a half-written report would pass for a whole one */
            uefi_call_wrapper(file->Delete, 1, file);
        else
            uefi_call_wrapper(file->Close, 1, file);
    }
    if (EFI_ERROR(st)) {
        stick_status_text(st, why, sizeof why);
        report("report file: not written: %s", why);
        text_format(note, sizeof note, "report NOT saved: %s", why);
        screen_note(note, SC_FAIL);
    } else {
        text_format(note, sizeof note, "saved: \\" FLEET_DIR "\\%s", name);
        screen_note(note, SC_TEXT);
    }
    return st;
}

void report_release(void)
{
    if (kept)
        uefi_call_wrapper(BS->FreePool, 1, kept);
    kept = NULL;
}
