/*
 * The Kafka model's state (docs/model.md).  One sl_sim_s holds everything of one
 * simulation; nothing is global, so simulations can run side by side.
 *
 * Nodes are numbered densely: brokers first (node = broker id - 1), then
 * every member slot of every group, then one producer per topic.  Every
 * message crosses one directed link between two nodes.
 */
#ifndef SL_MODEL_INTERNAL_H
#define SL_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "stormlab/meter.h"
#include "engine-internal.h"
#include "rng-internal.h"
#include "scenario-internal.h"

typedef struct sl_msg_s sl_msg_t;
/* A member id: client index + 1 in the high 32 bits (so any id can be
 * printed the way Kafka prints it), a counter, and the coordinator's slot
 * in the low SL_SLOT_BITS.  0 means none. */
typedef uint64_t sl_mid_t;
typedef struct sl_member_s sl_member_t;
typedef struct sl_group_s sl_group_t;

/* ---- Kafka error codes used on the wire (names as Kafka logs them) ---- */
typedef enum sl_kerr_e {
    KE_NONE = 0,
    KE_UNKNOWN_MEMBER_ID,
    KE_ILLEGAL_GENERATION,
    KE_REBALANCE_IN_PROGRESS,
    KE_NOT_COORDINATOR,
    KE_COORDINATOR_NOT_AVAILABLE,
    KE_COORDINATOR_LOAD_IN_PROGRESS,
    KE_MEMBER_ID_REQUIRED,
    KE_INVALID_SESSION_TIMEOUT,
    KE_FENCED_MEMBER_EPOCH,
    KE_NETWORK_EXCEPTION, /* disconnected or timed out: never sent by a broker */
    KE__COUNT
} sl_kerr_t;
const char *sl_kerr_name(sl_kerr_t e);

/* ---- Brokers, partitions, controller ---- */
typedef enum sl_broker_state_e {
    SL_BROKER_UP,       /* serving */
    SL_BROKER_DOWN,     /* process not running: connections refused */
    SL_BROKER_STARTING, /* process up, recovering logs: not serving yet */
    SL_BROKER_PAUSED    /* frozen, sockets open: requests go unanswered */
} sl_broker_state_t;

typedef struct sl_broker_s {
    struct sl_sim_s *sim;
    int id;                    /* 1-based */
    sl_broker_state_t state;
    bool fenced;               /* the controller's view: leads nothing */
    uint32_t incarnation;      /* bumped at every stop: stale work is dropped */
    int64_t down_seq;          /* trace seq of the stop, for causes */
    int64_t heartbeat_from_us; /* its heartbeats to the controller tick from here, every broker_heartbeat_interval */
    sl_timer_t fence_timer;    /* controller notices silence */
    sl_timer_t up_timer;       /* restart: process comes back */
    sl_timer_t serving_timer;  /* startup done */
    sl_timer_t preferred_timer; /* auto leader rebalance after return */
    sl_msg_t **held;           /* requests that reached the frozen process, in arrival order */
    int n_held, cap_held;
} sl_broker_t;

typedef struct sl_partition_s {
    int topic;                 /* index into scenario topics; -1 = __consumer_offsets */
    int index;
    int replicas[8];           /* broker ids, replicas[0] preferred */
    int n_replicas;
    uint8_t in_isr[8];         /* per replica */
    int leader;                /* broker id, 0 = offline */
    int64_t offline_since_us;  /* -1 when it has a leader */
    /* produce accounting, lazily advanced (no event per record) */
    double rate_per_us;        /* records per microsecond */
    double produced_frac;
    int64_t end_offset;        /* records appended */
    int64_t synced_us;         /* end_offset is exact up to here */
    int64_t pending_since_us;  /* producer buffering since (-1: writable) */
    double appended_d, lost_d; /* exact record counts (fractions carried) */
    bool unavailable;          /* counted in the unavailability integral */
} sl_partition_t;

/* ---- Network ---- */
typedef struct sl_fault_s {
    int64_t seq;               /* trace seq of the fault event (the cause) */
    bool cut;                  /* else degrade */
    bool two_way;              /* one of the two directions of a cut both ways */
    bool active;
    uint8_t *from, *to;        /* node bitmaps */
    int64_t latency_us, jitter_us;
    double loss;
    int64_t start_us;          /* when it began */
    struct sl_msg_s **held;    /* cut: what was sent into it, as TCP keeps retransmitting it */
    int n_held, cap_held;
} sl_fault_t;

