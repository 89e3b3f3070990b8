/* Walking runs, dumping, statistics, importing foreign tables and checking hierarchies. */
#include "../../core/entry.h"
#include "fixture.h"

#include <string.h>

#define MAX_RUNS 64
struct runs {
    struct pt_run r[MAX_RUNS];
    int n;
};

static bool collect(void *ctx, const struct pt_run *run)
{
    struct runs *rs = ctx;
    if (rs->n < MAX_RUNS)
        rs->r[rs->n] = *run;
    rs->n++;
    return true;
}

static bool stop_at_first(void *ctx, const struct pt_run *run)
{
    (void)run;
    ++*(int *)ctx;
    return false;
}

static void walk_merges_continuing_leaves(void)
{
    struct fixture f;
    fixture_init(&f, 4096, sim_cpu_max());
    /* 4K pieces + 2M + 1G that continue each other form one run. */
    CHECK_ERR(pt_map_region(&f.sp, GIB - 2 * MIB - PT_PAGE_4K, GIB - 2 * MIB - PT_PAGE_4K,
                            GIB + 2 * MIB + PT_PAGE_4K, RW, 0, NULL),
              PT_OK);
    CHECK_ERR(pt_map_region(&f.sp, 2 * GIB, 2 * GIB, 2 * MIB, RO, 0, NULL),
              PT_OK); /* rights differ */
    CHECK_ERR(pt_map_region(&f.sp, 2 * GIB + 2 * MIB, 0, PT_PAGE_4K, RO, 0, NULL),
              PT_OK); /* PA jumps */
    CHECK_ERR(pt_map_region(&f.sp, 0xffff800000000000ull, 0, PT_PAGE_4K, RO, 0, NULL), PT_OK);
    struct runs rs = {.n = 0};
    CHECK_ERR(pt_walk(&f.sp, 0, 1ull << 48, collect, &rs), PT_OK);
    CHECK_EQ(rs.n, 4);
    CHECK_EQ(rs.r[0].va, GIB - 2 * MIB - PT_PAGE_4K);
    CHECK_EQ(rs.r[0].len, GIB + 2 * MIB + PT_PAGE_4K);
    CHECK_EQ(rs.r[0].sizes, 7);
    CHECK_EQ(rs.r[1].va, 2 * GIB);
    CHECK_EQ(rs.r[1].attr, RO);
    CHECK_EQ(rs.r[1].sizes, 2);
    CHECK_EQ(rs.r[2].pa, 0);
    CHECK_EQ(rs.r[3].va, 0xffff800000000000ull);
    /* A sub-range clips the leaves at its ends. */
    rs.n = 0;
    CHECK_ERR(pt_walk(&f.sp, GIB + 4096, 8192, collect, &rs), PT_OK);
    CHECK_EQ(rs.n, 1);
    CHECK_EQ(rs.r[0].va, GIB + 4096);
    CHECK_EQ(rs.r[0].pa, GIB + 4096);
    CHECK_EQ(rs.r[0].len, 8192);
    int calls = 0;
    CHECK_ERR(pt_walk(&f.sp, 0, 1ull << 48, stop_at_first, &calls), PT_ERR_STOPPED);
    CHECK_EQ(calls, 1);
    CHECK_ERR(pt_walk(&f.sp, 0x0000800000000000ull, 4096, collect, &rs), PT_ERR_NON_CANONICAL);
    fixture_fini(&f);
}

static void dump_lists_runs(void)
{
    struct fixture f;
    fixture_init(&f, 64, sim_cpu_max());
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 4 * MIB + PT_PAGE_4K, RW | PT_ATTR_GLOBAL, 0, NULL),
              PT_OK);
    CHECK_ERR(pt_map_page(&f.sp, 0xffffffff80000000ull, 0x200000, PT_SIZE_2M, RWX, 0), PT_OK);
    /* A size wider than its column still gets a space before the rights. */
    CHECK_ERR(pt_map_region(&f.sp, 512 * GIB, GIB, GIB + PT_PAGE_4K, RW, 0, NULL), PT_OK);
    const char *want =
        "0x0000000000000000-0x0000000000401000 -> 0x000000000000 4100K  RW     GLB NX WB pmd pte\n"
        "0x0000008000000000-0x0000008040001000 -> 0x000040000000 1048580K RW         NX WB pud "
        "pte\n"
        "0xffffffff80000000-0xffffffff80200000 -> 0x000000200000 2M     RW         x  WB pmd\n";
    CHECK_DUMP(&f.sp, want);
    fixture_fini(&f);
}

