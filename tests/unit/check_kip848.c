/*
 * KIP-848 consumer groups (protocol: consumer): heartbeat-driven
 * membership, group epoch, broker-side assignment, per-member
 * reconciliation, fencing (docs/model.md: "KIP-848").
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../check_main.h"

static char *scenario(int members, const char *extra, const char *events) {
    return t_fmt("name: kip848-test\nseed: 9\nduration: 5m\n"
                 "topics:\n  - {name: orders, partitions: 12, replication: 3, produce_rate: 120/s}\n"
                 "groups:\n  - id: billing\n    topics: [orders]\n    members: %d\n    protocol: consumer\n%s"
                 "events:\n%s",
                 members, extra ? extra : "", events && *events ? events : "  []\n");
}

static t_run_t *run(int members, const char *extra, const char *events) {
    return t_run_owned(scenario(members, extra, events));
}

START_TEST(every_membership_change_bumps_the_group_epoch_and_nobody_stops) {
    /* given a settled group of 3 that a 4th member joins at 60 s */
    t_run_t *r = t_start_owned(scenario(4, NULL, "  - {at: 30s, restart: billing/4, mode: controlled, for: 30s}\n"));
    t_until(r, T_S(59));
    sl_group_t *g = &r->sim->groups[0];
    int epoch = g->generation;
    /* when it joins, the epoch moves by one and a new target gives it 3 of the 12 partitions */
    t_until(r, T_S(61));
    ck_assert_int_eq(g->generation, epoch + 1);
    /* and the members that stay never hold nothing: no stop-the-world */
    for (int64_t t = T_S(61); t < T_S(80); t += T_S(0.1)) {
        t_until(r, t);
        for (int i = 0; i < 3; i++)
            ck_assert_msg(g->members[i]->n_owned >= 3, "billing/%d held %d partitions at %lld", i + 1,
                          g->members[i]->n_owned, (long long)t);
    }
    t_finish(r);
    ck_assert_int_eq(t_count(r, "group.join.complete", NULL, 0, T_S(300)), 0); /* no JoinGroup barrier */
    json_t *as = t_first(r, "member.assigned", "billing/4", T_S(60));
    ck_assert_ptr_nonnull(as);
    ck_assert_str_eq(json_string_value(json_object_get(as, "detail")), "3 partitions (+3, -0)");
    ck_assert_int_eq(t_group(r, 0).rebalances, 2); /* leave + join: one epoch each */
    t_free(r);
}
END_TEST

START_TEST(a_member_is_fenced_when_its_session_expires_and_rejoins_at_epoch_zero) {
    /* given billing/1 cut from every broker for 60 s (the broker's session timeout 45 s) */
    t_run_t *r = run(3, NULL, "  - {at: 60s, partition: {from: [billing/1], to: ['broker/*']}, for: 60s}\n");
    /* then the coordinator fences it (epoch bump 1), it learns on reconnecting, loses its partitions, rejoins (bump 2) */
    ck_assert_int_eq(t_group(r, 0).rebalances, 2);
    json_t *exp = t_first(r, "member.session_expired", NULL, T_S(60));
    ck_assert_ptr_nonnull(exp);
    json_t *fenced = t_first(r, "member.fenced", "billing/1", T_S(60));
    ck_assert_ptr_nonnull(fenced);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(fenced, "detail")), "UNKNOWN_MEMBER_ID"));
    ck_assert_str_eq(json_string_value(json_object_get(t_root(r, t_ev_seq(fenced)), "kind")), "link.cut");
    json_t *rejoin = t_first(r, "member.join", "billing/1", t_ev_time(fenced));
    ck_assert_ptr_nonnull(rejoin);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rejoin, "detail")), "epoch 0"));
    t_free(r);
}
END_TEST

