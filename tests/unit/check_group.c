/*
 * The classic group protocol as the simulator reproduces it (docs/model.md):
 * the coordinator's states, the join and sync phases, heartbeats, session
 * expiry, LeaveGroup, and the Java client's side of each.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../check_main.h"

/* One topic of 12 partitions, one group; `extra` adds group fields,
 * `events` the timeline. */
static char *scenario(int members, const char *extra, const char *events) {
    return t_group_yaml("group-test", 3, members, extra, events);
}

static t_run_t *run(int members, const char *extra, const char *events) {
    return t_run_owned(scenario(members, extra, events));
}

START_TEST(an_empty_group_forms_after_the_initial_rebalance_delay) {
    /* given one member joining an empty group (initial delay 3s by default) */
    t_run_t *r = run(1, NULL, NULL);
    /* then the first generation completes 3 s after the join, not before */
    json_t *start = t_first(r, "group.rebalance.start", NULL, 0);
    json_t *done = t_first(r, "group.join.complete", NULL, 0);
    ck_assert_ptr_nonnull(start);
    ck_assert_ptr_nonnull(done);
    int64_t waited = t_ev_time(done) - t_ev_time(start);
    ck_assert_msg(waited == T_S(3), "join phase lasted %lld us, expected exactly 3000000", (long long)waited);
    sl_group_result_t g = t_group(r, 0);
    ck_assert_msg(g.first_stable_s > 3.0 && g.first_stable_s < 3.1, "first stable at %.3f s", g.first_stable_s);
    ck_assert_int_eq(g.rebalances, 0);
    ck_assert_int_eq(g.generation, 1);
    t_free(r);
}
END_TEST

START_TEST(members_arriving_during_the_initial_delay_extend_it_by_another_delay) {
    /* given six members joining together: they arrive during the first 3 s step */
    t_run_t *r = run(6, NULL, NULL);
    /* then the delay is extended once (Kafka's InitialDelayedJoin) and all six make generation 1 */
    json_t *start = t_first(r, "group.rebalance.start", NULL, 0);
    json_t *done = t_first(r, "group.join.complete", NULL, 0);
    ck_assert_int_eq(t_ev_time(done) - t_ev_time(start), T_S(6));
    ck_assert_str_eq(json_string_value(json_object_get(done, "detail")), "generation 1 with 6 members");
    t_free(r);
}
END_TEST

START_TEST(a_new_member_first_gets_member_id_required_then_joins_with_that_id) {
    /* given three members starting with no member id (KIP-394) */
    t_run_t *r = run(3, NULL, NULL);
    /* then each is answered MEMBER_ID_REQUIRED once, then sends a second JoinGroup */
    ck_assert_int_eq(t_count(r, "member.id_required", NULL, 0, T_S(1)), 3);
    ck_assert_int_eq(t_count(r, "member.join", "billing/2", 0, T_S(1)), 2);
    ck_assert_ptr_nonnull(strstr(r->log, "Dynamic member with unknown member id joins group billing in Empty state. "
                                         "Created a new member id consumer-billing-1-"));
    t_free(r);
}
END_TEST

START_TEST(a_cut_longer_than_the_session_timeout_causes_exactly_two_rebalances) {
    /* given billing/1 cut from every broker for 60 s (session timeout 45 s) */
    t_run_t *r = run(4, NULL,
                     "  - {at: 60s, partition: {from: [billing/1], to: ['broker/*']}, for: 60s}\n");
    /* then the coordinator expires it, the group rebalances without it, and it rejoins after the heal */
    sl_group_result_t g = t_group(r, 0);
    ck_assert_msg(g.rebalances == 2, "expected 2 rebalances (expiry, rejoin), got %d", g.rebalances);
    json_t *expiry = t_first(r, "member.session_expired", NULL, 0);
    ck_assert_ptr_nonnull(expiry);
    ck_assert_msg(t_ev_time(expiry) > T_S(100) && t_ev_time(expiry) < T_S(106),
                  "expiry at %lld us, expected ~45 s after the last heartbeat", (long long)t_ev_time(expiry));
    /* and both rebalances trace back to the one partition */
    json_t *cut = t_first(r, "link.cut", NULL, 0);
    int rebalances_after_first = 0;
    for (int i = 0; i < r->n_ev; i++) {
        if (strcmp(json_string_value(json_object_get(r->ev[i], "kind")), "group.rebalance.start") != 0 ||
            t_ev_time(r->ev[i]) < T_S(60))
            continue;
        rebalances_after_first++;
        ck_assert_msg(t_root(r, t_ev_seq(r->ev[i])) == cut, "rebalance %lld does not trace back to the cut",
                      (long long)t_ev_seq(r->ev[i]));
    }
    ck_assert_int_eq(rebalances_after_first, 2);
    ck_assert_msg(g.stable_from_s > 120 && g.stable_from_s < 130, "stable again at %.1f s", g.stable_from_s);
    t_free(r);
}
END_TEST

