/*
 * The scenario's faults and operator actions as the model plays them
 * (docs/scenarios.md "events", docs/model.md "Brokers and the controller",
 * "Nodes and the network", "The Java consumer").
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../check_main.h"

static char *scenario(int members, const char *extra, const char *events) {
    return t_fmt("name: faults-test\nseed: 21\nduration: 5m\n"
                 "topics:\n  - {name: orders, partitions: 12, replication: 3, produce_rate: 240/s}\n"
                 "groups:\n  - id: billing\n    topics: [orders]\n    members: %d\n%s"
                 "events:\n%s",
                 members, extra ? extra : "", events);
}

static t_run_t *run(int members, const char *extra, const char *events) {
    return t_run_owned(scenario(members, extra, events));
}

/* Two groups on their own topics, links without jitter or loss (so no
 * message of one group draws from the stream the other's would). */
static char *two_groups(const char *events) {
    return t_fmt("name: two-groups\nseed: 5\nduration: 4m\ncluster: {brokers: 6, offsets_replication: 1}\n"
                 "links: {latency: 1ms, jitter: 0ms}\n"
                 "topics:\n  - {name: left, partitions: 6, replication: 1, produce_rate: 60/s}\n"
                 "  - {name: right, partitions: 2, replication: 1, produce_rate: 60/s}\n"
                 "groups:\n  - {id: left, topics: [left], members: 3}\n  - {id: right, topics: [right], members: 2}\n"
                 "events:\n%s",
                 events);
}

/* Group g's trace as what happened where and when, without the run-wide
 * seq and cause numbers (the other group's events shift them). */
static char *group_story(const t_run_t *r, const char *g) {
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (int i = 0; i < r->n_ev; i++) {
        const char *eg = json_string_value(json_object_get(r->ev[i], "group"));
        if (!eg || strcmp(eg, g))
            continue;
        const char *node = json_string_value(json_object_get(r->ev[i], "node"));
        fprintf(f, "%lld %s %s %s\n", (long long)t_ev_time(r->ev[i]),
                json_string_value(json_object_get(r->ev[i], "kind")), node ? node : "-",
                json_string_value(json_object_get(r->ev[i], "detail")));
    }
    fclose(f);
    return out;
}

/* Group g's series.tsv rows. */
static char *group_rows(const t_run_t *r, const char *g) {
    char *out = NULL, *key = t_fmt("\t%s\t", g);
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (const char *line = r->series; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line + 1) : strlen(line);
        if (memmem(line, n, key, strlen(key)))
            fwrite(line, 1, n, f);
        line += n;
    }
    fclose(f);
    free(key);
    return out;
}

/* The counterfactual a fault's impact is measured by: a fault that touches
 * nothing of a group (none of its members' links, no broker holding its
 * partitions or its offsets partition) leaves that group's run exactly as
 * without the fault.  Before, every fault woke every quiet member, which
 * moved its poll loop's phase: the other group's consumption per second
 * and its rebalances' timing depended on faults it never saw. */
START_TEST(a_fault_that_touches_nothing_of_a_group_leaves_its_run_as_without_the_fault) {
    t_run_t *base = t_run_owned(two_groups("  []\n"));
    /* given the brokers that hold nothing of group right (its partitions, its offsets partition) */
    sl_sim_t *s = base->sim;
    int off_right = s->offsets_first_part + s->groups[1].offsets_partition;
    int other = 0;
    for (int b = 1; b <= s->n_brokers && !other; b++) {
        bool rights = s->parts[off_right].replicas[0] == b, lefts = false;
        for (int i = 0; i < s->groups[1].n_parts; i++)
            rights |= s->groups[1].parts[i].p->replicas[0] == b;
        for (int i = 0; i < s->groups[0].n_parts; i++)
            lefts |= s->groups[0].parts[i].p->replicas[0] == b;
        if (lefts && !rights)
            other = b;
    }
    ck_assert_msg(other > 0, "no broker holds left's partitions but none of right's");
    /* and a member of group left cut off for 40 s, or that broker restarted hard */
    char *cut = t_fmt("  - {at: 60s, partition: {from: [left/1], to: [broker/*]}, for: 40s}\n");
    char *restart = t_fmt("  - {at: 60s, restart: broker/%d, mode: hard, for: 30s}\n", other);
    const char *events[] = {cut, restart};
    char *want_story = group_story(base, "right"), *want_rows = group_rows(base, "right");
    char *base_left = group_rows(base, "left");
    for (int k = 0; k < 2; k++) {
        t_run_t *r = t_run_owned(two_groups(events[k]));
        /* then group left's run changes (its lag, at least) */
        char *left = group_rows(r, "left");
        ck_assert_msg(strcmp(left, base_left), "%s did not reach group left", events[k]);
        free(left);
        /* and group right's trace and series are those of the run without it */
        char *story = group_story(r, "right"), *rows = group_rows(r, "right");
        ck_assert_msg(!strcmp(story, want_story), "group right's trace changed with %s", events[k]);
        ck_assert_msg(!strcmp(rows, want_rows), "group right's series changed with %s", events[k]);
        free(story);
        free(rows);
        t_free(r);
    }
    free(want_story);
    free(want_rows);
    free(base_left);
    free(cut);
    free(restart);
    t_free(base);
}
END_TEST

