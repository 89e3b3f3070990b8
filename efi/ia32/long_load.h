/* Loads the 64-bit part (an x86-64 position-independent ELF file built from core/ and the
 * checks, embedded in this app) into pages below 4 GiB and applies its relocations. */
#ifndef IA32_LONG_LOAD_H
#define IA32_LONG_LOAD_H

#include <efi.h>
#include <stddef.h>
#include <stdint.h>

#include "handoff.h"

enum long_load_status {
    LONG_LOAD_OK,
    LONG_LOAD_NOT_ELF64,   /* no ELF magic, not 64-bit little-endian x86-64, or not ET_DYN */
    LONG_LOAD_BAD_HEADERS, /* program headers or a segment outside the file */
    LONG_LOAD_TOO_MANY,    /* more loaded segments than the handoff can describe */
    LONG_LOAD_RELOCATION,  /* a relocation other than R_X86_64_RELATIVE, or outside the image */
    LONG_LOAD_NO_MEMORY,   /* boot services refused the pages */
    LONG_LOAD_STATUS_COUNT
};

struct long_image {
    EFI_PHYSICAL_ADDRESS base;
    UINTN pages;
    uint64_t entry;
    struct handoff_segment segments[HANDOFF_SEGMENTS];
    unsigned segment_count, relocations;
};

const char *long_load_status_name(enum long_load_status st);
enum long_load_status long_load(const uint8_t *elf, size_t size, struct long_image *img);
void long_unload(struct long_image *img);

/* The embedded file (long_image.c). */
extern const uint8_t long_elf[], long_elf_end[];

#endif
