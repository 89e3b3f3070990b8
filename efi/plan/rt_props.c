/* EFI_RT_PROPERTIES_TABLE: see rt_props.h. */
#include "rt_props.h"

#include "le.h"
/* Version (UINT16), Length (UINT16), RuntimeServicesSupported (UINT32), little-endian. */
enum plan_error rt_props_parse(const void *table, uint32_t *supported)
{
    const uint8_t *b = table;
    uint64_t version = le_read(b, 2), length = le_read(b + 2, 2);
    *supported = RT_SUPPORTS_ALL;
    if (version != 1)
        return PLAN_ERR_RT_PROPS_VERSION;
    if (length < 8)
        return PLAN_ERR_RT_PROPS_LENGTH;
    *supported = (uint32_t)le_read(b + 4, 4);
    return PLAN_OK;
}
