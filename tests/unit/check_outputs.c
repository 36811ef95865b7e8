/*
 * Determinism and the run outputs (docs/outputs.md): same scenario + seed gives
 * byte-identical files; the resolved scenario reproduces a run; summary
 * keys are a contract; files appear only when complete.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stormlab/outputs.h"
#include "testutil.h"
#include "../check_main.h"

static char *flagship(void) {
    size_t n;
    char *y = t_slurp(SL_SOURCE_DIR "/scenarios/coordinator-restart-storm.yaml", &n);
    ck_assert_ptr_nonnull(y);
    return y;
}

static char *with_seed(const char *yaml, unsigned long long seed) {
    /* Replaces the scenario's `seed:` line. */
    const char *p = strstr(yaml, "\nseed:");
    ck_assert_ptr_nonnull(p);
    const char *eol = strchr(p + 1, '\n');
    return t_fmt("%.*s\nseed: %llu%s", (int)(p - yaml), yaml, seed, eol);
}

START_TEST(the_same_seed_gives_byte_identical_outputs) {
    /* given the flagship scenario run twice with the same seed */
    char *y = flagship();
    t_run_t *a = t_run(y), *b = t_run(y);
    /* then trace, series and log are byte for byte the same */
    ck_assert_msg(a->trace_len == b->trace_len && memcmp(a->trace, b->trace, a->trace_len) == 0,
                  "seed %llu: traces differ", (unsigned long long)a->sc->seed);
    ck_assert_msg(a->series_len == b->series_len && memcmp(a->series, b->series, a->series_len) == 0, "series differ");
    ck_assert_msg(a->log_len == b->log_len && memcmp(a->log, b->log, a->log_len) == 0, "logs differ");
    ck_assert_int_gt(a->n_ev, 100);
    t_free(a);
    t_free(b);
    free(y);
}
END_TEST

START_TEST(a_different_seed_gives_a_different_trace) {
    /* given the flagship with seed 7 and with seed 8 (jitter, processing times and backoffs are seeded) */
    char *y = flagship(), *y8 = with_seed(y, 8);
    t_run_t *a = t_run(y), *b = t_run(y8);
    /* then the traces differ */
    ck_assert_msg(a->trace_len != b->trace_len || memcmp(a->trace, b->trace, a->trace_len) != 0,
                  "seeds 7 and 8 gave identical traces");
    t_free(a);
    t_free(b);
    free(y);
    free(y8);
}
END_TEST

START_TEST(two_simulations_side_by_side_do_not_disturb_each_other) {
    /* given two simulations of the same scenario advanced in alternation (no global state) */
    char *y = flagship();
    t_run_t *solo = t_run(y);
    t_run_t *a = t_start(y), *b = t_start(y);
    for (int64_t t = 0; t < a->sc->duration_us; t += T_S(7)) {
        t_until(a, t);
        t_until(b, t + T_S(3));
    }
    t_finish(a);
    t_finish(b);
    /* then each is identical to a run alone */
    ck_assert(a->trace_len == solo->trace_len && memcmp(a->trace, solo->trace, a->trace_len) == 0);
    ck_assert(b->trace_len == solo->trace_len && memcmp(b->trace, solo->trace, b->trace_len) == 0);
    t_free(solo);
    t_free(a);
    t_free(b);
    free(y);
}
END_TEST

