#include "fixture.h"
TEST_SUITE(model_tests) = {{NULL, NULL}};
