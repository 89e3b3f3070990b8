/* fleet-svg: one SVG page comparing the machines of a folder of pagetk reports (the files a
 * stick collects, \pagetk\<date>-<time>-<product>.txt, or serial logs) side by side: product,
 * firmware, verdict, each check, the firmware's table count against ours, and the firmware's
 * habits the reports recorded.
 *
 * usage: fleet-svg FOLDER OUT.svg
 * Every *.txt and *.log file of the folder is one column, in name order. A report that cannot
 * be read or is malformed keeps its column, which names the file, the line and the problem.
 * Exit 0 with OUT.svg written; exit 2 with a message on stderr and nothing written (no
 * report files, none readable, or the output cannot be written). */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_line.h"

#define MAX_REPORTS 256
#define MAX_CHECKS  64
#define FIELD       256

/* What the page shows of one report, as text. */
enum row {
    ROW_PRODUCT,
    ROW_BOARD,
    ROW_BIOS,
    ROW_CPU,
    ROW_FIRMWARE,
    ROW_SECURE_BOOT,
    ROW_BOOT_DEVICE,
    ROW_VERDICT,
    ROW_TABLES_FIRMWARE,
    ROW_TABLES_OURS,
    ROW_PAGING,
    ROW_PAT,
    ROW_ATTRIBUTES,
    ROW_MEMORY_MAP,
    ROW_SMBIOS,
    ROW_COUNT
};

static const char *const row_titles[ROW_COUNT] = {
    [ROW_PRODUCT] = "product",
    [ROW_BOARD] = "board",
    [ROW_BIOS] = "BIOS",
    [ROW_CPU] = "CPU",
    [ROW_FIRMWARE] = "firmware",
    [ROW_SECURE_BOOT] = "Secure Boot",
    [ROW_BOOT_DEVICE] = "loaded from",
    [ROW_VERDICT] = "verdict",
    [ROW_TABLES_FIRMWARE] = "firmware's tables",
    [ROW_TABLES_OURS] = "our tables",
    [ROW_PAGING] = "paging at entry",
    [ROW_PAT] = "PAT at entry",
    [ROW_ATTRIBUTES] = "memory attributes table",
    [ROW_MEMORY_MAP] = "memory map",
    [ROW_SMBIOS] = "SMBIOS",
};

/* A full takeover's file ends where boot services were left: its verdict went to COM1 and
 * the screen only. */
/* SKIP: the app could not run the takeover there (BOOTIA32.EFI on a CPU without long mode). */
enum verdict { VERDICT_NONE, VERDICT_PASS, VERDICT_FAIL, VERDICT_TAKEOVER, VERDICT_SKIP };

struct report {
    char file[FIELD];
    char field[ROW_COUNT][FIELD];
    enum verdict verdict;
    char check_name[MAX_CHECKS][48]; /* in the report's order */
    unsigned char check[MAX_CHECKS]; /* 1 PASS, 2 FAIL */
    unsigned checks;
    char error[FIELD + 320]; /* "" when the report was read whole */
};

static char check_names[MAX_CHECKS][48];
static unsigned check_count;

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void set(char *dst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, FIELD, fmt, ap);
    va_end(ap);
}

/* The quoted value after `key "` in line: copied into out; false when the key is missing or
 * its quote never closes. */
static bool quoted(const char *line, const char *key, char *out, size_t size)
{
    char pattern[48];
    snprintf(pattern, sizeof pattern, "%s \"", key);
    const char *p = strstr(line, pattern);
    if (!p)
        return false;
    p += strlen(pattern);
    const char *end = strchr(p, '"');
    if (!end || (size_t)(end - p) >= size)
        return false;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return true;
}

