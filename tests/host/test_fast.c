/* The fast paths against the checked ones: frames handed out full of poison with direct
 * (offset) access must build, change and read exactly the hierarchy that zeroed frames
 * reached through the access function build. */
#include "fixture.h"

#include <stdlib.h>

struct twin {
    struct sim sim;
    struct pt_space sp;
};

static int depth; /* 4, or 5: five-level twins */

static void twin_init(struct twin *t, bool fast)
{
    struct pt_cpu cpu = sim_cpu_max();
    cpu.levels = (uint8_t)depth;
    sim_init(&t->sim, 4096, cpu);
    if (fast) {
        sim_dirty_frames(&t->sim);
        sim_use_offset(&t->sim);
    }
    CHECK_ERR(pt_create(&t->sp, &t->sim.env), PT_OK);
}

/* Byte-for-byte equal tables everywhere below two entries (at `level`, both present). */
static bool same_below(struct twin *a, struct twin *b, uint64_t ea, uint64_t eb, int level)
{
    if (ea != eb)
        return false;
    if (!(ea & 1) || level == PT_LEVEL_PT || (level < PT_LEVEL_PML4 && (ea & 0x80)))
        return true;
    uint64_t pa = ea & 0x000ffffffffff000ull;
    const uint64_t *ta = sim_frame(&a->sim, pa), *tb = sim_frame(&b->sim, pa);
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        if (!same_below(a, b, ta[i], tb[i], level - 1))
            return false;
    return true;
}

static bool same_hierarchy(struct twin *a, struct twin *b)
{
    /* The root as if an entry one level above the top pointed to it. */
    return a->sp.root == b->sp.root &&
           same_below(a, b, a->sp.root | 1, b->sp.root | 1, a->sp.levels + 1);
}

static uint64_t rng;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* An address in the first 4 GiB (five levels: the 4 GiB around 2^48, across a PML5 line),
 * biased to 2 MiB and 1 GiB boundaries. */
static uint64_t pick_addr(void)
{
    uint64_t a = (depth == 5 ? (1ull << 48) - 2 * GIB : 0) + next() % (4 * GIB);
    switch (next() % 3) {
    case 0:
        return a & ~(GIB - 1);
    case 1:
        return a & ~(PT_PAGE_2M - 1);
    default:
        return a & ~(PT_PAGE_4K - 1);
    }
}

static enum pt_error apply(struct pt_space *sp, unsigned op, uint64_t va, uint64_t len,
                           uint64_t delta)
{
    pt_attr attrs[] = {RW, RO, RWX};
    switch (op) {
    case 0:
        return pt_map_region(sp, va, va + delta, len, attrs[delta % 3], 0, NULL);
    case 1:
        return pt_map_region(sp, va, va + delta, len, attrs[delta % 3], PT_MAP_REPLACE, NULL);
    case 2:
        return pt_unmap(sp, va, len);
    case 3:
        return pt_protect(sp, va, len, attrs[len % 3]);
    default:
        return pt_coalesce(sp, va, len, NULL);
    }
}

static void direct_matches_checked_at(int levels)
{
    depth = levels;
    struct twin slow, fast;
    twin_init(&slow, false);
    twin_init(&fast, true);
    rng = test_seed * 0x9E3779B97F4A7C15ull + 7;
    int ops = 1500, differ = 0, translations_differ = 0;
    for (int i = 0; i < ops && !differ; i++) {
        unsigned op = (unsigned)(next() % 5);
        uint64_t va = pick_addr(), len = pick_addr() % (GIB + 4 * PT_PAGE_2M) + PT_PAGE_4K;
        len &= ~(PT_PAGE_4K - 1);
        uint64_t delta = (next() % 4) * PT_PAGE_2M + (next() % 2) * PT_PAGE_4K;
        enum pt_error es = apply(&slow.sp, op, va, len, delta);
        enum pt_error ef = apply(&fast.sp, op, va, len, delta);
        CHECK_ERR(ef, es);
        if (!same_hierarchy(&slow, &fast)) {
            differ = 1;
            fprintf(stderr, "  op %d (%u at 0x%llx + 0x%llx) left different tables\n", i, op,
                    (unsigned long long)va, (unsigned long long)len);
        }
        for (int k = 0; k < 8; k++) {
            uint64_t p = pick_addr() + (next() % 4096);
            struct pt_translation ts, tf;
            CHECK_ERR(pt_translate(&slow.sp, p, &ts), PT_OK);
            CHECK_ERR(pt_translate(&fast.sp, p, &tf), PT_OK);
            translations_differ +=
                ts.mapped != tf.mapped || ts.level != tf.level ||
                (ts.mapped && (ts.pa != tf.pa || ts.page != tf.page || ts.attr != tf.attr));
        }
    }
    CHECK_EQ(differ, 0);
    CHECK_EQ(translations_differ, 0);
    CHECK_EQ(fast.sim.in_use, slow.sim.in_use);
    printf("  fast paths, %d-level: %d operations, poisoned frames + offset access against zeroed "
           "frames + access function, seed %llu\n",
           levels, ops, (unsigned long long)test_seed);
    sim_fini(&slow.sim);
    sim_fini(&fast.sim);
    depth = 0;
}

