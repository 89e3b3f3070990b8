/* report_line: reading the app's report for the host tools; see report_line.h. */
#include "report_line.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pt.h"

/* ---- why a line is refused ---------------------------------------------------------------- */

/* One place that formats a refusal, so every parser can say exactly what it saw. */
bool line_refuse(struct line_error *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->text, sizeof why->text, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- reading lines ------------------------------------------------------------------------ */

/* The serial log carries the app's console: CRs, colour sequences and now and then a NUL
 * from the firmware. Both tools must see the same text the app meant to print, and the same
 * text as `sed 's/\x1b\[[^a-zA-Z]*[a-zA-Z]//g'` in the tests. */
size_t line_clean(char *s, size_t len)
{
    size_t out = 0;
    bool after_esc = false, in_sequence = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (after_esc) {
            after_esc = false;
            if (c == '[') {
                in_sequence = true;
                continue;
            }
        }
        if (in_sequence) { /* parameters until the final letter, which goes too */
            in_sequence = !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
            continue;
        }
        if (c == '\x1b') {
            after_esc = true;
            continue;
        }
        if (c == '\r' || c == '\n' || c == '\0')
            continue;
        s[out++] = c;
    }
    s[out] = '\0';
    return out;
}

void line_reader_init(struct line_reader *r, FILE *f)
{
    *r = (struct line_reader){.f = f};
}

/* Room for one more byte and the NUL after it; false when memory ran out. */
static bool reader_grow(struct line_reader *r, size_t len)
{
    if (len + 1 < r->cap)
        return true;
    size_t cap = r->cap ? r->cap * 2 : 256;
    char *text = realloc(r->text, cap);
    if (!text)
        return false;
    r->text = text;
    r->cap = cap;
    return true;
}

/* Byte by byte, so a NUL inside a line is cleaned away instead of cutting the line short,
 * and no line is too long: a cut line would be parsed as if it were whole. */
enum line_status line_reader_next(struct line_reader *r)
{
    size_t len = 0;
    int c;
    if (!reader_grow(r, 0))
        return LINE_OUT_OF_MEMORY;
    while ((c = getc(r->f)) != EOF && c != '\n') {
        if (!reader_grow(r, len))
            return LINE_OUT_OF_MEMORY;
        r->text[len++] = (char)c;
    }
    if (c == EOF && ferror(r->f))
        return LINE_READ_ERROR;
    if (c == EOF && len == 0)
        return LINE_END;
    r->len = line_clean(r->text, len);
    r->number++;
    return LINE_READ;
}

void line_reader_free(struct line_reader *r)
{
    free(r->text);
    r->text = NULL;
    r->len = r->cap = 0;
}

/* ---- numbers and addresses ---------------------------------------------------------------- */

/* Both the app and QEMU print hex; this is the one reading of a digit. */
int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Refuses a 17th digit instead of dropping the top bits, so no address is silently wrong. */
const char *parse_hex_digits(const char *s, int digits, uint64_t *out)
{
    uint64_t v = 0;
    int n = 0;
    for (int d; (digits == 0 || n < digits) && (d = hex_digit_value(s[n])) >= 0; n++) {
        if (n == 16)
            return NULL;
        v = v << 4 | (uint64_t)d;
    }
    if (n == 0 || (digits && n != digits))
        return NULL;
    *out = v;
    return s + n;
}

/* The app's addresses always carry "0x"; QEMU's never do, so the prefix is not optional. */
const char *parse_0x_hex(const char *s, uint64_t *out)
{
    if (s[0] != '0' || s[1] != 'x')
        return NULL;
    return parse_hex_digits(s + 2, 0, out);
}

/* map and mem lines write ranges the same way; one reading keeps their messages alike. */
bool parse_hex_range(const char *s, size_t n, bool top_ok, uint64_t *start, uint64_t *len,
                     struct line_error *why)
{
    const char *dash = memchr(s, '-', n);
    uint64_t a, b;
    if (!dash)
        return line_refuse(why, "range '%.*s' has no '-'", (int)n, s);
    if (parse_0x_hex(s, &a) != dash)
        return line_refuse(why, "bad start address in '%.*s' (want 0x and 1 to 16 hex digits)",
                           (int)n, s);
    if (parse_0x_hex(dash + 1, &b) != s + n)
        return line_refuse(why, "bad end address in '%.*s' (want 0x and 1 to 16 hex digits)",
                           (int)n, s);
    if (b <= a && !(top_ok && b == 0 && a != 0))
        return line_refuse(why, "end 0x%" PRIx64 " is not above start 0x%" PRIx64, b, a);
    *start = a;
    *len = b - a;
    return true;
}

static unsigned va_bits = 48; /* 57 once a report says it ran five-level paging */

void va_set_bits(unsigned bits)
{
    va_bits = bits;
}

unsigned va_get_bits(void)
{
    return va_bits;
}

/* A run that is not canonical cannot come from a walk of the tables. */
bool va_is_canonical(uint64_t va)
{
    uint64_t top = va >> (va_bits - 1);
    return top == 0 || top == (UINT64_C(1) << (65 - va_bits)) - 1;
}

/* QEMU's info mem works in linear addresses; the app prints canonical ones. */
uint64_t va_from_linear(uint64_t lin)
{
    return (lin & (UINT64_C(1) << (va_bits - 1))) ? lin | ~((UINT64_C(1) << va_bits) - 1) : lin;
}

