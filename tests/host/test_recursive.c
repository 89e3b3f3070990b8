/* The recursive slot: addresses, and the recursive access mode run on the host. */
#include <string.h>

#include "../../core/entry.h"
#include "fixture.h"

static void recursive_addresses(void)
{
    CHECK_EQ(pt_recursive_table_va(510, 4, 0), 0xffffff7fbfdfe000ull);
    CHECK_EQ(pt_recursive_table_va(510, 3, 0), 0xffffff7fbfc00000ull);
    CHECK_EQ(pt_recursive_table_va(510, 2, 0), 0xffffff7f80000000ull);
    CHECK_EQ(pt_recursive_table_va(510, 1, 0), 0xffffff0000000000ull);
    uint64_t va = 0xffff800012345678ull;
    /* PT of va: slot, then the PML4, PDPT and PD indices of va. */
    uint64_t want = pt_canonical((510ull << 39) | (256ull << 30) | (0ull << 21) | (0x91ull << 12));
    CHECK_EQ(pt_recursive_table_va(510, 1, va), want);
    CHECK_EQ(pt_recursive_entry_va(510, 1, va), want + 8 * 0x145);
    CHECK_EQ(pt_recursive_entry_va(510, 4, va), 0xffffff7fbfdfe000ull + 8 * 256);
}

static void install_rules(void)
{
    struct fixture f;
    fixture_init(&f, 64, sim_cpu_max());
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, PT_PAGE_4K, RW, 0, NULL), PT_OK);
    CHECK_ERR(pt_recursive_install(&f.sp, 512), PT_ERR_BAD_SLOT);
    CHECK_ERR(pt_recursive_install(&f.sp, 0), PT_ERR_BAD_SLOT); /* in use */
    CHECK_ERR(pt_recursive_install(&f.sp, 510), PT_OK);
    CHECK_ERR(pt_recursive_install(&f.sp, 509), PT_ERR_BAD_SLOT); /* one slot only */
    uint64_t e = sim_frame(&f.sim, f.sp.root)[510];
    CHECK_EQ(e, f.sp.root | PTE_P | PTE_RW | PTE_NX);
    struct pt_space again;
    pt_open(&again, &f.sim.env, f.sp.root);
    CHECK_EQ(again.recursive_slot, 510);
    /* The root maps onto itself through the slot. */
    struct pt_translation tr;
    CHECK_ERR(pt_translate(&f.sp, pt_recursive_table_va(510, 4, 0), &tr), PT_OK);
    CHECK(tr.mapped);
    CHECK_EQ(tr.pa, f.sp.root);
    fixture_fini(&f);
}

/* Through the slot, each level's entry for va is the very entry the direct walk reads. */
static void recursive_reaches_same_entries(void)
{
    struct fixture f;
    fixture_init(&f, 4096, sim_cpu_max());
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 3 * GIB + 6 * MIB + 5 * PT_PAGE_4K, RW, 0, NULL), PT_OK);
    CHECK_ERR(pt_map_region(&f.sp, 0xffff800000000000ull, 0, 4 * MIB, RO, 0, NULL), PT_OK);
    CHECK_ERR(pt_recursive_install(&f.sp, 510), PT_OK);
    uint64_t vas[] = {0, 5 * MIB, 3 * GIB + 6 * MIB + 0x3000, 0xffff800000201000ull, 2 * GIB};
    for (size_t k = 0; k < sizeof vas / sizeof vas[0]; k++) {
        uint64_t table = f.sp.root;
        for (int level = 4; level >= 1; level--) {
            uint64_t *direct = sim_frame(&f.sim, table) + pt_index(vas[k], level);
            struct pt_translation tr;
            CHECK_ERR(pt_translate(&f.sp, pt_recursive_entry_va(510, level, vas[k]), &tr), PT_OK);
            CHECK(tr.mapped);
            CHECK_EQ(tr.pa, table + 8 * pt_index(vas[k], level));
            CHECK_EQ(*sim_frame(&f.sim, tr.pa & ~0xfffull), *sim_frame(&f.sim, table));
            if (pte_is_leaf(*direct, level))
                break;
            table = *direct & PTE_ADDR;
        }
    }
    /* The library itself in recursive mode reads the same translations. */
    struct pt_space rsp = f.sp;
    struct sim *s = &f.sim;
    sim_use_recursive(s, &f.sp, 510);
    for (size_t k = 0; k < sizeof vas / sizeof vas[0]; k++) {
        struct pt_translation a, b;
        CHECK_ERR(pt_translate(&rsp, vas[k], &a), PT_OK);
        sim_use_direct(s);
        CHECK_ERR(pt_translate(&f.sp, vas[k], &b), PT_OK);
        sim_use_recursive(s, &f.sp, 510);
        CHECK_EQ(a.mapped, b.mapped);
        CHECK_EQ(a.pa, b.pa);
        CHECK_EQ(a.page, b.page);
        CHECK_EQ(a.attr, b.attr);
    }
    fixture_fini(&f);
}

