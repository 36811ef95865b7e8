#include "rng-internal.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sl_rng_seed(sl_rng_t *r, uint64_t seed, uint64_t stream) {
    /* Mix the stream id through splitmix first so neighbouring streams
     * start far apart. */
    uint64_t x = stream;
    uint64_t k = splitmix64(&x);
    x = seed ^ k;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
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
