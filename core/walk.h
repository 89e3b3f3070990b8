/*
 * The read walker, shared by the readers in walk.c (pt_walk, pt_stats) and the checks of a
 * hierarchy in check.c (pt_import, pt_check): one traversal, so what is checked is what is
 * read.
 */
#ifndef PT_WALK_H
#define PT_WALK_H

#include "space.h"

struct visit {
    const struct pt_space *sp;
    struct lin_range r;
    bool validate;
    struct pt_seen *seen;
    struct pt_fault *fault;
    pt_run_fn fn;
    void *ctx;
    struct pt_run run;
    struct pt_stats *stats;
};

/* Every linear address of the hierarchy. */
struct lin_range visit_whole(const struct pt_space *sp);

/* Walks v->r from the root, handing runs to v->fn; with v->validate each entry is checked
 * and the first bad one recorded in v->fault. */
enum pt_error visit_all(struct visit *v);

/* Records a bad entry in v->fault (when given) and returns `err`. */
enum pt_error visit_fault(struct visit *v, enum pt_error err, int level, uint64_t lin,
                          uint64_t table, unsigned index, uint64_t e);

#endif
