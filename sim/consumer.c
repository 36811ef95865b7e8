/*
 * A Java consumer (KafkaConsumer with the classic protocol): the
 * application's poll loop and the client's heartbeat thread
 * (AbstractCoordinator, ConsumerCoordinator).
 *
 * The poll loop processes max_poll_records per poll at the `processing`
 * distribution; JoinGroup is only sent from inside poll(), so a member busy
 * with a batch stretches everyone's rebalance.  The heartbeat thread sends a
 * heartbeat every heartbeat_interval while the member is Stable, marks the
 * coordinator unknown when no heartbeat succeeded for a session timeout, and
 * leaves the group (dynamic members) when poll() was not called for
 * max_poll_interval.  A frozen process (pause) defers everything it would
 * have done to the moment it thaws.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assert-internal.h"
#include "consumer-internal.h"
#include "model-internal.h"

#define RDK_COORD_QUERY_US 500000 /* librdkafka re-queries the coordinator every 500 ms */
#define RDK_API_VERSION_TIMEOUT_US 10000000 /* api.version.request.timeout.ms */
#define RDK_MAX_POLL_CHECK_US 500000 /* and checks max.poll.interval.ms twice a second */
#define JOIN_GROUP_TIMEOUT_LAPSE_US 5000000 /* Java adds 5s to the rebalance timeout */

static void do_poll(sl_sim_t *s, sl_member_t *m);
static void end_flow(sl_sim_t *s, sl_member_t *m);
static void stop_flow(sl_member_t *m);
static void wake_polls(sl_sim_t *s, sl_member_t *m);
void sl_c_ensure_find(sl_sim_t *s, sl_member_t *m);
static void hb_arm(sl_sim_t *s, sl_member_t *m);
static void send_join(sl_sim_t *s, sl_member_t *m);
static void handle_response(sl_sim_t *s, sl_member_t *m, sl_msg_t *r);

static const char *group_id(const sl_member_t *m) { return m->g->cfg->id; }

/* KIP-429: a cooperative member keeps its partitions through a rebalance. */
static bool cooperative(const sl_member_t *m) { return sl_assignor_is_cooperative(m->cfg.assignor); }

static bool frozen(const sl_member_t *m) { return m->proc == PROC_PAUSED; }

/* A frozen process does nothing: the work waits until it thaws. */
bool sl_c_defer_if_frozen(sl_sim_t *s, sl_member_t *m, sl_timer_t *t) {
    if (!frozen(m))
        return false;
    if (m->paused_until_us <= sl_now(s)) {
        m->proc = PROC_RUNNING; /* the pause is over even if nobody said so */
        return false;
    }
    sl_timer_arm(&s->eng, t, m->paused_until_us, t->cause);
    return true;
}

static void member_id_str(sl_sim_t *s, const sl_member_t *m, sl_mid_t id, char *buf, size_t n) {
    sl_member_id_str(s, m->g, id, buf, n);
}

/* ---- ownership ---- */

void sl_c_release(sl_sim_t *s, sl_member_t *m, bool lost, int64_t cause) {
    wake_polls(s, m); /* its virtual commits happened; the partitions leave it */
    end_flow(s, m);
    if (m->n_owned == 0)
        return;
    for (int i = 0; i < m->n_owned; i++)
        m->g->parts[m->owned[i]].owners--;
    sl_trace(s, lost ? "member.lost" : "member.revoked", m->node, m->g->index, m->member_id, m->generation, cause,
             "%d partitions %s", m->n_owned, lost ? "lost (uncommitted work will be redelivered)" : "revoked");
    if (lost)
        LOGM(s, m, "WARN", "Lost previously assigned partitions (%d partitions)", m->n_owned);
    else
        LOGM(s, m, "INFO", "Revoke previously assigned partitions (%d partitions)", m->n_owned);
    free(m->owned);
    m->owned = NULL;
    m->n_owned = 0;
    sl_metrics_group_changed(s, m->g, cause);
}

/* ---- requests ---- */

static void inflight_timeout(void *ctx, sl_timer_t *t);

uint32_t sl_c_send_req(sl_sim_t *s, sl_member_t *m, int slot, sl_msg_t *req, int broker, int64_t timeout_us) {
    sl_inflight_t *f = &m->inflight[slot];
    req->req_id = ++m->next_req_id;
    req->group = m->g->index;
    f->req_id = req->req_id;
    f->broker = broker;
    f->timeout_us = timeout_us;
    sl_timer_arm(&s->eng, &f->timeout, sl_now(s) + timeout_us, req->cause);
    sl_net_send(s, req);
    return req->req_id;
}

sl_msg_t *sl_c_new_req(sl_sim_t *s, sl_member_t *m, sl_msg_kind_t kind, int broker, int64_t cause) {
    sl_msg_t *r = sl_msg_new(s, kind, m->node, sl_broker_node(broker), cause);
    r->member_id = m->member_id;
    r->generation = m->generation;
    return r;
}

void sl_c_clear_inflight(sl_sim_t *s, sl_member_t *m, int slot) {
    m->inflight[slot].req_id = 0;
    sl_timer_cancel(&s->eng, &m->inflight[slot].timeout);
}

/* Fails every request in flight to broker with a network error, as Java
 * does when it disconnects a node. */
static void fail_broker_requests(sl_sim_t *s, sl_member_t *m, int broker, int64_t cause) {
    if (broker == m->reconnect_broker)
        sl_timer_cancel(&s->eng, &m->reconnect_timer);
    sl_net_close(s, m->node, broker); /* Java disconnects the node: its socket closes */
    for (int i = 0; i < IF__COUNT; i++) {
        sl_inflight_t *f = &m->inflight[i];
        if (!f->req_id || f->broker != broker)
            continue;
        sl_msg_t r = {0};
        r.kind = MSG_RESPONSE;
        r.req_kind = i == IF_FIND ? MSG_FIND_COORDINATOR
                     : i == IF_HEARTBEAT ? (sl_c848(m) ? MSG_CONSUMER_HEARTBEAT : MSG_HEARTBEAT)
                     : i == IF_COMMIT  ? MSG_COMMIT
                                       : m->mstate == MS_SYNCING ? MSG_SYNC : MSG_JOIN;
        r.req_id = f->req_id;
        r.err = KE_NETWORK_EXCEPTION;
        r.cause = cause;
        r.group = m->g->index;
        handle_response(s, m, &r);
    }
}

/* How long the client has had its connection to broker up, for
 * librdkafka's "(after N ms in state UP)". */
static long long up_ms(const sl_sim_t *s, const sl_member_t *m, int broker) {
    int64_t up = sl_net_conn_up_us(s, m->node, broker);
    return up < 0 || up > sl_now(s) ? 0 : (long long)((sl_now(s) - up) / 1000);
}

static void inflight_timeout(void *ctx, sl_timer_t *t) {
    sl_inflight_t *f = ctx;
    sl_member_t *m = f->m;
    sl_sim_t *s = m->sim;
    if (sl_c_defer_if_frozen(s, m, t))
        return;
    LOGM(s, m, "INFO", "Disconnecting from node %d due to request timeout.", f->broker);
    /* librdkafka: the request times out, and with socket.max.fails=1 the
     * first timeout takes the connection down (rd_kafka_broker_timeout_scan). */
    LOGK(s, m, 4, "REQTMOUT", "broker%d:9092/%d: Timed out %s in flight (after %lldms, timeout #0)", f->broker,
         f->broker, f == &m->inflight[IF_HEARTBEAT] ? "HeartbeatRequest" : f == &m->inflight[IF_FIND]
                                                                           ? "FindCoordinatorRequest"
                                                                           : f == &m->inflight[IF_COMMIT]
                                                                               ? "OffsetCommitRequest"
                                                                               : "JoinGroupRequest",
         (long long)(f->timeout_us / 1000));
    LOGK(s, m, 4, "REQTMOUT", "broker%d:9092/%d: Timed out 1 in-flight, 0 retry-queued, 0 out-queue, 0 partially-sent "
         "requests", f->broker, f->broker);
    LOGK(s, m, 3, "FAIL", "broker%d:9092/%d: 1 request(s) timed out: disconnect (after %lldms in state UP)", f->broker,
         f->broker, up_ms(s, m, f->broker));
    if (m->cfg.client == SL_CLIENT_LIBRDKAFKA && !sl_net_reachable(s, m->node, sl_broker_node(f->broker))) {
        /* librdkafka reconnects at once and queues its requests for the new
         * connection, whose ApiVersionRequest cannot pass the cut: only when
         * that times out (api.version.request.timeout.ms, 10 s) does the
         * transport fail and take the coordinator with it.  Meanwhile the
         * lost broker sends a metadata refresh to another broker, the one
         * then asked for the coordinator (measured on librdkafka 2.0.2
         * through the fault proxy: docs/fidelity.md). */
        sl_net_close(s, m->node, f->broker);
        int other = f->broker % s->n_brokers + 1;
        if (other != f->broker) {
            sl_net_send(s, sl_msg_new(s, MSG_BACKGROUND, m->node, sl_broker_node(other), m->blame_seq));
            m->query_broker = other;
        }
        for (int i = 0; i < IF__COUNT; i++)
            if (m->inflight[i].req_id && m->inflight[i].broker == f->broker)
                sl_timer_cancel(&s->eng, &m->inflight[i].timeout);
        m->reconnect_broker = f->broker;
        sl_timer_arm(&s->eng, &m->reconnect_timer, sl_now(s) + RDK_API_VERSION_TIMEOUT_US, m->blame_seq);
        return;
    }
    fail_broker_requests(s, m, f->broker, m->blame_seq);
}

