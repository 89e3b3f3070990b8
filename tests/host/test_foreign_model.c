/*
 * Model test on hierarchies the library did not build. Each episode draws a CPU (1 GiB
 * pages or not, NXE on or off, MAXPHYADDR 36..52, a random PAT) and writes a foreign
 * hierarchy entry by entry: table entries that withhold RW or US or set NX, empty tables
 * (nested too), 1 GiB / 2 MiB / 4 KiB leaves with random rights, PAT bits, global, A/D,
 * foldable uniform tables, and sometimes a recursive slot entry. Then it runs random
 * calls on it: map, replace, map one page, unmap, protect, coalesce, walk over unaligned
 * ranges, import, check, slot install, ranges that touch the slot, entries made invalid
 * for this CPU (import and check must name them), some through the recursive slot, some
 * with the allocator failing.
 *
 * Three views must agree after every call: a per-page model that knows only the
 * documented effect of each call; an oracle that walks the raw entries the way the CPU
 * does (written here from the architecture, sharing nothing with core/); and the library
 * (pt_translate, pt_walk, pt_import). The TLB hooks must follow the rule in pt.h: at most
 * one full flush and then no single one; single flushes at most min(threshold,
 * PT_FLUSH_MAX); a full flush only when the change had more than that to invalidate; and
 * without a full flush every leaf whose translation changed has a flush inside it.
 *
 * make test runs a short slice; make soak runs a million operations (--ops N). Each
 * episode has its own seed, printed with any divergence (--episode-seed replays one).
 */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

/* ---- entry bits, from the architecture (deliberately not core/entry.h) ---------------- */

#define O_P      (1ull << 0)
#define O_RW     (1ull << 1)
#define O_US     (1ull << 2)
#define O_PWT    (1ull << 3)
#define O_PCD    (1ull << 4)
#define O_A      (1ull << 5)
#define O_D      (1ull << 6)
#define O_PS     (1ull << 7)
#define O_PAT4K  (1ull << 7)
#define O_G      (1ull << 8)
#define O_PATBIG (1ull << 12)
#define O_NX     (1ull << 63)
#define O_ADDR   0x000ffffffffff000ull

#define PAGE 4096ull
/* The episode's paging depth: 4, or 5 (CR4.LA57) for a third of the episodes. */
static int depth = 4;
#define LIN_END   (1ull << pt_va_bits(depth))
#define LIN_MASK  (LIN_END - 1)
#define TOP_SHIFT (12 + 9 * (depth - 1)) /* bits below a top-table index */

/* ---- windows and the per-page model ---------------------------------------------------- */

#define WINDOWS 3
/* Four levels: the bottom, across a PML4 line, the upper half. Five levels: the bottom,
 * across a PML5 line at 2^48 (beyond four levels), the 57-bit upper half. */
static const uint64_t win_bases[2][WINDOWS] = {{0, 511 * GIB, 0xffff800000000000ull},
                                               {0, (1ull << 48) - GIB, 0xff00000000000000ull}};
#define win_base (win_bases[depth == 5])
static const uint64_t win_len[WINDOWS] = {4 * GIB, 2 * GIB, 2 * GIB};

struct model {
    uint64_t *pa[WINDOWS]; /* physical address | 1 when mapped, 0 when not */
    pt_attr *attr[WINDOWS];
    uint64_t mapped; /* pages mapped */
};

static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1Dull;
}

static uint64_t below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static int window_of(uint64_t va)
{
    for (int w = 0; w < WINDOWS; w++)
        if (va - win_base[w] < win_len[w])
            return w;
    return -1;
}

static bool model_get(const struct model *m, uint64_t va, uint64_t *pa, pt_attr *attr)
{
    int w = window_of(va);
    if (w < 0)
        return false;
    uint64_t p = (va - win_base[w]) / PAGE;
    if (!m->pa[w][p])
        return false;
    *pa = (m->pa[w][p] & ~1ull) + (va & (PAGE - 1));
    *attr = m->attr[w][p];
    return true;
}

/* [va, va+len) lies inside one window in every call the test makes. */
static void model_set(struct model *m, uint64_t va, uint64_t len, uint64_t pa, pt_attr attr)
{
    int w = window_of(va);
    uint64_t first = (va - win_base[w]) / PAGE, n = len / PAGE;
    uint64_t *p = m->pa[w] + first;
    pt_attr *a = m->attr[w] + first;
    for (uint64_t i = 0; i < n; i++) {
        m->mapped += !p[i];
        p[i] = (pa + i * PAGE) | 1;
        a[i] = attr;
    }
}

static void model_clear(struct model *m, uint64_t va, uint64_t len)
{
    int w = window_of(va);
    uint64_t first = (va - win_base[w]) / PAGE, n = len / PAGE;
    uint64_t *p = m->pa[w] + first;
    for (uint64_t i = 0; i < n; i++) {
        m->mapped -= p[i] != 0;
        p[i] = 0;
    }
}

static void model_protect(struct model *m, uint64_t va, uint64_t len, pt_attr attr)
{
    int w = window_of(va);
    uint64_t first = (va - win_base[w]) / PAGE, n = len / PAGE;
    for (uint64_t i = 0; i < n; i++)
        if (m->pa[w][first + i])
            m->attr[w][first + i] = attr;
}

static bool model_any(const struct model *m, uint64_t va, uint64_t len)
{
    int w = window_of(va);
    uint64_t first = (va - win_base[w]) / PAGE, n = len / PAGE;
    for (uint64_t i = 0; i < n; i++)
        if (m->pa[w][first + i])
            return true;
    return false;
}

/* ---- the world of one episode ---------------------------------------------------------- */

struct world {
    struct sim sim;
    struct pt_space sp;
    /* The same hierarchy read through offset access: translations that read the tables
     * without a call per level must agree with those through the access function. */
    struct pt_env offset_env;
    struct pt_offset_access offset_acc;
    struct pt_space by_offset;
    struct model m;
    unsigned threshold;
    long step;
    uint64_t episode_seed;
    int bad;
};

static uint64_t *frame(struct world *w, uint64_t pa)
{
    return sim_frame(&w->sim, pa);
}

