/*
 * One change to a hierarchy as a transaction: frames are reserved before the first entry
 * is written (so the change cannot fail halfway), and TLB invalidations are batched until
 * the change is complete.
 */
#ifndef PT_TXN_H
#define PT_TXN_H

#include "space.h"

#define TXN_INLINE_FRAMES 64
#define TXN_STASHES       16 /* recursive mode: up to 64 + 16 * 512 frames a change */

struct txn {
    const struct pt_space *sp;
    /* A change walks twice, the same code each time: first as a dry run, which writes
     * nothing and counts in `need` the frames each take would take, then (txn_reserve) for
     * real. */
    bool dry_run;
    uint64_t need;
    uint64_t inline_frames[TXN_INLINE_FRAMES];
    unsigned inline_count;
    uint64_t list_head; /* further frames: the newest list frame (see list_push) */
    unsigned list_fill; /* addresses in it */
    uint64_t list_count;
    /* Recursive mode, where a free frame cannot be reached: further frames are listed in
     * stash frames, each linked at a free top-table entry outside the change's range. */
    unsigned stash_k[TXN_STASHES];    /* top-table index of each stash frame */
    unsigned stash_count, stash_fill; /* stash frames; addresses in the last one */
    uint64_t taken;
    uint64_t flush_lin[PT_FLUSH_MAX];
    unsigned flush_count;
    bool flush_everything;
    bool tables_changed; /* a table entry changed: paging-structure caches need a flush */
    uint64_t tables_lin;
};

/* Starts a change: with `dry_run`, its counting pass (txn_count, txn_split_leaf). */
void txn_begin(struct txn *tx, const struct pt_space *sp, bool dry_run);
/* In the dry run, counts `frames` frames the change will take. */
void txn_count(struct txn *tx, uint64_t frames);
/* Ends the dry run: obtains the frames it counted, or none at all (PT_ERR_NO_FRAMES,
 * PT_ERR_UNREACHABLE). The change will touch only `touched`, where no frame may be
 * stashed. */
enum pt_error txn_reserve(struct txn *tx, struct lin_range touched);
/* Makes a reserved frame the table that `*entry` (at child_level + 1, covering `lin`)
 * points to. With `split_leaf` present, the table is filled with the 512 pieces of that
 * leaf first, so every address keeps its translation. Returns the new table, or NULL,
 * writing nothing, when the reservation is used up (PT_ERR_RESERVE_SHORT). */
uint64_t *txn_link_table(struct txn *tx, uint64_t *entry, int child_level, uint64_t lin,
                         uint64_t split_leaf);
/* Splits the leaf `*entry` (at child_level + 1, covering `lin`) into a reserved frame's
 * table of its 512 pieces, which *table then points to; PT_ERR_RESERVE_SHORT, writing
 * nothing, when the reservation is used up. The dry run counts the frame and gives NULL:
 * the table does not exist yet, and its entries read as the leaf's pieces (pte_first_piece). */
enum pt_error txn_split_leaf(struct txn *tx, uint64_t *entry, int child_level, uint64_t lin,
                             uint64_t **table);
/* Where the access mode reaches a frame before it is linked (not through the slot), takes
 * a reserved frame and returns it as a table at child_level covering `lin`, to be filled
 * and then linked by the caller; NULL otherwise, taking nothing (also when the reservation
 * is used up: txn_link_table then says so). */
uint64_t *txn_table_unlinked(struct txn *tx, int child_level, uint64_t lin, uint64_t *pa);
/* Records that the translation of the entry covering `lin` changed. */
void txn_invalidate(struct txn *tx, uint64_t lin);
/* txn_invalidate as a leaf_visit_fn, for space_free_below with the txn as context. */
void txn_invalidate_leaf(void *tx, uint64_t lin, int level);
/* Records that a table entry covering `lin` changed or went (a table was freed, or a
 * restriction moved down): any single-page flush also drops the paging-structure caches,
 * so this costs one flush only when nothing else is flushed. */
void txn_tables_changed(struct txn *tx, uint64_t lin);
/* Moves the restriction of the table entry `*entry` (covering `lin`) down into every
 * entry of the table `t` it points to, then lets the entry grant everything: no effective
 * right changes, and leaves written below it afterwards get exactly their own rights. */
void txn_open_table_entry(struct txn *tx, uint64_t *entry, uint64_t *t, uint64_t lin);
/* Flushes what changed and returns reserved frames that were not used. */
void txn_finish(struct txn *tx);

#endif
