/*
 * The discrete-event engine: simulated time and a timer queue with a total
 * order.  A 4-ary min-heap keyed by (at_us, seq): ties between timers due
 * at the same microsecond resolve by arming order, so a run is a pure
 * function of the scenario and the seed.  Each heap slot holds its timer's
 * key beside the pointer, and each timer its slot's index, so cancel and
 * re-arm are O(log n) (the libevent min-heap design).
 * Timers are embedded in the objects that own them; the engine never
 * allocates or frees a timer.
 */
#ifndef SL_ENGINE_INTERNAL_H
#define SL_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sl_engine_s sl_engine_t;
typedef struct sl_timer_s sl_timer_t;
typedef struct sl_slot_s sl_slot_t;
typedef void (*sl_timer_fn)(void *ctx, sl_timer_t *t);

struct sl_timer_s {
    int64_t at_us;    /* due time, simulated microseconds */
    uint64_t seq;     /* arming order: the tie-breaker */
    int32_t heap_idx; /* -1 while not armed */
    sl_timer_fn fn;
    void *ctx;
    int64_t cause;    /* trace seq of what armed it, -1 for none */
};

/* A heap slot carries its timer's key, so a sift compares slots that share
 * cache lines instead of dereferencing a timer per child. */
struct sl_slot_s {
    int64_t at_us;
    uint64_t seq;
    sl_timer_t *t;
};

struct sl_engine_s {
    int64_t now_us;   /* the one clock; only the engine advances it */
    uint64_t next_seq;
    sl_slot_t *heap;
    int32_t n, cap;
    uint64_t fired;   /* timers dispatched so far (benchmarks) */
};

void sl_engine_init(sl_engine_t *e);
/* Disarms every timer (while their owners are still alive), so that owners
 * can then be freed in any order; cancelling afterwards is a no-op. */
void sl_engine_clear(sl_engine_t *e);
/* Frees the queue itself; call after sl_engine_clear(). */
void sl_engine_free(sl_engine_t *e);

/* Prepares an embedded timer; it starts disarmed. */
void sl_timer_init(sl_timer_t *t, sl_timer_fn fn, void *ctx);
/* Arms (or re-arms) t at absolute time at_us >= now.  Returns -1 only when
 * memory runs out. */
int sl_timer_arm(sl_engine_t *e, sl_timer_t *t, int64_t at_us, int64_t cause);
/* Disarms t; a no-op when not armed.  Safe from inside any timer callback. */
void sl_timer_cancel(sl_engine_t *e, sl_timer_t *t);
static inline bool sl_timer_armed(const sl_timer_t *t) { return t->heap_idx >= 0; }

/* Runs due timers in order until the queue is empty or the next one is due
 * after until_us; then now = until_us. */
void sl_engine_run_until(sl_engine_t *e, int64_t until_us);

#endif
