/* The takeover's phases that call no firmware service, one implementation for the x64 app
 * and for the IA32 app's 64-bit part: import the firmware's hierarchy, plan ours, build it,
 * check it, report and dump it. What differs between the two the caller fills in: where
 * scratch memory comes from, where the firmware's root is, the memory map's bytes, the W^X
 * limits (t->target.wx), the app's own pages (t->ours.own) and the frames for the tables
 * (t->ours.pool). */
#ifndef EFI_BUILD_H
#define EFI_BUILD_H

#include "takeover.h"

/* Memory for the phases' arrays: boot services' pool in the x64 app, the handoff's arena
 * in the IA32 app's 64-bit part. take returns NULL when there is not enough; name says
 * which in the failure lines ("no <name> memory for ..."). */
struct scratch {
    void *(*take)(void *ctx, uint64_t bytes);
    void *ctx;
    const char *name;
};

/* Where the firmware's hierarchy is, and the words its report lines use for it. */
struct import_source {
    uint64_t root;
    struct pt_cpu cpu;      /* the firmware's paging: what its entries may hold */
    const char *root_name;  /* before the root's address in the pass line: "CR3 " or "" */
    const char *note;       /* ends the pass line, or "" */
    const char *fault_what; /* names the hierarchy in a fault line */
};

/* The memory map's bytes as GetMemoryMap gave them. */
struct map_bytes {
    const void *map;
    uint64_t size, desc_size;
};

/* Reads the firmware's hierarchy at src->root into t->fw.runs, t->seen and t->fw.stats. */
bool takeover_import(struct takeover *t, const struct scratch *s, const struct import_source *src);
/* Plans from the map, the runs imported and the W^X limits in t->target.wx. */
bool takeover_plan(struct takeover *t, const struct scratch *s, const struct map_bytes *map);
/* The frames the build and the live checks take, from the plan. */
uint64_t takeover_frames_needed(const struct takeover *t);
/* Builds the plan and the test window into t->ours.pool's frames, with t->ours.own's OWN_PAGES
 * pages; note ends the pass line, or is "". */
bool takeover_build(struct takeover *t, const struct scratch *s, const char *note);
/* The checker on our hierarchy before the switch. */
bool takeover_check(struct takeover *t);
/* After a build: both hierarchies' tables and leaves, where the slot, alias and window are. */
void takeover_report_built(const struct takeover *t);
/* The "map" lines of our hierarchy (a line if the dump stops early), and the "mem" lines
 * of the memory map as planned: for the file and the serial port. */
void takeover_dump_map(const struct takeover *t);
void takeover_dump_memory(const struct takeover *t);

#endif
