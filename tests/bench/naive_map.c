/* Per-page baseline mapper: see naive_map.h. */
#include "naive_map.h"

#define P    1ull
#define RW   2ull
#define PS   0x80ull
#define ADDR 0x000ffffffffff000ull

static uint64_t naive_map_one(struct bench_mem *m, uint64_t root, uint64_t va, uint64_t pa,
                              int leaf_level)
{
    uint64_t made = 0, table = root;
    for (int level = 4; level > leaf_level; level--) {
        uint64_t *e = (uint64_t *)(uintptr_t)table + ((va >> (12 + 9 * (level - 1))) & 511);
        if (!(*e & P)) {
            uint64_t frame;
            bench_zeroed_frame(m, &frame);
            *e = frame | P | RW;
            made++;
        }
        table = *e & ADDR;
    }
    uint64_t *leaf = (uint64_t *)(uintptr_t)table + ((va >> (12 + 9 * (leaf_level - 1))) & 511);
    *leaf = pa | P | RW | (leaf_level > 1 ? PS : 0);
    return made;
}

uint64_t naive_map(struct bench_mem *m, uint64_t root, uint64_t va, uint64_t pa, uint64_t len,
                   uint64_t page)
{
    int leaf_level = page == PT_PAGE_1G ? 3 : page == PT_PAGE_2M ? 2 : 1;
    uint64_t made = 0;
    for (uint64_t off = 0; off < len; off += page)
        made += naive_map_one(m, root, va + off, pa + off, leaf_level);
    return made;
}
