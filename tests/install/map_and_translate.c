/*
 * Uses the installed library the way another project would: only <pt.h> and the flags
 * pkg-config gives. The "physical memory" is a malloc'd arena reached at a fixed offset
 * (physical address p lives at arena + p), so the tables are ordinary host memory.
 * Maps a region that needs all three page sizes, translates addresses in it and around
 * it, checks the hierarchy, tears it down; exits 0 only when every result is the expected
 * one.
 */
#include <pt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAMES 16u

struct arena {
    unsigned char *base;
    uint64_t next; /* bump pointer, in physical addresses */
    uint64_t free_list[FRAMES];
    unsigned free_count, in_use;
};

static bool alloc_frame(void *ctx, uint64_t *pa)
{
    struct arena *a = ctx;
    if (a->free_count > 0)
        *pa = a->free_list[--a->free_count];
    else if (a->next < FRAMES * PT_PAGE_4K)
        *pa = (a->next += PT_PAGE_4K) - PT_PAGE_4K;
    else
        return false;
    memset(a->base + *pa, 0, PT_PAGE_4K);
    a->in_use++;
    return true;
}

static void free_frame(void *ctx, uint64_t pa)
{
    struct arena *a = ctx;
    a->free_list[a->free_count++] = pa;
    a->in_use--;
}

static void print_line(void *ctx, const char *text)
{
    (void)ctx;
    printf("  %s", text); /* pt_dump's lines end in a newline */
}

static int failures;

static void expect(bool ok, const char *what)
{
    if (!ok) {
        printf("FAIL: %s\n", what);
        failures++;
    }
}

struct probe {
    uint64_t va;
    bool mapped;
    uint64_t pa, page;
};

int main(void)
{
    struct arena a = {.base = aligned_alloc(PT_PAGE_4K, FRAMES * PT_PAGE_4K)};
    if (!a.base)
        return 1;
    a.next = PT_PAGE_4K; /* physical 0 stays unused, as on most machines */

    struct pt_env env = {
        .alloc_frame = alloc_frame,
        .free_frame = free_frame,
        .frame_ctx = &a,
        .frames_zeroed = true,
        .cpu = {.page_1g = true, .nx = true, .maxphyaddr = 46},
    };
    memcpy(env.cpu.pat, pt_pat_reset, sizeof env.cpu.pat);
    struct pt_offset_access acc = {.offset = (uint64_t)(uintptr_t)a.base};
    pt_access_offset(&env, &acc);

    struct pt_space sp;
    enum pt_error err = pt_create(&sp, &env);
    expect(err == PT_OK, "pt_create");
    if (err != PT_OK)
        return 1;

    /* 2 MiB below a 1 GiB boundary, the 1 GiB above it, then three 4 KiB pages: va and pa
     * agree modulo 1 GiB, so the greedy tiling uses one leaf of each large size. */
    const uint64_t va = 0x3fe00000, pa = 0x13fe00000, len = PT_PAGE_2M + PT_PAGE_1G + 0x3000;
    const pt_attr attr = PT_ATTR_WRITE | PT_ATTR_NX | PT_ATTR_MT(PT_MT_WB);
    struct pt_map_stats st = {0};
    err = pt_map_region(&sp, va, pa, len, attr, 0, &st);
    printf("map 0x%llx-0x%llx -> 0x%llx: %s; leaves 1G %llu 2M %llu 4K %llu, %llu tables\n",
           (unsigned long long)va, (unsigned long long)(va + len), (unsigned long long)pa,
           pt_error_name(err), (unsigned long long)st.leaves[PT_SIZE_1G],
           (unsigned long long)st.leaves[PT_SIZE_2M], (unsigned long long)st.leaves[PT_SIZE_4K],
           (unsigned long long)st.tables);
    expect(err == PT_OK, "pt_map_region returns PT_OK");
    expect(st.leaves[PT_SIZE_1G] == 1 && st.leaves[PT_SIZE_2M] == 1 && st.leaves[PT_SIZE_4K] == 3,
           "one 1G, one 2M and three 4K leaves");
    /* A PDPT, the PD of the first GiB, the PD of the third and its PT. */
    expect(st.tables == 4, "four tables below the root");

    const struct probe probes[] = {
        {0x3fdff000, false, 0, 0},                   /* just below the region */
        {0x3fe00123, true, 0x13fe00123, PT_PAGE_2M}, /* in the 2 MiB leaf */
        {0x50000000, true, 0x150000000, PT_PAGE_1G}, /* in the 1 GiB leaf */
        {0x80002abc, true, 0x180002abc, PT_PAGE_4K}, /* the last 4 KiB page */
        {0x80003000, false, 0, 0},                   /* just past the region */
    };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        const struct probe *p = &probes[i];
        struct pt_translation t;
        err = pt_translate(&sp, p->va, &t);
        char rights[32], page[16];
        size_t pos = 0;
        pt_attr_format(t.attr, rights, sizeof rights);
        pt_fmt_size(page, sizeof page, &pos, t.page);
        if (t.mapped)
            printf("translate 0x%llx -> 0x%llx (%s page, %s)\n", (unsigned long long)p->va,
                   (unsigned long long)t.pa, page, rights);
        else
            printf("translate 0x%llx -> not mapped\n", (unsigned long long)p->va);
        expect(err == PT_OK, "pt_translate returns PT_OK");
        expect(t.mapped == p->mapped, "mapped as expected");
        if (p->mapped) {
            expect(t.pa == p->pa, "physical address");
            expect(t.page == p->page, "page size");
            expect(t.attr == attr, "attributes");
        }
    }

    printf("dump:\n");
    expect(pt_dump(&sp, print_line, NULL) == PT_OK, "pt_dump");

    uint64_t seen_slots[16] = {0};
    struct pt_seen seen = {.slots = seen_slots, .capacity = 16};
    struct pt_fault fault;
    err = pt_check(&sp, &seen, &fault);
    printf("check: %s\n", pt_strerror(err));
    expect(err == PT_OK, "pt_check");

    pt_destroy(&sp);
    printf("frames in use after pt_destroy: %u\n", a.in_use);
    expect(a.in_use == 0, "every frame returned");
    free(a.base);

    printf("%s\n", failures ? "map_and_translate: FAIL" : "map_and_translate: PASS");
    return failures ? 1 : 0;
}
