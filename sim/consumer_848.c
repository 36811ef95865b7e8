/*
 * The consumer's side of KIP-848 (protocol: consumer), after the Java
 * client's ConsumerMembershipManager: one ConsumerGroupHeartbeat every
 * heartbeat interval carrying the member epoch and the partitions owned;
 * the answer carries the member's assignment.  A changed assignment is
 * reconciled inside poll() (the rebalance callbacks run on the
 * application thread): the Java client first commits what was consumed
 * and waits for the answer (auto-commit on), then revokes what went away,
 * takes what is new, and acknowledges with an immediate heartbeat.  The
 * member keeps fetching throughout, even while the coordinator is
 * unreachable, until it learns it was fenced.
 */
#include <stdlib.h>
#include <string.h>

#include "assert-internal.h"
#include "consumer-internal.h"

bool sl_c848(const sl_member_t *m) { return m->cfg.protocol == SL_PROTO_CONSUMER; }

static const char *state_name(const sl_member_t *m) {
    switch (m->mstate) {
    case MS_UNJOINED: return "UNSUBSCRIBED";
    case MS_JOINING: return "JOINING";
    case MS_STABLE: return m->has_pending ? "RECONCILING" : "STABLE";
    default: return "RECONCILING";
    }
}

static const char *mid(sl_sim_t *s, const sl_member_t *m, char *buf, size_t n) {
    if (!m->member_id)
        return "(none)";
    sl_member_id_str(s, m->g, m->member_id, buf, n);
    return buf;
}

static void arm_tick(sl_sim_t *s, sl_member_t *m) {
    int64_t next = m->last_hb_sent_us + m->cfg.heartbeat_interval_us;
    if (!m->in_poll && !m->poll_timed_out && m->mstate != MS_UNJOINED) {
        int64_t poll = m->last_poll_us + m->cfg.max_poll_interval_us;
        if (poll < next)
            next = poll;
    }
    if (next < sl_now(s))
        next = sl_now(s);
    sl_timer_arm(&s->eng, &m->hb_timer, next, -1);
}

static void send_heartbeat(sl_sim_t *s, sl_member_t *m, int64_t cause) {
    if (!m->coordinator || m->proc != PROC_RUNNING)
        return;
    if (m->inflight[IF_HEARTBEAT].req_id) {
        m->ack_needed = true; /* sent when the one in flight is answered */
        return;
    }
    if (m->mstate == MS_UNJOINED) {
        m->mstate = MS_JOINING;
        m->generation = 0;
        sl_trace(s, "member.join", m->node, m->g->index, m->member_id, 0, m->rejoin_cause,
                 "ConsumerGroupHeartbeat with epoch 0 to broker %d", m->coordinator);
        char idb[160];
        LOGM(s, m, "INFO", "Member %s with epoch 0 transitioned from UNSUBSCRIBED to JOINING.",
             mid(s, m, idb, sizeof idb));
        cause = m->rejoin_cause;
    }
    sl_msg_t *req = sl_c_new_req(s, m, MSG_CONSUMER_HEARTBEAT, m->coordinator, cause);
    req->generation = m->generation;
    req->rebalance_timeout_us = m->cfg.max_poll_interval_us;
    req->n_parts = m->n_owned;
    if (m->n_owned) {
        req->parts = malloc((size_t)m->n_owned * sizeof(int));
        memcpy(req->parts, m->owned, (size_t)m->n_owned * sizeof(int));
    }
    m->ack_needed = false;
    m->last_hb_sent_us = sl_now(s);
    sl_c_send_req(s, m, IF_HEARTBEAT, req, m->coordinator, m->cfg.request_timeout_us);
    arm_tick(s, m);
}

void sl_c848_start(sl_sim_t *s, sl_member_t *m) {
    m->mstate = MS_UNJOINED;
    m->generation = 0;
    m->has_pending = false;
    m->ack_needed = false;
    m->revoking_until_us = 0;
    m->precommit_inflight = m->precommitted = false;
    m->last_hb_sent_us = sl_now(s);
    m->in_poll = false;
    sl_c_ensure_find(s, m);
    /* The application's poll loop runs from the start: joining happens
     * beside it, not inside it. */
    sl_timer_arm(&s->eng, &m->poll_timer, sl_now(s), m->rejoin_cause);
}

