/* The first 16550 UART (COM1, I/O port 0x3F8): report lines reach a host even when the
 * console is a framebuffer nobody sees. */
#ifndef EFI_SERIAL_H
#define EFI_SERIAL_H

void serial_init(void);
void serial_write(const char *s);

#endif
