/* Firmware personas: see persona.h. */
#include <efi.h>
#include <efilib.h>

#include "cpu.h"
#include "la57.h"
#include "start.h"
#include "persona.h"
#include "report.h"
#include "text.h"

#define GIB       (1ull << 30)
#define MIB2      (2ull << 20)
#define LOW_4G    (4ull << 30)
#define RUN_CAP   16384u
#define SEEN_CAP  32768u
#define FRAME_CAP 8192u
#define CR4_PCIDE (1ull << 17)

enum persona_kind {
    SSE_OFF,
    WP_OFF,
    NXE_OFF,
    PGE_ON,
    SMEP_SMAP,
    LEAVES_1G,
    LEAVES_4K_LOW,
    TABLES_HIGH,
    NULL_UNMAPPED,
    TABLES_WRITABLE,
    IDENTITY_4G,
    LA57,
    PERSONA_COUNT
};

static const struct {
    const char *name, *stands_for;
} personas[PERSONA_COUNT] = {
    [SSE_OFF] = {"sse-off", "U-Boot: CR4.OSFXSR, OSXMMEXCPT and CR0.MP clear at entry"},
    [WP_OFF] = {"wp-off", "U-Boot: CR0.WP clear, supervisor writes ignore read-only pages"},
    [NXE_OFF] = {"nxe-off", "U-Boot: EFER.NXE clear, no NX bit in any table"},
    [PGE_ON] = {"pge-on", "firmware that enables global pages (CR4.PGE)"},
    [SMEP_SMAP] = {"smep-smap", "firmware that turns CR4.SMEP and SMAP on"},
    [LEAVES_1G] = {"leaves-1g", "firmware that maps everything with 1 GiB leaves"},
    [LEAVES_4K_LOW] = {"leaves-4k-low", "firmware that maps the first 4 GiB with 4 KiB leaves"},
    [TABLES_HIGH] = {"tables-high", "firmware whose page tables live above 4 GiB"},
    [NULL_UNMAPPED] = {"null-unmapped", "firmware that leaves the NULL page unmapped"},
    [TABLES_WRITABLE] = {"tables-writable",
                         "firmware whose tables (and everything else) are writable"},
    [IDENTITY_4G] = {"identity-4g", "U-Boot: [0, 4 GiB) in 2 MiB leaves with global bits, "
                                    "plus what the memory map names"},
    [LA57] = {"la57", "firmware that runs five-level paging (CR4.LA57): the firmware's map "
                      "copied into a PML5 hierarchy below 4 GiB, entered through "
                      "compatibility mode"},
};

#ifdef PAGETK_PERSONA_ONLY
static bool same_name(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}
#endif

#ifdef PAGETK_PERSONA_ONLY
/* EFI_MP_SERVICES_PROTOCOL's first function (PI specification, volume 2). */
struct mp_count {
    EFI_STATUS(EFIAPI *get_count)(struct mp_count *, UINTN *all, UINTN *enabled);
};

/* CPUs the firmware knows; 1 without MP services. */
static UINTN cpu_count(void)
{
    static EFI_GUID mp_guid = {
        0x3fdda605, 0xa76e, 0x4f46, {0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08}};
    struct mp_count *mp;
    UINTN all = 1, enabled = 1;
    if (EFI_ERROR(uefi_call_wrapper(BS->LocateProtocol, 3, &mp_guid, NULL, (void **)&mp)) ||
        EFI_ERROR(uefi_call_wrapper(mp->get_count, 3, mp, &all, &enabled)))
        return 1;
    return all;
}
#endif

/* ---- frames for a persona's tables: one page at a time from boot services --------------- */

struct frames {
    uint64_t *list; /* every frame handed out, to give back */
    size_t count;
    uint64_t next, end; /* tables-high: the next address to try, and the range's end */
    bool below_4g;      /* la57: CR3 is loaded from 32-bit mode */
    bool failed;
};

