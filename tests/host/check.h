/* A minimal test harness: each test is a function; CHECK records failures with context. */
#ifndef CHECK_H
#define CHECK_H

#include <inttypes.h>
#include <stdio.h>

extern int check_failures; /* failures in the running test */

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            check_failures++;                                                                      \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);             \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);                               \
        if (check_a_ != check_b_) {                                                                \
            check_failures++;                                                                      \
            fprintf(stderr, "  %s:%d: %s == %s failed: 0x%" PRIx64 " != 0x%" PRIx64 "\n",          \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);                               \
        }                                                                                          \
    } while (0)

#define CHECK_ERR(call, expected)                                                                  \
    do {                                                                                           \
        enum pt_error check_e_ = (call);                                                           \
        if (check_e_ != (expected)) {                                                              \
            check_failures++;                                                                      \
            fprintf(stderr, "  %s:%d: %s gave %s, expected %s\n", __FILE__, __LINE__, #call,       \
                    pt_error_name(check_e_), pt_error_name(expected));                             \
        }                                                                                          \
    } while (0)

struct test_case {
    const char *name;
    void (*fn)(void);
};

/* Each test file exports its cases as a NULL-terminated array. */
#define TEST_SUITE(name) const struct test_case name[]

extern uint64_t test_seed;
extern uint64_t test_ops;          /* --ops N: operations for the long model tests, 0: default */
extern uint64_t test_episode_seed; /* --episode-seed S: replay one episode of the foreign model */

#endif
