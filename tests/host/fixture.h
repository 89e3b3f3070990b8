/* Shared set-up for host tests: a simulated machine with one hierarchy on it. */
#ifndef FIXTURE_H
#define FIXTURE_H

#include "check.h"
#include "sim.h"

#include <stdio.h>
#include <string.h>

struct fixture {
    struct sim sim;
    struct pt_space sp;
};

/* 4096 frames (16 MiB) unless a test needs more. */
void fixture_init(struct fixture *f, uint64_t frames, struct pt_cpu cpu);
void fixture_fini(struct fixture *f);
/* Frames in use by the allocator minus tables reachable from the root. */
int64_t fixture_leaked(struct fixture *f);
/* Runs pt_check with a private visited set; returns its verdict. */
enum pt_error fixture_check(struct fixture *f, struct pt_fault *fault);

#define RWX (PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB))
#define RW  (PT_ATTR_WRITE | PT_ATTR_NX | PT_ATTR_MT(PT_MT_WB))
#define RO  (PT_ATTR_NX | PT_ATTR_MT(PT_MT_WB))
#define GIB PT_PAGE_1G
#define MIB (1ull << 20)

/* Asserts that va translates to pa with the given leaf size and attributes. */
#define CHECK_MAPS(sp, va, pa_, page_, attr_)                                                      \
    do {                                                                                           \
        struct pt_translation tr_;                                                                 \
        CHECK_ERR(pt_translate((sp), (va), &tr_), PT_OK);                                          \
        CHECK(tr_.mapped);                                                                         \
        CHECK_EQ(tr_.pa, (pa_));                                                                   \
        CHECK_EQ(tr_.page, (page_));                                                               \
        CHECK_EQ(tr_.attr, (attr_));                                                               \
    } while (0)

#define CHECK_UNMAPPED(sp, va)                                                                     \
    do {                                                                                           \
        struct pt_translation tr_;                                                                 \
        CHECK_ERR(pt_translate((sp), (va), &tr_), PT_OK);                                          \
        CHECK(!tr_.mapped);                                                                        \
    } while (0)

/* Text a pt_dump prints, collected for comparison (pt_print_fn: text_append). */
struct text {
    char buf[2048];
    size_t pos;
};
void text_append(void *ctx, const char *s);

/* The hierarchy's dump is exactly `want`; when it is not, the dump is printed. */
#define CHECK_DUMP(sp, want)                                                                       \
    do {                                                                                           \
        struct text t_ = {.pos = 0};                                                               \
        CHECK_ERR(pt_dump((sp), text_append, &t_), PT_OK);                                         \
        CHECK(!strcmp(t_.buf, (want)));                                                            \
        if (strcmp(t_.buf, (want)))                                                                \
            fprintf(stderr, "%s", t_.buf);                                                         \
    } while (0)

#endif
