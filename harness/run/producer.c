/*
 * Producers: one real librdkafka producer and thread per topic with a
 * produce_rate, idempotent with acks=all (docs/model.md), message.timeout.ms
 * 120 s (Java's delivery.timeout.ms, the simulator's).  Record n of a topic
 * goes to partition n % partitions and carries (run nonce, topic, n), so
 * accounting.c can tell what was acknowledged, lost and redelivered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run-internal.h"

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
    (void)rk;
    sl_rproducer_t *p = opaque;
    int64_t seq = (int64_t)(intptr_t)msg->_private;
    if (msg->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || msg->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
        return; /* purged at the end of the run: outcome unknown, stays unacknowledged */
    sl_racct_delivered(p->cl.run, p->topic, seq, msg->partition, msg->offset, msg->err != 0);
    if (msg->err) {
        sl_rrun_t *run = p->cl.run;
        pthread_mutex_lock(&run->mu);
        run->produce_errors_total++;
        int first = run->produce_errors_total == 1 || run->produce_errors_total % 1000 == 0;
        if (first)
            sl_rlog_locked(run, sl_rstamp_locked(run), p->cl.node, 3,
                           "DELIVERY record %lld of %s failed: %s (%d failures so far)", (long long)seq,
                           sl_scenario_topic(run->sc, p->topic)->name, rd_kafka_err2str(msg->err), run->produce_errors_total);
        pthread_mutex_unlock(&run->mu);
    }
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    sl_rproducer_t *p = rd_kafka_opaque(rk);
    if (p && level <= 6)
        sl_rlog(p->cl.run, p->cl.node, level, "%s [%s] %s", fac, rd_kafka_name(rk), sl_rstrip_thread(buf));
}

static void *producer_main(void *arg) {
    sl_rproducer_t *p = arg;
    sl_rrun_t *run = p->cl.run;
    const sl_topic_cfg_t *t = sl_scenario_topic(run->sc, p->topic);
    rd_kafka_t *rk = p->rk;
    int64_t t0 = sl_rnow(run), sent = 0, pending = -1;
    for (;;) {
        pthread_mutex_lock(&run->mu);
        int stop = p->stop_req;
        pthread_mutex_unlock(&run->mu);
        if (stop)
            break;
        int64_t due = (int64_t)(t->produce_rate_per_s * (double)(sl_rnow(run) - t0) / 1e6);
        while (sent < due) {
            int64_t seq = pending >= 0 ? pending : sl_racct_next(run, p->topic);
            if (seq < 0)
                break;
            unsigned char payload[24];
            sl_racct_payload(run, p->topic, seq, payload);
            rd_kafka_resp_err_t e = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(t->name), RD_KAFKA_V_PARTITION((int32_t)(seq % t->partitions)),
                RD_KAFKA_V_VALUE(payload, sizeof payload), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_OPAQUE((void *)(intptr_t)seq), RD_KAFKA_V_END);
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                pending = seq; /* the same record, once there is room */
                break;
            }
            pending = -1;
            if (e) /* refused outright: a failed delivery */
                sl_racct_delivered(run, p->topic, seq, -1, -1, 1);
            sent++;
        }
        rd_kafka_poll(rk, 10);
    }
    return NULL;
}

int sl_rproducers_start(sl_rrun_t *run, char *err, size_t errsz) {
    for (int ti = 0; ti < sl_scenario_topic_count(run->sc); ti++) {
        sl_rproducer_t *p = &run->producers[ti];
        if (sl_scenario_topic(run->sc, ti)->produce_rate_per_s <= 0)
            continue;
        char v[160], e[256];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        sl_rconf_set(conf, "bootstrap.servers", run->cluster->bootstrap);
        snprintf(v, sizeof v, "stormlab-producer-%s", sl_scenario_topic(run->sc, ti)->name);
        sl_rconf_set(conf, "client.id", v);
        sl_rconf_set(conf, "enable.idempotence", "true");
        sl_rconf_set(conf, "acks", "all");
        sl_rconf_set(conf, "message.timeout.ms", "120000");
        sl_rconf_set(conf, "linger.ms", "5");
        rd_kafka_conf_set_opaque(conf, p);
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_log_cb(conf, on_log);
        rd_kafka_conf_set_connect_cb(conf, sl_rlinks_connect_cb);
        p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
        if (!p->rk) {
            snprintf(err, errsz, "%s: cannot create its producer: %s", p->cl.node, e);
            return -1;
        }
        if (pthread_create(&p->thread, NULL, producer_main, p) != 0) {
            snprintf(err, errsz, "%s: cannot start its thread", p->cl.node);
            rd_kafka_destroy(p->rk);
            p->rk = NULL;
            return -1;
        }
        p->thread_alive = 1;
        sl_rtrace(run, "producer.start", p->cl.node, NULL, NULL, -1, -1, "idempotent producer, acks=all, %g records/s",
                  sl_scenario_topic(run->sc, ti)->produce_rate_per_s);
    }
    return 0;
}

void sl_rproducers_stop(sl_rrun_t *run, int flush_ms) {
    for (int ti = 0; run->producers && ti < sl_scenario_topic_count(run->sc); ti++) {
        sl_rproducer_t *p = &run->producers[ti];
        pthread_mutex_lock(&run->mu);
        p->stop_req = 1;
        pthread_mutex_unlock(&run->mu);
    }
    for (int ti = 0; run->producers && ti < sl_scenario_topic_count(run->sc); ti++) {
        sl_rproducer_t *p = &run->producers[ti];
        if (p->thread_alive) {
            pthread_join(p->thread, NULL);
            p->thread_alive = 0;
        }
    }
    /* Flush them side by side: one deadline for all. */
    int64_t deadline = sl_rnow(run) + (int64_t)flush_ms * 1000;
    for (int ti = 0; run->producers && ti < sl_scenario_topic_count(run->sc); ti++) {
        sl_rproducer_t *p = &run->producers[ti];
        if (!p->rk)
            continue;
        int64_t left = (deadline - sl_rnow(run)) / 1000;
        rd_kafka_flush(p->rk, left > 0 ? (int)left : 0);
        rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(p->rk, 0);
        rd_kafka_destroy(p->rk);
        p->rk = NULL;
    }
}
