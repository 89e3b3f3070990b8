/* Benchmark memory: see bench_env.h. */
#define _POSIX_C_SOURCE 200809L
#include "bench_env.h"

#include <stdlib.h>
#include <string.h>
#include <cpuid.h>
#include <time.h>

static bool alloc_frame(void *ctx, uint64_t *pa)
{
    struct bench_mem *m = ctx;
    if (m->freed_count)
        *pa = m->freed[--m->freed_count];
    else if (m->next < m->frames)
        *pa = (uint64_t)(uintptr_t)(m->base + m->next++ * PT_PAGE_4K);
    else
        return false;
    m->in_use++; /* not zeroed: the library writes every entry of the tables it makes */
    return true;
}

static void free_frame(void *ctx, uint64_t pa)
{
    struct bench_mem *m = ctx;
    m->freed[m->freed_count++] = pa;
    m->in_use--;
}

/* The largest cache the deterministic cache leaves describe (Intel leaf 4, AMD 0x8000001D):
 * what a kernel would put in pt_cpu.llc_bytes. 0 when neither leaf is there. */
uint64_t bench_llc_bytes(void)
{
    unsigned a, b, c, d, leaf = 4;
    __cpuid(0x80000000u, a, b, c, d);
    if (a >= 0x8000001du) {
        __cpuid(0x80000001u, a, b, c, d);
        if (c & (1u << 22)) /* TopologyExtensions: AMD's leaf is there */
            leaf = 0x8000001du;
    }
    if (leaf == 4 && (__get_cpuid_max(0, NULL) < 4))
        return 0;
    uint64_t largest = 0;
    for (unsigned sub = 0; sub < 16; sub++) {
        __cpuid_count(leaf, sub, a, b, c, d);
        if ((a & 31) == 0) /* no more caches */
            break;
        uint64_t bytes = (uint64_t)((b >> 22) + 1) * (((b >> 12) & 0x3ff) + 1) * ((b & 0xfff) + 1) *
                         ((uint64_t)c + 1);
        largest = bytes > largest ? bytes : largest;
    }
    return largest;
}

struct pt_cpu bench_cpu(bool page_1g)
{
    /* MAXPHYADDR 52: tables sit at host addresses, which may use 47 bits. */
    struct pt_cpu cpu = {
        .page_1g = page_1g, .nx = true, .maxphyaddr = 52, .llc_bytes = bench_llc_bytes()};
    memcpy(cpu.pat, pt_pat_reset, sizeof cpu.pat);
    return cpu;
}

void bench_mem_init(struct bench_mem *m, uint64_t frames, struct pt_cpu cpu)
{
    m->base = aligned_alloc(PT_PAGE_4K, frames * PT_PAGE_4K);
    memset(m->base, 0, frames * PT_PAGE_4K); /* faulted in before anything is timed */
    m->freed = malloc(frames * sizeof *m->freed);
    m->frames = frames;
    m->env = (struct pt_env){
        .alloc_frame = alloc_frame, .free_frame = free_frame, .frame_ctx = m, .cpu = cpu};
    pt_access_identity(&m->env);
    bench_mem_reset(m);
}

bool bench_zeroed_frame(struct bench_mem *m, uint64_t *pa)
{
    if (!m->env.alloc_frame(m, pa))
        return false;
    memset((void *)(uintptr_t)*pa, 0, PT_PAGE_4K);
    return true;
}

void bench_mem_reset(struct bench_mem *m)
{
    m->next = m->freed_count = m->in_use = 0;
}

void bench_mem_fini(struct bench_mem *m)
{
    free(m->base);
    free(m->freed);
}

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
