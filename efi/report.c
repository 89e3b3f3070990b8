/* The firmware apps' report sink (report_emit): every line to COM1 or the firmware's
 * console and the screen, and kept for the report file. See report.h. */
#include "report.h"

#include <efilib.h>

#include "devpath_parse.h"
#include "screen.h"
#include "serial.h"
#include "stick.h"
#include "text.h"

#define REPORT_CAPACITY (256u * 1024u)

static char *kept; /* from the pool: a static buffer would add its size to the image */
static size_t kept_len;
static bool truncated;
static const char *product = "unknown"; /* names the report file */
static bool serial_direct = true;       /* false while the firmware's only console is COM1 */

static const char *serial_route =
    "the app writes every line to COM1; the screen view goes to the displays only";

static bool vendor_is(const CHAR16 *vendor, const char *name)
{
    if (!vendor)
        return false;
    for (; *name; name++, vendor++)
        if (*vendor != (CHAR16)*name)
            return false;
    return true;
}

/* True when the firmware already copies console text to COM1, so writing it again would
 * double every line: the ConOut variable or the console's own device path has a UART node
 * (edk2), or the firmware is U-Boot, whose UEFI console is its own serial console. */
static bool console_includes_uart(void)
{
    static EFI_GUID global = EFI_GLOBAL_VARIABLE;
    static uint8_t paths[4096];
    UINTN size = sizeof paths;
    UINT32 attrs;
    if (!EFI_ERROR(
            uefi_call_wrapper(RT->GetVariable, 5, L"ConOut", &global, &attrs, &size, paths)) &&
        devpath_has_uart(paths, size)) {
        serial_route = "ConOut has a UART node: the firmware's console reaches COM1";
        return true;
    }
    EFI_DEVICE_PATH *path;
    if (ST->ConsoleOutHandle &&
        !EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, ST->ConsoleOutHandle,
                                     &DevicePathProtocol, (void **)&path)) &&
        devpath_has_uart((const uint8_t *)path, DevicePathSize(path))) {
        serial_route = "the console's device path has a UART node: it reaches COM1";
        return true;
    }
    if (vendor_is(ST->FirmwareVendor, "Das U-Boot")) {
        serial_route = "U-Boot's UEFI console is its serial console: it reaches COM1";
        return true;
    }
    return false;
}

bool report_console_is_com1(void)
{
    if (!console_includes_uart())
        return false;
    serial_direct = false;
    return true;
}

const char *report_serial_route(void)
{
    return serial_route;
}

void report_init(void)
{
    serial_init();
    if (EFI_ERROR(
            uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, REPORT_CAPACITY, (void **)&kept)))
        kept = NULL;
    kept_len = 0;
    truncated = false;
}

void report_firmware_gone(void)
{
    serial_direct = true;
    screen_firmware_gone();
}

void report_set_product(const char *name)
{
    product = name;
}

/* Every line goes to COM1 as it is; the screen shows its own view of the checks and the
 * verdict (screen.h): drawing hundreds of long lines would scroll the verdict away and cost
 * seconds under TCG, and the file keeps every line anyway. Where the firmware's only console
 * is COM1, the lines go through it instead, once, and detail lines straight to COM1. */
void report_emit(enum report_kind kind, const char *line)
{
    bool detail = kind == REPORT_DETAIL;
    if (serial_direct || detail) {
        serial_write(line);
        serial_write("\r\n");
    }
    if (!detail && !serial_direct)
        Print(L"%a\n", line);
    else if (!detail)
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
