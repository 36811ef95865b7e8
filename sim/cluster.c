/*
 * Brokers, the controller, partition leadership and ISR, coordinator
 * placement and producers (docs/model.md: "Brokers", "Coordinator", "Producers").
 *
 * The KRaft controller is not a node: it is always reachable and acts on
 * broker state.  A hard-killed or paused broker is fenced after
 * broker_session_timeout of silence; a controlled shutdown moves leadership
 * first.  Leaders are elected from the ISR only (unclean election off), so a
 * partition whose whole ISR died stays offline until one of them returns.
 */
#include <stdlib.h>
#include <string.h>

#include "assert-internal.h"
#include "model-internal.h"

#define DELIVERY_TIMEOUT_US (120LL * 1000000) /* delivery.timeout.ms */

int32_t sl_java_string_hash(const char *str) {
    /* Java's String.hashCode over UTF-16 code units: h = 31*h + c. */
    uint32_t h = 0;
    const unsigned char *p = (const unsigned char *)str;
    while (*p) {
        uint32_t cp;
        int extra;
        if (*p < 0x80) { cp = *p; extra = 0; }
        else if ((*p & 0xe0) == 0xc0) { cp = *p & 0x1f; extra = 1; }
        else if ((*p & 0xf0) == 0xe0) { cp = *p & 0x0f; extra = 2; }
        else { cp = *p & 0x07; extra = 3; }
        p++;
        for (int i = 0; i < extra && (*p & 0xc0) == 0x80; i++, p++)
            cp = (cp << 6) | (*p & 0x3f);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = 31 * h + (0xd800 + (cp >> 10));
            h = 31 * h + (0xdc00 + (cp & 0x3ff));
        } else {
            h = 31 * h + cp;
        }
    }
    return (int32_t)h;
}

int sl_offsets_partition_for(const char *group, int offsets_partitions) {
    /* Kafka: Utils.abs(groupId.hashCode) % partitions, Utils.abs(MIN) = 0. */
    int32_t h = sl_java_string_hash(group);
    int32_t a = h == INT32_MIN ? 0 : (h < 0 ? -h : h);
    return a % offsets_partitions;
}

/* Kafka's rack-unaware replica placement with a fixed start index and shift
 * (Kafka picks them at random; fixed keeps placement independent of seed). */
static void place_replicas(sl_partition_t *p, int i, int brokers, int rf, int start) {
    int shift = start + i / brokers;
    int first = (i + start) % brokers;
    p->n_replicas = rf;
    p->replicas[0] = first + 1;
    for (int j = 0; j < rf - 1; j++) {
        int idx = (first + 1 + (shift + j) % (brokers - 1)) % brokers;
        p->replicas[j + 1] = idx + 1;
    }
    for (int j = 0; j < rf; j++)
        p->in_isr[j] = 1;
    p->leader = p->replicas[0];
    p->offline_since_us = -1;
}

static void part_name(const sl_sim_t *s, const sl_partition_t *p, char *buf, size_t size) {
    snprintf(buf, size, "%s-%d", p->topic < 0 ? "__consumer_offsets" : s->sc->topics[p->topic].name,
             p->index);
}

bool sl_broker_serving(const sl_sim_t *s, int broker) {
    return broker > 0 && s->brokers[broker - 1].state == SL_BROKER_UP;
}

int sl_coordinator_leader(const sl_sim_t *s, const sl_group_t *g) {
    return s->parts[s->offsets_first_part + g->offsets_partition].leader;
}

/* ---- produce accounting: lazy, no event per record ---- */

static int isr_count(const sl_partition_t *p);

/* The id the controller logs under: a dedicated quorum's, or the combined
 * node's. */
static int controller_log_id(const sl_sim_t *s) { return s->controller > 0 ? s->controller : 3000; }

