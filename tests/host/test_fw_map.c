/* The firmware's 32-bit paging state rendered in four levels (efi/ia32/fw_map.c): exact
 * entries, refusals that leave the caller's frames untouched, and random 32-bit hierarchies
 * that must translate through the rendering (pt_translate) as a 32-bit walk says. */
#include <string.h>

#include "check.h"
#include "ia32/fw_map.h"
#include "pt.h"

#define PHYS_BASE   0x100000ull
#define PHYS_FRAMES 80u
#define OURS        40u /* firmware tables in frames below, the rendering from here */
#define CR0_PG      0x80000033u
#define CR0_NO_PG   0x00000033u
#define CR4_PSE     0x10u
#define CR4_PAE     0x20u

static uint64_t phys[PHYS_FRAMES * 512] __attribute__((aligned(4096)));

static const void *read_phys(void *ctx, uint64_t pa, size_t len)
{
    (void)ctx;
    if (pa < PHYS_BASE || pa - PHYS_BASE > sizeof phys || len > sizeof phys - (pa - PHYS_BASE))
        return NULL;
    return (const uint8_t *)phys + (pa - PHYS_BASE);
}

static uint64_t pa_of(unsigned frame)
{
    return PHYS_BASE + frame * 4096ull;
}

static uint32_t *frame32(unsigned frame)
{
    return (uint32_t *)(phys + frame * 512u);
}

static uint64_t *frame64(unsigned frame)
{
    return phys + frame * 512u;
}

static struct fw_map_input input(uint32_t cr0, uint32_t cr3, uint32_t cr4)
{
    memset(phys + OURS * 512u, 0xa5, (PHYS_FRAMES - OURS) * 4096u); /* poison: must be cleared */
    return (struct fw_map_input){.cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .read = read_phys};
}

static enum fw_map_status render(const struct fw_map_input *in, unsigned *tables)
{
    enum fw_map_status st = fw_map_tables(in, tables);
    if (st != FW_MAP_OK)
        return st;
    return fw_map_render(in, frame64(OURS), pa_of(OURS), PHYS_FRAMES - OURS);
}

/* The rendering as the CPU walks it. */
struct walker {
    struct pt_env env;
    struct pt_offset_access acc;
    struct pt_space sp;
};

static void open_rendering(struct walker *w)
{
    w->env = (struct pt_env){.cpu = {.page_1g = true, .nx = false, .maxphyaddr = 40}};
    for (int i = 0; i < 8; i++)
        w->env.cpu.pat[i] = (uint8_t)(i < 4 ? i == 0 ? 6 : i == 1 ? 4 : i == 2 ? 7 : 0 : 6);
    w->acc.offset = (uint64_t)(uintptr_t)phys - PHYS_BASE;
    pt_access_offset(&w->env, &w->acc);
    pt_open(&w->sp, &w->env, pa_of(OURS));
}

static void paging_off_is_4g_one_to_one_writable(void)
{
    memset(phys, 0, sizeof phys);
    struct fw_map_input in = input(CR0_NO_PG, 0, 0x640);
    unsigned tables = 0;
    CHECK_EQ(render(&in, &tables), FW_MAP_OK);
    CHECK_EQ(tables, 6);
    CHECK_EQ(fw_map_paging(in.cr0, in.cr4), FW_PAGING_OFF);
    struct walker w;
    open_rendering(&w);
    const uint64_t vas[] = {0, 0x1234567, 0xfee00000, 0xffffffff};
    for (size_t i = 0; i < sizeof vas / sizeof vas[0]; i++) {
        struct pt_translation tr;
        pt_translate(&w.sp, vas[i], &tr);
        CHECK(tr.mapped);
        CHECK_EQ(tr.pa, vas[i]);
        CHECK_EQ(tr.page, 0x200000);
        CHECK_EQ(tr.attr & (PT_ATTR_WRITE | PT_ATTR_USER | PT_ATTR_NX), PT_ATTR_WRITE);
    }
    struct pt_translation tr;
    pt_translate(&w.sp, 1ull << 32, &tr);
    CHECK(!tr.mapped);
}