static pt_attr memtype_of(const struct pt_cpu *cpu, uint64_t e, int level)
{
    unsigned idx = ((e & O_PWT) ? 1u : 0u) | ((e & O_PCD) ? 2u : 0u) |
                   ((e & (level == 1 ? O_PAT4K : O_PATBIG)) ? 4u : 0u);
    return PT_ATTR_MT(cpu->pat[idx]);
}

/* Rights along a path, as the architecture states them: writable only if every entry
 * has RW, user only if every entry has US, no-execute if any entry has NX. */
struct rights {
    bool w, u, nx;
};

static struct rights rights_through(struct rights r, uint64_t e)
{
    return (struct rights){r.w && (e & O_RW), r.u && (e & O_US), r.nx || (e & O_NX)};
}

static pt_attr leaf_effective(const struct pt_cpu *cpu, struct rights r, uint64_t e, int level)
{
    r = rights_through(r, e);
    return (r.w ? PT_ATTR_WRITE : 0) | (r.u ? PT_ATTR_USER : 0) | (r.nx ? PT_ATTR_NX : 0) |
           ((e & O_G) ? PT_ATTR_GLOBAL : 0) | memtype_of(cpu, e, level);
}

static const struct rights all_rights = {true, true, false};

struct oracle_tr {
    bool mapped;
    uint64_t pa, page, leaf_va;
    pt_attr attr;
};

/* The CPU's walk of the raw entries. */
static struct oracle_tr oracle(struct world *w, uint64_t va)
{
    const struct pt_cpu *cpu = &w->sim.env.cpu;
    uint64_t lin = va & LIN_MASK, table = w->sp.root;
    struct rights r = all_rights;
    for (int level = depth; level >= 1; level--) {
        uint64_t e = frame(w, table)[(lin >> (12 + 9 * (level - 1))) & 511];
        if (!(e & O_P))
            return (struct oracle_tr){0};
        if (level == 1 || (level <= 3 && (e & O_PS))) {
            uint64_t size = 1ull << (12 + 9 * (level - 1));
            return (struct oracle_tr){true, (e & O_ADDR & ~(size - 1)) + (lin & (size - 1)), size,
                                      va & ~(size - 1), leaf_effective(cpu, r, e, level)};
        }
        r = rights_through(r, e);
        table = e & O_ADDR;
    }
    return (struct oracle_tr){0};
}

/* Every leaf overlapping [lo, hi) (linear), in order. */
struct leaf_info {
    uint64_t va, size, pa;
    pt_attr attr;
};
typedef void (*leaf_fn)(void *ctx, const struct leaf_info *leaf);

static void oracle_leaves_in(struct world *w, uint64_t table, int level, uint64_t base,
                             struct rights r, uint64_t lo, uint64_t hi, leaf_fn fn, void *ctx)
{
    uint64_t span = 1ull << (12 + 9 * (level - 1));
    const uint64_t *t = frame(w, table);
    for (unsigned i = 0; i < 512; i++) {
        uint64_t elo = base + i * span;
        if (elo + span <= lo || elo >= hi)
            continue;
        uint64_t e = t[i];
        if (!(e & O_P) || (level == depth && (int)i == w->sp.recursive_slot))
            continue;
        if (level == 1 || (level <= 3 && (e & O_PS))) {
            struct leaf_info li = {pt_canonical_at(depth, elo), span, e & O_ADDR & ~(span - 1),
                                   leaf_effective(&w->sim.env.cpu, r, e, level)};
            fn(ctx, &li);
        } else {
            oracle_leaves_in(w, e & O_ADDR, level - 1, elo, rights_through(r, e), lo, hi, fn, ctx);
        }
    }
}

static void oracle_leaves(struct world *w, uint64_t va, uint64_t len, leaf_fn fn, void *ctx)
{
    uint64_t lo = va & LIN_MASK;
    oracle_leaves_in(w, w->sp.root, depth, 0, all_rights, lo, lo + len, fn, ctx);
}

/* Tables reachable from the root, the slot not followed. */
static uint64_t oracle_tables(struct world *w, uint64_t table, int level)
{
    uint64_t n = 1;
    const uint64_t *t = frame(w, table);
    if (level == 1)
        return n;
    for (unsigned i = 0; i < 512; i++) {
        uint64_t e = t[i];
        if (!(e & O_P) || (level == depth && (int)i == w->sp.recursive_slot) ||
            (level <= 3 && (e & O_PS)))
            continue;
        n += oracle_tables(w, e & O_ADDR, level - 1);
    }
    return n;
}

/* ---- the random CPU and the foreign hierarchy ------------------------------------------ */

static const enum pt_memtype memtypes[6] = {PT_MT_UC, PT_MT_WC, PT_MT_WT,
                                            PT_MT_WP, PT_MT_WB, PT_MT_UCMINUS};

static struct pt_cpu random_cpu(void)
{
    struct pt_cpu cpu = {.page_1g = below(3) != 0, .nx = below(3) != 0};
    cpu.levels = below(3) == 0 ? PT_LEVEL_PML5 : PT_LEVEL_PML4;
    static const uint8_t widths[] = {36, 39, 40, 42, 46, 48, 52};
    cpu.maxphyaddr = widths[below(sizeof widths)];
    cpu.llc_bytes = below(2) ? PT_PAGE_4K : 0; /* new tables streamed, or stored */
    if (below(3) == 0)
        memcpy(cpu.pat, pt_pat_reset, sizeof cpu.pat);
    else
        for (int i = 0; i < 8; i++)
            cpu.pat[i] = (uint8_t)memtypes[below(6)];
    return cpu;
}

static uint64_t pa_limit(const struct pt_cpu *cpu)
{
    return cpu->maxphyaddr >= 64 ? ~0ull : 1ull << cpu->maxphyaddr;
}

/* A frame for a foreign table; the sim has room for every one the builder asks. */
static uint64_t new_table(struct world *w)
{
    uint64_t pa;
    if (!w->sim.env.alloc_frame(&w->sim, &pa))
        abort();
    return pa;
}

