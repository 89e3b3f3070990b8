/* Reading the machine's name from SMBIOS bytes, with no UEFI types so host tests cover
 * hostile tables: the 3.x or 2.x entry point, then the BIOS (type 0), system (type 1) and
 * baseboard (type 2) structures. Serial numbers, UUIDs and asset tags are never read:
 * people share these reports. */
#ifndef EFI_SMBIOS_PARSE_H
#define EFI_SMBIOS_PARSE_H

#include "plan_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMBIOS_ENTRY3_LEN     0x18u      /* bytes of a 3.x entry point structure */
#define SMBIOS_ENTRY2_LEN     0x1fu      /* bytes of a 2.1+ entry point structure */
#define SMBIOS_ENTRY2_MIN     0x1eu      /* the length some 2.1 firmware gives it: accepted */
#define SMBIOS_MAX_TABLE      (1u << 20) /* larger than any firmware's table: a corrupt length */
#define SMBIOS_MAX_STRUCTS    4096u
#define SMBIOS_FIELD_CAPACITY 64u

/* Where the structure table is, from an entry point. */
struct smbios_entry {
    bool v3;                /* from a 3.x (64-bit) entry point */
    unsigned major, minor;  /* SMBIOS version */
    uint64_t table_address; /* physical */
    uint32_t table_length;  /* 3.x: the maximum size; 2.x: the exact size */
    unsigned structures;    /* 2.x: the number of structures; 0 for 3.x (not given) */
};

/* ep holds avail bytes from the entry point's address. v3 picks the format. */
enum plan_error smbios_entry_parse(const uint8_t *ep, size_t avail, bool v3,
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
enum plan_error smbios_table_parse(const uint8_t *table, size_t length, unsigned max_structures,
                                   struct smbios_machine *out);

#endif
