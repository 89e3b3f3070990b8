/* EFI_RT_PROPERTIES_TABLE: see rt_props.h. */
#include "rt_props.h"

#include "le.h"
#include "status_text.h"

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

static const struct status_text statuses[RT_PROPS_STATUS_COUNT + 1] = {
    [RT_PROPS_OK] = {"RT_PROPS_OK", "runtime properties understood"},
    [RT_PROPS_VERSION] = {"RT_PROPS_VERSION",
                          "EFI_RT_PROPERTIES_TABLE of an unknown version: every service assumed"},
    [RT_PROPS_LENGTH] = {"RT_PROPS_LENGTH",
                         "EFI_RT_PROPERTIES_TABLE shorter than 8 bytes: every service assumed"},
    [RT_PROPS_STATUS_COUNT] = {"RT_PROPS_UNKNOWN", "unknown runtime properties status"},
};

const struct status_text *rt_props_status_text(enum rt_props_status st)
{
    return status_text(statuses, RT_PROPS_STATUS_COUNT, st);
}