void sl_c848_coordinator_found(sl_sim_t *s, sl_member_t *m) { send_heartbeat(s, m, m->rejoin_cause); }

void sl_c848_leave(sl_sim_t *s, sl_member_t *m, int64_t cause) {
    sl_member_wake_heartbeats(s, m);
    if (!m->coordinator || !m->member_id || m->mstate == MS_UNJOINED)
        return;
    char idb[160];
    LOGM(s, m, "INFO", "Member %s with epoch %d transitioned from %s to LEAVING.", mid(s, m, idb, sizeof idb),
         m->generation, state_name(m));
    sl_msg_t *req = sl_c_new_req(s, m, MSG_CONSUMER_HEARTBEAT, m->coordinator, cause);
    req->generation = -1; /* leave the group */
    sl_net_send(s, req);
}

/* An idle poll loop picks up a reconciliation at once; a busy one after its batch. */
static void wake_poll(sl_sim_t *s, sl_member_t *m) {
    if (!m->in_poll && sl_timer_armed(&m->poll_timer) && m->batch_end_us <= sl_now(s))
        sl_timer_arm(&s->eng, &m->poll_timer, sl_now(s), m->rejoin_cause);
}

static void lose_membership(sl_sim_t *s, sl_member_t *m, int64_t cause) {
    sl_member_wake_heartbeats(s, m);
    sl_c_release(s, m, true, cause);
    free(m->pending);
    m->pending = NULL;
    m->n_pending = 0;
    m->member_id = 0;
    m->generation = 0;
    m->mstate = MS_UNJOINED;
    m->has_pending = false;
    m->precommit_inflight = m->precommitted = false;
    m->rejoin_cause = cause;
}

static void poll_timeout(sl_sim_t *s, sl_member_t *m) {
    LOGM(s, m, "WARN",
         "consumer poll timeout has expired. This means the time between subsequent calls to poll() was longer than "
         "the configured max.poll.interval.ms, which typically implies that the poll loop is spending too much time "
         "processing messages. You can address this either by increasing max.poll.interval.ms or by reducing the "
         "maximum size of batches returned in poll() with max.poll.records.%s", "");
    int64_t seq = sl_trace(s, "member.poll_timeout", m->node, m->g->index, m->member_id, m->generation, m->blame_seq,
                           "poll() not called for max.poll.interval.ms=%lld: leaving",
                           (long long)(m->cfg.max_poll_interval_us / 1000));
    sl_c848_leave(s, m, seq);
    lose_membership(s, m, seq);
    m->poll_timed_out = true;
}

/* A regular heartbeat whose answer is certainly "nothing new". */
static bool quiet_heartbeat(sl_sim_t *s, sl_member_t *m) {
    if (m->mstate != MS_STABLE || m->has_pending || m->ack_needed || m->inflight[IF_HEARTBEAT].req_id)
        return false;
    if (!sl_net_clean(s, m->node, sl_broker_node(m->coordinator)) ||
        !sl_coord_quiet_heartbeat(s, m->g, m->coordinator, m->member_id, m->generation))
        return false;
    m->last_hb_sent_us = m->last_hb_ok_us = sl_now(s);
    m->last_err = KE_NONE;
    if (m->idle_flow)
        m->hb_virtual = true; /* caught up and quiet: no events until woken */
    else
        arm_tick(s, m);
    return true;
}

void sl_c848_hb_tick(sl_sim_t *s, sl_member_t *m) {
    int64_t now = sl_now(s);
    if (!m->coordinator) {
        sl_c_ensure_find(s, m);
        return;
    }
    if (!m->in_poll && !m->poll_timed_out && m->mstate != MS_UNJOINED &&
        now - m->last_poll_us >= m->cfg.max_poll_interval_us) {
        poll_timeout(s, m);
        return;
    }
    if (m->mstate == MS_UNJOINED)
        return; /* rejoins from poll() */
    if (now - m->last_hb_sent_us >= m->cfg.heartbeat_interval_us && quiet_heartbeat(s, m))
        return;
    if (now - m->last_hb_sent_us >= m->cfg.heartbeat_interval_us || m->ack_needed)
        send_heartbeat(s, m, -1);
    else
        arm_tick(s, m);
}

