/*
 * A real-cluster run (`stormlab run`, docs/real-runs.md): the state shared by its
 * small files.
 *
 *   runner.c     orchestration: set-up, the main loop, heal and teardown
 *   timeline.c   the scenario's events, expanded into timed steps
 *   links.c      one proxy per client->broker pair, connect_cb, faults
 *   member.c     consumer members: one librdkafka handle and thread each
 *   producer.c   idempotent producers writing sequence-numbered records
 *   accounting.c produced / acked / consumed / lost / duplicated
 *   groupview.c  group state: from the mock coordinator's lines, or from
 *                the members' own view; settled, rebalances, generation
 *   record.c     trace.jsonl, log.txt, series.tsv, summary.json
 *
 * Threads: the main thread runs the timeline and owns every lifecycle
 * change (start, stop, join).  Each member and producer has a thread of
 * its own; librdkafka adds its own.  One mutex, run->mu, guards every
 * field marked (mu) and the output files.  Rule: never call librdkafka
 * while holding run->mu (its callbacks take run->mu from its threads).
 * Time is microseconds of run time (CLOCK_MONOTONIC since the start).
 */
#ifndef SL_RUN_INTERNAL_H
#define SL_RUN_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>

#include "cluster/cluster.h"
#include "heal.h"
#include "run.h"
#include "stormlab/plan.h"
#include "stormlab/scenario.h"
#include "stormlab/proxy.h"
#include "stormlab/meter.h"
#include "stormlab/rng.h"

typedef struct sl_rrun_s sl_rrun_t;

/* What connect_cb needs: whose links these are.  First field of members
 * and producers, so the librdkafka opaque can be read as either. */
typedef struct sl_rclient_s {
    sl_rrun_t *run;
    char node[96];             /* "billing/1", "producer/orders" */
    struct sockaddr_in *via;   /* [broker-1]: this client's proxy listener to it */
} sl_rclient_t;

typedef struct sl_rmember_s {
    sl_rclient_t cl;           /* first */
    int group, index;          /* group index; 1-based member index */
    sl_group_cfg_t cfg;        /* the group's, with `set` events applied (main thread) */
    int generation_cfg;        /* how many `set` events applied */
    /* lifecycle (main thread) */
    int exists;                /* part of the group (scale) */
    int thread_alive;
    pthread_t thread;
    int incarnation;           /* starts so far */
    /* control (mu), signalled on run->cv */
    int stop_req, stop_hard;
    int stalled, paused;
    /* the member as it sees itself (mu) */
    int running;               /* a client handle exists */
    char member_id[128];
    char old_ids[4][128];      /* ids it had before (a late LeaveGroup names one) */
    int n_old_ids;
    int joined_gen;            /* generation of its last JoinGroup answer, -1 none */
    int assigned_gen;          /* generation of its current assignment, -1 none */
    int rejoining;             /* gave up or lost its assignment, not assigned again */
    int kip_stable;            /* KIP-848 Java member: its last membership transition was to STABLE */
    unsigned char *owned;      /* [group partition]: held now */
    int64_t blame;             /* the latest injected event that touched it */
    int64_t last_seq;          /* its latest trace event */
    int64_t assign_seq;        /* the event that gave it its current assignment */
    sl_rng_t rng;              /* processing times (seeded per member) */
    int64_t pause_journal;     /* heal state file id of its pause, 0 none (main) */
    /* a Java member (javamember.c): its JVM, fed commands on java_in */
    int java;                  /* this incarnation is a Java process */
    pid_t pid;                 /* (mu) 0 once reaped */
    int java_in;               /* its stdin, -1 none (mu) */
    int java_ready;            /* it said `ready`: classes loaded, waiting for `subscribe` (mu) */
    int java_subscribed;       /* `subscribe` sent: a member of its group (mu) */
    int java_started;          /* it said `started` (mu) */
    pthread_t err_thread;      /* reads its stderr: the client's log */
    char java_tail[3][256];    /* its last stderr lines, for a failed start (mu) */
    int java_tail_n;
} sl_rmember_t;