static void reconnect_timeout(void *ctx, sl_timer_t *t) {
    sl_member_t *m = ctx;
    sl_sim_t *s = m->sim;
    if (m->proc == PROC_DOWN || sl_c_defer_if_frozen(s, m, t))
        return;
    int b = m->reconnect_broker;
    LOGK(s, m, 4, "REQTMOUT", "broker%d:9092/%d: Timed out ApiVersionRequest in flight (after %lldms, timeout #0)", b,
         b, (long long)(RDK_API_VERSION_TIMEOUT_US / 1000));
    LOGK(s, m, 4, "FAIL", "broker%d:9092/%d: ApiVersionRequest failed: Local: Timed out: probably due to broker "
         "version < 0.10 (see api.version.request configuration) (after %lldms in state APIVERSION_QUERY)", b, b,
         (long long)(RDK_API_VERSION_TIMEOUT_US / 1000));
    fail_broker_requests(s, m, b, m->blame_seq);
}

void sl_member_broker_reset(sl_sim_t *s, sl_member_t *m, int broker, int64_t cause) {
    if (m->proc != PROC_RUNNING)
        return;
    sl_member_wake_heartbeats(s, m);
    bool any = false;
    for (int i = 0; i < IF__COUNT; i++)
        any |= m->inflight[i].req_id && m->inflight[i].broker == broker;
    if (!any && m->coordinator != broker)
        return;
    m->blame_seq = cause;
    LOGK(s, m, 3, "FAIL", "broker%d:9092/%d: Disconnected (after %lldms in state UP)", broker, broker,
         up_ms(s, m, broker));
    fail_broker_requests(s, m, broker, cause);
    if (m->coordinator == broker) {
        /* The connection to the coordinator dropped. */
        LOGM(s, m, "INFO",
             "Group coordinator broker%d:9092 (id: %d rack: null) is unavailable or invalid due to cause: "
             "coordinator unavailable. isDisconnected: true. Rediscovery will be attempted.",
             broker, 2147483647 - broker);
        m->find_cause = sl_trace(s, "member.coordinator_unknown", m->node, m->g->index, m->member_id,
                                 m->generation, cause, "connection to coordinator broker %d reset", broker);
        m->coordinator = 0;
        sl_c_ensure_find(s, m);
    }
}

/* ---- coordinator discovery ---- */

void sl_c_mark_unknown(sl_sim_t *s, sl_member_t *m, const char *why, bool disconnected,
                                     int64_t cause) {
    sl_member_wake_heartbeats(s, m);
    if (!m->coordinator)
        return;
    int old = m->coordinator;
    LOGM(s, m, "INFO",
         "Group coordinator broker%d:9092 (id: %d rack: null) is unavailable or invalid due to cause: %s. "
         "isDisconnected: %s. Rediscovery will be attempted.",
         old, 2147483647 - old, why, disconnected ? "true" : "false");
    m->find_cause = sl_trace(s, "member.coordinator_unknown", m->node, m->g->index, m->member_id, m->generation,
                             cause, "%s", why);
    m->coordinator = 0;
    m->find_attempts++; /* rediscovery backs off until the coordinator answers */
    if (!disconnected && m->cfg.client == SL_CLIENT_JAVA) {
        /* AbstractCoordinator.markCoordinatorUnknown: the Java client drops
         * its coordinator connection, cancelling what is in flight on it
         * (heartbeats, commits held by a cut never arrive as answers). */
        LOGM(s, m, "INFO", "Requesting disconnect from last known coordinator broker%d:9092 (id: %d rack: null)", old,
             2147483647 - old);
        disconnected = true;
    }
    if (m->cfg.client == SL_CLIENT_LIBRDKAFKA && m->mstate == MS_STABLE)
        sl_timer_arm(&s->eng, &m->hb_timer, m->last_hb_ok_us + m->cfg.session_timeout_us > sl_now(s)
                                                ? m->last_hb_ok_us + m->cfg.session_timeout_us
                                                : sl_now(s), -1);
    if (disconnected)
        fail_broker_requests(s, m, old, cause);
    sl_c_ensure_find(s, m);
}

int64_t sl_c_backoff_us(sl_member_t *m, int attempts) {
    /* retry.backoff.ms doubling up to retry.backoff.max.ms, jitter 0.2. */
    double b = (double)m->cfg.retry_backoff_us;
    for (int i = 0; i < attempts && b < (double)m->cfg.retry_backoff_max_us; i++)
        b *= 2;
    if (b > (double)m->cfg.retry_backoff_max_us)
        b = (double)m->cfg.retry_backoff_max_us;
    double j = 1.0 + 0.2 * (2.0 * sl_rng_unit(&m->rng) - 1.0);
    return (int64_t)(b * j);
}

static void send_find(sl_sim_t *s, sl_member_t *m) {
    /* Java asks the least loaded node; rotate over brokers.  librdkafka
     * asks the broker it used last (query_broker, when set). */
    int broker = m->query_broker;
    m->query_broker = 0;
    for (int i = 0; !broker && i < s->n_brokers; i++) {
        /* least loaded: a node with its connection up, not one just
         * disconnected and reconnecting */
        int b = (int)((m->index + m->find_attempts + i) % s->n_brokers) + 1;
        if (sl_net_conn_up_us(s, m->node, b) >= 0)
            broker = b;
    }
    if (!broker)
        broker = (int)((m->index + m->find_attempts) % s->n_brokers) + 1;
    sl_msg_t *req = sl_c_new_req(s, m, MSG_FIND_COORDINATOR, broker, m->find_cause);
    sl_c_send_req(s, m, IF_FIND, req, broker, m->cfg.request_timeout_us);
}

static void find_timer_cb(void *ctx, sl_timer_t *t) {
    sl_member_t *m = ctx;
    sl_sim_t *s = m->sim;
    if (m->proc == PROC_DOWN || sl_c_defer_if_frozen(s, m, t))
        return;
    if (!m->coordinator && !m->inflight[IF_FIND].req_id)
        send_find(s, m);
}

void sl_c_ensure_find(sl_sim_t *s, sl_member_t *m) {
    if (m->proc == PROC_DOWN || m->coordinator || m->inflight[IF_FIND].req_id || sl_timer_armed(&m->find_timer))
        return;
    int64_t delay = m->find_attempts > 0 ? sl_c_backoff_us(m, m->find_attempts - 1) : 0;
    if (m->cfg.client == SL_CLIENT_LIBRDKAFKA && m->find_attempts > 0)
        delay = RDK_COORD_QUERY_US; /* a fixed cadence, not a backoff */
    sl_timer_arm(&s->eng, &m->find_timer, sl_now(s) + delay, m->find_cause);
}

/* A coordinator that answers ends the rediscovery backoff. */
static void coordinator_answered(sl_member_t *m) { m->find_attempts = 0; }

static void on_find_response(sl_sim_t *s, sl_member_t *m, sl_msg_t *r) {
    if (r->err == KE_NONE && r->coordinator) {
        m->coordinator = r->coordinator;
        if (m->cfg.client == SL_CLIENT_JAVA)
            m->last_hb_ok_us = sl_now(s); /* Java's session check restarts with a fresh coordinator */
        LOGM(s, m, "INFO", "Discovered group coordinator broker%d:9092 (id: %d rack: null)", r->coordinator,
             2147483647 - r->coordinator);
        if (r->coordinator != m->last_found)
            sl_trace(s, "member.coordinator_found", m->node, m->g->index, m->member_id, m->generation, r->cause,
                     "coordinator is broker %d", r->coordinator);
        m->last_found = r->coordinator;
        if (m->cfg.client == SL_CLIENT_JAVA && !sl_broker_listening(s, r->coordinator)) {
            /* Java connects to the coordinator it found at once (tryConnect)
             * and, refused, marks it unknown and backs off before asking
             * again, longer each time (ensureCoordinatorReady). */
            sl_c_mark_unknown(s, m, "coordinator unavailable", true, r->cause);
            return;
        }
        if (sl_c848(m)) {
            sl_c848_coordinator_found(s, m);
            return;
        }
        if (m->in_poll)
            do_poll(s, m);
        if (m->mstate == MS_STABLE)
            hb_arm(s, m);
        return;
    }
    m->find_attempts++;
    int64_t delay = m->cfg.client == SL_CLIENT_LIBRDKAFKA ? RDK_COORD_QUERY_US : sl_c_backoff_us(m, m->find_attempts - 1);
    sl_timer_arm(&s->eng, &m->find_timer, sl_now(s) + delay, r->cause);
}

