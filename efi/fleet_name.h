/* The name of one boot's report on a stick that collects a fleet:
 * "<yyyymmdd>-<hhmmss>-<product>.txt", or "...-<product>-<n>.txt" when that name is taken.
 * Only A-Z a-z 0-9 '-' '_': safe on FAT's long names and readable in any shell. */
#ifndef EFI_FLEET_NAME_H
#define EFI_FLEET_NAME_H

#include <stddef.h>
#include <stdint.h>

#define FLEET_PRODUCT_MAX 40u /* characters of the product kept in a name */
#define FLEET_NAME_SIZE   80u /* room for any name fleet_name makes, and its NUL */
#define FLEET_DIR         "pagetk"

struct fleet_time {
    unsigned year, month, day, hour, minute, second;
};

/* Writes the name for `attempt` (1: no suffix; 2 and on: "-<attempt>"). A date out of range
 * is written as 00000000-000000; a product with nothing usable as "unknown". */
void fleet_name(char out[FLEET_NAME_SIZE], const struct fleet_time *t, const char *product,
                unsigned attempt);

#endif