/* Messages: requests clients send and the answers brokers return. */
typedef enum sl_msg_kind_e {
    MSG_FIND_COORDINATOR,
    MSG_JOIN,
    MSG_SYNC,
    MSG_HEARTBEAT,
    MSG_LEAVE,
    MSG_COMMIT,
    MSG_CONSUMER_HEARTBEAT,    /* KIP-848 ConsumerGroupHeartbeat; generation = member epoch */
    MSG_BACKGROUND,            /* bytes of a fetch or metadata request (or answer) caught in a cut: they are
                                * not simulated as messages, but TCP retransmits them first (net.c) */
    MSG_RESPONSE
} sl_msg_kind_t;

struct sl_msg_s {
    sl_timer_t timer;          /* delivery */
    sl_msg_kind_t kind;
    sl_msg_kind_t req_kind;    /* for responses: what they answer */
    int src, dst;              /* nodes */
    uint32_t req_id;           /* client's request id, echoed */
    uint32_t broker_inc;       /* responses: broker incarnation when sent */
    int group;
    sl_mid_t member_id;        /* 0 = none */
    int generation;
    sl_kerr_t err;
    int coordinator;           /* FindCoordinator answer: broker id */
    int64_t session_timeout_us, rebalance_timeout_us;
    uint32_t protocol_hash;    /* subscription metadata digest */
    bool is_static;            /* JoinGroup with a group.instance.id (KIP-345) */
    /* join answer: leader id, member list; sync: assignment in, assignment out */
    sl_mid_t leader_id;
    sl_mid_t *ids;             /* member ids (join answer to the leader) */
    int n_ids;
    int *parts;                /* group-local partition indexes */
    int n_parts;
    int **assign;              /* leader's SyncGroup: one list per member in ids order */
    int *assign_n;
    int64_t *offsets;          /* commit: one per parts entry */
    int64_t cause;
    int64_t first_sent_us;     /* TCP's retransmissions count from here */
    uint32_t conn_gen;         /* connection generation it was sent on */
    sl_msg_t *next_free;
};

/* A client's TCP connection to a broker.  Zeroed = up since the start:
 * clients connect to the cluster's brokers as they start (metadata,
 * fetches), so every pair is connected.  A closed one is reopened by the
 * next request; one opened while a cut blocks its handshake waits for the
 * SYN's next retry after the cut heals (docs/model.md). */
typedef enum { SL_CONN_UP, SL_CONN_CLOSED, SL_CONN_CONNECTING } sl_conn_state_t;
typedef struct sl_conn_s {
    uint32_t gen;              /* bumped when the connection closes: what was sent on it is gone */
    uint8_t state;             /* sl_conn_state_t */
    int64_t since_us;          /* CONNECTING: the connect; UP: the handshake's end */
} sl_conn_t;

/* ---- Coordinator side of a classic group ---- */
typedef enum sl_gstate_e {
    GS_EMPTY,
    GS_PREPARING_REBALANCE,
    GS_COMPLETING_REBALANCE,
    GS_STABLE,
    GS_DEAD,
    GS_RECONCILING, /* KIP-848 only: members moving to the target assignment */
    GS_ASSIGNING    /* KIP-848 only: the group epoch is ahead of the last target
                     * assignment, which waits for consumer_assignment_interval */
} sl_gstate_t;
const char *sl_gstate_name(sl_gstate_t s);

