/*
 * The cluster a real run drives (docs/real-runs.md), one interface with two backends
 * side by side: mock.c (librdkafka's embedded mock cluster, the default)
 * and kafka.c (an existing Apache Kafka cluster, brokers controlled by the
 * command templates of a cluster file, clusterfile.c).
 *
 * Broker ids are the scenario's, 1..n_brokers.  Every call is made from
 * the run's main thread; the log callback may be called from any thread
 * (the mock cluster's own, or the main thread for command output).
 */
#ifndef SL_CLUSTER_H
#define SL_CLUSTER_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "stormlab/scenario.h"

typedef struct sl_cluster_s sl_cluster_t;

/* A line the cluster logged: node "broker/N" or "-" for the injector,
 * level syslog-style (3 error, 4 warning, 6 info, 7 debug), fac a short tag. */
typedef void sl_cluster_log_fn(void *opaque, const char *node, int level, const char *fac, const char *msg);

typedef struct sl_cluster_ops_s {
    const char *name; /* "mock", "kafka" */
    /* Takes broker id down: mode hard (kill), controlled (clean stop) or
     * pause (frozen, sockets open).  0, or -1 with err filled. */
    int (*broker_stop)(sl_cluster_t *c, int id, sl_restart_mode_t mode, char *err, size_t errsz);
    /* Brings it back (start, or resume for pause). */
    int (*broker_start)(sl_cluster_t *c, int id, sl_restart_mode_t mode, char *err, size_t errsz);
    /* The command that undoes broker_stop(id, mode) from another process
     * (`stormlab heal`, after this one was killed): a NULL-terminated argv
     * to free with sl_clusterfile_argv_free() and its timeout, or NULL when
     * the stop lives in this process only (the mock) and dies with it. */
    char **(*undo_argv)(sl_cluster_t *c, int id, sl_restart_mode_t mode, int64_t *timeout_us);
    /* The controller's part, for clusters that have none (the mock):
     * moves leadership and coordinators off broker id (fenced != 0) or back
     * to their preferred replicas (fenced == 0).  NULL when the cluster's
     * own controller does this. */
    int (*set_fenced)(sl_cluster_t *c, int id, int fenced, char *err, size_t errsz);
    /* The broker coordinating group now, 0 if unknown. */
    int (*coordinator)(sl_cluster_t *c, const char *group);
    /* Frees everything; brokers left down are not brought back (call
     * broker_start first: the runner heals before it destroys). */
    void (*destroy)(sl_cluster_t *c);
} sl_cluster_ops_t;

#define SL_CLUSTER_ADDR 64

struct sl_cluster_s {
    const sl_cluster_ops_t *ops;
    int n_brokers;                      /* the scenario's */
    char bootstrap[4096];               /* host:port,... clients bootstrap from */
    char (*broker_addr)[SL_CLUSTER_ADDR]; /* [id-1]: advertised "ip:port" */
    struct sockaddr_in *broker_sa;      /* [id-1]: the same, resolved (IPv4) */
    int has_group_log;                  /* the log callback gets the coordinator's
                                         * group lines (mock: "MOCK" facility) */
    char cluster_id[128];
    sl_cluster_log_fn *log;
    void *log_opaque;
};

/* Options both backends read. */
typedef struct sl_cluster_opts_s {
    const sl_scenario_t *sc;
    const char *bootstrap;    /* kafka: --bootstrap (NULL: the cluster file's) */
    const char *cluster_file; /* kafka: --cluster-file (NULL: none) */
    int dry_run;              /* kafka: print commands instead of running them */
    sl_cluster_log_fn *log;
    void *log_opaque;
} sl_cluster_opts_t;

/* Return codes of the constructors. */
enum { SL_CLUSTER_OK = 0, SL_CLUSTER_BAD_INPUT = -2, SL_CLUSTER_UNREACHABLE = -3 };

/* Creates the mock cluster with the scenario's brokers and topics, leaders
 * and coordinators placed as the simulator places them. */
int sl_cluster_mock_new(const sl_cluster_opts_t *o, sl_cluster_t **out, char *err, size_t errsz);
/* Connects to an existing cluster, checks the safety rules, creates absent
 * topics.  SL_CLUSTER_BAD_INPUT for a bad or missing cluster file or a
 * refused bootstrap, SL_CLUSTER_UNREACHABLE when the cluster does not answer. */
int sl_cluster_kafka_new(const sl_cluster_opts_t *o, sl_cluster_t **out, char *err, size_t errsz);

/* The simulator's placement (sim/cluster.c): replica j of partition i of a
 * topic whose first replica starts at broker index start. */
int sl_cluster_replica(int i, int j, int brokers, int start);
/* The broker that leads group's __consumer_offsets partition when every
 * broker serves (sim/cluster.c: abs(javaHash) % offsets_partitions). */
int sl_cluster_preferred_coordinator(const sl_scenario_t *sc, const char *group);

static inline void sl_cluster_destroy(sl_cluster_t *c) {
    if (c)
        c->ops->destroy(c);
}

#endif
