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

/* CONNS clients send as fast as the proxy takes bytes, for FEED_MS;
 * returns the bytes they got into their sockets.  The fds stay open. */
static size_t feed(int fds[CONNS]) {
    static char buf[64 << 10];
    pt_fill(buf, sizeof(buf), 9);
    for (int i = 0; i < CONNS; i++) {
        fds[i] = pt_connect(port);
        ck_assert_int_ge(fds[i], 0);
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
    }
    size_t sent = 0;
    int64_t end = pt_now_us() + FEED_MS * 1000;
    while (pt_now_us() < end) {
        struct pollfd p[CONNS];
        for (int i = 0; i < CONNS; i++)
            p[i] = (struct pollfd){.fd = fds[i], .events = POLLOUT};
        if (poll(p, CONNS, 50) <= 0)
            continue;
        for (int i = 0; i < CONNS; i++)
            if (p[i].revents & POLLOUT) {
                ssize_t w = send(fds[i], buf, sizeof(buf), MSG_NOSIGNAL);
                if (w > 0)
                    sent += (size_t)w;
            }
    }
    return sent;
}

static void close_all(int fds[CONNS]) {
    for (int i = 0; i < CONNS; i++)
        close(fds[i]);
}

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

START_TEST(one_byte_slices_behind_a_long_latency_stay_within_the_bound) {
    /* given a slicer of 1-byte slices with no delay, then a latency of 10
     * minutes, on the upstream stream
     * when 8 clients send as fast as they can for 1.5 s
     * then the process's resident memory grows by less than 48 MiB */
    sl_proxy_toxic_opts_t o = SL_PROXY_TOXIC_OPTS_INIT;
    o.stream = SL_PROXY_UPSTREAM;
    ck_assert_int_eq(sl_proxy_set_slicer(srv, "p", &o, 1, 0, 0), SL_OK);
    ck_assert_int_eq(sl_proxy_set_latency(srv, "p", &o, 600000, 0), SL_OK);
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

static Suite *suite(void) {
    Suite *s = suite_create("proxy_memory");
    TCase *tc = tcase_create("small chunks");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, one_byte_slices_behind_a_long_latency_stay_within_the_bound);
    tcase_add_test(tc, a_slicer_with_a_huge_delay_holds_reads_not_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return t_run_suite(suite());
}
