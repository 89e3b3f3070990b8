/* Boot services' memory for the phases: see reserve.h. */
#include "reserve.h"

#include <efilib.h>

#include "report.h"

static void *pool_take(void *ctx, uint64_t bytes)
{
    void *p = NULL;
    (void)ctx;
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, bytes, &p)))
        return NULL;
    return p;
}

static void pool_free(void *p)
{
    if (p)
        uefi_call_wrapper(BS->FreePool, 1, p);
}

const struct scratch boot_pool = {.take = pool_take, .ctx = NULL, .name = "pool"};

bool reserve_pages(struct takeover *t)
{
    EFI_PHYSICAL_ADDRESS own = 0, pool = 0;
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
                                    OWN_PAGES, &own))) {
        report_check("build", false, "no pages for the app's own test pages");
        return false;
    }
    t->ours.own = own;
    uint64_t need = takeover_frames_needed(t);
#ifdef PAGETK_FRAME_CAP
    if (need > PAGETK_FRAME_CAP)
        need = PAGETK_FRAME_CAP; /* test-only: starve the build on purpose */
#endif
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, need,
                                    &pool))) {
        report_check("build", false, "boot services refused %llu pages for tables",
                     (unsigned long long)need);
        return false;
    }
    t->ours.pool = (struct frame_pool){.base = pool, .count = need};
    return true;
}

void takeover_release(struct takeover *t)
{
    if (t->sw.ap_stranded) {
        report("  keeping our tables and plan allocated: an AP that did not finish its checks "
               "may still use them");
        return;
    }
    if (t->ours.pool.count)
        uefi_call_wrapper(BS->FreePages, 2, t->ours.pool.base, t->ours.pool.count);
    if (t->ours.own)
        uefi_call_wrapper(BS->FreePages, 2, t->ours.own, OWN_PAGES);
    pool_free(t->ours.pool.freed);
    pool_free(t->plan.ranges);
    pool_free(t->plan.regions);
    pool_free(t->fw.runs);
    pool_free(t->seen.slots);
    memmap_free(&t->fw.mm);
}