/* ---- joining ---- */

static uint32_t protocol_hash(const sl_member_t *m) { return 1u + (uint32_t)m->cfg.assignor; }

static void reset_membership(sl_sim_t *s, sl_member_t *m, bool reset_id, int64_t cause) {
    sl_member_wake_heartbeats(s, m);
    sl_c_release(s, m, true, cause);
    free(m->prev_assigned); /* a lost assignment is no claim any more */
    m->prev_assigned = NULL;
    m->n_prev_assigned = 0;
    if (reset_id)
        m->member_id = 0;
    m->generation = -1;
    m->mstate = MS_UNJOINED;
    m->is_leader = false;
    m->rejoin_cause = cause;
    sl_timer_cancel(&s->eng, &m->hb_timer);
}

static void send_commit(sl_sim_t *s, sl_member_t *m, int64_t cause, bool may_be_quiet) {
    if (!m->coordinator || m->n_owned == 0 || m->inflight[IF_COMMIT].req_id || m->generation < 0)
        return;
    if (may_be_quiet && sl_net_clean(s, m->node, sl_broker_node(m->coordinator))) {
        int64_t *off = malloc((size_t)m->n_owned * sizeof *off);
        for (int i = 0; i < m->n_owned; i++)
            off[i] = m->position[m->owned[i]];
        bool done = sl_coord_quiet_commit(s, m->g, m->coordinator, m->member_id, m->generation, m->owned, off,
                                          m->n_owned);
        free(off);
        if (done) {
            m->last_commit_us = sl_now(s);
            return;
        }
    }
    sl_msg_t *req = sl_c_new_req(s, m, MSG_COMMIT, m->coordinator, cause);
    req->n_parts = m->n_owned;
    req->parts = malloc((size_t)m->n_owned * sizeof(int));
    req->offsets = malloc((size_t)m->n_owned * sizeof(int64_t));
    for (int i = 0; i < m->n_owned; i++) {
        req->parts[i] = m->owned[i];
        req->offsets[i] = m->position[m->owned[i]];
    }
    sl_c_send_req(s, m, IF_COMMIT, req, m->coordinator, m->cfg.request_timeout_us);
    m->last_commit_us = sl_now(s);
}

void sl_c_send_commit(sl_sim_t *s, sl_member_t *m, int64_t cause) { send_commit(s, m, cause, true); }

bool sl_c_send_commit_awaited(sl_sim_t *s, sl_member_t *m, int64_t cause) {
    send_commit(s, m, cause, false);
    return m->inflight[IF_COMMIT].req_id != 0;
}

static void send_join(sl_sim_t *s, sl_member_t *m) {
    if (!m->coordinator) {
        sl_c_ensure_find(s, m);
        return;
    }
    m->mstate = MS_JOINING;
    sl_msg_t *req = sl_c_new_req(s, m, MSG_JOIN, m->coordinator, m->rejoin_cause);
    req->session_timeout_us = m->cfg.session_timeout_us;
    req->rebalance_timeout_us = m->cfg.max_poll_interval_us;
    req->protocol_hash = protocol_hash(m);
    req->is_static = m->cfg.static_membership;
    /* Subscription userData: cooperative members claim what they own, the
     * eager sticky assignor what they were last given. */
    const int *claim = cooperative(m) ? m->owned : m->prev_assigned;
    int n_claim = cooperative(m) ? m->n_owned : m->n_prev_assigned;
    if (m->cfg.assignor == SL_ASSIGN_STICKY || cooperative(m)) {
        req->n_parts = n_claim;
        if (n_claim) {
            req->parts = malloc((size_t)n_claim * sizeof(int));
            memcpy(req->parts, claim, (size_t)n_claim * sizeof(int));
        }
    }
    int64_t rto = m->cfg.max_poll_interval_us + JOIN_GROUP_TIMEOUT_LAPSE_US;
    if (rto < m->cfg.request_timeout_us)
        rto = m->cfg.request_timeout_us;
    sl_trace(s, "member.join", m->node, m->g->index, m->member_id, m->generation, m->rejoin_cause,
             "JoinGroup sent to broker %d", m->coordinator);
    LOGM(s, m, "INFO", "(Re-)joining group%s", "");
    sl_c_send_req(s, m, IF_GROUP, req, m->coordinator, rto);
}

/* onJoinPrepare: eager members commit and revoke everything, then join. */
static void revoke_done(void *ctx, sl_timer_t *t) {
    sl_member_t *m = ctx;
    sl_sim_t *s = m->sim;
    if (m->proc == PROC_DOWN || sl_c_defer_if_frozen(s, m, t))
        return;
    sl_c_release(s, m, false, m->rejoin_cause);
    send_join(s, m);
}

static void start_rejoin(sl_sim_t *s, sl_member_t *m) {
    sl_member_wake_heartbeats(s, m);
    m->in_poll = true;
    if (m->n_owned > 0 && !cooperative(m)) {
        m->mstate = MS_REVOKING;
        if (m->cfg.commit == SL_COMMIT_AUTO)
            sl_c_send_commit(s, m, m->rejoin_cause);
        sl_timer_arm(&s->eng, &m->backoff_timer, sl_now(s) + m->cfg.on_revoke_us, m->rejoin_cause);
        return;
    }
    send_join(s, m);
}

static void on_join_response(sl_sim_t *s, sl_member_t *m, sl_msg_t *r) {
    char idstr[160];
    switch (r->err) {
    case KE_NONE: {
        coordinator_answered(m);
        m->member_id = r->member_id;
        m->generation = r->generation;
        m->is_leader = r->leader_id == m->member_id;
        member_id_str(s, m, m->member_id, idstr, sizeof idstr);
        LOGM(s, m, "INFO", "Successfully joined group with generation Generation{generationId=%d, memberId='%s', protocol='%s'}",
             m->generation, idstr, sl_assignor_name(m->cfg.assignor));
        int64_t seq = sl_trace(s, "member.joined", m->node, m->g->index, m->member_id, m->generation, r->cause,
                               "%s of generation %d", m->is_leader ? "leader" : "follower", m->generation);
        m->mstate = MS_SYNCING;
        sl_msg_t *req = sl_c_new_req(s, m, MSG_SYNC, m->coordinator, seq);
        if (m->is_leader && r->n_ids > 0) {
            req->n_ids = r->n_ids;
            req->ids = malloc((size_t)r->n_ids * sizeof *req->ids);
            memcpy(req->ids, r->ids, (size_t)r->n_ids * sizeof *req->ids);
            req->assign = calloc((size_t)r->n_ids, sizeof *req->assign);
            req->assign_n = calloc((size_t)r->n_ids, sizeof *req->assign_n);
            if (sl_assign(m->cfg.assignor, m->g, r->n_ids, (const int *const *)r->assign, r->assign_n, req->assign,
                          req->assign_n) < 0)
                sl_oom();
            LOGM(s, m, "INFO", "Finished assignment for group at generation %d", m->generation);
        }
        sl_c_send_req(s, m, IF_GROUP, req, m->coordinator, m->cfg.request_timeout_us);
        return;
    }
    case KE_MEMBER_ID_REQUIRED:
        m->member_id = r->member_id;
        sl_trace(s, "member.id_required", m->node, m->g->index, m->member_id, -1, r->cause,
                 "coordinator assigned a member id; rejoining with it");
        send_join(s, m);
        return;
    case KE_UNKNOWN_MEMBER_ID:
    case KE_ILLEGAL_GENERATION:
        reset_membership(s, m, r->err == KE_UNKNOWN_MEMBER_ID, r->cause);
        send_join(s, m);
        return;
    case KE_INVALID_SESSION_TIMEOUT:
        LOGM(s, m, "ERROR", "JoinGroup failed: The session timeout is not within the range allowed by the broker "
             "(as configured by group.min.session.timeout.ms and group.max.session.timeout.ms).%s", "");
        sl_trace(s, "member.crashed", m->node, m->g->index, 0, -1, r->cause,
                 "InvalidSessionTimeoutException: the consumer stops");
        m->g->crashed_members++;
        sl_member_stop(s, m, false, r->cause);
        return;
    case KE_NOT_COORDINATOR:
    case KE_COORDINATOR_NOT_AVAILABLE:
    case KE_NETWORK_EXCEPTION:
        m->mstate = MS_UNJOINED;
        sl_c_mark_unknown(s, m, sl_kerr_name(r->err), r->err == KE_NETWORK_EXCEPTION, r->cause);
        return;
    default:
        /* COORDINATOR_LOAD_IN_PROGRESS, REBALANCE_IN_PROGRESS: retry. */
        m->mstate = MS_UNJOINED;
        sl_timer_arm(&s->eng, &m->backoff_timer, sl_now(s) + m->cfg.retry_backoff_us, r->cause);
        return;
    }
}

