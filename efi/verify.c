/* The checks that run on the live tables: translation three ways, the recursive slot,
 * touching memory, expected faults, a change made live, and boot services. */
#include <efi.h>
#include <efilib.h>

#include "check_wx.h"
#include "cpu.h"
#include "cpus.h"
#include "fault.h"
#include "live.h"
#include "report.h"
#include "text.h"
#include "verify.h"

#define SAMPLES_PER_REGION 4
#define SHOWN_MISMATCHES   5

/* ---- a. translation --------------------------------------------------------------------- */

/* xorshift64: state must not be 0. */
static uint64_t rnd(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

struct translation_tally {
    uint64_t points, firmware_compared, mismatches;
};

static void compare_point(const struct takeover_view *v, struct live *l, uint64_t va,
                          struct translation_tally *tally)
{
    if (!pt_is_canonical_at(v->ours->sp.levels, va) || takeover_in_window(v->target, va))
        return;
    struct pt_translation built = {0}, live = {0}, fw = {0};
    const struct plan_region *r = plan_lookup(v->plan, va);
    bool planned = r != NULL;
    uint64_t pa = planned ? r->pa + (va - r->va) : 0;
    pt_attr attr = planned ? r->attr : 0;
    /* A translation that fails counts as a mismatch: its result is not compared. */
    bool translated = pt_translate(&v->ours->sp, va, &built) == PT_OK &&
                      pt_translate(&l->sp, va, &live) == PT_OK &&
                      pt_translate(&v->fw->sp, va, &fw) == PT_OK;
    tally->points++;
    bool ok = translated && built.mapped == planned &&
              (!planned || (built.pa == pa && built.attr == attr));
    ok = ok && live.mapped == built.mapped &&
         (!built.mapped ||
          (live.pa == built.pa && live.attr == built.attr && live.page == built.page));
    if (fw.mapped) {
        /* The firmware's rights, narrowed by the W^X limits that cover va. */
        pt_attr want = fw.attr;
        const struct wx_limits *set = &v->target->wx.set;
        for (size_t i = 0; fw.pa == va && i < set->count; i++)
            if (va - set->limits[i].start < set->limits[i].end - set->limits[i].start)
                want = (want & ~set->limits[i].clear) | set->limits[i].set;
        tally->firmware_compared++;
        ok = ok && built.mapped && fw.pa == built.pa && want == built.attr;
    }
    if (!ok && tally->mismatches++ < SHOWN_MISMATCHES)
        report("  va 0x%016llx: plan %s 0x%llx/%x, built %s 0x%llx/%x, live %s 0x%llx/%x, "
               "firmware %s 0x%llx/%x",
               (unsigned long long)va, planned ? "->" : "unmapped", (unsigned long long)pa, attr,
               built.mapped ? "->" : "unmapped", (unsigned long long)built.pa, built.attr,
               live.mapped ? "->" : "unmapped", (unsigned long long)live.pa, live.attr,
               fw.mapped ? "->" : "unmapped", (unsigned long long)fw.pa, fw.attr);
}

/* Every run of the live tables, walked through the recursive slot, against the plan. */
struct run_tally {
    const struct takeover_target *target;
    const struct plan *plan;
    uint64_t runs, bytes, mismatches;
};

static bool compare_run(void *ctx, const struct pt_run *run)
{
    struct run_tally *rt = ctx;
    if (takeover_in_window(rt->target, run->va))
        return true; /* the test window is checked by the fault checks */
    rt->runs++;
    rt->bytes += run->len;
    for (uint64_t off = 0; off < run->len;) {
        /* The region holding va, to step over it whole. */
        const struct plan_region *r = plan_lookup(rt->plan, run->va + off);
        if (!r || r->pa + (run->va + off - r->va) != run->pa + off || r->attr != run->attr) {
            if (rt->mismatches++ < SHOWN_MISMATCHES)
                report("  run 0x%llx+0x%llx -> 0x%llx attr %x: not what the plan maps at 0x%llx",
                       (unsigned long long)run->va, (unsigned long long)run->len,
                       (unsigned long long)run->pa, run->attr, (unsigned long long)(run->va + off));
            return true;
        }
        uint64_t step = r->va + r->len - (run->va + off);
        off += step < run->len - off ? step : run->len - off;
    }
    return true;
}

static bool check_translation(const struct takeover_view *v, struct live *l,
                              struct report_tally *checks)
{
    const struct plan *plan = v->plan;
    struct run_tally rt = {.target = v->target, .plan = plan};
    uint64_t planned = 0;
    for (size_t i = 0; i < plan->region_count; i++)
        planned += plan->regions[i].len;
    enum pt_error walked = pt_walk(&l->sp, 0, 1ull << pt_va_bits(l->sp.levels), compare_run, &rt);
    bool ok = report_check(
        checks, "live-map-is-plan", walked == PT_OK && rt.mismatches == 0 && rt.bytes == planned,
        "%llu runs walked through the slot, %llu MiB mapped of %llu MiB planned, %llu "
        "differ",
        (unsigned long long)rt.runs, (unsigned long long)(rt.bytes >> 20),
        (unsigned long long)(planned >> 20), (unsigned long long)rt.mismatches);

    struct translation_tally tally = {0};
    uint64_t seed = cpu_rdtsc() | 1, rng = seed;
    for (size_t i = 0; i < plan->region_count; i++) {
        const struct plan_region *r = &plan->regions[i];
        uint64_t keys[] = {r->va, r->va + r->len - 1, r->va + r->len, r->va - 1};
        for (size_t k = 0; k < 4; k++)
            compare_point(v, l, keys[k], &tally);
        for (int s = 0; s < SAMPLES_PER_REGION; s++)
            compare_point(v, l, r->va + rnd(&rng) % r->len, &tally);
    }
    for (size_t i = 0; i < plan->range_count; i++) {
        const struct plan_range *r = &plan->ranges[i];
        uint64_t keys[] = {r->start, r->end - 1, r->end};
        for (size_t k = 0; k < 3; k++)
            compare_point(v, l, keys[k], &tally);
    }
    return report_check(checks, "translation", tally.mismatches == 0,
                        "%llu points (%llu also against the firmware's tables), %llu mismatches, "
                        "seed 0x%llx",
                        (unsigned long long)tally.points,
                        (unsigned long long)tally.firmware_compared,
                        (unsigned long long)tally.mismatches, (unsigned long long)seed) &&
           ok;
}

/* ---- b. the recursive slot -------------------------------------------------------------- */

struct slot_tally {
    int levels; /* of the hierarchy compare_table reads */
    uint64_t compared, mismatches;
};

static void compare_table(struct slot_tally *st, uint64_t pa, int level, uint64_t va)
{
    int levels = st->levels;
    const uint64_t *direct = (const uint64_t *)(uintptr_t)pa;
    const uint64_t *rec =
        (const uint64_t *)(uintptr_t)pt_recursive_table_va_at(levels, PT_DEFAULT_SLOT, level, va);
    st->compared++;
    for (unsigned i = 0; i < 512; i++)
        if (pt_entry_stable(direct[i]) != pt_entry_stable(rec[i])) {
            st->mismatches++;
            return;
        }
    if (level == PT_LEVEL_PT)
        return;
    uint64_t span = pt_level_span(level);
    for (unsigned i = 0; i < 512; i++) {
        uint64_t e = direct[i];
        if (!pt_entry_present(e) || pt_entry_is_leaf(e, level))
            continue;
        if (level == levels && i == PT_DEFAULT_SLOT)
            continue;
        compare_table(st, pt_entry_addr(e, level), level - 1,
                      pt_canonical_at(levels, va + i * span));
    }
}

static bool check_recursive_slot(const struct our_tables *ours, struct live *l,
                                 struct report_tally *tally)
{
    struct pt_translation tr = {0};
    int levels = ours->sp.levels;
    struct slot_tally st = {.levels = levels};
    unsigned slot = (unsigned)l->sp.recursive_slot; /* takeover_live_open refuses none */
    uint64_t root_va = pt_recursive_table_va_at(levels, slot, levels, 0);
    bool self = pt_translate(&l->sp, root_va, &tr) == PT_OK && tr.mapped && tr.pa == ours->sp.root;
    compare_table(&st, ours->sp.root, levels, 0);
    return report_check(tally, "recursive-slot", self && st.mismatches == 0,
                        "slot %u: %s at 0x%llx maps 0x%llx (root 0x%llx); %llu tables read through "
                        "the slot, %llu differ",
                        slot, levels == PT_LEVEL_PML5 ? "PML5" : "PML4",
                        (unsigned long long)root_va, (unsigned long long)tr.pa,
                        (unsigned long long)ours->sp.root, (unsigned long long)st.compared,
                        (unsigned long long)st.mismatches);
}

/* ---- c. touching memory ----------------------------------------------------------------- */

/* Every RAM page, read once: it tests the RAM more than the tables (a leaf is resolved the
 * same for all its pages), and under TCG each first access to a guest page may fault a
 * host page in (18.7 s at 8 GiB seen on a host without huge pages), so it runs only when
 * asked for with touch=all. */
static void touch_pages(const struct plan *plan, struct touch_tally *tt)
{
    for (size_t i = 0; i < plan->range_count; i++) {
        const struct plan_range *r = &plan->ranges[i];
        if (!plan_type_is_ram(r->type))
            continue;
        for (uint64_t pa = r->start; pa < r->end; pa += 4096) {
            tt->sum += *(volatile uint64_t *)(uintptr_t)pa;
            tt->pages++;
        }
    }
}

static bool check_touch(const struct plan *plan, const struct our_tables *ours,
                        const struct takeover_target *target, bool every_page,
                        struct report_tally *tally)
{
    struct touch_tally ident = {0}, alias = {0};
    takeover_touch_leaves(plan, &ours->sp, 0, &ident);
    takeover_touch_leaves(plan, &ours->sp, target->alias_base, &alias);
    if (every_page)
        touch_pages(plan, &ident);
    char pages[64] = "";
    if (every_page)
        text_format(pages, sizeof pages, ", and all %llu pages (%llu MiB)",
                    (unsigned long long)ident.pages, (unsigned long long)(ident.pages >> 8));
    return report_check(
        tally, "touch-ram", ident.unmapped == 0 && alias.unmapped == 0,
        "read both ends of %llu identity and %llu alias leaves over RAM%s, %llu pages "
        "unmapped (checksum 0x%llx)",
        (unsigned long long)ident.leaves, (unsigned long long)alias.leaves, pages,
        (unsigned long long)(ident.unmapped + alias.unmapped),
        (unsigned long long)(ident.sum + alias.sum));
}

static bool check_alias(const struct our_tables *ours, const struct takeover_target *target,
                        struct report_tally *tally)
{
    volatile uint64_t *ident = (volatile uint64_t *)(uintptr_t)(ours->own + OWN_SCRATCH * 4096ull);
    volatile uint64_t *alias =
        (volatile uint64_t *)(uintptr_t)(target->alias_base + ours->own + OWN_SCRATCH * 4096ull);
    unsigned bad = 0;
    for (unsigned i = 0; i < 512; i++)
        ident[i] = 0xa11a5000000000ull ^ i;
    for (unsigned i = 0; i < 512; i++)
        bad += alias[i] != (0xa11a5000000000ull ^ i);
    for (unsigned i = 0; i < 512; i++)
        alias[i] = ~(0xa11a5000000000ull ^ i);
    for (unsigned i = 0; i < 512; i++)
        bad += ident[i] != ~(0xa11a5000000000ull ^ i);
    return report_check(
        tally, "alias-coherence", bad == 0,
        "512 words written through 0x%llx, read through 0x%llx, and back: %u differ",
        (unsigned long long)(uintptr_t)ident, (unsigned long long)(uintptr_t)alias, bad);
}

/* ---- d. expected faults ----------------------------------------------------------------- */

static uint64_t window(const struct takeover_target *target, enum window_page p)
{
    return target->window + (uint64_t)p * 4096u;
}

static bool check_faults(const struct our_tables *ours, const struct takeover_target *target,
                         struct report_tally *tally)
{
    char seen[96];
    uint64_t before = fault_count();
    int f = probe_read(window(target, WIN_GUARD));
    bool ok =
        report_check(tally, "fault-unmapped", fault_matches(f, window(target, WIN_GUARD), 0),
                     "read of guard 0x%llx: %s", (unsigned long long)window(target, WIN_GUARD),
                     fault_describe(f, seen, sizeof seen));
    int read_fault = probe_read(window(target, WIN_READ_ONLY));
    bool readable =
        read_fault == 0 && *(volatile uint64_t *)(uintptr_t)window(target, WIN_READ_ONLY) ==
                               *(volatile uint64_t *)(uintptr_t)(ours->own + OWN_DATA * 4096ull);
    f = probe_write(window(target, WIN_READ_ONLY), 1);
    ok &= report_check(
        tally, "fault-read-only",
        readable && fault_matches(f, window(target, WIN_READ_ONLY), PF_ERR_PRESENT | PF_ERR_WRITE),
        "read %s, write to a read-only page: %s (CR0.WP=%u)",
        readable     ? "ok"
        : read_fault ? "faulted"
                     : "wrong data",
        fault_describe(f, seen, sizeof seen), (unsigned)((cpu_read_cr0() & CR0_WP) != 0));
    int exec_ok = probe_exec(window(target, WIN_EXEC));
    f = probe_exec(window(target, WIN_NO_EXEC));
    if (target->pt.nx)
        ok &= report_check(tally, "fault-no-execute",
                           exec_ok == 0 && fault_matches(f, window(target, WIN_NO_EXEC),
                                                         PF_ERR_PRESENT | PF_ERR_FETCH),
                           "call into executable copy %s, into NX copy: %s",
                           exec_ok ? "faulted" : "ok", fault_describe(f, seen, sizeof seen));
    else
        ok &= report_check(tally, "fault-no-execute", exec_ok == 0 && f == 0,
                           "no NX on this CPU: no NX bits anywhere, both copies execute (%s)",
                           fault_describe(f, seen, sizeof seen));
    report("  faults caught so far: %llu", (unsigned long long)(fault_count() - before));
    return ok;
}

/* A page mapped and unmapped through the recursive slot while live: the unmap must reach
 * the TLB, or the read after it would still succeed. */
static bool check_live_change(const struct our_tables *ours, const struct takeover_target *target,
                              struct live *l, struct report_tally *tally)
{
    uint64_t va = window(target, WIN_LIVE), pa = ours->own + OWN_LIVE * 4096ull;
    *(volatile uint64_t *)(uintptr_t)pa = 0x11fe11fe11fe11feull;
    enum pt_error map =
        pt_map_page(&l->sp, va, pa, PT_SIZE_4K,
                    PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB) | (target->pt.nx ? PT_ATTR_NX : 0), 0);
    bool seen = map == PT_OK && probe_read(va) == 0 &&
                *(volatile uint64_t *)(uintptr_t)va == 0x11fe11fe11fe11feull;
    enum pt_error unmap = pt_unmap(&l->sp, va, 4096);
    int f = probe_read(va);
    char after[96];
    return report_check(tally, "live-map-unmap", seen && unmap == PT_OK && fault_matches(f, va, 0),
                        "map through the slot %s, read back %s, unmap %s, read after: %s",
                        pt_error_name(map), seen ? "ok" : "wrong", pt_error_name(unmap),
                        f ? fault_describe(f, after, sizeof after) : "no fault (stale TLB)");
}

