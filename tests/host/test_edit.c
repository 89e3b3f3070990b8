/* Unmap, protect and coalesce: splits keep the rest, empty tables go, folds come back. */
#include "fixture.h"

static void unmap_inside_huge_page_splits(void)
{
    struct fixture f;
    fixture_init(&f, 4096, sim_cpu_max());
    CHECK_ERR(pt_map_region(&f.sp, 0, 0x40000000, GIB, RW | PT_ATTR_GLOBAL, 0, NULL), PT_OK);
    CHECK_ERR(pt_unmap(&f.sp, 3 * MIB, 2 * PT_PAGE_4K), PT_OK);
    CHECK_UNMAPPED(&f.sp, 3 * MIB);
    CHECK_UNMAPPED(&f.sp, 3 * MIB + 0x1fff);
    CHECK_MAPS(&f.sp, 3 * MIB - 1, 0x40000000 + 3 * MIB - 1, PT_PAGE_4K, RW | PT_ATTR_GLOBAL);
    CHECK_MAPS(&f.sp, 3 * MIB + 0x2000, 0x40000000 + 3 * MIB + 0x2000, PT_PAGE_4K,
               RW | PT_ATTR_GLOBAL);
    CHECK_MAPS(&f.sp, 5 * MIB, 0x40000000 + 5 * MIB, PT_PAGE_2M, RW | PT_ATTR_GLOBAL);
    CHECK_EQ(f.sim.in_use, 1 + 1 + 1 + 1); /* root, PDPT, PD, PT */
    /* Unmapping the rest frees every table but the root. */
    CHECK_ERR(pt_unmap(&f.sp, 0, GIB), PT_OK);
    CHECK_EQ(f.sim.in_use, 1);
    CHECK_UNMAPPED(&f.sp, 5 * MIB);
    /* Unmapping holes is fine. */
    CHECK_ERR(pt_unmap(&f.sp, 0, 4 * GIB), PT_OK);
    CHECK_ERR(pt_unmap(&f.sp, 0x800, 4096), PT_ERR_MISALIGNED);
    fixture_fini(&f);
}

/* A PAT memory type survives a split: the PAT bit moves from bit 12 to bit 7. */
static void split_keeps_memory_type(void)
{
    struct fixture f;
    fixture_init(&f, 64, sim_cpu_max());
    pt_attr uc = PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_UC);
    f.sim.env.cpu.pat[7] = PT_MT_WP; /* put WP where only the PAT bit reaches it */
    pt_attr wp = PT_ATTR_MT(PT_MT_WP);
    CHECK_ERR(pt_map_page(&f.sp, 2 * MIB, 2 * MIB, PT_SIZE_2M, uc, 0), PT_OK);
    CHECK_ERR(pt_map_page(&f.sp, 4 * MIB, 4 * MIB, PT_SIZE_2M, wp, 0), PT_OK);
    CHECK_ERR(pt_unmap(&f.sp, 2 * MIB, PT_PAGE_4K), PT_OK);
    CHECK_ERR(pt_unmap(&f.sp, 4 * MIB, PT_PAGE_4K), PT_OK);
    CHECK_MAPS(&f.sp, 2 * MIB + PT_PAGE_4K, 2 * MIB + PT_PAGE_4K, PT_PAGE_4K, uc);
    CHECK_MAPS(&f.sp, 6 * MIB - 1, 6 * MIB - 1, PT_PAGE_4K, wp);
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    fixture_fini(&f);
}

static void protect_changes_rights_only(void)
{
    struct fixture f;
    fixture_init(&f, 4096, sim_cpu_max());
    CHECK_ERR(pt_map_region(&f.sp, GIB, 2 * GIB, GIB, RWX, 0, NULL), PT_OK);
    CHECK_ERR(pt_map_region(&f.sp, 2 * GIB, 0x5000, 8 * PT_PAGE_4K, RWX, 0, NULL), PT_OK);
    uint64_t used = f.sim.in_use;
    /* Protect with the attributes a leaf already has splits nothing. */
    CHECK_ERR(pt_protect(&f.sp, GIB + 4 * MIB, PT_PAGE_4K, RWX), PT_OK);
    CHECK_EQ(f.sim.in_use, used);
    /* Read-only on 4 KiB inside the huge page: split into PD + PT. */
    CHECK_ERR(pt_protect(&f.sp, GIB + 4 * MIB, PT_PAGE_4K, RO), PT_OK);
    CHECK_EQ(f.sim.in_use, used + 2);
    CHECK_MAPS(&f.sp, GIB + 4 * MIB, 2 * GIB + 4 * MIB, PT_PAGE_4K, RO);
    CHECK_MAPS(&f.sp, GIB + 4 * MIB + PT_PAGE_4K, 2 * GIB + 4 * MIB + PT_PAGE_4K, PT_PAGE_4K, RWX);
    /* Protect over holes leaves the holes unmapped. */
    CHECK_ERR(pt_protect(&f.sp, 2 * GIB - PT_PAGE_4K, 16 * PT_PAGE_4K, RO), PT_OK);
    CHECK_UNMAPPED(&f.sp, 2 * GIB + 8 * PT_PAGE_4K);
    CHECK_MAPS(&f.sp, 2 * GIB + 7 * PT_PAGE_4K, 0xc000, PT_PAGE_4K, RO);
    CHECK_MAPS(&f.sp, 2 * GIB - 1, 3 * GIB - 1, PT_PAGE_4K, RO);
    CHECK_MAPS(&f.sp, 2 * GIB - PT_PAGE_4K - 1, 3 * GIB - PT_PAGE_4K - 1, PT_PAGE_4K, RWX);
    CHECK_ERR(pt_protect(&f.sp, GIB, PT_PAGE_4K, 0x4000), PT_ERR_BAD_ATTR);
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    CHECK_EQ(fixture_leaked(&f), 0);
    fixture_fini(&f);
}