typedef struct sl_cmember_s {
    sl_mid_t id;               /* member id; slot in the low bits */
    int client;                /* member (client) index that owns this id */
    bool is_static;
    bool pending;              /* KIP-394: id handed out, not yet joined */
    bool is_new;               /* joined during this rebalance */
    bool awaiting_join, awaiting_sync;
    bool owes_sync;            /* joined this generation, SyncGroup not seen yet */
    uint32_t join_req_id, sync_req_id;  /* parked requests to answer */
    int join_src, sync_src;
    int64_t session_timeout_us, rebalance_timeout_us;
    int64_t last_heard_us;     /* the session runs from here (the timer is re-armed lazily) */
    bool session_parked;       /* timer off while its member heartbeats virtually */
    uint32_t protocol_hash;
    int *assignment;           /* group-local partition indexes */
    int n_assignment;
    int *claimed;              /* what its last JoinGroup claimed (sticky userData / owned) */
    int n_claimed;
    /* KIP-848 (protocol: consumer): assignment holds what the member may own now */
    int member_epoch;
    int cg_state;              /* CG_STABLE, CG_UNREVOKED, CG_UNRELEASED */
    int *target;               /* its part of the target assignment */
    int n_target;
    int *revoking;             /* partitions it must give up before moving on */
    int n_revoking;
    sl_timer_t revoke_timer;   /* revocation must finish within the rebalance timeout */
    sl_timer_t session_timer;
    sl_group_t *group;
} sl_cmember_t;

/* What __consumer_offsets holds for the group: what a new coordinator loads. */
typedef struct sl_stored_member_s {
    sl_mid_t id;
    int client;
    bool is_static;
    int64_t session_timeout_us, rebalance_timeout_us;
    uint32_t protocol_hash;
    int *assignment;
    int n_assignment;
} sl_stored_member_t;

/* Per group, per subscribed partition: offsets and ownership. */
typedef struct sl_gpart_s {
    sl_partition_t *p;
    int64_t committed;         /* at the coordinator */
    int64_t processed_hwm;     /* highest offset any member processed */
    int owners;                /* members currently holding it */
    struct sl_member_s *vowner; /* a member polling it virtually: it commits
                                 * end offsets every auto-commit interval */
    int64_t vfrom_us, vevery_us; /* vowner's last real commit and its auto-commit interval,
                                  * copied here: sampling reads them for every partition, and
                                  * the member's own struct is a cache miss away */
    int64_t vtick_us;          /* the last virtual commit seen, vfrom_us + k x vevery_us: a sample
                                  * every second divides only when a commit interval passed */
} sl_gpart_t;

struct sl_group_s {
    struct sl_sim_s *sim;
    int index;
    const sl_group_cfg_t *cfg;
    sl_gpart_t *parts;
    int n_parts;
    int offsets_partition;     /* abs(javaHash(id)) % offsets_partitions */
    int *cg_holder;            /* KIP-848: per partition, the slot of the member the coordinator
                                * counts as holding it (assigned or still revoking), -1 none */
    sl_rng_t rng;
    /* coordinator state */
    int coordinator;           /* broker hosting it, 0 = not loaded */
    bool loading;
    sl_timer_t load_timer;
    sl_gstate_t state;
    int generation;
    sl_mid_t leader;           /* member id, 0 = none */
    sl_cmember_t **slots;      /* by slot (id & SLOT_MASK) */
    int n_slots;
    int n_members;             /* joined (non-pending) members */
    int n_awaiting_join;
    int n_awaiting_sync;
    uint32_t id_counter;
    sl_timer_t join_timer;     /* rebalance timeout / initial delay */
    int64_t initial_delay_left_us; /* remaining budget of the initial delay */
    bool initial_delay;
    bool new_member_added;     /* a member joined during this initial delay step */
    sl_timer_t sync_timer;     /* members that don't sync in time are removed */
    int64_t rebalance_seq;     /* trace seq of the current rebalance start */
    int target_epoch;          /* KIP-848: epoch of the last target assignment computed */
    int64_t assigned_at_us;    /* KIP-848: when it was computed, -1 never */
    int64_t unload_seq;        /* trace seq of the last coordinator.unload (-1: none), the cause NOT_COORDINATOR carries */
    /* Recently removed member ids and the trace seq of their removal, so an
     * UNKNOWN_MEMBER_ID answer can name why (a ring; old entries drop off). */
    sl_mid_t removed_ids[64];
    int64_t removed_seq[64];
    int removed_next;
    sl_stored_member_t *stored;
    int n_stored;
    int stored_generation;     /* -1: nothing stored */
    sl_mid_t stored_leader;
    /* clients */
    sl_member_t **members;     /* member slots billing/1.. up to the max ever */
    int n_member_slots;
    int target_members;        /* current scale */
    /* metrics */
    sl_meter_t meter;          /* settled periods, unowned partitions (stormlab/meter.h); meter.settled is
                                * the docs/outputs.md predicate, kept current */
    int rebalances;
    int crashed_members;                /* consumers that stopped on a fatal error */
    int64_t rebalancing_since_us; /* the coordinator's state is a rebalance one since then (-1: not) */
    int64_t rebalance_latency_us; /* after first stable: PreparingRebalance/CompletingRebalance (classic) or
                                   * Reconciling (KIP-848) spans, the coordinator's time in a rebalance */
    int64_t max_lag;
    int64_t duplicates;
    int64_t consumed;          /* records processed, total (materialised) */
    double flow_R, flow_W;     /* caught-up members: sum of rates, sum of rate x t0;
                                * consumed as of t = consumed + t*R - W */
    int64_t consumed_at_sample;
};