static void pae_directories_read_in_place(void)
{
    memset(phys, 0, sizeof phys);
    uint64_t *pdpt = frame64(0) + 8;       /* CR3 32-byte aligned, not page aligned */
    pdpt[0] = pa_of(1) | 0x9;              /* present, PWT */
    pdpt[2] = pa_of(2) | 0x21;             /* accessed, as QEMU's TCG leaves it */
    frame64(1)[0] = 0x400000 | 0x83;       /* 2 MiB, RW */
    frame64(2)[5] = 0x200000 | 0x80 | 0x1; /* 2 MiB, read-only, at 2 GiB + 10 MiB */
    frame64(1)[1] = pa_of(3) | 0x7;        /* a page table */
    frame64(3)[3] = 0x12345000 | 0x5;      /* user, read-only */
    struct fw_map_input in = input(CR0_PG, (uint32_t)pa_of(0) + 64, CR4_PAE);
    unsigned tables = 0;
    CHECK_EQ(render(&in, &tables), FW_MAP_OK);
    CHECK_EQ(tables, 2);
    CHECK_EQ(frame64(OURS)[0], pa_of(OURS + 1) | 0x7);
    CHECK_EQ(frame64(OURS + 1)[0], pa_of(1) | 0x8 | 0x7);
    CHECK_EQ(frame64(OURS + 1)[1], 0);
    CHECK_EQ(frame64(OURS + 1)[2], pa_of(2) | 0x7);
    CHECK_EQ(frame64(OURS + 1)[3], 0);
    CHECK_EQ(frame64(OURS)[1], 0);
    struct walker w;
    open_rendering(&w);
    struct pt_translation tr;
    pt_translate(&w.sp, 0x1234, &tr);
    CHECK(tr.mapped && tr.pa == 0x401234 && (tr.attr & PT_ATTR_WRITE));
    pt_translate(&w.sp, 0x80a00000ull + 0x10, &tr);
    CHECK(tr.mapped && tr.pa == 0x200010 && !(tr.attr & PT_ATTR_WRITE));
    pt_translate(&w.sp, 0x203000, &tr);
    CHECK(tr.mapped && tr.pa == 0x12345000 && tr.page == 4096);
    CHECK_EQ(tr.attr & (PT_ATTR_WRITE | PT_ATTR_USER), PT_ATTR_USER);
    pt_translate(&w.sp, 0x40000000, &tr);
    CHECK(!tr.mapped);
}

