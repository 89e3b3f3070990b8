/* Mapping a region: greedy tiling with 1 GiB, 2 MiB and 4 KiB leaves, one pass per table. */
#include "txn.h"

struct map_op {
    const struct pt_space *sp;
    struct lin_range r;
    uint64_t delta; /* pa = lin + delta (mod 2^64) */
    uint64_t leaf_bits[4];
    bool replace;
    bool streamed; /* non-temporal stores not yet fenced */
    uint64_t need; /* frames the apply pass will take */
    struct pt_map_stats stats;
    struct txn *tx;
};

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* The greedy rule: a leaf goes at `level` when the CPU allows a leaf there, the range
 * covers the entry's whole span, and the physical address is aligned to it. */
static bool greedy_leaf_fits(const struct map_op *op, int level, uint64_t lo, uint64_t hi,
                             uint64_t entry_lo)
{
    uint64_t span = pt_level_span(level);
    return level_allows_leaf(&op->sp->env->cpu, level) && lo == entry_lo && hi == entry_lo + span &&
           ((lo + op->delta) & (span - 1)) == 0;
}

static uint64_t blocks_touching(uint64_t lo, uint64_t hi, uint64_t size)
{
    return (((hi + size - 1) & ~(size - 1)) - (lo & ~(size - 1))) / size;
}

static uint64_t blocks_inside(uint64_t lo, uint64_t hi, uint64_t size)
{
    uint64_t first = (lo + size - 1) & ~(size - 1), end = hi & ~(size - 1);
    return end > first ? (end - first) / size : 0;
}

/* Tables needed below an empty entry at `level` whose part [lo, hi) needs a table:
 * that table, plus one for every entry further down that cannot be a leaf. */
static uint64_t tables_below_empty(const struct map_op *op, int level, uint64_t lo, uint64_t hi)
{
    uint64_t n = 1;
    for (int k = level - 1; k >= PT_LEVEL_PD; k--) {
        uint64_t span = pt_level_span(k);
        uint64_t leaves = 0;
        if (level_allows_leaf(&op->sp->env->cpu, k) && (op->delta & (span - 1)) == 0)
            leaves = blocks_inside(lo, hi, span);
        n += blocks_touching(lo, hi, span) - leaves;
    }
    return n;
}

/* True when the table entry `e` at `level` (covering `lin`) has a leaf anywhere below it.
 * A table holding no leaf maps nothing: a leaf may take its place. */
static bool table_holds_leaf(const struct pt_space *sp, uint64_t e, int level, uint64_t lin)
{
    const uint64_t *t = space_table(sp, e & PTE_ADDR, level - 1, lin);
    uint64_t span = pt_level_span(level - 1);
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        if (!pte_present(t[i]))
            continue;
        if (pte_is_leaf(t[i], level - 1) || table_holds_leaf(sp, t[i], level - 1, lin + i * span))
            return true;
    }
    return false;
}

/* The dry run: counts frames and finds conflicts, writing nothing. With `all_leaves`, t is
 * a table a split would make (every entry a leaf), which does not exist yet. */
static enum pt_error map_count(struct map_op *op, const uint64_t *t, bool all_leaves, int level,
                               uint64_t base)
{
    uint64_t span = pt_level_span(level);
    struct lin_range part = range_clip(op->r, base, level);
    uint64_t first = part.lo, last = part.hi;
    for (unsigned i = pt_index(first, level), end = pt_index(last - 1, level); i <= end; i++) {
        uint64_t elo = base + i * span;
        uint64_t lo = max_u64(first, elo), hi = min_u64(last, elo + span);
        uint64_t e = all_leaves ? PTE_P | PTE_PS : t[i];
        bool present = pte_present(e);
        if (greedy_leaf_fits(op, level, lo, hi, elo)) {
            if (present && !op->replace &&
                (all_leaves || pte_is_leaf(e, level) || table_holds_leaf(op->sp, e, level, elo)))
                return PT_ERR_ALREADY_MAPPED;
            continue;
        }
        enum pt_error err = PT_OK;
        if (!present) {
            op->need += tables_below_empty(op, level, lo, hi);
        } else if (pte_is_leaf(e, level)) {
            if (!op->replace)
                return PT_ERR_ALREADY_MAPPED;
            op->need++;
            err = map_count(op, NULL, true, level - 1, elo);
        } else {
            const uint64_t *child = space_table(op->sp, e & PTE_ADDR, level - 1, elo);
            err = map_count(op, child, false, level - 1, elo);
        }
        if (err != PT_OK)
            return err;
    }
    return PT_OK;
}

