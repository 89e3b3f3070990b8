/* The floors ratios are measured against: the least work that writes the bytes of a set of
 * tables. Each is its own function, aligned and never inlined, so its speed does not depend
 * on where the code around a call site happens to fall. */
#ifndef BENCH_FLOORS_H
#define BENCH_FLOORS_H

#include <stdint.h>

/* One memset of `bytes` bytes at `base`. */
void floor_memset(void *base, uint64_t bytes);
/* Each of `entries` entries at `e` (16-byte aligned) written once by a plain loop. */
void floor_store(uint64_t *e, uint64_t entries);
/* Each of `entries` entries at `e` (16-byte aligned) read once, two a 16-byte load; their
 * sum, which the caller keeps so the loads cannot be dropped. */
uint64_t floor_read(const uint64_t *e, uint64_t entries);

#endif
