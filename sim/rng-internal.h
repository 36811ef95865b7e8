/*
 * The simulator's stream ids for the one generator (stormlab/rng.h).
 * One stream per entity (broker, member, link set, ...) derived from the
 * master seed and a stream id, so adding randomness to one entity never
 * shifts another's sequence.  Never the C library's generator: it varies by libc.
 */
#ifndef SL_RNG_INTERNAL_H
#define SL_RNG_INTERNAL_H

#include <stdint.h>

#include "stormlab/rng.h" /* the generator itself: sl_rng_t and its draws */

/* Stream ids: a kind in the high bits, an index in the low ones. */
#define SL_STREAM(kind, index) (((uint64_t)(kind) << 32) | (uint32_t)(index))
enum { SL_STREAM_NET = 1, SL_STREAM_MEMBER = 2, SL_STREAM_BROKER = 3, SL_STREAM_GROUP = 4 };

#endif
