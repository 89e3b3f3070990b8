/* Our hierarchy as the running CPU sees it: see live.h. */
#include "live.h"

#include "cpu.h"

static uint64_t *deref_live(void *ctx, uint64_t va)
{
    (void)ctx;
    return (uint64_t *)(uintptr_t)va; /* the CPU resolves the recursive address */
}

static void flush_one(void *ctx, uint64_t va)
{
    (void)ctx;
    cpu_invlpg(va);
}

static void flush_everything(void *ctx)
{
    (void)ctx;
    cpu_switch_cr3(cpu_read_cr3());
}

enum pt_error takeover_live_open(const struct our_tables *ours, struct live *l)
{
    if (ours->sp.recursive_slot < 0)
        return PT_ERR_SLOT_MISMATCH;
    l->acc = (struct pt_recursive_access){.slot = (unsigned)ours->sp.recursive_slot,
                                          .levels = (uint8_t)ours->sp.levels,
                                          .deref = deref_live};
    l->env = ours->env;
    pt_access_recursive(&l->env, &l->acc);
    l->env.flush_page = flush_one;
    l->env.flush_all = flush_everything;
    l->env.flush_threshold = 32;
    /* Adopted like any root: the slot is read back from the live top table, and must be
     * the one the tables were built with. */
    enum pt_error err = pt_open(&l->sp, &l->env, ours->sp.root);
    if (err == PT_OK && l->sp.recursive_slot != ours->sp.recursive_slot)
        err = PT_ERR_SLOT_MISMATCH;
    return err;
}

void takeover_touch_leaves(const struct plan *plan, const struct pt_space *sp, uint64_t offset,
                           struct touch_tally *tt)
{
    for (size_t i = 0; i < plan->range_count; i++) {
        const struct plan_range *r = &plan->ranges[i];
        if (!plan_type_is_ram(r->type))
            continue;
        for (uint64_t va = r->start + offset, end = r->end + offset; va < end;) {
            struct pt_translation tr;
            if (pt_translate(sp, va, &tr) != PT_OK || !tr.mapped) { /* both: not touched */
                tt->unmapped++;
                va += 4096;
                continue;
            }
            uint64_t leaf_end = (va & ~(tr.page - 1)) + tr.page;
            uint64_t stop = leaf_end < end ? leaf_end : end;
            tt->sum += *(volatile uint64_t *)(uintptr_t)va;
            tt->sum += *(volatile uint64_t *)(uintptr_t)(stop - 8);
            tt->leaves++;
            va = stop;
        }
    }
}
