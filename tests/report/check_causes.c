/*
 * Cause chains, first signals, fault labels and swimlanes (harness/report/causes.c,
 * harness/report/extract.c, harness/report/runfiles.c) on small hand-written run
 * directories, so each rule is visible in the test that states it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stormlab/outputs.h"
#include "report/causes.h"
#include "report/extract.h"
#include "report/runfiles.h"
#include "../check_main.h"

static char dir[256];

/* A run directory with the given trace and log lines (one group, billing, 60 s). */
static void make_run(const char *trace, const char *log) {
    char path[512];
    snprintf(dir, sizeof dir, "/tmp/check_causes.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    static const struct {
        const char *name, *text;
    } fixed[] = {
        {"series.tsv", "# stormlab series\nt_s\tgroup\tmembers\tgeneration\tstate\towned\tunowned\tlag\tconsumed_per_s\n"
                       "0.000\tbilling\t0\t0\tEmpty\t4\t0\t0\t0.0\n60.000\tbilling\t2\t2\tStable\t4\t0\t10\t5.0\n"},
        {"summary.json", "{\"scenario\": \"t\", \"seed\": 1, \"duration_s\": 60.0, \"groups\": {}, \"cluster\": {}, "
                         "\"owners\": {}}\n"},
    };
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, fixed[i].name);
        FILE *f = fopen(path, "w");
        fputs(fixed[i].text, f);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/trace.jsonl", dir);
    FILE *f = fopen(path, "w");
    fputs(trace, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/log.txt", dir);
    f = fopen(path, "w");
    fputs(log, f);
    fclose(f);
}

