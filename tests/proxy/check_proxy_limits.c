/*
 * The control API under hostile clients: what one client (or many) can
 * make the proxy hold is bounded.  Open connections stop at
 * SLP_HTTP_MAX_CONNS (the next ones wait in the kernel's backlog and are
 * served when a slot frees), headers and bodies are capped, requests beyond
 * SLP_HTTP_RATE a second get 429, closing every connection gives every
 * file descriptor back, and proxies and toxics stop at SLP_MAX_PROXIES and
 * SLP_MAX_TOXICS.  Real HTTP over loopback, as check_proxy_api.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy-internal.h"
#include "ptest.h"
#include "../check_main.h"

static sl_proxy_server_t *srv;
static int cport;

static void setup(void) {
    char err[256], bound[64];
    ck_assert_int_eq(sl_proxy_server_new(5, &srv, err, sizeof(err)), SL_OK);
    ck_assert_int_eq(sl_proxy_server_start(srv, err, sizeof(err)), SL_OK);
    ck_assert_int_eq(sl_proxy_control_listen(srv, "127.0.0.1:0", bound, sizeof(bound), err,
                                             sizeof(err)),
                     SL_OK);
    cport = pt_port_of(bound);
}

static void teardown(void) {
    sl_proxy_server_destroy(srv);
}

static int open_fds(void) {
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static void send_all(int fd, const char *s, size_t n) {
    for (size_t off = 0; off < n;) {
        ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);
        ck_assert_msg(w > 0, "send failed after %zu of %zu bytes", off, n);
        off += (size_t)w;
    }
}

static const char get_version[] = "GET /version HTTP/1.1\r\nHost: localhost\r\n\r\n";

/* The status of the first answer on fd, -1 if none within timeout_ms. */
static int status_within(int fd, int timeout_ms) {
    char buf[512];
    size_t n = pt_read_n(fd, buf, 12, timeout_ms);
    buf[n] = 0;
    int st = -1;
    if (n < 12 || sscanf(buf, "HTTP/1.%*d %d", &st) != 1)
        return -1;
    return st;
}

START_TEST(connections_beyond_the_cap_wait_until_a_slot_frees) {
    /* given SLP_HTTP_MAX_CONNS idle connections to the control API
     * when one more client connects and asks GET /version
     * then it gets no answer while the others stay open, and 200 once one
     *  of them closes; and when every connection closes, every file
     *  descriptor the proxy opened for them is closed again */
    int base = open_fds();
    int idle[SLP_HTTP_MAX_CONNS];
    for (int i = 0; i < SLP_HTTP_MAX_CONNS; i++) {
        char peer[32];   /* spread over peers: each stays under its own cap */
        snprintf(peer, sizeof(peer), "127.0.0.%d", 10 + i % 8);
        idle[i] = pt_connect_from(peer, cport);
        ck_assert_msg(idle[i] >= 0, "connection %d refused", i);
    }
    /* the first ones are surely accepted: one answers */
    send_all(idle[0], get_version, strlen(get_version));
    ck_assert_int_eq(status_within(idle[0], 3000), 200);
    pt_sleep_ms(200);
    int extra = pt_connect(cport);   /* the kernel completes it: backlog */
    ck_assert_int_ge(extra, 0);
    send_all(extra, get_version, strlen(get_version));
    int st = status_within(extra, 500);
    ck_assert_msg(st == -1, "connection %d got %d, expected no answer at the cap",
                  SLP_HTTP_MAX_CONNS + 1, st);
    close(idle[SLP_HTTP_MAX_CONNS - 1]);
    idle[SLP_HTTP_MAX_CONNS - 1] = -1;
    st = status_within(extra, 3000);
    ck_assert_msg(st == 200, "after a slot freed: expected 200, got %d", st);
    for (int i = 0; i < SLP_HTTP_MAX_CONNS; i++)
        if (idle[i] >= 0)
            close(idle[i]);
    close(extra);
    int now = -1;
    for (int i = 0; i < 50; i++) {   /* the sweep runs every 100 ms */
        pt_sleep_ms(50);
        if ((now = open_fds()) <= base)
            break;
    }
    ck_assert_msg(now <= base, "%d fds open before, %d after every client closed", base, now);
    /* and the API still answers */
    int fd = pt_connect(cport);
    send_all(fd, get_version, strlen(get_version));
    ck_assert_int_eq(status_within(fd, 3000), 200);
    close(fd);
}
END_TEST