static void stats_count_tables_and_leaves(void)
{
    struct fixture f;
    fixture_init(&f, 4096, sim_cpu_max());
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 2 * GIB + 2 * MIB + PT_PAGE_4K, RW, 0, NULL), PT_OK);
    CHECK_ERR(pt_recursive_install(&f.sp, 510), PT_OK);
    struct pt_stats st;
    pt_stats(&f.sp, &st);
    CHECK_EQ(st.tables[4], 1);
    CHECK_EQ(st.tables[3], 1);
    CHECK_EQ(st.tables[2], 1);
    CHECK_EQ(st.tables[1], 1);
    CHECK_EQ(st.leaves[PT_SIZE_1G], 2);
    CHECK_EQ(st.leaves[PT_SIZE_2M], 1);
    CHECK_EQ(st.leaves[PT_SIZE_4K], 1);
    CHECK_EQ(st.table_bytes, 4 * 4096);
    fixture_fini(&f);
}

/* A firmware-like hierarchy written entry by entry, the way the library never would:
 * restrictive rights at upper levels, 2 MiB leaves, a PT of mixed rights. */
static uint64_t build_foreign(struct sim *s, uint64_t *pt_out)
{
    uint64_t pml4, pdpt, pd, pt;
    s->env.alloc_frame(s, &pml4);
    s->env.alloc_frame(s, &pdpt);
    s->env.alloc_frame(s, &pd);
    s->env.alloc_frame(s, &pt);
    sim_frame(s, pml4)[0] = pdpt | PTE_P | PTE_RW; /* supervisor only */
    sim_frame(s, pdpt)[0] = pd | PTE_P | PTE_RW | PTE_US;
    uint64_t *d = sim_frame(s, pd);
    d[0] = pt | PTE_P | PTE_RW | PTE_US | PTE_NX; /* everything below is NX */
    for (unsigned i = 1; i < 512; i++)
        d[i] = (i * PT_PAGE_2M) | PTE_P | PTE_RW | PTE_PS | PTE_A | PTE_D;
    uint64_t *p = sim_frame(s, pt);
    for (unsigned i = 1; i < 512; i++)
        p[i] = (i * PT_PAGE_4K) | PTE_P | (i < 256 ? 0 : PTE_RW) | PTE_US;
    *pt_out = pt;
    return pml4;
}

static void import_then_rebuild_is_identical(void)
{
    struct sim s;
    sim_init(&s, 4096, sim_cpu_max());
    uint64_t pt;
    struct pt_space fw;
    pt_open(&fw, &s.env, build_foreign(&s, &pt));
    uint64_t slots[64] = {0};
    struct pt_seen seen = {slots, 64, 0};
    struct pt_fault fault;
    struct runs rs = {.n = 0};
    CHECK_ERR(pt_import(&fw, &seen, collect, &rs, &fault), PT_OK);
    CHECK_EQ(rs.n, 3);
    CHECK_EQ(rs.r[0].va, PT_PAGE_4K);
    CHECK_EQ(rs.r[0].attr, PT_ATTR_NX | PT_ATTR_MT(PT_MT_WB)); /* user dropped by the PML4E */
    CHECK_EQ(rs.r[1].attr, PT_ATTR_NX | PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB));
    CHECK_EQ(rs.r[2].va, PT_PAGE_2M);
    CHECK_EQ(rs.r[2].len, GIB - PT_PAGE_2M);
    CHECK_EQ(rs.r[2].attr, PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB));
    /* Rebuild greedily; every key address translates the same way. */
    struct pt_space ours;
    CHECK_ERR(pt_create(&ours, &s.env), PT_OK);
    int n = rs.n < MAX_RUNS ? rs.n : MAX_RUNS;
    for (int i = 0; i < n; i++)
        CHECK_ERR(pt_map_region(&ours, rs.r[i].va, rs.r[i].pa, rs.r[i].len, rs.r[i].attr, 0, NULL),
                  PT_OK);
    for (uint64_t va = 0; va < GIB + 4 * MIB; va += (va < 4 * MIB ? PT_PAGE_4K : PT_PAGE_2M - 1)) {
        struct pt_translation a, b;
        CHECK_ERR(pt_translate(&fw, va, &a), PT_OK);
        CHECK_ERR(pt_translate(&ours, va, &b), PT_OK);
        CHECK_EQ(a.mapped, b.mapped);
        CHECK_EQ(a.pa, b.pa);
        CHECK_EQ(a.attr, b.attr);
    }
    struct pt_stats st;
    pt_stats(&ours, &st);
    CHECK_EQ(st.tables[1] + st.tables[2] + st.tables[3], 3); /* PDPT, PD, PT: as few as possible */
    sim_fini(&s);
}

