/* W^X describers from raw bytes: the memory attributes table and PE section tables,
 * including the hostile shapes a firmware or a damaged image could hand over. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "wx_parse.h"

#define RO 0x20000ull
#define XP 0x4000ull

static void put(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A table of n entries of desc_size bytes: {start, pages, attribute} each. */
static uint8_t *table(uint32_t desc_size, size_t n, const uint64_t (*e)[3])
{
    uint8_t *t = calloc(1, 16 + n * desc_size + 64);
    put(t, 1, 4);
    put(t + 4, n, 4);
    put(t + 8, desc_size, 4);
    for (size_t i = 0; i < n; i++) {
        uint8_t *d = t + 16 + i * desc_size;
        put(d, 5, 4); /* EfiRuntimeServicesCode; the type does not matter */
        put(d + 8, e[i][0], 8);
        put(d + 24, e[i][1], 8);
        put(d + 32, e[i][2], 8);
    }
    return t;
}

static void attributes_table_gives_limits(void)
{
    const uint64_t e[][3] = {
        {0x7f000000, 2, RO | 0x8000000000000000ull}, /* runtime code: read-only */
        {0x7f002000, 1, XP},                         /* runtime data: no-execute */
        {0x7f003000, 1, RO | XP},                    /* read-only data: both */
        {0x7f004000, 1, 0},                          /* nothing to take away: no limit */
        {0x7f005000, 0, XP},                         /* no pages: skipped */
        {0x7f006800, 1, XP},                         /* unaligned: skipped */
        {0xfffffffffffff000ull, 2, XP},              /* wraps past 2^64: skipped */
    };
    uint8_t *t = table(48, 7, e); /* OVMF's DescriptorSize exceeds the struct */
    struct wx_limits *wx = calloc(1, sizeof *wx);
    uint32_t version, entries;
    uint64_t first_ro;
    CHECK_EQ(wx_parse_attributes_table(t, PT_ATTR_NX, wx, &version, &entries, &first_ro), PLAN_OK);
    CHECK_EQ(version, 1);
    CHECK_EQ(entries, 7);
    CHECK_EQ(first_ro, 0x7f000000);
    CHECK_EQ(wx->count, 3);
    CHECK_EQ(wx->skipped, 3);
    CHECK_EQ(wx->limits[0].start, 0x7f000000);
    CHECK_EQ(wx->limits[0].end, 0x7f002000);
    CHECK_EQ(wx->limits[0].clear, PT_ATTR_WRITE);
    CHECK_EQ(wx->limits[0].set, 0);
    CHECK_EQ(wx->limits[1].clear, 0);
    CHECK_EQ(wx->limits[1].set, PT_ATTR_NX);
    CHECK_EQ(wx->limits[2].clear, PT_ATTR_WRITE);
    CHECK_EQ(wx->limits[2].set, PT_ATTR_NX);
    CHECK_EQ(wx->origin[2], WX_FIRMWARE);
    /* Without NX on the CPU, XP entries take nothing away. */
    wx->count = wx->skipped = 0;
    CHECK_EQ(wx_parse_attributes_table(t, 0, wx, &version, &entries, &first_ro), PLAN_OK);
    CHECK_EQ(wx->count, 2);
    free(t);
    free(wx);
}

static void hostile_tables_are_refused(void)
{
    const uint64_t e[][3] = {{0x1000, 1, RO}};
    struct wx_limits *wx = calloc(1, sizeof *wx);
    uint32_t version, entries;
    uint64_t first_ro;
    uint8_t *small = table(32, 1, e);
    CHECK_EQ(wx_parse_attributes_table(small, PT_ATTR_NX, wx, &version, &entries, &first_ro),
             PLAN_ERR_WX_TABLE_DESC_SIZE);
    put(small + 8, 1u << 20, 4); /* a DescriptorSize of 1 MiB: would read far past it */
    CHECK_EQ(wx_parse_attributes_table(small, PT_ATTR_NX, wx, &version, &entries, &first_ro),
             PLAN_ERR_WX_TABLE_DESC_SIZE);
    uint8_t *huge = table(48, 1, e);
    put(huge + 4, 1u << 20, 4); /* a million entries behind a 64-byte table */
    CHECK_EQ(wx_parse_attributes_table(huge, PT_ATTR_NX, wx, &version, &entries, &first_ro),
             PLAN_ERR_WX_TABLE_TOO_LARGE);
    CHECK_EQ(wx->count, 0);
    CHECK(!strcmp(plan_error_name(PLAN_ERR_WX_TABLE_TOO_LARGE), "PLAN_ERR_WX_TABLE_TOO_LARGE"));
    CHECK(strstr(plan_error_message(PLAN_ERR_WX_TABLE_DESC_SIZE), "DescriptorSize") != NULL);
    free(small);
    free(huge);
    free(wx);
}