typedef struct sl_rproducer_s {
    sl_rclient_t cl;           /* first */
    int topic;
    int thread_alive;
    pthread_t thread;
    int stop_req;              /* (mu) */
    rd_kafka_t *rk;            /* owned by its thread */
    int64_t blame;             /* (mu) */
} sl_rproducer_t;

/* Per topic record accounting (mu).  A record is identified by its
 * sequence number within its topic; its partition is seq % partitions. */
enum { REC_SENT = 1, REC_ACKED = 2, REC_FAILED = 4, REC_INLOG = 8 };
typedef struct sl_racct_s {
    int64_t n;                 /* records produced: seqs 0..n-1 */
    int64_t cap;
    unsigned char *st;         /* REC_* per seq */
    int64_t acked, failed, in_log;
    int verified;              /* the log was read back */
    int64_t *end_offset;       /* [partition]: highest acked offset + 1 */
    int64_t *start_offset;     /* [partition]: log end when the run began */
} sl_racct_t;

/* Per group and topic: how often each record was consumed (mu). */
typedef struct sl_rconsumed_s {
    int64_t cap;
    uint16_t *count;
} sl_rconsumed_t;

/* Records redelivered under one assignment, for the trace (mu). */
#define SL_RDUP_KEEP 4096
typedef struct sl_rdup_s {
    int group, topic;
    int64_t cause;             /* the assignment event that redelivered them */
    int64_t count;
    int64_t *seqs;             /* the first SL_RDUP_KEEP of them */
    int n_seqs;
    char node[96];             /* the member that processed them again */
} sl_rdup_t;

typedef struct sl_rgroup_s {
    const sl_group_cfg_t *cfg;
    int index;
    int n_parts;               /* partitions over its topics */
    int *part_topic, *part_no; /* [group partition] -> topic index, partition */
    int *owners;               /* [group partition]: members holding it (mu) */
    int64_t *committed;        /* [group partition]: committed offset, -1 none (mu) */
    sl_rmember_t *members;     /* [slot]: members 1..n_slots */
    int n_slots, target;       /* slots = most members ever; target = now */
    sl_rconsumed_t *consumed;  /* [topic index in the scenario] */
    /* state (mu) */
    char state[24];            /* Kafka's name: Empty, PreparingRebalance, ... */
    int generation;            /* latest seen, 0 before the first */
    int broker_members;        /* members the coordinator has (mock view), -1 unknown */
    int rebalancing;           /* a rebalance is under way (since its start event) */
    int start_open;            /* a group.rebalance.start not yet matched by a new generation */
    sl_meter_t meter;          /* settled periods, unowned partitions: the simulator's integration (stormlab/meter.h) */
    int base_generation;       /* the generation when the group first settled, -1 before */
    int rebalances;            /* generation - base_generation: one per generation after it */
    int64_t max_lag, consumed_total, consumed_at_sample, duplicates;
    int64_t rebalance_seq;     /* its latest group.rebalance.start */
    int64_t join_seq;          /* its latest group.join.complete */
    int64_t stable_seq;        /* its latest group.stable */
    int64_t member_join_seq;   /* latest member.join of one of its members */
    int64_t leave_seq;         /* latest member.left / member.stop */
    int64_t expired_seq;       /* latest member.session_expired */
    int leader_slot;           /* -1 */
} sl_rgroup_t;

/* One timed step of the timeline (timeline.c). */
typedef struct sl_rstep_s sl_rstep_t;
typedef void sl_rstep_fn(sl_rrun_t *run, sl_rstep_t *st);
struct sl_rstep_s {
    int64_t at_us;
    int64_t order;             /* ties run in insertion order */
    sl_rstep_fn *fn;
    int event;                 /* index of the scenario event (sl_scenario_event), -1 internal */
    sl_plan_node_kind_t node_kind;
    int a, b;                  /* broker id | group, member index | topic */
    int64_t cause;
    int64_t arg;
};

/* One fault in place on the proxies (links.c), healed by its end step or
 * by the teardown. */