bool sl_partition_accepts_writes(const sl_sim_t *s, const sl_partition_t *p) {
    /* acks=all: the leader serves and the ISR holds min.insync.replicas. */
    if (!sl_broker_serving(s, p->leader) || isr_count(p) < s->sc->cluster.min_insync_replicas)
        return false;
    if (p->topic < 0)
        return true; /* group metadata writes: see docs/model.md */
    /* A dead or frozen follower stays in the ISR until the controller
     * fences it, and the high watermark waits for it: no produced record is
     * acknowledged (or consumable) meanwhile. */
    for (int j = 0; j < p->n_replicas; j++) {
        sl_broker_state_t st = s->brokers[p->replicas[j] - 1].state;
        if (p->in_isr[j] && (st == SL_BROKER_DOWN || st == SL_BROKER_PAUSED))
            return false;
    }
    return true;
}

static bool writable(const sl_sim_t *s, const sl_partition_t *p) {
    if (!sl_partition_accepts_writes(s, p))
        return false;
    return sl_net_reachable(s, s->first_producer_node + p->topic, sl_broker_node(p->leader));
}

void sl_partition_sync(sl_sim_t *s, sl_partition_t *p) {
    int64_t now = sl_now(s);
    if (p->topic < 0 || now <= p->synced_us)
        return;
    if (p->pending_since_us < 0) {
        p->appended_d += p->rate_per_us * (double)(now - p->synced_us);
        p->end_offset = (int64_t)p->appended_d;
    }
    p->synced_us = now;
}

/* Producer buffer drains when the partition becomes writable again: records
 * older than delivery.timeout.ms expired (lost); the rest are appended. */
static void set_writable(sl_sim_t *s, sl_partition_t *p, bool w, int64_t cause) {
    bool was = p->pending_since_us < 0;
    if (w == was)
        return;
    sl_partition_sync(s, p);
    int64_t now = sl_now(s);
    if (!w) {
        p->pending_since_us = now;
        return;
    }
    int64_t t0 = p->pending_since_us;
    double total = p->rate_per_us * (double)(now - t0);
    int64_t expired_until = now - DELIVERY_TIMEOUT_US;
    double lost = expired_until > t0 ? p->rate_per_us * (double)(expired_until - t0) : 0.0;
    p->appended_d += total - lost;
    p->end_offset = (int64_t)p->appended_d;
    int64_t before = (int64_t)p->lost_d;
    p->lost_d += lost;
    int64_t n = (int64_t)p->lost_d - before;
    if (n > 0) {
        char name[128];
        part_name(s, p, name, sizeof name);
        s->lost_records += n;
        s->produce_errors += n;
        sl_trace(s, "produce.lost", s->first_producer_node + p->topic, -1, 0, -1, cause,
                 "%lld records to %s expired after delivery.timeout.ms=120000", (long long)n, name);
        sl_log(s, s->first_producer_node + p->topic, "ERROR",
               "[Producer clientId=producer-%s] Expiring %lld record(s) for %s:120000 ms has passed since batch creation",
               s->sc->topics[p->topic].name, (long long)n, name);
    }
    p->pending_since_us = -1;
}

void sl_cluster_reevaluate(sl_sim_t *s, int64_t cause) {
    s->net_epoch++; /* cached fetchability is stale */
    sl_members_reflow(s);
    for (int i = 0; i < s->offsets_first_part; i++) {
        sl_partition_t *p = &s->parts[i];
        set_writable(s, p, writable(s, p), cause);
        sl_partition_availability(s, p, sl_broker_serving(s, p->leader));
    }
}

/* ---- leadership ---- */

static void set_leader(sl_sim_t *s, sl_partition_t *p, int leader, int64_t cause) {
    int old = p->leader;
    if (old == leader)
        return;
    p->leader = leader;
    char name[128];
    part_name(s, p, name, sizeof name);
    if (leader == 0) {
        p->offline_since_us = sl_now(s);
        sl_trace(s, "partition.offline", -1, -1, 0, -1, cause,
                 "%s has no leader: every ISR replica is down (unclean election disabled)", name);
        sl_log(s, sl_broker_node(p->replicas[0]), "WARN",
               "[QuorumController id=%d] Partition %s is now offline: no in-sync replica is alive",
               controller_log_id(s), name);
    } else {
        p->offline_since_us = -1;
        bool hosts_group = false;
        for (int gi = 0; p->topic < 0 && gi < s->n_groups && !hosts_group; gi++)
            hosts_group = s->groups[gi].offsets_partition == p->index;
        if (p->topic >= 0 || hosts_group)
            sl_trace(s, "partition.leader", sl_broker_node(leader), -1, 0, -1, cause, "%s leader %d -> %d", name,
                     old, leader);
    }
    if (p->topic < 0) {
        for (int gi = 0; gi < s->n_groups; gi++) {
            sl_group_t *g = &s->groups[gi];
            if (g->offsets_partition == p->index)
                sl_coord_moved(s, g, old, leader, cause);
        }
    }
}