static void poisoned_direct_matches_zeroed_checked(void)
{
    direct_matches_checked_at(PT_LEVEL_PML4);
}

static void poisoned_direct_matches_zeroed_checked_5level(void)
{
    direct_matches_checked_at(PT_LEVEL_PML5);
}

/* A new hierarchy on a poisoned frame is empty; so is each new table's unused part. */
static void poisoned_frames_are_cleared_where_unused(void)
{
    struct twin t;
    twin_init(&t, true);
    CHECK_UNMAPPED(&t.sp, 0);
    CHECK_UNMAPPED(&t.sp, 0x00007ffffffff000ull);
    CHECK_ERR(
        pt_map_region(&t.sp, 3 * PT_PAGE_2M + PT_PAGE_4K, PT_PAGE_4K, PT_PAGE_4K, RW, 0, NULL),
        PT_OK);
    CHECK_MAPS(&t.sp, 3 * PT_PAGE_2M + PT_PAGE_4K, PT_PAGE_4K, PT_PAGE_4K, RW);
    CHECK_UNMAPPED(&t.sp, 3 * PT_PAGE_2M);
    CHECK_UNMAPPED(&t.sp, 2 * PT_PAGE_2M);
    CHECK_UNMAPPED(&t.sp, GIB);
    struct pt_seen seen = {calloc(64, sizeof(uint64_t)), 64, 0};
    struct pt_fault fault;
    CHECK_ERR(pt_check(&t.sp, &seen, &fault), PT_OK);
    free(seen.slots);
    sim_fini(&t.sim);
}

/* Through the slot a new table is reachable only once linked: poisoned frames are refused
 * before anything is written, and a change that needs no frame still works. */
static void recursive_access_needs_zeroed_frames(void)
{
    struct twin t;
    twin_init(&t, false);
    CHECK_ERR(pt_map_region(&t.sp, 0, 0, PT_PAGE_4K, RW, 0, NULL), PT_OK);
    CHECK_ERR(pt_recursive_install(&t.sp, PT_DEFAULT_SLOT), PT_OK);
    sim_use_recursive(&t.sim, &t.sp, PT_DEFAULT_SLOT);
    sim_dirty_frames(&t.sim);
    uint64_t in_use = t.sim.in_use;
    CHECK_ERR(pt_map_region(&t.sp, GIB, GIB, PT_PAGE_4K, RW, 0, NULL), PT_ERR_UNREACHABLE);
    CHECK_EQ(t.sim.in_use, in_use);
    CHECK_UNMAPPED(&t.sp, GIB);
    CHECK_ERR(pt_map_region(&t.sp, PT_PAGE_4K, PT_PAGE_4K, PT_PAGE_4K, RW, 0, NULL), PT_OK);
    CHECK_MAPS(&t.sp, PT_PAGE_4K, PT_PAGE_4K, PT_PAGE_4K, RW);
    sim_fini(&t.sim);
}

TEST_SUITE(fast_tests) = {
    {"fast/poisoned_direct_matches_zeroed_checked", poisoned_direct_matches_zeroed_checked},
    {"fast/poisoned_direct_matches_zeroed_checked_5level",
     poisoned_direct_matches_zeroed_checked_5level},
    {"fast/poisoned_frames_are_cleared_where_unused", poisoned_frames_are_cleared_where_unused},
    {"fast/recursive_access_needs_zeroed_frames", recursive_access_needs_zeroed_frames},
    {NULL, NULL},
};
