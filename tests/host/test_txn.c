/* Transactions: failure injection at every allocation, and TLB invalidation choices. */
#include "../../core/entry.h"
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

/* Everything the hierarchy is: which frames are in use and what they hold. */
struct snapshot {
    uint8_t *mem;
    uint8_t *used;
    uint64_t in_use;
};

static void snap_take(struct sim *s, struct snapshot *sn)
{
    sn->mem = malloc(s->frames * PT_PAGE_4K);
    sn->used = malloc(s->frames);
    memset(sn->used, 1, s->frames);
    for (uint64_t i = 0; i < s->free_count; i++)
        sn->used[s->free_list[i]] = 0;
    memcpy(sn->mem, s->mem, s->frames * PT_PAGE_4K);
    sn->in_use = s->in_use;
}

/* True when every frame in use is the same, holds the same bytes, and no other is used. */
static bool snap_same(struct sim *s, const struct snapshot *sn)
{
    uint8_t *used = malloc(s->frames);
    memset(used, 1, s->frames);
    for (uint64_t i = 0; i < s->free_count; i++)
        used[s->free_list[i]] = 0;
    bool same = s->in_use == sn->in_use && !memcmp(used, sn->used, s->frames);
    for (uint64_t i = 0; same && i < s->frames; i++)
        if (used[i] && memcmp(s->mem + i * PT_PAGE_4K, sn->mem + i * PT_PAGE_4K, PT_PAGE_4K))
            same = false;
    free(used);
    return same;
}

static void snap_free(struct snapshot *sn)
{
    free(sn->mem);
    free(sn->used);
}

/* Existing content the failing calls must leave alone: a 1 GiB leaf, a split, 4 KiB runs. */
static void populate(struct fixture *f)
{
    CHECK_ERR(pt_map_region(&f->sp, 0, 0, GIB, RW, 0, NULL), PT_OK);
    CHECK_ERR(pt_map_region(&f->sp, GIB, GIB, GIB, RW, 0, NULL), PT_OK);
    CHECK_ERR(pt_protect(&f->sp, GIB + 3 * MIB, PT_PAGE_4K, RO), PT_OK);
    CHECK_ERR(pt_map_region(&f->sp, 4 * GIB, 0x3000, 6 * MIB, RO, 0, NULL), PT_OK);
}

/* As firmware leaves them: the PDPT entry over [1 GiB, 2 GiB) read-only and
 * supervisor-only, the PD entry over its split 2 MiB no-execute, and an empty PT where
 * [1 GiB + 6 MiB, 1 GiB + 8 MiB) was a leaf. */
static void make_foreign(struct fixture *f)
{
    uint64_t *pml4 = sim_frame(&f->sim, f->sp.root);
    if (f->sp.levels == PT_LEVEL_PML5)
        pml4 = sim_frame(&f->sim, pml4[0] & PTE_ADDR);
    uint64_t *pdpt = sim_frame(&f->sim, pml4[0] & PTE_ADDR);
    pdpt[1] &= ~(PTE_RW | PTE_US);
    uint64_t *pd1 = sim_frame(&f->sim, pdpt[1] & PTE_ADDR);
    pd1[1] |= PTE_NX;
    uint64_t empty;
    CHECK(f->sim.env.alloc_frame(&f->sim, &empty));
    pd1[3] = empty | PTE_P | PTE_RW | PTE_US;
}

typedef enum pt_error (*change_fn)(struct pt_space *sp);

/* Through the restrictive entries and the empty PT: 4 KiB leaves (PA misaligned). */
static enum pt_error foreign_replace(struct pt_space *sp)
{
    return pt_map_region(sp, GIB + MIB, 0x9000, 16 * MIB, RO, PT_MAP_REPLACE, NULL);
}

static enum pt_error foreign_protect(struct pt_space *sp)
{
    return pt_protect(sp, GIB + MIB + PT_PAGE_4K, 8 * MIB, RWX | PT_ATTR_USER);
}

static enum pt_error big_map(struct pt_space *sp)
{
    /* 4 KiB-only (PA misaligned), crossing a 512 GiB line: PDPT, PDs and 128+ PTs. */
    return pt_map_region(sp, 512 * GIB - 128 * MIB, 0x5000, 256 * MIB, RW, 0, NULL);
}

