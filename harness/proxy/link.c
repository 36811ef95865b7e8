/*
 * Links: one accepted client, its upstream connection, and the data path of
 * each direction through the stages of the toxics applied to it.
 *
 * Lifetime: a link is killed (sockets closed, counted as closed, taken off
 * its proxy) at once, but its memory is freed by reap_ev on the next loop
 * turn, because a kill may happen deep inside a stage's loop that still
 * holds pointers into the link.  Every loop that emits chunks checks
 * link->dead after each emission.
 *
 * Reading is ours, not the bufferevents': libevent 2.1's evbuffer_read()
 * reads at most 4096 bytes per call (EVBUFFER_MAX_READ) whatever
 * bufferevent_set_max_single_read() says, which costs a loop turn per 4 KiB
 * and two thirds of the throughput.  Each direction has its own read event
 * on its source socket.  With no stage in the way and nothing queued for
 * the destination it reads into the server's buffer and sends on at once
 * (dir_read_direct), as haproxy does; otherwise it reads what FIONREAD
 * reports (up to SLP_MAX_IO_BYTES) with one readv() into a chunk for the
 * stages.  The bufferevents keep what they do well: connecting, buffering
 * what a full socket did not take, write errors, watermarks.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "proxy-internal.h"

static void dir_flow(slp_dir_t *d);
static void dir_check_eof(slp_dir_t *d);
static void dir_try_fin(slp_dir_t *d);
static void stage_push(slp_stage_t *s, slp_chunk_t *c);
static void stage_release(slp_stage_t *s);
static void link_close_flush(slp_link_t *l);
static void stage_retire(slp_stage_t *s);
static void link_connect(slp_link_t *l, const struct sockaddr_storage *sa, socklen_t len);
static void link_lookup(slp_link_t *l);

/* ---- chunks ---- */

static slp_chunk_t *chunk_new(void) {
    slp_chunk_t *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->buf = evbuffer_new();
    if (!c->buf) {
        free(c);
        return NULL;
    }
    return c;
}

static void chunk_free(slp_chunk_t *c) {
    evbuffer_free(c->buf);
    free(c);
}

/* ---- memory: what the stages hold, per direction and for the server ---- */

static size_t chunk_cost(const slp_chunk_t *c) {
    return evbuffer_get_length(c->buf) + SLP_CHUNK_OVERHEAD;
}

static void dir_hold(slp_dir_t *d, size_t cost) {
    d->held += cost;
    d->link->srv->mem_held += cost;
}

static void dir_unhold(slp_dir_t *d, size_t cost) {
    sl_proxy_server_t *srv = d->link->srv;
    SLP_ASSERT(d->held >= cost && srv->mem_held >= cost);
    d->held -= cost;
    srv->mem_held -= cost;
    if (!TAILQ_EMPTY(&srv->mem_waiting) && srv->mem_held < srv->mem_cap)
        event_active(srv->mem_wake_ev, EV_TIMEOUT, 1);
}

/* d waits for the server's memory (reading, or a slicer emitting). */
static void dir_wait_mem(slp_dir_t *d) {
    if (d->mem_blocked)
        return;
    d->mem_blocked = 1;
    TAILQ_INSERT_TAIL(&d->link->srv->mem_waiting, d, mem_next);
}

static void dir_unwait_mem(slp_dir_t *d) {
    if (!d->mem_blocked)
        return;
    d->mem_blocked = 0;
    TAILQ_REMOVE(&d->link->srv->mem_waiting, d, mem_next);
}

void slp_mem_wake_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    sl_proxy_server_t *srv = arg;
    /* dir_flow may put a direction back: walk a detached list. */
    TAILQ_HEAD(, slp_dir) wake = TAILQ_HEAD_INITIALIZER(wake);
    slp_dir_t *d;
    while ((d = TAILQ_FIRST(&srv->mem_waiting))) {
        TAILQ_REMOVE(&srv->mem_waiting, d, mem_next);
        TAILQ_INSERT_TAIL(&wake, d, mem_next);
    }
    while ((d = TAILQ_FIRST(&wake))) {
        TAILQ_REMOVE(&wake, d, mem_next);
        d->mem_blocked = 0;
        dir_flow(d);
    }
}

/* Drops a chunk on the floor (timeout, reset_peer, limit_data's excess). */
static void dir_drop(slp_dir_t *d, slp_chunk_t *c) {
    dir_unhold(d, chunk_cost(c));
    chunk_free(c);
}

/* ---- the sink: bytes leave for the destination socket ---- */

/* Remainders up to this size are copied into the output buffer. */
#define SLP_COPY_BELOW 4096

/* n bytes handed to d's destination. */
static void dir_count(slp_dir_t *d, size_t n) {
    d->bytes += n;
    if (d->which == SL_PROXY_UPSTREAM)
        d->link->proxy->st.bytes_upstream += n;
    else
        d->link->proxy->st.bytes_downstream += n;
}

/* Writes buf to the destination now if nothing is queued before it (no
 * loop turn, no EPOLLOUT toggling), and queues what the socket did not
 * take on the bufferevent, which writes it when the socket drains. */
static void dir_deliver(slp_dir_t *d, struct evbuffer *buf) {
    slp_link_t *l = d->link;
    size_t n = evbuffer_get_length(buf);
    struct evbuffer *out = bufferevent_get_output(d->dst);
    dir_count(d, n);
    if (l->connected && evbuffer_get_length(out) == 0) {
        int w = evbuffer_write_atmost(buf, bufferevent_getfd(d->dst), -1);
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            evbuffer_drain(buf, evbuffer_get_length(buf));
            slp_link_kill(l, SLP_CLOSE_RST);
            return;
        }
    }
    size_t left = evbuffer_get_length(buf);
    if (left > 0 && left <= SLP_COPY_BELOW) {
        /* Copied, not moved: a small chunk's chain would cost 1 KiB of
         * output buffer per few bytes (1-byte slices to a slow reader). */
        char tmp[SLP_COPY_BELOW];
        int got = evbuffer_remove(buf, tmp, left);
        if (got > 0)
            evbuffer_add(out, tmp, (size_t)got);
    } else if (left > 0) {
        evbuffer_add_buffer(out, buf);
    }
}

