/* Hierarchies the library did not build: restrictive table entries, empty tables, a
 * recursive slot entry with bits this CPU reserves; and the edges of the contract (walk
 * ranges, the flush rule, the visited set's capacity). */
#include "../../core/entry.h"
#include "fixture.h"

#include <string.h>

#define USER_RW (PT_ATTR_WRITE | PT_ATTR_USER | PT_ATTR_MT(PT_MT_WB))

/* The PDPT, PD and PT physical addresses on the path to va. */
static void path_tables(struct fixture *f, uint64_t va, uint64_t *pdpt, uint64_t *pd, uint64_t *pt)
{
    *pdpt = sim_frame(&f->sim, f->sp.root)[pt_index(va, 4)] & PTE_ADDR;
    *pd = sim_frame(&f->sim, *pdpt)[pt_index(va, 3)] & PTE_ADDR;
    if (pt)
        *pt = sim_frame(&f->sim, *pd)[pt_index(va, 2)] & PTE_ADDR;
}

static pt_attr attr_at(struct fixture *f, uint64_t va)
{
    struct pt_translation tr;
    if (pt_translate(&f->sp, va, &tr) != PT_OK || !tr.mapped)
        return 0xffffffffu;
    return tr.attr;
}

/* A table entry above user RW leaves that withholds RW, withholds US, sets NX, or does all
 * three, and the rights the leaves then have. */
static const struct {
    uint64_t clear, set;
    pt_attr effective;
} restrictions[] = {
    {PTE_RW, 0, PT_ATTR_USER | PT_ATTR_MT(PT_MT_WB)},
    {PTE_US, 0, PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB)},
    {0, PTE_NX, USER_RW | PT_ATTR_NX},
    {PTE_RW | PTE_US, PTE_NX, PT_ATTR_NX | PT_ATTR_MT(PT_MT_WB)},
};

/* A PT of 512 user RW 4 KiB leaves under a PD entry that restricts: folding it must keep
 * the rights the path gave, in each direction. */
static void coalesce_keeps_path_rights(void)
{
    for (size_t c = 0; c < sizeof restrictions / sizeof restrictions[0]; c++) {
        struct fixture f;
        fixture_init(&f, 64, sim_cpu_max());
        for (uint64_t off = 0; off < 2 * MIB; off += PT_PAGE_4K)
            CHECK_ERR(pt_map_page(&f.sp, off, 4 * MIB + off, PT_SIZE_4K, USER_RW, 0), PT_OK);
        uint64_t pdpt, pd;
        path_tables(&f, 0, &pdpt, &pd, NULL);
        uint64_t *pde = &sim_frame(&f.sim, pd)[0];
        *pde = (*pde & ~restrictions[c].clear) | restrictions[c].set;
        CHECK_EQ(attr_at(&f, 0x1000), restrictions[c].effective);
        uint64_t folded = 0;
        CHECK_ERR(pt_coalesce(&f.sp, 0, 2 * MIB, &folded), PT_OK);
        CHECK_EQ(folded, 1);
        CHECK_MAPS(&f.sp, 0x1000, 4 * MIB + 0x1000, PT_PAGE_2M, restrictions[c].effective);
        CHECK_ERR(fixture_check(&f, NULL), PT_OK);
        CHECK_EQ(fixture_leaked(&f), 0);
        fixture_fini(&f);
    }
    /* A read-only PDPT entry over a PD of 2 MiB leaves folded into a 1 GiB leaf. */
    struct fixture f;
    fixture_init(&f, 64, sim_cpu_max());
    for (uint64_t off = 0; off < GIB; off += PT_PAGE_2M)
        CHECK_ERR(pt_map_page(&f.sp, off, GIB + off, PT_SIZE_2M, USER_RW, 0), PT_OK);
    uint64_t pdpt, pd;
    path_tables(&f, 0, &pdpt, &pd, NULL);
    sim_frame(&f.sim, pdpt)[0] &= ~PTE_RW;
    uint64_t folded = 0;
    CHECK_ERR(pt_coalesce(&f.sp, 0, GIB, &folded), PT_OK);
    CHECK_EQ(folded, 1);
    CHECK_MAPS(&f.sp, 0x1000, GIB + 0x1000, PT_PAGE_1G, PT_ATTR_USER | PT_ATTR_MT(PT_MT_WB));
    CHECK_EQ(fixture_leaked(&f), 0);
    fixture_fini(&f);
}

