/* W^X from the firmware's own description: EFI_MEMORY_ATTRIBUTES_TABLE (runtime code
 * read-only, runtime data no-execute) and the app's PE sections (code read-only, data
 * no-execute), as limits for the planner. */
#ifndef EFI_WX_H
#define EFI_WX_H

#include <efi.h>

#include "cpuinfo.h"
#include "wx_parse.h"

struct wx_sources {
    struct wx_limits set;
    bool have_table; /* the firmware publishes EFI_MEMORY_ATTRIBUTES_TABLE */
    uint32_t table_version, table_entries;
    uint64_t image_base, image_size;
    uint64_t runtime_code; /* first page the table makes read-only, or 0 */
    enum wx_status table_status, image_status;
};

/* Reads both sources; a source that cannot be read is left out, with its status kept for
 * the report. False only when the limits do not fit. */
bool wx_collect(EFI_HANDLE image, const struct cpu_state *cpu, struct wx_sources *wx);

#endif
