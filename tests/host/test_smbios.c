/* SMBIOS from raw bytes: entry points of both formats, the machine's name from types 0, 1
 * and 2, and the hostile shapes a firmware could hand over, each refused whole. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "smbios_parse.h"

struct builder {
    uint8_t bytes[1024];
    size_t len;
    size_t last; /* offset of the last structure added */
};

/* Appends one structure: formatted area (type, length, handle, then `fields`), then the
 * strings, each NUL-terminated, then the set's final NUL. */
static void add(struct builder *b, uint8_t type, const uint8_t *fields, size_t nfields,
                const char *const *strings, size_t nstrings)
{
    uint8_t *p = b->bytes + b->len;
    b->last = b->len;
    p[0] = type;
    p[1] = (uint8_t)(4 + nfields);
    p[2] = (uint8_t)b->len;
    p[3] = 0;
    if (nfields)
        memcpy(p + 4, fields, nfields);
    size_t n = 4 + nfields;
    for (size_t i = 0; i < nstrings; i++) {
        size_t l = strlen(strings[i]);
        memcpy(p + n, strings[i], l + 1);
        n += l + 1;
    }
    if (!nstrings)
        p[n++] = 0;
    p[n++] = 0;
    b->len += n;
}

static void add_end(struct builder *b)
{
    add(b, 127, NULL, 0, NULL, 0);
}

/* A table like OVMF's: BIOS, system (with a serial number and UUID), board, an OEM type. */
static void typical(struct builder *b)
{
    memset(b, 0, sizeof *b);
    const char *bios[] = {"EFI Development Kit II / OVMF", "0.0.0", "02/06/2015"};
    const uint8_t bios_f[] = {1, 2, 0, 0xe8, 3, 0};
    add(b, 0, bios_f, sizeof bios_f, bios, 3);
    const char *sys[] = {"QEMU", "Standard PC (Q35 + ICH9, 2009)", "pc-q35-7.2", "SER-12345"};
    uint8_t sys_f[0x1b - 4] = {1, 2, 3, 4};
    for (int i = 4; i < 20; i++)
        sys_f[i] = 0xaa; /* the UUID */
    add(b, 1, sys_f, sizeof sys_f, sys, 4);
    const uint8_t oem_f[] = {9, 9, 9};
    const char *oem[] = {"vendor data"};
    add(b, 0x80, oem_f, sizeof oem_f, oem, 1);
    const char *board[] = {"  ACME Corp  ", "B-42", "rev 1", "BOARD-SERIAL"};
    const uint8_t board_f[] = {1, 2, 3, 4, 0};
    add(b, 2, board_f, sizeof board_f, board, 4);
}

static bool field_has_no(const struct smbios_machine *m, const char *needle)
{
    const char *fields[] = {m->bios_vendor,  m->bios_version,  m->bios_date,
                            m->sys_vendor,   m->sys_product,   m->sys_version,
                            m->board_vendor, m->board_product, m->board_version};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strstr(fields[i], needle))
            return false;
    return true;
}

static void names_the_machine(void)
{
    struct builder b;
    typical(&b);
    add_end(&b);
    struct smbios_machine m;
    CHECK_EQ(smbios_table_parse(b.bytes, b.len, 0, &m), PLAN_OK);
    CHECK(!strcmp(m.bios_vendor, "EFI Development Kit II / OVMF"));
    CHECK(!strcmp(m.bios_version, "0.0.0"));
    CHECK(!strcmp(m.bios_date, "02/06/2015"));
    CHECK(!strcmp(m.sys_vendor, "QEMU"));
    CHECK(!strcmp(m.sys_product, "Standard PC (Q35 + ICH9, 2009)"));
    CHECK(!strcmp(m.sys_version, "pc-q35-7.2"));
    CHECK(!strcmp(m.board_vendor, "ACME Corp")); /* blanks trimmed */
    CHECK(!strcmp(m.board_product, "B-42"));
    CHECK(!strcmp(m.board_version, "rev 1"));
    CHECK_EQ(m.structures, 5);
    CHECK(field_has_no(&m, "SER")); /* serial numbers never read */
    CHECK(field_has_no(&m, "\xaa"));
}

