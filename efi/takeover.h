/* State shared by the phases of the takeover: read, plan, build, switch, verify, restore. */
#ifndef EFI_TAKEOVER_H
#define EFI_TAKEOVER_H

#include <efi.h>

#include "cpu.h"
#include "cpuinfo.h"
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

struct takeover {
    EFI_HANDLE image;
    struct options opts;
    struct cpu_state cpu;
    /* Where the alias and the test window go: TAKEOVER_*, or TAKEOVER_*5 at five levels. */
    uint64_t alias_base, alias_limit, window;
    struct memmap mm;
    /* The firmware's hierarchy, read in place (never written). */
    struct pt_env fw_env;
    struct pt_space fw;
    struct pt_run *runs;
    size_t run_count, run_cap;
    struct pt_seen seen;
    /* The plan, with the W^X limits the firmware and the image describe. */
    struct wx_sources wx;
    struct plan_limit fb_limit; /* full takeover: the framebuffer becomes write-combining */
    bool have_fb_limit;
    struct plan_input plan_in;
    struct plan plan;
    /* Ours. */
    struct frame_pool pool;
    uint64_t pool_pages; /* pages reserved from boot services for the pool */
    struct pt_env env;
    struct pt_space sp;
    uint64_t own; /* OWN_PAGES pages of the app's own */
    struct pt_stats fw_stats, our_stats;
    bool switched;
    bool full;             /* left boot services on our tables for good */
    bool inspecting;       /* halts with our tables live for QEMU's monitor */
    struct cpu_paging was; /* the firmware's CR3, CR0 and EFER while ours is live */
    bool ap_stranded;      /* an AP did not finish its checks: our tables are never freed */
    const char *no_aps;    /* why no AP may be started (a test persona says), or NULL */
    /* Timing. */
    uint64_t tsc_hz;
    uint64_t phase_tsc[PHASE_COUNT + 1]; /* the last one marks the end */
    uint64_t entry_tsc;                  /* efi_main's start */
};

/* verify.c: runs every check on the live tables; false when any failed. */
bool takeover_verify(struct takeover *t);
/* The checks that need no firmware service, for after ExitBootServices (t is the
 * struct takeover: the signature suits guarded_call). */
void takeover_verify_after_exit(void *t);
/* Runs checks(t) with the fault guard: a fault no check expected ends them early and is
 * reported as a failed check. */
void takeover_run_guarded(void (*checks)(void *), struct takeover *t);
/* Our hierarchy as the CPU running the code sees it: reached through the recursive slot,
 * TLB flushed on change. Valid only while that CPU's CR3 holds our root. */
struct live {
    struct pt_recursive_access acc;
    struct pt_env env;
    struct pt_space sp;
};
void takeover_live_open(struct takeover *t, struct live *l);

/* Places the alias and the window for the depth the firmware runs (t->cpu.pt.levels). */
static inline void takeover_layout(struct takeover *t)
{
    bool five = t->cpu.pt.levels == PT_LEVEL_PML5;
    t->alias_base = five ? TAKEOVER_ALIAS_BASE5 : TAKEOVER_ALIAS_BASE;
    t->alias_limit = five ? TAKEOVER_ALIAS_LIMIT5 : TAKEOVER_WINDOW;
    t->window = five ? TAKEOVER_WINDOW5 : TAKEOVER_WINDOW;
}
/* True when va lies in the test window's span. */
static inline bool takeover_in_window(const struct takeover *t, uint64_t va)
{
    return va - t->window < PT_SLOT_SPAN;
}

struct touch_tally {
    uint64_t leaves, pages, unmapped, sum;
};
/* Reads the first and the last word of every leaf that maps a RAM range, at va = pa +
 * offset: each leaf the CPU must resolve is exercised once, whatever its size. Runs on
 * any CPU: it calls no firmware service. */
void takeover_touch_leaves(struct takeover *t, uint64_t offset, struct touch_tally *tt);
/* cpus.c: every application processor loads the new CR3, checks it, and restores its own. */
void check_every_cpu(struct takeover *t);
/* check_wx.c: the W^X limits on the live tables. */
void check_wx(struct takeover *t, const struct pt_space *live);

#endif
