/*
 * pagetk: takes the address space over from the firmware. Reads the CPU and the memory
 * map, imports the firmware's page tables, builds a fresh hierarchy that maps the same
 * and more, switches CR3 to it, proves it, switches back, and reports a verdict.
 */
#include <efi.h>
#include <efilib.h>

#include "cpu.h"
#include "fault.h"
#include "full.h"
#include "machine.h"
#include "reserve.h"
#include "qemu_exit.h"
#include "report.h"
#include "screen.h"
#include "settings.h"
#include "start.h"
#include "takeover.h"
#include "verify.h"
#include "wx.h"
#ifdef PAGETK_TEST_PERSONAS
#include "persona.h"
#endif

static const char *const phase_names[PHASE_COUNT] = {"read",  "import", "plan",   "build",
                                                     "check", "switch", "verify", "restore"};

static void mark(struct phase_times *time, enum phase p)
{
    time->phase_tsc[p] = cpu_rdtsc();
}

/* TSC ticks per second, measured against the firmware's Stall. */
static uint64_t calibrate_tsc(void)
{
    uint64_t start = cpu_rdtsc();
    uefi_call_wrapper(BS->Stall, 1, 20000);
    return (cpu_rdtsc() - start) * 50;
}

static void report_cpu(const struct cpu_state *c)
{
    report("cpu: CR0 0x%llx (WP=%u) CR3 0x%llx CR4 0x%llx (PGE=%u LA57=%u) EFER 0x%llx (NXE=%u)",
           (unsigned long long)c->cr0, (unsigned)((c->cr0 & CR0_WP) != 0),
           (unsigned long long)c->cr3, (unsigned long long)c->cr4,
           (unsigned)((c->cr4 & CR4_PGE) != 0), (unsigned)((c->cr4 & CR4_LA57) != 0),
           (unsigned long long)c->efer, (unsigned)((c->efer & EFER_NXE) != 0));
    report("cpu: 1G pages %s, NX %s, LA57 %s, MAXPHYADDR %u, PAT 0x%016llx, %s",
           c->page_1g ? "yes" : "no", c->nx_supported ? "yes" : "no",
           c->la57_supported ? "supported" : "no", c->maxphyaddr, (unsigned long long)c->pat_msr,
           c->hypervisor ? "under a hypervisor" : "bare metal");
}

/* Each phase lasts from its own mark to the next phase that was reached. */
static void report_phases(const struct phase_times *time)
{
    char line[256];
    size_t pos = 0;
    pt_fmt_str(line, sizeof line, &pos, "time (us):");
    for (int p = 0; p < PHASE_COUNT && time->phase_tsc[p]; p++) {
        int next = p + 1;
        while (next < PHASE_COUNT && !time->phase_tsc[next])
            next++;
        pt_fmt_str(line, sizeof line, &pos, " ");
        pt_fmt_str(line, sizeof line, &pos, phase_names[p]);
        pt_fmt_str(line, sizeof line, &pos, " ");
        pt_fmt_dec(line, sizeof line, &pos,
                   (time->phase_tsc[next] - time->phase_tsc[p]) * 1000000 /
                       (time->tsc_hz ? time->tsc_hz : 1));
    }
    report("%s", line);
}

/* Switches to our tables and runs the checks: interrupts are off across the CR3 write,
 * and any fault nobody expected unwinds to here. True when every check passed. */
static bool switch_and_verify(const struct takeover_view *v, bool touch_all,
                              struct switch_state *sw, struct phase_times *time,
                              struct report_tally *tally)
{
    mark(time, PHASE_SWITCH);
    bool irq = cpu_irq_save();
    cpu_enter_tables(v->ours->sp.root, v->target->pt.nx, &sw->was);
    uint64_t cr0 = cpu_read_cr0(), efer = cpu_rdmsr(MSR_EFER);
    cpu_irq_restore(irq);
    mark(time, PHASE_VERIFY);
    report_set_clock(time->tsc_hz);
    report("switched: CR3 0x%llx -> 0x%llx; while ours is live CR0.WP %u -> %u, EFER.NXE %u -> %u",
           (unsigned long long)sw->was.cr3, (unsigned long long)cpu_read_cr3(),
           (unsigned)((sw->was.cr0 & CR0_WP) != 0), (unsigned)((cr0 & CR0_WP) != 0),
           (unsigned)((sw->was.efer & EFER_NXE) != 0), (unsigned)((efer & EFER_NXE) != 0));
    return takeover_verify(v, touch_all, sw, tally);
}

/* Back to the firmware's paging (sw->was), which must be the CPU's as found. */
static bool restore(const struct cpu_state *cpu, const struct switch_state *sw,
                    struct phase_times *time, struct report_tally *tally)
{
    mark(time, PHASE_RESTORE);
    bool irq = cpu_irq_save();
    cpu_leave_tables(&sw->was);
    cpu_irq_restore(irq);
    uint64_t now = cpu_read_cr3(), cr0 = cpu_read_cr0(), efer = cpu_rdmsr(MSR_EFER);
    return report_check(
        tally, "restore", now == cpu->cr3 && cr0 == cpu->cr0 && efer == cpu->efer,
        "CR3 back to the firmware's 0x%llx (now 0x%llx), CR0 0x%llx and EFER 0x%llx "
        "(the firmware's: 0x%llx, 0x%llx)",
        (unsigned long long)cpu->cr3, (unsigned long long)now, (unsigned long long)cr0,
        (unsigned long long)efer, (unsigned long long)cpu->cr0, (unsigned long long)cpu->efer);
}