/* Each hostile entry is found, named, and located. */
static void import_refuses_hostile_tables(void)
{
    struct {
        const char *what;
        int level;
        uint64_t entry; /* written to PDPT[1] (level 3) or PD[1] (level 2) or PML4[1] */
        bool loop;
        enum pt_error want;
    } cases[] = {
        {"PS in a PML4 entry", 4, 0x40000000 | PTE_P | PTE_PS, false, PT_ERR_BAD_PS},
        {"leaf beyond MAXPHYADDR", 2, (1ull << 46) | PTE_P | PTE_PS, false, PT_ERR_PA_TOO_WIDE},
        {"table pointer with reserved bits", 3, (1ull << 47) | PTE_P, false, PT_ERR_RESERVED_BITS},
        {"misaligned 2M leaf", 2, 0x202000 | PTE_P | PTE_PS, false, PT_ERR_LEAF_MISALIGNED},
        {"pointer back to the PML4", 3, 0, true, PT_ERR_TABLE_LOOP},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct sim s;
        sim_init(&s, 64, sim_cpu_max());
        uint64_t pt;
        uint64_t pml4 = build_foreign(&s, &pt);
        uint64_t pdpt = sim_frame(&s, pml4)[0] & PTE_ADDR;
        uint64_t pd = sim_frame(&s, pdpt)[0] & PTE_ADDR;
        uint64_t e = cases[c].loop ? (pml4 | PTE_P | PTE_RW) : cases[c].entry;
        uint64_t table = cases[c].level == 4 ? pml4 : cases[c].level == 3 ? pdpt : pd;
        sim_frame(&s, table)[1] = e;
        struct pt_space fw;
        pt_open(&fw, &s.env, pml4);
        uint64_t slots[64] = {0};
        struct pt_seen seen = {slots, 64, 0};
        struct pt_fault fault = {0};
        struct runs rs = {.n = 0};
        enum pt_error err = pt_import(&fw, &seen, collect, &rs, &fault);
        if (err != cases[c].want)
            fprintf(stderr, "  case %s: got %s\n", cases[c].what, pt_error_name(err));
        CHECK_EQ(err, cases[c].want);
        CHECK_EQ(fault.error, cases[c].want);
        CHECK_EQ(fault.level, cases[c].level);
        CHECK_EQ(fault.table, table);
        CHECK_EQ(fault.index, 1);
        CHECK_EQ(fault.entry, e);
        sim_fini(&s);
    }
    /* A 1 GiB leaf on a CPU without them; NX on a CPU without NXE. */
    struct sim s;
    struct pt_cpu cpu = sim_cpu_max();
    cpu.page_1g = false;
    cpu.nx = false;
    sim_init(&s, 64, cpu);
    uint64_t pt, pml4 = build_foreign(&s, &pt);
    uint64_t pdpt = sim_frame(&s, pml4)[0] & PTE_ADDR;
    struct pt_space fw;
    pt_open(&fw, &s.env, pml4);
    uint64_t slots[64] = {0};
    struct pt_seen seen = {slots, 64, 0};
    struct pt_fault fault;
    CHECK_ERR(pt_import(&fw, &seen, NULL, NULL, &fault), PT_ERR_NX_DISABLED);
    sim_frame(&s, sim_frame(&s, pdpt)[0] & PTE_ADDR)[0] &= ~PTE_NX;
    sim_frame(&s, pdpt)[2] = 2 * GIB | PTE_P | PTE_PS;
    for (int i = 0; i < 64; i++)
        slots[i] = 0;
    seen.count = 0;
    CHECK_ERR(pt_import(&fw, &seen, NULL, NULL, &fault), PT_ERR_SIZE_NOT_ALLOWED);
    /* A visited set too small is reported, never overrun. */
    sim_frame(&s, pdpt)[2] = 0;
    uint64_t tiny[2] = {0};
    struct pt_seen small = {tiny, 2, 0};
    CHECK_ERR(pt_import(&fw, &small, NULL, NULL, &fault), PT_ERR_SCRATCH_FULL);
    sim_fini(&s);
}

