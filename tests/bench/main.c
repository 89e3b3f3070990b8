/*
 * make bench: mapping speed, table memory, translation, split/coalesce and import, each
 * against a baseline measured in the same run. Prints "bench <name> <value> <unit>" lines
 * and ratios; medians of RUNS runs. Benchmarks report; they never pass or fail.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_env.h"
#include "min_tables.h"
#include "naive_map.h"

#define RUNS 5
#define TIB  (1ull << 40)
#define GIB  (1ull << 30)

static double median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

static void line(const char *name, double value, const char *unit)
{
    printf("bench %-40s %14.3f %s\n", name, value, unit);
}

struct map_case {
    const char *name;
    uint64_t len;
    uint64_t pa; /* PA offset 0x1000 forces 4 KiB leaves */
    bool page_1g;
    uint64_t page; /* the leaf size greedy tiling gives, for the per-page baseline */
};

static void bench_map(struct bench_mem *m, const struct map_case *c, double *ours_out)
{
    char name[96];
    double ours[RUNS], base[RUNS];
    struct pt_map_stats st = {{0}, 0};
    m->env.cpu = bench_cpu(c->page_1g);
    for (int r = 0; r < RUNS; r++) {
        bench_mem_reset(m);
        struct pt_space sp;
        pt_create(&sp, &m->env);
        double t0 = bench_now();
        enum pt_error err =
            pt_map_region(&sp, 0, c->pa, c->len, PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB), 0, &st);
        ours[r] = bench_now() - t0;
        if (err != PT_OK) {
            printf("bench %s: %s\n", c->name, pt_error_name(err));
            return;
        }
        bench_mem_reset(m);
        uint64_t root;
        m->env.alloc_frame(m, &root);
        t0 = bench_now();
        naive_map(m, root, 0, c->pa, c->len, c->page);
        base[r] = bench_now() - t0;
    }
    uint64_t leaves = st.leaves[0] + st.leaves[1] + st.leaves[2];
    double t = median(ours, RUNS), b = median(base, RUNS);
    uint64_t largest = c->page;
    uint64_t minimum = min_tables(0, c->len, largest);
    snprintf(name, sizeof name, "map.%s.time", c->name);
    line(name, t * 1e3, "ms");
    snprintf(name, sizeof name, "map.%s.ns_per_leaf", c->name);
    line(name, t * 1e9 / (double)leaves, "ns");
    snprintf(name, sizeof name, "map.%s.tables", c->name);
    line(name, (double)(st.tables + 1), "tables");
    snprintf(name, sizeof name, "map.%s.tables_minimum", c->name);
    line(name, (double)minimum, "tables");
    snprintf(name, sizeof name, "map.%s.ours_over_minimum", c->name);
    line(name, (double)(st.tables + 1) / (double)minimum, "x");
    snprintf(name, sizeof name, "map.%s.per_page_baseline", c->name);
    line(name, b * 1e3, "ms");
    snprintf(name, sizeof name, "map.%s.greedy_over_per_page", c->name);
    line(name, t / b, "x");
    *ours_out = t;
}

