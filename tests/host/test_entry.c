/* Attributes, entry encoding, address rules and error texts. */
#include "../../core/entry.h"
#include "fixture.h"

#include <string.h>

static void error_texts_are_distinct(void)
{
    for (int a = 0; a < PT_ERR_COUNT; a++) {
        CHECK(pt_error_name(a)[0] == 'P');
        CHECK(strlen(pt_strerror(a)) > 5);
        for (int b = 0; b < a; b++) {
            CHECK(strcmp(pt_error_name(a), pt_error_name(b)) != 0);
            CHECK(strcmp(pt_strerror(a), pt_strerror(b)) != 0);
        }
    }
    CHECK(!strcmp(pt_error_name(PT_ERR_NO_FRAMES), "PT_ERR_NO_FRAMES"));
    CHECK(!strcmp(pt_error_name(PT_ERR_COUNT), "PT_ERR_UNKNOWN"));
}

static void canonical_rules(void)
{
    CHECK(pt_is_canonical(0));
    CHECK(pt_is_canonical(0x00007fffffffffffull));
    CHECK(!pt_is_canonical(0x0000800000000000ull));
    CHECK(!pt_is_canonical(0xffff7fffffffffffull));
    CHECK(pt_is_canonical(0xffff800000000000ull));
    CHECK_EQ(pt_canonical(0x0000800000000000ull), 0xffff800000000000ull);
    CHECK_EQ(pt_level_span(1), PT_PAGE_4K);
    CHECK_EQ(pt_level_span(2), PT_PAGE_2M);
    CHECK_EQ(pt_level_span(3), PT_PAGE_1G);
    CHECK_EQ(pt_level_span(4), PT_SLOT_SPAN);
    CHECK_EQ(pt_size_bytes(PT_SIZE_2M), PT_PAGE_2M);
    CHECK_EQ(pt_index(0xffff800000000000ull, 4), 256);
    CHECK_EQ(pt_index(0x40201000ull, 3), 1);
    CHECK_EQ(pt_index(0x40201000ull, 2), 1);
    CHECK_EQ(pt_index(0x40201000ull, 1), 1);
}

/* Each memory type lands on the PAT index the reset PAT gives it; the PAT bit sits at
 * bit 7 of a 4 KiB entry and bit 12 of a large one. */
static void pat_bits_by_level(void)
{
    struct pt_cpu cpu = sim_cpu_max();
    uint64_t e4k = pte_leaf_bits(&cpu, PT_ATTR_MT(PT_MT_UC), 1);
    CHECK_EQ(e4k & (PTE_PWT | PTE_PCD | PTE_PAT_4K), PTE_PWT | PTE_PCD);
    CHECK_EQ(pte_leaf_bits(&cpu, PT_ATTR_MT(PT_MT_WB), 2), PTE_P | PTE_PS);
    /* WC needs a PAT that has it: put it at index 5 (PAT=1 PCD=0 PWT=1). */
    cpu.pat[5] = PT_MT_WC;
    uint64_t wc4k = pte_leaf_bits(&cpu, PT_ATTR_MT(PT_MT_WC), 1);
    uint64_t wc2m = pte_leaf_bits(&cpu, PT_ATTR_MT(PT_MT_WC), 2);
    CHECK_EQ(wc4k, PTE_P | PTE_PWT | PTE_PAT_4K);
    CHECK_EQ(wc2m, PTE_P | PTE_PS | PTE_PWT | PTE_PAT_BIG);
    CHECK_EQ(pte_leaf_attr(&cpu, wc4k, 1), PT_ATTR_MT(PT_MT_WC));
    CHECK_EQ(pte_leaf_attr(&cpu, wc2m, 2), PT_ATTR_MT(PT_MT_WC));
    pt_attr all =
        PT_ATTR_WRITE | PT_ATTR_USER | PT_ATTR_NX | PT_ATTR_GLOBAL | PT_ATTR_MT(PT_MT_UCMINUS);
    for (int level = 1; level <= 3; level++)
        CHECK_EQ(pte_leaf_attr(&cpu, pte_leaf_bits(&cpu, all, level) | PTE_AD, level), all);
}

/* The leaf's attributes from the AND and OR of the table entries above it (the direct
 * translate's form) agree with the rule applied entry by entry: every combination of the
 * bits that decide them (RW, US, PWT, PCD, bit 7, G, bit 12, NX of the leaf; RW, US, NX of
 * the path) at each leaf level, under a PAT whose eight entries all differ (two with bits
 * above the 3-bit type, which neither reads), with the other bits of the leaf and of the
 * path's entries random. */