START_TEST(members_keep_fetching_while_the_coordinator_is_unreachable) {
    /* given the coordinator's broker killed for 30 s, on a topic without followers (replication 1: the
     * partitions the other brokers lead take writes on, where a dead follower in the ISR would stall
     * every acks=all write until it is fenced) */
    char *y = scenario(3, NULL, "  - {at: 60s, restart: coordinator/billing, mode: hard, for: 30s}\n");
    char *rf = strstr(y, "replication: 3");
    ck_assert_ptr_nonnull(rf);
    rf[strlen("replication: ")] = '1';
    t_run_t *r = t_start_owned(y);
    sl_group_t *g = &r->sim->groups[0];
    t_until(r, T_S(60.5));
    int64_t consumed = g->consumed;
    int owned = g->members[0]->n_owned + g->members[1]->n_owned + g->members[2]->n_owned;
    /* when nobody has a coordinator (fencing takes 9 s, loading 2 s) */
    t_until(r, T_S(68));
    ck_assert_int_eq(g->coordinator, 0);
    /* then members still own their partitions and consume */
    ck_assert_int_eq(g->members[0]->n_owned + g->members[1]->n_owned + g->members[2]->n_owned, owned);
    ck_assert_int_gt(g->consumed, consumed);
    t_finish(r);
    /* and the new coordinator replays the group: no epoch bump */
    ck_assert_int_eq(t_group(r, 0).rebalances, 0);
    t_free(r);
}
END_TEST

START_TEST(a_member_that_does_not_revoke_within_the_rebalance_timeout_is_fenced) {
    /* given revocation callbacks that take 40 s and a rebalance timeout (max.poll.interval.ms) of 30 s */
    t_run_t *r = run(3, "    on_revoke: 40s\n    max_poll_interval: 30s\n",
                     "  - {at: 30s, restart: billing/3, mode: controlled, for: 30s}\n");
    /* then when billing/3 comes back and the others must give up partitions, they miss the deadline and are fenced */
    json_t *to = t_first(r, "member.revocation_timeout", NULL, T_S(60));
    ck_assert_ptr_nonnull(to);
    ck_assert_ptr_nonnull(strstr(r->log, "because it failed to revoke partitions within 30000 ms"));
    json_t *bump = t_first(r, "group.rebalance.start", NULL, t_ev_time(to));
    ck_assert_ptr_nonnull(bump);
    ck_assert_int_eq(t_ev_time(bump), t_ev_time(to));
    t_free(r);
}
END_TEST

START_TEST(a_consumer_group_settles_when_every_member_has_reconciled) {
    /* given six members starting together */
    t_run_t *r = run(6, NULL, NULL);
    /* then there is no initial-delay join phase: the group settles within a few heartbeats */
    sl_group_result_t g = t_group(r, 0);
    ck_assert_msg(g.first_stable_s > 0 && g.first_stable_s < 11, "settled at %.1f s", g.first_stable_s);
    ck_assert_int_eq(g.rebalances, 0);
    ck_assert_int_eq(g.generation, 6); /* one epoch per member that joined */
    ck_assert_ptr_nonnull(strstr(r->log, "transitioned from JOINING to"));
    t_free(r);
}
END_TEST

/* The same group with `cluster: consumer_assignment_interval: INTERVAL`. */
static t_run_t *start_with_interval(int members, const char *interval) {
    char *y = scenario(members, NULL, NULL);
    char *at = strstr(y, "topics:");
    ck_assert_ptr_nonnull(at);
    char *z = t_fmt("%.*scluster: {consumer_assignment_interval: %s}\n%s", (int)(at - y), y, interval, at);
    free(y);
    return t_start_owned(z);
}

START_TEST(epochs_bumped_within_the_assignment_interval_share_one_target) {
    /* given three members joining at once with Kafka 4.3+'s default interval (1 s) */
    t_run_t *r = start_with_interval(3, "1s");
    sl_group_t *g = &r->sim->groups[0];
    /* when all three have joined, half a second in */
    t_until(r, T_S(0.5));
    /* then the epoch is 3 but the only target is epoch 1's (the first member's, stable at once): the group is Assigning, and the later
     * members joined at epoch 1 holding nothing, as Kafka's coordinator logs them */
    ck_assert_int_eq(g->generation, 3);
    ck_assert_int_eq(g->target_epoch, 1);
    ck_assert_str_eq(sl_gstate_name(g->state), "Assigning");
    int holding = 0;
    for (int i = 0; i < g->n_slots; i++)
        if (g->slots[i]) {
            ck_assert_int_eq(g->slots[i]->member_epoch, 1);
            holding += g->slots[i]->n_assignment > 0;
        }
    ck_assert_int_eq(holding, 1);
    /* and the first heartbeat after the interval computes epoch 3's target, which every member reaches */
    t_finish(r);
    int stable_at[4] = {0};
    for (int i = 0; i < r->n_ev; i++)
        if (!strcmp(json_string_value(json_object_get(r->ev[i], "kind")), "group.stable"))
            stable_at[json_integer_value(json_object_get(r->ev[i], "generation"))]++;
    ck_assert_int_eq(stable_at[2], 0); /* epoch 2 never had a target of its own */
    ck_assert_int_eq(stable_at[3], 1);
    ck_assert_ptr_nonnull(strstr(r->log, "Computed a new target assignment for epoch 1 "));
    ck_assert_ptr_null(strstr(r->log, "Computed a new target assignment for epoch 2 "));
    ck_assert_ptr_nonnull(strstr(r->log, "Computed a new target assignment for epoch 3 "));
    t_free(r);
}
END_TEST

