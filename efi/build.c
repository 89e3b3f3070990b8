/* Reading the firmware's map, planning ours, building it and checking it before the switch. */
#include <efi.h>
#include <efilib.h>

#include "report.h"
#include "takeover.h"

#define RUN_CAPACITY  16384u
#define SEEN_CAPACITY 32768u /* a power of two, well above any firmware's table count */

static void *pool_alloc(UINTN bytes)
{
    void *p = NULL;
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, bytes, &p)))
        return NULL;
    return p;
}

static void pool_free(void *p)
{
    if (p)
        uefi_call_wrapper(BS->FreePool, 1, p);
}

static bool collect_run(void *ctx, const struct pt_run *run)
{
    struct takeover *t = ctx;
    if (t->run_count == t->run_cap)
        return false;
    t->runs[t->run_count++] = *run;
    return true;
}

static void clear_seen(struct pt_seen *s)
{
    for (size_t i = 0; i < s->capacity; i++)
        s->slots[i] = 0;
    s->count = 0;
}

static void report_fault(const char *what, const struct pt_fault *f)
{
    report("  %s: %s (%s) at level %d index %u of table 0x%llx, va 0x%llx, entry 0x%016llx", what,
           pt_error_name(f->error), pt_strerror(f->error), f->level, f->index,
           (unsigned long long)f->table, (unsigned long long)f->va, (unsigned long long)f->entry);
}

bool takeover_import(struct takeover *t)
{
    t->fw_env = (struct pt_env){.cpu = t->cpu.fw_pt};
    pt_access_identity(&t->fw_env); /* the firmware maps physical memory 1:1 */
    enum pt_error opened = pt_open(&t->fw, &t->fw_env, pt_cr3_root(t->cpu.cr3));
    if (opened != PT_OK) {
        report_check("firmware-import", false, "%s", pt_error_name(opened));
        return false;
    }
    t->run_cap = RUN_CAPACITY;
    t->runs = pool_alloc(RUN_CAPACITY * sizeof *t->runs);
    t->seen.capacity = SEEN_CAPACITY;
    t->seen.slots = pool_alloc(SEEN_CAPACITY * sizeof *t->seen.slots);
    if (!t->runs || !t->seen.slots) {
        report_check("firmware-import", false, "no pool memory for %u runs", RUN_CAPACITY);
        return false;
    }
    clear_seen(&t->seen);
    struct pt_fault fault = {0};
    enum pt_error err = pt_import(&t->fw, &t->seen, collect_run, t, &fault);
    if (err == PT_ERR_STOPPED) {
        report_check("firmware-import", false, "more than %u runs", RUN_CAPACITY);
        return false;
    }
    if (err != PT_OK) {
        report_check("firmware-import", false, "%s", pt_error_name(err));
        report_fault("firmware tables", &fault);
        return false;
    }
    pt_stats(&t->fw, &t->fw_stats);
    report_check("firmware-import", true, "%u runs from %u tables at CR3 0x%llx",
                 (unsigned)t->run_count, (unsigned)t->seen.count, (unsigned long long)t->fw.root);
    return true;
}

