/*
 * The plan (stormlab/plan.h): what an event means when it fires, the one
 * answer both engines act on.  The expected nodes, order, records and
 * gaps are written here from the scenario text, by hand; the view is a
 * small cluster of this test's own (which members exist, who coordinates).
 */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "stormlab/plan.h"
#include "testutil.h"
#include "../check_main.h"

/* The test's cluster: billing has 6 member slots of which the first
 * `billing_up` exist; audit 2 of 2; broker 2 coordinates both groups. */
typedef struct {
    int billing_up, billing_slots, coordinator, billing_target;
} cluster_t;

static int slots(const void *ctx, int g) { return g == 0 ? ((const cluster_t *)ctx)->billing_slots : 2; }
static bool exists(const void *ctx, int g, int i) { return g == 0 ? i <= ((const cluster_t *)ctx)->billing_up : true; }
static int coordinator(const void *ctx, int g) { (void)g; return ((const cluster_t *)ctx)->coordinator; }
static int size(const void *ctx, int g) { return g == 0 ? ((const cluster_t *)ctx)->billing_target : 2; }

static const char *yaml =
    "name: plan-test\nseed: 1\nduration: 10m\ncluster: {brokers: 3}\n"
    "topics:\n  - {name: orders, partitions: 6, replication: 3, produce_rate: 10/s}\n"
    "groups:\n  - {id: billing, topics: [orders], members: 4}\n  - {id: audit, topics: [orders], members: 2}\n"
    "events:\n"
    "  - {at: 1m, restart: [broker/*], mode: controlled, rolling: 30s}\n"                 /* 0 */
    "  - {at: 2m, partition: {from: [billing/1, billing/2], to: [broker/*]}, oneway: true, for: 20s}\n" /* 1 */
    "  - {at: 3m, restart: [coordinator/billing, audit/2], mode: pause, for: 10s}\n"        /* 2 */
    "  - {at: 4m, scale: {group: billing, members: 6}}\n"                                   /* 3 */
    "  - {at: 5m, set: {group: billing, session_timeout: 10s}, rolling: 15s}\n"             /* 4 */
    "  - {at: 6m, degrade: {from: ['*'], to: [broker/3], latency: 200ms}, for: 1m}\n"       /* 5 */
    "  - {at: 7m, stall: [billing/*], for: 1m}\n";                                         /* 6 */

static char *names(const sl_scenario_t *sc, const sl_plan_node_t *nodes, int n) {
    static char buf[2048];
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        char name[160];
        sl_plan_node_name(sc, &nodes[i], name, sizeof name);
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? " " : "", name);
    }
    return buf;
}

