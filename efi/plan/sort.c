/* The planner's one sort, for memory-map ranges and plan regions alike. */
#include "sort.h"

#include <stdint.h>

static void swap_bytes(uint8_t *a, uint8_t *b, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        uint8_t t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

/* Heapsort: no allocation, O(n log n) even for tens of thousands of descriptors. */
static void sift_down(uint8_t *base, size_t size, size_t root, size_t n,
                      bool (*before)(const void *, const void *))
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && before(base + child * size, base + (child + 1) * size))
            child++;
        if (!before(base + root * size, base + child * size))
            return;
        swap_bytes(base + root * size, base + child * size, size);
        root = child;
    }
}

void plan_sort(void *items, size_t n, size_t size, bool (*before)(const void *, const void *))
{
    uint8_t *base = items;
    for (size_t i = n / 2; i-- > 0;)
        sift_down(base, size, i, n, before);
    for (size_t end = n; end-- > 1;) {
        swap_bytes(base, base + end * size, size);
        sift_down(base, size, 0, end, before);
    }
}
