/* The app's first instructions: see start.h. Assembly only, so no SSE can run before the
 * CPU is ready for it. */
#include "start.h"

#include <stddef.h>

__attribute__((visibility("hidden"))) struct entry_state entry_state;

_Static_assert(offsetof(struct entry_state, fw_cr0) == 0, "start.c assembly offsets");
_Static_assert(offsetof(struct entry_state, fw_cr4) == 8, "start.c assembly offsets");
_Static_assert(offsetof(struct entry_state, app_cr0) == 16, "start.c assembly offsets");
_Static_assert(offsetof(struct entry_state, app_cr4) == 24, "start.c assembly offsets");
_Static_assert(offsetof(struct entry_state, fw_mxcsr) == 32, "start.c assembly offsets");
_Static_assert(offsetof(struct entry_state, sse_enabled) == 40, "start.c assembly offsets");
_Static_assert(offsetof(struct entry_state, mxcsr_set) == 48, "start.c assembly offsets");
_Static_assert(offsetof(struct entry_state, real_cr0) == 56, "start.c assembly offsets");
_Static_assert(offsetof(struct entry_state, real_cr4) == 64, "start.c assembly offsets");

#ifdef PAGETK_TEST_PERSONAS
/* Test-only: the sse-off persona. The CPU is made to look as U-Boot hands it over (CR4
 * without OSFXSR and OSXMMEXCPT, CR0 without MP) before the entry step runs; the real
 * values come back last, after the firmware's as the app saw them. */
#define PERSONA_SSE_OFF                                                                            \
    "  mov %cr0, %rax\n"                                                                           \
    "  mov %rax, entry_state+56(%rip)\n"                                                           \
    "  mov %cr4, %rcx\n"                                                                           \
    "  mov %rcx, entry_state+64(%rip)\n"                                                           \
    "  and $-0x601, %rcx\n"                                                                        \
    "  mov %rcx, %cr4\n"                                                                           \
    "  and $-3, %rax\n"                                                                            \
    "  mov %rax, %cr0\n"
/* Then, SSE off again, the verdict goes to QEMU's isa-debug-exit from here: PASS only if
 * the app passed (status 0) and CR0 and CR4 are the real firmware's again. */
#define PERSONA_SSE_BACK                                                                           \
    "  mov entry_state+56(%rip), %rax\n"                                                           \
    "  mov %rax, %cr0\n"                                                                           \
    "  mov entry_state+64(%rip), %rax\n"                                                           \
    "  mov %rax, %cr4\n"                                                                           \
    "  mov $0x11, %eax\n"                                                                          \
    "  test %rbx, %rbx\n"                                                                          \
    "  jnz 6f\n"                                                                                   \
    "  mov %cr0, %rcx\n"                                                                           \
    "  cmp entry_state+56(%rip), %rcx\n"                                                           \
    "  jne 6f\n"                                                                                   \
    "  mov %cr4, %rcx\n"                                                                           \
    "  cmp entry_state+64(%rip), %rcx\n"                                                           \
    "  jne 6f\n"                                                                                   \
    "  mov $0x10, %eax\n"                                                                          \
    "6:\n"                                                                                         \
    "  outb %al, $0xf4\n"
#else
#define PERSONA_SSE_OFF  ""
#define PERSONA_SSE_BACK ""
#endif

/* efi_main(image, systab), System V: the entry step with interrupts off (a firmware timer
 * handler must not run between a persona's change and the fix), app_main, then the
 * firmware's CR0, CR4 and MXCSR back. */
__asm__(".text\n"
        ".globl efi_main\n"
        "efi_main:\n"
        "  push %rbx\n  push %r12\n  push %r13\n"
        "  mov %rdi, %r12\n"
        "  mov %rsi, %r13\n"
        "  pushfq\n"
        "  cli\n" PERSONA_SSE_OFF "  call entry_sane_cpu\n"
        "  popfq\n"
        "  mov %r12, %rdi\n"
        "  mov %r13, %rsi\n"
        "  call app_main\n"
        "  mov %rax, %rbx\n"
        "  pushfq\n"
        "  cli\n"
        "  cmpq $0, entry_state+48(%rip)\n"
        "  je 1f\n"
        "  ldmxcsr entry_state+32(%rip)\n"
        "1:\n"
        "  mov entry_state+0(%rip), %rax\n"
        "  mov %rax, %cr0\n"
        "  mov entry_state+8(%rip), %rax\n"
        "  mov %rax, %cr4\n" PERSONA_SSE_BACK "  popfq\n"
        "  mov %rbx, %rax\n"
        "  pop %r13\n  pop %r12\n  pop %rbx\n"
        "  ret\n"

        /* SSE is usable when CR4.OSFXSR and OSXMMEXCPT are set, CR0.MP is set and CR0.EM
         * and TS are clear. Uses rax, rcx, rdx only. */
        "entry_sane_cpu:\n"
        "  mov %cr0, %rax\n"
        "  mov %rax, entry_state+0(%rip)\n"
        "  mov %cr4, %rcx\n"
        "  mov %rcx, entry_state+8(%rip)\n"
        "  mov %ecx, %edx\n"
        "  and $0x600, %edx\n"
        "  cmp $0x600, %edx\n"
        "  jne 1f\n"
        "  mov %eax, %edx\n"
        "  and $0xe, %edx\n"
        "  cmp $0x2, %edx\n"
        "  jne 1f\n"
        "  movq $0, entry_state+32(%rip)\n"
        "  stmxcsr entry_state+32(%rip)\n"
        "  cmpl $0x1f80, entry_state+32(%rip)\n"
        "  je 2f\n"
        "  movq $1, entry_state+48(%rip)\n"
        "  jmp 3f\n"
        "1:\n"
        "  or $0x600, %rcx\n"
        "  mov %rcx, %cr4\n"
        "  or $0x2, %rax\n"
        "  and $-13, %rax\n"
        "  mov %rax, %cr0\n"
        "  fninit\n"
        "  movq $1, entry_state+40(%rip)\n"
        "3:\n"
        "  pushq $0x1f80\n"
        "  ldmxcsr (%rsp)\n"
        "  add $8, %rsp\n"
        "2:\n"
        "  mov %cr0, %rax\n"
        "  mov %rax, entry_state+16(%rip)\n"
        "  mov %cr4, %rax\n"
        "  mov %rax, entry_state+24(%rip)\n"
        "  ret\n");