typedef struct sl_rfault_s {
    int active;
    int64_t seq;
    char (*toxics)[2][160];    /* [i]: proxy name (as proxy_name() sizes it), toxic name */
    int n_toxics, cap_toxics;
    int64_t journal;           /* its heal state file id, 0 none */
} sl_rfault_t;

/* A node an event acts on (stormlab/plan.h): broker, member or producer. */
typedef sl_plan_node_t sl_rnode_t;

struct sl_rrun_s {
    const sl_scenario_t *sc;
    const sl_run_opts_t *opts;
    sl_cluster_t *cluster;
    sl_proxy_server_t *proxy;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t t0_ns;             /* CLOCK_MONOTONIC at the start */
    uint64_t run_nonce;        /* in every record's payload: this run's records only */
    /* outputs (mu) */
    FILE *trace, *log, *series;
    int64_t next_seq;
    int64_t last_us;           /* time of the latest output: keeps files in time order */
    /* model */
    sl_rgroup_t *groups;
    int n_groups;
    sl_rproducer_t *producers; /* [topic], NULL entries' topic has no rate */
    sl_racct_t *acct;          /* [topic] */
    sl_rdup_t *dups;
    int n_dups, cap_dups;
    int *broker_down;          /* [id-1]: 0 up, 1 down, 2 paused, 3 starting (main) */
    int *broker_fenced;        /* [id-1] (main) */
    int64_t *broker_journal;   /* [id-1]: heal state file id of its stop, 0 none (main) */
    sl_heal_journal_t *journal; /* the heal state file (main) */
    int64_t *broker_seq;       /* [id-1]: its latest broker.* event (mu) */
    int64_t last_injected;     /* latest root event (mu) */
    /* timeline (main) */
    sl_rstep_t *steps;
    int n_steps, cap_steps;
    int64_t step_order;
    sl_rfault_t *faults;       /* [event] */
    int64_t *event_seq;        /* [event]: its root event, -1 before it fires */
    /* end of run */
    volatile int interrupted;  /* (main) a signal came */
    int failed;                /* a fatal error: outputs still written */
    char fail_reason[512];
    int64_t end_us;            /* run time when the scenario part ended */
    int64_t end_seq;           /* the run.end event */
    int frozen;                /* (mu) metrics taken at end_us; later changes ignored */
    int unparsed_lines;        /* (mu) coordinator lines about a group that no pattern matched */
    int offline_known;         /* the runner knows partition leaders (mock) */
    int n_offline;             /* (mu) topic partitions whose leader does not serve */
    int64_t offline_since_us;  /* (mu) */
    double unavailable_us;     /* (mu) partition-microseconds offline */
    int produce_errors_total;
    char **java_cmd;           /* the Java member's command (member.sh prepare), NULL-terminated; NULL none */
};

/* ---- record.c ---- */
int64_t sl_rnow(const sl_rrun_t *run);
/* Writes a trace event (caller holds mu).  member/group may be NULL.
 * Returns its seq. */
int64_t sl_rtrace_locked(sl_rrun_t *run, int64_t t_us, const char *kind, const char *node, const char *group,
                         const char *member, int generation, int64_t cause, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));
