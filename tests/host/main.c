/* Runs every host test case; prints "N passed, N failed". --seed N replays random tests. */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int check_failures;
uint64_t test_seed;
uint64_t test_ops;
uint64_t test_episode_seed;

extern TEST_SUITE(entry_tests);
extern TEST_SUITE(map_tests);
extern TEST_SUITE(edit_tests);
extern TEST_SUITE(walk_tests);
extern TEST_SUITE(recursive_tests);
extern TEST_SUITE(txn_tests);
extern TEST_SUITE(model_tests);
extern TEST_SUITE(plan_tests);
extern TEST_SUITE(options_tests);
extern TEST_SUITE(wx_tests);
extern TEST_SUITE(rt_props_tests);
extern TEST_SUITE(devpath_tests);
extern TEST_SUITE(smbios_tests);
extern TEST_SUITE(names_tests);
extern TEST_SUITE(screen_tests);
extern TEST_SUITE(foreign_tests);
extern TEST_SUITE(foreign_model_tests);
extern TEST_SUITE(fast_tests);
extern TEST_SUITE(five_level_tests);
extern TEST_SUITE(fw_map_tests);
extern TEST_SUITE(check_line_tests);

static const struct test_case *const suites[] = {
    entry_tests,      map_tests,      edit_tests,          walk_tests,
    recursive_tests,  txn_tests,      plan_tests,          options_tests,
    wx_tests,         rt_props_tests, devpath_tests,       smbios_tests,
    names_tests,      screen_tests,   foreign_tests,       fast_tests,
    five_level_tests, model_tests,    foreign_model_tests, fw_map_tests,
    check_line_tests};

int main(int argc, char **argv)
{
    const char *only = NULL;
    test_seed = (uint64_t)time(NULL);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            test_seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
            test_ops = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--episode-seed") && i + 1 < argc)
            test_episode_seed = strtoull(argv[++i], NULL, 0);
        else
            only = argv[i];
    }
    printf("seed %llu (replay with --seed %llu)\n", (unsigned long long)test_seed,
           (unsigned long long)test_seed);
    int passed = 0, failed = 0;
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        for (const struct test_case *t = suites[s]; t->name; t++) {
            if (only && !strstr(t->name, only))
                continue;
            check_failures = 0;
            t->fn();
            printf("%s %s\n", check_failures ? "FAIL" : "PASS", t->name);
            fflush(stdout);
            if (check_failures)
                failed++;
            else
                passed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
