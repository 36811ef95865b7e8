/*
 * The one seeded random generator of stormlab: xoshiro256** (Blackman and
 * Vigna) seeded by splitmix64, used by the simulator, the fault proxy and
 * real runs alike.  Never rand(): its algorithm varies by libc.
 *
 * Streams: a generator is seeded from (seed, stream id), the stream id
 * folded through one splitmix64 round first, so each entity (a broker, a
 * member, a proxy link direction) owns a sequence that does not move when
 * another entity draws more or less.  Seed 0 is a seed like any other.
 */
#ifndef STORMLAB_RNG_H
#define STORMLAB_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sl_rng_s {
    uint64_t s[4];
} sl_rng_t;

/** One splitmix64 step: advances *state and returns the mixed output. */
uint64_t sl_rng_splitmix64(uint64_t *state);

/** Seeds r from seed and a stream id. */
void sl_rng_seed(sl_rng_t *r, uint64_t seed, uint64_t stream);

/** The next 64 random bits. */
uint64_t sl_rng_next(sl_rng_t *r);

/** Uniform double in [0, 1), 53 bits. */
double sl_rng_unit(sl_rng_t *r);

/** Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t sl_rng_below(sl_rng_t *r, uint64_t n);

/** Uniform integer in [lo, hi] (inclusive; lo when hi <= lo), without modulo bias. */
int64_t sl_rng_range(sl_rng_t *r, int64_t lo, int64_t hi);

/** Standard normal (Box-Muller, one value per call). */
double sl_rng_normal(sl_rng_t *r);

/** FNV-1a of a string: turns a name into a stream id. */
uint64_t sl_rng_hash(const char *s);

/**
 * The processing-time model both engines use (docs/model.md "Consumers"):
 * each record takes a lognormal time with the given median and p99
 * (constant when p99 <= median); returns the time of n records, summed
 * record by record up to 16 and by the normal approximation of the sum
 * above (never under a quarter of n medians).
 */
int64_t sl_processing_us(sl_rng_t *r, int64_t median_us, int64_t p99_us, int n);

/** The mean of one record's processing time under that model. */
double sl_processing_mean_us(int64_t median_us, int64_t p99_us);

#ifdef __cplusplus
}
#endif
#endif
