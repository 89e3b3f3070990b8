/* Where the W^X limits' bytes are: the firmware's EFI_MEMORY_ATTRIBUTES_TABLE (runtime
 * code read-only, runtime data no-execute) and the app's PE image as loaded (code
 * read-only, data no-execute). The planner reads them (efi/plan/wx_parse.h). */
#ifndef EFI_WX_H
#define EFI_WX_H

#include <efi.h>

#include "cpuinfo.h"
#include "report.h"
#include "wx_parse.h"

/* Fills in->table, in->image and its place and size, and in->nx; leaves in->device. */
void wx_gather(EFI_HANDLE image, const struct cpu_state *cpu, struct wx_input *in);
/* Gathers and reads every source into out, with device (or NULL) as one more limit, and
 * reports what it found; false, with the plan's failed check (in *tally), when the limits do not
 * fit. */
bool wx_collect(EFI_HANDLE image, const struct cpu_state *cpu, const struct plan_limit *device,
                struct wx_sources *out, struct report_tally *tally);

#endif
