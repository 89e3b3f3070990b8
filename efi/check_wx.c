/* The W^X checks on the live tables: every limit holds on every run it covers, and the
 * faults it promises happen. */
#include <efi.h>
#include <efilib.h>

#include "check_wx.h"

#include "fault.h"
#include "report.h"

/* A `ret` in the app's data: calling it must fault once data is no-execute. */
static volatile uint8_t ret_in_data[16] = {0xc3};

struct wx_tally {
    const struct plan_limit *limit;
    uint64_t covered, violating;
};

static bool limit_holds(void *ctx, const struct pt_run *run)
{
    struct wx_tally *w = ctx;
    uint64_t lo = run->va > w->limit->start ? run->va : w->limit->start;
    uint64_t hi = run->va + run->len < w->limit->end ? run->va + run->len : w->limit->end;
    if (hi <= lo)
        return true;
    w->covered += hi - lo;
    if (((run->attr & ~w->limit->clear) | w->limit->set) != run->attr)
        w->violating += hi - lo;
    return true;
}

static bool count_wx(void *ctx, const struct pt_run *run)
{
    uint64_t *wx_bytes = ctx;
    if ((run->attr & PT_ATTR_WRITE) && !(run->attr & PT_ATTR_NX))
        *wx_bytes += run->len;
    return true;
}

/* Writes back the value already there: harmless if the write is wrongly allowed. */
static int probe_write_same(uint64_t va)
{
    return probe_write(va, *(volatile uint64_t *)(uintptr_t)va);
}

bool check_wx(const struct wx_sources *wx, bool nx, const struct pt_space *live,
              struct report_tally *tally)
{
    const struct wx_limits *set = &wx->set;
    uint64_t bytes[WX_ORIGINS] = {0}, bad[WX_ORIGINS] = {0};
    enum pt_error walked = PT_OK;
    for (size_t i = 0; i < set->count; i++) {
        struct wx_tally w = {.limit = &set->limits[i]};
        enum pt_error err =
            pt_walk(live, w.limit->start, w.limit->end - w.limit->start, limit_holds, &w);
        if (err != PT_OK) /* a walk that fails proves nothing: its whole limit counts as broken */
            w.violating = w.limit->end - w.limit->start;
        walked = walked != PT_OK ? walked : err;
        bytes[set->origin[i]] += w.covered;
        bad[set->origin[i]] += w.violating;
    }
    uint64_t wx_bytes = 0;
    enum pt_error counted = pt_walk(live, 0, 1ull << pt_va_bits(live->levels), count_wx, &wx_bytes);
    walked = walked != PT_OK ? walked : counted;
    bool ok = report_check(
        tally, "w-xor-x", walked == PT_OK && bad[WX_FIRMWARE] == 0 && bad[WX_IMAGE] == 0,
        "%llu KiB limited by the firmware's table, %llu KiB by the app's sections, %llu "
        "KiB break a limit; %llu MiB elsewhere stay writable and executable as the "
        "firmware maps them; walks %s",
        (unsigned long long)(bytes[WX_FIRMWARE] >> 10), (unsigned long long)(bytes[WX_IMAGE] >> 10),
        (unsigned long long)((bad[WX_FIRMWARE] + bad[WX_IMAGE]) >> 10),
        (unsigned long long)(wx_bytes >> 20), pt_error_name(walked));

    uint64_t code = (uint64_t)(uintptr_t)check_wx & ~7ull;
    uint64_t data = (uint64_t)(uintptr_t)ret_in_data;
    char wrote_text[96], ran_text[96];
    int wrote = probe_write_same(code);
    bool write_faulted = fault_matches(wrote, code, PF_ERR_PRESENT | PF_ERR_WRITE);
    fault_describe(wrote, wrote_text, sizeof wrote_text);
    int ran = probe_exec(data);
    bool exec_ok = nx ? fault_matches(ran, data, PF_ERR_PRESENT | PF_ERR_FETCH) : ran == 0;
    fault_describe(ran, ran_text, sizeof ran_text);
    ok &= report_check(tally, "fault-wx-image", write_faulted && exec_ok,
                       "write to own code 0x%llx: %s; call into own data 0x%llx: %s%s",
                       (unsigned long long)code, wrote_text, (unsigned long long)data,
                       ran ? ran_text : "ran", !nx ? " (no NX on this CPU)" : "");
    if (!wx->have_table || !wx->runtime_code) {
        report("  w^x: %s", !wx->have_table
                                ? "the firmware publishes no "
                                  "EFI_MEMORY_ATTRIBUTES_TABLE: runtime memory keeps "
                                  "the firmware's rights"
                                : "the memory attributes table makes nothing read-only");
        return ok;
    }
    wrote = probe_write_same(wx->runtime_code);
    return report_check(tally, "fault-wx-runtime",
                        fault_matches(wrote, wx->runtime_code, PF_ERR_PRESENT | PF_ERR_WRITE),
                        "write to runtime code 0x%llx: %s", (unsigned long long)wx->runtime_code,
                        fault_describe(wrote, wrote_text, sizeof wrote_text)) &&
           ok;
}
