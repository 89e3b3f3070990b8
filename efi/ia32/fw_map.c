/* The firmware's address space in four levels: see fw_map.h. */
#include "fw_map.h"

#define CR0_PG     (1u << 31)
#define CR4_PSE    (1u << 4)
#define CR4_PAE    (1u << 5)
#define P_RW_US    0x7ull /* a table entry that withholds nothing: the leaves decide */
#define LEAF_2M_RW 0x83ull
#define SIZE_2M    0x200000ull
#define ADDR_MASK  0x000ffffffffff000ull
/* Bits 1, 2, 6-8 and 52-63. Bit 5 is reserved too, but QEMU's TCG sets it (as an accessed
 * bit) in the PDPTEs it walks: it says nothing about the mapping, and is left out. */
#define PDPTE_RESERVED  0xfff00000000001c6ull
#define PDE32_LEAF_BITS 0x11ffu /* P RW US PWT PCD A D PS G, and PAT at bit 12 */
#define PDE32_LINK_BITS 0x3fu   /* P RW US PWT PCD A */

static const struct {
    const char *name, *message;
} texts[FW_MAP_STATUS_COUNT] = {
    [FW_MAP_OK] = {"FW_MAP_OK", "rendered"},
    [FW_MAP_UNREACHABLE] = {"FW_MAP_UNREACHABLE", "a firmware page table cannot be read"},
    [FW_MAP_PAE_NO_ROOT] = {"FW_MAP_PAE_NO_ROOT", "PAE paging with no present PDPTE"},
    [FW_MAP_PAE_RESERVED] = {"FW_MAP_PAE_RESERVED", "a PDPTE has reserved bits set"},
    [FW_MAP_ABOVE_4G] = {"FW_MAP_ABOVE_4G", "a PAE page directory lies above 4 GiB"},
    [FW_MAP_NO_FRAMES] = {"FW_MAP_NO_FRAMES", "no frames for the rendering"},
    [FW_MAP_NO_ROOM] = {"FW_MAP_NO_ROOM", "fewer frames than the rendering needs"},
};

const char *fw_map_status_name(enum fw_map_status st)
{
    return st < FW_MAP_STATUS_COUNT ? texts[st].name : "FW_MAP_?";
}

const char *fw_map_status_message(enum fw_map_status st)
{
    return st < FW_MAP_STATUS_COUNT ? texts[st].message : "unknown status";
}

enum fw_paging fw_map_paging(uint32_t cr0, uint32_t cr4)
{
    if (!(cr0 & CR0_PG))
        return FW_PAGING_OFF;
    return (cr4 & CR4_PAE) ? FW_PAGING_PAE : FW_PAGING_32BIT;
}

static const uint32_t *read_table32(const struct fw_map_input *in, uint32_t pa)
{
    return in->read(in->ctx, pa & 0xfffff000u, 4096);
}

static bool pde_is_page(const struct fw_map_input *in, uint32_t pde)
{
    return (pde & 0x80) && (in->cr4 & CR4_PSE); /* PS is ignored without CR4.PSE */
}

/* PAE: the four PDPTEs (32-byte aligned at CR3), each checked. */
static enum fw_map_status read_pdptes(const struct fw_map_input *in, uint64_t pdpte[4])
{
    const uint64_t *fw = in->read(in->ctx, in->cr3 & 0xffffffe0u, 32);
    if (!fw)
        return FW_MAP_UNREACHABLE;
    unsigned present = 0;
    for (unsigned i = 0; i < 4; i++) {
        pdpte[i] = fw[i];
        if (!(fw[i] & 1))
            continue;
        if (fw[i] & PDPTE_RESERVED)
            return FW_MAP_PAE_RESERVED;
        if ((fw[i] & ADDR_MASK) >= (1ull << 32))
            return FW_MAP_ABOVE_4G;
        if (!in->read(in->ctx, fw[i] & ADDR_MASK, 4096))
            return FW_MAP_UNREACHABLE;
        present++;
    }
    return present ? FW_MAP_OK : FW_MAP_PAE_NO_ROOT;
}

