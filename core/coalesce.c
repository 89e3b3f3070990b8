/* Folding tables back into large leaves: the inverse of a split. */
#include "txn.h"

struct coalesce_op {
    const struct pt_space *sp;
    struct lin_range r;
    uint64_t folded;
    struct txn *tx;
};

/* The leaf one level up that `t` (at child_level, pointed to by the table entry `above`)
 * is the split of, or 0 when its 512 entries are not one aligned run of leaves with equal
 * attributes. Leaves are compared, and the new leaf made, with the rights `above`
 * withholds taken away (pte_restrict): the fold keeps the effective rights of every page,
 * and leaves that differ only in a right `above` withholds anyway fold too. */
static uint64_t folded_leaf(const uint64_t *t, int child_level, uint64_t above)
{
    uint64_t first = pte_restrict(t[0], above);
    if (!pte_present(first) || !pte_is_leaf(first, child_level))
        return 0;
    uint64_t base = pte_addr(first, child_level);
    uint64_t step = pt_level_span(child_level);
    if (base & (pt_level_span(child_level + 1) - 1))
        return 0;
    uint64_t bits = first & ~(PTE_ADDR | PTE_AD);
    uint64_t ad = 0;
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        uint64_t e = pte_restrict(t[i], above);
        if (!pte_present(e) || (e & ~(PTE_ADDR | PTE_AD)) != bits ||
            (e & PTE_ADDR) != ((base + i * step) | (first & PTE_ADDR & (step - 1))))
            return 0;
        ad |= e & PTE_AD;
    }
    uint64_t pat = child_level == PT_LEVEL_PT ? (first & PTE_PAT_4K) : (first & PTE_PAT_BIG);
    bits &= ~PTE_PAT_4K; /* bit 7 becomes PS below */
    return base | bits | ad | PTE_PS | (pat ? PTE_PAT_BIG : 0);
}

static void coalesce_table(struct coalesce_op *op, uint64_t *t, int level, uint64_t base)
{
    struct range_at_level at = range_at_level(op->r, base, level);
    for (unsigned i = at.first; i <= at.last; i++) {
        uint64_t e = t[i];
        if (!pte_present(e) || pte_is_leaf(e, level))
            continue;
        uint64_t elo = entry_lo(&at, i);
        uint64_t *child = space_table(op->sp, e & PTE_ADDR, level - 1, elo);
        if (level - 1 > PT_LEVEL_PT)
            coalesce_table(op, child, level - 1, elo);
        if (!entry_whole(&at, i) || !level_allows_leaf(&op->sp->env->cpu, level))
            continue;
        uint64_t leaf = folded_leaf(child, level - 1, e);
        if (!leaf)
            continue;
        t[i] = leaf;
        op->sp->env->free_frame(op->sp->env->frame_ctx, e & PTE_ADDR);
        op->folded++;
        /* Each small page may sit in the TLB. */
        for (unsigned k = 0; k < PT_ENTRIES; k++)
            txn_invalidate(op->tx, elo + k * pt_level_span(level - 1));
    }
}

enum pt_error pt_coalesce(struct pt_space *sp, uint64_t va, uint64_t len, uint64_t *folded)
{
    struct coalesce_op op = {.sp = sp};
    enum pt_error err = range_from_va(sp, va, len, &op.r);
    if (err != PT_OK)
        return err;
    struct txn tx;
    txn_begin(&tx, sp, false);
    op.tx = &tx;
    coalesce_table(&op, space_root(sp), sp->levels, 0);
    txn_finish(&tx);
    if (folded)
        *folded = op.folded;
    return PT_OK;
}
