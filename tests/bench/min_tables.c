/* Closed-form table count: see min_tables.h. */
#include "min_tables.h"

/* Distinct aligned blocks of `size` bytes that [lo, hi) touches. */
static uint64_t touched(uint64_t lo, uint64_t hi, uint64_t size)
{
    return ((hi + size - 1) / size) - lo / size;
}

/* Aligned blocks of `size` bytes that lie wholly inside [lo, hi). */
static uint64_t inside(uint64_t lo, uint64_t hi, uint64_t size)
{
    uint64_t first = (lo + size - 1) / size, end = hi / size;
    return end > first ? end - first : 0;
}

uint64_t min_tables(uint64_t va, uint64_t len, uint64_t largest)
{
    uint64_t hi = va + len;
    /* A table of level k+1's span is needed for every block of that span the range
     * touches, unless the block is one leaf (whole, and leaves that large are allowed). */
    uint64_t span[5] = {0, 1ull << 12, 1ull << 21, 1ull << 30, 1ull << 39};
    uint64_t n = 1; /* the PML4 */
    for (int level = 4; level >= 2; level--) {
        uint64_t blocks = touched(va, hi, span[level]);
        uint64_t leaves = span[level] <= largest ? inside(va, hi, span[level]) : 0;
        n += blocks - leaves;
    }
    return n;
}
