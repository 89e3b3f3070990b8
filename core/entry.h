/* Bits of an x86-64 paging-structure entry and the rules for reading and writing them. */
#ifndef PT_ENTRY_H
#define PT_ENTRY_H

#include "pt.h"

#define PTE_P       PT_ENTRY_PRESENT
#define PTE_RW      (1ull << 1)
#define PTE_US      (1ull << 2)
#define PTE_PWT     (1ull << 3)
#define PTE_PCD     (1ull << 4)
#define PTE_A       (1ull << 5)
#define PTE_D       (1ull << 6)
#define PTE_PS      PT_ENTRY_PS /* PAT in a 4 KiB entry */
#define PTE_G       (1ull << 8)
#define PTE_PAT_4K  (1ull << 7)
#define PTE_PAT_BIG (1ull << 12)
#define PTE_NX      (1ull << 63)
#define PTE_ADDR    PT_ENTRY_ADDR_MASK
#define PTE_AD      (PTE_A | PTE_D)
/* Entries the library writes to point at a table grant everything, so rights live in its
 * leaves alone. A foreign hierarchy's table entries may restrict (see pte_restrict). */
#define PTE_TABLE (PTE_P | PTE_RW | PTE_US)
/* The rights bits of a path: what the top of every walk starts from. */
#define PTE_PATH_RIGHTS (PTE_RW | PTE_US | PTE_NX)
#define PTE_PATH_OPEN   (PTE_RW | PTE_US)

/* The public accessors (pt.h) under the short names the library's files use. */
static inline bool pte_present(uint64_t e)
{
    return pt_entry_present(e);
}

/* A present entry is a leaf at level 1, or with PS at level 2 or 3. */
static inline bool pte_is_leaf(uint64_t e, int level)
{
    return pt_entry_is_leaf(e, level);
}

/* Physical address of a leaf's page or of a child table. */
static inline uint64_t pte_addr(uint64_t e, int level)
{
    return pt_entry_addr(e, level);
}

static inline bool level_allows_leaf(const struct pt_cpu *cpu, int level)
{
    return level <= PT_LEVEL_PD || (level == PT_LEVEL_PDPT && cpu->page_1g);
}

/*
 * The one rule for rights along a path, as the CPU applies it: RW and US hold only where
 * every entry on the path grants them, NX where any entry sets it. pte_restrict(e, above)
 * is `e` with the rights the entry `above` it withholds taken away too. A path is carried
 * as such bits: start from PTE_PATH_OPEN, restrict by each table entry on the way down,
 * and restrict the leaf by the path for its effective rights. Folding a table into a leaf,
 * or moving a table entry's restriction down into the table it points to, uses the same
 * rule, so no change can grant or take away a right by itself.
 */
static inline uint64_t pte_restrict(uint64_t e, uint64_t above)
{
    return (e & (above | ~(PTE_RW | PTE_US))) | (above & PTE_NX);
}

/* The path pte_restrict builds from PTE_PATH_OPEN through a run of table entries, made
 * from their AND (`all`) and their OR (`any`) alone: two operations a level instead of
 * five, for a walk that must not hold instructions behind each load. */
static inline uint64_t pte_path_of(uint64_t all, uint64_t any)
{
    return (all & PTE_PATH_OPEN) | (any & PTE_NX);
}

/* True when a table entry withholds a right (or sets NX) for everything below it. */
static inline bool pte_table_restricts(uint64_t e)
{
    return (e & PTE_PATH_RIGHTS) != PTE_PATH_OPEN;
}

/* The entry with every right granted, for a table entry whose restriction moved down. */
static inline uint64_t pte_table_opened(uint64_t e)
{
    return (e & ~PTE_NX) | PTE_RW | PTE_US;
}

/* Entry 0 of the table that splitting `leaf` (at child_level + 1) makes: its first piece,
 * with the leaf's bits and the PAT bit moved from bit 12 to bit 7 where PS was (4 KiB).
 * Piece i is this plus i pages: the addresses never carry into the bits. */
