/* The screen view's lines: see screen_layout.h. */
#include "screen_layout.h"

/* The app has no libc: the few string helpers it needs are here. */
static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void append(struct screen_line *out, const char *s, size_t n, enum screen_colour c)
{
    for (size_t i = 0; i < n && out->len + 1 < SCREEN_LINE_MAX; i++) {
        out->text[out->len] = s[i];
        out->colour[out->len++] = (uint8_t)c;
    }
    out->text[out->len] = '\0';
}

static void cut_to(struct screen_line *out, size_t width)
{
    if (out->len <= width)
        return;
    out->len = width;
    for (size_t i = width >= 3 ? width - 3 : 0; i < width; i++)
        out->text[i] = '.';
    out->text[out->len] = '\0';
}

void screen_layout_text(struct screen_line *out, const char *text, enum screen_colour colour,
                        unsigned width)
{
    out->len = 0;
    out->text[0] = '\0';
    append(out, text, length(text), colour);
    cut_to(out, width);
}

static bool starts(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return false;
    return true;
}

/* The first clause of a detail: up to ", ", "; ", ": " or " (", so a line keeps one
 * figure ("696 points", "38 regions", "slot 510"). */
static size_t first_clause(const char *d)
{
    size_t n = 0;
    for (; d[n]; n++)
        if ((d[n] == ',' || d[n] == ';' || d[n] == ':') && d[n + 1] == ' ')
            break;
        else if (d[n] == ' ' && d[n + 1] == '(')
            break;
    return n;
}

/* "check <name> PASS|FAIL  <detail> [<n> us]" */
static bool layout_check(struct screen_line *out, const char *line, unsigned width)
{
    const char *name = line + 6;
    size_t name_len = 0;
    while (name[name_len] && name[name_len] != ' ')
        name_len++;
    const char *p = name + name_len;
    while (*p == ' ')
        p++;
    bool pass = starts(p, "PASS");
    if (!pass && !starts(p, "FAIL"))
        return false;
    const char *detail = p + 4;
    while (*detail == ' ')
        detail++;
    size_t end = length(detail), timing = end; /* " [<n> us]" stays in the file */
    while (timing >= 2 && !(detail[timing - 2] == ' ' && detail[timing - 1] == '['))
        timing--;
    if (timing >= 2 && end >= 4 && starts(detail + end - 4, " us]"))
        end = timing - 2;
    size_t figure = first_clause(detail);
    if (figure > end)
        figure = end;
    append(out, name, name_len, SC_TEXT);
    for (size_t i = name_len; i < SCREEN_NAME_COLS; i++)
        append(out, " ", 1, SC_TEXT);
    append(out, " ", 1, SC_TEXT);
    append(out, pass ? "PASS" : "FAIL", 4, pass ? SC_PASS : SC_FAIL);
    append(out, "  ", 2, SC_TEXT);
    size_t room = width > out->len ? width - out->len : 0;
    if (figure > room) { /* cut at a word, and say so */
        size_t cut = room >= 3 ? room - 3 : 0;
        while (cut > 0 && detail[cut] != ' ')
            cut--;
        append(out, detail, cut, SC_TEXT);
        append(out, "...", 3, SC_TEXT);
    } else
        append(out, detail, figure, SC_TEXT);
    cut_to(out, width);
    return true;
}

static const char *const notes[] = {
    "not switching",
    "takeover: a check failed",
    "takeover: leaving boot services",
    "pagetk: boot services are gone",
    "takeover: resetting",
    "takeover: ResetSystem returned",
    "this CPU has no 64-bit mode",
};

bool screen_layout_report_line(struct screen_line *out, const char *line, unsigned width)
{
    out->len = 0;
    out->text[0] = '\0';
    if (width + 1 > SCREEN_LINE_MAX)
        width = SCREEN_LINE_MAX - 1;
    if (starts(line, "check "))
        return layout_check(out, line, width);
    if (starts(line, "RESULT: ")) {
        enum screen_colour bar = starts(line, "RESULT: PASS")   ? SC_BAR_PASS
                                 : starts(line, "RESULT: SKIP") ? SC_BAR_SKIP
                                                                : SC_BAR_FAIL;
        append(out, " ", 1, bar);
        append(out, line, length(line), bar);
        while (out->len < width)
            append(out, " ", 1, bar);
        cut_to(out, width);
        return true;
    }
    for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++)
        if (starts(line, notes[i])) {
            screen_layout_text(out, line, SC_TEXT, width);
            return true;
        }
    return false;
}
