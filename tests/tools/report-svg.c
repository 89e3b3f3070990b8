/* report-svg: draws a pagetk report (the serial log or the report file) as one SVG page: the
 * sanitised UEFI memory map and our identity mapping side by side along one segmented
 * physical address axis, under a header with the verdict and the table counts.
 *
 * usage: report-svg REPORT.txt OUT.svg
 * Exit 0 with OUT.svg written; exit 2 with a message on stderr and nothing written. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_line.h"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* ---- what a report holds ------------------------------------------------------------------ */

struct level {
    const char *name; /* as the dump prints it */
    unsigned bit;     /* MAP_LEVEL_* */
    const char *leaf; /* the leaf size, for the legend */
    const char *fill;
    const char *hatch; /* colour of the read-only hatch over this fill */
    bool dark;         /* white text reads better on it */
};

/* Largest first: a run's colour is that of its largest level. */
static const struct level levels[] = {
    {"pud", MAP_LEVEL_PUD, "1 GiB", "#1e3a8a", "#ffffff", true},
    {"pmd", MAP_LEVEL_PMD, "2 MiB", "#3b82f6", "#ffffff", true},
    {"pte", MAP_LEVEL_PTE, "4 KiB", "#bfdbfe", "#1e3a8a", false},
};
#define LEVEL_COUNT (sizeof levels / sizeof levels[0])

struct mem_type {
    const char *name; /* as the app prints it */
    const char *fill;
    bool dark;
};

static const struct mem_type mem_types[] = {
    {"reserved", "#9ca3af", false},     {"loader-code", "#be185d", true},
    {"loader-data", "#f9a8d4", false},  {"boot-code", "#c2410c", true},
    {"boot-data", "#fdba74", false},    {"runtime-code", "#6d28d9", true},
    {"runtime-data", "#c4b5fd", false}, {"conventional", "#4ade80", false},
    {"unusable", "#111827", true},      {"acpi-reclaim", "#facc15", false},
    {"acpi-nvs", "#a16207", true},      {"mmio", "#78350f", true},
    {"mmio-port", "#d6d3d1", false},    {"pal-code", "#0d9488", true},
    {"persistent", "#99f6e4", false},   {"other", "#e5e7eb", false},
};
#define MEM_TYPE_COUNT (sizeof mem_types / sizeof mem_types[0])

struct mem_range { /* [start, end) of one memory-map type */
    uint64_t start, end;
    unsigned type; /* index in mem_types */
    unsigned long line;
};

struct run { /* one map line: [map.va, end) maps map.pa onwards */
    struct map_line map;
    uint64_t end; /* map.va + map.len; 0 only for a run up to the top (never an identity run) */
    unsigned long line;
};

struct tables { /* one tables line */
    bool seen;
    uint64_t count[4]; /* PML4 PDPT PD PT */
    uint64_t kib;
    uint64_t leaves[3]; /* 1G 2M 4K */
};

struct report {
    struct mem_range *mem;
    size_t mem_n, mem_cap;
    struct run *ident; /* va == pa, drawn on the axis */
    size_t ident_n, ident_cap;
    struct run *other; /* aliases and the test window, only counted and listed */
    size_t other_n, other_cap;
    struct tables firmware, ours;
    char result[160]; /* the last RESULT line, or "" */
    char cpu[320];    /* the "cpu: 1G pages ..." line, or "" */
};

static void report_free(struct report *r)
{
    free(r->mem);
    free(r->ident);
    free(r->other);
}

/* Makes room for one more element; false when memory ran out. */
static bool grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 64;
    void *p = realloc(*items, want * size);
    if (!p)
        return false;
    *items = p;
    *cap = want;
    return true;
}

/* ---- parsing ------------------------------------------------------------------------------ */

static int find_mem_type(const char *tok)
{
    for (size_t i = 0; i < MEM_TYPE_COUNT; i++)
        if (strcmp(tok, mem_types[i].name) == 0)
            return (int)i;
    return -1;
}