/* Leaves that differ only in a right their table entry withholds anyway are one uniform
 * run as the CPU sees them, and fold. */
static void coalesce_folds_by_effective_rights(void)
{
    struct fixture f;
    fixture_init(&f, 64, sim_cpu_max());
    for (uint64_t off = 0; off < 2 * MIB; off += PT_PAGE_4K)
        CHECK_ERR(pt_map_page(&f.sp, off, off, PT_SIZE_4K, (off & 0x1000) ? RW : RO, 0), PT_OK);
    uint64_t folded = 0;
    CHECK_ERR(pt_coalesce(&f.sp, 0, 2 * MIB, &folded), PT_OK);
    CHECK_EQ(folded, 0);
    uint64_t pdpt, pd;
    path_tables(&f, 0, &pdpt, &pd, NULL);
    sim_frame(&f.sim, pd)[0] &= ~PTE_RW;
    CHECK_ERR(pt_coalesce(&f.sp, 0, 2 * MIB, &folded), PT_OK);
    CHECK_EQ(folded, 1);
    CHECK_MAPS(&f.sp, 0x1000, 0x1000, PT_PAGE_2M, RO);
    fixture_fini(&f);
}

/* The recursive slot's own entry is validated like every other: NX while EFER.NXE is
 * clear is a reserved bit there too. */
static void import_validates_slot_entry(void)
{
    struct fixture f;
    struct pt_cpu cpu = sim_cpu_max();
    cpu.nx = false;
    fixture_init(&f, 64, cpu);
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 4 * MIB, PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB), 0, NULL),
              PT_OK);
    CHECK_ERR(pt_recursive_install(&f.sp, 300), PT_OK);
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    sim_frame(&f.sim, f.sp.root)[300] |= PTE_NX;
    struct pt_space fw;
    pt_open(&fw, &f.sim.env, f.sp.root);
    CHECK_EQ(fw.recursive_slot, 300);
    uint64_t slots[16] = {0};
    struct pt_seen seen = {slots, 16, 0};
    struct pt_fault fault = {0};
    CHECK_ERR(pt_import(&fw, &seen, NULL, NULL, &fault), PT_ERR_NX_DISABLED);
    CHECK_EQ(fault.level, 4);
    CHECK_EQ(fault.index, 300);
    CHECK_EQ(fault.table, f.sp.root);
    CHECK_EQ(fault.va, 0xffff960000000000ull);
    memset(&fault, 0, sizeof fault);
    CHECK_ERR(fixture_check(&f, &fault), PT_ERR_NX_DISABLED);
    CHECK_EQ(fault.index, 300);
    /* With NXE set the same entry is fine. */
    f.sim.env.cpu.nx = true;
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    fixture_fini(&f);
}

/* An empty table holds no mapping: a leaf may take its place, and the table is freed. */
static void empty_tables_are_no_mapping(void)
{
    struct fixture f;
    fixture_init(&f, 64, sim_cpu_max());
    CHECK_ERR(pt_map_page(&f.sp, 0, 0, PT_SIZE_4K, RW, 0), PT_OK);
    uint64_t pdpt, pd, empty_pt, empty_pd, nested_pt;
    path_tables(&f, 0, &pdpt, &pd, NULL);
    f.sim.env.alloc_frame(&f.sim, &empty_pt);
    sim_frame(&f.sim, pd)[1] = empty_pt | PTE_P | PTE_RW | PTE_US; /* [2 MiB, 4 MiB) */
    CHECK_UNMAPPED(&f.sp, 2 * MIB);
    uint64_t frames = 99;
    CHECK_ERR(pt_map_region_cost(&f.sp, 2 * MIB, 2 * MIB, 2 * MIB, RW, 0, &frames), PT_OK);
    CHECK_EQ(frames, 0);
    CHECK_ERR(pt_map_page(&f.sp, 2 * MIB, 8 * MIB, PT_SIZE_2M, RW, 0), PT_OK);
    CHECK_MAPS(&f.sp, 3 * MIB, 9 * MIB, PT_PAGE_2M, RW);
    CHECK_EQ(fixture_leaked(&f), 0);
    /* An empty PD (holding an empty PT) under [1 GiB, 2 GiB). */
    f.sim.env.alloc_frame(&f.sim, &empty_pd);
    f.sim.env.alloc_frame(&f.sim, &nested_pt);
    sim_frame(&f.sim, pdpt)[1] = empty_pd | PTE_P | PTE_RW;
    sim_frame(&f.sim, empty_pd)[7] = nested_pt | PTE_P | PTE_RW | PTE_US;
    CHECK_ERR(pt_map_region(&f.sp, GIB, 2 * GIB, GIB, RW, 0, NULL), PT_OK);
    CHECK_MAPS(&f.sp, GIB + 15 * MIB, 2 * GIB + 15 * MIB, PT_PAGE_1G, RW);
    CHECK_EQ(fixture_leaked(&f), 0);
    /* A table that holds one leaf is still a mapping. */
    CHECK_ERR(pt_map_page(&f.sp, 0, 0, PT_SIZE_2M, RW, 0), PT_ERR_ALREADY_MAPPED);
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    fixture_fini(&f);
}

