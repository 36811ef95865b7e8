/*
 * The fault proxy's data path, measured on real loopback sockets: bytes
 * pass unchanged, and each fault does what it says, timed by the clock.
 *
 * Every test builds: client socket -> proxy "p" (own loop thread) -> echo
 * server, all on 127.0.0.1 with kernel-chosen ports.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy-internal.h"
#include "ptest.h"
#include "stormlab/rng.h"
#include "../check_main.h"

static pt_upstream_t *up;
static sl_proxy_server_t *srv;
static int port;

static void setup(void) {
    up = pt_upstream_start();
    srv = pt_proxy_new(1, pt_upstream_port(up), &port);
}

static void teardown(void) {
    sl_proxy_server_destroy(srv);
    pt_upstream_stop(up);
}

static sl_proxy_toxic_opts_t opts(const char *name, sl_proxy_stream_t stream) {
    sl_proxy_toxic_opts_t o = SL_PROXY_TOXIC_OPTS_INIT;
    o.name = name;
    o.stream = stream;
    return o;
}

/* The fastest of n round trips, microseconds: a loaded machine only ever
 * adds time, so the minimum is what the proxy itself adds. */
static int64_t min_rtt(int fd, int n) {
    int64_t best = -1;
    for (int i = 0; i < n; i++) {
        int64_t v = pt_ping(fd, 3000);
        ck_assert_msg(v >= 0, "ping %d got no answer", i);
        if (best < 0 || v < best)
            best = v;
    }
    return best;
}

/* ---- bytes pass unchanged ---- */

START_TEST(bytes_pass_unchanged_both_ways) {
    /* given a 16 MiB random payload, when it is sent through the proxy to
     * an echo server and read back at the same time, then every byte
     * comes back in order, and the accounting counts it each way */
    size_t n = 16u << 20;
    unsigned char *out = malloc(n), *in = malloc(n);
    pt_fill(out, n, 1234);
    int fd = pt_connect(port);
    ck_assert_int_ge(fd, 0);
    size_t got = pt_exchange(fd, out, n, in, n, 20000, NULL, NULL);
    ck_assert_msg(got == n, "expected %zu bytes back, got %zu", n, got);
    ck_assert_msg(memcmp(out, in, n) == 0, "payload changed in transit");
    sl_proxy_stats_t st;
    ck_assert_int_eq(sl_proxy_get_stats(srv, "p", &st), SL_OK);
    ck_assert_uint_eq(st.bytes_upstream, n);
    ck_assert_uint_eq(st.bytes_downstream, n);
    close(fd);
    free(out);
    free(in);
}
END_TEST

START_TEST(bytes_pass_unchanged_through_a_chain_of_toxics) {
    /* given latency, slicer and bandwidth toxics chained on both
     * directions, when 2 MiB go through and back, then they are unchanged */
    sl_proxy_toxic_opts_t o;
    for (int s = 0; s < 2; s++) {
        o = opts(NULL, (sl_proxy_stream_t)s);
        ck_assert_int_eq(sl_proxy_set_latency(srv, "p", &o, 1, 1), SL_OK);
        ck_assert_int_eq(sl_proxy_set_slicer(srv, "p", &o, 3000, 2000, 0), SL_OK);
        ck_assert_int_eq(sl_proxy_set_bandwidth(srv, "p", &o, 100000), SL_OK);
    }
    size_t n = 2u << 20;
    unsigned char *out = malloc(n), *in = malloc(n);
    pt_fill(out, n, 99);
    int fd = pt_connect(port);
    size_t got = pt_exchange(fd, out, n, in, n, 20000, NULL, NULL);
    ck_assert_msg(got == n, "expected %zu bytes back, got %zu", n, got);
    ck_assert_msg(memcmp(out, in, n) == 0, "payload changed in transit");
    close(fd);
    free(out);
    free(in);
}
END_TEST