static void on_sync_response(sl_sim_t *s, sl_member_t *m, sl_msg_t *r) {
    char idstr[160];
    switch (r->err) {
    case KE_NONE: {
        coordinator_answered(m);
        member_id_str(s, m, m->member_id, idstr, sizeof idstr);
        LOGM(s, m, "INFO", "Successfully synced group in generation Generation{generationId=%d, memberId='%s', protocol='%s'}",
             m->generation, idstr, sl_assignor_name(m->cfg.assignor));
        /* What moved: an eager member owns nothing here, so all is added;
         * a cooperative one revokes what it lost and rejoins for the rest. */
        char *keep = calloc((size_t)(m->g->n_parts ? m->g->n_parts : 1), 1);
        for (int i = 0; i < r->n_parts; i++)
            keep[r->parts[i]] = 1;
        int revoked = 0, kept = 0;
        for (int i = 0; i < m->n_owned; i++)
            revoked += !keep[m->owned[i]];
        if (revoked && m->cfg.commit == SL_COMMIT_AUTO)
            sl_c_send_commit(s, m, r->cause); /* onPartitionsRevoked commits what is given up */
        revoked = 0;
        for (int i = 0; i < m->n_owned; i++) {
            if (keep[m->owned[i]]) {
                keep[m->owned[i]] = 2; /* already ours */
                m->owned[kept++] = m->owned[i];
            } else {
                m->g->parts[m->owned[i]].owners--;
                revoked++;
            }
        }
        m->n_owned = kept;
        m->owned = sl_xrealloc(m->owned, (size_t)(r->n_parts ? r->n_parts : 1) * sizeof(int));
        int added = 0;
        for (int i = 0; i < r->n_parts; i++) {
            if (keep[r->parts[i]] == 2)
                continue;
            sl_gpart_t *gp = &m->g->parts[r->parts[i]];
            gp->owners++;
            m->position[r->parts[i]] = gp->committed;
            m->owned[m->n_owned++] = r->parts[i];
            added++;
        }
        free(keep);
        free(m->prev_assigned);
        m->prev_assigned = NULL;
        m->n_prev_assigned = r->n_parts;
        if (r->n_parts) {
            m->prev_assigned = malloc((size_t)r->n_parts * sizeof(int));
            memcpy(m->prev_assigned, r->parts, (size_t)r->n_parts * sizeof(int));
        }
        if (revoked)
            LOGM(s, m, "INFO", "Revoke previously assigned partitions (%d partitions)", revoked);
        LOGM(s, m, "INFO", "Adding newly assigned partitions (%d partitions)", added);
        int64_t seq = sl_trace(s, "member.assigned", m->node, m->g->index, m->member_id, m->generation, r->cause,
                               "%d partitions (+%d, -%d)", m->n_owned, added, revoked);
        m->mstate = MS_STABLE;
        m->rejoin_cause = -1;
        if (revoked) {
            LOGM(s, m, "INFO", "Request joining group due to: need to revoke partitions [%d partitions] as indicated "
                 "by the current assignment and re-join", revoked);
            m->rejoin_cause = sl_trace(s, "member.rejoin_needed", m->node, m->g->index, m->member_id, m->generation,
                                       seq, "revoked %d partitions; rejoining so they can move (cooperative)", revoked);
        }
        m->last_hb_ok_us = sl_now(s);
        m->last_hb_sent_us = sl_now(s);
        hb_arm(s, m);
        sl_metrics_group_changed(s, m->g, r->cause);
        if (m->in_poll)
            do_poll(s, m);
        else if (revoked && sl_timer_armed(&m->poll_timer) && m->batch_end_us <= sl_now(s))
            /* The rejoin goes out at once (Kafka measured it ~30 ms after the
             * sync): librdkafka's group thread rejoins by itself, and Java's
             * poll() loops straight into ensureActiveGroup; an idle poll loop
             * does not wait out its fetch wait or a virtual poll. */
            sl_timer_arm(&s->eng, &m->poll_timer, sl_now(s), m->rejoin_cause);
        return;
    }
    case KE_REBALANCE_IN_PROGRESS:
        m->mstate = MS_UNJOINED;
        m->rejoin_cause = r->cause;
        send_join(s, m);
        return;
    case KE_UNKNOWN_MEMBER_ID:
    case KE_ILLEGAL_GENERATION:
        reset_membership(s, m, r->err == KE_UNKNOWN_MEMBER_ID, r->cause);
        send_join(s, m);
        return;
    case KE_NOT_COORDINATOR:
    case KE_COORDINATOR_NOT_AVAILABLE:
    case KE_NETWORK_EXCEPTION:
        m->mstate = MS_UNJOINED;
        sl_c_mark_unknown(s, m, sl_kerr_name(r->err), r->err == KE_NETWORK_EXCEPTION, r->cause);
        return;
    default:
        m->mstate = MS_UNJOINED;
        sl_timer_arm(&s->eng, &m->backoff_timer, sl_now(s) + m->cfg.retry_backoff_us, r->cause);
        return;
    }
}

/* Retry timer for join errors and the end of onPartitionsRevoked. */
static void backoff_cb(void *ctx, sl_timer_t *t) {
    sl_member_t *m = ctx;
    if (sl_c848(m)) {
        if (m->proc != PROC_DOWN && !sl_c_defer_if_frozen(m->sim, m, t) && m->revoking_until_us)
            sl_c848_revoke_done(m->sim, m);
        return;
    }
    if (m->mstate == MS_REVOKING) {
        revoke_done(ctx, t);
        return;
    }
    sl_sim_t *s = m->sim;
    if (m->proc == PROC_DOWN || sl_c_defer_if_frozen(s, m, t))
        return;
    if (m->mstate == MS_UNJOINED && m->in_poll)
        send_join(s, m);
}

/* ---- heartbeat thread ---- */

static void hb_arm(sl_sim_t *s, sl_member_t *m) {
    if (m->proc == PROC_DOWN || m->mstate != MS_STABLE)
        return;
    int64_t next = m->last_hb_sent_us + m->cfg.heartbeat_interval_us;
    int64_t session = m->last_hb_ok_us + m->cfg.session_timeout_us;
    if (session < next)
        next = session;
    if (!m->in_poll && !m->poll_timed_out) {
        int64_t poll = m->last_poll_us + m->cfg.max_poll_interval_us;
        if (m->cfg.client == SL_CLIENT_LIBRDKAFKA) /* found at its next twice-a-second check */
            poll = (poll + RDK_MAX_POLL_CHECK_US - 1) / RDK_MAX_POLL_CHECK_US * RDK_MAX_POLL_CHECK_US;
        if (poll < next)
            next = poll;
    }
    if (m->inflight[IF_HEARTBEAT].req_id && next < sl_now(s) + m->cfg.retry_backoff_us)
        next = sl_now(s) + m->cfg.retry_backoff_us;
    if (next < sl_now(s))
        next = sl_now(s);
    sl_timer_arm(&s->eng, &m->hb_timer, next, -1);
}

static void poll_timeout(sl_sim_t *s, sl_member_t *m) {
    if (m->cfg.client == SL_CLIENT_LIBRDKAFKA)
        LOGK(s, m, 4, "MAXPOLL",
             "Application maximum poll interval (%lldms) exceeded by %lldms (adjust max.poll.interval.ms for "
             "long-running message processing): leaving group",
             (long long)(m->cfg.max_poll_interval_us / 1000),
             (long long)((sl_now(s) - m->last_poll_us - m->cfg.max_poll_interval_us) / 1000));
    LOGM(s, m, "WARN",
         "consumer poll timeout has expired. This means the time between subsequent calls to poll() was longer than "
         "the configured max.poll.interval.ms, which typically implies that the poll loop is spending too much time "
         "processing messages. You can address this either by increasing max.poll.interval.ms or by reducing the "
         "maximum size of batches returned in poll() with max.poll.records.%s", "");
    int64_t seq = sl_trace(s, "member.poll_timeout", m->node, m->g->index, m->member_id, m->generation, m->blame_seq,
                           "poll() not called for max.poll.interval.ms=%lld",
                           (long long)(m->cfg.max_poll_interval_us / 1000));
    m->poll_timed_out = true;
    if (m->member_id && !m->cfg.static_membership && m->coordinator) { /* static members never leave */
        char idstr[160];
        member_id_str(s, m, m->member_id, idstr, sizeof idstr);
        LOGM(s, m, "INFO",
             "Member %s sending LeaveGroup request to coordinator broker%d:9092 (id: %d rack: null) due to consumer "
             "poll timeout has expired.",
             idstr, m->coordinator, 2147483647 - m->coordinator);
        sl_msg_t *req = sl_c_new_req(s, m, MSG_LEAVE, m->coordinator, seq);
        req->err = KE_REBALANCE_IN_PROGRESS; /* marks the reason for the coordinator's log */
        sl_net_send(s, req);
    }
    reset_membership(s, m, true, seq);
}

/* librdkafka's own session timer: no successful answer from the
 * coordinator for session.timeout.ms and the client gives its assignment
 * up, forgets its member id and rejoins, without waiting for the broker. */