/* A log line (caller holds mu); level is syslog-style. */
void sl_rlog_locked(sl_rrun_t *run, int64_t t_us, const char *node, int level, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Locking variants at the current time. */
int64_t sl_rtrace(sl_rrun_t *run, const char *kind, const char *node, const char *group, const char *member,
                  int generation, int64_t cause, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
void sl_rlog(sl_rrun_t *run, const char *node, int level, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Current time for an output: never before the last one written (mu). */
int64_t sl_rstamp_locked(sl_rrun_t *run);
void sl_rseries_header(sl_rrun_t *run);
void sl_rsample(sl_rrun_t *run);   /* takes mu */
/* After the teardown: what was left in place and how many threads remain. */
int sl_rfill_results_locked(sl_rrun_t *run, sl_run_results_t *res);
int sl_rwrite_summary(sl_rrun_t *run, FILE *f, const char *kind, int brokers_down, int members_frozen, int toxics_left,
                      int threads_left);
int sl_rthreads_now(void); /* runner.c */

/* ---- groupview.c ---- */
int sl_rgroups_init(sl_rrun_t *run);
void sl_rgroups_free(sl_rrun_t *run);
/* A line from the cluster (mock coordinator's "MOCK" lines). */
void sl_rgroups_cluster_line(sl_rrun_t *run, int level, const char *fac, const char *msg);
/* Recomputes ownership-derived state of g (caller holds mu). */
void sl_rgroup_changed_locked(sl_rrun_t *run, sl_rgroup_t *g, int64_t cause);
/* The member view feeding the group view (caller holds mu). */
void sl_rgroup_member_rebalance_locked(sl_rrun_t *run, sl_rgroup_t *g, int64_t cause, const char *why);
void sl_rgroup_member_generation_locked(sl_rrun_t *run, sl_rgroup_t *g, int gen, int64_t cause);
/* Closes the integrals at the end of the run (caller holds mu). */
void sl_rgroups_finish_locked(sl_rrun_t *run);
int64_t sl_rgroup_lag_locked(sl_rrun_t *run, sl_rgroup_t *g);
sl_rmember_t *sl_rgroup_member_by_id_locked(sl_rgroup_t *g, const char *member_id);

/* ---- member.c ---- */
int sl_rmember_start(sl_rrun_t *run, sl_rmember_t *m, int64_t cause, char *err, size_t errsz);
/* Asks the member to stop (hard: no LeaveGroup, no commit) and joins its thread. */
void sl_rmember_stop(sl_rrun_t *run, sl_rmember_t *m, int hard, int64_t cause);
void sl_rmember_set_stalled(sl_rrun_t *run, sl_rmember_t *m, int on, int64_t cause);
/* Freezes or thaws the member: SIGSTOP/SIGCONT of a Java member's JVM; a
 * librdkafka member's poll loop blocked and all its links cut. */
void sl_rmember_set_paused(sl_rrun_t *run, sl_rmember_t *m, int on);
/* Group partition index of topic/partition, -1 not the group's. */
int sl_rgroup_part(const sl_rrun_t *run, const sl_rgroup_t *g, const char *topic, int partition);
void sl_rmember_forget_id(sl_rmember_t *m);
/* What rebalance callbacks mean, for either client (caller holds mu);
 * client_name NULL: no log line of stormlab's (the client logs its own). */
void sl_rmember_assigned_locked(sl_rrun_t *run, sl_rmember_t *m, const int *parts, int n, const char *list,
                                const char *client_name);
void sl_rmember_revoked_locked(sl_rrun_t *run, sl_rmember_t *m, int lost, const int *parts, int n, const char *list,
                               const char *client_name);
/* Its client is gone; how says how (caller holds mu). */
void sl_rmember_ended_locked(sl_rrun_t *run, sl_rmember_t *m, const char *how);
/* Processing time of one record: seeded lognormal draws (mu not needed). */
int64_t sl_rmember_processing_us(sl_rmember_t *m);

/* ---- javamember.c ---- */
/* Builds the Java member once (harness/java/member.sh prepare) when a
 * group is client: java and sets *cmd to the command a member runs
 * (NULL-terminated; NULL when no group needs it); 0, or -1 with what is
 * missing in err. */
int sl_rjava_prepare(const sl_scenario_t *sc, char ***cmd, char *err, size_t errsz);
void sl_rjava_free(char **cmd);
/* A JVM for m, configured, not yet subscribed (started ahead of run time
 * 0, so class loading is not part of the scenario). */
int sl_rjava_spawn(sl_rrun_t *run, sl_rmember_t *m, char *err, size_t errsz);
/* Waits until every spawned member said `ready`; -1 (err) on a timeout or
 * a member that exited. */
int sl_rjava_wait_ready(sl_rrun_t *run, int timeout_s, char *err, size_t errsz);
/* Joins the group now (spawning first unless spawned ahead). */
int sl_rjava_start(sl_rrun_t *run, sl_rmember_t *m, int64_t cause, char *err, size_t errsz);
void sl_rjava_subscribe(sl_rrun_t *run, sl_rmember_t *m, int64_t cause);
/* Sends one command line to a Java member (caller holds mu). */
void sl_rjava_send_locked(sl_rmember_t *m, const char *line);

/* ---- producer.c ---- */
int sl_rproducers_start(sl_rrun_t *run, char *err, size_t errsz);
/* Stops producing, waits up to flush_ms for acknowledgements; what is
 * still unacknowledged then is purged and counted as unacknowledged. */
void sl_rproducers_stop(sl_rrun_t *run, int flush_ms);

/* ---- accounting.c ---- */
int sl_racct_init(sl_rrun_t *run);
void sl_racct_free(sl_rrun_t *run);
int64_t sl_racct_next(sl_rrun_t *run, int topic);   /* takes mu: a new seq */
void sl_racct_delivered(sl_rrun_t *run, int topic, int64_t seq, int32_t partition, int64_t offset, int failed);
/* A member processed a record of this run (caller holds mu). */
void sl_racct_consumed_locked(sl_rrun_t *run, sl_rmember_t *m, int topic, int64_t seq);
/* Encodes / decodes the 24-byte payload: nonce, topic, seq. */
void sl_racct_payload(const sl_rrun_t *run, int topic, int64_t seq, unsigned char out[24]);
int sl_racct_parse(const sl_rrun_t *run, const void *payload, size_t len, int *topic, int64_t *seq);
/* Reads every topic back from the run's start offsets (a non-group
 * consumer) and marks the records found; then writes the accounting
 * events.  timeout_ms bounds the read. */
void sl_racct_verify(sl_rrun_t *run, int timeout_ms);
void sl_racct_trace_locked(sl_rrun_t *run);
typedef struct sl_racct_totals_s {
    int64_t produced, acked, failed, unacked, in_log, lost, consumed, duplicated, unconsumed;
} sl_racct_totals_t;
void sl_racct_totals_locked(sl_rrun_t *run, int topic, sl_racct_totals_t *t);

/* ---- links.c ---- */
/* Whether the fault proxy and this process's file descriptors can hold
 * every (client, broker) link of sc: 0, or -1 with file:line:col in err
 * (checked before anything runs: exit 2).  Raises the soft descriptor
 * limit to the hard one. */
int sl_rlinks_check_size(const sl_scenario_t *sc, char *err, size_t errsz);
int sl_rlinks_init(sl_rrun_t *run, char *err, size_t errsz);
/* connect_cb for every client handle (conf opaque is an sl_rclient_t). */
int sl_rlinks_connect_cb(int sockfd, const struct sockaddr *addr, int addrlen, const char *id, void *opaque);
/* Event's link fault on (between the plan's two sides, pe) or off (pe NULL). */
void sl_rlinks_apply_event(sl_rrun_t *run, int event, const sl_plan_event_t *pe, int64_t seq);
void sl_rlinks_pause_member(sl_rrun_t *run, sl_rmember_t *m, int on);
/* Removes every toxic: the network is whole again. */
void sl_rlinks_heal_all(sl_rrun_t *run);

/* ---- timeline.c ---- */
int sl_rtimeline_init(sl_rrun_t *run);
void sl_rtimeline_free(sl_rrun_t *run);
/* Runs every step due at now; returns the time of the next one, or -1. */
int64_t sl_rtimeline_run_due(sl_rrun_t *run, int64_t now);
void sl_rtimeline_add(sl_rrun_t *run, int64_t at_us, sl_rstep_fn *fn, int event, int node_kind, int a, int b,
                      int64_t cause, int64_t arg);
/* What fires next, for the progress line. */
void sl_rtimeline_next(const sl_rrun_t *run, int64_t now, char *buf, size_t n);
/* Brings every broker back and ends every member fault (teardown). */
void sl_rtimeline_heal(sl_rrun_t *run);

/* ---- helpers ---- */
const char *sl_rlevel_name(int level);
const char *sl_rstrip_thread(const char *line); /* member.c */
void sl_rconf_set(rd_kafka_conf_t *conf, const char *k, const char *v);

#endif
