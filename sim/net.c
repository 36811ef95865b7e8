/*
 * Directed links between nodes: latency, jitter, loss and cuts.
 *
 * Every message has a broker at one end (clients talk to brokers; the
 * controller is not a node).  Messages on one (client, broker, direction)
 * keep TCP's order: a message never overtakes the one sent before it, so
 * jitter stretches a connection rather than reordering it.  A message is
 * lost with the link's `loss` probability (the base links' and any active
 * degrade's); a lost request is retried by the client only after its
 * request timeout.  A cut delivers nothing while it lasts, but, as TCP
 * does, what was sent into it is retransmitted: when the cut heals it goes
 * through at the sender's next retransmission (200 ms doubling from the
 * first send, at most 120 s apart) unless its connection closed meanwhile
 * (the client gave up on a request, or an end restarted).
 */
#include <stdlib.h>
#include <string.h>

#include "assert-internal.h"
#include "model-internal.h"


static void deliver(void *ctx, sl_timer_t *t) {
    sl_sim_t *s = ctx;
    sl_msg_t *m = (sl_msg_t *)((char *)t - offsetof(sl_msg_t, timer));
    if (m->kind == MSG_BACKGROUND) {
    } else if (m->dst < s->n_brokers) {
        if (sl_broker_deliver(s, m))
            return; /* kept by a frozen broker */
    } else if (sl_member_deliver(s, s->node_member[m->dst], m))
        return; /* kept for later */
    sl_msg_free(s, m);
}

sl_msg_t *sl_msg_new(sl_sim_t *s, sl_msg_kind_t kind, int src, int dst, int64_t cause) {
    sl_msg_t *m = s->free_msgs;
    if (m)
        s->free_msgs = m->next_free;
    else if (!(m = malloc(sizeof *m)))
        sl_oom();
    memset(m, 0, sizeof *m);
    sl_timer_init(&m->timer, deliver, s);
    m->kind = kind;
    m->src = src;
    m->dst = dst;
    m->cause = cause;
    m->first_sent_us = sl_now(s);
    return m;
}

void sl_msg_free(sl_sim_t *s, sl_msg_t *m) {
    sl_timer_cancel(&s->eng, &m->timer);
    free(m->ids);
    free(m->parts);
    free(m->offsets);
    if (m->assign) {
        for (int i = 0; i < m->n_ids; i++)
            free(m->assign[i]);
        free(m->assign);
    }
    free(m->assign_n);
    m->next_free = s->free_msgs;
    s->free_msgs = m;
}

static inline bool bit(const uint8_t *map, int node) { return map[node >> 3] & (1u << (node & 7)); }

static int cut_fault(const sl_sim_t *s, int a, int b) {
    for (int k = 0; k < s->n_active_faults; k++) {
        const sl_fault_t *f = &s->faults[s->active_faults[k]];
        if (f->cut && bit(f->from, a) && bit(f->to, b))
            return s->active_faults[k];
    }
    return -1;
}

int64_t sl_net_cut_cause(const sl_sim_t *s, int a, int b) {
    int i = cut_fault(s, a, b);
    return i < 0 ? -1 : s->faults[i].seq;
}

/* m's (client, broker) connection. */
static sl_conn_t *conn_of(const sl_sim_t *s, const sl_msg_t *m) {
    int broker = m->src < s->n_brokers ? m->src : m->dst;
    int client = m->src < s->n_brokers ? m->dst : m->src;
    return &s->conns[(size_t)client * s->n_brokers + broker];
}

void sl_net_close(sl_sim_t *s, int client_node, int broker) {
    sl_conn_t *c = &s->conns[(size_t)client_node * s->n_brokers + (broker - 1)];
    c->gen++;
    c->state = SL_CONN_CLOSED;
}

int64_t sl_net_conn_up_us(const sl_sim_t *s, int client_node, int broker) {
    const sl_conn_t *c = &s->conns[(size_t)client_node * s->n_brokers + (broker - 1)];
    return c->state == SL_CONN_UP ? c->since_us : -1;
}

void sl_net_pin(sl_sim_t *s, sl_msg_t *m) { m->conn_gen = conn_of(s, m)->gen; }

bool sl_net_pin_alive(const sl_sim_t *s, const sl_msg_t *m) { return m->conn_gen == conn_of(s, m)->gen; }

