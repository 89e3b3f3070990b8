/* The 64-bit part's report sink: report.h's functions write into the handoff's buffer. */
#ifndef IA32_LONG_REPORT_H
#define IA32_LONG_REPORT_H

#include "handoff.h"

void long_report_open(struct handoff *h);
/* From now on every line also goes to COM1 at once (the part will not return). */
void long_report_to_serial(void);

#endif