/* system:/board:/bios: lines: "vendor", "product"/"version", "version"/"date". */
static bool parse_names(const char *line, const char *k1, const char *k2, const char *k3, char *out,
                        struct line_error *why)
{
    char a[FIELD], b[FIELD], c[FIELD];
    if (!quoted(line, k1, a, sizeof a) || !quoted(line, k2, b, sizeof b) ||
        !quoted(line, k3, c, sizeof c))
        return line_refuse(why, "want %s \"...\", %s \"...\", %s \"...\"", k1, k2, k3);
    if (!a[0] && !b[0] && !c[0])
        set(out, "(not given)");
    else
        set(out, "%s%s%s%s%s", a, a[0] ? " " : "", b, c[0] ? ", " : "", c);
    return true;
}

/* The check's index in r, added when new; -1 when r has no room. */
static int check_index(struct report *r, const char *name)
{
    for (unsigned i = 0; i < r->checks; i++)
        if (!strcmp(r->check_name[i], name))
            return (int)i;
    if (r->checks == MAX_CHECKS)
        return -1;
    snprintf(r->check_name[r->checks], sizeof r->check_name[0], "%s", name);
    r->check[r->checks] = 0;
    return (int)r->checks++;
}

/* The page's check rows: every check of the reports read whole, in the order first seen. */
static void add_check_names(const struct report *r)
{
    for (unsigned i = 0; i < r->checks; i++) {
        unsigned j = 0;
        while (j < check_count && strcmp(check_names[j], r->check_name[i]))
            j++;
        if (j == check_count && check_count < MAX_CHECKS)
            snprintf(check_names[check_count++], sizeof check_names[0], "%s", r->check_name[i]);
    }
}

/* 0 not run, 1 PASS, 2 FAIL. */
static unsigned check_of(const struct report *r, const char *name)
{
    for (unsigned i = 0; i < r->checks; i++)
        if (!strcmp(r->check_name[i], name))
            return r->check[i];
    return 0;
}

static bool parse_check(const char *line, struct report *r, struct line_error *why)
{
    char name[48], verdict[8];
    int n = 0;
    if (sscanf(line, "check %47s %7s%n", name, verdict, &n) != 2 || n == 0)
        return line_refuse(why, "a check line without a name and PASS or FAIL");
    bool pass = !strcmp(verdict, "PASS");
    if (!pass && strcmp(verdict, "FAIL"))
        return line_refuse(why, "check %s: '%s' is neither PASS nor FAIL", name, verdict);
    int i = check_index(r, name);
    if (i < 0)
        return line_refuse(why, "more than %d different checks", MAX_CHECKS);
    /* A check that runs twice (again after ExitBootServices) fails if either run failed. */
    if (r->check[i] != 2)
        r->check[i] = pass ? 1 : 2;
    return true;
}

/* "tables firmware  PML4 1  PDPT 2  PD 1024  PT 1  (4112 KiB); leaves ..." */
static bool parse_tables(const char *line, char *out, struct line_error *why)
{
    char who[16];
    unsigned long long pml4, pdpt, pd, pt, kib;
    if (sscanf(line, "tables %15s PML4 %llu PDPT %llu PD %llu PT %llu (%llu KiB)", who, &pml4,
               &pdpt, &pd, &pt, &kib) != 6)
        return line_refuse(why, "a tables line without its four counts and size");
    set(out, "%llu tables, %llu KiB", pml4 + pdpt + pd + pt, kib);
    return true;
}

