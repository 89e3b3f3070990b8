/* The one reader of little-endian fields in firmware bytes. Tables, descriptors and device
 * path nodes may sit at any byte offset (a DescriptorSize that is not a multiple of 8, a
 * packed structure), so every field is read a byte at a time. */
#ifndef PLAN_LE_H
#define PLAN_LE_H

#include <stddef.h>
#include <stdint.h>

/* The unsigned value of the `bytes` bytes at p (1 to 8), least significant first. */
static inline uint64_t le_read(const uint8_t *p, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = bytes; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

#endif
