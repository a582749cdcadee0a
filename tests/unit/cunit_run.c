/* cunit_run.c: runs one CUnit suite from a table. */
#include "cunit_run.h"

#include <CUnit/Basic.h>

int
cunit_run(const char *suite_name, const struct test_case *cases)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite suite = CU_add_suite(suite_name, NULL, NULL);
    for (const struct test_case *c = cases; suite != NULL && c->name != NULL; c++)
        CU_add_test(suite, c->name, c->fn);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    int failed = CU_get_number_of_failures() > 0 || CU_get_number_of_tests_run() == 0 ||
                 CU_get_error() != CUE_SUCCESS;
    CU_cleanup_registry();
    return failed;
}
