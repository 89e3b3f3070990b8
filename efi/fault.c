/* Fault handler, probes and guard: see fault.h. */
#include "fault.h"
#include "cpu.h"
#include "serial.h"
#include "text.h"

#define HIDDEN     __attribute__((visibility("hidden")))
#define EXCEPTIONS 32u
#define NO_FAULT   (~0ull)
/* Exceptions for which the CPU pushes an error code: 8, 10-14, 17, 21, 29, 30. */
#define ERROR_CODE_SET 0x60227d00ull

HIDDEN volatile uint64_t fault_resume; /* where an expected fault continues, or 0 */
HIDDEN volatile uint64_t guard_active; /* inside guarded_call */
HIDDEN volatile uint64_t guard_rsp;    /* guarded_call's stack after saving registers */
HIDDEN volatile uint64_t fault_vector = NO_FAULT, fault_error, fault_rip, fault_cr2, fault_total;
HIDDEN uint64_t fault_chain[EXCEPTIONS]; /* the firmware's handlers that can take a fault, or 0 */
HIDDEN const uint64_t fault_error_set = ERROR_CODE_SET;

/* Each stub pushes a zero where the CPU pushes no error code, then its vector: the frame is
 * vector, error code, RIP, CS, RFLAGS, RSP, SS. An expected fault resumes at the probe's
 * recovery point; one inside guarded_call unwinds it; any other goes to the firmware's
 * handler when it has one that works in 64-bit mode (U-Boot's IDT has none), else the app
 * says so on COM1 and halts: the machine is never reset by a triple fault. */
#define STUB_E(n) "fault_stub_" #n ":\n  pushq $" #n "\n  jmp fault_common\n"
#define STUB(n)   "fault_stub_" #n ":\n  pushq $0\n  pushq $" #n "\n  jmp fault_common\n"
/* A probe clears the last vector, arms its recovery point, makes its one access and
 * disarms, returning 0; a fault resumes at the recovery point, which runs `recover` and
 * returns 1. */
#define PROBE(name, access, recover)                                                               \
    ".globl " #name "\n.hidden " #name "\n" #name ":\n"                                            \
    "  movq $-1, fault_vector(%rip)\n"                                                             \
    "  lea 1f(%rip), %rax\n"                                                                       \
    "  mov %rax, fault_resume(%rip)\n"                                                             \
    "  " access "\n"                                                                               \
    "  movq $0, fault_resume(%rip)\n"                                                              \
    "  xor %eax, %eax\n"                                                                           \
    "  ret\n"                                                                                      \
    "1:\n" recover "  mov $1, %eax\n"                                                              \
    "  ret\n"
// clang-format off
__asm__(
    ".pushsection .data\n"
    ".balign 8\n"
    ".globl fault_stubs\n.hidden fault_stubs\n"
    "fault_stubs:\n"
    ".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,"
    "30,31\n"
    ".quad fault_stub_\\n\n"
    ".endr\n"
    ".popsection\n"
    ".text\n"
    STUB(0) STUB(1) STUB(2) STUB(3) STUB(4) STUB(5) STUB(6) STUB(7)
    STUB_E(8) STUB(9) STUB_E(10) STUB_E(11) STUB_E(12) STUB_E(13) STUB_E(14) STUB(15)
    STUB(16) STUB_E(17) STUB(18) STUB(19) STUB(20) STUB_E(21) STUB(22) STUB(23)
    STUB(24) STUB(25) STUB(26) STUB(27) STUB(28) STUB_E(29) STUB_E(30) STUB(31)
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
    /* To the firmware's handler with the frame the CPU made: its address replaces the
     * vector (error code kept) or the pushed zero (vector dropped first), then ret. */
    "2:\n"
    "  push %rcx\n"
    "  mov 16(%rsp), %rcx\n"
    "  lea fault_chain(%rip), %rax\n"
    "  mov (%rax,%rcx,8), %rax\n"
    "  test %rax, %rax\n"
    "  jz 4f\n"
    "  bt %rcx, fault_error_set(%rip)\n"
    "  jc 3f\n"
    "  mov %rax, 24(%rsp)\n"
    "  pop %rcx\n"
    "  pop %rax\n"
    "  lea 8(%rsp), %rsp\n"
    "  ret\n"
    "3:\n"
    "  mov %rax, 16(%rsp)\n"
    "  pop %rcx\n"
    "  pop %rax\n"
    "  ret\n"
    "4:\n"
    "  and $-16, %rsp\n"
    "  call fault_fatal\n"
    "5:\n"
    "  cli\n"
    "  hlt\n"
    "  jmp 5b\n"

    PROBE(probe_read, "mov (%rdi), %rax", "")
    PROBE(probe_write, "mov %rsi, (%rdi)", "")
    /* A fetch fault leaves the return address pushed: drop it on recovery. */
    PROBE(probe_exec, "call *%rdi", "  add $8, %rsp\n")

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
// clang-format on

struct idt_gate {
    uint16_t offset_lo, selector;
    uint8_t ist, type;
    uint16_t offset_mid;
    uint32_t offset_hi, reserved;
} __attribute__((packed));

extern const uint64_t fault_stubs[EXCEPTIONS];
static struct idt_gate idt_copy[256] __attribute__((aligned(16)));
static struct cpu_dtr idt_firmware;
static bool installed;
static unsigned usable_gates;

static uint64_t gate_offset(const struct idt_gate *g)
{
    return g->offset_lo | ((uint64_t)g->offset_mid << 16) | ((uint64_t)g->offset_hi << 32);
}

static uint16_t code_selector(void)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    return cs;
}

