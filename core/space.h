/* Internal helpers shared by the files that read and change a hierarchy. */
#ifndef PT_SPACE_H
#define PT_SPACE_H

#include "entry.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Linear addresses of a hierarchy: 48 or 57 bits, the upper canonical half folded down
 * (bits above them cleared), so ranges and indices are plain unsigned arithmetic. */
static inline uint64_t space_lin_end(const struct pt_space *sp)
{
    return 1ull << pt_va_bits(sp->levels);
}

static inline uint64_t space_lin(const struct pt_space *sp, uint64_t va)
{
    return va & (space_lin_end(sp) - 1);
}

static inline uint64_t space_canonical(const struct pt_space *sp, uint64_t lin)
{
    return pt_canonical_at(sp->levels, lin);
}

/* Bytes one entry of the top table covers: 512 GiB at four levels, 256 TiB at five. */
static inline uint64_t space_top_span(const struct pt_space *sp)
{
    return pt_level_span(sp->levels);
}

/* Pointer to the table at `pa`, sitting at `level` and covering linear address `lin`. */
static inline uint64_t *space_table(const struct pt_space *sp, uint64_t pa, int level, uint64_t lin)
{
    const struct pt_env *env = sp->env;
    if (env->table_direct)
        return (uint64_t *)(uintptr_t)(pa + env->table_offset);
    return env->table(env->table_ctx, pa, level, space_canonical(sp, lin));
}

/* The top table (PML4 or PML5). */
static inline uint64_t *space_root(const struct pt_space *sp)
{
    return space_table(sp, sp->root, sp->levels, 0);
}

/* Pointer to a frame that is not (yet) part of the hierarchy; NULL when the access mode
 * cannot reach one (recursive access). */
static inline uint64_t *space_frame(const struct pt_space *sp, uint64_t pa)
{
    const struct pt_env *env = sp->env;
    if (env->table_direct)
        return (uint64_t *)(uintptr_t)(pa + env->table_offset);
    return env->table(env->table_ctx, pa, 0, 0);
}

#ifdef __SSE2__
/* Entries e, e + step, ..., e + 7 step: a cache line's worth in four pairs, stepped a
 * line at a time. The writer of new tables and the scan of continuing leaves share it;
 * spelled out four times, not looped, so the pairs stay in registers. */
struct entry_line {
    __m128i p0, p1, p2, p3;
    __m128i next; /* 8 step in each half */
};

static inline struct entry_line entry_line_first(uint64_t e, uint64_t step)
{
    const __m128i pair_step = _mm_set1_epi64x((long long)(2 * step));
    struct entry_line l;
    l.p0 = _mm_set_epi64x((long long)(e + step), (long long)e);
    l.p1 = _mm_add_epi64(l.p0, pair_step);
    l.p2 = _mm_add_epi64(l.p1, pair_step);
    l.p3 = _mm_add_epi64(l.p2, pair_step);
    l.next = _mm_set1_epi64x((long long)(8 * step));
    return l;
}

static inline void entry_line_advance(struct entry_line *l)
{
    l->p0 = _mm_add_epi64(l->p0, l->next);
    l->p1 = _mm_add_epi64(l->p1, l->next);
    l->p2 = _mm_add_epi64(l->p2, l->next);
    l->p3 = _mm_add_epi64(l->p3, l->next);
}

/* True when the eight entries at t (any alignment) are the line's. */
static inline bool entry_line_matches(const uint64_t *t, const struct entry_line *l)
{
    const __m128i *v = (const __m128i *)t;
    __m128i d = _mm_or_si128(_mm_or_si128(_mm_xor_si128(_mm_loadu_si128(v), l->p0),
                                          _mm_xor_si128(_mm_loadu_si128(v + 1), l->p1)),
                             _mm_or_si128(_mm_xor_si128(_mm_loadu_si128(v + 2), l->p2),
                                          _mm_xor_si128(_mm_loadu_si128(v + 3), l->p3)));
    return _mm_movemask_epi8(_mm_cmpeq_epi8(d, _mm_setzero_si128())) == 0xffff;
}
#endif