/* The memory-write bound for a map: zero its tables and store its entries, plain loops. */
static double write_bound(struct bench_mem *m, uint64_t tables, uint64_t entries)
{
    double v[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = bench_now();
        for (uint64_t i = 0; i < tables; i++)
            memset(m->base + i * PT_PAGE_4K, 0, PT_PAGE_4K);
        uint64_t *e = (uint64_t *)m->base;
        for (uint64_t i = 0; i < entries; i++)
            e[i] = (i << 12) | 3;
        __asm__ volatile("" : : "r"(e) : "memory"); /* the stores must happen */
        v[r] = bench_now() - t0;
    }
    return median(v, RUNS);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Recursive access on the host: the recursive address is resolved by a software walk. */
static struct pt_space *walk_space;
static uint64_t *deref_by_walk(void *ctx, uint64_t va)
{
    (void)ctx;
    struct pt_translation tr;
    pt_translate(walk_space, va, &tr);
    return (uint64_t *)(uintptr_t)(tr.pa & ~0xfffull);
}

static void bench_translate(struct bench_mem *m)
{
    m->env.cpu = bench_cpu(true);
    bench_mem_reset(m);
    struct pt_space sp;
    pt_create(&sp, &m->env);
    pt_map_region(&sp, 0, 0, TIB, PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB), 0, NULL);
    pt_recursive_install(&sp, PT_DEFAULT_SLOT);
    enum { N = 1 << 20 };
    double direct[RUNS], recursive[RUNS];
    uint64_t sink = 0;
    struct pt_env renv = m->env;
    struct pt_recursive_access acc = {.slot = PT_DEFAULT_SLOT, .deref = deref_by_walk};
    pt_access_recursive(&renv, &acc);
    struct pt_space rsp = sp;
    rsp.env = &renv;
    walk_space = &sp;
    for (int r = 0; r < RUNS; r++) {
        struct pt_translation tr;
        double t0 = bench_now();
        for (int i = 0; i < N; i++) {
            pt_translate(&sp, rnd() & (TIB - 1), &tr);
            sink += tr.pa;
        }
        direct[r] = bench_now() - t0;
        t0 = bench_now();
        for (int i = 0; i < N / 8; i++) {
            pt_translate(&rsp, rnd() & (TIB - 1), &tr);
            sink += tr.pa;
        }
        recursive[r] = bench_now() - t0;
    }
    line("translate.1TiB.direct", median(direct, RUNS) * 1e9 / N, "ns");
    line("translate.1TiB.recursive_slot_simulated", median(recursive, RUNS) * 1e9 / (N / 8), "ns");
    if (sink == 42)
        printf("(sink)\n");
}

static void bench_split_coalesce(struct bench_mem *m)
{
    m->env.cpu = bench_cpu(true);
    bench_mem_reset(m);
    struct pt_space sp;
    pt_create(&sp, &m->env);
    pt_attr rw = PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB), ro = PT_ATTR_MT(PT_MT_WB);
    pt_map_region(&sp, 0, 0, GIB, rw, 0, NULL);
    enum { N = 2000 };
    double split[RUNS], fold[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double ts = 0, tf = 0;
        for (int i = 0; i < N; i++) {
            uint64_t va = (rnd() % (GIB / PT_PAGE_4K)) * PT_PAGE_4K;
            double t0 = bench_now();
            pt_protect(&sp, va, PT_PAGE_4K, ro); /* 1 GiB -> 512 x 2 MiB + 512 x 4 KiB */
            ts += bench_now() - t0;
            pt_protect(&sp, va, PT_PAGE_4K, rw);
            t0 = bench_now();
            pt_coalesce(&sp, 0, GIB, NULL); /* and back to one 1 GiB leaf */
            tf += bench_now() - t0;
        }
        split[r] = ts / N;
        fold[r] = tf / N;
    }
    line("protect_split_1G_to_4K", median(split, RUNS) * 1e9, "ns");
    line("coalesce_4K_to_1G", median(fold, RUNS) * 1e9, "ns");
}

/* A firmware-like hierarchy written entry by entry: 1 TiB of 2 MiB leaves (as OVMF maps
 * its physical address space) with a few hundred 4 KiB leaves of mixed rights. */