/* A run of identical leaves that walks past MAXPHYADDR is caught at the first bad one. */
static void import_catches_run_crossing_maxphyaddr(void)
{
    struct sim s;
    sim_init(&s, 16, sim_cpu_max());
    uint64_t pml4, pdpt, pd;
    s.env.alloc_frame(&s, &pml4);
    s.env.alloc_frame(&s, &pdpt);
    s.env.alloc_frame(&s, &pd);
    sim_frame(&s, pml4)[0] = pdpt | PTE_P | PTE_RW;
    sim_frame(&s, pdpt)[0] = pd | PTE_P | PTE_RW;
    for (unsigned i = 0; i < 4; i++)
        sim_frame(&s, pd)[i] = ((1ull << 46) - 2 * PT_PAGE_2M + i * PT_PAGE_2M) | PTE_P | PTE_PS;
    struct pt_space fw;
    pt_open(&fw, &s.env, pml4);
    uint64_t slots[16] = {0};
    struct pt_seen seen = {slots, 16, 0};
    struct pt_fault fault = {0};
    CHECK_ERR(pt_import(&fw, &seen, NULL, NULL, &fault), PT_ERR_PA_TOO_WIDE);
    CHECK_EQ(fault.level, 2);
    CHECK_EQ(fault.index, 2);
    CHECK_EQ(fault.table, pd);
    sim_fini(&s);
}

static void check_finds_slot_mismatch(void)
{
    struct fixture f;
    fixture_init(&f, 64, sim_cpu_max());
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 4 * MIB, RW, 0, NULL), PT_OK);
    CHECK_ERR(pt_recursive_install(&f.sp, 300), PT_OK);
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    uint64_t *pml4 = sim_frame(&f.sim, f.sp.root);
    uint64_t saved = pml4[300];
    pml4[300] = (pml4[0] & PTE_ADDR) | PTE_P | PTE_RW;
    struct pt_fault fault;
    CHECK_ERR(fixture_check(&f, &fault), PT_ERR_SLOT_MISMATCH);
    CHECK_EQ(fault.index, 300);
    pml4[300] = saved;
    /* A shared table (two entries, one PT) is reachable twice. */
    uint64_t pdpt = pml4[0] & PTE_ADDR;
    uint64_t *pdpt_t = sim_frame(&f.sim, pdpt);
    pdpt_t[5] = pdpt_t[0];
    CHECK_ERR(fixture_check(&f, &fault), PT_ERR_TABLE_LOOP);
    CHECK_EQ(fault.index, 5);
    pdpt_t[5] = 0;
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    fixture_fini(&f);
}

TEST_SUITE(walk_tests) = {
    {"walk/walk_merges_continuing_leaves", walk_merges_continuing_leaves},
    {"walk/dump_lists_runs", dump_lists_runs},
    {"walk/stats_count_tables_and_leaves", stats_count_tables_and_leaves},
    {"walk/import_then_rebuild_is_identical", import_then_rebuild_is_identical},
    {"walk/import_refuses_hostile_tables", import_refuses_hostile_tables},
    {"walk/import_catches_run_crossing_maxphyaddr", import_catches_run_crossing_maxphyaddr},
    {"walk/check_finds_slot_mismatch", check_finds_slot_mismatch},
    {NULL, NULL},
};
