/* The takeover planner: memory-map sanitising, hostile maps, and the regions it plans. */
#include "plan.h"
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DESC 12000

struct memmap {
    uint8_t *bytes;
    size_t size, desc_size;
};

static void mm_init(struct memmap *mm, size_t desc_size)
{
    mm->desc_size = desc_size;
    mm->size = 0;
    mm->bytes = calloc(MAX_DESC, desc_size);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void mm_add(struct memmap *mm, uint32_t type, uint64_t start, uint64_t pages)
{
    uint8_t *d = mm->bytes + mm->size;
    memset(d, 0, mm->desc_size);
    put_u64(d + PLAN_DESC_TYPE_OFF, type);
    put_u64(d + PLAN_DESC_PHYS_OFF, start);
    put_u64(d + PLAN_DESC_PAGES_OFF, pages);
    mm->size += mm->desc_size;
}

struct planner {
    struct plan_input in;
    struct plan plan;
    struct plan_range ranges[MAX_DESC];
    struct plan_region regions[2 * MAX_DESC];
};

static struct planner *planner_new(const struct memmap *mm, const struct pt_run *runs, size_t n)
{
    struct planner *p = calloc(1, sizeof *p);
    p->in = (struct plan_input){.map = mm->bytes,
                                .map_size = mm->size,
                                .desc_size = mm->desc_size,
                                .fw_runs = runs,
                                .fw_count = n,
                                .cpu = sim_cpu_max(),
                                .alias_base = 0xffff800000000000ull,
                                .alias_limit = 0xffffff0000000000ull};
    p->plan = (struct plan){.ranges = p->ranges,
                            .range_cap = MAX_DESC,
                            .regions = p->regions,
                            .region_cap = 2 * MAX_DESC};
    return p;
}

/* Property: every RAM byte of the sanitised map is identity-mapped and aliased. */
static bool plan_covers(const struct planner *p, uint64_t pa, uint64_t *attr_out)
{
    bool ident = false, alias = false;
    for (size_t i = 0; i < p->plan.region_count; i++) {
        const struct plan_region *r = &p->plan.regions[i];
        if (pa - r->pa < r->len && r->va == r->pa) {
            ident = true;
            *attr_out = r->attr;
        }
        if (pa - r->pa < r->len && r->va == p->in.alias_base + r->pa)
            alias = true;
    }
    return ident && alias;
}

static void typical_map(void)
{
    struct memmap mm;
    mm_init(&mm, 48); /* OVMF's DescriptorSize exceeds the struct */
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0, 0xa0);
    mm_add(&mm, EFI_MT_BOOT_CODE, 0x100000, 0x100);
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0x200000, 0x3fe00);
    mm_add(&mm, EFI_MT_MMIO, 0xffc00000, 0x400);
    struct pt_run fw[] = {{.va = 0, .pa = 0, .len = 0x100000, .attr = RWX, .sizes = 1}};
    struct planner *p = planner_new(&mm, fw, 1);
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_OK);
    CHECK_EQ(p->plan.range_count, 4);
    CHECK_EQ(p->plan.ram_bytes, 0xa0000 + 0x100000 + 0x3fe00000ull);
    for (int w = 0; w < PLAN_WARN_COUNT; w++)
        CHECK_EQ(p->plan.warnings[w], 0);
    /* The firmware run and the boot code (both executable) continue each other and merge;
     * then RAM (NX), MMIO (UC), and the alias of all RAM, merged where contiguous. */
    CHECK_EQ(p->plan.region_count, 5);
    struct plan_region *r = p->plan.regions;
    CHECK_EQ(r[0].len, 0x200000);
    CHECK_EQ(r[0].attr, RWX);
    CHECK_EQ(r[1].va, 0x200000);
    CHECK_EQ(r[1].len, 0x3fe00000ull);
    CHECK_EQ(r[1].attr, RW);
    CHECK_EQ(r[1].source, PLAN_SRC_MEMMAP);
    CHECK_EQ(r[2].va, 0xffc00000);
    CHECK_EQ(r[2].attr, PT_ATTR_WRITE | PT_ATTR_NX | PT_ATTR_MT(PT_MT_UC));
    CHECK_EQ(r[3].va, 0xffff800000000000ull);
    CHECK_EQ(r[3].len, 0xa0000);
    CHECK_EQ(r[4].va, 0xffff800000100000ull);
    CHECK_EQ(r[4].len, 0x3ff00000ull);
    CHECK_EQ(r[4].attr, RW);
    CHECK_EQ(r[4].source, PLAN_SRC_ALIAS);
    free(p);
    free(mm.bytes);
}

