/* W^X sources: see wx.h. */
#include "wx.h"

#include <efilib.h>

#include "report.h"

static EFI_GUID attributes_table_guid = {
    0xdcfa911d, 0x26eb, 0x469f, {0xa2, 0x20, 0x38, 0xb7, 0xdc, 0x46, 0x12, 0x20}};

static bool guid_equal(const EFI_GUID *a, const EFI_GUID *b)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    for (unsigned i = 0; i < sizeof *a; i++)
        if (x[i] != y[i])
            return false;
    return true;
}

static const void *find_attributes_table(void)
{
#ifdef PAGETK_TEST_NO_MAT
    return NULL; /* test-only: behave as on a firmware without the table */
#endif
    for (UINTN i = 0; i < ST->NumberOfTableEntries; i++)
        if (guid_equal(&ST->ConfigurationTable[i].VendorGuid, &attributes_table_guid))
            return ST->ConfigurationTable[i].VendorTable;
    return NULL;
}

void wx_gather(EFI_HANDLE image, const struct cpu_state *cpu, struct wx_input *in)
{
    in->nx = cpu->pt.nx ? PT_ATTR_NX : 0;
    in->table = find_attributes_table();
    in->image = NULL;
    in->image_base = in->image_size = 0;
    EFI_LOADED_IMAGE *loaded;
    if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
                                    (void **)&loaded)))
        return;
    in->image = loaded->ImageBase;
    in->image_base = (uint64_t)(uintptr_t)loaded->ImageBase;
    in->image_size = loaded->ImageSize;
}

bool wx_collect(EFI_HANDLE image, const struct cpu_state *cpu, const struct plan_limit *device,
                struct wx_sources *out, struct report_tally *tally)
{
    struct wx_input in = {.device = device};
    wx_gather(image, cpu, &in);
    enum plan_error st = wx_read(&in, out);
    if (st != PLAN_OK) {
        report_check(tally, "plan", false, "%s: %s", plan_error_name(st), plan_error_message(st));
        return false;
    }
    const struct wx_limits *set = &out->set;
    if (out->have_table)
        report("w^x: memory attributes table version %u, %u entries; app at 0x%llx (%llu KiB); "
               "%u limits",
               out->table_version, out->table_entries, (unsigned long long)out->image_base,
               (unsigned long long)(out->image_size >> 10), (unsigned)set->count);
    else
        report("w^x: no EFI_MEMORY_ATTRIBUTES_TABLE from the firmware; app at 0x%llx (%llu KiB); "
               "%u limits",
               (unsigned long long)out->image_base, (unsigned long long)(out->image_size >> 10),
               (unsigned)set->count);
    if (out->table_status != PLAN_OK)
        report("  warning %s: %s: the table is left out", plan_error_name(out->table_status),
               plan_error_message(out->table_status));
    if (set->skipped)
        report("  warning: %u memory attributes table entries skipped (no pages, unaligned, or "
               "wrapping)",
               (unsigned)set->skipped);
    if (out->image_status != PLAN_OK)
        report("  warning %s: %s: the app's sections are not limited",
               plan_error_name(out->image_status), plan_error_message(out->image_status));
    return true;
}
