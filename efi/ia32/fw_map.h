/* The firmware's live address space, read from its 32-bit mode's paging state, rendered as
 * four-level tables: the tables long mode is entered on, and what the 64-bit part imports
 * as "the firmware's hierarchy". No UEFI types: host tests feed it hostile tables.
 *
 * Paging off: [0, 4 GiB) 1:1 in 2 MiB leaves, read-write and executable, as paging off
 * allows. PAE paging: a PML4 and PDPT of ours above the firmware's own page directories,
 * whose entries are already in the four-level format and are read in place; a PDPTE holds
 * no rights, so ours grants all and the directories decide. 32-bit paging: each 4 MiB page
 * (PSE, with PSE-36 address bits) as two 2 MiB leaves, each page table of 1024 entries as
 * two of 512, every bit at the same place, 8 bytes wide. The firmware's tables are only
 * read. */
#ifndef IA32_FW_MAP_H
#define IA32_FW_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handoff.h"

/* The bytes at physical pa, or NULL when the caller cannot read them. */
typedef const void *(*fw_map_read_fn)(void *ctx, uint64_t pa, size_t len);

struct fw_map_input {
    uint32_t cr0, cr3, cr4;
    fw_map_read_fn read;
    void *ctx;
};

enum fw_map_status {
    FW_MAP_OK,
    FW_MAP_UNREACHABLE,  /* a firmware table the read function cannot reach */
    FW_MAP_PAE_NO_ROOT,  /* PAE paging with no present PDPTE */
    FW_MAP_PAE_RESERVED, /* a PDPTE with reserved bits set: no CPU runs on it */
    FW_MAP_ABOVE_4G,     /* a PAE directory above 4 GiB, out of reach of the 1:1 access */
    FW_MAP_NO_FRAMES,    /* no frames given for the rendering */
    FW_MAP_NO_ROOM,      /* fewer frames given than fw_map_tables asked for */
    FW_MAP_STATUS_COUNT
};

const char *fw_map_status_name(enum fw_map_status st);
const char *fw_map_status_message(enum fw_map_status st);

enum fw_paging fw_map_paging(uint32_t cr0, uint32_t cr4);

/* How many 4 KiB tables the rendering takes, the root included. */
enum fw_map_status fw_map_tables(const struct fw_map_input *in, unsigned *tables);

/* Writes the rendering into `count` tables at `frames` (count * 512 entries, any content),
 * which the CPU reaches at physical frames_pa, one after the other; the root is the first.
 * Nothing is written unless everything fits and every firmware table is reachable. */
enum fw_map_status fw_map_render(const struct fw_map_input *in, uint64_t *frames,
                                 uint64_t frames_pa, unsigned count);

#endif