static bool same_set(const int *a, int na, const int *b, int nb) {
    if (na != nb)
        return false;
    for (int i = 0; i < na; i++) {
        bool found = false;
        for (int j = 0; j < nb && !found; j++)
            found = a[i] == b[j];
        if (!found)
            return false;
    }
    return true;
}

void sl_c848_on_heartbeat(sl_sim_t *s, sl_member_t *m, sl_msg_t *r) {
    m->last_err = r->err;
    if (r->generation == -1 && r->err == KE_NONE)
        return; /* the leave was acknowledged */
    switch (r->err) {
    case KE_NONE: {
        bool joined = m->mstate == MS_JOINING;
        m->member_id = r->member_id;
        m->generation = r->generation;
        m->mstate = MS_STABLE;
        m->last_hb_ok_us = sl_now(s);
        m->find_attempts = 0;
        const int *cur = m->has_pending ? m->pending : m->owned;
        int ncur = m->has_pending ? m->n_pending : m->n_owned;
        if (!same_set(r->parts, r->n_parts, cur, ncur)) {
            free(m->pending);
            m->pending = NULL;
            m->n_pending = r->n_parts;
            if (r->n_parts) {
                m->pending = malloc((size_t)r->n_parts * sizeof(int));
                memcpy(m->pending, r->parts, (size_t)r->n_parts * sizeof(int));
            }
            m->has_pending = true;
            m->rejoin_cause = sl_trace(s, "member.rejoin_needed", m->node, m->g->index, m->member_id, m->generation,
                                       r->cause, "new assignment of %d partitions at epoch %d: reconcile in poll()",
                                       r->n_parts, r->generation);
            wake_poll(s, m);
        } else if (!m->has_pending) {
            m->rejoin_cause = -1;
        }
        char idb[160];
        if (joined)
            LOGM(s, m, "INFO", "Member %s with epoch %d transitioned from JOINING to %s.", mid(s, m, idb, sizeof idb),
                 m->generation, state_name(m));
        sl_metrics_group_changed(s, m->g, r->cause);
        break;
    }
    case KE_UNKNOWN_MEMBER_ID:
    case KE_FENCED_MEMBER_EPOCH: {
        char idb[160];
        LOGM(s, m, "INFO", "Member %s with epoch %d transitioned from %s to FENCED (%s).", mid(s, m, idb, sizeof idb),
             m->generation, state_name(m), sl_kerr_name(r->err));
        int64_t seq = sl_trace(s, "member.fenced", m->node, m->g->index, m->member_id, m->generation,
                               r->cause >= 0 ? r->cause : m->blame_seq, "heartbeat answered %s", sl_kerr_name(r->err));
        lose_membership(s, m, seq);
        send_heartbeat(s, m, seq); /* rejoin with epoch 0 */
        return;
    }
    case KE_NOT_COORDINATOR:
    case KE_COORDINATOR_NOT_AVAILABLE:
    case KE_NETWORK_EXCEPTION:
        if (m->mstate == MS_JOINING)
            m->mstate = MS_UNJOINED;
        sl_c_mark_unknown(s, m, sl_kerr_name(r->err), r->err == KE_NETWORK_EXCEPTION,
                          r->err == KE_NETWORK_EXCEPTION ? m->blame_seq : r->cause);
        return;
    default: /* COORDINATOR_LOAD_IN_PROGRESS: retry after the backoff */
        if (m->mstate == MS_JOINING)
            m->mstate = MS_UNJOINED;
        sl_timer_arm(&s->eng, &m->hb_timer, sl_now(s) + m->cfg.retry_backoff_us, r->cause);
        return;
    }
    if (m->ack_needed)
        send_heartbeat(s, m, -1);
    else
        arm_tick(s, m);
}

static void reconcile_now(sl_sim_t *s, sl_member_t *m);

/* The revocation callback has run for on_revoke: finish, poll on. */
void sl_c848_revoke_done(sl_sim_t *s, sl_member_t *m) {
    m->revoking_until_us = 0;
    if (m->has_pending)
        reconcile_now(s, m);
    m->in_poll = false;
    sl_c_fetch_and_process(s, m);
}

