/*
 * A timing wheel that keeps the exact (at_us, seq) order.  Timers re-armed
 * about one period ahead mostly land in the wheel, where arming and
 * cancelling are O(1): a push onto a bucket's array, a swap-removal.
 *
 * Exactness: a wheel bucket holds the timers of one tick (TICK_US of time),
 * unordered.  Ordering happens only in the near heap, which holds every
 * armed timer whose tick is at or before the current tick; the wheel holds
 * the ticks after it up to one turn ahead, and the far heap whatever was
 * armed further than that.  So the near heap's minimum is the queue's
 * minimum; when the near heap runs empty, the next non-empty tick (wheel
 * or far heap, whichever is earlier) becomes current and its timers move
 * into the near heap, which orders them by (at_us, seq) whatever order they
 * were armed or moved in.  A timer armed into the current tick, or earlier
 * (the clock can lag the current tick after a run_until), goes straight to
 * the near heap.  There is no cascading between levels: a far timer moves
 * once, when its tick comes.
 *
 * The tick and the turn are fixed here for the workload measured (periods
 * of 100 ms to 3 s): a real engine would pick them from what it is given.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "queue.h"

enum { NOWHERE = -1, NEAR = -2, FAR = -3 }; /* else the bucket number */

typedef struct {
    int64_t at_us;
    uint64_t seq;
    int32_t id;
} slot_t;

typedef struct {
    int32_t where, idx; /* container and index in it, for cancel */
} pos_t;

typedef struct {
    slot_t *s;
    int32_t n, cap;
} vec_t;

typedef struct {
    pos_t *pos;
    vec_t near, far; /* 4-ary heaps by (at_us, seq), as the engine's */
    vec_t *buckets;
    uint64_t *bits;  /* one per bucket: non-empty */
    int32_t nbuckets, shift; /* nbuckets a power of two, ticks of 1 << shift us */
    int64_t cur_tick;
    int64_t now_us;
    uint64_t next_seq;
    bq_fire_fn fire;
    void *ctx;
} wheel_q_t;

static inline bool before(const slot_t *a, const slot_t *b) {
    return bq_before(a->at_us, a->seq, b->at_us, b->seq);
}

static void reserve(vec_t *v) {
    if (v->n < v->cap)
        return;
    int32_t cap = v->cap ? v->cap * 2 : 16;
    slot_t *s = realloc(v->s, (size_t)cap * sizeof *s);
    if (!s)
        abort(); /* out of memory: a benchmark has nothing to unwind */
    v->s = s;
    v->cap = cap;
}

/* ---- the near and far heaps: the engine's 4-ary heap, with positions ---- */

#define ARITY 4

static inline void hplace(wheel_q_t *q, vec_t *h, int32_t where, int32_t i, slot_t s) {
    h->s[i] = s;
    q->pos[s.id] = (pos_t){where, i};
}

static void sift_up(wheel_q_t *q, vec_t *h, int32_t where, int32_t i, slot_t s) {
    while (i > 0) {
        int32_t parent = (i - 1) / ARITY;
        if (!before(&s, &h->s[parent]))
            break;
        hplace(q, h, where, i, h->s[parent]);
        i = parent;
    }
    hplace(q, h, where, i, s);
}

static void sift_down(wheel_q_t *q, vec_t *h, int32_t where, int32_t i, slot_t s) {
    for (;;) {
        int32_t first = ARITY * i + 1;
        if (first >= h->n)
            break;
        int32_t child = first, last = first + ARITY < h->n ? first + ARITY : h->n;
        for (int32_t c = first + 1; c < last; c++)
            if (before(&h->s[c], &h->s[child]))
                child = c;
        if (!before(&h->s[child], &s))
            break;
        hplace(q, h, where, i, h->s[child]);
        i = child;
    }
    hplace(q, h, where, i, s);
}

static void heap_push(wheel_q_t *q, vec_t *h, int32_t where, slot_t s) {
    reserve(h);
    sift_up(q, h, where, h->n++, s);
}

static void heap_remove(wheel_q_t *q, vec_t *h, int32_t where, int32_t i) {
    slot_t last = h->s[--h->n];
    if (i == h->n)
        return;
    if (i > 0 && before(&last, &h->s[(i - 1) / ARITY]))
        sift_up(q, h, where, i, last);
    else
        sift_down(q, h, where, i, last);
}

/* ---- the wheel ---- */

static void bucket_push(wheel_q_t *q, int32_t b, slot_t s) {
    vec_t *v = &q->buckets[b];
    reserve(v);
    v->s[v->n] = s;
    q->pos[s.id] = (pos_t){b, v->n++};
    q->bits[b >> 6] |= 1ULL << (b & 63);
}

static void bucket_remove(wheel_q_t *q, int32_t b, int32_t i) {
    vec_t *v = &q->buckets[b];
    slot_t last = v->s[--v->n];
    if (i != v->n) {
        v->s[i] = last;
        q->pos[last.id].idx = i;
    }
    if (v->n == 0)
        q->bits[b >> 6] &= ~(1ULL << (b & 63));
}

/* Ticks ahead of the current one of the next non-empty bucket, 0 if none.
 * The current tick's own bucket is always empty (its timers are near), so
 * one turn of the bitmap from the bucket after it finds the next. */
static int64_t wheel_next(const wheel_q_t *q) {
    uint32_t mask = (uint32_t)q->nbuckets - 1, nwords = (uint32_t)q->nbuckets / 64;
    uint32_t cur = (uint32_t)(q->cur_tick & mask), start = (cur + 1) & mask;
    uint32_t w = start >> 6;
    uint64_t word = q->bits[w] & (~0ULL << (start & 63));
    for (uint32_t k = 0; k <= nwords; k++) {
        if (word) {
            uint32_t f = (w << 6) + (uint32_t)__builtin_ctzll(word);
            return (int64_t)((f - cur) & mask);
        }
        w = (w + 1) & (nwords - 1);
        word = q->bits[w];
    }
    return 0;
}

