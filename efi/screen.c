/* The screen view: see screen.h. */
#include "screen.h"

#include <efilib.h>

#include "devpath_parse.h"
#include "font.h"
#include "report.h"
#include "screen_view.h"
#include "text.h"

#define MAX_OUTS 8

static SIMPLE_TEXT_OUTPUT_INTERFACE *outs[MAX_OUTS];
static unsigned out_count;
static bool mirrored, firmware_gone, started;
static bool console_off;       /* the only console is COM1, and it shows the full report */
static unsigned width = 79;    /* columns a line may use */
static unsigned rows = 25;     /* lines the console holds */
static unsigned console_lines; /* lines drawn on the console since it was cleared */

/* Every text output that is a device and not a serial terminal: the screens. The console
 * splitter itself has no device path. */
static void find_screens(void)
{
    EFI_HANDLE *handles = NULL;
    UINTN n = 0;
    out_count = 0;
    if (!EFI_ERROR(uefi_call_wrapper(BS->LocateHandleBuffer, 5, ByProtocol, &TextOutProtocol, NULL,
                                     &n, &handles))) {
        for (UINTN i = 0; i < n && out_count < MAX_OUTS; i++) {
            EFI_DEVICE_PATH *dp;
            SIMPLE_TEXT_OUTPUT_INTERFACE *out;
            if (handles[i] == ST->ConsoleOutHandle ||
                EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, handles[i], &DevicePathProtocol,
                                            (void **)&dp)) ||
                devpath_has_uart((const uint8_t *)dp, DevicePathSize(dp)) ||
                EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, handles[i], &TextOutProtocol,
                                            (void **)&out)))
                continue;
            outs[out_count++] = out;
        }
        FreePool(handles);
    }
    mirrored = out_count == 0;
    if (mirrored) { /* one console for everything: the view reaches COM1 too */
        outs[0] = ST->ConOut;
        out_count = 1;
    }
}

static const UINTN attributes[SC_COLOURS] = {
    [SC_TEXT] = EFI_LIGHTGRAY | EFI_BACKGROUND_BLACK,
    [SC_TITLE] = EFI_WHITE | EFI_BACKGROUND_BLACK,
    [SC_PASS] = EFI_LIGHTGREEN | EFI_BACKGROUND_BLACK,
    [SC_FAIL] = EFI_LIGHTRED | EFI_BACKGROUND_BLACK,
    [SC_BAR_PASS] = EFI_WHITE | EFI_BACKGROUND_GREEN,
    [SC_BAR_FAIL] = EFI_WHITE | EFI_BACKGROUND_RED,
    [SC_BAR_SKIP] = EFI_WHITE | EFI_BACKGROUND_BLUE,
};

/* One line on every console output: a new line first, so the last row never scrolls. */
static void console_draw(const struct screen_line *l)
{
    for (unsigned o = 0; o < out_count; o++) {
        SIMPLE_TEXT_OUTPUT_INTERFACE *out = outs[o];
        if (console_lines)
            uefi_call_wrapper(out->OutputString, 2, out, L"\r\n");
        for (size_t i = 0; i < l->len;) {
            CHAR16 run[SCREEN_LINE_MAX];
            size_t n = 0;
            uint8_t c = l->colour[i];
            while (i < l->len && l->colour[i] == c)
                run[n++] = (CHAR16)(unsigned char)l->text[i++];
            run[n] = 0;
            uefi_call_wrapper(out->SetAttribute, 2, out, attributes[c < SC_COLOURS ? c : 0]);
            uefi_call_wrapper(out->OutputString, 2, out, run);
        }
        uefi_call_wrapper(out->SetAttribute, 2, out, attributes[SC_TEXT]);
    }
    console_lines++;
}

static void console_clear(void)
{
    for (unsigned o = 0; o < out_count; o++) {
        uefi_call_wrapper(outs[o]->SetAttribute, 2, outs[o], attributes[SC_TEXT]);
        uefi_call_wrapper(outs[o]->ClearScreen, 1, outs[o]);
    }
    console_lines = 0;
}

/* The console is full: rather than let it scroll the header away, it is drawn again with
 * the header and the newest lines (the one just kept included) filling at most half of it. */
static void console_redraw(void)
{
    static struct screen_line l;
    unsigned count = screen_view_count(), first = count > 2 + rows / 2 ? count - rows / 2 : 2;
    console_clear();
    for (unsigned i = 0; i < count; i++)
        if ((i < 2 || i >= first) && screen_view_layout(screen_view_line(i), &l, width))
            console_draw(&l);
}

