/*
 * The 64-bit part of the takeover from 32-bit firmware. The 32-bit app has entered long mode
 * on a four-level rendition of the firmware's address space (fw_map.c) with interrupts
 * off and calls long_main with the handoff. From there it is the x64 app's job with the same
 * library and the same checks (verify.c, check_wx.c, fault.c): import that hierarchy, plan
 * from the memory map, build with the recursive slot, check, switch CR3, verify, switch
 * back. It calls no firmware service: memory comes in the handoff, lines go back in it.
 */
#include "fault.h"
#include "handoff.h"
#include "long_report.h"
#include "report.h"
#include "takeover.h"
#include "text.h"

#define RUN_CAPACITY  16384u
#define SEEN_CAPACITY 32768u /* a power of two */

static const char *const paging_names[] = {"paging off", "32-bit paging", "PAE paging"};

static const char *paging_name(uint64_t paging)
{
    return paging <= FW_PAGING_PAE ? paging_names[paging] : "unknown paging";
}

/* Bump allocation from the handoff's arena; nothing is given back before the return. */
static uint8_t *arena_next, *arena_end;

static void *arena_take(uint64_t bytes)
{
    bytes = (bytes + 15) & ~15ull;
    if ((uint64_t)(arena_end - arena_next) < bytes)
        return NULL;
    void *p = arena_next;
    arena_next += bytes;
    return p;
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

/* The firmware's address space as the 32-bit side rendered it in four levels. */
static bool import_firmware(struct takeover *t, const struct handoff *h)
{
    t->fw_env = (struct pt_env){.cpu = t->cpu.fw_pt};
    pt_access_identity(&t->fw_env);
    pt_open(&t->fw, &t->fw_env, h->boot_root);
    t->run_cap = RUN_CAPACITY;
    t->runs = arena_take(RUN_CAPACITY * sizeof *t->runs);
    t->seen.capacity = SEEN_CAPACITY;
    t->seen.slots = arena_take(SEEN_CAPACITY * sizeof *t->seen.slots);
    if (!t->runs || !t->seen.slots) {
        report_check("firmware-import", false, "no arena memory for %u runs", RUN_CAPACITY);
        return false;
    }
    clear_seen(&t->seen);
    struct pt_fault fault = {0};
    enum pt_error err = pt_import(&t->fw, &t->seen, collect_run, t, &fault);
    if (err != PT_OK) {
        report_check("firmware-import", false, "%s", pt_error_name(err));
        report_fault("firmware's address space in four levels", &fault);
        return false;
    }
    pt_stats(&t->fw, &t->fw_stats);
    report_check("firmware-import", true,
                 "%u runs from %u tables at 0x%llx: the firmware's %s in four levels",
                 (unsigned)t->run_count, (unsigned)t->seen.count, (unsigned long long)t->fw.root,
                 paging_name(h->fw_paging));
    return true;
}

/* W^X limits: the firmware's memory attributes table, the 32-bit app's PE sections, and the
 * 64-bit part's own segments (the code the fault checks write to and the data they call). */
static bool collect_limits(struct takeover *t, const struct handoff *h)
{
    pt_attr nx = t->cpu.pt.nx ? PT_ATTR_NX : 0;
    struct wx_sources *wx = &t->wx;
    wx->set.count = 0;
    wx->have_table = h->attributes_table != 0;
    wx->table_status = WX_OK;
    if (wx->have_table) {
        wx->table_status =
            wx_parse_attributes_table((const void *)(uintptr_t)h->attributes_table, nx, &wx->set,
                                      &wx->table_version, &wx->table_entries, &wx->runtime_code);
        if (wx->table_status == WX_NO_ROOM)
            return false;
    }
    wx->image_base = h->image_base;
    wx->image_size = h->image_size;
    wx->image_status = wx_parse_pe((const void *)(uintptr_t)h->image_base, h->image_base,
                                   h->image_size, nx, &wx->set);
    if (wx->image_status == WX_NO_ROOM)
        return false;
    for (uint64_t i = 0; i < h->segment_count && i < HANDOFF_SEGMENTS; i++) {
        const struct handoff_segment *s = &h->segments[i];
        if (wx->set.count == WX_MAX_LIMITS)
            return false;
        wx->set.origin[wx->set.count] = WX_IMAGE;
        wx->set.limits[wx->set.count++] = (struct plan_limit){
            .start = s->start,
            .end = s->end,
            .clear = s->executable || !s->writable ? PT_ATTR_WRITE : 0,
            .set = s->executable ? 0 : nx,
        };
    }
    return true;
}

static bool plan(struct takeover *t, const struct handoff *h)
{
    if (!collect_limits(t, h)) {
        report_check("plan", false, "%s: %s", wx_status_text(WX_NO_ROOM)->name,
                     wx_status_text(WX_NO_ROOM)->message);
        return false;
    }
    struct wx_limits *set = &t->wx.set;
    /* The x64 app's line, so the fleet page reads the table's version the same way. */
    char table[64];
    if (t->wx.have_table && t->wx.table_status == WX_OK)
        text_format(table, sizeof table, "memory attributes table version %u, %u entries",
                    t->wx.table_version, t->wx.table_entries);
    else
        text_format(table, sizeof table, "%s",
                    t->wx.have_table ? "a memory attributes table it cannot read"
                                     : "no EFI_MEMORY_ATTRIBUTES_TABLE from the firmware");
    report("w^x: %s; 32-bit app at 0x%llx (%llu KiB, %s), 64-bit part in %llu segments; %u "
           "limits",
           table, (unsigned long long)h->image_base, (unsigned long long)(h->image_size >> 10),
           wx_status_text(t->wx.image_status)->name, (unsigned long long)h->segment_count,
           (unsigned)set->count);
    if (t->wx.table_status != WX_OK)
        report("  warning %s: %s: the table is left out", wx_status_text(t->wx.table_status)->name,
               wx_status_text(t->wx.table_status)->message);
    size_t descs = h->map_size / (h->desc_size ? h->desc_size : 1) + 1;
    t->plan_in = (struct plan_input){
        .map = (const void *)(uintptr_t)h->map,
        .map_size = h->map_size,
        .desc_size = h->desc_size,
        .fw_runs = t->runs,
        .fw_count = t->run_count,
        .cpu = t->cpu.pt,
        .alias_base = t->alias_base,
        .alias_limit = t->alias_limit,
        .limits = set->limits,
        .limit_count = set->count,
    };
    t->plan.range_cap = descs;
    t->plan.ranges = arena_take(descs * sizeof *t->plan.ranges);
    t->plan.region_cap = t->run_count + 2 * descs + 2 * set->count;
    t->plan.regions = arena_take(t->plan.region_cap * sizeof *t->plan.regions);
    if (!t->plan.ranges || !t->plan.regions) {
        report_check("plan", false, "no arena memory for the plan");
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

/* The test window as build.c lays it out (takeover.h): guard, read-only data, a no-execute
 * and an executable copy of a page of `ret`, a second guard, the live slot. */
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

static bool build(struct takeover *t, const struct handoff *h)
{
    t->own = h->own_base;
    fill_own_pages(t);
    t->pool = (struct frame_pool){.base = h->pool_base, .count = h->pool_pages};
    t->pool_pages = h->pool_pages;
    t->pool.freed = arena_take(h->pool_pages * sizeof *t->pool.freed);
    if (!t->pool.freed) {
        report_check("build", false, "no arena memory for the frame list");
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
                     (unsigned long long)r->len, (unsigned long long)h->pool_pages);
        return false;
    }
    pt_stats(&t->sp, &t->our_stats);
    report_check("build", true,
                 "%llu regions: %llu x 1G, %llu x 2M, %llu x 4K leaves; %llu of %llu frames used "
                 "(below 4 GiB)",
                 (unsigned long long)t->plan.region_count, (unsigned long long)sum.leaves[2],
                 (unsigned long long)sum.leaves[1], (unsigned long long)sum.leaves[0],
                 (unsigned long long)t->pool.in_use, (unsigned long long)h->pool_pages);
    return true;
}

static bool check(struct takeover *t)
{
    clear_seen(&t->seen);
    struct pt_fault fault = {0};
    enum pt_error err = pt_check(&t->sp, &t->seen, &fault);
    if (err != PT_OK) {
        report_check("checker", false, "%s", pt_error_name(err));
        report_fault("new tables", &fault);
        return false;
    }
    report_check("checker", true, "%u tables: reserved bits, PS, alignment, width, NX, loops, slot",
                 (unsigned)t->seen.count);
    return true;
}

static void report_tables(const char *who, const struct pt_stats *s)
{
    report("tables %-9s PML4 %llu  PDPT %llu  PD %llu  PT %llu  (%llu KiB); leaves 1G %llu  "
           "2M %llu  4K %llu",
           who, (unsigned long long)s->tables[4], (unsigned long long)s->tables[3],
           (unsigned long long)s->tables[2], (unsigned long long)s->tables[1],
           (unsigned long long)(s->table_bytes >> 10), (unsigned long long)s->leaves[2],
           (unsigned long long)s->leaves[1], (unsigned long long)s->leaves[0]);
}

static void dump_line(void *ctx, const char *text)
{
    char line[160];
    size_t n = 0;
    (void)ctx;
    while (text[n] && text[n] != '\n' && n + 1 < sizeof line) {
        line[n] = text[n];
        n++;
    }
    line[n] = '\0';
    report_detail("map %s", line);
}

static void dump(struct takeover *t)
{
    pt_dump(&t->sp, dump_line, NULL);
    for (size_t i = 0; i < t->plan.range_count; i++)
        report_detail("mem 0x%016llx-0x%016llx %s", (unsigned long long)t->plan.ranges[i].start,
                      (unsigned long long)t->plan.ranges[i].end,
                      plan_type_name(t->plan.ranges[i].type));
}

/* With `inspect`: the lines so far and the dump go to COM1, and the CPU stops on our
 * tables in 64-bit mode for QEMU's monitor; the firmware never runs again. */
static __attribute__((noreturn)) void halt_for_inspection(struct takeover *t, uint64_t fw_cr3)
{
    long_report_to_serial();
    report("RESULT: %s checks=%u%s", report_failed() ? "FAIL" : "PASS", report_checks(),
           " (64-bit part; the 32-bit firmware's console is not reached again)");
    dump(t);
    report("inspect: halted with CR3 0x%llx live (the firmware's was 0x%llx)",
           (unsigned long long)cpu_read_cr3(), (unsigned long long)fw_cr3);
    for (;;)
        __asm__ volatile("cli; hlt");
}

static void run(struct takeover *t, struct handoff *h)
{
    cpu_state_read(&t->cpu);
    takeover_layout(t); /* four levels: the app entered long mode itself without LA57 */
    /* The firmware's entries may hold NX only if it ran with EFER.NXE itself. */
    t->cpu.fw_pt.nx = (h->fw_efer & EFER_NXE) != 0;
    t->opts.touch_all = h->touch_all != 0;
    t->tsc_hz = h->tsc_hz;
    report("long mode: entered by the app from the firmware's %s: CR0 0x%llx CR3 0x%llx CR4 "
           "0x%llx EFER 0x%llx (LMA=%u NXE=%u)",
           paging_name(h->fw_paging), (unsigned long long)t->cpu.cr0,
           (unsigned long long)t->cpu.cr3, (unsigned long long)t->cpu.cr4,
           (unsigned long long)t->cpu.efer, (unsigned)((t->cpu.efer >> 10) & 1),
           (unsigned)((t->cpu.efer & EFER_NXE) != 0));
    report("cpu: 1G pages %s, NX %s, LA57 %s, MAXPHYADDR %u, PAT 0x%016llx, %s",
           t->cpu.page_1g ? "yes" : "no", t->cpu.nx_supported ? "yes" : "no",
           t->cpu.la57_supported ? "supported" : "no", t->cpu.maxphyaddr,
           (unsigned long long)t->cpu.pat_msr,
           t->cpu.hypervisor ? "under a hypervisor" : "bare metal");
    bool built = import_firmware(t, h) && plan(t, h) && build(t, h);
    bool ok = built && check(t);
    if (built) {
        report_tables("firmware", &t->fw_stats);
        report_tables("ours", &t->our_stats);
        report("recursive slot %u: PML4 visible at 0x%llx; RAM alias at 0x%llx; test window at "
               "0x%llx",
               PT_DEFAULT_SLOT, (unsigned long long)pt_recursive_table_va(PT_DEFAULT_SLOT, 4, 0),
               (unsigned long long)t->alias_base, (unsigned long long)t->window);
    }
    if (!ok) {
        report("not switching: the new tables were not built or failed their checks");
        return;
    }
    cpu_enter_tables(t->sp.root, t->cpu.pt.nx, &t->was);
    t->switched = true;
    report("switched: CR3 0x%llx -> 0x%llx; while ours is live CR0.WP %u -> %u, EFER.NXE %u -> %u",
           (unsigned long long)t->was.cr3, (unsigned long long)cpu_read_cr3(),
           (unsigned)((t->was.cr0 & CR0_WP) != 0), (unsigned)((cpu_read_cr0() & CR0_WP) != 0),
           (unsigned)((t->was.efer & EFER_NXE) != 0),
           (unsigned)((cpu_rdmsr(MSR_EFER) & EFER_NXE) != 0));
    takeover_run_guarded(takeover_verify_after_exit, t);
    if (h->inspect)
        halt_for_inspection(t, h->fw_cr3);
    cpu_leave_tables(&t->was);
    uint64_t now = cpu_read_cr3(), cr0 = cpu_read_cr0(), efer = cpu_rdmsr(MSR_EFER);
    report_check("restore-long", now == t->cpu.cr3 && cr0 == t->cpu.cr0 && efer == t->cpu.efer,
                 "CR3 back to the long-mode entry tables 0x%llx (now 0x%llx), CR0 0x%llx and "
                 "EFER 0x%llx (at entry: 0x%llx, 0x%llx)",
                 (unsigned long long)t->cpu.cr3, (unsigned long long)now, (unsigned long long)cr0,
                 (unsigned long long)efer, (unsigned long long)t->cpu.cr0,
                 (unsigned long long)t->cpu.efer);
    dump(t);
}

/* Called in 64-bit mode (System V) by the 32-bit side's switch; returns the failed count. */
uint64_t long_main(struct handoff *h)
{
    static struct takeover t;
    if (h->magic != HANDOFF_MAGIC)
        return ~0ull;
    arena_next = (uint8_t *)(uintptr_t)h->arena_base;
    arena_end = arena_next + h->arena_size;
    long_report_open(h);
    fault_install();
    run(&t, h);
    fault_remove();
    return report_failed();
}
