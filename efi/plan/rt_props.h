/* Reading the firmware's EFI_RT_PROPERTIES_TABLE (UEFI 2.8) from raw bytes, with no UEFI
 * types so host tests cover hostile input: which runtime services still work after
 * ExitBootServices. A firmware without the table supports them all. */
#ifndef EFI_RT_PROPS_H
#define EFI_RT_PROPS_H

#include "status_text.h"

#include <stdint.h>

#define RT_SUPPORTS_GET_TIME     0x0001u
#define RT_SUPPORTS_GET_VARIABLE 0x0010u
#define RT_SUPPORTS_RESET_SYSTEM 0x0400u
#define RT_SUPPORTS_ALL          0x3fffu

enum rt_props_status {
    RT_PROPS_OK,
    RT_PROPS_VERSION, /* a Version other than 1 */
    RT_PROPS_LENGTH,  /* a Length below the table's 8 bytes */
    RT_PROPS_STATUS_COUNT
};

/* Its name ("RT_...") and a sentence saying what it means. */
const struct status_text *rt_props_status_text(enum rt_props_status st);
/* The table's RuntimeServicesSupported mask; on an error, RT_SUPPORTS_ALL. */
enum rt_props_status rt_props_parse(const void *table, uint32_t *supported);

#endif