/* Split to 4 KiB, restore the rights, coalesce: the 1 GiB leaf comes back. */
static void coalesce_folds_split_back(void)
{
    struct fixture f;
    fixture_init(&f, 4096, sim_cpu_max());
    CHECK_ERR(pt_map_region(&f.sp, 0, GIB, GIB, RW, 0, NULL), PT_OK);
    uint64_t used = f.sim.in_use;
    CHECK_ERR(pt_protect(&f.sp, 7 * MIB, PT_PAGE_4K, RO), PT_OK);
    CHECK_ERR(pt_protect(&f.sp, 7 * MIB, PT_PAGE_4K, RW), PT_OK);
    CHECK_EQ(f.sim.in_use, used + 2);
    uint64_t folded = 99;
    CHECK_ERR(pt_coalesce(&f.sp, 0, 4 * MIB, &folded), PT_OK); /* range misses the split */
    CHECK_EQ(folded, 0);
    CHECK_ERR(pt_coalesce(&f.sp, 0, GIB, &folded), PT_OK);
    CHECK_EQ(folded, 2);
    CHECK_EQ(f.sim.in_use, used);
    CHECK_MAPS(&f.sp, 7 * MIB, GIB + 7 * MIB, PT_PAGE_1G, RW);
    /* A table whose leaves differ in rights stays. */
    CHECK_ERR(pt_protect(&f.sp, 7 * MIB, PT_PAGE_4K, RO), PT_OK);
    CHECK_ERR(pt_coalesce(&f.sp, 0, GIB, &folded), PT_OK);
    CHECK_EQ(folded, 0);
    CHECK_MAPS(&f.sp, 7 * MIB, GIB + 7 * MIB, PT_PAGE_4K, RO);
    fixture_fini(&f);
}

/* Without 1 GiB pages a PD of 2 MiB leaves stays; PTs still fold into 2 MiB leaves;
 * leaves that are not physically contiguous never fold. */
static void coalesce_respects_cpu_and_contiguity(void)
{
    struct fixture f;
    struct pt_cpu cpu = sim_cpu_max();
    cpu.page_1g = false;
    fixture_init(&f, 4096, cpu);
    for (uint64_t off = 0; off < 2 * MIB; off += PT_PAGE_4K)
        CHECK_ERR(pt_map_page(&f.sp, off, off, PT_SIZE_4K, RW, 0), PT_OK);
    CHECK_ERR(pt_map_region(&f.sp, 2 * MIB, 2 * MIB, GIB - 2 * MIB, RW, 0, NULL), PT_OK);
    uint64_t folded;
    CHECK_ERR(pt_coalesce(&f.sp, 0, GIB, &folded), PT_OK);
    CHECK_EQ(folded, 1);
    CHECK_MAPS(&f.sp, 4096, 4096, PT_PAGE_2M, RW);
    /* Swap two pages' frames: no fold. */
    CHECK_ERR(pt_map_page(&f.sp, GIB, GIB + PT_PAGE_4K, PT_SIZE_4K, RW, 0), PT_OK);
    CHECK_ERR(pt_map_page(&f.sp, GIB + PT_PAGE_4K, GIB, PT_SIZE_4K, RW, 0), PT_OK);
    CHECK_ERR(pt_map_region(&f.sp, GIB + 2 * PT_PAGE_4K, GIB + 2 * PT_PAGE_4K,
                            2 * MIB - 2 * PT_PAGE_4K, RW, 0, NULL),
              PT_OK);
    CHECK_ERR(pt_coalesce(&f.sp, GIB, 2 * MIB, &folded), PT_OK);
    CHECK_EQ(folded, 0);
    CHECK_EQ(fixture_leaked(&f), 0);
    fixture_fini(&f);
}

TEST_SUITE(edit_tests) = {
    {"edit/unmap_inside_huge_page_splits", unmap_inside_huge_page_splits},
    {"edit/split_keeps_memory_type", split_keeps_memory_type},
    {"edit/protect_changes_rights_only", protect_changes_rights_only},
    {"edit/coalesce_folds_split_back", coalesce_folds_split_back},
    {"edit/coalesce_respects_cpu_and_contiguity", coalesce_respects_cpu_and_contiguity},
    {NULL, NULL},
};
