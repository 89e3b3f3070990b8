/* Full takeover: after the checks pass with boot services, leave them for good and stay
 * on our tables, reporting on COM1 and the GOP framebuffer (mapped write-combining through
 * the PAT), then exit QEMU or reset the machine through the runtime services. */
#ifndef EFI_FULL_H
#define EFI_FULL_H

#include "report.h"
#include "takeover.h"

/* Before the plan: finds the framebuffer and adds its write-combining limit to target, and
 * picks the PAT entry that will hold WC (target->pt is built for it; cpu, the CPU as found,
 * is not written). */
void full_prepare(struct takeover_target *target, const struct cpu_state *cpu);
/* After a passing verification on our tables: leaves boot services from image, switches the
 * PAT and runs the checks again (every RAM page read with touch_all), each counted in
 * *tally; sw->was is the firmware's paging across the exit. False when boot services could
 * not be left (they still work); *passed says whether every check on the way passed. */
bool full_takeover(const struct takeover_view *v, EFI_HANDLE image, bool touch_all,
                   struct switch_state *sw, struct report_tally *tally, bool *passed);
/* After a failed check once boot services are gone: the firmware's tables are intact (no
 * one reused their memory), so CR3 (sw->was) and the PAT (cpu's, as found) go back. */
void full_fall_back(const struct cpu_state *cpu, const struct switch_state *sw);
/* The end once boot services are gone: QEMU's exit port under a hypervisor (unless the
 * options ask for a reset), else ResetSystem, at once or after a delay timed by tsc_hz. */
__attribute__((noreturn)) void full_end(const struct options *opts, const struct cpu_state *cpu,
                                        uint64_t tsc_hz, bool pass);

#endif