START_TEST(half_close_passes_through_both_ways) {
    /* given a client that sends 100 KiB and shuts down its write side, when
     * the echo server answers and closes, then the client reads all 100 KiB
     * and then EOF */
    size_t n = 100 << 10;
    unsigned char *out = malloc(n), *in = malloc(n + 1);
    pt_fill(out, n, 5);
    int fd = pt_connect(port);
    for (size_t off = 0; off < n;) {
        ssize_t w = send(fd, out + off, n - off, 0);
        ck_assert(w > 0);
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    ck_assert_uint_eq(pt_read_n(fd, in, n, 5000), n);
    ck_assert(memcmp(out, in, n) == 0);
    ck_assert(pt_readable(fd, 3000));
    ck_assert_int_eq(recv(fd, in, 1, 0), 0);   /* EOF */
    close(fd);
    free(out);
    free(in);
}
END_TEST

/* ---- latency ---- */

START_TEST(latency_adds_100ms_per_direction) {
    /* given an open link, when a 100 ms latency toxic is set on upstream,
     * then downstream, then both, then a round trip grows by 100 ms +/-
     * 10 ms per direction, for the existing link and for a new one */
    int fd = pt_connect(port);
    int64_t base = min_rtt(fd, 5);
    sl_proxy_toxic_opts_t ou = opts("lat_up", SL_PROXY_UPSTREAM);
    sl_proxy_toxic_opts_t od = opts("lat_down", SL_PROXY_DOWNSTREAM);

    ck_assert_int_eq(sl_proxy_set_latency(srv, "p", &ou, 100, 0), SL_OK);
    int64_t added = min_rtt(fd, 5) - base;
    ck_assert_msg(added > 90000 && added < 110000, "upstream: expected +100 ms +/- 10, got %.1f ms",
                  added / 1000.0);
    ck_assert_int_eq(sl_proxy_toxic_remove(srv, "p", "lat_up"), SL_OK);

    ck_assert_int_eq(sl_proxy_set_latency(srv, "p", &od, 100, 0), SL_OK);
    added = min_rtt(fd, 5) - base;
    ck_assert_msg(added > 90000 && added < 110000,
                  "downstream: expected +100 ms +/- 10, got %.1f ms", added / 1000.0);

    ck_assert_int_eq(sl_proxy_set_latency(srv, "p", &ou, 100, 0), SL_OK);
    added = min_rtt(fd, 3) - base;
    ck_assert_msg(added > 180000 && added < 220000,
                  "both: expected +200 ms +/- 20, got %.1f ms", added / 1000.0);

    int fd2 = pt_connect(port);
    added = min_rtt(fd2, 3) - base;
    ck_assert_msg(added > 180000 && added < 220000,
                  "new link: expected +200 ms +/- 20, got %.1f ms", added / 1000.0);
    close(fd);
    close(fd2);
}
END_TEST

/* Round trips of n pings on link 0 of a fresh server seeded `seed`, with
 * latency 50 ms +/- 40 ms upstream. */
static void jitter_run(uint64_t seed, int64_t *rtt, int n) {
    pt_upstream_t *u = pt_upstream_start();
    int p;
    sl_proxy_server_t *s = pt_proxy_new(seed, pt_upstream_port(u), &p);
    int fd = pt_connect(p);
    /* Warm the link up first (accept, upstream connect, the echo server's
     * thread), so the round trips below measure the toxic alone; the
     * stage's generator only draws once the toxic applies. */
    ck_assert(pt_ping(fd, 3000) > 0);
    sl_proxy_toxic_opts_t o = opts(NULL, SL_PROXY_UPSTREAM);
    ck_assert_int_eq(sl_proxy_set_latency(s, "p", &o, 50, 40), SL_OK);
    for (int i = 0; i < n; i++) {
        rtt[i] = pt_ping(fd, 3000);
        ck_assert(rtt[i] > 0);
    }
    close(fd);
    sl_proxy_server_destroy(s);
    pt_upstream_stop(u);
}

/* The delays the proxy will draw: link 0 of proxy "p", upstream, data
 * stream; latency*1000 + uniform[-jitter*1000, +jitter*1000] us. */
static void jitter_predict(uint64_t seed, int64_t *delay_us, int n) {
    sl_rng_t r;
    sl_rng_seed(&r, seed, slp_link_stream(sl_rng_hash("p"), 0, SL_PROXY_UPSTREAM, 0));
    for (int i = 0; i < n; i++)
        delay_us[i] = 50000 + sl_rng_range(&r, -40000, 40000);
}

/* Checks measured round trips against the delays drawn from the seed.  A
 * timer never fires early, so a round trip is never shorter than its draw
 * (1.5 ms of slack for clock granularity); a loaded machine only makes it
 * longer, so the typical error must be small and a large one rare. */
static void check_against_prediction(const char *what, const int64_t *rtt, const int64_t *pred,
                                     int n) {
    int64_t err[32];
    int spikes = 0;
    for (int i = 0; i < n; i++) {
        err[i] = rtt[i] - pred[i];
        ck_assert_msg(err[i] > -1500, "%s, ping %d: %.1f ms, shorter than the %.1f ms drawn",
                      what, i, rtt[i] / 1000.0, pred[i] / 1000.0);
        spikes += err[i] > 10000;
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && err[j - 1] > err[j]; j--) {
            int64_t t = err[j];
            err[j] = err[j - 1];
            err[j - 1] = t;
        }
    ck_assert_msg(err[n / 2] < 5000, "%s: median excess over the drawn delays %.1f ms", what,
                  err[n / 2] / 1000.0);
    ck_assert_msg(spikes <= 3, "%s: %d of %d round trips more than 10 ms over the drawn delay",
                  what, spikes, n);
}

START_TEST(same_seed_gives_the_same_jitter_sequence) {
    /* given two proxies seeded 7 and one seeded 8, each with latency 50 ms
     * +/- 40 ms, when 12 pings cross each, then both seed-7 runs see the
     * delays the seeded generator predicts, and seed 8 its own, different
     * sequence */
    enum { N = 12 };
    int64_t a[N], b[N], c[N], pa[N], pc[N];
    jitter_run(7, a, N);
    jitter_run(7, b, N);
    jitter_run(8, c, N);
    jitter_predict(7, pa, N);
    jitter_predict(8, pc, N);
    check_against_prediction("seed 7, first run", a, pa, N);
    check_against_prediction("seed 7, second run", b, pa, N);
    check_against_prediction("seed 8", c, pc, N);
    int64_t far = 0;
    for (int i = 0; i < N; i++)
        if (llabs(pa[i] - pc[i]) > far)
            far = llabs(pa[i] - pc[i]);
    ck_assert_msg(far > 20000, "seeds 7 and 8 drew nearly the same jitter");
}
END_TEST

START_TEST(toxicity_draws_per_link_come_from_the_seed) {
    /* given a 300 ms latency toxic with toxicity 0.5, when 12 links are
     * opened one after the other, then exactly the links whose seeded draw
     * is below 0.5 are slow */
    sl_proxy_toxic_opts_t o = opts(NULL, SL_PROXY_DOWNSTREAM);
    o.toxicity = 0.5;
    ck_assert_int_eq(sl_proxy_set_latency(srv, "p", &o, 300, 0), SL_OK);
    int slow = 0, fast = 0;
    for (uint64_t id = 0; id < 12; id++) {
        sl_rng_t r;
        sl_rng_seed(&r, 1, slp_link_stream(sl_rng_hash("p"), id, SL_PROXY_DOWNSTREAM, 1));
        int expect_slow = sl_rng_unit(&r) < 0.5;
        int fd = pt_connect(port);
        int64_t rtt = pt_ping(fd, 3000);
        close(fd);
        ck_assert_msg((rtt > 250000) == expect_slow, "link %d: expected %s, rtt %.1f ms",
                      (int)id, expect_slow ? "slow" : "fast", rtt / 1000.0);
        slow += expect_slow;
        fast += !expect_slow;
    }
    ck_assert(slow > 0 && fast > 0);
}
END_TEST

/* ---- cut ---- */

START_TEST(cut_passes_no_byte_and_traffic_resumes_after) {
    /* given an open link that works, when both directions are cut for
     * 600 ms, then no byte reaches the server nor the client, a new client
     * is accepted and held too, and when the cut is removed every held
     * byte arrives, in order */
    int fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    sl_proxy_toxic_opts_t ou = opts("cut_up", SL_PROXY_UPSTREAM);
    sl_proxy_toxic_opts_t od = opts("cut_down", SL_PROXY_DOWNSTREAM);
    ck_assert_int_eq(sl_proxy_set_cut(srv, "p", &ou), SL_OK);
    ck_assert_int_eq(sl_proxy_set_cut(srv, "p", &od), SL_OK);
    uint64_t before = pt_upstream_bytes(up);

    char msg[1000], back[1000];
    pt_fill(msg, sizeof(msg), 3);
    ck_assert_int_eq(send(fd, msg, sizeof(msg), 0), (ssize_t)sizeof(msg));
    int fd2 = pt_connect(port);
    ck_assert_msg(fd2 >= 0, "a new client must be accepted during a cut");
    ck_assert_int_eq(send(fd2, msg, 10, 0), 10);
    ck_assert_msg(!pt_readable(fd, 600), "a byte came back through a cut");
    ck_assert_msg(!pt_readable(fd2, 1), "a byte came back through a cut");
    ck_assert_msg(pt_upstream_bytes(up) == before, "%llu bytes reached the server through a cut",
                  (unsigned long long)(pt_upstream_bytes(up) - before));

    ck_assert_int_eq(sl_proxy_toxic_remove(srv, "p", "cut_up"), SL_OK);
    ck_assert_int_eq(sl_proxy_toxic_remove(srv, "p", "cut_down"), SL_OK);
    ck_assert_uint_eq(pt_read_n(fd, back, sizeof(back), 2000), sizeof(back));
    ck_assert(memcmp(msg, back, sizeof(back)) == 0);
    ck_assert_uint_eq(pt_read_n(fd2, back, 10, 2000), 10);
    ck_assert(pt_ping(fd, 2000) > 0);
    close(fd);
    close(fd2);
}
END_TEST

START_TEST(cut_of_one_direction_holds_only_that_direction) {
    /* given a downstream-only cut, when the client sends, then the server
     * receives the bytes but nothing comes back until the cut is removed */
    int fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    sl_proxy_toxic_opts_t od = opts(NULL, SL_PROXY_DOWNSTREAM);
    ck_assert_int_eq(sl_proxy_set_cut(srv, "p", &od), SL_OK);
    uint64_t before = pt_upstream_bytes(up);
    ck_assert_int_eq(send(fd, "abc", 3, 0), 3);
    ck_assert(!pt_readable(fd, 300));
    ck_assert_uint_eq(pt_upstream_bytes(up) - before, 3);
    ck_assert_int_eq(sl_proxy_toxic_remove(srv, "p", "cut_downstream"), SL_OK);
    char back[3];
    ck_assert_uint_eq(pt_read_n(fd, back, 3, 2000), 3);
    close(fd);
}
END_TEST

/* ---- a healed cut: TCP's retransmission schedule ---- */

START_TEST(retransmission_times_follow_tcps_doubling_rto) {
    /* given bytes first sent at 0 into a cut, when the cut heals at t,
     * then they go through at 0 + rto x (2^k - 1), the first at or after
     * t (k >= 1: the first send itself was lost), the step doubling from
     * rto and capped at 120 s */
    const int64_t ms = 1000, s = 1000000;
    ck_assert_int_eq(slp_tcp_retransmit_at(0, 200 * ms, 1 * s), 1400 * ms);
    ck_assert_int_eq(slp_tcp_retransmit_at(0, 200 * ms, 600 * ms), 600 * ms);   /* at: on time */
    ck_assert_int_eq(slp_tcp_retransmit_at(0, 200 * ms, 601 * ms), 1400 * ms);
    ck_assert_int_eq(slp_tcp_retransmit_at(0, 200 * ms, 0), 200 * ms);
    /* 0.2, 0.6, 1.4, 3.0, 6.2, 12.6, 25.4 s after the first send */
    ck_assert_int_eq(slp_tcp_retransmit_at(5 * s, 200 * ms, 30 * s), 30400 * ms);
    /* 0.2 x (2^10 - 1) = 204.6 s (the last step 102.4 s), then steps of 120 s */
    ck_assert_int_eq(slp_tcp_retransmit_at(0, 200 * ms, 103 * s), 204600 * ms);
    ck_assert_int_eq(slp_tcp_retransmit_at(0, 200 * ms, 205 * s), 324600 * ms);
    ck_assert_int_eq(slp_tcp_retransmit_at(0, 200 * ms, 1000 * s), 1044600 * ms);
    ck_assert_int_eq(slp_tcp_retransmit_at(0, 500 * s, 1 * s), 120 * s);   /* an rto past the cap */
    ck_assert_int_eq(slp_tcp_retransmit_at(0, 1, 10 * ms), 16383);   /* 1 us doubling */
}
END_TEST

/* Cuts the upstream of every link with toxic "cut" (rto_ms < 0: the
 * default of sl_proxy_set_cut). */
static void cut_upstream(int64_t rto_ms) {
    sl_proxy_toxic_opts_t ou = opts("cut", SL_PROXY_UPSTREAM);
    ck_assert_int_eq(rto_ms < 0 ? sl_proxy_set_cut(srv, "p", &ou)
                                : sl_proxy_set_cut_rto(srv, "p", &ou, rto_ms),
                     SL_OK);
}

static void heal_upstream(void) {
    ck_assert_int_eq(sl_proxy_toxic_remove(srv, "p", "cut"), SL_OK);
}

/* Sends n bytes of msg on fd; fails the test if the kernel takes fewer. */
static void send_all(int fd, const void *msg, size_t n) {
    ck_assert_int_eq(send(fd, msg, n, 0), (ssize_t)n);
}

/* A working link (one round trip done), then cut_upstream(rto_ms), then
 * msg (n bytes, filled from seed) sent into the cut at *sent_us (if not
 * NULL).  Returns the client's socket. */
static int link_into_cut(int64_t rto_ms, void *msg, size_t n, uint64_t seed, int64_t *sent_us) {
    pt_fill(msg, n, seed);
    int fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    cut_upstream(rto_ms);
    if (sent_us)
        *sent_us = pt_now_us();
    send_all(fd, msg, n);
    return fd;
}

/* link_into_cut, and the cut removed 20 ms later: its stage drains toward
 * the retransmission at rto_ms after the send. */
static int draining_link(int64_t rto_ms, void *msg, size_t n, uint64_t seed) {
    int fd = link_into_cut(rto_ms, msg, n, seed, NULL);
    pt_sleep_ms(20);
    heal_upstream();
    return fd;
}

START_TEST(a_healed_cut_releases_at_the_next_retransmission_in_order) {
    /* given bytes sent into an upstream cut (rto 200 ms, the default) at
     * t0, when the cut is removed at t0 + 1 s and more bytes are sent
     * right after, then nothing reaches the server at the removal, the
     * held bytes arrive at TCP's next retransmission, t0 + 0.2 + 0.4 + 0.8
     * = t0 + 1.4 s, and the later bytes arrive behind them, not before */
    char a[600], b[400], back[1000];
    pt_fill(b, sizeof(b), 12);
    int64_t t0;
    int fd = link_into_cut(-1, a, sizeof(a), 11, &t0);
    uint64_t before = pt_upstream_bytes(up);   /* the round trip's byte is counted */
    pt_sleep_ms(1000);
    int64_t removing = pt_now_us();
    heal_upstream();
    ck_assert_msg(removing - t0 < 1300000,
                  "the removal came %.0f ms after the send: the machine is too loaded for "
                  "this check (the retransmission at 1.4 s must still lie ahead)",
                  (removing - t0) / 1000.0);
    send_all(fd, b, sizeof(b));
    int64_t quiet_ms = (t0 + 1350000 - pt_now_us()) / 1000;
    ck_assert_msg(!pt_readable(fd, quiet_ms > 0 ? (int)quiet_ms : 0),
                  "bytes came back %.0f ms after the send, before the retransmission at 1.4 s",
                  (pt_now_us() - t0) / 1000.0);
    ck_assert_msg(pt_upstream_bytes(up) == before, "bytes reached the server before 1.35 s");
    ck_assert_uint_eq(pt_read_n(fd, back, sizeof(back), 2000), sizeof(back));
    int64_t at = pt_now_us() - t0;
    ck_assert_msg(at >= 1350000 && at <= 1700000, "expected the bytes at 1.4 s, got %.0f ms",
                  at / 1000.0);
    ck_assert_msg(memcmp(back, a, sizeof(a)) == 0, "the held bytes are not first, in order");
    ck_assert_msg(memcmp(back + sizeof(a), b, sizeof(b)) == 0, "the later bytes are not behind");
    ck_assert(pt_ping(fd, 2000) > 0);   /* the stage is gone: traffic flows */
    close(fd);
}
END_TEST

START_TEST(a_link_opened_during_a_cut_connects_at_the_handshakes_retransmission) {
    /* given a link opened while the cut is in place (a real partition
     * would have dropped its handshake) and bytes sent 100 ms later, when
     * the cut is removed at 0.8 s, then the bytes arrive at the handshake's
     * next retransmission, 1 s after the connect, not at the removal
     * (0.8 s) and not at the data's own retransmission (0.1 + 1.4 s) */
    char a[300], back[300];
    pt_fill(a, sizeof(a), 21);
    cut_upstream(-1);
    int64_t t0 = pt_now_us();
    int fd = pt_connect(port);
    pt_sleep_ms(100);
    send_all(fd, a, sizeof(a));
    pt_sleep_ms(700);
    int64_t removing = pt_now_us();
    heal_upstream();
    ck_assert_msg(removing - t0 < 950000, "the removal came %.0f ms after the connect: the machine is too loaded "
                  "for this check", (removing - t0) / 1000.0);
    ck_assert_uint_eq(pt_read_n(fd, back, sizeof(back), 3000), sizeof(back));
    int64_t at = pt_now_us() - t0;
    ck_assert_msg(at >= 950000 && at <= 1350000, "expected the bytes at 1.0 s, got %.0f ms", at / 1000.0);
    ck_assert(memcmp(a, back, sizeof(a)) == 0);
    close(fd);
}
END_TEST

START_TEST(a_cut_with_rto_0_releases_at_once) {
    /* given bytes held by a cut with rto 0, when it is removed 300 ms
     * later, then they arrive at once, not at a retransmission (0.6 s) */
    char a[100], back[100];
    int fd = link_into_cut(0, a, sizeof(a), 13, NULL);
    ck_assert(!pt_readable(fd, 300));
    int64_t t = pt_now_us();
    heal_upstream();
    ck_assert_uint_eq(pt_read_n(fd, back, sizeof(back), 2000), sizeof(back));
    int64_t after = pt_now_us() - t;
    ck_assert_msg(after < 200000, "released %.0f ms after the removal", after / 1000.0);
    ck_assert(memcmp(a, back, sizeof(a)) == 0);
    close(fd);
}
END_TEST

START_TEST(a_healed_cut_passes_the_eof_behind_its_bytes) {
    /* given bytes and then the client's FIN held by a cut (rto 100 ms),
     * when it is removed 150 ms later (retransmission at 300 ms), then the
     * echo server gets the bytes before the EOF: the client reads all of
     * them back, then EOF */
    char a[2000], back[2001];
    int64_t t0;
    int fd = link_into_cut(100, a, sizeof(a), 14, &t0);
    shutdown(fd, SHUT_WR);
    pt_sleep_ms(150);
    heal_upstream();
    ck_assert_msg(!pt_readable(fd, 50), "the bytes or the EOF went on at the removal");
    ck_assert_uint_eq(pt_read_n(fd, back, sizeof(back), 3000), sizeof(a));
    ck_assert_msg(pt_now_us() - t0 >= 250000, "released before the retransmission at 300 ms");
    ck_assert(memcmp(a, back, sizeof(a)) == 0);
    ck_assert(pt_readable(fd, 2000));
    ck_assert_int_eq(recv(fd, back, 1, 0), 0);   /* EOF, after the bytes */
    close(fd);
}
END_TEST

START_TEST(a_link_reset_while_its_cut_drains_is_freed) {
    /* given a removed cut draining toward its retransmission (rto 300 ms),
     * when the client resets the link, then the link is closed and counted,
     * the release time passes without harm (no timer on freed memory: the
     * ASan build checks), and new links pass */
    char a[4];
    int fd = draining_link(300, a, sizeof(a), 16);
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);   /* RST */
    sl_proxy_stats_t st;
    int64_t deadline = pt_now_us() + 2000000;
    do {
        pt_sleep_ms(10);
        ck_assert_int_eq(sl_proxy_get_stats(srv, "p", &st), SL_OK);
    } while (st.active > 0 && pt_now_us() < deadline);
    ck_assert_uint_eq(st.active, 0);
    ck_assert_uint_eq(st.reset, 1);
    pt_sleep_ms(350);   /* past the release time */
    fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    close(fd);
}
END_TEST

