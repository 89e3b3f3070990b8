/*
 * libFuzzer target: input bytes become a sequence of library calls on one hierarchy in
 * simulated memory (map, replace, map one page, unmap, protect, coalesce, translate through
 * the recursive slot, import, walk over an unaligned range), with random CPUs, attributes
 * and allocator failures, on zeroed frames reached through a checked function or poisoned
 * frames reached by offset, at four or five levels, with new tables written by ordinary or
 * by non-temporal stores, and changes no library call makes, as on a
 * hierarchy the library did not build: a table entry that withholds RW or US or sets NX, an empty
 * table (with an empty one below it) where nothing is mapped. After every call: the error is
 * exactly the one expected, the interval model agrees at the call's key points, the checker passes,
 * no frame leaks, and a failed call changed nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "interval_model.h"
#include "sim.h"

#define GIB        (1ull << 30)
#define MIB        (1ull << 20)
#define WINDOW_LEN (4 * GIB)
#define FRAMES     2048
#define MAX_OPS    48
#define MAX_RUNS   4096

/* Four levels: the bottom, across the 512 GiB line, the start of the upper half. Five
 * levels: the bottom, across 2^48 (a PML5 line four levels cannot reach), the start of
 * the 57-bit upper half. */
static const uint64_t windows[2][3] = {
    {0, 512 * GIB - 2 * GIB, 0xffff800000000000ull},
    {0, (1ull << 48) - 2 * GIB, 0xff00000000000000ull},
};
static int levels; /* of the input's hierarchy: 4 or 5 */

static const pt_attr attrs[8] = {
    PT_ATTR_WRITE | PT_ATTR_NX | PT_ATTR_MT(PT_MT_WB),
    PT_ATTR_NX | PT_ATTR_MT(PT_MT_WB),
    PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB),
    PT_ATTR_WRITE | PT_ATTR_GLOBAL | PT_ATTR_MT(PT_MT_UC),
    PT_ATTR_USER | PT_ATTR_MT(PT_MT_WT),
    PT_ATTR_WRITE | PT_ATTR_USER | PT_ATTR_NX | PT_ATTR_MT(PT_MT_UCMINUS),
    PT_ATTR_MT(PT_MT_WC), /* not in the reset PAT: BAD_ATTR */
    0x100,                /* unknown bit: BAD_ATTR */
};

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "fuzz_ops: " __VA_ARGS__);                                                 \
        fprintf(stderr, "\n");                                                                     \
        abort();                                                                                   \
    } while (0)

struct input {
    const uint8_t *data;
    size_t size, pos;
};

