/*
 * The two clients' different timers (docs/model.md, "The Java consumer",
 * "librdkafka"): librdkafka keeps its own session timer, queries the
 * coordinator every 500 ms and checks max.poll.interval.ms twice a second;
 * how each reconnects through a cut; each client's own log lines.  The
 * fidelity cases compare with what Apache Kafka 4.4 and librdkafka 2.0.2
 * were measured doing (docs/fidelity.md), not with the simulator's output.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../check_main.h"

static char *scenario(const char *client, const char *extra, const char *events) {
    return t_fmt("name: client-test\nseed: 6\nduration: 4m\n"
                 "topics:\n  - {name: orders, partitions: 6, replication: 3, produce_rate: 60/s}\n"
                 "groups:\n  - id: billing\n    topics: [orders]\n    members: 3\n    client: %s\n%s"
                 "events:\n%s",
                 client, extra ? extra : "", events);
}

START_TEST(librdkafka_gives_up_its_assignment_when_its_own_session_timer_expires) {
    /* given a librdkafka member cut from the brokers for 70 s (session timeout 45 s) */
    char *y = scenario("librdkafka", NULL, "  - {at: 30s, partition: {from: [billing/1], to: ['broker/*']}, for: 70s}\n");
    t_run_t *r = t_run(y);
    free(y);
    /* then the client itself times the session out, ~45 s after its last answered heartbeat, and drops its partitions */
    json_t *st = t_first(r, "member.session_timeout", "billing/1", 0);
    ck_assert_ptr_nonnull(st);
    ck_assert_msg(t_ev_time(st) > T_S(72) && t_ev_time(st) <= T_S(75.5), "client session timeout at %lld",
                  (long long)t_ev_time(st));
    json_t *lost = t_first(r, "member.lost", "billing/1", T_S(30));
    ck_assert_ptr_nonnull(lost);
    ck_assert_int_eq(t_ev_time(lost), t_ev_time(st));
    ck_assert_msg(strcmp(json_string_value(json_object_get(t_root(r, t_ev_seq(st)), "kind")), "link.cut") == 0,
                  "the session timeout does not trace back to the cut");
    /* and logs it the way librdkafka does */
    ck_assert_ptr_nonnull(strstr(r->log, "|SESSTMOUT|rdkafka#consumer-1| [thrd:main]: Consumer group session timed "
                                         "out (in join-state steady) after "));
    /* while a Java member in the same spot never times its own session out */
    y = scenario("java", NULL, "  - {at: 30s, partition: {from: [billing/1], to: ['broker/*']}, for: 70s}\n");
    t_run_t *j = t_run(y);
    free(y);
    ck_assert_int_eq(t_count(j, "member.session_timeout", NULL, 0, T_S(240)), 0);
    ck_assert_ptr_null(strstr(j->log, "SESSTMOUT"));
    ck_assert_int_eq(t_group(j, 0).rebalances, t_group(r, 0).rebalances);
    t_free(j);
    t_free(r);
}
END_TEST

START_TEST(librdkafka_queries_the_coordinator_every_500ms_java_backs_off_to_a_second) {
    /* given the coordinator's broker killed: nobody can find a coordinator for ~11 s */
    for (int rdk = 0; rdk <= 1; rdk++) {
        char *y = scenario(rdk ? "librdkafka" : "java", NULL,
                           "  - {at: 30s, restart: coordinator/billing, mode: hard, for: 60s}\n");
        t_run_t *r = t_start(y);
        free(y);
        sl_member_t *m = r->sim->groups[0].members[0];
        int64_t longest = 0;
        /* when we watch the member's next lookup while it has no coordinator */
        for (int64_t t = T_S(31); t < T_S(38); t += T_S(0.05)) {
            t_until(r, t);
            if (sl_timer_armed(&m->find_timer)) {
                int64_t wait = m->find_timer.at_us - sl_now(r->sim);
                if (wait > longest)
                    longest = wait;
            }
        }
        /* then librdkafka waits at most 500 ms between lookups, Java backs off towards retry.backoff.max.ms (1 s) */
        if (rdk)
            ck_assert_msg(longest <= T_S(0.5), "librdkafka waited %lld us between lookups", (long long)longest);
        else
            ck_assert_msg(longest > T_S(0.7) && longest <= T_S(1.2), "java's longest backoff %lld us", (long long)longest);
        t_free(r);
    }
}
END_TEST

