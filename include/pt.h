/*
 * pt: a freestanding library for x86-64 page tables, four-level or five-level (LA57).
 *
 * The same code builds into firmware, a kernel and a host test program: it never calls
 * libc and reaches physical memory only through the environment the caller hands it
 * (struct pt_env). Every mutating call is transactional: it validates and counts the
 * frames it needs first, obtains them all, and only then writes an entry, so a failing
 * call leaves the hierarchy exactly as it was and leaks nothing.
 */
#ifndef PT_H
#define PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- errors ---------------------------------------------------------------------------- */

enum pt_error {
    PT_OK = 0,
    PT_ERR_NO_FRAMES,        /* the frame allocator refused a frame */
    PT_ERR_ALREADY_MAPPED,   /* target range overlaps a mapping and replace was not asked */
    PT_ERR_MISALIGNED,       /* address or length not aligned to the page size */
    PT_ERR_NON_CANONICAL,    /* virtual address (or range end) not canonical */
    PT_ERR_PA_TOO_WIDE,      /* physical address at or above 2^MAXPHYADDR */
    PT_ERR_RECURSIVE_SLOT,   /* range touches the recursive slot's 512 GiB */
    PT_ERR_SIZE_NOT_ALLOWED, /* 1 GiB page asked for on a CPU without them */
    PT_ERR_NX_DISABLED,      /* no-execute asked for while EFER.NXE is clear */
    PT_ERR_BAD_LENGTH,       /* zero length, or range wraps past the address space */
    PT_ERR_BAD_ATTR,         /* unknown attribute bits or memory type not in the PAT */
    PT_ERR_BAD_SLOT,         /* recursive slot index out of range or already in use */
    PT_ERR_UNREACHABLE,      /* access mode cannot reach the frames this call needs */
    PT_ERR_RESERVED_BITS,    /* an entry has reserved bits set */
    PT_ERR_BAD_PS,           /* PS set where the level allows no leaf */
    PT_ERR_LEAF_MISALIGNED,  /* a large leaf's physical address is not aligned */
    PT_ERR_TABLE_LOOP,       /* a table is reachable twice (a loop or shared table) */
    PT_ERR_SLOT_MISMATCH,    /* the recursive slot does not point at the root */
    PT_ERR_SCRATCH_FULL,     /* the caller's visited-table set is too small */
    PT_ERR_STOPPED,          /* a callback asked the walk to stop */
    PT_ERR_BAD_LEVELS,       /* paging depth neither 4 nor 5 (struct pt_cpu levels) */
    PT_ERR_RESERVE_SHORT,    /* a change needed more frames than it reserved (library fault) */
    PT_ERR_COUNT
};

/* Short identifier ("PT_ERR_NO_FRAMES") and a sentence describing the error. */
const char *pt_error_name(enum pt_error err);
const char *pt_strerror(enum pt_error err);

/* ---- sizes, levels and addresses ------------------------------------------------------- */

#define PT_PAGE_4K    0x1000ull
#define PT_PAGE_2M    0x200000ull
#define PT_PAGE_1G    0x40000000ull
#define PT_SLOT_SPAN  (1ull << 39) /* bytes covered by one PML4 entry */
#define PT_SLOT_SPAN5 (1ull << 48) /* bytes covered by one PML5 entry */
#define PT_ENTRIES    512u

/* Levels count from the leaf up: a PT is level 1, the PML4 level 4, the PML5 (the root
 * of a five-level hierarchy, CR4.LA57=1) level 5. */
enum pt_level {
    PT_LEVEL_PT = 1,
    PT_LEVEL_PD = 2,
    PT_LEVEL_PDPT = 3,
    PT_LEVEL_PML4 = 4,
    PT_LEVEL_PML5 = 5
};

enum pt_size { PT_SIZE_4K = 0, PT_SIZE_2M = 1, PT_SIZE_1G = 2, PT_SIZE_COUNT = 3 };

/* Inline: every walk computes these at each level. */

