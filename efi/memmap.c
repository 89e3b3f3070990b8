/* Fetching the memory map: see memmap.h. */
#include "memmap.h"

#include <efilib.h>

EFI_STATUS memmap_read(struct memmap *mm, UINTN spare)
{
    mm->buffer = NULL;
    mm->capacity = 0;
    for (int attempt = 0; attempt < 8; attempt++) {
        mm->size = mm->capacity;
        EFI_STATUS st = uefi_call_wrapper(BS->GetMemoryMap, 5, &mm->size, mm->buffer, &mm->key,
                                          &mm->desc_size, &mm->desc_version);
        if (st != EFI_BUFFER_TOO_SMALL)
            return st;
        if (mm->buffer)
            uefi_call_wrapper(BS->FreePool, 1, mm->buffer);
        mm->capacity = mm->size + spare * mm->desc_size;
        st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, mm->capacity, &mm->buffer);
        if (EFI_ERROR(st)) {
            mm->buffer = NULL;
            return st;
        }
    }
    return EFI_BUFFER_TOO_SMALL;
}

void memmap_free(struct memmap *mm)
{
    if (mm->buffer)
        uefi_call_wrapper(BS->FreePool, 1, mm->buffer);
    mm->buffer = NULL;
}