/* First ISR replica, in replica order, that is alive and not fenced. */
static int elect(const sl_sim_t *s, const sl_partition_t *p, int excluding) {
    for (int j = 0; j < p->n_replicas; j++) {
        int b = p->replicas[j];
        if (b == excluding || !p->in_isr[j])
            continue;
        if (!s->brokers[b - 1].fenced && s->brokers[b - 1].state == SL_BROKER_UP)
            return b;
    }
    return 0;
}

static int isr_count(const sl_partition_t *p) {
    int n = 0;
    for (int j = 0; j < p->n_replicas; j++)
        n += p->in_isr[j];
    return n;
}

/* ---- the KRaft controller ---- */

/* When broker b, silent from now on, is fenced: a broker session timeout
 * after its last heartbeat to the controller, or after the controller
 * failover under way (a new controller starts every session afresh).  Its
 * heartbeats tick every broker_heartbeat_interval from when its process
 * started (or thawed), so a broker killed just before a tick is fenced a
 * whole session timeout later and one killed just after it up to an
 * interval sooner: 7 to 9 s with Kafka's defaults, as measured. */
static int64_t fence_at(const sl_sim_t *s, const sl_broker_t *b) {
    int64_t now = sl_now(s);
    if (s->controller_from_us > now)
        return s->controller_from_us + s->sc->cluster.broker_session_timeout_us;
    int64_t every = s->sc->cluster.broker_heartbeat_interval_us;
    int64_t last = b->heartbeat_from_us + (now - b->heartbeat_from_us) / every * every;
    return last + s->sc->cluster.broker_session_timeout_us;
}

/* Combined nodes: the process hosting the active controller stopped.  The
 * other voters notice after controller.quorum.fetch.timeout.ms and elect
 * one of themselves (controller_failover); nobody is fenced meanwhile, and
 * the new controller starts every broker's session afresh (Kafka's
 * BrokerHeartbeatManager is rebuilt on failover). */
static void controller_lost(sl_sim_t *s, int broker, int64_t cause) {
    if (s->controller <= 0 || broker != s->controller)
        return;
    s->controller = -1;
    s->controller_lost_broker = broker;
    s->controller_from_us = sl_now(s) + s->sc->cluster.controller_failover_us;
    int64_t seq = sl_trace(s, "controller.lost", sl_broker_node(broker), -1, 0, -1, cause,
                           "broker %d hosted the active KRaft controller; the other voters elect one", broker);
    sl_timer_arm(&s->eng, &s->controller_timer, s->controller_from_us, seq);
    for (int i = 0; i < s->n_brokers; i++)
        if (sl_timer_armed(&s->brokers[i].fence_timer))
            sl_timer_arm(&s->eng, &s->brokers[i].fence_timer, fence_at(s, &s->brokers[i]),
                         s->brokers[i].fence_timer.cause);
}

static void controller_elected_cb(void *ctx, sl_timer_t *t) {
    sl_sim_t *s = ctx;
    /* Raft elects whichever voter's election timer fires first (random);
     * the simulator takes the next running voter after the lost one. */
    int next = 0;
    for (int k = 1; k <= s->n_brokers && !next; k++) {
        int i = (s->controller_lost_broker - 1 + k) % s->n_brokers;
        if (s->brokers[i].state == SL_BROKER_UP || s->brokers[i].state == SL_BROKER_STARTING)
            next = i + 1;
    }
    if (!next)
        return; /* no voter runs: the first broker back elects itself (up_cb) */
    s->controller = next;
    int64_t seq = sl_trace(s, "controller.elected", sl_broker_node(next), -1, 0, -1, t->cause,
                           "broker %d's controller is the active one", next);
    sl_log(s, sl_broker_node(next), "INFO", "[QuorumController id=%d] Becoming the active controller", next);
    for (int i = 0; i < s->n_brokers; i++) {
        sl_broker_t *b = &s->brokers[i];
        if (!b->fenced && (b->state == SL_BROKER_DOWN || b->state == SL_BROKER_PAUSED))
            sl_timer_arm(&s->eng, &b->fence_timer, sl_now(s) + s->sc->cluster.broker_session_timeout_us, seq);
    }
}

