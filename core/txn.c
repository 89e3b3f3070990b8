/* Frame reserve and TLB batching for changes to a hierarchy. */
#include "txn.h"

void txn_begin(struct txn *tx, const struct pt_space *sp, bool dry_run)
{
    tx->sp = sp;
    tx->dry_run = dry_run;
    tx->need = 0;
    tx->inline_count = 0;
    tx->list_head = 0;
    tx->list_fill = 0;
    tx->list_count = 0;
    tx->taken = 0;
    tx->flush_count = 0;
    tx->flush_everything = false;
    tx->tables_changed = false;
    tx->tables_lin = 0;
    tx->stash_count = 0;
    tx->stash_fill = 0;
}

static void flush_now(const struct pt_env *env, uint64_t va)
{
    if (env->flush_page)
        env->flush_page(env->flush_ctx, va);
}

static uint64_t *root_table(const struct pt_space *sp)
{
    return space_root(sp);
}

/* Linear address of the first byte top-table entry k covers. */
static uint64_t top_entry_lin(const struct pt_space *sp, unsigned k)
{
    return (uint64_t)k * space_top_span(sp);
}

/* Recursive mode: a frame linked at top-table entry k is seen through the slot as that
 * entry's next-level table, whatever it will be: a 4 KiB window onto it at this address. */
static uint64_t top_window_va(const struct pt_space *sp, unsigned k)
{
    return pt_recursive_table_va_at(sp->levels, (unsigned)sp->recursive_slot, sp->levels - 1,
                                    space_canonical(sp, top_entry_lin(sp, k)));
}

static uint64_t *top_window(const struct pt_space *sp, unsigned k)
{
    return space_table(sp, 0, sp->levels - 1, top_entry_lin(sp, k));
}

/* Links frame pa at the free top-table entry k, to be written through top_window. */
static void top_window_open(const struct pt_space *sp, unsigned k, uint64_t pa)
{
    root_table(sp)[k] = pa | PTE_TABLE;
    flush_now(sp->env, top_window_va(sp, k));
}

/* Unlinks top-table entry k again; INVLPG of the window also drops cached upper-level
 * entries. */
static void top_window_close(const struct pt_space *sp, unsigned k)
{
    root_table(sp)[k] = 0;
    flush_now(sp->env, top_window_va(sp, k));
    flush_now(sp->env, space_canonical(sp, top_entry_lin(sp, k)));
}

static bool stash_open(struct txn *tx, uint64_t pa, struct lin_range touched)
{
    uint64_t *top = root_table(tx->sp);
    uint64_t span = space_top_span(tx->sp);
    unsigned first = (unsigned)(touched.lo / span), last = (unsigned)((touched.hi - 1) / span);
    if (tx->stash_count == TXN_STASHES)
        return false;
    for (unsigned k = 0; k < PT_ENTRIES; k++) {
        if (pte_present(top[k]) || (k >= first && k <= last))
            continue;
        top_window_open(tx->sp, k, pa);
        tx->stash_k[tx->stash_count++] = k;
        tx->stash_fill = 0;
        return true;
    }
    return false;
}

/* The last listed frame, or, once the last stash frame is empty, that frame itself. Every
 * word handed over is zero again. Frame addresses have bit 0 clear: while listed, they are
 * not-present entries to the CPU. */
static uint64_t stash_pop(struct txn *tx)
{
    unsigned k = tx->stash_k[tx->stash_count - 1];
    if (tx->stash_fill > 0) {
        uint64_t *w = top_window(tx->sp, k);
        uint64_t pa = w[--tx->stash_fill];
        w[tx->stash_fill] = 0;
        return pa;
    }
    uint64_t pa = root_table(tx->sp)[k] & PTE_ADDR;
    top_window_close(tx->sp, k);
    tx->stash_count--;
    tx->stash_fill = tx->stash_count ? PT_ENTRIES : 0;
    return pa;
}

/* Reachable frames beyond the inline ones are listed 511 to a list frame, whose last word
 * holds the previous list frame: reserving touches one frame in 512, not each. Every word
 * handed back is zero again. */
static void list_push(struct txn *tx, uint64_t pa)
{
    if (tx->list_head && tx->list_fill < PT_ENTRIES - 1) {
        space_frame(tx->sp, tx->list_head)[tx->list_fill++] = pa;
    } else {
        space_frame(tx->sp, pa)[PT_ENTRIES - 1] = tx->list_head;
        tx->list_head = pa;
        tx->list_fill = 0;
    }
    tx->list_count++;
}

