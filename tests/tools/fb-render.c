/* fb-render: draws the framebuffer console's screen of a report at any resolution on the
 * host, with the app's own code (efi/fbcon.c, efi/screen_view.c, efi/screen_layout.c and the
 * font), replaying the report's lines as the app showed them: the "screen header:" lines,
 * each line the view shows, where the report was saved; the framebuffer console takes over
 * at the "screen: framebuffer" line (or at the end). For a resolution the firmware under
 * test does not offer.
 *
 * usage: fb-render WIDTHxHEIGHT REPORT OUT.ppm
 * Exit 0 with OUT.ppm written and one line on stdout as the app reports it ("screen:
 * framebuffer ..."); exit 2 with a message on stderr. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbcon.h"
#include "font.h"
#include "report_line.h"
#include "screen_view.h"

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "fb-render: %s: %s\n", what, why);
    return 2;
}

int main(int argc, char **argv)
{
    unsigned w, h;
    char extra;
    if (argc != 4 || sscanf(argv[1], "%ux%u%c", &w, &h, &extra) != 2 || w < 320 || h < 200 ||
        w > 16384 || h > 16384) {
        fprintf(stderr, "usage: fb-render WIDTHxHEIGHT REPORT OUT.ppm\n");
        return 2;
    }
    uint32_t *pixels = calloc((size_t)w * h, 4);
    struct screen_kept *kept = calloc(SCREEN_VIEW_LINES, sizeof *kept);
    if (!pixels || !kept)
        return fail(argv[1], "out of memory");
    struct framebuffer fb = {(uintptr_t)pixels, (uint64_t)w * h * 4, w, h, w, true};
    if (!fbcon_init(&fb))
        return fail(argv[1], "too small for the framebuffer console");
    screen_view_init(kept);
    FILE *in = fopen(argv[2], "rb");
    if (!in)
        return fail(argv[2], strerror(errno));
    struct line_reader r;
    line_reader_init(&r, in);
    unsigned headers = 0;
    static struct screen_line probe;
    while (line_reader_next(&r) == LINE_READ) {
        const char *t = r.text;
        char note[SCREEN_LINE_MAX];
        if (!strncmp(t, "screen header: ", 15))
            screen_view_add(t + 15, headers++ ? SC_TEXT : SC_TITLE);
        else if (!strncmp(t, "screen: framebuffer ", 20))
            screen_view_start_fb();
        else if (!strncmp(t, "report file: not written: ", 26)) {
            snprintf(note, sizeof note, "report NOT saved: %s", t + 26);
            screen_view_add(note, SC_FAIL);
        } else if (!strncmp(t, "report file: ", 13)) {
            snprintf(note, sizeof note, "saved: %s", t + 13);
            screen_view_add(note, SC_TEXT);
        } else if (screen_layout_report_line(&probe, t, 79))
            screen_view_add(t, SCREEN_FROM_REPORT);
    }
    line_reader_free(&r);
    fclose(in);
    if (!screen_view_on_fb())
        screen_view_start_fb();
    FILE *out = fopen(argv[3], "wb");
    if (!out)
        return fail(argv[3], strerror(errno));
    fprintf(out, "P6\n%u %u\n255\n", w, h);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        uint8_t rgb[3] = {(uint8_t)(pixels[i] >> 16), (uint8_t)(pixels[i] >> 8),
                          (uint8_t)pixels[i]};
        fwrite(rgb, 1, 3, out);
    }
    if (fclose(out) != 0)
        return fail(argv[3], strerror(errno));
    printf("screen: framebuffer %ux%u, font %ux%u scaled x%u: %ux%u cells\n", w, h, FONT_W, FONT_H,
           fbcon_scale(), fbcon_cols(), fbcon_rows());
    free(pixels);
    free(kept);
    return 0;
}
