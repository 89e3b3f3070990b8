/*
 * Test-only: switching paging depth under running firmware. CR4.LA57 cannot change while
 * long mode is active, so, as Linux's EFI stub does (x86-5lvl.c and the trampoline in
 * head_64.S), the switch runs from a page below 4 GiB: into compatibility mode through a
 * GDT of our own, paging off (long mode inactive, EFER.LME stays set), CR4 and CR3 loaded
 * from 32-bit mode, paging on, and back to 64-bit mode and the firmware's GDT and
 * segments. Interrupts must be off, and the page, the stack and the code calling it must
 * be identity-mapped in both hierarchies.
 */
#ifndef TESTS_LA57_H
#define TESTS_LA57_H

#include <stdbool.h>
#include <stdint.h>

/* Allocates and fills the trampoline page below 4 GiB; false with a reason in *why. */
bool la57_prepare(const char **why);
/* Loads cr4 (LA57 set or clear) and cr3 (a PML5 or a PML4, below 4 GiB) through the
 * trampoline. Call with interrupts off. */
void la57_switch(uint64_t cr3, uint64_t cr4);
/* Gives the trampoline page back. */
void la57_release(void);

#endif