/* A table entry: sometimes withholding RW or US, or setting NX where the CPU allows. */
static uint64_t table_entry(struct world *w, uint64_t child)
{
    uint64_t e = child | O_P | O_RW | O_US;
    if (below(3) == 0) {
        if (below(2))
            e &= ~O_RW;
        if (below(2))
            e &= ~O_US;
        if (w->sim.env.cpu.nx && below(2))
            e |= O_NX;
    }
    if (below(2))
        e |= O_A;
    return e;
}

/* Leaf bits (no address) with random rights, PAT index, global, A/D. */
static uint64_t leaf_bits(struct world *w, int level)
{
    uint64_t e = O_P;
    if (below(3))
        e |= O_RW;
    if (below(3) == 0)
        e |= O_US;
    if (w->sim.env.cpu.nx && below(2))
        e |= O_NX;
    if (below(4) == 0)
        e |= O_G;
    unsigned pat = (unsigned)(below(3) ? 0 : below(8));
    if (pat & 1)
        e |= O_PWT;
    if (pat & 2)
        e |= O_PCD;
    if (pat & 4)
        e |= level == 1 ? O_PAT4K : O_PATBIG;
    if (level > 1)
        e |= O_PS;
    e |= below(4) * O_A; /* 0, A, D or A|D */
    return e;
}

static uint64_t random_pa(struct world *w, uint64_t align)
{
    uint64_t limit = pa_limit(&w->sim.env.cpu);
    if (limit > (1ull << 46))
        limit = 1ull << 46;
    return below(limit / align) * align;
}

static void write_leaf(struct world *w, uint64_t *slot, int level, uint64_t va, uint64_t pa,
                       uint64_t bits, struct rights r)
{
    *slot = pa | bits;
    model_set(&w->m, va, 1ull << (12 + 9 * (level - 1)), pa,
              leaf_effective(&w->sim.env.cpu, r, bits, level));
}

static void build_pt(struct world *w, uint64_t pt, uint64_t va, struct rights r, int kind)
{
    uint64_t *t = frame(w, pt);
    if (kind == 0)
        return; /* empty */
    uint64_t bits = leaf_bits(w, 1), base = random_pa(w, PT_PAGE_2M);
    for (unsigned i = 0; i < 512; i++) {
        if (kind == 1) { /* uniform and contiguous: folds into a 2 MiB leaf */
            write_leaf(w, &t[i], 1, va + i * PAGE, base + i * PAGE, bits | (below(4) * O_A), r);
        } else if (below(kind == 2 ? 2 : 8) == 0) { /* dense or sparse, random leaves */
            uint64_t b = below(4) ? bits : leaf_bits(w, 1);
            write_leaf(w, &t[i], 1, va + i * PAGE, below(2) ? base + i * PAGE : random_pa(w, PAGE),
                       b, r);
        }
    }
}

static void build_pd(struct world *w, uint64_t pd, uint64_t va, struct rights r)
{
    uint64_t *t = frame(w, pd);
    int mode = (int)below(8);
    if (mode == 0)
        return; /* empty */
    uint64_t bits = leaf_bits(w, 2), base = random_pa(w, GIB);
    int tables = 0;
    for (unsigned i = 0; i < 512; i++) {
        uint64_t eva = va + i * PT_PAGE_2M;
        if (mode == 1) { /* uniform 2 MiB leaves: folds into 1 GiB where the CPU allows */
            write_leaf(w, &t[i], 2, eva, base + i * PT_PAGE_2M, bits, r);
            continue;
        }
        unsigned x = (unsigned)below(16);
        if (x < 8)
            continue;
        if (x < 11 || tables >= 6) {
            write_leaf(w, &t[i], 2, eva,
                       below(2) ? base + i * PT_PAGE_2M : random_pa(w, PT_PAGE_2M),
                       below(4) ? bits : leaf_bits(w, 2), r);
            continue;
        }
        tables++;
        uint64_t pt = new_table(w);
        t[i] = table_entry(w, pt);
        build_pt(w, pt, eva, rights_through(r, t[i]), (int)below(4));
    }
}

/* One 1 GiB slot: empty, a 1 GiB leaf, an empty PD, or a PD. */
static void build_gib(struct world *w, uint64_t *slot, uint64_t va, struct rights r)
{
    unsigned x = (unsigned)below(10);
    if (x == 0)
        return;
    if (x == 1 && w->sim.env.cpu.page_1g) {
        write_leaf(w, slot, 3, va, random_pa(w, GIB), leaf_bits(w, 3), r);
        return;
    }
    uint64_t pd = new_table(w);
    *slot = table_entry(w, pd);
    if (x != 2)
        build_pd(w, pd, va, rights_through(r, *slot));
}

/* The PDPT covering va (and the PML4 above it at five levels), made on first use. */
static uint64_t pdpt_of(struct world *w, uint64_t va, struct rights *r)
{
    uint64_t table = w->sp.root;
    *r = all_rights;
    for (int level = depth; level > PT_LEVEL_PDPT; level--) {
        uint64_t *e = &frame(w, table)[pt_index(va, level)];
        if (!(*e & O_P))
            *e = table_entry(w, new_table(w));
        *r = rights_through(*r, *e);
        table = *e & O_ADDR;
    }
    return table;
}

static void build_world(struct world *w)
{
    uint64_t root = new_table(w);
    w->sp.root = root;
    w->sp.recursive_slot = -1;
    for (int win = 0; win < WINDOWS; win++) {
        for (uint64_t off = 0; off < win_len[win]; off += GIB) {
            uint64_t va = win_base[win] + off;
            struct rights r;
            uint64_t pdpt = pdpt_of(w, va, &r);
            build_gib(w, &frame(w, pdpt)[pt_index(va, 3)], va, r);
        }
    }
    if (below(2)) {
        unsigned k = 2 + (unsigned)below(509);
        if (k == pt_index(win_base[2], depth)) /* the upper-half window's entry */
            k++;
        uint64_t e = root | O_P | O_RW;
        if (w->sim.env.cpu.nx && below(2))
            e |= O_NX;
        frame(w, root)[k] = e;
    }
    pt_open(&w->sp, &w->sim.env, root);
}

/* ---- checks ---------------------------------------------------------------------------- */

