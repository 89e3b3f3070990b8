/* The round trip from the firmware's 32-bit protected mode to long mode and back. */
#ifndef IA32_SWITCH32_H
#define IA32_SWITCH32_H

#include <stdint.h>

/* Byte offsets of struct long_call, for the assembly (checked against offsetof). */
#define LC_PML4     0
#define LC_ENTRY    4
#define LC_ARG      8
#define LC_EFER_SET 12
#define LC_GDT_DESC 50 /* lgdt operand: limit, 32-bit base */
#define LC_IDT_DESC 62 /* lidt operand in 64-bit mode: limit, 64-bit base */
#define LC_FAR      72 /* far jump target: offset, selector */
#define LC_FAR_SEL  76
#define LC_CR0      80
#define LC_CR3      84
#define LC_CR4      88
#define LC_EFER_LO  92
#define LC_EFER_HI  96
#define LC_FW_GDT   102
#define LC_FW_IDT   110
#define LC_ESP      116
#define LC_CS       120
#define LC_DS       122
#define LC_ES       124
#define LC_FS       126
#define LC_GS       128
#define LC_SS       130
#define LC_RESULT   132

/* Filled by switch32_call's caller (pml4 to idt_base) and by switch32_call itself (the
 * far jump target and everything it saves). */
struct long_call {
    uint32_t pml4;  /* CR3 in long mode, below 4 GiB */
    uint32_t entry; /* the 64-bit function, called with arg (System V) */
    uint32_t arg;
    uint32_t efer_set; /* EFER bits to set: LME, and NXE when the CPU has NX */
    uint64_t gdt[4];   /* null, 32-bit code 0x08, data 0x10, 64-bit code 0x18 */
    uint16_t pad0, gdt_limit;
    uint32_t gdt_base;
    uint16_t pad1[3], idt_limit;
    uint64_t idt_base; /* the IDT for 64-bit mode: empty until fault.c loads its own */
    uint32_t far_offset;
    uint16_t far_selector, pad2;
    /* Saved from the firmware, put back before the return. */
    uint32_t cr0, cr3, cr4;
    uint32_t efer_lo, efer_hi;
    uint16_t pad3, fw_gdt_limit;
    uint32_t fw_gdt_base;
    uint16_t pad4, fw_idt_limit;
    uint32_t fw_idt_base;
    uint32_t esp;
    uint16_t cs, ds, es, fs, gs, ss;
    uint32_t result; /* the 64-bit function's return, low half */
};

/* Interrupts off; the firmware's CR0, CR3, CR4, EFER, GDTR, IDTR, segments and EFLAGS
 * saved; our GDT; paging off; CR4.PAE, CR3, EFER, CR0.PG (and WP); a far jump to 64-bit code
 * calls entry(arg); then back through compatibility mode with paging off to everything the
 * firmware had, EFLAGS (so IF) last. Returns entry's result. The caller's code, stack and
 * c must be identity-mapped both by the firmware and by pml4. */
uint32_t switch32_call(struct long_call *c);

#endif
