/*
 * The 64-bit part of the takeover from 32-bit firmware. The 32-bit app has entered long mode
 * on a four-level rendition of the firmware's address space (fw_map.c) with interrupts
 * off and calls long_main with the handoff. From there it is the x64 app's job with the same
 * library, the same phases (build.c) and the same checks (verify.c, check_wx.c, fault.c):
 * import that hierarchy, plan from the memory map, build with the recursive slot, check,
 * switch CR3, verify, switch back. It calls no firmware service: memory comes in the
 * handoff, lines go back in it.
 */
#include "build.h"
#include "fault.h"
#include "handoff.h"
#include "long_report.h"
#include "report.h"
#include "takeover.h"
#include "text.h"
#include "verify.h"

static const char *const paging_names[] = {"paging off", "32-bit paging", "PAE paging"};

static const char *paging_name(uint64_t paging)
{
    return paging <= FW_PAGING_PAE ? paging_names[paging] : "unknown paging";
}

/* Bump allocation from the handoff's arena; nothing is given back before the return. */
struct arena {
    uint8_t *next, *end;
};

static void *arena_take(void *ctx, uint64_t bytes)
{
    struct arena *a = ctx;
    bytes = (bytes + 15) & ~15ull;
    if ((uint64_t)(a->end - a->next) < bytes)
        return NULL;
    void *p = a->next;
    a->next += bytes;
    return p;
}

/* W^X limits: the firmware's memory attributes table, the 32-bit app's PE sections, and the
 * 64-bit part's own segments (the code the fault checks write to and the data they call). */
