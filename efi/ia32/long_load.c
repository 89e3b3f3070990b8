/* ELF64 loading for the 64-bit part: see long_load.h. */
#include "long_load.h"

#include <efilib.h>

#define PT_LOAD           1
#define PT_DYNAMIC        2
#define PF_X              1
#define PF_W              2
#define DT_NULL           0
#define DT_RELA           7
#define DT_RELASZ         8
#define DT_RELAENT        9
#define R_X86_64_RELATIVE 8
#define EM_X86_64         62
#define ET_DYN            3

struct elf64_header {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct elf64_rela {
    uint64_t offset, info;
    int64_t addend;
};

static const char *const names[LONG_LOAD_STATUS_COUNT] = {
    [LONG_LOAD_OK] = "LONG_LOAD_OK",
    [LONG_LOAD_NOT_ELF64] = "LONG_LOAD_NOT_ELF64",
    [LONG_LOAD_BAD_HEADERS] = "LONG_LOAD_BAD_HEADERS",
    [LONG_LOAD_TOO_MANY] = "LONG_LOAD_TOO_MANY",
    [LONG_LOAD_RELOCATION] = "LONG_LOAD_RELOCATION",
    [LONG_LOAD_NO_MEMORY] = "LONG_LOAD_NO_MEMORY",
};

const char *long_load_status_name(enum long_load_status st)
{
    return st < LONG_LOAD_STATUS_COUNT ? names[st] : "LONG_LOAD_?";
}

static const struct elf64_phdr *phdr(const uint8_t *elf, const struct elf64_header *h, unsigned i)
{
    return (const struct elf64_phdr *)(elf + h->phoff + (uint64_t)i * h->phentsize);
}

/* Applies DT_RELA: every entry must be RELATIVE and land inside the image. */
static enum long_load_status relocate(struct long_image *img, uint64_t span,
                                      const struct elf64_phdr *dyn)
{
    if (!dyn)
        return LONG_LOAD_OK;
    if (dyn->vaddr + dyn->memsz > span)
        return LONG_LOAD_BAD_HEADERS;
    const uint64_t *d = (const uint64_t *)(uintptr_t)(img->base + dyn->vaddr);
    uint64_t rela = 0, size = 0, ent = sizeof(struct elf64_rela);
    for (uint64_t i = 0; i + 1 < dyn->memsz / 8 && d[i] != DT_NULL; i += 2) {
        if (d[i] == DT_RELA)
            rela = d[i + 1];
        else if (d[i] == DT_RELASZ)
            size = d[i + 1];
        else if (d[i] == DT_RELAENT)
            ent = d[i + 1];
    }
    if (ent != sizeof(struct elf64_rela) || rela > span || size > span - rela)
        return LONG_LOAD_RELOCATION;
    for (uint64_t off = 0; off < size; off += ent) {
        const struct elf64_rela *r = (const struct elf64_rela *)(uintptr_t)(img->base + rela + off);
        if ((uint32_t)r->info != R_X86_64_RELATIVE || r->offset > span - 8)
            return LONG_LOAD_RELOCATION;
        *(uint64_t *)(uintptr_t)(img->base + r->offset) = img->base + (uint64_t)r->addend;
        img->relocations++;
    }
    return LONG_LOAD_OK;
}

enum long_load_status long_load(const uint8_t *elf, size_t size, struct long_image *img)
{
    const struct elf64_header *h = (const struct elf64_header *)elf;
    img->pages = 0;
    img->segment_count = img->relocations = 0;
    if (size < sizeof *h || h->ident[0] != 0x7f || h->ident[1] != 'E' || h->ident[2] != 'L' ||
        h->ident[3] != 'F' || h->ident[4] != 2 || h->ident[5] != 1 || h->machine != EM_X86_64 ||
        h->type != ET_DYN)
        return LONG_LOAD_NOT_ELF64;
    if (h->phentsize != sizeof(struct elf64_phdr) || h->phoff > size ||
        (uint64_t)h->phnum * h->phentsize > size - h->phoff)
        return LONG_LOAD_BAD_HEADERS;
    uint64_t span = 0;
    const struct elf64_phdr *dyn = NULL;
    for (unsigned i = 0; i < h->phnum; i++) {
        const struct elf64_phdr *p = phdr(elf, h, i);
        if (p->type == PT_DYNAMIC)
            dyn = p;
        if (p->type != PT_LOAD)
            continue;
        if (p->offset > size || p->filesz > size - p->offset || p->filesz > p->memsz ||
            p->vaddr > 0x10000000u || p->memsz > 0x10000000u)
            return LONG_LOAD_BAD_HEADERS;
        if (p->vaddr + p->memsz > span)
            span = p->vaddr + p->memsz;
    }
    if (h->entry >= span)
        return LONG_LOAD_BAD_HEADERS;
    span = (span + 4095) & ~4095ull;
    img->pages = span / 4096;
    img->base = 0xffffffffu;
    if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderCode,
                                    img->pages, &img->base))) {
        img->pages = 0;
        return LONG_LOAD_NO_MEMORY;
    }
    uint8_t *dst = (uint8_t *)(uintptr_t)img->base;
    for (uint64_t i = 0; i < span; i++)
        dst[i] = 0;
    enum long_load_status st = LONG_LOAD_OK;
    for (unsigned i = 0; i < h->phnum && st == LONG_LOAD_OK; i++) {
        const struct elf64_phdr *p = phdr(elf, h, i);
        if (p->type != PT_LOAD || !p->memsz)
            continue;
        for (uint64_t b = 0; b < p->filesz; b++)
            dst[p->vaddr + b] = elf[p->offset + b];
        if (img->segment_count == HANDOFF_SEGMENTS) {
            st = LONG_LOAD_TOO_MANY;
            break;
        }
        img->segments[img->segment_count++] = (struct handoff_segment){
            .start = img->base + (p->vaddr & ~4095ull),
            .end = img->base + ((p->vaddr + p->memsz + 4095) & ~4095ull),
            .writable = (p->flags & PF_W) != 0,
            .executable = (p->flags & PF_X) != 0,
        };
    }
    if (st == LONG_LOAD_OK)
        st = relocate(img, span, dyn);
    if (st != LONG_LOAD_OK) {
        long_unload(img);
        return st;
    }
    img->entry = img->base + h->entry;
    return LONG_LOAD_OK;
}

void long_unload(struct long_image *img)
{
    if (img->pages)
        uefi_call_wrapper(BS->FreePages, 2, img->base, img->pages);
    img->pages = 0;
}