START_TEST(a_paused_broker_answers_nothing_while_frozen_then_answers_what_it_held) {
    /* given the coordinator's broker frozen for 20 s at 60 s (sockets open) */
    t_run_t *r = t_start_owned(scenario(3, NULL, "  - {at: 60s, restart: coordinator/billing, mode: pause, for: 20s}\n"));
    /* when a member's heartbeat is sent to it */
    t_until(r, T_S(65));
    sl_member_t *m = r->sim->groups[0].members[0];
    /* then it is neither answered nor refused: it waits in flight */
    ck_assert_int_eq(m->coordinator, 1);
    ck_assert_msg(m->inflight[IF_HEARTBEAT].req_id != 0, "no heartbeat waiting on the frozen broker");
    ck_assert_int_eq(t_count(r, "member.coordinator_unknown", NULL, T_S(60), T_S(65)), 0);
    t_finish(r);
    /* and the controller fences it after broker.session.timeout.ms (9 s); the group moves */
    ck_assert_int_eq(t_ev_time(t_first(r, "broker.fenced", NULL, 0)), T_S(69));
    /* and when it thaws at 80 s it reads the held heartbeats and answers them as it now stands,
     * NOT_COORDINATOR (it was fenced), before any request timeout (30 s) or session timeout (45 s) */
    json_t *gave_up = t_first(r, "member.coordinator_unknown", NULL, T_S(60));
    ck_assert_ptr_nonnull(gave_up);
    ck_assert_msg(t_ev_time(gave_up) >= T_S(80) && t_ev_time(gave_up) < T_S(81), "coordinator unknown at %lld",
                  (long long)t_ev_time(gave_up));
    ck_assert_str_eq(json_string_value(json_object_get(gave_up, "detail")), "NOT_COORDINATOR");
    /* so the members find the new coordinator and nobody's session lapses: no rebalance */
    ck_assert_int_eq(t_count(r, "member.session_expired", NULL, T_S(60), INT64_MAX), 0);
    ck_assert_int_eq(t_group(r, 0).rebalances, 0);
    t_free(r);
}
END_TEST

START_TEST(librdkafka_members_ride_out_their_coordinators_freeze_when_it_is_fenced_in_time) {
    /* given librdkafka members (client-side session timer, 30 s) and the coordinator's broker frozen
     * for 20 s: the controller fences it at +9 s, it thaws at +20 s, 10 s before the session timer */
    t_run_t *r = run(3, "    client: librdkafka\n    session_timeout: 30s\n    heartbeat_interval: 3s\n",
                     "  - {at: 20s, restart: coordinator/billing, mode: pause, for: 20s}\n");
    /* then, as on Apache Kafka 4.4 (docs/fidelity.md), the thawed broker answers the held heartbeats
     * NOT_COORDINATOR, the members move to the new coordinator and no session timer fires */
    ck_assert_int_eq(t_count(r, "member.session_timeout", NULL, 0, INT64_MAX), 0);
    ck_assert_int_eq(t_count(r, "member.coordinator_found", NULL, T_S(40), T_S(42)), 3);
    ck_assert_int_eq(t_group(r, 0).rebalances, 0);
    t_free(r);
}
END_TEST

