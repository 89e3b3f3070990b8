/* Sorting without allocation, for the planner's arrays. */
#ifndef PLAN_SORT_H
#define PLAN_SORT_H

#include <stdbool.h>
#include <stddef.h>

/* Heapsort of n items of size bytes each into the order `before` defines. */
void plan_sort(void *items, size_t n, size_t size, bool (*before)(const void *, const void *));

#endif
