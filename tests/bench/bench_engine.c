/*
 * Timer-queue microbenchmark: the engine's queue alone, no model.  Each case
 * keeps N timers armed (as N members' poll, heartbeat and session timers
 * would) and runs a realistic mix for a simulated span:
 *   - every fired timer re-arms itself one period later (poll/heartbeat),
 *     the period jittered as the model jitters it;
 *   - for a share of the fires, some other timer is cancelled and re-armed
 *     (a heartbeat pushing a session deadline, a rebalance resetting a
 *     member's timers), or cancelled and left disarmed for a while.
 * Operations counted: pops (fires), arms and cancels; per wall second and
 * per CPU second (the latter is what to compare on a shared machine).  The queue's order is
 * (time, arming sequence); a checksum of the firing order is printed so a
 * queue replacement can be checked for the same order.
 *
 *   build/tests/bench/bench_engine [SIM_SECONDS]
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_mix.h"
#include "engine-internal.h"

typedef struct bench_s {
    sl_engine_t e;
    sl_timer_t *timers;
    int32_t n;
    int64_t period_us;
    unsigned cancel_per_mille; /* fires that also touch another timer */
    uint64_t rng, ops, checksum;
} bench_t;

static void fire(void *ctx, sl_timer_t *t) {
    bench_t *b = ctx;
    b->ops++; /* the pop */
    b->checksum = b->checksum * 1099511628211ULL + (uint64_t)(t - b->timers);
    sl_timer_arm(&b->e, t, b->e.now_us + mix_jittered(&b->rng, b->period_us), -1);
    b->ops++;
    uint64_t r = mix_rand(&b->rng);
    if (r % 1000 < b->cancel_per_mille) {
        sl_timer_t *other = &b->timers[(r >> 10) % (uint64_t)b->n];
        if (other == t)
            return;
        sl_timer_cancel(&b->e, other);
        b->ops++;
        if ((r >> 40) % 8 != 0) { /* most come back at a new deadline */
            sl_timer_arm(&b->e, other, b->e.now_us + mix_jittered(&b->rng, b->period_us), -1);
            b->ops++;
        }
    }
}

static double clock_s(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_case(const char *name, int32_t n, int64_t period_us, unsigned cancel_per_mille,
                    int64_t sim_us) {
    bench_t b = {.n = n, .period_us = period_us, .cancel_per_mille = cancel_per_mille,
                 .rng = 42, .checksum = 14695981039346656037ULL};
    b.timers = calloc((size_t)n, sizeof *b.timers);
    if (!b.timers)
        return -1;
    sl_engine_init(&b.e);
    for (int32_t i = 0; i < n; i++) {
        sl_timer_init(&b.timers[i], fire, &b);
        int64_t at_us = (int64_t)(mix_rand(&b.rng) % (uint64_t)period_us);
        if (sl_timer_arm(&b.e, &b.timers[i], at_us, -1) != 0)
            return -1;
    }
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    sl_engine_run_until(&b.e, sim_us);
    double wall = clock_s(CLOCK_MONOTONIC) - w0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("%-32s %7d %7.2f %7.2f %10llu %8.1f %8.1f  %016llx\n", name, n, wall, cpu,
           (unsigned long long)b.ops, b.ops / wall / 1e6, b.ops / cpu / 1e6,
           (unsigned long long)b.checksum);
    sl_engine_clear(&b.e);
    sl_engine_free(&b.e);
    free(b.timers);
    return 0;
}

int main(int argc, char **argv) {
    int64_t sim_s = argc > 1 ? atoll(argv[1]) : 60;
    if (sim_s <= 0) {
        fprintf(stderr, "usage: bench_engine [SIM_SECONDS]\n");
        return 2;
    }
    int64_t sim_us = sim_s * 1000000;
    printf("engine timer queue (4-ary heap keyed by (time, seq)), %lld simulated s per case\n",
           (long long)sim_s);
    printf("%-32s %7s %7s %7s %10s %8s %8s  %s\n", "case", "timers", "wall s", "cpu s", "ops",
           "Mops/s", "Mops/cpu", "order checksum");
    struct { const char *name; int32_t n; int64_t period_us; unsigned cancel; } cases[] = {
        {"pop+re-arm, 1k timers, 100ms", 1000, 100000, 0},
        {"pop+re-arm, 35k timers, 3s", 35000, 3000000, 0},
        {"+10% cancel/re-arm, 35k, 3s", 35000, 3000000, 100},
        {"+50% cancel/re-arm, 35k, 3s", 35000, 3000000, 500},
        {"+10% cancel/re-arm, 350k, 3s", 350000, 3000000, 100},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (run_case(cases[i].name, cases[i].n, cases[i].period_us, cases[i].cancel, sim_us) != 0) {
            fprintf(stderr, "bench_engine: out of memory\n");
            return 1;
        }
    printf("rerun: build/tests/bench/bench_engine %lld\n", (long long)sim_s);
    return 0;
}
