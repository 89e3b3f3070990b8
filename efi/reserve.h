/* What the x64 app's phases (build.h) take from boot services: pool memory for their
 * arrays, the app's own test pages and the frames for its tables; and giving it back. */
#ifndef EFI_RESERVE_H
#define EFI_RESERVE_H

#include "build.h"

/* Scratch memory from boot services' pool (EfiLoaderData). */
extern const struct scratch boot_pool;
/* After the plan: OWN_PAGES pages into t->ours.own and the frames the build needs into
 * t->ours.pool. */
bool reserve_pages(struct takeover *t);
/* Gives back all of the above and the memory map, unless an AP may still use them. */
void takeover_release(struct takeover *t);

#endif
