/*
 * BOOTIA32.EFI: the takeover from 32-bit UEFI on a CPU with long mode. The 32-bit side
 * gathers what only the firmware gives (memory map, loaded image, memory attributes table,
 * console, the stick for the report file), renders the firmware's live address space
 * (paging off, 32-bit or PAE paging) as four-level tables (fw_map.c), loads the 64-bit
 * part (long_load.c), enters long mode and calls it (switch32.c), and after the return to
 * the firmware's mode exactly as found prints the part's lines and the verdict. On a CPU
 * without long mode it says so and returns.
 */
#include <efi.h>
#include <efilib.h>

#include "boot_map.h"
#include "cpu32.h"
#include "handoff.h"
#include "long_load.h"
#include "machine.h"
#include "memmap.h"
#include "qemu_exit.h"
#include "report.h"
#include "screen.h"
#include "settings.h"
#include "switch32.h"
#include "takeover.h"
#include "text.h"

#define POOL_FRAMES_BASE 64u /* root, slot, window, alias tables */
#define POOL_FRAMES_DESC 12u /* per descriptor: both edges, identity and alias, three levels */
#define ARENA_BYTES      (4u << 20)
#define LINES_BYTES      (512u << 10)
#define EFER_LME         (1u << 8)
#define EFER_NXE32       (1u << 11)

static const char *const paging_words[] = {"paging off", "32-bit paging", "PAE paging"};

static uint64_t calibrate_tsc(void)
{
    uint64_t start = cpu_rdtsc();
    uefi_call_wrapper(BS->Stall, 1, 20000);
    return (cpu_rdtsc() - start) * 50;
}

static const void *attributes_table(void)
{
    static const uint8_t guid[16] = {0x1d, 0x91, 0xfa, 0xdc, 0xeb, 0x26, 0x9f, 0x46,
                                     0xa2, 0x20, 0x38, 0xb7, 0xdc, 0x46, 0x12, 0x20};
    for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
        const uint8_t *g = (const uint8_t *)&ST->ConfigurationTable[i].VendorGuid;
        unsigned same = 0;
        while (same < 16 && g[same] == guid[same])
            same++;
        if (same == 16)
            return ST->ConfigurationTable[i].VendorTable;
    }
    return NULL;
}

static uint64_t take_pages(UINTN pages, EFI_MEMORY_TYPE type)
{
    EFI_PHYSICAL_ADDRESS at = 0xffffffffu;
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, type, pages, &at)))
        return 0;
    return at;
}

static void give_pages(uint64_t at, UINTN pages)
{
    if (at)
        uefi_call_wrapper(BS->FreePages, 2, (EFI_PHYSICAL_ADDRESS)at, pages);
}

/* One of the 64-bit part's lines through the report (see handoff.h for the kinds); a check
 * line is counted in the tally at ctx. */
static void replay_line(void *ctx, const char *line)
{
    if (line[0] == LINE_DETAIL)
        report_detail("%s", line + 1);
    else if (line[0] == LINE_PASS || line[0] == LINE_FAIL)
        report_check_line(ctx, line[0] == LINE_PASS, line + 1);
    else
        report("%s", line + 1);
}

/* EFLAGS' system bits (TF, IF, DF, IOPL, NT, AC): the arithmetic ones change with any code. */
#define EFLAGS_SYSTEM 0x47700u

static bool same_mode(const struct cpu32_mode *a, const struct cpu32_mode *b)
{
    return a->cr0 == b->cr0 && a->cr3 == b->cr3 && a->cr4 == b->cr4 &&
           (a->eflags & EFLAGS_SYSTEM) == (b->eflags & EFLAGS_SYSTEM) && a->efer == b->efer &&
           a->gdt.base == b->gdt.base && a->gdt.limit == b->gdt.limit &&
           a->idt.base == b->idt.base && a->idt.limit == b->idt.limit && a->cs == b->cs &&
           a->ds == b->ds && a->es == b->es && a->fs == b->fs && a->gs == b->gs && a->ss == b->ss;
}