START_TEST(each_event_resolves_to_the_nodes_order_and_records_its_text_says) {
    /* given the scenario and a cluster where billing runs 4 of its 6 slots (scaled to 6 later)
     * and broker 2 coordinates */
    sl_scenario_t *sc = t_load(yaml);
    cluster_t cl = {.billing_up = 4, .billing_slots = 6, .coordinator = 2, .billing_target = 4};
    sl_plan_view_t v = {&cl, slots, exists, coordinator, size};
    sl_plan_event_t pe;

    /* a controlled rolling restart of every broker: brokers 1, 2, 3, 30 s apart */
    sl_plan_event(sc, 0, &v, &pe);
    ck_assert_str_eq(names(sc, pe.nodes, pe.n_nodes), "broker/1 broker/2 broker/3");
    ck_assert_int_eq(pe.gap_us, 30000000);
    ck_assert_str_eq(pe.trace_kind, "action.restart");
    ck_assert_str_eq(pe.detail, "restart (controlled) broker/1,broker/2,broker/3");
    ck_assert_str_eq(pe.log, "[stormlab] operator/fault: restart broker/1,broker/2,broker/3");
    ck_assert_int_eq(pe.trace_group, -1);
    sl_plan_event_free(&pe);

    /* a one-way cut of two members from every broker: the two sides, no nodes to step through */
    sl_plan_event(sc, 1, &v, &pe);
    ck_assert_str_eq(names(sc, pe.from, pe.n_from), "billing/1 billing/2");
    ck_assert_str_eq(names(sc, pe.to, pe.n_to), "broker/1 broker/2 broker/3");
    ck_assert_int_eq(pe.n_nodes, 0);
    ck_assert_str_eq(pe.trace_kind, "link.cut");
    ck_assert_str_eq(pe.detail, "billing/1,billing/2 -> broker/1,broker/2,broker/3 (one way)");
    ck_assert_str_eq(pe.log, "[stormlab] injected partition billing/1,billing/2 -> broker/1,broker/2,broker/3");
    sl_plan_event_free(&pe);

    /* the coordinator as the view names it now, then audit/2; at once (no rolling) */
    sl_plan_event(sc, 2, &v, &pe);
    ck_assert_str_eq(names(sc, pe.nodes, pe.n_nodes), "broker/2 audit/2");
    ck_assert_int_eq(pe.gap_us, 0);
    ck_assert_str_eq(pe.trace_kind, "action.restart");
    ck_assert_str_eq(pe.detail, "restart (pause) broker/2,audit/2");
    /* and with no coordinator (the group has none at that moment), only audit/2 */
    cl.coordinator = 0;
    sl_plan_event_free(&pe);
    sl_plan_event(sc, 2, &v, &pe);
    ck_assert_str_eq(names(sc, pe.nodes, pe.n_nodes), "audit/2");
    sl_plan_event_free(&pe);
    cl.coordinator = 2;

    /* a scale says from what the group runs now to what the event asks */
    sl_plan_event(sc, 3, &v, &pe);
    ck_assert_str_eq(pe.trace_kind, "group.scale");
    ck_assert_int_eq(pe.trace_group, 0);
    ck_assert_str_eq(pe.detail, "4 -> 6 members");
    ck_assert_str_eq(pe.log, "[stormlab] scaling group billing from 4 to 6 members");
    sl_plan_event_free(&pe);

    /* a config change rolls out to every member the group runs: after the scale, all 6, 15 s apart */
    cl.billing_up = 6, cl.billing_target = 6;
    sl_plan_event(sc, 4, &v, &pe);
    ck_assert_str_eq(names(sc, pe.nodes, pe.n_nodes), "billing/1 billing/2 billing/3 billing/4 billing/5 billing/6");
    ck_assert_int_eq(pe.gap_us, 15000000);
    ck_assert_str_eq(pe.trace_kind, "action.set");
    ck_assert_int_eq(pe.trace_group, 0);
    ck_assert_str_eq(pe.detail, "config change on billing by rolling restart");
    sl_plan_event_free(&pe);

    /* '*' is every broker, every running member (group by group) and every producer */
    cl.billing_up = 3;
    sl_plan_event(sc, 5, &v, &pe);
    ck_assert_str_eq(names(sc, pe.from, pe.n_from),
                     "broker/1 broker/2 broker/3 billing/1 billing/2 billing/3 audit/1 audit/2 producer/orders");
    ck_assert_str_eq(names(sc, pe.to, pe.n_to), "broker/3");
    ck_assert_str_eq(pe.trace_kind, "link.degrade");
    ck_assert_ptr_nonnull(strstr(pe.detail, "-> broker/3: +200000us latency, +0us jitter, loss 0"));
    sl_plan_event_free(&pe);

    /* a group with no member running names nothing, and says so */
    cl.billing_up = 0;
    sl_plan_event(sc, 6, &v, &pe);
    ck_assert_int_eq(pe.n_nodes, 0);
    ck_assert_str_eq(pe.detail, "stall (no node selected)");
    ck_assert_str_eq(pe.log, "[stormlab] operator/fault: stall (nothing)");
    sl_plan_event_free(&pe);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(every_library_scenario_has_a_plan_for_every_event) {
    /* given each scenario of the library, with every member slot running and broker 1 coordinating */
    DIR *d = opendir(SL_SOURCE_DIR "/scenarios");
    ck_assert_ptr_nonnull(d);
    int scenarios = 0, events = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        char *path = t_fmt("%s/scenarios/%s", SL_SOURCE_DIR, e->d_name);
        sl_scenario_t *sc = NULL;
        char err[1024];
        ck_assert_msg(sl_scenario_load_file(path, NULL, 0, &sc, err, sizeof err) == SL_OK, "%s", err);
        cluster_t cl = {.billing_up = 1000, .billing_slots = 1, .coordinator = 1, .billing_target = 1};
        sl_plan_view_t v = {&cl, slots, exists, coordinator, size};
        /* every group as having its most members */
        for (int i = 0; i < sl_scenario_event_count(sc); i++) {
            cl.billing_slots = sl_scenario_max_members(sc, 0);
            sl_plan_event_t pe;
            sl_plan_event(sc, i, &v, &pe);
            /* then each event has its root record, and acts on something or says it does not */
            ck_assert_msg(pe.trace_kind && *pe.detail && !strncmp(pe.log, "[stormlab] ", 11), "%s events[%d]",
                          e->d_name, i);
            events++;
            sl_plan_event_free(&pe);
        }
        sl_scenario_destroy(sc);
        free(path);
        scenarios++;
    }
    closedir(d);
    ck_assert_int_ge(scenarios, 10);
    ck_assert_int_ge(events, 20);
}
END_TEST

int main(void) {
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");
    tcase_add_test(tc, each_event_resolves_to_the_nodes_order_and_records_its_text_says);
    tcase_add_test(tc, every_library_scenario_has_a_plan_for_every_event);
    suite_add_tcase(s, tc);
    return t_run_suite(s);
}
