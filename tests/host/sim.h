/* Simulated physical memory for host tests: a pool of 4 KiB frames at a fixed physical
 * base, an allocator that can be told to fail, and the library's three access modes. */
#ifndef SIM_H
#define SIM_H

#include "pt.h"

#define SIM_BASE 0x100000ull /* physical address of the first frame */

struct sim {
    uint8_t *mem;
    uint64_t frames;
    uint64_t *free_list; /* stack of free frame numbers */
    uint64_t free_count;
    uint64_t in_use;
    uint64_t attempts; /* allocation requests so far */
    int64_t fail_at;   /* the request with this number (0-based) fails; -1 never */
    bool fail_sticky;  /* once failed, keep failing */
    uint64_t flush_pages, flush_alls;
    bool dirty_frames; /* frames are handed out poisoned, not zeroed */
    struct pt_offset_access offset;
    uint64_t flush_log[PT_FLUSH_MAX]; /* the first single-page flushes since last cleared */
    unsigned flush_logged;
    struct pt_env env;
};

/* A CPU like `-cpu max`: 1 GiB pages, NX, 46-bit physical addresses, the reset PAT. */
struct pt_cpu sim_cpu_max(void);
void sim_init(struct sim *s, uint64_t frames, struct pt_cpu cpu);
/* Every frame free again, a new CPU, direct access, no TLB hooks; the memory is kept. */
void sim_reset(struct sim *s, struct pt_cpu cpu);
void sim_fini(struct sim *s);
uint64_t *sim_frame(struct sim *s, uint64_t pa);
/* Makes the env reach tables through `slot` of `sp`, walking the simulated hierarchy in
 * software the way the CPU would. */
void sim_use_recursive(struct sim *s, const struct pt_space *sp, unsigned slot);
void sim_use_direct(struct sim *s);
/* Reaches tables by pt_access_offset (the library's direct path, no call per table). */
void sim_use_offset(struct sim *s);
/* Hands out frames full of poison (present-looking entries) and tells the library so
 * (env.frames_zeroed false): it must write every entry of each table it makes. */
void sim_dirty_frames(struct sim *s);
/* A frame from the allocator, cleared: for tables a test writes by hand. */
bool sim_zeroed_frame(struct sim *s, uint64_t *pa);
/* In recursive mode, at every table access and TLB hook call (the points where a CPU
 * running the caller's code could walk the tables), checks that va still translates and
 * counts the times it did not. NULL stops watching. */
struct sim_watch {
    uint64_t va, checks, lost;
};
void sim_watch(struct sim_watch *w);
/* Tracks TLB hook calls: env->flush_page/flush_all count into the sim. */
void sim_track_flushes(struct sim *s, unsigned threshold);

#endif
