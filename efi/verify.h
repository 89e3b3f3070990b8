/* The checks on our live tables: translation three ways, the recursive slot, touching
 * memory, the alias, expected faults, W^X, changes made live, boot services, every CPU. */
#ifndef EFI_VERIFY_H
#define EFI_VERIFY_H

#include "takeover.h"

/* Runs every check on the live tables; false when any failed. */
bool takeover_verify(struct takeover *t);
/* The checks that need no firmware service, for after ExitBootServices and for the IA32
 * app's 64-bit part; false when any failed. */
bool takeover_verify_after_exit(struct takeover *t);
/* Runs checks(t) with the fault guard: a fault no check expected ends them early and is
 * reported as a failed check. Returns their verdict: false after such a fault. */
bool takeover_run_guarded(bool (*checks)(struct takeover *t), struct takeover *t);

#endif