static uint64_t list_pop(struct txn *tx)
{
    uint64_t *w = space_frame(tx->sp, tx->list_head);
    uint64_t pa = tx->list_head;
    tx->list_count--;
    if (tx->list_fill > 0) {
        pa = w[--tx->list_fill];
        w[tx->list_fill] = 0;
        return pa;
    }
    tx->list_head = w[PT_ENTRIES - 1];
    w[PT_ENTRIES - 1] = 0;
    tx->list_fill = tx->list_head ? PT_ENTRIES - 1 : 0;
    return pa;
}

static void release_unused(struct txn *tx)
{
    const struct pt_env *env = tx->sp->env;
    while (tx->stash_count > 0)
        env->free_frame(env->frame_ctx, stash_pop(tx));
    while (tx->inline_count > 0)
        env->free_frame(env->frame_ctx, tx->inline_frames[--tx->inline_count]);
    while (tx->list_count > 0)
        env->free_frame(env->frame_ctx, list_pop(tx));
}

void txn_count(struct txn *tx, uint64_t frames)
{
    tx->need += frames;
}

enum pt_error txn_reserve(struct txn *tx, struct lin_range touched)
{
    const struct pt_env *env = tx->sp->env;
    uint64_t frames = tx->need;
    tx->dry_run = false;
    /* Through the slot a new table is reachable only once linked, so it must already be
     * clear when it is: frames that may hold anything cannot be used. */
    if (frames > 0 && env->table_recursive && !env->frames_zeroed)
        return PT_ERR_UNREACHABLE;
    bool reachable = space_frame(tx->sp, tx->sp->root) != NULL;
    for (uint64_t i = 0; i < frames; i++) {
        uint64_t pa;
        if (!env->alloc_frame(env->frame_ctx, &pa)) {
            release_unused(tx);
            return PT_ERR_NO_FRAMES;
        }
        if (tx->inline_count < TXN_INLINE_FRAMES) {
            tx->inline_frames[tx->inline_count++] = pa;
        } else if (reachable) {
            list_push(tx, pa);
        } else if (tx->stash_count > 0 && tx->stash_fill < PT_ENTRIES) {
            top_window(tx->sp, tx->stash_k[tx->stash_count - 1])[tx->stash_fill++] = pa;
        } else if (!stash_open(tx, pa, touched)) {
            env->free_frame(env->frame_ctx, pa);
            release_unused(tx);
            return PT_ERR_UNREACHABLE;
        }
    }
    return PT_OK;
}

/* False, taking nothing, when the reservation is used up: the dry run counted short, a
 * library fault that must surface as PT_ERR_RESERVE_SHORT rather than as a frame made up. */
static bool take_frame(struct txn *tx, uint64_t *pa)
{
    if (tx->stash_count > 0)
        *pa = stash_pop(tx);
    else if (tx->list_count > 0)
        *pa = list_pop(tx);
    else if (tx->inline_count > 0)
        *pa = tx->inline_frames[--tx->inline_count];
    else
        return false;
    tx->taken++;
    return true;
}

static void fill_with_pieces(uint64_t *t, int child_level, uint64_t leaf)
{
    entries_write(t, pte_first_piece(leaf, child_level), pt_level_span(child_level), false);
}

/* Recursive mode, splitting a leaf that may be in use: the new table is first linked at a
 * free top-table entry, where the slot shows its frame as the next level's table whatever
 * level it will have, and filled there (an unused 512 GiB or 256 TiB range briefly reads
 * the copy); then it replaces the leaf in one store and leaves the top table. The leaf's
 * range never lacks a translation. False when the top table has no free entry: the caller
 * then links first and fills at once. */
static bool stage_in_free_top_entry(struct txn *tx, uint64_t *entry, int child_level, uint64_t link,
                                    uint64_t split_leaf)
{
    const struct pt_space *sp = tx->sp;
    uint64_t *top = root_table(sp);
    for (unsigned k = 0; k < PT_ENTRIES; k++) {
        if (pte_present(top[k]) || &top[k] == entry)
            continue;
        top_window_open(sp, k, link & PTE_ADDR);
        fill_with_pieces(top_window(sp, k), child_level, split_leaf);
        *entry = link;
        top_window_close(sp, k);
        return true;
    }
    return false;
}

