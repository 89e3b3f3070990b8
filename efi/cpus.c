/* Every CPU: each application processor, started through EFI_MP_SERVICES_PROTOCOL, loads
 * our CR3, translates the plan's key points through the recursive slot with its own MMU,
 * touches every RAM leaf, and puts its own CR3 back. APs may not call firmware services,
 * so each writes its result into its slot and the BSP reports. */
#include <efi.h>
#include <efilib.h>

#include "cpu.h"
#include "cpus.h"
#include "live.h"
#include "report.h"
#include "text.h"

#define MAX_CPUS 256u
#ifndef PAGETK_AP_TIMEOUT_US
#define PAGETK_AP_TIMEOUT_US 20000000u
#endif
#define PROCESSOR_BSP  0x1u
#define PROCESSOR_UP   0x2u
#define SAMPLE_PER_REG 4u

static EFI_GUID mp_services_guid = {
    0x3fdda605, 0xa76e, 0x4f46, {0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08}};

typedef VOID(EFIAPI *ap_procedure)(VOID *arg);

struct processor_info {
    UINT64 id;
    UINT32 status;
    UINT32 package, core, thread;
};

/* EFI_MP_SERVICES_PROTOCOL (PI specification, volume 2). */
struct mp_services {
    EFI_STATUS(EFIAPI *get_count)(struct mp_services *, UINTN *all, UINTN *enabled);
    EFI_STATUS(EFIAPI *get_info)(struct mp_services *, UINTN n, struct processor_info *);
    EFI_STATUS(EFIAPI *startup_all)
    (struct mp_services *, ap_procedure, BOOLEAN single, EFI_EVENT, UINTN timeout, VOID *arg,
     UINTN **failed);
    EFI_STATUS(EFIAPI *startup_this)
    (struct mp_services *, ap_procedure, UINTN n, EFI_EVENT, UINTN timeout, VOID *arg,
     BOOLEAN *finished);
    EFI_STATUS(EFIAPI *switch_bsp)(struct mp_services *, UINTN n, BOOLEAN enable_old);
    EFI_STATUS(EFIAPI *enable_disable)
    (struct mp_services *, UINTN n, BOOLEAN enable, UINT32 *health);
    EFI_STATUS(EFIAPI *who_am_i)(struct mp_services *, UINTN *n);
};

struct ap_job {
    struct takeover_view v; /* a copy: an AP that does not finish outlives the caller's */
    uint64_t own_cr3, seen_cr3, restored_cr3;
    uint32_t apic_id;
    uint64_t points, mismatches, first_bad;
    struct touch_tally ident, alias;
    bool other_depth; /* the AP's CR4.LA57 differs from our tables' depth: not loaded */
    bool done;
};

static void ap_translate(const struct plan *plan, struct live *l, struct ap_job *job, uint64_t va)
{
    struct pt_translation live;
    const struct plan_region *r = plan_lookup(plan, va);
    enum pt_error err = pt_translate(&l->sp, va, &live); /* a failure counts as wrong */
    job->points++;
    if (err != PT_OK || live.mapped != (r != NULL) ||
        (r && (live.pa != r->pa + (va - r->va) || live.attr != r->attr))) {
        if (!job->mismatches++)
            job->first_bad = va;
    }
}

/* Runs on the AP, with the firmware's calling convention. */
static VOID EFIAPI ap_check(VOID *arg)
{
    struct ap_job *job = arg;
    const struct our_tables *ours = job->v.ours;
    const struct takeover_target *target = job->v.target;
    const struct plan *plan = job->v.plan;
    uint32_t r[4];
    cpu_cpuid(1, 0, r);
    job->apic_id = r[1] >> 24;
    /* A PML5 read as a PML4 (or the reverse) maps nonsense: an AP whose paging depth is not
     * the BSP's (the BSP entered LA57 alone) does not load our tables. */
    if (((cpu_read_cr4() & CR4_LA57) != 0) != (ours->sp.levels == PT_LEVEL_PML5)) {
        job->other_depth = true;
        job->done = true;
        return;
    }
    bool irq = cpu_irq_save();
    struct cpu_paging was; /* the AP's own CR3, CR0 and EFER: ours needs WP and NXE too */
    cpu_enter_tables(ours->sp.root, target->pt.nx, &was);
    job->own_cr3 = was.cr3;
    job->seen_cr3 = cpu_read_cr3();
#ifdef PAGETK_TEST_AP_HANG
    /* Test-only: the AP never comes back. The BSP must time out, report it, keep our
     * tables allocated, and still restore its own CR3. */
    for (;;)
        __asm__ volatile("pause");
#endif
    struct live l;
    bool opened = takeover_live_open(ours, &l) == PT_OK;
    if (!opened && !job->mismatches++)
        job->first_bad = 0; /* no translation could be compared: the root was not adopted */
    uint64_t x = ours->sp.root ^ job->apic_id ^ 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; opened && i < plan->region_count; i++) {
        const struct plan_region *reg = &plan->regions[i];
        if (takeover_in_window(target, reg->va))
            continue;
        ap_translate(plan, &l, job, reg->va);
        ap_translate(plan, &l, job, reg->va + reg->len - 1);
        for (unsigned s = 0; s < SAMPLE_PER_REG; s++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            ap_translate(plan, &l, job, reg->va + x % reg->len);
        }
    }
    takeover_touch_leaves(plan, &ours->sp, 0, &job->ident);
    takeover_touch_leaves(plan, &ours->sp, target->alias_base, &job->alias);
    cpu_leave_tables(&was);
    job->restored_cr3 = cpu_read_cr3();
    cpu_irq_restore(irq);
    job->done = true;
}