#define DIVERGE(w, ...)                                                                            \
    do {                                                                                           \
        if ((w)->bad++ < 8) {                                                                      \
            fprintf(stderr,                                                                        \
                    "  episode seed %llu step %ld: ", (unsigned long long)(w)->episode_seed,       \
                    (w)->step);                                                                    \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
        }                                                                                          \
    } while (0)

static bool in_slot(const struct world *w, uint64_t va)
{
    return w->sp.recursive_slot >= 0 &&
           ((va & LIN_MASK) >> TOP_SHIFT) == (uint64_t)w->sp.recursive_slot;
}

/* Model, oracle and library agree at va. */
static void check_point(struct world *w, uint64_t va)
{
    va = pt_canonical_at(depth, va);
    if (in_slot(w, va))
        return;
    uint64_t pa = 0;
    pt_attr attr = 0;
    bool want = model_get(&w->m, va, &pa, &attr);
    struct oracle_tr o = oracle(w, va);
    struct pt_translation tr;
    enum pt_error err = pt_translate(&w->sp, va, &tr);
    if (o.mapped != want || (want && (o.pa != pa || o.attr != attr)))
        DIVERGE(w, "va 0x%llx: model %d pa 0x%llx attr 0x%x, tables %d pa 0x%llx attr 0x%x",
                (unsigned long long)va, want, (unsigned long long)pa, attr, o.mapped,
                (unsigned long long)o.pa, o.attr);
    else if (err != PT_OK || tr.mapped != want ||
             (want && (tr.pa != pa || tr.attr != attr || tr.page != o.page)))
        DIVERGE(w,
                "va 0x%llx: pt_translate %s mapped %d pa 0x%llx attr 0x%x page 0x%llx, want %d "
                "0x%llx 0x%x 0x%llx",
                (unsigned long long)va, pt_error_name(err), tr.mapped, (unsigned long long)tr.pa,
                tr.attr, (unsigned long long)tr.page, want, (unsigned long long)pa, attr,
                (unsigned long long)o.page);
    struct pt_translation td;
    enum pt_error derr = pt_translate(&w->by_offset, va, &td);
    if (derr != err || td.mapped != tr.mapped || td.level != tr.level ||
        (tr.mapped && (td.pa != tr.pa || td.attr != tr.attr || td.page != tr.page)))
        DIVERGE(w,
                "va 0x%llx through offset access: %s mapped %d level %d pa 0x%llx attr 0x%x, "
                "through the access function %s %d %d 0x%llx 0x%x",
                (unsigned long long)va, pt_error_name(derr), td.mapped, td.level,
                (unsigned long long)td.pa, td.attr, pt_error_name(err), tr.mapped, tr.level,
                (unsigned long long)tr.pa, tr.attr);
}

/* A visited set for pt_check and pt_import: room for every frame in use, cleared. */
static struct pt_seen fresh_seen(struct world *w)
{
    static uint64_t slots[32768];
    size_t cap = 64;
    while (cap < 2 * w->sim.in_use + 64 && cap < 32768)
        cap *= 2;
    memset(slots, 0, cap * sizeof slots[0]);
    return (struct pt_seen){slots, cap, 0};
}

static void check_structure(struct world *w)
{
    struct pt_seen seen = fresh_seen(w);
    struct pt_fault fault;
    enum pt_error err = pt_check(&w->sp, &seen, &fault);
    if (err != PT_OK)
        DIVERGE(w, "pt_check: %s at level %d index %u entry 0x%llx", pt_error_name(err),
                fault.level, fault.index, (unsigned long long)fault.entry);
    uint64_t tables = oracle_tables(w, w->sp.root, depth);
    if (tables != w->sim.in_use)
        DIVERGE(w, "frames in use %llu, tables reachable %llu", (unsigned long long)w->sim.in_use,
                (unsigned long long)tables);
}

/* ---- runs (walk, import) against the model --------------------------------------------- */

struct run_check {
    struct world *w;
    uint64_t lo, hi; /* linear page range the runs must stay inside */
    uint64_t pages;
    uint64_t last_end;
};

static bool run_matches(void *ctx, const struct pt_run *run)
{
    struct run_check *rc = ctx;
    struct world *w = rc->w;
    uint64_t lin = run->va & LIN_MASK;
    if ((run->va | run->len) & (PAGE - 1) || lin < rc->lo || lin + run->len > rc->hi ||
        run->len == 0 || lin < rc->last_end) {
        DIVERGE(w, "run 0x%llx+0x%llx outside [0x%llx, 0x%llx) or out of order",
                (unsigned long long)run->va, (unsigned long long)run->len,
                (unsigned long long)rc->lo, (unsigned long long)rc->hi);
        return false;
    }
    rc->last_end = lin + run->len;
    rc->pages += run->len / PAGE;
    /* Both ends and a few pages between (every page for short runs). */
    uint64_t n = run->len / PAGE;
    for (uint64_t k = 0; k < (n < 16 ? n : 16); k++) {
        uint64_t off = (n < 16 ? k : (k < 2 ? k * (n - 1) : below(n))) * PAGE;
        uint64_t pa;
        pt_attr attr;
        if (!model_get(&w->m, run->va + off, &pa, &attr) || pa != run->pa + off ||
            attr != run->attr) {
            DIVERGE(w, "run 0x%llx+0x%llx -> 0x%llx attr 0x%x disagrees with the model at +0x%llx",
                    (unsigned long long)run->va, (unsigned long long)run->len,
                    (unsigned long long)run->pa, run->attr, (unsigned long long)off);
            return false;
        }
    }
    return true;
}

/* Pages the model maps in the linear range [lo, hi). */
static uint64_t model_pages_in(struct world *w, uint64_t lo, uint64_t hi)
{
    uint64_t n = 0;
    for (int win = 0; win < WINDOWS; win++) {
        uint64_t wlo = win_base[win] & LIN_MASK, whi = wlo + win_len[win];
        uint64_t a = lo > wlo ? lo : wlo, b = hi < whi ? hi : whi;
        for (uint64_t p = (a - wlo) / PAGE; a < b && p < (b - wlo) / PAGE; p++)
            n += w->m.pa[win][p] != 0;
    }
    return n;
}

