/*
 * Model-based random test: thousands of map/unmap/protect/coalesce calls, biased toward
 * 1 GiB and 2 MiB edges and partial overlaps, some with the allocator failing. After each
 * call the hierarchy must translate exactly as a plain per-page model says, pass the
 * checker, and hold no frame it cannot reach. The seed is printed; --seed replays it.
 */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#define WINDOW_PAGES (4 * GIB / PT_PAGE_4K)
#define WINDOWS      2
#define MODEL_OPS    4000
#define FULL_EVERY   500

/* Two 4 GiB windows: the bottom of memory, and one straddling the 512 GiB line (so PML4
 * entries change too); at five levels the second straddles 2^48 instead, where PML5
 * entries change and four levels could not map at all. */
static uint64_t window_base[WINDOWS];

struct model {
    uint64_t *pa[WINDOWS]; /* page's physical address | 1 when mapped, 0 when not */
    pt_attr *attr[WINDOWS];
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* xorshift64*: small, fast, and replayable from the printed seed. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t rnd_below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

static bool model_lookup(const struct model *m, uint64_t va, uint64_t *pa, pt_attr *attr)
{
    for (int w = 0; w < WINDOWS; w++) {
        if (va >= window_base[w] && va < window_base[w] + 4 * GIB) {
            uint64_t p = (va - window_base[w]) / PT_PAGE_4K;
            if (!m->pa[w][p])
                return false;
            *pa = (m->pa[w][p] & ~1ull) + (va & 0xfff);
            *attr = m->attr[w][p];
            return true;
        }
    }
    return false;
}

static uint64_t model_index(int w, uint64_t va)
{
    return (va - window_base[w]) / PT_PAGE_4K;
}

enum op_kind { OP_MAP, OP_REPLACE, OP_UNMAP, OP_PROTECT, OP_COALESCE, OP_KINDS };

struct op {
    enum op_kind kind;
    int w;
    uint64_t va, pa, len;
    pt_attr attr;
};

static const pt_attr attr_choices[] = {
    RW,
    RO,
    RWX,
    RW | PT_ATTR_GLOBAL,
    PT_ATTR_WRITE | PT_ATTR_USER | PT_ATTR_MT(PT_MT_UC),
    PT_ATTR_NX | PT_ATTR_MT(PT_MT_WT),
};

/* An address on a 1 GiB, 2 MiB or 4 KiB line, sometimes nudged a few pages off it. */
static uint64_t pick_edge(int w)
{
    static const uint64_t grains[] = {GIB, 2 * MIB, PT_PAGE_4K};
    uint64_t g = grains[rnd_below(3)];
    uint64_t va = window_base[w] + rnd_below(4 * GIB / g) * g;
    if (rnd_below(4) == 0) {
        uint64_t nudge = (1 + rnd_below(4)) * PT_PAGE_4K;
        if (rnd_below(2) && va - window_base[w] >= nudge)
            va -= nudge;
        else if (window_base[w] + 4 * GIB - va > nudge)
            va += nudge;
    }
    return va;
}

static struct op pick_op(void)
{
    struct op op;
    op.kind = (enum op_kind)rnd_below(OP_KINDS);
    op.w = (int)rnd_below(WINDOWS);
    op.va = pick_edge(op.w);
    uint64_t end = window_base[op.w] + 4 * GIB;
    static const uint64_t lens[] = {PT_PAGE_4K, 2 * MIB, GIB};
    uint64_t len = lens[rnd_below(3)] * (1 + rnd_below(3));
    if (rnd_below(3) == 0)
        len += (rnd_below(9) - 4) * PT_PAGE_4K;
    if (len == 0 || len > end - op.va)
        len = end - op.va;
    /* Physical side: same offset as VA within 1 GiB, 2 MiB or only 4 KiB. */
    static const uint64_t aligns[] = {GIB, 2 * MIB, PT_PAGE_4K};
    uint64_t a = aligns[rnd_below(3)];
    if (a == PT_PAGE_4K && len > 64 * MIB)
        len = 64 * MIB; /* 4 KiB leaves only: keep the table count modest */
    op.len = len;
    op.pa = (op.va & (a - 1)) + rnd_below(1u << 12) * a;
    op.attr = attr_choices[rnd_below(sizeof attr_choices / sizeof attr_choices[0])];
    return op;
}

static bool range_mapped_anywhere(const struct model *m, const struct op *op)
{
    for (uint64_t p = model_index(op->w, op->va); p < model_index(op->w, op->va + op->len); p++)
        if (m->pa[op->w][p])
            return true;
    return false;
}

static void model_apply(struct model *m, const struct op *op)
{
    uint64_t first = model_index(op->w, op->va), last = model_index(op->w, op->va + op->len);
    for (uint64_t p = first; p < last; p++) {
        switch (op->kind) {
        case OP_MAP:
        case OP_REPLACE:
            m->pa[op->w][p] = (op->pa + (p - first) * PT_PAGE_4K) | 1;
            m->attr[op->w][p] = op->attr;
            break;
        case OP_UNMAP:
            m->pa[op->w][p] = 0;
            break;
        case OP_PROTECT:
            if (m->pa[op->w][p])
                m->attr[op->w][p] = op->attr;
            break;
        default:
            break;
        }
    }
}

static int check_point(struct fixture *f, const struct model *m, uint64_t va, long step)
{
    uint64_t pa;
    pt_attr attr;
    struct pt_translation tr;
    bool want = model_lookup(m, va, &pa, &attr);
    if (pt_translate(&f->sp, va, &tr) != PT_OK || tr.mapped != want ||
        (want && (tr.pa != pa || tr.attr != attr))) {
        fprintf(stderr,
                "  step %ld: va 0x%llx: model %s pa 0x%llx attr 0x%x, table %s pa 0x%llx "
                "attr 0x%x\n",
                step, (unsigned long long)va, want ? "mapped" : "unmapped",
                (unsigned long long)(want ? pa : 0), want ? attr : 0,
                tr.mapped ? "mapped" : "unmapped", (unsigned long long)tr.pa, tr.attr);
        return 1;
    }
    return 0;
}

static int check_key_points(struct fixture *f, const struct model *m, const struct op *op,
                            long step)
{
    int bad = 0;
    uint64_t points[] = {op->va, op->va + op->len - 1, op->va + op->len, op->va - 1};
    for (size_t i = 0; i < 4; i++)
        bad += check_point(f, m, points[i], step);
    for (int i = 0; i < 8; i++)
        bad += check_point(f, m, op->va + rnd_below(op->len), step);
    for (int i = 0; i < 8; i++) {
        int w = (int)rnd_below(WINDOWS);
        bad += check_point(f, m, window_base[w] + rnd_below(4 * GIB), step);
    }
    return bad;
}

struct full_compare {
    const struct model *m;
    uint64_t pages;
    int bad;
};

static bool compare_run(void *ctx, const struct pt_run *run)
{
    struct full_compare *fc = ctx;
    for (uint64_t off = 0; off < run->len; off += PT_PAGE_4K) {
        uint64_t pa;
        pt_attr attr;
        if (!model_lookup(fc->m, run->va + off, &pa, &attr) || pa != run->pa + off ||
            attr != run->attr) {
            fc->bad++;
            return false;
        }
        fc->pages++;
    }
    return true;
}

/* Every page the tables map is in the model, and the model maps nothing more. */
static int check_everything(struct fixture *f, const struct model *m)
{
    struct full_compare fc = {m, 0, 0};
    pt_walk(&f->sp, 0, 1ull << pt_va_bits(f->sp.levels), compare_run, &fc);
    uint64_t model_pages = 0;
    for (int w = 0; w < WINDOWS; w++)
        for (uint64_t p = 0; p < WINDOW_PAGES; p++)
            model_pages += m->pa[w][p] != 0;
    if (fc.pages != model_pages)
        fc.bad++;
    return fc.bad;
}

static void random_operations_at(int levels)
{
    rng_state = test_seed * 2654435761u + 1;
    window_base[0] = 0;
    window_base[1] = levels == PT_LEVEL_PML5 ? (1ull << 48) - 2 * GIB : 512 * GIB - 2 * GIB;
    struct pt_cpu cpu = sim_cpu_max();
    cpu.levels = (uint8_t)levels;
    /* A cache of one frame at five levels: every new table is written with non-temporal
     * stores there, with ordinary ones at four, so the model checks both. */
    cpu.llc_bytes = levels == PT_LEVEL_PML5 ? PT_PAGE_4K : 0;
    struct fixture f;
    fixture_init(&f, 16384, cpu);
    CHECK_EQ(f.sp.levels, levels);
    struct model m;
    for (int w = 0; w < WINDOWS; w++) {
        m.pa[w] = calloc(WINDOW_PAGES, sizeof *m.pa[w]);
        m.attr[w] = calloc(WINDOW_PAGES, sizeof *m.attr[w]);
    }
    long counts[OP_KINDS + 1] = {0};
    long failed_on_purpose = 0;
    int bad = 0;
    for (long step = 0; step < MODEL_OPS && !bad; step++) {
        struct op op = pick_op();
        bool inject = rnd_below(8) == 0;
        if (inject)
            f.sim.fail_at = (int64_t)(f.sim.attempts + rnd_below(4));
        enum pt_error want = PT_OK, got = PT_OK;
        switch (op.kind) {
        case OP_MAP:
            want = range_mapped_anywhere(&m, &op) ? PT_ERR_ALREADY_MAPPED : PT_OK;
            got = pt_map_region(&f.sp, op.va, op.pa, op.len, op.attr, 0, NULL);
            break;
        case OP_REPLACE:
            got = pt_map_region(&f.sp, op.va, op.pa, op.len, op.attr, PT_MAP_REPLACE, NULL);
            break;
        case OP_UNMAP:
            got = pt_unmap(&f.sp, op.va, op.len);
            break;
        case OP_PROTECT:
            got = pt_protect(&f.sp, op.va, op.len, op.attr);
            break;
        default:
            got = pt_coalesce(&f.sp, op.va, op.len, NULL);
            break;
        }
        f.sim.fail_at = -1;
        if (got == PT_ERR_NO_FRAMES && inject) {
            failed_on_purpose++;
        } else if (got != want) {
            fprintf(stderr, "  step %ld: op %d va 0x%llx len 0x%llx pa 0x%llx gave %s, want %s\n",
                    step, op.kind, (unsigned long long)op.va, (unsigned long long)op.len,
                    (unsigned long long)op.pa, pt_error_name(got), pt_error_name(want));
            bad++;
        } else if (got == PT_OK) {
            model_apply(&m, &op);
            counts[op.kind]++;
        }
        bad += check_key_points(&f, &m, &op, step);
        struct pt_fault fault;
        if (fixture_check(&f, &fault) != PT_OK || fixture_leaked(&f) != 0) {
            fprintf(stderr, "  step %ld: check %s or leak %lld\n", step, pt_error_name(fault.error),
                    (long long)fixture_leaked(&f));
            bad++;
        }
        if (step % FULL_EVERY == FULL_EVERY - 1 && check_everything(&f, &m)) {
            fprintf(stderr, "  step %ld: full comparison with the model failed\n", step);
            bad++;
        }
    }
    bad += check_everything(&f, &m);
    CHECK_EQ(bad, 0);
    printf("  model, %d-level: %d operations (map %ld, replace %ld, unmap %ld, protect %ld, "
           "coalesce %ld, "
           "refused for frames %ld), seed %llu\n",
           levels, MODEL_OPS, counts[OP_MAP], counts[OP_REPLACE], counts[OP_UNMAP],
           counts[OP_PROTECT], counts[OP_COALESCE], failed_on_purpose,
           (unsigned long long)test_seed);
    for (int w = 0; w < WINDOWS; w++) {
        free(m.pa[w]);
        free(m.attr[w]);
    }
    fixture_fini(&f);
}

static void random_operations_match_model(void)
{
    random_operations_at(PT_LEVEL_PML4);
}

static void random_operations_match_model_5level(void)
{
    random_operations_at(PT_LEVEL_PML5);
}

TEST_SUITE(model_tests) = {
    {"model/random_operations_match_model", random_operations_match_model},
    {"model/random_operations_match_model_5level", random_operations_match_model_5level},
    {NULL, NULL},
};
