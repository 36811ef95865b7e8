/*
 * Timer queues compared: the engine's 4-ary heap (sim/engine.c) against
 * alternatives that keep its exact order (queue.h), each driven through the
 * same operation mix as bench_engine's (its fire() through bq_ops_t, the
 * draws of bench_mix.h: pop and re-arm one period later, jittered; for a
 * share of the fires, cancel another timer and mostly re-arm it), plus a
 * case at 3,500 timers.  Every queue is reached through the
 * same function pointers, so their figures compare with each other; the
 * engine's own figure without that indirection is bench_engine's.
 *
 * The mix's random draws depend on the firing order, so a queue that fires
 * in another order would run another mix: each queue's firing-order checksum
 * must equal the engine heap's, or this prints MISMATCH and exits 1.  An
 * untimed order check first covers what the mix leaves out (check_order).
 *
 *   build/tests/bench/bench_queues [SIM_SECONDS [ROUNDS]]
 *
 * SIM_SECONDS defaults to 200: the wheel allocates its buckets' arrays over
 * its first turn, and a short run measures mostly that.
 * ROUNDS (default 1) repeats every case, queues interleaved, so a noisy
 * machine shows as spread between rounds rather than as one queue's luck.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_mix.h"
#include "queue.h"

typedef struct bench_s {
    const bq_ops_t *ops;
    void *q;
    int32_t n;
    int64_t period_us;
    unsigned cancel_per_mille; /* fires that also touch another timer */
    uint64_t rng, ops_done, checksum;
} bench_t;

/* bench_engine's fire(), through bq_ops_t: the same draws in the same order,
 * so the same checksum when the firing order is the same. */
static void fire(void *ctx, int32_t id, int64_t now_us) {
    bench_t *b = ctx;
    b->ops_done++; /* the pop */
    b->checksum = b->checksum * 1099511628211ULL + (uint64_t)id;
    b->ops->arm(b->q, id, now_us + mix_jittered(&b->rng, b->period_us));
    b->ops_done++;
    uint64_t r = mix_rand(&b->rng);
    if (r % 1000 < b->cancel_per_mille) {
        int32_t other = (int32_t)((r >> 10) % (uint64_t)b->n);
        if (other == id)
            return;
        b->ops->cancel(b->q, other);
        b->ops_done++;
        if ((r >> 40) % 8 != 0) { /* most come back at a new deadline */
            b->ops->arm(b->q, other, now_us + mix_jittered(&b->rng, b->period_us));
            b->ops_done++;
        }
    }
}

/* ---- the order check: the paths the benchmark's mix does not take ----
 * The mix never re-arms an armed timer, never arms at zero delay or beyond a
 * few seconds, and runs in one go.  This random sequence does all of that
 * (re-arms of armed timers earlier and later, from outside and inside
 * callbacks, zero and whole-ms delays for ties, delays up to a minute, runs
 * in small steps), and every queue must fire the same timers at the same
 * times in the same order as the engine's heap. */

typedef struct {
    const bq_ops_t *ops;
    void *q;
    int32_t n;
    uint64_t rng, checksum;
} check_t;

static int64_t check_delay(uint64_t *rng) {
    uint64_t r = mix_rand(rng);
    switch (r % 5) {
    case 0: return 0;
    case 1: return (int64_t)((r >> 8) % 2000);       /* within a tick or two */
    case 2: return (int64_t)((r >> 8) % 3000000);    /* within the wheel's turn */
    case 3: return (int64_t)((r >> 8) % 60000000);   /* beyond it */
    default: return (int64_t)((r >> 8) % 100) * 1000; /* whole ms: ties */
    }
}

static void check_fire(void *ctx, int32_t id, int64_t now_us) {
    check_t *c = ctx;
    c->checksum = (c->checksum * 1099511628211ULL + (uint64_t)id) * 1099511628211ULL +
                  (uint64_t)now_us;
    uint64_t r = mix_rand(&c->rng);
    /* At most one arm a fire, one time in four: the run always ends. */
    if (r % 4 == 0)
        c->ops->arm(c->q, (int32_t)((r >> 8) % (uint64_t)c->n), now_us + check_delay(&c->rng));
    if (r % 7 == 0)
        c->ops->cancel(c->q, (int32_t)((r >> 24) % (uint64_t)c->n));
}

/* The firing order's checksum, or 0 when memory runs out. */
static uint64_t check_order(const bq_ops_t *ops) {
    check_t c = {.ops = ops, .n = 2000, .rng = 7, .checksum = 14695981039346656037ULL};
    c.q = ops->create(c.n, check_fire, &c);
    if (!c.q)
        return 0;
    int64_t now_us = 0;
    for (int step = 0; step < 400000; step++) {
        uint64_t r = mix_rand(&c.rng);
        int32_t id = (int32_t)((r >> 8) % (uint64_t)c.n);
        if (r % 3 == 0)
            ops->cancel(c.q, id);
        else
            ops->arm(c.q, id, now_us + check_delay(&c.rng));
        if (step % 8 == 0) {
            now_us += (int64_t)((r >> 32) % 5000);
            ops->run_until(c.q, now_us);
        }
    }
    ops->run_until(c.q, now_us + 1000000000); /* drain */
    ops->destroy(c.q);
    return c.checksum;
}

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct {
    const char *name;
    int32_t n;
    int64_t period_us;
    unsigned cancel;
} case_t;

