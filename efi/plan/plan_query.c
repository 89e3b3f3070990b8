/* Questions asked of a finished plan: which region maps an address, and how many frames
 * building it takes. */
#include "plan.h"

const struct plan_region *plan_lookup(const struct plan *p, uint64_t va)
{
    size_t lo = 0, hi = p->region_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct plan_region *r = &p->regions[mid];
        if (va < r->va)
            hi = mid;
        else if (va - r->va >= r->len)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

/* The tables below entries of one level: a level-`level` block the regions touch needs a
 * table under its entry unless one leaf fills it (the greedy rule of pt_map_region: the
 * region covers the block, the physical address is aligned, the CPU allows the leaf). */
struct level_count {
    int level;
    bool leaf_allowed;
    bool have_last;
    uint64_t last; /* the last block counted: sorted regions share only their edge blocks */
    uint64_t tables;
};

static bool block_is_leaf(const struct level_count *c, const struct plan_region *r, uint64_t block)
{
    uint64_t span = pt_level_span(c->level);
    return c->leaf_allowed && block >= r->va && block + span - r->va <= r->len &&
           ((r->pa - r->va) & (span - 1)) == 0;
}

static void count_region(struct level_count *c, const struct plan_region *r)
{
    uint64_t span = pt_level_span(c->level), mask = ~(span - 1);
    uint64_t first = r->va & mask, last = (r->va + r->len - 1) & mask;
    uint64_t n = (last - first) / span + 1;
    if (c->leaf_allowed && ((r->pa - r->va) & (span - 1)) == 0) {
        uint64_t in_lo = (r->va + span - 1) & mask, in_hi = (r->va + r->len) & mask;
        n -= in_hi > in_lo ? (in_hi - in_lo) / span : 0;
    }
    if (n && c->have_last && c->last == first && !block_is_leaf(c, r, first))
        n--;
    c->tables += n;
    if (!block_is_leaf(c, r, last)) {
        c->have_last = true;
        c->last = last;
    }
}

uint64_t plan_frame_budget(const struct plan *p, const struct pt_cpu *cpu)
{
    struct level_count levels[] = {
        {.level = PT_LEVEL_PD, .leaf_allowed = true},
        {.level = PT_LEVEL_PDPT, .leaf_allowed = cpu->page_1g},
        {.level = PT_LEVEL_PML4},
        {.level = PT_LEVEL_PML5},
    };
    /* Tables below PML4 entries, and at five levels below PML5 entries too. */
    size_t counted = cpu->levels == PT_LEVEL_PML5 ? 4 : 3;
    uint64_t total = 0;
    for (size_t l = 0; l < counted; l++) {
        for (size_t i = 0; i < p->region_count; i++)
            count_region(&levels[l], &p->regions[i]);
        total += levels[l].tables;
    }
    return total;
}
