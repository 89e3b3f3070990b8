/* Our hierarchy as the CPU running the code sees it, and the reads that exercise it: used
 * by the checks on the BSP (verify.c) and on every AP (cpus.c). */
#ifndef EFI_LIVE_H
#define EFI_LIVE_H

#include "takeover.h"

/* Reached through the recursive slot, TLB flushed on change. Valid only while that CPU's
 * CR3 holds our root. */
struct live {
    struct pt_recursive_access acc;
    struct pt_env env;
    struct pt_space sp;
};
/* PT_OK, or the reason the live root could not be adopted through its slot. */
enum pt_error takeover_live_open(const struct our_tables *ours, struct live *l);

struct touch_tally {
    uint64_t leaves, pages, unmapped, sum;
};
/* Reads the first and the last word of every leaf of sp that maps a RAM range of the plan,
 * at va = pa + offset: each leaf the CPU must resolve is exercised once, whatever its size.
 * Runs on any CPU: it calls no firmware service. */
void takeover_touch_leaves(const struct plan *plan, const struct pt_space *sp, uint64_t offset,
                           struct touch_tally *tt);

#endif
