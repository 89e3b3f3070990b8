/* Floors: see floors.h. The empty asm with a memory clobber after each makes the stores
 * observable, so the compiler can neither drop them nor merge calls. */
#include "floors.h"

#include <string.h>

__attribute__((noinline, aligned(64))) void floor_memset(void *base, uint64_t bytes)
{
    memset(base, 0, bytes);
    __asm__ volatile("" : : "r"(base) : "memory");
}

/* Two entries a 16-byte store, as fast as a plain loop of ordinary stores goes without
 * assuming a vector width beyond the x86-64 baseline; the tables' entries are 16-byte
 * aligned in pairs since a table is a 4 KiB frame. */
typedef uint64_t entry_pair __attribute__((vector_size(16), may_alias));

__attribute__((noinline, aligned(64))) void floor_store(uint64_t *e, uint64_t entries)
{
    entry_pair v = {3, 0x1000 | 3};
    const entry_pair step = {0x2000, 0x2000};
    uint64_t i = 0;
    for (; i + 2 <= entries; i += 2, v += step)
        *(entry_pair *)&e[i] = v;
    if (i < entries)
        e[i] = (i << 12) | 3;
    __asm__ volatile("" : : "r"(e) : "memory");
}

__attribute__((noinline, aligned(64))) uint64_t floor_read(const uint64_t *e, uint64_t entries)
{
    entry_pair acc = {0, 0};
    uint64_t i = 0;
    for (; i + 2 <= entries; i += 2)
        acc += *(const entry_pair *)&e[i];
    uint64_t sum = acc[0] + acc[1];
    if (i < entries)
        sum += e[i];
    return sum;
}
