/* Switching paging depth through compatibility mode: see la57.h. */
#include <efi.h>
#include <efilib.h>

#include "la57.h"

/* The trampoline's data, at this offset in its page: a GDT, pointers and saved state. */
#define DATA       0x800
#define GDT        (DATA + 0x00) /* null, 32-bit code 0x08, data 0x10, 64-bit code 0x18 */
#define GDTR       (DATA + 0x20) /* limit, base */
#define FAR32      (DATA + 0x30) /* offset, selector: the 32-bit part */
#define FAR64      (DATA + 0x38) /* offset, selector: back to 64-bit mode */
#define SAVED_RSP  (DATA + 0x40)
#define CR3_NEW    (DATA + 0x48)
#define CR4_NEW    (DATA + 0x50)
#define FW_GDTR    (DATA + 0x60)
#define FW_CS      (DATA + 0x70)
#define FW_SS      (DATA + 0x72)
#define FW_DS      (DATA + 0x74)
#define FW_ES      (DATA + 0x76)
#define SEL_CODE32 0x08
#define SEL_CODE64 0x18

#define STR_(x) #x
#define STR(x)  STR_(x)

/* Position-independent: copied to a page below 4 GiB and called there. Nothing between
 * leaving 64-bit mode and coming back uses the stack: in 32-bit mode only ESP would be
 * used, and the upper halves of registers are undefined across the mode change, so RSP
 * is kept in memory. */
// clang-format off
__asm__(
    ".text\n"
    ".globl la57_tramp_start, la57_tramp_compat, la57_tramp_long, la57_tramp_end\n"
    ".code64\n"
    "la57_tramp_start:\n"
    ".Lla57_base:\n"
    "    push %rbx\n"
    "    push %rbp\n"
    "    push %r12\n"
    "    push %r13\n"
    "    push %r14\n"
    "    push %r15\n"
    "    push %rdi\n"
    "    push %rsi\n"
    "    lea .Lla57_base(%rip), %rbx\n"
    "    mov %rsp, " STR(SAVED_RSP) "(%rbx)\n"
    "    sgdt " STR(FW_GDTR) "(%rbx)\n"
    "    mov %cs, " STR(FW_CS) "(%rbx)\n"
    "    mov %ss, " STR(FW_SS) "(%rbx)\n"
    "    mov %ds, " STR(FW_DS) "(%rbx)\n"
    "    mov %es, " STR(FW_ES) "(%rbx)\n"
    "    lgdt " STR(GDTR) "(%rbx)\n"
    "    ljmpl *" STR(FAR32) "(%rbx)\n"
    ".code32\n"
    "la57_tramp_compat:\n"
    "    mov $0x10, %eax\n"
    "    mov %eax, %ds\n"
    "    mov %eax, %es\n"
    "    mov %eax, %ss\n"
    "    mov %cr0, %eax\n"
    "    and $0x7fffffff, %eax\n"
    "    mov %eax, %cr0\n"
    "    mov " STR(CR4_NEW) "(%ebx), %eax\n"
    "    mov %eax, %cr4\n"
    "    mov " STR(CR3_NEW) "(%ebx), %eax\n"
    "    mov %eax, %cr3\n"
    "    mov %cr0, %eax\n"
    "    or $0x80000000, %eax\n"
    "    mov %eax, %cr0\n"
    "    ljmp *" STR(FAR64) "(%ebx)\n"
    ".code64\n"
    "la57_tramp_long:\n"
    "    mov %ebx, %ebx\n"
    "    lgdt " STR(FW_GDTR) "(%rbx)\n"
    "    mov " STR(FW_SS) "(%rbx), %ss\n"
    "    mov " STR(FW_DS) "(%rbx), %ds\n"
    "    mov " STR(FW_ES) "(%rbx), %es\n"
    "    mov " STR(SAVED_RSP) "(%rbx), %rsp\n"
    "    movzwl " STR(FW_CS) "(%rbx), %eax\n"
    "    push %rax\n"
    "    lea .Lla57_back(%rip), %rax\n"
    "    push %rax\n"
    "    lretq\n"
    ".Lla57_back:\n"
    "    pop %rsi\n"
    "    pop %rdi\n"
    "    pop %r15\n"
    "    pop %r14\n"
    "    pop %r13\n"
    "    pop %r12\n"
    "    pop %rbp\n"
    "    pop %rbx\n"
    "    ret\n"
    "la57_tramp_end:\n");
// clang-format on

extern const uint8_t la57_tramp_start[], la57_tramp_compat[], la57_tramp_long[], la57_tramp_end[];

static EFI_PHYSICAL_ADDRESS page;

/* Where a label of the trampoline lies in it. The labels are separate objects to C, so
 * their distance is taken between addresses, not pointers. */
static uint64_t tramp_offset(const uint8_t *label)
{
    return (uint64_t)(uintptr_t)label - (uint64_t)(uintptr_t)la57_tramp_start;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

bool la57_prepare(const char **why)
{
    uint64_t size = tramp_offset(la57_tramp_end);
    if (size > DATA) {
        *why = "the trampoline does not fit before its data";
        return false;
    }
    page = 0xfffff000ull; /* the highest address the page may start at */
    if (EFI_ERROR(
            uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderCode, 1, &page))) {
        page = 0;
        *why = "boot services have no page below 4 GiB for the trampoline";
        return false;
    }
    uint8_t *p = (uint8_t *)(uintptr_t)page;
    for (unsigned i = 0; i < 4096; i++)
        p[i] = 0;
    const volatile uint8_t *code = la57_tramp_start;
    for (uint64_t i = 0; i < size; i++)
        p[i] = code[i];
    put64(p + GDT + 0x08, 0x00cf9a000000ffffull); /* 32-bit code, flat */
    put64(p + GDT + 0x10, 0x00cf92000000ffffull); /* data, flat */
    put64(p + GDT + 0x18, 0x00af9a000000ffffull); /* 64-bit code */
    put16(p + GDTR, 4 * 8 - 1);
    put64(p + GDTR + 2, page + GDT);
    put32(p + FAR32, (uint32_t)(page + tramp_offset(la57_tramp_compat)));
    put16(p + FAR32 + 4, SEL_CODE32);
    put32(p + FAR64, (uint32_t)(page + tramp_offset(la57_tramp_long)));
    put16(p + FAR64 + 4, SEL_CODE64);
    return true;
}

void la57_switch(uint64_t cr3, uint64_t cr4)
{
    uint8_t *p = (uint8_t *)(uintptr_t)page;
    put64(p + CR3_NEW, cr3);
    put64(p + CR4_NEW, cr4);
    __asm__ volatile("" ::: "memory");
    ((void (*)(void))(uintptr_t)page)();
}

void la57_release(void)
{
    if (page)
        uefi_call_wrapper(BS->FreePages, 2, page, 1);
    page = 0;
}
