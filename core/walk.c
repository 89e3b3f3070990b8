/* Reading a hierarchy: translation, the read walker and its runs, statistics. */
#include "walk.h"

/* The translation a leaf gives at the end of a path carrying `path` (pte_restrict). */
static inline enum pt_error translate_leaf(const struct pt_cpu *cpu, uint64_t e, int level,
                                           uint64_t path, uint64_t lin, struct pt_translation *out)
{
    uint64_t span = pt_level_span(level);
    *out = (struct pt_translation){.mapped = true,
                                   .level = level,
                                   .pa = pte_addr(e, level) + (lin & (span - 1)),
                                   .page = span,
                                   .attr = pte_effective_attr(cpu, e, level, path)};
    return PT_OK;
}

static inline enum pt_error translate_hole(int level, struct pt_translation *out)
{
    *out = (struct pt_translation){.level = level};
    return PT_OK;
}

/*
 * Identity or offset access. Walks of independent addresses overlap their cache misses
 * only as far as the CPU can look ahead, so every instruction a walk adds counts: each
 * level is written out with its own constants (no shift by a variable, no level held in
 * a register), and the attributes are computed once, at the leaf. Table entries that
 * grant everything, as the library writes them, are passed with one test each and leave
 * no path to carry; a walk that meets any other goes again carrying the path as the AND
 * and OR of the table entries (pte_path_of).
 */

/* The entry for `va` at `level` in the table a present table entry `e` points at. */
static inline __attribute__((always_inline)) uint64_t direct_next(uint64_t e, uint64_t off,
                                                                  uint64_t va, int level)
{
    return ((const uint64_t *)(uintptr_t)((e & PTE_ADDR) + off))[pt_index(va, level)];
}

_Static_assert(offsetof(struct pt_translation, mapped) == 0 && sizeof(bool) == 1 &&
                   offsetof(struct pt_translation, level) == 4 && sizeof(int) == 4,
               "direct_leaf writes mapped and level as one little-endian word");

/* The translation of leaf `e` at `level` (a constant at each call) below table entries
 * whose AND is `all` and OR is `any`. */
static inline __attribute__((always_inline)) enum pt_error
direct_leaf(const struct pt_cpu *cpu, uint64_t e, int level, uint64_t all, uint64_t any,
            uint64_t va, struct pt_translation *out)
{
    uint64_t span = pt_level_span(level);
    /* mapped (true) and level share the first eight bytes: one store for both. */
    uint64_t head = 1u | (uint64_t)(uint32_t)level << 32;
    __builtin_memcpy(out, &head, sizeof head);
    out->pa = (e & PTE_ADDR & ~(span - 1)) | (va & (span - 1));
    out->page = span;
    out->attr = pte_attr_below(cpu, e, level, all, any);
    return PT_OK;
}

/* The step at a level that may hold a leaf (PDPT, PD): a hole or a leaf ends the walk
 * (returns true, the result in *err), a table entry adds to the path. */
static inline __attribute__((always_inline)) bool
direct_step(const struct pt_cpu *cpu, uint64_t e, int level, uint64_t *all, uint64_t *any,
            uint64_t va, struct pt_translation *out, enum pt_error *err)
{
    if (__builtin_expect(!pte_present(e), 0)) {
        *err = translate_hole(level, out);
        return true;
    }
    if (e & PTE_PS) {
        *err = direct_leaf(cpu, e, level, *all, *any, va, out);
        return true;
    }
    *all &= e;
    *any |= e;
    return false;
}

