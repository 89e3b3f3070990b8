/* Five-level hierarchies (CR4.LA57): the depth chosen at create and open, 57-bit canonical
 * addresses, the PML5 in walks, stats, checks and dumps, and the recursive slot's
 * addresses one level up. */
#include "../../core/entry.h"
#include "fixture.h"

#include <string.h>

static struct pt_cpu cpu_levels(uint8_t levels)
{
    struct pt_cpu cpu = sim_cpu_max();
    cpu.levels = levels;
    return cpu;
}

static void depth_is_validated(void)
{
    struct sim s;
    struct pt_space sp;
    for (unsigned bad = 1; bad < 8; bad++) {
        if (bad == 4 || bad == 5)
            continue;
        sim_init(&s, 16, cpu_levels((uint8_t)bad));
        CHECK_ERR(pt_create(&sp, &s.env), PT_ERR_BAD_LEVELS);
        CHECK_EQ(s.in_use, 0); /* refused before a frame was taken */
        CHECK_ERR(pt_open(&sp, &s.env, SIM_BASE), PT_ERR_BAD_LEVELS);
        sim_fini(&s);
    }
    CHECK(!strcmp(pt_error_name(PT_ERR_BAD_LEVELS), "PT_ERR_BAD_LEVELS"));
    uint8_t good[] = {0, 4, 5};
    for (unsigned i = 0; i < sizeof good; i++) {
        sim_init(&s, 16, cpu_levels(good[i]));
        CHECK_ERR(pt_create(&sp, &s.env), PT_OK);
        CHECK_EQ(sp.levels, good[i] == 5 ? 5 : 4);
        struct pt_space again;
        CHECK_ERR(pt_open(&again, &s.env, sp.root), PT_OK);
        CHECK_EQ(again.levels, sp.levels);
        sim_fini(&s);
    }
}

static void canonical_at_bit_56(void)
{
    CHECK_EQ(pt_va_bits(4), 48);
    CHECK_EQ(pt_va_bits(5), 57);
    CHECK(pt_is_canonical_at(5, (1ull << 56) - 1));
    CHECK(!pt_is_canonical_at(5, 1ull << 56));
    CHECK(pt_is_canonical_at(5, 0xff00000000000000ull));
    CHECK(!pt_is_canonical_at(5, 0xfeffffffffffffffull));
    CHECK(pt_is_canonical_at(5, 1ull << 47));
    CHECK(!pt_is_canonical_at(4, 1ull << 47));
    CHECK_EQ(pt_canonical_at(5, 1ull << 56), 0xff00000000000000ull);
    CHECK_EQ(pt_canonical_at(5, 1ull << 47), 1ull << 47);
    CHECK_EQ(pt_canonical_at(4, 1ull << 47), 0xffff800000000000ull);

    struct fixture f;
    fixture_init(&f, 256, cpu_levels(5));
    /* The last page below the hole, the first page above it, and 2^47, which only five
     * levels can map. */
    CHECK_ERR(pt_map_page(&f.sp, (1ull << 56) - PT_PAGE_4K, 0x1000, PT_SIZE_4K, RW, 0), PT_OK);
    CHECK_ERR(pt_map_page(&f.sp, 0xff00000000000000ull, 0x2000, PT_SIZE_4K, RW, 0), PT_OK);
    CHECK_ERR(pt_map_page(&f.sp, 1ull << 47, 0x3000, PT_SIZE_4K, RW, 0), PT_OK);
    CHECK_ERR(pt_map_page(&f.sp, 1ull << 56, 0x4000, PT_SIZE_4K, RW, 0), PT_ERR_NON_CANONICAL);
    CHECK_ERR(pt_map_page(&f.sp, 0xfefffffffffff000ull, 0x4000, PT_SIZE_4K, RW, 0),
              PT_ERR_NON_CANONICAL);
    /* A range running from the lower half into the hole. */
    CHECK_ERR(pt_map_region(&f.sp, (1ull << 56) - PT_PAGE_4K, 0x4000, 2 * PT_PAGE_4K, RW, 0, NULL),
              PT_ERR_NON_CANONICAL);
    CHECK_MAPS(&f.sp, (1ull << 56) - 1, 0x1fff, PT_PAGE_4K, RW);
    CHECK_MAPS(&f.sp, 0xff00000000000010ull, 0x2010, PT_PAGE_4K, RW);
    CHECK_MAPS(&f.sp, (1ull << 47) + 8, 0x3008, PT_PAGE_4K, RW);
    struct pt_translation tr;
    CHECK_ERR(pt_translate(&f.sp, 1ull << 56, &tr), PT_ERR_NON_CANONICAL);
    /* A hole in the PML5: nothing at PML5 entry 2. */
    CHECK_ERR(pt_translate(&f.sp, 2ull << 48, &tr), PT_OK);
    CHECK(!tr.mapped);
    CHECK_EQ(tr.level, PT_LEVEL_PML5);
    CHECK_ERR(pt_walk(&f.sp, 1ull << 56, 4096, NULL, NULL), PT_ERR_NON_CANONICAL);
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    CHECK_EQ(fixture_leaked(&f), 0);
    CHECK_ERR(pt_unmap(&f.sp, 1ull << 47, PT_PAGE_4K), PT_OK);
    CHECK_UNMAPPED(&f.sp, 1ull << 47);
    fixture_fini(&f);
}

