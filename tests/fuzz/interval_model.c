/* Interval reference model: see interval_model.h. Addresses are compared as unsigned
 * 64-bit values; ranges never wrap. */
#include "interval_model.h"

#include <string.h>

void model_clear(struct interval_model *m)
{
    m->n = 0;
}

bool model_lookup(const struct interval_model *m, uint64_t va, uint64_t *pa, uint32_t *attr)
{
    for (int i = 0; i < m->n; i++) {
        const struct interval *v = &m->iv[i];
        if (va - v->va < v->len) {
            *pa = v->pa + (va - v->va);
            *attr = v->attr;
            return true;
        }
    }
    return false;
}

bool model_overlaps(const struct interval_model *m, uint64_t va, uint64_t len)
{
    for (int i = 0; i < m->n; i++)
        if (m->iv[i].va < va + len && va < m->iv[i].va + m->iv[i].len)
            return true;
    return false;
}

static bool insert_at(struct interval_model *m, int at, struct interval v)
{
    if (m->n == MODEL_CAPACITY)
        return false;
    memmove(&m->iv[at + 1], &m->iv[at], (size_t)(m->n - at) * sizeof v);
    m->iv[at] = v;
    m->n++;
    return true;
}

/* Splits the interval holding `va` so that an interval starts exactly at va. */
static bool split_at(struct interval_model *m, uint64_t va)
{
    for (int i = 0; i < m->n; i++) {
        struct interval *v = &m->iv[i];
        if (va > v->va && va - v->va < v->len) {
            struct interval tail = {va, v->len - (va - v->va), v->pa + (va - v->va), v->attr};
            v->len = va - v->va;
            return insert_at(m, i + 1, tail);
        }
    }
    return true;
}

bool model_unmap(struct interval_model *m, uint64_t va, uint64_t len)
{
    if (!split_at(m, va) || !split_at(m, va + len))
        return false;
    int k = 0;
    for (int i = 0; i < m->n; i++)
        if (!(m->iv[i].va >= va && m->iv[i].va < va + len))
            m->iv[k++] = m->iv[i];
    m->n = k;
    return true;
}

bool model_map(struct interval_model *m, uint64_t va, uint64_t len, uint64_t pa, uint32_t attr)
{
    if (!model_unmap(m, va, len))
        return false;
    int at = 0;
    while (at < m->n && m->iv[at].va < va)
        at++;
    return insert_at(m, at, (struct interval){va, len, pa, attr});
}

bool model_protect(struct interval_model *m, uint64_t va, uint64_t len, uint32_t attr)
{
    if (!split_at(m, va) || !split_at(m, va + len))
        return false;
    for (int i = 0; i < m->n; i++)
        if (m->iv[i].va >= va && m->iv[i].va < va + len)
            m->iv[i].attr = attr;
    return true;
}

bool model_restrict(struct interval_model *m, uint64_t va, uint64_t len, uint32_t clear,
                    uint32_t set)
{
    if (!split_at(m, va) || !split_at(m, va + len))
        return false;
    for (int i = 0; i < m->n; i++)
        if (m->iv[i].va >= va && m->iv[i].va < va + len)
            m->iv[i].attr = (m->iv[i].attr & ~clear) | set;
    return true;
}

uint64_t model_bytes_in(const struct interval_model *m, uint64_t lo, uint64_t hi)
{
    uint64_t sum = 0;
    for (int i = 0; i < m->n; i++) {
        uint64_t a = m->iv[i].va > lo ? m->iv[i].va : lo;
        uint64_t b = m->iv[i].va + m->iv[i].len < hi ? m->iv[i].va + m->iv[i].len : hi;
        if (a < b)
            sum += b - a;
    }
    return sum;
}

uint64_t model_bytes(const struct interval_model *m)
{
    uint64_t sum = 0;
    for (int i = 0; i < m->n; i++)
        sum += m->iv[i].len;
    return sum;
}
