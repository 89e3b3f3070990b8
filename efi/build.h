/* The takeover's phases that call no firmware service, one implementation for the x64 app
 * and for the IA32 app's 64-bit part: import the firmware's hierarchy, plan ours, build it,
 * check it, report and dump it. What differs between the two the caller fills in: where
 * scratch memory comes from, where the firmware's root is, the memory map's bytes, the W^X
 * limits (target->wx), the app's own pages (ours->own) and the frames for the tables
 * (ours->pool). Each check is counted in *tally. */
#ifndef EFI_BUILD_H
#define EFI_BUILD_H

#include "report.h"
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

/* Reads the firmware's hierarchy at src->root into fw's space, runs and stats, recording
 * the tables it saw in *seen. */
bool takeover_import(struct firmware_state *fw, struct pt_seen *seen, const struct scratch *s,
                     const struct import_source *src, struct report_tally *tally);
/* Plans from the map, the firmware's runs and the target (its W^X limits among them). */
bool takeover_plan(struct plan *plan, const struct firmware_state *fw,
                   const struct takeover_target *target, const struct scratch *s,
                   const struct map_bytes *map, struct report_tally *tally);
/* The frames the build and the live checks take, from the plan. */
uint64_t takeover_frames_needed(const struct plan *plan, const struct takeover_target *target);
/* Builds the plan and the test window into ours->pool's frames, with ours->own's OWN_PAGES
 * pages; note ends the pass line, or is "". */
bool takeover_build(struct our_tables *ours, const struct plan *plan,
                    const struct takeover_target *target, const struct scratch *s, const char *note,
                    struct report_tally *tally);
/* The checker on our hierarchy before the switch, recording the tables it saw in *seen. */
bool takeover_check(const struct our_tables *ours, struct pt_seen *seen,
                    struct report_tally *tally);
/* After a build: both hierarchies' tables and leaves, where the slot, alias and window are. */
void takeover_report_built(const struct firmware_state *fw, const struct our_tables *ours,
                           const struct takeover_target *target);
/* The "map" lines of our hierarchy (a line if the dump stops early), and the "mem" lines
 * of the memory map as planned: for the file and the serial port. */
void takeover_dump_map(const struct our_tables *ours);
void takeover_dump_memory(const struct plan *plan);

#endif