static void attr_below_matches_the_rule(void)
{
    struct pt_cpu cpu = sim_cpu_max();
    const uint8_t pat[8] = {PT_MT_WT, PT_MT_UC, PT_MT_WB | 0xf8, PT_MT_UCMINUS,
                            2,        PT_MT_WC, 3 | 0x40,        PT_MT_WP};
    memcpy(cpu.pat, pat, sizeof pat);
    static const uint64_t deciding[] = {PTE_RW, PTE_US, PTE_PWT,     PTE_PCD,
                                        PTE_PS, PTE_G,  PTE_PAT_BIG, PTE_NX};
    uint64_t rng = test_seed * 0x9E3779B97F4A7C15ull + 13;
    int differ = 0, cases = 0;
    for (int level = PT_LEVEL_PT; level <= PT_LEVEL_PDPT; level++)
        for (unsigned bits = 0; bits < 256; bits++)
            for (unsigned path = 0; path < 8; path++) {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                uint64_t e =
                    rng & ~(PTE_PATH_RIGHTS | PTE_PWT | PTE_PCD | PTE_PS | PTE_G | PTE_PAT_BIG);
                for (int b = 0; b < 8; b++)
                    if (bits >> b & 1)
                        e |= deciding[b];
                /* Two table entries above: the path withholds RW (bit 0), US (bit 1), or
                 * sets NX (bit 2) through one of them, chosen at random. */
                uint64_t above[2] = {(rng >> 7) | PTE_PATH_OPEN, (rng >> 3) | PTE_PATH_OPEN};
                above[0] &= ~PTE_NX;
                above[1] &= ~PTE_NX;
                if (path & 1)
                    above[rng >> 61 & 1] &= ~PTE_RW;
                if (path & 2)
                    above[rng >> 62 & 1] &= ~PTE_US;
                if (path & 4)
                    above[rng >> 63] |= PTE_NX;
                uint64_t rule = pte_restrict(pte_restrict(PTE_PATH_OPEN, above[0]), above[1]);
                pt_attr want = pte_effective_attr(&cpu, e, level, rule);
                pt_attr got =
                    pte_attr_below(&cpu, e, level, above[0] & above[1], above[0] | above[1]);
                differ += want != got;
                cases++;
            }
    CHECK_EQ(differ, 0);
    CHECK_EQ(cases, 3 * 256 * 8);
    /* The type is the PAT entry's: WB from entry 2 (PCD) of a 2 MiB leaf. */
    CHECK_EQ(pte_attr_below(&cpu, 0x200000ull | PTE_P | PTE_PS | PTE_PCD, PT_LEVEL_PD, ~0ull, 0),
             PT_ATTR_MT(PT_MT_WB));
}

static void attr_validation(void)
{
    struct pt_cpu cpu = sim_cpu_max();
    CHECK_ERR(attr_validate(&cpu, RW), PT_OK);
    CHECK_ERR(attr_validate(&cpu, 0x100), PT_ERR_BAD_ATTR);
    CHECK_ERR(attr_validate(&cpu, PT_ATTR_MT(PT_MT_WC)), PT_ERR_BAD_ATTR); /* not in reset PAT */
    CHECK_ERR(attr_validate(&cpu, PT_ATTR_MT(2)), PT_ERR_BAD_ATTR);        /* no such type */
    cpu.nx = false;
    CHECK_ERR(attr_validate(&cpu, RO), PT_ERR_NX_DISABLED);
    char buf[32];
    pt_attr_format(RW | PT_ATTR_GLOBAL, buf, sizeof buf);
    CHECK(!strcmp(buf, "RW     GLB NX WB"));
    pt_attr_format(PT_ATTR_USER | PT_ATTR_MT(PT_MT_UCMINUS), buf, sizeof buf);
    CHECK(!strcmp(buf, "ro USR     x  UC-"));
}

static void formatting_is_bounded(void)
{
    char buf[8];
    size_t pos = 0;
    pt_fmt_str(buf, sizeof buf, &pos, "0123456789");
    CHECK_EQ(pos, 7);
    CHECK(!strcmp(buf, "0123456"));
    char big[64];
    pos = 0;
    pt_fmt_hex(big, sizeof big, &pos, 0xabc, 4);
    pt_fmt_str(big, sizeof big, &pos, " ");
    pt_fmt_dec(big, sizeof big, &pos, 18446744073709551615ull);
    pt_fmt_str(big, sizeof big, &pos, " ");
    pt_fmt_size(big, sizeof big, &pos, 3 * MIB);
    pt_fmt_str(big, sizeof big, &pos, " ");
    pt_fmt_size(big, sizeof big, &pos, 512 * GIB);
    pt_fmt_str(big, sizeof big, &pos, " ");
    pt_fmt_size(big, sizeof big, &pos, 1536);
    CHECK(!strcmp(big, "0x0abc 18446744073709551615 3M 512G 1536B"));
}

