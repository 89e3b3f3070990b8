/* The check line both apps print: name padded to 20, verdict, detail, time since the last
 * check in microseconds (0 while the counter's rate is unknown). */
#include <string.h>

#include "check.h"
#include "check_line.h"

static size_t line_of(char *line, size_t size, struct check_clock *c, uint64_t now,
                      const char *name, bool pass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = check_line_vformat(line, size, c, now, name, pass, fmt, ap);
    va_end(ap);
    return n;
}

static void check_line_format(void)
{
    char line[512];
    struct check_clock c = {.hz = 2000000000ull, .last_tsc = 1000};
    size_t n = line_of(line, sizeof line, &c, 1000 + 3000000, "touch-ram", true, "%u leaves", 7u);
    const char *want = "check touch-ram            PASS  7 leaves [1500 us]";
    CHECK(!strcmp(line, want));
    CHECK_EQ(n, strlen(want));
    CHECK_EQ(c.last_tsc, 1000 + 3000000); /* the next check is timed from here */
    line_of(line, sizeof line, &c, 1000 + 3000000, "restore", false, "CR3 0x%llx", 0x1000ull);
    CHECK(!strcmp(line, "check restore              FAIL  CR3 0x1000 [0 us]"));
    struct check_clock unknown = {0};
    line_of(line, sizeof line, &unknown, 123456, "x", true, "d");
    CHECK(!strcmp(line, "check x                    PASS  d [0 us]"));
    /* A short buffer is cut, never overrun. */
    char small[12];
    memset(small, 'z', sizeof small);
    line_of(small, 8, &c, 0, "touch-ram", true, "d");
    CHECK_EQ(strlen(small), 7);
    CHECK_EQ(small[8], 'z');
}

TEST_SUITE(check_line_tests) = {
    {"check_line/format", check_line_format},
    {NULL, NULL},
};
