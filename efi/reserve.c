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

bool reserve_pages(struct our_tables *ours, const struct plan *plan,
                   const struct takeover_target *target, struct report_tally *tally)
{
    EFI_PHYSICAL_ADDRESS own = 0, pool = 0;
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
                                    OWN_PAGES, &own))) {
        report_check(tally, "build", false, "no pages for the app's own test pages");
        return false;
    }
    ours->own = own;
    uint64_t need = takeover_frames_needed(plan, target);
#ifdef PAGETK_FRAME_CAP
    if (need > PAGETK_FRAME_CAP)
        need = PAGETK_FRAME_CAP; /* test-only: starve the build on purpose */
#endif
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, need,
                                    &pool))) {
        report_check(tally, "build", false, "boot services refused %llu pages for tables",
                     (unsigned long long)need);
        return false;
    }
    ours->pool = (struct frame_pool){.base = pool, .count = need};
    return true;
}

void takeover_release(struct firmware_state *fw, struct plan *plan, struct our_tables *ours,
                      struct pt_seen *seen)
{
    if (ours->pool.count)
        uefi_call_wrapper(BS->FreePages, 2, ours->pool.base, ours->pool.count);
    if (ours->own)
        uefi_call_wrapper(BS->FreePages, 2, ours->own, OWN_PAGES);
    pool_free(ours->pool.freed);
    pool_free(plan->ranges);
    pool_free(plan->regions);
    pool_free(fw->runs);
    pool_free(seen->slots);
    memmap_free(&fw->mm);
}