/* Writes leaves of `level` for the whole entries i0..i1. Locals only in the loop: a store
 * to t[] may alias any uint64_t the compiler would otherwise have to reload. */
static void map_leaves(struct map_op *op, uint64_t *t, int level, unsigned i0, unsigned i1,
                       uint64_t lo, bool fresh)
{
    uint64_t span = pt_level_span(level);
    uint64_t e = ((lo + op->delta) & PTE_ADDR) | op->leaf_bits[level];
    if (fresh && i0 == 0 && i1 == PT_ENTRIES - 1) {
        entries_write(t, e, span, true);
        op->streamed = true;
    } else if (fresh) {
        for (unsigned i = i0; i <= i1; i++, e += span)
            t[i] = e;
    } else {
        for (unsigned i = i0; i <= i1; i++, e += span) {
            uint64_t old = t[i];
            uint64_t elo = lo + (uint64_t)(i - i0) * span;
            /* Children are read before the entry changes: through the recursive slot they
             * are reachable only while linked. */
            if (pte_present(old)) {
                space_free_below(op->sp, old, level, elo, txn_invalidate_leaf, op->tx);
                if (!pte_is_leaf(old, level))
                    txn_tables_changed(op->tx, elo);
            }
            t[i] = e;
        }
    }
    op->stats.leaves[level - 1] += i1 - i0 + 1;
}

static void map_apply(struct map_op *op, uint64_t *t, int level, uint64_t base, bool fresh);

/* Orders the non-temporal stores made so far before any store that follows. A fence waits
 * for every pending store, so there is one only where something was streamed. */
static void map_fence(struct map_op *op)
{
    if (op->streamed)
        entries_streamed();
    op->streamed = false;
}

/* A new table below the empty `*entry`. Filled before it is linked where its frame can be
 * reached unlinked, so a live walker never sees it half-made, whatever the frame held;
 * through the slot it is linked first, and its frame arrived zeroed (txn_reserve). */
static void map_new_table(struct map_op *op, uint64_t *entry, int child_level, uint64_t elo)
{
    uint64_t pa;
    uint64_t *child = txn_table_unlinked(op->tx, child_level, elo, &pa);
    if (child) {
        map_apply(op, child, child_level, elo, true);
        map_fence(op); /* the table is whole before anything points at it */
        *entry = pa | PTE_TABLE;
        return;
    }
    map_apply(op, txn_link_table(op->tx, entry, child_level, elo, 0), child_level, elo, true);
}

/* The apply pass. `fresh` tables are new: every entry in the range is written here, and
 * the others are zero (cleared here when frames do not arrive zeroed). */
static void map_apply(struct map_op *op, uint64_t *t, int level, uint64_t base, bool fresh)
{
    uint64_t span = pt_level_span(level);
    struct lin_range part = range_clip(op->r, base, level);
    uint64_t first = part.lo, last = part.hi;
    unsigned i = pt_index(first, level), end = pt_index(last - 1, level);
    if (fresh && !op->sp->env->frames_zeroed) {
        space_clear(t, 0, i);
        space_clear(t, end + 1, PT_ENTRIES);
    }
    while (i <= end) {
        uint64_t elo = base + (uint64_t)i * span;
        uint64_t lo = max_u64(first, elo), hi = min_u64(last, elo + span);
        if (greedy_leaf_fits(op, level, lo, hi, elo)) {
            /* Every whole entry up to the last one fits too: VA and PA step together. */
            unsigned run_end = end;
            if (last < base + (uint64_t)(end + 1) * span)
                run_end = end - 1;
            map_leaves(op, t, level, i, run_end, lo, fresh);
            i = run_end + 1;
            continue;
        }
        uint64_t e = fresh ? 0 : t[i];
        uint64_t *child;
        if (!pte_present(e)) {
            map_new_table(op, &t[i], level - 1, elo);
        } else {
            if (pte_is_leaf(e, level)) {
                child = txn_link_table(op->tx, &t[i], level - 1, elo, e);
                txn_invalidate(op->tx, elo);
            } else {
                /* Leaves written below get the rights asked, whatever this entry withholds. */
                child = space_table(op->sp, e & PTE_ADDR, level - 1, elo);
                txn_open_table_entry(op->tx, &t[i], child, elo);
            }
            map_apply(op, child, level - 1, elo, false);
        }
        i++;
    }
}