static bool frame_alloc(void *ctx, uint64_t *pa)
{
    struct frames *f = ctx;
    if (f->count == FRAME_CAP)
        return f->failed = true, false;
    EFI_PHYSICAL_ADDRESS a = 0;
    EFI_STATUS st = EFI_NOT_FOUND;
    if (f->end) {
        for (; f->next < f->end && EFI_ERROR(st); f->next += 4096) {
            a = f->next;
            st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAddress, EfiLoaderData, 1, &a);
        }
    } else if (f->below_4g) {
        a = LOW_4G - 4096;
        st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData, 1, &a);
    } else
        st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, 1, &a);
    if (EFI_ERROR(st))
        return f->failed = true, false;
    uint64_t *p = (uint64_t *)(uintptr_t)a;
    for (unsigned i = 0; i < 512; i++)
        p[i] = 0;
    f->list[f->count++] = a;
    *pa = a;
    return true;
}

static void frame_free(void *ctx, uint64_t pa)
{
    struct frames *f = ctx;
    for (size_t i = 0; i < f->count; i++)
        if (f->list[i] == pa) {
            f->list[i] = f->list[--f->count];
            uefi_call_wrapper(BS->FreePages, 2, pa, 1);
            return;
        }
}

static void frames_release(struct frames *f)
{
    for (size_t i = 0; i < f->count; i++)
        uefi_call_wrapper(BS->FreePages, 2, f->list[i], 1);
    f->count = 0;
}

/* ---- the persona's hierarchy ------------------------------------------------------------ */

struct hierarchy {
    struct frames frames;
    struct pt_env env;
    struct pt_space sp;
    uint64_t leaves[PT_SIZE_COUNT];
    enum pt_error err;
};

static void map(struct hierarchy *h, uint64_t va, uint64_t len, pt_attr attr)
{
    struct pt_map_stats st = {{0}, 0};
    if (h->err == PT_OK && len)
        h->err = pt_map_region(&h->sp, va, va, len, attr, PT_MAP_REPLACE, &st);
    for (int s = 0; h->err == PT_OK && s < PT_SIZE_COUNT; s++)
        h->leaves[s] += st.leaves[s];
}

/* Identity [va, va+len) with leaves no larger than max: the library tiles greedily, so
 * each piece that could hold a larger leaf starts one smaller page in. */
static void map_capped(struct hierarchy *h, uint64_t va, uint64_t len, pt_attr attr, uint64_t max)
{
    uint64_t end = va + len, step = max == 4096 ? MIB2 : GIB;
    while (va < end && h->err == PT_OK) {
        uint64_t chunk_end = (va & ~(step - 1)) + step;
        if (chunk_end > end)
            chunk_end = end;
        if (!(va & (step - 1)) && chunk_end - va == step) {
            map(h, va, max, attr);
            map(h, va + max, step - max, attr);
        } else
            map(h, va, chunk_end - va, attr);
        va = chunk_end;
    }
}

struct runs {
    struct pt_run *run;
    size_t count;
};

static bool collect(void *ctx, const struct pt_run *run)
{
    struct runs *r = ctx;
    if (r->count == RUN_CAP)
        return false;
    r->run[r->count++] = *run;
    return true;
}

/* The real firmware's runs, read from its live tables. */
static bool firmware_runs(const struct cpu_state *c, struct runs *r)
{
    struct pt_env env = {.cpu = c->fw_pt};
    pt_access_identity(&env);
    struct pt_space fw;
    if (pt_open(&fw, &env, pt_cr3_root(c->cr3)) != PT_OK)
        return false;
    struct pt_seen seen = {.capacity = SEEN_CAP};
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData,
                                    SEEN_CAP * sizeof *seen.slots, (void **)&seen.slots)))
        return false;
    for (size_t i = 0; i < SEEN_CAP; i++)
        seen.slots[i] = 0;
    struct pt_fault fault;
    r->count = 0;
    enum pt_error err = pt_import(&fw, &seen, collect, r, &fault);
    uefi_call_wrapper(BS->FreePool, 1, seen.slots);
    return err == PT_OK;
}

/* The highest conventional range above 4 GiB, for tables-high. */
static bool high_range(uint64_t *start, uint64_t *end)
{
    struct memmap mm;
    if (EFI_ERROR(memmap_read(&mm, 0)))
        return false;
    *start = *end = 0;
    for (UINTN off = 0; off + mm.desc_size <= mm.size; off += mm.desc_size) {
        const EFI_MEMORY_DESCRIPTOR *d =
            (const EFI_MEMORY_DESCRIPTOR *)((uint8_t *)mm.buffer + off);
        uint64_t s = d->PhysicalStart, e = s + d->NumberOfPages * 4096;
        if (d->Type == EfiConventionalMemory && s >= LOW_4G && e - s >= 4 * MIB2 && s > *start)
            *start = s, *end = e;
    }
    memmap_free(&mm);
    return *end != 0;
}