/* EFI_LOADED_IMAGE.ImageSize as the firmware lays it out: UEFI aligns a UINT64 to 8 bytes,
 * -m32 only to 4, so gnu-efi's IA32 struct reads it 4 bytes early. */
static uint64_t loaded_image_size(const EFI_LOADED_IMAGE *li)
{
    uintptr_t at = ((uintptr_t)&li->ImageBase - (uintptr_t)li + sizeof li->ImageBase + 7) & ~7u;
    const uint32_t *half = (const uint32_t *)((const uint8_t *)li + at);
    return half[0] | ((uint64_t)half[1] << 32);
}

struct long_run {
    struct memmap mm;
    struct long_image img;
    struct boot_map bm;
    uint64_t pool, arena, own, lines;
    UINTN pool_pages;
};

static void release(struct long_run *r)
{
    give_pages(r->pool, r->pool_pages);
    give_pages(r->arena, ARENA_BYTES / 4096);
    give_pages(r->own, OWN_PAGES);
    give_pages(r->lines, LINES_BYTES / 4096);
    boot_map_free(&r->bm);
    long_unload(&r->img);
    memmap_free(&r->mm);
}

static bool prepare(EFI_HANDLE image, struct long_run *r, struct handoff *h,
                    struct report_tally *tally)
{
    if (EFI_ERROR(memmap_read(&r->mm, 8))) {
        report_check(tally, "memory-map", false, "GetMemoryMap failed");
        return false;
    }
    if (r->mm.desc_size < PLAN_DESC_MIN_SIZE) { /* the planner names it; here it would divide */
        report_check(tally, "memory-map", false, "descriptor size %u is below %u",
                     (unsigned)r->mm.desc_size, (unsigned)PLAN_DESC_MIN_SIZE);
        return false;
    }
    UINTN descs = r->mm.size / r->mm.desc_size;
    report("memory map: %u descriptors of %u bytes (version %u)", (unsigned)descs,
           (unsigned)r->mm.desc_size, (unsigned)r->mm.desc_version);
    size_t elf_size = (size_t)(long_elf_end - long_elf);
    enum long_load_status ls = long_load(long_elf, elf_size, &r->img);
    if (ls != LONG_LOAD_OK) {
        report_check(tally, "long-image", false, "%s loading the 64-bit part (%u bytes)",
                     long_load_status_name(ls), (unsigned)elf_size);
        return false;
    }
    report_check(tally, "long-image", true,
                 "64-bit part (%u KiB of x86-64 code and data) at 0x%llx: %u segments, %u "
                 "relocations, entry 0x%llx",
                 (unsigned)(elf_size >> 10), (unsigned long long)r->img.base, r->img.segment_count,
                 r->img.relocations, (unsigned long long)r->img.entry);
    uint32_t cr0 = cpu32_cr0(), cr3 = cpu32_cr3(), cr4 = cpu32_cr4();
    enum fw_map_status bs = boot_map_build(cr0, cr3, cr4, &r->bm);
    if (bs != FW_MAP_OK) {
        report_check(tally, "firmware-map", false,
                     "%s (%s) rendering the firmware's %s in four levels", fw_map_status_name(bs),
                     fw_map_status_message(bs), paging_words[fw_map_paging(cr0, cr4)]);
        if (fw_map_paging(cr0, cr4) == FW_PAGING_PAE) {
            const uint64_t *pdpte = (const uint64_t *)(uintptr_t)(cr3 & 0xffffffe0u);
            report("  PDPTEs at 0x%x: 0x%llx 0x%llx 0x%llx 0x%llx", cr3 & 0xffffffe0u,
                   (unsigned long long)pdpte[0], (unsigned long long)pdpte[1],
                   (unsigned long long)pdpte[2], (unsigned long long)pdpte[3]);
        }
        return false;
    }
    report_check(tally, "firmware-map", true,
                 "the firmware's %s as %u four-level tables of ours at 0x%llx",
                 paging_words[r->bm.paging], r->bm.tables, (unsigned long long)r->bm.root);
    r->pool_pages = POOL_FRAMES_BASE + POOL_FRAMES_DESC * (descs + 8);
    r->pool = take_pages(r->pool_pages, EfiLoaderData);
    r->arena = take_pages(ARENA_BYTES / 4096, EfiLoaderData);
    r->own = take_pages(OWN_PAGES, EfiLoaderData);
    r->lines = take_pages(LINES_BYTES / 4096, EfiLoaderData);
    if (!r->pool || !r->arena || !r->own || !r->lines) {
        report_check(tally, "memory", false,
                     "boot services refused pages below 4 GiB (%u for tables)",
                     (unsigned)r->pool_pages);
        return false;
    }
    EFI_LOADED_IMAGE *loaded = NULL;
    if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
                                    (void **)&loaded)))
        loaded = NULL;
    *h = (struct handoff){
        .magic = HANDOFF_MAGIC,
        .fw_cr0 = cr0,
        .fw_cr3 = cr3,
        .fw_cr4 = cr4,
        .fw_efer = cpu32_rdmsr(MSR_EFER32),
        .fw_paging = r->bm.paging,
        .boot_root = r->bm.root,
        .boot_tables = r->bm.tables,
        .map = (uintptr_t)r->mm.buffer,
        .map_size = r->mm.size,
        .desc_size = r->mm.desc_size,
        .pool_base = r->pool,
        .pool_pages = r->pool_pages,
        .arena_base = r->arena,
        .arena_size = ARENA_BYTES,
        .own_base = r->own,
        .image_base = loaded ? (uintptr_t)loaded->ImageBase : 0,
        .image_size = loaded ? loaded_image_size(loaded) : 0,
        .attributes_table = (uintptr_t)attributes_table(),
        .segment_count = r->img.segment_count,
        .lines = r->lines,
        .lines_size = LINES_BYTES,
    };
    for (unsigned i = 0; i < r->img.segment_count; i++)
        h->segments[i] = r->img.segments[i];
    return true;
}

