/* The discrete-event engine and the seeded generator. */
#include <check.h>
#include <stdlib.h>

#include "engine-internal.h"
#include "rng-internal.h"
#include "../check_main.h"

typedef struct rec_s {
    int order[64];
    int n;
    sl_engine_t *e;
    sl_timer_t *victim;
} rec_t;

typedef struct tagged_s {
    sl_timer_t t;
    int tag;
    rec_t *rec;
} tagged_t;

static void record(void *ctx, sl_timer_t *t) {
    tagged_t *x = ctx;
    (void)t;
    x->rec->order[x->rec->n++] = x->tag;
    if (x->rec->victim)
        sl_timer_cancel(x->rec->e, x->rec->victim);
}

START_TEST(timers_fire_in_time_order_and_ties_in_arming_order) {
    /* given timers armed out of order, two of them due at the same time */
    sl_engine_t e;
    sl_engine_init(&e);
    rec_t rec = {.e = &e};
    tagged_t t[4];
    int64_t at[4] = {300, 100, 200, 100};
    for (int i = 0; i < 4; i++) {
        t[i].tag = i;
        t[i].rec = &rec;
        sl_timer_init(&t[i].t, record, &t[i]);
        sl_timer_arm(&e, &t[i].t, at[i], -1);
    }
    /* when the engine runs */
    sl_engine_run_until(&e, 1000);
    /* then they fire by time, and the 100us tie by arming order (1 before 3) */
    int want[4] = {1, 3, 2, 0};
    ck_assert_int_eq(rec.n, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_msg(rec.order[i] == want[i], "position %d: expected timer %d, got %d", i, want[i], rec.order[i]);
    ck_assert_int_eq(e.now_us, 1000);
    sl_engine_free(&e);
}
END_TEST

START_TEST(a_cancelled_timer_never_fires_even_when_cancelled_during_dispatch) {
    /* given two timers due at the same time, the first cancelling the second */
    sl_engine_t e;
    sl_engine_init(&e);
    rec_t rec = {.e = &e};
    tagged_t a = {.tag = 1, .rec = &rec}, b = {.tag = 2, .rec = &rec};
    sl_timer_init(&a.t, record, &a);
    sl_timer_init(&b.t, record, &b);
    sl_timer_arm(&e, &a.t, 50, -1);
    sl_timer_arm(&e, &b.t, 50, -1);
    rec.victim = &b.t;
    /* when it runs */
    sl_engine_run_until(&e, 100);
    /* then only the first fired */
    ck_assert_int_eq(rec.n, 1);
    ck_assert_int_eq(rec.order[0], 1);
    ck_assert(!sl_timer_armed(&b.t));
    sl_engine_free(&e);
}
END_TEST

START_TEST(rearming_moves_a_timer_and_gives_it_a_new_tie_position) {
    /* given a at 10 and b at 10; when a is re-armed to 10 again */
    sl_engine_t e;
    sl_engine_init(&e);
    rec_t rec = {.e = &e};
    tagged_t a = {.tag = 1, .rec = &rec}, b = {.tag = 2, .rec = &rec};
    sl_timer_init(&a.t, record, &a);
    sl_timer_init(&b.t, record, &b);
    sl_timer_arm(&e, &a.t, 10, -1);
    sl_timer_arm(&e, &b.t, 10, -1);
    sl_timer_arm(&e, &a.t, 10, -1);
    sl_engine_run_until(&e, 10);
    /* then b fires first: re-arming counts as arming later */
    ck_assert_int_eq(rec.n, 2);
    ck_assert_int_eq(rec.order[0], 2);
    sl_engine_free(&e);
}
END_TEST

static void count_cb(void *ctx, sl_timer_t *t) {
    int64_t *last = ctx;
    ck_assert_msg(t->at_us >= *last, "timer at %lld fired after one at %lld", (long long)t->at_us, (long long)*last);
    *last = t->at_us;
}

START_TEST(the_heap_keeps_order_under_random_arms_and_cancels) {
    /* given 5000 timers armed, re-armed and cancelled at random (seeded) */
    const uint64_t seed = 42;
    sl_rng_t r;
    sl_rng_seed(&r, seed, 0);
    sl_engine_t e;
    sl_engine_init(&e);
    int n = 5000;
    sl_timer_t *ts = calloc((size_t)n, sizeof *ts);
    int64_t last = 0;
    for (int i = 0; i < n; i++)
        sl_timer_init(&ts[i], count_cb, &last);
    int armed = 0;
    for (int k = 0; k < 20000; k++) {
        sl_timer_t *t = &ts[sl_rng_below(&r, (uint64_t)n)];
        if (sl_rng_below(&r, 4) == 0)
            sl_timer_cancel(&e, t);
        else
            sl_timer_arm(&e, t, (int64_t)sl_rng_below(&r, 1000000), -1);
    }
    for (int i = 0; i < n; i++)
        armed += sl_timer_armed(&ts[i]);
    ck_assert_msg(e.n == armed, "seed %llu: heap holds %d, %d armed", (unsigned long long)seed, e.n, armed);
    /* when all fire, then in non-decreasing time (count_cb asserts) */
    sl_engine_run_until(&e, 2000000);
    ck_assert_int_eq(e.n, 0);
    ck_assert_int_eq((int)e.fired, armed);
    free(ts);
    sl_engine_free(&e);
}
END_TEST

START_TEST(a_stream_is_a_pure_function_of_seed_and_stream_id) {
    /* given two generators with the same seed and stream, and one with another stream */
    sl_rng_t a, b, c, z;
    sl_rng_seed(&a, 7, SL_STREAM(SL_STREAM_MEMBER, 1));
    sl_rng_seed(&b, 7, SL_STREAM(SL_STREAM_MEMBER, 1));
    sl_rng_seed(&c, 7, SL_STREAM(SL_STREAM_MEMBER, 2));
    sl_rng_seed(&z, 0, 0);
    int same = 1, differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = sl_rng_next(&a), y = sl_rng_next(&b), w = sl_rng_next(&c);
        same &= x == y;
        differ += x != w;
        double u = sl_rng_unit(&z);
        ck_assert(u >= 0.0 && u < 1.0);
        ck_assert(sl_rng_below(&z, 3) < 3);
    }
    /* then equal seeds agree everywhere, other streams almost nowhere, seed 0 works */
    ck_assert(same);
    ck_assert_int_ge(differ, 999);
}
END_TEST

int main(void) {
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("timer queue");
    tcase_add_test(tc, timers_fire_in_time_order_and_ties_in_arming_order);
    tcase_add_test(tc, a_cancelled_timer_never_fires_even_when_cancelled_during_dispatch);
    tcase_add_test(tc, rearming_moves_a_timer_and_gives_it_a_new_tie_position);
    tcase_add_test(tc, the_heap_keeps_order_under_random_arms_and_cancels);
    suite_add_tcase(s, tc);
    TCase *rng = tcase_create("seeded generator");
    tcase_add_test(rng, a_stream_is_a_pure_function_of_seed_and_stream_id);
    suite_add_tcase(s, rng);
    return t_run_suite(s);
}
