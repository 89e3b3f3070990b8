/* What the app is asked to do, from the shell command line and from pagetk.cfg beside the
 * app. The parser is plain C (no UEFI types) so host tests cover it. */
#ifndef EFI_OPTIONS_H
#define EFI_OPTIONS_H

#include "plan_error.h"

#include <stdbool.h>
#include <stddef.h>

struct options {
    bool takeover;  /* leave boot services and stay on the new tables */
    bool inspect;   /* halt after the report with the new CR3 live, for QEMU's monitor */
    bool touch_all; /* read every RAM page, not one word at each end of every leaf */
    bool reset;     /* takeover ends with ResetSystem even under a hypervisor */
};

/* Applies the words of text (whitespace separated; '#' starts a comment) to o. On an
 * unknown word, copies it (NUL terminated, cut to fit) into bad. */
enum plan_error options_parse(struct options *o, const char *text, size_t len, char *bad,
                              size_t bad_size);
/* Once every source is read: words that exclude each other. */
enum plan_error options_check(const struct options *o);

/* LoadOptions a boot manager set (U-Boot's bootargs, a Boot#### entry's optional data):
 * never option words, only named in the report. */
enum load_options_kind {
    LOAD_OPTIONS_NONE,   /* size 0 */
    LOAD_OPTIONS_TEXT,   /* UCS-2 printable ASCII, optionally NUL-terminated */
    LOAD_OPTIONS_BINARY, /* anything else */
};
/* Classifies size bytes at data; for text, copies it as ASCII into text (NUL terminated,
 * cut to fit with "..." at the end). text_size must be at least 4. */
enum load_options_kind load_options_describe(const unsigned char *data, size_t size, char *text,
                                             size_t text_size);

#endif
