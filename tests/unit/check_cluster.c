/*
 * Brokers, the controller, leadership, coordinator placement and movement,
 * producers (docs/model.md: "Coordinator", "Brokers", "Producers").
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../check_main.h"

START_TEST(group_ids_hash_like_java_strings) {
    /* given Java's String.hashCode over UTF-16 code units, then Kafka's Utils.abs % partitions */
    ck_assert_int_eq(sl_java_string_hash("hello"), 99162322);
    ck_assert_int_eq(sl_java_string_hash("billing"), -109829509);
    ck_assert_int_eq(sl_java_string_hash("\xc3\xa9"), 233);              /* é */
    ck_assert_int_eq(sl_java_string_hash("\xf0\x9f\x98\x80"), 1772899); /* U+1F600, a surrogate pair */
    ck_assert_int_eq(sl_java_string_hash("polygenelubricants"), INT32_MIN);
    /* then placement matches Kafka's partitionFor */
    ck_assert_int_eq(sl_offsets_partition_for("billing", 50), 9);
    ck_assert_int_eq(sl_offsets_partition_for("hello", 50), 22);
    ck_assert_int_eq(sl_offsets_partition_for("polygenelubricants", 50), 0);
    ck_assert_int_eq(sl_offsets_partition_for("payments", 50), 13);
}
END_TEST

static const char *base =
    "name: cluster-test\n"
    "seed: 5\n"
    "duration: %s\n"
    "cluster: {brokers: 3, auto_leader_rebalance: %s}\n"
    "topics:\n"
    "  - {name: orders, partitions: 6, replication: %d, produce_rate: 600/s}\n"
    "groups:\n"
    "  - {id: billing, topics: [orders], members: 3}\n"
    "events:\n%s";

START_TEST(the_coordinator_is_the_leader_of_the_groups_offsets_partition) {
    /* given a fresh cluster */
    char *y = t_fmt(base, "1m", "5m", 3, "  []\n");
    t_run_t *r = t_start(y);
    free(y);
    /* then billing (offsets partition 9) is coordinated by that partition's leader */
    sl_group_t *g = &r->sim->groups[0];
    ck_assert_int_eq(g->offsets_partition, 9);
    ck_assert_int_eq(g->coordinator, r->sim->parts[r->sim->offsets_first_part + 9].leader);
    ck_assert_int_eq(g->coordinator, 1); /* partition 9 of 50 on 3 brokers: 9 % 3 = 0 -> broker 1 */
    t_free(r);
}
END_TEST

START_TEST(a_killed_broker_is_fenced_after_the_broker_session_timeout) {
    /* given the coordinator's broker killed at 60 s */
    char *y = t_fmt(base, "3m", "0s", 3, "  - {at: 60s, restart: broker/1, mode: hard, for: 1m}\n");
    t_run_t *r = t_start(y);
    free(y);
    t_until(r, T_S(68.9));
    /* then until 9 s later nothing moves: the offsets partition still names the dead broker */
    ck_assert_int_eq(r->sim->parts[r->sim->offsets_first_part + 9].leader, 1);
    ck_assert_int_eq(r->sim->groups[0].coordinator, 0);
    t_until(r, T_S(69.0));
    /* when the controller fences it, leadership moves to an ISR replica and the new coordinator loads */
    int leader = r->sim->parts[r->sim->offsets_first_part + 9].leader;
    ck_assert_msg(leader == 2 || leader == 3, "leader %d", leader);
    ck_assert(r->sim->groups[0].loading);
    t_until(r, T_S(71.0));
    ck_assert(!r->sim->groups[0].loading);
    ck_assert_int_eq(r->sim->groups[0].state, GS_STABLE);
    t_finish(r);
    ck_assert_int_eq(t_ev_time(t_first(r, "broker.fenced", NULL, 0)), T_S(69));
    t_free(r);
}
END_TEST

START_TEST(a_controlled_shutdown_moves_leadership_at_once) {
    /* given broker 1 shut down cleanly at 60 s */
    char *y = t_fmt(base, "2m", "0s", 3, "  - {at: 60s, restart: broker/1, mode: controlled, for: 30s}\n");
    t_run_t *r = t_run(y);
    free(y);
    /* then it is fenced at the same instant and the coordinator load starts with it */
    ck_assert_int_eq(t_ev_time(t_first(r, "broker.fenced", NULL, 0)), T_S(60));
    ck_assert_int_eq(t_ev_time(t_first(r, "coordinator.load.start", NULL, T_S(1))), T_S(60));
    /* and partitions were never offline */
    sl_cluster_result_t c;
    sl_sim_cluster_result(r->sim, &c);
    ck_assert_msg(c.unavailable_partition_s < 0.001, "unavailable %.3f partition-s", c.unavailable_partition_s);
    t_free(r);
}
END_TEST

START_TEST(a_coordinator_move_rearms_every_members_session_timer) {
    /* given a stable group whose coordinator's broker is killed at 60 s */
    char *y = t_fmt(base, "3m", "0s", 3, "  - {at: 60s, restart: broker/1, mode: hard, for: 1m}\n");
    t_run_t *r = t_start(y);
    free(y);
    /* when the new coordinator finishes loading at 71 s */
    t_until(r, T_S(71));
    sl_group_t *g = &r->sim->groups[0];
    ck_assert_int_eq(g->state, GS_STABLE);
    ck_assert_int_eq(g->n_members, 3);
    /* then every member's session timer runs a full 45 s from the load, whatever its last heartbeat */
    int checked = 0;
    for (int i = 0; i < g->n_slots; i++) {
        sl_cmember_t *cm = g->slots[i];
        if (!cm)
            continue;
        int64_t due = cm->session_timer.at_us;
        ck_assert_msg(due >= T_S(71) + T_S(45) - T_S(3.5) && due <= T_S(71) + T_S(45),
                      "member %d session due at %lld", i, (long long)due);
        checked++;
    }
    ck_assert_int_eq(checked, 3);
    t_finish(r);
    /* and no rebalance happened: the group was rebuilt Stable from its stored assignment */
    ck_assert_int_eq(t_group(r, 0).rebalances, 0);
    t_free(r);
}
END_TEST

