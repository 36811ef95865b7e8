/*
 * The proxy's seeded generator: xoshiro256** seeded by splitmix64.
 *
 * Every random choice the proxy makes (latency jitter, toxicity draws,
 * slicer sizes, loss stalls) comes from one of these, never from rand():
 * rand()'s algorithm varies by libc, and Toxiproxy's own jitter ignores its
 * -seed flag.  Each link direction owns its streams, derived from the
 * server's master seed, the proxy name and the connection's ordinal, so the
 * same seed gives the same jitter sequence on the same link whatever the
 * other links do.  Seed 0 is a seed like any other.
 */
#ifndef SL_PROXY_RNG_INTERNAL_H
#define SL_PROXY_RNG_INTERNAL_H

#include <stdint.h>

typedef struct sl_prng_s {
    uint64_t s[4];
} sl_prng_t;

/** One splitmix64 step: advances *state and returns the mixed output. */
uint64_t sl_prng_splitmix64(uint64_t *state);

/** Seeds r from seed and a stream id (both fold into splitmix64). */
void sl_prng_seed(sl_prng_t *r, uint64_t seed, uint64_t stream);

/** Next 64 random bits (xoshiro256**). */
uint64_t sl_prng_next(sl_prng_t *r);

/** Uniform double in [0, 1), 53 bits. */
double sl_prng_unit(sl_prng_t *r);

/** Uniform integer in [lo, hi] (inclusive, lo <= hi), without modulo bias. */
int64_t sl_prng_range(sl_prng_t *r, int64_t lo, int64_t hi);

/** FNV-1a of a string: turns a proxy name into a stream id. */
uint64_t sl_prng_hash(const char *s);

#endif