struct runs {
    struct pt_run r[8];
    int n;
};

static bool collect(void *ctx, const struct pt_run *run)
{
    struct runs *rs = ctx;
    if (rs->n < 8)
        rs->r[rs->n] = *run;
    rs->n++;
    return true;
}

/* Bytes [0x1800, 0x2800) touch the pages at 0x1000 and 0x2000: the walk reports both. */
static void walk_covers_unaligned_range(void)
{
    struct fixture f;
    fixture_init(&f, 64, sim_cpu_max());
    CHECK_ERR(pt_map_page(&f.sp, 0x1000, 0x1000, PT_SIZE_4K, RW, 0), PT_OK);
    CHECK_ERR(pt_map_page(&f.sp, 0x2000, 0x9000, PT_SIZE_4K, RW, 0), PT_OK);
    CHECK_ERR(pt_map_page(&f.sp, 0x3000, 0xa000, PT_SIZE_4K, RW, 0), PT_OK);
    struct runs rs = {.n = 0};
    CHECK_ERR(pt_walk(&f.sp, 0x1800, 0x1000, collect, &rs), PT_OK);
    CHECK_EQ(rs.n, 2);
    CHECK_EQ(rs.r[0].va, 0x1000);
    CHECK_EQ(rs.r[0].len, 0x1000);
    CHECK_EQ(rs.r[1].va, 0x2000);
    CHECK_EQ(rs.r[1].pa, 0x9000);
    CHECK_EQ(rs.r[1].len, 0x1000);
    /* One byte touches one page; a range ending on a page line takes nothing past it. */
    rs.n = 0;
    CHECK_ERR(pt_walk(&f.sp, 0x2fff, 1, collect, &rs), PT_OK);
    CHECK_EQ(rs.n, 1);
    CHECK_EQ(rs.r[0].va, 0x2000);
    CHECK_EQ(rs.r[0].len, 0x1000);
    rs.n = 0;
    CHECK_ERR(pt_walk(&f.sp, 0x1800, 0x800, collect, &rs), PT_OK);
    CHECK_EQ(rs.n, 1);
    CHECK_EQ(rs.r[0].len, 0x1000);
    /* A range running to the top of the address space is clipped, never wrapped. */
    rs.n = 0;
    CHECK_ERR(pt_walk(&f.sp, 0x1800, ~0ull, collect, &rs), PT_OK);
    CHECK_EQ(rs.n, 2);
    CHECK_EQ(rs.r[1].len, 0x2000);
    fixture_fini(&f);
}

/* A protect that changes n separate 4 KiB leaves flushes each alone while n is at most
 * the threshold (and PT_FLUSH_MAX), else flushes everything once. */