/* A large leaf split and folded back live, through the slot, while it holds the stack in
 * use: the checks move to a stack of our own reached through the alias (2 MiB or 1 GiB
 * leaves), and the split adds only the G bit to that stack's page (ignored with CR4.PGE
 * clear, harmless with it set), so nothing but the tables changes. If a split ever left
 * the leaf's range without a translation, the next push would fault with no stack to take
 * the fault on, and the machine would reset. */
struct split_job {
    struct live *l;
    uint64_t page, leaf;
    struct pt_translation before, split, after;
    enum pt_error translated, protect, back, coalesce;
    uint64_t folded;
    bool stack_ok;
};

static void split_under_own_stack(void *arg)
{
    struct split_job *j = arg;
    volatile uint64_t on_stack = 0x57ac;
    j->page = (uint64_t)(uintptr_t)&on_stack & ~4095ull;
    /* A translation that fails leaves its record unmapped; the verdict names it. */
    j->translated = pt_translate(&j->l->sp, j->page, &j->before);
    if (j->translated != PT_OK || !j->before.mapped || j->before.page == PT_PAGE_4K)
        return;
    j->leaf = j->page & ~(j->before.page - 1);
    j->protect = pt_protect(&j->l->sp, j->page, 4096, j->before.attr | PT_ATTR_GLOBAL);
    enum pt_error split = pt_translate(&j->l->sp, j->page, &j->split);
    on_stack++; /* through the new table */
    j->stack_ok = on_stack == 0x57ad;
    j->back = pt_protect(&j->l->sp, j->page, 4096, j->before.attr);
    j->coalesce = pt_coalesce(&j->l->sp, j->leaf, j->before.page, &j->folded);
    enum pt_error after = pt_translate(&j->l->sp, j->page, &j->after);
    j->translated = split != PT_OK ? split : after;
}