START_TEST(oversized_headers_are_refused_and_the_api_goes_on) {
    /* given a request whose headers exceed 16 KiB
     * when it is sent
     * then it gets no 2xx answer (evhttp refuses it) and the next request
     *  gets 200 */
    size_t n = 64 * 1024;
    char *big = malloc(n + 256);
    int o = snprintf(big, 256, "GET /version HTTP/1.1\r\nHost: localhost\r\nX-Junk: ");
    memset(big + o, 'a', n);
    memcpy(big + o + n, "\r\n\r\n", 4);
    int fd = pt_connect(cport);
    ck_assert_int_ge(fd, 0);
    /* the proxy may close before reading it all: ignore send errors */
    for (size_t off = 0; off < (size_t)o + n + 4;) {
        ssize_t w = send(fd, big + off, (size_t)o + n + 4 - off, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int st = status_within(fd, 3000);
    ck_assert_msg(st == -1 || st >= 400, "oversized headers got %d", st);
    close(fd);
    free(big);
    char *body;
    ck_assert_int_eq(pt_http(cport, "GET", "/version", NULL, "", &body), 200);
    free(body);
}
END_TEST

START_TEST(a_request_flood_gets_429_then_the_api_recovers) {
    /* given one connection
     * when 3 x SLP_HTTP_RATE requests are pipelined on it at once
     * then at least SLP_HTTP_RATE (the burst) are answered 200, the rest
     *  429 with a JSON error, and a request a moment later gets 200 */
    int fd = pt_connect(cport);
    ck_assert_int_ge(fd, 0);
    int total = 3 * SLP_HTTP_RATE;
    /* the last one asks to close, so the reading below ends at EOF */
    static const char last[] = "GET /version HTTP/1.1\r\nConnection: close\r\n\r\n";
    size_t one = strlen(get_version), len = one * (size_t)(total - 1) + strlen(last);
    char *reqs = malloc(len);
    for (int i = 0; i < total - 1; i++)
        memcpy(reqs + one * (size_t)i, get_version, one);
    memcpy(reqs + one * (size_t)(total - 1), last, strlen(last));
    /* read while writing: the answers must not fill the socket first */
    size_t cap = (size_t)total * 512, got = 0;
    char *resp = malloc(cap + 1);
    size_t r = pt_exchange(fd, reqs, len, resp, cap, 10000, NULL, NULL);
    got = r;
    resp[got] = 0;
    int ok = 0, limited = 0;
    for (char *p = resp; (p = strstr(p, "HTTP/1.1 ")); p += 9) {
        int st = atoi(p + 9);
        if (st == 200)
            ok++;
        else if (st == 429)
            limited++;
        else
            ck_abort_msg("unexpected status %d in the flood", st);
        if (ok + limited == total)
            break;
    }
    ck_assert_msg(ok + limited == total, "%d answers, expected %d", ok + limited, total);
    ck_assert_msg(ok >= SLP_HTTP_RATE, "%d answered 200, expected at least the burst %d", ok,
                  SLP_HTTP_RATE);
    ck_assert_msg(limited > 0, "no 429 among %d pipelined requests", total);
    ck_assert_ptr_nonnull(strstr(resp, "{\"error\":\"too many requests\",\"status\":429}"));
    close(fd);
    free(reqs);
    free(resp);
    pt_sleep_ms(100);   /* 100 tokens back */
    char *body;
    ck_assert_int_eq(pt_http(cport, "GET", "/version", NULL, "", &body), 200);
    free(body);
}
END_TEST

START_TEST(proxies_and_toxics_stop_at_their_caps) {
    /* given a server holding SLP_MAX_PROXIES proxies (down, so no socket
     *  each) with SLP_MAX_TOXICS toxics over them
     * when one more proxy or toxic is asked for, through the C API or HTTP
     * then SL_E_LIMIT / 507 with a message naming the cap, and once one is
     *  deleted, the next create succeeds */
    char err[256];
    sl_proxy_server_t *s;
    ck_assert_int_eq(sl_proxy_server_new(1, &s, err, sizeof(err)), SL_OK);
    /* no loop runs: the internal calls run inline, as on the loop thread */
    slp_toxic_spec_t spec;
    memset(&spec, 0, sizeof(spec));
    spec.type = SLP_TX_CUT;
    spec.toxicity = 1;
    const int per = SLP_MAX_TOXICS / SLP_MAX_PROXIES;
    for (int i = 0; i < SLP_MAX_PROXIES; i++) {
        char name[32];
        slp_proxy_t *p;
        snprintf(name, sizeof(name), "p%d", i);
        ck_assert_int_eq(slp_proxy_create(s, name, NULL, "127.0.0.1:9", 0, &p, err, sizeof(err)),
                         201);
        for (int k = 0; k < per; k++) {
            snprintf(spec.name, sizeof(spec.name), "t%d", k);
            ck_assert_int_eq(slp_toxic_add(p, &spec, NULL, err, sizeof(err)), 200);
        }
    }
    ck_assert_int_eq(sl_proxy_create(s, "one-more", NULL, "127.0.0.1:9", 0, err, sizeof(err)),
                     SL_E_LIMIT);
    ck_assert_msg(strstr(err, "too many proxies (at most 10000)"), "message: %s", err);
    sl_proxy_toxic_opts_t o = SL_PROXY_TOXIC_OPTS_INIT;
    o.name = "one-more";
    ck_assert_int_eq(sl_proxy_set_cut(s, "p0", &o), SL_E_LIMIT);
    ck_assert_int_eq(sl_proxy_delete(s, "p1"), SL_OK);
    ck_assert_int_eq(sl_proxy_create(s, "one-more", NULL, "127.0.0.1:9", 0, err, sizeof(err)),
                     SL_OK);
    ck_assert_int_eq(sl_proxy_set_cut(s, "p0", &o), SL_OK);   /* p1's toxics went with it */
    sl_proxy_server_destroy(s);
    /* and through HTTP, on the fixture's server: 507 */
    for (int i = 0; i < SLP_MAX_PROXIES; i++) {
        char name[32];
        snprintf(name, sizeof(name), "h%d", i);
        ck_assert_int_eq(sl_proxy_create(srv, name, NULL, "127.0.0.1:9", 0, err, sizeof(err)),
                         SL_OK);
    }
    char *body;
    ck_assert_int_eq(pt_http(cport, "POST", "/proxies",
                             "{\"name\":\"x\",\"upstream\":\"127.0.0.1:9\",\"enabled\":false}", "",
                             &body),
                     507);
    ck_assert_ptr_nonnull(strstr(body, "\"too many proxies (at most 10000)\""));
    free(body);
}
END_TEST

/* n slow-loris clients, from peers 127.0.0.first.. (per_peer each), each
 * sending the start of a request; trickle() sends each one more byte. */
static void loris_open(int *fds, int n, int first, int per_peer) {
    static const char start[] = "GET /version HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
    for (int i = 0; i < n; i++) {
        char peer[32];
        snprintf(peer, sizeof(peer), "127.0.0.%d", first + i / per_peer);
        fds[i] = pt_connect_from(peer, cport);
        ck_assert_msg(fds[i] >= 0, "slow client %d could not connect", i);
        send(fds[i], start, strlen(start), MSG_NOSIGNAL);
    }
}

static void trickle(int *fds, int n) {
    for (int i = 0; i < n; i++)
        send(fds[i], "a", 1, MSG_NOSIGNAL);
}

/* GET /version from 127.0.0.1 while the slow clients trickle a byte every
 * 100 ms: the time to its 200, in ms, or -1 if none within limit_ms. */
static int64_t version_ms_under_loris(int *fds, int n, int limit_ms) {
    int64_t t0 = pt_now_us();
    int fd = pt_connect(cport);
    ck_assert_int_ge(fd, 0);
    send_all(fd, get_version, strlen(get_version));
    int st = -1;
    while (st != 200 && pt_now_us() - t0 < (int64_t)limit_ms * 1000) {
        trickle(fds, n);
        st = status_within(fd, 100);
    }
    close(fd);
    return st == 200 ? (pt_now_us() - t0) / 1000 : -1;
}

START_TEST(slow_loris_from_one_peer_cannot_take_the_api) {
    /* given SLP_HTTP_MAX_CONNS slow-loris clients from one address, each
     * trickling a header byte every 100 ms
     * when another client asks GET /version
     * then it is answered within 1 s: one peer holds at most
     *  SLP_HTTP_MAX_CONNS_PER_PEER connections */
    int fds[SLP_HTTP_MAX_CONNS];
    loris_open(fds, SLP_HTTP_MAX_CONNS, 20, SLP_HTTP_MAX_CONNS);
    pt_sleep_ms(300);
    int64_t ms = version_ms_under_loris(fds, SLP_HTTP_MAX_CONNS, 3000);
    ck_assert_msg(ms >= 0 && ms < 1000, "expected GET /version answered within 1000 ms, took %lld",
                  (long long)ms);
    for (int i = 0; i < SLP_HTTP_MAX_CONNS; i++)
        close(fds[i]);
}
END_TEST

START_TEST(slow_loris_from_many_peers_is_cut_at_the_request_deadline) {
    /* given SLP_HTTP_MAX_CONNS slow-loris clients from 8 addresses (under
     * the per-peer cap), every slot taken, each trickling a header byte
     * every 100 ms (an idle timer would never fire)
     * when another client asks GET /version
     * then it is answered within SLP_HTTP_REQUEST_MS + 1 s, and the slow
     *  clients have been cut by then (EOF, no answer) */
    int fds[SLP_HTTP_MAX_CONNS];
    loris_open(fds, SLP_HTTP_MAX_CONNS, 30, SLP_HTTP_MAX_CONNS / 8);
    pt_sleep_ms(300);
    int64_t ms = version_ms_under_loris(fds, SLP_HTTP_MAX_CONNS, SLP_HTTP_REQUEST_MS + 3000);
    ck_assert_msg(ms >= 0 && ms < SLP_HTTP_REQUEST_MS + 1000,
                  "expected GET /version answered within %d ms, took %lld",
                  SLP_HTTP_REQUEST_MS + 1000, (long long)ms);
    char buf[64];
    ssize_t r = recv(fds[0], buf, sizeof(buf), MSG_DONTWAIT);
    ck_assert_msg(r == 0 || (r < 0 && errno != EAGAIN),
                  "expected the first slow client cut (EOF), recv gave %zd", r);
    for (int i = 0; i < SLP_HTTP_MAX_CONNS; i++)
        close(fds[i]);
}
END_TEST

START_TEST(a_reset_of_many_disabled_proxies_leaves_the_api_answering) {
    /* given 3,000 disabled proxies (each needs a bind when enabled)
     * when POST /reset is sent, and GET /version right after on another
     *  connection
     * then /version is answered before the reset's 204 (the proxies are
     *  enabled a batch a loop turn, not all in one), and once the 204
     *  comes, every proxy is enabled */
    char err[256];
    for (int i = 0; i < 3000; i++) {
        char name[32];
        snprintf(name, sizeof(name), "r%d", i);
        ck_assert_int_eq(sl_proxy_create(srv, name, "127.0.0.1:0", "127.0.0.1:9", 0, err,
                                         sizeof(err)),
                         SL_OK);
    }
    static const char reset[] = "POST /reset HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n";
    int fr = pt_connect(cport), fv = pt_connect(cport);
    ck_assert_int_ge(fr, 0);
    ck_assert_int_ge(fv, 0);
    int64_t t0 = pt_now_us();
    send_all(fr, reset, strlen(reset));
    pt_sleep_ms(5);
    send_all(fv, get_version, strlen(get_version));
    int v = status_within(fv, 20000);
    int64_t v_ms = (pt_now_us() - t0) / 1000;
    ck_assert_int_eq(v, 200);
    ck_assert_msg(!pt_readable(fr, 0), "the reset answered before GET /version (%lld ms)",
                  (long long)v_ms);
    int r = status_within(fr, 60000);
    int64_t r_ms = (pt_now_us() - t0) / 1000;
    ck_assert_msg(r == 204, "POST /reset: expected 204, got %d", r);
    fprintf(stderr, "GET /version after %lld ms, POST /reset's 204 after %lld ms\n",
            (long long)v_ms, (long long)r_ms);
    char *body;
    ck_assert_int_eq(pt_http(cport, "GET", "/proxies", NULL, "", &body), 200);
    ck_assert_msg(strstr(body, "\"enabled\":false") == NULL, "a proxy still disabled after the 204");
    free(body);
    close(fr);
    close(fv);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("proxy_limits");
    TCase *tc = tcase_create("hostile clients");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, connections_beyond_the_cap_wait_until_a_slot_frees);
    tcase_add_test(tc, oversized_headers_are_refused_and_the_api_goes_on);
    tcase_add_test(tc, a_request_flood_gets_429_then_the_api_recovers);
    tcase_add_test(tc, proxies_and_toxics_stop_at_their_caps);
    tcase_add_test(tc, slow_loris_from_one_peer_cannot_take_the_api);
    tcase_add_test(tc, slow_loris_from_many_peers_is_cut_at_the_request_deadline);
    tcase_add_test(tc, a_reset_of_many_disabled_proxies_leaves_the_api_answering);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return t_run_suite(suite());
}
