/* Reading the two W^X describers from raw bytes, with no UEFI types so host tests cover
 * hostile input: the firmware's EFI_MEMORY_ATTRIBUTES_TABLE and a loaded PE/COFF image's
 * section table. Each yields plan limits (see pt_plan.h). */
#ifndef EFI_WX_PARSE_H
#define EFI_WX_PARSE_H

#include "plan_error.h"

#include "plan.h"

#define WX_MAX_LIMITS      512u
#define WX_MAX_TABLE_ENTRY 4096u /* more entries than any firmware has: a corrupt header */
/* Without a length from the firmware, these two caps bound what the parser reads. */

enum wx_origin { WX_FIRMWARE, WX_IMAGE, WX_DEVICE, WX_ORIGINS };

struct wx_limits {
    struct plan_limit limits[WX_MAX_LIMITS];
    uint8_t origin[WX_MAX_LIMITS]; /* enum wx_origin of each limit */
    size_t count;
    uint32_t skipped; /* table entries skipped: no pages, unaligned, or wrapping */
};

/* The bytes the limits come from, as the app gathers them (efi/wx.c). */
struct wx_input {
    const void *table; /* EFI_MEMORY_ATTRIBUTES_TABLE, or NULL when the firmware has none */
    const void *image; /* the app as loaded, or NULL when the firmware does not say where */
    uint64_t image_base, image_size;
    const struct plan_limit *device; /* a device's own limit (a framebuffer made WC), or NULL */
    pt_attr nx;                      /* PT_ATTR_NX, or 0 when the CPU has no NX */
};

/* The limits of every source, and what each source said. */
struct wx_sources {
    struct wx_limits set;
    bool have_table; /* the firmware publishes EFI_MEMORY_ATTRIBUTES_TABLE */
    uint32_t table_version, table_entries;
    uint64_t image_base, image_size;
    uint64_t runtime_code; /* first page the table makes read-only, or 0 */
    enum plan_error table_status, image_status;
};

/* Reads every source of the input into out: a source that cannot be read is left out, its
 * status kept for the report. PLAN_ERR_WX_NO_ROOM when the limits do not fit, else PLAN_OK. */
enum plan_error wx_read(const struct wx_input *in, struct wx_sources *out);

/* Each parser adds all of its source's limits or, on an error, none. */
/* EFI_MEMORY_RO entries lose write, EFI_MEMORY_XP entries gain `nx` (0 when the CPU has
 * no NX). Entries of no pages, unaligned, or wrapping are skipped and counted. */
enum plan_error wx_parse_attributes_table(const void *table, pt_attr nx, struct wx_limits *wx,
                                          uint32_t *version, uint32_t *entries,
                                          uint64_t *first_read_only);
/* The section table of an image loaded at base: code loses write, data gains nx, data
 * that is not writable loses write too, and so do the headers. */
enum plan_error wx_parse_pe(const void *image, uint64_t base, uint64_t size, pt_attr nx,
                            struct wx_limits *wx);

#endif
