/* Where a report comes from and where it goes: the boot device's kind and text from raw
 * device-path bytes (hostile ones too), and the fleet file name. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "devpath_parse.h"
#include "fleet_name.h"

static size_t node(uint8_t *p, uint8_t type, uint8_t sub, const uint8_t *data, size_t n)
{
    p[0] = type;
    p[1] = sub;
    p[2] = (uint8_t)(4 + n);
    p[3] = 0;
    if (n)
        memcpy(p + 4, data, n);
    return 4 + n;
}

/* PciRoot(0)/Pci(2,0)/<middle>/HD(1,GPT,guid)/end */
static size_t path(uint8_t *p, uint8_t sub, const uint8_t *data, size_t n)
{
    const uint8_t acpi[] = {0xd0, 0x41, 0x03, 0x0a, 0, 0, 0, 0};
    const uint8_t pci[] = {0, 2};
    uint8_t hd[38] = {1, 0, 0, 0};
    memset(hd + 20, 0xab, 16); /* the partition GUID */
    size_t at = node(p, 2, 1, acpi, sizeof acpi);
    at += node(p + at, 1, 1, pci, sizeof pci);
    at += node(p + at, 3, sub, data, n);
    at += node(p + at, 4, 1, hd, sizeof hd);
    at += node(p + at, 0x7f, 0xff, NULL, 0);
    return at;
}