static bool check_live_split(const struct our_tables *ours, const struct takeover_target *target,
                             struct live *l, struct report_tally *tally)
{
    struct split_job j = {.l = l};
    uint64_t top = target->alias_base + ours->own + (OWN_STACK + OWN_STACK_PAGES) * 4096ull;
    bool irq = cpu_irq_save();
    call_on_stack(split_under_own_stack, &j, top - 64);
    cpu_irq_restore(irq);
    if (j.translated != PT_OK && !j.before.mapped) {
        return report_check(tally, "live-split-fold", false,
                            "translating the stack page 0x%llx: %s", (unsigned long long)j.page,
                            pt_error_name(j.translated));
    }
    if (!j.before.mapped || j.before.page == PT_PAGE_4K) {
        report("  live-split-fold: the stack's alias page is a 4 KiB leaf here: nothing to split");
        return true;
    }
    bool ok = j.translated == PT_OK && j.protect == PT_OK && j.split.page == PT_PAGE_4K &&
              (j.split.attr & PT_ATTR_GLOBAL) && j.stack_ok && j.back == PT_OK &&
              j.coalesce == PT_OK && j.folded >= 1 && j.after.page == j.before.page &&
              j.after.pa == j.before.pa && j.after.attr == j.before.attr;
    return report_check(tally, "live-split-fold", ok,
                        "running on a stack at 0x%llx: its %llu KiB leaf split to 4 KiB by protect "
                        "(%s, now %llu KiB), protect back (%s), coalesce (%s) folds %llu tables: "
                        "%llu KiB leaf again",
                        (unsigned long long)j.page, (unsigned long long)(j.before.page >> 10),
                        pt_error_name(j.protect), (unsigned long long)(j.split.page >> 10),
                        pt_error_name(j.back), pt_error_name(j.coalesce),
                        (unsigned long long)j.folded, (unsigned long long)(j.after.page >> 10));
}

