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
#include "floors.h"
#include "min_tables.h"
#include "naive_map.h"

#define RUNS 9
#define TIB  (1ull << 40)
#define GIB  (1ull << 30)

enum { MEDIAN_MAX = 64 };

static double median(const double *in, int n)
{
    double v[MEDIAN_MAX];
    for (int i = 0; i < n; i++)
        v[i] = in[i];
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

/* A ratio against a floor measured in the same run: the ratio of the medians, the range of
 * the ratios of paired runs, and the goal it must stay within. */
static void ratio(const char *name, const double *ours, const double *floor, double goal)
{
    double lo = ours[0] / floor[0], hi = lo;
    for (int r = 1; r < RUNS; r++) {
        double q = ours[r] / floor[r];
        lo = q < lo ? q : lo;
        hi = q > hi ? q : hi;
    }
    double q = median(ours, RUNS) / median(floor, RUNS);
    if (goal > 0)
        printf("bench %-40s %14.3f x  (range %.2f-%.2f; goal <= %.2f: %s)\n", name, q, lo, hi, goal,
               q <= goal ? "met" : "MISSED");
    else
        printf("bench %-40s %14.3f x  (range %.2f-%.2f; no goal)\n", name, q, lo, hi);
}

/* A floor's own spread: min, median and max over the runs, in ns a call. */
static void spread(const char *name, const double *v)
{
    double lo = v[0], hi = v[0];
    for (int r = 1; r < RUNS; r++) {
        lo = v[r] < lo ? v[r] : lo;
        hi = v[r] > hi ? v[r] : hi;
    }
    printf("bench %-40s %14.1f ns  (min %.1f, max %.1f)\n", name, median(v, RUNS) * 1e9, lo * 1e9,
           hi * 1e9);
}

struct map_case {
    const char *name;
    uint64_t len;
    uint64_t pa; /* PA offset 0x1000 forces 4 KiB leaves */
    bool page_1g;
    uint64_t page; /* the leaf size greedy tiling gives, for the per-page baseline */
    double store_goal, memset_goal; /* 0: no goal against that floor */
    int reps; /* maps (and of each floor) a run, taking turns; a run is the median of turns */
};

/* A map case's own work: the pt_create that makes the root (the floors write the root's
 * bytes too) and the map, over a pool emptied first, so every repetition writes the same
 * frames the floors write. */
static enum pt_error map_once(struct bench_mem *m, const struct map_case *c,
                              struct pt_map_stats *st)
{
    struct pt_space sp;
    bench_mem_reset(m);
    enum pt_error err = pt_create(&sp, &m->env);
    if (err == PT_OK)
        err = pt_map_region(&sp, 0, c->pa, c->len, PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB), 0, st);
    return err;
}

enum { TURN_REPS = 32 }; /* repetitions of a tiny workload timed together in one turn */

/*
 * A sample is `reps` maps and `reps` of each floor. The three take turns (in chunks of
 * TURN_REPS for a tiny map, one call each otherwise) and the order rotates from turn to turn
 * and sample to sample, so a burst of load or a cold cache falls on all three alike. A turn
 * of a tiny map is timed as a whole in monotonic time (a clock read is ~30 ns, a turn tens
 * of microseconds) and a sample is the median of its turns, so a turn another process
 * preempted does not move it; a map of milliseconds is one call a turn, in thread CPU time.
 */
