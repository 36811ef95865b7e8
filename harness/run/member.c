/*
 * Consumer members: one real librdkafka consumer (classic protocol) and
 * one thread each.  The thread is the application's poll loop: it polls a
 * batch of up to max.poll.records, "processes" each record for the
 * scenario's processing time (seeded draws), stores the offsets it has
 * processed (auto commit then commits them, as the Java client commits
 * what poll() returned before), or commits synchronously per batch.
 * `stall` blocks this loop (librdkafka's heartbeats go on in its own
 * threads, until max.poll.interval.ms makes it leave); `pause` blocks it
 * and cuts all its links at the proxy.
 *
 * What a member sees becomes trace events: its rebalance callbacks
 * (member.assigned, member.revoked, member.lost), and librdkafka's cgrp
 * log lines (member.join, member.joined, member.rejoin_needed,
 * member.fenced, member.session_timeout, member.poll_timeout).  Those
 * lines, and every line at INFO or above, also go to log.txt.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run-internal.h"

int sl_rgroup_part(const sl_rrun_t *run, const sl_rgroup_t *g, const char *topic, int partition) {
    int base = 0;
    for (int k = 0; k < g->cfg->n_topics; k++) {
        const sl_topic_cfg_t *t = sl_scenario_topic(run->sc, g->cfg->topics[k]);
        if (!strcmp(t->name, topic))
            return partition >= 0 && partition < t->partitions ? base + partition : -1;
        base += t->partitions;
    }
    return -1;
}

static void sleep_us(int64_t us) {
    if (us <= 0)
        return;
    struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) < 0) {
    }
}

/* Processing time of one record: the model the simulator uses
 * (stormlab/rng.h), drawn from this member's own stream. */
int64_t sl_rmember_processing_us(sl_rmember_t *m) {
    return sl_processing_us(&m->rng, m->cfg.processing_median_us, m->cfg.processing_p99_us, 1);
}

/* Forgets the member id, keeping it for late coordinator lines (mu). */
void sl_rmember_forget_id(sl_rmember_t *m) {
    if (!m->member_id[0])
        return;
    snprintf(m->old_ids[m->n_old_ids % 4], sizeof m->old_ids[0], "%s", m->member_id);
    m->n_old_ids++;
    m->member_id[0] = 0;
}

static void partitions_str(const rd_kafka_topic_partition_list_t *l, char *buf, size_t n) {
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < l->cnt && used + 16 < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s-%d", i ? "," : "", l->elems[i].topic,
                                 l->elems[i].partition);
}

/* ---- callbacks (librdkafka threads, or the member's thread for rebalance) ---- */

/* ---- what a member's rebalance callbacks mean (both clients) ---- */

/* The member now holds parts[0..n) (group partition indexes) in its
 * current generation; list names them for the trace (caller holds mu). */
void sl_rmember_assigned_locked(sl_rrun_t *run, sl_rmember_t *m, const int *parts, int n, const char *list,
                                const char *client_name) {
    sl_rgroup_t *g = &run->groups[m->group];
    int64_t now = sl_rstamp_locked(run);
    m->assigned_gen = m->joined_gen;
    m->rejoining = 0;
    for (int i = 0; i < n; i++) {
        int p = parts[i];
        if (p >= 0 && !m->owned[p]) {
            m->owned[p] = 1;
            g->owners[p]++;
        }
    }
    int64_t cause = g->stable_seq > g->join_seq ? g->stable_seq : g->join_seq;
    m->assign_seq = m->last_seq = sl_rtrace_locked(run, now, "member.assigned", m->cl.node, g->cfg->id, m->member_id,
                                                   m->assigned_gen, cause >= 0 ? cause : m->last_seq,
                                                   "%d partitions: %s", n, list);
    if (client_name) /* the Java client logs its own ("Adding newly assigned partitions") */
        sl_rlog_locked(run, now, m->cl.node, 6, "REBALANCE [%s] assigned %d partition(s) in generation %d: %s",
                       client_name, n, m->assigned_gen, list);
    sl_rgroup_changed_locked(run, g, m->assign_seq);
}