static void rdk_session_timeout(sl_sim_t *s, sl_member_t *m) {
    int64_t waited = sl_now(s) - m->last_hb_ok_us;
    LOGK(s, m, 4, "SESSTMOUT",
         "Consumer group session timed out (in join-state steady) after %lld ms without a successful response from "
         "the group coordinator (broker %d, last error was %s): revoking assignment and rejoining group",
         (long long)(waited / 1000), m->coordinator, m->last_err ? sl_kerr_name(m->last_err) : "Success");
    int64_t seq = sl_trace(s, "member.session_timeout", m->node, m->g->index, m->member_id, m->generation,
                           m->blame_seq, "client-side session timer (librdkafka) expired after %lld ms",
                           (long long)(waited / 1000));
    reset_membership(s, m, true, seq);
    if (!m->in_poll && sl_timer_armed(&m->poll_timer) && m->batch_end_us <= sl_now(s))
        sl_timer_arm(&s->eng, &m->poll_timer, sl_now(s), seq);
}

static void hb_tick(void *ctx, sl_timer_t *t) {
    sl_member_t *m = ctx;
    sl_sim_t *s = m->sim;
    if (m->proc == PROC_DOWN || sl_c_defer_if_frozen(s, m, t))
        return;
    if (sl_c848(m)) {
        sl_c848_hb_tick(s, m);
        return;
    }
    if (m->mstate != MS_STABLE)
        return;
    int64_t now = sl_now(s);
    bool rdk = m->cfg.client == SL_CLIENT_LIBRDKAFKA;
    if (rdk && now - m->last_hb_ok_us >= m->cfg.session_timeout_us) {
        rdk_session_timeout(s, m); /* runs whether or not a coordinator is known */
        return;
    }
    if (!m->coordinator) {
        sl_c_ensure_find(s, m);
        if (rdk)
            sl_timer_arm(&s->eng, &m->hb_timer, m->last_hb_ok_us + m->cfg.session_timeout_us, -1);
        return;
    }
    if (now - m->last_hb_ok_us >= m->cfg.session_timeout_us) {
        sl_c_mark_unknown(s, m, "session timed out without receiving a heartbeat response", false,
                                 m->blame_seq);
        return;
    }
    if (!m->in_poll && !m->poll_timed_out && now - m->last_poll_us >= m->cfg.max_poll_interval_us) {
        poll_timeout(s, m);
        return;
    }
    if (!m->inflight[IF_HEARTBEAT].req_id && now - m->last_hb_sent_us >= m->cfg.heartbeat_interval_us &&
        sl_net_clean(s, m->node, sl_broker_node(m->coordinator)) &&
        sl_coord_quiet_heartbeat(s, m->g, m->coordinator, m->member_id, m->generation)) {
        /* The answer is certainly NONE: no messages needed (docs/model.md). */
        m->last_hb_sent_us = m->last_hb_ok_us = now;
        m->last_err = KE_NONE;
        coordinator_answered(m);
        if (m->idle_flow) {
            /* caught up and quiet: the next heartbeats need no events either */
            m->hb_virtual = true;
            return;
        }
    } else if (!m->inflight[IF_HEARTBEAT].req_id && now - m->last_hb_sent_us >= m->cfg.heartbeat_interval_us) {
        m->last_hb_sent_us = now;
        sl_msg_t *req = sl_c_new_req(s, m, MSG_HEARTBEAT, m->coordinator, -1);
        /* librdkafka waits session.timeout.ms for a heartbeat's answer
         * (rd_kafka_HeartbeatRequest), Java request.timeout.ms. */
        sl_c_send_req(s, m, IF_HEARTBEAT, req, m->coordinator, rdk ? m->cfg.session_timeout_us : m->cfg.request_timeout_us);
    }
    hb_arm(s, m);
}

static void on_heartbeat_response(sl_sim_t *s, sl_member_t *m, sl_msg_t *r) {
    char idstr[160];
    m->last_err = r->err;
    if (m->mstate != MS_STABLE)
        return; /* a late answer to a generation we already left */
    switch (r->err) {
    case KE_NONE:
        coordinator_answered(m);
        m->last_hb_ok_us = sl_now(s);
        break;
    case KE_REBALANCE_IN_PROGRESS:
        if (m->rejoin_cause < 0) {
            LOGM(s, m, "INFO", "Attempt to heartbeat failed since group is rebalancing%s", "");
            LOGM(s, m, "INFO", "Request joining group due to: group is already rebalancing%s", "");
            m->rejoin_cause = sl_trace(s, "member.rejoin_needed", m->node, m->g->index, m->member_id, m->generation,
                                       r->cause, "heartbeat answered REBALANCE_IN_PROGRESS");
        }
        m->last_hb_ok_us = sl_now(s);
        /* The next poll() revokes and rejoins; an idle poll loop wakes now. */
        if (!m->in_poll && sl_timer_armed(&m->poll_timer) && m->batch_end_us <= sl_now(s))
            sl_timer_arm(&s->eng, &m->poll_timer, sl_now(s), m->rejoin_cause);
        break;
    case KE_UNKNOWN_MEMBER_ID:
    case KE_ILLEGAL_GENERATION: {
        member_id_str(s, m, m->member_id, idstr, sizeof idstr);
        if (r->err == KE_UNKNOWN_MEMBER_ID)
            LOGM(s, m, "INFO", "Attempt to heartbeat failed since member id %s is not valid.", idstr);
        else
            LOGM(s, m, "INFO", "Attempt to heartbeat failed since generation %d is not current", m->generation);
        int64_t cause = r->cause >= 0 ? r->cause : m->blame_seq;
        int64_t seq = sl_trace(s, "member.fenced", m->node, m->g->index, m->member_id, m->generation, cause,
                               "heartbeat answered %s", sl_kerr_name(r->err));
        reset_membership(s, m, r->err == KE_UNKNOWN_MEMBER_ID, seq);
        if (!m->in_poll && sl_timer_armed(&m->poll_timer) && m->batch_end_us <= sl_now(s))
            sl_timer_arm(&s->eng, &m->poll_timer, sl_now(s), seq);
        return;
    }
    case KE_NOT_COORDINATOR:
    case KE_COORDINATOR_NOT_AVAILABLE:
    case KE_NETWORK_EXCEPTION:
        sl_c_mark_unknown(s, m, sl_kerr_name(r->err), r->err == KE_NETWORK_EXCEPTION,
                                 r->err == KE_NETWORK_EXCEPTION ? m->blame_seq : r->cause);
        return;
    default:
        break;
    }
    hb_arm(s, m);
}

/* ---- the poll loop ---- */

/* Processing time of n records: the one model of stormlab/rng.h. */
static int64_t processing_us(sl_member_t *m, int n) {
    return sl_processing_us(&m->rng, m->cfg.processing_median_us, m->cfg.processing_p99_us, n);
}

static bool fetchable(sl_sim_t *s, sl_member_t *m, sl_partition_t *p) {
    return sl_broker_serving(s, p->leader) && sl_net_reachable(s, m->node, sl_broker_node(p->leader));
}

/* Mean processing time of one record (the model of stormlab/rng.h). */
static double mean_record_us(const sl_member_t *m) {
    return sl_processing_mean_us(m->cfg.processing_median_us, m->cfg.processing_p99_us);
}

/* Takes records [from, to) of group partition gi: positions, duplicates. */
static void take(sl_member_t *m, int gi, int64_t n) {
    sl_gpart_t *gp = &m->g->parts[gi];
    int64_t from = m->position[gi], to = from + n;
    if (gp->processed_hwm > from)
        m->g->duplicates += (to < gp->processed_hwm ? to : gp->processed_hwm) - from;
    if (to > gp->processed_hwm)
        gp->processed_hwm = to;
    m->position[gi] = to;
    m->g->consumed += n;
}

/* A caught-up member consumes records as they arrive: between its polls
 * nothing needs an event, so its consumption is brought up to date only
 * when something looks (a poll, a sample, a revocation, a fault). */
void sl_member_catch_up(sl_sim_t *s, sl_member_t *m) {
    if (!m->idle_flow || m->proc != PROC_RUNNING || m->stalled)
        return;
    if (m->flow_epoch != s->net_epoch) {
        /* O(owned x faults) once per network change, not per catch-up */
        m->all_fetchable = true;
        for (int k = 0; k < m->n_owned && m->all_fetchable; k++)
            m->all_fetchable = fetchable(s, m, m->g->parts[m->owned[k]].p);
        m->flow_epoch = s->net_epoch;
    }
    for (int k = 0; k < m->n_owned; k++) {
        int gi = m->owned[k];
        sl_partition_t *p = m->g->parts[gi].p;
        if (!m->all_fetchable && !fetchable(s, m, p))
            continue;
        sl_partition_sync(s, p);
        if (p->end_offset > m->position[gi])
            take(m, gi, p->end_offset - m->position[gi]);
    }
    m->g->flow_W += m->flow_rate_per_us * (double)(sl_now(s) - m->flow_t0_us);
    m->flow_t0_us = sl_now(s);
}

