/* EFI_RT_PROPERTIES_TABLE: which runtime services outlive ExitBootServices. */
#include "check.h"
#include "rt_props.h"

static void mask_read_and_bad_headers_refused(void)
{
    /* U-Boot's: version 1, length 8, GetVariable, GetNextVariableName, SetVirtualAddressMap,
     * ConvertPointer. */
    static const uint8_t uboot[8] = {1, 0, 8, 0, 0xb0, 0x01, 0, 0};
    uint32_t mask = 0;
    CHECK_EQ(rt_props_parse(uboot, &mask), PLAN_OK);
    CHECK_EQ(mask, 0x1b0u);
    CHECK(!(mask & RT_SUPPORTS_GET_TIME) && (mask & RT_SUPPORTS_GET_VARIABLE));
    static const uint8_t longer[12] = {1, 0, 12, 0, 0x01, 0x04, 0, 0, 0xff, 0xff, 0xff, 0xff};
    CHECK_EQ(rt_props_parse(longer, &mask), PLAN_OK);
    CHECK_EQ(mask, 0x401u);
    static const uint8_t version2[8] = {2, 0, 8, 0, 0, 0, 0, 0};
    CHECK_EQ(rt_props_parse(version2, &mask), PLAN_ERR_RT_PROPS_VERSION);
    CHECK_EQ(mask, RT_SUPPORTS_ALL);
    static const uint8_t short_len[8] = {1, 0, 7, 0, 0, 0, 0, 0};
    mask = 0;
    CHECK_EQ(rt_props_parse(short_len, &mask), PLAN_ERR_RT_PROPS_LENGTH);
    CHECK_EQ(mask, RT_SUPPORTS_ALL);
    CHECK(plan_error_message(PLAN_ERR_RT_PROPS_LENGTH)[0] != '\0');
}

TEST_SUITE(rt_props_tests) = {
    {"rt_props/mask_read_and_bad_headers_refused", mask_read_and_bad_headers_refused},
    {NULL, NULL},
};
