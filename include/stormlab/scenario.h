/**
 * A resolved scenario, read only: the records a loaded sl_scenario_t holds
 * (every field resolved, Kafka's defaults filled in where the file is
 * silent, every selector parsed and checked to name real nodes), for the
 * engines that run it besides the simulator (the real-cluster runs of
 * harness/run/) and for tools that describe it.  The scenario itself stays
 * an opaque handle: its records are reached through the accessors below as
 * const pointers owned by it, valid until sl_scenario_destroy().
 * docs/scenarios.md describes every field; times are int64 microseconds.
 */
#ifndef STORMLAB_SCENARIO_H
#define STORMLAB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stormlab/stormlab.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hard limits that hold under hostile input (checked by the loader). */
#define SL_MAX_FILE_BYTES (4 * 1024 * 1024)
#define SL_MAX_YAML_NODES 200000 /* after alias expansion */
#define SL_MAX_YAML_DEPTH 64
#define SL_MAX_BROKERS 1000
#define SL_MAX_TOPICS 1000
#define SL_MAX_PARTITIONS 100000 /* per topic */
#define SL_MAX_TOTAL_PARTITIONS 1000000
#define SL_MAX_GROUPS 10000 /* 2,000 groups of 50 is a benchmark case (bench_sim 100k) */
#define SL_MAX_MEMBERS 100000 /* per group, also across scale events */
#define SL_MAX_STARTUPS 8 /* values in a group's `startup: [..]` list, one per member */
#define SL_MAX_EVENTS 100000
#define SL_MAX_DURATION_US (30LL * 24 * 3600 * 1000000) /* 30 days */
#define SL_MAX_NAME 200 /* topic names, group ids, owners */
#define SL_MAX_YAML_BYTES (16 * 1024 * 1024) /* scalar bytes after alias expansion */
#define SL_MAX_TOTAL_MEMBERS 1000000 /* over all groups, at their largest */
#define SL_MAX_SAMPLES 10000000 /* duration / sample */
/* series.tsv rows over the whole run, (samples + 1) x groups: the output
 * budget (about 50 bytes a row, so well under 1 GB), checked at load time */
#define SL_MAX_SERIES_ROWS 10000000
#define SL_MAX_PRODUCE_RATE 1e9 /* records per second, per topic */
/* The broker's bounds for `protocol: consumer` groups (group.consumer.{min,max}.session.timeout.ms,
 * group.consumer.{min,max}.heartbeat.interval.ms); classic groups have the cluster's
 * group_min/max_session_timeout. */
#define SL_CONSUMER_MIN_SESSION_US (45LL * 1000000)
#define SL_CONSUMER_MAX_SESSION_US (60LL * 1000000)
#define SL_CONSUMER_MIN_HEARTBEAT_US (5LL * 1000000)
#define SL_CONSUMER_MAX_HEARTBEAT_US (15LL * 1000000)

typedef enum sl_client_e { SL_CLIENT_JAVA, SL_CLIENT_LIBRDKAFKA } sl_client_t;
typedef enum sl_protocol_e { SL_PROTO_CLASSIC, SL_PROTO_CONSUMER } sl_protocol_t;
typedef enum sl_assignor_e {
    SL_ASSIGN_RANGE,
    SL_ASSIGN_ROUNDROBIN,
    SL_ASSIGN_STICKY,
    SL_ASSIGN_COOPERATIVE_STICKY,
    SL_ASSIGN_UNIFORM
} sl_assignor_t;
typedef enum sl_commit_e { SL_COMMIT_AUTO, SL_COMMIT_SYNC_PER_BATCH } sl_commit_t;

typedef struct sl_cluster_cfg_s {
    int brokers;                        /* ids 1..brokers */
    int offsets_partitions;             /* offsets.topic.num.partitions (50) */
    int offsets_replication;            /* offsets.topic.replication.factor (3, capped at brokers) */
    int min_insync_replicas;            /* min.insync.replicas (1): writes with acks=all need this many in the ISR */
    int64_t group_initial_rebalance_delay_us; /* group.initial.rebalance.delay.ms (3s) */
    int64_t group_min_session_timeout_us;     /* group.min.session.timeout.ms (6s) */
    int64_t group_max_session_timeout_us;     /* group.max.session.timeout.ms (30m) */
    int64_t broker_session_timeout_us;  /* broker.session.timeout.ms (9s) */
    int64_t broker_heartbeat_interval_us; /* broker.heartbeat.interval.ms (2s) */
    int64_t broker_startup_us;          /* restart -> serving (log recovery), (20s) */
    int64_t coordinator_load_us;        /* new coordinator loading a group (2s) */
    int64_t auto_leader_rebalance_us;   /* preferred leaders move back after return (5m); 0 = off */
    int64_t leader_election_us;         /* controller moving one leader (50ms) */
    int active_controller;              /* 0: a dedicated KRaft controller quorum no fault touches;
                                         * N: combined nodes, broker N's controller is the active one */
    int64_t controller_failover_us;     /* combined nodes: the active controller's process lost -> a new
                                         * one active (controller.quorum.fetch.timeout.ms + an election) */
    int64_t consumer_assignment_interval_us; /* group.consumer.assignment.interval.ms (1s): KIP-848 target
                                         * assignments no more often than this */
} sl_cluster_cfg_t;