START_TEST(librdkafka_notices_a_poll_timeout_at_its_next_half_second_check) {
    /* given a librdkafka member whose poll loop stalls (max.poll.interval.ms 20 s) */
    char *y = scenario("librdkafka", "    max_poll_interval: 20s\n", "  - {at: 30s, stall: billing/2, for: 40s}\n");
    t_run_t *r = t_run(y);
    free(y);
    /* then the timeout is found on a 500 ms tick and logged as librdkafka's MAXPOLL warning */
    json_t *pt = t_first(r, "member.poll_timeout", "billing/2", 0);
    ck_assert_ptr_nonnull(pt);
    ck_assert_int_eq(t_ev_time(pt) % 500000, 0);
    ck_assert_ptr_nonnull(strstr(r->log, "|MAXPOLL|rdkafka#consumer-2| [thrd:main]: Application maximum poll interval "
                                         "(20000ms) exceeded by "));
    ck_assert_int_eq(t_group(r, 0).rebalances, 2);
    t_free(r);
}
END_TEST


/* A fidelity scenario of tests/kafka/fidelity, run on the simulator. */
static t_run_t *run_fidelity(const char *name) {
    char *path = t_fmt("tests/kafka/fidelity/%s", name);
    t_run_t *r = t_run_file(path);
    free(path);
    return r;
}

START_TEST(a_connection_opened_during_a_cut_gets_through_at_the_handshakes_next_retry) {
    /* given billing/1 cut from every broker from 20 s to 40 s and restarted at 25 s (its process's
     * connections die; the new ones are opened at 26 s, inside the cut) */
    char *y = scenario("java", NULL,
                       "  - {at: 20s, partition: {from: [billing/1], to: ['broker/*']}, for: 20s}\n"
                       "  - {at: 25s, restart: billing/1, mode: hard, for: 1s}\n");
    t_run_t *r = t_run(y);
    free(y);
    /* then its first request passes when the SYN is sent again after the heal: Linux retries it 1, 3,
     * 7, 15 s after the connect, so at 26 + 15 = 41 s (not at once when the cut heals at 40 s) */
    json_t *join = t_first(r, "member.join", "billing/1", T_S(26));
    ck_assert_ptr_nonnull(join);
    ck_assert_msg(t_ev_time(join) >= T_S(41) && t_ev_time(join) < T_S(41.1), "first JoinGroup at %lld us",
                  (long long)t_ev_time(join));
    t_free(r);
}
END_TEST

START_TEST(librdkafka_rides_out_a_frozen_coordinator_that_is_fenced_and_thaws_in_time) {
    /* given the coordinator's broker frozen 20 s under librdkafka members with a 30 s session */
    t_run_t *r = run_fidelity("coordinator-paused.yaml");
    /* then, as Kafka 4.4 did in three runs out of three: no session timer fires, no rebalance */
    ck_assert_int_eq(t_count(r, "member.session_timeout", NULL, 0, INT64_MAX), 0);
    ck_assert_int_eq(t_group(r, 0).rebalances, 0);
    t_free(r);
}
END_TEST

START_TEST(after_a_one_way_cut_librdkafka_rejoins_when_its_oldest_held_fetch_is_retransmitted) {
    /* given member 3 cut one way (to the brokers) from 20 s to 40 s, session 8 s */
    t_run_t *r = run_fidelity("oneway-cut.yaml");
    /* then it asks for the coordinator only when its reconnect's ApiVersionRequest times out, 10 s after
     * its heartbeat did (28 s), and on Kafka it rejoined 5.6 to 6.0 s after the heal: the request waits
     * behind the fetch held since 20 s, retransmitted at 20 + 25.4 s */
    json_t *unknown = t_first(r, "member.coordinator_unknown", "fid-oneway/3", T_S(20));
    ck_assert_ptr_nonnull(unknown);
    ck_assert_msg(t_ev_time(unknown) >= T_S(37.9) && t_ev_time(unknown) <= T_S(38.6),
                  "coordinator given up at %lld us", (long long)t_ev_time(unknown));
    json_t *rejoin = t_first(r, "member.id_required", "fid-oneway/3", T_S(40));
    ck_assert_ptr_nonnull(rejoin);
    ck_assert_msg(t_ev_time(rejoin) >= T_S(45.0) && t_ev_time(rejoin) <= T_S(46.1), "rejoined at %lld us",
                  (long long)t_ev_time(rejoin));
    ck_assert_int_eq(t_group(r, 0).rebalances, 2);
    t_free(r);
}
END_TEST