START_TEST(a_broker_thawed_before_it_is_fenced_answers_the_held_heartbeats_normally) {
    /* given the coordinator's broker frozen for 5 s, less than broker.session.timeout.ms (9 s) */
    t_run_t *r = run(3, NULL, "  - {at: 60s, restart: coordinator/billing, mode: pause, for: 5s}\n");
    /* then nothing moves: no fencing, no coordinator change, no rebalance, no request timeout */
    ck_assert_int_eq(t_count(r, "broker.fenced", NULL, 0, INT64_MAX), 0);
    ck_assert_int_eq(t_count(r, "member.coordinator_unknown", NULL, T_S(60), INT64_MAX), 0);
    ck_assert_int_eq(t_group(r, 0).rebalances, 0);
    t_free(r);
}
END_TEST

START_TEST(a_frozen_coordinator_expires_no_session_while_frozen) {
    /* given a 10 s session and the coordinator's broker frozen for 25 s at 60 s, longer than the
     * session: its own session timers come due at about 67 s, during the freeze */
    t_run_t *r = run(3, "    session_timeout: 10s\n    heartbeat_interval: 3s\n",
                     "  - {at: 60s, restart: coordinator/billing, mode: pause, for: 25s}\n");
    /* then the frozen process expires nobody: a process that is stopped runs no timer */
    ck_assert_int_eq(t_count(r, "member.session_expired", "broker/1", T_S(60), T_S(85)), 0);
    /* and the group moves at the fencing, 9 s in (broker.session.timeout.ms), and is loaded 2 s later
     * (coordinator_load): the new coordinator starts each member's session then, 71 + 10 = 81 s */
    ck_assert_int_eq(t_ev_time(t_first(r, "coordinator.load.done", NULL, T_S(60))), T_S(71));
    /* and the Java members, whose own session timers fire at 67 s while the coordinator still is the
     * frozen broker, rediscover it and wait on it again; when their timers fire a second time (77 s)
     * each drops its coordinator connection, cancelling the heartbeat held there (Kafka's
     * markCoordinatorUnknown, docs/model.md), finds the new coordinator and heartbeats it before
     * 81 s: nobody's session lapses there either, and the group does not rebalance */
    json_t *found = t_first(r, "member.coordinator_found", NULL, T_S(71));
    ck_assert_ptr_nonnull(found);
    ck_assert_int_lt(t_ev_time(found), T_S(81));
    ck_assert_int_eq(t_count(r, "member.session_expired", NULL, T_S(60), INT64_MAX), 0);
    ck_assert_int_eq(t_group(r, 0).rebalances, 0);
    t_free(r);
}
END_TEST

START_TEST(a_frozen_member_is_expired_by_the_coordinator_a_stalled_one_leaves_by_itself) {
    /* given billing/1 frozen for 60 s and, in another run, billing/1's poll loop blocked for 60 s */
    t_run_t *p = run(3, "    max_poll_interval: 40s\n", "  - {at: 30s, pause: billing/1, for: 60s}\n");
    t_run_t *st = run(3, "    max_poll_interval: 40s\n", "  - {at: 30s, stall: billing/1, for: 60s}\n");
    /* then the frozen one is removed by the coordinator's session timer (45 s) */
    ck_assert_int_ge(t_count(p, "member.session_expired", NULL, T_S(30), T_S(90)), 1);
    ck_assert_int_eq(t_count(p, "member.poll_timeout", NULL, T_S(30), T_S(90)), 0);
    /* and the stalled one, whose heartbeat thread goes on, by its own poll timer (40 s): LeaveGroup */
    ck_assert_int_eq(t_count(st, "member.session_expired", NULL, T_S(30), T_S(90)), 0);
    json_t *pt = t_first(st, "member.poll_timeout", "billing/1", T_S(30));
    ck_assert_ptr_nonnull(pt);
    ck_assert_int_eq(t_ev_time(pt), T_S(70));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(t_first(st, "group.rebalance.start", NULL, T_S(30)),
                                                                   "detail")), "on LeaveGroup"));
    /* both cost two rebalances: out, and back in */
    ck_assert_int_eq(t_group(p, 0).rebalances, 2);
    ck_assert_int_eq(t_group(st, 0).rebalances, 2);
    t_free(p);
    t_free(st);
}
END_TEST

