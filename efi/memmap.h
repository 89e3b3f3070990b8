/* The UEFI memory map, fetched with the retries GetMemoryMap needs. */
#ifndef EFI_MEMMAP_H
#define EFI_MEMMAP_H

#include <efi.h>

struct memmap {
    void *buffer;
    UINTN size;      /* bytes of descriptors */
    UINTN capacity;  /* bytes allocated */
    UINTN desc_size; /* may exceed sizeof(EFI_MEMORY_DESCRIPTOR) */
    UINT32 desc_version;
    UINTN key;
};

/* Grows the buffer until the map fits (allocating may itself add descriptors), with room
 * for `spare` more descriptors: later reads into the same buffer may find them. */
EFI_STATUS memmap_read(struct memmap *mm, UINTN spare);
void memmap_free(struct memmap *mm);

#endif
