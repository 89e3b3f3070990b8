/* What the x64 app's phases (build.h) take from boot services: pool memory for their
 * arrays, the app's own test pages and the frames for its tables; and giving it back. */
#ifndef EFI_RESERVE_H
#define EFI_RESERVE_H

#include "build.h"

/* Scratch memory from boot services' pool (EfiLoaderData). */
extern const struct scratch boot_pool;
/* After the plan: OWN_PAGES pages into ours->own and the frames the build needs into
 * ours->pool. */
bool reserve_pages(struct our_tables *ours, const struct plan *plan,
                   const struct takeover_target *target, struct report_tally *tally);
/* Gives back all of the above, the plan's and the import's arrays, and the memory map. */
void takeover_release(struct firmware_state *fw, struct plan *plan, struct our_tables *ours,
                      struct pt_seen *seen);

#endif
