#include "engine-internal.h"

#include <stdlib.h>

#include "assert-internal.h"

static inline bool before(const sl_slot_t *a, const sl_slot_t *b) {
    return a->at_us < b->at_us || (a->at_us == b->at_us && a->seq < b->seq);
}

static inline void place(sl_engine_t *e, int32_t i, sl_slot_t s) {
    e->heap[i] = s;
    s.t->heap_idx = i;
}

/* A 4-ary heap: half the levels of a binary one, and four 24-byte children
 * span at most two cache lines. */
#define ARITY 4

static void sift_up(sl_engine_t *e, int32_t i, sl_slot_t s) {
    while (i > 0) {
        int32_t parent = (i - 1) / ARITY;
        if (!before(&s, &e->heap[parent]))
            break;
        place(e, i, e->heap[parent]);
        i = parent;
    }
    place(e, i, s);
}

static void sift_down(sl_engine_t *e, int32_t i, sl_slot_t s) {
    for (;;) {
        int32_t first = ARITY * i + 1;
        if (first >= e->n)
            break;
        int32_t child = first, last = first + ARITY < e->n ? first + ARITY : e->n;
        for (int32_t c = first + 1; c < last; c++)
            if (before(&e->heap[c], &e->heap[child]))
                child = c;
        if (!before(&e->heap[child], &s))
            break;
        place(e, i, e->heap[child]);
        i = child;
    }
    place(e, i, s);
}

void sl_engine_init(sl_engine_t *e) {
    e->now_us = 0;
    e->next_seq = 0;
    e->heap = NULL;
    e->n = e->cap = 0;
    e->fired = 0;
}

void sl_engine_clear(sl_engine_t *e) {
    for (int32_t i = 0; i < e->n; i++)
        e->heap[i].t->heap_idx = -1;
    e->n = 0;
}

void sl_engine_free(sl_engine_t *e) {
    SL_ASSERT(e->n == 0);
    free(e->heap);
    e->heap = NULL;
    e->n = e->cap = 0;
}

void sl_timer_init(sl_timer_t *t, sl_timer_fn fn, void *ctx) {
    t->at_us = 0;
    t->seq = 0;
    t->heap_idx = -1;
    t->fn = fn;
    t->ctx = ctx;
    t->cause = -1;
}

static void remove_at(sl_engine_t *e, int32_t i) {
    sl_slot_t last = e->heap[--e->n];
    e->heap[i].t->heap_idx = -1;
    if (i == e->n)
        return;
    /* The moved slot may need to go either way. */
    if (i > 0 && before(&last, &e->heap[(i - 1) / ARITY]))
        sift_up(e, i, last);
    else
        sift_down(e, i, last);
}

void sl_timer_cancel(sl_engine_t *e, sl_timer_t *t) {
    if (t->heap_idx < 0)
        return;
    SL_ASSERT(t->heap_idx < e->n && e->heap[t->heap_idx].t == t);
    remove_at(e, t->heap_idx);
}

int sl_timer_arm(sl_engine_t *e, sl_timer_t *t, int64_t at_us, int64_t cause) {
    SL_ASSERT(at_us >= e->now_us);
    if (t->heap_idx < 0 && e->n == e->cap) {
        int32_t cap = e->cap ? e->cap * 2 : 256;
        sl_slot_t *h = realloc(e->heap, (size_t)cap * sizeof *h);
        if (!h)
            return -1;
        e->heap = h;
        e->cap = cap;
    }
    t->at_us = at_us;
    t->seq = e->next_seq++;
    t->cause = cause;
    sl_slot_t s = {at_us, t->seq, t};
    if (t->heap_idx < 0) {
        sift_up(e, e->n++, s);
        return 0;
    }
    /* Re-arming an armed timer moves its slot in place: one sift, not a
     * removal and an insertion.  Its new key is later than the old one
     * when at_us did not move back (seq only grows). */
    int32_t i = t->heap_idx;
    if (i > 0 && before(&s, &e->heap[(i - 1) / ARITY]))
        sift_up(e, i, s);
    else
        sift_down(e, i, s);
    return 0;
}

void sl_engine_run_until(sl_engine_t *e, int64_t until_us) {
    while (e->n > 0 && e->heap[0].at_us <= until_us) {
        sl_timer_t *t = e->heap[0].t;
        remove_at(e, 0);
        e->now_us = t->at_us;
        e->fired++;
        /* The callback may re-arm t or cancel any timer, itself included. */
        t->fn(t->ctx, t);
    }
    if (until_us > e->now_us)
        e->now_us = until_us;
}