static uint8_t byte(struct input *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static uint16_t word(struct input *in)
{
    return (uint16_t)(byte(in) | (byte(in) << 8));
}

enum op_kind {
    OP_MAP,
    OP_REPLACE,
    OP_PAGE,
    OP_UNMAP,
    OP_PROTECT,
    OP_COALESCE,
    OP_RECURSIVE,
    OP_IMPORT,
    OP_RESTRICT,    /* a table entry above va withholds RW or US, or sets NX */
    OP_EMPTY_TABLE, /* an empty table linked where va maps nothing */
    OP_WALK,        /* pt_walk over an unaligned range */
    OP_KINDS
};

struct op {
    enum op_kind kind;
    uint64_t va, len, pa, grain;
    pt_attr attr;
    bool misaligned;
    int fail_after; /* -1: the allocator does not fail */
};

static const uint64_t grains[3] = {GIB, 2 * MIB, PT_PAGE_4K};

static struct op decode(struct input *in)
{
    struct op op;
    op.kind = (enum op_kind)(byte(in) % OP_KINDS);
    uint8_t w = byte(in);
    uint64_t base = windows[levels == PT_LEVEL_PML5][w % 3];
    op.grain = grains[(w >> 2) % 3];
    uint64_t start = (word(in) % (WINDOW_LEN / op.grain)) * op.grain;
    int nudge = (int)((w >> 4) & 7) - 3;
    if (nudge < 0 && start >= (uint64_t)-nudge * PT_PAGE_4K)
        start -= (uint64_t)-nudge * PT_PAGE_4K;
    else if (nudge > 0 && start + (uint64_t)nudge * PT_PAGE_4K < WINDOW_LEN)
        start += (uint64_t)nudge * PT_PAGE_4K;
    uint8_t l = byte(in), l2 = byte(in);
    uint64_t len = (1 + l % 3) * grains[(l >> 2) % 3];
    int extra = (int)(l2 % 9) - 4;
    if (extra < 0 && len > (uint64_t)-extra * PT_PAGE_4K)
        len -= (uint64_t)-extra * PT_PAGE_4K;
    else if (extra > 0)
        len += (uint64_t)extra * PT_PAGE_4K;
    if (len > WINDOW_LEN - start)
        len = WINDOW_LEN - start;
    uint8_t p = byte(in);
    uint64_t align = grains[p % 3];
    if (align == PT_PAGE_4K && len > 16 * MIB)
        len = 16 * MIB; /* 4 KiB leaves only: keep the frame count within the pool */
    op.va = base + start;
    op.len = len;
    op.pa = (op.va & (align - 1)) + (uint64_t)(byte(in) % 64) * GIB + (uint64_t)(p >> 2) * align;
    op.attr = attrs[byte(in) % 8];
    uint8_t f = byte(in);
    op.fail_after = f % 4 == 0 ? (f >> 2) % 8 : -1;
    op.misaligned = byte(in) == 0xff;
    if (op.misaligned)
        op.va += 0x800;
    return op;
}

struct world {
    struct sim sim;
    struct pt_space sp;
    struct interval_model model;
    struct pt_run before[MAX_RUNS], after[MAX_RUNS];
    uint64_t seen_slots[8192];
    bool fast; /* poisoned frames and offset access: the library's fast paths */
};

struct run_buf {
    struct pt_run *runs;
    int n;
};

static bool keep_run(void *ctx, const struct pt_run *run)
{
    struct run_buf *b = ctx;
    if (b->n == MAX_RUNS)
        return false;
    b->runs[b->n++] = *run;
    return true;
}

static int snapshot(struct world *w, struct pt_run *runs)
{
    struct run_buf b = {runs, 0};
    if (pt_walk(&w->sp, 0, 1ull << pt_va_bits(levels), keep_run, &b) != PT_OK)
        FAIL("walk failed or more than %d runs", MAX_RUNS);
    return b.n;
}

static bool same_runs(const struct pt_run *a, const struct pt_run *b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i].va != b[i].va || a[i].pa != b[i].pa || a[i].len != b[i].len ||
            a[i].attr != b[i].attr || a[i].sizes != b[i].sizes)
            return false;
    return true;
}

static enum pt_error expected(const struct world *w, const struct op *op)
{
    const struct pt_cpu *cpu = &w->sim.env.cpu;
    if (op->kind == OP_PAGE) {
        if (op->grain == GIB && !cpu->page_1g)
            return PT_ERR_SIZE_NOT_ALLOWED;
        if ((op->va | op->pa) & (op->grain - 1))
            return PT_ERR_MISALIGNED;
    } else if (op->misaligned) {
        return PT_ERR_MISALIGNED;
    }
    bool attr_used = op->kind == OP_MAP || op->kind == OP_REPLACE || op->kind == OP_PAGE ||
                     op->kind == OP_PROTECT;
    if (attr_used && (op->attr == 0x100 || PT_ATTR_MEMTYPE(op->attr) == PT_MT_WC))
        return PT_ERR_BAD_ATTR;
    if (attr_used && (op->attr & PT_ATTR_NX) && !cpu->nx)
        return PT_ERR_NX_DISABLED;
    uint64_t len = op->kind == OP_PAGE ? op->grain : op->len;
    if ((op->kind == OP_MAP || op->kind == OP_PAGE) && model_overlaps(&w->model, op->va, len))
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
    case OP_PAGE: {
        enum pt_size size = op->grain == GIB       ? PT_SIZE_1G
                            : op->grain == 2 * MIB ? PT_SIZE_2M
                                                   : PT_SIZE_4K;
        return pt_map_page(&w->sp, op->va, op->pa, size, op->attr, 0);
    }
    case OP_UNMAP:
        return pt_unmap(&w->sp, op->va, op->len);
    case OP_PROTECT:
        return pt_protect(&w->sp, op->va, op->len, op->attr);
    default:
        return pt_coalesce(&w->sp, op->va, op->len, NULL);
    }
}