/* A loaded image as gnu-efi lays it out: headers, .text, .reloc, .data, .dynsym. */
static uint8_t *pe_image(size_t size, uint32_t align)
{
    uint8_t *img = calloc(1, size);
    img[0] = 'M', img[1] = 'Z';
    put(img + 0x3c, 0x80, 4);
    put(img + 0x80, 0x4550, 4);
    put(img + 0x80 + 6, 4, 2);    /* sections */
    put(img + 0x80 + 20, 240, 2); /* PE32+ optional header */
    put(img + 0x80 + 24 + 32, align, 4);
    const uint32_t sec[][3] = {{0x5000, 0xe8a0, 0x60000020},  /* code, execute, read */
                               {0x14000, 0xc, 0x42000040},    /* read-only data */
                               {0x15000, 0x8a48, 0xc0000040}, /* read-write data */
                               {0x1e000, 0, 0xc0000040}};     /* empty: ignored */
    for (int i = 0; i < 4; i++) {
        uint8_t *s = img + 0x80 + 24 + 240 + 40 * i;
        put(s + 8, sec[i][1], 4);
        put(s + 12, sec[i][0], 4);
        put(s + 36, sec[i][2], 4);
    }
    return img;
}

static void pe_sections_give_limits(void)
{
    uint64_t base = 0x7de10000;
    uint8_t *img = pe_image(0x22000, 0x1000);
    struct wx_limits *wx = calloc(1, sizeof *wx);
    CHECK_EQ(wx_parse_pe(img, base, 0x22000, PT_ATTR_NX, wx), PLAN_OK);
    const uint64_t want[][4] = {
        {base + 0x5000, base + 0x14000, PT_ATTR_WRITE, 0},           /* code: read-only */
        {base + 0x14000, base + 0x15000, PT_ATTR_WRITE, PT_ATTR_NX}, /* ro data */
        {base + 0x15000, base + 0x1e000, 0, PT_ATTR_NX},             /* data: no-execute */
        {base, base + 0x5000, PT_ATTR_WRITE, PT_ATTR_NX},            /* headers */
    };
    CHECK_EQ(wx->count, 4);
    for (size_t i = 0; i < 4 && i < wx->count; i++) {
        CHECK_EQ(wx->limits[i].start, want[i][0]);
        CHECK_EQ(wx->limits[i].end, want[i][1]);
        CHECK_EQ(wx->limits[i].clear, want[i][2]);
        CHECK_EQ(wx->limits[i].set, want[i][3]);
        CHECK_EQ(wx->origin[i], WX_IMAGE);
    }
    free(img);
    free(wx);
}

static void hostile_images_are_refused(void)
{
    struct wx_limits *wx = calloc(1, sizeof *wx);
    uint8_t *img = pe_image(0x22000, 0x1000);
    CHECK_EQ(wx_parse_pe(img, 0x7de10800, 0x22000, PT_ATTR_NX, wx), PLAN_ERR_WX_PE_ALIGNMENT);
    CHECK_EQ(wx_parse_pe(img, 0x7de10000, 0x1d000, PT_ATTR_NX, wx), PLAN_ERR_WX_PE_SECTION_RANGE);
    CHECK_EQ(wx->count, 0); /* two sections fit before the third did not: none is kept */
    CHECK_EQ(wx_parse_pe(img, 0x7de10000, 0x100, PT_ATTR_NX, wx), PLAN_ERR_WX_PE_HEADER);
    put(img + 0x3c, 0x21ff0, 4); /* e_lfanew near the end: headers cut off */
    CHECK_EQ(wx_parse_pe(img, 0x7de10000, 0x22000, PT_ATTR_NX, wx), PLAN_ERR_WX_PE_HEADER);
    free(img);
    img = pe_image(0x22000, 0x200); /* file alignment as section alignment */
    CHECK_EQ(wx_parse_pe(img, 0x7de10000, 0x22000, PT_ATTR_NX, wx), PLAN_ERR_WX_PE_ALIGNMENT);
    img[1] = 'X';
    CHECK_EQ(wx_parse_pe(img, 0x7de10000, 0x22000, PT_ATTR_NX, wx), PLAN_ERR_WX_PE_HEADER);
    free(img);
    free(wx);
}

