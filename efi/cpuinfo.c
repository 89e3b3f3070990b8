/* Reading the CPU state: see cpuinfo.h. */
#include "cpuinfo.h"
#include "cpu.h"

void cpu_state_read(struct cpu_state *cs)
{
    uint32_t r[4];
    cs->cr0 = cpu_read_cr0();
    cs->cr3 = cpu_read_cr3();
    cs->cr4 = cpu_read_cr4();
    cs->efer = cpu_rdmsr(MSR_EFER);
    cs->pat_msr = cpu_rdmsr(MSR_PAT);
    cpu_cpuid(0, 0, r);
    uint32_t max_basic = r[0];
    cpu_cpuid(1, 0, r);
    cs->hypervisor = (r[2] >> 31) & 1;
    cs->la57_supported = cs->smep = cs->smap = false;
    if (max_basic >= 7) {
        cpu_cpuid(7, 0, r);
        cs->la57_supported = (r[2] >> 16) & 1;
        cs->smep = (r[1] >> 7) & 1;
        cs->smap = (r[1] >> 20) & 1;
    }
    cpu_cpuid(0x80000000u, 0, r);
    uint32_t max_ext = r[0];
    cs->page_1g = cs->nx_supported = false;
    if (max_ext >= 0x80000001u) {
        cpu_cpuid(0x80000001u, 0, r);
        cs->page_1g = (r[3] >> 26) & 1;
        cs->nx_supported = (r[3] >> 20) & 1;
    }
    cs->maxphyaddr = 36; /* the architectural default when the leaf is missing */
    if (max_ext >= 0x80000008u) {
        cpu_cpuid(0x80000008u, 0, r);
        cs->maxphyaddr = (uint8_t)(r[0] & 0xff);
    }
    /* CR4.LA57 cannot change while paging is on: our tables have the firmware's depth. */
    cs->pt.levels = (cs->cr4 & CR4_LA57) ? PT_LEVEL_PML5 : PT_LEVEL_PML4;
    cs->pt.page_1g = cs->page_1g;
    /* Our tables are live only with EFER.NXE set whenever the CPU has NX (the switch sets
     * it); the firmware's may hold NX bits only if it set EFER.NXE itself. */
    cs->pt.nx = cs->nx_supported;
    cs->pt.maxphyaddr = cs->maxphyaddr;
    for (int i = 0; i < 8; i++)
        cs->pt.pat[i] = (uint8_t)((cs->pat_msr >> (8 * i)) & 0x7);
    cs->fw_pt = cs->pt;
    cs->fw_pt.nx = (cs->efer & EFER_NXE) != 0;
}

bool cpu_state_la57_active(const struct cpu_state *cs)
{
    return (cs->cr4 & CR4_LA57) != 0;
}