/* The walk that carries the path: for hierarchies whose table entries restrict. */
static inline __attribute__((always_inline)) enum pt_error
translate_path(const struct pt_space *sp, uint64_t va, struct pt_translation *out, int top)
{
    const struct pt_env *env = sp->env;
    const struct pt_cpu *cpu = &env->cpu;
    uint64_t off = env->table_offset;
    uint64_t e = ((const uint64_t *)(uintptr_t)(sp->root + off))[pt_index(va, top)];
    enum pt_error err;
    if (__builtin_expect(!pte_present(e), 0))
        return translate_hole(top, out);
    if (__builtin_expect(e & PTE_PS, 0))
        return PT_ERR_BAD_PS;
    uint64_t all = e, any = e;
    if (top == PT_LEVEL_PML5) {
        e = direct_next(e, off, va, PT_LEVEL_PML4);
        if (__builtin_expect(!pte_present(e), 0))
            return translate_hole(PT_LEVEL_PML4, out);
        if (__builtin_expect(e & PTE_PS, 0))
            return PT_ERR_BAD_PS;
        all &= e;
        any |= e;
    }
    e = direct_next(e, off, va, PT_LEVEL_PDPT);
    if (direct_step(cpu, e, PT_LEVEL_PDPT, &all, &any, va, out, &err))
        return err;
    e = direct_next(e, off, va, PT_LEVEL_PD);
    if (direct_step(cpu, e, PT_LEVEL_PD, &all, &any, va, out, &err))
        return err;
    e = direct_next(e, off, va, PT_LEVEL_PT);
    if (__builtin_expect(!pte_present(e), 0))
        return translate_hole(PT_LEVEL_PT, out);
    return direct_leaf(cpu, e, PT_LEVEL_PT, all, any, va, out);
}

__attribute__((noinline)) static enum pt_error
translate_path4(const struct pt_space *sp, uint64_t va, struct pt_translation *out)
{
    return translate_path(sp, va, out, PT_LEVEL_PML4);
}

__attribute__((noinline)) static enum pt_error
translate_path5(const struct pt_space *sp, uint64_t va, struct pt_translation *out)
{
    return translate_path(sp, va, out, PT_LEVEL_PML5);
}

/*
 * Tests of several bits at once. For a mask m, (e - m) & m is zero exactly when e has
 * every bit of m: then the subtraction only clears them; and if it is zero, adding m back
 * carries nowhere, so e had them all. Bits outside m are then as they were in e.
 */

/* A table entry that grants everything: present, no PS, RW and US set, NX clear, as
 * every table entry the library writes (PTE_TABLE). */
static inline __attribute__((always_inline)) bool direct_open_table(uint64_t e)
{
    return ((e - PTE_TABLE) & (PTE_TABLE | PTE_PS | PTE_NX)) == 0;
}

/* A present entry with PS: a 1 GiB or 2 MiB leaf. */
static inline __attribute__((always_inline)) bool direct_large_leaf(uint64_t e)
{
    return ((e - (PTE_P | PTE_PS)) & (PTE_P | PTE_PS)) == 0;
}

/* The walk through open table entries. `top` is a constant at each call, so the
 * four-level walk carries no test for a fifth level. `va` is canonical; the indices and
 * the page offset read only its low bits. Anything but an open table entry above the
 * leaf's level, a hole or a large leaf, sends the walk to translate_path. */
static inline __attribute__((always_inline)) enum pt_error
translate_direct(const struct pt_space *sp, uint64_t va, struct pt_translation *out, int top)
{
    enum pt_error (*const with_path)(const struct pt_space *, uint64_t, struct pt_translation *) =
        top == PT_LEVEL_PML5 ? translate_path5 : translate_path4;
    const struct pt_env *env = sp->env;
    const struct pt_cpu *cpu = &env->cpu;
    uint64_t off = env->table_offset;
    uint64_t e = ((const uint64_t *)(uintptr_t)(sp->root + off))[pt_index(va, top)];
    if (__builtin_expect(!direct_open_table(e), 0))
        return with_path(sp, va, out);
    if (top == PT_LEVEL_PML5) {
        e = direct_next(e, off, va, PT_LEVEL_PML4);
        if (__builtin_expect(!direct_open_table(e), 0))
            return with_path(sp, va, out);
    }
    e = direct_next(e, off, va, PT_LEVEL_PDPT);
    if (!direct_open_table(e)) {
        if (direct_large_leaf(e))
            return direct_leaf(cpu, e, PT_LEVEL_PDPT, ~0ull, 0, va, out);
        return with_path(sp, va, out);
    }
    e = direct_next(e, off, va, PT_LEVEL_PD);
    if (!direct_open_table(e)) {
        if (direct_large_leaf(e))
            return direct_leaf(cpu, e, PT_LEVEL_PD, ~0ull, 0, va, out);
        return with_path(sp, va, out);
    }
    e = direct_next(e, off, va, PT_LEVEL_PT);
    if (__builtin_expect(!pte_present(e), 0))
        return translate_hole(PT_LEVEL_PT, out);
    return direct_leaf(cpu, e, PT_LEVEL_PT, ~0ull, 0, va, out);
}

