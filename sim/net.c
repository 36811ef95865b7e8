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
    if (m->dst < s->n_brokers) {
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
        abort(); /* the simulator cannot continue without memory */
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
    for (int i = 0; i < s->n_faults; i++) {
        const sl_fault_t *f = &s->faults[i];
        if (f->active && f->cut && bit(f->from, a) && bit(f->to, b))
            return i;
    }
    return -1;
}

int64_t sl_net_cut_cause(const sl_sim_t *s, int a, int b) {
    int i = cut_fault(s, a, b);
    return i < 0 ? -1 : s->faults[i].seq;
}

/* Index of m's (client, broker) connection in s->conn_gen. */
static size_t conn_index(const sl_sim_t *s, const sl_msg_t *m) {
    int broker = m->src < s->n_brokers ? m->src : m->dst;
    int client = m->src < s->n_brokers ? m->dst : m->src;
    return (size_t)client * s->n_brokers + broker;
}

void sl_net_close(sl_sim_t *s, int client_node, int broker) {
    s->conn_gen[(size_t)client_node * s->n_brokers + (broker - 1)]++;
}

void sl_net_pin(sl_sim_t *s, sl_msg_t *m) { m->conn_gen = s->conn_gen[conn_index(s, m)]; }

bool sl_net_pin_alive(const sl_sim_t *s, const sl_msg_t *m) { return m->conn_gen == s->conn_gen[conn_index(s, m)]; }

bool sl_net_clean(const sl_sim_t *s, int a, int b) {
    if (s->sc->links.loss > 0)
        return false;
    for (int i = 0; i < s->n_faults; i++) {
        const sl_fault_t *f = &s->faults[i];
        if (!f->active || (!f->cut && f->loss <= 0))
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
    for (int i = 0; i < s->n_faults; i++) {
        const sl_fault_t *f = &s->faults[i];
        if (f->active && !f->cut && bit(f->from, a) && bit(f->to, b)) {
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
            abort();
    }
    f->held[f->n_held++] = m;
}

static void schedule(sl_sim_t *s, sl_msg_t *m, int64_t not_before);

void sl_net_send(sl_sim_t *s, sl_msg_t *m) {
    int cut = cut_fault(s, m->src, m->dst);
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

void sl_net_heal(sl_sim_t *s, int fault) {
    sl_fault_t *f = &s->faults[fault];
    sl_msg_t **held = f->held;
    int n = f->n_held;
    f->held = NULL;
    f->n_held = f->cap_held = 0;
    for (int i = 0; i < n; i++) {
        sl_msg_t *m = held[i];
        if (!sl_net_pin_alive(s, m)) {
            sl_msg_free(s, m); /* its connection is gone, and the bytes with it */
            continue;
        }
        /* the first retransmission at or after now: first_sent + RTO x (2^k - 1), RTO capped */
        int64_t t = m->first_sent_us, rto = TCP_RTO_MIN_US;
        while (t < sl_now(s)) {
            t += rto;
            if (rto < TCP_RTO_MAX_US)
                rto *= 2;
        }
        int still = cut_fault(s, m->src, m->dst);
        if (still >= 0)
            hold(&s->faults[still], m); /* another cut on the same path */
        else
            schedule(s, m, t);
    }
    free(held);
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
        abort();
}

int sl_net_add_fault(sl_sim_t *s, const sl_fault_t *f) {
    if (s->n_faults == s->cap_faults) {
        int cap = s->cap_faults ? s->cap_faults * 2 : 8;
        sl_fault_t *nf = realloc(s->faults, (size_t)cap * sizeof *nf);
        if (!nf)
            abort();
        s->faults = nf;
        s->cap_faults = cap;
    }
    s->faults[s->n_faults] = *f;
    return s->n_faults++;
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
        if (s->eng.heap[i]->fn == deliver)
            wire[n++] = s->eng.heap[i];
    for (int i = 0; i < n; i++)
        sl_msg_free(s, (sl_msg_t *)((char *)wire[i] - offsetof(sl_msg_t, timer)));
    free(wire);
    for (int i = 0; i < s->n_faults; i++) {
        free(s->faults[i].from);
        free(s->faults[i].to);
    }
    free(s->faults);
    free(s->fifo);
    free(s->conn_gen);
    while (s->free_msgs) {
        sl_msg_t *m = s->free_msgs;
        s->free_msgs = m->next_free;
        free(m);
    }
}
