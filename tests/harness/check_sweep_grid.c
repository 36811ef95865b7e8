/*
 * The sweep grid: how --vary values split, how points are numbered, how
 * shards divide them, and how results.tsv is read back for --merge.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/sweep.h"
#include "../check_main.h"

static void parse_ok(const char *spec, sl_vary_t *v) {
    char err[512] = "";
    ck_assert_msg(sl_vary_parse(spec, v, err, sizeof err) == 0, "expected '%s' to parse, got: %s", spec, err);
}

static void parse_bad(const char *spec, const char *words) {
    sl_vary_t v;
    char err[512] = "";
    ck_assert_msg(sl_vary_parse(spec, &v, err, sizeof err) != 0, "expected '%s' to be refused", spec);
    ck_assert_msg(strstr(err, words) != NULL, "'%s': expected the message to say '%s', got: %s", spec, words, err);
}

START_TEST(values_split_at_commas_and_lose_surrounding_blanks) {
    sl_vary_t v;
    parse_ok("groups.billing.session_timeout=10s, 30s ,45s", &v);
    ck_assert_str_eq(v.key, "groups.billing.session_timeout");
    ck_assert_int_eq(v.n, 3);
    ck_assert_str_eq(v.values[0], "10s");
    ck_assert_str_eq(v.values[1], "30s");
    ck_assert_str_eq(v.values[2], "45s");
    sl_vary_free(&v);
}
END_TEST

START_TEST(commas_inside_flow_yaml_or_escaped_do_not_split) {
    sl_vary_t v;
    parse_ok("groups.billing.processing={median: 2ms, p99: 40ms},5ms,[a, b],x\\,y", &v);
    ck_assert_int_eq(v.n, 4);
    ck_assert_str_eq(v.values[0], "{median: 2ms, p99: 40ms}");
    ck_assert_str_eq(v.values[1], "5ms");
    ck_assert_str_eq(v.values[2], "[a, b]");
    ck_assert_str_eq(v.values[3], "x,y");
    sl_vary_free(&v);
}
END_TEST

START_TEST(bad_vary_options_are_refused_with_a_reason) {
    parse_bad("no-equals", "expected KEY=V1,V2");
    parse_bad("=1,2", "expected KEY=V1,V2");
    parse_bad("k=1,,2", "empty value");
    parse_bad("k=1,1", "given twice");
    parse_bad("k=a\tb", "tab or newline");
}
END_TEST

START_TEST(points_count_in_nested_loop_order_the_last_vary_fastest) {
    sl_vary_t v[2];
    parse_ok("a=1,2,3", &v[0]);
    parse_ok("b=x,y", &v[1]);
    ck_assert_int_eq(sl_grid_points(v, 2), 6);
    size_t idx[2];
    sl_grid_point(v, 2, 0, idx);
    ck_assert(idx[0] == 0 && idx[1] == 0);
    sl_grid_point(v, 2, 1, idx);
    ck_assert(idx[0] == 0 && idx[1] == 1);
    sl_grid_point(v, 2, 5, idx);
    ck_assert(idx[0] == 2 && idx[1] == 1);
    sl_vary_free(&v[0]);
    sl_vary_free(&v[1]);
}
END_TEST

START_TEST(a_grid_past_the_limit_has_no_points) {
    /* 1000 values x 1000 x 1000 > 10^6 points */
    char *spec = malloc(1000 * 8 + 8);
    strcpy(spec, "k=");
    for (int i = 0; i < 1000; i++) sprintf(spec + strlen(spec), "%s%d", i ? "," : "", i);
    sl_vary_t v[3];
    parse_ok(spec, &v[0]);
    parse_ok(spec, &v[1]);
    parse_ok(spec, &v[2]);
    ck_assert_int_eq(sl_grid_points(v, 2), 1000000);
    ck_assert_int_eq(sl_grid_points(v, 3), 0);
    for (int i = 0; i < 3; i++) sl_vary_free(&v[i]);
    free(spec);
}
END_TEST