static void recursive_addresses_five_levels(void)
{
    /* Slot 510 (0x1fe) at each level for va = PML5 3, PML4 5, PDPT 7, PD 9, PT 11. */
    uint64_t va = (3ull << 48) | (5ull << 39) | (7ull << 30) | (9ull << 21) | (11ull << 12);
    CHECK_EQ(pt_recursive_table_va_at(5, 510, 5, va), 0xfffeff7fbfdfe000ull);
    CHECK_EQ(pt_recursive_table_va_at(5, 510, 4, va), 0xfffeff7fbfc03000ull);
    CHECK_EQ(pt_recursive_table_va_at(5, 510, 3, va), 0xfffeff7f80605000ull);
    CHECK_EQ(pt_recursive_table_va_at(5, 510, 2, va), 0xfffeff00c0a07000ull);
    CHECK_EQ(pt_recursive_table_va_at(5, 510, 1, va), 0xfffe018140e09000ull);
    CHECK_EQ(pt_recursive_entry_va_at(5, 510, 1, va), 0xfffe018140e09000ull + 8 * 11);
    CHECK_EQ(pt_recursive_entry_va_at(5, 510, 5, va), 0xfffeff7fbfdfe000ull + 8 * 3);
    /* Four levels through the same helper agree with the four-level one. */
    CHECK_EQ(pt_recursive_table_va_at(4, 510, 1, va), pt_recursive_table_va(510, 1, va));
    CHECK_EQ(pt_recursive_table_va(510, 4, 0), 0xffffff7fbfdfe000ull);

    /* Through the slot, each level's address reaches the table a direct walk finds. */
    struct fixture f;
    fixture_init(&f, 1024, cpu_levels(5));
    CHECK_ERR(pt_map_page(&f.sp, va, 0x7000, PT_SIZE_4K, RW, 0), PT_OK);
    CHECK_ERR(pt_recursive_install(&f.sp, 510), PT_OK);
    CHECK_ERR(pt_recursive_install(&f.sp, 511), PT_ERR_BAD_SLOT);
    uint64_t table = f.sp.root;
    struct pt_space direct = f.sp;
    for (int level = 5; level >= 1; level--) {
        struct pt_translation tr;
        CHECK_ERR(pt_translate(&direct, pt_recursive_table_va_at(5, 510, level, va), &tr), PT_OK);
        CHECK(tr.mapped);
        CHECK_EQ(tr.pa, table);
        table = sim_frame(&f.sim, table)[pt_index(va, level)] & PTE_ADDR;
    }
    CHECK_EQ(table, 0x7000);
    /* The slot spans 256 TiB at five levels: a map there is refused. */
    CHECK_ERR(
        pt_map_page(&f.sp, pt_canonical_at(5, 510ull << 48) + (1ull << 40), 0, PT_SIZE_4K, RW, 0),
        PT_ERR_RECURSIVE_SLOT);
    /* Changes through the slot: a 1 GiB leaf past 2^47 split live, read back directly. */
    sim_use_recursive(&f.sim, &f.sp, 510);
    CHECK_ERR(pt_map_page(&f.sp, 1ull << 47, GIB, PT_SIZE_1G, RW, 0), PT_OK);
    CHECK_ERR(pt_protect(&f.sp, (1ull << 47) + 2 * MIB, PT_PAGE_4K, RO), PT_OK);
    CHECK_MAPS(&f.sp, (1ull << 47) + 2 * MIB, GIB + 2 * MIB, PT_PAGE_4K, RO);
    sim_use_direct(&f.sim);
    CHECK_MAPS(&f.sp, (1ull << 47) + 2 * MIB, GIB + 2 * MIB, PT_PAGE_4K, RO);
    CHECK_MAPS(&f.sp, (1ull << 47) + 4 * MIB, GIB + 4 * MIB, PT_PAGE_2M, RW);
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    CHECK_EQ(fixture_leaked(&f), 0);
    fixture_fini(&f);
}

