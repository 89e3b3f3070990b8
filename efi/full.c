/* Full takeover: see full.h. */
#include "full.h"

#include <efilib.h>

#include "cpu.h"
#include "fault.h"
#include "fbcon.h"
#include "live.h"
#include "qemu_exit.h"
#include "report.h"
#include "rt_props.h"
#include "screen.h"
#include "verify.h"

#define EBS_ATTEMPTS   8
#define RESET_DELAY_S  10u
#define MAP_SPARE_DESC 64u

static EFI_GUID rt_properties_guid = {
    0xeb66918a, 0x7eef, 0x402a, {0x84, 0x2e, 0x93, 0x1d, 0x21, 0xc3, 0x8a, 0xe9}};

/* Which runtime services the firmware keeps after ExitBootServices: read while boot
 * services still own the configuration table. */
static uint32_t read_runtime_properties(void)
{
    uint32_t rt_supported = RT_SUPPORTS_ALL;
    for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
        if (CompareGuid(&ST->ConfigurationTable[i].VendorGuid, &rt_properties_guid) != 0)
            continue;
        enum plan_error st = rt_props_parse(ST->ConfigurationTable[i].VendorTable, &rt_supported);

        if (st != PLAN_OK)
            report("  warning: %s", plan_error_message(st));
        else
            report("takeover: EFI_RT_PROPERTIES_TABLE: runtime services 0x%x after "
                   "ExitBootServices (GetTime %s, GetVariable %s)",
                   rt_supported, rt_supported & RT_SUPPORTS_GET_TIME ? "yes" : "no",
                   rt_supported & RT_SUPPORTS_GET_VARIABLE ? "yes" : "no");
        break;
    }
    return rt_supported;
}

void full_prepare(struct takeover_target *target, const struct cpu_state *cpu)
{
    EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
    struct full_plan *fp = &target->full_plan;
    fp->pat = cpu->pat_msr;
    fp->rt_supported = read_runtime_properties();
    int wc_index = pt_pat_slot_for(target->pt.pat, PT_MT_WC);
    if (wc_index < 0) {
        report("takeover: every PAT entry holds a different type: no write-combining");
        return;
    }
    fp->pat = (fp->pat & ~(0xffull << (8 * wc_index))) | ((uint64_t)PT_MT_WC << (8 * wc_index));
    target->pt.pat[wc_index] = PT_MT_WC; /* our tables are built for the new PAT */
    if (EFI_ERROR(uefi_call_wrapper(BS->LocateProtocol, 3, &gop_guid, NULL, (void **)&gop)) ||
        !gop->Mode || !gop->Mode->Info ||
        (gop->Mode->Info->PixelFormat != PixelBlueGreenRedReserved8BitPerColor &&
         gop->Mode->Info->PixelFormat != PixelRedGreenBlueReserved8BitPerColor)) {
        report("takeover: no linear GOP framebuffer: reporting on COM1 only");
        return;
    }
    struct framebuffer *fb = &fp->fb;
    *fb = (struct framebuffer){
        .base = gop->Mode->FrameBufferBase,
        .size = gop->Mode->FrameBufferSize,
        .width = gop->Mode->Info->HorizontalResolution,
        .height = gop->Mode->Info->VerticalResolution,
        .stride = gop->Mode->Info->PixelsPerScanLine,
        .bgr = gop->Mode->Info->PixelFormat == PixelBlueGreenRedReserved8BitPerColor,
    };
    uint64_t start = fb->base & ~4095ull, end = (fb->base + fb->size + 4095) & ~4095ull;
    target->fb_limit = (struct plan_limit){start, end, PT_ATTR_MT_MASK, PT_ATTR_MT(PT_MT_WC)};
    target->have_fb_limit = true;
    report("takeover: framebuffer 0x%llx, %llu KiB, %ux%u (stride %u), write-combining through "
           "PAT entry %u (PAT 0x%016llx -> 0x%016llx)",
           (unsigned long long)fb->base, (unsigned long long)(fb->size >> 10), fb->width,
           fb->height, fb->stride, (unsigned)wc_index, (unsigned long long)cpu->pat_msr,
           (unsigned long long)fp->pat);
}