/* mem 0x<start>-0x<end> <type> */
static bool parse_mem(char **tok, int n, struct mem_range *m, struct line_error *w)
{
    uint64_t len;
    if (n < 2)
        return line_refuse(w, "missing field: range");
    if (!parse_hex_range(tok[1], strlen(tok[1]), false, &m->start, &len, w))
        return false;
    m->end = m->start + len;
    if (n < 3)
        return line_refuse(w, "missing field: type");
    int t = find_mem_type(tok[2]);
    if (t < 0)
        return line_refuse(w, "unknown memory type '%s'", tok[2]);
    if (n > 3)
        return line_refuse(w, "unexpected field '%s' after the type", tok[3]);
    m->type = (unsigned)t;
    return true;
}

static bool parse_count(const char *tok, uint64_t *out)
{
    if (!*tok)
        return false;
    uint64_t v = 0;
    for (; *tok; tok++) {
        if (*tok < '0' || *tok > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*tok - '0');
    }
    *out = v;
    return true;
}

/* tables <who> PML4 n PDPT n PD n PT n (n KiB); leaves 1G n 2M n 4K n */
static bool parse_tables(char **tok, int n, struct report *r, struct line_error *w)
{
    static const char *const shape[] = {"tables", NULL, "PML4", NULL, "PDPT",  NULL,     "PD",
                                        NULL,     "PT", NULL,   NULL, "KiB);", "leaves", "1G",
                                        NULL,     "2M", NULL,   "4K", NULL};
    const int want = (int)(sizeof shape / sizeof shape[0]);
    if (n != want)
        return line_refuse(w, "tables line has %d fields, want %d", n, want);
    for (int i = 0; i < want; i++)
        if (shape[i] && strcmp(tok[i], shape[i]) != 0)
            return line_refuse(w, "tables line has '%s' where '%s' belongs", tok[i], shape[i]);
    struct tables *t;
    if (strcmp(tok[1], "firmware") == 0)
        t = &r->firmware;
    else if (strcmp(tok[1], "ours") == 0)
        t = &r->ours;
    else
        return line_refuse(w, "tables of '%s' (want firmware or ours)", tok[1]);
    bool ok = tok[10][0] == '(' && parse_count(tok[10] + 1, &t->kib);
    for (int i = 0; i < 4; i++)
        ok = ok && parse_count(tok[3 + 2 * i], &t->count[i]);
    for (int i = 0; i < 3; i++)
        ok = ok && parse_count(tok[14 + 2 * i], &t->leaves[i]);
    if (!ok)
        return line_refuse(w, "tables line has a count that is not a decimal number");
    t->seen = true;
    return true;
}

/* Copies a whole line, trailing blanks dropped. */
static void keep_line(char *dst, size_t size, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    if (n >= size)
        n = size - 1;
    memcpy(dst, line, n);
    dst[n] = '\0';
}

/* A map line: runs with va == pa go on the axis, in address order; the others are listed. */
static bool add_run(const char *line, struct report *r, unsigned long lineno, struct line_error *w)
{
    struct run run = {.line = lineno};
    if (!map_line_parse(line, &run.map, w))
        return false;
    run.end = run.map.va + run.map.len;
    if (run.map.va != run.map.pa) {
        if (!grow((void **)&r->other, &r->other_cap, r->other_n, sizeof run))
            return line_refuse(w, "out of memory");
        r->other[r->other_n++] = run;
        return true;
    }
    if (run.end == 0)
        return line_refuse(w, "identity run at 0x%" PRIx64 " reaches the top of the address space",
                           run.map.va);
    if (r->ident_n && run.map.va < r->ident[r->ident_n - 1].end)
        return line_refuse(w,
                           "identity run at 0x%" PRIx64 " overlaps or precedes the run of line %lu",
                           run.map.va, r->ident[r->ident_n - 1].line);
    if (!grow((void **)&r->ident, &r->ident_cap, r->ident_n, sizeof run))
        return line_refuse(w, "out of memory");
    r->ident[r->ident_n++] = run;
    return true;
}

#define MAX_TOKENS 40