static void bench_map(struct bench_mem *m, const struct map_case *c)
{
    char name[96];
    double ours[RUNS], base[RUNS], mem[RUNS], store[RUNS];
    struct pt_map_stats st = {{0}, 0};
    m->env.cpu = bench_cpu(c->page_1g);
    enum pt_error err = map_once(m, c, &st); /* also learns how many tables the floors write */
    if (err != PT_OK) {
        printf("bench %s: %s\n", c->name, pt_error_name(err));
        return;
    }
    const uint64_t tables = st.tables + 1;
    const bool tiny = c->reps >= TURN_REPS; /* else each call takes milliseconds */
    const int chunk = tiny ? TURN_REPS : 1;
    double (*clock)(void) = tiny ? bench_now : bench_cpu_now;
    const int turns = c->reps / chunk;
    for (int r = 0; r < RUNS; r++) {
        double per_turn[3][MEDIAN_MAX];
        for (int turn = 0; turn < turns; turn++) {
            for (int k = 0; k < 3; k++) {
                int which = (k + turn + r) % 3;
                double t0 = clock();
                for (int i = 0; i < chunk; i++) {
                    if (which == 0)
                        err |= map_once(m, c, &st);
                    else if (which == 1)
                        floor_memset(m->base, tables * PT_PAGE_4K);
                    else
                        floor_store((uint64_t *)m->base, tables * PT_ENTRIES);
                }
                per_turn[which][turn] = (clock() - t0) / chunk;
            }
        }
        ours[r] = median(per_turn[0], turns);
        mem[r] = median(per_turn[1], turns);
        store[r] = median(per_turn[2], turns);
        bench_mem_reset(m);
        uint64_t root;
        bench_zeroed_frame(m, &root);
        double t0 = bench_now();
        naive_map(m, root, 0, c->pa, c->len, c->page);
        base[r] = bench_now() - t0;
    }
    if (err != PT_OK) {
        printf("bench %s: a repetition failed\n", c->name);
        return;
    }
    uint64_t leaves = st.leaves[0] + st.leaves[1] + st.leaves[2];
    double t = median(ours, RUNS), b = median(base, RUNS);
    uint64_t minimum = min_tables(0, c->len, c->page);
    snprintf(name, sizeof name, "map.%s.time", c->name);
    line(name, t * 1e3, "ms");
    snprintf(name, sizeof name, "map.%s.ns_per_leaf", c->name);
    line(name, t * 1e9 / (double)leaves, "ns");
    snprintf(name, sizeof name, "map.%s.tables", c->name);
    line(name, (double)tables, "tables");
    snprintf(name, sizeof name, "map.%s.tables_minimum", c->name);
    line(name, (double)minimum, "tables");
    snprintf(name, sizeof name, "map.%s.ours_over_minimum", c->name);
    line(name, (double)tables / (double)minimum, "x");
    snprintf(name, sizeof name, "map.%s.per_page_baseline", c->name);
    line(name, b * 1e3, "ms");
    snprintf(name, sizeof name, "map.%s.greedy_over_per_page", c->name);
    line(name, t / b, "x");
    snprintf(name, sizeof name, "map.%s.memset_floor", c->name);
    spread(name, mem);
    snprintf(name, sizeof name, "map.%s.store_floor", c->name);
    spread(name, store);
    snprintf(name, sizeof name, "map.%s.over_store_floor", c->name);
    ratio(name, ours, store, c->store_goal);
    snprintf(name, sizeof name, "map.%s.over_memset_floor", c->name);
    ratio(name, ours, mem, c->memset_goal);
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

/* The floor for pt_translate: a plain four-level walk over identity-mapped tables that
 * gives the physical address and nothing else. 0 when unmapped (no test maps page 0). */
__attribute__((noinline)) static uint64_t hand_walk(uint64_t root, uint64_t va)
{
    const uint64_t addr = 0x000ffffffffff000ull;
    uint64_t e = ((const uint64_t *)(uintptr_t)root)[(va >> 39) & 511];
    for (int shift = 30; shift >= 12; shift -= 9) {
        if (!(e & 1))
            return 0;
        e = ((const uint64_t *)(uintptr_t)(e & addr))[(va >> shift) & 511];
        if (shift > 12 && (e & 0x80) && (e & 1)) {
            uint64_t size = 1ull << shift;
            return (e & addr & ~(size - 1)) | (va & (size - 1));
        }
    }
    return (e & 1) ? (e & addr) | (va & 0xfff) : 0;
}

/* The same below a PML5: one more load first. */
__attribute__((noinline)) static uint64_t hand_walk_5(uint64_t root, uint64_t va)
{
    uint64_t e = ((const uint64_t *)(uintptr_t)root)[(va >> 48) & 511];
    return (e & 1) ? hand_walk(e & 0x000ffffffffff000ull, va) : 0;
}

enum { TRANSLATIONS = 1 << 20, CHUNKS = 64, CHUNK = TRANSLATIONS / CHUNKS };

static uint64_t translate_chunk(const struct pt_space *sp, const uint64_t *vas)
{
    uint64_t sink = 0;
    struct pt_translation tr;
    for (int i = 0; i < CHUNK; i++) {
        pt_translate(sp, vas[i], &tr);
        sink += tr.pa;
    }
    return sink;
}

static uint64_t hand_walk_chunk(uint64_t root, int levels, const uint64_t *vas)
{
    uint64_t sink = 0;
    if (levels == 5)
        for (int i = 0; i < CHUNK; i++)
            sink += hand_walk_5(root, vas[i]);
    else
        for (int i = 0; i < CHUNK; i++)
            sink += hand_walk(root, vas[i]);
    return sink;
}

/*
 * pt_translate against the hand walk on the same tables and the same random addresses.
 * A run passes over every address once with each: the two take turns chunk by chunk (so
 * a burst of load on the shared machine falls on both), each on a chunk the other did not
 * just warm, and which goes first alternates. Times are the thread's CPU time (a chunk
 * takes milliseconds). Afterwards every result is compared: the
 * physical address with the hand walk's, and what the hand walk does not give (mapped,
 * level, page size, attributes) with what the map made.
 */
static void translate_against_walk(struct pt_space *sp, uint64_t span, uint64_t pa_delta, int level,
                                   pt_attr attr, const char *name, double goal)
{
    static uint64_t vas[TRANSLATIONS];
    double ours[RUNS], hand[RUNS];
    uint64_t sink = 0, wrong = 0, compared = 0;
    for (int i = 0; i < TRANSLATIONS; i++)
        vas[i] = rnd() & (span - 1);
    for (int r = 0; r < RUNS; r++) {
        ours[r] = hand[r] = 0;
        for (int c = 0; c < CHUNKS; c++) {
            const uint64_t *mine = vas + c * CHUNK;
            const uint64_t *theirs = vas + ((c + CHUNKS / 2) % CHUNKS) * CHUNK;
            for (int turn = 0; turn < 2; turn++) {
                double t0 = bench_cpu_now();
                if ((turn ^ c ^ r) & 1) {
                    sink += translate_chunk(sp, mine);
                    ours[r] += bench_cpu_now() - t0;
                } else {
                    sink -= hand_walk_chunk(sp->root, sp->levels, theirs);
                    hand[r] += bench_cpu_now() - t0;
                }
            }
        }
    }
    for (int i = 0; i < TRANSLATIONS; i++) {
        struct pt_translation tr;
        enum pt_error err = pt_translate(sp, vas[i], &tr);
        wrong += err != PT_OK || !tr.mapped ||
                 tr.pa != (sp->levels == 5 ? hand_walk_5 : hand_walk)(sp->root, vas[i]) ||
                 tr.pa != vas[i] + pa_delta || tr.level != level ||
                 tr.page != pt_level_span(level) || tr.attr != attr;
        compared++;
    }
    char line_name[96];
    snprintf(line_name, sizeof line_name, "translate.%s.ns", name);
    line(line_name, median(ours, RUNS) * 1e9 / TRANSLATIONS, "ns");
    snprintf(line_name, sizeof line_name, "translate.%s.hand_walk_ns", name);
    line(line_name, median(hand, RUNS) * 1e9 / TRANSLATIONS, "ns");
    snprintf(line_name, sizeof line_name, "translate.%s.results_compared", name);
    line(line_name, (double)compared, "results");
    snprintf(line_name, sizeof line_name, "translate.%s.results_differing", name);
    line(line_name, (double)wrong, "results");
    snprintf(line_name, sizeof line_name, "translate.%s.over_hand_walk", name);
    ratio(line_name, ours, hand, goal);
    if (sink == 42)
        printf("(sink)\n");
}

static void bench_translate(struct bench_mem *m)
{
    pt_attr rw = PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB);
    struct pt_space sp;
    m->env.cpu = bench_cpu(false);
    bench_mem_reset(m);
    pt_create(&sp, &m->env);
    pt_map_region(&sp, 0, 0, TIB, rw, 0, NULL);
    printf("bench: the hand walk gives the physical address alone and checks only the "
           "present and PS bits; pt_translate also checks the address is canonical and no PS "
           "is set above the PDPT, and gives mapped, level, page size, and the rights along "
           "the path with the memory type from the PAT; both timed in CPU time\n");
    translate_against_walk(&sp, TIB, 0, PT_LEVEL_PD, rw, "1TiB_2M", 1.5);
    m->env.cpu = bench_cpu(true);
    bench_mem_reset(m);
    pt_create(&sp, &m->env);
    pt_map_region(&sp, 0, 0x1000, 64 * GIB, rw, 0, NULL);
    translate_against_walk(&sp, 64 * GIB, 0x1000, PT_LEVEL_PT, rw, "64GiB_4K", 1.5);
    /* Five levels: no goal of its own, a check that the deeper walk keeps the same pace. */
    m->env.cpu = bench_cpu(false);
    m->env.cpu.levels = 5;
    bench_mem_reset(m);
    pt_create(&sp, &m->env);
    pt_map_region(&sp, 0, 0, TIB, rw, 0, NULL);
    translate_against_walk(&sp, TIB, 0, PT_LEVEL_PD, rw, "1TiB_2M_5level", 0);
    m->env.cpu = bench_cpu(true); /* the recursive slot's map: 1 GiB leaves */

    /* Through the recursive slot (simulated by a software walk per table: no floor). */
    bench_mem_reset(m);
    pt_create(&sp, &m->env);
    pt_map_region(&sp, 0, 0, TIB, rw, 0, NULL);
    pt_recursive_install(&sp, PT_DEFAULT_SLOT);
    double recursive[RUNS];
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
        for (int i = 0; i < TRANSLATIONS / 8; i++) {
            pt_translate(&rsp, rnd() & (TIB - 1), &tr);
            sink += tr.pa;
        }
        recursive[r] = bench_now() - t0;
    }
    line("translate.1TiB.recursive_slot_simulated",
         median(recursive, RUNS) * 1e9 / (TRANSLATIONS / 8), "ns");
    if (sink == 42)
        printf("(sink)\n");
}

