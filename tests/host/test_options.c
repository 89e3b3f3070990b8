/* The app's option words: shell command line and pagetk.cfg. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "options.h"

static enum plan_error parse(struct options *o, const char *text, char *bad, size_t n)
{
    return options_parse(o, text, strlen(text), bad, n);
}

static void words_and_comments(void)
{
    struct options o = {0};
    char bad[16] = "";
    CHECK_EQ(
        parse(&o, "# pagetk.cfg\r\n  touch=all\ttakeover # stay on our tables\n", bad, sizeof bad),
        PLAN_OK);
    CHECK(o.takeover && o.touch_all && !o.inspect);
    CHECK_EQ(parse(&o, "touch=leaves", bad, sizeof bad), PLAN_OK);
    CHECK(o.takeover && !o.touch_all);
    struct options empty = {0};
    CHECK_EQ(parse(&empty, "  \n# nothing\n", bad, sizeof bad), PLAN_OK);
    CHECK(!empty.takeover && !empty.inspect && !empty.touch_all);
}

static void unknown_word_is_named_and_cut_to_fit(void)
{
    struct options o = {0};
    char bad[8] = "x";
    CHECK_EQ(parse(&o, "inspect takeoverr", bad, sizeof bad), PLAN_ERR_OPTIONS_UNKNOWN_WORD);
    CHECK(!strcmp(bad, "takeove"));
    CHECK_EQ(parse(&o, "touch", bad, sizeof bad), PLAN_ERR_OPTIONS_UNKNOWN_WORD);
    CHECK(!strcmp(bad, "touch"));
    /* A word that is a prefix of a known one is still unknown. */
    CHECK_EQ(parse(&o, "take", bad, sizeof bad), PLAN_ERR_OPTIONS_UNKNOWN_WORD);
    CHECK(!strcmp(bad, "take"));
}

static void takeover_excludes_inspect(void)
{
    struct options o = {0};
    char bad[8];
    CHECK_EQ(parse(&o, "inspect\ntakeover", bad, sizeof bad), PLAN_OK);
    CHECK_EQ(options_check(&o), PLAN_ERR_OPTIONS_CONFLICT);
    CHECK(strstr(plan_error_message(PLAN_ERR_OPTIONS_CONFLICT), "exclude") != NULL);
    struct options r = {0};
    CHECK_EQ(parse(&r, "reset", bad, sizeof bad), PLAN_OK);
    CHECK_EQ(options_check(&r), PLAN_ERR_OPTIONS_CONFLICT); /* reset alone: nothing to reset from */
    CHECK_EQ(parse(&r, "takeover", bad, sizeof bad), PLAN_OK);
    CHECK_EQ(options_check(&r), PLAN_OK);
    CHECK(r.takeover && r.reset);
    CHECK(strstr(plan_error_message(PLAN_ERR_OPTIONS_UNKNOWN_WORD), "touch=all") != NULL);
}

/* UCS-2 little-endian bytes of an ASCII string, with the NUL when nul is set. */
static size_t ucs2(unsigned char *out, const char *s, bool nul)
{
    size_t n = 0;
    for (; *s; s++) {
        out[n++] = (unsigned char)*s;
        out[n++] = 0;
    }
    if (nul)
        out[n++] = 0, out[n++] = 0;
    return n;
}

static void load_options_text_binary_and_none(void)
{
    unsigned char buf[256];
    char text[16] = "x";
    CHECK_EQ(load_options_describe(NULL, 0, text, sizeof text), LOAD_OPTIONS_NONE);
    CHECK(!strcmp(text, ""));
    CHECK_EQ(load_options_describe(buf, 0, text, sizeof text), LOAD_OPTIONS_NONE);
    /* U-Boot's bootargs: text with a NUL at the end, then NUL padding. */
    size_t n = ucs2(buf, "init=/sbin/init", true);
    buf[n] = buf[n + 1] = 0;
    CHECK_EQ(load_options_describe(buf, n + 2, text, sizeof text), LOAD_OPTIONS_TEXT);
    CHECK(!strcmp(text, "init=/sbin/init"));
    /* Longer than text: cut with "..." at the end, never past it. */
    char small[8];
    n = ucs2(buf, "root=/dev/sdb3 ro", false);
    CHECK_EQ(load_options_describe(buf, n, small, sizeof small), LOAD_OPTIONS_TEXT);
    CHECK(!strcmp(small, "root..."));
    n = ucs2(buf, "takeover", false); /* exactly fills a 9-byte buffer: not cut */
    CHECK_EQ(load_options_describe(buf, n, text, 9), LOAD_OPTIONS_TEXT);
    CHECK(!strcmp(text, "takeover"));
    /* Binary: odd size, a GUID (edk2's auto-created boot options), a control character,
     * a character above ASCII, data after the NUL, a NUL first. */
    CHECK_EQ(load_options_describe(buf, 3, text, sizeof text), LOAD_OPTIONS_BINARY);
    static const unsigned char guid[16] = {0x8d, 0x8e, 0x13, 0x1e, 0x30, 0x00, 0xe8, 0x4e,
                                           0x9d, 0xa7, 0x00, 0x21, 0x32, 0x64, 0x5a, 0xa1};
    CHECK_EQ(load_options_describe(guid, sizeof guid, text, sizeof text), LOAD_OPTIONS_BINARY);
    n = ucs2(buf, "a\tb", false);
    CHECK_EQ(load_options_describe(buf, n, text, sizeof text), LOAD_OPTIONS_BINARY);
    n = ucs2(buf, "ab", false);
    buf[1] = 0x01; /* U+0161 */
    CHECK_EQ(load_options_describe(buf, n, text, sizeof text), LOAD_OPTIONS_BINARY);
    n = ucs2(buf, "ab", true);
    buf[n] = 'x', buf[n + 1] = 0;
    CHECK_EQ(load_options_describe(buf, n + 2, text, sizeof text), LOAD_OPTIONS_BINARY);
    n = ucs2(buf, "", true);
    CHECK_EQ(load_options_describe(buf, n, text, sizeof text), LOAD_OPTIONS_BINARY);
}

TEST_SUITE(options_tests) = {
    {"options/load_options_text_binary_and_none", load_options_text_binary_and_none},
    {"options/words_and_comments", words_and_comments},
    {"options/unknown_word_is_named_and_cut_to_fit", unknown_word_is_named_and_cut_to_fit},
    {"options/takeover_excludes_inspect", takeover_excludes_inspect},
    {NULL, NULL},
};