static void dir_sink(slp_dir_t *d, slp_chunk_t *c) {
    size_t n = evbuffer_get_length(c->buf);
    dir_unhold(d, chunk_cost(c));
    if (!d->link->dead && n)
        dir_deliver(d, c->buf);
    chunk_free(c);
}

/* Passes a chunk to the stage after s, or to the sink. */
static void stage_emit(slp_stage_t *s, slp_chunk_t *c) {
    slp_stage_t *nx = TAILQ_NEXT(s, next);
    if (nx)
        stage_push(nx, c);
    else
        dir_sink(s->dir, c);
}

static void dir_enter(slp_dir_t *d, slp_chunk_t *c) {
    slp_stage_t *first = TAILQ_FIRST(&d->stages);
    if (first)
        stage_push(first, c);
    else
        dir_sink(d, c);
}

/* ---- stage timers ---- */

static void stage_arm(slp_stage_t *s, int64_t due_us) {
    int64_t wait = due_us - slp_now_us();
    if (wait < 0)
        wait = 0;
    struct timeval tv = {(time_t)(wait / 1000000), (suseconds_t)(wait % 1000000)};
    event_add(s->timer, &tv);
}

static void stage_enqueue(slp_stage_t *s, slp_chunk_t *c) {
    TAILQ_INSERT_TAIL(&s->q, c, next);
    s->q_bytes += evbuffer_get_length(c->buf);
    s->q_chunks++;
}

static slp_chunk_t *stage_dequeue(slp_stage_t *s) {
    slp_chunk_t *c = TAILQ_FIRST(&s->q);
    if (c) {
        TAILQ_REMOVE(&s->q, c, next);
        s->q_bytes -= evbuffer_get_length(c->buf);
        s->q_chunks--;
    }
    return c;
}

/* Queues c to leave at due_us, never before the chunk ahead of it: a TCP
 * stream is not reordered, so a short jitter draw waits behind a long one. */
static void stage_enqueue_due(slp_stage_t *s, slp_chunk_t *c, int64_t due_us) {
    if (due_us < s->free_us)
        due_us = s->free_us;
    s->free_us = due_us;
    c->due_us = due_us;
    int was_empty = TAILQ_EMPTY(&s->q);
    stage_enqueue(s, c);
    if (was_empty)
        stage_arm(s, due_us);
}

/* Emits every queued chunk now (the stage is being removed or turned off). */
static void stage_flush(slp_stage_t *s) {
    slp_chunk_t *c;
    event_del(s->timer);
    s->paused = 0;
    while (!s->dir->link->dead && (c = stage_dequeue(s)))
        stage_emit(s, c);
}

/* Bandwidth: pieces of at most 10 ms worth of bytes, each sent when the
 * previous one's transmission time has passed.  Up to 50 ms of lateness
 * (a late timer on a busy machine) is caught up, so the average rate holds;
 * idle time beyond that is not banked, so a quiet spell buys no burst. */
static void bandwidth_release(slp_stage_t *s) {
    slp_dir_t *d = s->dir;
    int64_t rate_bps = s->toxic->a.rate_kbps * 1000;
    if (rate_bps <= 0) {
        stage_flush(s);
        return;
    }
    size_t piece = (size_t)(rate_bps / 100);
    if (piece < 1)
        piece = 1;
    if (piece > SLP_MAX_IO_BYTES)
        piece = SLP_MAX_IO_BYTES;
    int64_t now = slp_now_us();
    while (!d->link->dead && !TAILQ_EMPTY(&s->q)) {
        if (s->free_us > now) {
            stage_arm(s, s->free_us);
            return;
        }
        slp_chunk_t *head = TAILQ_FIRST(&s->q);
        size_t len = evbuffer_get_length(head->buf);
        slp_chunk_t *out;
        if (len <= piece) {
            out = stage_dequeue(s);
        } else {
            out = chunk_new();
            if (!out) {
                slp_link_kill(d->link, SLP_CLOSE_RST);
                return;
            }
            evbuffer_remove_buffer(head->buf, out->buf, piece);
            s->q_bytes -= piece;
            dir_hold(d, SLP_CHUNK_OVERHEAD);
        }
        size_t n = evbuffer_get_length(out->buf);
        int64_t base = s->free_us < now - 50000 ? now - 50000 : s->free_us;
        s->free_us = base + (int64_t)((double)n * 1e6 / (double)rate_bps);
        stage_emit(s, out);
    }
}

/* Whether the memory after slicer s (the stages after it, the output, the
 * server's other links) has room for another slice.  Its own queue does
 * not count: it holds whole reads, which cost what they cost already. */
static int slicer_room(const slp_stage_t *s, size_t pending) {
    const sl_proxy_server_t *srv = s->dir->link->srv;
    size_t own = s->q_bytes + s->q_chunks * SLP_CHUNK_OVERHEAD;
    return pending - own < SLP_DIR_HIGH_BYTES && srv->mem_held - own < srv->mem_cap;
}

static size_t dir_pending(const slp_dir_t *d) {
    return d->held + evbuffer_get_length(bufferevent_get_output(d->dst));
}

/* Slicer: cuts one slice at a time off the oldest chunk, each delay_us
 * after the one before (up to 50 ms of a late timer caught up), so what it
 * holds is the reads it was given, never a chunk per byte; and it waits
 * while what it emitted is still held after it (paused, woken by
 * dir_flow), so 1-byte slices into a long latency stay bounded. */