/* W^X limits: runtime code loses write, data gains NX; regions split exactly at the
 * limits' edges, the alias is untouched, and neighbours with equal rights merge again. */
static void limits_split_and_restrict(void)
{
    struct memmap mm;
    mm_init(&mm, 48);
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0, 0x100);
    mm_add(&mm, EFI_MT_RUNTIME_CODE, 0x100000, 0x10);
    struct pt_run fw[] = {{.va = 0, .pa = 0, .len = 0x110000, .attr = RWX, .sizes = 1}};
    struct plan_limit lim[] = {
        {.start = 0x101000, .end = 0x103000, .clear = PT_ATTR_WRITE},
        {.start = 0x103000, .end = 0x104000, .set = PT_ATTR_NX},
        {.start = 0x104000, .end = 0x105000, .clear = PT_ATTR_WRITE}, /* not adjacent: stays */
        {.start = 0x200000, .end = 0x300000, .set = PT_ATTR_NX},      /* maps nothing: no change */
    };
    struct planner *p = planner_new(&mm, fw, 1);
    p->in.limits = lim;
    p->in.limit_count = 4;
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_OK);
    const struct plan_region *r = p->plan.regions;
    uint64_t want[][3] = {
        {0, 0x101000, RWX},      {0x101000, 0x2000, RWX & ~PT_ATTR_WRITE},
        {0x103000, 0x1000, RW},  {0x104000, 0x1000, RWX & ~PT_ATTR_WRITE},
        {0x105000, 0xb000, RWX},
    };
    CHECK_EQ(p->plan.region_count, 6); /* the five above and the alias */
    for (size_t i = 0; i < 5 && i < p->plan.region_count; i++) {
        CHECK_EQ(r[i].va, want[i][0]);
        CHECK_EQ(r[i].pa, want[i][0]);
        CHECK_EQ(r[i].len, want[i][1]);
        CHECK_EQ(r[i].attr, want[i][2]);
    }
    CHECK_EQ(r[5].va, 0xffff800000000000ull);
    CHECK_EQ(r[5].attr, RW);
    /* A limit that gives back what it takes away joins the parts again. */
    struct plan_limit undo[] = {{.start = 0x101000, .end = 0x102000, .clear = PT_ATTR_WRITE},
                                {.start = 0x101000, .end = 0x102000, .set = PT_ATTR_WRITE}};
    p->in.limits = undo;
    p->in.limit_count = 2;
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_OK);
    CHECK_EQ(p->plan.region_count, 2);
    CHECK_EQ(r[0].len, 0x110000);
    free(p);
    free(mm.bytes);
}

static void bad_limits_and_no_room_are_refused(void)
{
    struct memmap mm;
    mm_init(&mm, 48);
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0, 0x100);
    struct planner *p = planner_new(&mm, NULL, 0);
    struct plan_limit bad[][1] = {
        {{.start = 0x1000, .end = 0x1000, .set = PT_ATTR_NX}},
        {{.start = 0x1800, .end = 0x3000, .set = PT_ATTR_NX}},
        {{.start = 0x3000, .end = 0x1000, .set = PT_ATTR_NX}},
    };
    for (size_t i = 0; i < 3; i++) {
        p->in.limits = bad[i];
        p->in.limit_count = 1;
        CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_ERR_BAD_LIMIT);
    }
    CHECK(!strcmp(plan_error_name(PLAN_ERR_BAD_LIMIT), "PLAN_ERR_BAD_LIMIT"));
    /* Room for the regions but not for the split. */
    struct plan_limit mid = {.start = 0x10000, .end = 0x11000, .clear = PT_ATTR_WRITE};
    p->in.limits = &mid;
    p->in.limit_count = 1;
    p->plan.region_cap = 3;
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_ERR_NO_ROOM);
    p->plan.region_cap = 4;
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_OK);
    CHECK_EQ(p->plan.region_count, 4);
    free(p);
    free(mm.bytes);
}