bool sl_net_clean(const sl_sim_t *s, int a, int b) {
    if (s->sc->links.loss > 0)
        return false;
    for (int k = 0; k < s->n_active_faults; k++) {
        const sl_fault_t *f = &s->faults[s->active_faults[k]];
        if (!f->cut && f->loss <= 0)
            continue;
        if ((bit(f->from, a) && bit(f->to, b)) || (bit(f->from, b) && bit(f->to, a)))
            return false;
    }
    return true;
}

bool sl_net_reachable(const sl_sim_t *s, int a, int b) {
    return sl_net_cut_cause(s, a, b) < 0 && sl_net_cut_cause(s, b, a) < 0;
}

/* One-way delay of a message sent now on a->b, from the seeded stream;
 * -1 when the message is lost (*lost_by receives the fault's seq, or -1
 * for the links' base loss). */
static int64_t one_way_us(sl_sim_t *s, int a, int b, bool sample, int64_t *lost_by) {
    const sl_link_cfg_t *l = &s->sc->links;
    int64_t lat = l->latency_us, jit = l->jitter_us;
    for (int k = 0; k < s->n_active_faults; k++) {
        const sl_fault_t *f = &s->faults[s->active_faults[k]];
        if (!f->cut && bit(f->from, a) && bit(f->to, b)) {
            lat += f->latency_us;
            jit += f->jitter_us;
            if (sample && f->loss > 0 && sl_rng_unit(&s->net_rng) < f->loss) {
                *lost_by = f->seq;
                return -1;
            }
        }
    }
    if (!sample)
        return lat + jit / 2;
    if (l->loss > 0 && sl_rng_unit(&s->net_rng) < l->loss) {
        *lost_by = -1;
        return -1;
    }
    int64_t d = lat;
    if (jit > 0)
        d += (int64_t)sl_rng_below(&s->net_rng, (uint64_t)jit + 1);
    return d;
}

int64_t sl_net_rtt_us(sl_sim_t *s, int a, int b) {
    int64_t unused;
    return one_way_us(s, a, b, false, &unused) + one_way_us(s, b, a, false, &unused);
}

/* A dropped message: remember which fault hit the client, the cause of
 * whatever the silence leads to (a session expiry, a lost coordinator). */
static void drop(sl_sim_t *s, sl_msg_t *m, int64_t fault_seq) {
    int client = m->src < s->n_brokers ? m->dst : m->src;
    if (s->node_member[client] && fault_seq >= 0)
        s->node_member[client]->blame_seq = fault_seq;
    sl_msg_free(s, m);
}

static void hold(sl_fault_t *f, sl_msg_t *m) {
    if (f->n_held == f->cap_held) {
        f->cap_held = f->cap_held ? f->cap_held * 2 : 16;
        f->held = realloc(f->held, (size_t)f->cap_held * sizeof *f->held);
        if (!f->held)
            sl_oom();
    }
    f->held[f->n_held++] = m;
}

static void schedule(sl_sim_t *s, sl_msg_t *m, int64_t not_before);

/* The cut (either way) that keeps a new connection's handshake from
 * completing, or -1. */
static int handshake_cut(const sl_sim_t *s, const sl_msg_t *m) {
    int cut = cut_fault(s, m->src, m->dst);
    return cut >= 0 ? cut : cut_fault(s, m->dst, m->src);
}

void sl_net_send(sl_sim_t *s, sl_msg_t *m) {
    sl_conn_t *c = conn_of(s, m);
    if (m->src >= s->n_brokers && c->state == SL_CONN_CLOSED) {
        /* A request opens the connection: the handshake needs both ways. */
        c->state = handshake_cut(s, m) < 0 ? SL_CONN_UP : SL_CONN_CONNECTING;
        c->since_us = sl_now(s);
    }
    int cut = c->state == SL_CONN_CONNECTING ? handshake_cut(s, m) : cut_fault(s, m->src, m->dst);
    if (cut >= 0) {
        /* Nothing gets through; TCP keeps the bytes and retries. */
        int client = m->src < s->n_brokers ? m->dst : m->src;
        if (s->node_member[client])
            s->node_member[client]->blame_seq = s->faults[cut].seq;
        sl_net_pin(s, m);
        hold(&s->faults[cut], m);
        return;
    }
    schedule(s, m, sl_now(s));
}