/* The member gave up parts[0..n): revoked, or lost without a commit
 * (caller holds mu). */
void sl_rmember_revoked_locked(sl_rrun_t *run, sl_rmember_t *m, int lost, const int *parts, int n, const char *list,
                               const char *client_name) {
    sl_rgroup_t *g = &run->groups[m->group];
    int64_t now = sl_rstamp_locked(run);
    int64_t cause = lost ? m->last_seq : (g->rebalancing && g->rebalance_seq > m->assign_seq ? g->rebalance_seq : m->last_seq);
    int64_t seq = sl_rtrace_locked(run, now, lost ? "member.lost" : "member.revoked", m->cl.node, g->cfg->id,
                                   m->member_id, m->assigned_gen, cause, "%d partitions%s: %s", n,
                                   lost ? " lost (no commit)" : " revoked", list);
    if (client_name)
        sl_rlog_locked(run, now, m->cl.node, 6, "REBALANCE [%s] %s %d partition(s): %s", client_name,
                       lost ? "lost" : "revoking", n, list);
    m->last_seq = seq;
    for (int i = 0; i < n; i++) {
        int p = parts[i];
        if (p >= 0 && m->owned[p]) {
            m->owned[p] = 0;
            g->owners[p]--;
        }
    }
    if (!m->stop_req)
        m->rejoining = 1;
    sl_rgroup_member_rebalance_locked(run, g, seq, lost ? "a member lost its assignment" : "a member revoked");
    sl_rgroup_changed_locked(run, g, seq);
}

/* The member's client is gone (closed, or its process killed): it holds
 * nothing, and the group is told (caller holds mu). */
void sl_rmember_ended_locked(sl_rrun_t *run, sl_rmember_t *m, const char *how) {
    sl_rgroup_t *g = &run->groups[m->group];
    int64_t now = sl_rstamp_locked(run);
    for (int p = 0; p < g->n_parts; p++)
        if (m->owned[p]) {
            m->owned[p] = 0;
            g->owners[p]--;
        }
    m->running = 0;
    m->assigned_gen = m->joined_gen = -1;
    m->rejoining = 0;
    sl_rmember_forget_id(m);
    m->last_seq = sl_rtrace_locked(run, now, "member.stop", m->cl.node, g->cfg->id, NULL, -1, m->last_seq, "%s", how);
    g->leave_seq = m->last_seq;
    sl_rgroup_changed_locked(run, g, m->last_seq);
    pthread_cond_broadcast(&run->cv);
}

/* Group partition indexes of a librdkafka list. */
static int *list_parts(sl_rrun_t *run, sl_rmember_t *m, const rd_kafka_topic_partition_list_t *l) {
    int *parts = malloc((size_t)(l->cnt > 0 ? l->cnt : 1) * sizeof *parts);
    for (int i = 0; parts && i < l->cnt; i++)
        parts[i] = sl_rgroup_part(run, &run->groups[m->group], l->elems[i].topic, l->elems[i].partition);
    return parts;
}

/* ---- callbacks (librdkafka threads, or the member's thread for rebalance) ---- */

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    sl_rmember_t *m = opaque;
    sl_rrun_t *run = m->cl.run;
    int cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
    char list[1024];
    partitions_str(parts, list, sizeof list);
    int *idx = list_parts(run, m, parts);
    int n = idx ? parts->cnt : 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        pthread_mutex_lock(&run->mu);
        sl_rmember_assigned_locked(run, m, idx, n, list, rd_kafka_name(rk));
        pthread_mutex_unlock(&run->mu);
        free(idx);
        if (cooperative)
            rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
        else
            rd_kafka_assign(rk, parts);
        return;
    }
    int lost = rd_kafka_assignment_lost(rk);
    pthread_mutex_lock(&run->mu);
    sl_rmember_revoked_locked(run, m, lost, idx, n, list, rd_kafka_name(rk));
    int64_t on_revoke = m->cfg.on_revoke_us;
    int sync = m->cfg.commit == SL_COMMIT_SYNC_PER_BATCH;
    pthread_mutex_unlock(&run->mu);
    free(idx);
    sleep_us(on_revoke); /* the application's revoke callback: commit, flush */
    if (!lost && sync)
        rd_kafka_commit(rk, NULL, 0);
    if (cooperative)
        rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
    else
        rd_kafka_assign(rk, NULL);
}

