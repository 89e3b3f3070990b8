/* A plain reference model of a mapping: sorted, disjoint intervals va -> pa with
 * attributes. Slow and obvious on purpose: the fuzzer trusts it over the library. */
#ifndef INTERVAL_MODEL_H
#define INTERVAL_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define MODEL_CAPACITY 8192

struct interval {
    uint64_t va, len, pa;
    uint32_t attr;
};

struct interval_model {
    struct interval iv[MODEL_CAPACITY];
    int n;
};

void model_clear(struct interval_model *m);
bool model_lookup(const struct interval_model *m, uint64_t va, uint64_t *pa, uint32_t *attr);
bool model_overlaps(const struct interval_model *m, uint64_t va, uint64_t len);
/* Each returns false when the model ran out of room (the fuzzer then stops the input). */
bool model_unmap(struct interval_model *m, uint64_t va, uint64_t len);
bool model_map(struct interval_model *m, uint64_t va, uint64_t len, uint64_t pa, uint32_t attr);
bool model_protect(struct interval_model *m, uint64_t va, uint64_t len, uint32_t attr);
/* The rights of every interval in [va, va+len) narrowed: `clear` bits go, `set` come. */
bool model_restrict(struct interval_model *m, uint64_t va, uint64_t len, uint32_t clear,
                    uint32_t set);
uint64_t model_bytes(const struct interval_model *m);
/* Bytes mapped inside [lo, hi). */
uint64_t model_bytes_in(const struct interval_model *m, uint64_t lo, uint64_t hi);

#endif
