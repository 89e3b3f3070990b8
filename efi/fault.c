/* Fault handler, probes and guard: see fault.h. */
#include "fault.h"
#include "cpu.h"

#define HIDDEN __attribute__((visibility("hidden")))

HIDDEN volatile uint64_t fault_resume; /* where an expected fault continues, or 0 */
HIDDEN volatile uint64_t guard_active; /* inside guarded_call */
HIDDEN volatile uint64_t guard_rsp;    /* guarded_call's stack after saving registers */
HIDDEN volatile uint64_t fault_vector, fault_error, fault_rip, fault_cr2, fault_total;
HIDDEN volatile uint64_t chain_pf, chain_gp; /* the firmware's handlers */

void fault_stub_pf(void);
void fault_stub_gp(void);

/* The CPU pushes error code, RIP, CS, RFLAGS, RSP, SS; the stub adds the vector. */
__asm__(".text\n"
        ".globl fault_stub_pf\n.hidden fault_stub_pf\n"
        "fault_stub_pf:\n"
        "  pushq $14\n"
        "  jmp fault_common\n"
        ".globl fault_stub_gp\n.hidden fault_stub_gp\n"
        "fault_stub_gp:\n"
        "  pushq $13\n"
        "fault_common:\n"
        "  push %rax\n"
        "  mov 8(%rsp), %rax\n"
        "  mov %rax, fault_vector(%rip)\n"
        "  mov 16(%rsp), %rax\n"
        "  mov %rax, fault_error(%rip)\n"
        "  mov 24(%rsp), %rax\n"
        "  mov %rax, fault_rip(%rip)\n"
        "  mov %cr2, %rax\n"
        "  mov %rax, fault_cr2(%rip)\n"
        "  lock incq fault_total(%rip)\n"
        "  mov fault_resume(%rip), %rax\n"
        "  test %rax, %rax\n"
        "  jnz 1f\n"
        "  mov guard_active(%rip), %rax\n"
        "  test %rax, %rax\n"
        "  jz 2f\n"
        "  lea guard_abort(%rip), %rax\n"
        "1:\n"
        "  mov %rax, 24(%rsp)\n"
        "  movq $0, fault_resume(%rip)\n"
        "  pop %rax\n"
        "  add $16, %rsp\n"
        "  iretq\n"
        "2:\n"
        "  cmpq $14, 8(%rsp)\n"
        "  pop %rax\n"
        "  lea 8(%rsp), %rsp\n"
        "  je 3f\n"
        "  jmp *chain_gp(%rip)\n"
        "3:\n"
        "  jmp *chain_pf(%rip)\n"

        ".globl probe_read\n.hidden probe_read\n"
        "probe_read:\n"
        "  lea 1f(%rip), %rax\n"
        "  mov %rax, fault_resume(%rip)\n"
        "  mov (%rdi), %rax\n"
        "  movq $0, fault_resume(%rip)\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        "1:\n"
        "  mov $1, %eax\n"
        "  ret\n"

        ".globl probe_write\n.hidden probe_write\n"
        "probe_write:\n"
        "  lea 1f(%rip), %rax\n"
        "  mov %rax, fault_resume(%rip)\n"
        "  mov %rsi, (%rdi)\n"
        "  movq $0, fault_resume(%rip)\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        "1:\n"
        "  mov $1, %eax\n"
        "  ret\n"

        /* A fetch fault leaves the return address pushed: drop it on recovery. */
        ".globl probe_exec\n.hidden probe_exec\n"
        "probe_exec:\n"
        "  lea 1f(%rip), %rax\n"
        "  mov %rax, fault_resume(%rip)\n"
        "  call *%rdi\n"
        "  movq $0, fault_resume(%rip)\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        "1:\n"
        "  add $8, %rsp\n"
        "  mov $1, %eax\n"
        "  ret\n"

        /* call_on_stack(fn, arg, top): fn(arg) with RSP at top, then the old stack back. */
        ".globl call_on_stack\n.hidden call_on_stack\n"
        "call_on_stack:\n"
        "  push %rbp\n"
        "  mov %rsp, %rbp\n"
        "  and $-16, %rdx\n"
        "  mov %rdx, %rsp\n"
        "  mov %rdi, %rax\n"
        "  mov %rsi, %rdi\n"
        "  call *%rax\n"
        "  mov %rbp, %rsp\n"
        "  pop %rbp\n"
        "  ret\n"

        ".globl guarded_call\n.hidden guarded_call\n"
        "guarded_call:\n"
        "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
        "  mov %rsp, guard_rsp(%rip)\n"
        "  movq $1, guard_active(%rip)\n"
        "  mov %rdi, %rax\n"
        "  mov %rsi, %rdi\n"
        "  sub $8, %rsp\n"
        "  call *%rax\n"
        "  add $8, %rsp\n"
        "  movq $0, guard_active(%rip)\n"
        "  xor %eax, %eax\n"
        "  jmp 4f\n"
        "guard_abort:\n"
        "  mov guard_rsp(%rip), %rsp\n"
        "  movq $0, guard_active(%rip)\n"
        "  mov $1, %eax\n"
        "4:\n"
        "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
        "  ret\n");

struct idt_gate {
    uint16_t offset_lo, selector;
    uint8_t ist, type;
    uint16_t offset_mid;
    uint32_t offset_hi, reserved;
} __attribute__((packed));

static struct idt_gate idt_copy[256] __attribute__((aligned(16)));
static struct cpu_dtr idt_firmware;

static uint64_t gate_offset(const struct idt_gate *g)
{
    return g->offset_lo | ((uint64_t)g->offset_mid << 16) | ((uint64_t)g->offset_hi << 32);
}

static void gate_point_at(struct idt_gate *g, void (*fn)(void))
{
    uint64_t a = (uint64_t)(uintptr_t)fn;
    g->offset_lo = (uint16_t)a;
    g->offset_mid = (uint16_t)(a >> 16);
    g->offset_hi = (uint32_t)(a >> 32);
    g->ist = 0;
}

void fault_install(void)
{
    cpu_sidt(&idt_firmware);
    const struct idt_gate *fw = (const struct idt_gate *)(uintptr_t)idt_firmware.base;
    unsigned gates = (idt_firmware.limit + 1u) / sizeof(struct idt_gate);
    for (unsigned i = 0; i < 256; i++)
        idt_copy[i] = i < gates ? fw[i] : (struct idt_gate){0};
    chain_pf = gate_offset(&idt_copy[14]);
    chain_gp = gate_offset(&idt_copy[13]);
    gate_point_at(&idt_copy[14], fault_stub_pf);
    gate_point_at(&idt_copy[13], fault_stub_gp);
    struct cpu_dtr ours = {.limit = sizeof idt_copy - 1, .base = (uint64_t)(uintptr_t)idt_copy};
    cpu_lidt(&ours);
}

void fault_remove(void)
{
    cpu_lidt(&idt_firmware);
}

struct fault_record fault_last(void)
{
    return (struct fault_record){fault_vector, fault_error, fault_rip, fault_cr2};
}

uint64_t fault_count(void)
{
    return fault_total;
}

bool fault_matches(int faulted, uint64_t va, uint64_t error)
{
    struct fault_record f = fault_last();
    return faulted && f.vector == 14 && f.cr2 == va && (f.error & 0x1f) == error;
}
