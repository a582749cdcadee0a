/* cunit_run.h: runs one CUnit suite from a table and turns failures into the exit status. */
#ifndef NOTES_CUNIT_RUN_H
#define NOTES_CUNIT_RUN_H

#include <CUnit/CUnit.h>

struct test_case {
    const char *name;
    CU_TestFunc fn;
};

/* Runs the cases (ending with {NULL, NULL}); returns 0 when all pass, 1 otherwise. */
int cunit_run(const char *suite_name, const struct test_case *cases);

#endif
