/* The W^X limits on the live tables, and the faults they promise. */
#ifndef EFI_CHECK_WX_H
#define EFI_CHECK_WX_H

#include "takeover.h"

/* False when any check failed. */
bool check_wx(const struct takeover *t, const struct pt_space *live);

#endif