/* ---- Client side: a Java consumer ---- */
typedef enum sl_mstate_e {
    MS_UNJOINED,     /* needs to (re)join on the next poll */
    MS_REVOKING,     /* onPartitionsRevoked running */
    MS_JOINING,      /* JoinGroup in flight */
    MS_SYNCING,      /* SyncGroup in flight */
    MS_STABLE        /* assignment received */
} sl_mstate_t;

typedef enum sl_proc_e {
    PROC_RUNNING,
    PROC_DOWN,
    PROC_PAUSED
} sl_proc_t;

/* One in-flight request slot per kind of request. */
typedef struct sl_inflight_s {
    uint32_t req_id;           /* 0 = none in flight */
    int broker;
    int64_t timeout_us;        /* how long the client waits for the answer */
    sl_timer_t timeout;
    sl_member_t *m;
} sl_inflight_t;

enum { IF_FIND, IF_GROUP /* join/sync/leave */, IF_HEARTBEAT, IF_COMMIT, IF__COUNT };

struct sl_member_s {
    struct sl_sim_s *sim;
    sl_group_t *g;
    int index;                 /* 1-based: billing/3 */
    int node;
    sl_group_cfg_t cfg;        /* own copy: `set` changes it at restart */
    sl_rng_t rng;
    char client_id[64];        /* consumer-billing-3 */
    sl_proc_t proc;
    bool stalled;
    bool exists;               /* within the current scale */
    sl_timer_t launch_timer;   /* a started process's client runs when it fires (cfg.startup) */
    uint32_t incarnation;      /* bumped at every restart */
    int64_t blame_seq;         /* last fault that hit this member's traffic */
    /* coordinator knowledge */
    int coordinator;           /* broker id, 0 = unknown */
    int find_attempts;         /* failed discoveries since the coordinator last answered */
    int last_found;            /* last coordinator discovered (trace only on change) */
    int64_t find_cause;        /* why it is looking for a coordinator (trace seq) */
    sl_timer_t find_timer;
    /* librdkafka: the connection to reconnect_broker was dropped after a
     * request timeout and its ApiVersionRequest cannot get through; when
     * reconnect_timer fires the transport fails (consumer.c). */
    sl_timer_t reconnect_timer;
    int reconnect_broker;
    int query_broker;          /* where the next FindCoordinator goes (0: rotate) */
    /* membership */
    sl_mid_t member_id;        /* 0 = none */
    int generation;            /* -1 = none */
    sl_mstate_t mstate;
    int64_t rejoin_cause;      /* why it must rejoin */
    bool is_leader;
    sl_mid_t *join_ids;        /* leader: members to assign */
    int n_join_ids;
    int *owned;                /* group-local partitions held */
    int n_owned;
    int *prev_assigned;        /* last assignment received (eager sticky's userData) */
    int n_prev_assigned;
    int *pending;              /* KIP-848: assignment received, reconciled at the next poll() */
    int n_pending;
    bool has_pending;
    bool ack_needed;           /* KIP-848: heartbeat again as soon as possible */
    int64_t revoking_until_us; /* KIP-848: onPartitionsRevoked runs until then (0: not) */
    bool precommit_inflight;   /* KIP-848 Java: the commit before reconciling is unanswered */
    bool precommitted;         /* KIP-848 Java: ... and was answered: reconcile at the next poll() */
    bool idle_flow;            /* caught up: consumes as records arrive, polled in ticks */
    bool poll_virtual;         /* quiet and caught up: polls (and auto-commits) happen every
                                * auto_commit_interval from last_commit_us without events */
    bool hb_virtual;           /* quiet: heartbeats happen every interval from last_hb_sent_us
                                * without events, until something wakes it (docs/model.md) */
    uint64_t flow_epoch;       /* s->net_epoch when all_fetchable was worked out */
    uint64_t settled_change;   /* s->change when a change settled it (sl_members_settle_*) */
    bool all_fetchable;        /* every owned partition's leader serves and is reachable */
    double flow_rate_per_us;   /* records/us it consumes while caught up */
    int64_t flow_t0_us;        /* consumption is materialised up to here */
    int64_t *position;         /* per group partition: next offset to process (owned only) */
    /* poll loop */
    sl_timer_t poll_timer;
    bool in_poll;              /* blocked inside poll() (joining) */
    int64_t last_poll_us;
    int64_t batch_end_us;
    int batch_parts_n;
    int64_t last_commit_us;
    bool poll_timed_out;       /* left the group for poll timeout */
    /* heartbeat thread */
    sl_timer_t hb_timer;
    int64_t last_hb_ok_us;
    int64_t last_hb_sent_us;
    sl_kerr_t last_err;        /* last heartbeat answer (librdkafka's session timeout message) */
    /* requests */
    uint32_t next_req_id;
    sl_inflight_t inflight[IF__COUNT];
    /* faults */
    int64_t paused_until_us;   /* frozen work resumes then */
    sl_timer_t backoff_timer;  /* retry after a join/sync error; end of revoke */
};

