/* EFI_RT_PROPERTIES_TABLE: see rt_props.h. */
#include "rt_props.h"

#include "le.h"

/* Version (UINT16), Length (UINT16), RuntimeServicesSupported (UINT32), little-endian. */
enum rt_props_status rt_props_parse(const void *table, uint32_t *supported)
{
    const uint8_t *b = table;
    uint64_t version = le_read(b, 2), length = le_read(b + 2, 2);
    *supported = RT_SUPPORTS_ALL;
    if (version != 1)
        return RT_PROPS_VERSION;
    if (length < 8)
        return RT_PROPS_LENGTH;
    *supported = (uint32_t)le_read(b + 4, 4);
    return RT_PROPS_OK;
}

const char *rt_props_status_message(enum rt_props_status st)
{
    switch (st) {
    case RT_PROPS_OK:
        return "runtime properties understood";
    case RT_PROPS_VERSION:
        return "EFI_RT_PROPERTIES_TABLE of an unknown version: every service assumed";
    case RT_PROPS_LENGTH:
        return "EFI_RT_PROPERTIES_TABLE shorter than 8 bytes: every service assumed";
    }
    return "unknown runtime properties status";
}
