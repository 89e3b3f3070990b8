/* What the 32-bit app hands the 64-bit part and what comes back: plain 64-bit fields, so
 * the layout is the same for -m32 and -m64. Every address is physical and below 4 GiB,
 * reached 1:1 on both sides. */
#ifndef IA32_HANDOFF_H
#define IA32_HANDOFF_H

#include <stddef.h>
#include <stdint.h>

#define HANDOFF_MAGIC    0x3233616974706170ull /* "paptia32" */
#define HANDOFF_SEGMENTS 4u

enum fw_paging { FW_PAGING_OFF, FW_PAGING_32BIT, FW_PAGING_PAE };

/* A loaded segment of the 64-bit part: its rights become W^X limits of the plan. */
struct handoff_segment {
    uint64_t start, end, writable, executable;
};

struct handoff {
    uint64_t magic;
    /* The firmware's state, read in 32-bit mode before the switch. */
    uint64_t fw_cr0, fw_cr3, fw_cr4, fw_efer, fw_paging;
    /* The firmware's address space in four levels: the tables long mode starts on. */
    uint64_t boot_root, boot_tables;
    /* GetMemoryMap's buffer. */
    uint64_t map, map_size, desc_size;
    /* Memory for the 64-bit part: frames for its tables, an arena for its arrays, its
     * own test pages (OWN_PAGES of takeover.h). */
    uint64_t pool_base, pool_pages, arena_base, arena_size, own_base;
    /* W^X sources: the 32-bit app's loaded PE image, the firmware's memory attributes
     * table (0 when none), and the 64-bit part's own segments. */
    uint64_t image_base, image_size, attributes_table;
    struct handoff_segment segments[HANDOFF_SEGMENTS];
    uint64_t segment_count;
    /* Options and the clock. */
    uint64_t touch_all, inspect, tsc_hz;
    /* The report: lines the 32-bit side prints, each "<kind><text>\n" (see long_report.c). */
    uint64_t lines, lines_size, lines_used;
};

/* long_main's return, register-wide: the 64-bit part's verdict, true when every one of its
 * checks passed, as run_takeover's in the x64 app. */
#define LONG_VERDICT_FAIL 0u
#define LONG_VERDICT_PASS 1u

/* Kinds of report line. */
#define LINE_REPORT 'R' /* report() */
#define LINE_DETAIL 'D' /* report_detail(): file and serial port only */
#define LINE_PASS   'P' /* a check line that passed ("check NAME PASS ...") */
#define LINE_FAIL   'F' /* a check line that failed */

/* Calls each(ctx, line) for every line of h's buffer in order: line is its kind, then its
 * text without the newline, cut to fit line[size]. */
static inline void handoff_lines_each(const struct handoff *h, char *line, size_t size,
                                      void (*each)(void *ctx, const char *line), void *ctx)
{
    const char *buf = (const char *)(uintptr_t)h->lines;
    size_t n = 0;
    for (uint64_t i = 0; i < h->lines_used && i < h->lines_size; i++) {
        if (buf[i] != '\n') {
            if (n + 1 < size)
                line[n++] = buf[i];
            continue;
        }
        line[n] = '\0';
        if (n > 0)
            each(ctx, line);
        n = 0;
    }
}

#endif