/* ---- Outputs ---- */
typedef struct sl_out_s {
    FILE *trace, *series, *log;
    int64_t next_seq;          /* trace seq */
} sl_out_t;

/* A scenario event: fires at `at`, resolves its selectors then, and runs
 * one step per selected node (all at once, or `rolling` apart). */
typedef struct sl_action_s sl_action_t;
typedef struct sl_step_s {
    sl_timer_t start, end;
    sl_action_t *a;
    int node;
    int64_t seq;               /* trace seq of the step's start */
} sl_step_t;

struct sl_action_s {
    sl_timer_t timer;
    sl_timer_t end_timer;      /* partition/degrade: heal */
    const sl_event_cfg_t *ev;
    int64_t seq;               /* trace seq of the event: root of its effects */
    int faults[2];             /* partition/degrade: fault indexes (-1 none) */
    sl_step_t *steps;
    int n_steps;
    struct sl_sim_s *sim;
};

struct sl_sim_s {
    const sl_scenario_t *sc;
    sl_engine_t eng;
    sl_out_t out;
    sl_rng_t net_rng;
    /* nodes */
    int n_nodes;
    int n_brokers;
    int first_member_node;
    int first_producer_node;
    sl_broker_t *brokers;      /* [0] is broker 1 */
    /* The KRaft controller (cluster.active_controller): 0 a dedicated
     * quorum, else the broker whose combined node hosts the active one;
     * -1 none alive.  Nobody is fenced before controller_from_us. */
    int controller;
    int controller_lost_broker; /* the last one lost: the election starts after it */
    int64_t controller_from_us;
    sl_timer_t controller_timer; /* a failover's election */
    sl_member_t **node_member; /* node -> member, NULL for others */
    /* partitions: topics then __consumer_offsets */
    sl_partition_t *parts;
    int n_parts;
    int *topic_first_part;     /* topic -> index of its partition 0 */
    int offsets_first_part;
    /* groups */
    sl_group_t *groups;
    int n_groups;
    /* network */
    sl_fault_t *faults;
    int n_faults, cap_faults;
    int *active_faults;        /* indices of the active ones, ascending: what every message checks */
    int n_active_faults;
    int64_t *fifo;             /* per (node, broker, direction): last delivery time */
    sl_conn_t *conns;          /* per (client node, broker) */
    sl_msg_t *free_msgs;
    /* scenario events */
    sl_action_t *actions;
    int n_actions;
    sl_timer_t sample_timer;
    /* cluster metrics */
    double unavailable_part_us;
    int n_offline;
    int64_t offline_since_us;
    int64_t lost_records;
    int64_t produce_errors;
    int64_t produced_records;
    bool started, finished;
    sl_impact_t *impact;       /* owned; set by sl_sim_run_to_dir_opts(SL_RUN_IMPACT) for the gates */
    uint64_t net_epoch;        /* bumped whenever reachability or leadership may change */
    uint64_t change;           /* counts the cluster and network changes (sl_members_settle_*) */
};