START_TEST(a_cut_added_again_while_draining_holds_what_drains) {
    /* given a removed cut draining (rto 100 ms: release at 100 ms), when a
     * cut is added again before the release, then the released bytes are
     * held by the new cut; when that one is removed too, they arrive */
    char a[50], back[50];
    int fd = draining_link(100, a, sizeof(a), 15);
    cut_upstream(100);
    ck_assert_msg(!pt_readable(fd, 300), "the second cut let the drained bytes through");
    heal_upstream();
    ck_assert_uint_eq(pt_read_n(fd, back, sizeof(back), 2000), sizeof(back));
    ck_assert(memcmp(a, back, sizeof(a)) == 0);
    close(fd);
}
END_TEST

START_TEST(reset_all_releases_draining_and_held_bytes_at_once) {
    /* given one link whose removed cut drains toward a retransmission 10 s
     * away and another held by a cut in place, when sl_proxy_reset_all()
     * is called, then both links' bytes arrive at once */
    char one[3], back[3];
    int a = draining_link(10000, one, sizeof(one), 17);
    cut_upstream(10000);
    int b = pt_connect(port);
    send_all(b, "two", 3);
    ck_assert(!pt_readable(a, 100) && !pt_readable(b, 1));
    int64_t t = pt_now_us();
    ck_assert_int_eq(sl_proxy_reset_all(srv), SL_OK);
    ck_assert_uint_eq(pt_read_n(a, back, 3, 2000), 3);
    ck_assert(memcmp(back, one, 3) == 0);
    ck_assert_uint_eq(pt_read_n(b, back, 3, 2000), 3);
    ck_assert(memcmp(back, "two", 3) == 0);
    ck_assert_msg(pt_now_us() - t < 300000, "reset_all waited %.0f ms",
                  (pt_now_us() - t) / 1000.0);
    close(a);
    close(b);
}
END_TEST

