/* report_line: the lines of the app's report as the host tools read them (report-svg draws a
 * report, inspect-compare holds its dump against QEMU's page walk). One reader, one set of
 * hex and address rules, one parser of the dump's map lines, so the two tools cannot come to
 * disagree about what a report says.
 *
 * C11 and libc only, plus pt_fmt_size from core/fmt.c: the size field is checked against the
 * very function that printed it. */
#ifndef REPORT_LINE_H
#define REPORT_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pt.h" /* pt_memtype_name: the app's own names of memory types */

/* ---- why a line is refused ---------------------------------------------------------------- */

/* A phrase, no file or line number: each tool puts it into its own message format. */
struct line_error {
    char text[256];
};

/* Records why a line is refused and returns false, so a parser can end with
 * `return line_refuse(why, ...)`. */
bool line_refuse(struct line_error *why, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- reading lines ------------------------------------------------------------------------ */

/* Drops what a serial console adds to the app's text: CR, LF, NUL, and terminal control
 * sequences ESC [ ... letter (a lone ESC goes, the byte after it stays). Works in place on
 * len bytes, NUL-terminates, returns the new length. */
size_t line_clean(char *s, size_t len);

/* Reads a log line by line, of any length, each line cleaned by line_clean. */
struct line_reader {
    FILE *f;
    char *text;           /* the current line, without its newline */
    size_t len, cap;      /* of text */
    unsigned long number; /* of the current line, from 1 */
};

enum line_status { LINE_READ, LINE_END, LINE_READ_ERROR, LINE_OUT_OF_MEMORY };

/* Starts on an open file; the reader neither opens nor closes it. */
void line_reader_init(struct line_reader *r, FILE *f);
/* The next line into r->text; a last line without a newline still counts. On
 * LINE_READ_ERROR errno says why. */
enum line_status line_reader_next(struct line_reader *r);
void line_reader_free(struct line_reader *r);

/* ---- numbers and addresses ---------------------------------------------------------------- */

/* 0 to 15 for a hex digit of either case, -1 for anything else. */
int hex_digit_value(char c);

/* Exactly `digits` hex digits at s (QEMU's fixed-width columns), or 1 to 16 when digits is 0.
 * Returns where the digits end, or NULL (no digits, too few, or more than 16). */
const char *parse_hex_digits(const char *s, int digits, uint64_t *out);

/* "0x" and 1 to 16 hex digits, as the app prints addresses. Returns the end, or NULL. */
const char *parse_0x_hex(const char *s, uint64_t *out);

/* "0x<start>-0x<end>" filling exactly n bytes at s, end above start. The app prints the end
 * of a run that reaches the top of the address space as 0; only with top_ok is that taken as
 * 2^64. *len is end - start, never 0. */
bool parse_hex_range(const char *s, size_t n, bool top_ok, uint64_t *start, uint64_t *len,
                     struct line_error *why);

/* Linear-address bits of the paging the report comes from: 48 (the default) or 57. */
void va_set_bits(unsigned bits);
unsigned va_get_bits(void);

/* Bits 63..47 all equal (63..56 with five-level paging). */
bool va_is_canonical(uint64_t va);

/* The canonical address of a linear one: bit 47 (56) copied into the bits above. As in QEMU's
 * info mem, a value with that bit clear comes back as it is (a size of 2^48 stays 2^48). */
uint64_t va_from_linear(uint64_t lin);

/* ---- the dump's map lines ----------------------------------------------------------------- */

/* The dump's size field: "4K", "2M", "12640K", "1G", "5B" (core/fmt.c pt_fmt_size). */
void dump_size_text(char *buf, size_t size, uint64_t bytes);

/* The dump's name of a PAT memory type; "?2", "?3" for the reserved encodings, "??" above 7. */

/* The leaf sizes a run is made of, as the dump lists them: pud, pmd, pte. */
enum { MAP_LEVEL_PTE = 1, MAP_LEVEL_PMD = 2, MAP_LEVEL_PUD = 4 };

/* map 0xVA_START-0xVA_END -> 0xPA <size> <RW|ro> [USR] [GLB] <NX|x> <memtype> <levels>
 * One run of leaves with contiguous VA and PA and equal attributes. */
struct map_line {
    uint64_t va;  /* canonical, 4 KiB aligned */
    uint64_t len; /* a multiple of 4 KiB; va + len is 0 for a run up to the top */
    uint64_t pa;  /* pa + len - 1 does not wrap */
    bool writable, user, global, nx;
    unsigned memtype; /* the PAT encoding: 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC- */
    unsigned levels;  /* MAP_LEVEL_*, at least one, listed largest first and once each */
};

/* Parses one cleaned line that starts with "map ". Refuses bad hex, an end not above the
 * start, a range that is not canonical or not 4 KiB aligned, a physical range that wraps, a
 * size field other than the dump's for the range's length, any field missing, unknown or
 * out of place, and a level given twice. */
bool map_line_parse(const char *line, struct map_line *out, struct line_error *why);

/* What stands in XML text for byte c: an entity for & < > ", '?' for a byte outside
 * printable ASCII, NULL when c stands for itself. */
const char *xml_escape_of(char c);

#endif