static bool model_apply(struct world *w, const struct op *op)
{
    switch (op->kind) {
    case OP_MAP:
    case OP_REPLACE:
        return model_map(&w->model, op->va, op->len, op->pa, op->attr);
    case OP_PAGE:
        return model_map(&w->model, op->va, op->grain, op->pa, op->attr);
    case OP_UNMAP:
        return model_unmap(&w->model, op->va, op->len);
    case OP_PROTECT:
        return model_protect(&w->model, op->va, op->len, op->attr);
    default:
        return true;
    }
}

static void check_point(struct world *w, uint64_t va)
{
    if (!pt_is_canonical_at(levels, va))
        return;
    struct pt_translation tr;
    uint64_t pa = 0;
    uint32_t attr = 0;
    bool want = model_lookup(&w->model, va, &pa, &attr);
    if (pt_translate(&w->sp, va, &tr) != PT_OK || tr.mapped != want ||
        (want && (tr.pa != pa || tr.attr != attr)))
        FAIL("va 0x%llx: model %d pa 0x%llx attr 0x%x, tables %d pa 0x%llx attr 0x%x",
             (unsigned long long)va, want, (unsigned long long)pa, attr, tr.mapped,
             (unsigned long long)tr.pa, tr.attr);
}

static void check_world(struct world *w, const struct op *op, struct input *in)
{
    uint64_t va = op->va & ~0xfffull, len = op->kind == OP_PAGE ? op->grain : op->len;
    uint64_t points[4] = {va, va + len - 1, va + len, va - 1};
    for (int i = 0; i < 4; i++)
        check_point(w, points[i]);
    for (int i = 0; i < 4; i++)
        check_point(w, va + (uint64_t)word(in) * (len / 65536 + 1) % len);
    memset(w->seen_slots, 0, sizeof w->seen_slots);
    struct pt_seen seen = {w->seen_slots, 8192, 0};
    struct pt_fault fault;
    enum pt_error err = pt_check(&w->sp, &seen, &fault);
    if (err != PT_OK)
        FAIL("checker: %s at level %d index %u", pt_error_name(err), fault.level, fault.index);
    struct pt_stats st;
    pt_stats(&w->sp, &st);
    uint64_t tables = st.table_bytes / PT_PAGE_4K;
    if (tables != w->sim.in_use)
        FAIL("frames in use %llu, tables reachable %llu", (unsigned long long)w->sim.in_use,
             (unsigned long long)tables);
}

/* The input's access outside the recursive checks: through the sim's checked function, or
 * (fast) by offset on frames handed out full of poison. */
static void use_plain_access(struct world *w)
{
    if (w->fast)
        sim_use_offset(&w->sim);
    else
        sim_use_direct(&w->sim);
}

/* Through the recursive slot the library must read what the direct walk reads. */
static void check_recursive(struct world *w, const struct op *op)
{
    uint64_t points[3] = {op->va & ~0xfffull, op->va + op->len - 1, op->va + op->len};
    struct pt_translation direct[3], through[3];
    for (int i = 0; i < 3; i++)
        pt_translate(&w->sp, points[i], &direct[i]);
    sim_use_recursive(&w->sim, &w->sp, PT_DEFAULT_SLOT);
    for (int i = 0; i < 3; i++)
        pt_translate(&w->sp, points[i], &through[i]);
    use_plain_access(w);
    for (int i = 0; i < 3; i++)
        if (direct[i].mapped != through[i].mapped || direct[i].pa != through[i].pa ||
            direct[i].attr != through[i].attr)
            FAIL("recursive translation of 0x%llx differs", (unsigned long long)points[i]);
}