/* pt_walk over an unaligned range reports exactly the pages its bytes touch. */
static void check_walk(struct world *w, uint64_t va, uint64_t len)
{
    uint64_t lo = va & LIN_MASK & ~(PAGE - 1);
    uint64_t hi = ((va & LIN_MASK) + len + PAGE - 1) & ~(PAGE - 1);
    struct run_check rc = {w, lo, hi, 0, 0};
    enum pt_error err = pt_walk(&w->sp, va, len, run_matches, &rc);
    uint64_t want = model_pages_in(w, lo, hi);
    if (err != PT_OK || rc.pages != want)
        DIVERGE(w, "walk 0x%llx+0x%llx: %s, %llu pages, model %llu", (unsigned long long)va,
                (unsigned long long)len, pt_error_name(err), (unsigned long long)rc.pages,
                (unsigned long long)want);
}

/* A visited set of capacity N holds N tables: the smallest power of two that fits the
 * hierarchy's tables is enough, half of it (when smaller) is not. */
static void check_seen_capacity(struct world *w)
{
    static uint64_t slots[32768];
    uint64_t tables = oracle_tables(w, w->sp.root, depth);
    size_t cap = 1;
    while (cap < tables)
        cap *= 2;
    for (int half = 0; half < 2; half++) {
        size_t c = half ? cap / 2 : cap;
        memset(slots, 0, c * sizeof slots[0]);
        struct pt_seen seen = {slots, c, 0};
        struct pt_fault fault;
        enum pt_error want = c >= tables ? PT_OK : PT_ERR_SCRATCH_FULL;
        enum pt_error err = pt_import(&w->sp, &seen, NULL, NULL, &fault);
        if (err != want)
            DIVERGE(w, "import of %llu tables with a visited set of %zu: %s, want %s",
                    (unsigned long long)tables, c, pt_error_name(err), pt_error_name(want));
    }
}

static void check_import(struct world *w)
{
    struct pt_seen seen = fresh_seen(w);
    struct pt_fault fault;
    struct run_check rc = {w, 0, LIN_END, 0, 0};
    enum pt_error err = pt_import(&w->sp, &seen, run_matches, &rc, &fault);
    if (err != PT_OK || rc.pages != w->m.mapped)
        DIVERGE(w, "import: %s, %llu pages, model %llu", pt_error_name(err),
                (unsigned long long)rc.pages, (unsigned long long)w->m.mapped);
}

/* An entry this CPU must refuse (NX without NXE, an address bit at MAXPHYADDR, PS in a
 * PML4 or PML5 entry), the slot's own entry included: import and check name it; then it goes back.
 */
static void check_invalid_entry(struct world *w)
{
    const struct pt_cpu *cpu = &w->sim.env.cpu;
    uint64_t table = w->sp.root;
    unsigned idx = 0;
    int level = depth;
    uint64_t e = 0;
    bool slot = w->sp.recursive_slot >= 0 && below(4) == 0;
    if (slot) {
        idx = (unsigned)w->sp.recursive_slot;
        e = frame(w, table)[idx];
    } else {
        for (;;) { /* down a random path of present entries */
            unsigned present[512], n = 0;
            const uint64_t *t = frame(w, table);
            for (unsigned i = 0; i < 512; i++)
                if ((t[i] & O_P) && !(level == depth && (int)i == w->sp.recursive_slot))
                    present[n++] = i;
            if (n == 0)
                return;
            idx = present[below(n)];
            e = t[idx];
            bool leaf = level == 1 || (level <= 3 && (e & O_PS));
            if (leaf || below(3) == 0)
                break;
            table = e & O_ADDR;
            level--;
        }
    }
    bool leaf = level == 1 || (level <= 3 && (e & O_PS));
    uint64_t bad;
    enum pt_error want;
    if (!cpu->nx) {
        bad = e | O_NX;
        want = PT_ERR_NX_DISABLED;
    } else if (cpu->maxphyaddr < 52 && !slot) {
        bad = e | (1ull << cpu->maxphyaddr);
        want = leaf ? PT_ERR_PA_TOO_WIDE : PT_ERR_RESERVED_BITS;
    } else if (level >= 4 && !slot) {
        bad = e | O_PS;
        want = PT_ERR_BAD_PS;
    } else {
        return;
    }
    uint64_t *where = &frame(w, table)[idx];
    *where = bad;
    for (int pass = 0; pass < 2; pass++) {
        struct pt_seen seen = fresh_seen(w);
        struct pt_fault fault = {0};
        enum pt_error err =
            pass ? pt_check(&w->sp, &seen, &fault) : pt_import(&w->sp, &seen, NULL, NULL, &fault);
        if (err != want || fault.level != level || fault.table != table || fault.index != idx ||
            fault.entry != bad)
            DIVERGE(w, "%s of entry 0x%llx (level %d index %u%s): %s at level %d index %u, want %s",
                    pass ? "check" : "import", (unsigned long long)bad, level, idx,
                    slot ? ", the slot" : "", pt_error_name(err), fault.level, fault.index,
                    pt_error_name(want));
    }
    *where = e;
}

/* ---- operations ------------------------------------------------------------------------ */

enum op_kind {
    OP_MAP,
    OP_REPLACE,
    OP_PAGE,
    OP_UNMAP,
    OP_PROTECT,
    OP_COALESCE,
    OP_WALK,
    OP_IMPORT,
    OP_INVALID,
    OP_INSTALL,
    OP_KINDS
};

static const unsigned op_weight[OP_KINDS] = {12, 12, 8, 12, 18, 10, 8, 3, 3, 2};

struct op {
    enum op_kind kind;
    uint64_t va, len, pa;
    enum pt_size size;
    pt_attr attr;
    bool recursive;
};

static enum op_kind pick_kind(void)
{
    unsigned total = 0;
    for (int k = 0; k < OP_KINDS; k++)
        total += op_weight[k];
    unsigned x = (unsigned)below(total);
    for (int k = 0; k < OP_KINDS; k++) {
        if (x < op_weight[k])
            return (enum op_kind)k;
        x -= op_weight[k];
    }
    return OP_MAP;
}