static void remove_run(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

#define EV(t, seq, kind, node, gen, cause, detail)                                                                     \
    "{\"t_us\":" #t ",\"seq\":" #seq ",\"kind\":\"" kind "\",\"node\":" node ",\"group\":\"billing\",\"member\":null,"  \
    "\"generation\":" #gen ",\"cause\":" #cause ",\"detail\":\"" detail "\"}\n"

/* The group forms (seq 0-2), a cut (3) expels billing/1 (4, 5), it rejoins (6, 7), the group settles (8). */
static const char *storm_trace =
    EV(0, 0, "member.start", "\"billing/1\"", null, null, "started")
    EV(5000, 1, "group.rebalance.start", "\"broker/1\"", 0, 0, "Adding new member")
    EV(3000000, 2, "group.settled", "null", 1, 1, "settled")
    EV(10000000, 3, "link.cut", "null", null, null, "billing/1,billing/2,billing/3 -> broker/1 (both ways)")
    EV(20000000, 4, "member.session_expired", "\"broker/1\"", 1, 3, "no heartbeat")
    EV(20000000, 5, "group.rebalance.start", "\"broker/1\"", 1, 4, "removing member on heartbeat expiration")
    EV(21000000, 6, "group.join.complete", "\"broker/1\"", 2, 5, "generation 2")
    EV(30000000, 7, "link.heal", "null", null, 3, "partition ends")
    EV(31000000, 8, "group.settled", "null", 2, 6, "settled");

/*
 * billing/2 logs before the cut and again in the expiry's millisecond (no
 * event of its own there), the injector marks the cut, then the coordinator
 * logs the expiry.
 */
static const char *storm_log = "# header\n"
                               "[00:00:05.000] INFO  billing/2 unrelated line before the cut\n"
                               "[00:00:10.000] INFO  - [stormlab] injected partition billing/1\n"
                               "[00:00:20.000] INFO  billing/2 unrelated line in the same millisecond\n"
                               "[00:00:20.000] INFO  broker/1 [GroupCoordinator 1]: Member has failed\n";

START_TEST(chain_walks_back_through_causes_to_the_injected_root) {
    /* given a rebalance caused by a session expiry caused by a cut */
    make_run(storm_trace, storm_log);
    sl_run_t *run = NULL;
    char err[512];
    ck_assert_msg(sl_run_load(dir, &run, err, sizeof err) == 0, "load: %s", err);
    /* when the causes are analysed */
    sl_causes_t *c = sl_causes_new(run);
    /* then the one rebalance's chain is start <- expiry <- cut */
    ck_assert_uint_eq(c->n_rb, 1);
    ck_assert_uint_eq(c->rb[0].n_chain, 3);
    ck_assert_str_eq(run->ev[c->rb[0].chain[0]].kind, "group.rebalance.start");
    ck_assert_str_eq(run->ev[c->rb[0].chain[1]].kind, "member.session_expired");
    ck_assert_str_eq(run->ev[c->rb[0].chain[2]].kind, "link.cut");
    ck_assert(sl_trace_kind_is_root("link.cut"));
    sl_causes_free(c);
    sl_run_destroy(run);
    remove_run();
}
END_TEST

START_TEST(forming_the_group_is_not_a_rebalance) {
    /* given a group.rebalance.start before the first group.settled and one after */
    make_run(storm_trace, storm_log);
    sl_run_t *run = NULL;
    char err[512];
    ck_assert_int_eq(sl_run_load(dir, &run, err, sizeof err), 0);
    sl_causes_t *c = sl_causes_new(run);
    /* then only the later one counts, numbered 1, producing generation 2; the group first settled at 3 s */
    ck_assert_uint_eq(c->n_rb, 1);
    ck_assert_int_eq(c->rb[0].number, 1);
    ck_assert_int_eq(c->rb[0].generation, 2);
    ck_assert_msg(c->first_settled_s[0] > 2.99 && c->first_settled_s[0] < 3.01, "first settled %f",
                  c->first_settled_s[0]);
    sl_causes_free(c);
    sl_run_destroy(run);
    remove_run();
}
END_TEST

START_TEST(first_signal_is_the_first_log_line_descending_from_the_root) {
    /* given unrelated lines before the cut and in the expiry's millisecond, the injector's marker, and the
     * coordinator's line at the expiry */
    make_run(storm_trace, storm_log);
    sl_run_t *run = NULL;
    char err[512];
    ck_assert_int_eq(sl_run_load(dir, &run, err, sizeof err), 0);
    sl_causes_t *c = sl_causes_new(run);
    /* then the first signal is the coordinator's line: same node and millisecond as the expiry */
    ck_assert_int_ge(c->rb[0].first_signal, 0);
    const sl_rf_log_t *l = &run->log[c->rb[0].first_signal];
    ck_assert_str_eq(l->node, "broker/1");
    ck_assert_int_eq(l->t_ms, 20000);
    ck_assert_str_eq(l->message, "[GroupCoordinator 1]: Member has failed");
    sl_causes_free(c);
    sl_run_destroy(run);
    remove_run();
}
END_TEST

START_TEST(series_numbers_read_as_strtod_and_strtoll_read_them) {
    /* given series.tsv rows whose numbers come in every form a writer may use */
    static const char *reals[] = {"0.000", "60.000", "123456.789", "0.1", "2.675", "-0.000", "+1.5", " 2.5",
                                  "1e3", "1.", ".5", "123456789012.345678", "9007199254740993.0",
                                  "0.30000000000000004", "7.123456789", "5", "333.0", "-12.25"};
    static const char *ints[] = {"5", "-3", "+4", " 7", "007", "123456789012345678901", "0", "-0"};
    size_t nr = sizeof reals / sizeof *reals, ni = sizeof ints / sizeof *ints;
    make_run(storm_trace, "");
    char path[512];
    snprintf(path, sizeof path, "%s/series.tsv", dir);
    FILE *f = fopen(path, "w");
    fputs("t_s\tgroup\tmembers\tgeneration\tstate\towned\tunowned\tlag\tconsumed_per_s\n", f);
    for (size_t i = 0; i < nr; i++)
        fprintf(f, "%s\tbilling\t%s\t%s\tStable\t%s\t%s\t%s\t%s\n", reals[i], ints[i % ni], ints[(i + 1) % ni],
                ints[(i + 2) % ni], ints[(i + 3) % ni], ints[(i + 4) % ni], reals[nr - 1 - i]);
    fclose(f);
    /* when the run is loaded */
    sl_run_t *run = NULL;
    char err[512] = "";
    ck_assert_msg(sl_run_load(dir, &run, err, sizeof err) == 0, "%s", err);
    /* then every number is what the C library reads from its text */
    ck_assert_uint_eq(run->n_samples, nr);
    for (size_t i = 0; i < nr; i++) {
        const sl_rf_sample_t *x = &run->samples[i];
        double t = strtod(reals[i], NULL), c = strtod(reals[nr - 1 - i], NULL);
        ck_assert_msg(memcmp(&x->t_s, &t, sizeof t) == 0, "t_s of %s: %.17g", reals[i], x->t_s);
        ck_assert_msg(memcmp(&x->consumed_per_s, &c, sizeof c) == 0, "consumed of %s: %.17g", reals[nr - 1 - i],
                      x->consumed_per_s);
        ck_assert_int_eq(x->members, (int)strtoll(ints[i % ni], NULL, 10));
        ck_assert_int_eq(x->generation, (int)strtoll(ints[(i + 1) % ni], NULL, 10));
        ck_assert_int_eq(x->owned, (int)strtoll(ints[(i + 2) % ni], NULL, 10));
        ck_assert_int_eq(x->unowned, (int)strtoll(ints[(i + 3) % ni], NULL, 10));
        ck_assert(x->lag == strtoll(ints[(i + 4) % ni], NULL, 10));
    }
    sl_run_destroy(run);
    /* and a column that is no number is an error naming the line */
    f = fopen(path, "a");
    fputs("61.000\tbilling\t2\t2\tStable\t4\t0\t1O\t5.0\n", f);
    fclose(f);
    ck_assert_int_eq(sl_run_load(dir, &run, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "series.tsv:"), "got: %s", err);
    remove_run();
}
END_TEST

START_TEST(lines_are_read_whole_across_read_blocks_and_without_a_last_newline) {
    /* given a trace line of 3 MiB (longer than runfiles.c's 1 MiB read block), a series.tsv of 50,000 rows
     * (several blocks, rows cut at every block edge) and files whose last line has no newline */
    size_t big = 3u << 20, rows = 50000;
    char *detail = malloc(big + 1), path[512];
    memset(detail, 'x', big);
    detail[big] = 0;
    make_run("", "");
    snprintf(path, sizeof path, "%s/trace.jsonl", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"t_us\":0,\"seq\":0,\"kind\":\"member.start\",\"node\":\"billing/1\",\"group\":\"billing\","
               "\"member\":null,\"generation\":null,\"cause\":null,\"detail\":\"%s\"}\n", detail);
    fputs("{\"t_us\":1,\"seq\":1,\"kind\":\"member.start\",\"node\":\"billing/2\",\"group\":\"billing\",\"member\":null,"
          "\"generation\":null,\"cause\":null,\"detail\":\"last\"}", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/series.tsv", dir);
    f = fopen(path, "w");
    fputs("t_s\tgroup\tmembers\tgeneration\tstate\towned\tunowned\tlag\tconsumed_per_s\r\n", f);
    for (size_t i = 0; i < rows; i++)
        fprintf(f, "%zu.000\tbilling\t3\t%zu\tStable\t4\t0\t%zu\t1.5%s", i, i % 7, i * 3, i + 1 < rows ? "\r\n" : "");
    fclose(f);
    snprintf(path, sizeof path, "%s/log.txt", dir);
    f = fopen(path, "w");
    fputs("[00:00:01.000] INFO  billing/1 first\n[00:00:02.000] WARN  broker/1 no newline", f);
    fclose(f);
    /* when the run is loaded */
    sl_run_t *run = NULL;
    char err[512] = "";
    ck_assert_msg(sl_run_load(dir, &run, err, sizeof err) == 0, "%s", err);
    /* then every line is there, whole, with nothing of its line end */
    ck_assert_uint_eq(run->n_ev, 2);
    ck_assert_uint_eq(strlen(run->ev[0].detail), big);
    ck_assert_str_eq(run->ev[1].detail, "last");
    ck_assert_uint_eq(run->n_samples, rows);
    for (size_t i = 0; i < rows; i++) {
        ck_assert_msg(run->samples[i].t_s == (double)i && run->samples[i].lag == (long long)(i * 3) &&
                          run->samples[i].generation == (int)(i % 7) && run->samples[i].consumed_per_s == 1.5,
                      "row %zu", i);
    }
    ck_assert_uint_eq(run->n_log, 2);
    ck_assert_str_eq(run->log[1].message, "no newline");
    sl_run_destroy(run);
    free(detail);
    remove_run();
}
END_TEST

START_TEST(a_file_that_cannot_be_read_is_an_error_not_a_shorter_run) {
    /* given a run whose series.tsv opens but cannot be read (a directory: read() fails with EISDIR) */
    make_run(storm_trace, "");
    char path[512];
    snprintf(path, sizeof path, "%s/series.tsv", dir);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    /* when it is loaded, then loading fails naming the file, instead of a run with no samples */
    sl_run_t *run = NULL;
    char err[512] = "";
    ck_assert_int_eq(sl_run_load(dir, &run, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "series.tsv: read error"), "got: %s", err);
    remove_run();
}
END_TEST

START_TEST(a_cause_pointing_forward_is_an_error_naming_the_line) {
    /* given a trace whose second event names a later cause */
    make_run(EV(0, 0, "member.start", "\"billing/1\"", null, null, "x") EV(1, 1, "member.join", "\"billing/1\"", null, 5,
                                                                           "y"),
             "");
    sl_run_t *run = NULL;
    char err[512] = "";
    /* when it is loaded, then loading fails naming trace.jsonl:2 */
    ck_assert_int_eq(sl_run_load(dir, &run, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "trace.jsonl:2: cause must name an earlier event"), "got: %s", err);
    remove_run();
}
END_TEST

START_TEST(labels_compress_node_lists_and_give_an_end) {
    /* given the cut of billing/1..3 that heals at 30 s */
    make_run(storm_trace, storm_log);
    sl_run_t *run = NULL;
    char err[512], label[256];
    ck_assert_int_eq(sl_run_load(dir, &run, err, sizeof err), 0);
    sl_causes_t *c = sl_causes_new(run);
    /* then its label is short and its end is the heal */
    ck_assert_str_eq(sl_causes_label(&run->ev[3], label, sizeof label), "partition billing/1-3 ↔ broker/1");
    ck_assert_int_eq(sl_causes_end_us(run, c, 3), 30000000);
    sl_causes_free(c);
    sl_run_destroy(run);
    remove_run();
}
END_TEST

static char *slurp(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/data/%s", dir, name);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s missing", path);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* Loads the run made by make_run() and writes its plot extracts into DIR/data; returns the fault rows. */
static int write_extracts(void) {
    sl_run_t *run = NULL;
    char err[512], data[600];
    ck_assert_int_eq(sl_run_load(dir, &run, err, sizeof err), 0);
    sl_causes_t *c = sl_causes_new(run);
    snprintf(data, sizeof data, "%s/data", dir);
    ck_assert_int_eq(mkdir(data, 0755), 0);
    int rows = -1;
    ck_assert_msg(sl_extract_write(run, c, data, &rows, err, sizeof err) == 0, "%s", err);
    sl_causes_free(c);
    sl_run_destroy(run);
    return rows;
}

START_TEST(swimlanes_show_pauses_and_the_stop_until_the_end) {
    /* given billing/1 consuming from 2 s, paused 10..20 s, stopped at 30 s */
    make_run(EV(0, 0, "member.start", "\"billing/1\"", null, null, "s")
             EV(1000000, 1, "member.join", "\"billing/1\"", null, 0, "j")
             EV(1500000, 2, "member.joined", "\"billing/1\"", 1, 1, "j")
             EV(2000000, 3, "member.assigned", "\"billing/1\"", 1, 2, "4 partitions (+4, -0)")
             EV(10000000, 4, "action.pause", "null", null, null, "pause billing/1")
             EV(10000000, 5, "member.paused", "\"billing/1\"", null, 4, "p")
             EV(20000000, 6, "member.resumed", "\"billing/1\"", null, 4, "r")
             EV(30000000, 7, "member.stop", "\"billing/1\"", null, null, "stop"),
             "");
    /* when the extracts are written */
    int rows = write_extracts();
    /* then the lane is rejoining, syncing, consuming, paused, consuming, and stopped to the end of the run */
    const char *body = strchr(slurp("billing.lanes.tsv"), '\n') + 1;
    ck_assert_str_eq(body, "1\t0.000000\t1.500000\t5\n"
                           "1\t1.500000\t2.000000\t6\n"
                           "1\t2.000000\t10.000000\t0\n"
                           "1\t10.000000\t20.000000\t8\n"
                           "1\t20.000000\t30.000000\t0\n"
                           "1\t30.000000\t60.000000\t11\n");
    /* and the pause is one fault, labelled, lasting until the resume */
    ck_assert_int_eq(rows, 1);
    ck_assert_str_eq(slurp("faults.tsv"), "# t_start_s\tt_end_s\trow\tkind\tlabel\n"
                                          "10.000000\t20.000000\t0\taction.pause\tpause billing/1\n");
    remove_run();
}
END_TEST

START_TEST(swimlanes_show_a_cut_member_as_cut_off_then_blocked_then_expelled) {
    /* given billing/1 consuming with coordinator broker 1, cut from broker/1 at 10 s (heals at 40 s), noticing at
     * 25 s, expelled by the coordinator at 45 s and told so at 46 s */
    make_run(EV(0, 0, "member.start", "\"billing/1\"", null, null, "s")
             EV(1000, 1, "member.coordinator_found", "\"billing/1\"", null, null, "coordinator is broker 1")
             "{\"t_us\":2000000,\"seq\":2,\"kind\":\"member.assigned\",\"node\":\"billing/1\","
             "\"group\":\"billing\",\"member\":\"m-1\",\"generation\":1,\"cause\":null,"
             "\"detail\":\"4 partitions (+4, -0)\"}\n"
             EV(10000000, 3, "link.cut", "null", null, null, "billing/1 -> broker/1 (both ways)")
             EV(25000000, 4, "member.coordinator_unknown", "\"billing/1\"", 1, 3, "NETWORK_EXCEPTION")
             EV(40000000, 5, "link.heal", "null", null, 3, "partition ends")
             "{\"t_us\":45000000,\"seq\":6,\"kind\":\"member.session_expired\",\"node\":\"broker/1\","
             "\"group\":\"billing\",\"member\":\"m-1\",\"generation\":1,\"cause\":3,\"detail\":\"x\"}\n"
             EV(46000000, 7, "member.fenced", "\"billing/1\"", 1, 6, "heartbeat answered UNKNOWN_MEMBER_ID"),
             "");
    /* when the extracts are written */
    int rows = write_extracts();
    /* then: consuming, cut off (unaware) until it notices, fetching blocked (broker/1 is the only broker) until the
     * heal, consuming, expelled until the fence, rejoining */
    const char *body = strchr(slurp("billing.lanes.tsv"), '\n') + 1;
    ck_assert_str_eq(body, "1\t0.000000\t2.000000\t5\n"
                           "1\t2.000000\t10.000000\t0\n"
                           "1\t10.000000\t25.000000\t3\n"
                           "1\t25.000000\t40.000000\t2\n"
                           "1\t40.000000\t45.000000\t0\n"
                           "1\t45.000000\t46.000000\t4\n"
                           "1\t46.000000\t60.000000\t5\n");
    (void)rows;
    remove_run();
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("causes");
    TCase *chains = tcase_create("cause chains");
    tcase_add_test(chains, chain_walks_back_through_causes_to_the_injected_root);
    tcase_add_test(chains, forming_the_group_is_not_a_rebalance);
    tcase_add_test(chains, first_signal_is_the_first_log_line_descending_from_the_root);
    tcase_add_test(chains, a_cause_pointing_forward_is_an_error_naming_the_line);
    tcase_add_test(chains, series_numbers_read_as_strtod_and_strtoll_read_them);
    tcase_add_test(chains, lines_are_read_whole_across_read_blocks_and_without_a_last_newline);
    tcase_add_test(chains, a_file_that_cannot_be_read_is_an_error_not_a_shorter_run);
    suite_add_tcase(s, chains);
    TCase *plots = tcase_create("plot extracts");
    tcase_add_test(plots, labels_compress_node_lists_and_give_an_end);
    tcase_add_test(plots, swimlanes_show_pauses_and_the_stop_until_the_end);
    tcase_add_test(plots, swimlanes_show_a_cut_member_as_cut_off_then_blocked_then_expelled);
    suite_add_tcase(s, plots);
    return s;
}

int main(void) {
    return t_run_suite(suite());
}
