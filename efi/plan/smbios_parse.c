/* SMBIOS entry points and structures: see smbios_parse.h. */
#include "smbios_parse.h"

#include "le.h"

#include <string.h>

/* The app has no libc: the few string helpers it needs are here. */
static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static bool same(const uint8_t *p, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)text[i])
            return false;
    return true;
}

static bool sums_to_zero(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum == 0;
}

enum plan_error smbios_entry_parse(const uint8_t *ep, size_t avail, bool v3,
                                   struct smbios_entry *out)
{
    memset(out, 0, sizeof *out);
    out->v3 = v3;
    if (v3) {
        if (avail < 7 || !same(ep, "_SM3_", 5))
            return PLAN_ERR_SMBIOS_ENTRY_ANCHOR;
        size_t len = ep[6];
        if (len < SMBIOS_ENTRY3_LEN || len > avail)
            return PLAN_ERR_SMBIOS_ENTRY_LENGTH;
        if (!sums_to_zero(ep, len))
            return PLAN_ERR_SMBIOS_ENTRY_CHECKSUM;
        out->major = ep[7];
        out->minor = ep[8];
        out->table_length = (uint32_t)le_read(ep + 12, 4);
        out->table_address = le_read(ep + 16, 8);
    } else {
        if (avail < 6 || !same(ep, "_SM_", 4))
            return PLAN_ERR_SMBIOS_ENTRY_ANCHOR;
        size_t len = ep[5];
        if (len < SMBIOS_ENTRY2_MIN || len > avail)
            return PLAN_ERR_SMBIOS_ENTRY_LENGTH;
        if (!same(ep + 16, "_DMI_", 5))
            return PLAN_ERR_SMBIOS_ENTRY_ANCHOR;
        if (!sums_to_zero(ep, len) || !sums_to_zero(ep + 16, 15))
            return PLAN_ERR_SMBIOS_ENTRY_CHECKSUM;
        out->major = ep[6];
        out->minor = ep[7];
        out->table_length = (uint32_t)le_read(ep + 22, 2);
        out->table_address = le_read(ep + 24, 4);
        out->structures = (unsigned)le_read(ep + 28, 2);
    }
    if (!out->table_address || !out->table_length)
        return PLAN_ERR_SMBIOS_TABLE_EMPTY;
    if (out->table_length > SMBIOS_MAX_TABLE)
        return PLAN_ERR_SMBIOS_TABLE_TOO_LARGE;
    return PLAN_OK;
}

/* One structure: its formatted area and its string set, both inside the table. */
struct structure {
    const uint8_t *data; /* formatted area */
    size_t length;       /* of the formatted area */
    const char *strings; /* string set: NUL-terminated strings, ended by an empty one */
    unsigned string_count;
};

static const char *string_at(const struct structure *s, unsigned number)
{
    const char *p = s->strings;
    for (unsigned i = 1; i < number; i++)
        p += length(p) + 1;
    return p;
}

/* Field `offset` of s names a string: copied, cleaned, into field. Out-of-range numbers
 * fail; a formatted area too short for the field, or string number 0, gives "". */
static bool take_string(const struct structure *s, size_t offset, char *field)
{
    field[0] = '\0';
    if (offset >= s->length || s->data[offset] == 0)
        return true;
    unsigned number = s->data[offset];
    if (number > s->string_count)
        return false;
    const char *src = string_at(s, number);
    while (*src == ' ')
        src++;
    size_t n = 0, len = length(src);
    while (len && src[len - 1] == ' ')
        len--;
    for (; n < len && n + 1 < SMBIOS_FIELD_CAPACITY; n++)
        field[n] = src[n] >= 0x20 && src[n] < 0x7f && src[n] != '"' ? src[n] : '?';
    if (n < len) /* longer than the field: say so */
        memcpy(field + SMBIOS_FIELD_CAPACITY - 4, "...", 3);
    field[n] = '\0';
    return true;
}

