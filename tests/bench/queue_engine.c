/*
 * The engine's own queue (sim/engine.c, the 4-ary heap) behind bq_ops_t, so
 * the alternatives are measured against the real thing, not a copy.  The
 * adapter adds one call per fire (the engine calls it, it calls the bench);
 * bench_engine measures the engine without it.
 */
#include <stdlib.h>

#include "engine-internal.h"
#include "queue.h"

typedef struct {
    sl_engine_t e;
    sl_timer_t *timers;
    bq_fire_fn fire;
    void *ctx;
} engine_q_t;

static void on_timer(void *ctx, sl_timer_t *t) {
    engine_q_t *q = ctx;
    q->fire(q->ctx, (int32_t)(t - q->timers), q->e.now_us);
}

static void *create(int32_t n, bq_fire_fn fire, void *ctx) {
    engine_q_t *q = malloc(sizeof *q);
    if (!q)
        return NULL;
    q->timers = malloc((size_t)n * sizeof *q->timers);
    if (!q->timers) {
        free(q);
        return NULL;
    }
    sl_engine_init(&q->e);
    for (int32_t i = 0; i < n; i++)
        sl_timer_init(&q->timers[i], on_timer, q);
    q->fire = fire;
    q->ctx = ctx;
    return q;
}

static void destroy(void *vq) {
    engine_q_t *q = vq;
    sl_engine_clear(&q->e);
    sl_engine_free(&q->e);
    free(q->timers);
    free(q);
}

static void arm(void *vq, int32_t id, int64_t at_us) {
    engine_q_t *q = vq;
    if (sl_timer_arm(&q->e, &q->timers[id], at_us, -1) != 0)
        abort(); /* out of memory: a benchmark has nothing to unwind */
}

static void cancel(void *vq, int32_t id) {
    engine_q_t *q = vq;
    sl_timer_cancel(&q->e, &q->timers[id]);
}

static void run_until(void *vq, int64_t until_us) {
    engine_q_t *q = vq;
    sl_engine_run_until(&q->e, until_us);
}

const bq_ops_t bq_engine_heap = {"4-ary heap (sim/engine.c)", create, destroy, arm, cancel,
                                 run_until};
