/*
 * The scenario loader (docs/scenarios.md): defaults, every field, selectors, --set
 * overrides, the resolved file, and a table of hostile inputs that must
 * fail fast with `test.yaml:LINE:COL: key: ...`.
 */
#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario-internal.h"
#include "stormlab/stormlab.h"
#include "testutil.h"
#include "../check_main.h"

#define SEC 1000000LL
#define MS 1000LL

/* The reference example of the scenario format (every section in one file), kept verbatim: the format it shows must keep loading. */
static const char spec_example[] =
    "name: coordinator-restart-storm\n"
    "description: >\n"
    "  A link flap between two consumers and the coordinator starts a storm; the on-call\n"
    "  restarts brokers, the coordinator moves, and the storm gets worse.\n"
    "seed: 7                          # default seed; --seed overrides\n"
    "duration: 15m\n"
    "sample: 1s                       # time-series sample interval\n"
    "\n"
    "cluster:\n"
    "  brokers: 3                     # ids 1..N, nodes broker/1..broker/N\n"
    "  offsets_partitions: 50         # __consumer_offsets partitions (coordinator placement)\n"
    "  group_initial_rebalance_delay: 3s\n"
    "  broker_session_timeout: 9s     # KRaft: controller fences a silent broker after this\n"
    "  broker_startup: 20s            # restart -> serving (log recovery)\n"
    "  coordinator_load: 2s           # new coordinator loading a group\n"
    "  auto_leader_rebalance: 5m      # preferred leaders move back this long after return\n"
    "\n"
    "topics:\n"
    "  - name: orders\n"
    "    partitions: 24\n"
    "    replication: 3\n"
    "    owner: checkout-team         # ownership is part of the model: reports group by owner\n"
    "    produce_rate: 500/s          # producer/orders, records per second\n"
    "\n"
    "groups:\n"
    "  - id: billing\n"
    "    owner: billing-team\n"
    "    topics: [orders]\n"
    "    members: 6                   # nodes billing/1..billing/6\n"
    "    client: java                 # java | librdkafka (their timers differ, see §5)\n"
    "    protocol: classic            # classic | consumer (KIP-848)\n"
    "    assignor: range              # range | roundrobin | sticky | cooperative-sticky | uniform\n"
    "    static: false                # group.instance.id per member (KIP-345)\n"
    "    session_timeout: 45s\n"
    "    heartbeat_interval: 3s\n"
    "    max_poll_interval: 5m\n"
    "    max_poll_records: 500\n"
    "    processing: {median: 2ms, p99: 40ms}   # per record; a plain duration is constant\n"
    "    on_revoke: 200ms             # time the revoke callback takes (commit, flush)\n"
    "    commit: auto                 # auto (5s) | sync-per-batch\n"
    "\n"
    "links:                           # default for every pair of nodes\n"
    "  latency: 1ms\n"
    "  jitter: 200us\n"
    "\n"
    "events:                          # the incident timeline: faults and operator actions\n"
    "  - at: 60s\n"
    "    partition: {from: [billing/1, billing/2], to: [broker/*]}   # both ways unless oneway: true\n"
    "    for: 40s\n"
    "  - at: 2m\n"
    "    restart: broker/2\n"
    "    mode: hard                   # hard | controlled | pause (process frozen, sockets open)\n"
    "    for: 30s\n"
    "  - at: 3m\n"
    "    set: {group: billing, session_timeout: 10s}   # applied by a rolling restart of members\n"
    "    rolling: 15s                 # gap between member restarts\n"
    "  - at: 4m\n"
    "    degrade: {from: [billing/*], to: [broker/1], latency: 300ms, jitter: 50ms, loss: 0.05}\n"
    "    for: 1m\n"
    "  - at: 5m\n"
    "    restart: billing/*           # consumers restart too (deploys)\n"
    "    rolling: 20s\n"
    "  - at: 6m\n"
    "    pause: billing/3             # whole process frozen (GC pause, SIGSTOP): no heartbeats either\n"
    "    for: 50s\n"
    "  - at: 7m\n"
    "    stall: billing/4             # poll loop blocked (slow downstream); heartbeat thread goes on\n"
    "    for: 6m\n"
    "  - at: 8m\n"
    "    scale: {group: billing, members: 8}   # members join (or leave, when fewer)\n"
    "\n"
    "expect:                          # gates for `stormlab check`\n"
    "  - group: billing\n"
    "    rebalances: {max: 4}\n"
    "    stable_by: 8m                # group Stable, all partitions owned, from this time on\n"
    "    max_lag: 20000\n"
    "  - lost_records: 0\n";

/* A file that sets every field to something other than its default. */
static const char every_field[] =
    "name: every-field\n"
    "description: |\n"
    "  two \"quoted\" lines\n"
    "  and a tab\there\n"
    "seed: 0\n"
    "duration: 2h\n"
    "sample: 500ms\n"
    "cluster:\n"
    "  brokers: 5\n"
    "  offsets_partitions: 7\n"
    "  offsets_replication: 2\n"
    "  group_initial_rebalance_delay: 0\n"
    "  group_min_session_timeout: 1s\n"
    "  group_max_session_timeout: 1h\n"
    "  broker_session_timeout: 18s\n"
    "  broker_heartbeat_interval: 3s\n"
    "  broker_startup: 1m\n"
    "  coordinator_load: 1500ms\n"
    "  auto_leader_rebalance: 0\n"
    "  leader_election: 20ms\n"
    "topics:\n"
    "  - name: orders.v2\n"
    "    partitions: 12\n"
    "    replication: 3\n"
    "    owner: checkout team\n"
    "    produce_rate: 250.5/s\n"
    "  - name: payments\n"
    "    produce_rate: 40\n"
    "groups:\n"
    "  - id: billing\n"
    "    owner: billing-team\n"
    "    topics: [orders.v2, payments]\n"
    "    members: 4\n"
    "    client: librdkafka\n"
    "    protocol: classic\n"
    "    assignor: cooperative-sticky\n"
    "    static: true\n"
    "    session_timeout: 10s\n"
    "    heartbeat_interval: 2s\n"
    "    max_poll_interval: 1m\n"
    "    max_poll_records: 100\n"
    "    processing: {median: 2ms, p99: 40ms}\n"
    "    on_revoke: 200ms\n"
    "    commit: sync-per-batch\n"
    "    auto_commit_interval: 1s\n"
    "    request_timeout: 20s\n"
    "    retry_backoff: 50ms\n"
    "    retry_backoff_max: 2s\n"
    "    fetch_max_wait: 100ms\n"
    "    startup: 2500ms\n"
    "  - id: audit\n"
    "    topics: payments\n"
    "    members: 0\n"
    "    protocol: consumer\n"
    "    processing: 3ms\n"
    "links:\n"
    "  latency: 2ms\n"
    "  jitter: 300us\n"
    "  loss: 0.001\n"
    "events:\n"
    "  - at: 10m\n"
    "    scale: {group: audit, members: 3}\n"
    "    rolling: 5s\n"
    "  - at: 1m\n"
    "    partition: {from: billing/1, to: [broker/*, coordinator/billing]}\n"
    "    oneway: true\n"
    "    for: 40s\n"
    "  - at: 1m\n"
    "    degrade: {from: ['*'], to: [producer/payments], latency: 300ms, jitter: 50ms, loss: 0.05}\n"
    "  - at: 2m\n"
    "    restart: [broker/2, coordinator/audit]\n"
    "    mode: controlled\n"
    "    for: 30s\n"
    "    rolling: 10s\n"
    "  - at: 3m\n"
    "    set: {group: billing, session_timeout: 30s, heartbeat_interval: 3s, processing: 5ms,\n"
    "          assignor: range, static: false, commit: auto, max_poll_records: 10,\n"
    "          max_poll_interval: 2m, on_revoke: 1s, request_timeout: 40s, client: java}\n"
    "  - at: 4m\n"
    "    pause: audit/3\n"
    "    for: 50s\n"
    "  - at: 5m\n"
    "    stall: [billing/*]\n"
    "  - at: 6m\n"
    "    restart: billing/2\n"
    "    mode: pause\n"
    "expect:\n"
    "  - group: billing\n"
    "    rebalances: {max: 4}\n"
    "    stable_by: 8m\n"
    "    max_lag: {min: 1, max: 20000}\n"
    "    rebalance_s: 12.5\n"
    "  - group: audit\n"
    "    generation: {min: 2}\n"
    "    duplicates: 0\n"
    "    unowned_partition_s: 30\n"
    "  - lost_records: 0\n"
    "    produce_errors: 3\n"
    "    unavailable_partition_s: {max: 0.25}\n";

/* The smallest file that loads. */
#define MINIMAL "name: m\ntopics: [{name: orders}]\n"

/* ---- helpers ---- */

/* The resolved text of sc (caller frees). */
static char *resolved(const sl_scenario_t *sc) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(sl_scenario_write_resolved(sc, f), SL_OK);
    fclose(f);
    return buf;
}