static void show(const char *text, uint8_t colour)
{
    if (!started)
        return;
    const struct screen_kept *k = screen_view_add(text, colour);
    if (screen_view_on_fb() || firmware_gone || console_off)
        return;
    static struct screen_kept one;
    if (!k) { /* no storage: shown, not kept */
        unsigned n = 0;
        for (; text[n] && n + 1 < SCREEN_LINE_MAX; n++)
            one.text[n] = text[n];
        one.text[n] = '\0';
        one.colour = colour;
        k = &one;
    }
    static struct screen_line l;
    if (!screen_view_layout(k, &l, width))
        return;
    if (console_lines >= rows && k != &one)
        console_redraw();
    else
        console_draw(&l);
}

void screen_report_line(const char *line)
{
    static struct screen_line probe;
    if (screen_layout_report_line(&probe, line, 79))
        show(line, SCREEN_FROM_REPORT);
}

void screen_note(const char *text, enum screen_colour colour)
{
    show(text, (uint8_t)colour);
}

void screen_begin(const struct machine *m)
{
    find_screens();
    console_off = mirrored && report_console_is_com1();
    UINTN cols = 80, lines = 25, c, r;
    for (unsigned o = 0; o < out_count; o++) {
        SIMPLE_TEXT_OUTPUT_INTERFACE *out = outs[o];
        if (!out->Mode ||
            EFI_ERROR(uefi_call_wrapper(out->QueryMode, 4, out, out->Mode->Mode, &c, &r)))
            continue; /* 80x25 is what every console offers */
        if (o == 0 || c < cols)
            cols = c;
        if (o == 0 || r < lines)
            lines = r;
    }
    if (lines < 8)
        lines = 8;
    rows = (unsigned)lines;
    if (cols < 41)
        cols = 41;
    /* The last column stays empty: a console wraps as soon as it is written. */
    width = (unsigned)(cols - 1 < SCREEN_LINE_MAX - 1 ? cols - 1 : SCREEN_LINE_MAX - 1);
    EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
    uefi_call_wrapper(BS->LocateProtocol, 3, &gop_guid, NULL, (void **)&gop);
    report("screen: console %llux%llu (mode %d), %u output%s without a serial port%s; GOP %ux%u",
           (unsigned long long)cols, (unsigned long long)lines,
           outs[0]->Mode ? (int)outs[0]->Mode->Mode : -1, mirrored ? 0 : out_count,
           !mirrored && out_count == 1 ? "" : "s",
           console_off ? " (the console is COM1: it shows the full report, not the view)"
           : mirrored  ? " (the view shares the firmware's console)"
                       : "",
           gop && gop->Mode && gop->Mode->Info ? gop->Mode->Info->HorizontalResolution : 0,
           gop && gop->Mode && gop->Mode->Info ? gop->Mode->Info->VerticalResolution : 0);
    struct screen_kept *storage;
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData,
                                    SCREEN_VIEW_LINES * sizeof *storage, (void **)&storage)))
        storage = NULL;
    screen_view_init(storage);
    if (!console_off) {
        for (unsigned o = 0; o < out_count; o++)
            uefi_call_wrapper(outs[o]->EnableCursor, 2, outs[o], FALSE);
        console_clear();
    }
    started = true;
    char line[SCREEN_LINE_MAX];
    const struct smbios_machine *s = &m->smbios;
    if (s->sys_product[0])
        text_format(line, sizeof line, "pagetk on %s %s%s%s", s->sys_vendor, s->sys_product,
                    s->sys_version[0] ? ", " : "", s->sys_version);
    else
        text_format(line, sizeof line, "pagetk on an unnamed machine (%s)", m->smbios_note);
    report("screen header: %s", line);
    screen_note(line, SC_TITLE);
    unsigned minor = m->uefi_revision & 0xffff;
    text_format(line, sizeof line, "%s 0x%x, UEFI %u.%u, BIOS %s %s, Secure Boot %s, from %s",
                m->fw_vendor, m->fw_revision, m->uefi_revision >> 16, minor / 10,
                s->bios_version[0] ? s->bios_version : "?", s->bios_date,
                m->secure_boot > 0    ? "on"
                : m->secure_boot == 0 ? "off"
                                      : "unknown",
                devpath_kind_name(m->boot_kind));
    report("screen header: %s", line);
    screen_note(line, SC_TEXT);
}

void screen_firmware_gone(void)
{
    firmware_gone = true;
}

void screen_framebuffer(const struct framebuffer *f)
{
    if (!fbcon_init(f))
        return;
    report("screen: framebuffer %ux%u, font %ux%u scaled x%u: %ux%u cells", f->width, f->height,
           FONT_W, FONT_H, fbcon_scale(), fbcon_cols(), fbcon_rows());
    screen_view_start_fb();
}