START_TEST(a_cut_shorter_than_the_session_timeout_causes_no_rebalance) {
    /* given billing/1 cut for 20 s, less than the 30 s request timeout and the 45 s session timeout */
    t_run_t *r = run(4, NULL,
                     "  - {at: 60s, partition: {from: [billing/1], to: ['broker/*']}, for: 20s}\n");
    /* then nothing changes in the group */
    sl_group_result_t g = t_group(r, 0);
    ck_assert_msg(g.rebalances == 0, "expected no rebalance, got %d", g.rebalances);
    ck_assert_int_eq(g.generation, 1);
    ck_assert_int_eq(t_count(r, "member.session_expired", NULL, 0, T_S(300)), 0);
    t_free(r);
}
END_TEST

START_TEST(heartbeats_during_preparing_rebalance_are_answered_rebalance_in_progress) {
    /* given a stable group in which billing/2 is stalled (its poll loop is blocked, so the join phase stays open) */
    t_run_t *r = t_start_owned(scenario(3, "    max_poll_interval: 40s\n",
                                        "  - {at: 60s, stall: billing/2, for: 30s}\n"
                                        "  - {at: 61s, restart: billing/3, mode: controlled, for: 100s}\n"));
    /* when billing/3 leaves and the coordinator prepares a rebalance */
    t_until(r, T_S(70));
    sl_group_t *g = &r->sim->groups[0];
    ck_assert_msg(g->state == GS_PREPARING_REBALANCE, "state is %s", sl_gstate_name(g->state));
    /* then the stalled member keeps heartbeating, and is answered REBALANCE_IN_PROGRESS, which re-arms its session */
    sl_member_t *m2 = g->members[1];
    ck_assert_int_eq(m2->mstate, MS_STABLE);
    ck_assert_int_ge(m2->rejoin_cause, 0);
    ck_assert_msg(sl_now(r->sim) - m2->last_hb_ok_us < T_S(3.5), "last heartbeat answer %lld us ago",
                  (long long)(sl_now(r->sim) - m2->last_hb_ok_us));
    t_finish(r);
    json_t *hb = t_first(r, "member.rejoin_needed", "billing/2", T_S(61));
    ck_assert_ptr_nonnull(hb);
    ck_assert_str_eq(json_string_value(json_object_get(hb, "detail")), "heartbeat answered REBALANCE_IN_PROGRESS");
    ck_assert_ptr_nonnull(strstr(r->log, "Attempt to heartbeat failed since group is rebalancing"));
    t_free(r);
}
END_TEST

START_TEST(the_join_phase_waits_for_a_missing_member_at_most_the_rebalance_timeout) {
    /* given billing/2 frozen (session 45 s) when a rebalance starts; rebalance timeout (max_poll_interval) 40 s */
    t_run_t *r = run(3, "    max_poll_interval: 40s\n",
                     "  - {at: 60s, pause: billing/2, for: 100s}\n"
                     "  - {at: 61s, restart: billing/3, mode: controlled, for: 200s}\n");
    /* then the join phase lasts the whole 40 s rebalance timeout, before the session would expire */
    json_t *start = t_first(r, "group.rebalance.start", NULL, T_S(61));
    json_t *done = t_first(r, "group.join.complete", NULL, T_S(61));
    ck_assert_ptr_nonnull(done);
    int64_t waited = t_ev_time(done) - t_ev_time(start);
    ck_assert_msg(waited == T_S(40), "join phase lasted %lld us, expected 40000000", (long long)waited);
    /* and the dynamic member that did not rejoin is removed at completion */
    json_t *rm = t_first(r, "member.removed", NULL, T_S(61));
    ck_assert_ptr_nonnull(rm);
    ck_assert_int_eq(t_ev_time(rm), t_ev_time(done));
    ck_assert_str_eq(json_string_value(json_object_get(rm, "detail")), "did not rejoin before the join phase completed");
    ck_assert_str_eq(json_string_value(json_object_get(done, "detail")), "generation 2 with 1 members");
    t_free(r);
}
END_TEST

