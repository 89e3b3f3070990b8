/* The 64-bit part's ELF file, embedded as bytes (LONG_ELF names it; see ia32.mk). */
#include "long_load.h"

#define STR2(x) #x
#define STR(x)  STR2(x)

__asm__(".section .data\n"
        ".balign 64\n"
        ".globl long_elf\n.hidden long_elf\n"
        "long_elf:\n"
        ".incbin " STR(LONG_ELF) "\n"
                                 ".globl long_elf_end\n.hidden long_elf_end\n"
                                 "long_elf_end:\n"
                                 ".previous\n");