bool check_every_cpu(const struct takeover_view *v, struct switch_state *sw,
                     struct report_tally *tally)
{
    static struct ap_job jobs[MAX_CPUS];
    struct mp_services *mp;
    UINTN all = 0, enabled = 0;
    if (EFI_ERROR(
            uefi_call_wrapper(BS->LocateProtocol, 3, &mp_services_guid, NULL, (void **)&mp)) ||
        EFI_ERROR(uefi_call_wrapper(mp->get_count, 3, mp, &all, &enabled))) {
        report("  every-cpu: the firmware offers no EFI_MP_SERVICES_PROTOCOL: BSP only");
        return true;
    }
    unsigned passed = 0, tried = 0, left_out = 0;
    if (sw->no_aps) {
        report("  every-cpu: left out: %s", sw->no_aps);
        return true;
    }
    for (UINTN n = 0; n < all && n < MAX_CPUS; n++) {
        struct processor_info info;
        if (EFI_ERROR(uefi_call_wrapper(mp->get_info, 3, mp, n, &info)))
            continue;
        if (info.status & PROCESSOR_BSP) {
            report("cpu %u: BSP, APIC %llu: the checks above ran here", (unsigned)n,
                   (unsigned long long)info.id);
            continue;
        }
        if (!(info.status & PROCESSOR_UP)) {
            report("cpu %u: APIC %llu disabled by the firmware: skipped", (unsigned)n,
                   (unsigned long long)info.id);
            continue;
        }
        struct ap_job *job = &jobs[n];
        *job = (struct ap_job){.v = *v};
        EFI_STATUS st = uefi_call_wrapper(mp->startup_this, 7, mp, ap_check, n, NULL,
                                          PAGETK_AP_TIMEOUT_US, job, NULL);
        if (!EFI_ERROR(st) && job->other_depth) {
            report("cpu %u: APIC %u runs %u-level paging, our tables have %d levels: left out "
                   "(its CR4.LA57 differs from the BSP's)",
                   (unsigned)n, job->apic_id, v->ours->sp.levels == PT_LEVEL_PML5 ? 4u : 5u,
                   v->ours->sp.levels);
            left_out++;
            continue;
        }
        tried++;
        bool ok = !EFI_ERROR(st) && job->done && job->seen_cr3 == v->ours->sp.root &&
                  job->restored_cr3 == job->own_cr3 && job->mismatches == 0 &&
                  job->ident.unmapped == 0 && job->alias.unmapped == 0 && job->points > 0;
        passed += ok;
        if (!job->done)
            sw->ap_stranded = true; /* it may still run on our tables: keep them */
        if (EFI_ERROR(st) || !job->done)
            report("cpu %u: APIC %llu: StartupThisAP: status 0x%llx%s, %s: FAIL", (unsigned)n,
                   (unsigned long long)info.id, (unsigned long long)st,
                   st == EFI_TIMEOUT ? " (EFI_TIMEOUT)" : "",
                   job->done ? "finished" : "did not finish");
        else
            report("cpu %u: APIC %u: CR3 0x%llx -> 0x%llx, %llu points %llu wrong%s, %llu + %llu "
                   "RAM leaves touched, CR3 back to 0x%llx: %s",
                   (unsigned)n, job->apic_id, (unsigned long long)job->own_cr3,
                   (unsigned long long)job->seen_cr3, (unsigned long long)job->points,
                   (unsigned long long)job->mismatches,
                   job->mismatches ? " (first shown below)" : "",
                   (unsigned long long)job->ident.leaves, (unsigned long long)job->alias.leaves,
                   (unsigned long long)job->restored_cr3, ok ? "PASS" : "FAIL");
        if (job->mismatches)
            report("  cpu %u: first wrong translation at 0x%llx", (unsigned)n,
                   (unsigned long long)job->first_bad);
    }
    if (all > MAX_CPUS)
        report("  every-cpu: the %llu CPUs past the first %u were not started (no room for "
               "their results)",
               (unsigned long long)(all - MAX_CPUS), MAX_CPUS);
    char out[64] = "";
    if (left_out)
        text_format(out, sizeof out, "; %u left out at another paging depth", left_out);
    return report_check(
        tally, "every-cpu", passed == tried,
        "%u of %u application processors ran on the new tables and passed (%u CPUs%s)", passed,
        tried, (unsigned)all, out);
}