/* GetMemoryMap then ExitBootServices, again while the key is stale. Nothing allocates in
 * between: after a failed attempt only these two services may be called. */
static EFI_STATUS leave_boot_services(EFI_HANDLE image, UINTN key, struct memmap *mm,
                                      unsigned *attempts)
{
    EFI_STATUS st = EFI_INVALID_PARAMETER;
    for (*attempts = 1; *attempts <= EBS_ATTEMPTS; ++*attempts) {
        st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
        if (st != EFI_INVALID_PARAMETER)
            return st;
        mm->size = mm->capacity;
        st = uefi_call_wrapper(BS->GetMemoryMap, 5, &mm->size, mm->buffer, &mm->key, &mm->desc_size,
                               &mm->desc_version);
        if (EFI_ERROR(st))
            return st;
        key = mm->key;
    }
    return st;
}

/* Counts the pages the final memory map describes as RAM, and those our tables do not map
 * at their own address. The map goes through the planner's one sanitiser, as the first
 * did: `final` holds its ranges (storage taken before boot services went). */
static enum plan_error check_final_map(const struct our_tables *ours,
                                       const struct takeover_target *target,
                                       const struct memmap *mm, struct plan *final, uint64_t *pages,
                                       uint64_t *unmapped)
{
    *pages = *unmapped = 0;
    struct plan_input in = {
        .map = mm->buffer, .map_size = mm->size, .desc_size = mm->desc_size, .cpu = target->pt};
    enum plan_error st = plan_read_memory_map(&in, final);
    for (size_t i = 0; st == PLAN_OK && i < final->range_count; i++) {
        const struct plan_range *r = &final->ranges[i];
        if (!plan_type_is_ram(r->type))
            continue;
        for (uint64_t pa = r->start; pa < r->end;) {
            struct pt_translation tr;
            uint64_t next = pa + 4096;
            if (pt_translate(&ours->sp, pa, &tr) != PT_OK || !tr.mapped || tr.pa != pa)
                ++*unmapped;
            else
                next = (pa & ~(tr.page - 1)) + tr.page;
            next = next < r->end ? next : r->end;
            *pages += (next - pa) / 4096;
            pa = next;
        }
    }
    return st;
}

static void report_final_map(const struct plan *final, enum plan_error st)
{
    for (int w = 0; w < PLAN_WARN_COUNT; w++)
        if (final->warnings[w])
            report("  final map: warning %s x%u: %s", plan_warning_name(w), final->warnings[w],
                   plan_warning_message(w));
    if (st != PLAN_OK)
        report("  final map: %s: %s", plan_error_name(st), plan_error_message(st));
}

