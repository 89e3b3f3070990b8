/* Reading a UEFI device path from raw bytes, with no UEFI types so host tests cover
 * hostile input: does it name a serial port (a UART node)? */
#ifndef EFI_DEVPATH_H
#define EFI_DEVPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when a UART node (messaging type 3, subtype 14) comes before the end of the path
 * (type 0x7f, subtype 0xff) or the end of size bytes. A multi-instance path (ConOut: its
 * instances split by subtype 0x01 ends) is read through. A node shorter than its own
 * 4-byte header, or one that runs past size, ends the walk: false. */
bool devpath_has_uart(const uint8_t *path, size_t size);

#endif
