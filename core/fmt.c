/* Bounded text formatting without libc, for dumps and reports. */
#include "pt.h"

void pt_fmt_str(char *buf, size_t size, size_t *pos, const char *s)
{
    if (size == 0)
        return;
    while (*s && *pos + 1 < size)
        buf[(*pos)++] = *s++;
    buf[*pos < size ? *pos : size - 1] = '\0';
}

void pt_fmt_hex(char *buf, size_t size, size_t *pos, uint64_t v, int min_digits)
{
    char tmp[19] = "0x";
    char digits[16];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v && n < 16);
    while (n < min_digits && n < 16)
        digits[n++] = '0';
    int k = 2;
    while (n > 0)
        tmp[k++] = digits[--n];
    tmp[k] = '\0';
    pt_fmt_str(buf, size, pos, tmp);
}

void pt_fmt_dec(char *buf, size_t size, size_t *pos, uint64_t v)
{
    char tmp[21];
    int k = 20;
    tmp[k] = '\0';
    do {
        tmp[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    pt_fmt_str(buf, size, pos, tmp + k);
}

void pt_fmt_size(char *buf, size_t size, size_t *pos, uint64_t bytes)
{
    static const char units[] = "KMGTPE";
    uint64_t v = bytes >> 10;
    int u = 0;
    while (u < 5 && v >= 1024 && (v & 1023) == 0) {
        v >>= 10;
        u++;
    }
    if (bytes & 1023) { /* not a whole KiB: plain bytes */
        pt_fmt_dec(buf, size, pos, bytes);
        pt_fmt_str(buf, size, pos, "B");
        return;
    }
    pt_fmt_dec(buf, size, pos, v);
    char unit[2] = {units[u], '\0'};
    pt_fmt_str(buf, size, pos, unit);
}

const char *pt_memtype_name(enum pt_memtype mt)
{
    switch (mt) {
    case PT_MT_UC:
        return "UC";
    case PT_MT_WC:
        return "WC";
    case PT_MT_WT:
        return "WT";
    case PT_MT_WP:
        return "WP";
    case PT_MT_WB:
        return "WB";
    case PT_MT_UCMINUS:
        return "UC-";
    }
    return "??";
}