static void start_flow(sl_sim_t *s, sl_member_t *m) {
    m->idle_flow = true;
    m->flow_epoch = s->net_epoch - 1; /* work fetchability out afresh */
    m->flow_rate_per_us = 0;
    for (int k = 0; k < m->n_owned; k++) {
        sl_partition_t *p = m->g->parts[m->owned[k]].p;
        if (fetchable(s, m, p))
            m->flow_rate_per_us += p->rate_per_us;
    }
    m->flow_t0_us = sl_now(s);
    m->g->flow_R += m->flow_rate_per_us;
    m->g->flow_W += m->flow_rate_per_us * (double)m->flow_t0_us;
}

void sl_members_catch_up(sl_sim_t *s) {
    for (int n = s->first_member_node; n < s->first_producer_node; n++)
        sl_member_catch_up(s, s->node_member[n]);
}

/* Time of the last virtual tick of period `iv` counted from `from`, or
 * `from` when none has passed yet. */
static int64_t last_tick(int64_t from, int64_t iv, int64_t now) {
    return from + (now - from) / iv * iv;
}

/* End offset of p at time t (t <= now): nothing that changes writability
 * happened since a member went virtual, so the log grew linearly. */
static int64_t end_offset_at(sl_sim_t *s, sl_partition_t *p, int64_t t) {
    sl_partition_sync(s, p);
    if (p->pending_since_us >= 0 || t >= sl_now(s))
        return p->end_offset;
    return (int64_t)(p->appended_d - p->rate_per_us * (double)(sl_now(s) - t));
}

int64_t sl_gpart_committed(sl_sim_t *s, sl_gpart_t *gp) {
    if (!gp->vowner)
        return gp->committed;
    if (sl_now(s) - gp->vtick_us >= gp->vevery_us)
        gp->vtick_us = last_tick(gp->vtick_us, gp->vevery_us, sl_now(s));
    int64_t t = gp->vtick_us;
    int64_t c = t > gp->vfrom_us ? end_offset_at(s, gp->p, t) : gp->committed;
    return c > gp->committed ? c : gp->committed;
}

/* Virtual polls: a caught-up, quiet member polls every auto-commit
 * interval; each poll commits what it has consumed (the end offsets).  A
 * member that owns no partition polls every fetch.max.wait, finding
 * nothing and committing nothing, exactly as its real polls did.
 * Materialise the last such poll and go back to a real poll timer. */
static void wake_polls(sl_sim_t *s, sl_member_t *m) {
    if (!m->poll_virtual)
        return;
    m->poll_virtual = false;
    if (m->n_owned == 0) {
        int64_t iv = m->cfg.fetch_max_wait_us, t = last_tick(m->last_poll_us, iv, sl_now(s));
        m->last_poll_us = t;
        sl_timer_arm(&s->eng, &m->poll_timer, t + iv, -1);
        return;
    }
    int64_t iv = m->cfg.auto_commit_interval_us, t = last_tick(m->last_commit_us, iv, sl_now(s));
    for (int k = 0; k < m->n_owned; k++) {
        sl_gpart_t *gp = &m->g->parts[m->owned[k]];
        if (gp->vowner != m)
            continue;
        SL_ASSERT(gp->vfrom_us == m->last_commit_us && gp->vevery_us == m->cfg.auto_commit_interval_us);
        gp->committed = sl_gpart_committed(s, gp);
        gp->vowner = NULL;
    }
    if (t > m->last_commit_us) {
        m->last_commit_us = t;
        m->last_poll_us = t;
    }
    sl_timer_arm(&s->eng, &m->poll_timer, m->last_poll_us + iv > sl_now(s) ? m->last_poll_us + iv : sl_now(s), -1);
}

static void start_virtual_polls(sl_sim_t *s, sl_member_t *m) {
    m->poll_virtual = true;
    sl_timer_cancel(&s->eng, &m->poll_timer);
    for (int k = 0; k < m->n_owned; k++) {
        sl_gpart_t *gp = &m->g->parts[m->owned[k]];
        if (fetchable(s, m, gp->p)) {
            gp->vowner = m;
            gp->vfrom_us = m->last_commit_us; /* unchanged while it polls virtually (wake_polls) */
            gp->vevery_us = m->cfg.auto_commit_interval_us;
            gp->vtick_us = gp->vfrom_us;
        }
    }
}

/* Virtual heartbeat time of the last one before now. */
static int64_t last_virtual_hb(const sl_member_t *m, int64_t now) {
    return last_tick(m->last_hb_sent_us, m->cfg.heartbeat_interval_us, now);
}

bool sl_member_session_parked(sl_sim_t *s, sl_member_t *m, sl_cmember_t *cm) {
    if (!m->hb_virtual || m->member_id != cm->id)
        return false;
    int64_t last = last_virtual_hb(m, sl_now(s));
    if (cm->last_heard_us < last)
        cm->last_heard_us = last;
    cm->session_parked = true; /* nothing can expire it until it is woken */
    return true;
}

/* The virtual heartbeats since the last real one all succeeded (nothing
 * that could change their answer happened without waking us first): the
 * last one is the client's last success and the coordinator's last word. */
void sl_member_wake_heartbeats(sl_sim_t *s, sl_member_t *m) {
    wake_polls(s, m);
    if (!m->hb_virtual)
        return;
    m->hb_virtual = false;
    int64_t last = last_virtual_hb(m, sl_now(s));
    m->last_hb_sent_us = m->last_hb_ok_us = last;
    sl_cmember_t *cm = sl_cm_find(m->g, m->member_id);
    if (cm) {
        if (cm->last_heard_us < last)
            cm->last_heard_us = last;
        if (cm->session_parked || !sl_timer_armed(&cm->session_timer)) {
            cm->session_parked = false;
            sl_timer_arm(&s->eng, &cm->session_timer, sl_cm_session_deadline(cm), -1);
        }
    }
    sl_timer_arm(&s->eng, &m->hb_timer, last + m->cfg.heartbeat_interval_us, -1);
}

void sl_group_wake_heartbeats(sl_sim_t *s, sl_group_t *g) {
    for (int i = 0; i < g->n_member_slots; i++)
        sl_member_wake_heartbeats(s, g->members[i]);
}

/* Consumption up to now, heartbeats and polls explicit again, and marked
 * for sl_members_reflow. */
static void settle(sl_sim_t *s, sl_member_t *m) {
    sl_member_catch_up(s, m);
    sl_member_wake_heartbeats(s, m);
    m->settled_change = s->change;
}

void sl_members_settle(sl_sim_t *s) {
    s->change++;
    for (int n = s->first_member_node; n < s->first_producer_node; n++)
        settle(s, s->node_member[n]);
}

static bool has_replica(const sl_partition_t *p, int broker) {
    for (int j = 0; j < p->n_replicas; j++)
        if (p->replicas[j] == broker)
            return true;
    return false;
}

/* A change to broker b moves leaderships only among the replicas it holds,
 * and a group's coordinator is its offsets partition's leader: a member
 * none of whose partitions, and not its group's offsets partition, has a
 * replica on b fetches, heartbeats and commits as before.  It is left as
 * it is: waking it would cost events, and make its poll loop's phase, and
 * so its group's run, depend on a change it never saw (a fault's impact is
 * measured against the run without it). */
void sl_members_settle_broker(sl_sim_t *s, int broker) {
    s->change++;
    for (int n = s->first_member_node; n < s->first_producer_node; n++) {
        sl_member_t *m = s->node_member[n];
        bool touched = has_replica(&s->parts[s->offsets_first_part + m->g->offsets_partition], broker);
        for (int k = 0; k < m->n_owned && !touched; k++)
            touched = has_replica(m->g->parts[m->owned[k]].p, broker);
        if (touched)
            settle(s, m);
    }
}

static bool in_map(const uint8_t *map, int node) { return map[node >> 3] & (1u << (node & 7)); }

/* A link fault between node sets from and to changes the links of the
 * members in either set, and so what their groups see first (their
 * heartbeats, their commits): those groups settle, no other (as above).
 * Between brokers it can change replication and so leaderships, and a
 * producer's link what its partitions receive: then all settle. */
void sl_members_settle_link(sl_sim_t *s, const uint8_t *from, const uint8_t *to) {
    bool brokers_from = false, brokers_to = false, producers = false;
    for (int n = 0; n < s->first_member_node; n++) {
        brokers_from |= in_map(from, n);
        brokers_to |= in_map(to, n);
    }
    for (int n = s->first_producer_node; n < s->n_nodes; n++)
        producers |= in_map(from, n) || in_map(to, n);
    if ((brokers_from && brokers_to) || producers) {
        sl_members_settle(s);
        return;
    }
    s->change++;
    bool *touched = calloc((size_t)s->n_groups, sizeof *touched);
    if (!touched)
        sl_oom();
    for (int n = s->first_member_node; n < s->first_producer_node; n++)
        if (in_map(from, n) || in_map(to, n))
            touched[s->node_member[n]->g->index] = true;
    for (int n = s->first_member_node; n < s->first_producer_node; n++)
        if (touched[s->node_member[n]->g->index])
            settle(s, s->node_member[n]);
    free(touched);
}

static void start_flow(sl_sim_t *s, sl_member_t *m);

