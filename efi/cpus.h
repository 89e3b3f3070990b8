/* Every CPU: each application processor loads our CR3, checks it, and restores its own. */
#ifndef EFI_CPUS_H
#define EFI_CPUS_H

#include "takeover.h"

/* False when an AP that was started failed its checks. */
bool check_every_cpu(struct takeover *t);

#endif
