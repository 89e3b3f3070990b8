/* Names and messages of the library's error values. */
#include "pt.h"

/* Indexed by the error, with one entry more, after the last, for a value out of range: the
 * shape of every status table of the project. */
struct error_text {
    const char *name, *message;
};

static const struct error_text error_texts[PT_ERR_COUNT + 1] = {
    [PT_OK] = {"PT_OK", "success"},
    [PT_ERR_NO_FRAMES] = {"PT_ERR_NO_FRAMES", "the frame allocator has no frame left"},
    [PT_ERR_ALREADY_MAPPED] = {"PT_ERR_ALREADY_MAPPED",
                               "the range overlaps an existing mapping (replace not requested)"},
    [PT_ERR_MISALIGNED] = {"PT_ERR_MISALIGNED",
                           "address or length is not aligned to the page size"},
    [PT_ERR_NON_CANONICAL] = {"PT_ERR_NON_CANONICAL",
                              "virtual range is not canonical (crosses or lies in the hole)"},
    [PT_ERR_PA_TOO_WIDE] = {"PT_ERR_PA_TOO_WIDE",
                            "physical address at or above 2^MAXPHYADDR, or range wraps"},
    [PT_ERR_RECURSIVE_SLOT] = {"PT_ERR_RECURSIVE_SLOT",
                               "range lies in the recursive slot's 512 GiB"},
    [PT_ERR_SIZE_NOT_ALLOWED] = {"PT_ERR_SIZE_NOT_ALLOWED",
                                 "1 GiB page on a CPU without 1 GiB pages"},
    [PT_ERR_NX_DISABLED] = {"PT_ERR_NX_DISABLED", "no-execute bit used while EFER.NXE is clear"},
    [PT_ERR_BAD_LENGTH] = {"PT_ERR_BAD_LENGTH", "length is zero or the range wraps"},
    [PT_ERR_BAD_ATTR] = {"PT_ERR_BAD_ATTR",
                         "unknown attribute bits, or memory type absent from the PAT"},
    [PT_ERR_BAD_SLOT] = {"PT_ERR_BAD_SLOT",
                         "recursive slot index out of range, or its entry is in use"},
    [PT_ERR_UNREACHABLE] = {"PT_ERR_UNREACHABLE",
                            "the access mode cannot reach the free frames this call needs "
                            "(recursive mode: no free top-table entry outside the change to list "
                            "them in, or more than 64 + 16 x 512)"},
    [PT_ERR_RESERVED_BITS] =
        {"PT_ERR_RESERVED_BITS",
         "a table-pointing entry sets physical-address bits at or above MAXPHYADDR"},
    [PT_ERR_BAD_PS] = {"PT_ERR_BAD_PS", "page-size bit set in a PML4 or PML5 entry"},
    [PT_ERR_LEAF_MISALIGNED] = {"PT_ERR_LEAF_MISALIGNED",
                                "a large leaf's physical address is not aligned to its size"},
    [PT_ERR_TABLE_LOOP] = {"PT_ERR_TABLE_LOOP",
                           "a table is reachable twice (a loop other than the recursive slot)"},
    [PT_ERR_SLOT_MISMATCH] = {"PT_ERR_SLOT_MISMATCH",
                              "the recursive slot does not point at the root"},
    [PT_ERR_SCRATCH_FULL] = {"PT_ERR_SCRATCH_FULL", "the visited-table set is full"},
    [PT_ERR_STOPPED] = {"PT_ERR_STOPPED", "a callback stopped the walk"},
    [PT_ERR_BAD_LEVELS] = {"PT_ERR_BAD_LEVELS", "paging depth is neither four nor five levels"},
    [PT_ERR_RESERVE_SHORT] = {"PT_ERR_RESERVE_SHORT",
                              "a change needed more frames than its dry run counted and "
                              "reserved; it stopped without making a table it had no frame for"},
    [PT_ERR_COUNT] = {"PT_ERR_UNKNOWN", "unknown error value"},
};

static const struct error_text *error_text(enum pt_error err)
{
    return &error_texts[(unsigned)err < PT_ERR_COUNT ? (unsigned)err : PT_ERR_COUNT];
}

const char *pt_error_name(enum pt_error err)
{
    return error_text(err)->name;
}

const char *pt_strerror(enum pt_error err)
{
    return error_text(err)->message;
}