/*
 * Splitting a 1 GiB leaf down to one 4 KiB page makes two tables (512 x 2 MiB, 512 x 4 KiB).
 * One split is a fraction of a microsecond, so a turn splits SPLITS different 1 GiB leaves
 * of one map (timed together, monotonic time), then, untimed, restores the rights and
 * coalesces them back; the floor's turn stores the entries of SPLITS pairs of tables, one
 * floor_store a pair, over as many frames as the splits use. The turns alternate, which
 * goes first alternates from sample to sample, and a sample is the median of its turns.
 */
enum { SPLITS = 16, SPLIT_TURNS = 64 };

static void bench_split_coalesce(struct bench_mem *m)
{
    m->env.cpu = bench_cpu(true);
    bench_mem_reset(m);
    struct pt_space sp;
    pt_create(&sp, &m->env);
    pt_attr rw = PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB), ro = PT_ATTR_MT(PT_MT_WB);
    pt_map_region(&sp, 0, 0, SPLITS * GIB, rw, 0, NULL);
    double split[RUNS], fold[RUNS], store[RUNS];
    struct bench_mem scratch;
    bench_mem_init(&scratch, 2 * SPLITS, m->env.cpu);
    enum pt_error err = PT_OK;
    for (int r = 0; r < RUNS; r++) {
        double ts[SPLIT_TURNS], tf[SPLIT_TURNS], tw[SPLIT_TURNS];
        for (int turn = 0; turn < SPLIT_TURNS; turn++) {
            uint64_t va[SPLITS];
            for (int i = 0; i < SPLITS; i++)
                va[i] = (uint64_t)i * GIB + (rnd() % (GIB / PT_PAGE_4K)) * PT_PAGE_4K;
            for (int k = 0; k < 2; k++) {
                double t0 = bench_now();
                if ((k ^ r) & 1) {
                    for (int i = 0; i < SPLITS; i++) /* 1 GiB -> 512 x 2 MiB + 512 x 4 KiB */
                        err |= pt_protect(&sp, va[i], PT_PAGE_4K, ro);
                    ts[turn] = (bench_now() - t0) / SPLITS;
                    for (int i = 0; i < SPLITS; i++)
                        err |= pt_protect(&sp, va[i], PT_PAGE_4K, rw);
                    t0 = bench_now();
                    err |= pt_coalesce(&sp, 0, SPLITS * GIB, NULL); /* back to 1 GiB leaves */
                    tf[turn] = (bench_now() - t0) / SPLITS;
                } else {
                    for (int i = 0; i < SPLITS; i++)
                        floor_store((uint64_t *)(scratch.base + 2 * i * PT_PAGE_4K),
                                    2 * PT_ENTRIES);
                    tw[turn] = (bench_now() - t0) / SPLITS;
                }
            }
        }
        split[r] = median(ts, SPLIT_TURNS);
        fold[r] = median(tf, SPLIT_TURNS);
        store[r] = median(tw, SPLIT_TURNS);
    }
    bench_mem_fini(&scratch);
    if (err != PT_OK)
        printf("bench split: a split or coalesce failed\n");
    line("protect_split_1G_to_4K", median(split, RUNS) * 1e9, "ns");
    spread("protect_split_1G_to_4K.store_floor", store);
    ratio("protect_split_1G_to_4K.over_store_floor", split, store, 1.5);
    line("coalesce_4K_to_1G", median(fold, RUNS) * 1e9, "ns");
}