START_TEST(a_server_destroyed_while_a_cut_drains_frees_it) {
    /* given a removed cut draining toward a retransmission 10 s away, with
     * the client's FIN held too, when the server is destroyed, then it
     * returns at once and frees the stage (the ASan build checks) */
    char a[4];
    int fd = draining_link(10000, a, sizeof(a), 18);
    shutdown(fd, SHUT_WR);
    int64_t t = pt_now_us();
    sl_proxy_server_destroy(srv);
    srv = pt_proxy_new(1, pt_upstream_port(up), &port);   /* for the teardown */
    ck_assert(pt_now_us() - t < 2000000);
    close(fd);
}
END_TEST

/* ---- bandwidth ---- */

static double measure_rate_kbps(int fd, size_t n) {
    unsigned char *out = malloc(n), *in = malloc(n);
    pt_fill(out, n, 17);
    int64_t t0 = pt_now_us(), last = 0;
    size_t got = pt_exchange(fd, out, n, in, n, 10000, NULL, &last);
    ck_assert_uint_eq(got, n);
    ck_assert(memcmp(out, in, n) == 0);
    free(out);
    free(in);
    return (double)n / 1000.0 / ((double)(last - t0) / 1e6);
}

START_TEST(bandwidth_stays_within_10_percent_of_the_limit) {
    /* given a 1000 KB/s bandwidth toxic downstream, then upstream, when
     * 1 MB crosses the link, then it arrives at 1000 KB/s +/- 10% */
    int fd = pt_connect(port);
    sl_proxy_toxic_opts_t od = opts("bw", SL_PROXY_DOWNSTREAM);
    ck_assert_int_eq(sl_proxy_set_bandwidth(srv, "p", &od, 1000), SL_OK);
    double r = measure_rate_kbps(fd, 1000000);
    ck_assert_msg(r > 900 && r < 1100, "downstream: expected 1000 KB/s +/- 10%%, got %.0f", r);
    ck_assert_int_eq(sl_proxy_toxic_remove(srv, "p", "bw"), SL_OK);
    sl_proxy_toxic_opts_t ou = opts("bw", SL_PROXY_UPSTREAM);
    ck_assert_int_eq(sl_proxy_set_bandwidth(srv, "p", &ou, 1000), SL_OK);
    r = measure_rate_kbps(fd, 1000000);
    ck_assert_msg(r > 900 && r < 1100, "upstream: expected 1000 KB/s +/- 10%%, got %.0f", r);
    close(fd);
}
END_TEST

