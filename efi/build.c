/* Reading the firmware's hierarchy, planning ours, building it and checking it before the
 * switch: see build.h. No firmware service is called here. */
#include "build.h"

#include "report.h"

#define RUN_CAPACITY  16384u
#define SEEN_CAPACITY 32768u /* a power of two, well above any firmware's table count */

static bool collect_run(void *ctx, const struct pt_run *run)
{
    struct firmware_state *fw = ctx;
    if (fw->run_count == fw->run_cap)
        return false;
    fw->runs[fw->run_count++] = *run;
    return true;
}

static void clear_seen(struct pt_seen *s)
{
    for (size_t i = 0; i < s->capacity; i++)
        s->slots[i] = 0;
    s->count = 0;
}

static void report_fault(const char *what, const struct pt_fault *f)
{
    report("  %s: %s (%s) at level %d index %u of table 0x%llx, va 0x%llx, entry 0x%016llx", what,
           pt_error_name(f->error), pt_strerror(f->error), f->level, f->index,
           (unsigned long long)f->table, (unsigned long long)f->va, (unsigned long long)f->entry);
}

bool takeover_import(struct firmware_state *fw, struct pt_seen *seen, const struct scratch *s,
                     const struct import_source *src, struct report_tally *tally)
{
    fw->env = (struct pt_env){.cpu = src->cpu};
    pt_access_identity(&fw->env); /* the firmware maps physical memory 1:1 */
    enum pt_error opened = pt_open(&fw->sp, &fw->env, src->root);
    if (opened != PT_OK) {
        report_check(tally, "firmware-import", false, "%s", pt_error_name(opened));
        return false;
    }
    fw->run_cap = RUN_CAPACITY;
    fw->runs = s->take(s->ctx, RUN_CAPACITY * sizeof *fw->runs);
    seen->capacity = SEEN_CAPACITY;
    seen->slots = s->take(s->ctx, SEEN_CAPACITY * sizeof *seen->slots);
    if (!fw->runs || !seen->slots) {
        report_check(tally, "firmware-import", false, "no %s memory for %u runs", s->name,
                     RUN_CAPACITY);
        return false;
    }
    clear_seen(seen);
    struct pt_fault fault = {0};
    enum pt_error err = pt_import(&fw->sp, seen, collect_run, fw, &fault);
    if (err == PT_ERR_STOPPED) {
        report_check(tally, "firmware-import", false, "more than %u runs", RUN_CAPACITY);
        return false;
    }
    if (err != PT_OK) {
        report_check(tally, "firmware-import", false, "%s", pt_error_name(err));
        report_fault(src->fault_what, &fault);
        return false;
    }
    pt_stats(&fw->sp, &fw->stats);
    report_check(tally, "firmware-import", true, "%u runs from %u tables at %s0x%llx%s",
                 (unsigned)fw->run_count, (unsigned)seen->count, src->root_name,
                 (unsigned long long)fw->sp.root, src->note);
    return true;
}

bool takeover_plan(struct plan *plan, const struct firmware_state *fw,
                   const struct takeover_target *target, const struct scratch *s,
                   const struct map_bytes *map, struct report_tally *tally)
{
    size_t descs = map->size / (map->desc_size ? map->desc_size : 1) + 1;
    const struct wx_limits *set = &target->wx.set;
    const struct plan_input in = {
        .map = map->map,
        .map_size = map->size,
        .desc_size = map->desc_size,
        .fw_runs = fw->runs,
        .fw_count = fw->run_count,
        .cpu = target->pt,
        .alias_base = target->alias_base,
        .alias_limit = target->alias_limit,
        .limits = set->limits,
        .limit_count = set->count,
    };
    plan->range_cap = descs;
    plan->ranges = s->take(s->ctx, descs * sizeof *plan->ranges);
    plan->region_cap = fw->run_count + 2 * descs + 2 * set->count;
    plan->regions = s->take(s->ctx, plan->region_cap * sizeof *plan->regions);
    if (!plan->ranges || !plan->regions) {
        report_check(tally, "plan", false, "no %s memory for the plan", s->name);
        return false;
    }
    enum plan_error st = plan_build(&in, plan);
    for (int w = 0; w < PLAN_WARN_COUNT; w++)
        if (plan->warnings[w])
            report("  warning %s x%u: %s", plan_warning_name(w), plan->warnings[w],
                   plan_warning_message(w));
    if (st != PLAN_OK) {
        report_check(tally, "plan", false, "%s: %s", plan_error_name(st), plan_error_message(st));
        return false;
    }
    report_check(tally, "plan", true, "%u memory-map ranges, %llu MiB RAM, %u regions to map",
                 (unsigned)plan->range_count, (unsigned long long)(plan->ram_bytes >> 20),
                 (unsigned)plan->region_count);
    return true;
}