/* One cleaned line: a map, mem, tables, RESULT or cpu line, or nothing to us. */
static bool parse_line(char *line, struct report *r, unsigned long lineno, struct line_error *w)
{
    if (strncmp(line, "RESULT: ", 8) == 0) {
        keep_line(r->result, sizeof r->result, line);
        return true;
    }
    if (strncmp(line, "cpu: 1G pages", 13) == 0) {
        keep_line(r->cpu, sizeof r->cpu, line);
        return true;
    }
    if (strncmp(line, "map ", 4) == 0)
        return add_run(line, r, lineno, w);
    bool is_mem = strncmp(line, "mem ", 4) == 0, is_tables = strncmp(line, "tables ", 7) == 0;
    if (!is_mem && !is_tables)
        return true;
    char *tok[MAX_TOKENS];
    int n = 0;
    for (char *s = line; *s;) {
        while (*s == ' ' || *s == '\t')
            *s++ = '\0';
        if (!*s)
            break;
        if (n == MAX_TOKENS)
            return line_refuse(w, "more than %d fields", MAX_TOKENS);
        tok[n++] = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
    }
    if (is_tables)
        return parse_tables(tok, n, r, w);
    struct mem_range m = {0};
    if (!parse_mem(tok, n, &m, w))
        return false;
    m.line = lineno;
    if (r->mem_n && m.start < r->mem[r->mem_n - 1].end)
        return line_refuse(w,
                           "mem range at 0x%" PRIx64 " overlaps or precedes the range of line %lu",
                           m.start, r->mem[r->mem_n - 1].line);
    if (!grow((void **)&r->mem, &r->mem_cap, r->mem_n, sizeof m))
        return line_refuse(w, "out of memory");
    r->mem[r->mem_n++] = m;
    return true;
}

/* Reads the whole report; on failure err holds "file: why" or "file:line: why". */
static bool read_report(const char *path, struct report *r, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return false;
    }
    struct line_reader in;
    struct line_error w;
    enum line_status status = LINE_END;
    bool ok = true;
    line_reader_init(&in, f);
    while (ok && (status = line_reader_next(&in)) == LINE_READ) {
        if (!parse_line(in.text, r, in.number, &w)) {
            snprintf(err, err_size, "%s:%lu: %s", path, in.number, w.text);
            ok = false;
        }
    }
    if (ok && status == LINE_READ_ERROR) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        ok = false;
    } else if (ok && status == LINE_OUT_OF_MEMORY) {
        snprintf(err, err_size, "%s: out of memory", path);
        ok = false;
    }
    line_reader_free(&in);
    fclose(f);
    if (ok && r->mem_n == 0 && r->ident_n == 0 && r->other_n == 0) {
        snprintf(err, err_size, "%s: no map and no mem lines: not a pagetk report", path);
        ok = false;
    }
    return ok;
}

/* ---- SVG text ----------------------------------------------------------------------------- */

struct buf {
    char *data;
    size_t len, cap;
    bool oom;
};

PRINTF_LIKE(2, 3) static void put(struct buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->data ? b->data + b->len : NULL, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t want = b->cap ? b->cap * 2 : 65536;
        while (want - b->len <= (size_t)n)
            want *= 2;
        char *p = realloc(b->data, want);
        if (!p) {
            b->oom = true;
            return;
        }
        b->data = p;
        b->cap = want;
    }
}

/* Text from the report, made safe for XML: & < > escaped, other bytes outside printable
 * ASCII shown as '?'. */
static void put_text(struct buf *b, const char *s)
{
    for (; *s; s++) {
        const char *e = xml_escape_of(*s);
        if (e)
            put(b, "%s", e);
        else
            put(b, "%c", *s);
    }
}

/* A size for people, exact when it is whole in its unit, else rounded: "640 KiB",
 * "1.98 GiB", "12.3 MiB", "1023.8 GiB". */
static void human_size(char *out, size_t size, uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    unsigned u = 0;
    uint64_t div = 1;
    while (u < 6 && bytes / div >= 1024) {
        div <<= 10;
        u++;
    }
    double v = (double)bytes / (double)div;
    if (bytes % div == 0)
        snprintf(out, size, "%" PRIu64 " %s", bytes / div, units[u]);
    else
        snprintf(out, size, "%.*f %s", v < 10 ? 2 : 1, v, units[u]);
}