static void hostile_maps_are_sanitised(void)
{
    struct memmap mm;
    mm_init(&mm, 43); /* larger than the struct and not a multiple of 8 */
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0x800000, 0x200); /* out of order */
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0x100000, 0x100);
    mm_add(&mm, EFI_MT_LOADER_DATA, 0x180000, 0x100);                /* overlaps the one before */
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0x3000000, 0);                  /* zero pages */
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0x4000800, 2);                  /* unaligned start */
    mm_add(&mm, EFI_MT_CONVENTIONAL, (1ull << 46) - 0x2000, 16);     /* crosses MAXPHYADDR */
    mm_add(&mm, EFI_MT_RESERVED, 1ull << 50, 1);                     /* entirely above */
    mm_add(&mm, EFI_MT_RESERVED, 0xfffffffffffff000ull, 1ull << 40); /* wraps past 2^64 */
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0x100000000ull, 0x40000);       /* 1 GiB, huge is fine */
    mm.size += 5; /* trailing partial descriptor */
    struct planner *p = planner_new(&mm, NULL, 0);
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_OK);
    uint32_t *w = p->plan.warnings;
    CHECK_EQ(w[PLAN_WARN_DESC_SIZE_ODD], 1);
    CHECK_EQ(w[PLAN_WARN_TRAILING_BYTES], 1);
    CHECK_EQ(w[PLAN_WARN_ZERO_PAGES], 1);
    CHECK_EQ(w[PLAN_WARN_UNALIGNED], 1);
    CHECK_EQ(w[PLAN_WARN_ABOVE_MAXPHY], 3);
    CHECK_EQ(w[PLAN_WARN_WRAPS], 1);
    CHECK_EQ(w[PLAN_WARN_UNSORTED], 1);
    CHECK_EQ(w[PLAN_WARN_OVERLAP], 1);
    /* Sorted, trimmed: the unaligned range widened to 3 pages, the MAXPHY one clipped. */
    struct plan_range *r = p->plan.ranges;
    CHECK_EQ(p->plan.range_count, 6);
    CHECK_EQ(r[0].start, 0x100000);
    CHECK_EQ(r[1].start, 0x200000);
    CHECK_EQ(r[1].end, 0x280000);
    CHECK_EQ(r[1].type, EFI_MT_LOADER_DATA);
    CHECK_EQ(r[3].start, 0x4000000);
    CHECK_EQ(r[3].end, 0x4003000);
    CHECK_EQ(r[5].start, (1ull << 46) - 0x2000);
    CHECK_EQ(r[5].end, 1ull << 46);
    /* The property: every RAM page of every range is identity-mapped and aliased. */
    for (size_t i = 0; i < p->plan.range_count; i++) {
        if (!plan_type_is_ram(r[i].type))
            continue;
        for (uint64_t pa = r[i].start; pa < r[i].end; pa += (r[i].end - r[i].start) / 7 + 1) {
            uint64_t attr;
            CHECK(plan_covers(p, pa & ~0xfffull, &attr));
        }
        uint64_t attr;
        CHECK(plan_covers(p, r[i].end - PT_PAGE_4K, &attr));
    }
    free(p);
    free(mm.bytes);
}

static void refusals_are_named(void)
{
    struct memmap mm;
    mm_init(&mm, 32);
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0, 1);
    struct planner *p = planner_new(&mm, NULL, 0);
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_ERR_DESC_SIZE);
    free(p);
    free(mm.bytes);
    mm_init(&mm, 40);
    p = planner_new(&mm, NULL, 0);
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_ERR_EMPTY_MAP); /* an empty map */
    free(p);
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0, 0);
    p = planner_new(&mm, NULL, 0);
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_ERR_EMPTY_MAP); /* nothing usable */
    free(p);
    mm_add(&mm, EFI_MT_CONVENTIONAL, 1ull << 45, 16);
    p = planner_new(&mm, NULL, 0);
    p->in.alias_limit = p->in.alias_base + (1ull << 44);
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_ERR_ALIAS_RANGE);
    p->in.alias_limit = 0xffffff0000000000ull;
    p->plan.region_cap = 1;
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_ERR_NO_ROOM);
    p->plan.region_cap = 2 * MAX_DESC;
    struct pt_run bad = {.va = 0x1800, .pa = 0, .len = 0x1000};
    p->in.fw_runs = &bad;
    p->in.fw_count = 1;
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_ERR_BAD_RUN);
    free(p);
    free(mm.bytes);
    /* Every value of the planner's one error enum has its own name and a sentence. */
    CHECK(!strcmp(plan_error_name(PLAN_OK), "PLAN_OK"));
    for (int s = 1; s < PLAN_ERR_COUNT; s++)
        CHECK(strncmp(plan_error_name(s), "PLAN_ERR_", 9) == 0 && plan_error_message(s)[0] &&
              strcmp(plan_error_name(s), plan_error_name(s - 1)) != 0 &&
              strcmp(plan_error_message(s), plan_error_message(PLAN_ERR_COUNT)) != 0);
    CHECK(!strcmp(plan_error_name(PLAN_ERR_COUNT), "PLAN_ERR_UNKNOWN"));
    for (int w = 0; w < PLAN_WARN_COUNT; w++)
        CHECK(strncmp(plan_warning_name(w), "PLAN_WARN_", 10) == 0 && plan_warning_message(w)[0]);
    CHECK(!strcmp(plan_warning_name(PLAN_WARN_COUNT), "PLAN_WARN_UNKNOWN"));
}