#define TCP_RTO_MIN_US 200000LL
#define TCP_RTO_MAX_US 120000000LL
#define TCP_SYN_RTO_US 1000000LL

/* The first retransmission at or after now of what was first sent at
 * first_us, the timeout starting at rto_us and doubling (capped). */
static int64_t next_retransmission(int64_t first_us, int64_t rto_us, int64_t now) {
    int64_t t = first_us;
    while (t < now) {
        t += rto_us;
        if (rto_us < TCP_RTO_MAX_US)
            rto_us *= 2;
    }
    return t;
}

/* Orders held messages by connection and direction, then by first send:
 * TCP delivers a connection's bytes in order, all of them once the oldest
 * gets through. */
typedef struct {
    size_t conn;
    int dir;
    int64_t first_sent_us;
    int index;
} held_key_t;

static int held_key_cmp(const void *a, const void *b) {
    const held_key_t *x = a, *y = b;
    if (x->conn != y->conn)
        return x->conn < y->conn ? -1 : 1;
    if (x->dir != y->dir)
        return x->dir - y->dir;
    if (x->first_sent_us != y->first_sent_us)
        return x->first_sent_us < y->first_sent_us ? -1 : 1;
    return x->index - y->index;
}

void sl_net_heal(sl_sim_t *s, int fault) {
    sl_fault_t *f = &s->faults[fault];
    sl_msg_t **held = f->held;
    int n = f->n_held;
    f->held = NULL;
    f->n_held = f->cap_held = 0;
    held_key_t *keys = n ? malloc((size_t)n * sizeof *keys) : NULL;
    if (n && !keys)
        sl_oom();
    for (int i = 0; i < n; i++)
        keys[i] = (held_key_t){conn_of(s, held[i]) - s->conns, held[i]->src < s->n_brokers, held[i]->first_sent_us, i};
    if (n > 1)
        qsort(keys, (size_t)n, sizeof *keys, held_key_cmp);
    int64_t release_us = 0;
    bool have_release = false; /* for the connection and direction of keys[k] */
    for (int k = 0; k < n; k++) {
        sl_msg_t *m = held[keys[k].index];
        if (k > 0 && (keys[k].conn != keys[k - 1].conn || keys[k].dir != keys[k - 1].dir))
            have_release = false;
        if (!sl_net_pin_alive(s, m)) {
            sl_msg_free(s, m); /* its connection is gone, and the bytes with it */
            continue;
        }
        sl_conn_t *c = conn_of(s, m);
        int still = c->state == SL_CONN_CONNECTING ? handshake_cut(s, m) : cut_fault(s, m->src, m->dst);
        if (still >= 0) {
            hold(&s->faults[still], m); /* another cut on the same path */
            continue;
        }
        if (c->state == SL_CONN_CONNECTING) {
            /* The handshake completes at the SYN's next retry (1 s doubling
             * from the connect), and what waited on it follows. */
            c->state = SL_CONN_UP;
            c->since_us = next_retransmission(c->since_us, TCP_SYN_RTO_US, sl_now(s));
            release_us = c->since_us;
            have_release = true;
        } else if (!have_release) {
            /* The oldest unacknowledged byte's next retransmission; the rest
             * of the connection's bytes follow it. */
            release_us = next_retransmission(m->first_sent_us, TCP_RTO_MIN_US, sl_now(s));
            if (c->since_us > release_us)
                release_us = c->since_us; /* behind a handshake released above */
            have_release = true;
        }
        if (m->kind == MSG_BACKGROUND)
            sl_msg_free(s, m); /* it set the time; fetching itself is not simulated */
        else
            schedule(s, m, release_us);
    }
    free(keys);
    free(held);
}

/* A cut begins: each member's fetches to the leaders it reads from are
 * caught in it from now on, so TCP's retransmissions of those connections
 * count from now (sl_net_heal).  A consumer always has one fetch out per
 * leader: cut both ways, the answer to it is what waits (broker to member);
 * cut one way from the member, the answer arrives and the next fetch waits. */
