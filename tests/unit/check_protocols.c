/*
 * Protocol variants of the classic group (docs/model.md): the sticky and
 * cooperative-sticky assignors (KIP-429), static membership (KIP-345), and
 * a failed assignment write when __consumer_offsets is under-replicated.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../check_main.h"

static char *scenario(int members, const char *extra, const char *events) {
    return t_group_yaml("protocol-test", 11, members, extra, events);
}

static t_run_t *run(int members, const char *extra, const char *events) {
    return t_run_owned(scenario(members, extra, events));
}

static int moved(int n_old, int **old, int *old_n, int n_new, int **nw, int *nw_n) {
    /* partitions whose owner changed between two assignments (by member index) */
    int owner_old[64], owner_new[64], count = 0;
    for (int p = 0; p < 64; p++)
        owner_old[p] = owner_new[p] = -1;
    for (int m = 0; m < n_old; m++)
        for (int k = 0; k < old_n[m]; k++)
            owner_old[old[m][k]] = m;
    for (int m = 0; m < n_new; m++)
        for (int k = 0; k < nw_n[m]; k++)
            owner_new[nw[m][k]] = m;
    for (int p = 0; p < 64; p++)
        count += owner_old[p] >= 0 && owner_old[p] != owner_new[p];
    return count;
}

START_TEST(the_sticky_assignor_moves_only_what_balance_requires) {
    /* given 12 partitions held 4/4/4 by three members, and a fourth member joining */
    t_run_t *r = t_start_owned(scenario(4, NULL, NULL));
    sl_group_t *g = &r->sim->groups[0];
    int *prev[3], prev_n[3];
    sl_assign(SL_ASSIGN_RANGE, g, 3, NULL, NULL, prev, prev_n);
    int *out[4], out_n[4];
    const int *claims[4] = {prev[0], prev[1], prev[2], NULL};
    int claims_n[4] = {prev_n[0], prev_n[1], prev_n[2], 0};
    /* when the sticky assignor runs with their claims */
    ck_assert_int_eq(sl_assign(SL_ASSIGN_STICKY, g, 4, claims, claims_n, out, out_n), 0);
    /* then everyone has 3 and only the 3 partitions the newcomer needs moved */
    for (int m = 0; m < 4; m++)
        ck_assert_int_eq(out_n[m], 3);
    ck_assert_int_eq(moved(3, prev, prev_n, 4, out, out_n), 3);
    /* while range reshuffles more */
    int *rng[4], rng_n[4];
    sl_assign(SL_ASSIGN_RANGE, g, 4, NULL, NULL, rng, rng_n);
    ck_assert_int_gt(moved(3, prev, prev_n, 4, rng, rng_n), 3);
    for (int m = 0; m < 4; m++) {
        free(out[m]);
        free(rng[m]);
        if (m < 3)
            free(prev[m]);
    }
    t_free(r);
}
END_TEST

START_TEST(cooperative_sticky_withholds_partitions_another_member_still_owns) {
    /* given the same join under cooperative-sticky */
    t_run_t *r = t_start_owned(scenario(4, NULL, NULL));
    sl_group_t *g = &r->sim->groups[0];
    int *prev[3], prev_n[3];
    sl_assign(SL_ASSIGN_RANGE, g, 3, NULL, NULL, prev, prev_n);
    const int *claims[4] = {prev[0], prev[1], prev[2], NULL};
    int claims_n[4] = {prev_n[0], prev_n[1], prev_n[2], 0};
    int *out[4], out_n[4];
    ck_assert_int_eq(sl_assign(SL_ASSIGN_COOPERATIVE_STICKY, g, 4, claims, claims_n, out, out_n), 0);
    /* then the owners keep 3 each and the newcomer gets nothing yet: the 3 moving partitions are first revoked */
    for (int m = 0; m < 3; m++)
        ck_assert_int_eq(out_n[m], 3);
    ck_assert_int_eq(out_n[3], 0);
    for (int m = 0; m < 4; m++) {
        free(out[m]);
        if (m < 3)
            free(prev[m]);
    }
    t_free(r);
}
END_TEST