/* Reads the structure at *offset and moves *offset past its string set. */
static enum plan_error next_structure(const uint8_t *table, size_t length, size_t *offset,
                                      struct structure *s)
{
    size_t at = *offset;
    if (length - at < 4)
        return PLAN_ERR_SMBIOS_STRUCT_PAST_END;
    size_t formatted = table[at + 1];
    if (formatted < 4)
        return PLAN_ERR_SMBIOS_STRUCT_SHORT;
    if (formatted > length - at)
        return PLAN_ERR_SMBIOS_STRUCT_PAST_END;
    s->data = table + at;
    s->length = formatted;
    s->strings = (const char *)table + at + formatted;
    s->string_count = 0;
    /* The set ends at two NULs in a row; an empty set is two NULs at once. */
    size_t p = at + formatted;
    if (length - p < 2)
        return PLAN_ERR_SMBIOS_STRINGS_UNENDED;
    if (table[p] == 0) {
        if (table[p + 1] != 0)
            return PLAN_ERR_SMBIOS_STRINGS_UNENDED;
        *offset = p + 2;
        return PLAN_OK;
    }
    for (;;) {
        while (p < length && table[p] != 0)
            p++;
        if (p >= length)
            return PLAN_ERR_SMBIOS_STRINGS_UNENDED;
        s->string_count++;
        p++; /* past this string's NUL */
        if (p >= length)
            return PLAN_ERR_SMBIOS_STRINGS_UNENDED;
        if (table[p] == 0) {
            *offset = p + 1;
            return PLAN_OK;
        }
    }
}

static bool take_machine(const struct structure *s, struct smbios_machine *m)
{
    switch (s->data[0]) {
    case 0: /* BIOS information */
        return take_string(s, 4, m->bios_vendor) && take_string(s, 5, m->bios_version) &&
               take_string(s, 8, m->bios_date);
    case 1: /* system information; 7 is the serial number, 8-23 the UUID */
        return take_string(s, 4, m->sys_vendor) && take_string(s, 5, m->sys_product) &&
               take_string(s, 6, m->sys_version);
    case 2: /* baseboard; 7 is the serial number, 8 the asset tag */
        return take_string(s, 4, m->board_vendor) && take_string(s, 5, m->board_product) &&
               take_string(s, 6, m->board_version);
    default:
        return true;
    }
}

enum plan_error smbios_table_parse(const uint8_t *table, size_t length, unsigned max_structures,
                                   struct smbios_machine *out)
{
    memset(out, 0, sizeof *out);
    enum plan_error st = PLAN_ERR_SMBIOS_NO_END;
    size_t offset = 0;
    bool seen[3] = {false, false, false};
    if (length > SMBIOS_MAX_TABLE)
        st = PLAN_ERR_SMBIOS_TABLE_TOO_LARGE;
    else
        while (offset < length) {
            if (out->structures == SMBIOS_MAX_STRUCTS) {
                st = PLAN_ERR_SMBIOS_TOO_MANY;
                out->bad_offset = offset;
                break;
            }
            struct structure s;
            size_t at = offset;
            st = next_structure(table, length, &offset, &s);
            if (st == PLAN_OK && s.data[0] <= 2 && !seen[s.data[0]]) {
                seen[s.data[0]] = true; /* the first of each type names the machine */
                if (!take_machine(&s, out))
                    st = PLAN_ERR_SMBIOS_STRING_INDEX;
            }
            if (st != PLAN_OK) {
                out->bad_offset = at;
                break;
            }
            out->structures++;
            if (s.data[0] == 127 || (max_structures && out->structures == max_structures))
                break;
            st = PLAN_ERR_SMBIOS_NO_END;
        }
    if (st == PLAN_ERR_SMBIOS_NO_END)
        out->bad_offset = offset;
    if (st != PLAN_OK) {
        size_t bad = out->bad_offset;
        unsigned walked = out->structures;
        memset(out, 0, sizeof *out);
        out->bad_offset = bad;
        out->structures = walked;
    }
    return st;
}