static char *tmpdir(void) {
    char *d = strdup("/tmp/stormlab-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(d));
    return d;
}

static void rm_rf(const char *dir) {
    char *cmd = t_fmt("rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}

static char *read_in(const char *dir, const char *name, size_t *len) {
    char *p = t_fmt("%s/%s", dir, name);
    char *s = t_slurp(p, len);
    free(p);
    return s;
}

START_TEST(the_resolved_scenario_reproduces_the_run_byte_for_byte) {
    /* given a run directory of the flagship scenario with a --set override and another seed */
    char *d1 = tmpdir(), *d2 = tmpdir(), err[1024] = "";
    const char *sets[] = {"groups.billing.max_poll_records=200"};
    sl_scenario_t *sc = NULL;
    ck_assert_int_eq(sl_scenario_load_file(SL_SOURCE_DIR "/scenarios/coordinator-restart-storm.yaml", sets, 1, &sc,
                                           err, sizeof err), SL_OK);
    sl_scenario_set_seed(sc, 99);
    ck_assert_msg(sl_sim_run_to_dir(sc, d1, NULL, err, sizeof err) == SL_OK, "%s", err);
    /* when its scenario.resolved.yaml is run again */
    char *resolved = t_fmt("%s/scenario.resolved.yaml", d1);
    sl_scenario_t *again = NULL;
    ck_assert_msg(sl_scenario_load_file(resolved, NULL, 0, &again, err, sizeof err) == SL_OK, "%s", err);
    ck_assert_int_eq(sl_scenario_seed(again), 99);
    ck_assert_msg(sl_sim_run_to_dir(again, d2, NULL, err, sizeof err) == SL_OK, "%s", err);
    /* then every output file is identical */
    const char *names[] = {"trace.jsonl", "series.tsv", "summary.json", "log.txt", "scenario.resolved.yaml"};
    for (int i = 0; i < 5; i++) {
        size_t n1, n2;
        char *a = read_in(d1, names[i], &n1), *b = read_in(d2, names[i], &n2);
        ck_assert_msg(a && b, "%s missing", names[i]);
        ck_assert_msg(n1 == n2 && memcmp(a, b, n1) == 0, "%s differs between the run and its replay", names[i]);
        free(a);
        free(b);
    }
    sl_scenario_destroy(sc);
    sl_scenario_destroy(again);
    free(resolved);
    rm_rf(d1);
    rm_rf(d2);
    free(d1);
    free(d2);
}
END_TEST

START_TEST(summary_json_carries_the_contract_keys) {
    /* given a finished run of the flagship */
    char *d = tmpdir(), err[1024] = "";
    sl_scenario_t *sc = NULL;
    ck_assert_int_eq(sl_scenario_load_file(SL_SOURCE_DIR "/scenarios/coordinator-restart-storm.yaml", NULL, 0, &sc,
                                           err, sizeof err), SL_OK);
    ck_assert_int_eq(sl_sim_run_to_dir(sc, d, NULL, err, sizeof err), SL_OK);
    char *path = t_fmt("%s/summary.json", d);
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    ck_assert_msg(j != NULL, "summary.json is not JSON: %s", jerr.text);
    /* then the docs/outputs.md keys are there with the right types */
    ck_assert_str_eq(json_string_value(json_object_get(j, "scenario")), "coordinator-restart-storm");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "seed")), 7);
    ck_assert(json_is_number(json_object_get(j, "duration_s")));
    json_t *g = json_object_get(json_object_get(j, "groups"), "billing");
    const char *gkeys[] = {"rebalances", "generation", "rebalance_s", "unowned_partition_s", "max_lag",
                           "duplicates", "first_stable_s", "stable_from_s"};
    for (int i = 0; i < 8; i++)
        ck_assert_msg(json_object_get(g, gkeys[i]) != NULL, "groups.billing.%s missing", gkeys[i]);
    ck_assert(json_is_integer(json_object_get(g, "rebalances")));
    json_t *c = json_object_get(j, "cluster");
    const char *ckeys[] = {"unavailable_partition_s", "produce_errors", "lost_records"};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(json_object_get(c, ckeys[i]) != NULL, "cluster.%s missing", ckeys[i]);
    json_t *o = json_object_get(json_object_get(j, "owners"), "billing-team");
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "rebalances")),
                     json_integer_value(json_object_get(g, "rebalances")));
    json_decref(j);
    free(path);
    sl_scenario_destroy(sc);
    rm_rf(d);
    free(d);
}
END_TEST

