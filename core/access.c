/* Ready ways to reach tables: identity, fixed offset, and the recursive slot. */
#include "pt.h"

static uint64_t *identity_table(void *ctx, uint64_t pa, int level, uint64_t va)
{
    (void)ctx;
    (void)level;
    (void)va;
    return (uint64_t *)(uintptr_t)pa;
}

void pt_access_identity(struct pt_env *env)
{
    env->table = identity_table;
    env->table_ctx = NULL;
    env->table_direct = true;
    env->table_offset = 0;
    env->table_recursive = false;
}

static uint64_t *offset_table(void *ctx, uint64_t pa, int level, uint64_t va)
{
    const struct pt_offset_access *acc = ctx;
    (void)level;
    (void)va;
    return (uint64_t *)(uintptr_t)(pa + acc->offset);
}

void pt_access_offset(struct pt_env *env, struct pt_offset_access *acc)
{
    env->table = offset_table;
    env->table_ctx = acc;
    env->table_direct = true;
    env->table_offset = acc->offset;
    env->table_recursive = false;
}

static uint64_t *recursive_table(void *ctx, uint64_t pa, int level, uint64_t va)
{
    const struct pt_recursive_access *acc = ctx;
    (void)pa;
    if (level < PT_LEVEL_PT)
        return NULL; /* a frame outside the hierarchy has no recursive address */
    int levels = acc->levels ? acc->levels : PT_LEVEL_PML4;
    return acc->deref(acc->ctx, pt_recursive_table_va_at(levels, acc->slot, level, va));
}

void pt_access_recursive(struct pt_env *env, struct pt_recursive_access *acc)
{
    env->table = recursive_table;
    env->table_ctx = acc;
    env->table_direct = false;
    env->table_recursive = true;
}

/* Each level of the walk through the slot consumes one index: the slot repeated
 * `level` times from the top, then the indices of va above `level`. */
uint64_t pt_recursive_table_va_at(int levels, unsigned slot, int level, uint64_t va)
{
    uint64_t lin = 0;
    int shift = 12 + 9 * (levels - 1);
    for (int i = 0; i < level; i++, shift -= 9)
        lin |= (uint64_t)slot << shift;
    for (int l = levels; l > level; l--, shift -= 9)
        lin |= (uint64_t)pt_index(va, l) << shift;
    return pt_canonical_at(levels, lin);
}

uint64_t pt_recursive_entry_va_at(int levels, unsigned slot, int level, uint64_t va)
{
    return pt_recursive_table_va_at(levels, slot, level, va) + 8ull * pt_index(va, level);
}

uint64_t pt_recursive_table_va(unsigned slot, int level, uint64_t va)
{
    return pt_recursive_table_va_at(PT_LEVEL_PML4, slot, level, va);
}

uint64_t pt_recursive_entry_va(unsigned slot, int level, uint64_t va)
{
    return pt_recursive_entry_va_at(PT_LEVEL_PML4, slot, level, va);
}
