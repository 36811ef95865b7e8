/*
 * The JUnit writer: counts add up, and whatever text a scenario name or a
 * message holds, the document stays well-formed XML (escaped markup,
 * control characters and invalid UTF-8 replaced).  The CLI test reads the
 * real files back with python3's XML parser.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/junit.h"
#include "common/textout.h"
#include "../check_main.h"

static char *render(const sl_junit_t *j) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sl_junit_write(j, f);
    fclose(f);
    return buf;
}

START_TEST(counts_add_up_over_suites) {
    sl_junit_t *j = sl_junit_new("stormlab check");
    sl_junit_suite_t *a = sl_junit_suite(j, "a (seed 1)", "a.yaml", 0.5);
    sl_junit_case(a, "a", "g1", "a.yaml", 3, 0, SL_JUNIT_PASS, NULL, NULL);
    sl_junit_case(a, "a", "g2", "a.yaml", 4, 0, SL_JUNIT_FAILURE, "expected <= 0, got 2", "body");
    sl_junit_suite_t *b = sl_junit_suite(j, "b", NULL, 0.25);
    sl_junit_case(b, "b", "run", NULL, 0, 0, SL_JUNIT_ERROR, "cannot", NULL);
    char *x = render(j);
    ck_assert_msg(strstr(x, "<testsuites name=\"stormlab check\" tests=\"3\" failures=\"1\" errors=\"1\" time=\"0.750\">"),
                  "got: %s", x);
    ck_assert_msg(strstr(x, "tests=\"2\" failures=\"1\" errors=\"0\""), "got: %s", x);
    ck_assert_msg(strstr(x, "<failure message=\"expected &lt;= 0, got 2\" type=\"expectation\">body</failure>"),
                  "got: %s", x);
    ck_assert_msg(strstr(x, "line=\"4\""), "got: %s", x);
    free(x);
    sl_junit_destroy(j);
}
END_TEST

START_TEST(markup_control_characters_and_bad_utf8_cannot_break_the_document) {
    sl_junit_t *j = sl_junit_new("n");
    sl_junit_suite_t *s = sl_junit_suite(j, "<x> & \"y\" 'z'", NULL, 0);
    sl_junit_case(s, "c", "bell\a esc\x1b bad\xff\xfe ok\xc3\xa9", NULL, 0, 0, SL_JUNIT_FAILURE, "]]> <!--", "a\tb\nc");
    char *x = render(j);
    ck_assert_msg(strstr(x, "name=\"&lt;x&gt; &amp; &quot;y&quot; &apos;z&apos;\""), "got: %s", x);
    ck_assert_msg(strstr(x, "name=\"bell? esc? bad?? ok\xc3\xa9\""), "got: %s", x);
    ck_assert_msg(strstr(x, "message=\"]]&gt; &lt;!--\""), "got: %s", x);
    ck_assert_msg(strstr(x, ">a\tb\nc</failure>"), "got: %s", x);
    for (const unsigned char *p = (const unsigned char *)x; *p; p++)
        ck_assert_msg(*p >= 0x20 || *p == '\n' || *p == '\t', "control byte 0x%02x in output", *p);
    free(x);
    sl_junit_destroy(j);
}
END_TEST

START_TEST(writing_to_a_missing_directory_fails_with_a_message) {
    sl_junit_t *j = sl_junit_new("n");
    char err[256] = "";
    ck_assert_int_eq(sl_junit_write_file(j, "/nonexistent/dir/j.xml", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "/nonexistent/dir/j.xml") != NULL, "got: %s", err);
    ck_assert_int_eq(sl_junit_write_file(j, "j.xml", err, sizeof err), 0);
    sl_junit_destroy(j);
}
END_TEST

START_TEST(json_and_shell_quoting_round_trip_awkward_text) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sl_tx_json(f, "a\"b\\c\nd\x01\xff");
    fputc(' ', f);
    sl_tx_shell(f, "it's {median: 2ms}");
    fputc(' ', f);
    sl_tx_shell(f, "groups.billing.session_timeout=10s");
    fclose(f);
    ck_assert_str_eq(buf, "\"a\\\"b\\\\c\\nd\\u0001\\ufffd\" 'it'\\''s {median: 2ms}' groups.billing.session_timeout=10s");
    free(buf);
    char d[32];
    sl_tx_ms(d, sizeof d, 45000);
    ck_assert_str_eq(d, "45s");
    sl_tx_ms(d, sizeof d, 1500);
    ck_assert_str_eq(d, "1500ms");
    sl_tx_ms(d, sizeof d, 300000);
    ck_assert_str_eq(d, "5m");
    sl_tx_ms(d, sizeof d, 0);
    ck_assert_str_eq(d, "0");
}
END_TEST

int main(void) {
    Suite *s = suite_create("junit");
    TCase *tc = tcase_create("writer");
    tcase_add_test(tc, counts_add_up_over_suites);
    tcase_add_test(tc, markup_control_characters_and_bad_utf8_cannot_break_the_document);
    tcase_add_test(tc, writing_to_a_missing_directory_fails_with_a_message);
    tcase_add_test(tc, json_and_shell_quoting_round_trip_awkward_text);
    suite_add_tcase(s, tc);
    return t_run_suite(s);
}