/* Writes a whole table of entries e, e + step, ..., a cache line (eight entries) a turn
 * where the build may use vector registers, so the loop's own work stays below the stores'.
 * With `streaming` the stores are non-temporal: a table the call builds is not read again
 * soon, and such a store does not first read the line it fills (one memory pass instead
 * of two); entries_streamed must then follow before the table is linked, since those
 * stores are not ordered with later ones. */
static inline void entries_write(uint64_t *t, uint64_t e, uint64_t step, bool streaming)
{
#ifdef __SSE2__
    struct entry_line l = entry_line_first(e, step);
    __m128i *v = (__m128i *)t;
    if (streaming)
        for (unsigned i = 0; i < PT_ENTRIES / 2; i += 4, entry_line_advance(&l)) {
            _mm_stream_si128(v + i, l.p0);
            _mm_stream_si128(v + i + 1, l.p1);
            _mm_stream_si128(v + i + 2, l.p2);
            _mm_stream_si128(v + i + 3, l.p3);
        }
    else
        for (unsigned i = 0; i < PT_ENTRIES / 2; i += 4, entry_line_advance(&l)) {
            _mm_store_si128(v + i, l.p0);
            _mm_store_si128(v + i + 1, l.p1);
            _mm_store_si128(v + i + 2, l.p2);
            _mm_store_si128(v + i + 3, l.p3);
        }
#else
    if (streaming)
        for (unsigned i = 0; i < PT_ENTRIES; i++, e += step)
            __asm__ volatile("movnti %1, %0" : "=m"(t[i]) : "r"(e));
    else
        for (unsigned i = 0; i < PT_ENTRIES; i++, e += step)
            t[i] = e;
#endif
}

static inline void entries_streamed(void)
{
    __asm__ volatile("sfence" ::: "memory");
}

/* Clears entries [from, to) of a table: frames that did not arrive zeroed hold garbage. */
static inline void space_clear(uint64_t *t, unsigned from, unsigned to)
{
    for (unsigned i = from; i < to; i++)
        t[i] = 0;
}

/* A validated virtual range in linear form: [lo, hi), hi <= 2^48 (2^57 at five levels). */
struct lin_range {
    uint64_t lo, hi;
};

/* The entries of one table that a range touches: the preamble of every walk over a range
 * (map, edit, coalesce and the read walker), in one place. The table sits at `level` and
 * its first entry maps `base`; entries first..last are touched, by the part [lo, hi) of the
 * range the table covers. */
struct range_at_level {
    uint64_t lo, hi;
    uint64_t base, span;
    unsigned first, last;
};

static inline struct range_at_level range_at_level(struct lin_range r, uint64_t base, int level)
{
    uint64_t span = pt_level_span(level);
    uint64_t end = base + span * PT_ENTRIES;
    uint64_t lo = r.lo > base ? r.lo : base, hi = r.hi < end ? r.hi : end;
    return (struct range_at_level){
        lo, hi, base, span, pt_index(lo, level), pt_index(hi - 1, level)};
}

/* First linear address entry i covers. */
static inline uint64_t entry_lo(const struct range_at_level *a, unsigned i)
{
    return a->base + (uint64_t)i * a->span;
}

/* True when the range covers the whole of entry i. */
static inline bool entry_whole(const struct range_at_level *a, unsigned i)
{
    uint64_t elo = entry_lo(a, i);
    return a->lo <= elo && elo + a->span <= a->hi;
}

/* The part of the range inside entry i. */
static inline struct lin_range entry_part(const struct range_at_level *a, unsigned i)
{
    uint64_t elo = entry_lo(a, i), ehi = elo + a->span;
    return (struct lin_range){a->lo > elo ? a->lo : elo, a->hi < ehi ? a->hi : ehi};
}

/* Checks alignment, length, canonical form, and the recursive slot of [va, va+len). */
enum pt_error range_from_va(const struct pt_space *sp, uint64_t va, uint64_t len,
                            struct lin_range *out);

/* Frees every table below the entry `e` at `level` (which covers `lin`), calling `leaf`
 * for every leaf found, so a live hierarchy can invalidate it. */
typedef void (*leaf_visit_fn)(void *ctx, uint64_t lin, int level);
void space_free_below(const struct pt_space *sp, uint64_t e, int level, uint64_t lin,
                      leaf_visit_fn leaf, void *ctx);

#endif