/* Maps every memory-map range above 4 GiB (identity-4g). */
static void map_memory_map_above_4g(struct hierarchy *h)
{
    struct memmap mm;
    if (EFI_ERROR(memmap_read(&mm, 0))) {
        h->err = PT_ERR_NO_FRAMES;
        return;
    }
    for (UINTN off = 0; off + mm.desc_size <= mm.size; off += mm.desc_size) {
        const EFI_MEMORY_DESCRIPTOR *d =
            (const EFI_MEMORY_DESCRIPTOR *)((uint8_t *)mm.buffer + off);
        uint64_t s = d->PhysicalStart, e = s + d->NumberOfPages * 4096;
        if (e > LOW_4G)
            map(h, s < LOW_4G ? LOW_4G : s, e - (s < LOW_4G ? LOW_4G : s),
                PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB));
    }
    memmap_free(&mm);
}

/* Builds the persona's hierarchy from the firmware's runs; false with a reason. */
static bool build_hierarchy(enum persona_kind k, const struct cpu_state *c, struct hierarchy *h,
                            const char **why)
{
    static struct runs r;
    if (!r.run && EFI_ERROR(uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData,
                                              RUN_CAP * sizeof *r.run, (void **)&r.run))) {
        *why = "no pool memory for the firmware's runs";
        return false;
    }
    if (!firmware_runs(c, &r)) {
        *why = "the firmware's tables could not be read";
        return false;
    }
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData,
                                    FRAME_CAP * sizeof *h->frames.list,
                                    (void **)&h->frames.list))) {
        *why = "no pool memory for the frame list";
        return false;
    }
    if (k == TABLES_HIGH && !high_range(&h->frames.next, &h->frames.end)) {
        *why = "no conventional memory above 4 GiB (boot with more RAM)";
        return false;
    }
    h->env = (struct pt_env){.alloc_frame = frame_alloc,
                             .free_frame = frame_free,
                             .frame_ctx = &h->frames,
                             .cpu = c->pt};
    h->env.cpu.nx = k == NXE_OFF ? false : c->fw_pt.nx;
    h->env.cpu.levels = k == LA57 ? PT_LEVEL_PML5 : PT_LEVEL_PML4;
    h->frames.below_4g = k == LA57;
    pt_access_identity(&h->env);
    h->err = pt_create(&h->sp, &h->env);
    pt_attr wb = PT_ATTR_MT(PT_MT_WB);
    if (k == LEAVES_1G) {
        /* The runs rounded out to whole GiB, merged, mapped writable and executable. */
        uint64_t start = 0, end = 0;
        for (size_t i = 0; i <= r.count; i++) {
            uint64_t s = i < r.count ? r.run[i].va & ~(GIB - 1) : ~0ull;
            uint64_t e = i < r.count ? (r.run[i].va + r.run[i].len + GIB - 1) & ~(GIB - 1) : 0;
            if (i < r.count && (int64_t)r.run[i].va < 0)
                continue; /* the higher half: not the firmware's identity map */
            if (end && s <= end) {
                end = e > end ? e : end;
                continue;
            }
            if (end)
                map(h, start, end - start, PT_ATTR_WRITE | wb);
            start = s, end = e;
        }
    } else if (k == IDENTITY_4G) {
        map_capped(h, 0, LOW_4G, PT_ATTR_WRITE | PT_ATTR_GLOBAL | wb, MIB2);
        map_memory_map_above_4g(h);
    } else {
        for (size_t i = 0; i < r.count; i++) {
            const struct pt_run *run = &r.run[i];
            pt_attr attr = run->attr & ~PT_ATTR_GLOBAL;
            if (run->va != run->pa)
                continue; /* the firmware maps physical memory 1:1; nothing else is copied */
            if (k == NXE_OFF)
                attr &= ~PT_ATTR_NX;
            if (k == TABLES_WRITABLE)
                attr |= PT_ATTR_WRITE;
            uint64_t va = run->va, len = run->len;
            if (k == NULL_UNMAPPED && va < 4096) {
                len -= 4096 - va < len ? 4096 - va : len;
                va = 4096;
            }
            if (k == LEAVES_4K_LOW && va < LOW_4G) {
                uint64_t low = va + len < LOW_4G ? len : LOW_4G - va;
                map_capped(h, va, low, attr, 4096);
                va += low, len -= low;
            }
            map(h, va, len, attr);
        }
    }
    if (h->err != PT_OK || h->frames.failed) {
        *why = h->frames.failed ? "boot services ran out of frames for the persona's tables"
                                : pt_error_name(h->err);
        frames_release(&h->frames);
        return false;
    }
    report("persona %s: %llu tables at 0x%llx%s; leaves 1G %llu 2M %llu 4K %llu", personas[k].name,
           (unsigned long long)h->frames.count, (unsigned long long)h->sp.root,
           k == TABLES_HIGH ? " (above 4 GiB)" : "", (unsigned long long)h->leaves[PT_SIZE_1G],
           (unsigned long long)h->leaves[PT_SIZE_2M], (unsigned long long)h->leaves[PT_SIZE_4K]);
    return true;
}

