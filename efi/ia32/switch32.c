/* The mode switch: see switch32.h. Position-independent: addresses come from %ebx (the
 * code's own address) and %esi (the struct long_call). */
#include "switch32.h"

#include <stddef.h>

_Static_assert(offsetof(struct long_call, gdt) == 16, "switch32 offsets");
_Static_assert(offsetof(struct long_call, gdt_limit) == 50, "switch32 offsets");
_Static_assert(offsetof(struct long_call, idt_limit) == 58, "switch32 offsets");
_Static_assert(offsetof(struct long_call, far_offset) == 64, "switch32 offsets");
_Static_assert(offsetof(struct long_call, cr0) == 72, "switch32 offsets");
_Static_assert(offsetof(struct long_call, efer_lo) == 84, "switch32 offsets");
_Static_assert(offsetof(struct long_call, fw_gdt_limit) == 94, "switch32 offsets");
_Static_assert(offsetof(struct long_call, fw_idt_limit) == 102, "switch32 offsets");
_Static_assert(offsetof(struct long_call, esp) == 108, "switch32 offsets");
_Static_assert(offsetof(struct long_call, cs) == 112, "switch32 offsets");
_Static_assert(offsetof(struct long_call, result) == 124, "switch32 offsets");

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
        "  mov %cr0, %eax\n  mov %eax, 72(%esi)\n"
        "  mov %cr3, %eax\n  mov %eax, 76(%esi)\n"
        "  mov %cr4, %eax\n  mov %eax, 80(%esi)\n"
        "  mov $0xc0000080, %ecx\n  rdmsr\n"
        "  mov %eax, 84(%esi)\n  mov %edx, 88(%esi)\n"
        "  sgdt 94(%esi)\n  sidt 102(%esi)\n"
        "  mov %esp, 108(%esi)\n"
        "  mov %cs, 112(%esi)\n  mov %ds, 114(%esi)\n  mov %es, 116(%esi)\n"
        "  mov %fs, 118(%esi)\n  mov %gs, 120(%esi)\n  mov %ss, 122(%esi)\n"
        /* Our GDT and its 32-bit code segment. */
        "  lgdt 50(%esi)\n"
        "  lea (2f-1b)(%ebx), %eax\n"
        "  mov %eax, 64(%esi)\n  movw $0x08, 68(%esi)\n"
        "  ljmp *64(%esi)\n"
        "2:\n"
        "  mov $0x10, %eax\n"
        "  mov %eax, %ds\n  mov %eax, %es\n  mov %eax, %fs\n  mov %eax, %gs\n  mov %eax, %ss\n"
        /* Paging off (the code runs 1:1), then PAE, our root, LME, paging on. */
        "  mov %cr0, %eax\n  and $0x7fffffff, %eax\n  mov %eax, %cr0\n"
        "  mov %cr4, %eax\n  or $0x20, %eax\n  mov %eax, %cr4\n"
        "  mov 0(%esi), %eax\n  mov %eax, %cr3\n"
        "  mov $0xc0000080, %ecx\n  rdmsr\n  or 12(%esi), %eax\n  wrmsr\n"
        "  mov %cr0, %eax\n  or $0x80010000, %eax\n  mov %eax, %cr0\n"
        "  lea (3f-1b)(%ebx), %eax\n"
        "  mov %eax, 64(%esi)\n  movw $0x18, 68(%esi)\n"
        "  ljmp *64(%esi)\n"
        ".code64\n"
        "3:\n"
        /* Upper halves are undefined after the switch: clear them. */
        "  mov %esp, %esp\n  mov %esi, %esi\n  mov %ebx, %ebx\n"
        "  lidt 58(%rsi)\n"
        "  mov %rsi, %r12\n  mov %rsp, %r13\n"
        "  and $-16, %rsp\n"
        "  mov 8(%rsi), %edi\n"
        "  mov 4(%rsi), %eax\n"
        "  call *%rax\n"
        "  mov %r13, %rsp\n  mov %r12, %rsi\n"
        "  mov %eax, 124(%rsi)\n"
        /* To compatibility mode in our 32-bit code segment. */
        "  lea (4f-1b)(%rbx), %rax\n"
        "  pushq $0x08\n  push %rax\n"
        "  lretq\n"
        ".code32\n"
        "4:\n"
        /* Paging off leaves long mode; then the firmware's EFER, CR4, CR3, CR0. */
        "  mov %cr0, %eax\n  and $0x7fffffff, %eax\n  mov %eax, %cr0\n"
        "  mov $0xc0000080, %ecx\n  mov 84(%esi), %eax\n  mov 88(%esi), %edx\n  wrmsr\n"
        "  mov 80(%esi), %eax\n  mov %eax, %cr4\n"
        "  mov 76(%esi), %eax\n  mov %eax, %cr3\n"
        "  mov 72(%esi), %eax\n  mov %eax, %cr0\n"
        /* The firmware's GDT, code segment, data segments, stack, IDT, flags. */
        "  lgdt 94(%esi)\n"
        "  lea (5f-1b)(%ebx), %eax\n"
        "  mov %eax, 64(%esi)\n"
        "  mov 112(%esi), %ax\n  mov %ax, 68(%esi)\n"
        "  ljmp *64(%esi)\n"
        "5:\n"
        "  mov 114(%esi), %ds\n  mov 116(%esi), %es\n  mov 118(%esi), %fs\n"
        "  mov 120(%esi), %gs\n  mov 122(%esi), %ss\n"
        "  mov 108(%esi), %esp\n"
        "  lidt 102(%esi)\n"
        "  mov 124(%esi), %eax\n"
        "  popfl\n"
        "  pop %edi\n  pop %esi\n  pop %ebx\n  pop %ebp\n"
        "  ret\n");
