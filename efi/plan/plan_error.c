/* Names and messages of the planner's errors and warnings: see plan_error.h. */
#include "plan_error.h"

/* Indexed by the value, with one entry more, after the last, for a value out of range: the
 * shape of core/error.c's table. */
struct plan_text {
    const char *name, *message;
};

static const struct plan_text error_texts[PLAN_ERR_COUNT + 1] = {
    [PLAN_OK] = {"PLAN_OK", "success"},
    [PLAN_ERR_DESC_SIZE] = {"PLAN_ERR_DESC_SIZE",
                            "DescriptorSize is smaller than EFI_MEMORY_DESCRIPTOR"},
    [PLAN_ERR_EMPTY_MAP] = {"PLAN_ERR_EMPTY_MAP", "the memory map has no usable descriptor"},
    [PLAN_ERR_NO_ROOM] = {"PLAN_ERR_NO_ROOM", "more ranges or regions than the plan can hold"},
    [PLAN_ERR_ALIAS_RANGE] = {"PLAN_ERR_ALIAS_RANGE",
                              "RAM extends past the end of the higher-half alias window"},
    [PLAN_ERR_BAD_RUN] = {"PLAN_ERR_BAD_RUN",
                          "a firmware run is unaligned, non-canonical or out of order"},
    [PLAN_ERR_BAD_LIMIT] = {"PLAN_ERR_BAD_LIMIT",
                            "a rights limit is empty, not 4 KiB aligned, or wraps"},
    [PLAN_ERR_WX_NO_ROOM] = {"PLAN_ERR_WX_NO_ROOM", "more W^X limits than the app has room for"},
    [PLAN_ERR_WX_TABLE_DESC_SIZE] = {"PLAN_ERR_WX_TABLE_DESC_SIZE",
                                     "the memory attributes table's DescriptorSize is "
                                     "implausible"},
    [PLAN_ERR_WX_TABLE_TOO_LARGE] = {"PLAN_ERR_WX_TABLE_TOO_LARGE",
                                     "the memory attributes table claims implausibly many "
                                     "entries"},
    [PLAN_ERR_WX_PE_HEADER] = {"PLAN_ERR_WX_PE_HEADER", "the image has no valid PE header"},
    [PLAN_ERR_WX_PE_ALIGNMENT] = {"PLAN_ERR_WX_PE_ALIGNMENT",
                                  "the image's sections are not page aligned"},
    [PLAN_ERR_WX_PE_SECTION_RANGE] = {"PLAN_ERR_WX_PE_SECTION_RANGE",
                                      "a section reaches past the image's end"},
    [PLAN_ERR_RT_PROPS_VERSION] = {"PLAN_ERR_RT_PROPS_VERSION",
                                   "EFI_RT_PROPERTIES_TABLE of an unknown version: every "
                                   "service assumed"},
    [PLAN_ERR_RT_PROPS_LENGTH] = {"PLAN_ERR_RT_PROPS_LENGTH",
                                  "EFI_RT_PROPERTIES_TABLE shorter than 8 bytes: every service "
                                  "assumed"},
    [PLAN_ERR_SMBIOS_ENTRY_ANCHOR] = {"PLAN_ERR_SMBIOS_ENTRY_ANCHOR",
                                      "no _SM3_ or _SM_/_DMI_ anchor"},
    [PLAN_ERR_SMBIOS_ENTRY_LENGTH] = {"PLAN_ERR_SMBIOS_ENTRY_LENGTH",
                                      "entry point length out of range"},
    [PLAN_ERR_SMBIOS_ENTRY_CHECKSUM] = {"PLAN_ERR_SMBIOS_ENTRY_CHECKSUM",
                                        "entry point checksum is not 0"},
    [PLAN_ERR_SMBIOS_TABLE_EMPTY] = {"PLAN_ERR_SMBIOS_TABLE_EMPTY", "table address or length is 0"},
    [PLAN_ERR_SMBIOS_TABLE_TOO_LARGE] = {"PLAN_ERR_SMBIOS_TABLE_TOO_LARGE",
                                         "table longer than 1 MiB"},
    [PLAN_ERR_SMBIOS_STRUCT_SHORT] = {"PLAN_ERR_SMBIOS_STRUCT_SHORT",
                                      "structure shorter than its header"},
    [PLAN_ERR_SMBIOS_STRUCT_PAST_END] = {"PLAN_ERR_SMBIOS_STRUCT_PAST_END",
                                         "structure runs past the table's end"},
    [PLAN_ERR_SMBIOS_STRINGS_UNENDED] = {"PLAN_ERR_SMBIOS_STRINGS_UNENDED",
                                         "strings without a double NUL before the table's end"},
    [PLAN_ERR_SMBIOS_STRING_INDEX] = {"PLAN_ERR_SMBIOS_STRING_INDEX",
                                      "string number past the structure's strings"},
    [PLAN_ERR_SMBIOS_NO_END] = {"PLAN_ERR_SMBIOS_NO_END", "no end-of-table structure"},
    [PLAN_ERR_SMBIOS_TOO_MANY] = {"PLAN_ERR_SMBIOS_TOO_MANY", "more than 4096 structures"},
    [PLAN_ERR_DEVPATH_NODE_SHORT] = {"PLAN_ERR_DEVPATH_NODE_SHORT", "node shorter than its header"},
    [PLAN_ERR_DEVPATH_NODE_PAST_END] = {"PLAN_ERR_DEVPATH_NODE_PAST_END",
                                        "node runs past the path's end"},
    [PLAN_ERR_DEVPATH_NO_END] = {"PLAN_ERR_DEVPATH_NO_END", "no end node"},
    [PLAN_ERR_DEVPATH_TEXT_FULL] = {"PLAN_ERR_DEVPATH_TEXT_FULL",
                                    "path text longer than its buffer"},
    [PLAN_ERR_OPTIONS_UNKNOWN_WORD] = {"PLAN_ERR_OPTIONS_UNKNOWN_WORD",
                                       "unknown option word (known: takeover, inspect, reset, "
                                       "touch=all, touch=leaves)"},
    [PLAN_ERR_OPTIONS_CONFLICT] = {"PLAN_ERR_OPTIONS_CONFLICT",
                                   "takeover and inspect exclude each other; reset needs "
                                   "takeover"},
    [PLAN_ERR_COUNT] = {"PLAN_ERR_UNKNOWN", "unknown error value"},
};