START_TEST(a_config_change_is_applied_by_a_rolling_restart_of_the_members) {
    /* given `set: session_timeout: 20s` rolled out 10 s apart */
    t_run_t *r = run(3, NULL, "  - {at: 30s, set: {group: billing, session_timeout: 20s}, rolling: 10s}\n");
    /* then each member is closed and started again, 10 s apart, with the new timeout */
    ck_assert_int_eq(t_count(r, "member.stop", NULL, T_S(30), T_S(60)), 3);
    ck_assert_int_eq(t_ev_time(t_first(r, "member.stop", "billing/2", T_S(30))), T_S(40));
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(r->sim->groups[0].members[i]->cfg.session_timeout_us, T_S(20));
    /* and each restart is a rebalance (eager, dynamic members) */
    ck_assert_int_eq(t_group(r, 0).rebalances, 3);
    t_free(r);
}
END_TEST

START_TEST(a_lost_request_is_retried_only_after_the_request_timeout) {
    /* given every request from billing/1 to the brokers lost for 60 s (loss 1.0 is refused: 0.99) */
    t_run_t *r = run(3, NULL,
                     "  - {at: 30s, degrade: {from: [billing/1], to: ['broker/*'], loss: 0.99}, for: 60s}\n");
    /* then the client notices only when its request times out, 30 s after sending it */
    json_t *unknown = t_first(r, "member.coordinator_unknown", "billing/1", T_S(30));
    ck_assert_ptr_nonnull(unknown);
    ck_assert_msg(t_ev_time(unknown) > T_S(59) && t_ev_time(unknown) < T_S(64), "noticed at %lld",
                  (long long)t_ev_time(unknown));
    ck_assert_str_eq(json_string_value(json_object_get(t_root(r, t_ev_seq(unknown)), "kind")), "link.degrade");
    t_free(r);
}
END_TEST

START_TEST(what_is_sent_into_a_short_cut_goes_through_when_it_heals_as_tcp_retransmits_it) {
    /* given billing/1 cut from the brokers for 20 s (less than the 30 s request timeout) */
    t_run_t *r = run(3, NULL, "  - {at: 30s, partition: {from: [billing/1], to: ['broker/*']}, for: 20s}\n");
    /* then no request times out: the heartbeat sent into the cut is retransmitted after the heal and answered */
    ck_assert_int_eq(t_count(r, "member.coordinator_unknown", "billing/1", T_S(30), T_S(300)), 0);
    ck_assert_int_eq(t_group(r, 0).rebalances, 0);
    /* while a 40 s cut outlasts the request timeout: the client closes the connection, and what it held is gone */
    t_run_t *l = run(3, NULL, "  - {at: 30s, partition: {from: [billing/1], to: ['broker/*']}, for: 40s}\n");
    json_t *u = t_first(l, "member.coordinator_unknown", "billing/1", T_S(30));
    ck_assert_ptr_nonnull(u);
    ck_assert_msg(t_ev_time(u) >= T_S(60) && t_ev_time(u) < T_S(64), "gave up at %lld", (long long)t_ev_time(u));
    t_free(r);
    t_free(l);
}
END_TEST

START_TEST(work_not_committed_when_partitions_are_lost_is_redelivered_as_duplicates) {
    /* given billing/1 cut past its session timeout, once with auto-commit (5 s) and once committing every batch */
    const char *ev = "  - {at: 30s, partition: {from: [billing/1], to: ['broker/*']}, for: 60s}\n";
    t_run_t *a = run(3, NULL, ev);
    t_run_t *b = run(3, "    commit: sync-per-batch\n", ev);
    /* then its uncommitted records are processed again by the new owners: fewer when it committed every batch */
    int64_t da = t_group(a, 0).duplicates, db = t_group(b, 0).duplicates;
    ck_assert_msg(da > 0, "auto-commit: no duplicates");
    ck_assert_msg(db < da, "commit per batch %lld vs auto %lld duplicates", (long long)db, (long long)da);
    t_free(a);
    t_free(b);
}
END_TEST