static void flush_rule_as_documented(void)
{
    static const unsigned thresholds[] = {8, 64, 65, 100, 1000};
    static const unsigned counts[] = {8, 9, 64, 65, 80, 100, 200, 512, 513};
    for (size_t t = 0; t < sizeof thresholds / sizeof thresholds[0]; t++) {
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            struct fixture f;
            fixture_init(&f, 64, sim_cpu_max());
            unsigned n = counts[c];
            for (unsigned i = 0; i < n; i++) /* every other page: n separate leaves */
                CHECK_ERR(pt_map_page(&f.sp, 2ull * i * PT_PAGE_4K, 0, PT_SIZE_4K, RW, 0), PT_OK);
            sim_track_flushes(&f.sim, thresholds[t]);
            CHECK_ERR(pt_protect(&f.sp, 0, 2ull * n * PT_PAGE_4K, RO), PT_OK);
            unsigned limit = thresholds[t] < PT_FLUSH_MAX ? thresholds[t] : PT_FLUSH_MAX;
            bool singles = n <= limit;
            if (f.sim.flush_pages != (singles ? n : 0) || f.sim.flush_alls != (singles ? 0 : 1))
                fprintf(stderr, "  threshold %u, %u leaves: %llu single, %llu full\n",
                        thresholds[t], n, (unsigned long long)f.sim.flush_pages,
                        (unsigned long long)f.sim.flush_alls);
            CHECK_EQ(f.sim.flush_pages, singles ? n : 0);
            CHECK_EQ(f.sim.flush_alls, singles ? 0 : 1);
            fixture_fini(&f);
        }
    }
}

/* A visited set of capacity N holds N tables. */
static void seen_holds_its_capacity(void)
{
    struct fixture f;
    fixture_init(&f, 64, sim_cpu_max());
    CHECK_ERR(pt_map_page(&f.sp, 0, 0, PT_SIZE_4K, RW, 0), PT_OK); /* 4 tables */
    uint64_t slots[4] = {0};
    struct pt_seen seen = {slots, 4, 0};
    struct pt_fault fault;
    CHECK_ERR(pt_check(&f.sp, &seen, &fault), PT_OK);
    CHECK_EQ(seen.count, 4);
    CHECK_ERR(pt_map_page(&f.sp, 2 * MIB, 0, PT_SIZE_4K, RW, 0), PT_OK); /* a fifth */
    memset(slots, 0, sizeof slots);
    seen.count = 0;
    CHECK_ERR(pt_check(&f.sp, &seen, &fault), PT_ERR_SCRATCH_FULL);
    CHECK_EQ(fault.error, PT_ERR_SCRATCH_FULL);
    fixture_fini(&f);
}

/* Under a PD entry that withholds a right: protect and replace give the pages they touch
 * exactly the rights asked, and every other page keeps its own. */
static void changes_under_restrictive_entry(void)
{
    for (size_t c = 0; c < sizeof restrictions / sizeof restrictions[0]; c++) {
        for (int how = 0; how < 3; how++) {
            struct fixture f;
            fixture_init(&f, 64, sim_cpu_max());
            /* Pages 0..15 mapped 4 KiB user RW; page 20 a hole; 2 MiB leaf above. */
            CHECK_ERR(pt_map_region(&f.sp, 0, 0x100000, 16 * PT_PAGE_4K, USER_RW, 0, NULL), PT_OK);
            uint64_t pdpt, pd;
            path_tables(&f, 0, &pdpt, &pd, NULL);
            CHECK_ERR(pt_map_page(&f.sp, 2 * MIB, 2 * MIB, PT_SIZE_2M, USER_RW, 0), PT_OK);
            uint64_t *pde = &sim_frame(&f.sim, pd)[0];
            *pde = (*pde & ~restrictions[c].clear) | restrictions[c].set;
            sim_frame(&f.sim, pdpt)[0] = (sim_frame(&f.sim, pdpt)[0] & ~restrictions[c].clear) |
                                         restrictions[c].set; /* also above the 2 MiB leaf */
            pt_attr before[32];
            for (unsigned p = 0; p < 32; p++)
                before[p] = attr_at(&f, p * PT_PAGE_4K);
            pt_attr before_big = attr_at(&f, 3 * MIB);
            pt_attr want = RWX | PT_ATTR_USER;
            uint64_t lo = 4 * PT_PAGE_4K, len = 2 * PT_PAGE_4K;
            if (how == 0)
                CHECK_ERR(pt_protect(&f.sp, lo, len, want), PT_OK);
            else if (how == 1)
                CHECK_ERR(pt_map_region(&f.sp, lo, 0x700000, len, want, PT_MAP_REPLACE, NULL),
                          PT_OK);
            else /* a new page in the hole */
                CHECK_ERR(
                    pt_map_region(&f.sp, 20 * PT_PAGE_4K, 0x700000, PT_PAGE_4K, want, 0, NULL),
                    PT_OK);
            if (how == 2)
                lo = 20 * PT_PAGE_4K, len = PT_PAGE_4K;
            for (unsigned p = 0; p < 32; p++) {
                uint64_t va = p * PT_PAGE_4K;
                bool inside = va >= lo && va < lo + len;
                pt_attr got = attr_at(&f, va);
                if (got != (inside ? want : before[p]))
                    fprintf(stderr, "  case %zu how %d page %u: 0x%x\n", c, how, p, got);
                CHECK_EQ(got, inside ? want : before[p]);
            }
            CHECK_EQ(attr_at(&f, 3 * MIB), before_big);
            CHECK_ERR(fixture_check(&f, NULL), PT_OK);
            CHECK_EQ(fixture_leaked(&f), 0);
            fixture_fini(&f);
        }
    }
}

