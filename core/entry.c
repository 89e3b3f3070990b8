/* Encoding of portable attributes into entry bits, and back. */
#include "entry.h"

const uint8_t pt_pat_reset[8] = {PT_MT_WB, PT_MT_WT, PT_MT_UCMINUS, PT_MT_UC,
                                 PT_MT_WB, PT_MT_WT, PT_MT_UCMINUS, PT_MT_UC};

/* Index i as the low bits of a 4 KiB leaf: RW (bit 1) and US (2) give WRITE and USER, G (8)
 * gives GLOBAL; PWT (3), PCD (4) and PAT (7) give the PAT index. */
#define LOW_RIGHTS(i)    ((((i) >> 1) & 3) | (((i) >> 5) & 8))
#define LOW_PAT_INDEX(i) ((((i) >> 3) & 3) | (((i) >> 5) & 4))
#define LOW4(f, i)       f(i), f((i) + 1), f((i) + 2), f((i) + 3)
#define LOW16(f, i)      LOW4(f, i), LOW4(f, (i) + 4), LOW4(f, (i) + 8), LOW4(f, (i) + 12)
#define LOW64(f, i)      LOW16(f, i), LOW16(f, (i) + 16), LOW16(f, (i) + 32), LOW16(f, (i) + 48)
#define LOW256(f, i)     LOW64(f, i), LOW64(f, (i) + 64), LOW64(f, (i) + 128), LOW64(f, (i) + 192)
const uint8_t pte_low_bits[2][512] = {
    [PTE_LOW_RIGHTS] = {LOW256(LOW_RIGHTS, 0), LOW256(LOW_RIGHTS, 256)},
    [PTE_LOW_PAT_INDEX] = {LOW256(LOW_PAT_INDEX, 0), LOW256(LOW_PAT_INDEX, 256)}};

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
