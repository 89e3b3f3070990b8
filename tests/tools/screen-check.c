/* screen-check: checks a screenshot (binary PPM, as QEMU's screendump writes it) of the app's
 * screen against the geometry the app reported:
 *   - nothing is drawn outside the text area (every pixel there is black);
 *   - the first text row has ink (the header did not scroll away);
 *   - exactly one text row is the verdict bar, in the wanted colour (green for PASS, red for
 *     FAIL: most of the row's pixels), and no row is a bar of the other colour;
 *   - the tallest glyph (ink from its top to its bottom within one text row, bars excluded)
 *     is at least the given height.
 *
 * usage: screen-check IMAGE.ppm X,Y,W,H CELL_WxCELL_H PASS|FAIL MIN_GLYPH_PX
 * Prints one line per finding; exit 0 when every check holds, 1 when one fails, 2 on bad
 * input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct image {
    unsigned w, h;
    uint8_t *rgb;
};

static int next_number(FILE *f, unsigned *out)
{
    int c;
    do { /* blanks and comments */
        c = fgetc(f);
        if (c == '#')
            while (c != '\n' && c != EOF)
                c = fgetc(f);
    } while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    if (c < '0' || c > '9')
        return -1;
    unsigned v = 0;
    while (c >= '0' && c <= '9') {
        if (v > 100000)
            return -1;
        v = v * 10 + (unsigned)(c - '0');
        c = fgetc(f);
    }
    *out = v; /* the one blank after maxval was read */
    return 0;
}

static bool read_ppm(const char *path, struct image *im)
{
    FILE *f = fopen(path, "rb");
    unsigned maxval;
    if (!f || fgetc(f) != 'P' || fgetc(f) != '6' || next_number(f, &im->w) ||
        next_number(f, &im->h) || next_number(f, &maxval) || maxval != 255 || !im->w || !im->h) {
        if (f)
            fclose(f);
        return false;
    }
    size_t n = (size_t)im->w * im->h * 3;
    im->rgb = malloc(n);
    bool ok = im->rgb && fread(im->rgb, 1, n, f) == n;
    fclose(f);
    return ok;
}

static const uint8_t *px(const struct image *im, unsigned x, unsigned y)
{
    return im->rgb + ((size_t)y * im->w + x) * 3;
}

static bool ink(const uint8_t *p)
{
    return p[0] | p[1] | p[2];
}

/* 1 green, 2 red, 0 neither: the colour clearly dominates the other two. */
static int hue(const uint8_t *p)
{
    if (p[1] >= 0x60 && p[1] > p[0] + 0x40 && p[1] > p[2] + 0x40)
        return 1;
    if (p[0] >= 0x60 && p[0] > p[1] + 0x40 && p[0] > p[2] + 0x40)
        return 2;
    return 0;
}

int main(int argc, char **argv)
{
    struct image im;
    unsigned x0, y0, aw, ah, cw, ch, min_glyph;
    char extra;
    if (argc != 6 || sscanf(argv[2], "%u,%u,%u,%u%c", &x0, &y0, &aw, &ah, &extra) != 4 ||
        sscanf(argv[3], "%ux%u%c", &cw, &ch, &extra) != 2 || !cw || !ch ||
        (strcmp(argv[4], "PASS") && strcmp(argv[4], "FAIL")) ||
        sscanf(argv[5], "%u%c", &min_glyph, &extra) != 1) {
        fprintf(stderr, "usage: screen-check IMAGE.ppm X,Y,W,H CELL_WxCELL_H PASS|FAIL "
                        "MIN_GLYPH_PX\n");
        return 2;
    }
    if (!read_ppm(argv[1], &im)) {
        fprintf(stderr, "screen-check: %s: not a readable binary PPM of maxval 255\n", argv[1]);
        return 2;
    }
    if (x0 + aw > im.w || y0 + ah > im.h) {
        fprintf(stderr, "screen-check: text area %u,%u %ux%u lies outside the %ux%u image\n", x0,
                y0, aw, ah, im.w, im.h);
        return 2;
    }
    bool ok = true;
    unsigned long outside = 0;
    for (unsigned y = 0; y < im.h; y++)
        for (unsigned x = 0; x < im.w; x++)
            if ((x < x0 || x >= x0 + aw || y < y0 || y >= y0 + ah) && ink(px(&im, x, y)))
                outside++;
    printf("%s outside: %lu pixels drawn outside the text area %u,%u %ux%u of %ux%u\n",
           outside ? "FAIL" : "ok", outside, x0, y0, aw, ah, im.w, im.h);
    ok = ok && !outside;

    int want = strcmp(argv[4], "PASS") ? 2 : 1;
    unsigned rows = ah / ch, bars[3] = {0, 0, 0}, bar_row = 0, tallest = 0, tallest_row = 0;
    bool header = false;
    for (unsigned r = 0; r < rows; r++) {
        unsigned long count[3] = {0, 0, 0};
        int top = -1, bottom = -1;
        for (unsigned y = y0 + r * ch; y < y0 + (r + 1) * ch; y++)
            for (unsigned x = x0; x < x0 + aw; x++) {
                const uint8_t *p = px(&im, x, y);
                count[hue(p)]++;
                if (ink(p)) {
                    if (top < 0)
                        top = (int)(y - y0 - r * ch);
                    bottom = (int)(y - y0 - r * ch);
                }
            }
        unsigned long all = (unsigned long)aw * ch;
        int bar = count[1] * 2 > all ? 1 : count[2] * 2 > all ? 2 : 0;
        if (r == 0)
            header = top >= 0 && !bar;
        if (bar) {
            bars[bar]++;
            if (bar == want)
                bar_row = r;
            continue;
        }
        if (top >= 0 && (unsigned)(bottom - top + 1) > tallest) {
            tallest = (unsigned)(bottom - top + 1);
            tallest_row = r;
        }
    }
    printf("%s header: text row 0 %s\n", header ? "ok" : "FAIL",
           header ? "has ink" : "is blank or a bar: the header is gone");
    ok = ok && header;
    bool verdict = bars[want] == 1 && bars[3 - want] == 0;
    printf("%s verdict: %u %s bar%s (row %u), %u %s bar%s\n", verdict ? "ok" : "FAIL", bars[want],
           want == 1 ? "green" : "red", bars[want] == 1 ? "" : "s", bar_row, bars[3 - want],
           want == 1 ? "red" : "green", bars[3 - want] == 1 ? "" : "s");
    ok = ok && verdict;
    bool tall = tallest >= min_glyph;
    printf("%s glyphs: tallest %u px (row %u), want at least %u\n", tall ? "ok" : "FAIL", tallest,
           tallest_row, min_glyph);
    ok = ok && tall;
    free(im.rgb);
    return ok ? 0 : 1;
}
