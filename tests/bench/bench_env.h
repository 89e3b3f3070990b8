/* Simulated physical memory for benchmarks: one big buffer, frames handed out as they are
 * (not zeroed) from a bump pointer or a free list, reached by identity (host address =
 * physical address). */
#ifndef BENCH_ENV_H
#define BENCH_ENV_H

#include "pt.h"

struct bench_mem {
    uint8_t *base;
    uint64_t frames, next;
    uint64_t *freed;
    uint64_t freed_count, in_use;
    struct pt_env env;
};

void bench_mem_init(struct bench_mem *m, uint64_t frames, struct pt_cpu cpu);
/* A zeroed frame, for the baselines and fixtures that write only some entries. */
bool bench_zeroed_frame(struct bench_mem *m, uint64_t *pa);
/* Forgets every frame (the next hierarchy starts from an empty pool). */
void bench_mem_reset(struct bench_mem *m);
void bench_mem_fini(struct bench_mem *m);
/* The host's last-level cache, read as a kernel would (CPUID); 0 when unknown. */
uint64_t bench_llc_bytes(void);
/* The host CPU as the bench describes it to the library: llc_bytes is the host's. */
struct pt_cpu bench_cpu(bool page_1g);
double bench_now(void); /* seconds, monotonic */
/* Seconds of this thread's CPU time: the time the shared machine gives other processes is
 * not counted. A call costs about a microsecond (a system call), so only for spans of
 * many milliseconds. */
double bench_cpu_now(void);

#endif
