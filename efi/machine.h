/* Which machine a report comes from: SMBIOS (3.x entry point first, 2.x otherwise), the CPU
 * brand string, the firmware's vendor and revisions, Secure Boot and Setup Mode, and the
 * device the app was loaded from. No serial number or UUID is read. */
#ifndef EFI_MACHINE_H
#define EFI_MACHINE_H

#include <efi.h>
#include <stdbool.h>

#include "devpath_parse.h"
#include "smbios_parse.h"

struct machine {
    struct smbios_machine smbios; /* every field "" unless a table passed */
    char smbios_note[160];        /* where the names came from, or why not */
    char cpu_brand[49];
    char fw_vendor[64];
    uint32_t fw_revision, uefi_revision;
    int secure_boot, setup_mode; /* 1 on, 0 off, -1 no variable */
    unsigned boot_kind;          /* DEVPATH_* */
    char boot_path[160];         /* without identifiers; or why not */
};

void machine_read(EFI_HANDLE image, struct machine *m);
/* The report's lines naming the machine: system, board, bios, cpu brand, firmware, secure
 * boot, boot device. */
void machine_report(const struct machine *m);
/* The best short name of the machine: the SMBIOS product, else "unknown". */
const char *machine_product(const struct machine *m);

#endif
