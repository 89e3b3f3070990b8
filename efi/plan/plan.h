/*
 * The plan: what a fresh hierarchy must map to take over from the firmware.
 *
 * Input: the UEFI memory map as raw bytes (descriptors of DescriptorSize bytes, in the
 * layout of EFI_MEMORY_DESCRIPTOR) and the firmware's own mapping as runs (pt_import).
 * Output: a list of regions for pt_map_region: the firmware's runs unchanged, every part
 * of the memory map the firmware does not map (identity), and a higher-half alias of RAM.
 * Hostile maps are sanitised with counted warnings, or refused with a named status.
 * No UEFI headers: the same code runs in the app and in host tests.
 * Part of the planner (efi/plan/): not the paging library's API.
 */
#ifndef PLAN_PLAN_H
#define PLAN_PLAN_H

#include "plan_error.h"

#include "pt.h"

/* EFI_MEMORY_TYPE values the planner tells apart. */
enum efi_memory_type {
    EFI_MT_RESERVED = 0,
    EFI_MT_LOADER_CODE = 1,
    EFI_MT_LOADER_DATA = 2,
    EFI_MT_BOOT_CODE = 3,
    EFI_MT_BOOT_DATA = 4,
    EFI_MT_RUNTIME_CODE = 5,
    EFI_MT_RUNTIME_DATA = 6,
    EFI_MT_CONVENTIONAL = 7,
    EFI_MT_UNUSABLE = 8,
    EFI_MT_ACPI_RECLAIM = 9,
    EFI_MT_ACPI_NVS = 10,
    EFI_MT_MMIO = 11,
    EFI_MT_MMIO_PORT = 12,
    EFI_MT_PAL_CODE = 13,
    EFI_MT_PERSISTENT = 14,
};

/* Byte layout of EFI_MEMORY_DESCRIPTOR (UEFI 2.x): the memory map's and the memory
 * attributes table's descriptors, the one layout every parser here reads. */
#define PLAN_DESC_TYPE_OFF  0
#define PLAN_DESC_PHYS_OFF  8
#define PLAN_DESC_PAGES_OFF 24
#define PLAN_DESC_ATTR_OFF  32
#define PLAN_DESC_MIN_SIZE  40
/* Attribute bits of a descriptor the W^X limits read. */
#define PLAN_DESC_ATTR_XP 0x4000ull
#define PLAN_DESC_ATTR_RO 0x20000ull

/* A short lower-case name of an EFI memory type ("conventional", "mmio", ...; "other"). */
const char *plan_type_name(uint32_t type);
/* True for memory types that are RAM (touched by checks, aliased in the higher half). */
bool plan_type_is_ram(uint32_t type);

/* A sanitised memory-map range: [start, end), page aligned, sorted, non-overlapping. */
struct plan_range {
    uint64_t start, end;
    uint32_t type;
};

enum plan_source { PLAN_SRC_FIRMWARE, PLAN_SRC_MEMMAP, PLAN_SRC_ALIAS };

struct plan_region {
    uint64_t va, pa, len;
    pt_attr attr;
    enum plan_source source;
};

/* Rights a describer (the firmware's memory attributes table, an image's sections) takes
 * away from identity-mapped memory: attrs become (attrs & ~clear) | set over [start, end). */
struct plan_limit {
    uint64_t start, end;
    pt_attr clear, set;
};

struct plan_input {
    const void *map; /* GetMemoryMap's buffer */
    size_t map_size;
    size_t desc_size;
    const struct pt_run *fw_runs; /* in address order, as pt_import gives them */
    size_t fw_count;
    struct pt_cpu cpu;
    uint64_t alias_base;             /* VA where physical 0 appears in the alias */
    uint64_t alias_limit;            /* first VA the alias must not reach */
    const struct plan_limit *limits; /* applied in order; each may split two regions */
    size_t limit_count;
};

struct plan {
    struct plan_range *ranges; /* caller storage: at least one per descriptor */
    size_t range_cap, range_count;
    struct plan_region *regions; /* caller storage */
    size_t region_cap, region_count;
    uint32_t warnings[PLAN_WARN_COUNT];
    uint64_t ram_bytes; /* RAM the map describes, after sanitising */
};

/* Sanitises the memory map into plan->ranges. */
enum plan_error plan_read_memory_map(const struct plan_input *in, struct plan *out);
/* plan_read_memory_map, then the regions: firmware runs, uncovered map parts, alias; then
 * the limits. Needs region_cap >= runs + 2 * descriptors + 2 * limits. */
enum plan_error plan_build(const struct plan_input *in, struct plan *out);
/* Attributes the planner gives a memory-map range the firmware does not map. */
pt_attr plan_memmap_attr(const struct pt_cpu *cpu, uint32_t type);

/* The region of a built plan that maps va, or NULL (regions are sorted by VA). */
const struct plan_region *plan_lookup(const struct plan *p, uint64_t va);
/* The tables pt_map_region allocates when it maps the regions of a built plan, in order,
 * into a hierarchy of cpu's depth holding nothing but its root (the root not counted);
 * 1 GiB leaves where cpu has them. */
uint64_t plan_frame_budget(const struct plan *p, const struct pt_cpu *cpu);

#endif