bool takeover_plan(struct takeover *t)
{
    size_t descs = t->mm.size / t->mm.desc_size + 1;
    t->plan_in = (struct plan_input){
        .map = t->mm.buffer,
        .map_size = t->mm.size,
        .desc_size = t->mm.desc_size,
        .fw_runs = t->runs,
        .fw_count = t->run_count,
        .cpu = t->cpu.pt,
        .alias_base = t->alias_base,
        .alias_limit = t->alias_limit,
    };
    struct wx_input wx_in = {.device = t->have_fb_limit ? &t->fb_limit : NULL};
    wx_gather(t->image, &t->cpu, &wx_in);
    enum wx_status wx_st = wx_read(&wx_in, &t->wx);
    if (wx_st != WX_OK) {
        report_check("plan", false, "%s: %s", wx_status_text(wx_st)->name,
                     wx_status_text(wx_st)->message);
        return false;
    }
    struct wx_limits *set = &t->wx.set;
    t->plan_in.limits = set->limits;
    t->plan_in.limit_count = set->count;
    if (t->wx.have_table)
        report("w^x: memory attributes table version %u, %u entries; app at 0x%llx (%llu KiB); "
               "%u limits",
               t->wx.table_version, t->wx.table_entries, (unsigned long long)t->wx.image_base,
               (unsigned long long)(t->wx.image_size >> 10), (unsigned)set->count);
    else
        report("w^x: no EFI_MEMORY_ATTRIBUTES_TABLE from the firmware; app at 0x%llx (%llu KiB); "
               "%u limits",
               (unsigned long long)t->wx.image_base, (unsigned long long)(t->wx.image_size >> 10),
               (unsigned)set->count);
    if (t->wx.table_status != WX_OK)
        report("  warning %s: %s: the table is left out", wx_status_text(t->wx.table_status)->name,
               wx_status_text(t->wx.table_status)->message);
    if (set->skipped)
        report("  warning: %u memory attributes table entries skipped (no pages, unaligned, or "
               "wrapping)",
               (unsigned)set->skipped);
    if (t->wx.image_status != WX_OK)
        report("  warning %s: %s: the app's sections are not limited",
               wx_status_text(t->wx.image_status)->name,
               wx_status_text(t->wx.image_status)->message);
    t->plan.range_cap = descs;
    t->plan.ranges = pool_alloc(descs * sizeof *t->plan.ranges);
    t->plan.region_cap = t->run_count + 2 * descs + 2 * set->count;
    t->plan.regions = pool_alloc(t->plan.region_cap * sizeof *t->plan.regions);
    if (!t->plan.ranges || !t->plan.regions) {
        report_check("plan", false, "no pool memory for the plan");
        return false;
    }
    enum plan_status st = plan_build(&t->plan_in, &t->plan);
    for (int w = 0; w < PLAN_WARN_COUNT; w++)
        if (t->plan.warnings[w])
            report("  warning %s x%u: %s", plan_warning_text(w)->name, t->plan.warnings[w],
                   plan_warning_text(w)->message);
    if (st != PLAN_OK) {
        report_check("plan", false, "%s: %s", plan_status_text(st)->name,
                     plan_status_text(st)->message);
        return false;
    }
    report_check("plan", true, "%u memory-map ranges, %llu MiB RAM, %u regions to map",
                 (unsigned)t->plan.range_count, (unsigned long long)(t->plan.ram_bytes >> 20),
                 (unsigned)t->plan.region_count);
    return true;
}

/* The frames the build and the live checks take: the plan's tables, the root, the
 * window's PDPT, PD and PT; then a table for the live-map check, and a PD and a PT for the
 * live split of a 1 GiB leaf down to a 4 KiB page. */
static uint64_t frames_needed(const struct takeover *t)
{
    uint64_t window = 3 + (t->cpu.pt.levels == PT_LEVEL_PML5); /* and its PML4 at five levels */
    return plan_frame_budget(&t->plan, &t->cpu.pt) + 1 + window + 1 + 2;
}

/* The window: guard, read-only data, a no-execute and an executable copy of one code page
 * (holding `ret`), a second guard; the last slot is mapped live during the checks. */
static enum pt_error map_window(struct takeover *t)
{
    uint64_t nx = t->cpu.pt.nx ? PT_ATTR_NX : 0;
    pt_attr wb = PT_ATTR_MT(PT_MT_WB);
    uint64_t data = t->own + OWN_DATA * 4096ull, code = t->own + OWN_CODE * 4096ull;
    enum pt_error err =
        pt_map_page(&t->sp, t->window + WIN_READ_ONLY * 4096ull, data, PT_SIZE_4K, wb | nx, 0);
    if (err == PT_OK)
        err = pt_map_page(&t->sp, t->window + WIN_NO_EXEC * 4096ull, code, PT_SIZE_4K, wb | nx, 0);
    if (err == PT_OK)
        err = pt_map_page(&t->sp, t->window + WIN_EXEC * 4096ull, code, PT_SIZE_4K, wb, 0);
    return err;
}

static void fill_own_pages(struct takeover *t)
{
    uint64_t *data = (uint64_t *)(uintptr_t)(t->own + OWN_DATA * 4096ull);
    for (unsigned i = 0; i < 512; i++)
        data[i] = 0x5a5a000000000000ull | i;
    uint8_t *code = (uint8_t *)(uintptr_t)(t->own + OWN_CODE * 4096ull);
    for (unsigned i = 0; i < 4096; i++)
        code[i] = 0xc3; /* ret */
}