static sl_err_t try_sets(const char *yaml, const char *const *sets, size_t n, char *err, size_t size) {
    sl_scenario_t *sc = NULL;
    sl_err_t rc = sl_scenario_load_buffer("test.yaml", yaml, strlen(yaml), sets, n, &sc, err, size);
    sl_scenario_destroy(sc);
    return rc;
}

static const sl_group_cfg_t *group(const sl_scenario_t *sc, const char *id) {
    for (int i = 0; i < sc->n_groups; i++)
        if (!strcmp(sc->groups[i].id, id)) return &sc->groups[i];
    ck_abort_msg("no group %s", id);
    return NULL;
}

/* Field-by-field equality; on a difference names the field in why. */
#define DIFF(cond, ...)                              \
    do {                                             \
        if (cond) {                                  \
            snprintf(why, why_size, __VA_ARGS__);    \
            return false;                            \
        }                                            \
    } while (0)
#define NE(f) DIFF(a->f != b->f, "%s: %lld vs %lld", #f, (long long)a->f, (long long)b->f)
#define NED(f) DIFF(a->f != b->f, "%s: %.17g vs %.17g", #f, (double)a->f, (double)b->f)
#define NES(f) DIFF(strcmp(a->f, b->f) != 0, "%s: \"%s\" vs \"%s\"", #f, a->f, b->f)

static bool sel_equal(const sl_selector_t *x, const sl_selector_t *y, int n) {
    for (int i = 0; i < n; i++)
        if (x[i].kind != y[i].kind || x[i].group != y[i].group || x[i].topic != y[i].topic ||
            x[i].index != y[i].index)
            return false;
    return true;
}

static bool group_equal(const sl_group_cfg_t *a, const sl_group_cfg_t *b, bool ids, char *why,
                        size_t why_size) {
    if (ids) {
        NES(id);
        NES(owner);
        NE(n_topics);
        DIFF(memcmp(a->topics, b->topics, (size_t)a->n_topics * sizeof(int)) != 0, "topics differ");
        NE(members);
    }
    NE(client); NE(protocol); NE(assignor); NE(static_membership); NE(session_timeout_us);
    NE(heartbeat_interval_us); NE(max_poll_interval_us); NE(max_poll_records);
    NE(processing_median_us); NE(processing_p99_us); NE(on_revoke_us); NE(commit);
    NE(auto_commit_interval_us); NE(request_timeout_us); NE(retry_backoff_us);
    NE(retry_backoff_max_us); NE(fetch_max_wait_us); NE(startup_us);
    return true;
}

static bool scenario_equal(const sl_scenario_t *a, const sl_scenario_t *b, char *why, size_t why_size) {
    NES(name); NES(description); NE(seed); NE(duration_us); NE(sample_us);
    NE(cluster.brokers); NE(cluster.offsets_partitions); NE(cluster.offsets_replication);
    NE(cluster.group_initial_rebalance_delay_us); NE(cluster.group_min_session_timeout_us);
    NE(cluster.group_max_session_timeout_us); NE(cluster.broker_session_timeout_us);
    NE(cluster.broker_heartbeat_interval_us); NE(cluster.broker_startup_us);
    NE(cluster.coordinator_load_us); NE(cluster.auto_leader_rebalance_us);
    NE(cluster.leader_election_us);
    NE(n_topics);
    for (int i = 0; i < a->n_topics; i++) {
        NES(topics[i].name); NES(topics[i].owner); NE(topics[i].partitions);
        NE(topics[i].replication); NED(topics[i].produce_rate_per_s);
    }
    NE(n_groups);
    for (int i = 0; i < a->n_groups; i++)
        if (!group_equal(&a->groups[i], &b->groups[i], true, why, why_size)) return false;
    NE(links.latency_us); NE(links.jitter_us); NED(links.loss);
    NE(n_events);
    for (int i = 0; i < a->n_events; i++) {
        NE(events[i].kind); NE(events[i].at_us); NE(events[i].for_us); NE(events[i].rolling_us);
        NE(events[i].n_from); NE(events[i].n_to); NE(events[i].n_targets); NE(events[i].oneway);
        NE(events[i].latency_us); NE(events[i].jitter_us); NED(events[i].loss); NE(events[i].mode);
        NE(events[i].group); NE(events[i].set_mask); NE(events[i].members);
        DIFF(!sel_equal(a->events[i].from, b->events[i].from, a->events[i].n_from) ||
             !sel_equal(a->events[i].to, b->events[i].to, a->events[i].n_to) ||
             !sel_equal(a->events[i].targets, b->events[i].targets, a->events[i].n_targets),
             "events[%d]: selectors differ", i);
        if (!group_equal(&a->events[i].set_values, &b->events[i].set_values, false, why, why_size))
            return false;
    }
    NE(n_expects);
    for (int i = 0; i < a->n_expects; i++) {
        NE(expects[i].group); NE(expects[i].metric); NE(expects[i].has_min); NE(expects[i].has_max);
        NED(expects[i].min); NED(expects[i].max);
    }
    return true;
}

/* load(X) -> write -> load -> write: same text, equal structs. */
static void assert_round_trip(const char *name, const char *yaml, size_t len) {
    char err[1024] = "", why[256] = "";
    sl_scenario_t *a = NULL, *b = NULL;
    ck_assert_msg(sl_scenario_load_buffer(name, yaml, len, NULL, 0, &a, err, sizeof err) == SL_OK,
                  "%s did not load: %s", name, err);
    char *t1 = resolved(a);
    ck_assert_msg(sl_scenario_load_buffer("resolved", t1, strlen(t1), NULL, 0, &b, err, sizeof err) == SL_OK,
                  "the resolved text of %s did not load: %s\n%s", name, err, t1);
    char *t2 = resolved(b);
    ck_assert_msg(!strcmp(t1, t2), "%s: the second resolved text differs from the first:\n%s\n---\n%s",
                  name, t1, t2);
    ck_assert_msg(scenario_equal(a, b, why, sizeof why), "%s: reloaded scenario differs: %s", name, why);
    free(t1);
    free(t2);
    sl_scenario_destroy(a);
    sl_scenario_destroy(b);
}

/* ---- defaults ---- */

