/* Option sources: see settings.h. */
#include "settings.h"

#include <efilib.h>

#include "report.h"
#include "volume.h"

#define CONFIG_NAME L"pagetk.cfg"

/* EFI_SHELL_PARAMETERS_PROTOCOL (UEFI Shell specification): installed on an image the
 * shell starts, holding the command line the person typed, split into words. */
static EFI_GUID shell_parameters_guid = {
    0x752f3136, 0x4e16, 0x4fdc, {0xa2, 0x2a, 0xe5, 0xf4, 0x68, 0x12, 0xf4, 0xca}};

struct shell_parameters {
    CHAR16 **argv;
    UINTN argc;
    void *in, *out, *err;
};

/* LoadOptions without the shell are a boot manager's (U-Boot passes its bootargs, a
 * Boot#### entry its optional data): not words a person chose. Named, then ignored. */
static void report_foreign_load_options(EFI_HANDLE image)
{
    EFI_LOADED_IMAGE *loaded;
    if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
                                    (void **)&loaded)))
        return;
    char text[64];
    enum load_options_kind kind =
        load_options_describe(loaded->LoadOptions, loaded->LoadOptionsSize, text, sizeof text);
    if (kind == LOAD_OPTIONS_TEXT)
        report("options: LoadOptions set by the boot manager ('%s', %u bytes) ignored: words "
               "come only from pagetk.cfg and the shell's command line",
               text, (unsigned)loaded->LoadOptionsSize);
    else if (kind == LOAD_OPTIONS_BINARY)
        report("options: LoadOptions set by the boot manager (%u bytes, binary) ignored: words "
               "come only from pagetk.cfg and the shell's command line",
               (unsigned)loaded->LoadOptionsSize);
}

static bool apply(struct options *o, const char *text, size_t len, const char *source,
                  struct report_tally *tally)
{
    char bad[40];
    enum plan_error st = options_parse(o, text, len, bad, sizeof bad);
    if (st == PLAN_OK)
        return true;
    if (st == PLAN_ERR_OPTIONS_UNKNOWN_WORD)
        report_check(tally, "options", false, "%s: '%s': %s", source, bad, plan_error_message(st));
    else
        report_check(tally, "options", false, "%s: %s", source, plan_error_message(st));
    return false;
}

bool settings_read(EFI_HANDLE image, struct options *o, struct report_tally *tally)
{
    static char text[4096];
    UINTN size = sizeof text;
    EFI_STATUS st = volume_read_beside_app(image, CONFIG_NAME, text, &size);
    bool from_file = !EFI_ERROR(st);
    if (st == EFI_BUFFER_TOO_SMALL) {
        report_check(tally, "options", false, "pagetk.cfg is larger than %u bytes",
                     (unsigned)sizeof text);
        return false;
    }
    if (from_file && !apply(o, text, size, "pagetk.cfg", tally))
        return false;
    /* The shell passes the command line; argument 0 is the app's own name. */
    struct shell_parameters *shell = NULL;
    if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &shell_parameters_guid,
                                    (void **)&shell)))
        shell = NULL;
    if (!shell)
        report_foreign_load_options(image);
    CHAR16 **argv = shell ? shell->argv : NULL;
    INTN argc = shell && argv ? (INTN)shell->argc : 0;
    bool from_shell = argc > 1;
    for (INTN i = 1; i < argc; i++) {
        char word[64];
        size_t n = 0;
        for (; argv[i][n] && n < sizeof word; n++)
            word[n] = argv[i][n] < 0x80 ? (char)argv[i][n] : '?';
        if (argv[i][n]) {
            report_check(tally, "options", false, "command line: argument %d is too long", (int)i);
            return false;
        }
        if (!apply(o, word, n, "command line", tally))
            return false;
    }
    enum plan_error conflict = options_check(o);
    if (conflict != PLAN_OK) {
        report_check(tally, "options", false, "%s", plan_error_message(conflict));
        return false;
    }
    const char *source = from_file && from_shell ? "pagetk.cfg and the command line"
                         : from_file             ? "pagetk.cfg"
                         : from_shell            ? "the command line"
                                                 : "defaults";
    report("options:%s%s%s%s (from %s)", o->takeover ? " takeover" : "",
           o->inspect ? " inspect" : "", o->reset ? " reset" : "",
           o->touch_all ? " touch=all" : " touch=leaves", source);
    return true;
}