static void pat_slot_keeps_every_type(void)
{
    /* Reset PAT: UC at 7 repeats UC at 3, so 7 takes WC and UC stays reachable. */
    CHECK_EQ(pt_pat_slot_for(pt_pat_reset, PT_MT_WC), 7);
    CHECK_EQ(pt_pat_slot_for(pt_pat_reset, PT_MT_WB), 0); /* already there */
    uint8_t linux_like[8] = {PT_MT_WB, PT_MT_WC, PT_MT_UCMINUS, PT_MT_UC,
                             PT_MT_WB, PT_MT_WP, PT_MT_UCMINUS, PT_MT_WT};
    CHECK_EQ(pt_pat_slot_for(linux_like, PT_MT_WC), 1);
    /* No WP here: the highest entry whose type repeats elsewhere (UC- at 6, also at 2). */
    CHECK_EQ(pt_pat_slot_for(pt_pat_reset, PT_MT_WP), 7);
    uint8_t two_repeats[8] = {PT_MT_WB, PT_MT_WT, PT_MT_UCMINUS, PT_MT_UC,
                              PT_MT_WB, PT_MT_WP, PT_MT_WC,      3};
    CHECK_EQ(pt_pat_slot_for(two_repeats, PT_MT_UCMINUS), 2); /* already there */
    CHECK_EQ(pt_pat_slot_for(two_repeats, 2), 4); /* only WB repeats: 4 goes, 0 keeps WB */
    uint8_t no_wc[8] = {PT_MT_WB, PT_MT_WT, PT_MT_UCMINUS, PT_MT_UC,
                        PT_MT_WB, PT_MT_WP, PT_MT_UCMINUS, PT_MT_WT};
    CHECK_EQ(pt_pat_slot_for(no_wc, PT_MT_WC), 7); /* WT repeats at 1 */
    uint8_t distinct[8] = {PT_MT_WB, PT_MT_WT, PT_MT_UCMINUS, PT_MT_UC, PT_MT_WC, PT_MT_WP,
                           2,        3}; /* 2 and 3 are reserved encodings */
    CHECK_EQ(pt_pat_slot_for(distinct, PT_MT_WC), 4);
    distinct[4] = PT_MT_UC;
    distinct[3] = 0x7f; /* now all eight differ and none is WC */
    CHECK_EQ(pt_pat_slot_for(distinct, PT_MT_WC), -1);
}

/* The public accessors read entries as the CPU does. */
static void public_accessors(void)
{
    struct pt_cpu cpu = sim_cpu_max();
    memcpy(cpu.pat, pt_pat_reset, 8);         /* WB WT UC- UC WB WT UC- UC */
    uint64_t leaf_1g = 0x8000000040001083ull; /* NX, PS, P, the PAT bit (12) set */
    CHECK(pt_entry_present(leaf_1g) && !pt_entry_present(0x40001082ull));
    CHECK(pt_entry_is_leaf(leaf_1g, PT_LEVEL_PDPT));
    CHECK(pt_entry_is_leaf(leaf_1g, PT_LEVEL_PD));
    CHECK(!pt_entry_is_leaf(leaf_1g, PT_LEVEL_PML4)); /* PS means nothing there */
    CHECK(pt_entry_is_leaf(0x1000ull | 1, PT_LEVEL_PT));
    CHECK_EQ(pt_entry_addr(leaf_1g, PT_LEVEL_PDPT), 0x40000000ull);
    CHECK_EQ(pt_entry_addr(0x7ff0000012345003ull, PT_LEVEL_PD), 0x12345000ull);
    CHECK_EQ(pt_entry_addr(0x12345083ull, PT_LEVEL_PT), 0x12345000ull); /* bit 7 is PAT */
    CHECK_EQ(pt_entry_flags(0x8000000012345067ull), 0x8000000000000067ull);
    CHECK_EQ(pt_entry_stable(0x8000000012345067ull), 0x8000000012345007ull);
    CHECK_EQ(pt_entry_memtype(&cpu, 0x1000ull | 0x18 | 1, PT_LEVEL_PT), PT_MT_UC);  /* 3 */
    CHECK_EQ(pt_entry_memtype(&cpu, 0x1000ull | 0x88 | 1, PT_LEVEL_PT), PT_MT_WT);  /* 5 */
    CHECK_EQ(pt_entry_memtype(&cpu, leaf_1g | 0x10, PT_LEVEL_PDPT), PT_MT_UCMINUS); /* 6 */
    CHECK_EQ(pt_entry_memtype(&cpu, 0x200083ull, PT_LEVEL_PD), PT_MT_WB); /* PS is not PAT */
    CHECK_EQ(pt_cr3_root(0x0000000012345018ull), 0x12345000ull);
    CHECK(!strcmp(pt_memtype_name(PT_MT_UCMINUS), "UC-"));
    CHECK(!strcmp(pt_memtype_name(PT_MT_WC), "WC"));
    CHECK(!strcmp(pt_memtype_name((enum pt_memtype)2), "??"));
}

TEST_SUITE(entry_tests) = {
    {"entry/public_accessors", public_accessors},
    {"entry/pat_slot_keeps_every_type", pat_slot_keeps_every_type},
    {"entry/error_texts_are_distinct", error_texts_are_distinct},
    {"entry/canonical_rules", canonical_rules},
    {"entry/pat_bits_by_level", pat_bits_by_level},
    {"entry/attr_validation", attr_validation},
    {"entry/attr_below_matches_the_rule", attr_below_matches_the_rule},
    {"entry/formatting_is_bounded", formatting_is_bounded},
    {NULL, NULL},
};
