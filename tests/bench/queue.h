/*
 * A tiny common interface over timer queues, so that bench_queues drives the
 * engine's heap and each alternative through the very same operation mix.
 * Timers are named by an index 0..n-1 fixed at creation; every queue keeps
 * the engine's semantics exactly:
 *   - arm sets (or moves) a timer to (at_us, a fresh sequence number from a
 *     counter that only grows), at_us >= the queue's current time;
 *   - cancel disarms it (a no-op when not armed);
 *   - run_until fires, in (at_us, seq) order, every timer due at or before
 *     until_us, each one disarmed before its callback, which may arm or
 *     cancel any timer; then time = until_us.
 * So two queues given the same calls fire the same timers in the same order,
 * which bench_queues checks with a checksum of the firing order.
 * Benchmark-only code: the engine (sim/engine.c) does not use it.
 */
#ifndef BQ_QUEUE_H
#define BQ_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

/* The total order every queue keeps, the engine's: time, then arming order. */
static inline bool bq_before(int64_t a_at_us, uint64_t a_seq, int64_t b_at_us, uint64_t b_seq) {
    return a_at_us < b_at_us || (a_at_us == b_at_us && a_seq < b_seq);
}

typedef void (*bq_fire_fn)(void *ctx, int32_t id, int64_t now_us);

typedef struct bq_ops_s {
    const char *name;
    /* NULL when memory runs out; fire is called for every timer fired. */
    void *(*create)(int32_t n, bq_fire_fn fire, void *ctx);
    void (*destroy)(void *q);
    void (*arm)(void *q, int32_t id, int64_t at_us);
    void (*cancel)(void *q, int32_t id);
    void (*run_until)(void *q, int64_t until_us);
} bq_ops_t;

extern const bq_ops_t bq_engine_heap; /* queue_engine.c: sim/engine.c itself */
extern const bq_ops_t bq_pairing;     /* queue_pairing.c */
extern const bq_ops_t bq_wheel;       /* queue_wheel.c */
extern const bq_ops_t bq_wheel_short; /* queue_wheel.c, turn too short for 3 s */

#endif