START_TEST(a_silent_file_gets_kafkas_defaults) {
    /* given a file with only a name and one topic name
     * when it loads
     * then every field holds Kafka 4.x's default (broker and Java client) */
    sl_scenario_t *sc = t_load(MINIMAL "groups: [{id: billing, topics: [orders]}]\n");
    ck_assert_str_eq(sc->description, "");
    ck_assert_uint_eq(sc->seed, 1);
    ck_assert_int_eq(sc->duration_us, 600 * SEC);
    ck_assert_int_eq(sc->sample_us, 1 * SEC);
    const sl_cluster_cfg_t *c = &sc->cluster;
    ck_assert_int_eq(c->brokers, 3);
    ck_assert_int_eq(c->offsets_partitions, 50);
    ck_assert_int_eq(c->offsets_replication, 3);
    ck_assert_int_eq(c->group_initial_rebalance_delay_us, 3 * SEC);
    ck_assert_int_eq(c->group_min_session_timeout_us, 6 * SEC);
    ck_assert_int_eq(c->group_max_session_timeout_us, 1800 * SEC);
    ck_assert_int_eq(c->broker_session_timeout_us, 9 * SEC);
    ck_assert_int_eq(c->broker_heartbeat_interval_us, 2 * SEC);
    ck_assert_int_eq(c->broker_startup_us, 20 * SEC);
    ck_assert_int_eq(c->coordinator_load_us, 2 * SEC);
    ck_assert_int_eq(c->auto_leader_rebalance_us, 300 * SEC);
    ck_assert_int_eq(c->leader_election_us, 50 * MS);
    ck_assert_int_eq(sc->n_topics, 1);
    ck_assert_int_eq(sc->topics[0].partitions, 1);
    ck_assert_int_eq(sc->topics[0].replication, 1);
    ck_assert_str_eq(sc->topics[0].owner, "");
    ck_assert(sc->topics[0].produce_rate_per_s == 0);
    const sl_group_cfg_t *g = &sc->groups[0];
    ck_assert_str_eq(g->owner, "");
    ck_assert_int_eq(g->members, 1);
    ck_assert_int_eq(g->client, SL_CLIENT_JAVA);
    ck_assert_int_eq(g->protocol, SL_PROTO_CLASSIC);
    ck_assert_int_eq(g->assignor, SL_ASSIGN_RANGE);
    ck_assert(!g->static_membership);
    ck_assert_int_eq(g->session_timeout_us, 45 * SEC);
    ck_assert_int_eq(g->heartbeat_interval_us, 3 * SEC);
    ck_assert_int_eq(g->max_poll_interval_us, 300 * SEC);
    ck_assert_int_eq(g->max_poll_records, 500);
    ck_assert_int_eq(g->processing_median_us, 1 * MS);
    ck_assert_int_eq(g->processing_p99_us, 1 * MS);
    ck_assert_int_eq(g->on_revoke_us, 0);
    ck_assert_int_eq(g->commit, SL_COMMIT_AUTO);
    ck_assert_int_eq(g->auto_commit_interval_us, 5 * SEC);
    ck_assert_int_eq(g->request_timeout_us, 30 * SEC);
    ck_assert_int_eq(g->retry_backoff_us, 100 * MS);
    ck_assert_int_eq(g->retry_backoff_max_us, 1 * SEC);
    ck_assert_int_eq(g->fetch_max_wait_us, 500 * MS);
    ck_assert_int_eq(g->startup_us, 0);
    ck_assert_int_eq(sc->links.latency_us, 1 * MS);
    ck_assert_int_eq(sc->links.jitter_us, 0);
    ck_assert(sc->links.loss == 0);
    ck_assert_int_eq(sc->n_events, 0);
    ck_assert_int_eq(sc->n_expects, 0);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(a_consumer_protocol_group_defaults_to_the_broker_side_settings) {
    /* given a protocol: consumer group that says nothing else
     * when it loads
     * then the assignor is uniform and the heartbeat 5s (group.consumer.*) */
    sl_scenario_t *sc = t_load(MINIMAL "groups: [{id: g, topics: [orders], protocol: consumer}]\n");
    ck_assert_int_eq(sc->groups[0].assignor, SL_ASSIGN_UNIFORM);
    ck_assert_int_eq(sc->groups[0].heartbeat_interval_us, 5 * SEC);
    ck_assert_int_eq(sc->groups[0].session_timeout_us, 45 * SEC);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(offsets_replication_defaults_to_at_most_the_broker_count) {
    /* given one broker and no offsets_replication
     * when it loads
     * then __consumer_offsets has replication 1, not Kafka's 3 */
    sl_scenario_t *sc = t_load(MINIMAL "cluster: {brokers: 1}\n");
    ck_assert_int_eq(sc->cluster.offsets_replication, 1);
    sl_scenario_destroy(sc);
}
END_TEST

/* ---- every field ---- */

START_TEST(every_top_level_and_cluster_field_is_read) {
    /* given a file setting every field away from its default
     * when it loads
     * then the struct holds each value given */
    sl_scenario_t *sc = t_load(every_field);
    ck_assert_str_eq(sc->name, "every-field");
    ck_assert_str_eq(sc->description, "two \"quoted\" lines\nand a tab\there\n");
    ck_assert_uint_eq(sc->seed, 0);
    ck_assert_int_eq(sc->duration_us, 7200 * SEC);
    ck_assert_int_eq(sc->sample_us, 500 * MS);
    const sl_cluster_cfg_t *c = &sc->cluster;
    ck_assert_int_eq(c->brokers, 5);
    ck_assert_int_eq(c->offsets_partitions, 7);
    ck_assert_int_eq(c->offsets_replication, 2);
    ck_assert_int_eq(c->group_initial_rebalance_delay_us, 0);
    ck_assert_int_eq(c->group_min_session_timeout_us, 1 * SEC);
    ck_assert_int_eq(c->group_max_session_timeout_us, 3600 * SEC);
    ck_assert_int_eq(c->broker_session_timeout_us, 18 * SEC);
    ck_assert_int_eq(c->broker_heartbeat_interval_us, 3 * SEC);
    ck_assert_int_eq(c->broker_startup_us, 60 * SEC);
    ck_assert_int_eq(c->coordinator_load_us, 1500 * MS);
    ck_assert_int_eq(c->auto_leader_rebalance_us, 0);
    ck_assert_int_eq(c->leader_election_us, 20 * MS);
    ck_assert_int_eq(sc->links.latency_us, 2 * MS);
    ck_assert_int_eq(sc->links.jitter_us, 300);
    ck_assert_double_eq(sc->links.loss, 0.001);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(every_topic_and_group_field_is_read) {
    /* given the every-field file
     * when it loads
     * then topics and groups hold each value, rates in records per second */
    sl_scenario_t *sc = t_load(every_field);
    ck_assert_int_eq(sc->n_topics, 2);
    ck_assert_str_eq(sc->topics[0].name, "orders.v2");
    ck_assert_int_eq(sc->topics[0].partitions, 12);
    ck_assert_int_eq(sc->topics[0].replication, 3);
    ck_assert_str_eq(sc->topics[0].owner, "checkout team");
    ck_assert_double_eq(sc->topics[0].produce_rate_per_s, 250.5);
    ck_assert_double_eq(sc->topics[1].produce_rate_per_s, 40);
    const sl_group_cfg_t *g = group(sc, "billing");
    ck_assert_str_eq(g->owner, "billing-team");
    ck_assert_int_eq(g->n_topics, 2);
    ck_assert_int_eq(g->topics[0], 0);
    ck_assert_int_eq(g->topics[1], 1);
    ck_assert_int_eq(g->members, 4);
    ck_assert_int_eq(g->client, SL_CLIENT_LIBRDKAFKA);
    ck_assert_int_eq(g->protocol, SL_PROTO_CLASSIC);
    ck_assert_int_eq(g->assignor, SL_ASSIGN_COOPERATIVE_STICKY);
    ck_assert(g->static_membership);
    ck_assert_int_eq(g->session_timeout_us, 10 * SEC);
    ck_assert_int_eq(g->heartbeat_interval_us, 2 * SEC);
    ck_assert_int_eq(g->max_poll_interval_us, 60 * SEC);
    ck_assert_int_eq(g->max_poll_records, 100);
    ck_assert_int_eq(g->processing_median_us, 2 * MS);
    ck_assert_int_eq(g->processing_p99_us, 40 * MS);
    ck_assert_int_eq(g->on_revoke_us, 200 * MS);
    ck_assert_int_eq(g->commit, SL_COMMIT_SYNC_PER_BATCH);
    ck_assert_int_eq(g->auto_commit_interval_us, 1 * SEC);
    ck_assert_int_eq(g->request_timeout_us, 20 * SEC);
    ck_assert_int_eq(g->retry_backoff_us, 50 * MS);
    ck_assert_int_eq(g->retry_backoff_max_us, 2 * SEC);
    ck_assert_int_eq(g->fetch_max_wait_us, 100 * MS);
    ck_assert_int_eq(g->startup_us, 2500 * MS);
    g = group(sc, "audit");
    ck_assert_int_eq(g->n_topics, 1); /* a single name instead of a list */
    ck_assert_int_eq(g->topics[0], 1);
    ck_assert_int_eq(g->members, 0);
    ck_assert_int_eq(g->protocol, SL_PROTO_CONSUMER);
    ck_assert_int_eq(g->processing_median_us, 3 * MS); /* plain duration: constant */
    ck_assert_int_eq(g->processing_p99_us, 3 * MS);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(events_are_sorted_by_time_keeping_the_file_order_for_ties) {
    /* given events written out of order, two of them at 1m
     * when the file loads
     * then they are sorted by at, the two 1m events in the file's order,
     *  each remembering its own line */
    sl_scenario_t *sc = t_load(every_field);
    static const sl_event_kind_t want[] = {SL_EV_PARTITION, SL_EV_DEGRADE, SL_EV_RESTART, SL_EV_SET,
                                           SL_EV_PAUSE, SL_EV_STALL, SL_EV_RESTART, SL_EV_SCALE};
    ck_assert_int_eq(sc->n_events, 8);
    for (int i = 0; i < 8; i++)
        ck_assert_msg(sc->events[i].kind == want[i], "events[%d]: expected kind %d, got %d", i,
                      want[i], sc->events[i].kind);
    for (int i = 1; i < 8; i++) ck_assert_int_le(sc->events[i - 1].at_us, sc->events[i].at_us);
    ck_assert_int_eq(sc->events[0].line, 64);
    ck_assert_int_eq(sc->events[7].line, 61);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(each_event_kind_keeps_its_settings) {
    /* given the every-field file
     * when it loads
     * then each event holds its action's settings, and -1 for an absent
     *  for/rolling */
    sl_scenario_t *sc = t_load(every_field);
    const sl_event_cfg_t *e = &sc->events[0]; /* partition */
    ck_assert_int_eq(e->at_us, 60 * SEC);
    ck_assert_int_eq(e->for_us, 40 * SEC);
    ck_assert_int_eq(e->rolling_us, -1);
    ck_assert(e->oneway);
    ck_assert_int_eq(e->n_from, 1);
    ck_assert_int_eq(e->n_to, 2);
    e = &sc->events[1]; /* degrade */
    ck_assert_int_eq(e->latency_us, 300 * MS);
    ck_assert_int_eq(e->jitter_us, 50 * MS);
    ck_assert_double_eq(e->loss, 0.05);
    ck_assert_int_eq(e->for_us, -1);
    e = &sc->events[2]; /* restart */
    ck_assert_int_eq(e->mode, SL_RESTART_CONTROLLED);
    ck_assert_int_eq(e->for_us, 30 * SEC);
    ck_assert_int_eq(e->rolling_us, 10 * SEC);
    ck_assert_int_eq(e->n_targets, 2);
    e = &sc->events[3]; /* set */
    ck_assert_int_eq(e->group, 0);
    ck_assert_uint_eq(e->set_mask, SL_GF_SESSION_TIMEOUT | SL_GF_HEARTBEAT_INTERVAL | SL_GF_PROCESSING |
                                       SL_GF_ASSIGNOR | SL_GF_STATIC | SL_GF_COMMIT |
                                       SL_GF_MAX_POLL_RECORDS | SL_GF_MAX_POLL_INTERVAL |
                                       SL_GF_ON_REVOKE | SL_GF_REQUEST_TIMEOUT | SL_GF_CLIENT);
    ck_assert_int_eq(e->set_values.session_timeout_us, 30 * SEC);
    ck_assert_int_eq(e->set_values.heartbeat_interval_us, 3 * SEC);
    ck_assert_int_eq(e->set_values.processing_p99_us, 5 * MS);
    ck_assert_int_eq(e->set_values.assignor, SL_ASSIGN_RANGE);
    ck_assert_int_eq(e->set_values.max_poll_records, 10);
    ck_assert_int_eq(e->set_values.max_poll_interval_us, 120 * SEC);
    ck_assert_int_eq(e->set_values.on_revoke_us, 1 * SEC);
    ck_assert_int_eq(e->set_values.request_timeout_us, 40 * SEC);
    ck_assert_int_eq(e->set_values.client, SL_CLIENT_JAVA);
    e = &sc->events[6]; /* restart, mode pause */
    ck_assert_int_eq(e->mode, SL_RESTART_PAUSE);
    e = &sc->events[7]; /* scale */
    ck_assert_int_eq(e->group, 1);
    ck_assert_int_eq(e->members, 3);
    ck_assert_int_eq(e->rolling_us, 5 * SEC);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(expectations_are_flattened_one_per_metric) {
    /* given three expect entries bounding ten metrics
     * when the file loads
     * then there is one entry per metric: a plain number is a max, durations
     *  and *_s are seconds, cluster metrics have group -1 */
    sl_scenario_t *sc = t_load(every_field);
    ck_assert_int_eq(sc->n_expects, 10);
    const sl_expect_cfg_t *x = sc->expects;
    ck_assert_int_eq(x[0].metric, SL_M_REBALANCES);
    ck_assert_int_eq(x[0].group, 0);
    ck_assert(!x[0].has_min && x[0].has_max);
    ck_assert_double_eq(x[0].max, 4);
    ck_assert_int_eq(x[1].metric, SL_M_STABLE_BY);
    ck_assert_double_eq(x[1].max, 480);
    ck_assert_int_eq(x[2].metric, SL_M_MAX_LAG);
    ck_assert(x[2].has_min && x[2].has_max);
    ck_assert_double_eq(x[2].min, 1);
    ck_assert_double_eq(x[2].max, 20000);
    ck_assert_int_eq(x[3].metric, SL_M_REBALANCE_S);
    ck_assert_double_eq(x[3].max, 12.5);
    ck_assert_int_eq(x[4].metric, SL_M_GENERATION);
    ck_assert_int_eq(x[4].group, 1);
    ck_assert(x[4].has_min && !x[4].has_max);
    ck_assert_int_eq(x[7].metric, SL_M_LOST_RECORDS);
    ck_assert_int_eq(x[7].group, -1);
    ck_assert_int_eq(x[9].metric, SL_M_UNAVAILABLE_PARTITION_S);
    ck_assert_double_eq(x[9].max, 0.25);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(the_largest_seed_loads) {
    /* given seed 2^64-1
     * when the file loads
     * then the seed is exact, and --seed (set_seed) replaces it */
    sl_scenario_t *sc = t_load(MINIMAL "seed: 18446744073709551615\n");
    ck_assert_uint_eq(sl_scenario_seed(sc), UINT64_MAX);
    sl_scenario_set_seed(sc, 0);
    ck_assert_uint_eq(sl_scenario_seed(sc), 0);
    ck_assert_str_eq(sl_scenario_name(sc), "m");
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(anchors_and_merge_keys_are_copied) {
    /* given groups sharing settings through an anchor and a << merge key
     * when the file loads
     * then each group has the shared values, its own keys winning */
    sl_scenario_t *sc = t_load(MINIMAL
                               "groups:\n"
                               "  - &base {id: a, topics: [orders], session_timeout: 20s, members: 2}\n"
                               "  - <<: *base\n"
                               "    id: b\n"
                               "    members: 5\n");
    ck_assert_int_eq(sc->groups[1].session_timeout_us, 20 * SEC);
    ck_assert_int_eq(sc->groups[1].members, 5);
    ck_assert_str_eq(sc->groups[1].id, "b");
    sl_scenario_destroy(sc);
}
END_TEST

/* ---- selectors ---- */

START_TEST(every_selector_form_names_its_nodes) {
    /* given one partition event using every selector form
     * when it loads
     * then each selector has its kind and the group, topic or index it names */
    sl_scenario_t *sc = t_load(MINIMAL
                               "groups: [{id: billing, topics: [orders], members: 6}]\n"
                               "events:\n"
                               "  - at: 1m\n"
                               "    partition:\n"
                               "      from: ['*', broker/*, broker/3, billing/*, billing/6]\n"
                               "      to: [producer/orders, coordinator/billing]\n");
    const sl_event_cfg_t *e = &sc->events[0];
    ck_assert_int_eq(e->n_from, 5);
    ck_assert_int_eq(e->from[0].kind, SL_SEL_ALL);
    ck_assert_int_eq(e->from[1].kind, SL_SEL_BROKER_ALL);
    ck_assert_int_eq(e->from[2].kind, SL_SEL_BROKER);
    ck_assert_int_eq(e->from[2].index, 3);
    ck_assert_int_eq(e->from[3].kind, SL_SEL_GROUP_ALL);
    ck_assert_int_eq(e->from[3].group, 0);
    ck_assert_int_eq(e->from[4].kind, SL_SEL_MEMBER);
    ck_assert_int_eq(e->from[4].group, 0);
    ck_assert_int_eq(e->from[4].index, 6);
    ck_assert_int_eq(e->to[0].kind, SL_SEL_PRODUCER);
    ck_assert_int_eq(e->to[0].topic, 0);
    ck_assert_int_eq(e->to[1].kind, SL_SEL_COORDINATOR);
    ck_assert_int_eq(e->to[1].group, 0);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(a_member_added_by_a_later_scale_event_can_be_selected) {
    /* given a group of 6 scaled to 8 at 8m
     * when an earlier event restarts billing/8
     * then the file loads: members are numbered up to the most the group has */
    sl_scenario_t *sc = t_load(MINIMAL
                               "groups: [{id: billing, topics: [orders], members: 6}]\n"
                               "events:\n"
                               "  - {at: 1m, restart: billing/8}\n"
                               "  - {at: 8m, scale: {group: billing, members: 8}}\n");
    ck_assert_int_eq(sc->events[0].targets[0].index, 8);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(a_skipped_event_is_left_out_and_the_others_keep_their_file_numbers) {
    /* given three events written out of time order, the middle one (events[1]) skipped
     * when the file loads
     * then two events run, each knowing its place in the file (what --set events.N addresses) */
    sl_scenario_t *sc = t_load(MINIMAL
                               "groups: [{id: billing, topics: [orders], members: 6}]\n"
                               "events:\n"
                               "  - {at: 3m, restart: 'broker/*', rolling: 1m, for: 30s}\n"
                               "  - {at: 1m, restart: broker/1, skip: true}\n"
                               "  - {at: 2m, set: {group: billing, session_timeout: 10s}}\n");
    ck_assert_int_eq(sl_scenario_event_count(sc), 2);
    const sl_event_cfg_t *e = sl_scenario_event(sc, 0);
    ck_assert_msg(e->file_index == 2 && e->kind == SL_EV_SET, "expected events[2] (set) first, got events[%d] (%s)",
                  e->file_index, sl_event_kind_name(e->kind));
    e = sl_scenario_event(sc, 1);
    ck_assert_msg(e->file_index == 0 && e->kind == SL_EV_RESTART && e->rolling_us == 60000000,
                  "expected events[0] (rolling restart of broker/*), got events[%d] (%s)", e->file_index,
                  sl_event_kind_name(e->kind));
    sl_scenario_destroy(sc);
    /* and a member only a skipped scale creates cannot be selected: the file's numbering in the message */
    char err[1024];
    ck_assert_int_eq(t_try_load(MINIMAL
                                "groups: [{id: billing, topics: [orders], members: 6}]\n"
                                "events:\n"
                                "  - {at: 8m, scale: {group: billing, members: 8}, skip: true}\n"
                                "  - {at: 9m, restart: billing/8}\n",
                                err, sizeof err),
                     SL_E_INVAL);
    ck_assert_msg(strstr(err, "events[1].restart"), "expected the message to name events[1].restart, got %s", err);
}
END_TEST

START_TEST(a_set_event_may_cross_the_broker_session_bounds) {
    /* given a set event lowering the session timeout below the broker's 6s
     * when the file loads
     * then it is accepted: the broker's INVALID_SESSION_TIMEOUT is modelled
     *  at run time (docs/scenarios.md), not a parse error */
    sl_scenario_t *sc = t_load(MINIMAL
                               "groups: [{id: billing, topics: [orders]}]\n"
                               "events: [{at: 1m, set: {group: billing, session_timeout: 4s, "
                               "heartbeat_interval: 1s}}]\n");
    ck_assert_int_eq(sc->events[0].set_values.session_timeout_us, 4 * SEC);
    sl_scenario_destroy(sc);
}
END_TEST

/* ---- --set ---- */

START_TEST(overrides_change_fields_by_path) {
    /* given the reference example
     * when it loads with overrides of the seed, duration, cluster, a topic,
     *  a group, the links and an event
     * then each override wins over the file */
    const char *sets[] = {"seed=3", "duration=20m", "cluster.brokers=5", "topics.orders.partitions=48",
                          "groups.billing.session_timeout=10s", "links.latency=5ms",
                          "events.0.at=30s", "groups.billing.processing={median: 1ms, p99: 9ms}",
                          "groups.billing.max_poll_records=7"};
    sl_scenario_t *sc = t_load_sets(spec_example, sets, sizeof sets / sizeof sets[0]);
    ck_assert_uint_eq(sc->seed, 3);
    ck_assert_int_eq(sc->duration_us, 1200 * SEC);
    ck_assert_int_eq(sc->cluster.brokers, 5);
    ck_assert_int_eq(sc->topics[0].partitions, 48);
    ck_assert_int_eq(sc->groups[0].session_timeout_us, 10 * SEC);
    ck_assert_int_eq(sc->groups[0].processing_p99_us, 9 * MS);
    ck_assert_int_eq(sc->groups[0].max_poll_records, 7);
    ck_assert_int_eq(sc->links.latency_us, 5 * MS);
    ck_assert_int_eq(sc->events[0].at_us, 30 * SEC);
    ck_assert_int_eq(sc->events[0].kind, SL_EV_PARTITION);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(overrides_create_missing_keys_and_sections) {
    /* given a file without cluster: or a group's owner
     * when overrides set cluster.brokers and the owner, and a later override
     *  repeats a path
     * then the keys are created and the last override wins */
    const char *sets[] = {"cluster.brokers=7", "groups.billing.owner=ops", "cluster.brokers=9",
                          "topics.orders.v2.partitions=3"};
    sl_scenario_t *sc = t_load_sets("name: m\ntopics: [{name: orders.v2}]\n"
                                    "groups: [{id: billing, topics: [orders.v2]}]\n",
                                    sets, 4);
    ck_assert_int_eq(sc->cluster.brokers, 9);
    ck_assert_str_eq(sc->groups[0].owner, "ops");
    ck_assert_int_eq(sc->topics[0].partitions, 3);
    sl_scenario_destroy(sc);
}
END_TEST

typedef struct bad_set_s {
    const char *set;
    sl_err_t rc;
    const char *message; /* expected substring */
} bad_set_t;

static const bad_set_t bad_sets[] = {
    {"groups.nope.session_timeout=10s", SL_E_INVAL, "--set groups.nope.session_timeout: no group 'nope'"},
    {"topics.nope.partitions=3", SL_E_INVAL, "--set topics.nope.partitions: no topic 'nope'"},
    {"events.9.at=1s", SL_E_INVAL, "--set events.9.at: no event 9"},
    {"groups.billing.sesion_timeout=1s", SL_E_INVAL,
     "--set groups.billing.sesion_timeout: groups[0].sesion_timeout: unknown key"},
    {"groups.billing.session_timeout=45", SL_E_INVAL,
     "groups[0].session_timeout: \"45\" is not a duration"},
    {"cluster.brokers=1000000000", SL_E_LIMIT, "cluster.brokers: \"1000000000\" is too large"},
    {"name.x=1", SL_E_INVAL, "--set name.x: name is a single value"},
    {"noequals", SL_E_INVAL, "--set noequals: expected path=value"},
    {"=3", SL_E_INVAL, "expected path=value"},
    {"cluster..brokers=3", SL_E_INVAL, "an empty key"},
    {"topics=[", SL_E_INVAL, "--set topics:"},
    {"events.0.at=99m", SL_E_INVAL, "events[0].at: 99m is after the end of the run"},
};

START_TEST(a_bad_override_is_an_error_naming_it) {
    /* given the reference example and one bad override
     * when it loads
     * then it fails with the expected code and a message naming the override */
    const bad_set_t *b = &bad_sets[_i];
    char err[1024] = "";
    sl_err_t rc = try_sets(spec_example, &b->set, 1, err, sizeof err);
    ck_assert_msg(rc == b->rc, "--set %s: expected rc %d, got %d (%s)", b->set, b->rc, rc, err);
    ck_assert_msg(strstr(err, b->message), "--set %s: expected a message containing\n  %s\ngot\n  %s",
                  b->set, b->message, err);
}
END_TEST

/* ---- hostile and wrong input ---- */

/* Generators for inputs too big to write out. */
static char *gen_alias_bomb(size_t *len) {
    /* billion laughs: 10^9 "lol" once expanded */
    static const char bomb[] =
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
        "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
        "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    *len = strlen(bomb);
    return strdup(bomb);
}

static char *gen_byte_bomb(size_t *len) {
    /* few nodes, but a 1 MB string copied 100 times */
    size_t big = 1024 * 1024;
    char *s = malloc(big + 4096);
    size_t o = (size_t)sprintf(s, "a: &a ");
    memset(s + o, 'x', big);
    o += big;
    o += (size_t)sprintf(s + o, "\nb: [");
    for (int i = 0; i < 100; i++) o += (size_t)sprintf(s + o, "*a, ");
    o += (size_t)sprintf(s + o, "*a]\n");
    *len = o;
    return s;
}

static char *gen_deep(size_t *len) {
    *len = 10000;
    char *s = malloc(*len + 1);
    memset(s, '[', *len);
    s[*len] = 0;
    return s;
}

static char *gen_huge_string(size_t *len) {
    /* name: xxx... 100 MB */
    *len = 100 * 1024 * 1024;
    char *s = malloc(*len);
    memcpy(s, "name: ", 6);
    memset(s + 6, 'x', *len - 6);
    return s;
}

typedef struct bad_s {
    const char *what;
    const char *yaml;
    size_t len;                  /* 0: strlen(yaml) */
    char *(*gen)(size_t *len);   /* instead of yaml */
    sl_err_t rc;
    const char *where;           /* "test.yaml:L:C" */
    const char *key;             /* the key path in the message ("" none) */
} bad_t;

#define GROUP(extra) MINIMAL "groups:\n  - id: billing\n    topics: [orders]\n    members: 6\n" extra
#define EVENT(ev) GROUP("events:\n  - at: 1m\n    " ev "\n")

static const bad_t bad[] = {
    {"unknown key", MINIMAL "cluster: {brokerz: 3}\n", 0, NULL, SL_E_INVAL, "test.yaml:3:11:",
     "cluster.brokerz: unknown key (did you mean brokers?), expected one of brokers,"},
    {"unknown top-level key", MINIMAL "group: []\n", 0, NULL, SL_E_INVAL, "test.yaml:3:1:", "group: unknown key"},
    {"wrong type: mapping for a list", "name: m\ntopics: {name: orders}\n", 0, NULL, SL_E_INVAL,
     "test.yaml:2:9:", "topics: found a mapping, expected a list"},
    {"wrong type: word for an integer", MINIMAL "cluster: {brokers: many}\n", 0, NULL, SL_E_INVAL,
     "test.yaml:3:20:", "cluster.brokers: \"many\" is not an integer"},
    {"wrong type: quoted integer", MINIMAL "cluster: {brokers: \"3\"}\n", 0, NULL, SL_E_INVAL,
     "test.yaml:3:20:", "cluster.brokers: \"3\" is a quoted string"},
    {"wrong type: list for a boolean", GROUP("    static: [true]\n"), 0, NULL, SL_E_INVAL,
     "test.yaml:7:13:", "groups[0].static: found a list, expected true or false"},
    {"a duration without a unit", GROUP("    session_timeout: \"45\"\n"), 0, NULL, SL_E_INVAL,
     "test.yaml:7:22:",
     "groups[0].session_timeout: \"45\" is not a duration, expected a number with a unit (us, ms, s, m, h) such as 45s"},
    {"negative duration", MINIMAL "duration: -5s\n", 0, NULL, SL_E_INVAL, "test.yaml:3:11:",
     "duration: \"-5s\" is negative"},
    {"overflowing duration", MINIMAL "duration: 99999999999999999h\n", 0, NULL, SL_E_LIMIT,
     "test.yaml:3:11:", "duration: \"99999999999999999h\" is too large"},
    {"duration beyond 30 days", MINIMAL "duration: 721h\n", 0, NULL, SL_E_LIMIT, "test.yaml:3:11:",
     "duration: \"721h\" is too large, expected at most 720h"},
    {"heartbeat not below session timeout", GROUP("    session_timeout: 10s\n    heartbeat_interval: 10s\n"),
     0, NULL, SL_E_INVAL, "test.yaml:8:25:", "groups[0].heartbeat_interval: 10s is not below the session timeout 10s"},
    {"session timeout below 6s", GROUP("    session_timeout: 5s\n    heartbeat_interval: 1s\n"), 0, NULL,
     SL_E_INVAL, "test.yaml:7:22:", "groups[0].session_timeout: 5s is outside the broker's group.min.session.timeout.ms"
     "..group.max.session.timeout.ms (6s..30m)"},
    {"session timeout above 30m", GROUP("    session_timeout: 31m\n"), 0, NULL, SL_E_INVAL, "test.yaml:7:22:",
     "groups[0].session_timeout: 31m is outside"},
    {"consumer protocol session timeout below 45s", GROUP("    protocol: consumer\n    session_timeout: 30s\n"),
     0, NULL, SL_E_INVAL, "test.yaml:8:22:", "groups[0].session_timeout: 30s is outside the broker's group.consumer"},
    {"consumer protocol with a client-side assignor", GROUP("    protocol: consumer\n    assignor: sticky\n"),
     0, NULL, SL_E_INVAL, "test.yaml:8:15:", "groups[0].assignor: sticky is a client-side assignor"},
    {"uniform assignor with classic", GROUP("    assignor: uniform\n"), 0, NULL, SL_E_INVAL, "test.yaml:7:15:",
     "groups[0].assignor: uniform is the broker's assignor"},
    {"unknown enum value", GROUP("    client: kafkajs\n"), 0, NULL, SL_E_INVAL, "test.yaml:7:13:",
     "groups[0].client: \"kafkajs\" is not a client, expected java or librdkafka"},
    {"p99 below median", GROUP("    processing: {median: 5ms, p99: 1ms}\n"), 0, NULL, SL_E_INVAL, "test.yaml:7:36:",
     "groups[0].processing.p99: 1ms is below the median 5ms"},
    {"unknown topic in a group", MINIMAL "groups: [{id: billing, topics: [orders, nope]}]\n", 0, NULL,
     SL_E_INVAL, "test.yaml:3:41:", "groups[0].topics[1]: \"nope\" is not a declared topic"},
    {"duplicate topic name", "name: m\ntopics: [{name: a}, {name: a}]\n", 0, NULL, SL_E_INVAL,
     "test.yaml:2:28:", "topics[1].name: \"a\" is already the name of topics[0]"},
    {"bad topic name", "name: m\ntopics: [{name: a/b}]\n", 0, NULL, SL_E_INVAL, "test.yaml:2:17:",
     "topics[0].name: \"a/b\" is not a valid name"},
    {"replication above brokers", "name: m\ntopics: [{name: a, replication: 4}]\n", 0, NULL, SL_E_INVAL,
     "test.yaml:2:33:", "topics[0].replication: 4 is more than the 3 brokers"},
    {"broker/9 with 3 brokers", EVENT("restart: broker/9"), 0, NULL, SL_E_INVAL, "test.yaml:9:14:",
     "events[0].restart: \"broker/9\" names no broker, expected broker/1..broker/3"},
    {"billing/7 with 6 members", EVENT("partition: {from: [billing/7], to: [broker/*]}"), 0, NULL, SL_E_INVAL,
     "test.yaml:9:24:", "events[0].partition.from[0]: \"billing/7\" names no member, expected billing/1..billing/6"},
    {"a group that does not exist", EVENT("pause: nope/1"), 0, NULL, SL_E_INVAL, "test.yaml:9:12:",
     "events[0].pause: \"nope/1\" names no group"},
    {"coordinator of no group", EVENT("restart: coordinator/nope"), 0, NULL, SL_E_INVAL, "test.yaml:9:14:",
     "events[0].restart: \"coordinator/nope\" names no group"},
    {"producer of no topic", EVENT("partition: {from: [producer/nope], to: ['*']}"), 0, NULL, SL_E_INVAL,
     "test.yaml:9:24:", "events[0].partition.from[0]: \"producer/nope\" names no topic"},
    {"a selector without a slash", EVENT("restart: billing"), 0, NULL, SL_E_INVAL, "test.yaml:9:14:",
     "events[0].restart: \"billing\" is not a selector"},
    {"pause of a broker", EVENT("pause: broker/1"), 0, NULL, SL_E_INVAL, "test.yaml:9:12:",
     "events[0].pause: \"broker/1\" cannot be paused by pause:"},
    {"stall of a broker", EVENT("stall: [broker/*]"), 0, NULL, SL_E_INVAL, "test.yaml:9:13:",
     "events[0].stall[0]: \"broker/*\" is not a consumer"},
    {"restart of a producer", EVENT("restart: producer/orders"), 0, NULL, SL_E_INVAL, "test.yaml:9:14:",
     "events[0].restart: \"producer/orders\" cannot be restarted"},
    {"two actions in one event", EVENT("restart: broker/1\n    pause: billing/1"), 0, NULL, SL_E_INVAL,
     "test.yaml:10:5:", "events[0].pause: a second action (after restart at 9:5)"},
    {"an event without an action", GROUP("events: [{at: 1m, for: 1s}]\n"), 0, NULL, SL_E_INVAL,
     "test.yaml:7:10:", "events[0]: no action"},
    {"a modifier on the wrong action", EVENT("scale: {group: billing, members: 2}\n    for: 1m"), 0, NULL,
     SL_E_INVAL, "test.yaml:10:5:", "events[0].for: not valid on a scale event"},
    {"at beyond the duration", GROUP("duration: 5m\nevents: [{at: 6m, restart: broker/1}]\n"), 0, NULL,
     SL_E_INVAL, "test.yaml:8:15:", "events[0].at: 6m is after the end of the run, expected at most the duration 5m"},
    {"a set event breaking heartbeat < session",
     GROUP("events: [{at: 1m, set: {group: billing, heartbeat_interval: 50s}}]\n"), 0, NULL, SL_E_INVAL,
     "test.yaml:7:61:", "events[0].set.heartbeat_interval: 50s is not below the session timeout 45s"},
    {"a set event with a field it cannot change",
     GROUP("events: [{at: 1m, set: {group: billing, fetch_max_wait: 1s}}]\n"), 0, NULL, SL_E_INVAL,
     "test.yaml:7:41:", "events[0].set.fetch_max_wait: unknown key"},
    {"loss of 1 or more", MINIMAL "links: {loss: 1.5}\n", 0, NULL, SL_E_INVAL, "test.yaml:3:15:",
     "links.loss: \"1.5\" is too large, expected less than 1"},
    {"a group metric without a group", MINIMAL "expect: [{rebalances: 1}]\n", 0, NULL, SL_E_INVAL,
     "test.yaml:3:11:", "expect[0].rebalances: a group metric without group:"},
    {"an expect min above max", GROUP("expect: [{group: billing, max_lag: {min: 5, max: 1}}]\n"), 0, NULL,
     SL_E_INVAL, "test.yaml:7:42:", "expect[0].max_lag.min: 5 is above max 1"},
    {"sample longer than duration", MINIMAL "duration: 1m\nsample: 2m\n", 0, NULL, SL_E_INVAL,
     "test.yaml:4:9:", "sample: 2m is longer than the duration 1m"},
    {"missing name", "topics: [{name: orders}]\n", 0, NULL, SL_E_INVAL, "test.yaml:1:1:", "name: missing"},
    {"missing topics", "name: m\n", 0, NULL, SL_E_INVAL, "test.yaml:1:1:", "topics: missing"},
    {"a reserved group id", MINIMAL "groups: [{id: broker, topics: [orders]}]\n", 0, NULL, SL_E_INVAL,
     "test.yaml:3:15:", "groups[0].id: \"broker\" is reserved"},
    {"YAML syntax error", "name: m\ntopics: [{name: orders}\n", 0, NULL, SL_E_INVAL, "test.yaml:3:1:",
     "YAML syntax error: did not find expected ',' or ']'"},
    {"bad indentation", "name: m\n topics: []\n", 0, NULL, SL_E_INVAL, "test.yaml:2:8:", "YAML syntax error"},
    {"empty file", "", 0, NULL, SL_E_INVAL, "test.yaml:1:1:", "the file is empty"},
    {"only comments", "# nothing\n\n", 0, NULL, SL_E_INVAL, "test.yaml:1:1:", "the file is empty"},
    {"top level a list", "- name\n", 0, NULL, SL_E_INVAL, "test.yaml:1:1:", "found a list, expected a mapping"},
    {"two documents", MINIMAL "---\n" MINIMAL, 0, NULL, SL_E_INVAL, "test.yaml:3:1:", "a second YAML document"},
    {"binary garbage with NUL bytes", "\x7f" "ELF\x02\x01\x01\x00\x00\x00\x00", 12, NULL, SL_E_INVAL,
     "test.yaml:1:8:", "a NUL byte, expected UTF-8 text"},
    {"invalid UTF-8", "name: \xff\xfe\xfd\n", 0, NULL, SL_E_INVAL, "test.yaml:1:7:", "invalid leading UTF-8 octet"},
    {"a NUL escaped into a string", MINIMAL "description: \"a\\0b\"\n", 0, NULL, SL_E_INVAL, "test.yaml:3:14:",
     "a NUL character in a string"},
    {"alias bomb (billion laughs)", NULL, 0, gen_alias_bomb, SL_E_LIMIT, "test.yaml:", "alias bomb"},
    {"alias bomb of bytes", NULL, 0, gen_byte_bomb, SL_E_LIMIT, "test.yaml:2:", "bytes of text once aliases"},
    {"an alias to an unknown anchor", MINIMAL "description: *nope\n", 0, NULL, SL_E_INVAL, "test.yaml:3:14:",
     "alias *nope names no finished anchor"},
    {"nesting 10,000 deep", NULL, 0, gen_deep, SL_E_LIMIT, "test.yaml:1:65:", "nesting deeper than 64"},
    {"10^9 brokers", MINIMAL "cluster: {brokers: 1000000000}\n", 0, NULL, SL_E_LIMIT, "test.yaml:3:20:",
     "cluster.brokers: \"1000000000\" is too large, expected at most 1000"},
    {"10^12 partitions", "name: m\ntopics: [{name: a, partitions: 1000000000000}]\n", 0, NULL, SL_E_LIMIT,
     "test.yaml:2:32:", "topics[0].partitions: \"1000000000000\" is too large"},
    {"an integer beyond 64 bits", GROUP("    max_poll_records: 99999999999999999999999\n"), 0, NULL, SL_E_LIMIT,
     "test.yaml:7:23:", "groups[0].max_poll_records: \"99999999999999999999999\" is too large"},
    {"an integer beyond int", GROUP("    max_poll_records: 2147483648\n"), 0, NULL, SL_E_LIMIT,
     "test.yaml:7:23:", "is too large, expected at most 2147483647"},
    {"members beyond the limit", GROUP("events: [{at: 1m, scale: {group: billing, members: 100001}}]\n"), 0, NULL,
     SL_E_LIMIT, "test.yaml:7:52:", "events[0].scale.members: \"100001\" is too large"},
    {"members over all groups beyond the limit",
     MINIMAL "groups: [{id: a, topics: [orders], members: 100000}, {id: b, topics: [orders], members: 100000},\n"
     "  {id: c, topics: [orders], members: 100000}, {id: d, topics: [orders], members: 100000},\n"
     "  {id: e, topics: [orders], members: 100000}, {id: f, topics: [orders], members: 100000},\n"
     "  {id: g, topics: [orders], members: 100000}, {id: h, topics: [orders], members: 100000},\n"
     "  {id: i, topics: [orders], members: 100000}, {id: j, topics: [orders], members: 100000},\n"
     "  {id: k, topics: [orders], members: 1}]\n",
     0, NULL, SL_E_LIMIT, "test.yaml:3:9:", "groups: 1000001 members over all groups"},
    {"a produce rate beyond the limit", "name: m\ntopics: [{name: a, produce_rate: 1e300/s}]\n", 0, NULL,
     SL_E_LIMIT, "test.yaml:2:34:", "topics[0].produce_rate: \"1e300\" is too large"},
    {"a 100 MB string", NULL, 0, gen_huge_string, SL_E_LIMIT, "test.yaml:1:1:", "expected at most 4194304"},
    {"a seed beyond 64 bits", MINIMAL "seed: 18446744073709551616\n", 0, NULL, SL_E_LIMIT, "test.yaml:3:7:",
     "seed: \"18446744073709551616\" is too large"},
    {"a negative seed", MINIMAL "seed: -1\n", 0, NULL, SL_E_INVAL, "test.yaml:3:7:", "seed: \"-1\" is not a seed"},
    {"duplicate key", "name: m\nname: n\ntopics: [{name: a}]\n", 0, NULL, SL_E_INVAL, "test.yaml:2:1:",
     "name: duplicate key, expected each key once in a mapping (first at 1:1)"},
    {"duplicate nested key", GROUP("    members: 2\n"), 0, NULL, SL_E_INVAL, "test.yaml:7:5:",
     "groups[0].members: duplicate key"},
    {"a list as a mapping key", MINIMAL "? [a]\n: b\n", 0, NULL, SL_E_INVAL, "test.yaml:3:3:",
     "a list used as a mapping key"},
};

START_TEST(a_bad_input_fails_fast_naming_line_col_and_key) {
    /* given one bad input from the table
     * when it loads
     * then it fails with the expected code, the message names
     *  test.yaml:LINE:COL and the key (for the bombs: the limit that stopped
     *  the work, so a bomb is cut by the loader's own bounds), and *out is
     *  untouched.  How fast: tests/bench/bench_hostile.sh, not a timed test. */
    const bad_t *b = &bad[_i];
    size_t len = b->len ? b->len : b->yaml ? strlen(b->yaml) : 0;
    char *gen = b->gen ? b->gen(&len) : NULL;
    char err[1024] = "";
    sl_scenario_t *sentinel = (sl_scenario_t *)&err, *sc = sentinel;
    sl_err_t rc = sl_scenario_load_buffer("test.yaml", gen ? gen : b->yaml, len, NULL, 0, &sc, err, sizeof err);
    free(gen);
    ck_assert_msg(rc == b->rc, "%s: expected rc %d (%s), got %d (%s): %s", b->what, b->rc,
                  sl_strerror(b->rc), rc, sl_strerror(rc), err);
    ck_assert_msg(sc == sentinel, "%s: *out was written on failure", b->what);
    ck_assert_msg(!strncmp(err, b->where, strlen(b->where)), "%s: expected the message to start with %s, got\n  %s",
                  b->what, b->where, err);
    ck_assert_msg(strstr(err, b->key), "%s: expected the message to contain\n  %s\ngot\n  %s", b->what, b->key, err);
}
END_TEST

START_TEST(an_error_message_fits_any_buffer) {
    /* given a bad file and buffers of 0, 1 and 10 bytes (and none)
     * when it loads
     * then the code is still returned and the message is cut, never overrun */
    char small[10];
    sl_scenario_t *sc = NULL;
    const char *y = MINIMAL "cluster: {brokerz: 3}\n";
    ck_assert_int_eq(sl_scenario_load_buffer("test.yaml", y, strlen(y), NULL, 0, &sc, NULL, 0), SL_E_INVAL);
    ck_assert_int_eq(sl_scenario_load_buffer("test.yaml", y, strlen(y), NULL, 0, &sc, small, 1), SL_E_INVAL);
    ck_assert_str_eq(small, "");
    ck_assert_int_eq(sl_scenario_load_buffer("test.yaml", y, strlen(y), NULL, 0, &sc, small, sizeof small),
                     SL_E_INVAL);
    ck_assert_str_eq(small, "test.yaml");
    ck_assert_ptr_null(sc);
}
END_TEST

/* ---- files ---- */

START_TEST(a_missing_file_is_an_io_error) {
    /* given a path that does not exist
     * when it is loaded
     * then the result is SL_E_IO naming the path */
    char err[512];
    sl_scenario_t *sc = NULL;
    ck_assert_int_eq(sl_scenario_load_file("/nonexistent/x.yaml", NULL, 0, &sc, err, sizeof err), SL_E_IO);
    ck_assert_msg(strstr(err, "/nonexistent/x.yaml: cannot open"), "got %s", err);
    ck_assert_ptr_null(sc);
}
END_TEST

START_TEST(a_file_over_the_size_limit_is_refused_without_reading_it_all) {
    /* given a 5 MB file
     * when it is loaded
     * then the result is SL_E_LIMIT */
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/check_scenario_big.yaml", SL_BINARY_DIR);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("name: big\ndescription: ", f);
    for (int i = 0; i < 5 * 1024; i++) {
        char line[1024];
        memset(line, 'x', sizeof line);
        fwrite(line, 1, sizeof line, f);
    }
    fclose(f);
    sl_scenario_t *sc = NULL;
    sl_err_t rc = sl_scenario_load_file(path, NULL, 0, &sc, err, sizeof err);
    remove(path);
    ck_assert_msg(rc == SL_E_LIMIT, "expected SL_E_LIMIT, got %d: %s", rc, err);
    ck_assert_ptr_null(sc);
}
END_TEST

START_TEST(a_file_loads_with_overrides) {
    /* given the reference example in a file
     * when it is loaded with --set seed=11
     * then it loads with seed 11 and the file's path in sc->file */
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/check_scenario_spec.yaml", SL_BINARY_DIR);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(spec_example, f);
    fclose(f);
    const char *sets[] = {"seed=11"};
    sl_scenario_t *sc = NULL;
    sl_err_t rc = sl_scenario_load_file(path, sets, 1, &sc, err, sizeof err);
    remove(path);
    ck_assert_msg(rc == SL_OK, "expected the file to load, got %d: %s", rc, err);
    ck_assert_uint_eq(sc->seed, 11);
    ck_assert_str_eq(sc->file, path);
    sl_scenario_destroy(sc);
}
END_TEST

/* ---- the resolved file ---- */

START_TEST(the_spec_example_round_trips) {
    /* given the reference example
     * when it is loaded, written, loaded and written again
     * then both texts are identical and both scenarios equal */
    assert_round_trip("spec-example", spec_example, strlen(spec_example));
}
END_TEST

START_TEST(every_field_round_trips) {
    /* given the every-field file (every event kind, selector, metric)
     * when it is loaded, written, loaded and written again
     * then both texts are identical and both scenarios equal */
    assert_round_trip("every-field", every_field, strlen(every_field));
}
END_TEST

START_TEST(awkward_strings_and_numbers_round_trip) {
    /* given names, owners and a description that need quoting (leading
     *  digits, "true", quotes, backslashes, Unicode line separators) and
     *  doubles without a short decimal form
     * when the file round-trips
     * then every byte and bit comes back */
    static const char yaml[] =
        "name: \"true\"\n"
        "description: \"line\\none \\\"q\\\" back\\\\slash \\N nel \\L ls \\P ps \\t tab \\u00e9\"\n"
        "topics:\n"
        "  - {name: 123, owner: \"#team: a\", produce_rate: 0.1}\n"
        "  - {name: -x., produce_rate: 1e-7/s}\n"
        "groups: [{id: \"42\", topics: [\"123\", -x.], members: 2}]\n"
        "links: {loss: 0.30000000000000004}\n"
        "events: [{at: 1m, partition: {from: ['42/*'], to: [42/2]}}]\n";
    assert_round_trip("awkward", yaml, strlen(yaml));
    sl_scenario_t *sc = t_load(yaml);
    ck_assert_str_eq(sc->name, "true");
    ck_assert_str_eq(sc->topics[0].owner, "#team: a");
    ck_assert_double_eq(sc->links.loss, 0.30000000000000004);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(the_resolved_file_has_every_default_and_the_seed) {
    /* given a minimal file whose seed is replaced by --seed 42
     * when it is written
     * then the text states the seed and each default with its unit */
    sl_scenario_t *sc = t_load(MINIMAL "groups: [{id: billing, topics: [orders]}]\n");
    sl_scenario_set_seed(sc, 42);
    char *t = resolved(sc);
    static const char *const want[] = {
        "\nseed: 42\n", "\nduration: 10m\n", "\nsample: 1s\n", "\n  brokers: 3\n",
        "\n  group_max_session_timeout: 30m\n", "\n  leader_election: 50ms\n",
        "\n    produce_rate: 0/s\n", "\n    owner: \"\"\n", "\n    session_timeout: 45s\n",
        "\n    processing: 1ms\n", "\n    on_revoke: 0\n", "\n    commit: auto\n",
        "\n  latency: 1ms\n", "\nevents: []\n", "\nexpect: []\n"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(t, want[i]), "expected the resolved text to contain %s, got\n%s", want[i], t);
    free(t);
    sl_scenario_destroy(sc);
}
END_TEST

START_TEST(every_library_scenario_loads_and_round_trips) {
    /* given every .yaml file under scenarios/ of the repository
     * when each is loaded, written, loaded and written again
     * then each loads, and both texts and scenarios are identical */
    glob_t g;
    int found = glob(SL_SOURCE_DIR "/scenarios/*.yaml", 0, NULL, &g);
    if (found != 0) return; /* none yet */
    for (size_t i = 0; i < g.gl_pathc; i++) {
        size_t len;
        char *text = t_slurp(g.gl_pathv[i], &len);
        ck_assert_msg(text, "cannot read %s", g.gl_pathv[i]);
        assert_round_trip(g.gl_pathv[i], text, len);
        free(text);
    }
    globfree(&g);
}
END_TEST

/* ---- units ---- */

START_TEST(durations_parse_in_every_unit_and_refuse_the_rest) {
    /* given duration texts
     * when parsed
     * then each unit scales to microseconds and malformed, negative or
     *  overflowing ones are refused */
    static const struct {
        const char *s;
        int ok;
        int64_t us;
    } cases[] = {
        {"0", 1, 0}, {"200us", 1, 200}, {"1500ms", 1, 1500000}, {"45s", 1, 45000000},
        {"2m", 1, 120000000}, {"1h", 1, 3600000000LL}, {"0s", 1, 0},
        {"9223372036854775807us", 1, INT64_MAX}, {"9223372036854775808us", 0, 0},
        {"99999999999999999h", 0, 0}, {"45", 0, 0}, {"-5s", 0, 0}, {"+5s", 0, 0}, {"5 s", 0, 0},
        {"5S", 0, 0}, {"1.5s", 0, 0}, {"s", 0, 0}, {"", 0, 0}, {"5sec", 0, 0}, {"5d", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t us = -42;
        int rc = sl_parse_duration(cases[i].s, &us);
        ck_assert_msg((rc == 0) == cases[i].ok, "\"%s\": expected %s, got rc %d", cases[i].s,
                      cases[i].ok ? "ok" : "an error", rc);
        if (cases[i].ok)
            ck_assert_msg(us == cases[i].us, "\"%s\": expected %lld us, got %lld", cases[i].s,
                          (long long)cases[i].us, (long long)us);
    }
}
END_TEST

START_TEST(durations_format_in_the_largest_exact_unit) {
    /* given durations in microseconds
     * when formatted
     * then the largest unit that holds them exactly is used */
    static const struct {
        int64_t us;
        const char *s;
    } cases[] = {{0, "0"}, {1, "1us"}, {1500, "1500us"}, {1500000, "1500ms"}, {45000000, "45s"},
                 {90000000, "90s"}, {120000000, "2m"}, {5400000000LL, "90m"}, {7200000000LL, "2h"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        sl_format_duration(cases[i].us, buf, sizeof buf);
        ck_assert_str_eq(buf, cases[i].s);
    }
}
END_TEST

START_TEST(each_enum_has_its_scenario_name) {
    /* given the enums of the scenario
     * when named
     * then the names are the words the file uses */
    ck_assert_str_eq(sl_client_name(SL_CLIENT_LIBRDKAFKA), "librdkafka");
    ck_assert_str_eq(sl_protocol_name(SL_PROTO_CONSUMER), "consumer");
    ck_assert_str_eq(sl_assignor_name(SL_ASSIGN_COOPERATIVE_STICKY), "cooperative-sticky");
    ck_assert_str_eq(sl_commit_name(SL_COMMIT_SYNC_PER_BATCH), "sync-per-batch");
    ck_assert_str_eq(sl_restart_mode_name(SL_RESTART_CONTROLLED), "controlled");
    ck_assert_str_eq(sl_metric_name(SL_M_UNAVAILABLE_PARTITION_S), "unavailable_partition_s");
    ck_assert_str_eq(sl_metric_name(SL_M_STABLE_BY), "stable_by");
}
END_TEST

static Suite *scenario_suite(void) {
    Suite *s = suite_create("scenario");
    TCase *tc = tcase_create("defaults");
    tcase_add_test(tc, a_silent_file_gets_kafkas_defaults);
    tcase_add_test(tc, a_consumer_protocol_group_defaults_to_the_broker_side_settings);
    tcase_add_test(tc, offsets_replication_defaults_to_at_most_the_broker_count);
    suite_add_tcase(s, tc);

    tc = tcase_create("fields");
    tcase_add_test(tc, every_top_level_and_cluster_field_is_read);
    tcase_add_test(tc, every_topic_and_group_field_is_read);
    tcase_add_test(tc, events_are_sorted_by_time_keeping_the_file_order_for_ties);
    tcase_add_test(tc, each_event_kind_keeps_its_settings);
    tcase_add_test(tc, expectations_are_flattened_one_per_metric);
    tcase_add_test(tc, the_largest_seed_loads);
    tcase_add_test(tc, anchors_and_merge_keys_are_copied);
    suite_add_tcase(s, tc);

    tc = tcase_create("selectors");
    tcase_add_test(tc, every_selector_form_names_its_nodes);
    tcase_add_test(tc, a_member_added_by_a_later_scale_event_can_be_selected);
    tcase_add_test(tc, a_set_event_may_cross_the_broker_session_bounds);
    tcase_add_test(tc, a_skipped_event_is_left_out_and_the_others_keep_their_file_numbers);
    suite_add_tcase(s, tc);

    tc = tcase_create("overrides");
    tcase_add_test(tc, overrides_change_fields_by_path);
    tcase_add_test(tc, overrides_create_missing_keys_and_sections);
    tcase_add_loop_test(tc, a_bad_override_is_an_error_naming_it, 0, (int)(sizeof bad_sets / sizeof bad_sets[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("bad input");
    tcase_add_loop_test(tc, a_bad_input_fails_fast_naming_line_col_and_key, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, an_error_message_fits_any_buffer);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_add_test(tc, a_missing_file_is_an_io_error);
    tcase_add_test(tc, a_file_over_the_size_limit_is_refused_without_reading_it_all);
    tcase_add_test(tc, a_file_loads_with_overrides);
    suite_add_tcase(s, tc);

    tc = tcase_create("resolved");
    tcase_add_test(tc, the_spec_example_round_trips);
    tcase_add_test(tc, every_field_round_trips);
    tcase_add_test(tc, awkward_strings_and_numbers_round_trip);
    tcase_add_test(tc, the_resolved_file_has_every_default_and_the_seed);
    tcase_add_test(tc, every_library_scenario_loads_and_round_trips);
    suite_add_tcase(s, tc);

    tc = tcase_create("units");
    tcase_add_test(tc, durations_parse_in_every_unit_and_refuse_the_rest);
    tcase_add_test(tc, durations_format_in_the_largest_exact_unit);
    tcase_add_test(tc, each_enum_has_its_scenario_name);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return t_run_suite(scenario_suite());
}
