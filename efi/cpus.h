/* Every CPU: each application processor loads our CR3, checks it, and restores its own. */
#ifndef EFI_CPUS_H
#define EFI_CPUS_H

#include "report.h"
#include "takeover.h"

/* Each AP checks our tables as v describes them, unless sw->no_aps says why none may start;
 * an AP that does not finish is marked in sw->ap_stranded. False when an AP that was started
 * failed its checks. */
bool check_every_cpu(const struct takeover_view *v, struct switch_state *sw,
                     struct report_tally *tally);

#endif