/* A gate the CPU can deliver through in 64-bit mode: present, a 64-bit interrupt or trap
 * gate into our code segment, with a canonical target and a zero upper dword. A 32-bit IDT
 * (U-Boot's: 8-byte gates) read as 16-byte gates fails this. */
static bool gate_usable(const struct idt_gate *g)
{
    uint8_t type = g->type & 0x1f;
    uint64_t target = gate_offset(g);
    bool canonical = (uint64_t)((int64_t)(target << 16) >> 16) == target;
    return (g->type & 0x80) && (type == 0x0e || type == 0x0f) && g->reserved == 0 &&
           g->selector == code_selector() && canonical && target != 0;
}

static void gate_point_at(struct idt_gate *g, uint64_t target)
{
    g->offset_lo = (uint16_t)target;
    g->offset_mid = (uint16_t)(target >> 16);
    g->offset_hi = (uint32_t)(target >> 32);
    g->selector = code_selector();
    g->ist = 0;
    g->type = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
    g->reserved = 0;
}

void fault_install(void)
{
    if (installed)
        return;
    cpu_sidt(&idt_firmware);
    const struct idt_gate *fw = (const struct idt_gate *)(uintptr_t)idt_firmware.base;
    unsigned gates = (idt_firmware.limit + 1u) / sizeof(struct idt_gate);
    usable_gates = 0;
    for (unsigned i = 0; i < 256; i++)
        idt_copy[i] = i < gates ? fw[i] : (struct idt_gate){0};
    for (unsigned v = 0; v < EXCEPTIONS; v++) {
        bool usable = v < gates && gate_usable(&idt_copy[v]);
        usable_gates += usable;
        fault_chain[v] = usable ? gate_offset(&idt_copy[v]) : 0;
        gate_point_at(&idt_copy[v], fault_stubs[v]);
    }
    struct cpu_dtr ours = {.limit = sizeof idt_copy - 1, .base = (uint64_t)(uintptr_t)idt_copy};
    cpu_lidt(&ours);
    installed = true;
}

void fault_remove(void)
{
    if (installed)
        cpu_lidt(&idt_firmware);
    installed = false;
}

unsigned fault_firmware_gates(void)
{
    return usable_gates;
}

/* Called by the stubs on the faulting stack when nothing can take the fault. */
__attribute__((used, noreturn)) HIDDEN void fault_fatal(void)
{
    char line[200];
    text_format(line, sizeof line,
                "\r\npagetk: exception %llu at rip 0x%llx (cr2 0x%llx, error 0x%llx) outside "
                "every check, and the firmware has no 64-bit handler for it: halted\r\n",
                (unsigned long long)fault_vector, (unsigned long long)fault_rip,
                (unsigned long long)fault_cr2, (unsigned long long)fault_error);
    serial_write(line);
    for (;;)
        __asm__ volatile("cli; hlt");
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

const char *fault_describe(int faulted, char *buf, size_t size)
{
    struct fault_record f = fault_last();
    if (!faulted || f.vector == NO_FAULT)
        text_format(buf, size, "no fault");
    else if (f.vector == 14)
        text_format(buf, size, "#PF cr2 0x%llx error 0x%llx", (unsigned long long)f.cr2,
                    (unsigned long long)f.error);
    else
        text_format(buf, size, "vector %llu error 0x%llx", (unsigned long long)f.vector,
                    (unsigned long long)f.error);
    return buf;
}
