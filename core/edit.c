/* Unmapping and protecting ranges: large leaves on the edges are split so the rest of them
 * keeps its translation; tables left empty are freed. */
#include "txn.h"

enum edit_kind { EDIT_UNMAP, EDIT_PROTECT };

struct edit_op {
    const struct pt_space *sp;
    enum edit_kind kind;
    struct lin_range r;
    pt_attr attr;
    uint64_t need;
    struct txn *tx;
};

/* A protect that would not change a leaf's effective attributes (at the end of `path`)
 * leaves it whole. */
static bool leaf_unchanged(const struct edit_op *op, uint64_t e, int level, uint64_t path)
{
    return op->kind == EDIT_PROTECT &&
           pte_effective_attr(&op->sp->env->cpu, e, level, path) == op->attr;
}

/* Frames needed: one per leaf split on the range's edges (at most two chains). `path`
 * carries the rights of the entries above `t`, which a protect moves down into the leaves
 * before it compares them (txn_open_table_entry). */
static void edit_count(struct edit_op *op, const uint64_t *t, bool all_leaves, int level,
                       uint64_t base, uint64_t path)
{
    uint64_t span = pt_level_span(level);
    struct lin_range part = range_clip(op->r, base, level);
    uint64_t first = part.lo, last = part.hi;
    for (unsigned i = pt_index(first, level), end = pt_index(last - 1, level); i <= end; i++) {
        uint64_t elo = base + i * span;
        bool full = first <= elo && elo + span <= last;
        uint64_t e = all_leaves ? PTE_P | PTE_PS : t[i];
        if (!pte_present(e) || full)
            continue;
        if (pte_is_leaf(e, level)) {
            if (all_leaves || !leaf_unchanged(op, e, level, path)) {
                op->need++;
                edit_count(op, NULL, true, level - 1, elo, path);
            }
        } else {
            edit_count(op, space_table(op->sp, e & PTE_ADDR, level - 1, elo), false, level - 1, elo,
                       pte_restrict(path, e));
        }
    }
}

static bool table_empty(const uint64_t *t)
{
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        if (t[i])
            return false;
    return true;
}

static void edit_full_leaf(struct edit_op *op, uint64_t *entry, int level, uint64_t elo)
{
    uint64_t e = *entry;
    if (op->kind == EDIT_UNMAP) {
        *entry = 0;
    } else {
        if (leaf_unchanged(op, e, level, PTE_PATH_OPEN))
            return;
        *entry =
            pte_addr(e, level) | (e & PTE_AD) | pte_leaf_bits(&op->sp->env->cpu, op->attr, level);
    }
    txn_invalidate(op->tx, elo);
}

static void edit_apply(struct edit_op *op, uint64_t *t, int level, uint64_t base)
{
    uint64_t span = pt_level_span(level);
    struct lin_range part = range_clip(op->r, base, level);
    uint64_t first = part.lo, last = part.hi;
    for (unsigned i = pt_index(first, level), end = pt_index(last - 1, level); i <= end; i++) {
        uint64_t elo = base + i * span;
        bool full = first <= elo && elo + span <= last;
        uint64_t e = t[i];
        if (!pte_present(e))
            continue;
        if (pte_is_leaf(e, level)) {
            if (full) {
                edit_full_leaf(op, &t[i], level, elo);
                continue;
            }
            if (leaf_unchanged(op, e, level, PTE_PATH_OPEN))
                continue;
            uint64_t *child = txn_link_table(op->tx, &t[i], level - 1, elo, e);
            txn_invalidate(op->tx, elo);
            edit_apply(op, child, level - 1, elo);
            continue;
        }
        if (full && op->kind == EDIT_UNMAP) {
            space_free_below(op->sp, e, level, elo, txn_invalidate_leaf, op->tx);
            t[i] = 0;
            txn_tables_changed(op->tx, elo);
            continue;
        }
        uint64_t *child = space_table(op->sp, e & PTE_ADDR, level - 1, elo);
        /* Below this entry every leaf a protect writes carries the rights asked, and every
         * other keeps its own: the entry's restriction moves down first. The apply pass
         * then sees each leaf with the rights of its path, as edit_count did. */
        if (op->kind == EDIT_PROTECT)
            txn_open_table_entry(op->tx, &t[i], child, elo);
        edit_apply(op, child, level - 1, elo);
        if (op->kind == EDIT_UNMAP && table_empty(child)) {
            op->sp->env->free_frame(op->sp->env->frame_ctx, e & PTE_ADDR);
            t[i] = 0;
            txn_tables_changed(op->tx, elo);
        }
    }
}

static enum pt_error edit_run(struct pt_space *sp, enum edit_kind kind, uint64_t va, uint64_t len,
                              pt_attr attr)
{
    struct edit_op op = {.sp = sp, .kind = kind, .attr = attr};
    enum pt_error err = range_from_va(sp, va, len, &op.r);
    if (err == PT_OK && kind == EDIT_PROTECT)
        err = attr_validate(&sp->env->cpu, attr);
    if (err != PT_OK)
        return err;
    uint64_t *root = space_root(sp);
    edit_count(&op, root, false, sp->levels, 0, PTE_PATH_OPEN);
    struct txn tx;
    txn_begin(&tx, sp);
    err = txn_reserve(&tx, op.need, op.r);
    if (err != PT_OK)
        return err;
    op.tx = &tx;
    edit_apply(&op, root, sp->levels, 0);
    txn_finish(&tx);
    return PT_OK;
}

enum pt_error pt_unmap(struct pt_space *sp, uint64_t va, uint64_t len)
{
    return edit_run(sp, EDIT_UNMAP, va, len, 0);
}

enum pt_error pt_protect(struct pt_space *sp, uint64_t va, uint64_t len, pt_attr attr)
{
    return edit_run(sp, EDIT_PROTECT, va, len, attr);
}