/* A member that processes records as fast as they come needs no event per
 * batch when its batches are small (keeps_up).  The bounds: */
#define FLOW_LOAD 0.5             /* below: always (it mostly waits on fetches) */
#define FLOW_MAX_LOAD 0.9         /* above: never (processing draws swing it by batches) */
#define FLOW_MAX_BATCH_US 20000   /* between: its batches take less than this */

/* Whether m keeps up with what it can fetch now without a backlog worth a
 * batch, load = arrivals x mean record time.  Under FLOW_LOAD it spends
 * most of its time waiting on fetches (the rule before busier members were
 * modelled; a slow link can still stretch its polls: docs/model.md
 * "Speed").  Busier, its poll loop (a fetch round trip, then its records)
 * settles at n = rate x rtt / (1 - load) records a poll: a busy member on a
 * near broker polls a few records every few ms and keeps up; on a slow link
 * it polls batches whose processing would delay its rebalances, which only
 * batches model. */
static bool keeps_up(sl_sim_t *s, sl_member_t *m) {
    double rate_per_us = 0;
    int64_t rtt = 0;
    for (int k = 0; k < m->n_owned; k++) {
        sl_partition_t *p = m->g->parts[m->owned[k]].p;
        rate_per_us += p->rate_per_us; /* a cut-off partition's too: it returns with a backlog */
        if (!fetchable(s, m, p))
            continue;
        int64_t r = sl_net_rtt_us(s, m->node, sl_broker_node(p->leader));
        if (r > rtt)
            rtt = r;
    }
    double record_us = mean_record_us(m), load = rate_per_us * record_us;
    if (load < FLOW_LOAD)
        return true;
    if (load >= FLOW_MAX_LOAD)
        return false;
    double n = rate_per_us * (double)rtt / (1 - load);
    return n < m->cfg.max_poll_records / 2.0 && n * record_us < FLOW_MAX_BATCH_US;
}

/* Whether m has no backlog worth a batch on what it can fetch now. */
static bool caught_up(sl_sim_t *s, sl_member_t *m) {
    int64_t backlog = 0;
    for (int k = 0; k < m->n_owned; k++) {
        int gi = m->owned[k];
        sl_partition_t *p = m->g->parts[gi].p;
        if (!fetchable(s, m, p))
            continue;
        sl_partition_sync(s, p);
        backlog += p->end_offset - m->position[gi];
    }
    return backlog < m->cfg.max_poll_records / 2;
}

void sl_members_reflow(sl_sim_t *s) {
    for (int n = s->first_member_node; n < s->first_producer_node; n++) {
        sl_member_t *m = s->node_member[n];
        if (!m->idle_flow || m->settled_change != s->change)
            continue; /* the change cannot touch what it fetches (sl_members_settle_broker) */
        /* Consumption was brought up to the change before it happened;
         * catching up now would use the new reachability for the past. */
        m->g->flow_W += m->flow_rate_per_us * (double)(sl_now(s) - m->flow_t0_us);
        m->flow_t0_us = sl_now(s);
        stop_flow(m);
        if (caught_up(s, m) && keeps_up(s, m)) {
            start_flow(s, m); /* its rate follows what it can fetch now */
        } else if (sl_timer_armed(&m->poll_timer) && m->proc == PROC_RUNNING) {
            /* a backlog appeared (a partition came back), or the links
             * slowed past what it keeps up with: back to batches */
            sl_timer_arm(&s->eng, &m->poll_timer, sl_now(s), -1);
        }
    }
}

/* Leaves the caught-up mode; consumption must already be up to date. */
static void stop_flow(sl_member_t *m) {
    m->g->flow_R -= m->flow_rate_per_us;
    m->g->flow_W -= m->flow_rate_per_us * (double)m->flow_t0_us;
    m->flow_rate_per_us = 0;
    m->idle_flow = false;
}

static void end_flow(sl_sim_t *s, sl_member_t *m) {
    if (!m->idle_flow)
        return;
    sl_member_catch_up(s, m);
    stop_flow(m);
}

void sl_c_fetch_and_process(sl_sim_t *s, sl_member_t *m) {
    int want = m->cfg.max_poll_records, got = 0;
    int64_t rtt = 0;
    sl_group_t *g = m->g;
    for (int k = 0; k < m->n_owned && got < want; k++) {
        int gi = m->owned[(k + m->batch_parts_n) % m->n_owned];
        sl_gpart_t *gp = &g->parts[gi];
        sl_partition_t *p = gp->p;
        if (!fetchable(s, m, p))
            continue;
        sl_partition_sync(s, p);
        int64_t avail = p->end_offset - m->position[gi];
        if (avail <= 0)
            continue;
        int n = avail < want - got ? (int)avail : want - got;
        take(m, gi, n);
        got += n;
        int64_t r = sl_net_rtt_us(s, m->node, sl_broker_node(p->leader));
        if (r > rtt)
            rtt = r;
    }
    m->batch_parts_n++;
    /* Caught up, and keeping up in small polls (keeps_up)?  Then the
     * member consumes as records arrive and needs no event per batch: it
     * next polls at the auto-commit cadence, or earlier when woken (a
     * rebalance, a fault, a sample). */
    if (got < want && m->n_owned > 0) {
        if (keeps_up(s, m))
            start_flow(s, m);
    } else if (m->n_owned == 0 && !m->idle_flow) {
        start_flow(s, m); /* owns nothing: caught up by definition, at rate 0 */
    }
    if (!m->idle_flow)
        sl_member_wake_heartbeats(s, m); /* busy again: its poll loop may overrun */
    int64_t end = got ? sl_now(s) + rtt + processing_us(m, got) : sl_now(s) + m->cfg.fetch_max_wait_us;
    m->batch_end_us = got ? end : sl_now(s);
    if (m->idle_flow && m->n_owned == 0) {
        /* It polls every fetch.max.wait as before; once its heartbeats are
         * virtual those polls can be too (they find and commit nothing). */
        if (m->hb_virtual && m->mstate == MS_STABLE) {
            start_virtual_polls(s, m);
            return;
        }
    } else if (m->idle_flow) {
        int64_t tick = m->cfg.commit == SL_COMMIT_AUTO ? m->cfg.auto_commit_interval_us : m->cfg.fetch_max_wait_us;
        if (end < sl_now(s) + tick)
            end = sl_now(s) + tick;
        if (m->hb_virtual && m->cfg.commit == SL_COMMIT_AUTO && !got && m->mstate == MS_STABLE &&
            sl_now(s) == m->last_commit_us) {
            start_virtual_polls(s, m); /* quiet and caught up: no more poll events */
            return;
        }
    }
    sl_timer_arm(&s->eng, &m->poll_timer, end, -1);
}

static void do_poll(sl_sim_t *s, sl_member_t *m) {
    if (m->proc != PROC_RUNNING || m->stalled)
        return;
    end_flow(s, m); /* what arrived since the last poll was consumed as it came */
    m->last_poll_us = sl_now(s);
    if (m->poll_timed_out) {
        m->poll_timed_out = false;
        LOGM(s, m, "INFO", "Request joining group due to: consumer poll timeout has expired%s", "");
    }
    if (m->mstate == MS_STABLE && m->cfg.commit == SL_COMMIT_AUTO &&
        sl_now(s) - m->last_commit_us >= m->cfg.auto_commit_interval_us)
        sl_c_send_commit(s, m, -1);
    if (m->mstate == MS_STABLE && m->cfg.commit == SL_COMMIT_SYNC_PER_BATCH)
        sl_c_send_commit(s, m, -1);
    if (sl_c848(m)) {
        /* KIP-848: no join inside poll(); reconcile, then keep fetching. */
        if (!sl_c848_poll(s, m)) {
            m->in_poll = true; /* inside a rebalance callback */
            return;
        }
        m->in_poll = false;
        sl_c_fetch_and_process(s, m);
        return;
    }
    if (!m->coordinator) {
        m->in_poll = m->mstate != MS_STABLE || m->rejoin_cause >= 0;
        sl_c_ensure_find(s, m);
        if (m->in_poll)
            return;
    }
    if (m->mstate == MS_STABLE && m->rejoin_cause >= 0 && m->coordinator) {
        m->mstate = MS_UNJOINED;
        start_rejoin(s, m);
    } else if (m->mstate == MS_UNJOINED) {
        start_rejoin(s, m);
    }
    if (m->mstate != MS_STABLE) {
        if (!cooperative(m) || m->n_owned == 0) {
            m->in_poll = true; /* waiting inside poll() for the rebalance */
            return;
        }
        /* KIP-429: poll() does not wait for the join; owned partitions keep flowing. */
    }
    m->in_poll = false;
    sl_c_fetch_and_process(s, m);
}

static void poll_timer_cb(void *ctx, sl_timer_t *t) {
    sl_member_t *m = ctx;
    sl_sim_t *s = m->sim;
    if (m->proc == PROC_DOWN || sl_c_defer_if_frozen(s, m, t))
        return;
    do_poll(s, m);
}

/* ---- responses ---- */

