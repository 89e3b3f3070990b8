/* Device paths: finding the serial port the firmware's console reaches. */
#include "check.h"
#include "devpath_parse.h"

/* PciRoot(0)/Pci(1f,0)/Serial/Uart(115200,8,N,1)/VenMsg(PcAnsi), then the end. */
static const uint8_t serial_console[] = {
    0x02, 0x01, 0x0c, 0x00, 0xd0, 0x41, 0x03, 0x0a, 0x00, 0x00, 0x00, 0x00, /* ACPI */
    0x01, 0x01, 0x06, 0x00, 0x00, 0x1f,                                     /* PCI */
    0x03, 0x0e, 0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc2, 0x01, 0x00, /* UART */
    0x00, 0x00, 0x00, 0x00, 0x08, 0x01, 0x01,                               /* 19 bytes */
    0x7f, 0xff, 0x04, 0x00};

static void uart_found_and_hostile_paths_refused(void)
{
    uint8_t p[64];
    CHECK(devpath_has_uart(serial_console, sizeof serial_console));
    /* Cut short inside the UART node: it runs past size. */
    CHECK(!devpath_has_uart(serial_console, 25));
    /* A graphics console only: ACPI, PCI, end. */
    static const uint8_t gop[] = {0x02, 0x01, 0x0c, 0x00, 0xd0, 0x41, 0x03, 0x0a, 0,    0,    0,
                                  0,    0x01, 0x01, 0x06, 0x00, 0x00, 0x02, 0x7f, 0xff, 0x04, 0x00};
    CHECK(!devpath_has_uart(gop, sizeof gop));
    /* A UART after the final end node is not part of the path. */
    for (unsigned i = 0; i < sizeof gop; i++)
        p[i] = gop[i];
    for (unsigned i = 0; i < 19; i++)
        p[sizeof gop + i] = serial_console[18 + i];
    CHECK(!devpath_has_uart(p, sizeof gop + 19));
    /* A multi-instance path: the UART in the second instance counts. */
    for (unsigned i = 0; i < sizeof gop; i++)
        p[i] = gop[i];
    p[sizeof gop - 3] = 0x01; /* end of this instance */
    for (unsigned i = 0; i < 19; i++)
        p[sizeof gop + i] = serial_console[18 + i];
    CHECK(devpath_has_uart(p, sizeof gop + 19));
    /* A zero-length node would loop forever: refused. */
    static const uint8_t zero[] = {0x01, 0x01, 0x00, 0x00, 0x03, 0x0e, 0x04, 0x00};
    CHECK(!devpath_has_uart(zero, sizeof zero));
    CHECK(!devpath_has_uart(serial_console, 3));
    CHECK(!devpath_has_uart(serial_console, 0));
}

TEST_SUITE(devpath_tests) = {
    {"devpath/uart_found_and_hostile_paths_refused", uart_found_and_hostile_paths_refused},
    {NULL, NULL},
};