static bool check_after_exit(const struct our_tables *ours, const struct full_plan *fp,
                             struct report_tally *tally)
{
    const struct framebuffer fb = fp->fb;
    uint32_t rt_supported = fp->rt_supported;
    uint64_t pat = cpu_rdmsr(MSR_PAT);
    struct live l;
    enum pt_error opened = takeover_live_open(ours, &l);
    if (opened != PT_OK)
        report("  live tables: not adopted through the slot: %s", pt_error_name(opened));
    struct pt_translation tr = {0};
    /* A translation that fails, or a root not adopted, leaves tr unmapped: reported so. */
    if (fb.base && (opened != PT_OK || pt_translate(&l.sp, fb.base, &tr) != PT_OK))
        tr.mapped = false;
    bool wc = !fb.base || (tr.mapped && PT_ATTR_MEMTYPE(tr.attr) == PT_MT_WC);
    bool ok = report_check(tally, "pat-wc", opened == PT_OK && pat == fp->pat && wc,
                           "PAT 0x%016llx; framebuffer 0x%llx %s through the slot",
                           (unsigned long long)pat, (unsigned long long)fb.base,
                           !fb.base     ? "absent"
                           : !tr.mapped ? "unmapped"
                           : wc         ? "write-combining"
                                        : "not write-combining");
    if (fb.base) {
        unsigned bad = fbcon_selftest();
        ok &= report_check(tally, "framebuffer", bad == 0,
                           "%ux%u, report drawn on it, %u of %u test pixels "
                           "read back wrong",
                           fb.width, fb.height, bad, fb.width);
    }
    /* A service the firmware's EFI_RT_PROPERTIES_TABLE leaves out must answer
     * EFI_UNSUPPORTED; every other must work. */
    EFI_TIME now = {0};
    EFI_STATUS st = uefi_call_wrapper(RT->GetTime, 2, &now, NULL);
    bool time_ok = (rt_supported & RT_SUPPORTS_GET_TIME)
                       ? !EFI_ERROR(st) && now.Year >= 2000 && now.Month >= 1 && now.Month <= 12
                       : st == EFI_UNSUPPORTED;
    /* A variable every boot manager keeps, else one UEFI itself defines (U-Boot keeps no
     * BootOrder without a variable store): its runtime driver reads the store. */
    static EFI_GUID global = EFI_GLOBAL_VARIABLE;
    static CHAR16 *const names[] = {L"BootOrder", L"PlatformLangCodes", L"PlatformLang"};
    static const char *const shown[] = {"BootOrder", "PlatformLangCodes", "PlatformLang"};
    uint8_t value[256];
    UINTN size = 0;
    UINT32 attrs = 0;
    EFI_STATUS var = EFI_NOT_FOUND;
    unsigned n = 0;
    for (; n < 3; n++) {
        size = sizeof value;
        var = uefi_call_wrapper(RT->GetVariable, 5, names[n], &global, &attrs, &size, value);
        if (var != EFI_NOT_FOUND)
            break;
    }
    bool var_ok = (rt_supported & RT_SUPPORTS_GET_VARIABLE)
                      ? !EFI_ERROR(var) && size >= 2 && (attrs & EFI_VARIABLE_RUNTIME_ACCESS)
                      : var == EFI_UNSUPPORTED;
    return report_check(
               tally, "runtime-services", time_ok && var_ok,
               "on our tables: GetTime status 0x%llx, %04u-%02u-%02u %02u:%02u:%02u%s; "
               "GetVariable(%s) status 0x%llx, %llu bytes%s",
               (unsigned long long)st, now.Year, now.Month, now.Day, now.Hour, now.Minute,
               now.Second,
               rt_supported & RT_SUPPORTS_GET_TIME ? "" : " (unsupported, as the firmware says)",
               n < 3 ? shown[n] : "BootOrder, PlatformLangCodes, PlatformLang",
               (unsigned long long)var, (unsigned long long)size,
               rt_supported & RT_SUPPORTS_GET_VARIABLE ? ""
                                                       : " (unsupported, as the firmware says)") &&
           ok;
}

/* Before leaving boot services: our tables map the whole framebuffer, identity and WC. A
 * firmware that does not map its own framebuffer keeps its boot services. */
static bool framebuffer_mapped(const struct our_tables *ours, const struct framebuffer *fbp,
                               struct report_tally *tally)
{
    const struct framebuffer fb = *fbp;
    if (!fb.base)
        return true;
    struct pt_translation first = {0}, last = {0};
    bool ok = pt_translate(&ours->sp, fb.base, &first) == PT_OK &&
              pt_translate(&ours->sp, fb.base + fb.size - 1, &last) == PT_OK && first.mapped &&
              last.mapped && first.pa == fb.base && last.pa == fb.base + fb.size - 1 &&
              PT_ATTR_MEMTYPE(first.attr) == PT_MT_WC && PT_ATTR_MEMTYPE(last.attr) == PT_MT_WC;
    report_check(tally, "framebuffer-mapped", ok,
                 "0x%llx-0x%llx identity-mapped write-combining: %s", (unsigned long long)fb.base,
                 (unsigned long long)(fb.base + fb.size), ok ? "yes" : "no");
    return ok;
}