/* Inspect mode: our tables stay live and the CPU stops, so QEMU's monitor can walk them.
 * Interrupts stay off: nothing of the firmware's runs again. */
static __attribute__((noreturn)) void halt_for_inspection(const struct cpu_state *cpu)
{
    report("inspect: halted with CR3 0x%llx live (the firmware's was 0x%llx)",
           (unsigned long long)cpu_read_cr3(), (unsigned long long)cpu->cr3);
    cpu_irq_save();
    for (;;)
        __asm__ volatile("hlt");
}

/* The phases before the switch, in order, on the state t owns. */
static bool prepare(struct takeover *t, struct report_tally *tally)
{
    mark(&t->time, PHASE_READ);
    cpu_state_read(&t->fw.cpu);
    report_cpu(&t->fw.cpu);
    takeover_layout(&t->target, &t->fw.cpu);
    if (cpu_state_la57_active(&t->fw.cpu))
        report("paging: 5-level (CR4.LA57=1): the firmware's PML5 is imported and ours has five "
               "levels; alias at 0x%llx, test window at 0x%llx (above 2^47)",
               (unsigned long long)t->target.alias_base, (unsigned long long)t->target.window);
    /* Room for the descriptors our own allocation may split off. */
    if (EFI_ERROR(memmap_read(&t->fw.mm, 8))) {
        report_check(tally, "memory-map", false, "GetMemoryMap failed");
        return false;
    }
    report("memory map: %llu descriptors of %llu bytes (version %u)",
           (unsigned long long)(t->fw.mm.size / t->fw.mm.desc_size),
           (unsigned long long)t->fw.mm.desc_size, t->fw.mm.desc_version);
    mark(&t->time, PHASE_IMPORT);
    const struct import_source fw = {.root = pt_cr3_root(t->fw.cpu.cr3),
                                     .cpu = t->fw.cpu.fw_pt,
                                     .root_name = "CR3 ",
                                     .note = "",
                                     .fault_what = "firmware tables"};
    if (!takeover_import(&t->fw, &t->seen, &boot_pool, &fw, tally))
        return false;
    if (t->opts.takeover)
        full_prepare(&t->target, &t->fw.cpu);
    mark(&t->time, PHASE_PLAN);
    const struct map_bytes map = {
        .map = t->fw.mm.buffer, .size = t->fw.mm.size, .desc_size = t->fw.mm.desc_size};
    if (!wx_collect(t->image, &t->fw.cpu, t->target.have_fb_limit ? &t->target.fb_limit : NULL,
                    &t->target.wx, tally) ||
        !takeover_plan(&t->plan, &t->fw, &t->target, &boot_pool, &map, tally))
        return false;
    mark(&t->time, PHASE_BUILD);
    if (!reserve_pages(&t->ours, &t->plan, &t->target, tally) ||
        !takeover_build(&t->ours, &t->plan, &t->target, &boot_pool, "", tally))
        return false;
    mark(&t->time, PHASE_CHECK);
    bool ok = takeover_check(&t->ours, &t->seen, tally);
    takeover_report_built(&t->fw, &t->ours, &t->target);
    return ok;
}

/* What the firmware handed over at entry and what the entry step changed (start.c). */
static void report_entry(void)
{
    const struct entry_state *e = &entry_state;
    if (e->sse_enabled)
        report("cpu at entry: CR0 0x%llx CR4 0x%llx: SSE off (CR4.OSFXSR=%u OSXMMEXCPT=%u, "
               "CR0.MP=%u EM=%u TS=%u); the app set OSFXSR, OSXMMEXCPT and MP, cleared EM and "
               "TS, ran FNINIT and loaded MXCSR 0x1f80 (CR0 0x%llx CR4 0x%llx) before any SSE; "
               "the firmware's come back before the app returns",
               (unsigned long long)e->fw_cr0, (unsigned long long)e->fw_cr4,
               (unsigned)((e->fw_cr4 & CR4_OSFXSR) != 0),
               (unsigned)((e->fw_cr4 & CR4_OSXMMEXCPT) != 0), (unsigned)((e->fw_cr0 & CR0_MP) != 0),
               (unsigned)((e->fw_cr0 & CR0_EM) != 0), (unsigned)((e->fw_cr0 & CR0_TS) != 0),
               (unsigned long long)e->app_cr0, (unsigned long long)e->app_cr4);
    else if (e->mxcsr_set)
        report("cpu at entry: CR0 0x%llx CR4 0x%llx: SSE on, MXCSR 0x%llx: set to 0x1f80 until "
               "the app returns",
               (unsigned long long)e->fw_cr0, (unsigned long long)e->fw_cr4,
               (unsigned long long)e->fw_mxcsr);
    else
        report("cpu at entry: CR0 0x%llx CR4 0x%llx: SSE on, MXCSR 0x1f80: nothing to change",
               (unsigned long long)e->fw_cr0, (unsigned long long)e->fw_cr4);
    report("serial: %s", report_serial_route());
    report("cpu: %u of the firmware's 32 exception gates work in 64-bit mode; the app's own "
           "take every exception while it runs%s",
           fault_firmware_gates(),
           fault_firmware_gates() < 32 ? " (a fault outside the checks halts instead of "
                                         "resetting the machine)"
                                       : "");
}

