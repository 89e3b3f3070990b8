/* Device path kind and text: see devpath_parse.h. */
#include "devpath_parse.h"

#include "le.h"

#include <stdbool.h>
#include <string.h>

static const char *const kind_names[] = {"USB", "NVMe", "SATA",    "SCSI", "ATA",
                                         "SD",  "eMMC", "virtual", "other"};

const char *devpath_kind_name(unsigned kind)
{
    return kind <= DEVPATH_OTHER ? kind_names[kind] : "?";
}

struct text {
    char *buf;
    size_t size, pos;
    bool full;
};

static void put(struct text *t, const char *s)
{
    for (; *s; s++) {
        if (t->pos + 1 >= t->size) {
            t->full = true;
            return;
        }
        t->buf[t->pos++] = *s;
    }
    t->buf[t->pos] = '\0';
}

static void put_hex(struct text *t, uint64_t v)
{
    char digits[20] = "0x";
    int n = 0;
    char rev[16];
    do {
        rev[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    for (int i = 0; i < n; i++)
        digits[2 + i] = rev[n - 1 - i];
    digits[2 + n] = '\0';
    put(t, digits);
}

/* A node's fields as "Name(a,b)", each only when the node holds it. */
static void put_node(struct text *t, const char *name, const uint8_t *node, size_t len,
                     const size_t (*fields)[2], size_t nfields)
{
    put(t, name);
    bool open = false;
    for (size_t i = 0; i < nfields; i++) {
        if (fields[i][0] + fields[i][1] > len)
            break;
        put(t, open ? "," : "(");
        open = true;
        put_hex(t, le_read(node + fields[i][0], fields[i][1]));
    }
    if (open)
        put(t, ")");
}

#define FIELDS(...)                                                                                \
    ((const size_t[][2]){__VA_ARGS__}),                                                            \
        (sizeof((const size_t[][2]){__VA_ARGS__}) / sizeof(size_t[2]))

static void describe_node(struct text *t, const uint8_t *n, size_t len, unsigned *kind)
{
    unsigned type = n[0], sub = n[1], found = DEVPATH_OTHER;
    if (type == 1 && sub == 1)
        put_node(t, "Pci", n, len, FIELDS({5, 1}, {4, 1}));
    else if (type == 2 && sub == 1 && len >= 12 &&
             (le_read(n + 4, 4) == 0x0a0341d0u || le_read(n + 4, 4) == 0x0a0841d0u))
        put_node(t, "PciRoot", n, len, FIELDS({8, 4}));
    else if (type == 3 && sub == 1) {
        put_node(t, "Ata", n, len, FIELDS({4, 1}, {5, 1}, {6, 2}));
        found = DEVPATH_ATA;
    } else if (type == 3 && sub == 2) {
        put_node(t, "Scsi", n, len, FIELDS({4, 2}, {6, 2}));
        found = DEVPATH_SCSI;
    } else if (type == 3 && (sub == 5 || sub == 15 || sub == 16)) {
        if (sub == 5)
            put_node(t, "USB", n, len, FIELDS({4, 1}, {5, 1}));
        else
            put(t, sub == 15 ? "UsbClass" : "UsbWwid"); /* a WWID holds the serial number */
        found = DEVPATH_USB;
    } else if (type == 3 && sub == 18) {
        put_node(t, "Sata", n, len, FIELDS({4, 2}, {6, 2}, {8, 2}));
        found = DEVPATH_SATA;
    } else if (type == 3 && sub == 23) {
        put_node(t, "NVMe", n, len, FIELDS({4, 4})); /* the namespace, not its EUI-64 */
        found = DEVPATH_NVME;
    } else if (type == 3 && sub == 26) {
        put(t, "SD");
        found = DEVPATH_SD;
    } else if (type == 3 && sub == 29) {
        put(t, "eMMC");
        found = DEVPATH_EMMC;
    } else if (type == 3 && sub == 11)
        put(t, "MAC"); /* never the address */
    else if (type == 4 && sub == 1)
        put_node(t, "HD", n, len, FIELDS({4, 4})); /* the partition number, not its GUID */
    else if (type == 4 && sub == 2)
        put(t, "CDROM");
    else if (type == 4 && sub == 4)
        put(t, "File");
    else if (type == 4 && (sub == 6 || sub == 7 || sub == 9)) {
        put(t, sub == 9 ? "RamDisk" : sub == 6 ? "Fv" : "FvFile");
        found = DEVPATH_VIRTUAL;
    } else {
        static const char *const types[] = {"?", "Hw", "Acpi", "Msg", "Media", "Bbs"};
        put(t, type < 6 ? types[type] : "Node");
        size_t f[][2] = {{1, 1}};
        put_node(t, "", n, 2, (const size_t(*)[2])f, 1);
    }
    if (found < *kind)
        *kind = found;
}

enum plan_error devpath_describe(const uint8_t *p, size_t avail, unsigned *kind, char *text,
                                 size_t text_size)
{
    struct text t = {text, text_size, 0, false};
    enum plan_error st = PLAN_ERR_DEVPATH_NO_END;
    *kind = DEVPATH_OTHER;
    if (text_size)
        text[0] = '\0';
    size_t at = 0;
    for (unsigned nodes = 0; nodes < DEVPATH_MAX_NODES; nodes++) {
        if (avail - at < 4) {
            st = avail == at ? PLAN_ERR_DEVPATH_NO_END : PLAN_ERR_DEVPATH_NODE_PAST_END;
            break;
        }
        size_t len = le_read(p + at + 2, 2);
        if (len < 4) {
            st = PLAN_ERR_DEVPATH_NODE_SHORT;
            break;
        }
        if (len > avail - at) {
            st = PLAN_ERR_DEVPATH_NODE_PAST_END;
            break;
        }
        if (p[at] == 0x7f) { /* end of this instance or of the whole path */
            st = t.full ? PLAN_ERR_DEVPATH_TEXT_FULL : PLAN_OK;
            break;
        }
        if (at)
            put(&t, "/");
        describe_node(&t, p + at, len, kind);
        at += len;
    }
    if (st != PLAN_OK) {
        *kind = DEVPATH_OTHER;
        if (text_size)
            text[0] = '\0';
    }
    return st;
}

bool devpath_has_uart(const uint8_t *path, size_t size)
{
    for (size_t pos = 0; pos + 4 <= size;) {
        uint8_t type = path[pos], subtype = path[pos + 1];
        size_t len = le_read(path + pos + 2, 2);
        if (len < 4 || len > size - pos)
            return false;
        if (type == 0x03 && subtype == 0x0e) /* messaging, UART */
            return true;
        if (type == 0x7f && subtype == 0xff) /* end of the whole path */
            return false;
        pos += len;
    }
    return false;
}
