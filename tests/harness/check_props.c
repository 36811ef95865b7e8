/*
 * The properties reader follows java.util.Properties.load: what a Java
 * client (and Kafka's server.properties) would read from the same bytes.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lint/props.h"
#include "../check_main.h"

static sl_props_t *parse(const char *text) {
    sl_props_t *p = NULL;
    char err[512] = "";
    sl_err_t rc = sl_props_parse("t.properties", text, strlen(text), &p, err, sizeof err);
    ck_assert_msg(rc == SL_OK, "expected the text to parse, got %d: %s", rc, err);
    return p;
}

static void expect(const sl_props_t *p, const char *key, const char *value, int line) {
    const sl_prop_t *e = sl_props_get(p, key);
    ck_assert_msg(e != NULL, "expected key '%s'", key);
    ck_assert_msg(!strcmp(e->value, value), "%s: expected value '%s', got '%s'", key, value, e->value);
    ck_assert_msg(e->line == line, "%s: expected line %d, got %d", key, line, e->line);
}

START_TEST(separators_are_equals_colon_or_blanks) {
    /* given the three separators Java accepts, with blanks around them */
    sl_props_t *p = parse("a=1\nb:2\nc 3\nd = 4\ne   :   5\nf\t=\t6\n");
    /* then each key gets its value, blanks dropped */
    expect(p, "a", "1", 1);
    expect(p, "b", "2", 2);
    expect(p, "c", "3", 3);
    expect(p, "d", "4", 4);
    expect(p, "e", "5", 5);
    expect(p, "f", "6", 6);
    sl_props_destroy(p);
}
END_TEST

START_TEST(comments_and_blank_lines_are_skipped_but_counted) {
    /* given # and ! comments and blank lines */
    sl_props_t *p = parse("# comment\n! also a comment\n\n   \n  session.timeout.ms=45000\n");
    /* then the one entry keeps its own line number */
    ck_assert_int_eq(p->n, 1);
    expect(p, "session.timeout.ms", "45000", 5);
    sl_props_destroy(p);
}
END_TEST

START_TEST(a_trailing_backslash_continues_the_line_at_the_entry_line) {
    /* given a value continued over two lines, the second indented */
    sl_props_t *p = parse("x=1\nlist = a,\\\n      b,\\\n  c\ny=2\n");
    /* then it is one value without the indentation, at the line it starts; lines after count on */
    expect(p, "list", "a,b,c", 2);
    expect(p, "y", "2", 5);
    sl_props_destroy(p);
}
END_TEST

START_TEST(an_even_number_of_backslashes_does_not_continue) {
    /* given a value ending in an escaped backslash */
    sl_props_t *p = parse("path=C:\\\\\nnext=1\n");
    /* then it ends with one backslash and the next line is its own entry */
    expect(p, "path", "C:\\", 1);
    expect(p, "next", "1", 2);
    sl_props_destroy(p);
}
END_TEST

START_TEST(escapes_and_unicode_are_decoded) {
    /* given escaped separators in a key and \t, \u00e9 in a value */
    sl_props_t *p = parse("a\\=b\\:c=x\\ty\\u00e9\n");
    /* then the key keeps its = and :, the value is decoded to UTF-8 */
    expect(p, "a=b:c", "x\ty\xc3\xa9", 1);
    sl_props_destroy(p);
}
END_TEST

START_TEST(crlf_and_cr_line_endings_count_as_one_line) {
    /* given Windows and old-Mac line endings */
    sl_props_t *p = parse("a=1\r\nb=2\rc=3");
    /* then lines are 1, 2, 3 and no \r stays in a value */
    expect(p, "a", "1", 1);
    expect(p, "b", "2", 2);
    expect(p, "c", "3", 3);
    sl_props_destroy(p);
}
END_TEST

START_TEST(the_last_of_a_repeated_key_is_in_force) {
    /* given a key set twice */
    sl_props_t *p = parse("k=first\nk=second\n");
    /* then both are kept in order, and the lookup gives the later, as Properties.load does */
    ck_assert_int_eq(p->n, 2);
    expect(p, "k", "second", 2);
    sl_props_destroy(p);
}
END_TEST

START_TEST(a_key_without_value_has_an_empty_value) {
    sl_props_t *p = parse("group.instance.id\nother=\n");
    expect(p, "group.instance.id", "", 1);
    expect(p, "other", "", 2);
    sl_props_destroy(p);
}
END_TEST

START_TEST(a_nul_byte_is_refused_as_not_text) {
    /* given bytes with a NUL on line 2 */
    sl_props_t *p = NULL;
    char err[256] = "";
    sl_err_t rc = sl_props_parse("bin.properties", "a=1\nb\0c", 7, &p, err, sizeof err);
    /* then it is refused, naming the line */
    ck_assert_int_eq(rc, SL_E_INVAL);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err, "bin.properties:2: a NUL byte") != NULL, "got: %s", err);
}
END_TEST

START_TEST(an_unreadable_file_is_an_io_error) {
    sl_props_t *p = NULL;
    char err[256] = "";
    ck_assert_int_eq(sl_config_read("/nonexistent/x.properties", &p, err, sizeof err), SL_E_IO);
    ck_assert_msg(strstr(err, "No such file") != NULL, "got: %s", err);
    ck_assert_int_eq(sl_config_read(".", &p, err, sizeof err), SL_E_IO);
}
END_TEST

int main(void) {
    Suite *s = suite_create("props");
    TCase *syn = tcase_create("java syntax");
    tcase_add_test(syn, separators_are_equals_colon_or_blanks);
    tcase_add_test(syn, comments_and_blank_lines_are_skipped_but_counted);
    tcase_add_test(syn, a_trailing_backslash_continues_the_line_at_the_entry_line);
    tcase_add_test(syn, an_even_number_of_backslashes_does_not_continue);
    tcase_add_test(syn, escapes_and_unicode_are_decoded);
    tcase_add_test(syn, crlf_and_cr_line_endings_count_as_one_line);
    tcase_add_test(syn, the_last_of_a_repeated_key_is_in_force);
    tcase_add_test(syn, a_key_without_value_has_an_empty_value);
    suite_add_tcase(s, syn);
    TCase *bad = tcase_create("bad input");
    tcase_add_test(bad, a_nul_byte_is_refused_as_not_text);
    tcase_add_test(bad, an_unreadable_file_is_an_io_error);
    suite_add_tcase(s, bad);
    return t_run_suite(s);
}