/* Any other access: the caller's function gives each table. Out of line, so the direct
 * walk carries none of its register saves. */
__attribute__((noinline)) static enum pt_error
translate_by_fn(const struct pt_space *sp, uint64_t lin, struct pt_translation *out)
{
    uint64_t table = sp->root;
    uint64_t path = PTE_PATH_OPEN;
    for (int level = sp->levels; level >= PT_LEVEL_PT; level--) {
        uint64_t e = space_table(sp, table, level, lin)[pt_index(lin, level)];
        if (!pte_present(e))
            return translate_hole(level, out);
        if (level >= PT_LEVEL_PML4 && (e & PTE_PS))
            return PT_ERR_BAD_PS;
        if (pte_is_leaf(e, level))
            return translate_leaf(&sp->env->cpu, e, level, path, lin, out);
        path = pte_restrict(path, e);
        table = e & PTE_ADDR;
    }
    return PT_OK; /* not reached: level 1 entries are always leaves */
}

__attribute__((noinline)) static enum pt_error
translate_five(const struct pt_space *sp, uint64_t va, struct pt_translation *out)
{
    if (!pt_is_canonical_at(PT_LEVEL_PML5, va))
        return PT_ERR_NON_CANONICAL;
    if (sp->env->table_direct)
        return translate_direct(sp, va, out, PT_LEVEL_PML5);
    return translate_by_fn(sp, va & ((1ull << 57) - 1), out);
}

enum pt_error pt_translate(const struct pt_space *sp, uint64_t va, struct pt_translation *out)
{
    if (sp->levels != PT_LEVEL_PML4)
        return translate_five(sp, va, out);
    if (!pt_is_canonical(va))
        return PT_ERR_NON_CANONICAL;
    if (sp->env->table_direct)
        return translate_direct(sp, va, out, PT_LEVEL_PML4);
    return translate_by_fn(sp, va & ((1ull << 48) - 1), out);
}

/* ---- the set of tables already visited ------------------------------------------------- */

/* Returns 1 when `pa` was new, 0 when already present, -1 when the set is full. Every
 * slot may be used: a probe that meets no free slot stops after `capacity` steps. */
static int seen_insert(struct pt_seen *s, uint64_t pa)
{
    uint64_t key = pa | 1;
    size_t mask = s->capacity - 1;
    size_t h = (size_t)((pa >> 12) * 0x9E3779B97F4A7C15ull) & mask;
    for (size_t probe = 0; probe < s->capacity; probe++, h = (h + 1) & mask) {
        if (s->slots[h] == key)
            return 0;
        if (s->slots[h] == 0) {
            if (s->count >= s->capacity)
                return -1;
            s->slots[h] = key;
            s->count++;
            return 1;
        }
    }
    return -1;
}

/* ---- runs ------------------------------------------------------------------------------ */

static enum pt_error run_flush(struct visit *v)
{
    if (v->run.len == 0 || !v->fn)
        return PT_OK;
    bool go_on = v->fn(v->ctx, &v->run);
    v->run.len = 0;
    return go_on ? PT_OK : PT_ERR_STOPPED;
}

static enum pt_error run_add(struct visit *v, uint64_t va, uint64_t pa, uint64_t len, pt_attr attr,
                             int level)
{
    struct pt_run *r = &v->run;
    if (r->len && r->va + r->len == va && r->pa + r->len == pa && r->attr == attr) {
        r->len += len;
        r->sizes |= (uint8_t)(1u << (level - 1));
        return PT_OK;
    }
    enum pt_error err = run_flush(v);
    *r = (struct pt_run){
        .va = va, .pa = pa, .len = len, .attr = attr, .sizes = (uint8_t)(1u << (level - 1))};
    return err;
}

/* ---- validation of one entry ----------------------------------------------------------- */

