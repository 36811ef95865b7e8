/* xoshiro256** (Blackman & Vigna) seeded by splitmix64; see rng-internal.h. */
#include "rng-internal.h"

uint64_t sl_prng_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sl_prng_seed(sl_prng_t *r, uint64_t seed, uint64_t stream) {
    /* Mix the stream id through one splitmix64 round first so that streams
     * 1, 2, 3 of one seed are not shifted copies of each other. */
    uint64_t st = stream;
    uint64_t x = seed ^ sl_prng_splitmix64(&st);
    for (int i = 0; i < 4; i++)
        r->s[i] = sl_prng_splitmix64(&x);
    /* splitmix64 cannot yield four zero words from one state, but keep the
     * xoshiro invariant (never all zero) explicit. */
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1;
}

static inline uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

uint64_t sl_prng_next(sl_prng_t *r) {
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

double sl_prng_unit(sl_prng_t *r) {
    return (double)(sl_prng_next(r) >> 11) * 0x1.0p-53;
}

int64_t sl_prng_range(sl_prng_t *r, int64_t lo, int64_t hi) {
    if (hi <= lo)
        return lo;
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;   /* 0 means the full 2^64 */
    if (span == 0)
        return (int64_t)sl_prng_next(r);
    /* Rejection sampling (arc4random_uniform's way): 2^64 mod span values
     * at the bottom would make the low residues more likely; skip them. */
    uint64_t threshold = (0 - span) % span;
    uint64_t v;
    do {
        v = sl_prng_next(r);
    } while (v < threshold);
    return (int64_t)((uint64_t)lo + v % span);
}

uint64_t sl_prng_hash(const char *s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}