/* The controller removes broker b from every ISR and re-elects its
 * leaderships.  The last ISR member stays in the ISR (KRaft keeps it, so the
 * partition comes back when that broker does). */
static void fence(sl_sim_t *s, sl_broker_t *b, int64_t cause) {
    if (b->fenced)
        return;
    sl_members_settle_broker(s, b->id); /* consumption up to the change */
    b->fenced = true;
    int64_t seq = sl_trace(s, "broker.fenced", sl_broker_node(b->id), -1, 0, -1, cause,
                           "controller fenced broker %d", b->id);
    sl_log(s, sl_broker_node(b->id), "INFO",
           "[QuorumController id=%d] Fencing broker %d because its session has timed out.", controller_log_id(s),
           b->id);
    for (int i = 0; i < s->n_parts; i++) {
        sl_partition_t *p = &s->parts[i];
        for (int j = 0; j < p->n_replicas; j++) {
            if (p->replicas[j] != b->id)
                continue;
            if (p->leader == b->id) {
                int nl = elect(s, p, b->id);
                if (nl == 0) {
                    set_leader(s, p, 0, seq);
                } else {
                    p->in_isr[j] = 0;
                    set_leader(s, p, nl, seq);
                }
            } else if (p->in_isr[j] && isr_count(p) > 1) {
                p->in_isr[j] = 0;
            }
        }
    }
    sl_cluster_reevaluate(s, seq);
}

static void fence_timer_cb(void *ctx, sl_timer_t *t) {
    sl_broker_t *b = ctx;
    fence(b->sim, b, t->cause);
}

/* Moves back every leadership whose preferred replica is b (Kafka's
 * auto.leader.rebalance): the second coordinator move of a restart. */
static void preferred_cb(void *ctx, sl_timer_t *t) {
    sl_broker_t *b = ctx;
    sl_sim_t *s = b->sim;
    if (b->state != SL_BROKER_UP || b->fenced)
        return;
    sl_members_settle_broker(s, b->id);
    int64_t seq = sl_trace(s, "broker.preferred_leaders", sl_broker_node(b->id), -1, 0, -1, t->cause,
                           "auto leader rebalance moves preferred leaderships back to broker %d", b->id);
    sl_log(s, sl_broker_node(b->id), "INFO",
           "[QuorumController id=3000] Triggering preferred leader election for broker %d", b->id);
    for (int i = 0; i < s->n_parts; i++) {
        sl_partition_t *p = &s->parts[i];
        if (p->replicas[0] == b->id && p->in_isr[0] && p->leader != b->id && p->leader != 0)
            set_leader(s, p, b->id, seq);
    }
    sl_cluster_reevaluate(s, seq);
}

/* A thawed broker reads what arrived while it was frozen, in order, and
 * answers as it stands now: a broker the controller fenced meanwhile no
 * longer coordinates, so a member's heartbeat from before the freeze is
 * answered NOT_COORDINATOR and the member looks the coordinator up again
 * (what Apache Kafka does; docs/model.md).  Requests whose client gave up
 * and closed the connection are gone with it. */
static void release_held(sl_sim_t *s, sl_broker_t *b) {
    sl_msg_t **held = b->held;
    int n = b->n_held;
    b->held = NULL;
    b->n_held = b->cap_held = 0;
    for (int i = 0; i < n; i++) {
        if (!sl_net_pin_alive(s, held[i]) || !sl_broker_deliver(s, held[i]))
            sl_msg_free(s, held[i]);
    }
    free(held);
}