static void dump_and_stats_name_the_pml5(void)
{
    struct fixture f;
    fixture_init(&f, 64, cpu_levels(5));
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 2 * MIB + PT_PAGE_4K, RW, 0, NULL), PT_OK);
    CHECK_ERR(pt_map_page(&f.sp, 1ull << 52, GIB, PT_SIZE_1G, RWX, 0), PT_OK);
    CHECK_ERR(pt_map_page(&f.sp, 0xff00000000000000ull, 0x5000, PT_SIZE_4K, RO, 0), PT_OK);
    const char *want =
        "5-level: pgd p4d pud pmd pte\n"
        "0x0000000000000000-0x0000000000201000 -> 0x000000000000 2052K  RW         NX WB pmd pte\n"
        "0x0010000000000000-0x0010000040000000 -> 0x000040000000 1G     RW         x  WB pud\n"
        "0xff00000000000000-0xff00000000001000 -> 0x000000005000 4K     ro         NX WB pte\n";
    CHECK_DUMP(&f.sp, want);
    struct pt_stats st;
    pt_stats(&f.sp, &st);
    /* PML5; PML4s under entries 0, 16 and 0x1f0; a PDPT each; two PDs, one PT. */
    CHECK_EQ(st.tables[5], 1);
    CHECK_EQ(st.tables[4], 3);
    CHECK_EQ(st.tables[3], 3);
    CHECK_EQ(st.tables[2], 2);
    CHECK_EQ(st.tables[1], 2);
    CHECK_EQ(st.table_bytes, 11 * 4096);
    fixture_fini(&f);

    /* Four levels: no PML5 counted, no header line. */
    fixture_init(&f, 64, cpu_levels(4));
    CHECK_ERR(pt_map_page(&f.sp, 0, 0, PT_SIZE_2M, RW, 0), PT_OK);
    pt_stats(&f.sp, &st);
    CHECK_EQ(st.tables[5], 0);
    CHECK_EQ(st.tables[4], 1);
    struct text t = {.pos = 0};
    CHECK_ERR(pt_dump(&f.sp, text_append, &t), PT_OK);
    CHECK(!strncmp(t.buf, "0x0000000000000000-", 19));
    fixture_fini(&f);
}

/* Import and check read the PML5 like any table: PS there is reserved, as in a PML4. */
static void import_checks_the_pml5(void)
{
    struct fixture f;
    fixture_init(&f, 64, cpu_levels(5));
    CHECK_ERR(pt_map_page(&f.sp, 3ull << 48, 0, PT_SIZE_2M, RW, 0), PT_OK);
    uint64_t *pml5 = sim_frame(&f.sim, f.sp.root);
    uint64_t *pml4 = sim_frame(&f.sim, pml5[3] & PTE_ADDR);
    struct pt_fault fault;
    CHECK_ERR(fixture_check(&f, &fault), PT_OK);
    pml4[0] |= PTE_PS;
    CHECK_ERR(fixture_check(&f, &fault), PT_ERR_BAD_PS);
    CHECK_EQ(fault.level, PT_LEVEL_PML4);
    CHECK_EQ(fault.va, 3ull << 48);
    pml4[0] &= ~PTE_PS;
    pml5[3] |= PTE_PS;
    CHECK_ERR(fixture_check(&f, &fault), PT_ERR_BAD_PS);
    CHECK_EQ(fault.level, PT_LEVEL_PML5);
    CHECK_EQ(fault.table, f.sp.root);
    CHECK_EQ(fault.index, 3);
    struct pt_translation tr;
    CHECK_ERR(pt_translate(&f.sp, 3ull << 48, &tr), PT_ERR_BAD_PS);
    pml5[3] &= ~PTE_PS;
    /* A loop back to the PML5 from below is found. */
    uint64_t *pdpt = sim_frame(&f.sim, pml4[0] & PTE_ADDR);
    pdpt[5] = f.sp.root | PTE_P | PTE_RW;
    CHECK_ERR(fixture_check(&f, &fault), PT_ERR_TABLE_LOOP);
    CHECK_EQ(fault.level, PT_LEVEL_PDPT);
    pdpt[5] = 0;
    CHECK_ERR(fixture_check(&f, &fault), PT_OK);
    fixture_fini(&f);
}

/* Rights withheld by the PML5, PML4 and PDPT entries on a path reach the leaf, through the
 * access function and through the direct (offset) walk alike. */