static enum pt_error map_prepare(const struct pt_space *sp, uint64_t va, uint64_t pa, uint64_t len,
                                 pt_attr attr, unsigned flags, struct map_op *op)
{
    const struct pt_cpu *cpu = &sp->env->cpu;
    enum pt_error err = range_from_va(sp, va, len, &op->r);
    if (err != PT_OK)
        return err;
    if (pa & (PT_PAGE_4K - 1))
        return PT_ERR_MISALIGNED;
    uint64_t pa_limit = cpu->maxphyaddr >= 64 ? ~0ull : (1ull << cpu->maxphyaddr);
    if (pa >= pa_limit || len > pa_limit - pa)
        return PT_ERR_PA_TOO_WIDE;
    err = attr_validate(cpu, attr);
    if (err != PT_OK)
        return err;
    op->sp = sp;
    op->delta = pa - op->r.lo;
    for (int level = PT_LEVEL_PT; level <= PT_LEVEL_PDPT; level++)
        op->leaf_bits[level] = pte_leaf_bits(cpu, attr, level);
    op->replace = (flags & PT_MAP_REPLACE) != 0;
    op->streamed = false;
    op->need = 0;
    op->stats = (struct pt_map_stats){{0}, 0};
    op->tx = NULL;
    uint64_t *root = space_root(sp);
    return map_count(op, root, false, sp->levels, 0);
}

enum pt_error pt_map_region_cost(const struct pt_space *sp, uint64_t va, uint64_t pa, uint64_t len,
                                 pt_attr attr, unsigned flags, uint64_t *frames)
{
    struct map_op op;
    enum pt_error err = map_prepare(sp, va, pa, len, attr, flags, &op);
    if (err == PT_OK)
        *frames = op.need;
    return err;
}

enum pt_error pt_map_region(struct pt_space *sp, uint64_t va, uint64_t pa, uint64_t len,
                            pt_attr attr, unsigned flags, struct pt_map_stats *stats)
{
    struct map_op op;
    enum pt_error err = map_prepare(sp, va, pa, len, attr, flags, &op);
    if (err != PT_OK)
        return err;
    struct txn tx;
    txn_begin(&tx, sp);
    err = txn_reserve(&tx, op.need, op.r);
    if (err != PT_OK)
        return err;
    op.tx = &tx;
    map_apply(&op, space_root(sp), sp->levels, 0, false);
    map_fence(&op); /* tables filled after they were linked (through the slot) */
    op.stats.tables = tx.taken;
    txn_finish(&tx);
    if (stats)
        *stats = op.stats;
    return PT_OK;
}

enum pt_error pt_map_page(struct pt_space *sp, uint64_t va, uint64_t pa, enum pt_size size,
                          pt_attr attr, unsigned flags)
{
    if ((unsigned)size >= PT_SIZE_COUNT)
        return PT_ERR_BAD_LENGTH;
    if (size == PT_SIZE_1G && !sp->env->cpu.page_1g)
        return PT_ERR_SIZE_NOT_ALLOWED;
    uint64_t bytes = pt_size_bytes(size);
    if ((va | pa) & (bytes - 1))
        return PT_ERR_MISALIGNED;
    /* An aligned region of exactly one page of this size tiles into that one leaf. */
    return pt_map_region(sp, va, pa, bytes, attr, flags, NULL);
}