bool takeover_build(struct takeover *t)
{
    EFI_PHYSICAL_ADDRESS own = 0, pool = 0;
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
                                    OWN_PAGES, &own))) {
        report_check("build", false, "no pages for the app's own test pages");
        return false;
    }
    t->own = own;
    fill_own_pages(t);
    uint64_t need = frames_needed(t);
#ifdef PAGETK_FRAME_CAP
    if (need > PAGETK_FRAME_CAP)
        need = PAGETK_FRAME_CAP; /* test-only: starve the build on purpose */
#endif
    t->pool_pages = need;
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, need,
                                    &pool))) {
        report_check("build", false, "boot services refused %llu pages for tables",
                     (unsigned long long)need);
        t->pool_pages = 0;
        return false;
    }
    t->pool = (struct frame_pool){.base = pool, .count = need};
    t->pool.freed = pool_alloc(need * sizeof *t->pool.freed);
    if (!t->pool.freed) {
        report_check("build", false, "no pool memory for the frame list");
        return false;
    }
    t->env = (struct pt_env){.alloc_frame = frame_pool_alloc,
                             .free_frame = frame_pool_free,
                             .frame_ctx = &t->pool,
                             .frames_zeroed = true, /* frame_pool_alloc clears each frame */
                             .cpu = t->cpu.pt};
    pt_access_identity(&t->env);
    enum pt_error err = pt_create(&t->sp, &t->env);
    if (err == PT_OK)
        err = pt_recursive_install(&t->sp, PT_DEFAULT_SLOT);
    size_t i = 0;
    struct pt_map_stats st, sum = {{0}, 0};
    for (; err == PT_OK && i < t->plan.region_count; i++) {
        const struct plan_region *r = &t->plan.regions[i];
        err = pt_map_region(&t->sp, r->va, r->pa, r->len, r->attr, 0, &st);
        for (int s = 0; s < PT_SIZE_COUNT; s++)
            sum.leaves[s] += st.leaves[s];
        sum.tables += st.tables;
    }
    if (err == PT_OK)
        err = map_window(t);
    if (err != PT_OK) {
        const struct plan_region *r = &t->plan.regions[i ? i - 1 : 0];
        report_check("build", false, "%s (%s) mapping 0x%llx+0x%llx; %llu frames reserved",
                     pt_error_name(err), pt_strerror(err), (unsigned long long)r->va,
                     (unsigned long long)r->len, (unsigned long long)need);
        return false;
    }
    pt_stats(&t->sp, &t->our_stats);
    report_check("build", true,
                 "%llu regions: %llu x 1G, %llu x 2M, %llu x 4K leaves; %llu of %llu frames used",
                 (unsigned long long)t->plan.region_count, (unsigned long long)sum.leaves[2],
                 (unsigned long long)sum.leaves[1], (unsigned long long)sum.leaves[0],
                 (unsigned long long)t->pool.in_use, (unsigned long long)need);
    return true;
}

bool takeover_check(struct takeover *t)
{
    clear_seen(&t->seen);
    struct pt_fault fault = {0};
    enum pt_error err = pt_check(&t->sp, &t->seen, &fault);
    if (err != PT_OK) {
        report_check("checker", false, "%s", pt_error_name(err));
        report_fault("new tables", &fault);
        return false;
    }
    report_check("checker", true,
                 "%u tables: reserved bits, PS, alignment, width, NX, loops, "
                 "slot",
                 (unsigned)t->seen.count);
    return true;
}

void takeover_release(struct takeover *t)
{
    if (t->ap_stranded) {
        report("  keeping our tables and plan allocated: an AP that did not finish its checks "
               "may still use them");
        return;
    }
    if (t->pool_pages)
        uefi_call_wrapper(BS->FreePages, 2, t->pool.base, t->pool_pages);
    if (t->own)
        uefi_call_wrapper(BS->FreePages, 2, t->own, OWN_PAGES);
    pool_free(t->pool.freed);
    pool_free(t->plan.ranges);
    pool_free(t->plan.regions);
    pool_free(t->runs);
    pool_free(t->seen.slots);
    memmap_free(&t->mm);
}