START_TEST(a_cooperative_join_takes_two_generations_and_nobody_stops_consuming) {
    /* given a cooperative-sticky group of 3 that a 4th member joins at 60 s */
    t_run_t *r = run(4, "    assignor: cooperative-sticky\n",
                     "  - {at: 30s, restart: billing/4, mode: controlled, for: 30s}\n");
    /* then the leave is one rebalance, the join two (revoke, then move): 3 in all */
    ck_assert_int_eq(t_group(r, 0).rebalances, 3);
    /* and the members that stayed never gave up everything: each revoke is partial */
    for (int i = 0; i < r->n_ev; i++) {
        const char *kind = json_string_value(json_object_get(r->ev[i], "kind"));
        ck_assert_msg(strcmp(kind, "member.revoked") != 0 || t_ev_time(r->ev[i]) < T_S(30) ||
                          strcmp(json_string_value(json_object_get(r->ev[i], "node")), "billing/4") == 0,
                      "an eager-style full revocation at %lld", (long long)t_ev_time(r->ev[i]));
    }
    int revoke_rejoins = 0;
    for (int i = 0; i < r->n_ev; i++)
        if (!strcmp(json_string_value(json_object_get(r->ev[i], "kind")), "member.rejoin_needed") &&
            strstr(json_string_value(json_object_get(r->ev[i], "detail")), "(cooperative)"))
            revoke_rejoins++;
    ck_assert_msg(revoke_rejoins >= 1, "no member rejoined to let revoked partitions move");
    ck_assert_ptr_nonnull(strstr(r->log, "need to revoke partitions"));
    t_free(r);
}
END_TEST

START_TEST(a_cooperative_member_that_revoked_rejoins_at_once_even_with_an_idle_poll_loop) {
    /* given cooperative-sticky groups of 3 (Java, then librdkafka) on a quiet topic (idle poll loops)
     * that a 4th member joins at 30 s */
    for (int rdk = 0; rdk < 2; rdk++) {
        char *extra = t_fmt("    assignor: cooperative-sticky\n    client: %s\n", rdk ? "librdkafka" : "java");
        t_run_t *r = run(4, extra, "  - {at: 10s, restart: billing/4, mode: controlled, for: 20s}\n");
        free(extra);
        /* when the join's first generation is synced and the old members revoke what moves */
        json_t *revoked = NULL;
        for (int i = 0; i < r->n_ev && !revoked; i++)
            if (t_ev_time(r->ev[i]) >= T_S(30) &&
                !strcmp(json_string_value(json_object_get(r->ev[i], "kind")), "member.rejoin_needed") &&
                strstr(json_string_value(json_object_get(r->ev[i], "detail")), "(cooperative)"))
                revoked = r->ev[i];
        ck_assert_ptr_nonnull(revoked);
        /* then the follow-up rebalance starts within a round trip or two (Kafka 4.4: ~30 ms), not
         * after a fetch wait, an auto-commit or a heartbeat interval */
        json_t *next = t_first(r, "group.rebalance.start", NULL, t_ev_time(revoked));
        ck_assert_ptr_nonnull(next);
        ck_assert_msg(t_ev_time(next) - t_ev_time(revoked) < 50000, "%s: follow-up rebalance %lld us after the revoke",
                      rdk ? "librdkafka" : "java", (long long)(t_ev_time(next) - t_ev_time(revoked)));
        t_free(r);
    }
}
END_TEST