/* ---- e. boot services ------------------------------------------------------------------- */

static bool check_boot_services(struct report_tally *tally)
{
    EFI_EVENT timer;
    UINTN index;
    bool timer_ok = false, pages_ok = false;
    bool irq = cpu_irq_save(); /* only to tell: U-Boot runs with interrupts off */
    cpu_irq_restore(irq);
    if (!EFI_ERROR(uefi_call_wrapper(BS->CreateEvent, 5, EVT_TIMER, 0, NULL, NULL, &timer))) {
        timer_ok = !EFI_ERROR(uefi_call_wrapper(BS->SetTimer, 3, timer, TimerRelative, 100000)) &&
                   !EFI_ERROR(uefi_call_wrapper(BS->WaitForEvent, 3, 1, &timer, &index));
        uefi_call_wrapper(BS->CloseEvent, 1, timer);
    }
    EFI_PHYSICAL_ADDRESS page;
    if (!EFI_ERROR(
            uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, 1, &page))) {
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)page;
        p[0] = 0xb007;
        pages_ok = p[0] == 0xb007 && !EFI_ERROR(uefi_call_wrapper(BS->FreePages, 2, page, 1));
    }
    return report_check(
        tally, "boot-services", timer_ok && pages_ok,
        "printing ok, 10 ms timer wait with interrupts %s %s, allocate/free page %s",
        irq ? "on" : "off (as the firmware runs)", timer_ok ? "ok" : "FAILED",
        pages_ok ? "ok" : "FAILED");
}