/* One takeover: prepare, switch, verify, then restore, unless it stays on our tables (a
 * full takeover, or inspect). dump adds the map and mem lines. Each check is counted in
 * *tally. True when every check passed. */
static bool run_takeover(struct takeover *t, struct report_tally *tally, bool dump)
{
    bool built = prepare(t, tally), ok = built;
    const struct takeover_view v = {
        .fw = &t->fw, .target = &t->target, .plan = &t->plan, .ours = &t->ours};
    t->sw.inspecting = built && t->opts.inspect;
    if (built) {
        bool verified = switch_and_verify(&v, t->opts.touch_all, &t->sw, &t->time, tally);
        ok = verified;
        /* Boot services are left only on tables that passed every check (the phases before
         * the switch passed theirs, or nothing was built). */
        if (t->opts.takeover && verified)
            t->sw.full = full_takeover(&v, t->image, t->opts.touch_all, &t->sw, tally, &ok);
        else if (t->opts.takeover)
            report("takeover: a check failed: staying with boot services");
        if (!t->sw.inspecting && !t->sw.full)
            ok &= restore(&t->fw.cpu, &t->sw, &t->time, tally);
    } else
        report("not switching: the new tables were not built or failed their checks");
    t->time.phase_tsc[PHASE_COUNT] = cpu_rdtsc();
    report_phases(&t->time);
    if (built && dump)
        takeover_dump_map(&t->ours);
    if (dump)
        takeover_dump_memory(&t->plan);
    if (!t->sw.inspecting && !t->sw.full && t->sw.ap_stranded)
        report("  keeping our tables and plan allocated: an AP that did not finish its checks "
               "may still use them");
    else if (!t->sw.inspecting && !t->sw.full)
        takeover_release(&t->fw, &t->plan, &t->ours, &t->seen);
    return ok;
}

EFI_STATUS app_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    static struct takeover t;
    t.time.entry_tsc = cpu_rdtsc();
    InitializeLib(image, systab);
    /* The boot manager arms a 5-minute watchdog for every image it starts: a person reading
     * the verdict before pressing a key must not be interrupted by a reset. */
    uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
    report_init();
    fault_install();
    report("pagetk: x86-64 page-table takeover");
    static struct machine machine;
    machine_read(image, &machine);
    machine_report(&machine);
    report_set_product(machine_product(&machine));
    screen_begin(&machine);
    report_entry();
    t.image = image;
    t.time.tsc_hz = calibrate_tsc();
    report_set_clock(t.time.tsc_hz);
    /* The verdict: the options read (a bad one is a failed check) and every check after;
     * the tally only counts them for the verdict's line. */
    struct report_tally tally = {0};
    bool pass = settings_read(image, &t.opts, &tally);
    if (pass) {
#ifdef PAGETK_TEST_PERSONAS
        pass = persona_run_all(&t, &tally, run_takeover);
#else
        pass = run_takeover(&t, &tally, true);
#endif
    }
    bool full = t.sw.full, inspect = t.sw.inspecting;
    if (full && !pass)
        full_fall_back(&t.fw.cpu, &t.sw);
    uint64_t ms = (cpu_rdtsc() - t.time.entry_tsc) * 1000 / (t.time.tsc_hz ? t.time.tsc_hz : 1);
    if (pass)
        report("RESULT: PASS checks=%u (%llu ms in the app)", tally.checks, (unsigned long long)ms);
    else
        report("RESULT: FAIL checks=%u failed=%u (%llu ms in the app)", tally.checks, tally.failed,
               (unsigned long long)ms);
    if (full)
        full_end(&t.opts, &t.fw.cpu, t.time.tsc_hz, pass);
    report_save(image);
    report_release();
    if (inspect)
        halt_for_inspection(&t.fw.cpu);
#ifdef PAGETK_TEST_PERSONAS
    /* The persona build returns at once: efi_main restores the real firmware's CR0 and CR4
     * and only then tells QEMU the verdict (start.c). */
    fault_remove();
    return pass ? EFI_SUCCESS : EFI_ABORTED;
#endif
    qemu_exit(pass);
    screen_note("Press any key to return to the firmware.", SC_TEXT);
    UINTN index;
    uefi_call_wrapper(BS->WaitForEvent, 3, 1, &ST->ConIn->WaitForKey, &index);
    fault_remove();
    return pass ? EFI_SUCCESS : EFI_ABORTED;
}
