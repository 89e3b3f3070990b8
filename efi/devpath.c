/* Device paths: see devpath.h. */
#include "devpath.h"

#define TYPE_MESSAGING  0x03
#define SUBTYPE_UART    0x0e
#define TYPE_END        0x7f
#define SUBTYPE_END_ALL 0xff

bool devpath_has_uart(const uint8_t *path, size_t size)
{
    for (size_t pos = 0; pos + 4 <= size;) {
        uint8_t type = path[pos], subtype = path[pos + 1];
        size_t len = path[pos + 2] | (size_t)path[pos + 3] << 8;
        if (len < 4 || len > size - pos)
            return false;
        if (type == TYPE_MESSAGING && subtype == SUBTYPE_UART)
            return true;
        if (type == TYPE_END && subtype == SUBTYPE_END_ALL)
            return false;
        pos += len;
    }
    return false;
}