bool full_takeover(const struct takeover_view *v, EFI_HANDLE image, bool touch_all,
                   struct switch_state *sw, struct report_tally *tally, bool *passed)
{
    const struct our_tables *ours = v->ours;
    const struct full_plan *fp = &v->target->full_plan;
    *passed = false;
    if (!framebuffer_mapped(ours, &fp->fb, tally))
        return false;
    struct memmap mm = {0};
    /* Room for what the firmware may still add before the exit. */
    EFI_STATUS st = memmap_read(&mm, MAP_SPARE_DESC);
    struct plan final = {.range_cap = mm.capacity / (mm.desc_size ? mm.desc_size : 1) + 1};
    if (!EFI_ERROR(st))
        st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData,
                               final.range_cap * sizeof *final.ranges, (void **)&final.ranges);
    if (EFI_ERROR(st)) {
        memmap_free(&mm);
        report_check(tally, "exit-boot-services", false, "no memory map buffer: status 0x%llx",
                     (unsigned long long)st);
        return false;
    }
    report("takeover: leaving boot services; the report continues on COM1 and the screen");
    report_save(image);
    bool irq = cpu_irq_save(); /* the firmware's timer handler must not run once it is gone */
    /* ExitBootServices runs on the firmware's own tables: edk2 edits the live hierarchy in
     * it (it lifts the protection of runtime images), and must not edit ours. */
    cpu_leave_tables(&sw->was);
    unsigned attempts;
    /* The key of the map the plan was made from: stale if anything allocated since. */
    st = leave_boot_services(image, v->fw->mm.key, &mm, &attempts);
    if (EFI_ERROR(st)) {
        cpu_enter_tables(ours->sp.root, v->target->pt.nx, &sw->was);
        cpu_irq_restore(irq);
        report_check(tally, "exit-boot-services", false, "status 0x%llx after %u attempts",
                     (unsigned long long)st, attempts);
        return false;
    }
    report_firmware_gone();
    cpu_wbinvd();
    cpu_wrmsr(MSR_PAT, fp->pat);
    /* Drops every translation cached under the old PAT. CR0.WP and EFER.NXE stay as our
     * tables need them: the firmware's values are not wanted again. */
    cpu_enter_tables(ours->sp.root, v->target->pt.nx, &sw->was);
    screen_framebuffer(&fp->fb);
    report("pagetk: boot services are gone; CR3 0x%llx is ours for good",
           (unsigned long long)cpu_read_cr3());
    uint64_t pages, unmapped;
    enum plan_error final_st = check_final_map(ours, v->target, &mm, &final, &pages, &unmapped);
    report_final_map(&final, final_st);
    bool ok =
        report_check(tally, "exit-boot-services", final_st == PLAN_OK && unmapped == 0,
                     "after %u attempt%s (a stale key is retried); the final map's %llu RAM pages "
                     "are all mapped by our tables: %llu are not",
                     attempts, attempts == 1 ? "" : "s", (unsigned long long)pages,
                     (unsigned long long)unmapped);
    ok &= check_after_exit(ours, fp, tally);
    fault_install();
    ok &= takeover_verify_after_exit(v, touch_all, tally);
    *passed = ok;
    return true;
}

void full_fall_back(const struct cpu_state *cpu, const struct switch_state *sw)
{
    cpu_wbinvd();
    cpu_wrmsr(MSR_PAT, cpu->pat_msr);
    cpu_leave_tables(&sw->was);
    report("takeover: a check failed: CR3 0x%llx and PAT 0x%016llx are the firmware's again "
           "(CR0 0x%llx, EFER 0x%llx)",
           (unsigned long long)cpu_read_cr3(), (unsigned long long)cpu_rdmsr(MSR_PAT),
           (unsigned long long)cpu_read_cr0(), (unsigned long long)cpu_rdmsr(MSR_EFER));
}

void full_end(const struct options *opts, const struct cpu_state *cpu, uint64_t tsc_hz, bool pass)
{
    if (cpu->hypervisor && !opts->reset)
        qemu_exit(pass);
    if (opts->reset)
        report("takeover: resetting through ResetSystem now");
    else
        report("takeover: resetting through ResetSystem in %u s", RESET_DELAY_S);
    uint64_t until = cpu_rdtsc() + RESET_DELAY_S * tsc_hz;
    while (!opts->reset && cpu_rdtsc() < until)
        __asm__ volatile("pause");
    uefi_call_wrapper(RT->ResetSystem, 4, EfiResetCold, EFI_SUCCESS, 0, NULL);
    report("takeover: ResetSystem returned: halting");
    for (;;)
        __asm__ volatile("cli; hlt");
}
