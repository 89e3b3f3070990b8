/* Simulated physical memory and frame allocator for host tests. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pt_cpu sim_cpu_max(void)
{
    struct pt_cpu cpu = {.page_1g = true, .nx = true, .maxphyaddr = 46};
    memcpy(cpu.pat, pt_pat_reset, sizeof cpu.pat);
    return cpu;
}

uint64_t *sim_frame(struct sim *s, uint64_t pa)
{
    if (pa < SIM_BASE || pa >= SIM_BASE + s->frames * PT_PAGE_4K || (pa & 0xfff)) {
        fprintf(stderr, "sim: access to 0x%llx outside simulated memory\n", (unsigned long long)pa);
        abort();
    }
    return (uint64_t *)(s->mem + (pa - SIM_BASE));
}

static uint64_t *sim_table(void *ctx, uint64_t pa, int level, uint64_t va)
{
    (void)level;
    (void)va;
    return sim_frame(ctx, pa);
}

static bool sim_alloc(void *ctx, uint64_t *pa)
{
    struct sim *s = ctx;
    int64_t attempt = (int64_t)s->attempts++;
    if (s->fail_at >= 0 && (attempt == s->fail_at || (s->fail_sticky && attempt > s->fail_at)))
        return false;
    if (s->free_count == 0)
        return false;
    uint64_t n = s->free_list[--s->free_count];
    *pa = SIM_BASE + n * PT_PAGE_4K;
    uint64_t *f = sim_frame(s, *pa);
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        f[i] = s->dirty_frames ? 0xdeadbeefdeadbeefull : 0;
    s->in_use++;
    return true;
}

static void sim_free(void *ctx, uint64_t pa)
{
    struct sim *s = ctx;
    uint64_t *f = sim_frame(s, pa);
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        f[i] = 0xdeadbeefdeadbeefull; /* poison: a freed table must never be read again */
    s->free_list[s->free_count++] = (pa - SIM_BASE) / PT_PAGE_4K;
    s->in_use--;
}

void sim_use_direct(struct sim *s)
{
    s->env.table = sim_table;
    s->env.table_ctx = s;
    s->env.table_recursive = false;
}

bool sim_zeroed_frame(struct sim *s, uint64_t *pa)
{
    if (!s->env.alloc_frame(s, pa))
        return false;
    memset(sim_frame(s, *pa), 0, PT_PAGE_4K);
    return true;
}

void sim_use_offset(struct sim *s)
{
    s->offset.offset = (uint64_t)(uintptr_t)s->mem - SIM_BASE;
    pt_access_offset(&s->env, &s->offset);
}

void sim_dirty_frames(struct sim *s)
{
    s->dirty_frames = true;
    s->env.frames_zeroed = false;
}

void sim_init(struct sim *s, uint64_t frames, struct pt_cpu cpu)
{
    memset(s, 0, sizeof *s);
    s->frames = frames;
    s->mem = aligned_alloc(PT_PAGE_4K, frames * PT_PAGE_4K);
    s->free_list = malloc(frames * sizeof *s->free_list);
    sim_reset(s, cpu);
}

void sim_reset(struct sim *s, struct pt_cpu cpu)
{
    uint64_t frames = s->frames;
    uint8_t *mem = s->mem;
    uint64_t *free_list = s->free_list;
    memset(s, 0, sizeof *s);
    s->frames = frames;
    s->mem = mem;
    s->free_list = free_list;
    for (uint64_t i = 0; i < frames; i++)
        s->free_list[i] = frames - 1 - i; /* low frames first */
    s->free_count = frames;
    s->fail_at = -1;
    s->env.alloc_frame = sim_alloc;
    s->env.free_frame = sim_free;
    s->env.frame_ctx = s;
    s->env.frames_zeroed = true;
    s->env.cpu = cpu;
    sim_use_direct(s);
}

void sim_fini(struct sim *s)
{
    free(s->mem);
    free(s->free_list);
}

/* ---- recursive access on the host ------------------------------------------------------ */

static struct pt_env walk_env; /* direct access used to resolve recursive addresses */
static struct pt_space walk_space;
static struct pt_recursive_access recursive_access;

static struct sim_watch *watch;

/* The watched address must translate at every point the library lets the CPU in. */
static void watch_check(void)
{
    struct pt_translation tr;
    if (!watch)
        return;
    watch->checks++;
    if (pt_translate(&walk_space, watch->va, &tr) != PT_OK || !tr.mapped)
        watch->lost++;
}

void sim_watch(struct sim_watch *w)
{
    watch = w;
}

static uint64_t *sim_deref(void *ctx, uint64_t va)
{
    struct pt_translation tr;
    (void)ctx;
    watch_check();
    if (pt_translate(&walk_space, va, &tr) != PT_OK || !tr.mapped) {
        fprintf(stderr, "sim: recursive address 0x%llx does not translate\n",
                (unsigned long long)va);
        abort();
    }
    return sim_frame(walk_env.table_ctx, tr.pa & ~0xfffull);
}

void sim_use_recursive(struct sim *s, const struct pt_space *sp, unsigned slot)
{
    walk_env = s->env;
    walk_env.table = sim_table;
    walk_env.table_ctx = s;
    walk_env.table_recursive = false;
    walk_space = *sp;
    walk_space.env = &walk_env;
    recursive_access = (struct pt_recursive_access){
        .slot = slot, .levels = (uint8_t)sp->levels, .deref = sim_deref};
    pt_access_recursive(&s->env, &recursive_access);
}

static void count_page(void *ctx, uint64_t va)
{
    struct sim *s = ctx;
    watch_check();
    if (s->flush_logged < PT_FLUSH_MAX)
        s->flush_log[s->flush_logged++] = va;
    s->flush_pages++;
}

static void count_all(void *ctx)
{
    watch_check();
    ((struct sim *)ctx)->flush_alls++;
}

void sim_track_flushes(struct sim *s, unsigned threshold)
{
    s->env.flush_page = count_page;
    s->env.flush_all = count_all;
    s->env.flush_ctx = s;
    s->env.flush_threshold = threshold;
}