/* Address bits at or above MAXPHYADDR. */
static uint64_t too_wide_mask(const struct pt_cpu *cpu)
{
    return cpu->maxphyaddr >= 52 ? 0 : PTE_ADDR & ~((1ull << cpu->maxphyaddr) - 1);
}

static enum pt_error entry_check(const struct pt_cpu *cpu, uint64_t e, int level)
{
    if (level >= PT_LEVEL_PML4 && (e & PTE_PS))
        return PT_ERR_BAD_PS;
    if ((e & PTE_NX) && !cpu->nx)
        return PT_ERR_NX_DISABLED;
    bool leaf = pte_is_leaf(e, level);
    if (e & too_wide_mask(cpu))
        return leaf ? PT_ERR_PA_TOO_WIDE : PT_ERR_RESERVED_BITS;
    if (leaf && level == PT_LEVEL_PDPT && !cpu->page_1g)
        return PT_ERR_SIZE_NOT_ALLOWED;
    if (leaf && level > PT_LEVEL_PT) {
        /* Bit 12 is PAT; the bits between it and the page size are reserved. */
        uint64_t low = (pt_level_span(level) - 1) & PTE_ADDR & ~PTE_PAT_BIG;
        if (e & low)
            return PT_ERR_LEAF_MISALIGNED;
    }
    return PT_OK;
}

enum pt_error visit_fault(struct visit *v, enum pt_error err, int level, uint64_t lin,
                          uint64_t table, unsigned index, uint64_t e)
{
    if (v->fault)
        *v->fault = (struct pt_fault){.error = err,
                                      .level = level,
                                      .va = space_canonical(v->sp, lin),
                                      .table = table,
                                      .index = index,
                                      .entry = e};
    return err;
}

/* ---- the traversal --------------------------------------------------------------------- */

/* How many entries from t[i] (before t[stop]) continue the leaf `prev`, each the next page
 * of the same kind. Addresses only grow: the run stops before one would carry past bit 51,
 * so the last entry has the highest address and alone decides the address width. */
static unsigned leaves_continuing(const uint64_t *t, unsigned i, unsigned stop, uint64_t prev,
                                  uint64_t span)
{
    uint64_t room = (PTE_ADDR - (prev & PTE_ADDR)) / span; /* pages before the carry */
    if (room < stop - i)
        stop = i + (unsigned)room;
    uint64_t want = prev + span;
    unsigned j = i;
#ifdef __SSE2__
    /* A cache line (eight entries) a step where vector registers are allowed: the
     * differences from the expected entries ORed together, one branch for all eight. */
    struct entry_line l = entry_line_first(want, span);
    for (; j + 8 <= stop && entry_line_matches(&t[j], &l);
         j += 8, want += 8 * span, entry_line_advance(&l))
        ;
#endif
    /* Four entries a step, one branch for all four: the scan runs at the speed of a read. */
    for (; j + 4 <= stop; j += 4, want += 4 * span)
        if ((t[j] ^ want) | (t[j + 1] ^ (want + span)) | (t[j + 2] ^ (want + 2 * span)) |
            (t[j + 3] ^ (want + 3 * span)))
            break;
    while (j < stop && t[j] == want) {
        j++;
        want += span;
    }
    return j - i;
}