static void slicer_release(slp_stage_t *s) {
    slp_dir_t *d = s->dir;
    const slp_attrs_t *a = &s->toxic->a;
    int64_t now = slp_now_us();
    while (!d->link->dead && !TAILQ_EMPTY(&s->q)) {
        if (a->average_size <= 0) {   /* updated to slice nothing */
            stage_emit(s, stage_dequeue(s));
            continue;
        }
        if (s->free_us > now) {
            stage_arm(s, s->free_us);
            return;
        }
        if (!slicer_room(s, dir_pending(d))) {
            s->paused = 1;
            if (d->link->srv->mem_held >= d->link->srv->mem_cap)
                dir_wait_mem(d);
            return;
        }
        int64_t want = a->average_size;
        if (a->size_variation > 0)
            want += sl_rng_range(&d->rng, -a->size_variation, a->size_variation);
        if (want < 1)
            want = 1;
        slp_chunk_t *head = TAILQ_FIRST(&s->q), *out;
        if ((size_t)want >= evbuffer_get_length(head->buf)) {
            out = stage_dequeue(s);
        } else {
            if (!(out = chunk_new())) {
                slp_link_kill(d->link, SLP_CLOSE_RST);
                return;
            }
            evbuffer_remove_buffer(head->buf, out->buf, (size_t)want);
            s->q_bytes -= (size_t)want;
            dir_hold(d, SLP_CHUNK_OVERHEAD);
        }
        int64_t due = s->free_us < now - 50000 ? now : s->free_us;
        s->free_us = due + a->delay_us;
        stage_emit(s, out);
    }
}

/* Releases what is due.  The due-time stages keep their queue in due order. */
static void stage_release(slp_stage_t *s) {
    slp_dir_t *d = s->dir;
    switch (s->toxic->type) {
    case SLP_TX_BANDWIDTH:
        bandwidth_release(s);
        break;
    case SLP_TX_SLICER:
        slicer_release(s);
        break;
    case SLP_TX_LATENCY:
    case SLP_TX_LOSS: {
        int64_t now = slp_now_us();
        slp_chunk_t *c;
        while (!d->link->dead && (c = TAILQ_FIRST(&s->q))) {
            if (c->due_us > now) {
                stage_arm(s, c->due_us);
                break;
            }
            stage_emit(s, stage_dequeue(s));
        }
        break;
    }
    default:
        break;
    }
    if (!d->link->dead) {
        dir_check_eof(d);
        dir_flow(d);
    }
}

static void stage_timer_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    slp_stage_t *s = arg;
    slp_link_t *l = s->dir->link;
    if (l->dead)
        return;
    switch (s->toxic->type) {
    case SLP_TX_TIMEOUT:
        slp_link_kill(l, SLP_CLOSE_FIN);
        return;
    case SLP_TX_RESET_PEER:
        slp_link_kill(l, SLP_CLOSE_RST);
        return;
    case SLP_TX_CUT:
        if (s->draining)
            stage_retire(s);   /* TCP's retransmission: the healed path carries it */
        return;
    default:
        stage_release(s);
    }
}

static void arm_after_ms(slp_stage_t *s, int64_t ms) {
    stage_arm(s, slp_now_us() + ms * 1000);
}

/* ---- the stages' behaviour on a chunk ---- */

static void stage_push(slp_stage_t *s, slp_chunk_t *c) {
    slp_dir_t *d = s->dir;
    const slp_attrs_t *a = &s->toxic->a;
    if (!s->active || d->link->dead) {
        if (d->link->dead) {
            dir_drop(d, c);
            return;
        }
        stage_emit(s, c);
        return;
    }
    switch (s->toxic->type) {
    case SLP_TX_LATENCY: {
        int64_t delay = a->latency_ms * 1000;
        if (a->jitter_ms > 0)
            delay += sl_rng_range(&d->rng, -a->jitter_ms * 1000, a->jitter_ms * 1000);
        if (delay < 0)
            delay = 0;
        stage_enqueue_due(s, c, slp_now_us() + delay);
        break;
    }
    case SLP_TX_LOSS: {
        /* Each loss costs one retransmission timeout, doubling like TCP's. */
        int64_t stall = 0, rto = a->rto_ms * 1000;
        for (int i = 0; i < SLP_LOSS_MAX_RETRIES && a->probability > 0 &&
                        sl_rng_unit(&d->rng) < a->probability;
             i++) {
            stall += rto;
            rto *= 2;
        }
        if (stall == 0 && TAILQ_EMPTY(&s->q)) {
            stage_emit(s, c);
            break;
        }
        stage_enqueue_due(s, c, slp_now_us() + stall);
        break;
    }
    case SLP_TX_SLICER:
        if (a->average_size <= 0 && TAILQ_EMPTY(&s->q)) {
            stage_emit(s, c);
            break;
        }
        stage_enqueue(s, c);
        if (!s->paused)
            slicer_release(s);
        break;
    case SLP_TX_BANDWIDTH:
        if (a->rate_kbps <= 0 && TAILQ_EMPTY(&s->q)) {
            stage_emit(s, c);
            break;
        }
        stage_enqueue(s, c);
        bandwidth_release(s);
        break;
    case SLP_TX_CUT:
        if (TAILQ_EMPTY(&s->q))
            s->held_since_us = slp_now_us();   /* the sender's first send of what it holds */
        stage_enqueue(s, c);   /* held until the cut is removed (and drained) */
        break;
    case SLP_TX_TIMEOUT:
        /* Toxiproxy's timeout is an idle timer: each chunk it swallows
         * starts its clock again (toxics/timeout.go). */
        dir_drop(d, c);
        if (a->timeout_ms > 0) {
            event_del(s->timer);
            arm_after_ms(s, a->timeout_ms);
        }
        break;
    case SLP_TX_RESET_PEER:
        dir_drop(d, c);
        if (!s->armed) {
            s->armed = 1;
            arm_after_ms(s, a->timeout_ms);
        }
        break;
    case SLP_TX_LIMIT_DATA: {
        int64_t left = a->bytes - s->passed;
        size_t len = evbuffer_get_length(c->buf);
        if (left <= 0) {
            dir_drop(d, c);
            link_close_flush(d->link);
            break;
        }
        if ((int64_t)len > left) {
            /* Keep the first `left` bytes, drop the rest. */
            slp_chunk_t *keep = chunk_new();
            if (!keep) {
                dir_drop(d, c);
                slp_link_kill(d->link, SLP_CLOSE_RST);
                break;
            }
            evbuffer_remove_buffer(c->buf, keep->buf, (size_t)left);
            dir_unhold(d, evbuffer_get_length(c->buf));   /* keep takes c's overhead */
            chunk_free(c);
            c = keep;
            len = (size_t)left;
        }
        s->passed += (int64_t)len;
        stage_emit(s, c);
        if (!d->link->dead && s->passed >= a->bytes)
            link_close_flush(d->link);
        break;
    }
    case SLP_TX_SLOW_CLOSE:
    case SLP_TX_REFUSE:
    default:
        stage_emit(s, c);   /* these act on the close and the connection */
        break;
    }
}

