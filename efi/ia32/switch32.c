/* The mode switch: see switch32.h. Position-independent: addresses come from %ebx (the
 * code's own address) and %esi (the struct long_call). */
#include "switch32.h"

#include <stddef.h>

#define STR2(x) #x
#define STR(x)  STR2(x)
#define AT(off) STR(off) "(%esi)"

_Static_assert(offsetof(struct long_call, pml4) == LC_PML4, "switch32 offsets");
_Static_assert(offsetof(struct long_call, entry) == LC_ENTRY, "switch32 offsets");
_Static_assert(offsetof(struct long_call, arg) == LC_ARG, "switch32 offsets");
_Static_assert(offsetof(struct long_call, efer_set) == LC_EFER_SET, "switch32 offsets");
_Static_assert(offsetof(struct long_call, gdt_limit) == LC_GDT_DESC, "switch32 offsets");
_Static_assert(offsetof(struct long_call, gdt_base) == LC_GDT_DESC + 2, "switch32 offsets");
_Static_assert(offsetof(struct long_call, idt_limit) == LC_IDT_DESC, "switch32 offsets");
_Static_assert(offsetof(struct long_call, idt_base) == LC_IDT_DESC + 2, "switch32 offsets");
_Static_assert(offsetof(struct long_call, far_offset) == LC_FAR, "switch32 offsets");
_Static_assert(offsetof(struct long_call, far_selector) == LC_FAR_SEL, "switch32 offsets");
_Static_assert(offsetof(struct long_call, cr0) == LC_CR0, "switch32 offsets");
_Static_assert(offsetof(struct long_call, cr3) == LC_CR3, "switch32 offsets");
_Static_assert(offsetof(struct long_call, cr4) == LC_CR4, "switch32 offsets");
_Static_assert(offsetof(struct long_call, efer_lo) == LC_EFER_LO, "switch32 offsets");
_Static_assert(offsetof(struct long_call, efer_hi) == LC_EFER_HI, "switch32 offsets");
_Static_assert(offsetof(struct long_call, fw_gdt_limit) == LC_FW_GDT, "switch32 offsets");
_Static_assert(offsetof(struct long_call, fw_idt_limit) == LC_FW_IDT, "switch32 offsets");
_Static_assert(offsetof(struct long_call, esp) == LC_ESP, "switch32 offsets");
_Static_assert(offsetof(struct long_call, cs) == LC_CS, "switch32 offsets");
_Static_assert(offsetof(struct long_call, ds) == LC_DS, "switch32 offsets");
_Static_assert(offsetof(struct long_call, es) == LC_ES, "switch32 offsets");
_Static_assert(offsetof(struct long_call, fs) == LC_FS, "switch32 offsets");
_Static_assert(offsetof(struct long_call, gs) == LC_GS, "switch32 offsets");
_Static_assert(offsetof(struct long_call, ss) == LC_SS, "switch32 offsets");
_Static_assert(offsetof(struct long_call, result) == LC_RESULT, "switch32 offsets");

/* Formatting off: one instruction group a line reads better than the formatter's layout
 * of strings joined with macros. */
