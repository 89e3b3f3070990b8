/* Creating, adopting and destroying a hierarchy; its recursive slot; range validation. */
#include "space.h"

enum pt_error pt_create(struct pt_space *sp, const struct pt_env *env)
{
    uint64_t root;
    if (!env->alloc_frame(env->frame_ctx, &root))
        return PT_ERR_NO_FRAMES;
    sp->env = env;
    sp->root = root;
    sp->recursive_slot = -1;
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

void pt_open(struct pt_space *sp, const struct pt_env *env, uint64_t root)
{
    sp->env = env;
    sp->root = root;
    sp->recursive_slot = -1;
    const uint64_t *pml4 = space_table(sp, root, PT_LEVEL_PML4, 0);
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        uint64_t e = pml4[i];
        if (pte_present(e) && !(e & PTE_PS) && (e & PTE_ADDR) == root) {
            sp->recursive_slot = (int)i;
            break;
        }
    }
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
    const uint64_t *pml4 = space_table(sp, sp->root, PT_LEVEL_PML4, 0);
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        if ((int)i != sp->recursive_slot)
            space_free_below(sp, pml4[i], PT_LEVEL_PML4, i * PT_SLOT_SPAN, NULL, NULL);
    sp->env->free_frame(sp->env->frame_ctx, sp->root);
    sp->root = 0;
    sp->recursive_slot = -1;
}

enum pt_error pt_recursive_install(struct pt_space *sp, unsigned slot)
{
    if (slot >= PT_ENTRIES || sp->recursive_slot >= 0)
        return PT_ERR_BAD_SLOT;
    uint64_t *pml4 = space_table(sp, sp->root, PT_LEVEL_PML4, 0);
    if (pte_present(pml4[slot]))
        return PT_ERR_BAD_SLOT;
    /* Supervisor-only and, where the CPU allows it, never executable: tables are data. */
    uint64_t e = sp->root | PTE_P | PTE_RW;
    if (sp->env->cpu.nx)
        e |= PTE_NX;
    pml4[slot] = e;
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
    if (!pt_is_canonical(va))
        return PT_ERR_NON_CANONICAL;
    uint64_t lo = va & VA_MASK;
    uint64_t limit = (lo & VA_HALF) ? (1ull << VA_BITS) : VA_HALF;
    if (len > limit - lo) {
        bool wraps = va != 0 && len > 0 - va; /* past 2^64, not just into the hole */
        return wraps ? PT_ERR_BAD_LENGTH : PT_ERR_NON_CANONICAL;
    }
    out->lo = lo;
    out->hi = lo + len;
    if (sp->recursive_slot >= 0) {
        uint64_t slo = (uint64_t)sp->recursive_slot * PT_SLOT_SPAN;
        if (out->lo < slo + PT_SLOT_SPAN && slo < out->hi)
            return PT_ERR_RECURSIVE_SLOT;
    }
    return PT_OK;
}
