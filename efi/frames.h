/* The frames new tables live in: reserved from boot services in one go, then handed to the
 * paging library one at a time (zeroed), so building never calls the firmware. */
#ifndef EFI_FRAMES_H
#define EFI_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

struct frame_pool {
    uint64_t base;   /* physical = virtual under the firmware's identity map */
    uint64_t count;  /* frames reserved */
    uint64_t next;   /* frames never handed out start here */
    uint64_t *freed; /* frames given back, reused first */
    uint64_t freed_count;
    uint64_t in_use;
};

/* Library hooks (struct pt_env alloc_frame/free_frame) with the pool as context. */
bool frame_pool_alloc(void *pool, uint64_t *pa);
void frame_pool_free(void *pool, uint64_t pa);

#endif
