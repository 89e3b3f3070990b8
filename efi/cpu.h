/* Control registers, MSRs, CPUID and port I/O: the CPU state the takeover reads and sets. */
#ifndef EFI_CPU_H
#define EFI_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_EFER  0xc0000080u
#define MSR_PAT   0x277u
#define EFER_NXE  (1ull << 11)
#define CR0_WP    (1ull << 16)
#define CR4_PGE   (1ull << 7)
#define CR4_LA57  (1ull << 12)
#define CR4_SMEP  (1ull << 20)
#define CR4_SMAP  (1ull << 21)
#define RFLAGS_IF (1ull << 9)

/* `type name(void)` reading control register n, as wide as the mode makes it (64 bits
 * here; ia32/cpu32.h reads them 32 bits wide). */
// clang-format off
#define CPU_CR_READER(name, type, n)                                                             \
    static inline type name(void)                                                                \
    {                                                                                            \
        type v;                                                                                  \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                        \
        return v;                                                                                \
    }
/* cpu_read_crN and cpu_write_crN for control register N: one definition for CR0, CR3 and
 * CR4, each write a compiler barrier (the tables and memory it governs change with it). */
#define CPU_CONTROL_REGISTER(n)                                                                  \
    CPU_CR_READER(cpu_read_cr##n, uint64_t, n)                                                   \
    static inline void cpu_write_cr##n(uint64_t v)                                               \
    {                                                                                            \
        __asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");                               \
    }
// clang-format on
CPU_CONTROL_REGISTER(0)
CPU_CONTROL_REGISTER(3)
CPU_CONTROL_REGISTER(4)

/* Loads CR3 and drops every cached translation, global ones too: a CR3 write alone keeps
 * global entries, which with CR4.PGE set could outlive the tables they came from. */
static inline void cpu_switch_cr3(uint64_t cr3)
{
    uint64_t cr4 = cpu_read_cr4();
    cpu_write_cr3(cr3);
    if (cr4 & CR4_PGE) {
        cpu_write_cr4(cr4 & ~CR4_PGE);
        cpu_write_cr4(cr4);
    }
}

static inline uint64_t cpu_rdmsr(uint32_t msr);
static inline void cpu_wrmsr(uint32_t msr, uint64_t v);

/* What a CPU ran on before it loaded our tables: CR3, and the CR0 and EFER it had. */
struct cpu_paging {
    uint64_t cr0, cr3, efer;
};

/* Loads our root with CR0.WP set (read-only pages stay read-only for the firmware and for
 * us) and, with nx, EFER.NXE set first (NX bits are reserved without it). Interrupts must
 * be off. The state it replaced goes to was. */
static inline void cpu_enter_tables(uint64_t root, bool nx, struct cpu_paging *was)
{
    was->cr0 = cpu_read_cr0();
    was->cr3 = cpu_read_cr3();
    was->efer = cpu_rdmsr(MSR_EFER);
    if (nx && !(was->efer & EFER_NXE))
        cpu_wrmsr(MSR_EFER, was->efer | EFER_NXE);
    if (!(was->cr0 & CR0_WP))
        cpu_write_cr0(was->cr0 | CR0_WP);
    cpu_switch_cr3(root);
}

/* Back to the tables, CR0 and EFER in was, exactly. Interrupts must be off. */
static inline void cpu_leave_tables(const struct cpu_paging *was)
{
    cpu_switch_cr3(was->cr3);
    if (cpu_rdmsr(MSR_EFER) != was->efer)
        cpu_wrmsr(MSR_EFER, was->efer);
    if (cpu_read_cr0() != was->cr0)
        cpu_write_cr0(was->cr0);
}

static inline uint64_t cpu_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/* Writes back and invalidates every cache: the PAT may only change over clean caches. */
static inline void cpu_wbinvd(void)
{
    __asm__ volatile("wbinvd" ::: "memory");
}

static inline void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

static inline uint64_t cpu_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_invlpg(uint64_t va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* Disables interrupts and returns whether they were on. */
static inline bool cpu_irq_save(void)
{
    uint64_t flags;
    __asm__ volatile("pushfq; pop %0; cli" : "=r"(flags) : : "memory");
    return (flags & RFLAGS_IF) != 0;
}

static inline void cpu_irq_restore(bool on)
{
    if (on)
        __asm__ volatile("sti" : : : "memory");
}

static inline void cpu_outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t cpu_inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

struct cpu_dtr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static inline void cpu_sidt(struct cpu_dtr *d)
{
    __asm__ volatile("sidt %0" : "=m"(*d));
}

static inline void cpu_lidt(const struct cpu_dtr *d)
{
    __asm__ volatile("lidt %0" : : "m"(*d));
}

#endif