/* ---- applying and undoing --------------------------------------------------------------- */

struct real_state {
    uint64_t cr0, cr3, cr4, efer;
};

static void read_real(struct real_state *s)
{
    *s = (struct real_state){cpu_read_cr0(), cpu_read_cr3(), cpu_read_cr4(), cpu_rdmsr(MSR_EFER)};
}

/* What makes a persona impossible here, or NULL. */
static const char *cannot(enum persona_kind k, const struct cpu_state *c)
{
    if (k == SSE_OFF && !entry_state.sse_enabled)
        return "SSE was on at entry: this build clears it before the entry step, so the "
               "entry step did not run";
    if (k == LEAVES_1G && !c->page_1g)
        return "no 1 GiB pages on this CPU";
    if (k == SMEP_SMAP && !(c->smep && c->smap))
        return c->smep ? "no SMAP on this CPU" : "no SMEP on this CPU";
    if (k == NXE_OFF && !c->nx_supported)
        return "no NX on this CPU: EFER.NXE is clear already";
    if (k == LA57 && !c->la57_supported)
        return "no LA57 on this CPU: skipped";
    if (k == LA57 && (c->cr4 & CR4_LA57))
        return "the firmware runs five-level paging already";
    if (k == LA57 && c->cr3 >= LOW_4G)
        return "the firmware's CR3 lies above 4 GiB: 32-bit mode cannot load it back";
    if (k == LA57 && (c->cr4 & CR4_PCIDE))
        return "CR4.PCIDE is set: paging cannot be turned off";
    return NULL;
}

static bool apply(enum persona_kind k, const struct cpu_state *c, struct hierarchy *h,
                  const char **why)
{
    bool hierarchy = k == NXE_OFF || k >= LEAVES_1G;
    /* The trampoline page first: the copy of the firmware's map then holds it as it is. */
    if (k == LA57 && !la57_prepare(why))
        return false;
    if (hierarchy && !build_hierarchy(k, c, h, why)) {
        la57_release();
        return false;
    }
    bool irq = cpu_irq_save();
    if (k == LA57)
        la57_switch(h->sp.root, cpu_read_cr4() | CR4_LA57);
    else if (hierarchy)
        cpu_switch_cr3(h->sp.root);
    switch (k) {
    case WP_OFF:
        cpu_write_cr0(cpu_read_cr0() & ~CR0_WP);
        break;
    case NXE_OFF: /* on tables without an NX bit, so clearing it reserves nothing in use */
        cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) & ~EFER_NXE);
        break;
    case PGE_ON:
        cpu_write_cr4(cpu_read_cr4() | CR4_PGE);
        break;
    case SMEP_SMAP:
        cpu_write_cr4(cpu_read_cr4() | CR4_SMEP | CR4_SMAP);
        break;
    default:
        break;
    }
    cpu_irq_restore(irq);
    return true;
}

/* The real firmware's state back: EFER and CR4 first (our tables never depend on them
 * being off), then CR3 (dropping global translations), then CR0. */
static void undo(const struct real_state *s)
{
    bool irq = cpu_irq_save();
    cpu_wrmsr(MSR_EFER, s->efer);
    cpu_write_cr4(s->cr4);
    cpu_switch_cr3(s->cr3);
    cpu_write_cr0(s->cr0);
    cpu_irq_restore(irq);
}