static void levels_text(char *out, size_t size, unsigned mask)
{
    size_t pos = 0;
    out[0] = '\0';
    for (size_t i = 0; i < LEVEL_COUNT; i++)
        if (mask & levels[i].bit)
            pos += (size_t)snprintf(out + pos, size - pos, "%s%s", pos ? " " : "", levels[i].name);
}

static const struct level *largest_level(unsigned mask)
{
    for (size_t i = 0; i < LEVEL_COUNT; i++)
        if (mask & levels[i].bit)
            return &levels[i];
    return &levels[LEVEL_COUNT - 1];
}

/* "RW x WB" with USR and GLB when set */
static void rights_text(char *out, size_t size, const struct run *run)
{
    snprintf(out, size, "%s%s%s %s %s", run->map.writable ? "RW" : "ro",
             run->map.user ? " USR" : "", run->map.global ? " GLB" : "", run->map.nx ? "NX" : "x",
             pt_memtype_name((enum pt_memtype)run->map.memtype));
}

/* ---- the segmented axis ------------------------------------------------------------------- */

/* floor(log2 x) plus a linear guess at the fraction: monotonic, no libm */
static double log2_approx(uint64_t x)
{
    if (x == 0)
        return 0.0;
    unsigned e = 0;
    while (e < 63 && x >> (e + 1))
        e++;
    return (double)e + (double)(x - (1ull << e)) / (double)(1ull << e);
}

#define SEG_MIN_PX     4.0 /* a 4 KiB segment, or anything smaller */
#define SEG_PX_PER_BIT 2.6

static double segment_height(uint64_t size)
{
    double h = SEG_MIN_PX + (log2_approx(size) - 12.0) * SEG_PX_PER_BIT;
    return h < SEG_MIN_PX ? SEG_MIN_PX : h;
}

struct axis {
    uint64_t *addr; /* sorted breakpoints, no repeats */
    double *y;      /* where each one sits on the page */
    size_t n;
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static bool axis_build(struct axis *ax, const struct report *r, double top)
{
    size_t max = 2 * (r->mem_n + r->ident_n);
    ax->addr = malloc((max ? max : 1) * sizeof *ax->addr);
    ax->y = malloc((max ? max : 1) * sizeof *ax->y);
    if (!ax->addr || !ax->y)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < r->mem_n; i++) {
        ax->addr[n++] = r->mem[i].start;
        ax->addr[n++] = r->mem[i].end;
    }
    for (size_t i = 0; i < r->ident_n; i++) {
        ax->addr[n++] = r->ident[i].map.va;
        ax->addr[n++] = r->ident[i].end;
    }
    qsort(ax->addr, n, sizeof *ax->addr, cmp_u64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || ax->addr[i] != ax->addr[k - 1])
            ax->addr[k++] = ax->addr[i];
    ax->n = k;
    double y = top;
    for (size_t i = 0; i < k; i++) {
        ax->y[i] = y;
        if (i + 1 < k)
            y += segment_height(ax->addr[i + 1] - ax->addr[i]);
    }
    return true;
}

