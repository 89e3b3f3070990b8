/* W^X limits: see wx.h. */
#include "wx.h"

#include <efilib.h>

#ifndef EFI_MEMORY_RO
#define EFI_MEMORY_RO 0x20000ull
#endif

/* PE/COFF offsets (Microsoft PE format specification). */
#define PE_LFANEW_OFF      0x3c
#define COFF_SECTIONS_OFF  6
#define COFF_OPT_SIZE_OFF  20
#define COFF_HEADER_SIZE   24 /* "PE\0\0" and the file header */
#define OPT_SECT_ALIGN_OFF 32
#define SECTION_SIZE       40
#define SCN_MEM_EXECUTE    0x20000000u
#define SCN_MEM_WRITE      0x80000000u

static EFI_GUID attributes_table_guid = {
    0xdcfa911d, 0x26eb, 0x469f, {0xa2, 0x20, 0x38, 0xb7, 0xdc, 0x46, 0x12, 0x20}};

struct attributes_table {
    UINT32 version, entries, desc_size, flags;
    /* followed by `entries` descriptors of desc_size bytes */
};

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

static bool guid_equal(const EFI_GUID *a, const EFI_GUID *b)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    for (unsigned i = 0; i < sizeof *a; i++)
        if (x[i] != y[i])
            return false;
    return true;
}

static bool from_table(struct wx_limits *wx, pt_attr nx)
{
    const struct attributes_table *mat = NULL;
#ifdef PAGETK_TEST_NO_MAT
    return true; /* test-only: behave as on a firmware without the table */
#endif
    for (UINTN i = 0; i < ST->NumberOfTableEntries; i++)
        if (guid_equal(&ST->ConfigurationTable[i].VendorGuid, &attributes_table_guid))
            mat = ST->ConfigurationTable[i].VendorTable;
    if (!mat)
        return true;
    wx->have_table = true;
    wx->table_version = mat->version;
    wx->table_entries = mat->entries;
    if (mat->desc_size < sizeof(EFI_MEMORY_DESCRIPTOR)) {
        wx->problem = "the memory attributes table's DescriptorSize is too small: table ignored";
        return true;
    }
    const uint8_t *entry = (const uint8_t *)(mat + 1);
    for (UINT32 i = 0; i < mat->entries; i++, entry += mat->desc_size) {
        const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)entry;
        uint64_t start = d->PhysicalStart, end = start + d->NumberOfPages * 4096;
        pt_attr clear = (d->Attribute & EFI_MEMORY_RO) ? PT_ATTR_WRITE : 0;
        pt_attr set = (d->Attribute & EFI_MEMORY_XP) ? nx : 0;
        if (clear && !set && !wx->runtime_code)
            wx->runtime_code = start;
        if (!add(wx, start, end, clear, set, WX_FIRMWARE))
            return false;
    }
    return true;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool from_image(EFI_HANDLE image, struct wx_limits *wx, pt_attr nx)
{
    EFI_LOADED_IMAGE *loaded;
    if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
                                    (void **)&loaded))) {
        wx->problem = "no loaded-image protocol: the app's sections are not limited";
        return true;
    }
    const uint8_t *base = loaded->ImageBase;
    wx->image_base = (uint64_t)(uintptr_t)base;
    wx->image_size = loaded->ImageSize;
    const uint8_t *pe = base + rd32(base + PE_LFANEW_OFF);
    unsigned sections = pe[COFF_SECTIONS_OFF] | pe[COFF_SECTIONS_OFF + 1] << 8;
    unsigned opt_size = pe[COFF_OPT_SIZE_OFF] | pe[COFF_OPT_SIZE_OFF + 1] << 8;
    const uint8_t *opt = pe + COFF_HEADER_SIZE;
    if ((wx->image_base & 4095) || rd32(opt + OPT_SECT_ALIGN_OFF) % 4096) {
        wx->problem = "the app's sections are not page aligned: not limited";
        return true;
    }
    const uint8_t *sec = opt + opt_size;
    uint64_t headers_end = wx->image_size;
    for (unsigned i = 0; i < sections; i++, sec += SECTION_SIZE) {
        uint64_t va = rd32(sec + 12), size = rd32(sec + 8);
        uint32_t flags = rd32(sec + 36);
        if (!size)
            continue;
        if (va < headers_end)
            headers_end = va;
        bool exec = flags & SCN_MEM_EXECUTE, write = flags & SCN_MEM_WRITE;
        uint64_t start = wx->image_base + va, end = start + ((size + 4095) & ~4095ull);
        if (!add(wx, start, end, exec || !write ? PT_ATTR_WRITE : 0, exec ? 0 : nx, WX_IMAGE))
            return false;
    }
    /* The headers are data nobody writes once loaded. */
    return add(wx, wx->image_base, wx->image_base + headers_end, PT_ATTR_WRITE, nx, WX_IMAGE);
}

bool wx_collect(EFI_HANDLE image, const struct cpu_state *cpu, struct wx_limits *wx)
{
    pt_attr nx = cpu->pt.nx ? PT_ATTR_NX : 0;
    wx->count = 0;
    return from_table(wx, nx) && from_image(image, wx, nx);
}
