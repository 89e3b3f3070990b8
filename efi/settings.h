/* Gathers the option words: pagetk.cfg beside the app first, then the shell command line. */
#ifndef EFI_SETTINGS_H
#define EFI_SETTINGS_H

#include <efi.h>

#include "options.h"
#include "report.h"

/* Reports what was read and from where; false (with a failed check) on a word it does not
 * know or a file it cannot read (counted in *tally), and the app then touches nothing. */
bool settings_read(EFI_HANDLE image, struct options *o, struct report_tally *tally);

#endif