/* 10,000 descriptors in reverse order, with holes: sorted in time, and the plan maps them
 * with the library into a hierarchy that translates every range's key points. */
static void ten_thousand_descriptors(void)
{
    struct memmap mm;
    mm_init(&mm, 48);
    for (int i = 9999; i >= 0; i--)
        mm_add(&mm, i % 3 ? EFI_MT_CONVENTIONAL : EFI_MT_BOOT_DATA, (uint64_t)i * 0x5000, 4);
    struct planner *p = planner_new(&mm, NULL, 0);
    CHECK_EQ(plan_build(&p->in, &p->plan), PLAN_OK);
    CHECK_EQ(p->plan.range_count, 10000);
    CHECK_EQ(p->plan.warnings[PLAN_WARN_UNSORTED], 1);
    struct fixture f;
    fixture_init(&f, 1024, sim_cpu_max());
    for (size_t i = 0; i < p->plan.region_count; i++) {
        struct plan_region *r = &p->plan.regions[i];
        CHECK_ERR(pt_map_region(&f.sp, r->va, r->pa, r->len, r->attr, 0, NULL), PT_OK);
    }
    for (size_t i = 0; i < p->plan.range_count; i += 97) {
        struct plan_range *r = &p->plan.ranges[i];
        CHECK_MAPS(&f.sp, r->start, r->start, PT_PAGE_4K, RW);
        CHECK_MAPS(&f.sp, r->end - 1, r->end - 1, PT_PAGE_4K, RW);
        CHECK_UNMAPPED(&f.sp, r->end);
        CHECK_MAPS(&f.sp, p->in.alias_base + r->end - 1, r->end - 1, PT_PAGE_4K, RW);
    }
    fixture_fini(&f);
    free(p);
    free(mm.bytes);
}

/* Random maps of random descriptors: never a crash, and the property always holds. */
static void random_maps_keep_the_property(void)
{
    uint64_t x = test_seed | 1;
    for (int round = 0; round < 200; round++) {
        struct memmap mm;
        mm_init(&mm, 40 + 8 * (round % 3));
        int n = 1 + (int)(x % 40);
        for (int i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint64_t start = (x % (1ull << 36)) & ~(uint64_t)(x & 1 ? 0xfff : 0);
            mm_add(&mm, (uint32_t)(x >> 40) % 16, start, (x >> 20) % 5000);
        }
        struct planner *p = planner_new(&mm, NULL, 0);
        enum plan_error st = plan_build(&p->in, &p->plan);
        CHECK(st == PLAN_OK || st == PLAN_ERR_EMPTY_MAP);
        for (size_t i = 0; st == PLAN_OK && i < p->plan.range_count; i++) {
            struct plan_range *r = &p->plan.ranges[i];
            CHECK(r->start < r->end && !(r->start & 0xfff) && !(r->end & 0xfff));
            CHECK(i == 0 || p->plan.ranges[i - 1].end <= r->start);
            uint64_t attr;
            if (plan_type_is_ram(r->type))
                CHECK(plan_covers(p, r->start, &attr) && plan_covers(p, r->end - 4096, &attr));
        }
        free(p);
        free(mm.bytes);
    }
}

/* The region mapping va in a plan, or NULL. */
static const struct plan_region *region_at(const struct plan *p, uint64_t va)
{
    for (size_t i = 0; i < p->region_count; i++)
        if (va - p->regions[i].va < p->regions[i].len)
            return &p->regions[i];
    return NULL;
}

/* Property: limits change nothing but the rights of identity memory inside them, exactly
 * as applying each covering limit in order would; the regions stay sorted, disjoint and
 * merged. Checked at every edge of every region and limit, and one page either side. */
