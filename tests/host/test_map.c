/* Mapping pages and regions: greedy tiling, conflicts, replacement and every argument error. */
#include "fixture.h"

#include <string.h>

static void greedy_tiles_largest_first(void)
{
    struct fixture f;
    fixture_init(&f, 4096, sim_cpu_max());
    /* 4K edge, 2M run up to 1G, 1G leaf, 2M run, 4K tail. */
    uint64_t va = GIB - 2 * MIB - 8 * PT_PAGE_4K,
             len = 2 * MIB + 8 * PT_PAGE_4K + GIB + 4 * MIB + 3 * PT_PAGE_4K;
    struct pt_map_stats st;
    CHECK_ERR(pt_map_region(&f.sp, va, va, len, RW, 0, &st), PT_OK);
    CHECK_EQ(st.leaves[PT_SIZE_4K], 8 + 3);
    CHECK_EQ(st.leaves[PT_SIZE_2M], 1 + 2);
    CHECK_EQ(st.leaves[PT_SIZE_1G], 1);
    CHECK_EQ(st.tables, 1 + 2 + 2); /* PDPT, two PDs, two PTs */
    CHECK_EQ(f.sim.in_use, 1 + st.tables);
    CHECK_MAPS(&f.sp, va, va, PT_PAGE_4K, RW);
    CHECK_MAPS(&f.sp, GIB - 2 * MIB + 5, GIB - 2 * MIB + 5, PT_PAGE_2M, RW);
    CHECK_MAPS(&f.sp, GIB + 12345, GIB + 12345, PT_PAGE_1G, RW);
    CHECK_MAPS(&f.sp, va + len - 1, va + len - 1, PT_PAGE_4K, RW);
    CHECK_UNMAPPED(&f.sp, va - 1);
    CHECK_UNMAPPED(&f.sp, va + len);
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    fixture_fini(&f);
}

/* Offsets that misalign VA and PA give smaller pages; no 1 GiB leaf without the CPU. */
static void alignment_and_cpu_limit_sizes(void)
{
    struct fixture f;
    struct pt_cpu cpu = sim_cpu_max();
    cpu.page_1g = false;
    fixture_init(&f, 4096, cpu);
    struct pt_map_stats st;
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 2 * GIB, RW, 0, &st), PT_OK);
    CHECK_EQ(st.leaves[PT_SIZE_1G], 0);
    CHECK_EQ(st.leaves[PT_SIZE_2M], 1024);
    CHECK_ERR(pt_map_page(&f.sp, 4 * GIB, 4 * GIB, PT_SIZE_1G, RW, 0), PT_ERR_SIZE_NOT_ALLOWED);
    /* VA 2M-aligned, PA only 4K-aligned: every leaf is 4K. */
    CHECK_ERR(pt_map_region(&f.sp, 8 * GIB, 0x1000, 4 * MIB, RW, 0, &st), PT_OK);
    CHECK_EQ(st.leaves[PT_SIZE_4K], 1024);
    CHECK_EQ(st.leaves[PT_SIZE_2M], 0);
    CHECK_MAPS(&f.sp, 8 * GIB + 4 * MIB - 1, 0x1000 + 4 * MIB - 1, PT_PAGE_4K, RW);
    fixture_fini(&f);
}

static void map_page_each_size(void)
{
    struct fixture f;
    fixture_init(&f, 64, sim_cpu_max());
    CHECK_ERR(pt_map_page(&f.sp, 0x1000, 0x5000, PT_SIZE_4K, RO, 0), PT_OK);
    CHECK_ERR(pt_map_page(&f.sp, 2 * MIB, 6 * MIB, PT_SIZE_2M, RWX, 0), PT_OK);
    CHECK_ERR(pt_map_page(&f.sp, 0xffff800000000000ull + GIB, 3 * GIB, PT_SIZE_1G, RW, 0), PT_OK);
    CHECK_MAPS(&f.sp, 0x1abc, 0x5abc, PT_PAGE_4K, RO);
    CHECK_MAPS(&f.sp, 3 * MIB, 7 * MIB, PT_PAGE_2M, RWX);
    CHECK_MAPS(&f.sp, 0xffff800000000000ull + GIB + 7, 3 * GIB + 7, PT_PAGE_1G, RW);
    CHECK_ERR(pt_map_page(&f.sp, 4 * MIB + 0x1000, 0, PT_SIZE_2M, RW, 0), PT_ERR_MISALIGNED);
    CHECK_ERR(pt_map_page(&f.sp, 4 * MIB, 0x1000, PT_SIZE_2M, RW, 0), PT_ERR_MISALIGNED);
    CHECK_ERR(pt_map_page(&f.sp, 4 * MIB, 0, PT_SIZE_COUNT, RW, 0), PT_ERR_BAD_LENGTH);
    fixture_fini(&f);
}

