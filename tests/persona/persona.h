/*
 * Test-only (built with -DPAGETK_TEST_PERSONAS): firmware personas. Each makes the machine
 * look like another firmware before the takeover (a CPU state, or a page-table hierarchy in
 * another firmware's style, built with the library and switched to), runs the whole
 * takeover against it, and puts the real firmware's state back. Each ends in a check
 * "persona-NAME", or says why it cannot be produced on this CPU and counts as skipped.
 */
#ifndef TESTS_PERSONA_H
#define TESTS_PERSONA_H

#include "report.h"
#include "takeover.h"

/* run(t, tally, dump) is one whole takeover on a fresh t, counting its checks in *tally,
 * true when its every check passed. Every check, the personas' own too, is counted in
 * *tally. True when every persona that could be produced passed. */
bool persona_run_all(struct takeover *t, struct report_tally *tally,
                     bool (*run)(struct takeover *t, struct report_tally *tally, bool dump));

#endif
