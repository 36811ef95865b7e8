#include "rng-internal.h"

#include <math.h>

uint64_t sl_rng_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sl_rng_seed(sl_rng_t *r, uint64_t seed, uint64_t stream) {
    /* Mix the stream id through splitmix first so neighbouring streams
     * start far apart. */
    uint64_t x = stream;
    uint64_t k = sl_rng_splitmix64(&x);
    x = seed ^ k;
    for (int i = 0; i < 4; i++)
        r->s[i] = sl_rng_splitmix64(&x);
    /* splitmix64 cannot yield four zero words from one state, but keep the
     * xoshiro invariant (never all zero) explicit. */
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t sl_rng_next(sl_rng_t *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sl_rng_unit(sl_rng_t *r) { return (double)(sl_rng_next(r) >> 11) * 0x1.0p-53; }

uint64_t sl_rng_below(sl_rng_t *r, uint64_t n) {
    /* Rejection sampling: no modulo bias. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = sl_rng_next(r);
    while (v >= limit);
    return v % n;
}

double sl_rng_normal(sl_rng_t *r) {
    double u1 = sl_rng_unit(r), u2 = sl_rng_unit(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

int64_t sl_rng_range(sl_rng_t *r, int64_t lo, int64_t hi) {
    if (hi <= lo)
        return lo;
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1; /* 0 means the full 2^64 */
    if (span == 0)
        return (int64_t)sl_rng_next(r);
    return (int64_t)((uint64_t)lo + sl_rng_below(r, span));
}

uint64_t sl_rng_hash(const char *s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}