/* ---- stages as toxics come and go ---- */

int slp_link_matches(const slp_link_t *l, const slp_toxic_t *t) {
    if (!t->client)
        return 1;
    return !strcmp(t->client, l->client_ip) || !strcmp(t->client, l->client_addr);
}

static int draw(sl_rng_t *r, double toxicity) {
    if (toxicity >= 1.0)
        return 1;
    return sl_rng_unit(r) < toxicity;
}

static slp_stage_t *stage_find(slp_dir_t *d, const slp_toxic_t *t) {
    slp_stage_t *s;
    TAILQ_FOREACH(s, &d->stages, next)
        if (s->toxic == t)
            return s;
    return NULL;
}

static void stage_free(slp_stage_t *s) {
    slp_chunk_t *c;
    while ((c = TAILQ_FIRST(&s->q))) {
        TAILQ_REMOVE(&s->q, c, next);
        chunk_free(c);
    }
    if (s->timer)
        event_free(s->timer);
    free(s);
}

/* A toxic whose effect starts when it applies (timeout's clock). */
static void stage_start(slp_stage_t *s) {
    if (s->active && s->toxic->type == SLP_TX_TIMEOUT && s->toxic->a.timeout_ms > 0)
        arm_after_ms(s, s->toxic->a.timeout_ms);
}

/* at_connect: the link is being set up now, under the toxics already in
 * place (a cut then holds its handshake, see stage_drain). */
static int link_add_stage(slp_link_t *l, slp_toxic_t *t, int at_connect) {
    slp_dir_t *d = &l->dir[t->stream];
    slp_stage_t *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    s->dir = d;
    s->toxic = t;
    TAILQ_INIT(&s->q);
    s->timer = evtimer_new(l->srv->base, stage_timer_cb, s);
    if (!s->timer) {
        free(s);
        return -1;
    }
    s->active = draw(&d->rng_tox, t->toxicity);
    if (at_connect && s->active && t->type == SLP_TX_CUT)
        s->opened_in_cut_us = slp_now_us();
    TAILQ_INSERT_TAIL(&d->stages, s, next);
    stage_start(s);
    return 0;
}

void slp_link_toxic_added(slp_link_t *l, slp_toxic_t *t) {
    if (l->dead || !slp_link_matches(l, t))
        return;
    if (t->type == SLP_TX_REFUSE) {
        if (draw(&l->dir[SL_PROXY_UPSTREAM].rng_tox, t->toxicity)) {
            l->proxy->st.refused++;
            slp_link_kill(l, SLP_CLOSE_FIN);
        }
        return;
    }
    if (link_add_stage(l, t, 0) < 0)
        slp_link_kill(l, SLP_CLOSE_RST);
}

/* The stage of toxic t on link l; NULL when l is dead or t has none there. */
static slp_stage_t *link_stage(slp_link_t *l, const slp_toxic_t *t) {
    if (l->dead || t->type == SLP_TX_REFUSE)
        return NULL;
    return stage_find(&l->dir[t->stream], t);
}

void slp_link_toxic_updated(slp_link_t *l, slp_toxic_t *t, int redraw) {
    slp_stage_t *s = link_stage(l, t);
    if (!s)
        return;
    slp_dir_t *d = s->dir;
    int was = s->active;
    if (redraw)
        s->active = draw(&d->rng_tox, t->toxicity);
    if (was && !s->active) {
        stage_flush(s);
    } else if (t->type == SLP_TX_TIMEOUT || t->type == SLP_TX_RESET_PEER) {
        /* Toxiproxy restarts a toxic on update: the clock starts again. */
        event_del(s->timer);
        if (t->type == SLP_TX_TIMEOUT)
            stage_start(s);
        else if (s->armed && s->active)
            arm_after_ms(s, t->a.timeout_ms);
    } else if (s->active) {
        stage_release(s);   /* a new rate or delay applies to what waits */
    }
    if (!l->dead) {
        dir_check_eof(d);
        dir_flow(d);
    }
}

int64_t slp_tcp_retransmit_at(int64_t first_us, int64_t rto_us, int64_t now_us) {
    int64_t step = rto_us < SLP_TCP_RTO_MAX_US ? rto_us : SLP_TCP_RTO_MAX_US;
    if (step < 1)
        step = 1;
    int64_t t = first_us + step;
    while (t < now_us && step < SLP_TCP_RTO_MAX_US) {
        step = step < SLP_TCP_RTO_MAX_US / 2 ? step * 2 : SLP_TCP_RTO_MAX_US;
        t += step;
    }
    if (t < now_us)   /* at the cap: one retransmission every TCP_RTO_MAX */
        t += (now_us - t + SLP_TCP_RTO_MAX_US - 1) / SLP_TCP_RTO_MAX_US * SLP_TCP_RTO_MAX_US;
    return t;
}

/* Takes a stage out of its direction: what it holds goes on at once, in
 * order, into the stages after it. */
static void stage_retire(slp_stage_t *s) {
    slp_dir_t *d = s->dir;
    slp_link_t *l = d->link;
    s->active = 0;
    stage_flush(s);
    if (l->dead)
        return;   /* reap frees the stage with the link */
    TAILQ_REMOVE(&d->stages, s, next);
    stage_free(s);
    dir_check_eof(d);
    if (!l->dead)
        dir_flow(d);
}

/* A cut removed while it holds bytes: as after a healed partition, they go
 * through at the sender's next retransmission of the oldest of them.  A
 * link opened while the cut was in place had no real connection yet (the
 * proxy answered its handshake; a partition would not have): it passes
 * nothing until the handshake's next retransmission, counted from the
 * connection's start (Linux: 1 s, doubling), held bytes or not.  The
 * stage outlives its toxic (freed by the caller): it keeps a copy, so every
 * path that reads s->toxic still sees an active cut, which holds what
 * arrives meanwhile (behind what it holds) and the EOF. */