static void on_commit(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *offsets,
                      void *opaque) {
    (void)rk;
    sl_rmember_t *m = opaque;
    sl_rrun_t *run = m->cl.run;
    sl_rgroup_t *g = &run->groups[m->group];
    if (err || !offsets)
        return;
    pthread_mutex_lock(&run->mu);
    for (int i = 0; i < offsets->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &offsets->elems[i];
        int p = sl_rgroup_part(run, g, tp->topic, tp->partition);
        if (p >= 0 && !tp->err && tp->offset >= 0)
            g->committed[p] = tp->offset;
    }
    pthread_mutex_unlock(&run->mu);
}

static int logged_fac(const char *fac) {
    static const char *const facs[] = {"JOIN", "JOINGROUP", "HEARTBEAT", "REJOIN", "SYNCGROUP", "SESSTMOUT", "MAXPOLL"};
    for (size_t i = 0; i < sizeof facs / sizeof *facs; i++)
        if (!strcmp(fac, facs[i]))
            return 1;
    return 0;
}

/* librdkafka prefixes its lines with "[thrd:NAME]: ". */
const char *sl_rstrip_thread(const char *buf) {
    if (!strncmp(buf, "[thrd:", 6)) {
        const char *e = strstr(buf, "]: ");
        if (e)
            return e + 3;
    }
    return buf;
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *line) {
    sl_rmember_t *m = rd_kafka_opaque(rk);
    if (!m)
        return;
    const char *buf = sl_rstrip_thread(line);
    if (!strcmp(fac, "HEARTBEAT") && !strstr(buf, "error") && !strstr(buf, "failed"))
        return; /* every successful heartbeat: noise */
    sl_rrun_t *run = m->cl.run;
    sl_rgroup_t *g = &run->groups[m->group];
    if (level >= 7 && !logged_fac(fac))
        return;
    char mid[128] = "", err[160] = "";
    int gen = -1;
    const char *p;
    pthread_mutex_lock(&run->mu);
    int64_t now = sl_rstamp_locked(run);
    sl_rlog_locked(run, now, m->cl.node, level, "%s [%s] %s", fac, rd_kafka_name(rk), buf);
    if (!strcmp(fac, "JOIN") && strstr(buf, "Joining group")) {
        m->last_seq = g->member_join_seq =
            sl_rtrace_locked(run, now, "member.join", m->cl.node, g->cfg->id, m->member_id, m->joined_gen,
                             m->last_seq, "JoinGroup sent%s", m->member_id[0] ? "" : " (no member id yet)");
    } else if (!strcmp(fac, "JOINGROUP") && (p = strstr(buf, "GenerationId ")) && sscanf(p, "GenerationId %d", &gen) == 1 &&
               (p = strstr(buf, "my MemberId ")) && sscanf(p, "my MemberId %127[^,]", mid) == 1 && gen >= 0 &&
               (strstr(buf, ": (no error)") || strstr(buf, ": Success"))) {
        if (strcmp(m->member_id, mid))
            sl_rmember_forget_id(m);
        snprintf(m->member_id, sizeof m->member_id, "%s", mid);
        m->joined_gen = gen;
        m->last_seq = sl_rtrace_locked(run, now, "member.joined", m->cl.node, g->cfg->id, m->member_id, gen,
                                       m->last_seq, "JoinGroup answered: generation %d%s", gen,
                                       strstr(buf, "(me)") ? ", leader" : "");
        sl_rgroup_member_generation_locked(run, g, gen, m->last_seq);
    } else if (!strcmp(fac, "HEARTBEAT") && strstr(buf, "heartbeat error response") &&
               (p = strrchr(buf, ':')) && sscanf(p + 1, " %159[^\n]", err) == 1) {
        if (strstr(err, "rebalance in progress")) {
            int64_t cause = g->rebalance_seq >= 0 && g->rebalancing ? g->rebalance_seq : m->last_seq;
            m->last_seq = sl_rtrace_locked(run, now, "member.rejoin_needed", m->cl.node, g->cfg->id, m->member_id,
                                           m->joined_gen, cause, "heartbeat answered REBALANCE_IN_PROGRESS");
            sl_rgroup_member_rebalance_locked(run, g, m->last_seq, "heartbeat answered REBALANCE_IN_PROGRESS");
        } else if (strstr(err, "Unknown member") || strstr(err, "generation")) {
            m->last_seq = sl_rtrace_locked(run, now, "member.fenced", m->cl.node, g->cfg->id, m->member_id,
                                           m->joined_gen, m->last_seq, "heartbeat answered %s",
                                           strstr(err, "Unknown member") ? "UNKNOWN_MEMBER_ID" : "ILLEGAL_GENERATION");
            m->rejoining = 1;
            sl_rgroup_member_rebalance_locked(run, g, m->last_seq, "a member was fenced");
        }
    } else if (!strcmp(fac, "SESSTMOUT")) {
        m->last_seq = sl_rtrace_locked(run, now, "member.session_timeout", m->cl.node, g->cfg->id, m->member_id,
                                       m->joined_gen, m->blame >= 0 ? m->blame : m->last_seq,
                                       "client-side session timer (librdkafka) expired");
        m->rejoining = 1;
        sl_rmember_forget_id(m);
    } else if (!strcmp(fac, "MAXPOLL")) {
        m->last_seq = sl_rtrace_locked(run, now, "member.poll_timeout", m->cl.node, g->cfg->id, m->member_id,
                                       m->joined_gen, m->blame >= 0 ? m->blame : m->last_seq,
                                       "max.poll.interval.ms passed without a poll(); leaving the group");
        m->rejoining = 1;
    }
    sl_rgroup_changed_locked(run, g, m->last_seq);
    pthread_mutex_unlock(&run->mu);
}

