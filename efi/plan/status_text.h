/* The one shape of the planner's status texts: a table indexed by the status value, each
 * entry a name ("SMBIOS_NO_END") and a sentence, and one entry more, after the last
 * status, for a value out of range. */
#ifndef PLAN_STATUS_TEXT_H
#define PLAN_STATUS_TEXT_H

struct status_text {
    const char *name, *message;
};

/* The entry of st in a table of count statuses (and the out-of-range entry at count). */
static inline const struct status_text *status_text(const struct status_text *table, unsigned count,
                                                    unsigned st)
{
    return &table[st < count ? st : count];
}

#endif