/* Five levels: the CPU reaches what only a PML5 can map. The window lies above 2^55 in the
 * lower half and the alias starts the 57-bit upper half; a four-level CPU has neither. */
static bool check_five_levels(const struct our_tables *ours, const struct takeover_target *target,
                              struct report_tally *tally)
{
    uint64_t cr4 = cpu_read_cr4(), cr3 = cpu_read_cr3() & 0x000ffffffffff000ull;
    uint64_t high = window(target, WIN_READ_ONLY);
    volatile uint64_t *own = (volatile uint64_t *)(uintptr_t)(ours->own + OWN_DATA * 4096ull);
    volatile uint64_t *alias =
        (volatile uint64_t *)(uintptr_t)(target->alias_base + (uintptr_t)own);
    int f = probe_read(high);
    bool same =
        f == 0 && *(volatile uint64_t *)(uintptr_t)(high + 8) == own[1] && alias[2] == own[2];
    return report_check(
        tally, "five-level",
        (cr4 & CR4_LA57) && cr3 == ours->sp.root && high >= (1ull << 47) && same,
        "CR4.LA57=%u, CR3 holds the PML5 0x%llx; read 0x%llx (above 2^47: PML5 entry "
        "%u) and 0x%llx (PML5 entry %u): %s",
        (unsigned)((cr4 & CR4_LA57) != 0), (unsigned long long)cr3, (unsigned long long)high,
        pt_index(high, PT_LEVEL_PML5), (unsigned long long)(uintptr_t)alias,
        pt_index((uintptr_t)alias, PT_LEVEL_PML5),
        same ? "the app's own data page both times" : "WRONG");
}

