/* Report file names: see fleet_name.h. */
#include "fleet_name.h"

#include <stdbool.h>

static bool safe(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static void put_dec(char *out, size_t *pos, unsigned v, int digits)
{
    for (int i = digits - 1; i >= 0; i--) {
        out[*pos + (size_t)i] = (char)('0' + v % 10);
        v /= 10;
    }
    *pos += (size_t)digits;
}

void fleet_name(char out[FLEET_NAME_SIZE], const struct fleet_time *t, const char *product,
                unsigned attempt)
{
    size_t pos = 0;
    bool valid = t->year >= 1970 && t->year <= 9999 && t->month >= 1 && t->month <= 12 &&
                 t->day >= 1 && t->day <= 31 && t->hour < 24 && t->minute < 60 && t->second < 61;
    put_dec(out, &pos, valid ? t->year : 0, 4);
    put_dec(out, &pos, valid ? t->month : 0, 2);
    put_dec(out, &pos, valid ? t->day : 0, 2);
    out[pos++] = '-';
    put_dec(out, &pos, valid ? t->hour : 0, 2);
    put_dec(out, &pos, valid ? t->minute : 0, 2);
    put_dec(out, &pos, valid ? t->second : 0, 2);
    out[pos++] = '-';
    /* Runs of other characters become one '-'; none leads or trails. */
    size_t start = pos;
    bool gap = false;
    for (const char *p = product ? product : ""; *p && pos - start < FLEET_PRODUCT_MAX; p++) {
        if (!safe(*p) || *p == '-') {
            gap = pos > start;
            continue;
        }
        if (gap && pos - start + 1 < FLEET_PRODUCT_MAX)
            out[pos++] = '-';
        gap = false;
        out[pos++] = *p;
    }
    if (pos == start)
        for (const char *u = "unknown"; *u; u++)
            out[pos++] = *u;
    if (attempt > 1) {
        out[pos++] = '-';
        unsigned digits = 1;
        for (unsigned v = attempt; v >= 10; v /= 10)
            digits++;
        put_dec(out, &pos, attempt, (int)digits);
    }
    for (const char *e = ".txt"; *e; e++)
        out[pos++] = *e;
    out[pos] = '\0';
}
