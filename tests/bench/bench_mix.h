/*
 * The draws of the timer benchmarks' operation mix, shared by bench_engine
 * and bench_queues so that both run the same mix and print comparable
 * firing-order checksums.
 */
#ifndef BENCH_MIX_H
#define BENCH_MIX_H

#include <stdint.h>

static inline uint64_t mix_rand(uint64_t *state) { /* splitmix64: deterministic */
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* period +/- 10 %, whole ms as the model often does */
static inline int64_t mix_jittered(uint64_t *state, int64_t period_us) {
    int64_t spread = period_us / 5;
    int64_t drawn = (int64_t)(mix_rand(state) % (uint64_t)(spread + 1));
    return period_us - spread / 2 + drawn / 1000 * 1000;
}

#endif