/* The plan's tables, the root, the window's PDPT, PD and PT; then a table for the live-map
 * check, and a PD and a PT for the live split of a 1 GiB leaf down to a 4 KiB page. */
uint64_t takeover_frames_needed(const struct plan *plan, const struct takeover_target *target)
{
    uint64_t window = 3 + (target->pt.levels == PT_LEVEL_PML5); /* and its PML4 at five levels */
    return plan_frame_budget(plan, &target->pt) + 1 + window + 1 + 2;
}

/* The window: guard, read-only data, a no-execute and an executable copy of one code page
 * (holding `ret`), a second guard; the last slot is mapped live during the checks. */
static enum pt_error map_window(struct our_tables *ours, const struct takeover_target *target)
{
    uint64_t nx = target->pt.nx ? PT_ATTR_NX : 0;
    pt_attr wb = PT_ATTR_MT(PT_MT_WB);
    uint64_t data = ours->own + OWN_DATA * 4096ull, code = ours->own + OWN_CODE * 4096ull;
    enum pt_error err = pt_map_page(&ours->sp, target->window + WIN_READ_ONLY * 4096ull, data,
                                    PT_SIZE_4K, wb | nx, 0);
    if (err == PT_OK)
        err = pt_map_page(&ours->sp, target->window + WIN_NO_EXEC * 4096ull, code, PT_SIZE_4K,
                          wb | nx, 0);
    if (err == PT_OK)
        err = pt_map_page(&ours->sp, target->window + WIN_EXEC * 4096ull, code, PT_SIZE_4K, wb, 0);
    return err;
}

static void fill_own_pages(const struct our_tables *ours)
{
    uint64_t *data = (uint64_t *)(uintptr_t)(ours->own + OWN_DATA * 4096ull);
    for (unsigned i = 0; i < 512; i++)
        data[i] = 0x5a5a000000000000ull | i;
    uint8_t *code = (uint8_t *)(uintptr_t)(ours->own + OWN_CODE * 4096ull);
    for (unsigned i = 0; i < 4096; i++)
        code[i] = 0xc3; /* ret */
}

bool takeover_build(struct our_tables *ours, const struct plan *plan,
                    const struct takeover_target *target, const struct scratch *s, const char *note,
                    struct report_tally *tally)
{
    fill_own_pages(ours);
    ours->pool.freed = s->take(s->ctx, ours->pool.count * sizeof *ours->pool.freed);
    if (!ours->pool.freed) {
        report_check(tally, "build", false, "no %s memory for the frame list", s->name);
        return false;
    }
    ours->env = (struct pt_env){.alloc_frame = frame_pool_alloc,
                                .free_frame = frame_pool_free,
                                .frame_ctx = &ours->pool,
                                .frames_zeroed = true, /* frame_pool_alloc clears each frame */
                                .cpu = target->pt};
    pt_access_identity(&ours->env);
    enum pt_error err = pt_create(&ours->sp, &ours->env);
    if (err == PT_OK)
        err = pt_recursive_install(&ours->sp, PT_DEFAULT_SLOT);
    size_t i = 0;
    struct pt_map_stats st, sum = {{0}, 0};
    for (; err == PT_OK && i < plan->region_count; i++) {
        const struct plan_region *r = &plan->regions[i];
        err = pt_map_region(&ours->sp, r->va, r->pa, r->len, r->attr, 0, &st);
        for (int k = 0; k < PT_SIZE_COUNT; k++)
            sum.leaves[k] += st.leaves[k];
        sum.tables += st.tables;
    }
    if (err == PT_OK)
        err = map_window(ours, target);
    if (err != PT_OK) {
        const struct plan_region *r = &plan->regions[i ? i - 1 : 0];
        report_check(tally, "build", false, "%s (%s) mapping 0x%llx+0x%llx; %llu frames reserved",
                     pt_error_name(err), pt_strerror(err), (unsigned long long)r->va,
                     (unsigned long long)r->len, (unsigned long long)ours->pool.count);
        return false;
    }
    pt_stats(&ours->sp, &ours->stats);
    report_check(tally, "build", true,
                 "%llu regions: %llu x 1G, %llu x 2M, %llu x 4K leaves; %llu of %llu frames "
                 "used%s",
                 (unsigned long long)plan->region_count, (unsigned long long)sum.leaves[2],
                 (unsigned long long)sum.leaves[1], (unsigned long long)sum.leaves[0],
                 (unsigned long long)ours->pool.in_use, (unsigned long long)ours->pool.count, note);
    return true;
}