static bool collect_limits(struct wx_sources *wx, bool cpu_nx, const struct handoff *h)
{
    pt_attr nx = cpu_nx ? PT_ATTR_NX : 0;
    wx->set.count = 0;
    wx->have_table = h->attributes_table != 0;
    wx->table_status = PLAN_OK;
    if (wx->have_table) {
        wx->table_status =
            wx_parse_attributes_table((const void *)(uintptr_t)h->attributes_table, nx, &wx->set,
                                      &wx->table_version, &wx->table_entries, &wx->runtime_code);
        if (wx->table_status == PLAN_ERR_WX_NO_ROOM)
            return false;
    }
    wx->image_base = h->image_base;
    wx->image_size = h->image_size;
    wx->image_status = wx_parse_pe((const void *)(uintptr_t)h->image_base, h->image_base,
                                   h->image_size, nx, &wx->set);
    if (wx->image_status == PLAN_ERR_WX_NO_ROOM)
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

/* The W^X limits into target->wx, then the plan from the handoff's memory map. */
static bool plan_from_handoff(struct plan *plan, struct takeover_target *target,
                              const struct firmware_state *fw, const struct handoff *h,
                              const struct scratch *s, struct report_tally *tally)
{
    if (!collect_limits(&target->wx, target->pt.nx, h)) {
        report_check(tally, "plan", false, "%s: %s", plan_error_name(PLAN_ERR_WX_NO_ROOM),
                     plan_error_message(PLAN_ERR_WX_NO_ROOM));
        return false;
    }
    struct wx_limits *set = &target->wx.set;
    /* The x64 app's line, so the fleet page reads the table's version the same way. */
    char table[64];
    if (target->wx.have_table && target->wx.table_status == PLAN_OK)
        text_format(table, sizeof table, "memory attributes table version %u, %u entries",
                    target->wx.table_version, target->wx.table_entries);
    else
        text_format(table, sizeof table, "%s",
                    target->wx.have_table ? "a memory attributes table it cannot read"
                                          : "no EFI_MEMORY_ATTRIBUTES_TABLE from the firmware");
    report("w^x: %s; 32-bit app at 0x%llx (%llu KiB, %s), 64-bit part in %llu segments; %u "
           "limits",
           table, (unsigned long long)h->image_base, (unsigned long long)(h->image_size >> 10),
           plan_error_name(target->wx.image_status), (unsigned long long)h->segment_count,
           (unsigned)set->count);
    if (target->wx.table_status != PLAN_OK)
        report("  warning %s: %s: the table is left out", plan_error_name(target->wx.table_status),
               plan_error_message(target->wx.table_status));
    const struct map_bytes map = {
        .map = (const void *)(uintptr_t)h->map, .size = h->map_size, .desc_size = h->desc_size};
    return takeover_plan(plan, fw, target, s, &map, tally);
}

/* With `inspect`: the lines so far and the dump go to COM1, and the CPU stops on our
 * tables in 64-bit mode for QEMU's monitor; the firmware never runs again. */
static __attribute__((noreturn)) void halt_for_inspection(const struct our_tables *ours,
                                                          const struct plan *plan, bool pass,
                                                          const struct report_tally *tally,
                                                          uint64_t fw_cr3)
{
    long_report_to_serial();
    report("RESULT: %s checks=%u%s", pass ? "PASS" : "FAIL", tally->checks,
           " (64-bit part; the 32-bit firmware's console is not reached again)");
    takeover_dump_map(ours);
    takeover_dump_memory(plan);
    report("inspect: halted with CR3 0x%llx live (the firmware's was 0x%llx)",
           (unsigned long long)cpu_read_cr3(), (unsigned long long)fw_cr3);
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* The phases on the state t owns, each check counted in *tally. True when every check
 * passed. */
static bool run(struct takeover *t, struct handoff *h, struct report_tally *tally)
{
    cpu_state_read(&t->fw.cpu);
    /* four levels: the app entered long mode itself without LA57 */
    takeover_layout(&t->target, &t->fw.cpu);
    t->opts.touch_all = h->touch_all != 0;
    t->time.tsc_hz = h->tsc_hz;
    report("long mode: entered by the app from the firmware's %s: CR0 0x%llx CR3 0x%llx CR4 "
           "0x%llx EFER 0x%llx (LMA=%u NXE=%u)",
           paging_name(h->fw_paging), (unsigned long long)t->fw.cpu.cr0,
           (unsigned long long)t->fw.cpu.cr3, (unsigned long long)t->fw.cpu.cr4,
           (unsigned long long)t->fw.cpu.efer, (unsigned)((t->fw.cpu.efer >> 10) & 1),
           (unsigned)((t->fw.cpu.efer & EFER_NXE) != 0));
    report("cpu: 1G pages %s, NX %s, LA57 %s, MAXPHYADDR %u, PAT 0x%016llx, %s",
           t->fw.cpu.page_1g ? "yes" : "no", t->fw.cpu.nx_supported ? "yes" : "no",
           t->fw.cpu.la57_supported ? "supported" : "no", t->fw.cpu.maxphyaddr,
           (unsigned long long)t->fw.cpu.pat_msr,
           t->fw.cpu.hypervisor ? "under a hypervisor" : "bare metal");
    struct arena arena = {.next = (uint8_t *)(uintptr_t)h->arena_base,
                          .end = (uint8_t *)(uintptr_t)(h->arena_base + h->arena_size)};
    const struct scratch s = {.take = arena_take, .ctx = &arena, .name = "arena"};
    char note[64];
    text_format(note, sizeof note, ": the firmware's %s in four levels", paging_name(h->fw_paging));
    /* The firmware's entries may hold NX only if it ran with EFER.NXE itself. */
    struct pt_cpu fw_paging = t->fw.cpu.fw_pt;
    fw_paging.nx = (h->fw_efer & EFER_NXE) != 0;
    const struct import_source fw = {.root = h->boot_root,
                                     .cpu = fw_paging,
                                     .root_name = "",
                                     .note = note,
                                     .fault_what = "firmware's address space in four levels"};
    /* The frames and the own pages the 32-bit side reserved below 4 GiB. */
    t->ours.own = h->own_base;
    t->ours.pool = (struct frame_pool){.base = h->pool_base, .count = h->pool_pages};
    bool built = takeover_import(&t->fw, &t->seen, &s, &fw, tally) &&
                 plan_from_handoff(&t->plan, &t->target, &t->fw, h, &s, tally) &&
                 takeover_build(&t->ours, &t->plan, &t->target, &s, " (below 4 GiB)", tally);
    bool ok = built && takeover_check(&t->ours, &t->seen, tally);
    if (built)
        takeover_report_built(&t->fw, &t->ours, &t->target);
    if (!ok) {
        report("not switching: the new tables were not built or failed their checks");
        return false;
    }
    const struct takeover_view v = {
        .fw = &t->fw, .target = &t->target, .plan = &t->plan, .ours = &t->ours};
    cpu_enter_tables(t->ours.sp.root, t->target.pt.nx, &t->sw.was);
    report("switched: CR3 0x%llx -> 0x%llx; while ours is live CR0.WP %u -> %u, EFER.NXE %u -> %u",
           (unsigned long long)t->sw.was.cr3, (unsigned long long)cpu_read_cr3(),
           (unsigned)((t->sw.was.cr0 & CR0_WP) != 0), (unsigned)((cpu_read_cr0() & CR0_WP) != 0),
           (unsigned)((t->sw.was.efer & EFER_NXE) != 0),
           (unsigned)((cpu_rdmsr(MSR_EFER) & EFER_NXE) != 0));
    bool verified = takeover_verify_after_exit(&v, t->opts.touch_all, tally);
    if (h->inspect)
        halt_for_inspection(&t->ours, &t->plan, verified, tally, h->fw_cr3);
    cpu_leave_tables(&t->sw.was);
    uint64_t now = cpu_read_cr3(), cr0 = cpu_read_cr0(), efer = cpu_rdmsr(MSR_EFER);
    bool restored =
        report_check(tally, "restore-long",
                     now == t->fw.cpu.cr3 && cr0 == t->fw.cpu.cr0 && efer == t->fw.cpu.efer,
                     "CR3 back to the long-mode entry tables 0x%llx (now 0x%llx), CR0 0x%llx and "
                     "EFER 0x%llx (at entry: 0x%llx, 0x%llx)",
                     (unsigned long long)t->fw.cpu.cr3, (unsigned long long)now,
                     (unsigned long long)cr0, (unsigned long long)efer,
                     (unsigned long long)t->fw.cpu.cr0, (unsigned long long)t->fw.cpu.efer);
    takeover_dump_map(&t->ours);
    takeover_dump_memory(&t->plan);
    return verified && restored;
}

/* Called in 64-bit mode (System V) by the 32-bit side's switch; returns the part's verdict
 * (LONG_VERDICT_*). */
uint64_t long_main(struct handoff *h)
{
    static struct takeover t;
    struct report_tally tally = {0};
    if (h->magic != HANDOFF_MAGIC)
        return LONG_VERDICT_FAIL;
    long_report_open(h);
    fault_install();
    bool pass = run(&t, h, &tally);
    fault_remove();
    return pass ? LONG_VERDICT_PASS : LONG_VERDICT_FAIL;
}
