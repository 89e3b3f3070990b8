/* Frame pool: see frames.h. */
#include "frames.h"

#define FRAME_SIZE 4096u

static void zero_frame(uint64_t pa)
{
    uint64_t *p = (uint64_t *)(uintptr_t)pa;
    for (unsigned i = 0; i < FRAME_SIZE / 8; i++)
        p[i] = 0;
}

bool frame_pool_alloc(void *ctx, uint64_t *pa)
{
    struct frame_pool *pool = ctx;
    if (pool->freed_count > 0) {
        *pa = pool->freed[--pool->freed_count];
    } else if (pool->next < pool->count) {
        *pa = pool->base + pool->next++ * FRAME_SIZE;
    } else {
        return false;
    }
    zero_frame(*pa);
    pool->in_use++;
    return true;
}

void frame_pool_free(void *ctx, uint64_t pa)
{
    struct frame_pool *pool = ctx;
    /* `freed` holds one slot per frame of the pool, so it cannot overflow. */
    pool->freed[pool->freed_count++] = pa;
    pool->in_use--;
}
