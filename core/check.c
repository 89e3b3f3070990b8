/* Checking a hierarchy, most often one the library did not build (pt_import reads one while
 * checking it): every entry valid for this CPU, no table reached twice, the recursive slot
 * (when there is one) pointing at the root. */
#include "walk.h"

enum pt_error pt_import(const struct pt_space *sp, struct pt_seen *seen, pt_run_fn fn, void *ctx,
                        struct pt_fault *fault)
{
    struct visit v = {.sp = sp,
                      .r = visit_whole(sp),
                      .validate = true,
                      .seen = seen,
                      .fault = fault,
                      .fn = fn,
                      .ctx = ctx};
    return visit_all(&v);
}

enum pt_error pt_check(const struct pt_space *sp, struct pt_seen *seen, struct pt_fault *fault)
{
    struct visit v = {
        .sp = sp, .r = visit_whole(sp), .validate = true, .seen = seen, .fault = fault};
    if (sp->recursive_slot >= 0) {
        unsigned slot = (unsigned)sp->recursive_slot;
        uint64_t e = space_root(sp)[slot];
        if (!pte_present(e) || (e & PTE_PS) || (e & PTE_ADDR) != sp->root)
            return visit_fault(&v, PT_ERR_SLOT_MISMATCH, sp->levels, slot * space_top_span(sp),
                               sp->root, slot, e);
    }
    return visit_all(&v);
}
