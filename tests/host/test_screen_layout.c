/* The screen view: check lines fit the console's width with one figure, the verdict is a
 * bar as wide as the console, long lines are cut visibly, other lines stay off the screen. */
#include <string.h>

#include "check.h"
#include "screen_layout.h"

static const char *const sample[] = {
    "check firmware-import      PASS  25 runs from 1028 tables at CR3 0x7f801000 [81170 us]",
    "check translation          PASS  696 points (671 also against the firmware's tables), 0 "
    "mismatches, seed 0x32172017b [7106 us]",
    "check touch-ram            PASS  read both ends of 3030 identity and 1940 alias leaves over "
    "RAM, 0 pages unmapped (checksum 0x3206dfb57641f6ff) [14434 us]",
    "check recursive-slot       PASS  slot 510: PML4 at 0xffffff7fbfdfe000 maps 0x7dc85000 [4839 "
    "us]",
    "check live-map-is-plan     FAIL  38 runs walked through the slot, 3 differ [2925 us]",
};

static void check_lines_fit(void)
{
    static const unsigned widths[] = {40, 79, 99, 159};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++)
        for (size_t i = 0; i < sizeof sample / sizeof sample[0]; i++) {
            struct screen_line l;
            CHECK(screen_layout_report_line(&l, sample[i], widths[w]));
            CHECK(l.len <= widths[w]);
            CHECK_EQ(strlen(l.text), l.len);
            CHECK(!strstr(l.text, " us]")); /* the timing stays in the file */
        }
    struct screen_line l;
    CHECK(screen_layout_report_line(&l, sample[1], 79));
    CHECK(!strcmp(l.text, "translation          PASS  696 points"));
    CHECK_EQ(l.colour[0], SC_TEXT);
    CHECK_EQ(l.colour[21], SC_PASS);
    CHECK_EQ(l.colour[24], SC_PASS);
    CHECK_EQ(l.colour[25], SC_TEXT);
    CHECK(screen_layout_report_line(&l, sample[3], 79));
    CHECK(!strcmp(l.text, "recursive-slot       PASS  slot 510"));
    CHECK(screen_layout_report_line(&l, sample[4], 79));
    CHECK(!strcmp(l.text, "live-map-is-plan     FAIL  38 runs walked through the slot"));
    CHECK_EQ(l.colour[21], SC_FAIL);
    /* a figure longer than the room is cut at a word and ends in "..." */
    CHECK(screen_layout_report_line(&l, sample[2], 60));
    CHECK(!strcmp(l.text, "touch-ram            PASS  read both ends of 3030..."));
    CHECK(screen_layout_report_line(&l, sample[0], 79));
    CHECK(!strcmp(l.text, "firmware-import      PASS  25 runs from 1028 tables at CR3 0x7f801000"));
    CHECK(screen_layout_report_line(&l, sample[2], 79));
    CHECK(!strcmp(l.text, "touch-ram            PASS  read both ends of 3030 identity and 1940 "
                          "alias..."));
}

static void verdict_is_a_bar(void)
{
    struct screen_line l;
    CHECK(screen_layout_report_line(&l, "RESULT: PASS checks=19 (339 ms in the app)", 79));
    CHECK_EQ(l.len, 79);
    CHECK(!strncmp(l.text, " RESULT: PASS checks=19 (339 ms in the app) ", 44));
    for (size_t i = 0; i < l.len; i++)
        CHECK_EQ(l.colour[i], SC_BAR_PASS);
    CHECK(screen_layout_report_line(&l, "RESULT: FAIL checks=19 failed=2 (339 ms in the app)", 40));
    CHECK_EQ(l.len, 40);
    CHECK(!strcmp(l.text + 37, "..."));
    CHECK_EQ(l.colour[39], SC_BAR_FAIL);
    CHECK(screen_layout_report_line(&l, "RESULT: SKIP checks=0 skipped=takeover, no 64-bit mode",
                                    60));
    CHECK_EQ(l.len, 60);
    CHECK_EQ(l.colour[0], SC_BAR_SKIP);
    CHECK_EQ(l.colour[59], SC_BAR_SKIP);
}

static void other_lines_stay_off(void)
{
    struct screen_line l;
    CHECK(!screen_layout_report_line(&l, "map 0x0-0x1000 -> 0x0 4K RW x WB pte", 79));
    CHECK(!screen_layout_report_line(&l, "cpu: CR0 0x80010033 (WP=1)", 79));
    CHECK(screen_layout_report_line(&l,
                                    "this CPU has no 64-bit mode (CPUID 0x80000001 EDX bit 29 "
                                    "is clear): four-level tables cannot run on it",
                                    40));
    CHECK(!strcmp(l.text, "this CPU has no 64-bit mode (CPUID 0x..."));
    CHECK(!screen_layout_report_line(&l, "check odd  MAYBE  x [1 us]", 79));
    CHECK(screen_layout_report_line(&l, "takeover: resetting through ResetSystem in 10 s", 79));
    CHECK(!strcmp(l.text, "takeover: resetting through ResetSystem in 10 s"));
    CHECK(screen_layout_report_line(
        &l, "not switching: the new tables were not built or failed their checks", 40));
    CHECK(!strcmp(l.text, "not switching: the new tables were no..."));
    screen_layout_text(&l, "short", SC_TITLE, 40);
    CHECK(!strcmp(l.text, "short"));
    CHECK_EQ(l.colour[4], SC_TITLE);
}

TEST_SUITE(screen_tests) = {
    {"screen_check_lines_fit", check_lines_fit},
    {"screen_verdict_is_a_bar", verdict_is_a_bar},
    {"screen_other_lines_stay_off", other_lines_stay_off},
    {NULL, NULL},
};
