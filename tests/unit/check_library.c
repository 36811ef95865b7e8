/*
 * The scenario library (scenarios/) as users run it: every file loads and
 * runs, and the comparisons the descriptions draw hold.
 */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "stormlab/outputs.h"
#include "testutil.h"
#include "../check_main.h"

static t_run_t *run_file(const char *name) {
    char *path = t_fmt("scenarios/%s", name);
    t_run_t *r = t_run_file(path);
    free(path);
    return r;
}

START_TEST(every_scenario_in_the_library_runs) {
    /* given every file in scenarios/ */
    DIR *d = opendir(SL_SOURCE_DIR "/scenarios");
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        /* then it loads, runs to its end and its group first settles */
        t_run_t *r = run_file(e->d_name);
        for (int i = 0; i < sl_sim_group_count(r->sim); i++)
            ck_assert_msg(t_group(r, i).first_stable_s >= 0, "%s: group %d never settled", e->d_name, i);
        t_free(r);
        n++;
    }
    closedir(d);
    ck_assert_int_ge(n, 15);
}
END_TEST

static bool is_root_kind(const char *k) { return sl_trace_kind_is_root(k); }

START_TEST(every_rebalance_in_the_library_traces_back_to_a_scenario_event) {
    /* given every scenario in the library */
    DIR *d = opendir(SL_SOURCE_DIR "/scenarios");
    struct dirent *e;
    int checked = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        t_run_t *r = run_file(e->d_name);
        /* then each rebalance after the group first settled walks back, cause by cause, to an injected fault
         * or operator action: no chain breaks or ends in the middle of the model */
        for (int i = 0; i < r->n_ev; i++) {
            const char *kind = json_string_value(json_object_get(r->ev[i], "kind"));
            /* and every kind written is one of the trace vocabulary's (docs/outputs.md) */
            ck_assert_msg(sl_trace_kind_find(kind) != NULL, "%s: seq %lld has kind %s, not in the trace vocabulary",
                          e->d_name, (long long)t_ev_seq(r->ev[i]), kind);
            if (strcmp(kind, "group.rebalance.start") != 0)
                continue;
            const char *gname = json_string_value(json_object_get(r->ev[i], "group"));
            int gi = 0;
            while (gi < sl_sim_group_count(r->sim) && strcmp(t_group(r, gi).group, gname) != 0)
                gi++;
            if ((double)t_ev_time(r->ev[i]) / 1e6 <= t_group(r, gi).first_stable_s)
                continue; /* forming the group */
            json_t *root = t_root(r, t_ev_seq(r->ev[i]));
            const char *rk = json_string_value(json_object_get(root, "kind"));
            ck_assert_msg(is_root_kind(rk), "%s: rebalance seq %lld at %lld us ends at %s (seq %lld)", e->d_name,
                          (long long)t_ev_seq(r->ev[i]), (long long)t_ev_time(r->ev[i]), rk,
                          (long long)t_ev_seq(root));
            checked++;
        }
        t_free(r);
    }
    closedir(d);
    ck_assert_int_gt(checked, 50);
}
END_TEST

START_TEST(restarting_brokers_under_fire_is_worse_than_leaving_the_cluster_alone) {
    /* given the same incident left alone, and with the on-call's rolling hard restart of every broker */
    t_run_t *alone = run_file("storm-left-alone.yaml"), *fix = run_file("storm-rolling-broker-restart.yaml");
    sl_group_result_t a = t_group(alone, 0), f = t_group(fix, 0);
    sl_cluster_result_t ca, cf;
    sl_sim_cluster_result(alone->sim, &ca);
    sl_sim_cluster_result(fix->sim, &cf);
    /* then the storm is worse with the fix: more rebalances, longer out of stable, more lag, later stable,
     * partitions unavailable (the scenario's description says which measure is not worse, and why) */
    ck_assert_msg(f.rebalances > a.rebalances, "rebalances %d vs %d", f.rebalances, a.rebalances);
    ck_assert_msg(f.rebalance_s > a.rebalance_s, "rebalance_s %.1f vs %.1f", f.rebalance_s, a.rebalance_s);
    ck_assert_msg(f.max_lag > a.max_lag, "max lag %lld vs %lld", (long long)f.max_lag, (long long)a.max_lag);
    ck_assert_msg(f.duplicates >= a.duplicates, "duplicates %lld vs %lld", (long long)f.duplicates,
                  (long long)a.duplicates);
    ck_assert_msg(f.stable_from_s > a.stable_from_s, "stable from %.1f vs %.1f", f.stable_from_s, a.stable_from_s);
    ck_assert_msg(cf.unavailable_partition_s > ca.unavailable_partition_s, "unavailable %.1f vs %.1f",
                  cf.unavailable_partition_s, ca.unavailable_partition_s);
    t_free(alone);
    t_free(fix);
}
END_TEST

int main(void) {
    Suite *s = suite_create("library");
    TCase *tc = tcase_create("scenarios");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_scenario_in_the_library_runs);
    tcase_add_test(tc, restarting_brokers_under_fire_is_worse_than_leaving_the_cluster_alone);
    tcase_add_test(tc, every_rebalance_in_the_library_traces_back_to_a_scenario_event);
    suite_add_tcase(s, tc);
    return t_run_suite(s);
}