/* The checks that run the same before and after ExitBootServices. Every check runs,
 * whatever the ones before found; the verdict is all of them. */
static bool verify_tables(const struct takeover_view *v, bool touch_all, struct live *l,
                          struct report_tally *tally)
{
    const struct our_tables *ours = v->ours;
    const struct takeover_target *target = v->target;
    bool ok = true;
    if (ours->sp.levels == PT_LEVEL_PML5)
        ok &= check_five_levels(ours, target, tally);
    ok &= check_translation(v, l, tally);
    ok &= check_recursive_slot(ours, l, tally);
    ok &= check_touch(v->plan, ours, target, touch_all, tally);
    ok &= check_alias(ours, target, tally);
    ok &= check_faults(ours, target, tally);
#ifdef PAGETK_TEST_STRAY_FAULT
    /* Test-only: a read nobody expects to fault does; the guard must unwind to the caller,
     * which reports it and restores the firmware's CR3. */
    report("  test build: reading the guard page outside any probe");
    (void)*(volatile uint64_t *)(uintptr_t)window(target, WIN_GUARD);
#endif
    ok &= check_wx(&target->wx, target->pt.nx, &l->sp, tally);
    ok &= check_live_change(ours, target, l, tally);
    ok &= check_live_split(ours, target, l, tally);
    return ok;
}