static void check_import(struct world *w)
{
    memset(w->seen_slots, 0, sizeof w->seen_slots);
    struct pt_seen seen = {w->seen_slots, 8192, 0};
    struct run_buf b = {w->after, 0};
    struct pt_fault fault;
    enum pt_error err = pt_import(&w->sp, &seen, keep_run, &b, &fault);
    uint64_t bytes = 0;
    for (int i = 0; i < b.n; i++)
        bytes += b.runs[i].len;
    if (err != PT_OK || bytes != model_bytes(&w->model))
        FAIL("import: %s, %llu bytes vs model %llu", pt_error_name(err), (unsigned long long)bytes,
             (unsigned long long)model_bytes(&w->model));
}

/* A table entry on the path to op->va (PML4, PDPT or PD entry, by the next byte) loses
 * RW or US or gains NX, as firmware tables have them; the model narrows the same span. */
static bool restrict_entry(struct world *w, const struct op *op, struct input *in)
{
    uint8_t b = byte(in);
    int target = 2 + b % 3;
    uint64_t lin = op->va & ((1ull << pt_va_bits(levels)) - 1), table = w->sp.root;
    for (int level = levels; level >= target; level--) {
        uint64_t *e = &sim_frame(&w->sim, table)[pt_index(lin, level)];
        if (!pte_present(*e) || pte_is_leaf(*e, level))
            return true;
        if (level == target) {
            uint64_t clear = 0, set = 0;
            uint32_t aclear = 0, aset = 0;
            if (b & 0x08)
                clear |= PTE_RW, aclear |= PT_ATTR_WRITE;
            if (b & 0x10)
                clear |= PTE_US, aclear |= PT_ATTR_USER;
            if ((b & 0x20) && w->sim.env.cpu.nx)
                set |= PTE_NX, aset |= PT_ATTR_NX;
            *e = (*e & ~clear) | set;
            uint64_t span = pt_level_span(level);
            return model_restrict(&w->model, pt_canonical_at(levels, lin & ~(span - 1)), span,
                                  aclear, aset);
        }
        table = *e & PTE_ADDR;
    }
    return true;
}

/* Where op->va maps nothing, an empty table (and, by the next byte, an empty one in it):
 * a table holding no leaf is no mapping, and a leaf may take its place. */
static void link_empty_table(struct world *w, const struct op *op, struct input *in)
{
    uint8_t b = byte(in);
    uint64_t lin = op->va & ((1ull << pt_va_bits(levels)) - 1), table = w->sp.root;
    for (int level = levels; level > PT_LEVEL_PT; level--) {
        uint64_t *e = &sim_frame(&w->sim, table)[pt_index(lin, level)];
        if (pte_present(*e) && pte_is_leaf(*e, level))
            return;
        if (pte_present(*e)) {
            table = *e & PTE_ADDR;
            continue;
        }
        uint64_t pa, inner;
        if (!sim_zeroed_frame(&w->sim, &pa))
            return;
        if ((b & 1) && level - 1 > PT_LEVEL_PT && sim_zeroed_frame(&w->sim, &inner))
            sim_frame(&w->sim, pa)[(b >> 1) % PT_ENTRIES] = inner | PTE_P | PTE_RW | PTE_US;
        *e = pa | PTE_P | PTE_RW | PTE_US;
        return;
    }
}

struct walk_sum {
    const struct interval_model *m;
    uint64_t bytes;
};

static bool sum_run(void *ctx, const struct pt_run *run)
{
    struct walk_sum *ws = ctx;
    uint64_t pa;
    uint32_t attr;
    for (int end = 0; end < 2; end++) {
        uint64_t off = end ? run->len - 1 : 0;
        if (!model_lookup(ws->m, run->va + off, &pa, &attr) || pa != run->pa + off ||
            attr != run->attr)
            FAIL("walk run 0x%llx+0x%llx disagrees with the model", (unsigned long long)run->va,
                 (unsigned long long)run->len);
    }
    ws->bytes += run->len;
    return true;
}

