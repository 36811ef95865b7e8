/*
 * The embedded cluster: librdkafka's mock cluster (rdkafka_mock.h), one
 * process, real Kafka protocol on loopback sockets.
 *
 * What it gives and what it does not (docs/real-runs.md):
 *  - brokers 1..N with their own listeners; topics with the scenario's
 *    partitions; leaders and group coordinators placed where the simulator
 *    places them (set explicitly: the mock would pick leaders at random);
 *  - broker down/up (rd_kafka_mock_broker_set_down/up: connections closed,
 *    new ones refused) for hard and controlled restarts, a 1-hour RTT for a
 *    paused broker (sockets open, nothing answered);
 *  - the mock has no controller: leadership does not move when a broker
 *    dies.  set_fenced() plays the controller (the runner calls it when
 *    the scenario's broker_session_timeout has passed), moving leaders and
 *    coordinators to the next serving replica, and back on preferred-leader
 *    return.  The group itself lives cluster-wide in the mock, so a
 *    coordinator move keeps the group (Kafka reloads it from
 *    __consumer_offsets: the same result, without the load time);
 *  - its group coordinator (rdkafka_mock_cgrp.c) is the classic protocol
 *    without KIP-394 (no MEMBER_ID_REQUIRED round trip) or KIP-345 (no
 *    static membership), a fixed 3 s initial rebalance delay and, for a
 *    rebalance of a stable group, a join phase of session timeout - 1 s.
 *    Its debug lines ("MOCK" facility) are the coordinator's side of the
 *    trace: state changes, session expiries, leaves, generations.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "cluster.h"

typedef struct mock_s {
    sl_cluster_t c;              /* first: the interface */
    const sl_scenario_t *sc;
    rd_kafka_t *rk;              /* owns the mock cluster (its bookkeeping handle) */
    rd_kafka_mock_cluster_t *mc;
    pthread_mutex_t mu;          /* guards the tables below (read from the mock's thread) */
    int *fenced;                 /* [id-1]: 1 while the controller has it out */
    int *coord;                  /* [group]: current coordinator */
} mock_t;

int sl_cluster_replica(int i, int j, int brokers, int start) {
    /* sim/cluster.c place_replicas(): Kafka's rack-unaware placement with a
     * fixed start index and shift. */
    int first = (i + start) % brokers;
    if (j == 0 || brokers < 2)
        return first + 1;
    int shift = start + i / brokers;
    return (first + 1 + (shift + j - 1) % (brokers - 1)) % brokers + 1;
}

int sl_offsets_partition_for(const char *group, int offsets_partitions); /* sim/cluster.c */

int sl_cluster_preferred_coordinator(const sl_scenario_t *sc, const char *group) {
    int p = sl_offsets_partition_for(group, sl_scenario_cluster(sc)->offsets_partitions);
    return sl_cluster_replica(p, 0, sl_scenario_cluster(sc)->brokers, 0);
}

static void mock_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    mock_t *m = rd_kafka_opaque(rk);
    if (!m || !m->c.log)
        return;
    if (!strncmp(buf, "[thrd:", 6) && strstr(buf, "]: "))
        buf = strstr(buf, "]: ") + 3; /* librdkafka's "[thrd:NAME]: " */
    m->c.log(m->c.log_opaque, "-", level, fac, buf);
}

/* The first serving replica of a partition (fenced brokers are skipped),
 * 0 when none serves: what the controller would elect (no unclean election). */
static int elect(mock_t *m, int i, int rf, int start) {
    int nb = sl_scenario_cluster(m->sc)->brokers;
    for (int j = 0; j < rf && j < nb; j++) {
        int b = sl_cluster_replica(i, j, nb, start);
        if (!m->fenced[b - 1])
            return b;
    }
    return 0;
}