/* sl_sim_run() in steps, for tests that look inside the model mid-run:
 * start, then sl_engine_run_until(&s->eng, t) as often as needed, then finish. */
void sl_sim_start(sl_sim_t *s);
void sl_sim_finish(sl_sim_t *s);

typedef struct sl_sim_s sl_sim_t;

/* ---- trace.c: outputs ---- */
/* Emits one trace event and returns its seq.  member_id 0 and generation
 * < 0 are written as null; cause < 0 as null.  detail is printf-style. */
int64_t sl_trace(sl_sim_t *s, const char *kind, int node, int group, sl_mid_t member_id,
                 int generation, int64_t cause, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* One log line as an engineer would see it, stamped with run time. */
void sl_log(sl_sim_t *s, int node, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Node names: broker/2, billing/3, producer/orders. */
void sl_node_name(const sl_sim_t *s, int node, char *buf, size_t size);
/* A member id the way Kafka prints it: consumer-billing-3-<uuid>. */
void sl_member_id_str(const sl_sim_t *s, const sl_group_t *g, sl_mid_t id, char *buf, size_t size);

/* ---- net.c ---- */
sl_msg_t *sl_msg_new(sl_sim_t *s, sl_msg_kind_t kind, int src, int dst, int64_t cause);
void sl_msg_free(sl_sim_t *s, sl_msg_t *m);
/* Sends m across src->dst; dropped (freed) when the link is cut. */
void sl_net_send(sl_sim_t *s, sl_msg_t *m);
/* Whether traffic flows both ways between two nodes right now. */
bool sl_net_reachable(const sl_sim_t *s, int a, int b);
/* The fault currently cutting a->b (its seq), or -1. */
int64_t sl_net_cut_cause(const sl_sim_t *s, int a, int b);
int64_t sl_net_rtt_us(sl_sim_t *s, int a, int b);
int sl_net_add_fault(sl_sim_t *s, const sl_fault_t *f);
/* Fault i stops applying (before sl_net_heal releases what it held). */
void sl_net_end_fault(sl_sim_t *s, int i);
/* A cut ended: what was held in it goes through at the sender's next TCP
 * retransmission, if its connection is still open. */
void sl_net_heal(sl_sim_t *s, int fault);
/* The connection between a client and a broker closed (timeout, reset,
 * restart): what is still held for it is gone. */
void sl_net_close(sl_sim_t *s, int client_node, int broker);
/* Remembers the connection m travels on, so that a message kept somewhere
 * (in a cut, in a frozen broker's socket buffer) can later tell whether
 * that connection is still open. */
void sl_net_pin(sl_sim_t *s, sl_msg_t *m);
bool sl_net_pin_alive(const sl_sim_t *s, const sl_msg_t *m);
/* When the client's connection to broker came up, or -1 when it is not up. */
int64_t sl_net_conn_up_us(const sl_sim_t *s, int client_node, int broker);
void sl_net_free(sl_sim_t *s);

/* ---- cluster.c ---- */
int sl_cluster_init(sl_sim_t *s, char *errstr, size_t errstr_size);
void sl_cluster_free(sl_sim_t *s);
int32_t sl_java_string_hash(const char *str);
int sl_offsets_partition_for(const char *group, int offsets_partitions);
void sl_broker_stop(sl_sim_t *s, int broker, sl_restart_mode_t mode, int64_t down_us, int64_t cause);
bool sl_broker_serving(const sl_sim_t *s, int broker);
/* Whether a connection to broker would be accepted (up, or frozen: its kernel still accepts). */
bool sl_broker_listening(const sl_sim_t *s, int broker);
/* Whether an acks=all write to p succeeds now (leader serving, ISR >= min.insync.replicas). */
bool sl_partition_accepts_writes(const sl_sim_t *s, const sl_partition_t *p);
/* Brings partition p's produce accounting up to now. */
void sl_partition_sync(sl_sim_t *s, sl_partition_t *p);
/* Re-checks every partition's writability after a fault changed. */
void sl_cluster_reevaluate(sl_sim_t *s, int64_t cause);
/* Broker receives a request; true when the broker keeps m (a frozen
 * process: the bytes wait in its socket buffer until it thaws). */
bool sl_broker_deliver(sl_sim_t *s, sl_msg_t *m);
/* Leader of the group's offsets partition (0 = none). */
int sl_coordinator_leader(const sl_sim_t *s, const sl_group_t *g);
/* Finalises produce accounting at the end of the run. */
void sl_cluster_finish(sl_sim_t *s);

/* ---- coordinator.c (classic group coordinator) ---- */
int sl_group_init(sl_sim_t *s, sl_group_t *g, int index);
void sl_group_free(sl_sim_t *s, sl_group_t *g);
void sl_coord_handle(sl_sim_t *s, sl_group_t *g, int broker, sl_msg_t *req);
/* Leadership of the offsets partition moved from old_leader to new_leader. */
void sl_coord_moved(sl_sim_t *s, sl_group_t *g, int old_leader, int new_leader, int64_t cause);
/* The coordinator's member table (slots indexed by the id's low bits). */
sl_cmember_t *sl_cm_find(const sl_group_t *g, sl_mid_t id);
/* Adds a member with a fresh id (id 0) or the given one (restoring). */
sl_cmember_t *sl_cm_add(sl_sim_t *s, sl_group_t *g, int client, sl_mid_t id);
void sl_cm_free(sl_sim_t *s, sl_group_t *g, sl_cmember_t *cm);
/* Restarts cm's session at now (the timer itself is moved only when it
 * would fire too late: heartbeats cost no heap operation). */
void sl_cm_arm_session(sl_sim_t *s, sl_cmember_t *cm);
static inline int64_t sl_cm_session_deadline(const sl_cmember_t *cm) {
    return cm->last_heard_us + cm->session_timeout_us;
}
/* Quiet paths: a heartbeat or commit whose answer is certain (link clean,
 * coordinator loaded and Stable, member current) is applied without
 * messages.  Each returns false, changing nothing, when not certain. */
bool sl_coord_quiet_heartbeat(sl_sim_t *s, sl_group_t *g, int broker, sl_mid_t member_id, int generation);
bool sl_coord_quiet_commit(sl_sim_t *s, sl_group_t *g, int broker, sl_mid_t member_id, int generation,
                           const int *parts, const int64_t *offsets, int n);
/* Whether a request/answer pair between a and b surely arrives (no cut, no loss). */
bool sl_net_clean(const sl_sim_t *s, int a, int b);
/* Responds to a request (frees nothing: caller frees req). */
sl_msg_t *sl_coord_reply(sl_sim_t *s, int broker, const sl_msg_t *req, sl_kerr_t err);

/* ---- consumer_group.c (KIP-848 coordinator) ---- */
enum { CG_STABLE, CG_UNREVOKED, CG_UNRELEASED };
bool sl_cg_is_consumer(const sl_group_t *g);
void sl_cg_handle(sl_sim_t *s, sl_group_t *g, sl_msg_t *req);
void sl_cg_commit(sl_sim_t *s, sl_group_t *g, sl_msg_t *req);
sl_kerr_t sl_cg_commit_offsets(sl_sim_t *s, sl_group_t *g, sl_mid_t member_id, int epoch, const int *parts,
                               const int64_t *offsets, int n);
/* The coordinator resigns: timers stop, state stays (it is all in records). */
void sl_cg_unload(sl_sim_t *s, sl_group_t *g);
/* A new coordinator has replayed the records: timers restart. */
void sl_cg_load(sl_sim_t *s, sl_group_t *g, int64_t cause);
void sl_cg_init(sl_sim_t *s, sl_group_t *g);
void sl_cg_session_expired(sl_sim_t *s, sl_group_t *g, sl_cmember_t *cm);
void sl_cg_revoke_expired(void *ctx, sl_timer_t *t);
void sl_cg_free(sl_sim_t *s, sl_group_t *g);

/* ---- assignor.c ---- */
/* Computes the leader's assignment: out[i] receives the partitions
 * (group-local indexes) for member i of n, members ordered by id (as Kafka
 * sorts member ids); claimed[i] is what member i claims (previous
 * assignment, or owned partitions for cooperative), may be NULL. */
int sl_assign(sl_assignor_t a, const sl_group_t *g, int n_members, const int *const *claimed,
              const int *claimed_n, int **out, int *out_n);
/* Whether members using a revoke only what moves (KIP-429). */
bool sl_assignor_is_cooperative(sl_assignor_t a);

/* ---- consumer.c (Java client) ---- */
int sl_member_init(sl_sim_t *s, sl_group_t *g, int index, sl_member_t **out);
void sl_member_free(sl_sim_t *s, sl_member_t *m);
void sl_member_start(sl_sim_t *s, sl_member_t *m, int64_t cause);
void sl_member_launch(sl_sim_t *s, sl_member_t *m, int64_t cause);
/* Returns true when it kept resp (re-armed for a frozen process). */
bool sl_member_deliver(sl_sim_t *s, sl_member_t *m, sl_msg_t *resp);
/* Process stops: clean close sends LeaveGroup (dynamic members). */
void sl_member_stop(sl_sim_t *s, sl_member_t *m, bool clean, int64_t cause);
void sl_member_pause(sl_sim_t *s, sl_member_t *m, bool paused, int64_t until_us, int64_t cause);
void sl_member_stall(sl_sim_t *s, sl_member_t *m, bool stalled, int64_t cause);
/* Brings every caught-up member's consumption up to now (before the
 * cluster or the network changes, and at each sample). */
void sl_members_catch_up(sl_sim_t *s);
void sl_member_catch_up(sl_sim_t *s, sl_member_t *m);
/* After reachability or leadership changed: the rates of the caught-up
 * members the change settled follow. */
void sl_members_reflow(sl_sim_t *s);
/* Before anything changes that a quiet member's heartbeats or consumption
 * depend on: bring the members it can touch up to now (the heartbeats that
 * happened virtually succeeded) and return them to explicit heartbeats.
 * All members; those a change to one broker can touch; those of the groups
 * with a member on either side of a link fault. */
void sl_members_settle(sl_sim_t *s);
void sl_members_settle_broker(sl_sim_t *s, int broker);
void sl_members_settle_link(sl_sim_t *s, const uint8_t *from, const uint8_t *to);
void sl_group_wake_heartbeats(sl_sim_t *s, sl_group_t *g);
void sl_member_wake_heartbeats(sl_sim_t *s, sl_member_t *m);
/* The coordinator's session timer fired for cm: if its member heartbeats
 * virtually, count those heartbeats and park the timer (true). */
bool sl_member_session_parked(sl_sim_t *s, sl_member_t *m, sl_cmember_t *cm);
/* Broker connection reset: fails every request in flight to it. */
void sl_member_broker_reset(sl_sim_t *s, sl_member_t *m, int broker, int64_t cause);

/* Committed offset of gp as of now, counting a virtual poller's commits. */
int64_t sl_gpart_committed(sl_sim_t *s, sl_gpart_t *gp);

/* ---- metrics.c ---- */
void sl_metrics_group_changed(sl_sim_t *s, sl_group_t *g, int64_t cause);
void sl_metrics_rebalance_started(sl_sim_t *s, sl_group_t *g);
/* The coordinator's state of g changed: integrates rebalance_latency_us. */
void sl_metrics_coordinator_state(sl_sim_t *s, sl_group_t *g);
void sl_metrics_sample(sl_sim_t *s);
void sl_metrics_finish(sl_sim_t *s);
int64_t sl_group_lag(sl_sim_t *s, sl_group_t *g);
void sl_partition_availability(sl_sim_t *s, sl_partition_t *p, bool online);

/* ---- faults.c (scenario events) ---- */
int sl_faults_schedule(sl_sim_t *s, char *errstr, size_t errstr_size);
void sl_faults_free(sl_sim_t *s);

static inline int64_t sl_now(const sl_sim_t *s) { return s->eng.now_us; }
static inline int sl_broker_node(int broker_id) { return broker_id - 1; }

#define SL_SLOT_BITS 20
#define SL_SLOT_MASK ((1u << SL_SLOT_BITS) - 1)
static inline int sl_mid_client(sl_mid_t id) { return (int)(id >> 32) - 1; }

#endif
