/*
 * The proxy's memory under clients that make it hold many small chunks:
 * every held chunk is counted as its payload plus SLP_CHUNK_OVERHEAD, a
 * direction stops reading at SLP_DIR_HIGH_BYTES of that, and the whole
 * server at its mem_cap (docs/proxy.md, "Flow control").  The oracle is the
 * kernel's count of the process's resident memory (/proc/self/status), not
 * the proxy's own books.
 *
 * The attack (docs/reliability.md): a slicer of average_size 1, alone with
 * a huge delay or in front of a long latency, fed by several connections
 * as fast as they can send.  Before per-chunk accounting one 256 KiB read
 * became 262,144 one-byte chunks of ~1.3 KB each: 4 connections took the
 * proxy to 4.5 GB.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy-internal.h"
#include "ptest.h"
#include "../check_main.h"

#define CONNS 8
#define MANY_CONNS 64
#define FEED_MS 1500
/* What CONNS links may add to the resident set: per direction 1 MiB of
 * budget plus one read in flight (256 KiB) and the real cost's slack over
 * SLP_CHUNK_OVERHEAD, with libevent's and the allocator's own. */
#define RSS_BOUND_MIB 48

static pt_upstream_t *up;
static sl_proxy_server_t *srv;
static int port;

static void setup(void) {
    up = pt_upstream_start();
    srv = pt_proxy_new(3, pt_upstream_port(up), &port);
}

static void teardown(void) {
    sl_proxy_server_destroy(srv);
    pt_upstream_stop(up);
}

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    ck_assert_ptr_nonnull(f);
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    ck_assert_int_gt(kib, 0);
    return kib;
}

/* n clients send as fast as the proxy takes bytes, for FEED_MS; returns
 * the bytes they got into their sockets.  The fds stay open. */
static size_t feed_n(int n, int *fds, int ms) {
    static char buf[64 << 10];
    pt_fill(buf, sizeof(buf), 9);
    for (int i = 0; i < n; i++) {
        fds[i] = pt_connect(port);
        ck_assert_int_ge(fds[i], 0);
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
    }
    size_t sent = 0;
    int64_t end = pt_now_us() + (int64_t)ms * 1000;
    while (pt_now_us() < end) {
        struct pollfd p[MANY_CONNS];
        for (int i = 0; i < n; i++)
            p[i] = (struct pollfd){.fd = fds[i], .events = POLLOUT};
        if (poll(p, (nfds_t)n, 50) <= 0)
            continue;
        for (int i = 0; i < n; i++)
            if (p[i].revents & POLLOUT) {
                ssize_t w = send(fds[i], buf, sizeof(buf), MSG_NOSIGNAL);
                if (w > 0)
                    sent += (size_t)w;
            }
    }
    return sent;
}

static size_t feed(int fds[CONNS]) { return feed_n(CONNS, fds, FEED_MS); }