static pt_attr random_attr(void)
{
    pt_attr a = PT_ATTR_MT(memtypes[below(3) ? 4 : below(6)]);
    if (below(2))
        a |= PT_ATTR_WRITE;
    if (below(3) == 0)
        a |= PT_ATTR_USER;
    if (below(2))
        a |= PT_ATTR_NX;
    if (below(4) == 0)
        a |= PT_ATTR_GLOBAL;
    if (below(64) == 0)
        a |= 0x100; /* unknown bit */
    return a;
}

static struct op pick_op(struct world *w)
{
    struct op op = {.kind = pick_kind()};
    int win = (int)below(WINDOWS);
    uint64_t base = win_base[win], end = base + win_len[win];
    static const uint64_t grains[] = {GIB, PT_PAGE_2M, PAGE};
    uint64_t g = grains[below(3)];
    op.va = base + below(win_len[win] / g) * g;
    if (below(4) == 0) {
        uint64_t nudge = (1 + below(4)) * PAGE;
        if (below(2) && op.va - base >= nudge)
            op.va -= nudge;
        else if (end - op.va > nudge)
            op.va += nudge;
    }
    static const uint64_t lens[] = {PAGE, PT_PAGE_2M, GIB};
    uint64_t len = lens[below(8) == 0 ? 2 : below(2)] * (1 + below(3));
    if (below(3) == 0)
        len += (below(9) - 4) * PAGE;
    if (len == 0 || len > end - op.va)
        len = end - op.va;
    static const uint64_t aligns[] = {GIB, PT_PAGE_2M, PAGE};
    uint64_t a = aligns[below(3)];
    if (a == PAGE && len > 16 * MIB)
        len = 16 * MIB; /* 4 KiB leaves only: keep the table count, and each check, modest */
    op.len = len;
    uint64_t limit = pa_limit(&w->sim.env.cpu);
    op.pa = (op.va & (a - 1)) + below((limit < (1ull << 46) ? limit : 1ull << 46) / GIB) * GIB +
            below(512) * (a == GIB ? 0 : a);
    op.pa &= limit - 1;
    if (below(32) == 0)
        op.pa |= limit; /* too wide */
    op.attr = random_attr();
    op.size = (enum pt_size)below(3);
    if (op.kind == OP_PAGE) {
        uint64_t bytes = pt_size_bytes(op.size);
        if (below(8)) {
            op.va &= ~(bytes - 1);
            op.pa &= ~(bytes - 1);
        }
        if (op.va < base || bytes > end - op.va)
            op.va = base;
        op.len = bytes;
    }
    if (op.kind == OP_WALK) { /* unaligned both ends */
        op.va += below(PAGE);
        op.len = 1 + below((op.len < 64 * MIB ? op.len : 64 * MIB) + PAGE);
        if (op.len > end - op.va)
            op.len = end - op.va;
    }
    if (below(64) == 0 && op.kind <= OP_COALESCE && op.kind != OP_PAGE)
        op.va += 0x800; /* misaligned */
    if (below(32) == 0 && w->sp.recursive_slot >= 0 && op.kind <= OP_COALESCE &&
        op.kind != OP_PAGE) {
        /* into the slot's 512 GiB (256 TiB at five levels) */
        op.va =
            pt_canonical_at(depth, (uint64_t)w->sp.recursive_slot << TOP_SHIFT) + below(512) * GIB;
        op.len = GIB;
    }
    op.recursive = w->sp.recursive_slot >= 0 && below(8) == 0;
    return op;
}

static bool attr_known(const struct pt_cpu *cpu, pt_attr a, enum pt_error *err)
{
    if (a & ~PT_ATTR_ALL) {
        *err = PT_ERR_BAD_ATTR;
        return false;
    }
    bool in_pat = false;
    for (int i = 0; i < 8; i++)
        in_pat |= cpu->pat[i] == PT_ATTR_MEMTYPE(a);
    if (!in_pat) {
        *err = PT_ERR_BAD_ATTR;
        return false;
    }
    if ((a & PT_ATTR_NX) && !cpu->nx) {
        *err = PT_ERR_NX_DISABLED;
        return false;
    }
    return true;
}

/* The error the documentation promises for op, PT_OK when it must succeed. */
static enum pt_error expected(struct world *w, const struct op *op)
{
    const struct pt_cpu *cpu = &w->sim.env.cpu;
    enum pt_error err = PT_OK;
    uint64_t len = op->len;
    if (op->kind == OP_PAGE) {
        uint64_t bytes = pt_size_bytes(op->size);
        if (op->size == PT_SIZE_1G && !cpu->page_1g)
            return PT_ERR_SIZE_NOT_ALLOWED;
        if ((op->va | op->pa) & (bytes - 1))
            return PT_ERR_MISALIGNED;
        len = bytes;
    }
    if ((op->va | len) & (PAGE - 1))
        return PT_ERR_MISALIGNED;
    if (in_slot(w, op->va) || in_slot(w, op->va + len - 1))
        return PT_ERR_RECURSIVE_SLOT;
    bool maps = op->kind == OP_MAP || op->kind == OP_REPLACE || op->kind == OP_PAGE;
    if (maps && (op->pa >= pa_limit(cpu) || len > pa_limit(cpu) - op->pa))
        return PT_ERR_PA_TOO_WIDE;
    if ((maps || op->kind == OP_PROTECT) && !attr_known(cpu, op->attr, &err))
        return err;
    if ((op->kind == OP_MAP || op->kind == OP_PAGE) && model_any(&w->m, op->va, len))
        return PT_ERR_ALREADY_MAPPED;
    return PT_OK;
}

static enum pt_error perform(struct world *w, const struct op *op)
{
    switch (op->kind) {
    case OP_MAP:
        return pt_map_region(&w->sp, op->va, op->pa, op->len, op->attr, 0, NULL);
    case OP_REPLACE:
        return pt_map_region(&w->sp, op->va, op->pa, op->len, op->attr, PT_MAP_REPLACE, NULL);
    case OP_PAGE:
        return pt_map_page(&w->sp, op->va, op->pa, op->size, op->attr, 0);
    case OP_UNMAP:
        return pt_unmap(&w->sp, op->va, op->len);
    case OP_PROTECT:
        return pt_protect(&w->sp, op->va, op->len, op->attr);
    default:
        return pt_coalesce(&w->sp, op->va, op->len, NULL);
    }
}