static void handle_response(sl_sim_t *s, sl_member_t *m, sl_msg_t *r) {
    int slot;
    switch (r->req_kind) {
    case MSG_FIND_COORDINATOR: slot = IF_FIND; break;
    case MSG_HEARTBEAT:
    case MSG_CONSUMER_HEARTBEAT: slot = IF_HEARTBEAT; break;
    case MSG_COMMIT: slot = IF_COMMIT; break;
    case MSG_JOIN:
    case MSG_SYNC: slot = IF_GROUP; break;
    default: return; /* LeaveGroup answers need no handling */
    }
    if (m->inflight[slot].req_id != r->req_id)
        return; /* stale: timed out or from a previous incarnation */
    sl_c_clear_inflight(s, m, slot);
    switch (r->req_kind) {
    case MSG_FIND_COORDINATOR: on_find_response(s, m, r); break;
    case MSG_HEARTBEAT: on_heartbeat_response(s, m, r); break;
    case MSG_CONSUMER_HEARTBEAT: sl_c848_on_heartbeat(s, m, r); break;
    case MSG_JOIN: on_join_response(s, m, r); break;
    case MSG_SYNC: on_sync_response(s, m, r); break;
    case MSG_COMMIT:
        if (r->err == KE_NETWORK_EXCEPTION || r->err == KE_NOT_COORDINATOR ||
            r->err == KE_COORDINATOR_NOT_AVAILABLE)
            sl_c_mark_unknown(s, m, sl_kerr_name(r->err), r->err == KE_NETWORK_EXCEPTION, m->blame_seq);
        if (sl_c848(m))
            sl_c848_commit_answered(s, m);
        break;
    default: break;
    }
}

bool sl_member_deliver(sl_sim_t *s, sl_member_t *m, sl_msg_t *r) {
    if (m->proc == PROC_DOWN)
        return false;
    if (frozen(m)) {
        /* The answer waits in the socket buffer until the process thaws. */
        sl_timer_arm(&s->eng, &r->timer, m->paused_until_us, r->cause);
        return true;
    }
    handle_response(s, m, r);
    return false;
}

/* ---- process lifecycle ---- */

void sl_member_start(sl_sim_t *s, sl_member_t *m, int64_t cause) {
    m->proc = PROC_RUNNING;
    m->stalled = false;
    m->coordinator = 0;
    m->member_id = 0;
    m->generation = -1;
    m->mstate = MS_UNJOINED;
    m->rejoin_cause = cause;
    m->in_poll = true;
    m->poll_timed_out = false;
    m->last_poll_us = sl_now(s);
    m->last_commit_us = sl_now(s);
    m->find_attempts = 0;
    m->blame_seq = cause;
    m->find_cause = cause;
    sl_trace(s, "member.start", m->node, m->g->index, 0, -1, cause, "consumer %s started", m->client_id);
    LOGM(s, m, "INFO", "Subscribed to topic(s): %s", s->sc->topics[m->g->cfg->topics[0]].name);
    if (sl_c848(m))
        sl_c848_start(s, m);
    else
        sl_c_ensure_find(s, m);
}

/* A process started during the run (restart, scale-out, a config
 * rollout): its client starts `startup` later (JVM, application and client
 * initialisation; the members running at time 0 have started before). */
void sl_member_launch(sl_sim_t *s, sl_member_t *m, int64_t cause) {
    int64_t took = m->index <= m->cfg.n_startup_each ? m->cfg.startup_each_us[m->index - 1] : m->cfg.startup_us;
    if (took <= 0)
        sl_member_start(s, m, cause);
    else
        sl_timer_arm(&s->eng, &m->launch_timer, sl_now(s) + took, cause);
}

static void launch_cb(void *ctx, sl_timer_t *t) {
    sl_member_t *m = ctx;
    sl_member_start(m->sim, m, t->cause);
}

void sl_member_stop(sl_sim_t *s, sl_member_t *m, bool clean, int64_t cause) {
    sl_timer_cancel(&s->eng, &m->launch_timer); /* stopped while starting */
    if (m->proc == PROC_DOWN)
        return;
    sl_member_wake_heartbeats(s, m);
    end_flow(s, m);
    if (clean && m->member_id && m->coordinator && m->proc == PROC_RUNNING) {
        /* close(): commit, revoke, and LeaveGroup unless static (KIP-345). */
        if (m->cfg.commit == SL_COMMIT_AUTO)
            sl_c_send_commit(s, m, cause);
        sl_c_release(s, m, false, cause);
    }
    if (clean && sl_c848(m) && m->proc == PROC_RUNNING)
        sl_c848_leave(s, m, cause);
    else if (clean && m->member_id && !m->cfg.static_membership && m->coordinator && m->proc == PROC_RUNNING) {
        char idstr[160];
        member_id_str(s, m, m->member_id, idstr, sizeof idstr);
        LOGM(s, m, "INFO",
             "Member %s sending LeaveGroup request to coordinator broker%d:9092 (id: %d rack: null) due to the "
             "consumer is being closed",
             idstr, m->coordinator, 2147483647 - m->coordinator);
        sl_msg_t *req = sl_c_new_req(s, m, MSG_LEAVE, m->coordinator, cause);
        sl_net_send(s, req);
    }
    sl_c_release(s, m, true, cause); /* a kill loses what it held (no-op after a clean close) */
    m->proc = PROC_DOWN;
    m->incarnation++;
    for (int b = 1; b <= s->n_brokers; b++)
        sl_net_close(s, m->node, b); /* the process's sockets die with it */
    for (int i = 0; i < IF__COUNT; i++)
        sl_c_clear_inflight(s, m, i);
    sl_timer_cancel(&s->eng, &m->hb_timer);
    sl_timer_cancel(&s->eng, &m->poll_timer);
    sl_timer_cancel(&s->eng, &m->find_timer);
    sl_timer_cancel(&s->eng, &m->backoff_timer);
    sl_timer_cancel(&s->eng, &m->reconnect_timer);
    m->query_broker = 0;
    m->member_id = 0;
    m->generation = -1;
    m->mstate = MS_UNJOINED;
    m->coordinator = 0;
    sl_trace(s, "member.stop", m->node, m->g->index, 0, -1, cause, "consumer %s %s", m->client_id,
             clean ? "closed" : "killed");
    sl_metrics_group_changed(s, m->g, cause);
}

void sl_member_pause(sl_sim_t *s, sl_member_t *m, bool paused, int64_t until_us, int64_t cause) {
    (void)s;
    if (m->proc == PROC_DOWN)
        return;
    if (paused) {
        sl_member_wake_heartbeats(s, m);
        end_flow(s, m);
        m->proc = PROC_PAUSED;
        m->paused_until_us = until_us;
        m->blame_seq = cause;
        return;
    }
    /* Deferred work was re-armed for this instant, after this timer. */
    m->proc = PROC_RUNNING;
}

void sl_member_stall(sl_sim_t *s, sl_member_t *m, bool stalled, int64_t cause) {
    if (m->proc == PROC_DOWN)
        return;
    sl_member_wake_heartbeats(s, m);
    if (stalled && m->idle_flow) {
        end_flow(s, m); /* its last poll was just now */
        m->last_poll_us = sl_now(s);
    }
    m->stalled = stalled;
    if (stalled) {
        m->blame_seq = cause;
        return;
    }
    if (!sl_timer_armed(&m->poll_timer))
        sl_timer_arm(&s->eng, &m->poll_timer, sl_now(s), cause);
}

int sl_member_init(sl_sim_t *s, sl_group_t *g, int index, sl_member_t **out) {
    sl_member_t *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    m->sim = s;
    m->g = g;
    m->index = index;
    m->cfg = *g->cfg;
    m->proc = PROC_DOWN;
    m->generation = -1;
    m->rejoin_cause = -1;
    m->blame_seq = -1;
    snprintf(m->client_id, sizeof m->client_id, "consumer-%s-%d", group_id(m), index);
    sl_rng_seed(&m->rng, s->sc->seed, SL_STREAM(SL_STREAM_MEMBER, (g->index << 20) + index));
    m->position = calloc((size_t)(g->n_parts ? g->n_parts : 1), sizeof *m->position);
    if (!m->position) {
        free(m);
        return -1;
    }
    sl_timer_init(&m->poll_timer, poll_timer_cb, m);
    sl_timer_init(&m->hb_timer, hb_tick, m);
    sl_timer_init(&m->find_timer, find_timer_cb, m);
    sl_timer_init(&m->backoff_timer, backoff_cb, m);
    sl_timer_init(&m->reconnect_timer, reconnect_timeout, m);
    sl_timer_init(&m->launch_timer, launch_cb, m);
    for (int i = 0; i < IF__COUNT; i++) {
        m->inflight[i].m = m;
        sl_timer_init(&m->inflight[i].timeout, inflight_timeout, &m->inflight[i]);
    }
    *out = m;
    return 0;
}

void sl_member_free(sl_sim_t *s, sl_member_t *m) {
    (void)s;
    if (!m)
        return;
    free(m->owned);
    free(m->prev_assigned);
    free(m->pending);
    free(m->position);
    free(m->join_ids);
    free(m);
}