/* ---- the other toxics ---- */

START_TEST(timeout_drops_data_and_closes_after_timeout) {
    /* given a 300 ms timeout toxic downstream, when the client sends, then
     * nothing comes back and the link is closed about 300 ms after the
     * toxic was set */
    int fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    int64_t t0 = pt_now_us();
    sl_proxy_toxic_opts_t od = opts(NULL, SL_PROXY_DOWNSTREAM);
    ck_assert_int_eq(sl_proxy_set_timeout(srv, "p", &od, 300), SL_OK);
    ck_assert_int_eq(send(fd, "x", 1, 0), 1);
    char c;
    ck_assert(pt_readable(fd, 2000));
    ssize_t r = recv(fd, &c, 1, 0);
    int64_t dt = pt_now_us() - t0;
    ck_assert_msg(r == 0, "expected EOF, got %zd", r);
    ck_assert_msg(dt > 270000 && dt < 450000, "closed after %.1f ms, expected ~300",
                  dt / 1000.0);
    close(fd);
}
END_TEST

START_TEST(timeout_zero_drops_data_until_removed) {
    /* given a timeout toxic with timeout 0 upstream, when the client sends,
     * then the bytes are dropped and the link stays open; once removed,
     * the link closes (its bytes are lost: Toxiproxy's cleanup closes it so
     * the client reconnects) and a new link carries bytes */
    int fd = pt_connect(port);
    sl_proxy_toxic_opts_t ou = opts("t", SL_PROXY_UPSTREAM);
    ck_assert_int_eq(sl_proxy_set_timeout(srv, "p", &ou, 0), SL_OK);
    ck_assert_int_eq(send(fd, "lost", 4, 0), 4);
    ck_assert(!pt_readable(fd, 300));
    ck_assert_int_eq(sl_proxy_toxic_remove(srv, "p", "t"), SL_OK);
    char c;
    ck_assert(pt_readable(fd, 2000));
    ck_assert_msg(recv(fd, &c, 1, 0) == 0, "expected EOF once the timeout was removed");
    close(fd);
    fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    close(fd);
}
END_TEST

