/*
 * The two clients' different timers (SPEC §5 "Java client", "librdkafka
 * client"): librdkafka keeps its own session timer, queries the
 * coordinator every 500 ms and checks max.poll.interval.ms twice a second.
 */
#include <check.h>
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

int main(void) {
    Suite *s = suite_create("clients");
    TCase *rdk = tcase_create("librdkafka");
    tcase_add_test(rdk, librdkafka_gives_up_its_assignment_when_its_own_session_timer_expires);
    tcase_add_test(rdk, librdkafka_queries_the_coordinator_every_500ms_java_backs_off_to_a_second);
    tcase_add_test(rdk, librdkafka_notices_a_poll_timeout_at_its_next_half_second_check);
    suite_add_tcase(s, rdk);
    return t_run_suite(s);
}