static void rights_along_five_level_path(void)
{
    struct fixture f;
    fixture_init(&f, 64, cpu_levels(5));
    uint64_t va = (7ull << 48) | (3ull << 39) | (2ull << 30);
    CHECK_ERR(pt_map_page(&f.sp, va, 0x200000, PT_SIZE_2M, RWX | PT_ATTR_USER, 0), PT_OK);
    uint64_t *pml5 = sim_frame(&f.sim, f.sp.root);
    uint64_t *pml4 = sim_frame(&f.sim, pml5[7] & PTE_ADDR);
    uint64_t *pdpt = sim_frame(&f.sim, pml4[3] & PTE_ADDR);
    const pt_attr user_rwx = RWX | PT_ATTR_USER;
    pt_attr want[4] = {user_rwx, user_rwx & ~PT_ATTR_WRITE,
                       (user_rwx & ~PT_ATTR_WRITE) | PT_ATTR_NX,
                       ((user_rwx & ~PT_ATTR_WRITE) | PT_ATTR_NX) & ~PT_ATTR_USER};
    for (int step = 0; step < 4; step++) {
        if (step == 1)
            pml5[7] &= ~PTE_RW;
        if (step == 2)
            pml4[3] |= PTE_NX;
        if (step == 3)
            pdpt[2] &= ~PTE_US;
        sim_use_direct(&f.sim);
        CHECK_MAPS(&f.sp, va + 0x1234, 0x201234, PT_PAGE_2M, want[step]);
        sim_use_offset(&f.sim);
        CHECK_MAPS(&f.sp, va + 0x1234, 0x201234, PT_PAGE_2M, want[step]);
        struct pt_translation tr;
        CHECK_ERR(pt_translate(&f.sp, va + (1ull << 39), &tr), PT_OK); /* PML4 entry 4: none */
        CHECK(!tr.mapped);
        CHECK_EQ(tr.level, PT_LEVEL_PML4);
    }
    sim_use_direct(&f.sim);
    fixture_fini(&f);
}

/* The dry run counts the PML4 a five-level map needs below an empty PML5 entry, and the
 * map takes exactly that many frames. */
static void dry_run_counts_the_pml4(void)
{
    struct fixture f;
    fixture_init(&f, 64, cpu_levels(5));
    uint64_t frames = 0;
    CHECK_ERR(pt_map_region_cost(&f.sp, 1ull << 47, 0x1000, PT_PAGE_4K, RW, 0, &frames), PT_OK);
    CHECK_EQ(frames, 4); /* PML4, PDPT, PD, PT */
    CHECK_ERR(pt_map_region_cost(&f.sp, 5ull << 48, 0, GIB, RW, 0, &frames), PT_OK);
    CHECK_EQ(frames, 2); /* PML4, PDPT; the 1 GiB leaf needs no more */
    CHECK_ERR(pt_map_region_cost(&f.sp, 1ull << 56, 0, PT_PAGE_4K, RW, 0, &frames),
              PT_ERR_NON_CANONICAL);
    uint64_t before = f.sim.in_use;
    struct pt_map_stats st;
    CHECK_ERR(pt_map_region(&f.sp, 1ull << 47, 0x1000, PT_PAGE_4K, RW, 0, &st), PT_OK);
    CHECK_EQ(st.tables, 4);
    CHECK_EQ(f.sim.in_use - before, 4);
    fixture_fini(&f);

    fixture_init(&f, 64, cpu_levels(4));
    CHECK_ERR(pt_map_region_cost(&f.sp, 1ull << 46, 0x1000, PT_PAGE_4K, RW, 0, &frames), PT_OK);
    CHECK_EQ(frames, 3); /* PDPT, PD, PT */
    CHECK_ERR(pt_map_region_cost(&f.sp, 1ull << 47, 0x1000, PT_PAGE_4K, RW, 0, &frames),
              PT_ERR_NON_CANONICAL);
    fixture_fini(&f);
}

TEST_SUITE(five_level_tests) = {
    {"five/depth_is_validated", depth_is_validated},
    {"five/canonical_at_bit_56", canonical_at_bit_56},
    {"five/recursive_addresses", recursive_addresses_five_levels},
    {"five/dump_and_stats_name_the_pml5", dump_and_stats_name_the_pml5},
    {"five/import_checks_the_pml5", import_checks_the_pml5},
    {"five/rights_along_five_level_path", rights_along_five_level_path},
    {"five/dry_run_counts_the_pml4", dry_run_counts_the_pml4},
    {NULL, NULL},
};