/* Into long mode, the 64-bit part, and back; then its lines and the check that the
 * firmware's mode came back whole, each check counted in *tally. True when the part's
 * verdict and every check here passed. */
static bool run_long(EFI_HANDLE image, const struct options *o, uint64_t tsc_hz, bool nx,
                     struct report_tally *tally)
{
    static struct long_run r;
    static struct handoff h;
    static struct long_call c;
    r = (struct long_run){0};
    bool pass = prepare(image, &r, &h, tally);
    if (pass) {
        h.touch_all = o->touch_all;
        h.inspect = o->inspect;
        h.tsc_hz = tsc_hz;
        c = (struct long_call){
            .pml4 = (uint32_t)r.bm.root,
            .entry = (uint32_t)r.img.entry,
            .arg = (uint32_t)(uintptr_t)&h,
            .efer_set = EFER_LME | (nx ? EFER_NXE32 : 0),
            .gdt = {0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull, 0x00af9a000000ffffull},
            .gdt_limit = sizeof c.gdt - 1,
            .gdt_base = (uint32_t)(uintptr_t)c.gdt,
        };
        struct cpu32_mode before, after;
        cpu32_mode_read(&before, true);
        report("long mode: entering (EFER.LME%s, CR3 0x%llx); interrupts off until the return",
               nx ? " and NXE" : "", (unsigned long long)r.bm.root);
        bool long_pass = switch32_call(&c) == LONG_VERDICT_PASS;
        cpu32_mode_read(&after, true);
        struct report_tally part = {0};
        static char line[600];
        handoff_lines_each(&h, line, sizeof line, replay_line, &part);
        report_tally_add(tally, &part);
        report("long mode: left, %u of the 64-bit part's checks failed: its verdict %s",
               part.failed, long_pass ? "PASS" : "FAIL");
        pass = report_check(
                   tally, "firmware-mode", same_mode(&before, &after),
                   "CR0 0x%x CR3 0x%x CR4 0x%x EFER 0x%llx GDT 0x%x/%u IDT 0x%x/%u CS 0x%x DS "
                   "0x%x SS 0x%x IF=%u: %s",
                   after.cr0, after.cr3, after.cr4, (unsigned long long)after.efer, after.gdt.base,
                   after.gdt.limit, after.idt.base, after.idt.limit, after.cs, after.ds, after.ss,
                   (after.eflags & EFLAGS_IF32) != 0,
                   same_mode(&before, &after) ? "all as the firmware had them"
                                              : "NOT as the firmware had them") &&
               long_pass;
    }
    release(&r);
    return pass;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    uint64_t entry_tsc = cpu_rdtsc();
    InitializeLib(image, systab);
    uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
    report_init();
    report("pagetk: x86-64 page-table takeover, from 32-bit UEFI");
    static struct machine machine;
    machine_read(image, &machine);
    machine_report(&machine);
    report_set_product(machine_product(&machine));
    screen_begin(&machine);
    report("serial: %s", report_serial_route());
    uint64_t tsc_hz = calibrate_tsc();
    report_set_clock(tsc_hz);
    static struct options opts;
    /* The verdict: the options read (a bad one is a failed check) and the run's; the tally
     * only counts the checks for the verdict's line. */
    struct report_tally tally = {0};
    bool go = settings_read(image, &opts, &tally), pass = go;
    uint32_t ext = cpu32_ext_features(), cr0 = cpu32_cr0(), cr4 = cpu32_cr4();
    bool lm = (ext & CPUID_EXT_LM) != 0, nx = (ext & CPUID_EXT_NX) != 0;
    /* The x64 app's cpu line (the firmware's state at entry, as the fleet page reads it),
     * then what only 32-bit firmware needs said. */
    uint64_t efer = (ext & (CPUID_EXT_LM | CPUID_EXT_NX)) ? cpu32_rdmsr(MSR_EFER32) : 0;
    report("cpu: CR0 0x%x (WP=%u) CR3 0x%x CR4 0x%x (PGE=%u LA57=0) EFER 0x%llx (NXE=%u)%s", cr0,
           (cr0 >> 16) & 1, cpu32_cr3(), cr4, (cr4 >> 7) & 1, (unsigned long long)efer,
           (unsigned)((efer >> 11) & 1),
           (ext & (CPUID_EXT_LM | CPUID_EXT_NX)) ? "" : " (this CPU has no EFER)");
    report("cpu: 32-bit firmware, %s; long mode %s, NX %s, 1G pages %s",
           paging_words[fw_map_paging(cr0, cr4)], lm ? "yes" : "no", nx ? "yes" : "no",
           (ext & CPUID_EXT_1G) ? "yes" : "no");
    bool skipped = false;
    if (go && !lm) {
        report("this CPU has no 64-bit mode (CPUID 0x80000001 EDX bit 29 is clear): four-level "
               "tables cannot run on it, so nothing was built or switched");
        skipped = true;
    } else if (go) {
        if (opts.takeover)
            report("options: takeover is not offered from 32-bit firmware: the app checks, "
                   "switches back and returns");
        pass = run_long(image, &opts, tsc_hz, nx, &tally);
    }
    uint64_t ms = (cpu_rdtsc() - entry_tsc) * 1000 / (tsc_hz ? tsc_hz : 1);
    if (skipped && pass)
        report("RESULT: SKIP checks=%u skipped=takeover, no 64-bit mode (%llu ms in the app)",
               tally.checks, (unsigned long long)ms);
    else if (pass)
        report("RESULT: PASS checks=%u (%llu ms in the app)", tally.checks, (unsigned long long)ms);
    else
        report("RESULT: FAIL checks=%u failed=%u (%llu ms in the app)", tally.checks, tally.failed,
               (unsigned long long)ms);
    report_save(image);
    report_release();
    qemu_exit(pass);
    screen_note("Press any key to return to the firmware.", SC_TEXT);
    UINTN index;
    uefi_call_wrapper(BS->WaitForEvent, 3, 1, &ST->ConIn->WaitForKey, &index);
    return skipped ? EFI_UNSUPPORTED : pass ? EFI_SUCCESS : EFI_ABORTED;
}