static void argument_errors_change_nothing(void)
{
    struct fixture f;
    struct pt_cpu cpu = sim_cpu_max();
    cpu.nx = false;
    fixture_init(&f, 64, cpu);
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 0, RWX, 0, NULL), PT_ERR_BAD_LENGTH);
    CHECK_ERR(pt_map_region(&f.sp, 0x800, 0, 0x1000, RWX, 0, NULL), PT_ERR_MISALIGNED);
    CHECK_ERR(pt_map_region(&f.sp, 0, 0x800, 0x1000, RWX, 0, NULL), PT_ERR_MISALIGNED);
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 0x1800, RWX, 0, NULL), PT_ERR_MISALIGNED);
    CHECK_ERR(pt_map_region(&f.sp, 0x0000800000000000ull, 0, 0x1000, RWX, 0, NULL),
              PT_ERR_NON_CANONICAL);
    CHECK_ERR(pt_map_region(&f.sp, 0x00007ffffffff000ull, 0, 0x2000, RWX, 0, NULL),
              PT_ERR_NON_CANONICAL);
    CHECK_ERR(pt_map_region(&f.sp, 0xfffffffffffff000ull, 0, 0x2000, RWX, 0, NULL),
              PT_ERR_BAD_LENGTH);
    CHECK_ERR(pt_map_region(&f.sp, 0, 1ull << 46, 0x1000, RWX, 0, NULL), PT_ERR_PA_TOO_WIDE);
    CHECK_ERR(pt_map_region(&f.sp, 0, (1ull << 46) - 0x1000, 0x2000, RWX, 0, NULL),
              PT_ERR_PA_TOO_WIDE);
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 0x1000, RO, 0, NULL), PT_ERR_NX_DISABLED);
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 0x1000, 0x8000, 0, NULL), PT_ERR_BAD_ATTR);
    CHECK_ERR(pt_recursive_install(&f.sp, 510), PT_OK);
    CHECK_ERR(pt_map_region(&f.sp, pt_canonical(510 * PT_SLOT_SPAN), 0, 0x1000, RWX, 0, NULL),
              PT_ERR_RECURSIVE_SLOT);
    CHECK_ERR(
        pt_map_region(&f.sp, pt_canonical(510 * PT_SLOT_SPAN) - 0x1000, 0, 0x2000, RWX, 0, NULL),
        PT_ERR_RECURSIVE_SLOT);
    CHECK_EQ(f.sim.in_use, 1);
    /* The top page of the upper half is fine: the range may end at 2^64. */
    CHECK_ERR(pt_map_region(&f.sp, 0xfffffffffffff000ull, 0, 0x1000, RWX, 0, NULL), PT_OK);
    CHECK_MAPS(&f.sp, 0xffffffffffffffffull, 0xfff, PT_PAGE_4K, RWX);
    fixture_fini(&f);
}

