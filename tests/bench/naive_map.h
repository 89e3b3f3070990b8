/* The per-page baseline: one page at a time, each walked down from the root, tables made
 * on the way (how a Mapper's map_to is used in a loop). Independent of the library. */
#ifndef NAIVE_MAP_H
#define NAIVE_MAP_H

#include "bench_env.h"

/* Maps [va, va+len) to [pa, pa+len) with pages of `page` bytes; returns tables made. */
uint64_t naive_map(struct bench_mem *m, uint64_t root, uint64_t va, uint64_t pa, uint64_t len,
                   uint64_t page);

#endif
