/* The checks on our live tables: translation three ways, the recursive slot, touching
 * memory, the alias, expected faults, W^X, changes made live, boot services, every CPU. */
#ifndef EFI_VERIFY_H
#define EFI_VERIFY_H

#include "report.h"
#include "takeover.h"

/* Runs every check on the live tables, each counted in *tally, with the fault guard: a
 * fault no check expected ends them early and is reported as a failed check. touch_all
 * reads every RAM page too. Reads sw's word on the APs and marks there an AP that did not
 * finish. False when any check failed or the live root could not be adopted. */
bool takeover_verify(const struct takeover_view *v, bool touch_all, struct switch_state *sw,
                     struct report_tally *tally);
/* The same without the checks that call firmware services (boot services, the APs): for
 * after ExitBootServices and for the IA32 app's 64-bit part. */
bool takeover_verify_after_exit(const struct takeover_view *v, bool touch_all,
                                struct report_tally *tally);

#endif