static void close_n(int n, int *fds) {
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

static void close_all(int fds[CONNS]) { close_n(CONNS, fds); }

static void assert_rss_bounded(long before_kib, size_t sent) {
    long grew = rss_kib() - before_kib;
    fprintf(stderr, "resident set grew by %ld KiB, clients sent %zu bytes\n", grew, sent);
    ck_assert_msg(grew < RSS_BOUND_MIB * 1024L,
                  "expected the resident set to grow by less than %d MiB, it grew by %ld KiB "
                  "(clients got %zu bytes into their sockets)",
                  RSS_BOUND_MIB, grew, sent);
    /* the bound is not met by reading nothing: the proxy took bytes */
    ck_assert_msg(sent > (size_t)CONNS << 20, "clients sent only %zu bytes", sent);
}

/* Upstream: a slicer of 1-byte slices with no delay, then a 10-minute
 * latency, so every byte read is held as its own chunk. */
static void one_byte_slices_behind_ten_minutes(void) {
    sl_proxy_toxic_opts_t o = SL_PROXY_TOXIC_OPTS_INIT;
    o.stream = SL_PROXY_UPSTREAM;
    ck_assert_int_eq(sl_proxy_set_slicer(srv, "p", &o, 1, 0, 0), SL_OK);
    ck_assert_int_eq(sl_proxy_set_latency(srv, "p", &o, 600000, 0), SL_OK);
}

START_TEST(one_byte_slices_behind_a_long_latency_stay_within_the_bound) {
    /* given a slicer of 1-byte slices with no delay, then a latency of 10
     * minutes, on the upstream stream
     * when 8 clients send as fast as they can for 1.5 s
     * then the process's resident memory grows by less than 48 MiB */
    one_byte_slices_behind_ten_minutes();
    long before = rss_kib();
    int fds[CONNS];
    size_t sent = feed(fds);
    assert_rss_bounded(before, sent);
    close_all(fds);
}
END_TEST

START_TEST(a_slicer_with_a_huge_delay_holds_reads_not_bytes) {
    /* given a slicer of 1-byte slices 1000 s apart, upstream
     * when 8 clients send as fast as they can for 1.5 s
     * then the process's resident memory grows by less than 48 MiB, and
     *  the upstream has received at most one byte per link */
    sl_proxy_toxic_opts_t o = SL_PROXY_TOXIC_OPTS_INIT;
    o.stream = SL_PROXY_UPSTREAM;
    ck_assert_int_eq(sl_proxy_set_slicer(srv, "p", &o, 1, 0, 1000000000LL), SL_OK);
    long before = rss_kib();
    int fds[CONNS];
    size_t sent = feed(fds);
    assert_rss_bounded(before, sent);
    ck_assert_msg(pt_upstream_bytes(up) <= CONNS, "expected at most %d bytes upstream, got %llu",
                  CONNS, (unsigned long long)pt_upstream_bytes(up));
    close_all(fds);
}
END_TEST

/* The server-wide cap, lowered so a test can reach it: 4 MiB where 64
 * directions may each hold 1 MiB (SLP_DIR_HIGH_BYTES) of their own. */
#define SMALL_CAP_MIB 4

static void setup_small_cap(void) {
    up = pt_upstream_start();
    char err[256], upa[64], addr[64];
    ck_assert_int_eq(sl_proxy_server_new(5, &srv, err, sizeof(err)), SL_OK);
    srv->mem_cap = (size_t)SMALL_CAP_MIB << 20; /* before the loop runs */
    ck_assert_int_eq(sl_proxy_server_start(srv, err, sizeof(err)), SL_OK);
    snprintf(upa, sizeof(upa), "127.0.0.1:%d", pt_upstream_port(up));
    ck_assert_int_eq(sl_proxy_create(srv, "p", "127.0.0.1:0", upa, 1, err, sizeof(err)), SL_OK);
    sl_proxy_listen_address(srv, "p", addr, sizeof(addr));
    port = pt_port_of(addr);
}

START_TEST(the_server_wide_cap_holds_when_every_direction_is_under_its_own) {
    /* given a server whose cap is 4 MiB, a slicer of 1-byte slices behind
     * a 10-minute latency upstream
     * when 64 clients send as fast as they can for 3 s (their own
     * budgets: 64 x 1 MiB, far over the cap)
     * then the resident set grows by less than the cap plus 20 MiB (reads
     *  in flight, libevent's and the allocator's own).  Measured on this
     *  machine: 12.4 MiB with the cap; 49.6 MiB with the cap at 1 GiB (the
     *  per-direction budgets alone), so the bound tells the two apart. */
    one_byte_slices_behind_ten_minutes();
    long before = rss_kib();
    int fds[MANY_CONNS];
    size_t sent = feed_n(MANY_CONNS, fds, 2 * FEED_MS);
    long grew = rss_kib() - before;
    long bound_kib = (SMALL_CAP_MIB + 20) * 1024L;
    fprintf(stderr, "cap %d MiB, %d clients: resident set grew by %ld KiB, clients sent %zu bytes\n",
            SMALL_CAP_MIB, MANY_CONNS, grew, sent);
    ck_assert_msg(grew < bound_kib, "expected the resident set to grow by less than %ld KiB, it grew by %ld KiB",
                  bound_kib, grew);
    /* the clients did push more than the cap: the cap, not a lull, held */
    ck_assert_msg(sent > (size_t)2 * SMALL_CAP_MIB << 20, "clients sent only %zu bytes", sent);
    close_n(MANY_CONNS, fds);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("proxy_memory");
    TCase *tc = tcase_create("small chunks");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, one_byte_slices_behind_a_long_latency_stay_within_the_bound);
    tcase_add_test(tc, a_slicer_with_a_huge_delay_holds_reads_not_bytes);
    suite_add_tcase(s, tc);
    TCase *cap = tcase_create("server cap");
    tcase_add_checked_fixture(cap, setup_small_cap, teardown);
    tcase_set_timeout(cap, 30);
    tcase_add_test(cap, the_server_wide_cap_holds_when_every_direction_is_under_its_own);
    suite_add_tcase(s, cap);
    return s;
}

int main(void) {
    return t_run_suite(suite());
}