/* Re-elects every leader and coordinator from the fenced table. */
static int place(mock_t *m, char *err, size_t errsz) {
    const sl_scenario_t *sc = m->sc;
    int nb = sl_scenario_cluster(sc)->brokers;
    for (int t = 0; t < sl_scenario_topic_count(sc); t++) {
        const sl_topic_cfg_t *tp = sl_scenario_topic(sc, t);
        for (int i = 0; i < tp->partitions; i++) {
            int b = elect(m, i, tp->replication, t % nb);
            /* A partition with no serving replica keeps its leader: the
             * broker is down, so it is offline all the same. */
            if (!b)
                continue;
            rd_kafka_resp_err_t e = rd_kafka_mock_partition_set_leader(m->mc, tp->name, i, b);
            if (e) {
                snprintf(err, errsz, "mock cluster: cannot set leader of %s-%d: %s", tp->name, i, rd_kafka_err2str(e));
                return -1;
            }
        }
    }
    int orf = sl_scenario_cluster(sc)->offsets_replication;
    for (int g = 0; g < sl_scenario_group_count(sc); g++) {
        int p = sl_offsets_partition_for(sl_scenario_group(sc, g)->id, sl_scenario_cluster(sc)->offsets_partitions);
        int b = elect(m, p, orf, 0);
        if (!b)
            b = sl_cluster_replica(p, 0, nb, 0);
        pthread_mutex_lock(&m->mu);
        int old = m->coord[g];
        m->coord[g] = b;
        pthread_mutex_unlock(&m->mu);
        if (old != b) {
            rd_kafka_resp_err_t e = rd_kafka_mock_coordinator_set(m->mc, "group", sl_scenario_group(sc, g)->id, b);
            if (e) {
                snprintf(err, errsz, "mock cluster: cannot set the coordinator of %s: %s", sl_scenario_group(sc, g)->id,
                         rd_kafka_err2str(e));
                return -1;
            }
        }
    }
    return 0;
}