START_TEST(reset_peer_resets_the_link_after_its_timeout) {
    /* given reset_peer with timeout 200 ms upstream, when the client sends,
     * then about 200 ms later its socket is reset (ECONNRESET) */
    int fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    sl_proxy_toxic_opts_t ou = opts(NULL, SL_PROXY_UPSTREAM);
    ck_assert_int_eq(sl_proxy_set_reset_peer(srv, "p", &ou, 200), SL_OK);
    int64_t t0 = pt_now_us();
    ck_assert_int_eq(send(fd, "x", 1, 0), 1);
    ck_assert(pt_readable(fd, 2000));
    char c;
    ssize_t r = recv(fd, &c, 1, 0);
    int e = errno;
    int64_t dt = pt_now_us() - t0;
    ck_assert_msg(r < 0 && e == ECONNRESET, "expected ECONNRESET, got %zd (%s)", r, strerror(e));
    ck_assert_msg(dt > 180000 && dt < 400000, "reset after %.1f ms, expected ~200", dt / 1000.0);
    sl_proxy_stats_t st;
    sl_proxy_get_stats(srv, "p", &st);
    ck_assert_uint_eq(st.reset, 1);
    close(fd);
}
END_TEST

START_TEST(limit_data_passes_exactly_its_bytes_then_closes) {
    /* given limit_data of 1000 bytes downstream, when 3000 bytes are echoed,
     * then the client reads exactly the first 1000 and then EOF */
    int fd = pt_connect(port);
    sl_proxy_toxic_opts_t od = opts(NULL, SL_PROXY_DOWNSTREAM);
    ck_assert_int_eq(sl_proxy_set_limit_data(srv, "p", &od, 1000), SL_OK);
    char out[3000], in[3000];
    pt_fill(out, sizeof(out), 8);
    ck_assert_int_eq(send(fd, out, sizeof(out), 0), (ssize_t)sizeof(out));
    size_t got = pt_read_n(fd, in, sizeof(in), 3000);
    ck_assert_uint_eq(got, 1000);
    ck_assert(memcmp(out, in, 1000) == 0);
    ck_assert_int_eq(recv(fd, in, 1, 0), 0);
    close(fd);
}
END_TEST

START_TEST(slow_close_delays_the_close) {
    /* given slow_close of 300 ms downstream, when the client half-closes
     * and the echo server closes, then the client sees EOF ~300 ms later */
    int fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    sl_proxy_toxic_opts_t od = opts(NULL, SL_PROXY_DOWNSTREAM);
    ck_assert_int_eq(sl_proxy_set_slow_close(srv, "p", &od, 300), SL_OK);
    int64_t t0 = pt_now_us();
    shutdown(fd, SHUT_WR);
    ck_assert(pt_readable(fd, 3000));
    char c;
    ck_assert_int_eq(recv(fd, &c, 1, 0), 0);
    int64_t dt = pt_now_us() - t0;
    ck_assert_msg(dt > 280000 && dt < 450000, "EOF after %.1f ms, expected ~300", dt / 1000.0);
    close(fd);
}
END_TEST

START_TEST(slicer_cuts_data_into_delayed_slices) {
    /* given a slicer of 100 +/- 20 bytes, 20,000 us apart, downstream, when
     * 1000 bytes are echoed, then they arrive intact, in several reads,
     * spread over at least 120 ms (7+ gaps of 20 ms) */
    int fd = pt_connect(port);
    sl_proxy_toxic_opts_t od = opts(NULL, SL_PROXY_DOWNSTREAM);
    ck_assert_int_eq(sl_proxy_set_slicer(srv, "p", &od, 100, 20, 20000), SL_OK);
    char out[1000], in[1000];
    pt_fill(out, sizeof(out), 11);
    ck_assert_int_eq(send(fd, out, sizeof(out), 0), (ssize_t)sizeof(out));
    size_t got = 0;
    int reads = 0;
    int64_t first = 0, last = 0;
    while (got < sizeof(in) && pt_readable(fd, 2000)) {
        ssize_t r = recv(fd, in + got, sizeof(in) - got, 0);
        if (r <= 0)
            break;
        if (!got)
            first = pt_now_us();
        last = pt_now_us();
        got += (size_t)r;
        reads++;
    }
    ck_assert_uint_eq(got, sizeof(in));
    ck_assert(memcmp(out, in, sizeof(in)) == 0);
    ck_assert_msg(reads >= 5, "expected the slices in several reads, got %d", reads);
    ck_assert_msg(last - first >= 120000, "slices spread over %.1f ms only",
                  (last - first) / 1000.0);
    close(fd);
}
END_TEST

START_TEST(loss_stalls_chunks_like_tcp_retransmissions) {
    /* given loss with probability 1 and rto 5 ms, when a byte is echoed,
     * then it stalls 5+10+20+40+80+160 = 315 ms (6 doubling retries) and
     * still arrives; with probability 0 it does not stall */
    int fd = pt_connect(port);
    sl_proxy_toxic_opts_t ou = opts("loss", SL_PROXY_UPSTREAM);
    ck_assert_int_eq(sl_proxy_set_loss(srv, "p", &ou, 1.0, 5), SL_OK);
    int64_t rtt = pt_ping(fd, 3000);
    ck_assert_msg(rtt > 305000 && rtt < 345000, "expected ~315 ms, got %.1f", rtt / 1000.0);
    ck_assert_int_eq(sl_proxy_set_loss(srv, "p", &ou, 0.0, 5), SL_OK);
    rtt = pt_ping(fd, 3000);
    ck_assert_msg(rtt >= 0 && rtt < 20000, "expected no stall, got %.1f ms", rtt / 1000.0);
    close(fd);
}
END_TEST