/* ---- the poll loop ---- */

typedef struct mthread_s {
    sl_rmember_t *m;
    rd_kafka_t *rk;
} mthread_t;

/* Waits while stalled or paused; returns 1 when asked to stop. */
static int wait_free(sl_rrun_t *run, sl_rmember_t *m) {
    pthread_mutex_lock(&run->mu);
    while (!m->stop_req && (m->stalled || m->paused)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&run->cv, &run->mu, &ts);
    }
    int stop = m->stop_req;
    pthread_mutex_unlock(&run->mu);
    return stop;
}

static void *member_main(void *arg) {
    mthread_t *mt = arg;
    sl_rmember_t *m = mt->m;
    rd_kafka_t *rk = mt->rk;
    sl_rrun_t *run = m->cl.run;
    free(mt);
    int max = m->cfg.max_poll_records > 0 ? m->cfg.max_poll_records : 500;
    rd_kafka_message_t **batch = calloc((size_t)max, sizeof *batch);
    rd_kafka_topic_partition_list_t *done = rd_kafka_topic_partition_list_new(8);
    while (batch && !wait_free(run, m)) {
        int n = 0;
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
        while (msg) {
            batch[n++] = msg;
            msg = n < max ? rd_kafka_consumer_poll(rk, 0) : NULL;
        }
        int64_t debt = 0;
        for (int i = 0; i < n; i++) {
            msg = batch[i];
            if (msg->err) {
                rd_kafka_message_destroy(msg);
                continue;
            }
            debt += sl_rmember_processing_us(m);
            if (debt >= 2000) {
                sleep_us(debt);
                debt = 0;
            }
            if (wait_free(run, m)) { /* stop while processing: the rest is not done */
                for (int k = i; k < n; k++)
                    rd_kafka_message_destroy(batch[k]);
                n = 0;
                break;
            }
            int topic;
            int64_t seq;
            if (!sl_racct_parse(run, msg->payload, msg->len, &topic, &seq)) {
                pthread_mutex_lock(&run->mu);
                sl_racct_consumed_locked(run, m, topic, seq);
                pthread_mutex_unlock(&run->mu);
            }
            rd_kafka_topic_partition_t *tp =
                rd_kafka_topic_partition_list_find(done, rd_kafka_topic_name(msg->rkt), msg->partition);
            if (!tp)
                tp = rd_kafka_topic_partition_list_add(done, rd_kafka_topic_name(msg->rkt), msg->partition);
            tp->offset = msg->offset + 1;
            rd_kafka_message_destroy(msg);
        }
        sleep_us(debt);
        if (done->cnt) {
            /* processed: now it may be committed (fails harmlessly for a
             * partition revoked meanwhile) */
            rd_kafka_offsets_store(rk, done);
            if (m->cfg.commit == SL_COMMIT_SYNC_PER_BATCH)
                rd_kafka_commit(rk, NULL, 0);
            rd_kafka_topic_partition_list_destroy(done);
            done = rd_kafka_topic_partition_list_new(8);
        }
    }
    free(batch);
    rd_kafka_topic_partition_list_destroy(done);
    pthread_mutex_lock(&run->mu);
    int hard = m->stop_hard;
    pthread_mutex_unlock(&run->mu);
    if (hard) {
        rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    } else {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    pthread_mutex_lock(&run->mu);
    sl_rmember_ended_locked(run, m, hard ? "process killed: no LeaveGroup, no commit" : "consumer closed (LeaveGroup)");
    pthread_mutex_unlock(&run->mu);
    return NULL;
}

static const char *assignor_conf(sl_assignor_t a) {
    switch (a) {
    case SL_ASSIGN_ROUNDROBIN: return "roundrobin";
    case SL_ASSIGN_COOPERATIVE_STICKY: return "cooperative-sticky";
    default: return "range";
    }
}

int sl_rmember_start(sl_rrun_t *run, sl_rmember_t *m, int64_t cause, char *err, size_t errsz) {
    sl_rgroup_t *g = &run->groups[m->group];
    if (m->cfg.client == SL_CLIENT_JAVA && run->java_cmd)
        return sl_rjava_start(run, m, cause, err, errsz);
    if (m->thread_alive) { /* the previous incarnation must be gone */
        pthread_join(m->thread, NULL);
        m->thread_alive = 0;
    }
    m->java = 0;
    char v[64], e[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    sl_rconf_set(conf, "bootstrap.servers", run->cluster->bootstrap);
    sl_rconf_set(conf, "group.id", g->cfg->id);
    snprintf(v, sizeof v, "stormlab-%s-%d", g->cfg->id, m->index);
    sl_rconf_set(conf, "client.id", v);
    snprintf(v, sizeof v, "%lld", (long long)(m->cfg.session_timeout_us / 1000));
    sl_rconf_set(conf, "session.timeout.ms", v);
    snprintf(v, sizeof v, "%lld", (long long)(m->cfg.heartbeat_interval_us / 1000));
    sl_rconf_set(conf, "heartbeat.interval.ms", v);
    snprintf(v, sizeof v, "%lld", (long long)(m->cfg.max_poll_interval_us / 1000));
    sl_rconf_set(conf, "max.poll.interval.ms", v);
    sl_rconf_set(conf, "partition.assignment.strategy", assignor_conf(m->cfg.assignor));
    if (m->cfg.static_membership) {
        snprintf(v, sizeof v, "%s-%d", g->cfg->id, m->index);
        sl_rconf_set(conf, "group.instance.id", v);
    }
    sl_rconf_set(conf, "enable.auto.commit", m->cfg.commit == SL_COMMIT_AUTO ? "true" : "false");
    sl_rconf_set(conf, "enable.auto.offset.store", "false");
    snprintf(v, sizeof v, "%lld", (long long)(m->cfg.auto_commit_interval_us / 1000));
    sl_rconf_set(conf, "auto.commit.interval.ms", v);
    snprintf(v, sizeof v, "%lld", (long long)(m->cfg.request_timeout_us / 1000));
    sl_rconf_set(conf, "socket.timeout.ms", v);
    snprintf(v, sizeof v, "%lld", (long long)(m->cfg.fetch_max_wait_us / 1000));
    sl_rconf_set(conf, "fetch.wait.max.ms", v);
    sl_rconf_set(conf, "auto.offset.reset", "earliest");
    sl_rconf_set(conf, "debug", "cgrp");
    rd_kafka_conf_set_opaque(conf, m);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_offset_commit_cb(conf, on_commit);
    rd_kafka_conf_set_connect_cb(conf, sl_rlinks_connect_cb);
    pthread_mutex_lock(&run->mu);
    m->stop_req = m->stop_hard = 0;
    m->running = 1;
    m->rejoining = 0;
    m->joined_gen = m->assigned_gen = -1;
    sl_rmember_forget_id(m);
    m->incarnation++;
    int64_t now = sl_rstamp_locked(run);
    m->last_seq = sl_rtrace_locked(run, now, "member.start", m->cl.node, g->cfg->id, NULL, -1, cause,
                                   "consumer started (librdkafka %s, session.timeout.ms=%lld, assignor %s)",
                                   rd_kafka_version_str(), (long long)(m->cfg.session_timeout_us / 1000),
                                   assignor_conf(m->cfg.assignor));
    pthread_mutex_unlock(&run->mu);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof e);
    if (!rk) {
        snprintf(err, errsz, "%s: cannot create its consumer: %s", m->cl.node, e);
        pthread_mutex_lock(&run->mu);
        m->running = 0;
        pthread_mutex_unlock(&run->mu);
        return -1;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(g->cfg->n_topics);
    for (int k = 0; k < g->cfg->n_topics; k++)
        rd_kafka_topic_partition_list_add(sub, sl_scenario_topic(run->sc, g->cfg->topics[k])->name, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t se = rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    mthread_t *mt = malloc(sizeof *mt);
    if (mt) {
        mt->m = m;
        mt->rk = rk;
    }
    if (se || !mt || pthread_create(&m->thread, NULL, member_main, mt) != 0) {
        snprintf(err, errsz, "%s: cannot start: %s", m->cl.node, se ? rd_kafka_err2str(se) : "no thread");
        free(mt);
        rd_kafka_destroy(rk);
        pthread_mutex_lock(&run->mu);
        m->running = 0;
        pthread_mutex_unlock(&run->mu);
        return -1;
    }
    m->thread_alive = 1;
    return 0;
}

void sl_rmember_stop(sl_rrun_t *run, sl_rmember_t *m, int hard, int64_t cause) {
    pthread_mutex_lock(&run->mu);
    if ((m->running || (m->java && m->pid > 0)) && !m->stop_req) { /* a Java member may not have joined yet */
        m->stop_req = 1;
        m->stop_hard = hard;
        m->last_seq = cause;
        if (m->java && hard && m->pid > 0)
            kill(m->pid, SIGKILL);
        else if (m->java)
            sl_rjava_send_locked(m, "close");
        pthread_cond_broadcast(&run->cv);
    }
    pthread_mutex_unlock(&run->mu);
}

void sl_rmember_set_paused(sl_rrun_t *run, sl_rmember_t *m, int on) {
    pthread_mutex_lock(&run->mu);
    m->paused = on;
    if (m->java && m->pid > 0)
        kill(m->pid, on ? SIGSTOP : SIGCONT);
    int java = m->java;
    pthread_cond_broadcast(&run->cv);
    pthread_mutex_unlock(&run->mu);
    if (!java)
        sl_rlinks_pause_member(run, m, on);
}

void sl_rmember_set_stalled(sl_rrun_t *run, sl_rmember_t *m, int on, int64_t cause) {
    (void)cause;
    pthread_mutex_lock(&run->mu);
    m->stalled = on;
    if (m->java)
        sl_rjava_send_locked(m, on ? "stall 1" : "stall 0");
    pthread_cond_broadcast(&run->cv);
    pthread_mutex_unlock(&run->mu);
}
