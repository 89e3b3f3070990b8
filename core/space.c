/* Creating, adopting and destroying a hierarchy; its recursive slot; range validation. */
#include "space.h"

/* The depth the caller's CPU runs: 0 is the four levels of a CPU without LA57. */
static enum pt_error levels_of(const struct pt_env *env, int *levels)
{
    unsigned l = env->cpu.levels ? env->cpu.levels : PT_LEVEL_PML4;
    if (l != PT_LEVEL_PML4 && l != PT_LEVEL_PML5)
        return PT_ERR_BAD_LEVELS;
    *levels = (int)l;
    return PT_OK;
}

enum pt_error pt_create(struct pt_space *sp, const struct pt_env *env)
{
    uint64_t root;
    int levels;
    enum pt_error err = levels_of(env, &levels);
    if (err != PT_OK)
        return err;
    if (!env->alloc_frame(env->frame_ctx, &root))
        return PT_ERR_NO_FRAMES;
    sp->env = env;
    sp->root = root;
    sp->recursive_slot = -1;
    sp->levels = levels;
    if (!env->frames_zeroed) {
        uint64_t *t = space_frame(sp, root);
        if (!t) {
            env->free_frame(env->frame_ctx, root);
            return PT_ERR_UNREACHABLE;
        }
        space_clear(t, 0, PT_ENTRIES);
    }
    return PT_OK;
}

enum pt_error pt_open(struct pt_space *sp, const struct pt_env *env, uint64_t root)
{
    sp->env = env;
    sp->root = root;
    sp->recursive_slot = -1;
    enum pt_error err = levels_of(env, &sp->levels);
    if (err != PT_OK)
        return err;
    const uint64_t *top = space_root(sp);
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        uint64_t e = top[i];
        if (pte_present(e) && !(e & PTE_PS) && (e & PTE_ADDR) == root) {
            sp->recursive_slot = (int)i;
            break;
        }
    }
    /* The tables were read through a slot, so one must point at the root. */
    if (env->table_recursive && sp->recursive_slot < 0)
        return PT_ERR_SLOT_MISMATCH;
    return PT_OK;
}

void space_free_below(const struct pt_space *sp, uint64_t e, int level, uint64_t lin,
                      leaf_visit_fn leaf, void *ctx)
{
    if (!pte_present(e))
        return;
    if (pte_is_leaf(e, level)) {
        if (leaf)
            leaf(ctx, lin, level);
        return;
    }
    uint64_t child = e & PTE_ADDR;
    const uint64_t *t = space_table(sp, child, level - 1, lin);
    uint64_t span = pt_level_span(level - 1);
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        space_free_below(sp, t[i], level - 1, lin + i * span, leaf, ctx);
    sp->env->free_frame(sp->env->frame_ctx, child);
}

void pt_destroy(struct pt_space *sp)
{
    const uint64_t *top = space_root(sp);
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        if ((int)i != sp->recursive_slot)
            space_free_below(sp, top[i], sp->levels, i * space_top_span(sp), NULL, NULL);
    sp->env->free_frame(sp->env->frame_ctx, sp->root);
    sp->root = 0;
    sp->recursive_slot = -1;
}

enum pt_error pt_recursive_install(struct pt_space *sp, unsigned slot)
{
    if (slot >= PT_ENTRIES || sp->recursive_slot >= 0)
        return PT_ERR_BAD_SLOT;
    uint64_t *top = space_root(sp);
    if (pte_present(top[slot]))
        return PT_ERR_BAD_SLOT;
    /* Supervisor-only and, where the CPU allows it, never executable: tables are data. */
    uint64_t e = sp->root | PTE_P | PTE_RW;
    if (sp->env->cpu.nx)
        e |= PTE_NX;
    top[slot] = e;
    sp->recursive_slot = (int)slot;
    return PT_OK;
}

enum pt_error range_from_va(const struct pt_space *sp, uint64_t va, uint64_t len,
                            struct lin_range *out)
{
    if (len == 0)
        return PT_ERR_BAD_LENGTH;
    if ((va | len) & (PT_PAGE_4K - 1))
        return PT_ERR_MISALIGNED;
    if (!pt_is_canonical_at(sp->levels, va))
        return PT_ERR_NON_CANONICAL;
    uint64_t lo = space_lin(sp, va);
    uint64_t half = space_lin_end(sp) >> 1;
    uint64_t limit = (lo & half) ? space_lin_end(sp) : half;
    if (len > limit - lo) {
        bool wraps = va != 0 && len > 0 - va; /* past 2^64, not just into the hole */
        return wraps ? PT_ERR_BAD_LENGTH : PT_ERR_NON_CANONICAL;
    }
    out->lo = lo;
    out->hi = lo + len;
    if (sp->recursive_slot >= 0) {
        uint64_t span = space_top_span(sp);
        uint64_t slo = (uint64_t)sp->recursive_slot * span;
        if (out->lo < slo + span && slo < out->hi)
            return PT_ERR_RECURSIVE_SLOT;
    }
    return PT_OK;
}