/* wx_read gathers every source into one set, each limit tagged with its origin; a source
 * it cannot read is left out with its status; a limit that does not fit is an error. */
static void every_source_read_into_one_set(void)
{
    const uint64_t e[][3] = {{0x7f000000, 2, RO}, {0x7f002000, 1, XP}};
    uint8_t *t = table(48, 2, e);
    uint8_t *img = pe_image(0x22000, 0x1000);
    struct plan_limit fb = {0x80000000, 0x80400000, PT_ATTR_MT_MASK, PT_ATTR_MT(PT_MT_WC)};
    struct wx_input in = {.table = t,
                          .image = img,
                          .image_base = 0x7de10000,
                          .image_size = 0x22000,
                          .device = &fb,
                          .nx = PT_ATTR_NX};
    struct wx_sources *out = calloc(1, sizeof *out);
    CHECK_EQ(wx_read(&in, out), PLAN_OK);
    CHECK(out->have_table);
    CHECK_EQ(out->table_entries, 2);
    CHECK_EQ(out->runtime_code, 0x7f000000);
    CHECK_EQ(out->table_status, PLAN_OK);
    CHECK_EQ(out->image_status, PLAN_OK);
    CHECK_EQ(out->image_base, 0x7de10000);
    CHECK_EQ(out->set.count, 2 + 4 + 1);
    const uint8_t origins[] = {WX_FIRMWARE, WX_FIRMWARE, WX_IMAGE, WX_IMAGE,
                               WX_IMAGE,    WX_IMAGE,    WX_DEVICE};
    for (size_t i = 0; i < out->set.count; i++)
        CHECK_EQ(out->set.origin[i], origins[i]);
    CHECK_EQ(out->set.limits[6].start, fb.start);
    CHECK_EQ(out->set.limits[6].set, PT_ATTR_MT(PT_MT_WC));

    in = (struct wx_input){.device = &fb, .nx = PT_ATTR_NX}; /* no table, no image */
    CHECK_EQ(wx_read(&in, out), PLAN_OK);
    CHECK(!out->have_table);
    CHECK_EQ(out->table_status, PLAN_OK);
    CHECK_EQ(out->image_status, PLAN_ERR_WX_PE_HEADER);
    CHECK_EQ(out->set.count, 1);

    in.image = img; /* a damaged image is left out */
    in.image_size = 0x100;
    CHECK_EQ(wx_read(&in, out), PLAN_OK);
    CHECK_EQ(out->image_status, PLAN_ERR_WX_PE_HEADER);
    CHECK_EQ(out->set.count, 1);

    uint64_t(*many)[3] = calloc(WX_MAX_LIMITS, sizeof *many);
    for (size_t i = 0; i < WX_MAX_LIMITS; i++)
        many[i][0] = 0x100000000ull + i * 0x2000, many[i][1] = 1, many[i][2] = XP;
    uint8_t *full = table(40, WX_MAX_LIMITS, (const uint64_t(*)[3])many);
    in = (struct wx_input){.table = full, .device = &fb, .nx = PT_ATTR_NX};
    CHECK_EQ(wx_read(&in, out), PLAN_ERR_WX_NO_ROOM); /* the table fills the set: no room for fb */
    CHECK_EQ(out->set.count, WX_MAX_LIMITS);
    in.device = NULL;
    CHECK_EQ(wx_read(&in, out), PLAN_OK);
    free(full);
    free(many);
    free(out);
    free(img);
    free(t);
}

TEST_SUITE(wx_tests) = {
    {"wx/every_source_read_into_one_set", every_source_read_into_one_set},
    {"wx/attributes_table_gives_limits", attributes_table_gives_limits},
    {"wx/hostile_tables_are_refused", hostile_tables_are_refused},
    {"wx/pe_sections_give_limits", pe_sections_give_limits},
    {"wx/hostile_images_are_refused", hostile_images_are_refused},
    {NULL, NULL},
};
