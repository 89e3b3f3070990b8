/* What the CPU and the firmware left it in: paging mode, features, PAT. */
#ifndef EFI_CPUINFO_H
#define EFI_CPUINFO_H

#include "pt.h"

struct cpu_state {
    uint64_t cr0, cr3, cr4, efer, pat_msr;
    bool page_1g;      /* CPUID: 1 GiB pages */
    bool nx_supported; /* CPUID: execute-disable */
    bool la57_supported;
    bool smep, smap; /* CPUID: supervisor-mode execution and access prevention */
    bool hypervisor;
    uint8_t maxphyaddr;
    struct pt_cpu pt;    /* what our tables may use: NX whenever the CPU has it */
    struct pt_cpu fw_pt; /* what the firmware's tables may hold: NX only with its EFER.NXE */
};

void cpu_state_read(struct cpu_state *cs);
/* Five-level paging is on (CR4.LA57): every hierarchy then has five levels. */
bool cpu_state_la57_active(const struct cpu_state *cs);

#endif
