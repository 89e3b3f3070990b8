/* The two <string.h> functions efi/ uses, for the IA32 build: Debian ships no 32-bit libc
 * headers with gcc, and gnu-efi's libefi defines both. */
#ifndef IA32_STRING_H
#define IA32_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

#endif
