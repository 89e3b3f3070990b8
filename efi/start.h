/*
 * The app's first instructions. gnu-efi's crt0 calls efi_main, which is assembly: before
 * any compiled C runs (the compiler emits SSE in ordinary code), it gives the CPU what the
 * UEFI x64 calling convention lets an application assume, when the firmware has not:
 * CR4.OSFXSR and OSXMMEXCPT set, CR0.MP set and CR0.EM and TS clear, the x87 unit
 * initialised (FNINIT) and MXCSR at 0x1F80. It then calls app_main, and puts the
 * firmware's CR0, CR4 and MXCSR back before returning to the firmware.
 */
#ifndef EFI_START_H
#define EFI_START_H

#include <efi.h>
#include <stdbool.h>
#include <stdint.h>

#define CR0_MP         (1ull << 1)
#define CR0_EM         (1ull << 2)
#define CR0_TS         (1ull << 3)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define MXCSR_DEFAULT  0x1f80u

/* What the firmware handed over and what the entry step changed. */
struct entry_state {
    uint64_t fw_cr0, fw_cr4;     /* as the firmware left them */
    uint64_t app_cr0, app_cr4;   /* after the entry step */
    uint64_t fw_mxcsr;           /* valid only when SSE was on at entry */
    uint64_t sse_enabled;        /* 1: SSE was off and the entry step turned it on */
    uint64_t mxcsr_set;          /* 1: SSE was on but MXCSR was not 0x1F80 */
    uint64_t real_cr0, real_cr4; /* test build only: before the persona changed them */
};

extern __attribute__((visibility("hidden"))) struct entry_state entry_state;

/* The app proper: called by efi_main with gnu-efi's System V convention. */
EFI_STATUS app_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

#endif
