/* Every CPU: each application processor loads our CR3, checks it, and restores its own. */
#ifndef EFI_CPUS_H
#define EFI_CPUS_H

#include "takeover.h"

void check_every_cpu(struct takeover *t);

#endif
