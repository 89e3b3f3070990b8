/* Reading the machine's name from SMBIOS bytes, with no UEFI types so host tests cover
 * hostile tables: the 3.x or 2.x entry point, then the BIOS (type 0), system (type 1) and
 * baseboard (type 2) structures. Serial numbers, UUIDs and asset tags are never read:
 * people share these reports. */
#ifndef EFI_SMBIOS_PARSE_H
#define EFI_SMBIOS_PARSE_H

#include "status_text.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMBIOS_ENTRY3_LEN     0x18u      /* bytes of a 3.x entry point structure */
#define SMBIOS_ENTRY2_LEN     0x1fu      /* bytes of a 2.1+ entry point structure */
#define SMBIOS_ENTRY2_MIN     0x1eu      /* the length some 2.1 firmware gives it: accepted */
#define SMBIOS_MAX_TABLE      (1u << 20) /* larger than any firmware's table: a corrupt length */
#define SMBIOS_MAX_STRUCTS    4096u
#define SMBIOS_FIELD_CAPACITY 64u

enum smbios_status {
    SMBIOS_OK,
    SMBIOS_ENTRY_ANCHOR,    /* no _SM3_ or _SM_/_DMI_ anchor */
    SMBIOS_ENTRY_LENGTH,    /* the entry point's own length is too short or too long */
    SMBIOS_ENTRY_CHECKSUM,  /* the entry point's bytes do not sum to 0 */
    SMBIOS_TABLE_EMPTY,     /* the table address or length is 0 */
    SMBIOS_TABLE_TOO_LARGE, /* the table claims more than SMBIOS_MAX_TABLE bytes */
    SMBIOS_STRUCT_SHORT,    /* a structure's length is below its 4-byte header */
    SMBIOS_STRUCT_PAST_END, /* a structure's header or formatted area runs past the table */
    SMBIOS_STRINGS_UNENDED, /* a string set lacks its double NUL before the table's end */
    SMBIOS_STRING_INDEX,    /* a string number past the structure's strings */
    SMBIOS_NO_END,          /* no end-of-table structure (type 127) within the table */
    SMBIOS_TOO_MANY,        /* more than SMBIOS_MAX_STRUCTS structures */
    SMBIOS_STATUS_COUNT
};

/* Its name ("SMBIOS_...") and a sentence saying what it means. */
const struct status_text *smbios_status_text(enum smbios_status st);

/* Where the structure table is, from an entry point. */
struct smbios_entry {
    bool v3;                /* from a 3.x (64-bit) entry point */
    unsigned major, minor;  /* SMBIOS version */
    uint64_t table_address; /* physical */
    uint32_t table_length;  /* 3.x: the maximum size; 2.x: the exact size */
    unsigned structures;    /* 2.x: the number of structures; 0 for 3.x (not given) */
};

/* ep holds avail bytes from the entry point's address. v3 picks the format. */
enum smbios_status smbios_entry_parse(const uint8_t *ep, size_t avail, bool v3,
                                      struct smbios_entry *out);

/* The machine's name. Strings keep printable ASCII but '"' only (others become '?'), lose leading
 * and trailing blanks, and end in "..." when longer than the field. "" when not given. */
struct smbios_machine {
    char bios_vendor[SMBIOS_FIELD_CAPACITY], bios_version[SMBIOS_FIELD_CAPACITY],
        bios_date[SMBIOS_FIELD_CAPACITY];
    char sys_vendor[SMBIOS_FIELD_CAPACITY], sys_product[SMBIOS_FIELD_CAPACITY],
        sys_version[SMBIOS_FIELD_CAPACITY];
    char board_vendor[SMBIOS_FIELD_CAPACITY], board_product[SMBIOS_FIELD_CAPACITY],
        board_version[SMBIOS_FIELD_CAPACITY];
    unsigned structures; /* walked, the end marker included */
    size_t bad_offset;   /* on an error: the offset in the table of the structure at fault */
};

/* Walks the whole table before trusting any of it: on an error *out holds no strings (every
 * field ""), bad_offset says where. max_structures is the 2.x count (0: until type 127). */
enum smbios_status smbios_table_parse(const uint8_t *table, size_t length, unsigned max_structures,
                                      struct smbios_machine *out);

#endif