/* pt_walk over [va, va+len) with both ends unaligned reports every page the bytes touch. */
static void check_walk(struct world *w, const struct op *op, struct input *in)
{
    uint64_t va = (op->va & ~0xfffull) + (word(in) & 0xfff);
    uint64_t len = op->len - (word(in) & 0xfff);
    uint64_t lo = va & ~0xfffull, hi = (va + len + 0xfff) & ~0xfffull;
    struct walk_sum ws = {&w->model, 0};
    enum pt_error err = pt_walk(&w->sp, va, len, sum_run, &ws);
    uint64_t want = model_bytes_in(&w->model, lo, hi);
    if (err != PT_OK || ws.bytes != want)
        FAIL("walk 0x%llx+0x%llx: %s, %llu bytes, model %llu", (unsigned long long)va,
             (unsigned long long)len, pt_error_name(err), (unsigned long long)ws.bytes,
             (unsigned long long)want);
}

static struct world world;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size, 0};
    struct world *w = &world;
    uint8_t head = byte(&in);
    struct pt_cpu cpu = sim_cpu_max();
    cpu.page_1g = head & 1;
    cpu.nx = (head & 2) != 0;
    levels = (head & 8) ? PT_LEVEL_PML5 : PT_LEVEL_PML4;
    cpu.llc_bytes = (head & 16) ? PT_PAGE_4K : 0; /* every new table streamed, or none */
    cpu.levels = (uint8_t)levels;
    sim_init(&w->sim, FRAMES, cpu);
    w->fast = (head & 4) != 0;
    if (w->fast)
        sim_dirty_frames(&w->sim);
    use_plain_access(w);
    if (pt_create(&w->sp, &w->sim.env) != PT_OK ||
        pt_recursive_install(&w->sp, PT_DEFAULT_SLOT) != PT_OK)
        FAIL("set-up failed");
    model_clear(&w->model);
    for (int n = 0; n < MAX_OPS && in.pos < in.size; n++) {
        struct op op = decode(&in);
        if (op.kind == OP_RECURSIVE) {
            check_recursive(w, &op);
            continue;
        }
        if (op.kind == OP_IMPORT) {
            check_import(w);
            continue;
        }
        if (op.kind == OP_WALK) {
            check_walk(w, &op, &in);
            continue;
        }
        if (op.kind == OP_RESTRICT || op.kind == OP_EMPTY_TABLE) {
            if (op.kind == OP_EMPTY_TABLE)
                link_empty_table(w, &op, &in);
            else if (!restrict_entry(w, &op, &in))
                break; /* the model is full */
            check_world(w, &op, &in);
            continue;
        }
        int runs_before = snapshot(w, w->before);
        uint64_t used_before = w->sim.in_use;
        enum pt_error want = expected(w, &op);
        if (op.fail_after >= 0)
            w->sim.fail_at = (int64_t)(w->sim.attempts + (uint64_t)op.fail_after);
        enum pt_error got = perform(w, &op);
        w->sim.fail_at = -1;
        if (got == PT_ERR_NO_FRAMES && want == PT_OK)
            want = got; /* injected, or the pool ran dry: either way nothing may change */
        if (got != want)
            FAIL("op %d va 0x%llx len 0x%llx pa 0x%llx attr 0x%x: got %s, want %s", op.kind,
                 (unsigned long long)op.va, (unsigned long long)op.len, (unsigned long long)op.pa,
                 op.attr, pt_error_name(got), pt_error_name(want));
        if (got == PT_OK) {
            if (!model_apply(w, &op))
                break; /* the model is full: the input has done its work */
        } else {
            int runs_after = snapshot(w, w->after);
            if (runs_after != runs_before || w->sim.in_use != used_before ||
                !same_runs(w->before, w->after, runs_after))
                FAIL("failed call (%s) changed the hierarchy", pt_error_name(got));
        }
        check_world(w, &op, &in);
    }
    sim_fini(&w->sim);
    return 0;
}