/* Startup done: the broker serves, rejoins every ISR (catch-up is taken as
 * instant) and leads partitions that were offline waiting for it. */
static void serving_cb(void *ctx, sl_timer_t *t) {
    sl_broker_t *b = ctx;
    sl_sim_t *s = b->sim;
    sl_members_settle_broker(s, b->id);
    b->state = SL_BROKER_UP;
    b->fenced = false;
    int64_t seq = sl_trace(s, "broker.serving", sl_broker_node(b->id), -1, 0, -1, t->cause,
                           "broker %d finished startup and is serving", b->id);
    sl_log(s, sl_broker_node(b->id), "INFO", "[BrokerServer id=%d] Transition from STARTING to STARTED", b->id);
    for (int i = 0; i < s->n_parts; i++) {
        sl_partition_t *p = &s->parts[i];
        for (int j = 0; j < p->n_replicas; j++) {
            if (p->replicas[j] != b->id)
                continue;
            if (p->leader == 0 && p->in_isr[j])
                set_leader(s, p, b->id, seq);
            else if (p->leader != 0)
                p->in_isr[j] = 1;
        }
    }
    sl_cluster_reevaluate(s, seq);
    if (s->sc->cluster.auto_leader_rebalance_us > 0)
        sl_timer_arm(&s->eng, &b->preferred_timer, sl_now(s) + s->sc->cluster.auto_leader_rebalance_us, seq);
    release_held(s, b); /* a thawed broker the controller fenced meanwhile */
}

/* The process is back (restart) or thawed (pause). */
static void up_cb(void *ctx, sl_timer_t *t) {
    sl_broker_t *b = ctx;
    sl_sim_t *s = b->sim;
    sl_members_settle_broker(s, b->id);
    if (s->controller < 0 && !sl_timer_armed(&s->controller_timer)) {
        /* no voter was running: this one elects itself */
        s->controller_from_us = sl_now(s) + s->sc->cluster.controller_failover_us;
        sl_timer_arm(&s->eng, &s->controller_timer, s->controller_from_us, t->cause);
    }
    if (b->state == SL_BROKER_PAUSED) {
        int64_t seq = sl_trace(s, "broker.resumed", sl_broker_node(b->id), -1, 0, -1, t->cause,
                               "broker %d process resumed", b->id);
        b->heartbeat_from_us = sl_now(s); /* its overdue heartbeat goes out at the thaw */
        if (!b->fenced) {
            /* Thawed before the controller noticed: nothing moved. */
            sl_timer_cancel(&s->eng, &b->fence_timer);
            b->state = SL_BROKER_UP;
            sl_cluster_reevaluate(s, seq);
            release_held(s, b);
            return;
        }
        b->state = SL_BROKER_STARTING;
        sl_timer_arm(&s->eng, &b->serving_timer, sl_now(s), seq);
        return;
    }
    b->state = SL_BROKER_STARTING;
    b->heartbeat_from_us = sl_now(s); /* the new incarnation registers and heartbeats from now */
    int64_t seq = sl_trace(s, "broker.starting", sl_broker_node(b->id), -1, 0, -1, t->cause,
                           "broker %d process started, recovering logs", b->id);
    sl_log(s, sl_broker_node(b->id), "INFO", "[BrokerServer id=%d] Transition from SHUTDOWN to STARTING", b->id);
    /* A new incarnation registers: the old one is fenced if it was not yet. */
    sl_timer_cancel(&s->eng, &b->fence_timer);
    fence(s, b, seq);
    sl_timer_arm(&s->eng, &b->serving_timer, sl_now(s) + s->sc->cluster.broker_startup_us, seq);
}

