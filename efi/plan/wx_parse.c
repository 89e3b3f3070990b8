/* W^X describers from raw bytes: see wx_parse.h. */
#include "wx_parse.h"

#include "le.h"
/* The table's descriptors are EFI_MEMORY_DESCRIPTORs, read with the memory map's layout
 * (plan.h). */
#define DESC_MAX_SIZE 1024 /* descriptors are 40-48 bytes; more is a corrupt header */
#define TABLE_HEADER  16   /* Version, NumberOfEntries, DescriptorSize, Flags */

/* PE/COFF (Microsoft PE format specification). */
#define PE_LFANEW_OFF      0x3c
#define COFF_SECTIONS_OFF  6
#define COFF_OPT_SIZE_OFF  20
#define COFF_HEADER_SIZE   24 /* "PE\0\0" and the file header */
#define OPT_SECT_ALIGN_OFF 32
#define SECTION_SIZE       40
#define SECTION_VSIZE_OFF  8
#define SECTION_VA_OFF     12
#define SECTION_FLAGS_OFF  36
#define SCN_MEM_EXECUTE    0x20000000u
#define SCN_MEM_WRITE      0x80000000u

static bool add(struct wx_limits *wx, uint64_t start, uint64_t end, pt_attr clear, pt_attr set,
                enum wx_origin origin)
{
    if (!clear && !set)
        return true;
    if (wx->count == WX_MAX_LIMITS)
        return false;
    wx->origin[wx->count] = (uint8_t)origin;
    wx->limits[wx->count++] = (struct plan_limit){start, end, clear, set};
    return true;
}

static enum plan_error table_into(const void *table, pt_attr nx, struct wx_limits *wx,
                                  uint32_t *version, uint32_t *entries, uint64_t *first_read_only)
{
    const uint8_t *t = table;
    uint64_t count = le_read(t + 4, 4), desc_size = le_read(t + 8, 4);
    *version = (uint32_t)le_read(t, 4);
    *entries = (uint32_t)count;
    *first_read_only = 0;
    if (desc_size < PLAN_DESC_MIN_SIZE || desc_size > DESC_MAX_SIZE)
        return PLAN_ERR_WX_TABLE_DESC_SIZE;
    if (count > WX_MAX_TABLE_ENTRY)
        return PLAN_ERR_WX_TABLE_TOO_LARGE;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *d = t + TABLE_HEADER + i * desc_size;
        uint64_t start = le_read(d + PLAN_DESC_PHYS_OFF, 8),
                 pages = le_read(d + PLAN_DESC_PAGES_OFF, 8);
        uint64_t attr = le_read(d + PLAN_DESC_ATTR_OFF, 8);
        if (!pages || (start & 4095) || pages > (~start >> 12)) {
            wx->skipped++;
            continue;
        }
        pt_attr clear = (attr & PLAN_DESC_ATTR_RO) ? PT_ATTR_WRITE : 0;
        pt_attr set = (attr & PLAN_DESC_ATTR_XP) ? nx : 0;
        if (clear && !set && !*first_read_only)
            *first_read_only = start;
        if (!add(wx, start, start + pages * 4096, clear, set, WX_FIRMWARE))
            return PLAN_ERR_WX_NO_ROOM;
    }
    return PLAN_OK;
}