START_TEST(a_slow_batch_stretches_everyones_rebalance) {
    /* given members too slow for the produce rate (50 ms a record: batches of 500 take 25 s) and a member leaving */
    t_run_t *slow = run(3, "    processing: 50ms\n", "  - {at: 60s, restart: billing/3, mode: controlled, for: 200s}\n");
    t_run_t *fast = run(3, "    processing: 10us\n", "  - {at: 60s, restart: billing/3, mode: controlled, for: 200s}\n");
    /* then JoinGroup waits for the next poll(): the slow group's join phase lasts seconds, the fast one's milliseconds */
    int64_t slow_wait = t_ev_time(t_first(slow, "group.join.complete", NULL, T_S(60))) -
                        t_ev_time(t_first(slow, "group.rebalance.start", NULL, T_S(60)));
    int64_t fast_wait = t_ev_time(t_first(fast, "group.join.complete", NULL, T_S(60))) -
                        t_ev_time(t_first(fast, "group.rebalance.start", NULL, T_S(60)));
    ck_assert_msg(slow_wait > T_S(1), "slow join phase %lld us", (long long)slow_wait);
    ck_assert_msg(fast_wait < T_S(0.5), "fast join phase %lld us", (long long)fast_wait);
    t_free(slow);
    t_free(fast);
}
END_TEST

START_TEST(a_clean_close_sends_leave_group_and_a_kill_waits_for_the_session_timeout) {
    /* given one member closed cleanly and, in another run, one killed */
    t_run_t *clean = run(3, NULL, "  - {at: 60s, restart: billing/3, mode: controlled, for: 200s}\n");
    t_run_t *kill = run(3, NULL, "  - {at: 60s, restart: billing/3, mode: hard, for: 200s}\n");
    /* then the clean close rebalances at once, through LeaveGroup */
    json_t *a = t_first(clean, "group.rebalance.start", NULL, T_S(60));
    ck_assert_msg(t_ev_time(a) - T_S(60) < T_S(0.1), "clean close rebalanced %lld us after", (long long)(t_ev_time(a) - T_S(60)));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(a, "detail")), "on LeaveGroup"));
    /* and the kill only when the session expires, 45 s later */
    json_t *b = t_first(kill, "group.rebalance.start", NULL, T_S(60));
    int64_t d = t_ev_time(b) - T_S(60);
    ck_assert_msg(d > T_S(42) && d <= T_S(45), "kill rebalanced %lld us after", (long long)d);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(b, "detail")), "on heartbeat expiration"));
    t_free(clean);
    t_free(kill);
}
END_TEST

START_TEST(a_stalled_poll_loop_leaves_the_group_at_max_poll_interval) {
    /* given billing/2's poll loop blocked for 60 s with max.poll.interval.ms 30 s */
    t_run_t *r = run(3, "    max_poll_interval: 30s\n", "  - {at: 60s, stall: billing/2, for: 60s}\n");
    /* then its heartbeat thread sends LeaveGroup ~30 s in: one rebalance; it rejoins when the stall ends: another */
    json_t *pt = t_first(r, "member.poll_timeout", "billing/2", 0);
    ck_assert_ptr_nonnull(pt);
    ck_assert_msg(t_ev_time(pt) > T_S(85) && t_ev_time(pt) < T_S(91), "poll timeout at %lld", (long long)t_ev_time(pt));
    ck_assert_int_eq(t_group(r, 0).rebalances, 2);
    ck_assert_ptr_nonnull(strstr(r->log, "consumer poll timeout has expired."));
    t_free(r);
}
END_TEST