static void random_limits_narrow_exactly(void)
{
    uint64_t x = test_seed ^ 0x5eed11111ull;
    static const pt_attr rights[] = {PT_ATTR_WRITE, PT_ATTR_NX, PT_ATTR_MT_MASK};
    for (int round = 0; round < 200; round++) {
        struct memmap mm;
        mm_init(&mm, 48);
        int n = 1 + (int)(x % 30);
        for (int i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            mm_add(&mm, (uint32_t)(x >> 40) % 16, (x % (1ull << 32)) & ~0xfffull,
                   1 + (x >> 20) % 3000);
        }
        struct pt_run fw[] = {{.va = 0, .pa = 0, .len = 1ull << 30, .attr = RWX, .sizes = 2}};
        struct planner *ref = planner_new(&mm, fw, 1), *lim = planner_new(&mm, fw, 1);
        struct plan_limit limits[8];
        size_t count = 1 + x % 8;
        for (size_t i = 0; i < count; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint64_t start = (x % (1ull << 32)) & ~0xfffull;
            if (i % 3 == 2) /* over the alias: only identity memory may change */
                start += ref->in.alias_base;
            limits[i] = (struct plan_limit){
                .start = start,
                .end = start + 4096 * (1 + (x >> 33) % 4096),
                .clear = rights[(x >> 50) % 3],
                .set = (x >> 55) & 1   ? PT_ATTR_NX
                       : (x >> 56) & 1 ? PT_ATTR_MT(PT_MT_WC)
                                       : 0,
            };
        }
        lim->in.limits = limits;
        lim->in.limit_count = count;
        enum plan_error st = plan_build(&ref->in, &ref->plan);
        CHECK_EQ(plan_build(&lim->in, &lim->plan), st);
        if (st != PLAN_OK) {
            free(ref), free(lim), free(mm.bytes);
            continue;
        }
        const struct plan *a = &ref->plan, *b = &lim->plan;
        for (size_t i = 1; i < b->region_count; i++) {
            const struct plan_region *l = &b->regions[i - 1], *r = &b->regions[i];
            CHECK(l->va + l->len <= r->va);
            CHECK(!(l->va + l->len == r->va && l->pa + l->len == r->pa && l->attr == r->attr));
        }
        uint64_t points[4 * (2 * MAX_DESC + 8)];
        size_t np = 0;
        for (size_t i = 0; i < a->region_count && np + 2 < sizeof points / 8; i++)
            points[np++] = a->regions[i].va, points[np++] = a->regions[i].va + a->regions[i].len;
        for (size_t i = 0; i < b->region_count && np + 2 < sizeof points / 8; i++)
            points[np++] = b->regions[i].va, points[np++] = b->regions[i].va + b->regions[i].len;
        for (size_t i = 0; i < count; i++)
            points[np++] = limits[i].start, points[np++] = limits[i].end;
        for (size_t i = 0; i < np; i++) {
            for (int d = -1; d <= 1; d++) {
                uint64_t va = points[i] + (uint64_t)(int64_t)d * 4096;
                const struct plan_region *ra = region_at(a, va), *rb = region_at(b, va);
                CHECK((ra == NULL) == (rb == NULL));
                if (!ra || !rb)
                    continue;
                CHECK_EQ(rb->pa + (va - rb->va), ra->pa + (va - ra->va));
                pt_attr want = ra->attr;
                for (size_t k = 0; ra->va == ra->pa && k < count; k++)
                    if (va - limits[k].start < limits[k].end - limits[k].start)
                        want = (want & ~limits[k].clear) | limits[k].set;
                CHECK_EQ(rb->attr, want);
            }
        }
        free(ref), free(lim), free(mm.bytes);
    }
}

/* A random plan (memory map only) for the queries below; NULL when the map came out empty. */
static struct planner *random_plan(uint64_t *x, struct memmap *mm, struct pt_cpu cpu)
{
    mm_init(mm, 40 + 8 * (*x % 3));
    int n = 1 + (int)(*x % 40);
    for (int i = 0; i < n; i++) {
        *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
        uint64_t start = (*x % (1ull << 36)) & ~(uint64_t)(*x & 1 ? 0xfff : 0);
        uint64_t pages = *x & 2 ? (*x >> 20) % 5000 : (*x >> 20) % (1u << 20);
        mm_add(mm, (uint32_t)(*x >> 40) % 16, start, pages);
    }
    struct planner *p = planner_new(mm, NULL, 0);
    p->in.cpu = cpu;
    if (plan_build(&p->in, &p->plan) != PLAN_OK) {
        free(p);
        free(mm->bytes);
        return NULL;
    }
    return p;
}

