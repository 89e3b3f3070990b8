/* Files on the volume the app was loaded from: the report is written there, and the
 * config file is read from beside the app. */
#ifndef EFI_VOLUME_H
#define EFI_VOLUME_H

#include <efi.h>

EFI_STATUS volume_open_root(EFI_HANDLE image, EFI_FILE **root);
/* Reads up to *size bytes of the file `name` in the app's own directory; *size becomes the
 * bytes read. EFI_BUFFER_TOO_SMALL when the file is larger (nothing is cut silently). */
EFI_STATUS volume_read_beside_app(EFI_HANDLE image, const CHAR16 *name, void *buf, UINTN *size);

#endif
