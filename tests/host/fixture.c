/* Shared set-up for host tests. */
#include "fixture.h"

#include <stdlib.h>

void fixture_init(struct fixture *f, uint64_t frames, struct pt_cpu cpu)
{
    sim_init(&f->sim, frames, cpu);
    if (pt_create(&f->sp, &f->sim.env) != PT_OK)
        abort();
}

void fixture_fini(struct fixture *f)
{
    sim_fini(&f->sim);
}

int64_t fixture_leaked(struct fixture *f)
{
    struct pt_stats st;
    pt_stats(&f->sp, &st);
    uint64_t tables = st.table_bytes / PT_PAGE_4K;
    return (int64_t)f->sim.in_use - (int64_t)tables;
}

enum pt_error fixture_check(struct fixture *f, struct pt_fault *fault)
{
    static uint64_t slots[1u << 16];
    struct pt_seen seen = {slots, 1u << 16, 0};
    for (size_t i = 0; i < seen.capacity; i++)
        slots[i] = 0;
    struct pt_fault scratch;
    return pt_check(&f->sp, &seen, fault ? fault : &scratch);
}

void text_append(void *ctx, const char *s)
{
    struct text *t = ctx;
    pt_fmt_str(t->buf, sizeof t->buf, &t->pos, s);
}
