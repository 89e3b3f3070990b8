/* The smallest app that boots, prints and exits QEMU: the baseline for the boot cost. */
#include <efi.h>
#include <efilib.h>

#include "qemu_exit.h"

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    InitializeLib(image, systab);
    Print(L"minimal app\nRESULT: PASS checks=0\n");
    qemu_exit(true);
    return EFI_SUCCESS;
}