void sl_broker_stop(sl_sim_t *s, int broker, sl_restart_mode_t mode, int64_t down_us, int64_t cause) {
    sl_broker_t *b = &s->brokers[broker - 1];
    if (b->state != SL_BROKER_UP && b->state != SL_BROKER_STARTING)
        return; /* already down or paused: the event finds nothing to stop */
    sl_members_settle_broker(s, broker);
    int node = sl_broker_node(broker);
    sl_timer_cancel(&s->eng, &b->preferred_timer);
    sl_timer_cancel(&s->eng, &b->serving_timer);
    if (mode == SL_RESTART_PAUSE) {
        b->state = SL_BROKER_PAUSED;
        b->down_seq = sl_trace(s, "broker.paused", node, -1, 0, -1, cause,
                               "broker %d process frozen (sockets stay open)", broker);
        controller_lost(s, broker, b->down_seq);
        sl_timer_arm(&s->eng, &b->fence_timer, fence_at(s, b), b->down_seq);
        sl_cluster_reevaluate(s, b->down_seq);
    } else {
        bool controlled = mode == SL_RESTART_CONTROLLED;
        b->down_seq = sl_trace(s, "broker.down", node, -1, 0, -1, cause, "broker %d %s", broker,
                               controlled ? "controlled shutdown" : "killed");
        controller_lost(s, broker, b->down_seq);
        if (controlled) {
            sl_log(s, node, "INFO", "[BrokerServer id=%d] Transition from STARTED to PENDING_CONTROLLED_SHUTDOWN",
                   broker);
            /* Leadership moves first, then the process exits. */
            b->state = SL_BROKER_DOWN;
            fence(s, b, b->down_seq);
        } else {
            b->state = SL_BROKER_DOWN;
            sl_timer_arm(&s->eng, &b->fence_timer, fence_at(s, b), b->down_seq);
        }
        b->incarnation++;
        /* The coordinator's in-memory groups die with the process. */
        for (int gi = 0; gi < s->n_groups; gi++)
            if (s->groups[gi].coordinator == broker)
                sl_coord_moved(s, &s->groups[gi], broker, 0, b->down_seq);
        /* Connections reset at once. */
        for (int n = s->first_member_node; n < s->first_producer_node; n++) {
            sl_net_close(s, n, broker);
            sl_member_broker_reset(s, s->node_member[n], broker, b->down_seq);
        }
        sl_cluster_reevaluate(s, b->down_seq);
    }
    sl_timer_arm(&s->eng, &b->up_timer, sl_now(s) + (down_us > 0 ? down_us : 0), b->down_seq);
}

/* ---- requests ---- */

sl_msg_t *sl_coord_reply(sl_sim_t *s, int broker, const sl_msg_t *req, sl_kerr_t err) {
    sl_msg_t *r = sl_msg_new(s, MSG_RESPONSE, sl_broker_node(broker), req->src, req->cause);
    r->req_kind = req->kind;
    r->req_id = req->req_id;
    r->group = req->group;
    r->member_id = req->member_id;
    r->generation = req->generation;
    r->err = err;
    r->broker_inc = s->brokers[broker - 1].incarnation;
    return r;
}

bool sl_broker_listening(const sl_sim_t *s, int broker) {
    sl_broker_state_t st = s->brokers[broker - 1].state;
    return st == SL_BROKER_UP || st == SL_BROKER_PAUSED; /* a frozen process's kernel still accepts */
}

bool sl_broker_deliver(sl_sim_t *s, sl_msg_t *m) {
    int broker = m->dst + 1;
    sl_broker_t *b = &s->brokers[broker - 1];
    if (b->state == SL_BROKER_PAUSED) {
        /* Frozen with its sockets open: the kernel still takes the bytes,
         * and the process reads them when it thaws (release_held). */
        sl_net_pin(s, m);
        if (b->n_held == b->cap_held) {
            b->cap_held = b->cap_held ? b->cap_held * 2 : 16;
            b->held = realloc(b->held, (size_t)b->cap_held * sizeof *b->held);
            if (!b->held)
                sl_oom();
        }
        b->held[b->n_held++] = m;
        return true;
    }
    if (!sl_broker_listening(s, broker)) {
        /* Nothing listens: the connection is refused, and never came up. */
        sl_net_close(s, m->src, broker);
        sl_msg_t *r = sl_coord_reply(s, broker, m, KE_NETWORK_EXCEPTION);
        sl_net_send(s, r);
        return false;
    }
    sl_group_t *g = &s->groups[m->group];
    if (m->kind == MSG_FIND_COORDINATOR) {
        int leader = sl_coordinator_leader(s, g);
        sl_msg_t *r = sl_coord_reply(s, broker, m, leader ? KE_NONE : KE_COORDINATOR_NOT_AVAILABLE);
        r->coordinator = leader;
        sl_net_send(s, r);
        return false;
    }
    sl_coord_handle(s, g, broker, m);
    return false;
}

