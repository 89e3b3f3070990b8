/* The firmware's address space in four levels, in frames from boot services: see
 * boot_map.h. */
#include "boot_map.h"

#include <efilib.h>

/* 32-bit code reaches all of physical memory below 4 GiB 1:1 (UEFI identity maps it);
 * nothing above. */
static const void *read_below_4g(void *ctx, uint64_t pa, size_t len)
{
    (void)ctx;
    if (pa >= (1ull << 32) || len > (1ull << 32) - pa)
        return NULL;
    return (const void *)(uintptr_t)pa;
}

enum fw_map_status boot_map_build(uint32_t cr0, uint32_t cr3, uint32_t cr4, struct boot_map *m)
{
    struct fw_map_input in = {.cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .read = read_below_4g};
    m->paging = fw_map_paging(cr0, cr4);
    m->pages = 0;
    enum fw_map_status st = fw_map_tables(&in, &m->tables);
    if (st != FW_MAP_OK)
        return st;
    m->base = 0xffffffffu;
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
                                    m->tables, &m->base)))
        return FW_MAP_NO_FRAMES;
    m->pages = m->tables;
    st = fw_map_render(&in, (uint64_t *)(uintptr_t)m->base, m->base, m->tables);
    if (st != FW_MAP_OK) {
        boot_map_free(m);
        return st;
    }
    m->root = m->base;
    return FW_MAP_OK;
}

void boot_map_free(struct boot_map *m)
{
    if (m->pages)
        uefi_call_wrapper(BS->FreePages, 2, m->base, m->pages);
    m->pages = 0;
}