static int mock_broker_stop(sl_cluster_t *c, int id, sl_restart_mode_t mode, char *err, size_t errsz) {
    mock_t *m = (mock_t *)c;
    rd_kafka_resp_err_t e;
    if (mode == SL_RESTART_CONTROLLED) {
        /* A controlled shutdown moves leadership away first. */
        pthread_mutex_lock(&m->mu);
        m->fenced[id - 1] = 1;
        pthread_mutex_unlock(&m->mu);
        if (place(m, err, errsz) < 0)
            return -1;
    }
    if (mode == SL_RESTART_PAUSE)
        e = rd_kafka_mock_broker_set_rtt(m->mc, id, 3600 * 1000); /* frozen: sockets open, no answer */
    else
        e = rd_kafka_mock_broker_set_down(m->mc, id);
    if (e) {
        snprintf(err, errsz, "mock broker %d: %s", id, rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

static int mock_broker_start(sl_cluster_t *c, int id, sl_restart_mode_t mode, char *err, size_t errsz) {
    mock_t *m = (mock_t *)c;
    rd_kafka_resp_err_t e = mode == SL_RESTART_PAUSE ? rd_kafka_mock_broker_set_rtt(m->mc, id, 0)
                                                     : rd_kafka_mock_broker_set_up(m->mc, id);
    if (e) {
        snprintf(err, errsz, "mock broker %d: %s", id, rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

static int mock_set_fenced(sl_cluster_t *c, int id, int fenced, char *err, size_t errsz) {
    mock_t *m = (mock_t *)c;
    pthread_mutex_lock(&m->mu);
    m->fenced[id - 1] = fenced;
    pthread_mutex_unlock(&m->mu);
    return place(m, err, errsz);
}

static int mock_coordinator(sl_cluster_t *c, const char *group) {
    mock_t *m = (mock_t *)c;
    int b = 0;
    pthread_mutex_lock(&m->mu);
    for (int g = 0; g < sl_scenario_group_count(m->sc); g++)
        if (!strcmp(sl_scenario_group(m->sc, g)->id, group))
            b = m->coord[g];
    pthread_mutex_unlock(&m->mu);
    return b;
}

static void mock_destroy(sl_cluster_t *c) {
    mock_t *m = (mock_t *)c;
    if (m->mc)
        rd_kafka_mock_cluster_destroy(m->mc);
    if (m->rk)
        rd_kafka_destroy(m->rk);
    pthread_mutex_destroy(&m->mu);
    free(m->fenced);
    free(m->coord);
    free(m->c.broker_addr);
    free(m->c.broker_sa);
    free(m);
}

static const sl_cluster_ops_t mock_ops = {
    .name = "mock",
    .broker_stop = mock_broker_stop,
    .broker_start = mock_broker_start,
    .set_fenced = mock_set_fenced,
    .coordinator = mock_coordinator,
    .destroy = mock_destroy,
};

int sl_cluster_mock_new(const sl_cluster_opts_t *o, sl_cluster_t **out, char *err, size_t errsz) {
    const sl_scenario_t *sc = o->sc;
    int nb = sl_scenario_cluster(sc)->brokers;
    mock_t *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errsz, "out of memory");
        return SL_CLUSTER_UNREACHABLE;
    }
    pthread_mutex_init(&m->mu, NULL);
    m->sc = sc;
    m->c.ops = &mock_ops;
    m->c.n_brokers = nb;
    m->c.has_group_log = 1;
    m->c.log = o->log;
    m->c.log_opaque = o->log_opaque;
    m->fenced = calloc((size_t)nb, sizeof *m->fenced);
    m->coord = calloc((size_t)(sl_scenario_group_count(sc) ? sl_scenario_group_count(sc) : 1), sizeof *m->coord);
    m->c.broker_addr = calloc((size_t)nb, sizeof *m->c.broker_addr);
    m->c.broker_sa = calloc((size_t)nb, sizeof *m->c.broker_sa);
    if (!m->fenced || !m->coord || !m->c.broker_addr || !m->c.broker_sa) {
        snprintf(err, errsz, "out of memory");
        goto fail;
    }
    char e2[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* The mock's group coordinator speaks through debug lines only. */
    if (rd_kafka_conf_set(conf, "debug", "mock", e2, sizeof e2) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "client.id", "stormlab-mock", e2, sizeof e2) != RD_KAFKA_CONF_OK) {
        snprintf(err, errsz, "mock cluster: %s", e2);
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    rd_kafka_conf_set_log_cb(conf, mock_log_cb);
    rd_kafka_conf_set_opaque(conf, m);
    if (!(m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e2, sizeof e2))) {
        snprintf(err, errsz, "mock cluster: %s", e2);
        goto fail;
    }
    if (!(m->mc = rd_kafka_mock_cluster_new(m->rk, nb))) {
        snprintf(err, errsz, "mock cluster: cannot create %d brokers", nb);
        goto fail;
    }
    snprintf(m->c.bootstrap, sizeof m->c.bootstrap, "%s", rd_kafka_mock_cluster_bootstraps(m->mc));
    snprintf(m->c.cluster_id, sizeof m->c.cluster_id, "mock");
    /* "127.0.0.1:p1,127.0.0.1:p2,...", brokers 1..N in order. */
    const char *p = m->c.bootstrap;
    for (int i = 0; i < nb; i++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len >= SL_CLUSTER_ADDR) {
            snprintf(err, errsz, "mock cluster: unexpected bootstrap list %s", m->c.bootstrap);
            goto fail;
        }
        memcpy(m->c.broker_addr[i], p, len);
        m->c.broker_addr[i][len] = 0;
        char host[SL_CLUSTER_ADDR];
        snprintf(host, sizeof host, "%s", m->c.broker_addr[i]);
        char *colon = strrchr(host, ':');
        if (!colon) {
            snprintf(err, errsz, "mock cluster: unexpected bootstrap list %s", m->c.bootstrap);
            goto fail;
        }
        *colon = 0;
        m->c.broker_sa[i].sin_family = AF_INET;
        m->c.broker_sa[i].sin_port = htons((uint16_t)atoi(colon + 1));
        if (inet_pton(AF_INET, host, &m->c.broker_sa[i].sin_addr) != 1) {
            snprintf(err, errsz, "mock cluster: broker address %s is not IPv4", m->c.broker_addr[i]);
            goto fail;
        }
        if (!comma && i + 1 < nb) {
            snprintf(err, errsz, "mock cluster: %d brokers asked, bootstrap lists fewer: %s", nb, m->c.bootstrap);
            goto fail;
        }
        p = comma ? comma + 1 : p;
    }
    for (int t = 0; t < sl_scenario_topic_count(sc); t++) {
        const sl_topic_cfg_t *tp = sl_scenario_topic(sc, t);
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(m->mc, tp->name, tp->partitions, tp->replication);
        if (e) {
            snprintf(err, errsz, "mock cluster: cannot create topic %s: %s", tp->name, rd_kafka_err2str(e));
            goto fail;
        }
    }
    if (place(m, err, errsz) < 0)
        goto fail;
    *out = &m->c;
    return SL_CLUSTER_OK;
fail:
    mock_destroy(&m->c);
    return SL_CLUSTER_UNREACHABLE;
}