/* Changes made through the slot: fresh tables are linked before they are filled (their
 * range was empty), splits keep translations, a change needing more frames than the inline
 * reserve lists them in a stash frame, and with no free PML4 entry for one it is refused. */
static void recursive_mode_changes(void)
{
    struct fixture f;
    fixture_init(&f, 4096, sim_cpu_max());
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, GIB, RW, 0, NULL), PT_OK);
    CHECK_ERR(pt_recursive_install(&f.sp, 510), PT_OK);
    sim_use_recursive(&f.sim, &f.sp, 510);
    /* Adopted through the slot, the hierarchy names the slot itself. */
    struct pt_space through;
    CHECK_ERR(pt_open(&through, &f.sim.env, f.sp.root), PT_OK);
    CHECK_EQ(through.recursive_slot, 510);
    CHECK_ERR(pt_map_region(&f.sp, 4 * GIB, 0x7000, 8 * MIB, RO, 0, NULL), PT_OK);
    CHECK_ERR(pt_protect(&f.sp, 3 * MIB, PT_PAGE_4K, RO), PT_OK);
    CHECK_ERR(pt_unmap(&f.sp, 4 * GIB + 4 * MIB, 4 * MIB), PT_OK);
    uint64_t pml4[512];
    memcpy(pml4, sim_frame(&f.sim, f.sp.root), sizeof pml4);
    /* 129 frames: more than the inline reserve, so a stash frame holds the rest. */
    CHECK_ERR(pt_map_region(&f.sp, 8 * GIB, 0x1000, 256 * MIB, RO, 0, NULL), PT_OK);
    sim_use_direct(&f.sim);
    CHECK(!memcmp(pml4, sim_frame(&f.sim, f.sp.root), sizeof pml4)); /* stash gone */
    CHECK_MAPS(&f.sp, 4 * GIB + 4 * MIB - 1, 0x7000 + 4 * MIB - 1, PT_PAGE_4K, RO);
    CHECK_UNMAPPED(&f.sp, 4 * GIB + 4 * MIB);
    CHECK_MAPS(&f.sp, 3 * MIB, 3 * MIB, PT_PAGE_4K, RO);
    CHECK_MAPS(&f.sp, 3 * MIB + PT_PAGE_4K, 3 * MIB + PT_PAGE_4K, PT_PAGE_4K, RW);
    CHECK_MAPS(&f.sp, 8 * GIB + 256 * MIB - 1, 0x1000 + 256 * MIB - 1, PT_PAGE_4K, RO);
    /* With every PML4 entry in use, frames past the inline reserve have nowhere to be
     * listed: the change is refused whole. */
    for (unsigned k = 1; k < 512; k++)
        if (k != 510)
            CHECK_ERR(pt_map_page(&f.sp, pt_canonical((uint64_t)k << 39), 0, PT_SIZE_1G, RO, 0),
                      PT_OK);
    sim_use_recursive(&f.sim, &f.sp, 510);
    uint64_t used = f.sim.in_use;
    CHECK_ERR(pt_map_region(&f.sp, 16 * GIB, 0x1000, 256 * MIB, RO, 0, NULL), PT_ERR_UNREACHABLE);
    CHECK_EQ(f.sim.in_use, used);
    sim_use_direct(&f.sim);
    CHECK_UNMAPPED(&f.sp, 16 * GIB);
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    CHECK_EQ(fixture_leaked(&f), 0);
    fixture_fini(&f);
}

static uint64_t slotless_root[512];

static uint64_t *deref_slotless(void *ctx, uint64_t va)
{
    (void)ctx;
    (void)va;
    return slotless_root;
}

/* Tables read through a slot belong to a root that has one: a root with no entry pointing
 * back at it cannot be adopted through a recursive env. */
static void open_through_slot_needs_slot(void)
{
    struct pt_env env = {.cpu = sim_cpu_max()};
    struct pt_recursive_access acc = {.slot = 510, .levels = 4, .deref = deref_slotless};
    pt_access_recursive(&env, &acc);
    memset(slotless_root, 0, sizeof slotless_root);
    slotless_root[0] = 0x2000 | PTE_P | PTE_RW;
    struct pt_space sp;
    CHECK_ERR(pt_open(&sp, &env, 0x1000), PT_ERR_SLOT_MISMATCH);
    CHECK_EQ(sp.recursive_slot, -1);
    slotless_root[510] = 0x1000 | PTE_P | PTE_RW;
    CHECK_ERR(pt_open(&sp, &env, 0x1000), PT_OK);
    CHECK_EQ(sp.recursive_slot, 510);
}