typedef struct sl_topic_cfg_s {
    char *name;
    int partitions;                     /* num.partitions (1) */
    int replication;                    /* default.replication.factor (1) */
    char *owner;                        /* "" when not given */
    double produce_rate_per_s;          /* records per second over all partitions (0) */
    int line, col;                      /* where it was declared */
} sl_topic_cfg_t;

/* Group fields that a `set` event may change (bit per field). */
typedef enum sl_group_field_e {
    SL_GF_SESSION_TIMEOUT = 1u << 0,
    SL_GF_HEARTBEAT_INTERVAL = 1u << 1,
    SL_GF_MAX_POLL_INTERVAL = 1u << 2,
    SL_GF_MAX_POLL_RECORDS = 1u << 3,
    SL_GF_PROCESSING = 1u << 4,
    SL_GF_ON_REVOKE = 1u << 5,
    SL_GF_ASSIGNOR = 1u << 6,
    SL_GF_STATIC = 1u << 7,
    SL_GF_COMMIT = 1u << 8,
    SL_GF_REQUEST_TIMEOUT = 1u << 9,
    SL_GF_CLIENT = 1u << 10,
    SL_GF_PROTOCOL = 1u << 11
} sl_group_field_t;

typedef struct sl_group_cfg_s {
    char *id;
    char *owner;                        /* "" when not given */
    int *topics;                        /* indexes into scenario topics */
    int n_topics;
    int members;                        /* initial member count (1) */
    sl_client_t client;                 /* java */
    sl_protocol_t protocol;             /* classic */
    sl_assignor_t assignor;             /* range (classic), uniform (consumer) */
    bool static_membership;             /* group.instance.id per member (false) */
    int64_t session_timeout_us;         /* session.timeout.ms (45s) */
    int64_t heartbeat_interval_us;      /* heartbeat.interval.ms (3s) */
    int64_t max_poll_interval_us;       /* max.poll.interval.ms (5m) = rebalance timeout */
    int max_poll_records;               /* max.poll.records (500) */
    int64_t processing_median_us;       /* per record (1ms) */
    int64_t processing_p99_us;          /* per record; == median means constant */
    int64_t on_revoke_us;               /* revoke callback duration (0) */
    sl_commit_t commit;                 /* auto */
    int64_t auto_commit_interval_us;    /* auto.commit.interval.ms (5s) */
    int64_t request_timeout_us;         /* request.timeout.ms (30s) */
    int64_t retry_backoff_us;           /* retry.backoff.ms (100ms) */
    int64_t retry_backoff_max_us;       /* retry.backoff.max.ms (1s) */
    int64_t fetch_max_wait_us;          /* fetch.max.wait.ms (500ms) */
    int64_t startup_us;                 /* a (re)started or added member's process start
                                         * until its client sends its first request (0); with
                                         * a list, its last value */
    int64_t startup_each_us[SL_MAX_STARTUPS]; /* `startup: [..]`: member i's is [i-1], */
    int n_startup_each;                 /* the last for members past the list (0: none) */
    int line, col;
} sl_group_cfg_t;

typedef struct sl_link_cfg_s {
    int64_t latency_us;                 /* one way (1ms) */
    int64_t jitter_us;                  /* uniform 0..jitter added (0) */
    double loss;                        /* 0..1, each loss costs a TCP retransmit (0) */
} sl_link_cfg_t;

/* A node selector (docs/scenarios.md). */
typedef enum sl_sel_kind_e {
    SL_SEL_ALL,            /* "*" */
    SL_SEL_BROKER_ALL,     /* broker/ * */
    SL_SEL_BROKER,         /* broker/N: index = N (1-based) */
    SL_SEL_GROUP_ALL,      /* billing/ * : group = index */
    SL_SEL_MEMBER,         /* billing/N: group, index = N (1-based) */
    SL_SEL_PRODUCER,       /* producer/orders: topic = index */
    SL_SEL_COORDINATOR     /* coordinator/billing: group = index */
} sl_sel_kind_t;

typedef struct sl_selector_s {
    sl_sel_kind_t kind;
    int group;                          /* for GROUP_ALL, MEMBER, COORDINATOR */
    int topic;                          /* for PRODUCER */
    int index;                          /* for BROKER, MEMBER (1-based) */
} sl_selector_t;

