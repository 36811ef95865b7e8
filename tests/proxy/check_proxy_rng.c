/*
 * The proxy's seeded generator (harness/proxy/rng.c): xoshiro256** seeded
 * by splitmix64.  Jitter, toxicity, slicer sizes and loss come from it, so
 * a run is replayed from its seed.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "stormlab/rng.h"
#include "../check_main.h"

START_TEST(splitmix64_matches_the_reference_sequence) {
    /* given the state 0, when splitmix64 steps, then it yields the values
     * of Vigna's reference implementation */
    uint64_t st = 0;
    uint64_t a = sl_rng_splitmix64(&st), b = sl_rng_splitmix64(&st);
    ck_assert_msg(a == 0xe220a8397b1dcdafULL, "expected 0xe220a8397b1dcdaf, got %#llx",
                  (unsigned long long)a);
    ck_assert_msg(b == 0x6e789e6aa1b965f4ULL, "expected 0x6e789e6aa1b965f4, got %#llx",
                  (unsigned long long)b);
}
END_TEST

START_TEST(same_seed_and_stream_give_the_same_sequence) {
    /* given two generators seeded alike, when both draw 10,000 values, then
     * every value is equal */
    sl_rng_t a, b;
    sl_rng_seed(&a, 42, 7);
    sl_rng_seed(&b, 42, 7);
    for (int i = 0; i < 10000; i++) {
        uint64_t x = sl_rng_next(&a), y = sl_rng_next(&b);
        ck_assert_msg(x == y, "draw %d: %#llx != %#llx", i, (unsigned long long)x,
                      (unsigned long long)y);
    }
}
END_TEST

START_TEST(seed_zero_is_a_seed_like_any_other) {
    /* given seed 0, when drawing, then the sequence is fixed and not all
     * zero, and differs from seed 1's */
    sl_rng_t a, b, c;
    sl_rng_seed(&a, 0, 0);
    sl_rng_seed(&b, 0, 0);
    sl_rng_seed(&c, 1, 0);
    uint64_t x = sl_rng_next(&a);
    ck_assert(x != 0);
    ck_assert(x == sl_rng_next(&b));
    ck_assert(x != sl_rng_next(&c));
}
END_TEST

START_TEST(different_seeds_or_streams_give_different_sequences) {
    /* given generators that differ only by seed, or only by stream, then
     * their first 64 draws share nothing */
    sl_rng_t a, b, c;
    sl_rng_seed(&a, 42, 7);
    sl_rng_seed(&b, 43, 7);
    sl_rng_seed(&c, 42, 8);
    int same_seed = 0, same_stream = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t x = sl_rng_next(&a);
        same_seed += x == sl_rng_next(&b);
        same_stream += x == sl_rng_next(&c);
    }
    ck_assert_int_eq(same_seed, 0);
    ck_assert_int_eq(same_stream, 0);
}
END_TEST

START_TEST(range_stays_within_bounds_and_covers_them) {
    /* given the range [-3, 3], when drawing 70,000 times, then every value
     * is inside, and each of the 7 values comes up 10,000 +/- 5% times */
    sl_rng_t r;
    sl_rng_seed(&r, 9, 9);
    int count[7] = {0};
    for (int i = 0; i < 70000; i++) {
        int64_t v = sl_rng_range(&r, -3, 3);
        ck_assert_msg(v >= -3 && v <= 3, "draw %d out of range: %lld", i, (long long)v);
        count[v + 3]++;
    }
    for (int k = 0; k < 7; k++)
        ck_assert_msg(count[k] > 9500 && count[k] < 10500, "value %d drawn %d times", k - 3,
                      count[k]);
    ck_assert_int_eq(sl_rng_range(&r, 5, 5), 5);
}
END_TEST

START_TEST(unit_is_in_zero_one_with_mean_one_half) {
    /* given 100,000 unit draws, then each is in [0, 1) and the mean is
     * 0.5 +/- 0.01 */
    sl_rng_t r;
    sl_rng_seed(&r, 3, 1);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        double u = sl_rng_unit(&r);
        ck_assert(u >= 0.0 && u < 1.0);
        sum += u;
    }
    ck_assert_msg(sum / 100000 > 0.49 && sum / 100000 < 0.51, "mean %f", sum / 100000);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("proxy_rng");
    TCase *tc = tcase_create("seeded generator");
    tcase_add_test(tc, splitmix64_matches_the_reference_sequence);
    tcase_add_test(tc, same_seed_and_stream_give_the_same_sequence);
    tcase_add_test(tc, seed_zero_is_a_seed_like_any_other);
    tcase_add_test(tc, different_seeds_or_streams_give_different_sequences);
    tcase_add_test(tc, range_stays_within_bounds_and_covers_them);
    tcase_add_test(tc, unit_is_in_zero_one_with_mean_one_half);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return t_run_suite(suite());
}
