/* The firmware's address space in four levels: see boot_map.h. */
#include "boot_map.h"

#include <efilib.h>

#include "cpu32.h"

#define P_RW_US   0x7ull /* a table entry that withholds nothing: the leaves below decide */
#define LEAF_2M   0x83ull
#define ADDR_MASK 0x000ffffffffff000ull
#define SIZE_2M   0x200000ull

static const char *const status_names[BOOT_MAP_STATUS_COUNT] = {
    [BOOT_MAP_OK] = "BOOT_MAP_OK",
    [BOOT_MAP_NO_MEMORY] = "BOOT_MAP_NO_MEMORY",
    [BOOT_MAP_PAE_NO_ROOT] = "BOOT_MAP_PAE_NO_ROOT",
};

const char *boot_map_status_name(enum boot_map_status st)
{
    return st < BOOT_MAP_STATUS_COUNT ? status_names[st] : "BOOT_MAP_?";
}

enum fw_paging boot_map_paging(uint32_t cr0, uint32_t cr4)
{
    if (!(cr0 & CR0_PG32))
        return FW_PAGING_OFF;
    return (cr4 & CR4_PAE32) ? FW_PAGING_PAE : FW_PAGING_32BIT;
}

static uint64_t *frame(struct boot_map *m, unsigned i)
{
    return (uint64_t *)(uintptr_t)(m->base + i * 4096ull);
}

/* Directory entries of 32-bit paging that point to a page table (not 4 MiB pages). */
static unsigned page_tables_32(uint32_t cr3, uint32_t cr4)
{
    const uint32_t *pd = (const uint32_t *)(uintptr_t)(cr3 & 0xfffff000u);
    unsigned n = 0;
    for (unsigned i = 0; i < 1024; i++)
        n += (pd[i] & 1) && !((pd[i] & 0x80) && (cr4 & CR4_PSE32));
    return n;
}

/* 32-bit paging: directory i covers 2 MiB slots 2i and 2i+1 of the four new directories. */
static void convert_32(struct boot_map *m, uint32_t cr3, uint32_t cr4)
{
    const uint32_t *pd = (const uint32_t *)(uintptr_t)(cr3 & 0xfffff000u);
    uint64_t *dirs = frame(m, 2);
    unsigned next = 6;
    for (unsigned i = 0; i < 1024; i++) {
        uint32_t pde = pd[i];
        if (!(pde & 1))
            continue;
        if ((pde & 0x80) && (cr4 & CR4_PSE32)) {
            /* PSE-36: bits 13-20 are physical address bits 32-39. */
            uint64_t base = (pde & 0xffc00000u) | ((uint64_t)((pde >> 13) & 0xff) << 32);
            uint64_t flags = pde & 0x11ffu; /* P RW US PWT PCD A D PS G, PAT at bit 12 */
            dirs[2 * i] = base | flags;
            dirs[2 * i + 1] = (base + SIZE_2M) | flags;
            continue;
        }
        const uint32_t *pt = (const uint32_t *)(uintptr_t)(pde & 0xfffff000u);
        for (unsigned h = 0; h < 2; h++) {
            uint64_t *ours = frame(m, next);
            for (unsigned j = 0; j < 512; j++)
                ours[j] = pt[h * 512 + j]; /* same bits at the same places, 8 bytes wide */
            dirs[2 * i + h] = (m->base + next * 4096ull) | (pde & 0x3fu);
            next++;
        }
    }
}

enum boot_map_status boot_map_build(uint32_t cr0, uint32_t cr3, uint32_t cr4, struct boot_map *m)
{
    m->paging = boot_map_paging(cr0, cr4);
    m->tables = m->paging == FW_PAGING_PAE ? 2 : 6;
    if (m->paging == FW_PAGING_32BIT)
        m->tables += 2 * page_tables_32(cr3, cr4);
    m->pages = m->tables;
    m->base = 0xffffffffu;
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
                                    m->pages, &m->base))) {
        m->pages = 0;
        return BOOT_MAP_NO_MEMORY;
    }
    for (unsigned i = 0; i < m->pages * 512; i++)
        frame(m, 0)[i] = 0;
    m->root = m->base;
    uint64_t *pml4 = frame(m, 0), *pdpt = frame(m, 1);
    pml4[0] = (m->base + 4096) | P_RW_US;
    if (m->paging == FW_PAGING_PAE) {
        /* The four PDPTEs (32-byte aligned) point to PAE directories, whose entries are
         * already in the four-level format. PDPTEs hold no RW or US: full rights above. */
        const uint64_t *fw = (const uint64_t *)(uintptr_t)(cr3 & 0xffffffe0u);
        unsigned present = 0;
        for (unsigned i = 0; i < 4; i++)
            if (fw[i] & 1) {
                pdpt[i] = (fw[i] & ADDR_MASK) | (fw[i] & 0x18) | P_RW_US;
                present++;
            }
        if (!present) {
            boot_map_free(m);
            return BOOT_MAP_PAE_NO_ROOT;
        }
        return BOOT_MAP_OK;
    }
    for (unsigned i = 0; i < 4; i++)
        pdpt[i] = (m->base + (2 + i) * 4096ull) | P_RW_US;
    if (m->paging == FW_PAGING_OFF) {
        uint64_t *dirs = frame(m, 2);
        for (unsigned i = 0; i < 2048; i++)
            dirs[i] = (i * SIZE_2M) | LEAF_2M;
    } else {
        convert_32(m, cr3, cr4);
    }
    return BOOT_MAP_OK;
}

void boot_map_free(struct boot_map *m)
{
    if (m->pages)
        uefi_call_wrapper(BS->FreePages, 2, m->base, m->pages);
    m->pages = 0;
}
