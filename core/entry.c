/* Encoding of portable attributes into entry bits, and back. */
#include "entry.h"

const uint8_t pt_pat_reset[8] = {PT_MT_WB, PT_MT_WT, PT_MT_UCMINUS, PT_MT_UC,
                                 PT_MT_WB, PT_MT_WT, PT_MT_UCMINUS, PT_MT_UC};

/* The tables of leaf bits (entry.h), written out by the preprocessor. A 4 KiB leaf's index
 * is its bits 8:0: RW 1, US 2, PWT 3, PCD 4, PAT 7, G 8. A large leaf's is its bits 12:1:
 * RW 0, US 1, PWT 2, PCD 3, G 7, PAT 11. */
#define RIGHTS_4K(i)       ((((i) >> 1) & 3) | (((i) >> 5) & 8))
#define PAT_INDEX_4K(i)    ((((i) >> 3) & 3) | (((i) >> 5) & 4))
#define RIGHTS_LARGE(i)    (((i)&3) | (((i) >> 4) & 8))
#define PAT_INDEX_LARGE(i) ((((i) >> 2) & 3) | (((i) >> 9) & 4))
#define ROW4(f, i)         f(i), f((i) + 1), f((i) + 2), f((i) + 3)
#define ROW16(f, i)        ROW4(f, i), ROW4(f, (i) + 4), ROW4(f, (i) + 8), ROW4(f, (i) + 12)
#define ROW64(f, i)        ROW16(f, i), ROW16(f, (i) + 16), ROW16(f, (i) + 32), ROW16(f, (i) + 48)
#define ROW256(f, i)       ROW64(f, i), ROW64(f, (i) + 64), ROW64(f, (i) + 128), ROW64(f, (i) + 192)
#define ROW1024(f, i)      ROW256(f, i), ROW256(f, (i) + 256), ROW256(f, (i) + 512), ROW256(f, (i) + 768)
#define ROW512(f)          ROW256(f, 0), ROW256(f, 256)
#define ROW2192(f)         ROW1024(f, 0), ROW1024(f, 1024), ROW64(f, 2048), ROW64(f, 2112), ROW16(f, 2176)
const uint8_t leaf_bits_4k[2][0x200] = {
    [LEAF_RIGHTS] = {ROW512(RIGHTS_4K)}, [LEAF_PAT_INDEX] = {ROW512(PAT_INDEX_4K)}};
const uint8_t leaf_bits_large[2][0x890] = {
    [LEAF_RIGHTS] = {ROW2192(RIGHTS_LARGE)}, [LEAF_PAT_INDEX] = {ROW2192(PAT_INDEX_LARGE)}};

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