static enum pt_error visit_table(struct visit *v, uint64_t table, int level, uint64_t base,
                                 uint64_t path)
{
    const struct pt_cpu *cpu = &v->sp->env->cpu;
    const uint64_t *t = space_table(v->sp, table, level, base);
    struct range_at_level at = range_at_level(v->r, base, level);
    uint64_t span = at.span;
    uint64_t too_wide = too_wide_mask(cpu);
    uint64_t prev = 0; /* the leaf just added whole to the run, or 0 */
    if (v->stats)
        v->stats->tables[level]++;
    /* Entries before whole_stop lie wholly inside the range; the last may be cut by it. */
    unsigned whole_stop = entry_whole(&at, at.last) ? at.last + 1 : at.last;
    for (unsigned i = at.first; i <= at.last; i++) {
        uint64_t e = t[i];
        uint64_t elo = entry_lo(&at, i);
        unsigned n = prev ? leaves_continuing(t, i, whole_stop, prev, span) : 0;
        if (n > 0) {
            /* The next pages of the same kind (firmware maps memory this way by the
             * thousand): every check but the address width passed for `prev`, and the
             * run goes on for as long as the entries continue it. */
            uint64_t tail = t[i + n - 1];
            if (v->validate && (tail & too_wide)) {
                unsigned k = i;
                while (!(t[k] & too_wide))
                    k++; /* the first page past MAXPHYADDR is the one to name */
                return visit_fault(v, PT_ERR_PA_TOO_WIDE, level, entry_lo(&at, k), table, k, t[k]);
            }
            if (v->stats)
                v->stats->leaves[level - 1] += n;
            v->run.len += n * span;
            prev = tail;
            i += n - 1;
            continue;
        }
        prev = 0;
        if (!pte_present(e))
            continue;
        /* The slot's entry is checked like any other, but what it maps is the tables. */
        enum pt_error err = v->validate ? entry_check(cpu, e, level) : PT_OK;
        if (err != PT_OK)
            return visit_fault(v, err, level, elo, table, i, e);
        if (level == v->sp->levels && (int)i == v->sp->recursive_slot)
            continue;
        if (pte_is_leaf(e, level)) {
            if (v->stats)
                v->stats->leaves[level - 1]++;
            struct lin_range part = entry_part(&at, i);
            pt_attr a = pte_effective_attr(cpu, e, level, path);
            err = run_add(v, space_canonical(v->sp, part.lo), pte_addr(e, level) + (part.lo - elo),
                          part.hi - part.lo, a, level);
            if (err != PT_OK)
                return err;
            if (part.hi == elo + span)
                prev = e;
            continue;
        }
        uint64_t child = e & PTE_ADDR;
        if (v->seen) {
            int fresh = seen_insert(v->seen, child);
            if (fresh < 0)
                return visit_fault(v, PT_ERR_SCRATCH_FULL, level, elo, table, i, e);
            if (fresh == 0)
                return visit_fault(v, PT_ERR_TABLE_LOOP, level, elo, table, i, e);
        }
        err = visit_table(v, child, level - 1, elo, pte_restrict(path, e));
        if (err != PT_OK)
            return err;
    }
    return PT_OK;
}

enum pt_error visit_all(struct visit *v)
{
    if (v->seen && seen_insert(v->seen, v->sp->root) < 0)
        return visit_fault(v, PT_ERR_SCRATCH_FULL, v->sp->levels, 0, v->sp->root, 0, 0);
    enum pt_error err = visit_table(v, v->sp->root, v->sp->levels, 0, PTE_PATH_OPEN);
    if (err != PT_OK)
        return err;
    return run_flush(v);
}

enum pt_error pt_walk(const struct pt_space *sp, uint64_t va, uint64_t len, pt_run_fn fn, void *ctx)
{
    struct visit v = {.sp = sp, .fn = fn, .ctx = ctx};
    if (len == 0)
        return PT_ERR_BAD_LENGTH;
    if (!pt_is_canonical_at(sp->levels, va))
        return PT_ERR_NON_CANONICAL;
    /* Every page the bytes [va, va+len) touch: the start rounds down, the end up. */
    uint64_t lin = space_lin(sp, va);
    uint64_t room = space_lin_end(sp) - lin;
    uint64_t end = lin + (len < room ? len : room);
    v.r.lo = lin & ~(PT_PAGE_4K - 1);
    v.r.hi = (end + PT_PAGE_4K - 1) & ~(PT_PAGE_4K - 1);
    return visit_all(&v);
}

struct lin_range visit_whole(const struct pt_space *sp)
{
    return (struct lin_range){0, space_lin_end(sp)};
}

void pt_stats(const struct pt_space *sp, struct pt_stats *out)
{
    *out = (struct pt_stats){{0}, {0}, 0};
    struct visit v = {.sp = sp, .r = visit_whole(sp), .stats = out};
    visit_all(&v);
    for (int l = PT_LEVEL_PT; l <= sp->levels; l++)
        out->table_bytes += out->tables[l] * PT_PAGE_4K;
}