START_TEST(shards_partition_the_points_round_robin) {
    /* given 10 points and 3 shards: every point in exactly one shard */
    for (size_t p = 0; p < 10; p++) {
        int in = 0;
        for (unsigned i = 1; i <= 3; i++) in += sl_shard_has(p, i, 3);
        ck_assert_int_eq(in, 1);
    }
    ck_assert(sl_shard_has(0, 1, 3) && sl_shard_has(3, 1, 3) && sl_shard_has(2, 3, 3));
}
END_TEST

START_TEST(shard_specs_are_one_based) {
    unsigned i, n;
    char err[256];
    ck_assert_int_eq(sl_shard_parse("2/4", &i, &n, err, sizeof err), 0);
    ck_assert(i == 2 && n == 4);
    const char *bad[] = {"0/4", "5/4", "1/0", "1", "a/b", "1/2x", "-1/2", "/2", "1/"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        ck_assert_msg(sl_shard_parse(bad[k], &i, &n, err, sizeof err) != 0, "expected '%s' refused", bad[k]);
        ck_assert_msg(strstr(err, "numbered from 1") != NULL, "got: %s", err);
    }
}
END_TEST

static const char *write_tmp(const char *name, const char *text) {
    FILE *f = fopen(name, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return name;
}

#define HEAD "# stormlab sweep\n# scenario: s\n# vary: k=1,2,3\n# points: 3\n# grid: fnv1a64:00\n"

START_TEST(results_read_back_by_point_without_the_shard_line) {
    sl_results_t r;
    char err[512] = "";
    const char *path = write_tmp("r1.tsv", HEAD "# shard: 2/2\npoint\tk\tm\n1\t2\t0.5\n");
    ck_assert_msg(sl_results_read(path, &r, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(r.points, 3);
    ck_assert_int_eq(r.n_rows, 1);
    ck_assert_ptr_null(r.rows[0]);
    ck_assert_str_eq(r.rows[1], "1\t2\t0.5");
    ck_assert_str_eq(r.shard, "2/2");
    ck_assert_str_eq(sl_results_header(&r, "scenario"), "s");
    for (size_t i = 0; i < r.n_header; i++) ck_assert(strncmp(r.header[i], "# shard", 7) != 0);
    sl_results_free(&r);
}
END_TEST

START_TEST(malformed_results_are_refused) {
    sl_results_t r;
    char err[512];
    const struct { const char *text, *words; } bad[] = {
        {"point\tk\n0\t1\n", "not a results.tsv"},
        {HEAD "point\tk\tm\n3\t1\t2\n", "point number 0..2"},
        {HEAD "point\tk\tm\n0\t1\n", "2 fields, expected 3"},
        {HEAD "point\tk\tm\n0\t1\t2\n0\t1\t2\n", "appears twice"},
        {"# stormlab sweep\n# scenario: s\npoint\tk\n", "points:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        write_tmp("bad.tsv", bad[i].text);
        ck_assert_msg(sl_results_read("bad.tsv", &r, err, sizeof err) != 0, "case %zu: expected a refusal", i);
        ck_assert_msg(strstr(err, bad[i].words) != NULL, "case %zu: expected '%s', got: %s", i, bad[i].words, err);
    }
    ck_assert(sl_results_read("/nonexistent/results.tsv", &r, err, sizeof err) != 0);
}
END_TEST

int main(void) {
    Suite *s = suite_create("sweep_grid");
    TCase *vary = tcase_create("vary and grid");
    tcase_add_test(vary, values_split_at_commas_and_lose_surrounding_blanks);
    tcase_add_test(vary, commas_inside_flow_yaml_or_escaped_do_not_split);
    tcase_add_test(vary, bad_vary_options_are_refused_with_a_reason);
    tcase_add_test(vary, points_count_in_nested_loop_order_the_last_vary_fastest);
    tcase_add_test(vary, a_grid_past_the_limit_has_no_points);
    suite_add_tcase(s, vary);
    TCase *shard = tcase_create("shards and results");
    tcase_add_test(shard, shards_partition_the_points_round_robin);
    tcase_add_test(shard, shard_specs_are_one_based);
    tcase_add_test(shard, results_read_back_by_point_without_the_shard_line);
    tcase_add_test(shard, malformed_results_are_refused);
    suite_add_tcase(s, shard);
    return t_run_suite(s);
}
