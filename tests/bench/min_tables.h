/* The fewest tables any hierarchy needs to map [va, va+len) with leaves no larger than
 * `largest` bytes, VA and PA equally aligned: a closed form, independent of the library. */
#ifndef MIN_TABLES_H
#define MIN_TABLES_H

#include <stdint.h>

uint64_t min_tables(uint64_t va, uint64_t len, uint64_t largest);

#endif
