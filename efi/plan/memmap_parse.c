/* The UEFI memory map's bytes read once: every descriptor sanitised into sorted,
 * page-aligned ranges with no overlap, each repair counted as a named warning. */
#include "plan.h"

#include "le.h"
#include "sort.h"
const char *plan_type_name(uint32_t type)
{
    static const char *const names[] = {
        "reserved",     "loader-code",  "loader-data",  "boot-code", "boot-data",
        "runtime-code", "runtime-data", "conventional", "unusable",  "acpi-reclaim",
        "acpi-nvs",     "mmio",         "mmio-port",    "pal-code",  "persistent",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : "other";
}

bool plan_type_is_ram(uint32_t type)
{
    switch (type) {
    case EFI_MT_LOADER_CODE:
    case EFI_MT_LOADER_DATA:
    case EFI_MT_BOOT_CODE:
    case EFI_MT_BOOT_DATA:
    case EFI_MT_RUNTIME_CODE:
    case EFI_MT_RUNTIME_DATA:
    case EFI_MT_CONVENTIONAL:
    case EFI_MT_ACPI_RECLAIM:
    case EFI_MT_ACPI_NVS:
    case EFI_MT_PERSISTENT:
        return true;
    default:
        return false;
    }
}

static bool range_before(const void *x, const void *y)
{
    const struct plan_range *a = x, *b = y;
    return a->start < b->start || (a->start == b->start && a->end < b->end);
}

/* One descriptor to a page-aligned range below 2^MAXPHYADDR; false when nothing is left. */
static bool sanitise_descriptor(const uint8_t *d, uint64_t phys_limit, struct plan *out,
                                struct plan_range *r)
{
    uint64_t start = le_read(d + PLAN_DESC_PHYS_OFF, 8);
    uint64_t pages = le_read(d + PLAN_DESC_PAGES_OFF, 8);
    r->type = (uint32_t)le_read(d + PLAN_DESC_TYPE_OFF, 4);
    if (pages == 0) {
        out->warnings[PLAN_WARN_ZERO_PAGES]++;
        return false;
    }
    uint64_t end;
    if (pages > (~0ull - start) / PT_PAGE_4K) {
        out->warnings[PLAN_WARN_WRAPS]++;
        end = ~0ull & ~(PT_PAGE_4K - 1);
    } else {
        end = start + pages * PT_PAGE_4K;
    }
    if (start & (PT_PAGE_4K - 1)) {
        out->warnings[PLAN_WARN_UNALIGNED]++;
        start &= ~(PT_PAGE_4K - 1);
        if (end <= ~0ull - (PT_PAGE_4K - 1))
            end = (end + PT_PAGE_4K - 1) & ~(PT_PAGE_4K - 1);
    }
    if (end > phys_limit) {
        out->warnings[PLAN_WARN_ABOVE_MAXPHY]++;
        if (start >= phys_limit)
            return false;
        end = phys_limit;
    }
    r->start = start;
    r->end = end;
    return true;
}

enum plan_error plan_read_memory_map(const struct plan_input *in, struct plan *out)
{
    for (int w = 0; w < PLAN_WARN_COUNT; w++)
        out->warnings[w] = 0;
    out->range_count = 0;
    out->ram_bytes = 0;
    if (in->desc_size < PLAN_DESC_MIN_SIZE)
        return PLAN_ERR_DESC_SIZE;
    if (in->desc_size % 8)
        out->warnings[PLAN_WARN_DESC_SIZE_ODD]++;
    if (in->map_size % in->desc_size)
        out->warnings[PLAN_WARN_TRAILING_BYTES]++;
    uint64_t phys_limit = 1ull << in->cpu.maxphyaddr;
    const uint8_t *bytes = in->map;
    size_t count = in->map_size / in->desc_size;
    for (size_t i = 0; i < count; i++) {
        struct plan_range r;
        if (!sanitise_descriptor(bytes + i * in->desc_size, phys_limit, out, &r))
            continue;
        if (out->range_count == out->range_cap)
            return PLAN_ERR_NO_ROOM;
        if (out->range_count && range_before(&r, &out->ranges[out->range_count - 1]))
            out->warnings[PLAN_WARN_UNSORTED] = 1;
        out->ranges[out->range_count++] = r;
    }
    if (out->range_count == 0)
        return PLAN_ERR_EMPTY_MAP;
    plan_sort(out->ranges, out->range_count, sizeof *out->ranges, range_before);
    /* Trim overlaps so every byte belongs to one range: the lower-starting one. */
    size_t kept = 0;
    uint64_t covered = 0;
    for (size_t i = 0; i < out->range_count; i++) {
        struct plan_range r = out->ranges[i];
        if (kept && r.start < covered) {
            out->warnings[PLAN_WARN_OVERLAP]++;
            if (r.end <= covered)
                continue;
            r.start = covered;
        }
        out->ranges[kept++] = r;
        covered = r.end;
        if (plan_type_is_ram(r.type))
            out->ram_bytes += r.end - r.start;
    }
    out->range_count = kept;
    return PLAN_OK;
}