static enum pt_error big_map_past_2_48(struct pt_space *sp)
{
    /* Five levels: 4 KiB-only, crossing from PML5 entry 0 into entry 1 at 2^48, beyond
     * what four levels can map: PML4s, PDPTs, PDs and 128+ PTs. */
    return pt_map_region(sp, (1ull << 48) - 128 * MIB, 0x5000, 256 * MIB, RW, 0, NULL);
}

static enum pt_error big_replace(struct pt_space *sp)
{
    return pt_map_region(sp, GIB / 2, 0x9000, GIB + 4 * MIB, RO, PT_MAP_REPLACE, NULL);
}

static enum pt_error edge_unmap(struct pt_space *sp)
{
    return pt_unmap(sp, 5 * MIB, GIB - 2 * PT_PAGE_4K);
}

static enum pt_error edge_protect(struct pt_space *sp)
{
    return pt_protect(sp, PT_PAGE_4K, 2 * GIB + 2 * PT_PAGE_4K, RWX);
}

/* In recursive mode the change reaches every table through slot 510, and frames beyond the
 * inline reserve are listed in stash frames linked at free PML4 entries. */
static bool foreign_fixture;
static uint8_t fixture_levels; /* 0 (four levels) or 5 */

static void open_fixture(struct fixture *f, bool recursive)
{
    struct pt_cpu cpu = sim_cpu_max();
    cpu.levels = fixture_levels;
    fixture_init(f, 4096, cpu);
    CHECK_EQ(f->sp.levels, fixture_levels ? fixture_levels : 4);
    populate(f);
    if (foreign_fixture)
        make_foreign(f);
    if (recursive) {
        CHECK_ERR(pt_recursive_install(&f->sp, 510), PT_OK);
        sim_use_recursive(&f->sim, &f->sp, 510);
        sim_track_flushes(&f->sim, 32);
    }
}

static void fail_every_allocation(change_fn change, const char *name, bool recursive)
{
    /* How many frames the change takes when nothing fails. */
    struct fixture ok;
    open_fixture(&ok, recursive);
    uint64_t before = ok.sim.attempts;
    CHECK_ERR(change(&ok.sp), PT_OK);
    uint64_t needed = ok.sim.attempts - before;
    CHECK(needed > 0);
    sim_use_direct(&ok.sim);
    fixture_fini(&ok);
    struct fixture f;
    open_fixture(&f, recursive);
    struct snapshot sn;
    snap_take(&f.sim, &sn);
    uint64_t failures = 0;
    for (uint64_t k = 0; k < needed; k++) {
        f.sim.fail_at = (int64_t)(f.sim.attempts + k);
        enum pt_error err = change(&f.sp);
        f.sim.fail_at = -1;
        CHECK_ERR(err, PT_ERR_NO_FRAMES);
        if (!snap_same(&f.sim, &sn)) {
            fprintf(stderr, "  %s: hierarchy changed after failing allocation %llu\n", name,
                    (unsigned long long)k);
            failures++;
            break;
        }
    }
    CHECK_EQ(failures, 0);
    printf("  failure injection %s: failed each of %llu allocations in turn, unchanged each time\n",
           name, (unsigned long long)needed);
    CHECK_ERR(change(&f.sp), PT_OK);
    sim_use_direct(&f.sim);
    CHECK_ERR(fixture_check(&f, NULL), PT_OK);
    CHECK_EQ(fixture_leaked(&f), 0);
    snap_free(&sn);
    fixture_fini(&f);
}

/* 129 frames through the slot: 64 inline, the rest in a stash frame at a free PML4 entry
 * outside the change's range (the map crosses from PML4 entry 0 into entry 1). */
static void failure_injection_recursive_map(void)
{
    fail_every_allocation(big_map, "map through the slot", true);
}

static void failure_injection_recursive_replace(void)
{
    fail_every_allocation(big_replace, "replace through the slot", true);
}

/* On a hierarchy with restrictive table entries and an empty table: the restriction moves
 * down and the empty table goes only once every frame is there. */
static void failure_injection_foreign(void)
{
    foreign_fixture = true;
    fail_every_allocation(foreign_replace, "replace under restrictive entries", false);
    fail_every_allocation(foreign_protect, "protect under restrictive entries", false);
    fail_every_allocation(foreign_replace, "replace under restrictive entries, slot", true);
    fail_every_allocation(foreign_protect, "protect under restrictive entries, slot", true);
    foreign_fixture = false;
}