START_TEST(a_slow_revocation_callback_holds_the_whole_rebalance) {
    /* given eager members whose onPartitionsRevoked takes 8 s, and one leaving */
    t_run_t *slow = run(3, "    on_revoke: 8s\n", "  - {at: 30s, restart: billing/3, mode: controlled, for: 200s}\n");
    t_run_t *fast = run(3, NULL, "  - {at: 30s, restart: billing/3, mode: controlled, for: 200s}\n");
    /* then the join phase lasts at least the callback's 8 s */
    int64_t ws = t_ev_time(t_first(slow, "group.join.complete", NULL, T_S(30))) -
                 t_ev_time(t_first(slow, "group.rebalance.start", NULL, T_S(30)));
    int64_t wf = t_ev_time(t_first(fast, "group.join.complete", NULL, T_S(30))) -
                 t_ev_time(t_first(fast, "group.rebalance.start", NULL, T_S(30)));
    ck_assert_msg(ws >= T_S(8) && wf < T_S(4), "join phase %lld us with on_revoke 8 s, %lld us without",
                  (long long)ws, (long long)wf);
    t_free(slow);
    t_free(fast);
}
END_TEST

START_TEST(scaling_out_starts_new_members_and_scaling_in_closes_the_last_ones) {
    /* given a group of 2 scaled to 4 at 30 s and back to 1 at 90 s */
    t_run_t *r = run(2, NULL,
                     "  - {at: 30s, scale: {group: billing, members: 4}}\n"
                     "  - {at: 90s, scale: {group: billing, members: 1}}\n");
    /* then billing/3 and billing/4 start at 30 s; billing/2..4 close at 90 s; one member is left */
    ck_assert_int_eq(t_ev_time(t_first(r, "member.start", "billing/4", T_S(1))), T_S(30));
    ck_assert_int_eq(t_count(r, "member.stop", NULL, T_S(90), T_S(91)), 3);
    sl_group_t *g = &r->sim->groups[0];
    ck_assert_int_eq(g->n_members, 1);
    ck_assert_int_eq(g->members[0]->n_owned, 12);
    t_free(r);
}
END_TEST

/* Records appended to the topic's partitions so far. */
static int64_t appended(sl_sim_t *s) {
    int64_t n = 0;
    for (int i = 0; i < s->offsets_first_part; i++) {
        sl_partition_sync(s, &s->parts[i]);
        n += s->parts[i].end_offset;
    }
    return n;
}

START_TEST(a_dead_follower_in_the_isr_stalls_acks_all_writes_until_it_is_fenced) {
    /* given broker 3 killed at 60 s: every partition (replication 3 of 3 brokers) has it in its ISR */
    t_run_t *r = t_start_owned(scenario(3, NULL, "  - {at: 60s, restart: broker/3, mode: hard, for: 60s}\n"));
    t_until(r, T_S(60.5));
    int64_t before = appended(r->sim);
    /* when the controller has not fenced it yet (broker.session.timeout.ms, 9 s) */
    t_until(r, T_S(68.5));
    /* then no record is acknowledged: the high watermark waits for the dead follower (on Kafka 4.4 the
     * consumers of storm-restart-fix read nothing for 9 s after each kill, docs/fidelity.md) */
    ck_assert_int_eq(appended(r->sim), before);
    /* and once it is fenced and out of the ISR the producer's buffered records go in */
    t_until(r, T_S(70));
    ck_assert_int_gt(appended(r->sim), before + 240 * 8);
    t_finish(r);
    t_free(r);
}
END_TEST

START_TEST(a_silent_broker_is_fenced_a_session_after_its_last_heartbeat) {
    /* given broker 1 killed at 61.9 s and broker 3 at 62 s (heartbeats every 2 s from the start: 60 and 62 s
     * were the last), and broker 2 frozen for 1.3 s at 10 s, then killed at 20.2 s (its heartbeats tick again
     * from the thaw at 11.3 s: 19.3 s was its last) */
    const char *events = "  - {at: 10s, restart: broker/2, mode: pause, for: 1300ms}\n"
                         "  - {at: 20200ms, restart: broker/2, mode: hard, for: 120s}\n"
                         "  - {at: 61900ms, restart: broker/1, mode: hard, for: 60s}\n"
                         "  - {at: 62s, restart: broker/3, mode: hard, for: 60s}\n";
    t_run_t *r = t_run_owned(scenario(3, NULL, events));
    /* then each is fenced broker.session.timeout.ms (9 s) after that last heartbeat, 7.1 to 9 s after it died
     * (Kafka 4.4: 7 to 9 s after a kill, docs/fidelity.md) */
    ck_assert_int_eq(t_ev_time(t_first(r, "broker.fenced", "broker/2", 0)), T_S(28.3));
    ck_assert_int_eq(t_ev_time(t_first(r, "broker.fenced", "broker/1", 0)), T_S(69));
    ck_assert_int_eq(t_ev_time(t_first(r, "broker.fenced", "broker/3", 0)), T_S(71));
    t_free(r);
}
END_TEST