/* Splitting through the slot a 1 GiB and a 2 MiB leaf that stay in use: a page elsewhere in
 * each leaf must translate at every table access and TLB hook call. The new table is
 * staged in a free PML4 entry, which is empty again afterwards. With no free PML4 entry
 * the split links first, and the watch sees the gap: the control that the watch works. */
static void split_in_use(bool pml4_full, uint64_t *lost, uint64_t *checks)
{
    struct fixture f;
    fixture_init(&f, 4096, sim_cpu_max());
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, GIB + 2 * MIB, RW, 0, NULL), PT_OK); /* 1G + 2M */
    for (unsigned k = 1; pml4_full && k < 512; k++)
        if (k != 510)
            CHECK_ERR(pt_map_page(&f.sp, pt_canonical((uint64_t)k << 39), 0, PT_SIZE_1G, RO, 0),
                      PT_OK);
    CHECK_ERR(pt_recursive_install(&f.sp, 510), PT_OK);
    uint64_t pml4[512];
    memcpy(pml4, sim_frame(&f.sim, f.sp.root), sizeof pml4);
    sim_use_recursive(&f.sim, &f.sp, 510);
    sim_track_flushes(&f.sim, 32);
    struct sim_watch w = {.va = 0x12345000};
    sim_watch(&w);
    CHECK_ERR(pt_protect(&f.sp, 0x20000000, PT_PAGE_4K, RO), PT_OK); /* 1G leaf -> PD, PT */
    w.va = GIB + MIB;
    CHECK_ERR(pt_protect(&f.sp, GIB + 4096, PT_PAGE_4K, RO), PT_OK); /* 2M leaf -> PT */
    sim_watch(NULL);
    *lost = w.lost;
    *checks = w.checks;
    sim_use_direct(&f.sim);
    CHECK(!memcmp(pml4, sim_frame(&f.sim, f.sp.root), sizeof pml4));
    CHECK_MAPS(&f.sp, 0x12345000, 0x12345000, PT_PAGE_2M, RW);
    CHECK_MAPS(&f.sp, 0x20000000, 0x20000000, PT_PAGE_4K, RO);
    CHECK_MAPS(&f.sp, 0x20001000, 0x20001000, PT_PAGE_4K, RW);
    CHECK_MAPS(&f.sp, GIB, GIB, PT_PAGE_4K, RW);
    CHECK_MAPS(&f.sp, GIB + 4096, GIB + 4096, PT_PAGE_4K, RO);
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    CHECK_EQ(fixture_leaked(&f), 0);
    fixture_fini(&f);
}

static void recursive_split_keeps_leaf_live(void)
{
    uint64_t lost, checks;
    split_in_use(false, &lost, &checks);
    CHECK(checks > 0);
    CHECK_EQ(lost, 0);
    split_in_use(true, &lost, &checks);
    CHECK(checks > 0);
    CHECK(lost > 0);
}

/* Fixed-offset access (all physical memory visible at one offset) reads and changes the
 * same tables the direct simulation does. */
static void offset_mode_matches_direct(void)
{
    struct fixture f;
    fixture_init(&f, 256, sim_cpu_max());
    struct pt_offset_access acc = {.offset = (uint64_t)(uintptr_t)f.sim.mem - SIM_BASE};
    pt_access_offset(&f.sim.env, &acc);
    CHECK_ERR(pt_map_region(&f.sp, GIB, 0x3000, 4 * MIB, RO, 0, NULL), PT_OK);
    CHECK_MAPS(&f.sp, GIB + 4 * MIB - 1, 0x3000 + 4 * MIB - 1, PT_PAGE_4K, RO);
    sim_use_direct(&f.sim);
    CHECK_MAPS(&f.sp, GIB, 0x3000, PT_PAGE_4K, RO);
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    CHECK_EQ(fixture_leaked(&f), 0);
    fixture_fini(&f);
}

TEST_SUITE(recursive_tests) = {
    {"recursive/offset_mode_matches_direct", offset_mode_matches_direct},
    {"recursive/addresses", recursive_addresses},
    {"recursive/install_rules", install_rules},
    {"recursive/reaches_same_entries", recursive_reaches_same_entries},
    {"recursive/mode_changes", recursive_mode_changes},
    {"recursive/open_through_slot_needs_slot", open_through_slot_needs_slot},
    {"recursive/split_keeps_leaf_live", recursive_split_keeps_leaf_live},
    {NULL, NULL},
};
