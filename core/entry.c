/* Encoding of portable attributes into entry bits, and back. */
#include "entry.h"

const uint8_t pt_pat_reset[8] = {PT_MT_WB, PT_MT_WT, PT_MT_UCMINUS, PT_MT_UC,
                                 PT_MT_WB, PT_MT_WT, PT_MT_UCMINUS, PT_MT_UC};

uint64_t pt_size_bytes(enum pt_size size)
{
    return pt_level_span((int)size + 1);
}

uint64_t pt_level_span(int level)
{
    return 1ull << (12 + 9 * (level - 1));
}

unsigned pt_index(uint64_t va, int level)
{
    return (unsigned)(va >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

bool pt_is_canonical(uint64_t va)
{
    return pt_canonical(va) == va;
}

uint64_t pt_canonical(uint64_t va)
{
    va &= VA_MASK;
    return (va & VA_HALF) ? (va | ~VA_MASK) : va;
}

static int pat_index_of(const struct pt_cpu *cpu, enum pt_memtype mt)
{
    for (int i = 0; i < 8; i++)
        if (cpu->pat[i] == (uint8_t)mt)
            return i;
    return -1;
}

int pt_pat_slot_for(const uint8_t pat[8], enum pt_memtype mt)
{
    for (int i = 0; i < 8; i++)
        if (pat[i] == (uint8_t)mt)
            return i;
    for (int i = 7; i >= 0; i--) /* high entries first: firmware rarely sets the PAT bit */
        for (int j = 0; j < 8; j++)
            if (j != i && pat[j] == pat[i])
                return i;
    return -1;
}

enum pt_error attr_validate(const struct pt_cpu *cpu, pt_attr attr)
{
    if (attr & ~PT_ATTR_ALL)
        return PT_ERR_BAD_ATTR;
    if (pat_index_of(cpu, PT_ATTR_MEMTYPE(attr)) < 0)
        return PT_ERR_BAD_ATTR;
    if ((attr & PT_ATTR_NX) && !cpu->nx)
        return PT_ERR_NX_DISABLED;
    return PT_OK;
}

uint64_t pte_leaf_bits(const struct pt_cpu *cpu, pt_attr attr, int level)
{
    uint64_t e = PTE_P;
    if (attr & PT_ATTR_WRITE)
        e |= PTE_RW;
    if (attr & PT_ATTR_USER)
        e |= PTE_US;
    if (attr & PT_ATTR_GLOBAL)
        e |= PTE_G;
    if (attr & PT_ATTR_NX)
        e |= PTE_NX;
    int pat = pat_index_of(cpu, PT_ATTR_MEMTYPE(attr));
    if (pat & 1)
        e |= PTE_PWT;
    if (pat & 2)
        e |= PTE_PCD;
    if (level == PT_LEVEL_PT) {
        if (pat & 4)
            e |= PTE_PAT_4K;
    } else {
        e |= PTE_PS;
        if (pat & 4)
            e |= PTE_PAT_BIG;
    }
    return e;
}

pt_attr pte_leaf_attr(const struct pt_cpu *cpu, uint64_t e, int level)
{
    pt_attr a = 0;
    if (e & PTE_RW)
        a |= PT_ATTR_WRITE;
    if (e & PTE_US)
        a |= PT_ATTR_USER;
    if (e & PTE_G)
        a |= PT_ATTR_GLOBAL;
    if (e & PTE_NX)
        a |= PT_ATTR_NX;
    unsigned pat = ((e & PTE_PWT) ? 1u : 0u) | ((e & PTE_PCD) ? 2u : 0u);
    if (e & (level == PT_LEVEL_PT ? PTE_PAT_4K : PTE_PAT_BIG))
        pat |= 4;
    return a | PT_ATTR_MT(cpu->pat[pat]);
}
