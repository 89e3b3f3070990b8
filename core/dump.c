/* A ptdump-like listing of a hierarchy's runs. */
#include "pt.h"

void pt_attr_format(pt_attr attr, char *buf, size_t size)
{
    size_t pos = 0;
    pt_fmt_str(buf, size, &pos, (attr & PT_ATTR_WRITE) ? "RW " : "ro ");
    pt_fmt_str(buf, size, &pos, (attr & PT_ATTR_USER) ? "USR " : "    ");
    pt_fmt_str(buf, size, &pos, (attr & PT_ATTR_GLOBAL) ? "GLB " : "    ");
    pt_fmt_str(buf, size, &pos, (attr & PT_ATTR_NX) ? "NX " : "x  ");
    pt_fmt_str(buf, size, &pos, pt_memtype_name(PT_ATTR_MEMTYPE(attr)));
}

struct dump_ctx {
    pt_print_fn print;
    void *ctx;
};

static bool dump_run(void *ctx, const struct pt_run *run)
{
    static const char *const level_names[PT_SIZE_COUNT] = {"pte", "pmd", "pud"};
    const struct dump_ctx *d = ctx;
    char line[128], attr[32];
    size_t pos = 0;
    pt_fmt_hex(line, sizeof line, &pos, run->va, 16);
    pt_fmt_str(line, sizeof line, &pos, "-");
    pt_fmt_hex(line, sizeof line, &pos, run->va + run->len, 16);
    pt_fmt_str(line, sizeof line, &pos, " -> ");
    pt_fmt_hex(line, sizeof line, &pos, run->pa, 12);
    pt_fmt_str(line, sizeof line, &pos, " ");
    size_t before = pos;
    pt_fmt_size(line, sizeof line, &pos, run->len);
    do /* at least one space, even after a long size */
        pt_fmt_str(line, sizeof line, &pos, " ");
    while (pos < before + 7);
    pt_attr_format(run->attr, attr, sizeof attr);
    pt_fmt_str(line, sizeof line, &pos, attr);
    for (int s = PT_SIZE_COUNT - 1; s >= 0; s--) {
        if (run->sizes & (1u << s)) {
            pt_fmt_str(line, sizeof line, &pos, " ");
            pt_fmt_str(line, sizeof line, &pos, level_names[s]);
        }
    }
    pt_fmt_str(line, sizeof line, &pos, "\n");
    d->print(d->ctx, line);
    return true;
}

enum pt_error pt_dump(const struct pt_space *sp, pt_print_fn print, void *ctx)
{
    struct dump_ctx d = {print, ctx};
    /* Linux's ptdump names the level a five-level hierarchy adds p4d, between pgd and pud. */
    if (sp->levels == PT_LEVEL_PML5)
        print(ctx, "5-level: pgd p4d pud pmd pte\n");
    /* Both canonical halves: 2^48 or 2^57 bytes from 0. */
    return pt_walk(sp, 0, 1ull << pt_va_bits(sp->levels), dump_run, &d);
}