START_TEST(a_member_that_does_not_sync_in_time_is_removed_and_the_group_rebalances) {
    /* given a group completing a rebalance; billing/2 freezes before it can SyncGroup */
    t_run_t *r = t_start_owned(scenario(3, "    max_poll_interval: 20s\n", "  - {at: 60s, restart: billing/3, mode: controlled, for: 250s}\n"));
    sl_group_t *g = &r->sim->groups[0];
    int64_t t = T_S(60);
    while (g->state != GS_COMPLETING_REBALANCE && t < T_S(100))
        t_until(r, t += 100);
    ck_assert_msg(g->state == GS_COMPLETING_REBALANCE, "never reached CompletingRebalance");
    sl_member_pause(r->sim, g->members[1], true, INT64_MAX, -1); /* its JoinGroup answer waits unread */
    /* when the rebalance timeout passes */
    t_finish(r);
    /* then billing/2 is removed for not syncing and a new rebalance starts */
    json_t *rm = t_first(r, "member.removed", NULL, T_S(60));
    ck_assert_ptr_nonnull(rm);
    ck_assert_str_eq(json_string_value(json_object_get(rm, "detail")), "no SyncGroup within the rebalance timeout");
    json_t *again = t_first(r, "group.rebalance.start", NULL, t_ev_time(rm));
    ck_assert_ptr_nonnull(again);
    ck_assert_int_eq(t_ev_time(again), t_ev_time(rm));
    t_free(r);
}
END_TEST

START_TEST(eager_members_revoke_everything_before_rejoining) {
    /* given four members with range; one leaves */
    t_run_t *r = run(4, NULL, "  - {at: 60s, restart: billing/4, mode: controlled, for: 200s}\n");
    /* then each remaining member revokes all 3 partitions it held before its JoinGroup */
    for (int i = 1; i <= 3; i++) {
        char node[32];
        snprintf(node, sizeof node, "billing/%d", i);
        json_t *rev = t_first(r, "member.revoked", node, T_S(60));
        json_t *join = t_first(r, "member.join", node, T_S(60));
        ck_assert_ptr_nonnull(rev);
        ck_assert_str_eq(json_string_value(json_object_get(rev, "detail")), "3 partitions revoked");
        ck_assert_int_le(t_ev_time(rev), t_ev_time(join));
        /* and after the rebalance holds 12/3 = 4 */
        json_t *as = t_first(r, "member.assigned", node, T_S(60));
        ck_assert_str_eq(json_string_value(json_object_get(as, "detail")), "4 partitions (+4, -0)");
    }
    t_free(r);
}
END_TEST

/* One member alone on 12 partitions bringing 600 records/s, 1 ms a record:
 * busy 60 % of its time (docs/model.md "Speed"). */
static char *busy_member_yaml(const char *events) {
    return t_fmt("name: busy-member\n"
                             "seed: 3\n"
                             "duration: 5m\n"
                             "topics:\n"
                             "  - {name: orders, partitions: 12, replication: 3, produce_rate: 600/s}\n"
                             "groups:\n"
                             "  - {id: billing, topics: [orders], members: 1, processing: 1ms}\n"
                             "events:\n%s",
                             events);
}

static t_run_t *busy_member(const char *events) { return t_run_owned(busy_member_yaml(events)); }

/* The group's lag (end offsets minus committed) in the series row at t_s. */
static long long lag_at(const t_run_t *r, double t_s) {
    for (const char *line = r->series; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        double t;
        long long lag;
        if (sscanf(line, "%lf\t%*s\t%*d\t%*d\t%*s\t%*d\t%*d\t%lld", &t, &lag) == 2 && t == t_s)
            return lag;
    }
    ck_abort_msg("no series row at %.3f s", t_s);
    return -1;
}

START_TEST(a_busy_member_on_a_near_broker_keeps_up_without_an_event_per_batch) {
    /* given a member busy 60 % of its time on a 2 ms round trip: its poll
     * loop settles at 600/s x 2 ms / (1 - 0.6) = 3 records a poll */
    t_run_t *r = busy_member("  []\n");
    /* then once it has caught up its lag stops growing: samples on the
     * same phase of its 5 s auto-commit read the same committed lag */
    ck_assert_msg(lag_at(r, 290) == lag_at(r, 30), "lag %lld at 30 s, %lld at 290 s", lag_at(r, 30), lag_at(r, 290));
    /* and the hour-scale cost is not one event per 5 ms poll (60,000 in 5 minutes) */
    ck_assert_msg(r->sim->eng.fired < 10000, "%llu timer events", (unsigned long long)r->sim->eng.fired);
    t_free(r);
}
END_TEST

