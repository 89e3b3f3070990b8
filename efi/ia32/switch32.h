/* The round trip from the firmware's 32-bit protected mode to long mode and back. */
#ifndef IA32_SWITCH32_H
#define IA32_SWITCH32_H

#include <stdint.h>

/* Filled by switch32_call's caller (pml4 to efer_set) and by switch32_call itself (the GDT
 * descriptor and everything it saves). Offsets are fixed: the assembly uses them. */
struct long_call {
    uint32_t pml4;     /* 0: CR3 in long mode, below 4 GiB */
    uint32_t entry;    /* 4: the 64-bit function, called with arg (System V) */
    uint32_t arg;      /* 8 */
    uint32_t efer_set; /* 12: EFER bits to set: LME, and NXE when the CPU has NX */
    uint64_t gdt[4];   /* 16: null, 32-bit code 0x08, data 0x10, 64-bit code 0x18 */
    uint16_t pad0, gdt_limit;
    uint32_t gdt_base; /* 50: lgdt operand */
    uint16_t pad1, idt_limit;
    uint32_t idt_base; /* 58: lidt operand for 64-bit mode: empty until fault.c loads its own */
    uint32_t far_offset;
    uint16_t far_selector, pad2; /* 64: far jump target */
    /* Saved from the firmware, put back before the return. */
    uint32_t cr0, cr3, cr4;    /* 72 */
    uint32_t efer_lo, efer_hi; /* 84 */
    uint16_t pad3, fw_gdt_limit;
    uint32_t fw_gdt_base; /* 94: sgdt operand */
    uint16_t pad4, fw_idt_limit;
    uint32_t fw_idt_base;            /* 102: sidt operand */
    uint32_t esp;                    /* 108 */
    uint16_t cs, ds, es, fs, gs, ss; /* 112 */
    uint32_t result;                 /* 124: the 64-bit function's return, low half */
};

/* Interrupts off; the firmware's CR0, CR3, CR4, EFER, GDTR, IDTR, segments and EFLAGS
 * saved; our GDT; paging off; CR4.PAE, CR3, EFER, CR0.PG (and WP); a far jump to 64-bit code
 * calls entry(arg); then back through compatibility mode with paging off to everything the
 * firmware had, EFLAGS (so IF) last. Returns entry's result. The caller's code, stack and
 * c must be identity-mapped both by the firmware and by pml4. */
uint32_t switch32_call(struct long_call *c);

#endif