static void odd_strings_are_cleaned(void)
{
    struct builder b = {0};
    char longest[200];
    memset(longest, 'x', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    const char *bios[] = {"Caf\xc3\xa9\t\"BIOS\"", longest};
    const uint8_t bios_f[] = {1, 2, 0, 0, 0 /* no date */};
    add(&b, 0, bios_f, sizeof bios_f, bios, 2);
    const uint8_t sys_f[] = {0, 0}; /* a 2.0-sized structure: no version field at all */
    add(&b, 1, sys_f, sizeof sys_f, NULL, 0);
    add_end(&b);
    struct smbios_machine m;
    CHECK_EQ(smbios_table_parse(b.bytes, b.len, 0, &m), PLAN_OK);
    CHECK(!strcmp(m.bios_vendor, "Caf????BIOS?")); /* quotes too: the report quotes names */
    CHECK_EQ(strlen(m.bios_version), SMBIOS_FIELD_CAPACITY - 1);
    CHECK(!strcmp(m.bios_version + SMBIOS_FIELD_CAPACITY - 4, "..."));
    CHECK(!strcmp(m.bios_date, ""));
    CHECK(!strcmp(m.sys_vendor, ""));
    CHECK(!strcmp(m.sys_version, ""));
}

static void two_x_count_ends_the_walk(void)
{
    struct builder b;
    typical(&b); /* 4 structures, no end marker */
    struct smbios_machine m;
    CHECK_EQ(smbios_table_parse(b.bytes, b.len, 4, &m), PLAN_OK);
    CHECK(!strcmp(m.board_product, "B-42"));
    CHECK_EQ(smbios_table_parse(b.bytes, b.len, 0, &m), PLAN_ERR_SMBIOS_NO_END);
    CHECK_EQ(m.bad_offset, b.len);
    CHECK(!strcmp(m.sys_product, "")); /* nothing of a bad table is kept */
}

/* Each hostile table: the status, the offset named, and no field kept. */
static void expect_refused(const uint8_t *t, size_t len, enum plan_error want, size_t at)
{
    struct smbios_machine m;
    memset(&m, 0x55, sizeof m);
    CHECK_EQ(smbios_table_parse(t, len, 0, &m), want);
    CHECK_EQ(m.bad_offset, at);
    CHECK(!strcmp(m.bios_vendor, "") && !strcmp(m.sys_product, "") && !strcmp(m.board_vendor, ""));
}

static void hostile_tables_are_refused(void)
{
    struct builder b;
    typical(&b);
    size_t good = b.len, board = b.last;
    add_end(&b);
    uint8_t *t = malloc(b.len); /* exactly the table: ASan sees any read past it */

    /* strings without a terminator: the table ends inside the last string set */
    memcpy(t, b.bytes, good);
    expect_refused(t, good - 1, PLAN_ERR_SMBIOS_STRINGS_UNENDED, board);
    /* ...and inside a string */
    expect_refused(t, good - 4, PLAN_ERR_SMBIOS_STRINGS_UNENDED, board);

    /* a structure's length past the table's end */
    memcpy(t, b.bytes, b.len);
    t[good + 1] = 200;
    expect_refused(t, b.len, PLAN_ERR_SMBIOS_STRUCT_PAST_END, good);
    /* a header cut short */
    expect_refused(t, good + 3, PLAN_ERR_SMBIOS_STRUCT_PAST_END, good);
    /* a length below the header */
    t[good + 1] = 3;
    expect_refused(t, b.len, PLAN_ERR_SMBIOS_STRUCT_SHORT, good);

    /* a table that never ends: every structure fine, no type 127 */
    memcpy(t, b.bytes, good);
    expect_refused(t, good, PLAN_ERR_SMBIOS_NO_END, good);

    /* a string number out of range: the system's product names string 9 of 4 */
    memcpy(t, b.bytes, b.len);
    size_t sys = 4 + 6 + strlen("EFI Development Kit II / OVMF") + 1 + 6 + 11 + 1;
    CHECK_EQ(t[sys], 1);
    t[sys + 5] = 9;
    expect_refused(t, b.len, PLAN_ERR_SMBIOS_STRING_INDEX, sys);
    /* ...and in a structure with no strings at all */
    struct builder e = {0};
    const uint8_t f[] = {1, 0, 0, 0, 0};
    add(&e, 0, f, sizeof f, NULL, 0);
    add_end(&e);
    expect_refused(e.bytes, e.len, PLAN_ERR_SMBIOS_STRING_INDEX, 0);
    /* an empty string set with one NUL only, at the table's end */
    expect_refused(e.bytes, 4 + sizeof f + 1, PLAN_ERR_SMBIOS_STRINGS_UNENDED, 0);
    /* an empty table */
    expect_refused(t, 0, PLAN_ERR_SMBIOS_NO_END, 0);
    free(t);

    /* more structures than any firmware has: 4-byte structures with empty string sets */
    size_t n = 6 * (SMBIOS_MAX_STRUCTS + 1);
    uint8_t *many = calloc(1, n);
    for (size_t i = 0; i < n; i += 6) {
        many[i] = 0x80;
        many[i + 1] = 4;
    }
    expect_refused(many, n, PLAN_ERR_SMBIOS_TOO_MANY, 6 * SMBIOS_MAX_STRUCTS);
    free(many);
}

static void put(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_sum(uint8_t *p, size_t n, size_t at)
{
    uint8_t s = 0;
    p[at] = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    p[at] = (uint8_t)(0x100 - s);
}

static void entry_points(void)
{
    uint8_t e3[SMBIOS_ENTRY3_LEN] = "_SM3_";
    e3[6] = SMBIOS_ENTRY3_LEN;
    e3[7] = 3;
    e3[8] = 2;
    put(e3 + 12, 0x1234, 4);
    put(e3 + 16, 0x1234567000ull, 8);
    fix_sum(e3, sizeof e3, 5);
    struct smbios_entry e;
    CHECK_EQ(smbios_entry_parse(e3, sizeof e3, true, &e), PLAN_OK);
    CHECK(e.v3);
    CHECK_EQ(e.major, 3);
    CHECK_EQ(e.minor, 2);
    CHECK_EQ(e.table_address, 0x1234567000ull);
    CHECK_EQ(e.table_length, 0x1234);
    CHECK_EQ(e.structures, 0);
    CHECK_EQ(smbios_entry_parse(e3, sizeof e3 - 1, true, &e), PLAN_ERR_SMBIOS_ENTRY_LENGTH);
    CHECK_EQ(smbios_entry_parse(e3, sizeof e3, false, &e), PLAN_ERR_SMBIOS_ENTRY_ANCHOR);
    e3[9] ^= 1;
    CHECK_EQ(smbios_entry_parse(e3, sizeof e3, true, &e), PLAN_ERR_SMBIOS_ENTRY_CHECKSUM);
    e3[9] ^= 1;
    put(e3 + 12, SMBIOS_MAX_TABLE + 1, 4);
    fix_sum(e3, sizeof e3, 5);
    CHECK_EQ(smbios_entry_parse(e3, sizeof e3, true, &e), PLAN_ERR_SMBIOS_TABLE_TOO_LARGE);
    put(e3 + 16, 0, 8);
    fix_sum(e3, sizeof e3, 5);
    CHECK_EQ(smbios_entry_parse(e3, sizeof e3, true, &e), PLAN_ERR_SMBIOS_TABLE_EMPTY);
    e3[6] = 0xff; /* claims more than there is */
    CHECK_EQ(smbios_entry_parse(e3, sizeof e3, true, &e), PLAN_ERR_SMBIOS_ENTRY_LENGTH);

    uint8_t e2[SMBIOS_ENTRY2_LEN] = "_SM_";
    e2[5] = SMBIOS_ENTRY2_LEN;
    e2[6] = 2;
    e2[7] = 8;
    memcpy(e2 + 16, "_DMI_", 5);
    put(e2 + 22, 0x300, 2);
    put(e2 + 24, 0xf0000, 4);
    put(e2 + 28, 12, 2);
    fix_sum(e2 + 16, 15, 5);
    fix_sum(e2, sizeof e2, 4);
    CHECK_EQ(smbios_entry_parse(e2, sizeof e2, false, &e), PLAN_OK);
    CHECK(!e.v3);
    CHECK_EQ(e.major, 2);
    CHECK_EQ(e.minor, 8);
    CHECK_EQ(e.table_address, 0xf0000);
    CHECK_EQ(e.table_length, 0x300);
    CHECK_EQ(e.structures, 12);
    e2[5] = SMBIOS_ENTRY2_MIN; /* as some 2.1 firmware says: the sum then covers 0x1e bytes */
    e2[30] = 0;
    fix_sum(e2, SMBIOS_ENTRY2_MIN, 4);
    CHECK_EQ(smbios_entry_parse(e2, sizeof e2, false, &e), PLAN_OK);
    e2[5] = SMBIOS_ENTRY2_MIN - 1;
    fix_sum(e2, SMBIOS_ENTRY2_MIN - 1, 4);
    CHECK_EQ(smbios_entry_parse(e2, sizeof e2, false, &e), PLAN_ERR_SMBIOS_ENTRY_LENGTH);
    e2[5] = SMBIOS_ENTRY2_LEN;
    fix_sum(e2, sizeof e2, 4);
    e2[22] ^= 1; /* the intermediate checksum breaks; the outer one is fixed again */
    fix_sum(e2, sizeof e2, 4);
    CHECK_EQ(smbios_entry_parse(e2, sizeof e2, false, &e), PLAN_ERR_SMBIOS_ENTRY_CHECKSUM);
    e2[16] = 'X';
    CHECK_EQ(smbios_entry_parse(e2, sizeof e2, false, &e), PLAN_ERR_SMBIOS_ENTRY_ANCHOR);
    CHECK_EQ(smbios_entry_parse(e2, 3, false, &e), PLAN_ERR_SMBIOS_ENTRY_ANCHOR);
}

/* Random damage to a good table and a good device path: the parsers never read outside the
 * bytes given (ASan watches an exact-size copy), and what they accept is printable. */
static uint64_t rng;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e || *s == '"')
            return false;
    return true;
}