START_TEST(a_coordinator_move_loses_the_rebalance_in_progress) {
    /* given a rebalance in progress (a member stalled so the join phase stays open) when the coordinator dies */
    char *y = t_fmt(base, "4m", "0s", 3,
                    "  - {at: 50s, stall: billing/2, for: 40s}\n"
                    "  - {at: 55s, restart: billing/3, mode: controlled, for: 10s}\n"
                    "  - {at: 60s, restart: coordinator/billing, mode: hard, for: 30s}\n");
    t_run_t *r = t_run(y);
    free(y);
    /* then the unload says the rebalance was lost, and the new coordinator has to rebalance again */
    json_t *un = t_first(r, "coordinator.unload", NULL, T_S(60));
    ck_assert_ptr_nonnull(un);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(un, "detail")), "rebalance in progress lost"));
    ck_assert_int_ge(t_count(r, "group.rebalance.start", NULL, T_S(71), T_S(240)), 1);
    t_free(r);
}
END_TEST

START_TEST(preferred_leaders_move_back_after_auto_leader_rebalance) {
    /* given broker 1 killed at 30 s, back at 60 s, serving at 80 s; auto leader rebalance 1 m */
    char *y = t_fmt(base, "4m", "1m", 3, "  - {at: 30s, restart: broker/1, mode: hard, for: 30s}\n");
    t_run_t *r = t_run(y);
    free(y);
    /* then the coordinator moves twice: away on fencing (39 s) and back at 80 + 60 = 140 s */
    ck_assert_int_eq(t_count(r, "coordinator.load.start", NULL, T_S(1), T_S(240)), 2);
    json_t *back = t_first(r, "coordinator.load.start", "broker/1", T_S(1));
    ck_assert_ptr_nonnull(back);
    ck_assert_int_eq(t_ev_time(back), T_S(140));
    t_free(r);
}
END_TEST

START_TEST(a_partition_whose_isr_died_stays_offline_and_its_records_expire) {
    /* given replication 1 and broker 1 (leader of orders-0 and orders-3) killed for 3 minutes */
    char *y = t_fmt(base, "5m", "0s", 1, "  - {at: 60s, restart: broker/1, mode: hard, for: 3m}\n");
    t_run_t *r = t_run(y);
    free(y);
    /* then no other replica can lead (unclean election off): offline from the kill until the broker serves again */
    sl_cluster_result_t c;
    sl_sim_cluster_result(r->sim, &c);
    /* 2 partitions x (60 s .. 260 s) */
    ck_assert_msg(c.unavailable_partition_s > 399 && c.unavailable_partition_s < 401, "unavailable %.1f",
                  c.unavailable_partition_s);
    /* and records older than delivery.timeout.ms (120 s) are lost: 200 s offline -> 80 s x 100 records/s x 2 */
    ck_assert_msg(c.lost_records > 15900 && c.lost_records <= 16000, "lost %lld", (long long)c.lost_records);
    ck_assert_int_eq(c.lost_records, c.produce_errors);
    ck_assert_int_ge(t_count(r, "produce.lost", NULL, 0, T_S(300)), 1);
    t_free(r);
}
END_TEST

START_TEST(a_short_outage_loses_nothing_the_producer_retries) {
    /* given replication 1 and broker 1 down for 30 s (less than delivery.timeout.ms) */
    char *y = t_fmt(base, "3m", "0s", 1, "  - {at: 60s, restart: broker/1, mode: hard, for: 10s}\n");
    t_run_t *r = t_run(y);
    free(y);
    sl_cluster_result_t c;
    sl_sim_cluster_result(r->sim, &c);
    ck_assert_int_eq(c.lost_records, 0);
    ck_assert_msg(c.unavailable_partition_s > 59 && c.unavailable_partition_s < 61, "unavailable %.1f",
                  c.unavailable_partition_s);
    t_free(r);
}
END_TEST

int main(void) {
    Suite *s = suite_create("cluster");
    TCase *place = tcase_create("coordinator placement");
    tcase_add_test(place, group_ids_hash_like_java_strings);
    tcase_add_test(place, the_coordinator_is_the_leader_of_the_groups_offsets_partition);
    suite_add_tcase(s, place);
    TCase *brokers = tcase_create("brokers and controller");
    tcase_add_test(brokers, a_killed_broker_is_fenced_after_the_broker_session_timeout);
    tcase_add_test(brokers, a_controlled_shutdown_moves_leadership_at_once);
    tcase_add_test(brokers, preferred_leaders_move_back_after_auto_leader_rebalance);
    suite_add_tcase(s, brokers);
    TCase *moves = tcase_create("coordinator moves");
    tcase_add_test(moves, a_coordinator_move_rearms_every_members_session_timer);
    tcase_add_test(moves, a_coordinator_move_loses_the_rebalance_in_progress);
    suite_add_tcase(s, moves);
    TCase *prod = tcase_create("producers");
    tcase_add_test(prod, a_partition_whose_isr_died_stays_offline_and_its_records_expire);
    tcase_add_test(prod, a_short_outage_loses_nothing_the_producer_retries);
    suite_add_tcase(s, prod);
    return t_run_suite(s);
}
