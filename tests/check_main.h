/* The main() every Check suite shares: run the suite, report, free.
 * Header-only so each suite (unit, harness, report, proxy) can include it
 * without a link change: #include "../check_main.h". */
#ifndef SL_CHECK_MAIN_H
#define SL_CHECK_MAIN_H
#include <check.h>
#include <stdlib.h>

/* Runs s with CK_NORMAL output, frees the runner (and with it s) and
 * returns the process exit code: EXIT_SUCCESS when no test failed. */
static inline int t_run_suite(Suite *s) {
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