/* A firmware-like hierarchy written entry by entry: 1 TiB of 2 MiB leaves (as OVMF maps
 * its physical address space) with a few hundred 4 KiB leaves of mixed rights. */
static uint64_t build_firmware_like(struct bench_mem *m)
{
    uint64_t root, pdpt[2];
    bench_zeroed_frame(m, &root);
    for (int p = 0; p < 2; p++) {
        bench_zeroed_frame(m, &pdpt[p]);
        ((uint64_t *)(uintptr_t)root)[p] = pdpt[p] | 3;
        for (int i = 0; i < 512; i++) {
            uint64_t pd;
            bench_zeroed_frame(m, &pd);
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
        bench_zeroed_frame(m, &pt);
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

enum { IMPORT_TURNS = 7 };

static void bench_import(struct bench_mem *m)
{
    m->env.cpu = bench_cpu(true);
    double imp[RUNS], reb[RUNS], rd[RUNS];
    uint64_t theirs = 0, ours = 0, sum = 0;
    size_t runs = 0;
    struct run_list list = {malloc(4096 * sizeof(struct pt_run)), 0, 4096};
    uint64_t *slots = calloc(4096, sizeof *slots);
    for (int r = 0; r < RUNS; r++) {
        bench_mem_reset(m);
        struct pt_space fw;
        pt_open(&fw, &m->env, build_firmware_like(m));
        theirs = m->in_use;
        /* Both start from tables just read (the first read untimed), the floor one sequential
         * read of their bytes; they take IMPORT_TURNS turns, which goes first alternating,
         * and a run is the median of its turns. */
        sum += floor_read((const uint64_t *)m->base, theirs * PT_ENTRIES);
        enum pt_error err = PT_OK;
        double ti[IMPORT_TURNS], tr[IMPORT_TURNS];
        for (int turn = 0; turn < IMPORT_TURNS; turn++) {
            memset(slots, 0, 4096 * sizeof *slots);
            struct pt_seen seen = {slots, 4096, 0};
            struct pt_fault fault;
            list.n = 0;
            for (int k = 0; k < 2; k++) {
                double t0 = bench_cpu_now();
                if ((k ^ turn ^ r) & 1) {
                    err |= pt_import(&fw, &seen, keep_run, &list, &fault);
                    ti[turn] = bench_cpu_now() - t0;
                } else {
                    sum += floor_read((const uint64_t *)m->base, theirs * PT_ENTRIES);
                    tr[turn] = bench_cpu_now() - t0;
                }
            }
        }
        imp[r] = median(ti, IMPORT_TURNS);
        rd[r] = median(tr, IMPORT_TURNS);
        if (err != PT_OK)
            printf("bench import: an import failed\n");
        struct pt_space sp;
        pt_create(&sp, &m->env);
        double t0 = bench_now();
        for (size_t i = 0; i < list.n; i++)
            pt_map_region(&sp, list.runs[i].va, list.runs[i].pa, list.runs[i].len,
                          list.runs[i].attr, 0, NULL);
        reb[r] = bench_now() - t0 + imp[r];
        ours = m->in_use - theirs;
        runs = list.n;
    }
    line("import.time", median(imp, RUNS) * 1e3, "ms");
    spread("import.read_floor", rd);
    ratio("import.over_read_floor", imp, rd, 2.0);
    line("import_and_rebuild.time", median(reb, RUNS) * 1e3, "ms");
    line("import_and_rebuild.runs", (double)runs, "runs");
    line("import_and_rebuild.tables_theirs", (double)theirs, "tables");
    line("import_and_rebuild.tables_ours", (double)ours, "tables");
    if (sum == 42)
        printf("(sink)\n");
    free(list.runs);
    free(slots);
}

/* With arguments, only the sections named (map, translate, split, import) run. */
static bool wanted(int argc, char **argv, const char *section)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], section) == 0)
            return true;
    return argc < 2;
}

