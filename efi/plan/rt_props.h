/* Reading the firmware's EFI_RT_PROPERTIES_TABLE (UEFI 2.8) from raw bytes, with no UEFI
 * types so host tests cover hostile input: which runtime services still work after
 * ExitBootServices. A firmware without the table supports them all. */
#ifndef EFI_RT_PROPS_H
#define EFI_RT_PROPS_H

#include "plan_error.h"

#include <stdint.h>

#define RT_SUPPORTS_GET_TIME     0x0001u
#define RT_SUPPORTS_GET_VARIABLE 0x0010u
#define RT_SUPPORTS_RESET_SYSTEM 0x0400u
#define RT_SUPPORTS_ALL          0x3fffu

/* The table's RuntimeServicesSupported mask; on an error, RT_SUPPORTS_ALL. */
enum plan_error rt_props_parse(const void *table, uint32_t *supported);

#endif
