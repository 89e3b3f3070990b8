/*
 * Catching faults while the app runs. The handler records vector, CR2, error code and RIP;
 * an expected fault resumes at the probe's own recovery point, an unexpected one inside
 * guarded_call() unwinds it, and any other goes to the firmware's handler when the
 * firmware has one that works in 64-bit mode, else the app halts saying why.
 */
#ifndef EFI_FAULT_H
#define EFI_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fault_record {
    uint64_t vector, error, rip, cr2;
};

#define PF_ERR_PRESENT 0x1u
#define PF_ERR_WRITE   0x2u
#define PF_ERR_FETCH   0x10u

/* Loads a copy of the firmware's IDT whose 32 exception gates are ours (once; again is a
 * no-op); fault_remove reloads the firmware's own. */
void fault_install(void);
void fault_remove(void);
/* How many of the firmware's 32 exception gates work in 64-bit mode. */
unsigned fault_firmware_gates(void);
/* The last fault caught, and how many so far. */
struct fault_record fault_last(void);
uint64_t fault_count(void);

/* The probe faulted (its result is `faulted`) with #PF at exactly va and exactly this
 * error code (present, write, user, reserved, fetch bits). */
bool fault_matches(int faulted, uint64_t va, uint64_t error);

/* This probe's fault in words ("#PF cr2 0x... error 0x...") or "no fault": a record left by
 * an earlier probe is never described as this one's (each probe clears it first). */
const char *fault_describe(int faulted, char *buf, size_t size);

/* Each returns 0 when the access completed and 1 when it faulted. */
int probe_read(uint64_t va);
int probe_write(uint64_t va, uint64_t value);
int probe_exec(uint64_t va); /* calls va, which must hold a `ret` */

/* Runs fn(arg) on the stack that ends at top (rounded down to 16 bytes). */
void call_on_stack(void (*fn)(void *), void *arg, uint64_t top);

/* Runs fn(arg); returns 1 when a fault nobody expected cut it short, else 0. */
int guarded_call(void (*fn)(void *), void *arg);

#endif
