/* The machine's name: see machine.h. */
#include "machine.h"

#include <efilib.h>

#include "cpu.h"
#include "report.h"
#include "text.h"

/* One entry point through the parsers; true when a table passed. */
static bool try_smbios(struct machine *m, bool v3, const void *ep)
{
    struct smbios_entry e;
    const char *which = v3 ? "3.x" : "2.x";
    enum plan_error st = smbios_entry_parse(ep, v3 ? SMBIOS_ENTRY3_LEN : SMBIOS_ENTRY2_LEN, v3, &e);
    if (st != PLAN_OK) {
        report("smbios: %s entry point at 0x%llx refused: %s (%s)", which,
               (unsigned long long)(uintptr_t)ep, plan_error_name(st), plan_error_message(st));
        return false;
    }
    st = smbios_table_parse((const uint8_t *)(uintptr_t)e.table_address, e.table_length,
                            e.structures, &m->smbios);
    if (st != PLAN_OK) {
        report("smbios: %s table at 0x%llx (%u bytes) refused: %s (%s) at offset %llu", which,
               (unsigned long long)e.table_address, e.table_length, plan_error_name(st),
               plan_error_message(st), (unsigned long long)m->smbios.bad_offset);
        return false;
    }
    text_format(m->smbios_note, sizeof m->smbios_note,
                "SMBIOS %u.%u from the %s entry point, %u structures", e.major, e.minor, which,
                m->smbios.structures);
    return true;
}

static void read_smbios(struct machine *m)
{
    static EFI_GUID v3_guid = SMBIOS3_TABLE_GUID, v2_guid = SMBIOS_TABLE_GUID;
    void *v3 = NULL, *v2 = NULL;
    for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
        if (!CompareGuid(&ST->ConfigurationTable[i].VendorGuid, &v3_guid))
            v3 = ST->ConfigurationTable[i].VendorTable;
        else if (!CompareGuid(&ST->ConfigurationTable[i].VendorGuid, &v2_guid))
            v2 = ST->ConfigurationTable[i].VendorTable;
    }
    if (v3 && try_smbios(m, true, v3))
        return;
    if (v2 && try_smbios(m, false, v2))
        return;
    text_format(m->smbios_note, sizeof m->smbios_note, "%s",
                v3 || v2 ? "no SMBIOS table passed its checks"
                         : "the firmware publishes no SMBIOS");
}

static void read_cpu_brand(struct machine *m)
{
    uint32_t r[4];
    m->cpu_brand[0] = '\0';
    cpu_cpuid(0x80000000u, 0, r);
    if (r[0] < 0x80000004u)
        return;
    char raw[49];
    for (uint32_t leaf = 0; leaf < 3; leaf++) {
        cpu_cpuid(0x80000002u + leaf, 0, r);
        for (int i = 0; i < 16; i++)
            raw[leaf * 16 + i] = (char)(r[i / 4] >> (8 * (i % 4)));
    }
    raw[48] = '\0';
    const char *p = raw;
    while (*p == ' ')
        p++;
    size_t n = 0;
    for (; *p; p++)
        m->cpu_brand[n++] = *p >= 0x20 && *p < 0x7f && *p != '"' ? *p : '?';
    while (n && m->cpu_brand[n - 1] == ' ')
        n--;
    m->cpu_brand[n] = '\0';
}

/* A one-byte global variable: 1, 0, or -1 when absent or odd. */
static int read_flag(CHAR16 *name)
{
    static EFI_GUID global = EFI_GLOBAL_VARIABLE;
    uint8_t value[8];
    UINTN size = sizeof value;
    UINT32 attrs;
    if (EFI_ERROR(uefi_call_wrapper(RT->GetVariable, 5, name, &global, &attrs, &size, value)) ||
        size != 1 || value[0] > 1)
        return -1;
    return value[0];
}

static void read_boot_device(EFI_HANDLE image, struct machine *m)
{
    EFI_LOADED_IMAGE *loaded;
    EFI_DEVICE_PATH *path;
    m->boot_kind = DEVPATH_OTHER;
    if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
                                    (void **)&loaded)) ||
        EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, loaded->DeviceHandle,
                                    &DevicePathProtocol, (void **)&path))) {
        text_format(m->boot_path, sizeof m->boot_path, "(no device path)");
        return;
    }
    /* A device path has no length of its own: the parser stops at its end node, and no path
     * the firmware builds is near 4 KiB. */
    enum plan_error st = devpath_describe((const uint8_t *)path, 4096, &m->boot_kind, m->boot_path,
                                          sizeof m->boot_path);
    if (st != PLAN_OK)
        text_format(m->boot_path, sizeof m->boot_path, "(device path refused: %s)",
                    plan_error_name(st));
}

void machine_read(EFI_HANDLE image, struct machine *m)
{
    read_smbios(m);
    read_cpu_brand(m);
    size_t n = 0;
    for (const CHAR16 *v = ST->FirmwareVendor; v && *v && n + 1 < sizeof m->fw_vendor; v++)
        m->fw_vendor[n++] = *v >= 0x20 && *v < 0x7f && *v != '"' ? (char)*v : '?';
    m->fw_vendor[n] = '\0';
    m->fw_revision = ST->FirmwareRevision;
    m->uefi_revision = ST->Hdr.Revision;
    m->secure_boot = read_flag(L"SecureBoot");
    m->setup_mode = read_flag(L"SetupMode");
    read_boot_device(image, m);
}

static const char *or_none(const char *s)
{
    return s[0] ? s : "(none)";
}

static const char *flag_text(int flag, const char *on, const char *off)
{
    return flag > 0 ? on : flag == 0 ? off : "unknown (no variable)";
}

void machine_report(const struct machine *m)
{
    const struct smbios_machine *s = &m->smbios;
    report("system: vendor \"%s\", product \"%s\", version \"%s\"", s->sys_vendor, s->sys_product,
           s->sys_version);
    report("board: vendor \"%s\", product \"%s\", version \"%s\"", s->board_vendor,
           s->board_product, s->board_version);
    report("bios: vendor \"%s\", version \"%s\", date \"%s\"; %s", s->bios_vendor, s->bios_version,
           s->bios_date, m->smbios_note);
    report("cpu brand: \"%s\"", m->cpu_brand);
    unsigned minor = m->uefi_revision & 0xffff;
    char uefi[16];
    if (minor % 10)
        text_format(uefi, sizeof uefi, "%u.%u.%u", m->uefi_revision >> 16, minor / 10, minor % 10);
    else
        text_format(uefi, sizeof uefi, "%u.%u", m->uefi_revision >> 16, minor / 10);
    report("firmware: vendor \"%s\", revision 0x%x, UEFI %s", m->fw_vendor, m->fw_revision, uefi);
    report("secure boot: %s; setup mode: %s", flag_text(m->secure_boot, "on", "off"),
           flag_text(m->setup_mode, "yes (no platform key)", "no (a platform key is set)"));
    report("boot device: %s, %s", devpath_kind_name(m->boot_kind), or_none(m->boot_path));
}

const char *machine_product(const struct machine *m)
{
    return m->smbios.sys_product[0] ? m->smbios.sys_product : "unknown";
}