START_TEST(with_no_assignment_interval_every_epoch_gets_its_target) {
    /* given the same group with consumer_assignment_interval: 0 (Kafka before 4.3) */
    t_run_t *r = start_with_interval(3, "0s");
    sl_group_t *g = &r->sim->groups[0];
    t_until(r, T_S(0.5));
    /* then each bump computed its target at once */
    ck_assert_int_eq(g->generation, 3);
    ck_assert_int_eq(g->target_epoch, 3);
    ck_assert_str_ne(sl_gstate_name(g->state), "Assigning");
    t_finish(r);
    for (int e = 1; e <= 3; e++) {
        char line[96];
        snprintf(line, sizeof line, "Computed a new target assignment for epoch %d ", e);
        ck_assert_msg(strstr(r->log, line) != NULL, "no target for epoch %d", e);
    }
    t_free(r);
}
END_TEST


/* How long billing/1 took from the heartbeat answer with its new assignment to having reconciled it. */
static int64_t reconcile_delay_us(const char *client_and_commit) {
    /* given billing/1's links to the brokers 100 ms slower each way from 20 s, and billing/3 leaving at 30 s */
    t_run_t *r = run(3, client_and_commit,
                     "  - {at: 20s, degrade: {from: [billing/1], to: ['broker/*'], latency: 100ms}, for: 60s}\n"
                     "  - {at: 30s, restart: billing/3, mode: controlled, for: 60s}\n");
    json_t *needed = t_first(r, "member.rejoin_needed", "billing/1", T_S(30));
    ck_assert_ptr_nonnull(needed);
    json_t *assigned = t_first(r, "member.assigned", "billing/1", t_ev_time(needed));
    ck_assert_ptr_nonnull(assigned);
    int64_t d = t_ev_time(assigned) - t_ev_time(needed);
    t_free(r);
    return d;
}

START_TEST(a_java_member_commits_and_waits_for_the_answer_before_it_reconciles) {
    /* then the Java client with auto-commit reconciles one commit round trip later (2 x (100 ms + the links'
     * default 1 ms)), as AbstractMembershipManager.maybeReconcile does ... */
    int64_t java = reconcile_delay_us("    client: java\n    commit: auto\n");
    ck_assert_msg(java >= (202 * 1000LL) && java < (210 * 1000LL), "java: %lld us", (long long)java);
    /* ... while librdkafka, and Java committing by hand, reconcile in the same poll() */
    int64_t rdk = reconcile_delay_us("    client: librdkafka\n    commit: auto\n");
    ck_assert_msg(rdk < (5 * 1000LL), "librdkafka: %lld us", (long long)rdk);
    int64_t manual = reconcile_delay_us("    client: java\n    commit: sync-per-batch\n");
    ck_assert_msg(manual < (5 * 1000LL), "java, commit sync-per-batch: %lld us", (long long)manual);
}
END_TEST

int main(void) {
    Suite *s = suite_create("kip848");
    TCase *tc = tcase_create("consumer protocol");
    tcase_add_test(tc, a_consumer_group_settles_when_every_member_has_reconciled);
    tcase_add_test(tc, every_membership_change_bumps_the_group_epoch_and_nobody_stops);
    tcase_add_test(tc, a_member_is_fenced_when_its_session_expires_and_rejoins_at_epoch_zero);
    tcase_add_test(tc, members_keep_fetching_while_the_coordinator_is_unreachable);
    tcase_add_test(tc, a_member_that_does_not_revoke_within_the_rebalance_timeout_is_fenced);
    tcase_add_test(tc, epochs_bumped_within_the_assignment_interval_share_one_target);
    tcase_add_test(tc, with_no_assignment_interval_every_epoch_gets_its_target);
    tcase_add_test(tc, a_java_member_commits_and_waits_for_the_answer_before_it_reconciles);
    suite_add_tcase(s, tc);
    return t_run_suite(s);
}