static void random_damage(void)
{
    rng = test_seed * 2654435761u + 1;
    struct builder b;
    typical(&b);
    add_end(&b);
    unsigned ok = 0, refused = 0;
    for (int round = 0; round < 20000; round++) {
        size_t len = next_random() % (b.len + 1);
        uint8_t *t = malloc(len ? len : 1);
        memcpy(t, b.bytes, len);
        for (int flips = (int)(next_random() % 4); flips >= 0 && len; flips--)
            t[next_random() % len] = (uint8_t)next_random();
        struct smbios_machine m;
        if (smbios_table_parse(t, len, (unsigned)(next_random() % 3), &m) == PLAN_OK) {
            ok++;
            CHECK(printable(m.sys_product) && printable(m.bios_vendor) &&
                  printable(m.board_version));
        } else {
            refused++;
            CHECK(m.bad_offset <= len);
        }
        free(t);
    }
    printf("  random damage: %u tables accepted, %u refused, seed %llu\n", ok, refused,
           (unsigned long long)test_seed);
    CHECK(ok > 0 && refused > 0);
}

static void statuses_have_names(void)
{
    for (int s = PLAN_ERR_SMBIOS_ENTRY_ANCHOR; s <= PLAN_ERR_SMBIOS_TOO_MANY; s++) {
        CHECK(strncmp(plan_error_name((enum plan_error)s), "PLAN_ERR_SMBIOS_", 16) == 0);
        CHECK(strcmp(plan_error_message((enum plan_error)s), "unknown error value") != 0);
    }
    CHECK(!strcmp(plan_error_name((enum plan_error)(PLAN_ERR_COUNT + 3)), "PLAN_ERR_UNKNOWN"));
}

TEST_SUITE(smbios_tests) = {
    {"smbios_names_the_machine", names_the_machine},
    {"smbios_odd_strings_are_cleaned", odd_strings_are_cleaned},
    {"smbios_two_x_count_ends_the_walk", two_x_count_ends_the_walk},
    {"smbios_hostile_tables_are_refused", hostile_tables_are_refused},
    {"smbios_entry_points", entry_points},
    {"smbios_statuses_have_names", statuses_have_names},
    {"smbios_random_damage", random_damage},
    {NULL, NULL},
};