static bool parse_line(const char *line, struct report *r, struct line_error *why)
{
    char *f = NULL;
    if (starts(line, "system: "))
        return parse_names(line, "vendor", "product", "version", r->field[ROW_PRODUCT], why);
    if (starts(line, "board: "))
        return parse_names(line, "vendor", "product", "version", r->field[ROW_BOARD], why);
    if (starts(line, "bios: ")) {
        const char *note = strstr(line, "\"; ");
        if (note)
            set(r->field[ROW_SMBIOS], "%s", note + 3);
        return parse_names(line, "vendor", "version", "date", r->field[ROW_BIOS], why);
    }
    if (starts(line, "cpu brand: "))
        return quoted(line, "cpu brand:", r->field[ROW_CPU], FIELD) ||
               line_refuse(why, "want cpu brand: \"...\"");
    if (starts(line, "firmware: ")) {
        char vendor[FIELD], rest[FIELD];
        const char *after = strstr(line, "\", ");
        if (!quoted(line, "vendor", vendor, sizeof vendor) || !after)
            return line_refuse(why, "want firmware: vendor \"...\", revision ...");
        snprintf(rest, sizeof rest, "%s", after + 3);
        set(r->field[ROW_FIRMWARE], "%s, %s", vendor, rest);
        return true;
    }
    if (starts(line, "secure boot: "))
        f = r->field[ROW_SECURE_BOOT];
    else if (starts(line, "boot device: "))
        f = r->field[ROW_BOOT_DEVICE];
    else if (starts(line, "memory map: "))
        f = r->field[ROW_MEMORY_MAP];
    if (f) {
        set(f, "%s", strchr(line, ':') + 2);
        return true;
    }
    if (starts(line, "check "))
        return parse_check(line, r, why);
    if (starts(line, "tables firmware "))
        return parse_tables(line, r->field[ROW_TABLES_FIRMWARE], why);
    if (starts(line, "tables ours "))
        return parse_tables(line, r->field[ROW_TABLES_OURS], why);
    if (starts(line, "cpu: CR0 ")) {
        unsigned wp, pge, la57, nxe;
        const char *p = strstr(line, "(WP=");
        const char *q = strstr(line, "(PGE=");
        const char *e = strstr(line, "(NXE=");
        if (!p || !q || !e || sscanf(p, "(WP=%u)", &wp) != 1 ||
            sscanf(q, "(PGE=%u LA57=%u)", &pge, &la57) != 2 || sscanf(e, "(NXE=%u)", &nxe) != 1)
            return line_refuse(why, "a cpu line without WP, PGE, LA57 and NXE");
        set(r->field[ROW_PAGING], "WP=%u PGE=%u NXE=%u%s", wp, pge, nxe, la57 ? " LA57" : "");
        return true;
    }
    if (starts(line, "cpu: 1G pages ")) {
        const char *p = strstr(line, "PAT 0x");
        if (!p || strspn(p + 6, "0123456789abcdef") != 16)
            return line_refuse(why, "a cpu line without its PAT");
        set(r->field[ROW_PAT], "%.18s", p + 4);
        return true;
    }
    if (starts(line, "w^x: ")) {
        if (strstr(line, "no EFI_MEMORY_ATTRIBUTES_TABLE"))
            set(r->field[ROW_ATTRIBUTES], "none");
        else {
            unsigned version, entries;
            if (sscanf(line, "w^x: memory attributes table version %u, %u entries", &version,
                       &entries) == 2)
                set(r->field[ROW_ATTRIBUTES], "version %u, %u entries", version, entries);
        }
        return true;
    }
    if (starts(line, "takeover: leaving boot services")) {
        if (r->verdict == VERDICT_NONE) {
            r->verdict = VERDICT_TAKEOVER;
            set(r->field[ROW_VERDICT], "left boot services: the verdict is on COM1");
        }
        return true;
    }
    if (starts(line, "RESULT: ")) {
        r->verdict = starts(line, "RESULT: PASS")   ? VERDICT_PASS
                     : starts(line, "RESULT: SKIP") ? VERDICT_SKIP
                                                    : VERDICT_FAIL;
        if (r->verdict == VERDICT_FAIL && !starts(line, "RESULT: FAIL"))
            return line_refuse(why, "a RESULT line that is neither PASS, FAIL nor SKIP");
        set(r->field[ROW_VERDICT], "%s", line + 8);
        return true;
    }
    return true; /* a line the page does not show */
}