/* Translation takes the rights of every table entry above a leaf, read through the access
 * function and read directly (offset access) alike: in turn each table entry on the way
 * to a 4 KiB, a 2 MiB and a 1 GiB leaf restricts as `restrictions` say. */
static void translate_takes_every_table_entry(void)
{
    static const uint64_t page_of_level[] = {0, PT_PAGE_4K, PT_PAGE_2M, PT_PAGE_1G};
    for (size_t c = 0; c < sizeof restrictions / sizeof restrictions[0]; c++)
        for (int leaf = PT_LEVEL_PT; leaf <= PT_LEVEL_PDPT; leaf++)
            for (int above = leaf + 1; above <= PT_LEVEL_PML4; above++) {
                struct fixture f;
                fixture_init(&f, 64, sim_cpu_max());
                uint64_t page = page_of_level[leaf], va = 5 * PT_PAGE_1G + 3 * page;
                CHECK_ERR(pt_map_page(&f.sp, va, 7 * page, (enum pt_size)(leaf - 1), USER_RW, 0),
                          PT_OK);
                uint64_t table = f.sp.root;
                for (int level = PT_LEVEL_PML4; level > above; level--)
                    table = sim_frame(&f.sim, table)[pt_index(va, level)] & PTE_ADDR;
                uint64_t *entry = &sim_frame(&f.sim, table)[pt_index(va, above)];
                *entry = (*entry & ~restrictions[c].clear) | restrictions[c].set;
                for (int offset = 0; offset < 2; offset++) {
                    if (offset)
                        sim_use_offset(&f.sim);
                    struct pt_translation tr;
                    CHECK_ERR(pt_translate(&f.sp, va + page - 8, &tr), PT_OK);
                    if (tr.attr != restrictions[c].effective)
                        fprintf(stderr, "  case %zu leaf level %d entry at level %d%s: 0x%x\n", c,
                                leaf, above, offset ? ", offset access" : "", tr.attr);
                    CHECK_EQ(tr.attr, restrictions[c].effective);
                    CHECK_EQ(tr.pa, 7 * page + page - 8);
                    CHECK_EQ(tr.level, leaf);
                }
                fixture_fini(&f);
            }
}

TEST_SUITE(foreign_tests) = {
    {"foreign/coalesce_keeps_path_rights", coalesce_keeps_path_rights},
    {"foreign/coalesce_folds_by_effective_rights", coalesce_folds_by_effective_rights},
    {"foreign/import_validates_slot_entry", import_validates_slot_entry},
    {"foreign/empty_tables_are_no_mapping", empty_tables_are_no_mapping},
    {"foreign/walk_covers_unaligned_range", walk_covers_unaligned_range},
    {"foreign/flush_rule_as_documented", flush_rule_as_documented},
    {"foreign/seen_holds_its_capacity", seen_holds_its_capacity},
    {"foreign/changes_under_restrictive_entry", changes_under_restrictive_entry},
    {"foreign/translate_takes_every_table_entry", translate_takes_every_table_entry},
    {NULL, NULL},
};