START_TEST(refuse_closes_existing_and_new_links) {
    /* given an open link, when refuse is set, then that link is closed, a
     * new client is closed at once, and after removal clients are served */
    int fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    ck_assert_int_eq(sl_proxy_set_refuse(srv, "p", NULL), SL_OK);
    char c;
    ck_assert(pt_readable(fd, 2000));
    ck_assert_int_le(recv(fd, &c, 1, 0), 0);
    close(fd);
    fd = pt_connect(port);
    if (fd >= 0) {
        ck_assert(pt_readable(fd, 2000));
        ck_assert_int_le(recv(fd, &c, 1, 0), 0);
        close(fd);
    }
    ck_assert_int_eq(sl_proxy_toxic_remove(srv, "p", "refuse_downstream"), SL_OK);
    fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    sl_proxy_stats_t st;
    sl_proxy_get_stats(srv, "p", &st);
    ck_assert_uint_eq(st.refused, 2);
    close(fd);
}
END_TEST

START_TEST(disabled_proxy_refuses_connections_and_reenables_on_its_port) {
    /* given an open link, when the proxy is disabled (Toxiproxy's down),
     * then the link is closed and connecting is refused; when enabled
     * again, the same port serves */
    int fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    ck_assert_int_eq(sl_proxy_set_enabled(srv, "p", 0, NULL, 0), SL_OK);
    char c;
    ck_assert(pt_readable(fd, 2000));
    ck_assert_int_eq(recv(fd, &c, 1, 0), 0);
    close(fd);
    fd = pt_connect(port);
    ck_assert_msg(fd < 0 && errno == ECONNREFUSED, "expected ECONNREFUSED");
    ck_assert_int_eq(sl_proxy_set_enabled(srv, "p", 1, NULL, 0), SL_OK);
    fd = pt_connect(port);
    ck_assert_int_ge(fd, 0);
    ck_assert(pt_ping(fd, 2000) > 0);
    close(fd);
}
END_TEST

START_TEST(reset_connections_sends_rst_to_every_client) {
    /* given two open links, when sl_proxy_reset_connections() is called,
     * then both clients read ECONNRESET */
    int a = pt_connect(port), b = pt_connect(port);
    ck_assert(pt_ping(a, 2000) > 0 && pt_ping(b, 2000) > 0);
    ck_assert_int_eq(sl_proxy_reset_connections(srv, "p"), SL_OK);
    char c;
    ck_assert(pt_readable(a, 2000) && pt_readable(b, 2000));
    ck_assert(recv(a, &c, 1, 0) < 0 && errno == ECONNRESET);
    ck_assert(recv(b, &c, 1, 0) < 0 && errno == ECONNRESET);
    close(a);
    close(b);
}
END_TEST

/* ---- per-client links ---- */

START_TEST(a_toxic_with_a_client_address_hits_only_that_client) {
    /* given clients bound to 127.0.0.2 and 127.0.0.3, when a cut names
     * client 127.0.0.2, then only that client's link is held */
    int a = pt_connect_from("127.0.0.2", port), b = pt_connect_from("127.0.0.3", port);
    ck_assert(a >= 0 && b >= 0);
    sl_proxy_toxic_opts_t o = opts("cut_a", SL_PROXY_DOWNSTREAM);
    o.client = "127.0.0.2";
    ck_assert_int_eq(sl_proxy_set_cut(srv, "p", &o), SL_OK);
    ck_assert_msg(pt_ping(a, 300) < 0, "client 127.0.0.2 was not cut");
    ck_assert_msg(pt_ping(b, 2000) > 0, "client 127.0.0.3 was cut too");
    int a2 = pt_connect_from("127.0.0.2", port);   /* new links of that client too */
    ck_assert(pt_ping(a2, 300) < 0);
    ck_assert_int_eq(sl_proxy_toxic_remove(srv, "p", "cut_a"), SL_OK);
    char c;
    ck_assert_uint_eq(pt_read_n(a, &c, 1, 2000), 1);
    ck_assert_uint_eq(pt_read_n(a2, &c, 1, 2000), 1);
    close(a);
    close(a2);
    close(b);
}
END_TEST

/* ---- accounting ---- */

static sl_proxy_stats_t wait_active(uint64_t active) {
    sl_proxy_stats_t st;
    for (int i = 0; i < 200; i++) {
        sl_proxy_get_stats(srv, "p", &st);
        if (st.active == active)
            break;
        pt_sleep_ms(10);
    }
    return st;
}

START_TEST(every_connection_is_accounted_for) {
    /* given 60 clients of which 20 close, and a dead upstream for 5 more,
     * then accepted = active + closed at every step, and the counts say
     * what happened */
    int fds[60];
    for (int i = 0; i < 60; i++) {
        fds[i] = pt_connect(port);
        ck_assert_int_ge(fds[i], 0);
        ck_assert(pt_ping(fds[i], 2000) > 0);
    }
    sl_proxy_stats_t st = wait_active(60);
    ck_assert_uint_eq(st.accepted, 60);
    ck_assert_uint_eq(st.active, 60);
    for (int i = 0; i < 20; i++)
        close(fds[i]);
    st = wait_active(40);
    ck_assert_uint_eq(st.active, 40);
    ck_assert_uint_eq(st.closed, 20);
    ck_assert_uint_eq(st.accepted, st.active + st.closed);

    /* an upstream nobody listens on */
    char err[200];
    int closed_port;
    {
        pt_upstream_t *tmp = pt_upstream_start();
        closed_port = pt_upstream_port(tmp);
        pt_upstream_stop(tmp);
    }
    char upaddr[64], addr[64];
    snprintf(upaddr, sizeof(upaddr), "127.0.0.1:%d", closed_port);
    ck_assert_int_eq(sl_proxy_create(srv, "dead", NULL, upaddr, 1, err, sizeof(err)), SL_OK);
    sl_proxy_listen_address(srv, "dead", addr, sizeof(addr));
    for (int i = 0; i < 5; i++) {
        int fd = pt_connect(pt_port_of(addr));
        char c;
        ck_assert(pt_readable(fd, 2000));
        ck_assert_int_le(recv(fd, &c, 1, 0), 0);
        close(fd);
    }
    sl_proxy_get_stats(srv, "dead", &st);
    ck_assert_uint_eq(st.accepted, 5);
    ck_assert_uint_eq(st.upstream_failed, 5);
    ck_assert_uint_eq(st.closed, 5);
    ck_assert_uint_eq(st.active, 0);
    for (int i = 20; i < 60; i++)
        close(fds[i]);
    st = wait_active(0);
    ck_assert_uint_eq(st.closed, 60);
}
END_TEST