bool persona_run_all(struct takeover *t, struct report_tally *tally,
                     bool (*run)(struct takeover *t, struct report_tally *tally, bool dump))
{
    const struct takeover base = {
        .image = t->image,
        .opts = t->opts,
        .time = {.tsc_hz = t->time.tsc_hz, .entry_tsc = t->time.entry_tsc}};
#ifdef PAGETK_PERSONA_ONLY
    /* One persona: it may stay on the takeover's tables, halted for QEMU's monitor or in a
     * full takeover, on one CPU only: under la57, ExitBootServices has OVMF restart the APs
     * with the BSP's CR4 (LA57 set) but its own four-level CR3, and they triple-fault (seen
     * under QEMU), which resets the machine. */
    bool inspect_ok = true, takeover_ok = cpu_count() == 1;
#else
    bool inspect_ok = false, takeover_ok = false;
#endif
    if ((base.opts.takeover && !takeover_ok) || (base.opts.inspect && !inspect_ok)) {
        report_check(tally, "personas", false,
                     "this test build runs a full takeover only with one persona on one CPU, "
                     "and inspect only with one persona");
        return false;
    }
    unsigned passed = 0, failed = 0, skipped = 0, chosen = 0;
    for (int k = 0; k < PERSONA_COUNT; k++) {
#ifdef PAGETK_PERSONA_ONLY
        /* Test-only: the one persona named (-DPAGETK_PERSONA_ONLY=\"la57\"), a short boot. */
        if (!same_name(personas[k].name, PAGETK_PERSONA_ONLY))
            continue;
#endif
        chosen++;
        struct cpu_state c;
        cpu_state_read(&c);
        const char *why = cannot(k, &c);
        struct hierarchy h = {0};
        struct real_state real;
        read_real(&real);
        if (!why && !apply(k, &c, &h, &why))
            why = why ? why : "could not be produced";
        if (why) {
            if (h.frames.list)
                uefi_call_wrapper(BS->FreePool, 1, h.frames.list);
            report("persona %-16s SKIP  %s: %s", personas[k].name, personas[k].stands_for, why);
            skipped++;
            continue;
        }
        report("persona %s: %s: takeover starts", personas[k].name, personas[k].stands_for);
        struct report_tally run_tally = {0};
        *t = base;
        if (k == LA57)
            /* Seen under OVMF and QEMU: an AP that MP services start while the BSP runs
             * the five levels this test entered triple-faults and resets the machine. */
            t->sw.no_aps = "an AP that the firmware's MP services start while this test holds the "
                           "BSP at five levels triple-faults (seen under OVMF), so none is started";
        bool ran = run(t, &run_tally, base.opts.inspect);
        report_tally_add(tally, &run_tally);
        if (t->sw.inspecting || t->sw.full) {
            /* The app stays on the takeover's tables: the persona's state stays as it is. */
            report("persona %s: left in place for %s", personas[k].name,
                   t->sw.full ? "the full takeover" : "inspect");
            return ran;
        }
        if (k == LA57) {
            /* Four levels again the way they were left: CR4.LA57 cannot clear in long mode. */
            bool irq = cpu_irq_save();
            la57_switch(real.cr3, real.cr4);
            cpu_irq_restore(irq);
            la57_release();
        }
        undo(&real);
        if (h.frames.list) {
            frames_release(&h.frames);
            uefi_call_wrapper(BS->FreePool, 1, h.frames.list);
        }
        struct real_state now;
        read_real(&now);
        bool back = now.cr0 == real.cr0 && now.cr3 == real.cr3 && now.cr4 == real.cr4 &&
                    now.efer == real.efer;
        char name[40];
        text_format(name, sizeof name, "persona-%s", personas[k].name);
        /* The counts only describe the run; its verdict is what run returned. */
        bool ok = report_check(
            tally, name, ran && run_tally.checks > 0 && back,
            "%u checks, %u failed; the real firmware's CR0 0x%llx CR3 0x%llx CR4 0x%llx "
            "EFER 0x%llx %s",
            run_tally.checks, run_tally.failed, (unsigned long long)now.cr0,
            (unsigned long long)now.cr3, (unsigned long long)now.cr4, (unsigned long long)now.efer,
            back ? "back" : "NOT back");
        if (ok)
            passed++;
        else
            failed++;
    }
    report("personas: %u passed, %u failed, %u skipped (of %u)", passed, failed, skipped, chosen);
    return failed == 0;
}