/* The y of a breakpoint (every range end is one). */
static double axis_y(const struct axis *ax, uint64_t addr)
{
    size_t lo = 0, hi = ax->n;
    while (lo + 1 < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ax->addr[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    return ax->y[lo];
}

/* ---- the page ----------------------------------------------------------------------------- */

#define PAGE_W    1200
#define AXIS_X    160.0
#define MEM_X     172.0
#define RUN_X     556.0
#define LANE_W    360.0
#define LEGEND_X  944.0
#define AXIS_TOP  270.0
#define LABEL_GAP 11.0 /* address labels closer than this are skipped */
#define EXEC_W    6.0  /* red edge of an executable run */
#define STRIPE_W  10.0 /* one per additional level of a mixed run */
#define RUN_FONT  "font-family=\"DejaVu Sans Mono, monospace\""

static uint64_t table_total(const struct tables *t)
{
    return t->count[0] + t->count[1] + t->count[2] + t->count[3];
}

/* Two bars, firmware and ours, scaled to the larger; value is "tables" or "KiB". */
static void put_bars(struct buf *b, const struct report *r, double x, double y, const char *title,
                     bool kib)
{
    const struct tables *t[2] = {&r->firmware, &r->ours};
    const char *who[2] = {"firmware", "ours"};
    const char *fill[2] = {"#6b7280", "#2563eb"};
    uint64_t v[2], max = 1;
    for (int i = 0; i < 2; i++) {
        v[i] = kib ? t[i]->kib : table_total(t[i]);
        if (t[i]->seen && v[i] > max)
            max = v[i];
    }
    put(b, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">%s</text>\n", x, y, title);
    for (int i = 0; i < 2; i++) {
        double by = y + 10 + 24 * i;
        if (!t[i]->seen) {
            put(b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#6b7280\">%s: no tables line</text>\n", x,
                by + 13, who[i]);
            continue;
        }
        double w = 300.0 * (double)v[i] / (double)max;
        if (w < 1.0)
            w = 1.0;
        put(b,
            "<rect class=\"bar bar-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" "
            "fill=\"%s\"/>\n",
            who[i], x, by, w, fill[i]);
        put(b, "<text x=\"%.1f\" y=\"%.1f\">%s %" PRIu64 " %s</text>\n", x + w + 6, by + 13, who[i],
            v[i], kib ? "KiB" : "tables");
    }
}

static void put_header(struct buf *b, const struct report *r, const char *name)
{
    put(b, "<text x=\"20\" y=\"34\" font-size=\"22\" font-weight=\"bold\">pagetk report: ");
    put_text(b, name);
    put(b, "</text>\n");
    const char *colour = strncmp(r->result, "RESULT: PASS", 12) == 0   ? "#15803d"
                         : strncmp(r->result, "RESULT: FAIL", 12) == 0 ? "#b91c1c"
                                                                       : "#6b7280";
    put(b, "<text x=\"20\" y=\"62\" font-size=\"18\" font-weight=\"bold\" fill=\"%s\">", colour);
    put_text(b, r->result[0] ? r->result : "RESULT: none (the report has no RESULT line)");
    put(b, "</text>\n");
    if (r->cpu[0]) {
        put(b, "<text x=\"20\" y=\"84\" fill=\"#374151\">");
        put_text(b, r->cpu);
        put(b, "</text>\n");
    }
    put_bars(b, r, 20, 116, "page tables", false);
    put_bars(b, r, 600, 116, "table memory", true);
    const struct tables *t[2] = {&r->firmware, &r->ours};
    const char *who[2] = {"firmware", "ours"};
    for (int i = 0; i < 2; i++) {
        if (!t[i]->seen)
            continue;
        put(b,
            "<text x=\"20\" y=\"%d\" fill=\"#374151\">%s: PML4 %" PRIu64 ", PDPT %" PRIu64
            ", PD %" PRIu64 ", PT %" PRIu64 "; leaves 1G %" PRIu64 ", 2M %" PRIu64 ", 4K %" PRIu64
            "</text>\n",
            186 + 18 * i, who[i], t[i]->count[0], t[i]->count[1], t[i]->count[2], t[i]->count[3],
            t[i]->leaves[0], t[i]->leaves[1], t[i]->leaves[2]);
    }
}

/* Address labels at the axis: greedy from the top, but the last breakpoint always wins. */
static void put_axis(struct buf *b, const struct axis *ax, double bottom)
{
    put(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#111827\"/>\n", AXIS_X,
        AXIS_TOP, AXIS_X, bottom);
    bool *show = calloc(ax->n ? ax->n : 1, sizeof *show);
    if (!show) {
        b->oom = true;
        return;
    }
    double last = -1e9;
    size_t last_i = 0;
    for (size_t i = 0; i < ax->n; i++) {
        if (ax->y[i] - last >= LABEL_GAP) {
            show[i] = true;
            last = ax->y[i];
            last_i = i;
        } else if (i + 1 == ax->n && last_i > 0) {
            show[last_i] = false;
            show[i] = true;
        }
    }
    for (size_t i = 0; i < ax->n; i++) {
        put(b,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e7eb\" "
            "stroke-width=\"0.5\"/>\n",
            AXIS_X, ax->y[i], RUN_X + LANE_W, ax->y[i]);
        put(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#111827\"/>\n",
            show[i] ? AXIS_X - 8 : AXIS_X - 3, ax->y[i], AXIS_X, ax->y[i]);
        if (show[i])
            put(b,
                "<text class=\"addr\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"10\" "
                "%s>0x%" PRIx64 "</text>\n",
                AXIS_X - 11, ax->y[i] + 3.5, RUN_FONT, ax->addr[i]);
    }
    free(show);
}

/* A label inside a rectangle tall enough for it; over a hatch it gets a plate of the
 * rectangle's colour (DejaVu Sans Mono at 10 px advances 6.02 px a character). */
static void put_label(struct buf *b, double x, double y0, double y1, const char *fill, bool dark,
                      bool plate, const char *text)
{
    if (y1 - y0 < 12.0)
        return;
    double y = (y0 + y1) / 2 + 3.5;
    if (plate)
        put(b,
            "<rect class=\"plate\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"12\" "
            "fill=\"%s\"/>\n",
            x - 3, y - 9.5, 6.02 * (double)strlen(text) + 6, fill);
    put(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"%s\" %s>", x, y,
        dark ? "#ffffff" : "#111827", RUN_FONT);
    put_text(b, text);
    put(b, "</text>\n");
}

static void put_mem_lane(struct buf *b, const struct report *r, const struct axis *ax)
{
    for (size_t i = 0; i < r->mem_n; i++) {
        const struct mem_range *m = &r->mem[i];
        const struct mem_type *t = &mem_types[m->type];
        double y0 = axis_y(ax, m->start), y1 = axis_y(ax, m->end);
        char size[32], label[96];
        human_size(size, sizeof size, m->end - m->start);
        put(b,
            "<rect class=\"mem mem-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            "fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>0x%" PRIx64 "-0x%" PRIx64
            " %s (%s)</title></rect>\n",
            t->name, MEM_X, y0, LANE_W, y1 - y0, t->fill, m->start, m->end, t->name, size);
        snprintf(label, sizeof label, "%s  %s", t->name, size);
        put_label(b, MEM_X + 4, y0, y1, t->fill, t->dark, false, label);
    }
}

static void put_run_lane(struct buf *b, const struct report *r, const struct axis *ax)
{
    for (size_t i = 0; i < r->ident_n; i++) {
        const struct run *run = &r->ident[i];
        const struct level *big = largest_level(run->map.levels);
        double y0 = axis_y(ax, run->map.va), y1 = axis_y(ax, run->end);
        char size[32], lv[16], rights[32], label[128];
        human_size(size, sizeof size, run->map.len);
        levels_text(lv, sizeof lv, run->map.levels);
        rights_text(rights, sizeof rights, run);
        char fill[32];
        if (run->map.writable)
            snprintf(fill, sizeof fill, "%s", big->fill);
        else
            snprintf(fill, sizeof fill, "url(#ro-%s)", big->name);
        put(b,
            "<rect class=\"run run-%s %s %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
            "height=\"%.1f\" fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>0x%" PRIx64
            "-0x%" PRIx64 " %s %s %s</title></rect>\n",
            big->name, run->map.writable ? "rw" : "ro", run->map.nx ? "nx" : "exec", RUN_X, y0,
            LANE_W, y1 - y0, fill, run->map.va, run->end, size, rights, lv);
        double sx = RUN_X + LANE_W;
        for (size_t l = 0; l < LEVEL_COUNT; l++) {
            if (!(run->map.levels & levels[l].bit) || &levels[l] == big)
                continue;
            sx -= STRIPE_W;
            put(b,
                "<rect class=\"lvl lvl-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"0.5\"/>\n",
                levels[l].name, sx, y0, STRIPE_W, y1 - y0, levels[l].fill);
        }
        if (!run->map.nx)
            put(b,
                "<rect class=\"exec\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "fill=\"#dc2626\"/>\n",
                RUN_X, y0, EXEC_W, y1 - y0);
        snprintf(label, sizeof label, "%s  %s  %s", rights, lv, size);
        put_label(b, RUN_X + EXEC_W + 4, y0, y1, big->fill, big->dark, !run->map.writable, label);
    }
    if (r->ident_n == 0)
        put(b,
            "<text x=\"%.1f\" y=\"%.1f\" fill=\"#6b7280\">no identity runs: the report has no "
            "map line with va == pa</text>\n",
            RUN_X + 4, AXIS_TOP + 14);
}

/* One swatch and its text; fill may be a colour or a pattern. */
static void put_key(struct buf *b, double y, const char *fill, const char *text)
{
    put(b,
        "<rect class=\"key\" x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" fill=\"%s\" "
        "stroke=\"#9ca3af\" stroke-width=\"0.5\"/>\n",
        LEGEND_X, y, fill);
    put(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", LEGEND_X + 22, y + 10);
    put_text(b, text);
    put(b, "</text>\n");
}

static double put_legend(struct buf *b, const struct report *r, double y)
{
    put(b, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">memory map types</text>\n", LEGEND_X,
        y);
    y += 8;
    for (size_t t = 0; t < MEM_TYPE_COUNT; t++) {
        bool present = false;
        for (size_t i = 0; i < r->mem_n && !present; i++)
            present = r->mem[i].type == t;
        if (!present)
            continue;
        put_key(b, y, mem_types[t].fill, mem_types[t].name);
        y += 17;
    }
    y += 16;
    put(b, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">identity runs</text>\n", LEGEND_X, y);
    y += 8;
    for (size_t l = 0; l < LEVEL_COUNT; l++) {
        char text[64];
        snprintf(text, sizeof text, "%s: largest leaf %s", levels[l].name, levels[l].leaf);
        put_key(b, y, levels[l].fill, text);
        y += 17;
    }
    put(b,
        "<rect class=\"key\" x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" fill=\"%s\"/>\n"
        "<rect class=\"key\" x=\"%.1f\" y=\"%.1f\" width=\"5\" height=\"12\" fill=\"%s\"/>\n",
        LEGEND_X, y, levels[0].fill, LEGEND_X + 11, y, levels[1].fill);
    put(b,
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">mixed: a stripe at the right</text>\n"
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">per smaller level present</text>\n",
        LEGEND_X + 22, y + 10, LEGEND_X + 22, y + 23);
    y += 30;
    put_key(b, y, levels[1].fill, "RW: solid");
    y += 17;
    put_key(b, y, "url(#ro-pmd)", "ro: hatched");
    y += 17;
    put(b,
        "<rect class=\"key\" x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" fill=\"%s\"/>\n"
        "<rect class=\"key\" x=\"%.1f\" y=\"%.1f\" width=\"4\" height=\"12\" fill=\"#dc2626\"/>\n",
        LEGEND_X, y, levels[1].fill, LEGEND_X, y);
    put(b,
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">executable (x): red left edge;</text>\n"
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">NX: no edge</text>\n",
        LEGEND_X + 22, y + 10, LEGEND_X + 22, y + 23);
    y += 38;
    static const char *const notes[] = {"labels: rights, memory type,",
                                        "levels, size; hover for the",
                                        "exact range.",
                                        "",
                                        "axis: one segment between",
                                        "neighbouring boundaries, its",
                                        "height grows with log2 of",
                                        "its size: not to scale."};
    for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++, y += 14)
        put(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#374151\">%s</text>\n",
            LEGEND_X, y, notes[i]);
    return y;
}

/* The runs not on the axis, listed under the picture. */
static double put_elsewhere(struct buf *b, const struct report *r, double y)
{
    if (r->other_n == 0)
        return y;
    put(b,
        "<text x=\"20\" y=\"%.1f\" font-weight=\"bold\">runs elsewhere (va != pa: the higher-half "
        "alias and the test window)</text>\n",
        y);
    y += 18;
    for (size_t i = 0; i < r->other_n; i++, y += 15) {
        const struct run *run = &r->other[i];
        char size[32], lv[16], rights[32];
        human_size(size, sizeof size, run->map.len);
        levels_text(lv, sizeof lv, run->map.levels);
        rights_text(rights, sizeof rights, run);
        put(b,
            "<text class=\"elsewhere\" x=\"20\" y=\"%.1f\" font-size=\"11\" %s>0x%016" PRIx64
            "-0x%016" PRIx64 " -&gt; 0x%012" PRIx64 "  %s  %s  %s</text>\n",
            y, RUN_FONT, run->map.va, run->end, run->map.pa, size, rights, lv);
    }
    return y;
}

static void put_defs(struct buf *b)
{
    put(b, "<defs>\n");
    for (size_t l = 0; l < LEVEL_COUNT; l++)
        put(b,
            "<pattern id=\"ro-%s\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"%s\"/>"
            "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"%s\" stroke-width=\"3\" "
            "stroke-opacity=\"0.7\"/></pattern>\n",
            levels[l].name, levels[l].fill, levels[l].hatch);
    put(b, "</defs>\n");
}

/* The whole page; false when memory ran out. */
static bool render(struct buf *out, const struct report *r, const char *name)
{
    struct buf body = {0};
    struct axis ax = {0};
    bool ok = axis_build(&ax, r, AXIS_TOP);
    if (ok) {
        put_header(&body, r, name);
        put(&body, "<text x=\"%.1f\" y=\"230\" font-weight=\"bold\">UEFI memory map</text>\n",
            MEM_X);
        put(&body,
            "<text x=\"%.1f\" y=\"246\" font-size=\"11\" fill=\"#374151\">%zu mem ranges"
            "</text>\n",
            MEM_X, r->mem_n);
        put(&body,
            "<text x=\"%.1f\" y=\"230\" font-weight=\"bold\">our identity mapping (va == pa)"
            "</text>\n",
            RUN_X);
        put(&body,
            "<text class=\"caption\" x=\"%.1f\" y=\"246\" font-size=\"11\" fill=\"#374151\">%zu "
            "identity runs; %zu runs elsewhere: alias and test window</text>\n",
            RUN_X, r->ident_n, r->other_n);
        put(&body,
            "<text x=\"%.1f\" y=\"230\" text-anchor=\"end\" font-weight=\"bold\">physical"
            "</text>\n",
            AXIS_X);
        double bottom = ax.n ? ax.y[ax.n - 1] : AXIS_TOP;
        put(&body,
            "<rect class=\"lane\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            "fill=\"#f3f4f6\"/>\n"
            "<rect class=\"lane\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            "fill=\"#f3f4f6\"/>\n",
            MEM_X, AXIS_TOP, LANE_W, bottom - AXIS_TOP, RUN_X, AXIS_TOP, LANE_W, bottom - AXIS_TOP);
        put_axis(&body, &ax, bottom);
        put_mem_lane(&body, r, &ax);
        put_run_lane(&body, r, &ax);
        double legend_end = put_legend(&body, r, AXIS_TOP);
        double end = put_elsewhere(&body, r, bottom + 36);
        if (legend_end > end)
            end = legend_end;
        int height = (int)end + 20;
        put(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, sans-serif\" "
            "font-size=\"13\">\n"
            "<rect class=\"page\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
            PAGE_W, height, PAGE_W, height, PAGE_W, height);
        put_defs(out);
        if (!body.oom && body.len)
            put(out, "%s", body.data);
        put(out, "</svg>\n");
        ok = !body.oom && !out->oom;
    }
    free(body.data);
    free(ax.addr);
    free(ax.y);
    return ok;
}

static bool write_file(const char *path, const struct buf *b, char *err, size_t err_size)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(b->data, 1, b->len, f) == b->len;
    int saved = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        snprintf(err, err_size, "%s: %s", path, strerror(saved));
        remove(path);
    }
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: report-svg REPORT.txt OUT.svg\n");
        return 2;
    }
    const char *in = argv[1], *outpath = argv[2];
    const char *slash = strrchr(in, '/');
    struct report r;
    memset(&r, 0, sizeof r);
    struct buf svg = {0};
    char err[512];
    bool ok = read_report(in, &r, err, sizeof err);
    if (ok && !render(&svg, &r, slash ? slash + 1 : in)) {
        snprintf(err, sizeof err, "out of memory");
        ok = false;
    }
    if (ok)
        ok = write_file(outpath, &svg, err, sizeof err);
    if (ok)
        printf("report-svg: wrote %s (%zu mem ranges, %zu identity runs, %zu runs elsewhere)\n",
               outpath, r.mem_n, r.ident_n, r.other_n);
    else
        fprintf(stderr, "report-svg: %s\n", err);
    free(svg.data);
    report_free(&r);
    return ok ? 0 : 2;
}
