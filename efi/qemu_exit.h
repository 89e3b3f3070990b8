/* Ending a QEMU run with the verdict as its exit status (isa-debug-exit at port 0xF4). */
#ifndef EFI_QEMU_EXIT_H
#define EFI_QEMU_EXIT_H

#include <stdbool.h>

/* QEMU exits with 33 on pass and 35 on fail. Returns only when not under a hypervisor
 * (or when the device is absent). */
void qemu_exit(bool pass);

#endif