static uint64_t build_firmware_like(struct bench_mem *m)
{
    uint64_t root, pdpt[2];
    m->env.alloc_frame(m, &root);
    for (int p = 0; p < 2; p++) {
        m->env.alloc_frame(m, &pdpt[p]);
        ((uint64_t *)(uintptr_t)root)[p] = pdpt[p] | 3;
        for (int i = 0; i < 512; i++) {
            uint64_t pd;
            m->env.alloc_frame(m, &pd);
            ((uint64_t *)(uintptr_t)pdpt[p])[i] = pd | 3;
            uint64_t gib = (uint64_t)p * 512 + (uint64_t)i;
            for (int j = 0; j < 512; j++)
                ((uint64_t *)(uintptr_t)pd)[j] = ((gib << 30) + ((uint64_t)j << 21)) | 0x83;
        }
    }
    /* Three 2 MiB ranges near the bottom split into 4 KiB leaves of mixed rights. */
    uint64_t pd0 = ((uint64_t *)(uintptr_t)pdpt[0])[0] & 0x000ffffffffff000ull;
    for (int k = 1; k <= 3; k++) {
        uint64_t pt;
        m->env.alloc_frame(m, &pt);
        for (int j = 0; j < 512; j++) {
            uint64_t pa = ((uint64_t)k << 21) + ((uint64_t)j << 12);
            uint64_t rights = (j % 7 == 0) ? 1 : (j % 5 == 0) ? (3ull | (1ull << 63)) : 3;
            ((uint64_t *)(uintptr_t)pt)[j] = pa | rights;
        }
        ((uint64_t *)(uintptr_t)pd0)[k] = pt | 3;
    }
    return root;
}

struct run_list {
    struct pt_run *runs;
    size_t n, cap;
};

static bool keep_run(void *ctx, const struct pt_run *run)
{
    struct run_list *l = ctx;
    if (l->n == l->cap)
        return false;
    l->runs[l->n++] = *run;
    return true;
}

static void bench_import(struct bench_mem *m)
{
    m->env.cpu = bench_cpu(true);
    double v[RUNS];
    uint64_t theirs = 0, ours = 0;
    size_t runs = 0;
    struct run_list list = {malloc(4096 * sizeof(struct pt_run)), 0, 4096};
    uint64_t *slots = calloc(4096, sizeof *slots);
    for (int r = 0; r < RUNS; r++) {
        bench_mem_reset(m);
        struct pt_space fw;
        pt_open(&fw, &m->env, build_firmware_like(m));
        theirs = m->in_use;
        memset(slots, 0, 4096 * sizeof *slots);
        struct pt_seen seen = {slots, 4096, 0};
        struct pt_fault fault;
        list.n = 0;
        double t0 = bench_now();
        pt_import(&fw, &seen, keep_run, &list, &fault);
        struct pt_space sp;
        pt_create(&sp, &m->env);
        for (size_t i = 0; i < list.n; i++)
            pt_map_region(&sp, list.runs[i].va, list.runs[i].pa, list.runs[i].len,
                          list.runs[i].attr, 0, NULL);
        v[r] = bench_now() - t0;
        ours = m->in_use - theirs;
        runs = list.n;
    }
    line("import_and_rebuild.time", median(v, RUNS) * 1e3, "ms");
    line("import_and_rebuild.runs", (double)runs, "runs");
    line("import_and_rebuild.tables_theirs", (double)theirs, "tables");
    line("import_and_rebuild.tables_ours", (double)ours, "tables");
    free(list.runs);
    free(slots);
}

int main(void)
{
    struct bench_mem m;
    bench_mem_init(&m, 40000, bench_cpu(true)); /* 156 MiB: the 64 GiB 4 KiB map needs 32834 */
    printf("bench: host, median of %d runs\n", RUNS);
    static const struct map_case cases[] = {
        {"1TiB_1G", TIB, 0, true, PT_PAGE_1G},
        {"1TiB_2M", TIB, 0, false, PT_PAGE_2M},
        {"64GiB_4K", 64 * GIB, 0x1000, true, PT_PAGE_4K},
    };
    double t4k = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        bench_map(&m, &cases[i], &t4k);
    uint64_t leaves = 64 * GIB / PT_PAGE_4K;
    uint64_t tables = min_tables(0, 64 * GIB, PT_PAGE_4K);
    double bound = write_bound(&m, tables, leaves);
    line("map.64GiB_4K.write_bound", bound * 1e3, "ms");
    line("map.64GiB_4K.ours_over_write_bound", t4k / bound, "x");
    bench_translate(&m);
    bench_split_coalesce(&m);
    bench_import(&m);
    bench_mem_fini(&m);
    return 0;
}
