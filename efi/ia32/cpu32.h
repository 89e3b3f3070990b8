/* The CPU as 32-bit code reads it: control registers, EFER, CPUID, flags and descriptor
 * tables, each 32 bits wide where the mode makes them so. */
#ifndef IA32_CPU32_H
#define IA32_CPU32_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"

#define CPUID_EXT_LM (1u << 29) /* 0x80000001 EDX: long mode */
#define CPUID_EXT_NX (1u << 20) /* 0x80000001 EDX: execute disable */
#define CPUID_EXT_1G (1u << 26) /* 0x80000001 EDX: 1 GiB pages */
#define CR0_PG32     (1u << 31)
#define CR4_PSE32    (1u << 4)
#define CR4_PAE32    (1u << 5)
#define EFLAGS_IF32  (1u << 9)
#define MSR_EFER32   0xc0000080u

/* cpu32_crN reads control register N, 32 bits wide, with cpu.h's one reader. */
CPU_CR_READER(cpu32_cr0, uint32_t, 0)
CPU_CR_READER(cpu32_cr3, uint32_t, 3)
CPU_CR_READER(cpu32_cr4, uint32_t, 4)

static inline uint32_t cpu32_eflags(void)
{
    uint32_t v;
    __asm__ volatile("pushfl; popl %0" : "=r"(v));
    return v;
}

static inline uint64_t cpu32_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void cpu32_cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* CPUID 0x80000001 EDX, or 0 when the CPU has no such leaf. */
static inline uint32_t cpu32_ext_features(void)
{
    uint32_t r[4];
    cpu32_cpuid(0x80000000u, r);
    if (r[0] < 0x80000001u || r[0] > 0x8000ffffu)
        return 0;
    cpu32_cpuid(0x80000001u, r);
    return r[3];
}

struct cpu32_dtr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

/* Everything the switch to long mode changes and must give back exactly. */
struct cpu32_mode {
    uint32_t cr0, cr3, cr4, eflags;
    uint64_t efer; /* 0 when the CPU has no EFER */
    struct cpu32_dtr gdt, idt;
    uint16_t cs, ds, es, fs, gs, ss;
};

static inline void cpu32_mode_read(struct cpu32_mode *m, bool has_efer)
{
    m->cr0 = cpu32_cr0();
    m->cr3 = cpu32_cr3();
    m->cr4 = cpu32_cr4();
    m->eflags = cpu32_eflags();
    m->efer = has_efer ? cpu32_rdmsr(MSR_EFER32) : 0;
    __asm__ volatile("sgdt %0" : "=m"(m->gdt));
    __asm__ volatile("sidt %0" : "=m"(m->idt));
    __asm__ volatile("mov %%cs, %0" : "=r"(m->cs));
    __asm__ volatile("mov %%ds, %0" : "=r"(m->ds));
    __asm__ volatile("mov %%es, %0" : "=r"(m->es));
    __asm__ volatile("mov %%fs, %0" : "=r"(m->fs));
    __asm__ volatile("mov %%gs, %0" : "=r"(m->gs));
    __asm__ volatile("mov %%ss, %0" : "=r"(m->ss));
}

#endif
