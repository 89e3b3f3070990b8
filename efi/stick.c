/* Report files on the stick: see stick.h. */
#include "stick.h"

#include <efilib.h>

#include "text.h"
#include "volume.h"

#define MAX_ATTEMPTS 999u

static CHAR16 own[FLEET_NAME_SIZE]; /* this boot's file, once created */
static char own_ascii[FLEET_NAME_SIZE];

static void widen(CHAR16 *out, const char *in)
{
    size_t i = 0;
    for (; in[i]; i++)
        out[i] = (CHAR16)(unsigned char)in[i];
    out[i] = 0;
}

static EFI_STATUS create_fresh(EFI_FILE *dir, const CHAR16 *name, EFI_FILE **file)
{
    UINT64 mode = EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE;
    EFI_STATUS st = uefi_call_wrapper(dir->Open, 5, dir, file, (CHAR16 *)name, mode, 0);
    if (EFI_ERROR(st))
        return st;
    /* Our own file from earlier in this boot: empty it by deleting and creating afresh. */
    UINT64 size = 0;
    EFI_FILE_INFO *info = LibFileInfo(*file);
    if (info) {
        size = info->FileSize;
        FreePool(info);
    }
    if (size == 0)
        return EFI_SUCCESS;
    uefi_call_wrapper((*file)->Delete, 1, *file);
    return uefi_call_wrapper(dir->Open, 5, dir, file, (CHAR16 *)name, mode, 0);
}

EFI_STATUS stick_create(EFI_HANDLE image, const char *product, EFI_FILE **file,
                        char name[FLEET_NAME_SIZE])
{
    EFI_FILE *root, *dir;
    EFI_STATUS st = volume_open_root(image, &root);
    if (EFI_ERROR(st))
        return st;
    st = uefi_call_wrapper(root->Open, 5, root, &dir, L"\\" FLEET_DIR,
                           EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE,
                           EFI_FILE_DIRECTORY);
    uefi_call_wrapper(root->Close, 1, root);
    if (EFI_ERROR(st))
        return st;
    if (own[0]) {
        st = create_fresh(dir, own, file);
        for (size_t i = 0; i < FLEET_NAME_SIZE; i++)
            name[i] = own_ascii[i];
        uefi_call_wrapper(dir->Close, 1, dir);
        return st;
    }
    EFI_TIME now;
    struct fleet_time t = {0, 0, 0, 0, 0, 0};
    if (!EFI_ERROR(uefi_call_wrapper(RT->GetTime, 2, &now, NULL)))
        t = (struct fleet_time){now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second};
    st = EFI_ACCESS_DENIED; /* every name taken */
    for (unsigned attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        CHAR16 wide[FLEET_NAME_SIZE];
        EFI_FILE *existing;
        fleet_name(name, &t, product, attempt);
        widen(wide, name);
        EFI_STATUS probe =
            uefi_call_wrapper(dir->Open, 5, dir, &existing, wide, EFI_FILE_MODE_READ, 0);
        if (!EFI_ERROR(probe)) { /* another boot's file: never touched */
            uefi_call_wrapper(existing->Close, 1, existing);
            continue;
        }
        if (probe != EFI_NOT_FOUND) {
            st = probe;
            break;
        }
        st = create_fresh(dir, wide, file);
        if (!EFI_ERROR(st)) {
            widen(own, name);
            for (size_t i = 0; i < FLEET_NAME_SIZE; i++)
                own_ascii[i] = name[i];
        }
        break;
    }
    uefi_call_wrapper(dir->Close, 1, dir);
    return st;
}

void stick_status_text(EFI_STATUS st, char *buf, size_t size)
{
    const char *why = st == EFI_VOLUME_FULL        ? "the stick is full (EFI_VOLUME_FULL)"
                      : st == EFI_WRITE_PROTECTED  ? "the stick is read-only (EFI_WRITE_PROTECTED)"
                      : st == EFI_MEDIA_CHANGED    ? "the stick was changed (EFI_MEDIA_CHANGED)"
                      : st == EFI_NO_MEDIA         ? "no medium (EFI_NO_MEDIA)"
                      : st == EFI_DEVICE_ERROR     ? "the stick failed (EFI_DEVICE_ERROR)"
                      : st == EFI_ACCESS_DENIED    ? "access denied (EFI_ACCESS_DENIED)"
                      : st == EFI_UNSUPPORTED      ? "no file system (EFI_UNSUPPORTED)"
                      : st == EFI_VOLUME_CORRUPTED ? "the file system is damaged "
                                                     "(EFI_VOLUME_CORRUPTED)"
                                                   : NULL;
    if (why)
        text_format(buf, size, "%s", why);
    else
        text_format(buf, size, "status 0x%llx", (unsigned long long)st);
}