#if defined(PAGETK_TEST_CORRUPT) || defined(PAGETK_TEST_CORRUPT_AFTER_EXIT)
/* Test-only: once live, one alias page is pointed one page off, through the slot. The
 * checks must notice, and the firmware's CR3 must come back. */
static void corrupt_alias_entry(const struct our_tables *ours, const struct takeover_target *target,
                                struct live *l)
{
    uint64_t victim = target->alias_base + ours->own + OWN_SCRATCH * 4096ull;
    enum pt_error bent = pt_map_page(
        &l->sp, victim, ours->own + OWN_DATA * 4096ull, PT_SIZE_4K,
        PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB) | (target->pt.nx ? PT_ATTR_NX : 0), PT_MAP_REPLACE);
    report("  test build: live alias entry of 0x%llx corrupted on purpose (%s)",
           (unsigned long long)(victim - target->alias_base), pt_error_name(bent));
}
#endif

/* The checks that call firmware services: boot services themselves, and the APs started
 * through them. */
static bool check_with_firmware(const struct takeover_view *v, struct switch_state *sw,
                                struct report_tally *tally)
{
    bool ok = check_boot_services(tally);
    ok &= check_every_cpu(v, sw, tally);
    return ok;
}

/* guarded_call's argument: what the checks read, the checks that call firmware services
 * and their switch state (NULL once boot services are gone, or in the IA32 app's 64-bit
 * part, which then links none of them), where they count, and their verdict once they
 * return. */
struct guarded_checks {
    const struct takeover_view *v;
    bool touch_all;
    bool (*with_firmware)(const struct takeover_view *v, struct switch_state *sw,
                          struct report_tally *tally);
    struct switch_state *sw;
    struct report_tally *tally;
    bool ok;
};

static void run_checks(void *arg)
{
    struct guarded_checks *g = arg;
    struct live l;
    g->ok = false;
    enum pt_error opened = takeover_live_open(g->v->ours, &l);
    if (opened != PT_OK) {
        report("  live tables: not adopted through the slot: %s", pt_error_name(opened));
        return;
    }
#ifdef PAGETK_TEST_CORRUPT
    if (g->with_firmware)
        corrupt_alias_entry(g->v->ours, g->v->target, &l);
#endif
#ifdef PAGETK_TEST_CORRUPT_AFTER_EXIT
    if (!g->with_firmware)
        corrupt_alias_entry(g->v->ours, g->v->target, &l);
#endif
    bool ok = verify_tables(g->v, g->touch_all, &l, g->tally);
    if (g->with_firmware)
        ok &= g->with_firmware(g->v, g->sw, g->tally);
    g->ok = ok;
}

/* The checks with the fault guard: a fault no check expected ends them early and is
 * reported as a failed check. */
static bool run_guarded(struct guarded_checks *g)
{
    if (!guarded_call(run_checks, g))
        return g->ok;
    struct fault_record f = fault_last();
    return report_check(g->tally, "no-unexpected-fault", false,
                        "vector %llu at rip 0x%llx, cr2 0x%llx, error 0x%llx",
                        (unsigned long long)f.vector, (unsigned long long)f.rip,
                        (unsigned long long)f.cr2, (unsigned long long)f.error);
}

bool takeover_verify(const struct takeover_view *v, bool touch_all, struct switch_state *sw,
                     struct report_tally *tally)
{
    struct guarded_checks g = {.v = v,
                               .touch_all = touch_all,
                               .with_firmware = check_with_firmware,
                               .sw = sw,
                               .tally = tally};
    return run_guarded(&g);
}

bool takeover_verify_after_exit(const struct takeover_view *v, bool touch_all,
                                struct report_tally *tally)
{
    struct guarded_checks g = {.v = v, .touch_all = touch_all, .tally = tally};
    return run_guarded(&g);
}