static void read_report(const char *dir, const char *name, struct report *r)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(r->file, sizeof r->file, "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(r->error, sizeof r->error, "cannot read: %s", strerror(errno));
        return;
    }
    struct line_reader lr;
    line_reader_init(&lr, f);
    enum line_status st;
    struct line_error why;
    while ((st = line_reader_next(&lr)) == LINE_READ)
        if (!parse_line(lr.text, r, &why)) {
            snprintf(r->error, sizeof r->error, "line %lu: %s", lr.number, why.text);
            break;
        }
    if (!r->error[0] && st == LINE_READ_ERROR)
        snprintf(r->error, sizeof r->error, "cannot read: %s", strerror(errno));
    else if (!r->error[0] && st == LINE_OUT_OF_MEMORY)
        snprintf(r->error, sizeof r->error, "out of memory");
    else if (!r->error[0] && lr.number == 0)
        snprintf(r->error, sizeof r->error, "empty file");
    else if (!r->error[0] && r->verdict == VERDICT_NONE)
        snprintf(r->error, sizeof r->error, "no RESULT line after %lu lines: the report ends early",
                 lr.number);
    line_reader_free(&lr);
    fclose(f);
}

/* ---- the page ---------------------------------------------------------------------------- */

#define CHAR_W  7.3 /* 12 px monospace */
#define ROW_H   20
#define TITLE_W (24 * CHAR_W)
#define PAD     10

static void put_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        const char *e = xml_escape_of(*s);
        if (e)
            fputs(e, out);
        else
            fputc(*s, out);
    }
}

static void cell(FILE *out, double x, double y, double w, const char *fill, const char *cls,
                 const char *text)
{
    if (fill)
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", x,
                y, w, ROW_H, fill);
    fprintf(out, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\">", cls, x + 4, y + 14);
    put_escaped(out, text);
    fputs("</text>\n", out);
}

static const char *cell_text(const struct report *r, unsigned row)
{
    return r->field[row][0] ? r->field[row] : "(not recorded)";
}