/* ---- setup ---- */

static void broker_init(sl_sim_t *s, sl_broker_t *b, int id) {
    b->sim = s;
    b->id = id;
    b->state = SL_BROKER_UP;
    sl_timer_init(&b->fence_timer, fence_timer_cb, b);
    sl_timer_init(&b->up_timer, up_cb, b);
    sl_timer_init(&b->serving_timer, serving_cb, b);
    sl_timer_init(&b->preferred_timer, preferred_cb, b);
}

int sl_cluster_init(sl_sim_t *s, char *errstr, size_t errstr_size) {
    const sl_scenario_t *sc = s->sc;
    int nb = sc->cluster.brokers;
    s->n_brokers = nb;
    s->brokers = calloc((size_t)nb, sizeof *s->brokers);
    s->topic_first_part = calloc((size_t)sc->n_topics + 1, sizeof *s->topic_first_part);
    int total = sc->cluster.offsets_partitions;
    for (int t = 0; t < sc->n_topics; t++)
        total += sc->topics[t].partitions;
    s->parts = calloc((size_t)total, sizeof *s->parts);
    if (!s->brokers || !s->topic_first_part || !s->parts) {
        snprintf(errstr, errstr_size, "out of memory for %d partitions", total);
        return -1;
    }
    for (int i = 0; i < nb; i++)
        broker_init(s, &s->brokers[i], i + 1);
    s->controller = sc->cluster.active_controller;
    sl_timer_init(&s->controller_timer, controller_elected_cb, s);
    int k = 0;
    for (int t = 0; t < sc->n_topics; t++) {
        const sl_topic_cfg_t *tc = &sc->topics[t];
        s->topic_first_part[t] = k;
        int rf = tc->replication < 1 ? 1 : tc->replication;
        for (int i = 0; i < tc->partitions; i++, k++) {
            sl_partition_t *p = &s->parts[k];
            p->topic = t;
            p->index = i;
            place_replicas(p, i, nb, rf > 8 ? 8 : rf, t % nb);
            p->rate_per_us = tc->produce_rate_per_s / 1e6 / tc->partitions;
            p->pending_since_us = -1;
        }
    }
    s->offsets_first_part = k;
    int orf = sc->cluster.offsets_replication < nb ? sc->cluster.offsets_replication : nb;
    for (int i = 0; i < sc->cluster.offsets_partitions; i++, k++) {
        sl_partition_t *p = &s->parts[k];
        p->topic = -1;
        p->index = i;
        place_replicas(p, i, nb, orf > 8 ? 8 : orf, 0);
        p->pending_since_us = -1;
    }
    s->n_parts = k;
    return 0;
}

void sl_cluster_finish(sl_sim_t *s) {
    int64_t end = sl_now(s);
    for (int i = 0; i < s->offsets_first_part; i++) {
        sl_partition_t *p = &s->parts[i];
        sl_partition_sync(s, p);
        if (p->pending_since_us >= 0 && end - DELIVERY_TIMEOUT_US > p->pending_since_us) {
            double lost = p->rate_per_us * (double)(end - DELIVERY_TIMEOUT_US - p->pending_since_us);
            int64_t before = (int64_t)p->lost_d;
            p->lost_d += lost;
            int64_t n = (int64_t)p->lost_d - before;
            s->lost_records += n;
            s->produce_errors += n;
        }
        s->produced_records += (int64_t)(p->rate_per_us * (double)end);
    }
}

void sl_cluster_free(sl_sim_t *s) {
    for (int i = 0; i < s->n_brokers; i++) {
        for (int k = 0; k < s->brokers[i].n_held; k++)
            sl_msg_free(s, s->brokers[i].held[k]);
        free(s->brokers[i].held);
    }
    free(s->brokers);
    free(s->topic_first_part);
    free(s->parts);
}