static enum plan_error pe_into(const void *image, uint64_t base, uint64_t size, pt_attr nx,
                               struct wx_limits *wx)
{
    const uint8_t *img = image;
    if (size < PE_LFANEW_OFF + 4 || img[0] != 'M' || img[1] != 'Z')
        return PLAN_ERR_WX_PE_HEADER;
    uint64_t pe = le_read(img + PE_LFANEW_OFF, 4);
    if (pe + COFF_HEADER_SIZE > size || le_read(img + pe, 4) != 0x4550) /* "PE\0\0" */
        return PLAN_ERR_WX_PE_HEADER;
    uint64_t sections = le_read(img + pe + COFF_SECTIONS_OFF, 2);
    uint64_t opt = pe + COFF_HEADER_SIZE, opt_size = le_read(img + pe + COFF_OPT_SIZE_OFF, 2);
    uint64_t table = opt + opt_size;
    if (opt_size < OPT_SECT_ALIGN_OFF + 4 || table + sections * SECTION_SIZE > size)
        return PLAN_ERR_WX_PE_HEADER;
    if ((base & 4095) || le_read(img + opt + OPT_SECT_ALIGN_OFF, 4) % 4096)
        return PLAN_ERR_WX_PE_ALIGNMENT;
    uint64_t headers_end = size;
    for (uint64_t i = 0; i < sections; i++) {
        const uint8_t *sec = img + table + i * SECTION_SIZE;
        uint64_t va = le_read(sec + SECTION_VA_OFF, 4), len = le_read(sec + SECTION_VSIZE_OFF, 4);
        uint32_t flags = (uint32_t)le_read(sec + SECTION_FLAGS_OFF, 4);
        if (!len)
            continue;
        if (va & 4095)
            return PLAN_ERR_WX_PE_ALIGNMENT;
        uint64_t end = va + ((len + 4095) & ~4095ull);
        if (end > ((size + 4095) & ~4095ull))
            return PLAN_ERR_WX_PE_SECTION_RANGE;
        if (va < headers_end)
            headers_end = va;
        bool exec = flags & SCN_MEM_EXECUTE, write = flags & SCN_MEM_WRITE;
        if (!add(wx, base + va, base + end, exec || !write ? PT_ATTR_WRITE : 0, exec ? 0 : nx,
                 WX_IMAGE))
            return PLAN_ERR_WX_NO_ROOM;
    }
    headers_end &= ~4095ull;
    if (headers_end && !add(wx, base, base + headers_end, PT_ATTR_WRITE, nx, WX_IMAGE))
        return PLAN_ERR_WX_NO_ROOM;
    return PLAN_OK;
}

/* Both parsers add all of a source's limits or none of them. */
enum plan_error wx_parse_attributes_table(const void *table, pt_attr nx, struct wx_limits *wx,
                                          uint32_t *version, uint32_t *entries,
                                          uint64_t *first_read_only)
{
    size_t count = wx->count;
    uint32_t skipped = wx->skipped;
    enum plan_error st = table_into(table, nx, wx, version, entries, first_read_only);
    if (st != PLAN_OK) {
        wx->count = count;
        wx->skipped = skipped;
        *first_read_only = 0;
    }
    return st;
}

enum plan_error wx_parse_pe(const void *image, uint64_t base, uint64_t size, pt_attr nx,
                            struct wx_limits *wx)
{
    size_t count = wx->count;
    enum plan_error st = pe_into(image, base, size, nx, wx);
    if (st != PLAN_OK)
        wx->count = count;
    return st;
}

enum plan_error wx_read(const struct wx_input *in, struct wx_sources *out)
{
    *out = (struct wx_sources){.have_table = in->table != NULL,
                               .table_status = PLAN_OK,
                               .image_status = PLAN_ERR_WX_PE_HEADER,
                               .image_base = in->image_base,
                               .image_size = in->image_size};
    if (in->table) {
        out->table_status =
            wx_parse_attributes_table(in->table, in->nx, &out->set, &out->table_version,
                                      &out->table_entries, &out->runtime_code);
        if (out->table_status == PLAN_ERR_WX_NO_ROOM)
            return PLAN_ERR_WX_NO_ROOM;
    }
    if (in->image) {
        out->image_status =
            wx_parse_pe(in->image, in->image_base, in->image_size, in->nx, &out->set);
        if (out->image_status == PLAN_ERR_WX_NO_ROOM)
            return PLAN_ERR_WX_NO_ROOM;
    }
    if (in->device && !add(&out->set, in->device->start, in->device->end, in->device->clear,
                           in->device->set, WX_DEVICE))
        return PLAN_ERR_WX_NO_ROOM;
    return PLAN_OK;
}