static void render(FILE *out, const struct report *reps, size_t n, const char *folder)
{
    double widths[MAX_REPORTS], total = TITLE_W + 2 * PAD;
    for (size_t i = 0; i < n; i++) {
        size_t longest = strlen(reps[i].file);
        for (unsigned row = 0; row < ROW_COUNT && !reps[i].error[0]; row++)
            if (strlen(cell_text(&reps[i], row)) > longest)
                longest = strlen(cell_text(&reps[i], row));
        if (reps[i].error[0] && strlen(reps[i].error) > longest)
            longest = strlen(reps[i].error);
        widths[i] = (double)longest * CHAR_W + 12;
        total += widths[i];
    }
    size_t passed = 0, failed = 0, refused = 0, left = 0, skipped = 0;
    for (size_t i = 0; i < n; i++)
        reps[i].error[0]                      ? refused++
        : reps[i].verdict == VERDICT_PASS     ? passed++
        : reps[i].verdict == VERDICT_TAKEOVER ? left++
        : reps[i].verdict == VERDICT_SKIP     ? skipped++
                                              : failed++;
    unsigned rows = 2 + ROW_COUNT + check_count + 1;
    double height = 60 + rows * ROW_H + PAD;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\">\n",
            total, height, total, height);
    fputs("<style>text{font-family:monospace;font-size:12px;fill:#111827}"
          ".title{font-size:16px;font-weight:bold}.head{font-weight:bold}.row{fill:#374151}"
          ".bad{fill:#b91c1c}.verdict{fill:#ffffff;font-weight:bold}</style>\n",
          out);
    fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
    fprintf(out, "<text class=\"title\" x=\"%d\" y=\"24\">", PAD);
    fputs("pagetk fleet: ", out);
    put_escaped(out, folder);
    fprintf(out, "</text>\n<text x=\"%d\" y=\"44\">%zu reports: %zu PASS, %zu FAIL, %zu unreadable",
            PAD, n, passed, failed, refused);
    if (skipped)
        fprintf(out, ", %zu skipped", skipped);
    fputs("</text>\n", out);
    double y = 56;
    cell(out, PAD, y, TITLE_W, "#e5e7eb", "head", "report file");
    double x = PAD + TITLE_W;
    for (size_t i = 0; i < n; i++) {
        cell(out, x, y, widths[i], "#e5e7eb", "head", reps[i].file);
        x += widths[i];
    }
    y += ROW_H;
    for (unsigned row = 0; row < ROW_COUNT + 1 + check_count; row++, y += ROW_H) {
        bool is_check = row > ROW_COUNT;
        const char *title = row < ROW_COUNT    ? row_titles[row]
                            : row == ROW_COUNT ? "checks"
                                               : check_names[row - ROW_COUNT - 1];
        const char *band = row % 2 ? "#f9fafb" : NULL;
        cell(out, PAD, y, TITLE_W, band, row == ROW_COUNT ? "head" : "row", title);
        x = PAD + TITLE_W;
        for (size_t i = 0; i < n; x += widths[i], i++) {
            const struct report *r = &reps[i];
            if (r->error[0]) {
                if (row == 0)
                    cell(out, x, y, widths[i], "#fee2e2", "bad", r->error);
                else if (row == ROW_VERDICT)
                    cell(out, x, y, widths[i], "#fee2e2", "bad", "no verdict: report refused");
                continue;
            }
            if (row == ROW_COUNT)
                continue;
            if (is_check) {
                unsigned c = check_of(r, check_names[row - ROW_COUNT - 1]);
                cell(out, x, y, widths[i],
                     c == 1   ? "#dcfce7"
                     : c == 2 ? "#fee2e2"
                              : band,
                     c == 2 ? "bad" : "row",
                     c == 1   ? "PASS"
                     : c == 2 ? "FAIL"
                              : "not run");
            } else if (row == ROW_VERDICT) {
                const char *fill = r->verdict == VERDICT_PASS       ? "#15803d"
                                   : r->verdict == VERDICT_TAKEOVER ? "#d97706"
                                   : r->verdict == VERDICT_SKIP     ? "#6b7280"
                                                                    : "#b91c1c";
                cell(out, x, y, widths[i], fill, "verdict", r->field[row]);
            } else
                cell(out, x, y, widths[i], band, "row", cell_text(r, row));
        }
    }
    fputs("</svg>\n", out);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_report_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 4 &&
           (!strcmp(name + n - 4, ".txt") || !strcmp(name + n - 4, ".log"));
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fleet-svg FOLDER OUT.svg\n");
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        fprintf(stderr, "fleet-svg: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    char *names[MAX_REPORTS];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (is_report_name(e->d_name)) {
            if (n == MAX_REPORTS) {
                fprintf(stderr, "fleet-svg: %s: more than %d reports\n", argv[1], MAX_REPORTS);
                closedir(d);
                return 2;
            }
            names[n++] = strdup(e->d_name);
        }
    closedir(d);
    if (n == 0) {
        fprintf(stderr, "fleet-svg: %s: no report files (*.txt, *.log)\n", argv[1]);
        return 2;
    }
    qsort(names, n, sizeof names[0], by_name);
    struct report *reps = calloc(n, sizeof *reps);
    if (!reps) {
        fprintf(stderr, "fleet-svg: out of memory\n");
        return 2;
    }
    size_t good = 0;
    for (size_t i = 0; i < n; i++) {
        read_report(argv[1], names[i], &reps[i]);
        if (reps[i].error[0])
            fprintf(stderr, "fleet-svg: %s/%s: %s\n", argv[1], names[i], reps[i].error);
        else {
            add_check_names(&reps[i]);
            good++;
        }
        free(names[i]);
    }
    if (good == 0) {
        fprintf(stderr, "fleet-svg: %s: no readable report\n", argv[1]);
        free(reps);
        return 2;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
    FILE *out = fopen(tmp, "w");
    if (!out) {
        fprintf(stderr, "fleet-svg: %s: %s\n", tmp, strerror(errno));
        free(reps);
        return 2;
    }
    render(out, reps, n, argv[1]);
    bool ok = !ferror(out);
    ok = fclose(out) == 0 && ok;
    free(reps);
    if (!ok || rename(tmp, argv[2]) != 0) {
        fprintf(stderr, "fleet-svg: %s: %s\n", argv[2], strerror(errno));
        remove(tmp);
        return 2;
    }
    printf("fleet-svg: %zu reports (%zu refused) -> %s\n", n, n - good, argv[2]);
    return 0;
}
