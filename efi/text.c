/* Bounded printf-style formatting. */
#include "text.h"

#include <stdbool.h>
#include <stdint.h>

struct out {
    char *buf;
    size_t size, pos;
};

static void put(struct out *o, char c)
{
    if (o->pos + 1 < o->size)
        o->buf[o->pos++] = c;
}

static void put_number(struct out *o, uint64_t v, unsigned base, bool negative, int width, char pad)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (negative)
        digits[n++] = '-';
    for (int i = n; i < width; i++)
        put(o, pad);
    while (n > 0)
        put(o, digits[--n]);
}

size_t text_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        p++;
        char pad = ' ';
        bool left = false;
        if (*p == '-') {
            left = true;
            p++;
        }
        if (*p == '0') {
            pad = '0';
            p++;
        }
        int width = 0;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        int longs = 0;
        while (*p == 'l') {
            longs++;
            p++;
        }
        switch (*p) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            int len = 0;
            for (const char *q = s; *q; q++)
                len++;
            for (int i = len; i < width && !left; i++)
                put(&o, ' ');
            while (*s)
                put(&o, *s++);
            for (int i = len; i < width && left; i++)
                put(&o, ' ');
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case 'd': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_number(&o, v < 0 ? (uint64_t)-v : (uint64_t)v, 10, v < 0, width, pad);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_number(&o, v, *p == 'u' ? 10 : 16, false, width, pad);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        default: /* unknown conversion: show it rather than guess */
            put(&o, '%');
            if (*p)
                put(&o, *p);
            else
                p--;
            break;
        }
    }
    if (o.size)
        o.buf[o.pos] = '\0';
    return o.pos;
}

size_t text_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = text_vformat(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