static void failure_injection_map(void)
{
    fail_every_allocation(big_map, "map", false);
}

static void failure_injection_replace(void)
{
    fail_every_allocation(big_replace, "replace", false);
}

static void failure_injection_unmap(void)
{
    fail_every_allocation(edge_unmap, "unmap", false);
}

static void failure_injection_protect(void)
{
    fail_every_allocation(edge_protect, "protect", false);
}

/* The same at five levels, and a map that only five levels can hold, also through the
 * slot (where the stash frames go to free PML5 entries). */
static void failure_injection_five_levels(void)
{
    fixture_levels = PT_LEVEL_PML5;
    fail_every_allocation(big_map, "map, 5-level", false);
    fail_every_allocation(big_map_past_2_48, "map past 2^48, 5-level", false);
    fail_every_allocation(big_map_past_2_48, "map past 2^48 through the slot, 5-level", true);
    fail_every_allocation(big_replace, "replace, 5-level", false);
    fail_every_allocation(big_replace, "replace through the slot, 5-level", true);
    fail_every_allocation(edge_unmap, "unmap, 5-level", false);
    fail_every_allocation(edge_protect, "protect, 5-level", false);
    foreign_fixture = true;
    fail_every_allocation(foreign_replace, "replace under restrictive entries, 5-level", false);
    fail_every_allocation(foreign_protect, "protect under restrictive entries, slot, 5-level",
                          true);
    foreign_fixture = false;
    fixture_levels = 0;
}

/* ---- a reservation used up: the tables change between the dry run and the apply ----------
 * The frame allocator runs between the two passes (txn_reserve). Here it changes the
 * tables on its first call, as a second writer would, so the apply pass needs more frames
 * than the dry run counted and reserved: the change must stop with PT_ERR_RESERVE_SHORT
 * rather than take a frame it does not have. */

struct between_passes {
    struct fixture *f;
    bool (*alloc)(void *ctx, uint64_t *pa); /* the sim's own allocator */
    void (*change)(struct fixture *f);
    bool changed;
    struct snapshot after; /* the hierarchy just after the change, before any frame went */
};

static struct between_passes *between;

static bool alloc_changing_tables(void *ctx, uint64_t *pa)
{
    if (!between->changed) {
        between->changed = true;
        between->change(between->f);
        snap_take(&between->f->sim, &between->after);
    }
    return between->alloc(ctx, pa);
}

/* Runs `change_call` with the allocator changing the tables (by `tables_change`) on its
 * first call; the allocator is the sim's own again afterwards. */
static enum pt_error run_with_tables_changing(struct fixture *f, struct between_passes *bp,
                                              void (*tables_change)(struct fixture *f),
                                              change_fn change_call)
{
    *bp = (struct between_passes){.f = f, .alloc = f->sim.env.alloc_frame, .change = tables_change};
    between = bp;
    f->sim.env.alloc_frame = alloc_changing_tables;
    enum pt_error err = change_call(&f->sp);
    f->sim.env.alloc_frame = bp->alloc;
    between = NULL;
    CHECK(bp->changed);
    return err;
}

/* The PDPT under top-level entry 0 (through PML5 entry 0 at five levels). */
static uint64_t *first_pdpt(struct fixture *f)
{
    uint64_t *top = sim_frame(&f->sim, f->sp.root);
    if (f->sp.levels == PT_LEVEL_PML5)
        top = sim_frame(&f->sim, top[0] & PTE_ADDR);
    return sim_frame(&f->sim, top[0] & PTE_ADDR);
}

/* An empty PD over [4 GiB, 5 GiB): mapping 4 KiB pages there needs one PT. */
static void add_empty_pd(struct fixture *f)
{
    uint64_t pd;
    CHECK(sim_zeroed_frame(&f->sim, &pd));
    first_pdpt(f)[4] = pd | PTE_P | PTE_RW | PTE_US;
}

/* The empty PD goes: the same mapping now needs a PD and a PT. */
static void drop_empty_pd(struct fixture *f)
{
    uint64_t *pdpt = first_pdpt(f);
    uint64_t pd = pdpt[4] & PTE_ADDR;
    pdpt[4] = 0;
    f->sim.env.free_frame(&f->sim, pd);
}