enum fw_map_status fw_map_tables(const struct fw_map_input *in, unsigned *tables)
{
    enum fw_paging paging = fw_map_paging(in->cr0, in->cr4);
    *tables = 0;
    if (paging == FW_PAGING_OFF) {
        *tables = 6; /* PML4, PDPT, four directories */
        return FW_MAP_OK;
    }
    if (paging == FW_PAGING_PAE) {
        uint64_t pdpte[4];
        enum fw_map_status st = read_pdptes(in, pdpte);
        if (st == FW_MAP_OK)
            *tables = 2;
        return st;
    }
    const uint32_t *pd = read_table32(in, in->cr3);
    if (!pd)
        return FW_MAP_UNREACHABLE;
    unsigned n = 6;
    for (unsigned i = 0; i < 1024; i++) {
        if (!(pd[i] & 1) || pde_is_page(in, pd[i]))
            continue;
        if (!read_table32(in, pd[i]))
            return FW_MAP_UNREACHABLE;
        n += 2;
    }
    *tables = n;
    return FW_MAP_OK;
}

static void clear(uint64_t *frames, unsigned count)
{
    for (size_t i = 0; i < (size_t)count * 512; i++)
        frames[i] = 0;
}

/* 32-bit paging: directory entry i covers 2 MiB slots 2i and 2i+1 of the four new
 * directories (frames 2 to 5); new page tables follow from frame 6. */
static void render_32(const struct fw_map_input *in, uint64_t *frames, uint64_t frames_pa)
{
    const uint32_t *pd = read_table32(in, in->cr3);
    uint64_t *dirs = frames + 2 * 512;
    unsigned next = 6;
    for (unsigned i = 0; i < 1024; i++) {
        uint32_t pde = pd[i];
        if (!(pde & 1))
            continue;
        if (pde_is_page(in, pde)) {
            /* PSE-36: bits 13-20 are physical address bits 32-39. */
            uint64_t base = (pde & 0xffc00000u) | ((uint64_t)((pde >> 13) & 0xff) << 32);
            dirs[2 * i] = base | (pde & PDE32_LEAF_BITS);
            dirs[2 * i + 1] = (base + SIZE_2M) | (pde & PDE32_LEAF_BITS);
            continue;
        }
        const uint32_t *pt = read_table32(in, pde);
        for (unsigned h = 0; h < 2; h++, next++) {
            uint64_t *ours = frames + (size_t)next * 512;
            for (unsigned j = 0; j < 512; j++)
                ours[j] = pt[h * 512 + j];
            dirs[2 * i + h] = (frames_pa + next * 4096ull) | (pde & PDE32_LINK_BITS);
        }
    }
}

enum fw_map_status fw_map_render(const struct fw_map_input *in, uint64_t *frames,
                                 uint64_t frames_pa, unsigned count)
{
    unsigned need;
    enum fw_map_status st = fw_map_tables(in, &need);
    if (st != FW_MAP_OK)
        return st;
    if (!frames || !count)
        return FW_MAP_NO_FRAMES;
    if (count < need)
        return FW_MAP_NO_ROOM;
    clear(frames, need);
    uint64_t *pml4 = frames, *pdpt = frames + 512;
    pml4[0] = (frames_pa + 4096) | P_RW_US;
    enum fw_paging paging = fw_map_paging(in->cr0, in->cr4);
    if (paging == FW_PAGING_PAE) {
        uint64_t pdpte[4];
        read_pdptes(in, pdpte);
        for (unsigned i = 0; i < 4; i++)
            if (pdpte[i] & 1)
                pdpt[i] = (pdpte[i] & ADDR_MASK) | (pdpte[i] & 0x18) | P_RW_US;
        return FW_MAP_OK;
    }
    for (unsigned i = 0; i < 4; i++)
        pdpt[i] = (frames_pa + (2 + i) * 4096ull) | P_RW_US;
    if (paging == FW_PAGING_OFF) {
        uint64_t *dirs = frames + 2 * 512;
        for (unsigned i = 0; i < 2048; i++)
            dirs[i] = (i * SIZE_2M) | LEAF_2M_RW;
    } else {
        render_32(in, frames, frames_pa);
    }
    return FW_MAP_OK;
}
