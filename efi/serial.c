/* Polled output on COM1: see serial.h. */
#include "serial.h"

#include "cpu.h"

#define COM1     0x3f8
#define LSR      5
#define LSR_THRE 0x20 /* transmit holding register empty */

void serial_init(void)
{
    cpu_outb(COM1 + 1, 0x00); /* no interrupts */
    cpu_outb(COM1 + 3, 0x80); /* DLAB on */
    cpu_outb(COM1 + 0, 0x01); /* 115200 baud */
    cpu_outb(COM1 + 1, 0x00);
    cpu_outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
    cpu_outb(COM1 + 2, 0xc7); /* FIFO on and cleared */
}

void serial_write(const char *s)
{
    for (; *s; s++) {
        /* Bounded wait: a missing UART reads 0xff and must not hang the app. */
        for (int spin = 0; spin < 100000 && !(cpu_inb(COM1 + LSR) & LSR_THRE); spin++)
            ;
        cpu_outb(COM1, (uint8_t)*s);
    }
}
