/* W^X from the firmware's own description: EFI_MEMORY_ATTRIBUTES_TABLE (runtime code
 * read-only, runtime data no-execute) and the app's PE sections (code read-only, data
 * no-execute), as limits for the planner. */
#ifndef EFI_WX_H
#define EFI_WX_H

#include <efi.h>

#include "cpuinfo.h"
#include "pt_plan.h"

#define WX_MAX_LIMITS 512u

enum wx_origin { WX_FIRMWARE, WX_IMAGE, WX_DEVICE, WX_ORIGINS };

struct wx_limits {
    struct plan_limit limits[WX_MAX_LIMITS];
    uint8_t origin[WX_MAX_LIMITS]; /* enum wx_origin of each limit */
    size_t count;
    bool have_table; /* the firmware publishes EFI_MEMORY_ATTRIBUTES_TABLE */
    uint32_t table_version, table_entries;
    uint64_t image_base, image_size;
    uint64_t runtime_code; /* first page the table makes read-only, or 0 */
    const char *problem;   /* why a source was not used, or NULL */
};

/* Reads both sources. False only when there are more limits than WX_MAX_LIMITS. */
bool wx_collect(EFI_HANDLE image, const struct cpu_state *cpu, struct wx_limits *wx);

#endif
