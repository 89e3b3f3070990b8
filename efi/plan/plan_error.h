/* The planner's one error enum: every reader of firmware bytes in efi/plan/ and the
 * planner itself answer with a value of it, each with a name ("PLAN_ERR_WX_PE_HEADER") and
 * a sentence, as the paging library's pt_error. The warnings are the repairs the memory-map
 * sanitiser made and counted, named the same way. */
#ifndef PLAN_PLAN_ERROR_H
#define PLAN_PLAN_ERROR_H

enum plan_error {
    PLAN_OK = 0,
    /* The memory map and the plan (memmap_parse.c, plan.c). */
    PLAN_ERR_DESC_SIZE,   /* DescriptorSize smaller than EFI_MEMORY_DESCRIPTOR */
    PLAN_ERR_EMPTY_MAP,   /* no usable descriptor */
    PLAN_ERR_NO_ROOM,     /* the caller's arrays are too small */
    PLAN_ERR_ALIAS_RANGE, /* RAM reaches past what the alias window can hold */
    PLAN_ERR_BAD_RUN,     /* a firmware run is not 4 KiB aligned or not canonical */
    PLAN_ERR_BAD_LIMIT,   /* a rights limit is empty, unaligned or wraps */
    /* The W^X describers (wx_parse.c). */
    PLAN_ERR_WX_NO_ROOM,          /* more limits than WX_MAX_LIMITS */
    PLAN_ERR_WX_TABLE_DESC_SIZE,  /* DescriptorSize below EFI_MEMORY_DESCRIPTOR's, or > 1 KiB */
    PLAN_ERR_WX_TABLE_TOO_LARGE,  /* the table claims more than WX_MAX_TABLE_ENTRY entries */
    PLAN_ERR_WX_PE_HEADER,        /* no PE signature, or headers past the image's end */
    PLAN_ERR_WX_PE_ALIGNMENT,     /* image base or SectionAlignment not 4 KiB multiples */
    PLAN_ERR_WX_PE_SECTION_RANGE, /* a section reaches past the image's end */
    /* EFI_RT_PROPERTIES_TABLE (rt_props.c). */
    PLAN_ERR_RT_PROPS_VERSION, /* a Version other than 1 */
    PLAN_ERR_RT_PROPS_LENGTH,  /* a Length below the table's 8 bytes */
    /* SMBIOS (smbios_parse.c). */
    PLAN_ERR_SMBIOS_ENTRY_ANCHOR,    /* no _SM3_ or _SM_/_DMI_ anchor */
    PLAN_ERR_SMBIOS_ENTRY_LENGTH,    /* the entry point's own length is too short or too long */
    PLAN_ERR_SMBIOS_ENTRY_CHECKSUM,  /* the entry point's bytes do not sum to 0 */
    PLAN_ERR_SMBIOS_TABLE_EMPTY,     /* the table address or length is 0 */
    PLAN_ERR_SMBIOS_TABLE_TOO_LARGE, /* the table claims more than SMBIOS_MAX_TABLE bytes */
    PLAN_ERR_SMBIOS_STRUCT_SHORT,    /* a structure's length is below its 4-byte header */
    PLAN_ERR_SMBIOS_STRUCT_PAST_END, /* a structure's header or formatted area runs past */
    PLAN_ERR_SMBIOS_STRINGS_UNENDED, /* a string set lacks its double NUL before the end */
    PLAN_ERR_SMBIOS_STRING_INDEX,    /* a string number past the structure's strings */
    PLAN_ERR_SMBIOS_NO_END,          /* no end-of-table structure (type 127) in the table */
    PLAN_ERR_SMBIOS_TOO_MANY,        /* more than SMBIOS_MAX_STRUCTS structures */
    /* Device paths (devpath_parse.c). */
    PLAN_ERR_DEVPATH_NODE_SHORT,    /* a node's length is below its 4-byte header */
    PLAN_ERR_DEVPATH_NODE_PAST_END, /* a node runs past the bytes given */
    PLAN_ERR_DEVPATH_NO_END,        /* no end node within the bytes or DEVPATH_MAX_NODES */
    PLAN_ERR_DEVPATH_TEXT_FULL,     /* the text does not fit the buffer given */
    /* Option words (options.c). */
    PLAN_ERR_OPTIONS_UNKNOWN_WORD, /* a word no option has */
    PLAN_ERR_OPTIONS_CONFLICT,     /* words that exclude each other */
    PLAN_ERR_COUNT
};

/* Its name ("PLAN_ERR_..."), or "PLAN_ERR_UNKNOWN" for a value out of range. */
const char *plan_error_name(enum plan_error err);
/* A sentence saying what it means. */
const char *plan_error_message(enum plan_error err);

/* Problems the memory-map sanitiser repaired; each is counted and named in the report. */
enum plan_warning {
    PLAN_WARN_DESC_SIZE_ODD,  /* DescriptorSize not a multiple of 8 */
    PLAN_WARN_TRAILING_BYTES, /* map size not a multiple of DescriptorSize: tail ignored */
    PLAN_WARN_ZERO_PAGES,     /* descriptor of zero pages: skipped */
    PLAN_WARN_UNALIGNED,      /* PhysicalStart not 4 KiB aligned: widened to pages */
    PLAN_WARN_ABOVE_MAXPHY,   /* range at or above 2^MAXPHYADDR: clipped or skipped */
    PLAN_WARN_WRAPS,          /* range runs past 2^64: clipped */
    PLAN_WARN_UNSORTED,       /* descriptors out of address order: sorted */
    PLAN_WARN_OVERLAP,        /* descriptors overlap: the first one wins */
    PLAN_WARN_COUNT
};

/* Its name ("PLAN_WARN_..."), or "PLAN_WARN_UNKNOWN" for a value out of range. */
const char *plan_warning_name(enum plan_warning w);
/* A sentence saying what was repaired. */
const char *plan_warning_message(enum plan_warning w);

#endif
