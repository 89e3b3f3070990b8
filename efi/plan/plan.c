/* The takeover map planned from the sanitised memory map and the firmware's runs. */
#include "plan.h"

#include "sort.h"
static bool type_is_code(uint32_t type)
{
    return type == EFI_MT_LOADER_CODE || type == EFI_MT_BOOT_CODE || type == EFI_MT_RUNTIME_CODE;
}

pt_attr plan_memmap_attr(const struct pt_cpu *cpu, uint32_t type)
{
    pt_attr a = PT_ATTR_WRITE;
    if (!type_is_code(type) && cpu->nx)
        a |= PT_ATTR_NX;
    /* Anything that is not RAM may be a device: never cache it. */
    return a | PT_ATTR_MT(plan_type_is_ram(type) ? PT_MT_WB : PT_MT_UC);
}

static bool region_before(const void *x, const void *y)
{
    const struct plan_region *a = x, *b = y;
    return a->va < b->va;
}

static enum plan_error add_region(struct plan *out, uint64_t va, uint64_t pa, uint64_t len,
                                  pt_attr attr, enum plan_source src)
{
    if (out->region_count == out->region_cap)
        return PLAN_ERR_NO_ROOM;
    out->regions[out->region_count++] =
        (struct plan_region){.va = va, .pa = pa, .len = len, .attr = attr, .source = src};
    return PLAN_OK;
}

/* Adds the parts of [start, end) that no firmware run maps, identity-mapped. Runs are
 * sorted; *next is the first run that may still overlap. */
static enum plan_error add_uncovered(const struct plan_input *in, struct plan *out,
                                     const struct plan_range *r, size_t *next)
{
    uint64_t pos = r->start;
    pt_attr attr = plan_memmap_attr(&in->cpu, r->type);
    size_t i = *next;
    while (i < in->fw_count && in->fw_runs[i].va + in->fw_runs[i].len <= pos)
        i++;
    *next = i;
    for (; i < in->fw_count && pos < r->end; i++) {
        const struct pt_run *run = &in->fw_runs[i];
        if (run->va >= r->end)
            break;
        if (run->va > pos) {
            enum plan_error st = add_region(out, pos, pos, run->va - pos, attr, PLAN_SRC_MEMMAP);
            if (st != PLAN_OK)
                return st;
        }
        if (run->va + run->len > pos)
            pos = run->va + run->len;
    }
    if (pos < r->end)
        return add_region(out, pos, pos, r->end - pos, attr, PLAN_SRC_MEMMAP);
    return PLAN_OK;
}

/* Neighbours that continue each other with equal rights become one region, so the greedy
 * tiling is not cut at a descriptor boundary. */
static void merge_regions(struct plan *out)
{
    plan_sort(out->regions, out->region_count, sizeof *out->regions, region_before);
    size_t kept = 0;
    for (size_t i = 0; i < out->region_count; i++) {
        struct plan_region *last = kept ? &out->regions[kept - 1] : NULL;
        const struct plan_region *r = &out->regions[i];
        if (last && last->va + last->len == r->va && last->pa + last->len == r->pa &&
            last->attr == r->attr) {
            last->len += r->len;
            continue;
        }
        out->regions[kept++] = *r;
    }
    out->region_count = kept;
}

static enum plan_error check_runs(const struct plan_input *in)
{
    for (size_t i = 0; i < in->fw_count; i++) {
        const struct pt_run *run = &in->fw_runs[i];
        if (((run->va | run->pa | run->len) & (PT_PAGE_4K - 1)) || run->len == 0 ||
            !pt_is_canonical_at(in->cpu.levels == PT_LEVEL_PML5 ? PT_LEVEL_PML5 : PT_LEVEL_PML4,
                                run->va) ||
            (i && in->fw_runs[i - 1].va + in->fw_runs[i - 1].len > run->va &&
             in->fw_runs[i - 1].va < run->va + run->len))
            return PLAN_ERR_BAD_RUN;
    }
    return PLAN_OK;
}

/* Splits identity regions at the limit's edges and changes the rights inside it. Regions
 * stay sorted: each split inserts its parts in place. */
static enum plan_error apply_limit(struct plan *out, const struct plan_limit *lim)
{
    for (size_t i = 0; i < out->region_count; i++) {
        struct plan_region r = out->regions[i];
        uint64_t end = r.va + r.len;
        pt_attr want = (r.attr & ~lim->clear) | lim->set;
        if (r.va != r.pa || end <= lim->start || r.va >= lim->end || want == r.attr)
            continue;
        uint64_t lo = r.va > lim->start ? r.va : lim->start;
        uint64_t hi = end < lim->end ? end : lim->end;
        struct plan_region parts[3];
        size_t n = 0;
        if (lo > r.va)
            parts[n++] = (struct plan_region){r.va, r.pa, lo - r.va, r.attr, r.source};
        parts[n++] = (struct plan_region){lo, lo, hi - lo, want, r.source};
        if (hi < end)
            parts[n++] = (struct plan_region){hi, hi, end - hi, r.attr, r.source};
        if (out->region_count + n - 1 > out->region_cap)
            return PLAN_ERR_NO_ROOM;
        for (size_t j = out->region_count; j-- > i + 1;)
            out->regions[j + n - 1] = out->regions[j];
        for (size_t k = 0; k < n; k++)
            out->regions[i + k] = parts[k];
        out->region_count += n - 1;
        i += n - 1;
    }
    return PLAN_OK;
}

static enum plan_error check_limits(const struct plan_input *in)
{
    for (size_t i = 0; i < in->limit_count; i++) {
        const struct plan_limit *l = &in->limits[i];
        if (l->end <= l->start || ((l->start | l->end) & (PT_PAGE_4K - 1)))
            return PLAN_ERR_BAD_LIMIT;
    }
    return PLAN_OK;
}

enum plan_error plan_build(const struct plan_input *in, struct plan *out)
{
    out->region_count = 0;
    enum plan_error st = plan_read_memory_map(in, out);
    if (st == PLAN_OK)
        st = check_runs(in);
    if (st == PLAN_OK)
        st = check_limits(in);
    for (size_t i = 0; st == PLAN_OK && i < in->fw_count; i++) {
        const struct pt_run *run = &in->fw_runs[i];
        st = add_region(out, run->va, run->pa, run->len, run->attr, PLAN_SRC_FIRMWARE);
    }
    size_t next = 0;
    for (size_t i = 0; st == PLAN_OK && i < out->range_count; i++)
        st = add_uncovered(in, out, &out->ranges[i], &next);
    pt_attr alias = PT_ATTR_WRITE | PT_ATTR_MT(PT_MT_WB) | (in->cpu.nx ? PT_ATTR_NX : 0);
    for (size_t i = 0; st == PLAN_OK && i < out->range_count; i++) {
        const struct plan_range *r = &out->ranges[i];
        if (!plan_type_is_ram(r->type))
            continue;
        if (r->end > in->alias_limit - in->alias_base)
            return PLAN_ERR_ALIAS_RANGE;
        st = add_region(out, in->alias_base + r->start, r->start, r->end - r->start, alias,
                        PLAN_SRC_ALIAS);
    }
    if (st == PLAN_OK)
        merge_regions(out);
    for (size_t i = 0; st == PLAN_OK && i < in->limit_count; i++)
        st = apply_limit(out, &in->limits[i]);
    if (st == PLAN_OK && in->limit_count)
        merge_regions(out);
    return st;
}
