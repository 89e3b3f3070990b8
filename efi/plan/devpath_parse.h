/* The device the app was loaded from, from the raw bytes of its UEFI device path, with no
 * UEFI types so host tests cover hostile paths: the kind of disk (USB, SATA, NVMe, ...) and
 * a shortened text of the path without any identifier (no partition GUID, no NVMe EUI-64,
 * no USB serial number, no MAC address): people share these reports. */
#ifndef EFI_DEVPATH_PARSE_H
#define EFI_DEVPATH_PARSE_H

#include "plan_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEVPATH_MAX_NODES 64u

/* "USB", "NVMe", "SATA", "SCSI", "ATA", "SD", "eMMC", "virtual" (a firmware volume or a
 * RAM disk), or "other": the first of these whose node the path holds, in that order. */
const char *devpath_kind_name(unsigned kind);
enum {
    DEVPATH_USB,
    DEVPATH_NVME,
    DEVPATH_SATA,
    DEVPATH_SCSI,
    DEVPATH_ATA,
    DEVPATH_SD,
    DEVPATH_EMMC,
    DEVPATH_VIRTUAL,
    DEVPATH_OTHER
};

/* Reads the path at p (at most avail bytes) up to its first end node. On an error, *kind is
 * DEVPATH_OTHER and text is "". */
enum plan_error devpath_describe(const uint8_t *p, size_t avail, unsigned *kind, char *text,
                                 size_t text_size);

/* True when a UART node (messaging type 3, subtype 14) comes before the end of the path
 * (type 0x7f, subtype 0xff) or the end of size bytes: the path reaches a serial port. A
 * multi-instance path (ConOut: its instances split by subtype 0x01 ends) is read through.
 * A node shorter than its own 4-byte header, or one that runs past size, ends the walk. */
bool devpath_has_uart(const uint8_t *path, size_t size);

#endif