static void model_apply(struct world *w, const struct op *op)
{
    switch (op->kind) {
    case OP_MAP:
    case OP_REPLACE:
    case OP_PAGE:
        model_set(&w->m, op->va, op->len, op->pa, op->attr);
        break;
    case OP_UNMAP:
        model_clear(&w->m, op->va, op->len);
        break;
    case OP_PROTECT:
        model_protect(&w->m, op->va, op->len, op->attr);
        break;
    default:
        break;
    }
}

/* ---- the flush rule -------------------------------------------------------------------- */

#define MAX_LEAVES 8192

/* The old leaves a change must invalidate, and an upper bound on the invalidations the
 * documented rule lets it count (pt.h: one per leaf changed or removed, a split leaf once
 * and again each piece it changes, one more when only table entries changed). */
struct flush_need {
    const struct op *op;
    struct leaf_info must[MAX_LEAVES];
    unsigned n_must;
    bool overflow;
    uint64_t most; /* upper bound of the count */
};

static void need_leaf(void *ctx, const struct leaf_info *leaf)
{
    struct flush_need *fn = ctx;
    const struct op *op = fn->op;
    uint64_t lo = op->va > leaf->va ? op->va : leaf->va;
    uint64_t hi =
        op->va + op->len < leaf->va + leaf->size ? op->va + op->len : leaf->va + leaf->size;
    bool inside = lo == leaf->va && hi == leaf->va + leaf->size;
    bool changes;
    bool whole = inside;
    if (op->kind == OP_PROTECT) {
        changes = leaf->attr != op->attr;
    } else if (op->kind == OP_UNMAP) {
        changes = true;
    } else { /* replace */
        changes = leaf->pa - leaf->va != op->pa - op->va || leaf->attr != op->attr;
        whole = inside && ((leaf->va + (op->pa - op->va)) & (leaf->size - 1)) == 0;
    }
    if (op->kind == OP_PROTECT && !changes)
        return;
    fn->most += whole ? 1 : 1 + 2 * ((hi - lo) / PAGE);
    if (!changes)
        return;
    if (fn->n_must == MAX_LEAVES)
        fn->overflow = true;
    else
        fn->must[fn->n_must++] = *leaf;
}

static void check_flushes(struct world *w, const struct op *op, struct flush_need *need,
                          enum pt_error got, uint64_t pages, uint64_t alls)
{
    unsigned limit = w->threshold < PT_FLUSH_MAX ? w->threshold : PT_FLUSH_MAX;
    if (got != PT_OK) {
        if (pages || alls)
            DIVERGE(w, "a refused call flushed (%llu single, %llu full)", (unsigned long long)pages,
                    (unsigned long long)alls);
        return;
    }
    if (alls > 1 || (alls == 1 && pages != 0)) {
        DIVERGE(w, "op %d: %llu full and %llu single flushes", op->kind, (unsigned long long)alls,
                (unsigned long long)pages);
        return;
    }
    if (alls == 0 && pages > limit)
        DIVERGE(w, "op %d: %llu single flushes, threshold %u", op->kind, (unsigned long long)pages,
                w->threshold);
    if (!need)
        return;
    if (alls == 1 && need->most <= limit)
        DIVERGE(w,
                "op %d va 0x%llx len 0x%llx: full flush where at most %llu invalidations "
                "were due (threshold %u)",
                op->kind, (unsigned long long)op->va, (unsigned long long)op->len,
                (unsigned long long)need->most, w->threshold);
    if (alls == 1 || need->overflow)
        return;
    for (unsigned i = 0; i < need->n_must; i++) {
        const struct leaf_info *l = &need->must[i];
        bool hit = false;
        for (unsigned k = 0; k < w->sim.flush_logged && !hit; k++)
            hit = w->sim.flush_log[k] - l->va < l->size;
        if (!hit) {
            DIVERGE(w, "op %d: the leaf 0x%llx (0x%llx bytes) changed and was not flushed",
                    op->kind, (unsigned long long)l->va, (unsigned long long)l->size);
            return;
        }
    }
}

/* ---- one call -------------------------------------------------------------------------- */

static void key_points(struct world *w, const struct op *op)
{
    uint64_t len = op->len ? op->len : 1;
    uint64_t points[] = {op->va, op->va + len - 1, op->va + len, op->va - 1};
    for (size_t i = 0; i < 4; i++)
        check_point(w, points[i]);
    for (int i = 0; i < 6; i++)
        check_point(w, op->va + below(len));
    for (int i = 0; i < 6; i++) {
        int win = (int)below(WINDOWS);
        check_point(w, win_base[win] + below(win_len[win]));
    }
}

static struct flush_need need_buf;

