/* The W^X limits on the live tables, and the faults they promise. */
#ifndef EFI_CHECK_WX_H
#define EFI_CHECK_WX_H

#include <stdbool.h>

#include "pt.h"
#include "report.h"
#include "wx_parse.h"

/* wx: the limits the plan took; nx: the CPU has NX; live: our tables through the slot.
 * Each check is counted in *tally. False when any check failed. */
bool check_wx(const struct wx_sources *wx, bool nx, const struct pt_space *live,
              struct report_tally *tally);

#endif