static void open_short_fixture(struct fixture *f, uint8_t levels, bool dirty)
{
    struct pt_cpu cpu = sim_cpu_max();
    cpu.levels = levels;
    fixture_init(f, 4096, cpu);
    if (dirty)
        sim_dirty_frames(&f->sim);
}

static void short_fixture_through_slot(struct fixture *f)
{
    CHECK_ERR(pt_recursive_install(&f->sp, 510), PT_OK);
    sim_use_recursive(&f->sim, &f->sp, 510);
}

/* Whatever happened, the tables are whole and every frame in use is one of them. */
static void close_short_fixture(struct fixture *f, struct between_passes *bp)
{
    sim_use_direct(&f->sim);
    CHECK_ERR(fixture_check(f, NULL), PT_OK);
    CHECK_EQ(fixture_leaked(f), 0);
    snap_free(&bp->after);
    fixture_fini(f);
}

static unsigned short_pts = 1; /* 2 MiB spans map_4k_at_4g maps, one PT each */

static enum pt_error map_4k_at_4g(struct pt_space *sp)
{
    return pt_map_region(sp, 4 * GIB, 0x5000, short_pts * 2 * MIB, RW, 0, NULL);
}

/* The dry run counts `pts` PTs below the empty PD; the PD goes before the apply, which then
 * needs a PD and `pts` PTs, and finds no frame for the last PT (with pts > 1, after the
 * new PD already links the others). The new PD is taken back with everything below it:
 * the hierarchy is as the allocator left it, byte for byte, and every frame is free
 * again. */
static void map_short(uint8_t levels, bool recursive, bool dirty, unsigned pts)
{
    struct fixture f;
    open_short_fixture(&f, levels, dirty);
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, GIB, RW, 0, NULL), PT_OK);
    add_empty_pd(&f);
    if (recursive)
        short_fixture_through_slot(&f);
    short_pts = pts;
    uint64_t need = 0;
    CHECK_ERR(pt_map_region_cost(&f.sp, 4 * GIB, 0x5000, pts * 2 * MIB, RW, 0, &need), PT_OK);
    CHECK_EQ(need, pts);
    struct between_passes bp;
    CHECK_ERR(run_with_tables_changing(&f, &bp, drop_empty_pd, map_4k_at_4g), PT_ERR_RESERVE_SHORT);
    CHECK(snap_same(&f.sim, &bp.after));
    for (unsigned k = 0; k < pts; k++)
        CHECK_UNMAPPED(&f.sp, 4 * GIB + k * 2 * MIB);
    CHECK_MAPS(&f.sp, GIB - PT_PAGE_4K, GIB - PT_PAGE_4K, GIB, RW);
    /* Counted again, the same change goes through. */
    CHECK_ERR(map_4k_at_4g(&f.sp), PT_OK);
    CHECK_MAPS(&f.sp, 4 * GIB + PT_PAGE_4K, 0x6000, PT_PAGE_4K, RW);
    CHECK_MAPS(&f.sp, 4 * GIB + pts * 2 * MIB - PT_PAGE_4K, 0x4000 + pts * 2 * MIB, PT_PAGE_4K, RW);
    close_short_fixture(&f, &bp);
}

static void reserve_short_map(void)
{
    for (unsigned pts = 1; pts <= 4; pts += 3) {
        map_short(0, false, false, pts);
        map_short(0, false, true, pts);
        map_short(0, true, false, pts);
        map_short(PT_LEVEL_PML5, false, false, pts);
        map_short(PT_LEVEL_PML5, false, true, pts);
        map_short(PT_LEVEL_PML5, true, false, pts);
    }
}

/* The 2 MiB leaf at [1 GiB, 1 GiB + 2 MiB) and its PD become one 1 GiB leaf. */
static void fold_pd_into_1g(struct fixture *f)
{
    uint64_t *pdpt = first_pdpt(f);
    uint64_t pd = pdpt[1] & PTE_ADDR;
    pdpt[1] = sim_frame(&f->sim, pd)[0]; /* same bits; the address is 1 GiB aligned */
    f->sim.env.free_frame(&f->sim, pd);
}