/* One case on one queue: Mops per CPU second, and the order checksum. */
static int run_case(const bq_ops_t *ops, const case_t *c, int64_t sim_us, double *mops,
                    uint64_t *checksum) {
    bench_t b = {.ops = ops, .n = c->n, .period_us = c->period_us, .cancel_per_mille = c->cancel,
                 .rng = 42, .checksum = 14695981039346656037ULL};
    b.q = ops->create(c->n, fire, &b);
    if (!b.q)
        return -1;
    for (int32_t i = 0; i < c->n; i++)
        ops->arm(b.q, i, (int64_t)(mix_rand(&b.rng) % (uint64_t)c->period_us));
    double c0 = cpu_s();
    ops->run_until(b.q, sim_us);
    double cpu = cpu_s() - c0;
    *mops = b.ops_done / cpu / 1e6;
    *checksum = b.checksum;
    ops->destroy(b.q);
    return 0;
}

int main(int argc, char **argv) {
    int64_t sim_s = argc > 1 ? atoll(argv[1]) : 200;
    int rounds = argc > 2 ? atoi(argv[2]) : 1;
    if (sim_s <= 0 || rounds <= 0) {
        fprintf(stderr, "usage: bench_queues [SIM_SECONDS [ROUNDS]]\n");
        return 2;
    }
    /* bench_engine's cases, plus one at 3,500 timers: since members that own
     * nothing went quiet, the 10,000-member runs hold a few thousand. */
    static const case_t cases[] = {
        {"pop+re-arm, 1k timers, 100ms", 1000, 100000, 0},
        {"+10% cancel/re-arm, 3.5k, 3s", 3500, 3000000, 100},
        {"pop+re-arm, 35k timers, 3s", 35000, 3000000, 0},
        {"+10% cancel/re-arm, 35k, 3s", 35000, 3000000, 100},
        {"+50% cancel/re-arm, 35k, 3s", 35000, 3000000, 500},
        {"+10% cancel/re-arm, 350k, 3s", 350000, 3000000, 100},
    };
    /* The engine's heap first: its checksums are the reference. */
    static const bq_ops_t *const queues[] = {&bq_engine_heap, &bq_pairing, &bq_wheel,
                                               &bq_wheel_short};
    enum { NCASES = sizeof cases / sizeof cases[0], NQUEUES = sizeof queues / sizeof queues[0] };
    printf("timer queues, %lld simulated s per case, %d round(s); Mops per CPU second\n",
           (long long)sim_s, rounds);
    int mismatch = 0;
    uint64_t check_ref = check_order(queues[0]);
    for (int qi = 0; qi < NQUEUES; qi++) {
        uint64_t sum = qi ? check_order(queues[qi]) : check_ref;
        if (!sum) {
            fprintf(stderr, "bench_queues: out of memory\n");
            return 1;
        }
        printf("%-32s %-34s %9s  %016llx%s\n", "order check (not timed)", queues[qi]->name, "",
               (unsigned long long)sum, sum == check_ref ? "" : "  MISMATCH");
        if (sum != check_ref)
            mismatch = 1;
    }
    for (int r = 0; r < rounds; r++) {
        printf("round %d\n%-32s %-34s %9s  %s\n", r + 1, "case", "queue", "Mops/cpu",
               "order checksum");
        for (int ci = 0; ci < NCASES; ci++) {
            uint64_t ref = 0;
            for (int qi = 0; qi < NQUEUES; qi++) {
                double mops;
                uint64_t sum;
                if (run_case(queues[qi], &cases[ci], sim_s * 1000000, &mops, &sum) != 0) {
                    fprintf(stderr, "bench_queues: out of memory\n");
                    return 1;
                }
                if (qi == 0)
                    ref = sum;
                printf("%-32s %-34s %9.1f  %016llx%s\n", cases[ci].name, queues[qi]->name, mops,
                       (unsigned long long)sum, sum == ref ? "" : "  MISMATCH");
                fflush(stdout);
                if (sum != ref)
                    mismatch = 1;
            }
        }
    }
    printf("rerun: build/tests/bench/bench_queues %lld %d\n", (long long)sim_s, rounds);
    if (mismatch)
        fprintf(stderr, "bench_queues: MISMATCH: a queue fired in another order than the "
                        "engine's heap\n");
    return mismatch;
}
