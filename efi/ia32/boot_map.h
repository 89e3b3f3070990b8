/* The rendering of fw_map.h in frames below 4 GiB from boot services. */
#ifndef IA32_BOOT_MAP_H
#define IA32_BOOT_MAP_H

#include <efi.h>
#include <stdint.h>

#include "fw_map.h"

struct boot_map {
    enum fw_paging paging;
    uint64_t root; /* PML4 */
    EFI_PHYSICAL_ADDRESS base;
    UINTN pages;     /* allocated */
    unsigned tables; /* of ours, the root included */
};

/* Renders the firmware's live paging (CR0, CR3, CR4 as given) into fresh frames. */
enum fw_map_status boot_map_build(uint32_t cr0, uint32_t cr3, uint32_t cr4, struct boot_map *m);
void boot_map_free(struct boot_map *m);

#endif