static void stage_drain(slp_stage_t *s) {
    int64_t now = slp_now_us();
    int64_t at = s->opened_in_cut_us ? slp_tcp_retransmit_at(s->opened_in_cut_us, SLP_TCP_SYN_RTO_US, now)
                                     : slp_tcp_retransmit_at(s->held_since_us, s->toxic->a.rto_ms * 1000, now);
    s->own = *s->toxic;
    s->own.name = NULL;
    s->own.client = NULL;
    s->own.proxy = NULL;
    memset(&s->own.next, 0, sizeof(s->own.next));
    s->toxic = &s->own;
    s->draining = 1;
    stage_arm(s, at);
}

void slp_link_toxic_removed(slp_link_t *l, slp_toxic_t *t) {
    slp_stage_t *s = link_stage(l, t);
    if (!s)
        return;
    if (t->type == SLP_TX_TIMEOUT && s->active) {
        /* The bytes it swallowed are gone: Toxiproxy closes the link
         * (TimeoutToxic.Cleanup) so the client reconnects cleanly. */
        slp_link_kill(l, SLP_CLOSE_FIN);
        return;
    }
    if (t->type == SLP_TX_CUT && s->active && t->a.rto_ms > 0 && (!TAILQ_EMPTY(&s->q) || s->opened_in_cut_us))
        stage_drain(s);
    else
        stage_retire(s);
}

void slp_link_release_drains(slp_link_t *l) {
    for (int i = 0; i < 2 && !l->dead; i++) {
        slp_stage_t *s, *nx;
        for (s = TAILQ_FIRST(&l->dir[i].stages); s && !l->dead; s = nx) {
            nx = TAILQ_NEXT(s, next);
            if (s->draining)
                stage_retire(s);
        }
    }
}

/* ---- flow control and closing ---- */

static void dir_set_reading(slp_dir_t *d, int on) {
    if (d->reading == on || !d->rev)
        return;
    d->reading = on;
    if (on)
        event_add(d->rev, NULL);
    else
        event_del(d->rev);
}

/* Reads while this direction holds less than SLP_DIR_HIGH_BYTES and the
 * server less than its mem_cap; wakes the paused slicers that have room. */
static void dir_flow(slp_dir_t *d) {
    slp_link_t *l = d->link;
    if (l->dead)
        return;
    size_t pending = dir_pending(d);
    slp_stage_t *s;
    TAILQ_FOREACH(s, &d->stages, next)
        if (s->paused && slicer_room(s, pending)) {
            s->paused = 0;
            event_active(s->timer, EV_TIMEOUT, 1);
        }
    if (d->eof_in || l->closing)
        return;
    int mem_ok = l->srv->mem_held < l->srv->mem_cap;
    if (!mem_ok)
        dir_wait_mem(d);
    /* With no toxic, read only what the destination can take now (the
     * direct path, dir_read_direct): what its socket did not take waits in
     * its output, and the source's socket holds the rest meanwhile, as
     * haproxy's one buffer per direction does. */
    size_t limit = TAILQ_EMPTY(&d->stages) ? 1 : SLP_DIR_HIGH_BYTES;
    dir_set_reading(d, pending < limit && mem_ok);
}

static int dir_blocked(const slp_dir_t *d) {
    const slp_stage_t *s;
    TAILQ_FOREACH(s, &d->stages, next)
        if (s->active && s->toxic->type == SLP_TX_CUT)
            return 1;
    return 0;
}

static void close_timer_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    slp_dir_t *d = arg;
    if (d->link->dead)
        return;
    d->eof_out = 1;
    dir_try_fin(d);
}

/* The source's EOF follows the last byte through the stages: it passes
 * once nothing is held, no cut blocks it, and slow_close has waited. */
static void dir_check_eof(slp_dir_t *d) {
    if (!d->eof_in || d->eof_out || d->held > 0 || dir_blocked(d))
        return;
    if (event_pending(d->close_timer, EV_TIMEOUT, NULL))
        return;
    int64_t delay_ms = 0;
    slp_stage_t *s;
    TAILQ_FOREACH(s, &d->stages, next)
        if (s->active && s->toxic->type == SLP_TX_SLOW_CLOSE && s->toxic->a.delay_ms > delay_ms)
            delay_ms = s->toxic->a.delay_ms;
    if (delay_ms > 0) {
        struct timeval tv = {(time_t)(delay_ms / 1000), (suseconds_t)(delay_ms % 1000) * 1000};
        event_add(d->close_timer, &tv);
        return;
    }
    d->eof_out = 1;
    dir_try_fin(d);
}

/* Half-close: FIN to dst once its output is written. */
static void dir_try_fin(slp_dir_t *d) {
    slp_link_t *l = d->link;
    if (l->dead || !d->eof_out || d->fin_sent || !l->connected)
        return;
    struct evbuffer *out = bufferevent_get_output(d->dst);
    if (evbuffer_get_length(out) > 0) {
        bufferevent_setwatermark(d->dst, EV_WRITE, 0, 0);   /* call back when empty */
        return;
    }
    shutdown(bufferevent_getfd(d->dst), SHUT_WR);
    d->fin_sent = 1;
    if (l->dir[0].fin_sent && l->dir[1].fin_sent)
        slp_link_kill(l, SLP_CLOSE_FIN);
}

static void link_check_flushed(slp_link_t *l) {
    if (l->dead || !l->closing)
        return;
    if (evbuffer_get_length(bufferevent_get_output(l->cbev)) == 0 &&
        (!l->connected || evbuffer_get_length(bufferevent_get_output(l->ubev)) == 0))
        slp_link_kill(l, SLP_CLOSE_FIN);
}

/* Stops reading both ways, writes what is in the output buffers, closes. */
static void link_close_flush(slp_link_t *l) {
    if (l->dead || l->closing)
        return;
    l->closing = 1;
    for (int i = 0; i < 2; i++) {
        dir_set_reading(&l->dir[i], 0);
        bufferevent_setwatermark(l->dir[i].dst, EV_WRITE, 0, 0);
    }
    link_check_flushed(l);
}