/* plan_lookup answers what a linear search answers: at both edges of every region, one
 * byte either side, and at random points inside. */
static void lookup_finds_the_region(void)
{
    uint64_t x = test_seed | 1;
    for (int round = 0; round < 100; round++) {
        struct memmap mm;
        struct planner *p = random_plan(&x, &mm, sim_cpu_max());
        if (!p)
            continue;
        for (size_t i = 0; i < p->plan.region_count; i++) {
            const struct plan_region *r = &p->plan.regions[i];
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint64_t points[] = {r->va, r->va - 1, r->va + r->len - 1, r->va + r->len,
                                 r->va + x % r->len};
            for (size_t k = 0; k < 5; k++)
                CHECK(plan_lookup(&p->plan, points[k]) == region_at(&p->plan, points[k]));
            CHECK(plan_lookup(&p->plan, r->va) == r);
        }
        CHECK(plan_lookup(&p->plan, 0xffffff8000000000ull) == NULL);
        free(p);
        free(mm.bytes);
    }
}

/* The frames the plan says a build takes are the tables mapping it takes: exactly, with
 * and without 1 GiB pages, on the typical map and on random ones. */
static uint64_t tables_mapping_takes(const struct plan *p, struct pt_cpu cpu, uint64_t budget)
{
    struct fixture f;
    fixture_init(&f, budget + 8, cpu);
    uint64_t tables = 0;
    for (size_t i = 0; i < p->region_count; i++) {
        const struct plan_region *r = &p->regions[i];
        struct pt_map_stats st;
        CHECK_ERR(pt_map_region(&f.sp, r->va, r->pa, r->len, r->attr, 0, &st), PT_OK);
        tables += st.tables;
    }
    fixture_fini(&f);
    return tables;
}

static void frame_budget_is_what_mapping_takes(void)
{
    struct memmap mm;
    mm_init(&mm, 48);
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0, 0xa0);
    mm_add(&mm, EFI_MT_BOOT_CODE, 0x100000, 0x100);
    mm_add(&mm, EFI_MT_CONVENTIONAL, 0x200000, 0x3fe00);
    mm_add(&mm, EFI_MT_MMIO, 0xffc00000, 0x400);
    struct planner *typical = planner_new(&mm, NULL, 0);
    CHECK_EQ(plan_build(&typical->in, &typical->plan), PLAN_OK);
    /* Two PDPTs (identity, alias), three PDs (GiB 0 and 3, alias GiB 0), two PTs (the
     * first 2 MiB in both halves: a hole at 0xa0000-0x100000, and in the identity half
     * executable boot code beside no-execute RAM). */
    struct pt_cpu max = sim_cpu_max();
    CHECK_EQ(plan_frame_budget(&typical->plan, &max), 7);
    CHECK_EQ(tables_mapping_takes(&typical->plan, sim_cpu_max(), 7), 7);
    free(typical);
    free(mm.bytes);

    uint64_t x = test_seed | 1;
    for (int round = 0; round < 60; round++) {
        struct pt_cpu cpu = sim_cpu_max();
        cpu.page_1g = round % 2;
        cpu.levels = round % 4 < 2 ? PT_LEVEL_PML4 : PT_LEVEL_PML5;
        struct planner *p = random_plan(&x, &mm, cpu);
        if (!p)
            continue;
        uint64_t budget = plan_frame_budget(&p->plan, &cpu);
        CHECK_EQ(tables_mapping_takes(&p->plan, cpu, budget), budget);
        free(p);
        free(mm.bytes);
    }
}

TEST_SUITE(plan_tests) = {
    {"plan/typical_map", typical_map},
    {"plan/limits_split_and_restrict", limits_split_and_restrict},
    {"plan/bad_limits_and_no_room_are_refused", bad_limits_and_no_room_are_refused},
    {"plan/hostile_maps_are_sanitised", hostile_maps_are_sanitised},
    {"plan/refusals_are_named", refusals_are_named},
    {"plan/ten_thousand_descriptors", ten_thousand_descriptors},
    {"plan/random_maps_keep_the_property", random_maps_keep_the_property},
    {"plan/random_limits_narrow_exactly", random_limits_narrow_exactly},
    {"plan/lookup_finds_the_region", lookup_finds_the_region},
    {"plan/frame_budget_is_what_mapping_takes", frame_budget_is_what_mapping_takes},
    {NULL, NULL},
};