static void one_call(struct world *w, const struct op *op, long *refused)
{
    enum pt_error want = expected(w, op);
    struct flush_need *need = NULL;
    bool counts = op->kind == OP_PROTECT || op->kind == OP_UNMAP || op->kind == OP_REPLACE ||
                  op->kind == OP_MAP || op->kind == OP_PAGE;
    if (want == PT_OK && counts && !op->recursive) {
        need = &need_buf;
        need->op = op;
        need->n_must = 0;
        need->overflow = false;
        need->most = 1;
        if (op->kind != OP_MAP && op->kind != OP_PAGE)
            oracle_leaves(w, op->va, op->len, need_leaf, need);
    }
    uint64_t used = w->sim.in_use;
    bool inject = below(8) == 0;
    if (inject)
        w->sim.fail_at = (int64_t)(w->sim.attempts + below(4));
    w->sim.flush_pages = w->sim.flush_alls = 0;
    w->sim.flush_logged = 0;
    if (op->recursive)
        sim_use_recursive(&w->sim, &w->sp, (unsigned)w->sp.recursive_slot);
    enum pt_error got = perform(w, op);
    if (op->recursive)
        sim_use_direct(&w->sim);
    w->sim.fail_at = -1;
    if ((got == PT_ERR_NO_FRAMES && want == PT_OK && (inject || w->sim.free_count < 2048)) ||
        (got == PT_ERR_UNREACHABLE && op->recursive && want == PT_OK)) {
        (*refused)++;
        if (w->sim.in_use != used)
            DIVERGE(w, "refused call kept %lld frames", (long long)(w->sim.in_use - used));
        if (w->sim.flush_pages || w->sim.flush_alls)
            DIVERGE(w, "refused call flushed");
        return;
    }
    if (got != want) {
        DIVERGE(w, "op %d va 0x%llx len 0x%llx pa 0x%llx attr 0x%x%s: %s, want %s", op->kind,
                (unsigned long long)op->va, (unsigned long long)op->len, (unsigned long long)op->pa,
                op->attr, op->recursive ? " (through the slot)" : "", pt_error_name(got),
                pt_error_name(want));
        return;
    }
    if (got == PT_OK)
        model_apply(w, op);
    if (!op->recursive)
        check_flushes(w, op, need, got, w->sim.flush_pages, w->sim.flush_alls);
}

static void run_episode(struct world *w, uint64_t seed, long ops, long *counts, long *refused)
{
    rng = mix(seed) | 1;
    w->episode_seed = seed;
    sim_reset(&w->sim, random_cpu());
    depth = w->sim.env.cpu.levels;
    w->threshold = below(4) == 0 ? (unsigned)below(8) : (unsigned)below(1100);
    sim_track_flushes(&w->sim, w->threshold);
    for (int win = 0; win < WINDOWS; win++) {
        memset(w->m.pa[win], 0, win_len[win] / PAGE * sizeof *w->m.pa[win]);
        memset(w->m.attr[win], 0, win_len[win] / PAGE * sizeof *w->m.attr[win]);
    }
    w->m.mapped = 0;
    build_world(w);
    w->offset_env = w->sim.env;
    w->offset_acc.offset = (uint64_t)(uintptr_t)w->sim.mem - SIM_BASE;
    pt_access_offset(&w->offset_env, &w->offset_acc);
    if (pt_open(&w->by_offset, &w->offset_env, w->sp.root) != PT_OK)
        DIVERGE(w, "pt_open through offset access failed");
    check_structure(w);
    for (w->step = 0; w->step < ops && !w->bad; w->step++) {
        struct op op = pick_op(w);
        counts[op.kind]++;
        switch (op.kind) {
        case OP_WALK:
            check_walk(w, op.va, op.len);
            continue;
        case OP_IMPORT:
            check_import(w);
            check_seen_capacity(w);
            continue;
        case OP_INVALID:
            check_invalid_entry(w);
            break;
        case OP_INSTALL: {
            unsigned k = 2 + (unsigned)below(509);
            bool taken = w->sp.recursive_slot >= 0 || (frame(w, w->sp.root)[k] & O_P);
            enum pt_error err = pt_recursive_install(&w->sp, k);
            if (err != (taken ? PT_ERR_BAD_SLOT : PT_OK))
                DIVERGE(w, "install slot %u: %s", k, pt_error_name(err));
            break;
        }
        default:
            one_call(w, &op, refused);
            break;
        }
        key_points(w, &op);
        check_structure(w);
    }
    if (!w->bad) {
        check_import(w);
        struct run_check rc = {w, 0, LIN_END, 0, 0};
        enum pt_error err = pt_walk(&w->sp, 0, LIN_END, run_matches, &rc);
        if (err != PT_OK || rc.pages != w->m.mapped)
            DIVERGE(w, "walk of everything: %s, %llu pages, model %llu", pt_error_name(err),
                    (unsigned long long)rc.pages, (unsigned long long)w->m.mapped);
    }
}

#define POOL_FRAMES 24576

static void foreign_hierarchies_match_model(void)
{
    long total = test_ops ? (long)test_ops : 6000;
    long per_episode = 500;
    struct world *w = calloc(1, sizeof *w);
    sim_init(&w->sim, POOL_FRAMES, sim_cpu_max());
    for (int win = 0; win < WINDOWS; win++) {
        w->m.pa[win] = malloc(win_len[win] / PAGE * sizeof *w->m.pa[win]);
        w->m.attr[win] = malloc(win_len[win] / PAGE * sizeof *w->m.attr[win]);
    }
    long counts[OP_KINDS] = {0}, refused = 0, done = 0, episodes = 0, five = 0;
    if (test_episode_seed) {
        run_episode(w, test_episode_seed, per_episode, counts, &refused);
        done = w->step;
        episodes = 1;
        five = depth == 5;
    }
    for (uint64_t e = 0; !test_episode_seed && done < total && !w->bad; e++, episodes++) {
        long ops = total - done < per_episode ? total - done : per_episode;
        run_episode(w, mix(test_seed * 1000003u + e), ops, counts, &refused);
        done += w->step;
        five += depth == 5;
    }
    CHECK_EQ(w->bad, 0);
    printf("  foreign model: %ld operations in %ld episodes, %ld of them 5-level (map %ld, replace "
           "%ld, page %ld, "
           "unmap %ld, protect %ld, coalesce %ld, walk %ld, import %ld, invalid entry %ld, "
           "install %ld; refused for frames %ld), %s, seed %llu\n",
           done, episodes, five, counts[OP_MAP], counts[OP_REPLACE], counts[OP_PAGE],
           counts[OP_UNMAP], counts[OP_PROTECT], counts[OP_COALESCE], counts[OP_WALK],
           counts[OP_IMPORT], counts[OP_INVALID], counts[OP_INSTALL], refused,
           w->bad ? "DIVERGED" : "0 divergences", (unsigned long long)test_seed);
    for (int win = 0; win < WINDOWS; win++) {
        free(w->m.pa[win]);
        free(w->m.attr[win]);
    }
    sim_fini(&w->sim);
    free(w);
}

TEST_SUITE(foreign_model_tests) = {
    {"model/foreign_hierarchies_match_model", foreign_hierarchies_match_model},
    {NULL, NULL},
};