typedef enum sl_event_kind_e {
    SL_EV_PARTITION,
    SL_EV_DEGRADE,
    SL_EV_RESTART,
    SL_EV_PAUSE,
    SL_EV_STALL,
    SL_EV_SET,
    SL_EV_SCALE
} sl_event_kind_t;

typedef enum sl_restart_mode_e {
    SL_RESTART_HARD,
    SL_RESTART_CONTROLLED,
    SL_RESTART_PAUSE
} sl_restart_mode_t;

typedef struct sl_event_cfg_s {
    sl_event_kind_t kind;
    int64_t at_us;
    int64_t for_us;                     /* -1: not given (partition/degrade/pause/stall
                                         * last to the end; restart: down 0) */
    int64_t rolling_us;                 /* -1: not given (all selected at once) */
    /* partition, degrade */
    sl_selector_t *from, *to;
    int n_from, n_to;
    bool oneway;                        /* partition only (false) */
    int64_t latency_us, jitter_us;      /* degrade: added to the link (0) */
    double loss;                        /* degrade (0) */
    /* restart, pause, stall */
    sl_selector_t *targets;
    int n_targets;
    sl_restart_mode_t mode;             /* restart (hard) */
    /* set, scale */
    int group;                          /* index into groups */
    unsigned set_mask;                  /* sl_group_field_t bits that `set` changes */
    sl_group_cfg_t set_values;          /* values of the fields in set_mask only */
    int members;                        /* scale: new member count */
    bool is_action;                     /* the team's operator action, not a fault (restart,
                                         * set, scale unless `kind:` says otherwise) */
    bool kind_given;                    /* `kind:` was written (the writer keeps it) */
    int file_index;                     /* place in the file's `events` (what `--set events.N` addresses;
                                         * events with `skip: true` are not loaded) */
    int line, col;
} sl_event_cfg_t;

/** Topics, groups and events, 0-based; an index out of range gives NULL.
 * Events come sorted by their time (at_us), ties in file order. */
int sl_scenario_topic_count(const sl_scenario_t *sc);
const sl_topic_cfg_t *sl_scenario_topic(const sl_scenario_t *sc, int i);
int sl_scenario_group_count(const sl_scenario_t *sc);
const sl_group_cfg_t *sl_scenario_group(const sl_scenario_t *sc, int i);
int sl_scenario_event_count(const sl_scenario_t *sc);
const sl_event_cfg_t *sl_scenario_event(const sl_scenario_t *sc, int i);
/** The cluster's settings and the links' defaults. */
const sl_cluster_cfg_t *sl_scenario_cluster(const sl_scenario_t *sc);
const sl_link_cfg_t *sl_scenario_links(const sl_scenario_t *sc);
/** How long the run lasts and how often it is sampled (series.tsv). */
int64_t sl_scenario_duration_us(const sl_scenario_t *sc);
int64_t sl_scenario_sample_us(const sl_scenario_t *sc);
/** The path or buffer name the scenario was loaded from, for messages
 * ("file:line:col: ..."). */
const char *sl_scenario_file(const sl_scenario_t *sc);

/** The keys the scenario format accepts in one place: "" (the top level),
 * "cluster", "topics" (a topic's), "groups" (a group's), "links", "events"
 * (an event's: at:, for:, ... and its action); NULL-terminated, or NULL for an
 * unknown place.  The loader checks files against these very tables, and
 * `stormlab help --set-paths` (shell completion of --set) lists them. */
const char *const *sl_scenario_keys(const char *where);

/* Names used by the loader, the writer and the outputs (one table each). */
const char *sl_client_name(sl_client_t c);
const char *sl_protocol_name(sl_protocol_t p);
const char *sl_assignor_name(sl_assignor_t a);
const char *sl_commit_name(sl_commit_t c);
const char *sl_restart_mode_name(sl_restart_mode_t m);
const char *sl_event_kind_name(sl_event_kind_t k); /* the action's key: "partition", ... */

/* Applies the fields a `set` event changes (its set_mask) to cfg. */
void sl_group_cfg_apply_set(sl_group_cfg_t *cfg, const sl_event_cfg_t *ev);
/* The most members group gi ever has: its start or any scale event's. */
int sl_scenario_max_members(const sl_scenario_t *sc, int gi);

/* Event i of sc as one line of its resolved YAML without `at:`. */
void sl_scenario_event_line(const sl_scenario_t *sc, int i, char *buf, size_t size);

/* Parses "45s", "1500ms", "2m", "1h", "200us", "0".  Returns 0 and sets *us,
 * or -1 on a malformed, negative or overflowing value. */
int sl_parse_duration(const char *s, int64_t *us);
/* Formats us in the largest unit that represents it exactly ("45s", "1500ms"). */
void sl_format_duration(int64_t us, char *buf, size_t size);
#ifdef __cplusplus
}
#endif
#endif
