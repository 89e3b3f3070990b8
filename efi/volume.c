/* Volume access: see volume.h. */
#include "volume.h"

#include <efilib.h>

EFI_STATUS volume_open_root(EFI_HANDLE image, EFI_FILE **root)
{
    EFI_LOADED_IMAGE *loaded;
    EFI_FILE_IO_INTERFACE *fs;
    EFI_STATUS st =
        uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&loaded);
    if (EFI_ERROR(st))
        return st;
    st = uefi_call_wrapper(BS->HandleProtocol, 3, loaded->DeviceHandle, &FileSystemProtocol,
                           (void **)&fs);
    if (EFI_ERROR(st))
        return st;
    return uefi_call_wrapper(fs->OpenVolume, 2, fs, root);
}

/* "\EFI\BOOT\BOOTX64.EFI" -> "\EFI\BOOT\" + name, in path (path_len CHAR16s). */
static EFI_STATUS path_beside(EFI_LOADED_IMAGE *loaded, const CHAR16 *name, CHAR16 *path,
                              UINTN path_len)
{
    CHAR16 *image_path = DevicePathToStr(loaded->FilePath);
    if (!image_path)
        return EFI_OUT_OF_RESOURCES;
    UINTN dir = 0;
    for (UINTN i = 0; image_path[i]; i++)
        if (image_path[i] == L'\\' || image_path[i] == L'/')
            dir = i + 1;
    EFI_STATUS st = EFI_SUCCESS;
    UINTN n = 0;
    for (UINTN i = 0; i < dir && n + 1 < path_len; i++)
        path[n++] = image_path[i] == L'/' ? L'\\' : image_path[i];
    for (UINTN i = 0; name[i]; i++) {
        if (n + 1 >= path_len) {
            st = EFI_BUFFER_TOO_SMALL;
            break;
        }
        path[n++] = name[i];
    }
    path[n] = 0;
    FreePool(image_path);
    return st;
}

EFI_STATUS volume_read_beside_app(EFI_HANDLE image, const CHAR16 *name, void *buf, UINTN *size)
{
    EFI_LOADED_IMAGE *loaded;
    EFI_FILE *root, *file;
    CHAR16 path[256];
    EFI_STATUS st =
        uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&loaded);
    if (EFI_ERROR(st))
        return st;
    st = path_beside(loaded, name, path, sizeof path / sizeof path[0]);
    if (EFI_ERROR(st))
        return st;
    st = volume_open_root(image, &root);
    if (EFI_ERROR(st))
        return st;
    st = uefi_call_wrapper(root->Open, 5, root, &file, path, EFI_FILE_MODE_READ, 0);
    if (!EFI_ERROR(st)) {
        UINTN want = *size;
        st = uefi_call_wrapper(file->Read, 3, file, size, buf);
        if (!EFI_ERROR(st) && *size == want) { /* full: is there more? */
            char extra;
            UINTN one = 1;
            if (!EFI_ERROR(uefi_call_wrapper(file->Read, 3, file, &one, &extra)) && one)
                st = EFI_BUFFER_TOO_SMALL;
        }
        uefi_call_wrapper(file->Close, 1, file);
    }
    uefi_call_wrapper(root->Close, 1, root);
    return st;
}