uint64_t *txn_link_table(struct txn *tx, uint64_t *entry, int child_level, uint64_t lin,
                         uint64_t split_leaf)
{
    const struct pt_space *sp = tx->sp;
    const struct pt_env *env = sp->env;
    uint64_t pa;
    if (!take_frame(tx, &pa))
        return NULL;
    uint64_t link = pa | PTE_TABLE;
    if (!env->table_recursive) {
        /* Fill first, link second: no address is ever without its translation. */
        uint64_t *t = space_table(sp, pa, child_level, lin);
        if (pte_present(split_leaf))
            fill_with_pieces(t, child_level, split_leaf);
        *entry = link;
        return t;
    }
    if (pte_present(split_leaf) &&
        stage_in_free_top_entry(tx, entry, child_level, link, split_leaf)) {
        flush_now(env, pt_recursive_table_va_at(sp->levels, (unsigned)sp->recursive_slot,
                                                child_level, space_canonical(sp, lin)));
        return space_table(sp, pa, child_level, lin);
    }
    /* Through the slot a table is reachable only once linked; its recursive address may
     * still be cached from what the entry held before. */
    *entry = link;
    if (env->flush_page)
        env->flush_page(env->flush_ctx,
                        pt_recursive_table_va_at(sp->levels, (unsigned)sp->recursive_slot,
                                                 child_level, space_canonical(sp, lin)));
    uint64_t *t = space_table(sp, pa, child_level, lin);
    if (pte_present(split_leaf))
        fill_with_pieces(t, child_level, split_leaf);
    return t;
}

enum pt_error txn_split_leaf(struct txn *tx, uint64_t *entry, int child_level, uint64_t lin,
                             uint64_t **table)
{
    if (tx->dry_run) {
        txn_count(tx, 1);
        *table = NULL;
        return PT_OK;
    }
    uint64_t *t = txn_link_table(tx, entry, child_level, lin, *entry);
    if (!t)
        return PT_ERR_RESERVE_SHORT;
    txn_invalidate(tx, lin); /* the leaf may sit in the TLB */
    *table = t;
    return PT_OK;
}

uint64_t *txn_table_unlinked(struct txn *tx, int child_level, uint64_t lin, uint64_t *pa)
{
    if (tx->sp->env->table_recursive || !take_frame(tx, pa))
        return NULL;
    return space_table(tx->sp, *pa, child_level, lin);
}

void txn_invalidate(struct txn *tx, uint64_t lin)
{
    const struct pt_env *env = tx->sp->env;
    if (!env->flush_page || tx->flush_everything)
        return;
    /* A split leaf and its first piece share an address: one flush covers both. */
    if (tx->flush_count > 0 && tx->flush_lin[tx->flush_count - 1] == lin)
        return;
    unsigned limit = env->flush_threshold < PT_FLUSH_MAX ? env->flush_threshold : PT_FLUSH_MAX;
    if (tx->flush_count < limit)
        tx->flush_lin[tx->flush_count++] = lin;
    else
        tx->flush_everything = true;
}

void txn_tables_changed(struct txn *tx, uint64_t lin)
{
    if (!tx->tables_changed) {
        tx->tables_changed = true;
        tx->tables_lin = lin;
    }
}

void txn_open_table_entry(struct txn *tx, uint64_t *entry, uint64_t *t, uint64_t lin)
{
    uint64_t above = *entry;
    if (!pte_table_restricts(above))
        return;
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        if (pte_present(t[i]))
            t[i] = pte_restrict(t[i], above);
    *entry = pte_table_opened(above);
    txn_tables_changed(tx, lin);
}

void txn_invalidate_leaf(void *tx, uint64_t lin, int level)
{
    (void)level; /* one invalidation covers a leaf of any size */
    txn_invalidate(tx, lin);
}

void txn_finish(struct txn *tx)
{
    const struct pt_env *env = tx->sp->env;
    if (tx->tables_changed && tx->flush_count == 0)
        txn_invalidate(tx, tx->tables_lin);
    if (tx->flush_everything && env->flush_all)
        env->flush_all(env->flush_ctx);
    else if (env->flush_page)
        for (unsigned i = 0; i < tx->flush_count; i++)
            env->flush_page(env->flush_ctx, space_canonical(tx->sp, tx->flush_lin[i]));
    release_unused(tx);
}