static void pae_refusals_write_nothing(void)
{
    struct {
        uint64_t pdpte0;
        enum fw_map_status want;
    } cases[] = {
        {0, FW_MAP_PAE_NO_ROOT},
        {0x100000 | 0x3, FW_MAP_PAE_RESERVED},                /* RW is reserved in a PDPTE */
        {0x100000 | 0x1 | (1ull << 63), FW_MAP_PAE_RESERVED}, /* so is NX */
        {(1ull << 32) | 0x1, FW_MAP_ABOVE_4G},
        {0x7000000 | 0x1, FW_MAP_UNREACHABLE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(phys, 0, sizeof phys);
        frame64(0)[0] = cases[i].pdpte0;
        struct fw_map_input in = input(CR0_PG, (uint32_t)pa_of(0), CR4_PAE);
        unsigned tables = 99;
        CHECK_EQ(fw_map_tables(&in, &tables), cases[i].want);
        CHECK_EQ(tables, 0);
        CHECK_EQ(fw_map_render(&in, frame64(OURS), pa_of(OURS), 8), cases[i].want);
        CHECK_EQ(frame64(OURS)[0], 0xa5a5a5a5a5a5a5a5ull);
    }
    struct fw_map_input in = input(CR0_PG, 0x7000000, CR4_PAE); /* CR3 out of reach */
    unsigned tables;
    CHECK_EQ(fw_map_tables(&in, &tables), FW_MAP_UNREACHABLE);
}

static void bits32_pages_and_tables_exact(void)
{
    memset(phys, 0, sizeof phys);
    uint32_t *pd = frame32(0);
    pd[0] = (uint32_t)pa_of(1) | 0x27;           /* table: P RW US A */
    pd[1] = 0x00400000u | 0x183u | (0x3u << 13); /* 4 MiB at 0x3_00400000, G */
    pd[2] = 0x00800000u | 0x1081u;               /* 4 MiB read-only, PAT */
    frame32(1)[0] = 0x5000u | 0x3u;
    frame32(1)[700] = 0x9000u | 0x85u; /* user, read-only, PAT (bit 7) */
    struct fw_map_input in = input(CR0_PG, (uint32_t)pa_of(0), CR4_PSE);
    unsigned tables = 0;
    CHECK_EQ(render(&in, &tables), FW_MAP_OK);
    CHECK_EQ(tables, 8);
    const uint64_t *dirs = frame64(OURS + 2);
    CHECK_EQ(dirs[0], pa_of(OURS + 6) | 0x27);
    CHECK_EQ(dirs[1], pa_of(OURS + 7) | 0x27);
    CHECK_EQ(dirs[2], 0x300400000ull | 0x183);
    CHECK_EQ(dirs[3], 0x300600000ull | 0x183);
    CHECK_EQ(dirs[4], 0x800000ull | 0x1081);
    CHECK_EQ(dirs[5], 0xa00000ull | 0x1081);
    CHECK_EQ(dirs[6], 0);
    CHECK_EQ(frame64(OURS + 6)[0], 0x5003);
    CHECK_EQ(frame64(OURS + 7)[700 - 512], 0x9085);
    CHECK_EQ(frame64(OURS + 6)[1], 0);
}

static void bits32_ps_ignored_without_pse(void)
{
    memset(phys, 0, sizeof phys);
    frame32(0)[3] = (uint32_t)pa_of(1) | 0x83; /* PS set, but CR4.PSE clear: a table */
    frame32(1)[1] = 0x7000 | 0x3;
    struct fw_map_input in = input(CR0_PG, (uint32_t)pa_of(0), 0);
    unsigned tables = 0;
    CHECK_EQ(render(&in, &tables), FW_MAP_OK);
    CHECK_EQ(tables, 8);
    CHECK_EQ(frame64(OURS + 2)[6], pa_of(OURS + 6) | 0x3);
    struct walker w;
    open_rendering(&w);
    struct pt_translation tr;
    pt_translate(&w.sp, 0xc01000, &tr);
    CHECK(tr.mapped && tr.pa == 0x7000 && tr.page == 4096);
}

static void bits32_refusals_write_nothing(void)
{
    memset(phys, 0, sizeof phys);
    frame32(0)[0] = (uint32_t)pa_of(1) | 0x3;
    frame32(0)[9] = 0x7000000u | 0x3; /* a page table out of reach */
    struct fw_map_input in = input(CR0_PG, (uint32_t)pa_of(0), CR4_PSE);
    unsigned tables = 99;
    CHECK_EQ(fw_map_tables(&in, &tables), FW_MAP_UNREACHABLE);
    CHECK_EQ(fw_map_render(&in, frame64(OURS), pa_of(OURS), 30), FW_MAP_UNREACHABLE);
    CHECK_EQ(frame64(OURS)[0], 0xa5a5a5a5a5a5a5a5ull);
    frame32(0)[9] = 0;
    CHECK_EQ(fw_map_tables(&in, &tables), FW_MAP_OK);
    CHECK_EQ(tables, 8);
    CHECK_EQ(fw_map_render(&in, frame64(OURS), pa_of(OURS), 7), FW_MAP_NO_ROOM);
    CHECK_EQ(fw_map_render(&in, NULL, pa_of(OURS), 8), FW_MAP_NO_FRAMES);
    CHECK_EQ(frame64(OURS)[0], 0xa5a5a5a5a5a5a5a5ull);
    CHECK_EQ(frame64(OURS + 7)[511], 0xa5a5a5a5a5a5a5a5ull);
}

static uint64_t rng;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* What a CPU in 32-bit paging with CR4.PSE makes of va. */
static bool walk32(uint32_t va, uint64_t *pa, unsigned *rw_us)
{
    uint32_t pde = frame32(0)[va >> 22];
    if (!(pde & 1))
        return false;
    if (pde & 0x80) {
        *pa = (pde & 0xffc00000u) + ((uint64_t)((pde >> 13) & 0xff) << 32) + (va & 0x3fffffu);
        *rw_us = pde & 6;
        return true;
    }
    uint32_t pte = ((const uint32_t *)read_phys(NULL, pde & 0xfffff000u, 4096))[(va >> 12) & 1023];
    if (!(pte & 1))
        return false;
    *pa = (pte & 0xfffff000u) + (va & 0xfffu);
    *rw_us = pde & pte & 6;
    return true;
}

static void bits32_random_translate_as_firmware(void)
{
    rng = test_seed * 2654435761u + 17;
    for (int round = 0; round < 20; round++) {
        memset(phys, 0, sizeof phys);
        unsigned next_pt = 1;
        for (unsigned i = 0; i < 1024; i++) {
            uint32_t kind = rnd() % 4, flags = (rnd() & 0x7e) | 1;
            if (kind == 0)
                continue;
            if (kind == 1 && next_pt < 17) { /* 6 + 2 * 16 tables fit in ours */
                frame32(0)[i] = (uint32_t)pa_of(next_pt) | (flags & 0x3f);
                for (unsigned j = 0; j < 1024; j++)
                    if (rnd() % 3)
                        frame32(next_pt)[j] = (rnd() & 0xfffff000u) | (rnd() & 0x1fe) | 1;
                next_pt++;
            } else {
                frame32(0)[i] = (rnd() & 0xffc00000u) | ((rnd() & 0xff) << 13) | 0x80 |
                                (rnd() & 0x1100) | flags;
            }
        }
        struct fw_map_input in = input(CR0_PG, (uint32_t)pa_of(0), CR4_PSE);
        unsigned tables = 0;
        CHECK_EQ(render(&in, &tables), FW_MAP_OK);
        CHECK_EQ(tables, 6 + 2 * (next_pt - 1));
        struct walker w;
        open_rendering(&w);
        unsigned wrong = 0;
        for (unsigned i = 0; i < 1024; i++)
            for (int k = 0; k < 6; k++) {
                uint32_t va = (i << 22) | (k == 0 ? 0 : k == 1 ? 0x3ff000u : rnd() & 0x3fffffu);
                uint64_t pa = 0;
                unsigned rights = 0;
                bool mapped = walk32(va, &pa, &rights);
                struct pt_translation tr = {0};
                pt_translate(&w.sp, va, &tr);
                unsigned got =
                    ((tr.attr & PT_ATTR_WRITE) ? 2 : 0) | ((tr.attr & PT_ATTR_USER) ? 4 : 0);
                if (tr.mapped != mapped || (mapped && (tr.pa != pa || got != rights)))
                    wrong++;
            }
        CHECK_EQ(wrong, 0);
        if (wrong) {
            fprintf(stderr, "  round %d of seed %llu\n", round, (unsigned long long)test_seed);
            return;
        }
    }
}

static void names_and_messages(void)
{
    for (int s = 0; s < FW_MAP_STATUS_COUNT; s++) {
        CHECK(fw_map_status_name(s)[0] == 'F');
        CHECK(fw_map_status_message(s)[0] != '\0');
        for (int t = 0; t < s; t++)
            CHECK(strcmp(fw_map_status_name(s), fw_map_status_name(t)) != 0);
    }
    CHECK(!strcmp(fw_map_status_name(FW_MAP_STATUS_COUNT), "FW_MAP_?"));
    CHECK_EQ(fw_map_paging(CR0_PG, CR4_PAE | CR4_PSE), FW_PAGING_PAE);
    CHECK_EQ(fw_map_paging(CR0_PG, CR4_PSE), FW_PAGING_32BIT);
}

TEST_SUITE(fw_map_tests) = {
    {"fw_map/paging_off_is_4g_one_to_one_writable", paging_off_is_4g_one_to_one_writable},
    {"fw_map/pae_directories_read_in_place", pae_directories_read_in_place},
    {"fw_map/pae_refusals_write_nothing", pae_refusals_write_nothing},
    {"fw_map/bits32_pages_and_tables_exact", bits32_pages_and_tables_exact},
    {"fw_map/bits32_ps_ignored_without_pse", bits32_ps_ignored_without_pse},
    {"fw_map/bits32_refusals_write_nothing", bits32_refusals_write_nothing},
    {"fw_map/bits32_random_translate_as_firmware", bits32_random_translate_as_firmware},
    {"fw_map/names_and_messages", names_and_messages},
    {NULL, NULL},
};