static const struct plan_text warning_texts[PLAN_WARN_COUNT + 1] = {
    [PLAN_WARN_DESC_SIZE_ODD] = {"PLAN_WARN_DESC_SIZE_ODD",
                                 "DescriptorSize is not a multiple of 8"},
    [PLAN_WARN_TRAILING_BYTES] = {"PLAN_WARN_TRAILING_BYTES",
                                  "map size is not a multiple of DescriptorSize; tail ignored"},
    [PLAN_WARN_ZERO_PAGES] = {"PLAN_WARN_ZERO_PAGES", "descriptor of zero pages skipped"},
    [PLAN_WARN_UNALIGNED] = {"PLAN_WARN_UNALIGNED",
                             "PhysicalStart not 4 KiB aligned; widened to whole pages"},
    [PLAN_WARN_ABOVE_MAXPHY] = {"PLAN_WARN_ABOVE_MAXPHY",
                                "range at or above 2^MAXPHYADDR clipped or skipped"},
    [PLAN_WARN_WRAPS] = {"PLAN_WARN_WRAPS", "range runs past 2^64; clipped"},
    [PLAN_WARN_UNSORTED] = {"PLAN_WARN_UNSORTED", "descriptors out of address order; sorted"},
    [PLAN_WARN_OVERLAP] = {"PLAN_WARN_OVERLAP", "descriptors overlap; the earlier one wins"},
    [PLAN_WARN_COUNT] = {"PLAN_WARN_UNKNOWN", "unknown warning"},
};

static const struct plan_text *error_text(enum plan_error err)
{
    return &error_texts[(unsigned)err < PLAN_ERR_COUNT ? (unsigned)err : PLAN_ERR_COUNT];
}

static const struct plan_text *warning_text(enum plan_warning w)
{
    return &warning_texts[(unsigned)w < PLAN_WARN_COUNT ? (unsigned)w : PLAN_WARN_COUNT];
}

const char *plan_error_name(enum plan_error err)
{
    return error_text(err)->name;
}

const char *plan_error_message(enum plan_error err)
{
    return error_text(err)->message;
}

const char *plan_warning_name(enum plan_warning w)
{
    return warning_text(w)->name;
}

const char *plan_warning_message(enum plan_warning w)
{
    return warning_text(w)->message;
}
