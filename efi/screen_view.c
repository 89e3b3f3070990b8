/* The kept screen view and its framebuffer drawing: see screen_view.h. */
#include "screen_view.h"

#include "fbcon.h"

static struct screen_kept *kept;
static unsigned kept_count, fb_row;
static bool on_fb;

void screen_view_init(struct screen_kept *storage)
{
    kept = storage;
    kept_count = 0;
    on_fb = false;
}

unsigned screen_view_count(void)
{
    return kept ? kept_count : 0;
}

const struct screen_kept *screen_view_line(unsigned index)
{
    return index < screen_view_count() ? &kept[index] : 0;
}

bool screen_view_layout(const struct screen_kept *k, struct screen_line *l, unsigned width)
{
    if (k->colour != SCREEN_FROM_REPORT) {
        screen_layout_text(l, k->text, (enum screen_colour)k->colour, width);
        return true;
    }
    return screen_layout_report_line(l, k->text, width);
}

static unsigned rows_of(const struct screen_line *l)
{
    unsigned cols = fbcon_cols();
    return l->len == 0 ? 1 : (unsigned)((l->len + cols - 1) / cols);
}

static void draw_wrapped(const struct screen_line *l)
{
    unsigned cols = fbcon_cols();
    size_t from = 0;
    do {
        fbcon_draw_row(fb_row++, l, from, cols);
        from += cols;
    } while (from < l->len);
}

/* The header lines, then the kept lines from `first` on. */
static void redraw(unsigned first)
{
    static struct screen_line l;
    fbcon_clear();
    fb_row = 0;
    for (unsigned i = 0; i < kept_count; i++)
        if ((i < 2 || i >= first) && screen_view_layout(&kept[i], &l, fbcon_cols()))
            draw_wrapped(&l);
}

/* Draws kept line `index` below the others; when it does not fit, draws the screen again
 * with the header and the newest lines filling at most half of it. */
static void show(unsigned index)
{
    static struct screen_line l, prev;
    if (!screen_view_layout(&kept[index], &l, fbcon_cols()))
        return;
    if (fb_row + rows_of(&l) <= fbcon_rows()) {
        draw_wrapped(&l);
        return;
    }
    unsigned first = index, used = rows_of(&l);
    while (first > 2) {
        if (!screen_view_layout(&kept[first - 1], &prev, fbcon_cols())) {
            first--;
            continue;
        }
        if (used + rows_of(&prev) > fbcon_rows() / 2)
            break;
        used += rows_of(&prev);
        first--;
    }
    redraw(first);
}

const struct screen_kept *screen_view_add(const char *text, uint8_t colour)
{
    if (!kept)
        return 0;
    unsigned index = kept_count;
    if (kept_count < SCREEN_VIEW_LINES)
        kept_count++;
    else { /* full: the oldest line after the header makes room */
        for (unsigned i = 2; i + 1 < SCREEN_VIEW_LINES; i++)
            kept[i] = kept[i + 1];
        index = SCREEN_VIEW_LINES - 1;
    }
    struct screen_kept *k = &kept[index];
    unsigned n = 0;
    for (; text[n] && n + 1 < SCREEN_LINE_MAX; n++)
        k->text[n] = text[n];
    k->text[n] = '\0';
    k->colour = colour;
    if (on_fb)
        show(index);
    return k;
}

void screen_view_start_fb(void)
{
    if (!kept || !fbcon_cols()) /* no console on the framebuffer */
        return;
    on_fb = true;
    redraw(0);
}

bool screen_view_on_fb(void)
{
    return on_fb;
}