static void conflicts_and_replace(void)
{
    struct fixture f;
    fixture_init(&f, 4096, sim_cpu_max());
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, GIB, RW, 0, NULL), PT_OK);
    uint64_t used = f.sim.in_use;
    /* Overlapping one page inside a 1 GiB leaf is refused, nothing allocated. */
    CHECK_ERR(pt_map_region(&f.sp, 5 * MIB, 0, PT_PAGE_4K, RW, 0, NULL), PT_ERR_ALREADY_MAPPED);
    CHECK_ERR(pt_map_region(&f.sp, GIB - PT_PAGE_4K, 0, 2 * PT_PAGE_4K, RW, 0, NULL),
              PT_ERR_ALREADY_MAPPED);
    CHECK_EQ(f.sim.in_use, used);
    CHECK_UNMAPPED(&f.sp, GIB);
    /* Replace one 4 KiB page inside the 1 GiB leaf: it splits; the rest keeps its mapping. */
    uint64_t frames = 0;
    CHECK_ERR(pt_map_region_cost(&f.sp, 5 * MIB, 0x77000, PT_PAGE_4K, RO, PT_MAP_REPLACE, &frames),
              PT_OK);
    CHECK_EQ(frames, 2);
    struct pt_map_stats st;
    CHECK_ERR(pt_map_region(&f.sp, 5 * MIB, 0x77000, PT_PAGE_4K, RO, PT_MAP_REPLACE, &st), PT_OK);
    CHECK_EQ(st.tables, 2);
    CHECK_MAPS(&f.sp, 5 * MIB, 0x77000, PT_PAGE_4K, RO);
    CHECK_MAPS(&f.sp, 5 * MIB - 1, 5 * MIB - 1, PT_PAGE_4K, RW);
    CHECK_MAPS(&f.sp, 5 * MIB + PT_PAGE_4K, 5 * MIB + PT_PAGE_4K, PT_PAGE_4K, RW);
    CHECK_MAPS(&f.sp, 2 * MIB, 2 * MIB, PT_PAGE_2M, RW);
    CHECK_MAPS(&f.sp, GIB - 1, GIB - 1, PT_PAGE_2M, RW);
    /* Replacing the whole gigabyte again frees the split tables. */
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, GIB, RWX, PT_MAP_REPLACE, &st), PT_OK);
    CHECK_EQ(st.tables, 0);
    CHECK_EQ(f.sim.in_use, used);
    CHECK_MAPS(&f.sp, 5 * MIB, 5 * MIB, PT_PAGE_1G, RWX);
    CHECK_EQ(fixture_leaked(&f), 0);
    fixture_fini(&f);
}

/* A map writes the same bytes whether its new tables go out by non-temporal stores (a
 * cache of one frame: every map streams) or by ordinary ones, on frames handed out
 * poisoned, which the library must fill whole either way. */
static void streamed_tables_same_bytes(void)
{
    struct fixture f[2];
    for (int k = 0; k < 2; k++) {
        struct pt_cpu cpu = sim_cpu_max();
        cpu.llc_bytes = k ? PT_PAGE_4K : 0;
        fixture_init(&f[k], 4096, cpu);
        sim_dirty_frames(&f[k].sim);
        CHECK_ERR(pt_map_region(&f[k].sp, 0, 0x1000, 64 * MIB, RW, 0, NULL), PT_OK);
        CHECK_ERR(pt_map_region(&f[k].sp, 4 * GIB, 4 * GIB, 2 * GIB + 6 * MIB, RW, 0, NULL), PT_OK);
        CHECK_ERR(pt_map_region(&f[k].sp, 8 * GIB, 2 * MIB, GIB, RO, 0, NULL), PT_OK);
        CHECK_ERR(fixture_check(&f[k], NULL), PT_OK);
    }
    CHECK_EQ(f[0].sim.in_use, f[1].sim.in_use);
    CHECK(memcmp(f[0].sim.mem, f[1].sim.mem, 4096 * PT_PAGE_4K) == 0);
    CHECK_MAPS(&f[1].sp, 64 * MIB - 1, 0x1000 + 64 * MIB - 1, PT_PAGE_4K, RW);
    CHECK_MAPS(&f[1].sp, 6 * GIB + 5 * MIB, 6 * GIB + 5 * MIB, PT_PAGE_2M, RW);
    CHECK_MAPS(&f[1].sp, 9 * GIB - 1, GIB + 2 * MIB - 1, PT_PAGE_2M, RO);
    for (int k = 0; k < 2; k++)
        fixture_fini(&f[k]);
}

TEST_SUITE(map_tests) = {
    {"map/streamed_tables_same_bytes", streamed_tables_same_bytes},
    {"map/greedy_tiles_largest_first", greedy_tiles_largest_first},
    {"map/alignment_and_cpu_limit_sizes", alignment_and_cpu_limit_sizes},
    {"map/map_page_each_size", map_page_each_size},
    {"map/argument_errors_change_nothing", argument_errors_change_nothing},
    {"map/conflicts_and_replace", conflicts_and_replace},
    {NULL, NULL},
};