START_TEST(trace_events_have_the_schema_and_causes_point_backwards) {
    /* given the flagship's trace */
    char *y = flagship();
    t_run_t *r = t_run(y);
    /* then every event has the docs/outputs.md fields, and every cause names an earlier event */
    const char *keys[] = {"t_us", "seq", "kind", "node", "group", "member", "generation", "cause", "detail"};
    int64_t last_t = 0;
    for (int i = 0; i < r->n_ev; i++) {
        for (int k = 0; k < 9; k++)
            ck_assert_msg(json_object_get(r->ev[i], keys[k]) != NULL, "event %d lacks %s", i, keys[k]);
        ck_assert_int_ge(t_ev_time(r->ev[i]), last_t);
        last_t = t_ev_time(r->ev[i]);
        json_t *cause = json_object_get(r->ev[i], "cause");
        if (!json_is_null(cause))
            ck_assert_int_lt(json_integer_value(cause), i);
    }
    /* and the series header names the seed and scenario */
    ck_assert_ptr_nonnull(strstr(r->series, "# scenario: coordinator-restart-storm\n# seed: 7\n"));
    ck_assert_ptr_nonnull(strstr(r->series, "t_s\tgroup\tmembers\tgeneration\tstate\towned\tunowned\tlag\tconsumed_per_s\n"));
    /* and the log speaks Kafka */
    ck_assert_ptr_nonnull(strstr(r->log, "[GroupCoordinator 1]: Preparing to rebalance group billing in state "
                                         "PreparingRebalance with old generation 1 (__consumer_offsets-9)"));
    ck_assert_ptr_nonnull(strstr(r->log, "Successfully joined group with generation Generation{generationId="));
    t_free(r);
    free(y);
}
END_TEST

START_TEST(a_run_that_cannot_finish_leaves_no_file_that_looks_complete) {
    /* given an output directory where one temporary file cannot be created */
    char *d = tmpdir(), err[1024] = "";
    char *blocker = t_fmt("%s/.summary.json.partial", d);
    ck_assert_int_eq(mkdir(blocker, 0700), 0);
    sl_scenario_t *sc = NULL;
    ck_assert_int_eq(sl_scenario_load_file(SL_SOURCE_DIR "/scenarios/steady-state.yaml", NULL, 0, &sc, err,
                                           sizeof err), SL_OK);
    /* when the run is asked to write there */
    sl_err_t rc = sl_sim_run_to_dir(sc, d, NULL, err, sizeof err);
    /* then it fails with an I/O error and no output file exists, complete or partial */
    ck_assert_int_eq(rc, SL_E_IO);
    ck_assert_ptr_nonnull(strstr(err, ".summary.json.partial"));
    DIR *dir = opendir(d);
    struct dirent *e;
    while ((e = readdir(dir)))
        ck_assert_msg(!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".summary.json.partial"),
                      "left behind: %s", e->d_name);
    closedir(dir);
    sl_scenario_destroy(sc);
    rm_rf(d);
    free(d);
    free(blocker);
}
END_TEST