static inline uint64_t pte_first_piece(uint64_t leaf, int child_level)
{
    uint64_t bits = leaf & ~PTE_ADDR;
    if (child_level == PT_LEVEL_PT) {
        bits &= ~PTE_PS;
        if (leaf & PTE_PAT_BIG)
            bits |= PTE_PAT_4K;
    } else if (leaf & PTE_PAT_BIG) {
        bits |= PTE_PAT_BIG;
    }
    return pt_entry_addr(leaf, child_level + 1) | bits;
}

/* Leaf entry bits (everything but the address) for `attr` at `level`. */
uint64_t pte_leaf_bits(const struct pt_cpu *cpu, pt_attr attr, int level);
/* Attributes of a leaf entry at `level`. Branch-free and inline: a translation ends here,
 * waiting on the leaf's load, and every instruction queued behind that load is one fewer
 * for the next translation's loads to overlap with. */
static inline pt_attr pte_leaf_attr(const struct pt_cpu *cpu, uint64_t e, int level)
{
    pt_attr a = (pt_attr)((e >> 1) & 3u)    /* RW, US: WRITE, USER */
                | (pt_attr)((e >> 61) & 4u) /* NX */
                | (pt_attr)((e >> 5) & 8u); /* G: GLOBAL */
    return a | (PT_ATTR_MT(pt_entry_memtype(cpu, e, level)) & PT_ATTR_MT_MASK); /* 3-bit type */
}
/* Attributes of leaf `e` at `level` at the end of a path carrying `path` (pte_restrict). */
static inline pt_attr pte_effective_attr(const struct pt_cpu *cpu, uint64_t e, int level,
                                         uint64_t path)
{
    return pte_leaf_attr(cpu, pte_restrict(e, path), level);
}
/* What a leaf's rights and cache bits say, a table each so that neither needs unpacking:
 * WRITE, USER and GLOBAL (from RW, US and G), and the PAT index (from PWT, PCD and the
 * PAT bit). A 4 KiB leaf is looked up by its bits 8:0 (PAT in bit 7), a large leaf by its
 * bits 12:1 (PAT in bit 12; PS, its bit 7, is left out). */
enum { LEAF_RIGHTS, LEAF_PAT_INDEX };
extern const uint8_t leaf_bits_4k[2][0x200];
extern const uint8_t leaf_bits_large[2][0x890];
/* The same for a leaf below table entries whose AND is `all` and OR is `any`, in as few
 * operations as the rule allows: equal to pte_effective_attr(cpu, e, level,
 * pte_path_of(all, any)) for every entry and path. `level` should be a constant. */
static inline pt_attr pte_attr_below(const struct pt_cpu *cpu, uint64_t e, int level, uint64_t all,
                                     uint64_t any)
{
    uint64_t low = e & (all | ~PTE_PATH_OPEN); /* RW, US: where every entry grants them */
    unsigned index, pat_index, rights;
    if (level == PT_LEVEL_PT) {
        index = (unsigned)low & 0x1ffu;
        pat_index = leaf_bits_4k[LEAF_PAT_INDEX][index];
        rights = leaf_bits_4k[LEAF_RIGHTS][index];
    } else {
        index = (unsigned)(low >> 1) & 0x88fu;
        pat_index = leaf_bits_large[LEAF_PAT_INDEX][index];
        rights = leaf_bits_large[LEAF_RIGHTS][index];
    }
    pt_attr mt = (pt_attr)cpu->pat[pat_index] << PT_ATTR_MT_SHIFT & PT_ATTR_MT_MASK;
    pt_attr nx = (pt_attr)((e | any) >> 63) * PT_ATTR_NX; /* NX: where any entry sets it */
    return rights | mt | nx;
}
/* Validates `attr` against the CPU: unknown bits, memory type, NX. */
enum pt_error attr_validate(const struct pt_cpu *cpu, pt_attr attr);

#endif
