/* printf-style formatting into a bounded buffer, for a firmware app without libc. */
#ifndef EFI_TEXT_H
#define EFI_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Supports %s %c %d %u %x and %%, with optional '-' (strings) or '0' flags, width, l/ll.
 * Never writes past size; returns the length written (without the NUL). */
size_t text_vformat(char *buf, size_t size, const char *fmt, va_list ap);
size_t text_format(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
