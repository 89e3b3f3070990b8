/* State shared by the phases of the takeover: read, plan, build, switch, verify, restore. */
#ifndef EFI_TAKEOVER_H
#define EFI_TAKEOVER_H

#include <efi.h>

#include "cpu.h"
#include "cpuinfo.h"
#include "fbcon.h"
#include "frames.h"
#include "memmap.h"
#include "options.h"
#include "pt.h"
#include "plan.h"
#include "wx.h"

#define TAKEOVER_ALIAS_BASE 0xffff800000000000ull /* PML4 256: all RAM at this offset */
#define TAKEOVER_WINDOW     0xfffffe8000000000ull /* PML4 509: the fault-test window */
/* Five levels: both in 57-bit space no four-level hierarchy can map. The alias starts the
 * upper half (PML5 256) and ends before the slot's PML5 entry; the window sits in the
 * lower half above 2^55 (PML5 255, PML4 509), one PML4 entry's span like the four-level one. */
#define TAKEOVER_ALIAS_BASE5  0xff00000000000000ull
#define TAKEOVER_ALIAS_LIMIT5 0xfffe000000000000ull
#define TAKEOVER_WINDOW5      0x00fffe8000000000ull

/* Pages of the test window, each 4 KiB: see build.c for what each one maps. */
enum window_page {
    WIN_GUARD = 0,
    WIN_READ_ONLY = 1,
    WIN_NO_EXEC = 2,
    WIN_EXEC = 3,
    WIN_GUARD_END = 4,
    WIN_LIVE = 5,
};

/* Frames the app owns for its checks. */
enum own_page {
    OWN_DATA = 0,
    OWN_CODE = 1,
    OWN_SCRATCH = 2,
    OWN_LIVE = 3,
    OWN_STACK = 4, /* OWN_STACK_PAGES pages: a stack used through the alias */
    OWN_PAGES = 8
};
#define OWN_STACK_PAGES 4

/* A full takeover's own plan, made before ours (full.c): the framebuffer to map
 * write-combining, the PAT that makes it so, the runtime services the firmware keeps. */
struct full_plan {
    struct framebuffer fb; /* base 0: none */
    uint64_t pat;
    uint32_t rt_supported; /* from EFI_RT_PROPERTIES_TABLE, if any */
};

enum phase {
    PHASE_READ,
    PHASE_IMPORT,
    PHASE_PLAN,
    PHASE_BUILD,
    PHASE_CHECK,
    PHASE_SWITCH,
    PHASE_VERIFY,
    PHASE_RESTORE,
    PHASE_COUNT
};

/* What the firmware had: the CPU as found (read once, never written), its memory map, and
 * its hierarchy read in place (never written) with the runs it maps. */
struct firmware_state {
    struct cpu_state cpu;
    struct memmap mm;
    struct pt_env env;
    struct pt_space sp;
    struct pt_run *runs;
    size_t run_count, run_cap;
    struct pt_stats stats;
};

/* What our tables are to be besides the firmware's runs: the paging they are built for
 * (the CPU's, with write-combining in one PAT entry for a full takeover), where the alias
 * and the test window go (TAKEOVER_*, or TAKEOVER_*5 at five levels), the W^X limits the
 * firmware and the image describe, and a full takeover's framebuffer limit and plan. */
struct takeover_target {
    struct pt_cpu pt;
    uint64_t alias_base, alias_limit, window;
    struct wx_sources wx;
    struct plan_limit fb_limit;
    bool have_fb_limit;
    struct full_plan full_plan;
};

/* Our hierarchy, the frames it lives in, and the app's own OWN_PAGES pages. */
struct our_tables {
    struct frame_pool pool;
    struct pt_env env;
    struct pt_space sp;
    uint64_t own;
    struct pt_stats stats;
};

/* Where the run stands once our tables are live. */
struct switch_state {
    struct cpu_paging was; /* the firmware's CR3, CR0 and EFER while ours is live */
    bool full;             /* left boot services on our tables for good */
    bool inspecting;       /* halts with our tables live for QEMU's monitor */
    bool ap_stranded;      /* an AP did not finish its checks: our tables are never freed */
    const char *no_aps;    /* why no AP may be started (a test persona says), or NULL */
};

struct phase_times {
    uint64_t tsc_hz;
    uint64_t phase_tsc[PHASE_COUNT + 1]; /* the last one marks the end */
    uint64_t entry_tsc;                  /* efi_main's start */
};

/* All of it, owned by the driver of a run (app.c, ia32/long_main.c): each phase is handed
 * only the parts above that it reads or writes. */
struct takeover {
    EFI_HANDLE image;
    struct options opts;
    struct firmware_state fw;
    struct takeover_target target;
    struct plan plan;
    struct our_tables ours;
    struct pt_seen seen; /* the walkers' record of tables seen: import, then the checker */
    struct switch_state sw;
    struct phase_times time;
};

/* What the checks on our live tables read and never write: the firmware's hierarchy to
 * compare with, what ours was to be, the plan it was built from, and our tables. */
struct takeover_view {
    const struct firmware_state *fw;
    const struct takeover_target *target;
    const struct plan *plan;
    const struct our_tables *ours;
};

/* After the CPU is read: our tables' paging starts as the CPU's, and the alias and the
 * window go where the depth the firmware runs puts them. */
static inline void takeover_layout(struct takeover_target *target, const struct cpu_state *cpu)
{
    target->pt = cpu->pt;
    bool five = target->pt.levels == PT_LEVEL_PML5;
    target->alias_base = five ? TAKEOVER_ALIAS_BASE5 : TAKEOVER_ALIAS_BASE;
    target->alias_limit = five ? TAKEOVER_ALIAS_LIMIT5 : TAKEOVER_WINDOW;
    target->window = five ? TAKEOVER_WINDOW5 : TAKEOVER_WINDOW;
}
/* True when va lies in the test window's span. */
static inline bool takeover_in_window(const struct takeover_target *target, uint64_t va)
{
    return va - target->window < PT_SLOT_SPAN;
}

#endif