/*
 * With auto-commit on, the Java client commits every consumed offset and
 * waits for the answer before each reconciliation, even one that revokes
 * nothing (AbstractMembershipManager.maybeReconcile: the commit is retried
 * until the rebalance timeout, then the reconciliation goes on anyway; here
 * a failed commit lets it go on at once).  The application keeps polling
 * meanwhile.  True while that commit is unanswered.
 */
static bool commits_first(sl_sim_t *s, sl_member_t *m) {
    if (m->precommitted || m->cfg.client != SL_CLIENT_JAVA || m->cfg.commit != SL_COMMIT_AUTO)
        return false;
    if (!m->precommit_inflight) {
        if (!sl_c_send_commit_awaited(s, m, m->rejoin_cause))
            return false; /* nothing consumed to commit */
        m->precommit_inflight = true;
    }
    return true;
}

void sl_c848_commit_answered(sl_sim_t *s, sl_member_t *m) {
    if (!m->precommit_inflight)
        return;
    m->precommit_inflight = false;
    m->precommitted = true;
    if (m->has_pending)
        wake_poll(s, m);
}

bool sl_c848_poll(sl_sim_t *s, sl_member_t *m) {
    if (m->revoking_until_us)
        return false; /* still inside onPartitionsRevoked */
    if (m->mstate == MS_UNJOINED && m->coordinator) {
        send_heartbeat(s, m, m->rejoin_cause);
        return true;
    }
    if (!m->has_pending || commits_first(s, m))
        return true;
    int revoked = 0;
    for (int i = 0; i < m->n_owned; i++) {
        bool kept = false;
        for (int j = 0; j < m->n_pending && !kept; j++)
            kept = m->pending[j] == m->owned[i];
        revoked += !kept;
    }
    if (revoked && m->cfg.on_revoke_us > 0) {
        /* onPartitionsRevoked takes its time on the application thread;
         * the broker's revocation deadline keeps running meanwhile. */
        m->revoking_until_us = sl_now(s) + m->cfg.on_revoke_us;
        sl_timer_arm(&s->eng, &m->backoff_timer, m->revoking_until_us, m->rejoin_cause);
        return false;
    }
    reconcile_now(s, m);
    return true;
}

static void reconcile_now(sl_sim_t *s, sl_member_t *m) {
    /* onPartitionsRevoked / onPartitionsAssigned, then acknowledge. */
    char *next = calloc((size_t)(m->g->n_parts ? m->g->n_parts : 1), 1);
    for (int i = 0; i < m->n_pending; i++)
        next[m->pending[i]] = 1;
    int revoked = 0, kept = 0, added = 0;
    for (int i = 0; i < m->n_owned; i++)
        revoked += !next[m->owned[i]];
    if (revoked && m->cfg.commit == SL_COMMIT_AUTO)
        sl_c_send_commit(s, m, m->rejoin_cause);
    for (int i = 0; i < m->n_owned; i++) {
        if (next[m->owned[i]]) {
            next[m->owned[i]] = 2;
            m->owned[kept++] = m->owned[i];
        } else {
            m->g->parts[m->owned[i]].owners--;
        }
    }
    m->owned = sl_xrealloc(m->owned, (size_t)(m->n_pending ? m->n_pending : 1) * sizeof(int));
    m->n_owned = kept;
    for (int i = 0; i < m->n_pending; i++) {
        if (next[m->pending[i]] == 2)
            continue;
        sl_gpart_t *gp = &m->g->parts[m->pending[i]];
        gp->owners++;
        m->position[m->pending[i]] = gp->committed;
        m->owned[m->n_owned++] = m->pending[i];
        added++;
    }
    free(next);
    if (revoked)
        LOGM(s, m, "INFO", "Revoke previously assigned partitions (%d partitions)", revoked);
    LOGM(s, m, "INFO", "Adding newly assigned partitions (%d partitions)", added);
    sl_trace(s, "member.assigned", m->node, m->g->index, m->member_id, m->generation, m->rejoin_cause,
             "%d partitions (+%d, -%d)", m->n_owned, added, revoked);
    m->has_pending = false;
    m->precommitted = false;
    int64_t cause = m->rejoin_cause;
    m->rejoin_cause = -1;
    send_heartbeat(s, m, -1); /* acknowledge the reconciliation */
    sl_metrics_group_changed(s, m->g, cause);
}