START_TEST(setters_validate_their_arguments) {
    /* given bad arguments, then the setters refuse them and change nothing */
    sl_proxy_toxic_opts_t o = SL_PROXY_TOXIC_OPTS_INIT;
    ck_assert_int_eq(sl_proxy_set_latency(srv, "nope", &o, 1, 0), SL_E_INVAL);
    ck_assert_int_eq(sl_proxy_set_latency(srv, "p", &o, -1, 0), SL_E_INVAL);
    o.toxicity = 1.5;
    ck_assert_int_eq(sl_proxy_set_latency(srv, "p", &o, 1, 0), SL_E_INVAL);
    o.toxicity = 1;
    ck_assert_int_eq(sl_proxy_set_slicer(srv, "p", &o, 10, 10, 0), SL_E_INVAL);
    ck_assert_int_eq(sl_proxy_set_loss(srv, "p", &o, 2.0, 10), SL_E_INVAL);
    ck_assert_int_eq(sl_proxy_toxic_remove(srv, "p", "nope"), SL_E_INVAL);
    o.name = "x";
    ck_assert_int_eq(sl_proxy_set_latency(srv, "p", &o, 10, 0), SL_OK);
    ck_assert_int_eq(sl_proxy_set_latency(srv, "p", &o, 20, 0), SL_OK);   /* update */
    ck_assert_int_eq(sl_proxy_set_cut(srv, "p", &o), SL_E_INVAL);         /* other type */
    char err[200];
    ck_assert_int_eq(sl_proxy_create(srv, "p", NULL, "127.0.0.1:1", 1, err, sizeof(err)),
                     SL_E_STATE);
    ck_assert_int_eq(sl_proxy_create(srv, "q", NULL, "no-port", 1, err, sizeof(err)), SL_E_INVAL);
    ck_assert_int_eq(sl_proxy_delete(srv, "nope"), SL_E_INVAL);
}
END_TEST

typedef struct {
    int idx;
    int fails;
} hammer_t;

static void *hammer(void *arg) {
    hammer_t *h = arg;
    char name[32];
    snprintf(name, sizeof(name), "t%d", h->idx);
    sl_proxy_toxic_opts_t o = opts(name, h->idx % 2 ? SL_PROXY_UPSTREAM : SL_PROXY_DOWNSTREAM);
    for (int i = 0; i < 300; i++) {
        sl_proxy_stats_t st;
        h->fails += sl_proxy_set_latency(srv, "p", &o, i % 3, 0) != SL_OK;
        h->fails += sl_proxy_get_stats(srv, "p", &st) != SL_OK;
        h->fails += sl_proxy_toxic_remove(srv, "p", name) != SL_OK;
    }
    return NULL;
}

START_TEST(setters_from_many_threads_run_one_at_a_time_on_the_loop) {
    /* given traffic on a link, when 4 threads add, read and remove toxics
     * 300 times each, then every call succeeds and the bytes still pass
     * unchanged */
    pthread_t th[4];
    hammer_t h[4];
    for (int i = 0; i < 4; i++) {
        h[i].idx = i;
        h[i].fails = 0;
        pthread_create(&th[i], NULL, hammer, &h[i]);
    }
    size_t n = 4u << 20;
    unsigned char *out = malloc(n), *in = malloc(n);
    pt_fill(out, n, 77);
    int fd = pt_connect(port);
    size_t got = pt_exchange(fd, out, n, in, n, 20000, NULL, NULL);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ck_assert_msg(h[i].fails == 0, "thread %d: %d calls failed", i, h[i].fails);
    }
    ck_assert_uint_eq(got, n);
    ck_assert(memcmp(out, in, n) == 0);
    close(fd);
    free(out);
    free(in);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("proxy_faults");
    struct {
        const char *name;
        const TTest *tests[9];
    } groups[] = {
        {"bytes pass unchanged",
         {bytes_pass_unchanged_both_ways, bytes_pass_unchanged_through_a_chain_of_toxics,
          half_close_passes_through_both_ways}},
        {"latency and seeded jitter",
         {latency_adds_100ms_per_direction, same_seed_gives_the_same_jitter_sequence,
          toxicity_draws_per_link_come_from_the_seed}},
        {"cut", {cut_passes_no_byte_and_traffic_resumes_after,
                 cut_of_one_direction_holds_only_that_direction}},
        {"healed cut",
         {retransmission_times_follow_tcps_doubling_rto,
          a_healed_cut_releases_at_the_next_retransmission_in_order,
          a_link_opened_during_a_cut_connects_at_the_handshakes_retransmission,
          a_cut_with_rto_0_releases_at_once, a_healed_cut_passes_the_eof_behind_its_bytes,
          a_link_reset_while_its_cut_drains_is_freed,
          a_cut_added_again_while_draining_holds_what_drains,
          reset_all_releases_draining_and_held_bytes_at_once,
          a_server_destroyed_while_a_cut_drains_frees_it}},
        {"bandwidth", {bandwidth_stays_within_10_percent_of_the_limit}},
        {"closing toxics",
         {timeout_drops_data_and_closes_after_timeout, timeout_zero_drops_data_until_removed,
          reset_peer_resets_the_link_after_its_timeout,
          limit_data_passes_exactly_its_bytes_then_closes, slow_close_delays_the_close,
          refuse_closes_existing_and_new_links,
          disabled_proxy_refuses_connections_and_reenables_on_its_port,
          reset_connections_sends_rst_to_every_client}},
        {"reshaping toxics",
         {slicer_cuts_data_into_delayed_slices, loss_stalls_chunks_like_tcp_retransmissions}},
        {"per-client links", {a_toxic_with_a_client_address_hits_only_that_client}},
        {"accounting and arguments",
         {every_connection_is_accounted_for, setters_validate_their_arguments,
          setters_from_many_threads_run_one_at_a_time_on_the_loop}},
    };
    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        TCase *tc = tcase_create(groups[g].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 30);
        for (int i = 0; i < (int)(sizeof groups[g].tests / sizeof groups[g].tests[0]) && groups[g].tests[i]; i++)
            tcase_add_test(tc, groups[g].tests[i]);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void) {
    return t_run_suite(suite());
}