START_TEST(json_strings_are_escaped_one_way_in_every_output) {
    /* given the one escaper of trace.jsonl, summary.json, a real run's files and the CLI's --json */
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", "\"\""},
        {"billing.v1_x-2/3", "\"billing.v1_x-2/3\""},                      /* '/' as is */
        {"say \"hi\"", "\"say \\\"hi\\\"\""},                              /* quotes */
        {"C:\\dir\\", "\"C:\\\\dir\\\\\""},                                /* backslashes */
        {"a\nb\rc\td", "\"a\\nb\\rc\\td\""},                               /* the short forms */
        {"\x01\x08\x0b\x0c\x1b\x1f", "\"\\u0001\\u0008\\u000b\\u000c\\u001b\\u001f\""}, /* other C0 controls */
        {"del\x7f", "\"del\\u007f\""},                                     /* DEL */
        {" ~", "\" ~\""},                                                  /* printable ASCII's ends */
        {"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9d\x84\x9e \xc2\x80 \xe2\x80\xa8 \xef\xbb\xbf \xf4\x8f\xbf\xbf",
         "\"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9d\x84\x9e \xc2\x80 \xe2\x80\xa8 \xef\xbb\xbf \xf4\x8f\xbf\xbf\""}, /* UTF-8 as is */
        {"\xff", "\"\\ufffd\""},                                           /* never a UTF-8 byte */
        {"a\x80z", "\"a\\ufffdz\""},                                       /* a stray continuation byte */
        {"\xc0\x80", "\"\\ufffd\\ufffd\""},                                /* overlong NUL */
        {"\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""},                     /* overlong '/' */
        {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},                     /* a surrogate, U+D800 */
        {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},          /* past U+10FFFF */
        {"\xf8\x88\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* a 5-byte form */
        {"\xe2\x9c", "\"\\ufffd\\ufffd\""},                                /* cut short by the end */
        {"\xe2\x9c\"", "\"\\ufffd\\ufffd\\\"\""},                          /* cut short by a quote */
        {"\xc3\xc3\xa9", "\"\\ufffd\xc3\xa9\""},                           /* cut short by a new sequence */
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        /* when each string is written */
        size_t at = len;
        sl_json_str(f, cases[i].in);
        fflush(f);
        const char *got = buf + at;
        /* then the bytes are exactly these */
        ck_assert_msg(!strcmp(got, cases[i].out), "case %zu: expected %s, got %s", i, cases[i].out, got);
        /* and they parse back to the input, or to it with U+FFFD for each byte that is not UTF-8 */
        json_error_t jerr;
        json_t *j = json_loads(got, JSON_DECODE_ANY, &jerr);
        ck_assert_msg(j != NULL, "case %zu: %s does not parse: %s", i, got, jerr.text);
        if (!strstr(cases[i].out, "\\ufffd"))
            ck_assert_str_eq(json_string_value(j), cases[i].in);
        json_decref(j);
    }
    /* and NULL is null */
    size_t at = len;
    sl_json_str(f, NULL);
    fflush(f);
    ck_assert_str_eq(buf + at, "null");
    fclose(f);
    free(buf);
}
END_TEST

START_TEST(scenario_text_reaches_the_outputs_as_printable_utf8) {
    /* The simulator's escapers once differed from the CLI's on \n \r \t
     * (\u000a in summary.json), DEL (raw) and bytes that are not UTF-8
     * (raw).  The outputs never showed it: ids are [A-Za-z0-9._-], and the
     * free text that reaches them, the scenario name and the owners, loads
     * only as UTF-8 without control characters. */
    static const char *const bad[] = {
        "\"a\\nb\"", "\"a\\rb\"", "\"a\\tb\"", "\"a\\x01b\"", "\"a\\x7fb\"", "\"a\\ud800b\"", "\"a\\U00110000b\"",
        "a\xff", "a\xc0\x80", "a\xed\xa0\x80", "a\x7f",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        for (int where = 0; where < 3; where++) {
            /* given the value as the scenario's name, a topic's owner or a group's owner */
            char *y = t_fmt("name: %s\ntopics: [{name: orders, owner: %s}]\n"
                            "groups: [{id: billing, owner: %s, topics: [orders]}]\n",
                            where == 0 ? bad[i] : "n", where == 1 ? bad[i] : "o", where == 2 ? bad[i] : "o");
            char err[512] = "";
            /* then the scenario does not load */
            ck_assert_msg(t_try_load(y, err, sizeof err) == SL_E_INVAL, "bad[%zu] in place %d loaded", i, where);
            free(y);
        }
    /* given text with everything else: quotes, a backslash, '/', UTF-8 up to 4 bytes, U+2028, U+FEFF */
    t_run_t *r = t_run("name: \"t\xc3\xa9 \\\"q\\\" b\\\\s \xe2\x9c\x93 \xf0\x9d\x84\x9e /x\"\nduration: 1m\n"
                       "topics: [{name: orders}]\n"
                       "groups: [{id: billing.v1_x-2, owner: \"caf\xc3\xa9 \\\"t\\\" \\u2028\\uFEFF\", topics: [orders]}]\n");
    char *sum = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&sum, &len);
    ck_assert_int_eq(sl_sim_write_summary(r->sim, f), SL_OK);
    fclose(f);
    /* then summary.json holds it as the old summary writer did: only '"' and '\' escaped */
    const char *head = "{\"scenario\": \"t\xc3\xa9 \\\"q\\\" b\\\\s \xe2\x9c\x93 \xf0\x9d\x84\x9e /x\", ";
    ck_assert_msg(!strncmp(sum, head, strlen(head)), "got %s", sum);
    const char *owner = "\"caf\xc3\xa9 \\\"t\\\" \xe2\x80\xa8\xef\xbb\xbf\"";
    char *g = t_fmt("\n  \"billing.v1_x-2\": {\"owner\": %s, ", owner), *o = t_fmt("\n  %s: {\"rebalances\": ", owner);
    ck_assert_msg(strstr(sum, g) != NULL, "expected %s in %s", g, sum);
    ck_assert_msg(strstr(sum, o) != NULL, "expected %s in %s", o, sum);
    free(g);
    free(o);
    free(sum);
    t_free(r);
}
END_TEST