int main(int argc, char **argv)
{
    struct bench_mem m;
    bench_mem_init(&m, 40000, bench_cpu(true)); /* 156 MiB: the 64 GiB 4 KiB map needs 32834 */
    printf("bench: host, median of %d runs; ratios against floors measured in the same run\n",
           RUNS);
    printf("bench: last-level cache %llu KiB (CPUID); maps that make more new tables than half "
           "of it write them with non-temporal stores\n",
           (unsigned long long)(bench_llc_bytes() >> 10));
    printf("bench: floors: the memset floor is one memset of exactly the tables' bytes, the "
           "store floor a plain loop that writes each entry once (two a 16-byte store); each "
           "is its own aligned, never-inlined function whose stores cannot be dropped, over "
           "memory already faulted in (the frames the operation writes)\n");
    printf(
        "bench: floors and operations take turns and the order alternates; a tiny "
        "workload (1 GiB map, split) is timed %d (split %d) at a time in monotonic time "
        "and a run is the median of its turns; a large map or an import is one call a turn, "
        "in thread CPU time; a ratio is the ratio of medians, with the range of the runs' ratios\n",
        TURN_REPS, SPLITS);
    /* The store floor writes every entry of the call's tables once; the memset floor is one
     * memset of their bytes. */
    static const struct map_case cases[] = {
        {"1TiB_1G", TIB, 0, true, PT_PAGE_1G, 1.3, 0, 2048},
        {"1TiB_2M", TIB, 0, false, PT_PAGE_2M, 1.3, 0, 9},
        {"64GiB_4K", 64 * GIB, 0x1000, true, PT_PAGE_4K, 1.3, 2.5, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && wanted(argc, argv, "map"); i++)
        bench_map(&m, &cases[i]);
    if (wanted(argc, argv, "translate"))
        bench_translate(&m);
    if (wanted(argc, argv, "split"))
        bench_split_coalesce(&m);
    if (wanted(argc, argv, "import"))
        bench_import(&m);
    bench_mem_fini(&m);
    return 0;
}