static enum pt_error protect_one_page(struct pt_space *sp)
{
    return pt_protect(sp, GIB + PT_PAGE_4K, PT_PAGE_4K, RO);
}

/* The dry run counts one split (the 2 MiB leaf); by the apply the leaf is 1 GiB, and the
 * second split finds no frame. The first split stands, a table of 2 MiB pieces in place
 * of the 1 GiB leaf: every address keeps its translation and rights, the table is whole,
 * and its frame is the only one taken. */
static void protect_short(uint8_t levels, bool recursive)
{
    struct fixture f;
    open_short_fixture(&f, levels, false);
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 2 * MIB, RW, 0, NULL), PT_OK);
    CHECK_ERR(pt_map_region(&f.sp, GIB, GIB, 2 * MIB, RW, 0, NULL), PT_OK);
    if (recursive)
        short_fixture_through_slot(&f);
    struct between_passes bp;
    CHECK_ERR(run_with_tables_changing(&f, &bp, fold_pd_into_1g, protect_one_page),
              PT_ERR_RESERVE_SHORT);
    CHECK_EQ(f.sim.in_use, bp.after.in_use + 1);
    for (uint64_t off = 0; off < GIB; off += GIB / 8)
        CHECK_MAPS(&f.sp, GIB + off + PT_PAGE_4K, GIB + off + PT_PAGE_4K, 2 * MIB, RW);
    CHECK_ERR(protect_one_page(&f.sp), PT_OK);
    CHECK_MAPS(&f.sp, GIB + PT_PAGE_4K, GIB + PT_PAGE_4K, PT_PAGE_4K, RO);
    CHECK_MAPS(&f.sp, GIB + 2 * PT_PAGE_4K, GIB + 2 * PT_PAGE_4K, PT_PAGE_4K, RW);
    close_short_fixture(&f, &bp);
}

static void reserve_short_protect(void)
{
    protect_short(0, false);
    protect_short(0, true);
    protect_short(PT_LEVEL_PML5, false);
    protect_short(PT_LEVEL_PML5, true);
}

/* Up to the threshold each changed page is invalidated alone; past it, one full flush.
 * Filling empty entries needs no flush at all. */
static void tlb_flush_choice(void)
{
    struct fixture f;
    fixture_init(&f, 4096, sim_cpu_max());
    sim_track_flushes(&f.sim, 8);
    CHECK_ERR(pt_map_region(&f.sp, 0, 0, 64 * PT_PAGE_4K, RW, 0, NULL), PT_OK);
    CHECK_ERR(pt_map_region(&f.sp, GIB, GIB, GIB, RW, 0, NULL), PT_OK);
    CHECK_EQ(f.sim.flush_pages + f.sim.flush_alls, 0);
    CHECK_ERR(pt_unmap(&f.sp, 0, 4 * PT_PAGE_4K), PT_OK);
    CHECK_EQ(f.sim.flush_pages, 4);
    CHECK_ERR(pt_protect(&f.sp, GIB, GIB, RO), PT_OK); /* one 1 GiB leaf: one invlpg */
    CHECK_EQ(f.sim.flush_pages, 5);
    CHECK_EQ(f.sim.flush_alls, 0);
    CHECK_ERR(pt_unmap(&f.sp, 4 * PT_PAGE_4K, 20 * PT_PAGE_4K), PT_OK);
    CHECK_EQ(f.sim.flush_pages, 5);
    CHECK_EQ(f.sim.flush_alls, 1);
    fixture_fini(&f);
}

TEST_SUITE(txn_tests) = {
    {"txn/failure_injection_recursive_map", failure_injection_recursive_map},
    {"txn/failure_injection_recursive_replace", failure_injection_recursive_replace},
    {"txn/failure_injection_map", failure_injection_map},
    {"txn/failure_injection_foreign", failure_injection_foreign},
    {"txn/failure_injection_replace", failure_injection_replace},
    {"txn/failure_injection_unmap", failure_injection_unmap},
    {"txn/failure_injection_protect", failure_injection_protect},
    {"txn/failure_injection_five_levels", failure_injection_five_levels},
    {"txn/reserve_short_map", reserve_short_map},
    {"txn/reserve_short_protect", reserve_short_protect},
    {"txn/tlb_flush_choice", tlb_flush_choice},
    {NULL, NULL},
};