START_TEST(rebalance_latency_is_the_coordinators_time_between_preparing_rebalance_and_stable) {
    /* given a member whose poll loop stalls 90 s from 60 s while another restarts at 70 s: the stalled one
     * holds that join phase until its max.poll.interval.ms (30 s) runs out at 90 s, then the group runs
     * without it until it comes back */
    char *y = t_group_yaml("latency-test", 3, 3, "    max_poll_interval: 30s\n",
                           "  - {at: 60s, stall: billing/2, for: 90s}\n"
                           "  - {at: 70s, restart: billing/3, mode: controlled, for: 1s}\n");
    t_run_t *r = t_run_owned(y);
    sl_group_result_t g = t_group(r, 0);
    /* then rebalance_latency_s is the sum of the coordinator's spans in PreparingRebalance or
     * CompletingRebalance after the group first settled, read back from the trace's group.state events */
    double expected = 0, since = -1;
    for (int i = 0; i < r->n_ev; i++) {
        const char *kind = json_string_value(json_object_get(r->ev[i], "kind"));
        if (strcmp(kind, "group.state") != 0)
            continue;
        const char *st = json_string_value(json_object_get(r->ev[i], "detail"));
        double t = (double)t_ev_time(r->ev[i]) / 1e6;
        bool in = !strcmp(st, "PreparingRebalance") || !strcmp(st, "CompletingRebalance");
        if (in && since < 0)
            since = t;
        else if (!in && since >= 0) {
            if (t > g.first_stable_s)
                expected += t - (since > g.first_stable_s ? since : g.first_stable_s);
            since = -1;
        }
    }
    ck_assert_msg(fabs(g.rebalance_latency_s - expected) < 1e-6, "rebalance_latency_s %.6f, the trace says %.6f",
                  g.rebalance_latency_s, expected);
    /* and unlike rebalance_s it leaves out the time the group was Stable without the stalled member */
    ck_assert_msg(g.rebalance_latency_s > 15 && g.rebalance_latency_s < g.rebalance_s - 30,
                  "rebalance_latency_s %.1f, rebalance_s %.1f", g.rebalance_latency_s, g.rebalance_s);
    t_free(r);
}
END_TEST

int main(void) {
    Suite *s = suite_create("outputs");
    TCase *det = tcase_create("determinism");
    tcase_set_timeout(det, 60);
    tcase_add_test(det, the_same_seed_gives_byte_identical_outputs);
    tcase_add_test(det, a_different_seed_gives_a_different_trace);
    tcase_add_test(det, two_simulations_side_by_side_do_not_disturb_each_other);
    tcase_add_test(det, the_resolved_scenario_reproduces_the_run_byte_for_byte);
    suite_add_tcase(s, det);
    TCase *files = tcase_create("files");
    tcase_add_test(files, summary_json_carries_the_contract_keys);
    tcase_add_test(files, trace_events_have_the_schema_and_causes_point_backwards);
    tcase_add_test(files, a_run_that_cannot_finish_leaves_no_file_that_looks_complete);
    tcase_add_test(files, json_strings_are_escaped_one_way_in_every_output);
    tcase_add_test(files, rebalance_latency_is_the_coordinators_time_between_preparing_rebalance_and_stable);
    tcase_add_test(files, scenario_text_reaches_the_outputs_as_printable_utf8);
    suite_add_tcase(s, files);
    return t_run_suite(s);
}