bool takeover_check(const struct our_tables *ours, struct pt_seen *seen, struct report_tally *tally)
{
    clear_seen(seen);
    struct pt_fault fault = {0};
    enum pt_error err = pt_check(&ours->sp, seen, &fault);
    if (err != PT_OK) {
        report_check(tally, "checker", false, "%s", pt_error_name(err));
        report_fault("new tables", &fault);
        return false;
    }
    report_check(tally, "checker", true,
                 "%u tables: reserved bits, PS, alignment, width, NX, loops, slot",
                 (unsigned)seen->count);
    return true;
}

static void report_tables(const char *who, const struct pt_stats *s)
{
    report("tables %-9s PML4 %llu  PDPT %llu  PD %llu  PT %llu  (%llu KiB); leaves 1G %llu  "
           "2M %llu  4K %llu",
           who, (unsigned long long)s->tables[4], (unsigned long long)s->tables[3],
           (unsigned long long)s->tables[2], (unsigned long long)s->tables[1],
           (unsigned long long)(s->table_bytes >> 10), (unsigned long long)s->leaves[2],
           (unsigned long long)s->leaves[1], (unsigned long long)s->leaves[0]);
}

void takeover_report_built(const struct firmware_state *fw, const struct our_tables *ours,
                           const struct takeover_target *target)
{
    report_tables("firmware", &fw->stats);
    report_tables("ours", &ours->stats);
    int levels = ours->sp.levels;
    if (levels == PT_LEVEL_PML5)
        report("paging: PML5 tables firmware %llu, ours %llu",
               (unsigned long long)fw->stats.tables[5], (unsigned long long)ours->stats.tables[5]);
    report("recursive slot %u: %s visible at 0x%llx; RAM alias at 0x%llx; test window at "
           "0x%llx",
           PT_DEFAULT_SLOT, levels == PT_LEVEL_PML5 ? "PML5" : "PML4",
           (unsigned long long)pt_recursive_table_va_at(levels, PT_DEFAULT_SLOT, levels, 0),
           (unsigned long long)target->alias_base, (unsigned long long)target->window);
}

/* One report line per run of the dump, without the dump's own newline. A five-level
 * dump's line naming its levels becomes a "dump" line: "map" lines are runs only. */
static void report_dump_line(void *ctx, const char *text)
{
    char line[160];
    size_t n = 0;
    (void)ctx;
    while (text[n] && text[n] != '\n' && n + 1 < sizeof line) {
        line[n] = text[n];
        n++;
    }
    line[n] = '\0';
    report_detail("%s %s", line[0] == '0' ? "map" : "dump", line);
}

void takeover_dump_map(const struct our_tables *ours)
{
    enum pt_error dumped = pt_dump(&ours->sp, report_dump_line, NULL);
    if (dumped != PT_OK) /* the map lines above are then not the whole hierarchy */
        report("  map: the dump stopped: %s (%s)", pt_error_name(dumped), pt_strerror(dumped));
}

void takeover_dump_memory(const struct plan *plan)
{
    for (size_t i = 0; i < plan->range_count; i++)
        report_detail("mem 0x%016llx-0x%016llx %s", (unsigned long long)plan->ranges[i].start,
                      (unsigned long long)plan->ranges[i].end,
                      plan_type_name(plan->ranges[i].type));
}
