/* The app's option words: shell command line and pagetk.cfg. */
#include <string.h>

#include "check.h"
#include "options.h"

static enum options_status parse(struct options *o, const char *text, char *bad, size_t n)
{
    return options_parse(o, text, strlen(text), bad, n);
}

static void words_and_comments(void)
{
    struct options o = {0};
    char bad[16] = "";
    CHECK_EQ(
        parse(&o, "# pagetk.cfg\r\n  touch=all\ttakeover # stay on our tables\n", bad, sizeof bad),
        OPTIONS_OK);
    CHECK(o.takeover && o.touch_all && !o.inspect);
    CHECK_EQ(parse(&o, "touch=leaves", bad, sizeof bad), OPTIONS_OK);
    CHECK(o.takeover && !o.touch_all);
    struct options empty = {0};
    CHECK_EQ(parse(&empty, "  \n# nothing\n", bad, sizeof bad), OPTIONS_OK);
    CHECK(!empty.takeover && !empty.inspect && !empty.touch_all);
}

static void unknown_word_is_named_and_cut_to_fit(void)
{
    struct options o = {0};
    char bad[8] = "x";
    CHECK_EQ(parse(&o, "inspect takeoverr", bad, sizeof bad), OPTIONS_UNKNOWN_WORD);
    CHECK(!strcmp(bad, "takeove"));
    CHECK_EQ(parse(&o, "touch", bad, sizeof bad), OPTIONS_UNKNOWN_WORD);
    CHECK(!strcmp(bad, "touch"));
    /* A word that is a prefix of a known one is still unknown. */
    CHECK_EQ(parse(&o, "take", bad, sizeof bad), OPTIONS_UNKNOWN_WORD);
    CHECK(!strcmp(bad, "take"));
}

static void takeover_excludes_inspect(void)
{
    struct options o = {0};
    char bad[8];
    CHECK_EQ(parse(&o, "inspect\ntakeover", bad, sizeof bad), OPTIONS_OK);
    CHECK_EQ(options_check(&o), OPTIONS_CONFLICT);
    CHECK(strstr(options_status_message(OPTIONS_CONFLICT), "exclude") != NULL);
    struct options r = {0};
    CHECK_EQ(parse(&r, "reset", bad, sizeof bad), OPTIONS_OK);
    CHECK_EQ(options_check(&r), OPTIONS_CONFLICT); /* reset alone: nothing to reset from */
    CHECK_EQ(parse(&r, "takeover", bad, sizeof bad), OPTIONS_OK);
    CHECK_EQ(options_check(&r), OPTIONS_OK);
    CHECK(r.takeover && r.reset);
    CHECK(strstr(options_status_message(OPTIONS_UNKNOWN_WORD), "touch=all") != NULL);
}

TEST_SUITE(options_tests) = {
    {"options/words_and_comments", words_and_comments},
    {"options/unknown_word_is_named_and_cut_to_fit", unknown_word_is_named_and_cut_to_fit},
    {"options/takeover_excludes_inspect", takeover_excludes_inspect},
    {NULL, NULL},
};
