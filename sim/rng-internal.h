/*
 * Seeded pseudo-random streams: xoshiro256** seeded by splitmix64.
 * One stream per entity (broker, member, link set, ...) derived from the
 * master seed and a stream id, so adding randomness to one entity never
 * shifts another's sequence.  Never rand(): its algorithm varies by libc.
 */
#ifndef SL_RNG_INTERNAL_H
#define SL_RNG_INTERNAL_H

#include <stdint.h>

typedef struct sl_rng_s {
    uint64_t s[4];
} sl_rng_t;

/* Stream ids: a kind in the high bits, an index in the low ones. */
#define SL_STREAM(kind, index) (((uint64_t)(kind) << 32) | (uint32_t)(index))
enum { SL_STREAM_NET = 1, SL_STREAM_MEMBER = 2, SL_STREAM_BROKER = 3, SL_STREAM_GROUP = 4 };

/* Seeds r from (seed, stream).  Seed 0 is a seed like any other. */
void sl_rng_seed(sl_rng_t *r, uint64_t seed, uint64_t stream);
uint64_t sl_rng_next(sl_rng_t *r);
/* Uniform in [0, 1). */
double sl_rng_unit(sl_rng_t *r);
/* Uniform integer in [0, n); n > 0. */
uint64_t sl_rng_below(sl_rng_t *r, uint64_t n);
/* Standard normal (Box-Muller, one value per call). */
double sl_rng_normal(sl_rng_t *r);

#endif
