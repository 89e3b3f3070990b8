/* isa-debug-exit: see qemu_exit.h. */
#include "qemu_exit.h"

#include "cpu.h"

#define DEBUG_EXIT_PORT 0xf4

void qemu_exit(bool pass)
{
    uint32_t r[4];
    cpu_cpuid(1, 0, r);
    if (!((r[2] >> 31) & 1))
        return; /* bare metal: port 0xF4 may belong to real hardware */
    /* QEMU exits with (value << 1) | 1. */
    cpu_outb(DEBUG_EXIT_PORT, pass ? 0x10 : 0x11);
}
