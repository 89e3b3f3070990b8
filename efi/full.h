/* Full takeover: after the checks pass with boot services, leave them for good and stay
 * on our tables, reporting on COM1 and the GOP framebuffer (mapped write-combining through
 * the PAT), then exit QEMU or reset the machine through the runtime services. */
#ifndef EFI_FULL_H
#define EFI_FULL_H

#include "takeover.h"

/* Before the plan: finds the framebuffer and adds its write-combining limit, and picks the
 * PAT entry that will hold WC. */
void full_prepare(struct takeover *t);
/* After a passing verification on our tables: leaves boot services, switches the PAT and
 * runs the checks again. False when boot services could not be left (they still work);
 * *passed says whether every check on the way passed. */
bool full_takeover(struct takeover *t, bool *passed);
/* After a failed check once boot services are gone: the firmware's tables are intact (no
 * one reused their memory), so CR3 and the PAT go back to them. */
void full_fall_back(const struct takeover *t);
/* The end once boot services are gone: QEMU's exit port, else ResetSystem. */
__attribute__((noreturn)) void full_end(const struct takeover *t, bool pass);

#endif