static void reap_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    slp_link_t *l = arg;
    TAILQ_REMOVE(&l->srv->dead_links, l, next);
    for (int i = 0; i < 2; i++) {
        slp_stage_t *s;
        dir_unhold(&l->dir[i], l->dir[i].held);   /* the chunks freed with the stages */
        while ((s = TAILQ_FIRST(&l->dir[i].stages))) {
            TAILQ_REMOVE(&l->dir[i].stages, s, next);
            stage_free(s);
        }
        if (l->dir[i].close_timer)
            event_free(l->dir[i].close_timer);
        if (l->dir[i].scratch)
            evbuffer_free(l->dir[i].scratch);
    }
    event_free(l->reap_ev);
    free(l);
}

void slp_links_reap_all(sl_proxy_server_t *srv) {
    slp_link_t *l;
    while ((l = TAILQ_FIRST(&srv->dead_links)))
        reap_cb(-1, 0, l);
}

static void set_linger0(struct bufferevent *bev) {
    evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
    if (fd >= 0) {
        struct linger lg = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
}

void slp_link_kill(slp_link_t *l, int how) {
    if (l->dead)
        return;
    l->dead = 1;
    slp_proxy_t *p = l->proxy;
    TAILQ_REMOVE(&p->links, l, next);
    p->st.active--;
    p->st.closed++;
    if (how == SLP_CLOSE_RST)
        p->st.reset++;
    l->proxy = NULL;
    if (l->dns_req) {
        struct evdns_getaddrinfo_request *r = l->dns_req;
        l->dns_req = NULL;
        evdns_getaddrinfo_cancel(r);   /* its callback sees EVUTIL_EAI_CANCEL */
    }
    for (int i = 0; i < 2; i++) {
        slp_stage_t *s;
        TAILQ_FOREACH(s, &l->dir[i].stages, next)
            event_del(s->timer);
        if (l->dir[i].close_timer)
            event_del(l->dir[i].close_timer);
        dir_unwait_mem(&l->dir[i]);
        if (l->dir[i].rev) {
            event_free(l->dir[i].rev);   /* before its socket closes */
            l->dir[i].rev = NULL;
        }
    }
    if (how == SLP_CLOSE_RST) {
        set_linger0(l->cbev);
        set_linger0(l->ubev);
    }
    /* bufferevent_free is safe inside the bufferevent's own callbacks. */
    if (l->cbev)
        bufferevent_free(l->cbev);
    if (l->ubev)
        bufferevent_free(l->ubev);
    l->cbev = l->ubev = NULL;
    for (int i = 0; i < 2; i++)
        l->dir[i].src = l->dir[i].dst = NULL;
    TAILQ_INSERT_TAIL(&l->srv->dead_links, l, next);
    event_active(l->reap_ev, EV_TIMEOUT, 1);
}

/* ---- reading, and the bufferevents' callbacks ---- */

static void dir_eof(slp_dir_t *d);

/* The common case: no toxic in the way, the destination connected and
 * nothing queued for it.  Read into the server's own buffer and write
 * straight on; only what the destination's socket does not take is copied
 * into its output.  The buffer is allocated once and stays mapped: reading
 * into evbuffer chains, malloc'd at up to 256 KiB per read and freed once
 * written, page-faulted fresh pages in on every read, which was most of the
 * proxy's time on a virtual machine (perf under tests/bench/bench_proxy.sh). */
static void dir_read_direct(slp_dir_t *d, evutil_socket_t fd, size_t want) {
    slp_link_t *l = d->link;
    char *buf = l->srv->io_buf;
    ssize_t r = read(fd, buf, want);
    if (r == 0) {
        dir_eof(d);
        return;
    }
    if (r < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            slp_link_kill(l, SLP_CLOSE_RST); /* a reset on one side resets the other */
        return;
    }
    size_t n = (size_t)r;
    l->proxy->received[d->which] += n;
    dir_count(d, n);
    ssize_t w = send(bufferevent_getfd(d->dst), buf, n, MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        slp_link_kill(l, SLP_CLOSE_RST);
        return;
    }
    size_t sent = w > 0 ? (size_t)w : 0;
    if (sent < n && evbuffer_add(bufferevent_get_output(d->dst), buf + sent, n - sent) < 0) {
        slp_link_kill(l, SLP_CLOSE_RST);
        return;
    }
    dir_flow(d);
}

/* Reads what the source socket has (one read, up to SLP_MAX_IO_BYTES)
 * into the destination, or into a chunk for the stages. */
static void dir_read_cb(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    slp_dir_t *d = arg;
    slp_link_t *l = d->link;
    if (l->dead)
        return;
    int fast = TAILQ_EMPTY(&d->stages) && !l->closing;
    if (fast && l->connected && evbuffer_get_length(bufferevent_get_output(d->dst)) == 0) {
        dir_read_direct(d, fd, SLP_MAX_IO_BYTES); /* a buffer that size is there: no FIONREAD needed */
        return;
    }
    int avail = 0;
    if (ioctl(fd, FIONREAD, &avail) < 0 || avail <= 0)
        avail = 4096;   /* nothing queued: an EOF or error to read */
    size_t want = (size_t)avail < SLP_MAX_IO_BYTES ? (size_t)avail : SLP_MAX_IO_BYTES;
    slp_chunk_t *c = NULL;
    struct evbuffer *into;
    if (fast) {
        into = d->scratch;
    } else {
        if (!(c = chunk_new())) {
            slp_link_kill(l, SLP_CLOSE_RST);
            return;
        }
        into = c->buf;
    }
    struct evbuffer_iovec v[2];
    int nv = evbuffer_reserve_space(into, (ev_ssize_t)want, v, 2);
    struct iovec iov[2];
    for (int i = 0; i < nv; i++) {
        iov[i].iov_base = v[i].iov_base;
        iov[i].iov_len = v[i].iov_len;
    }
    ssize_t r = -1;
    int err = ENOMEM;   /* no space reserved */
    if (nv > 0) {
        r = readv(fd, iov, nv);
        err = r < 0 ? errno : 0;
    }
    size_t n = r > 0 ? (size_t)r : 0;
    for (int i = 0; i < nv; i++) {
        size_t take = n > v[i].iov_len ? v[i].iov_len : n;
        v[i].iov_len = take;
        n -= take;
    }
    evbuffer_commit_space(into, v, nv);
    n = r > 0 ? (size_t)r : 0;

    if (n) {
        l->proxy->received[d->which] += n;
        if (l->closing) {
            chunk_free(c);   /* closing: what still arrives is dropped */
        } else if (fast) {
            dir_deliver(d, d->scratch);
        } else {
            dir_hold(d, n + SLP_CHUNK_OVERHEAD);
            dir_enter(d, c);
        }
        c = NULL;
        if (l->dead)
            return;
        dir_flow(d);
    }
    if (c)
        chunk_free(c);
    if (r == 0) {
        dir_eof(d);
    } else if (r < 0 && err != EAGAIN && err != EWOULDBLOCK && err != EINTR) {
        /* A reset (or any read error) on one side resets the other. */
        slp_link_kill(l, SLP_CLOSE_RST);
    }
}

static void dir_eof(slp_dir_t *d) {
    dir_set_reading(d, 0);
    d->eof_in = 1;
    dir_check_eof(d);
}

static void dir_written(slp_dir_t *d) {
    slp_link_t *l = d->link;
    if (l->dead)
        return;
    if (l->closing) {
        link_check_flushed(l);
        return;
    }
    dir_flow(d);
    dir_try_fin(d);
}

static void client_write_cb(struct bufferevent *bev, void *arg) {
    (void)bev;
    slp_link_t *l = arg;
    dir_written(&l->dir[SL_PROXY_DOWNSTREAM]);
}

static void upstream_write_cb(struct bufferevent *bev, void *arg) {
    (void)bev;
    slp_link_t *l = arg;
    dir_written(&l->dir[SL_PROXY_UPSTREAM]);
}

static void set_nodelay(evutil_socket_t fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void side_event(slp_link_t *l, slp_dir_t *from, short events) {
    if (l->dead)
        return;
    if (events & BEV_EVENT_CONNECTED) {
        slp_dir_t *down = &l->dir[SL_PROXY_DOWNSTREAM];
        evutil_socket_t ufd = bufferevent_getfd(l->ubev);
        l->connected = 1;
        set_nodelay(ufd);
        down->rev = event_new(l->srv->base, ufd, EV_READ | EV_PERSIST, dir_read_cb, down);
        if (!down->rev) {
            slp_link_kill(l, SLP_CLOSE_RST);
            return;
        }
        dir_flow(down);
        dir_try_fin(&l->dir[SL_PROXY_UPSTREAM]);
        return;
    }
    if (events & BEV_EVENT_ERROR) {
        if (!l->connected && from->which == SL_PROXY_DOWNSTREAM) {
            /* The upstream refused or is unreachable: close the client, as
             * Toxiproxy does. */
            l->proxy->st.upstream_failed++;
            slp_link_kill(l, SLP_CLOSE_FIN);
        } else {
            /* A reset (or a write to a closed peer) on one side: reset the
             * other, so the peer learns what a direct connection would
             * have told it. */
            slp_link_kill(l, SLP_CLOSE_RST);
        }
        return;
    }
    if (events & BEV_EVENT_EOF)
        slp_link_kill(l, SLP_CLOSE_FIN);   /* not expected: we do the reading */
}

static void client_event_cb(struct bufferevent *bev, short events, void *arg) {
    (void)bev;
    slp_link_t *l = arg;
    side_event(l, &l->dir[SL_PROXY_UPSTREAM], events);
}

static void upstream_event_cb(struct bufferevent *bev, short events, void *arg) {
    (void)bev;
    slp_link_t *l = arg;
    side_event(l, &l->dir[SL_PROXY_DOWNSTREAM], events);
}

/* ---- the upstream connection ---- */

static void link_connect(slp_link_t *l, const struct sockaddr_storage *sa, socklen_t len) {
    if (bufferevent_socket_connect(l->ubev, (struct sockaddr *)sa, (int)len) < 0) {
        l->proxy->st.upstream_failed++;
        slp_link_kill(l, SLP_CLOSE_FIN);
    }
}

/* A named upstream's lookup is done (or cancelled by slp_link_kill, which
 * has let go of the link already: touch nothing then). */
static void lookup_cb(int result, struct evutil_addrinfo *res, void *arg) {
    if (result == EVUTIL_EAI_CANCEL) {
        if (res)
            evutil_freeaddrinfo(res);
        return;
    }
    slp_link_t *l = arg;
    l->dns_req = NULL;
    struct sockaddr_storage sa;
    socklen_t len;
    if (result != 0 || !res || slp_addr_pick(res, &sa, &len) < 0) {
        /* As a refused upstream: the client is closed (Toxiproxy's dial
         * error does the same). */
        if (!l->dead) {
            l->proxy->st.upstream_failed++;
            slp_link_kill(l, SLP_CLOSE_FIN);
        }
    } else if (!l->dead) {
        link_connect(l, &sa, len);
    }
    if (res)
        evutil_freeaddrinfo(res);
}

/* Looks the proxy's upstream name up for this link, as Toxiproxy does for
 * each connection: a name that resolves later (a container started after
 * the proxy) or elsewhere (a restarted one) is followed.  evdns reads
 * /etc/hosts and /etc/resolv.conf; the loop does not block on it. */
static void link_lookup(slp_link_t *l) {
    sl_proxy_server_t *srv = l->srv;
    if (!srv->dns &&
        !(srv->dns = evdns_base_new(srv->base, EVDNS_BASE_INITIALIZE_NAMESERVERS))) {
        /* no resolv.conf: /etc/hosts only */
        if ((srv->dns = evdns_base_new(srv->base, 0)))
            evdns_base_load_hosts(srv->dns, NULL);
    }
    if (srv->dns && !srv->dns_tuned) {
        /* A name that does not answer closes its client within ~4 s, not
         * evdns's default 5 s x 3 tries. */
        evdns_base_set_option(srv->dns, "timeout:", "2");
        evdns_base_set_option(srv->dns, "attempts:", "2");
        srv->dns_tuned = 1;
    }
    if (!srv->dns) {
        l->proxy->st.upstream_failed++;
        slp_link_kill(l, SLP_CLOSE_FIN);
        return;
    }
    struct evutil_addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = EVUTIL_AI_NUMERICSERV;
    struct evdns_getaddrinfo_request *r =
        evdns_getaddrinfo(srv->dns, l->proxy->up_host, l->proxy->up_port, &hints, lookup_cb, l);
    if (!l->dead && r)
        l->dns_req = r;   /* NULL: answered already (hosts file, cache) */
}

/* ---- accept ---- */

static void dir_init(slp_link_t *l, sl_proxy_stream_t which) {
    slp_dir_t *d = &l->dir[which];
    slp_proxy_t *p = l->proxy;
    d->link = l;
    d->which = which;
    TAILQ_INIT(&d->stages);
    /* Streams: (proxy name, link ordinal, direction, purpose). */
    sl_rng_seed(&d->rng, l->srv->seed, slp_link_stream(p->stream_id, l->id, which, 0));
    sl_rng_seed(&d->rng_tox, l->srv->seed, slp_link_stream(p->stream_id, l->id, which, 1));
}

static void tune_bev(struct bufferevent *bev) {
    bufferevent_set_max_single_read(bev, SLP_MAX_IO_BYTES);
    bufferevent_set_max_single_write(bev, SLP_MAX_IO_BYTES);
    /* Write callback once the output is at half the limit: reading resumes. */
    bufferevent_setwatermark(bev, EV_WRITE, SLP_DIR_HIGH_BYTES / 2, 0);
}

void slp_link_accept(slp_proxy_t *p, evutil_socket_t fd, const struct sockaddr *sa, int salen) {
    (void)salen;
    sl_proxy_server_t *srv = p->srv;
    slp_link_t *l = calloc(1, sizeof(*l));
    p->st.accepted++;
    if (!l) {
        evutil_closesocket(fd);
        p->st.closed++;
        return;
    }
    l->srv = srv;
    l->proxy = p;
    l->id = p->next_link_id++;
    l->accepted_us = slp_now_us();
    slp_addr_format(sa, l->client_addr, sizeof(l->client_addr));
    slp_addr_format_ip(sa, l->client_ip, sizeof(l->client_ip));
    dir_init(l, SL_PROXY_UPSTREAM);
    dir_init(l, SL_PROXY_DOWNSTREAM);

    /* A refuse toxic turns the client away before anything is opened; the
     * draw uses the link's own stream like every other toxicity draw. */
    slp_toxic_t *t;
    TAILQ_FOREACH(t, &p->toxics, next) {
        if (t->type == SLP_TX_REFUSE && slp_link_matches(l, t) &&
            draw(&l->dir[SL_PROXY_UPSTREAM].rng_tox, t->toxicity)) {
            struct linger lg = {1, 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
            evutil_closesocket(fd);
            p->st.refused++;
            p->st.closed++;
            free(l);
            return;
        }
    }

    TAILQ_INSERT_TAIL(&p->links, l, next);
    p->st.active++;
    set_nodelay(fd);
    evutil_make_socket_nonblocking(fd);
    l->reap_ev = event_new(srv->base, -1, 0, reap_cb, l);
    l->cbev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
    l->ubev = bufferevent_socket_new(srv->base, -1, BEV_OPT_CLOSE_ON_FREE);
    for (int i = 0; i < 2; i++) {
        l->dir[i].close_timer = evtimer_new(srv->base, close_timer_cb, &l->dir[i]);
        l->dir[i].scratch = evbuffer_new();
    }
    if (!l->reap_ev || !l->cbev || !l->ubev || !l->dir[0].close_timer ||
        !l->dir[1].close_timer || !l->dir[0].scratch || !l->dir[1].scratch) {
        if (!l->cbev)
            evutil_closesocket(fd);
        goto fail;
    }
    l->dir[SL_PROXY_UPSTREAM].src = l->cbev;
    l->dir[SL_PROXY_UPSTREAM].dst = l->ubev;
    l->dir[SL_PROXY_DOWNSTREAM].src = l->ubev;
    l->dir[SL_PROXY_DOWNSTREAM].dst = l->cbev;
    tune_bev(l->cbev);
    tune_bev(l->ubev);
    bufferevent_setcb(l->cbev, NULL, client_write_cb, client_event_cb, l);
    bufferevent_setcb(l->ubev, NULL, upstream_write_cb, upstream_event_cb, l);
    bufferevent_disable(l->cbev, EV_READ);
    bufferevent_disable(l->ubev, EV_READ);
    l->dir[SL_PROXY_UPSTREAM].rev =
        event_new(srv->base, fd, EV_READ | EV_PERSIST, dir_read_cb, &l->dir[SL_PROXY_UPSTREAM]);
    if (!l->dir[SL_PROXY_UPSTREAM].rev)
        goto fail;

    TAILQ_FOREACH(t, &p->toxics, next)
        if (t->type != SLP_TX_REFUSE && slp_link_matches(l, t) && link_add_stage(l, t, 1) < 0)
            goto fail;

    if (p->up_named)
        link_lookup(l);
    else
        link_connect(l, &p->up_sa, p->up_len);
    if (l->dead)
        return;
    dir_set_reading(&l->dir[SL_PROXY_UPSTREAM], 1);   /* downstream: once connected */
    return;
fail:
    if (!l->reap_ev) {
        /* Without a reap event nothing can free it later: undo by hand. */
        TAILQ_REMOVE(&p->links, l, next);
        p->st.active--;
        p->st.closed++;
        if (l->cbev)
            bufferevent_free(l->cbev);
        if (l->ubev)
            bufferevent_free(l->ubev);
        for (int i = 0; i < 2; i++) {
            slp_stage_t *s;
            while ((s = TAILQ_FIRST(&l->dir[i].stages))) {
                TAILQ_REMOVE(&l->dir[i].stages, s, next);
                stage_free(s);
            }
            if (l->dir[i].close_timer)
                event_free(l->dir[i].close_timer);
            if (l->dir[i].rev)
                event_free(l->dir[i].rev);
            if (l->dir[i].scratch)
                evbuffer_free(l->dir[i].scratch);
        }
        free(l);
        return;
    }
    slp_link_kill(l, SLP_CLOSE_RST);
}