START_TEST(a_cooperative_member_keeps_consuming_while_its_join_is_parked) {
    /* given busy members (batches of seconds) and a 4th member joining: eager in one run, cooperative in another */
    const char *extra_fmt = "    assignor: %s\n    processing: {median: 5ms, p99: 40ms}\n";
    const char *ev = "  - {at: 30s, restart: billing/4, mode: controlled, for: 30s}\n";
    for (int coop = 0; coop <= 1; coop++) {
        char *extra = t_fmt(extra_fmt, coop ? "cooperative-sticky" : "range");
        char *y = t_fmt("name: busy\nseed: 4\nduration: 2m\ntopics:\n"
                        "  - {name: orders, partitions: 12, replication: 3, produce_rate: 1000/s}\n"
                        "groups:\n  - id: billing\n    topics: [orders]\n    members: 4\n%sevents:\n%s",
                        extra, ev);
        t_run_t *r = t_start(y);
        free(y);
        free(extra);
        sl_group_t *g = &r->sim->groups[0];
        /* when a member has sent its JoinGroup and waits for the others (after the join at 60 s) */
        sl_member_t *waiting = NULL;
        for (int64_t t = T_S(60); t < T_S(100) && !waiting; t += T_S(0.01)) {
            t_until(r, t);
            for (int i = 0; i < 3 && !waiting; i++)
                if (g->state == GS_PREPARING_REBALANCE && g->members[i]->mstate == MS_JOINING)
                    waiting = g->members[i];
        }
        ck_assert_msg(waiting != NULL, "no member waited in JoinGroup (%s)", coop ? "cooperative" : "eager");
        int64_t before = g->consumed;
        int owned = waiting->n_owned;
        t_until(r, sl_now(r->sim) + T_S(6));
        /* then the cooperative member still owns and consumes its partitions; the eager one gave everything up */
        if (coop) {
            ck_assert_msg(owned > 0, "cooperative member owned nothing while joining");
        } else {
            ck_assert_int_eq(owned, 0);
        }
        ck_assert_msg(!coop || g->consumed > before, "no record consumed during the cooperative rebalance");
        t_free(r);
    }
}
END_TEST

START_TEST(a_static_member_restarting_within_its_session_timeout_causes_no_rebalance) {
    /* given static members restarted one at a time, each down 10 s (session timeout 45 s) */
    t_run_t *r = run(3, "    static: true\n",
                     "  - {at: 30s, restart: 'billing/*', mode: controlled, rolling: 20s, for: 10s}\n");
    /* then no rebalance happens: each comes back as its instance and gets its old assignment */
    ck_assert_int_eq(t_group(r, 0).rebalances, 0);
    ck_assert_int_eq(t_count(r, "member.static_rejoin", NULL, T_S(30), T_S(300)), 3);
    ck_assert_int_eq(t_group(r, 0).generation, 1);
    /* and a static member never sends LeaveGroup */
    ck_assert_ptr_null(strstr(r->log, "LeaveGroup"));
    ck_assert_ptr_nonnull(strstr(r->log, "Static member which joins during Stable stage and doesn't affect "
                                         "selectProtocol will not trigger rebalance."));
    ck_assert_int_eq(t_group(r, 0).duplicates, 0);
    t_free(r);
}
END_TEST

START_TEST(a_static_member_is_removed_only_by_session_expiry) {
    /* given a static member killed for 90 s (session timeout 45 s) */
    t_run_t *r = run(3, "    static: true\n", "  - {at: 30s, restart: billing/2, mode: hard, for: 90s}\n");
    /* then the group rebalances when its session expires (not before), and again when it returns */
    json_t *first = t_first(r, "group.rebalance.start", NULL, T_S(30));
    ck_assert_ptr_nonnull(first);
    ck_assert_msg(t_ev_time(first) > T_S(70) && t_ev_time(first) < T_S(76), "first rebalance at %lld",
                  (long long)t_ev_time(first));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(first, "detail")), "heartbeat expiration"));
    ck_assert_int_eq(t_group(r, 0).rebalances, 2);
    t_free(r);
}
END_TEST

