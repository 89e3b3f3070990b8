/* Mapping a region: greedy tiling with 1 GiB, 2 MiB and 4 KiB leaves, one pass per table. */
#include "txn.h"

struct map_op {
    const struct pt_space *sp;
    struct lin_range r;
    uint64_t delta; /* pa = lin + delta (mod 2^64) */
    uint64_t leaf_bits[4];
    bool replace;
    bool stream;   /* new tables of leaves are written with non-temporal stores */
    bool streamed; /* non-temporal stores not yet fenced */
    struct pt_map_stats stats;
    struct txn *tx;
};

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

/* Writes leaves of `level` for the whole entries i0..i1. Locals only in the loop: a store
 * to t[] may alias any uint64_t the compiler would otherwise have to reload. */
static void map_leaves(struct map_op *op, uint64_t *t, int level, unsigned i0, unsigned i1,
                       uint64_t lo, bool fresh)
{
    uint64_t span = pt_level_span(level);
    uint64_t e = ((lo + op->delta) & PTE_ADDR) | op->leaf_bits[level];
    if (fresh && i0 == 0 && i1 == PT_ENTRIES - 1) {
        entries_write(t, e, span, op->stream);
        op->streamed |= op->stream;
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

/* Orders the non-temporal stores made so far before any store that follows. A fence waits
 * for every pending store, so there is one only where something was streamed. */
static void map_fence(struct map_op *op)
{
    if (op->streamed)
        entries_streamed();
    op->streamed = false;
}

/* ---- one walker for both passes ---------------------------------------------------------
 * The dry run writes nothing: it finds conflicts, and its transaction counts the frames
 * the apply pass takes at the same points of the same code. A table a split would
 * make does not exist in the dry run: it reads as the leaf's pieces (t NULL, `split`). */

static enum pt_error map_table(struct map_op *op, uint64_t *t, uint64_t split, int level,
                               uint64_t base, bool fresh);

static bool map_dry(const struct map_op *op)
{
    return op->tx->dry_run;
}

/* Entry i as the walk finds it: zero in a fresh table, and in one a split would make, the
 * piece i pages past `piece0`. */
static uint64_t map_entry(const uint64_t *t, uint64_t piece0, int level, unsigned i, bool fresh)
{
    if (fresh)
        return 0;
    return t ? t[i] : piece0 + i * pt_level_span(level);
}

/* Whole entries i0..i1 become leaves of `level`. The dry run refuses a mapping in the way;
 * the apply pass writes them. */
static enum pt_error map_leaf_run(struct map_op *op, uint64_t *t, uint64_t piece0, int level,
                                  unsigned i0, unsigned i1, uint64_t lo, bool fresh)
{
    if (!map_dry(op)) {
        map_leaves(op, t, level, i0, i1, lo, fresh);
        return PT_OK;
    }
    for (unsigned i = i0; i <= i1 && !op->replace; i++) {
        uint64_t e = map_entry(t, piece0, level, i, fresh);
        uint64_t elo = lo + (uint64_t)(i - i0) * pt_level_span(level);
        if (pte_present(e) && (pte_is_leaf(e, level) || table_holds_leaf(op->sp, e, level, elo)))
            return PT_ERR_ALREADY_MAPPED;
    }
    return PT_OK;
}

/* Takes back a new table the apply pass could not finish, with all below it, and empties
 * `*entry` where it was linked (map_table cleared the entries it never wrote). */
static void map_undo_table(struct map_op *op, uint64_t *entry, uint64_t link, int child_level,
                           uint64_t elo)
{
    /* Leaves of a table never linked were never in the TLB. */
    space_free_below(op->sp, link, child_level + 1, elo, entry ? txn_invalidate_leaf : NULL,
                     op->tx);
    if (entry && *entry) {
        *entry = 0;
        txn_tables_changed(op->tx, elo);
    }
}

/* A new table below the empty `*entry`. Filled before it is linked where its frame can be
 * reached unlinked, so a live walker never sees it half-made, whatever the frame held;
 * through the slot it is linked first, and its frame arrived zeroed (txn_reserve). Either
 * way a table that cannot be finished goes again, and the entry stays empty. Below a new
 * table (`in_fresh`), itself not linked yet, the fence waits for the link of the topmost
 * new table: one fence a new subtree, not one a table. */
static enum pt_error map_new_table(struct map_op *op, uint64_t *entry, int child_level,
                                   struct lin_range part, uint64_t elo, bool in_fresh)
{
    if (map_dry(op)) {
        txn_count(op->tx, tables_below_empty(op, child_level + 1, part.lo, part.hi));
        return PT_OK;
    }
    uint64_t pa;
    uint64_t *child = txn_table_unlinked(op->tx, child_level, elo, &pa);
    if (child) {
        enum pt_error err = map_table(op, child, 0, child_level, elo, true);
        if (!in_fresh)
            map_fence(op); /* the subtree is whole before anything points at it */
        if (err != PT_OK) {
            map_undo_table(op, NULL, pa | PTE_TABLE, child_level, elo);
            return err;
        }
        *entry = pa | PTE_TABLE;
        return PT_OK;
    }
    child = txn_link_table(op->tx, entry, child_level, elo, 0);
    if (!child)
        return PT_ERR_RESERVE_SHORT;
    enum pt_error err = map_table(op, child, 0, child_level, elo, true);
    if (err != PT_OK)
        map_undo_table(op, entry, *entry, child_level, elo);
    return err;
}

/* The leaf `e` at `*entry` is split so part of it can be mapped anew (replace only). */
static enum pt_error map_split_leaf(struct map_op *op, uint64_t *entry, uint64_t e, int level,
                                    uint64_t elo)
{
    if (!op->replace)
        return PT_ERR_ALREADY_MAPPED;
    uint64_t *child;
    enum pt_error err = txn_split_leaf(op->tx, entry, level - 1, elo, &child);
    return err != PT_OK ? err : map_table(op, child, e, level - 1, elo, false);
}

/* Into the existing table `e` at `*entry`. Leaves written below get the rights asked,
 * whatever this entry withholds: its restriction moves down first. */
static enum pt_error map_into_table(struct map_op *op, uint64_t *entry, uint64_t e, int level,
                                    uint64_t elo)
{
    uint64_t *child = space_table(op->sp, e & PTE_ADDR, level - 1, elo);
    if (!map_dry(op))
        txn_open_table_entry(op->tx, entry, child, elo);
    return map_table(op, child, 0, level - 1, elo, false);
}

/* The part of the range below entry i that cannot be one leaf there. */
static enum pt_error map_below(struct map_op *op, uint64_t *t, uint64_t piece0, int level,
                               unsigned i, const struct range_at_level *at, bool fresh)
{
    uint64_t e = map_entry(t, piece0, level, i, fresh);
    uint64_t elo = entry_lo(at, i);
    uint64_t *entry = t ? &t[i] : NULL;
    if (!pte_present(e))
        return map_new_table(op, entry, level - 1, entry_part(at, i), elo, fresh);
    if (pte_is_leaf(e, level))
        return map_split_leaf(op, entry, e, level, elo);
    return map_into_table(op, entry, e, level, elo);
}

/* True when whole entry i of a new table becomes a new table of leaves one level down,
 * filled before it is linked: then so does every whole entry after it in the range. */
static bool map_leaf_table_fits(const struct map_op *op, int level, const struct range_at_level *at,
                                unsigned i)
{
    uint64_t lo = entry_lo(at, i);
    return level > PT_LEVEL_PT && !op->sp->env->table_recursive && entry_whole(at, i) &&
           greedy_leaf_fits(op, level - 1, lo, lo + pt_level_span(level - 1), lo);
}

/* Whole entries *i..last of a new table, each a new table of leaves one level down: the
 * bulk of a large map, in one loop, with the frames and entries map_below would make one
 * by one. The new table is not linked yet, so nothing is fenced here. On a short
 * reservation *i is the entry left empty. */
static enum pt_error map_leaf_tables(struct map_op *op, uint64_t *t, int level, unsigned *i,
                                     unsigned last, uint64_t elo)
{
    const int child = level - 1;
    const uint64_t span = pt_level_span(level), child_span = pt_level_span(child);
    uint64_t e = ((elo + op->delta) & PTE_ADDR) | op->leaf_bits[child];
    for (unsigned k = *i; k <= last; k++, elo += span, e += span) {
        uint64_t pa;
        uint64_t *c = txn_table_unlinked(op->tx, child, elo, &pa);
        if (!c) {
            *i = k;
            return PT_ERR_RESERVE_SHORT;
        }
        entries_write(c, e, child_span, op->stream);
        t[k] = pa | PTE_TABLE;
    }
    op->streamed |= op->stream;
    op->stats.leaves[child - 1] += (uint64_t)(last - *i + 1) * PT_ENTRIES;
    *i = last;
    return PT_OK;
}

/* The walker. `fresh` tables are new: every entry in the range is written here, and the
 * others are zero (cleared here when frames do not arrive zeroed). */
static enum pt_error map_table(struct map_op *op, uint64_t *t, uint64_t split, int level,
                               uint64_t base, bool fresh)
{
    struct range_at_level at = range_at_level(op->r, base, level);
    uint64_t piece0 = t ? 0 : pte_first_piece(split, level);
    unsigned i = at.first;
    if (fresh && !op->sp->env->frames_zeroed) {
        space_clear(t, 0, at.first);
        space_clear(t, at.last + 1, PT_ENTRIES);
    }
    while (i <= at.last) {
        struct lin_range part = entry_part(&at, i);
        enum pt_error err;
        if (greedy_leaf_fits(op, level, part.lo, part.hi, entry_lo(&at, i))) {
            /* Every whole entry up to the last one fits too: VA and PA step together. */
            unsigned run_end = entry_whole(&at, at.last) ? at.last : at.last - 1;
            err = map_leaf_run(op, t, piece0, level, i, run_end, part.lo, fresh);
            i = run_end;
        } else if (fresh && map_leaf_table_fits(op, level, &at, i)) {
            unsigned run_end = entry_whole(&at, at.last) ? at.last : at.last - 1;
            err = map_leaf_tables(op, t, level, &i, run_end, entry_lo(&at, i));
        } else {
            err = map_below(op, t, piece0, level, i, &at, fresh);
        }
        if (err != PT_OK) {
            if (fresh)
                space_clear(t, i, at.last + 1); /* never written: nothing to take back */
            return err;
        }
        i++;
    }
    return PT_OK;
}

/* Non-temporal stores pay only when the new tables would not stay in the cache anyway:
 * more bytes than half the last-level cache. Smaller, they stay cached for the walks
 * that follow, and ordinary stores write them faster. */
static bool map_streams(const struct pt_cpu *cpu, uint64_t frames)
{
    uint64_t cache = cpu->llc_bytes ? cpu->llc_bytes : PT_LLC_UNKNOWN;
    return frames * PT_PAGE_4K > cache / 2;
}

/* Checks the request and runs the dry run in `tx`. */
static enum pt_error map_prepare(const struct pt_space *sp, uint64_t va, uint64_t pa, uint64_t len,
                                 pt_attr attr, unsigned flags, struct map_op *op, struct txn *tx)
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
    op->stream = false;
    op->streamed = false;
    op->stats = (struct pt_map_stats){{0}, 0};
    op->tx = tx;
    txn_begin(tx, sp, true);
    return map_table(op, space_root(sp), 0, sp->levels, 0, false);
}

enum pt_error pt_map_region_cost(const struct pt_space *sp, uint64_t va, uint64_t pa, uint64_t len,
                                 pt_attr attr, unsigned flags, uint64_t *frames)
{
    struct map_op op;
    struct txn tx;
    enum pt_error err = map_prepare(sp, va, pa, len, attr, flags, &op, &tx);
    if (err == PT_OK)
        *frames = tx.need;
    return err;
}

enum pt_error pt_map_region(struct pt_space *sp, uint64_t va, uint64_t pa, uint64_t len,
                            pt_attr attr, unsigned flags, struct pt_map_stats *stats)
{
    struct map_op op;
    struct txn tx;
    enum pt_error err = map_prepare(sp, va, pa, len, attr, flags, &op, &tx);
    if (err != PT_OK)
        return err;
    err = txn_reserve(&tx, op.r);
    if (err != PT_OK)
        return err;
    op.stream = map_streams(&sp->env->cpu, tx.need);
    err = map_table(&op, space_root(sp), 0, sp->levels, 0, false);
    map_fence(&op); /* tables filled after they were linked (through the slot) */
    op.stats.tables = tx.taken;
    txn_finish(&tx);
    if (stats && err == PT_OK)
        *stats = op.stats;
    return err;
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