// clang-format off
__asm__(".text\n"
        ".globl switch32_call\n"
        ".hidden switch32_call\n"
        "switch32_call:\n"
        "  push %ebp\n  push %ebx\n  push %esi\n  push %edi\n"
        "  mov 20(%esp), %esi\n"
        "  call 1f\n"
        "1:\n"
        "  pop %ebx\n"
        "  pushfl\n"
        "  cli\n"
        /* What the firmware runs on. */
        "  mov %cr0, %eax\n  mov %eax, " AT(LC_CR0) "\n"
        "  mov %cr3, %eax\n  mov %eax, " AT(LC_CR3) "\n"
        "  mov %cr4, %eax\n  mov %eax, " AT(LC_CR4) "\n"
        "  mov $0xc0000080, %ecx\n  rdmsr\n"
        "  mov %eax, " AT(LC_EFER_LO) "\n  mov %edx, " AT(LC_EFER_HI) "\n"
        "  sgdt " AT(LC_FW_GDT) "\n  sidt " AT(LC_FW_IDT) "\n"
        "  mov %esp, " AT(LC_ESP) "\n"
        "  mov %cs, " AT(LC_CS) "\n  mov %ds, " AT(LC_DS) "\n  mov %es, " AT(LC_ES) "\n"
        "  mov %fs, " AT(LC_FS) "\n  mov %gs, " AT(LC_GS) "\n  mov %ss, " AT(LC_SS) "\n"
        /* Our GDT and its 32-bit code segment. */
        "  lgdt " AT(LC_GDT_DESC) "\n"
        "  lea (2f-1b)(%ebx), %eax\n"
        "  mov %eax, " AT(LC_FAR) "\n  movw $0x08, " AT(LC_FAR_SEL) "\n"
        "  ljmp *" AT(LC_FAR) "\n"
        "2:\n"
        "  mov $0x10, %eax\n"
        "  mov %eax, %ds\n  mov %eax, %es\n  mov %eax, %fs\n  mov %eax, %gs\n  mov %eax, %ss\n"
        /* Paging off (the code runs 1:1), then PAE, our root, LME, paging on. */
        "  mov %cr0, %eax\n  and $0x7fffffff, %eax\n  mov %eax, %cr0\n"
        "  mov %cr4, %eax\n  or $0x20, %eax\n  mov %eax, %cr4\n"
        "  mov " AT(LC_PML4) ", %eax\n  mov %eax, %cr3\n"
        "  mov $0xc0000080, %ecx\n  rdmsr\n  or " AT(LC_EFER_SET) ", %eax\n  wrmsr\n"
        "  mov %cr0, %eax\n  or $0x80010000, %eax\n  mov %eax, %cr0\n"
        "  lea (3f-1b)(%ebx), %eax\n"
        "  mov %eax, " AT(LC_FAR) "\n  movw $0x18, " AT(LC_FAR_SEL) "\n"
        "  ljmp *" AT(LC_FAR) "\n"
        ".code64\n"
        "3:\n"
        /* Upper halves are undefined after the switch: clear them. */
        "  mov %esp, %esp\n  mov %esi, %esi\n  mov %ebx, %ebx\n"
        "  lidt " STR(LC_IDT_DESC) "(%rsi)\n"
        "  mov %rsi, %r12\n  mov %rsp, %r13\n"
        "  and $-16, %rsp\n"
        "  mov " STR(LC_ARG) "(%rsi), %edi\n"
        "  mov " STR(LC_ENTRY) "(%rsi), %eax\n"
        "  call *%rax\n"
        "  mov %r13, %rsp\n  mov %r12, %rsi\n"
        "  mov %eax, " STR(LC_RESULT) "(%rsi)\n"
        /* To compatibility mode in our 32-bit code segment. */
        "  lea (4f-1b)(%rbx), %rax\n"
        "  pushq $0x08\n  push %rax\n"
        "  lretq\n"
        ".code32\n"
        "4:\n"
        /* Paging off leaves long mode; then the firmware's EFER, CR4, CR3, CR0. */
        "  mov %cr0, %eax\n  and $0x7fffffff, %eax\n  mov %eax, %cr0\n"
        "  mov $0xc0000080, %ecx\n  mov " AT(LC_EFER_LO) ", %eax\n  mov " AT(LC_EFER_HI) ", %edx\n"
        "  wrmsr\n"
        "  mov " AT(LC_CR4) ", %eax\n  mov %eax, %cr4\n"
        "  mov " AT(LC_CR3) ", %eax\n  mov %eax, %cr3\n"
        "  mov " AT(LC_CR0) ", %eax\n  mov %eax, %cr0\n"
        /* The firmware's GDT, code segment, data segments, stack, IDT, flags. */
        "  lgdt " AT(LC_FW_GDT) "\n"
        "  lea (5f-1b)(%ebx), %eax\n"
        "  mov %eax, " AT(LC_FAR) "\n"
        "  mov " AT(LC_CS) ", %ax\n  mov %ax, " AT(LC_FAR_SEL) "\n"
        "  ljmp *" AT(LC_FAR) "\n"
        "5:\n"
        "  mov " AT(LC_DS) ", %ds\n  mov " AT(LC_ES) ", %es\n  mov " AT(LC_FS) ", %fs\n"
        "  mov " AT(LC_GS) ", %gs\n  mov " AT(LC_SS) ", %ss\n"
        "  mov " AT(LC_ESP) ", %esp\n"
        "  lidt " AT(LC_FW_IDT) "\n"
        "  mov " AT(LC_RESULT) ", %eax\n"
        "  popfl\n"
        "  pop %edi\n  pop %esi\n  pop %ebx\n  pop %ebp\n"
        "  ret\n");
// clang-format on