START_TEST(static_members_that_miss_the_join_are_kept_in_the_generation) {
    /* given static members, one frozen while a rebalance runs (rebalance timeout 40 s < session 45 s) */
    t_run_t *r = run(3, "    static: true\n    max_poll_interval: 40s\n",
                     "  - {at: 60s, pause: billing/2, for: 60s}\n"
                     "  - {at: 61s, scale: {group: billing, members: 4}}\n");
    /* then the join phase completes at the rebalance timeout without removing it */
    json_t *done = t_first(r, "group.join.complete", NULL, T_S(61));
    ck_assert_ptr_nonnull(done);
    ck_assert_int_eq(t_count(r, "member.removed", NULL, T_S(61), t_ev_time(done) + 1), 0);
    ck_assert_str_eq(json_string_value(json_object_get(done, "detail")), "generation 2 with 4 members");
    ck_assert_int_eq(t_ev_time(done) - t_ev_time(t_first(r, "group.rebalance.start", NULL, T_S(61))), T_S(40));
    t_free(r);
}
END_TEST

START_TEST(an_under_replicated_offsets_partition_fails_the_assignment_write) {
    /* given __consumer_offsets-9 on brokers 1 and 3 with min.insync.replicas 2, and broker 3 killed for 60 s */
    char *y = t_fmt("name: store-fail\nseed: 2\nduration: 4m\n"
                    "cluster: {brokers: 3, offsets_replication: 2, min_insync_replicas: 2, auto_leader_rebalance: 0s}\n"
                    "topics:\n  - {name: orders, partitions: 12, replication: 3, produce_rate: 100/s}\n"
                    "groups:\n  - {id: billing, topics: [orders], members: 3}\n"
                    "events:\n"
                    "  - {at: 30s, restart: broker/3, mode: hard, for: 60s}\n"
                    "  - {at: 45s, restart: billing/3, mode: controlled, for: 5s}\n");
    t_run_t *r = t_run(y);
    free(y);
    /* then every SyncGroup while the ISR is short fails the write and the group rebalances again, until broker 3 is back */
    int fails = t_count(r, "group.store_failed", NULL, T_S(39), T_S(110));
    ck_assert_msg(fails >= 2, "expected repeated failed writes, got %d", fails);
    ck_assert_int_eq(t_count(r, "group.store_failed", NULL, T_S(111), T_S(240)), 0);
    ck_assert_ptr_nonnull(strstr(r->log, "NOT_ENOUGH_REPLICAS"));
    sl_group_result_t g = t_group(r, 0);
    ck_assert_msg(g.stable_from_s > 110 && g.stable_from_s < 130, "stable again at %.1f", g.stable_from_s);
    t_free(r);
}
END_TEST

int main(void) {
    Suite *s = suite_create("protocols");
    TCase *asg = tcase_create("assignors");
    tcase_add_test(asg, the_sticky_assignor_moves_only_what_balance_requires);
    tcase_add_test(asg, cooperative_sticky_withholds_partitions_another_member_still_owns);
    suite_add_tcase(s, asg);
    TCase *coop = tcase_create("cooperative (KIP-429)");
    tcase_add_test(coop, a_cooperative_join_takes_two_generations_and_nobody_stops_consuming);
    tcase_add_test(coop, a_cooperative_member_that_revoked_rejoins_at_once_even_with_an_idle_poll_loop);
    tcase_add_test(coop, a_cooperative_member_keeps_consuming_while_its_join_is_parked);
    suite_add_tcase(s, coop);
    TCase *stat = tcase_create("static membership (KIP-345)");
    tcase_add_test(stat, a_static_member_restarting_within_its_session_timeout_causes_no_rebalance);
    tcase_add_test(stat, a_static_member_is_removed_only_by_session_expiry);
    tcase_add_test(stat, static_members_that_miss_the_join_are_kept_in_the_generation);
    suite_add_tcase(s, stat);
    TCase *store = tcase_create("assignment writes");
    tcase_add_test(store, an_under_replicated_offsets_partition_fails_the_assignment_write);
    suite_add_tcase(s, store);
    return t_run_suite(s);
}