/* Into the container its tick calls for. */
static void put(wheel_q_t *q, slot_t s) {
    int64_t ahead = (s.at_us >> q->shift) - q->cur_tick;
    if (ahead <= 0)
        heap_push(q, &q->near, NEAR, s);
    else if (ahead < q->nbuckets)
        bucket_push(q, (int32_t)((s.at_us >> q->shift) & (q->nbuckets - 1)), s);
    else
        heap_push(q, &q->far, FAR, s);
}

static void take_out(wheel_q_t *q, int32_t id) {
    pos_t p = q->pos[id];
    if (p.where == NEAR)
        heap_remove(q, &q->near, NEAR, p.idx);
    else if (p.where == FAR)
        heap_remove(q, &q->far, FAR, p.idx);
    else
        bucket_remove(q, p.where, p.idx);
    q->pos[id].where = NOWHERE;
}

/* With the near heap empty: makes the next non-empty tick current and moves
 * its timers into the near heap.  False when nothing is armed. */
static bool advance(wheel_q_t *q) {
    int64_t ahead = wheel_next(q), next = ahead ? q->cur_tick + ahead : INT64_MAX;
    if (q->far.n && (q->far.s[0].at_us >> q->shift) < next)
        next = q->far.s[0].at_us >> q->shift;
    if (next == INT64_MAX)
        return false;
    q->cur_tick = next;
    /* This bucket holds tick `next` or nothing: every wheel tick lies within
     * one turn after the old current tick. */
    int32_t b = (int32_t)(next & (q->nbuckets - 1));
    vec_t *v = &q->buckets[b], *h = &q->near;
    if (v->n) {
        /* Swap the arrays rather than copy: the bucket's becomes the heap. */
        vec_t tmp = *h;
        *h = *v;
        *v = tmp;
        v->n = 0;
        q->bits[b >> 6] &= ~(1ULL << (b & 63));
        for (int32_t i = (h->n - 2) / ARITY; i >= 0; i--) /* heapify */
            sift_down(q, h, NEAR, i, h->s[i]);
        for (int32_t i = 0; i < h->n; i++)
            q->pos[h->s[i].id] = (pos_t){NEAR, i};
    }
    while (q->far.n && (q->far.s[0].at_us >> q->shift) <= next) {
        slot_t s = q->far.s[0];
        heap_remove(q, &q->far, FAR, 0);
        heap_push(q, h, NEAR, s);
    }
    return true;
}

static void *create_sized(int32_t n, bq_fire_fn fire, void *ctx, int32_t nbuckets, int32_t shift) {
    wheel_q_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->pos = malloc((size_t)n * sizeof *q->pos);
    q->buckets = calloc((size_t)nbuckets, sizeof *q->buckets);
    q->bits = calloc((size_t)nbuckets / 64, sizeof *q->bits);
    if (!q->pos || !q->buckets || !q->bits) {
        free(q->pos);
        free(q->buckets);
        free(q->bits);
        free(q);
        return NULL;
    }
    for (int32_t i = 0; i < n; i++)
        q->pos[i].where = NOWHERE;
    q->nbuckets = nbuckets;
    q->shift = shift;
    q->fire = fire;
    q->ctx = ctx;
    return q;
}

/* 4,096 ticks of 1,024 us: one turn is 4.2 s, above the 3.3 s longest period
 * measured, and a 3 s period over 35,000 timers puts about 12 in a tick. */
static void *create(int32_t n, bq_fire_fn fire, void *ctx) {
    return create_sized(n, fire, ctx, 4096, 10);
}

static void destroy(void *vq) {
    wheel_q_t *q = vq;
    for (int32_t b = 0; b < q->nbuckets; b++)
        free(q->buckets[b].s);
    free(q->buckets);
    free(q->bits);
    free(q->near.s);
    free(q->far.s);
    free(q->pos);
    free(q);
}

static void arm(void *vq, int32_t id, int64_t at_us) {
    wheel_q_t *q = vq;
    if (q->pos[id].where != NOWHERE)
        take_out(q, id);
    put(q, (slot_t){at_us, q->next_seq++, id});
}

static void cancel(void *vq, int32_t id) {
    wheel_q_t *q = vq;
    if (q->pos[id].where != NOWHERE)
        take_out(q, id);
}

static void run_until(void *vq, int64_t until_us) {
    wheel_q_t *q = vq;
    for (;;) {
        if (q->near.n == 0 && !advance(q))
            break;
        slot_t top = q->near.s[0];
        if (top.at_us > until_us)
            break;
        take_out(q, top.id);
        q->now_us = top.at_us;
        q->fire(q->ctx, top.id, top.at_us);
    }
    if (until_us > q->now_us)
        q->now_us = until_us;
}

const bq_ops_t bq_wheel = {"timing wheel + near/far heaps", create, destroy, arm, cancel,
                           run_until};

/* The same wheel turning too fast for the workload (1,024 ticks of 256 us,
 * 0.26 s a turn): 3 s timers all overflow to the far heap, so this shows
 * what the wheel costs when its turn is shorter than the periods it holds. */
static void *create_short(int32_t n, bq_fire_fn fire, void *ctx) {
    return create_sized(n, fire, ctx, 1024, 8);
}

const bq_ops_t bq_wheel_short = {"wheel, 0.26 s turn (sensitivity)", create_short, destroy, arm,
                                 cancel, run_until};
