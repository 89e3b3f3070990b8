/* Unmapping and protecting ranges: large leaves on the edges are split so the rest of them
 * keeps its translation; tables left empty are freed. */
#include "txn.h"

enum edit_kind { EDIT_UNMAP, EDIT_PROTECT };

struct edit_op {
    const struct pt_space *sp;
    enum edit_kind kind;
    struct lin_range r;
    pt_attr attr;
    struct txn *tx;
};

/* A protect that would not change a leaf's effective attributes (at the end of `path`)
 * leaves it whole. */
static bool leaf_unchanged(const struct edit_op *op, uint64_t e, int level, uint64_t path)
{
    return op->kind == EDIT_PROTECT &&
           pte_effective_attr(&op->sp->env->cpu, e, level, path) == op->attr;
}

static bool table_empty(const uint64_t *t)
{
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        if (t[i])
            return false;
    return true;
}

/* ---- one walker for both passes ---------------------------------------------------------
 * The dry run writes nothing; its transaction counts the frames the apply pass takes at
 * the same points of the same code: one per leaf split on the range's edges (at most two
 * chains). A table a split would make does not exist in the dry run: it reads as the
 * leaf's pieces (t NULL, `split`). `path` carries the rights of the entries
 * above t, which a protect moves down into the leaves before it compares them. */

static enum pt_error edit_table(struct edit_op *op, uint64_t *t, uint64_t split, int level,
                                uint64_t base, uint64_t path);

static bool edit_dry(const struct edit_op *op)
{
    return op->tx->dry_run;
}

/* The leaf at `*entry`, wholly inside the range, is removed or given the rights asked. */
static void edit_whole_leaf(struct edit_op *op, uint64_t *entry, int level, uint64_t elo)
{
    uint64_t e = *entry;
    if (op->kind == EDIT_UNMAP)
        *entry = 0;
    else
        *entry =
            pte_addr(e, level) | (e & PTE_AD) | pte_leaf_bits(&op->sp->env->cpu, op->attr, level);
    txn_invalidate(op->tx, elo);
}

/* The leaf `e` at `*entry`: changed whole, or split so only the range's part changes. */
static enum pt_error edit_leaf(struct edit_op *op, uint64_t *entry, uint64_t e, int level,
                               uint64_t elo, bool whole, uint64_t path)
{
    if (leaf_unchanged(op, e, level, path))
        return PT_OK;
    if (whole) {
        if (!edit_dry(op))
            edit_whole_leaf(op, entry, level, elo);
        return PT_OK;
    }
    uint64_t *child;
    enum pt_error err = txn_split_leaf(op->tx, entry, level - 1, elo, &child);
    return err != PT_OK ? err : edit_table(op, child, e, level - 1, elo, path);
}

/* The table entry `e` at `*entry`: a table wholly unmapped goes at once; otherwise the
 * walk goes down, and an unmap frees the table if it left it empty. Below a protect every
 * leaf written carries the rights asked and every other keeps its own: the entry's
 * restriction moves down first. */
static enum pt_error edit_below_table(struct edit_op *op, uint64_t *entry, uint64_t e, int level,
                                      uint64_t elo, bool whole, uint64_t path)
{
    if (edit_dry(op))
        return edit_table(op, space_table(op->sp, e & PTE_ADDR, level - 1, elo), 0, level - 1, elo,
                          pte_restrict(path, e));
    if (whole && op->kind == EDIT_UNMAP) {
        space_free_below(op->sp, e, level, elo, txn_invalidate_leaf, op->tx);
        *entry = 0;
        txn_tables_changed(op->tx, elo);
        return PT_OK;
    }
    uint64_t *child = space_table(op->sp, e & PTE_ADDR, level - 1, elo);
    if (op->kind == EDIT_PROTECT)
        txn_open_table_entry(op->tx, entry, child, elo);
    enum pt_error err = edit_table(op, child, 0, level - 1, elo, pte_restrict(path, e));
    if (err == PT_OK && op->kind == EDIT_UNMAP && table_empty(child)) {
        op->sp->env->free_frame(op->sp->env->frame_ctx, e & PTE_ADDR);
        *entry = 0;
        txn_tables_changed(op->tx, elo);
    }
    return err;
}

/* The walker. In the dry run an entry wholly inside the range needs no frame, however
 * much lies below it: nothing there is split. */
static enum pt_error edit_table(struct edit_op *op, uint64_t *t, uint64_t split, int level,
                                uint64_t base, uint64_t path)
{
    struct range_at_level at = range_at_level(op->r, base, level);
    uint64_t piece0 = t ? 0 : pte_first_piece(split, level);
    for (unsigned i = at.first; i <= at.last; i++) {
        uint64_t piece = piece0 + i * at.span; /* stands in for t[i] where t is not made yet */
        uint64_t *entry = t ? &t[i] : &piece;
        uint64_t e = *entry;
        bool whole = entry_whole(&at, i);
        if (!pte_present(e) || (whole && edit_dry(op)))
            continue;
        uint64_t elo = entry_lo(&at, i);
        enum pt_error err = pte_is_leaf(e, level)
                                ? edit_leaf(op, entry, e, level, elo, whole, path)
                                : edit_below_table(op, entry, e, level, elo, whole, path);
        if (err != PT_OK)
            return err;
    }
    return PT_OK;
}

static enum pt_error edit_run(struct pt_space *sp, enum edit_kind kind, uint64_t va, uint64_t len,
                              pt_attr attr)
{
    struct txn tx;
    struct edit_op op = {.sp = sp, .kind = kind, .attr = attr, .tx = &tx};
    enum pt_error err = range_from_va(sp, va, len, &op.r);
    if (err == PT_OK && kind == EDIT_PROTECT)
        err = attr_validate(&sp->env->cpu, attr);
    if (err != PT_OK)
        return err;
    uint64_t *root = space_root(sp);
    txn_begin(&tx, sp, true);
    err = edit_table(&op, root, 0, sp->levels, 0, PTE_PATH_OPEN);
    if (err != PT_OK)
        return err;
    err = txn_reserve(&tx, op.r);
    if (err != PT_OK)
        return err;
    err = edit_table(&op, root, 0, sp->levels, 0, PTE_PATH_OPEN);
    txn_finish(&tx);
    return err;
}

enum pt_error pt_unmap(struct pt_space *sp, uint64_t va, uint64_t len)
{
    return edit_run(sp, EDIT_UNMAP, va, len, 0);
}

enum pt_error pt_protect(struct pt_space *sp, uint64_t va, uint64_t len, pt_attr attr)
{
    return edit_run(sp, EDIT_PROTECT, va, len, attr);
}