static void hold_fetches(sl_sim_t *s, sl_fault_t *f) {
    for (int node = s->first_member_node; node < s->first_producer_node; node++) {
        sl_member_t *m = s->node_member[node];
        if (!m || m->n_owned == 0)
            continue;
        for (int b = 0; b < s->n_brokers; b++) {
            bool up = !f->two_way && bit(f->from, node) && bit(f->to, b);
            bool down = bit(f->from, b) && bit(f->to, node);
            if (!up && !down)
                continue;
            bool leads = false;
            for (int i = 0; i < m->n_owned && !leads; i++)
                leads = m->g->parts[m->owned[i]].p->leader == b + 1;
            if (!leads)
                continue;
            sl_msg_t *fetch = sl_msg_new(s, MSG_BACKGROUND, up ? node : b, up ? b : node, f->seq);
            sl_net_pin(s, fetch);
            hold(f, fetch);
        }
    }
}

static void schedule(sl_sim_t *s, sl_msg_t *m, int64_t not_before) {
    int broker = m->src < s->n_brokers ? m->src : m->dst;
    int other = m->src < s->n_brokers ? m->dst : m->src;
    int dir = m->src < s->n_brokers;
    SL_ASSERT(broker < s->n_brokers && other >= s->n_brokers);
    int64_t *last = &s->fifo[((size_t)other * s->n_brokers + broker) * 2 + dir];
    int64_t lost_by = -1, delay = one_way_us(s, m->src, m->dst, true, &lost_by);
    if (delay < 0) {
        drop(s, m, lost_by); /* lost: the client finds out by its request timeout */
        return;
    }
    int64_t at = not_before + delay;
    if (at < *last)
        at = *last;
    *last = at;
    if (sl_timer_arm(&s->eng, &m->timer, at, m->cause) < 0)
        sl_oom();
}

int sl_net_add_fault(sl_sim_t *s, const sl_fault_t *f) {
    if (s->n_faults == s->cap_faults) {
        int cap = s->cap_faults ? s->cap_faults * 2 : 8;
        sl_fault_t *nf = realloc(s->faults, (size_t)cap * sizeof *nf);
        int *na = realloc(s->active_faults, (size_t)cap * sizeof *na);
        if (!nf || !na)
            sl_oom();
        s->faults = nf;
        s->active_faults = na;
        s->cap_faults = cap;
    }
    if (f->active)
        s->active_faults[s->n_active_faults++] = s->n_faults; /* the newest: the list stays ascending */
    s->faults[s->n_faults] = *f;
    s->faults[s->n_faults].start_us = sl_now(s);
    if (f->cut)
        hold_fetches(s, &s->faults[s->n_faults]);
    return s->n_faults++;
}

void sl_net_end_fault(sl_sim_t *s, int i) {
    if (!s->faults[i].active)
        return;
    s->faults[i].active = false;
    int k = 0;
    while (s->active_faults[k] != i)
        k++;
    memmove(&s->active_faults[k], &s->active_faults[k + 1], (size_t)(s->n_active_faults - k - 1) * sizeof(int));
    s->n_active_faults--;
}

void sl_net_free(sl_sim_t *s) {
    for (int i = 0; i < s->n_faults; i++) {
        for (int k = 0; k < s->faults[i].n_held; k++)
            sl_msg_free(s, s->faults[i].held[k]);
        free(s->faults[i].held);
    }
    /* Messages still on the wire when the run ends: collect, then free
     * (cancelling reshuffles the heap under an index walk). */
    sl_timer_t **wire = malloc((size_t)(s->eng.n ? s->eng.n : 1) * sizeof *wire);
    int n = 0;
    for (int32_t i = 0; wire && i < s->eng.n; i++)
        if (s->eng.heap[i].t->fn == deliver)
            wire[n++] = s->eng.heap[i].t;
    for (int i = 0; i < n; i++)
        sl_msg_free(s, (sl_msg_t *)((char *)wire[i] - offsetof(sl_msg_t, timer)));
    free(wire);
    for (int i = 0; i < s->n_faults; i++) {
        free(s->faults[i].from);
        free(s->faults[i].to);
    }
    free(s->faults);
    free(s->active_faults);
    free(s->fifo);
    free(s->conns);
    while (s->free_msgs) {
        sl_msg_t *m = s->free_msgs;
        s->free_msgs = m->next_free;
        free(m);
    }
}