START_TEST(cut_both_ways_librdkafka_rejoins_at_the_retransmission_of_its_metadata_refresh) {
    /* given member 1 cut both ways from 20 s to 45 s, session 10 s: its fetches' answers wait, not the
     * fetches, so what it sends towards the brokers starts with the metadata refresh it sends when its
     * heartbeat times out (30 s) */
    t_run_t *r = run_fidelity("cut-long.yaml");
    /* then its JoinGroup reaches the coordinator at that refresh's retransmission, 30 + 25.4 s: Kafka saw
     * it at 56.0 to 56.2 s */
    json_t *rejoin = t_first(r, "member.id_required", "fid-cut-long/1", T_S(45));
    ck_assert_ptr_nonnull(rejoin);
    ck_assert_msg(t_ev_time(rejoin) >= T_S(55.0) && t_ev_time(rejoin) <= T_S(56.5), "rejoined at %lld us",
                  (long long)t_ev_time(rejoin));
    t_free(r);
}
END_TEST

START_TEST(each_client_prints_its_own_librarys_log_lines) {
    /* given the same member cut past its request timeout, as a Java and as a librdkafka member */
    for (int rdk = 0; rdk <= 1; rdk++) {
        char *y = scenario(rdk ? "librdkafka" : "java", NULL,
                           "  - {at: 30s, partition: {from: [billing/1], to: ['broker/*']}, for: 70s}\n");
        t_run_t *r = t_run(y);
        free(y);
        /* then a Java service's log holds Java's lines and never librdkafka's, and the other way round */
        bool java_line = strstr(r->log, "[Consumer clientId=consumer-billing-1, groupId=billing]") != NULL;
        bool rdk_line = strstr(r->log, "|rdkafka#consumer-") != NULL;
        ck_assert_msg(rdk ? (!java_line && rdk_line) : (java_line && !rdk_line), "%s: java lines %d, librdkafka lines %d",
                      rdk ? "librdkafka" : "java", java_line, rdk_line);
        /* and librdkafka's "(after N ms in state UP)" counts from when that connection came up, at the
         * start of the run: the line's own timestamp */
        if (rdk) {
            const char *p = strstr(r->log, "request(s) timed out: disconnect (after ");
            ck_assert_ptr_nonnull(p);
            long ms = strtol(p + strlen("request(s) timed out: disconnect (after "), NULL, 10);
            const char *line = p;
            while (line > r->log && line[-1] != '\n')
                line--;
            int hh, mm, ss, mss;
            ck_assert_int_eq(sscanf(line, "[%d:%d:%d.%d]", &hh, &mm, &ss, &mss), 4);
            long at_ms = ((hh * 60L + mm) * 60L + ss) * 1000L + mss;
            ck_assert_msg(ms == at_ms, "disconnect after %ld ms in state UP, logged at %ld ms", ms, at_ms);
        }
        t_free(r);
    }
}
END_TEST

int main(void) {
    Suite *s = suite_create("clients");
    TCase *rdk = tcase_create("librdkafka");
    tcase_add_test(rdk, librdkafka_gives_up_its_assignment_when_its_own_session_timer_expires);
    tcase_add_test(rdk, librdkafka_queries_the_coordinator_every_500ms_java_backs_off_to_a_second);
    tcase_add_test(rdk, librdkafka_notices_a_poll_timeout_at_its_next_half_second_check);
    tcase_add_test(rdk, after_a_one_way_cut_librdkafka_rejoins_when_its_oldest_held_fetch_is_retransmitted);
    tcase_add_test(rdk, cut_both_ways_librdkafka_rejoins_at_the_retransmission_of_its_metadata_refresh);
    tcase_add_test(rdk, librdkafka_rides_out_a_frozen_coordinator_that_is_fenced_and_thaws_in_time);
    suite_add_tcase(s, rdk);
    TCase *both = tcase_create("both clients");
    tcase_add_test(both, a_connection_opened_during_a_cut_gets_through_at_the_handshakes_next_retry);
    tcase_add_test(both, each_client_prints_its_own_librarys_log_lines);
    suite_add_tcase(s, both);
    return t_run_suite(s);
}