START_TEST(a_busy_member_whose_links_slow_down_falls_behind_in_batches) {
    /* given the same member, its links 300 ms slower each way for a minute:
     * a poll of at most 500 records then takes 602 ms of round trip plus
     * 500 ms of processing, 454 records/s against 600 arriving */
    t_run_t *r = busy_member("  - {at: 60s, degrade: {from: [billing/*], to: [broker/*], latency: 300ms}, for: 60s}\n");
    /* then its lag grows by about 146 records/s (7,300 from 70 to 120 s),
     * where consuming records as they arrive would keep it flat */
    long long grew = lag_at(r, 120) - lag_at(r, 70);
    ck_assert_msg(grew > 6300 && grew < 8300, "lag grew by %lld records, expected about 7300", grew);
    /* and it catches up once the links are fast again */
    ck_assert_msg(lag_at(r, 290) <= lag_at(r, 30), "lag %lld at 30 s, %lld at 290 s", lag_at(r, 30), lag_at(r, 290));
    t_free(r);
}
END_TEST

START_TEST(a_busy_member_stops_consuming_as_records_arrive_the_moment_its_links_slow_down) {
    /* given the busy member flowing on its 2 ms round trip, its links 300 ms slower each way from 60 s */
    t_run_t *r = t_start_owned(
        busy_member_yaml("  - {at: 60s, degrade: {from: [billing/*], to: [broker/*], latency: 300ms}, for: 60s}\n"));
    sl_member_t *m = r->sim->groups[0].members[0];
    t_until(r, T_S(59.9));
    ck_assert(m->idle_flow);
    /* then at the degrade itself, not at its next poll up to an auto-commit interval later, it polls in batches:
     * 600 records/s x 602 ms / (1 - 0.6) = 903 records a poll, over half of max_poll_records (500) */
    t_until(r, T_S(60.001));
    ck_assert_msg(!m->idle_flow, "still consuming records as they arrive after its links slowed");
    t_finish(r);
    t_free(r);
}
END_TEST

int main(void) {
    Suite *s = suite_create("group");
    TCase *form = tcase_create("forming");
    tcase_add_test(form, an_empty_group_forms_after_the_initial_rebalance_delay);
    tcase_add_test(form, members_arriving_during_the_initial_delay_extend_it_by_another_delay);
    tcase_add_test(form, a_new_member_first_gets_member_id_required_then_joins_with_that_id);
    suite_add_tcase(s, form);
    TCase *fail = tcase_create("failure detection");
    tcase_add_test(fail, a_cut_longer_than_the_session_timeout_causes_exactly_two_rebalances);
    tcase_add_test(fail, a_cut_shorter_than_the_session_timeout_causes_no_rebalance);
    tcase_add_test(fail, a_clean_close_sends_leave_group_and_a_kill_waits_for_the_session_timeout);
    tcase_add_test(fail, a_stalled_poll_loop_leaves_the_group_at_max_poll_interval);
    suite_add_tcase(s, fail);
    TCase *reb = tcase_create("rebalancing");
    tcase_add_test(reb, heartbeats_during_preparing_rebalance_are_answered_rebalance_in_progress);
    tcase_add_test(reb, the_join_phase_waits_for_a_missing_member_at_most_the_rebalance_timeout);
    tcase_add_test(reb, a_slow_batch_stretches_everyones_rebalance);
    tcase_add_test(reb, a_busy_member_on_a_near_broker_keeps_up_without_an_event_per_batch);
    tcase_add_test(reb, a_busy_member_whose_links_slow_down_falls_behind_in_batches);
    tcase_add_test(reb, a_busy_member_stops_consuming_as_records_arrive_the_moment_its_links_slow_down);
    tcase_add_test(reb, a_member_that_does_not_sync_in_time_is_removed_and_the_group_rebalances);
    tcase_add_test(reb, eager_members_revoke_everything_before_rejoining);
    suite_add_tcase(s, reb);
    return t_run_suite(s);
}