/* Bytes one entry of a table at `level` covers (4 KiB at level 1 ... 512 GiB at level 4). */
static inline uint64_t pt_level_span(int level)
{
    return 1ull << (12 + 9 * (level - 1));
}

static inline uint64_t pt_size_bytes(enum pt_size size)
{
    return pt_level_span((int)size + 1);
}

/* Index of the entry covering `va` in a table of `level`. */
static inline unsigned pt_index(uint64_t va, int level)
{
    return (unsigned)(va >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

/* Sign-extend bit 47 so a 48-bit address becomes canonical. */
static inline uint64_t pt_canonical(uint64_t va)
{
    va &= 0x0000ffffffffffffull;
    return (va & (1ull << 47)) ? (va | 0xffff000000000000ull) : va;
}

/* Bits 63:47 all equal: adding 2^47 carries the upper half's ones out of bit 63. */
static inline bool pt_is_canonical(uint64_t va)
{
    return ((va + (1ull << 47)) >> 48) == 0;
}

/* Linear-address bits a hierarchy of `levels` (4 or 5) translates: 48 or 57. */
static inline unsigned pt_va_bits(int levels)
{
    return 12u + 9u * (unsigned)levels;
}

/* pt_canonical for a hierarchy of `levels`: sign-extend bit 47 or bit 56. */
static inline uint64_t pt_canonical_at(int levels, uint64_t va)
{
    unsigned unused = 64u - pt_va_bits(levels);
    return (uint64_t)((int64_t)(va << unused) >> unused);
}

/* pt_is_canonical for a hierarchy of `levels`: bits 63:47 or 63:56 all equal. */
static inline bool pt_is_canonical_at(int levels, uint64_t va)
{
    unsigned bits = pt_va_bits(levels);
    return ((va + (1ull << (bits - 1))) >> bits) == 0;
}

/* ---- attributes ------------------------------------------------------------------------ */

/* Portable attributes of a mapping. Accessed and dirty are never part of them. */
typedef uint32_t pt_attr;
#define PT_ATTR_WRITE      0x1u
#define PT_ATTR_USER       0x2u
#define PT_ATTR_NX         0x4u
#define PT_ATTR_GLOBAL     0x8u
#define PT_ATTR_MT_SHIFT   4
#define PT_ATTR_MT_MASK    (0x7u << PT_ATTR_MT_SHIFT)
#define PT_ATTR_MT(mt)     ((pt_attr)(mt) << PT_ATTR_MT_SHIFT)
#define PT_ATTR_MEMTYPE(a) ((enum pt_memtype)(((a)&PT_ATTR_MT_MASK) >> PT_ATTR_MT_SHIFT))
#define PT_ATTR_ALL        (PT_ATTR_WRITE | PT_ATTR_USER | PT_ATTR_NX | PT_ATTR_GLOBAL | PT_ATTR_MT_MASK)

/* Memory types, with the encodings the IA32_PAT MSR uses. */
enum pt_memtype {
    PT_MT_UC = 0,
    PT_MT_WC = 1,
    PT_MT_WT = 4,
    PT_MT_WP = 5,
    PT_MT_WB = 6,
    PT_MT_UCMINUS = 7,
};

/* The PAT as the CPU comes out of reset (and as OVMF leaves it): WB WT UC- UC WB WT UC- UC. */
extern const uint8_t pt_pat_reset[8];

/* The PAT entry that may hold memory type mt without losing another type: one holding mt
 * already, else the highest entry whose type another entry repeats; -1 when the eight
 * entries hold eight types. The caller writes the MSR and sets cpu->pat[index]. */
int pt_pat_slot_for(const uint8_t pat[8], enum pt_memtype mt);

/* Writes "RW NX GLB USR WB" style text into buf (at least 24 bytes). */
void pt_attr_format(pt_attr attr, char *buf, size_t size);

/* ---- environment ----------------------------------------------------------------------- */

/*
 * How the library reaches tables. `table` returns a pointer to the 512 entries of the
 * table at physical address `pa`, which sits at `level` and covers virtual address `va`
 * (level and va matter only to recursive access). level 0 asks for a frame that is not
 * (yet) part of the hierarchy; an access mode that cannot reach such frames returns NULL.
 */
typedef uint64_t *(*pt_table_fn)(void *ctx, uint64_t pa, int level, uint64_t va);

struct pt_cpu {
    /* Paging depth: 5 with CR4.LA57 set, else 4 (0 reads as 4). pt_create and pt_open
     * take it from here and refuse any other value (PT_ERR_BAD_LEVELS). */
    uint8_t levels;
    bool page_1g;       /* CPUID.80000001H:EDX.Page1GB */
    bool nx;            /* EFER.NXE is set */
    uint8_t maxphyaddr; /* CPUID.80000008H:EAX[7:0] */
    uint8_t pat[8];     /* memory type of each PAT index */
    /* Bytes of the last-level cache (CPUID leaf 4 or 0x8000001D); 0: unknown, taken as
     * PT_LLC_UNKNOWN. A map that makes more new tables than half of it writes their
     * leaves with non-temporal stores, which skip reading each line first and leave the
     * cache to what is used again; smaller maps use ordinary stores and stay cached. */
    uint64_t llc_bytes;
};
#define PT_LLC_UNKNOWN (8ull << 20)

/*
 * TLB invalidation. A change invalidates one page for each leaf it changes or removes (a
 * leaf it splits counts once, and again each piece it then changes or removes; a table it
 * folds counts each leaf it held), and one page when it changed only table entries (which
 * only the paging-structure caches can hold). When that count n is at most flush_threshold
 * and at most PT_FLUSH_MAX, the change ends with n single-page flushes; otherwise with one
 * full flush and no single-page one. PT_FLUSH_MAX is the most addresses a change holds
 * (in itself: the library has no heap) until every entry is written: a table's worth of
 * pages; past that, one full flush costs less than the single ones.
 */
#define PT_FLUSH_MAX 512u

struct pt_env {
    pt_table_fn table;
    void *table_ctx;
    /* Set by pt_access_identity and pt_access_offset: the table at `pa` sits at pa +
     * table_offset, reached without a call per level. */
    bool table_direct;
    uint64_t table_offset;
    /* A 4 KiB frame; returns false when none is left. */
    bool (*alloc_frame)(void *ctx, uint64_t *pa);
    void (*free_frame)(void *ctx, uint64_t pa);
    void *frame_ctx;
    /* TLB hooks for a live hierarchy; NULL when the hierarchy is not live. */
    void (*flush_page)(void *ctx, uint64_t va);
    void (*flush_all)(void *ctx);
    void *flush_ctx;
    unsigned flush_threshold; /* single-page flushes up to this many (see PT_FLUSH_MAX) */
    /* True when alloc_frame hands out zeroed frames. When false, the library writes every
     * entry of each table it makes and reads none it did not write, so a frame need not be
     * cleared twice (once by the allocator, once by the entries). */
    bool frames_zeroed;
    /* Set by pt_access_recursive: tables are reached through the hierarchy's own recursive
     * slot. Which slot that is, the hierarchy says (pt_space.recursive_slot), in one place. */
    bool table_recursive;
    struct pt_cpu cpu;
};

/* Ready access modes. Each fills env->table and env->table_ctx. */
struct pt_offset_access {
    uint64_t offset; /* virtual = physical + offset */
};
void pt_access_identity(struct pt_env *env);
void pt_access_offset(struct pt_env *env, struct pt_offset_access *acc);
/* Tables are read at their recursive addresses through `slot` of the active hierarchy.
 * `deref` turns such a virtual address into a pointer (the identity cast on the CPU;
 * a software walk on the host). The CPU applies the rights of the entries on that path
 * to the table itself: below a table entry that withholds RW (and with CR0.WP set), a
 * table is read-only through the slot, so changes there need identity or offset access. */
struct pt_recursive_access {
    unsigned slot;
    uint8_t levels; /* depth of the active hierarchy: 4 (0 reads as 4) or 5 */
    uint64_t *(*deref)(void *ctx, uint64_t va);
    void *ctx;
};
void pt_access_recursive(struct pt_env *env, struct pt_recursive_access *acc);

/* ---- hierarchy ------------------------------------------------------------------------- */

struct pt_space {
    const struct pt_env *env;
    uint64_t root; /* physical address of the top table: PML4, or PML5 at 5 levels */
    /* Index of the recursive entry in the top table, or -1. Written only by the library:
     * pt_open finds it, pt_recursive_install sets it, pt_create and pt_destroy clear it.
     * The one record of the slot: transactions through a recursive env read it here. */
    int recursive_slot;
    int levels; /* 4 or 5, from env->cpu.levels */
};

#define PT_DEFAULT_SLOT 510u

/* A new, empty hierarchy (one zeroed top table) of env->cpu.levels levels. */
enum pt_error pt_create(struct pt_space *sp, const struct pt_env *env);
/* Adopt an existing top table (PML4, or PML5 when env->cpu.levels is 5); finds a
 * recursive slot if one points at the root. PT_ERR_BAD_LEVELS leaves `sp` unusable;
 * through a recursive env (pt_access_recursive), a root with no recursive slot is
 * PT_ERR_SLOT_MISMATCH. */
enum pt_error pt_open(struct pt_space *sp, const struct pt_env *env, uint64_t root);
/* Frees every table below the root and the root itself. Leaves nothing mapped. */
void pt_destroy(struct pt_space *sp);

/* ---- recursive slot -------------------------------------------------------------------- */

/* The slot is an entry of the top table: it spans 512 GiB at four levels, 256 TiB at five. */
enum pt_error pt_recursive_install(struct pt_space *sp, unsigned slot);
/* Virtual address, through `slot`, of the table at `level` that covers `va` (four levels). */
uint64_t pt_recursive_table_va(unsigned slot, int level, uint64_t va);
/* Virtual address, through `slot`, of the entry at `level` that maps `va` (four levels). */
uint64_t pt_recursive_entry_va(unsigned slot, int level, uint64_t va);
/* The same in a hierarchy of `levels` (4 or 5): the slot index repeated `level` times
 * from the top, then the indices of va above `level`; canonical at bit 47 or 56. */
uint64_t pt_recursive_table_va_at(int levels, unsigned slot, int level, uint64_t va);
uint64_t pt_recursive_entry_va_at(int levels, unsigned slot, int level, uint64_t va);

/* ---- mapping --------------------------------------------------------------------------- */

/*
 * On hierarchies the library did not build. The rights of a page are the AND of RW and
 * US and the OR of NX over every entry on its path; every call keeps to that rule.
 * "Mapped" means a leaf: a table holding no leaf is no mapping, and a leaf that may go
 * where it is replaces it (the table is freed). Map, replace and protect below a table
 * entry that withholds a right (or sets NX) first move that restriction down into every
 * entry of the table it points to and let the entry grant everything, so the pages the
 * call writes get exactly the attributes asked and every other page keeps its effective
 * ones. Unmap removes leaves and leaves the entries above as they are.
 *
 * Each change counts the frames it needs in a dry run of its own walk and reserves them
 * before it writes. Should the tables change between the two (another writer, or the
 * frame allocator itself), the change stops with PT_ERR_RESERVE_SHORT where it would need
 * a frame it did not reserve: a new table it could not finish goes again with all below
 * it, what the change wrote before that point stays (a split leaf stays split, with every
 * translation as before), every table is whole, and no frame is lost.
 */

#define PT_MAP_REPLACE 0x1u /* overwrite whatever the range maps now */

struct pt_map_stats {
    uint64_t leaves[PT_SIZE_COUNT]; /* leaves written, by size */
    uint64_t tables;                /* tables allocated */
};

enum pt_error pt_map_page(struct pt_space *sp, uint64_t va, uint64_t pa, enum pt_size size,
                          pt_attr attr, unsigned flags);
/* Maps [va, va+len) to [pa, pa+len), tiled greedily with the largest pages that fit. */
enum pt_error pt_map_region(struct pt_space *sp, uint64_t va, uint64_t pa, uint64_t len,
                            pt_attr attr, unsigned flags, struct pt_map_stats *stats);
/* Frames a pt_map_region call with these arguments would allocate (the dry run). */
enum pt_error pt_map_region_cost(const struct pt_space *sp, uint64_t va, uint64_t pa, uint64_t len,
                                 pt_attr attr, unsigned flags, uint64_t *frames);
/* Removes every translation in [va, va+len); large leaves on its edges are split. */
enum pt_error pt_unmap(struct pt_space *sp, uint64_t va, uint64_t len);
/* Sets the attributes of every mapped page in [va, va+len); holes stay holes. */
enum pt_error pt_protect(struct pt_space *sp, uint64_t va, uint64_t len, pt_attr attr);
/* Folds tables in [va, va+len) whose entries form one aligned uniform run into a leaf,
 * which carries what the entry above withheld: no page's effective rights change. Leaves
 * that differ only in a right that entry withholds fold too. `folded` (may be NULL)
 * receives the number of tables freed. */
enum pt_error pt_coalesce(struct pt_space *sp, uint64_t va, uint64_t len, uint64_t *folded);

/* ---- reading --------------------------------------------------------------------------- */

struct pt_translation {
    bool mapped;
    int level;     /* mapped: level of the leaf; unmapped: level whose entry was empty */
    uint64_t pa;   /* physical address of va */
    uint64_t page; /* leaf size in bytes */
    pt_attr attr;  /* effective rights and memory type */
};

enum pt_error pt_translate(const struct pt_space *sp, uint64_t va, struct pt_translation *out);

/* A maximal run of leaves that continue each other with equal attributes. */
struct pt_run {
    uint64_t va, pa, len;
    pt_attr attr;
    uint8_t sizes; /* bit s set when the run holds a leaf of enum pt_size s */
};
/* Return false to stop the walk (the walk then returns PT_ERR_STOPPED). */
typedef bool (*pt_run_fn)(void *ctx, const struct pt_run *run);

/* Tables already seen during a walk: caller storage, so the library needs no heap. */
struct pt_seen {
    uint64_t *slots; /* capacity slots, zero before a walk */
    size_t capacity; /* a power of two: holds up to this many tables */
    size_t count;
};

/* Where a check or an import found a problem. */
struct pt_fault {
    enum pt_error error;
    int level;
    uint64_t va;    /* first address the faulty entry covers */
    uint64_t table; /* physical address of the table holding it */
    unsigned index;
    uint64_t entry;
};

/* Visits the mapping of [va, va+len) as runs, in address order (the slot is skipped):
 * every page the bytes of the range touch, whole (va need not be aligned, nor len). */
enum pt_error pt_walk(const struct pt_space *sp, uint64_t va, uint64_t len, pt_run_fn fn,
                      void *ctx);
/*
 * Reads a hierarchy the library did not build, validating every entry it reaches, the
 * recursive slot's own entry included (it is not followed). Bad entries are reported in
 * `fault` and the import stops (a loop, a reserved bit such as NX while EFER.NXE is clear,
 * PS in a PML4 entry, an unaligned or too-wide leaf, a 1 GiB leaf the CPU cannot have).
 * `seen` bounds the work. Other calls expect a hierarchy that passes this check.
 */
enum pt_error pt_import(const struct pt_space *sp, struct pt_seen *seen, pt_run_fn fn, void *ctx,
                        struct pt_fault *fault);

typedef void (*pt_print_fn)(void *ctx, const char *text);
/* One ptdump-like line per run, each ending in a newline, e.g.
 * "0x000000007de33000-0x000000007de38000 -> 0x00007de33000 20K    ro         NX WB pte":
 * start and end VA (16 hex digits), PA (12), the run's size, RW or ro, USR, GLB, NX or x
 * (blank-padded to fixed columns), the memory type, then the leaf sizes the run holds,
 * largest first (pud 1G, pmd 2M, pte 4K).
 * A five-level hierarchy's dump starts with a line naming its levels as Linux does:
 * "5-level: pgd p4d pud pmd pte" (the p4d is the PML4 below the PML5). */
enum pt_error pt_dump(const struct pt_space *sp, pt_print_fn print, void *ctx);

struct pt_stats {
    uint64_t tables[6];             /* by level, index 1..5 (5: the PML5, five levels only) */
    uint64_t leaves[PT_SIZE_COUNT]; /* by size */
    uint64_t table_bytes;
};
void pt_stats(const struct pt_space *sp, struct pt_stats *out);

/* Validates the whole hierarchy; the first problem goes to `fault`. */
enum pt_error pt_check(const struct pt_space *sp, struct pt_seen *seen, struct pt_fault *fault);

/* ---- small text helpers (no libc) ------------------------------------------------------ */

/* Appends to buf at *pos, never past size-1; always leaves buf NUL-terminated. */
void pt_fmt_str(char *buf, size_t size, size_t *pos, const char *s);
void pt_fmt_hex(char *buf, size_t size, size_t *pos, uint64_t v, int min_digits);
void pt_fmt_dec(char *buf, size_t size, size_t *pos, uint64_t v);
/* "4K", "2M", "1G", "512G", "3M" ... */
void pt_fmt_size(char *buf, size_t size, size_t *pos, uint64_t bytes);

/* ---- raw entries ------------------------------------------------------------------------ */

/* For a caller that reads entries itself (a table compared through the recursive slot, a
 * CR3 value): the bits as the CPU reads them, so no caller spells a mask again. */
#define PT_ENTRY_ADDR_MASK 0x000ffffffffff000ull /* bits 51:12: a page or a table */
#define PT_ENTRY_PRESENT   0x1ull
#define PT_ENTRY_PS        0x80ull /* a 2 MiB or 1 GiB leaf; the PAT bit in a 4 KiB one */
#define PT_ENTRY_AD        0x60ull /* accessed and dirty: the CPU sets them as it walks */

static inline bool pt_entry_present(uint64_t e)
{
    return (e & PT_ENTRY_PRESENT) != 0;
}

/* A present entry at `level` maps a page (a leaf) rather than pointing at a table. */
static inline bool pt_entry_is_leaf(uint64_t e, int level)
{
    return level == PT_LEVEL_PT || (level <= PT_LEVEL_PDPT && (e & PT_ENTRY_PS));
}

/* Physical address of the page a leaf maps, or of the table an entry points at. */
static inline uint64_t pt_entry_addr(uint64_t e, int level)
{
    uint64_t a = e & PT_ENTRY_ADDR_MASK;
    return level > PT_LEVEL_PT && pt_entry_is_leaf(e, level) ? a & ~(pt_level_span(level) - 1) : a;
}

/* Every bit but the address: present, rights, caching, PS, G, NX, the ignored bits. */
static inline uint64_t pt_entry_flags(uint64_t e)
{
    return e & ~PT_ENTRY_ADDR_MASK;
}

/* The entry as it stays between two reads: without the bits the CPU may set meanwhile. */
static inline uint64_t pt_entry_stable(uint64_t e)
{
    return e & ~PT_ENTRY_AD;
}

/* The memory type of a leaf at `level`, through the PAT as the CPU has it. */
/* (The PAT index is PWT, PCD and the PAT bit.) */
static inline enum pt_memtype pt_entry_memtype(const struct pt_cpu *cpu, uint64_t e, int level)
{
    unsigned pat_bit = (unsigned)(e >> (level == PT_LEVEL_PT ? 7 : 12)) & 1u;
    return (enum pt_memtype)cpu->pat[((unsigned)(e >> 3) & 3u) | (pat_bit << 2)];
}

/* The root's physical address in a CR3 value (PCID and cache bits dropped). */
static inline uint64_t pt_cr3_root(uint64_t cr3)
{
    return cr3 & PT_ENTRY_ADDR_MASK;
}

/* Short name of a memory type ("WB", "UC-"; "??" for an encoding the PAT does not use). */
const char *pt_memtype_name(enum pt_memtype mt);

#endif