START_TEST(losing_the_node_of_the_active_controller_delays_fencing_by_a_failover) {
    /* given combined broker+controller nodes with broker 1's controller active, broker 1 killed at 60 s and
     * broker 2 at 61 s; and the same with a dedicated controller quorum */
    const char *events = "  - {at: 60s, restart: broker/1, mode: hard, for: 60s}\n"
                         "  - {at: 61s, restart: broker/2, mode: hard, for: 60s}\n";
    char *y = scenario(3, NULL, events);
    char *combined = t_fmt("cluster:\n  active_controller: 1\n%s", y);
    t_run_t *ded = t_run_owned(y), *comb = t_run_owned(combined);
    /* then a dedicated quorum fences each 9 s (broker.session.timeout.ms) after its last heartbeat, which
     * both sent at 60 s (every 2 s from the start): broker 2, killed 1 s after it, is fenced 8 s later */
    ck_assert_int_eq(t_ev_time(t_first(ded, "broker.fenced", "broker/1", 0)), T_S(69));
    ck_assert_int_eq(t_ev_time(t_first(ded, "broker.fenced", "broker/2", 0)), T_S(69));
    /* and combined nodes first elect a new controller (2.5 s), which gives every broker a fresh session:
     * both are fenced 9 s after the election (Kafka 4.4: 11.8 to 12.3 s after such a kill, docs/fidelity.md) */
    json_t *elected = t_first(comb, "controller.elected", NULL, 0);
    ck_assert_ptr_nonnull(elected);
    ck_assert_int_eq(t_ev_time(elected), T_S(62.5));
    ck_assert_str_eq(json_string_value(json_object_get(elected, "node")), "broker/3"); /* the only voter left */
    ck_assert_int_eq(t_ev_time(t_first(comb, "broker.fenced", "broker/1", 0)), T_S(71.5));
    ck_assert_int_eq(t_ev_time(t_first(comb, "broker.fenced", "broker/2", 0)), T_S(71.5));
    ck_assert_ptr_nonnull(strstr(comb->log, "[QuorumController id=3] Fencing broker 1"));
    t_free(ded);
    t_free(comb);
}
END_TEST

int main(void) {
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("faults and actions");
    tcase_add_test(tc, a_paused_broker_answers_nothing_while_frozen_then_answers_what_it_held);
    tcase_add_test(tc, librdkafka_members_ride_out_their_coordinators_freeze_when_it_is_fenced_in_time);
    tcase_add_test(tc, a_broker_thawed_before_it_is_fenced_answers_the_held_heartbeats_normally);
    tcase_add_test(tc, a_frozen_coordinator_expires_no_session_while_frozen);
    tcase_add_test(tc, a_frozen_member_is_expired_by_the_coordinator_a_stalled_one_leaves_by_itself);
    tcase_add_test(tc, a_config_change_is_applied_by_a_rolling_restart_of_the_members);
    tcase_add_test(tc, a_lost_request_is_retried_only_after_the_request_timeout);
    tcase_add_test(tc, what_is_sent_into_a_short_cut_goes_through_when_it_heals_as_tcp_retransmits_it);
    tcase_add_test(tc, work_not_committed_when_partitions_are_lost_is_redelivered_as_duplicates);
    tcase_add_test(tc, a_slow_revocation_callback_holds_the_whole_rebalance);
    tcase_add_test(tc, scaling_out_starts_new_members_and_scaling_in_closes_the_last_ones);
    tcase_add_test(tc, a_dead_follower_in_the_isr_stalls_acks_all_writes_until_it_is_fenced);
    tcase_add_test(tc, a_silent_broker_is_fenced_a_session_after_its_last_heartbeat);
    tcase_add_test(tc, losing_the_node_of_the_active_controller_delays_fencing_by_a_failover);
    tcase_add_test(tc, a_fault_that_touches_nothing_of_a_group_leaves_its_run_as_without_the_fault);
    suite_add_tcase(s, tc);
    return t_run_suite(s);
}