static void devpath_kinds_and_text(void)
{
    uint8_t p[256];
    unsigned kind;
    char text[128];
    const uint8_t usb[] = {3, 0};
    size_t n = path(p, 5, usb, sizeof usb);
    CHECK_EQ(devpath_describe(p, n, &kind, text, sizeof text), PLAN_OK);
    CHECK_EQ(kind, DEVPATH_USB);
    CHECK(!strcmp(text, "PciRoot(0x0)/Pci(0x2,0x0)/USB(0x3,0x0)/HD(0x1)"));
    CHECK(!strcmp(devpath_kind_name(kind), "USB"));

    const uint8_t nvme[] = {1, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    n = path(p, 23, nvme, sizeof nvme);
    CHECK_EQ(devpath_describe(p, n, &kind, text, sizeof text), PLAN_OK);
    CHECK_EQ(kind, DEVPATH_NVME);
    CHECK(!strcmp(text, "PciRoot(0x0)/Pci(0x2,0x0)/NVMe(0x1)/HD(0x1)")); /* no EUI-64 */

    const uint8_t sata[] = {1, 0, 0xff, 0xff, 0, 0};
    n = path(p, 18, sata, sizeof sata);
    CHECK_EQ(devpath_describe(p, n, &kind, text, sizeof text), PLAN_OK);
    CHECK_EQ(kind, DEVPATH_SATA);
    CHECK(!strcmp(text, "PciRoot(0x0)/Pci(0x2,0x0)/Sata(0x1,0xffff,0x0)/HD(0x1)"));

    const uint8_t mac[33] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    n = path(p, 11, mac, sizeof mac);
    CHECK_EQ(devpath_describe(p, n, &kind, text, sizeof text), PLAN_OK);
    CHECK_EQ(kind, DEVPATH_OTHER);
    CHECK(!strcmp(text, "PciRoot(0x0)/Pci(0x2,0x0)/MAC/HD(0x1)"));
    CHECK(!strstr(text, "52") && !strstr(text, "ab"));

    /* a node of an unlisted kind, cut short fields, and the text buffer too small */
    n = path(p, 99, NULL, 0);
    CHECK_EQ(devpath_describe(p, n, &kind, text, sizeof text), PLAN_OK);
    CHECK(!strcmp(text, "PciRoot(0x0)/Pci(0x2,0x0)/Msg(0x63)/HD(0x1)"));
    CHECK_EQ(devpath_describe(p, n, &kind, text, 10), PLAN_ERR_DEVPATH_TEXT_FULL);
    CHECK(!strcmp(text, ""));
}

static void devpath_hostile(void)
{
    uint8_t p[256];
    unsigned kind;
    char text[128];
    const uint8_t usb[] = {3, 0};
    size_t n = path(p, 5, usb, sizeof usb);
    CHECK_EQ(devpath_describe(p, n - 4, &kind, text, sizeof text), PLAN_ERR_DEVPATH_NO_END);
    CHECK_EQ(kind, DEVPATH_OTHER);
    CHECK(!strcmp(text, ""));
    CHECK_EQ(devpath_describe(p, n - 2, &kind, text, sizeof text), PLAN_ERR_DEVPATH_NODE_PAST_END);
    p[14] = 2; /* the Pci node's length below its header */
    CHECK_EQ(devpath_describe(p, n, &kind, text, sizeof text), PLAN_ERR_DEVPATH_NODE_SHORT);
    p[14] = 200; /* ...and past the end */
    CHECK_EQ(devpath_describe(p, n, &kind, text, sizeof text), PLAN_ERR_DEVPATH_NODE_PAST_END);
    /* a path of nodes that never ends */
    uint8_t loop[4 * (DEVPATH_MAX_NODES + 1)];
    for (size_t i = 0; i < sizeof loop; i += 4)
        node(loop + i, 1, 4, NULL, 0);
    CHECK_EQ(devpath_describe(loop, sizeof loop, &kind, text, sizeof text),
             PLAN_ERR_DEVPATH_NO_END);
    CHECK(!strcmp(plan_error_name(PLAN_ERR_DEVPATH_NODE_SHORT), "PLAN_ERR_DEVPATH_NODE_SHORT"));
    CHECK(!strcmp(plan_error_name(PLAN_ERR_COUNT), "PLAN_ERR_UNKNOWN"));
}

/* Random damage to a good path: never a read outside the bytes given (ASan watches an
 * exact-size copy); an accepted path's text is printable and names no 0xab GUID byte. */
static void devpath_random_damage(void)
{
    uint64_t rng = test_seed * 2654435761u + 7;
    uint8_t good[256];
    const uint8_t usb[] = {3, 0};
    size_t n = path(good, 5, usb, sizeof usb);
    unsigned ok = 0, refused = 0;
    for (int round = 0; round < 20000; round++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        size_t len = rng % (n + 1);
        uint8_t *p = malloc(len ? len : 1);
        memcpy(p, good, len);
        if (len)
            p[(rng >> 16) % len] = (uint8_t)(rng >> 32);
        unsigned kind;
        char text[64];
        if (devpath_describe(p, len, &kind, text, sizeof text) == PLAN_OK) {
            ok++;
            for (const char *c = text; *c; c++)
                CHECK(*c >= 0x20 && *c < 0x7f);
        } else {
            refused++;
            CHECK(!strcmp(text, "") && kind == DEVPATH_OTHER);
        }
        free(p);
    }
    printf("  random damage: %u paths accepted, %u refused, seed %llu\n", ok, refused,
           (unsigned long long)test_seed);
    CHECK(ok > 0 && refused > 0);
}

static void fleet_names(void)
{
    char name[FLEET_NAME_SIZE];
    struct fleet_time t = {2026, 11, 29, 9, 5, 7};
    fleet_name(name, &t, "Standard PC (Q35 + ICH9, 2009)", 1);
    CHECK(!strcmp(name, "20261129-090507-Standard-PC-Q35-ICH9-2009.txt"));
    fleet_name(name, &t, "Standard PC (Q35 + ICH9, 2009)", 12);
    CHECK(!strcmp(name, "20261129-090507-Standard-PC-Q35-ICH9-2009-12.txt"));
    fleet_name(name, &t, "  \\..//:*?\"<>|  ", 1);
    CHECK(!strcmp(name, "20261129-090507-unknown.txt"));
    fleet_name(name, &t, NULL, 1);
    CHECK(!strcmp(name, "20261129-090507-unknown.txt"));
    fleet_name(name, &t, "ThinkPad_X1 -- Carbon\xc3\xa9", 1);
    CHECK(!strcmp(name, "20261129-090507-ThinkPad_X1-Carbon.txt"));
    char longest[300];
    memset(longest, 'x', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    fleet_name(name, &t, longest, 4000000000u);
    CHECK_EQ(strlen(name), 16 + FLEET_PRODUCT_MAX + 11 + 4);
    CHECK(strlen(name) < FLEET_NAME_SIZE);
    struct fleet_time bad = {2026, 13, 1, 0, 0, 0};
    fleet_name(name, &bad, "PC", 1);
    CHECK(!strcmp(name, "00000000-000000-PC.txt"));
}

TEST_SUITE(names_tests) = {
    {"devpath_kinds_and_text", devpath_kinds_and_text},
    {"devpath_hostile", devpath_hostile},
    {"devpath_random_damage", devpath_random_damage},
    {"fleet_names", fleet_names},
    {NULL, NULL},
};
