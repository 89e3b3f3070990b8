/* The firmware's address space as four-level tables below 4 GiB, for the switch to long
 * mode and for the 64-bit part to import as "the firmware's": with paging off, [0, 4 GiB)
 * 1:1 in 2 MiB leaves, read-write and executable (what paging off allows); with PAE paging,
 * a PML4 and PDPT of ours above the firmware's own page directories, read in place; with
 * 32-bit paging, its 4 MiB pages as pairs of 2 MiB leaves and each page table as two of
 * 512 entries. The firmware's tables are only read. */
#ifndef IA32_BOOT_MAP_H
#define IA32_BOOT_MAP_H

#include <efi.h>
#include <stdint.h>

#include "handoff.h"

enum boot_map_status {
    BOOT_MAP_OK,
    BOOT_MAP_NO_MEMORY,   /* boot services refused the frames */
    BOOT_MAP_PAE_NO_ROOT, /* PAE paging with no present PDPTE */
    BOOT_MAP_STATUS_COUNT
};

struct boot_map {
    enum fw_paging paging;
    uint64_t root; /* PML4 */
    EFI_PHYSICAL_ADDRESS base;
    UINTN pages;     /* allocated */
    unsigned tables; /* of ours, the root included */
};

enum fw_paging boot_map_paging(uint32_t cr0, uint32_t cr4);
const char *boot_map_status_name(enum boot_map_status st);
enum boot_map_status boot_map_build(uint32_t cr0, uint32_t cr3, uint32_t cr4, struct boot_map *m);
void boot_map_free(struct boot_map *m);

#endif