/* ---- the dump's map lines ----------------------------------------------------------------- */

/* The app's own formatter, so the check cannot drift from what the dump prints. */
void dump_size_text(char *buf, size_t size, uint64_t bytes)
{
    size_t pos = 0;
    if (size)
        buf[0] = '\0';
    pt_fmt_size(buf, size, &pos, bytes);
}

/* The next blank-separated field of a line: its start in *field, its length in *n. */
static bool next_field(const char **p, const char **field, size_t *n)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t k = 0;
    while (s[k] && s[k] != ' ' && s[k] != '\t')
        k++;
    *field = s;
    *n = k;
    *p = s + k;
    return k > 0;
}

static bool field_is(const char *field, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(field, word, n) == 0;
}

/* The dump's levels field: largest first, each at most once, at least one. */
static bool parse_levels(const char **p, const char *f, size_t n, unsigned *levels,
                         struct line_error *why)
{
    static const struct {
        const char *name;
        unsigned bit;
    } sizes[] = {{"pud", MAP_LEVEL_PUD}, {"pmd", MAP_LEVEL_PMD}, {"pte", MAP_LEVEL_PTE}};
    *levels = 0;
    if (n == 0)
        return line_refuse(why, "missing field: levels (pud, pmd, pte)");
    do {
        unsigned bit = 0;
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
            if (field_is(f, n, sizes[k].name))
                bit = sizes[k].bit;
        if (!bit)
            return line_refuse(why, "bad level '%.*s' (want pud, pmd or pte)", (int)n, f);
        if (*levels & bit)
            return line_refuse(why, "level '%.*s' given twice", (int)n, f);
        if (*levels & (bit - 1))
            return line_refuse(why, "level '%.*s' out of order (want pud, pmd, pte)", (int)n, f);
        *levels |= bit;
    } while (next_field(p, &f, &n));
    return true;
}

/* Both tools read the same dump; one parser with every check either of them made gives them
 * the same idea of a valid run. */
bool map_line_parse(const char *line, struct map_line *out, struct line_error *why)
{
    const char *p = line, *f;
    size_t n;
    struct map_line m = {0};
    if (!next_field(&p, &f, &n) || !field_is(f, n, "map"))
        return line_refuse(why, "not a map line");
    if (!next_field(&p, &f, &n))
        return line_refuse(why, "missing field: virtual range");
    if (!parse_hex_range(f, n, true, &m.va, &m.len, why))
        return false;
    uint64_t last = m.va + m.len - 1;
    if (!va_is_canonical(m.va) || m.va >> (va_bits - 1) != last >> (va_bits - 1))
        return line_refuse(why, "range '%.*s' is not canonical", (int)n, f);
    if ((m.va | m.len) & 0xfff)
        return line_refuse(why, "range '%.*s' is not 4 KiB aligned", (int)n, f);

    if (!next_field(&p, &f, &n) || !field_is(f, n, "->"))
        return line_refuse(why, "missing field: '->' after the virtual range");
    if (!next_field(&p, &f, &n))
        return line_refuse(why, "missing field: physical address");
    if (parse_0x_hex(f, &m.pa) != f + n)
        return line_refuse(why, "bad physical address '%.*s' (want 0x and 1 to 16 hex digits)",
                           (int)n, f);
    if (m.len - 1 > UINT64_MAX - m.pa)
        return line_refuse(why, "physical range 0x%" PRIx64 " + 0x%" PRIx64 " wraps", m.pa, m.len);

    char size[24];
    dump_size_text(size, sizeof size, m.len);
    if (!next_field(&p, &f, &n))
        return line_refuse(why, "missing field: size");
    if (!field_is(f, n, size))
        return line_refuse(
            why, "size field does not match the range: '%.*s', but 0x%" PRIx64 " bytes are %s",
            (int)n, f, m.len, size);

    if (!next_field(&p, &f, &n))
        return line_refuse(why, "missing field: rights (RW or ro)");
    m.writable = field_is(f, n, "RW");
    if (!m.writable && !field_is(f, n, "ro"))
        return line_refuse(why, "bad rights '%.*s' (want RW or ro)", (int)n, f);
    next_field(&p, &f, &n);
    if ((m.user = field_is(f, n, "USR")))
        next_field(&p, &f, &n);
    if ((m.global = field_is(f, n, "GLB")))
        next_field(&p, &f, &n);
    if (n == 0)
        return line_refuse(why, "missing field: NX or x");
    m.nx = field_is(f, n, "NX");
    if (!m.nx && !field_is(f, n, "x"))
        return line_refuse(why, "bad execute field '%.*s' (want NX or x)", (int)n, f);

    if (!next_field(&p, &f, &n))
        return line_refuse(why, "missing field: memory type");
    unsigned mt = 0;
    while (mt < 8 && (pt_memtype_name(mt)[0] == '?' || !field_is(f, n, pt_memtype_name(mt))))
        mt++;
    if (mt == 8)
        return line_refuse(why, "bad memory type '%.*s' (want UC WC WT WP WB or UC-)", (int)n, f);
    m.memtype = mt;

    next_field(&p, &f, &n);
    if (!parse_levels(&p, f, n, &m.levels, why))
        return false;
    *out = m;
    return true;
}

const char *xml_escape_of(char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    }
    return (unsigned char)c < 0x20 || (unsigned char)c > 0x7e ? "?" : NULL;
}
