/*
 * bench_proxy: the client and server halves of the fault proxy benchmark
 * (run by tests/bench/bench_proxy.sh, which compares direct loopback, the
 * stormlab proxy and haproxy side by side).  Loopback only.
 *
 *   bench_proxy echo PORT              echo server on 127.0.0.1:PORT (epoll)
 *   bench_proxy rtt  PORT N [SIZE]     N ping-pongs of SIZE bytes (default 64):
 *                                      prints p50/p90/p99/max round trip, us
 *   bench_proxy hold PORT N SECONDS    opens N connections, pings each, holds
 *                                      them SECONDS, pings each again
 *   bench_proxy relay PORT UPSTREAM    the least a proxy can be: one epoll loop
 *                                      copying bytes between each accepted
 *                                      connection and its own to UPSTREAM, no
 *                                      inspection, no timers.  What it adds to
 *                                      a round trip is the floor for any
 *                                      proxy on the machine: two more wakeups.
 *
 * Not a test: it prints figures, it judges nothing.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int connect_port(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static int read_full(int fd, char *buf, size_t n, int timeout_ms) {
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0)
            return -1;
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* ---- echo ---- */

static int listen_port(int port) {
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4096) < 0)
        return -1;
    return lfd;
}

static int echo(int port) {
    int lfd = listen_port(port), one = 1;
    if (lfd < 0) {
        perror("bench_proxy echo: bind");
        return 1;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    static char buf[1 << 16];
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) {
                int c;
                while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            ssize_t r = recv(fd, buf, sizeof(buf), 0);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN)
                    continue;
                close(fd);
                continue;
            }
            /* Echo it all back; the payloads here are small, so a short
             * write is rare and simply waited out. */
            for (ssize_t off = 0; off < r;) {
                ssize_t w = send(fd, buf + off, (size_t)(r - off), MSG_NOSIGNAL);
                if (w > 0) {
                    off += w;
                } else if (w < 0 && errno == EAGAIN) {
                    struct pollfd p = {fd, POLLOUT, 0};
                    poll(&p, 1, 1000);
                } else {
                    close(fd);
                    break;
                }
            }
        }
    }
}

/* ---- rtt ---- */

static int cmp64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int rtt(int port, int n, int size) {
    int fd = connect_port(port);
    if (fd < 0) {
        perror("bench_proxy rtt: connect");
        return 1;
    }
    char *out = malloc((size_t)size), *in = malloc((size_t)size);
    memset(out, 'x', (size_t)size);
    int64_t *v = malloc(sizeof(*v) * (size_t)n);
    for (int i = -1000; i < n; i++) {   /* 1000 warm-up round trips */
        int64_t t0 = now_us();
        if (send(fd, out, (size_t)size, 0) != size || read_full(fd, in, (size_t)size, 5000) < 0) {
            fprintf(stderr, "bench_proxy rtt: round trip %d failed\n", i);
            return 1;
        }
        if (i >= 0)
            v[i] = now_us() - t0;
    }
    qsort(v, (size_t)n, sizeof(*v), cmp64);
    printf("p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%lld n=%d size=%d\n",
           (double)v[n / 2], (double)v[n * 90 / 100], (double)v[n * 99 / 100],
           (long long)v[n - 1], n, size);
    close(fd);
    return 0;
}

/* ---- hold ---- */

static int ping_all(int *fds, int n) {
    char c = 'p';
    int ok = 0;
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0 && send(fds[i], &c, 1, MSG_NOSIGNAL) != 1) {
            close(fds[i]);
            fds[i] = -1;
        }
    for (int i = 0; i < n; i++) {
        if (fds[i] < 0)
            continue;
        if (read_full(fds[i], &c, 1, 5000) == 0)
            ok++;
        else {
            close(fds[i]);
            fds[i] = -1;
        }
    }
    return ok;
}

static int hold(int port, int n, int seconds) {
    int *fds = malloc(sizeof(int) * (size_t)n);
    int opened = 0;
    int64_t t0 = now_us();
    for (int i = 0; i < n; i++) {
        fds[i] = connect_port(port);
        opened += fds[i] >= 0;
    }
    int64_t t1 = now_us();
    int first = ping_all(fds, n);
    int64_t t2 = now_us();
    sleep((unsigned)seconds);
    int second = ping_all(fds, n);
    printf("opened=%d open_ms=%.1f answered=%d ping_all_ms=%.1f answered_after_%ds=%d\n",
           opened, (t1 - t0) / 1000.0, first, (t2 - t1) / 1000.0, seconds, second);
    fflush(stdout);
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return second == n ? 0 : 1;
}


static int relay(int port, int upstream) {
    enum { MAX_FD = 1 << 16 };
    static int peer[MAX_FD];
    static char buf[1 << 16];
    int lfd = listen_port(port), ep = epoll_create1(0), one = 1;
    if (lfd < 0 || ep < 0) {
        perror("bench_proxy relay: bind");
        return 1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd}, evs[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1), accepting = 0;
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) { /* after the batch: a number closed in it is not reused while it lasts */
                accepting = 1;
                continue;
            }
            /* blocking sockets, level-triggered: one read per wakeup, written
             * out whole (the other side's buffer is ample for a benchmark) */
            if (peer[fd] < 0)
                continue; /* its pair closed earlier in this batch */
            ssize_t r = recv(fd, buf, sizeof(buf), 0);
            if (r <= 0) {
                close(peer[fd]);
                close(fd);
                peer[peer[fd]] = -1, peer[fd] = -1;
                continue;
            }
            for (ssize_t off = 0; off < r;) {
                ssize_t w = send(peer[fd], buf + off, (size_t)(r - off), MSG_NOSIGNAL);
                if (w <= 0)
                    break;
                off += w;
            }
        }
        for (int c; accepting && (c = accept4(lfd, NULL, NULL, 0)) >= 0;) {
            int u = connect_port(upstream);
            if (u < 0 || c >= MAX_FD || u >= MAX_FD) {
                close(c);
                if (u >= 0)
                    close(u);
                continue;
            }
            setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            peer[c] = u, peer[u] = c;
            struct epoll_event ce = {.events = EPOLLIN, .data.fd = c}, ue = {.events = EPOLLIN, .data.fd = u};
            epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
            epoll_ctl(ep, EPOLL_CTL_ADD, u, &ue);
        }
    }
}

int main(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "echo"))
        return echo(atoi(argv[2]));
    if (argc >= 4 && !strcmp(argv[1], "rtt"))
        return rtt(atoi(argv[2]), atoi(argv[3]), argc >= 5 ? atoi(argv[4]) : 64);
    if (argc >= 5 && !strcmp(argv[1], "hold"))
        return hold(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
    if (argc >= 4 && !strcmp(argv[1], "relay"))
        return relay(atoi(argv[2]), atoi(argv[3]));
    fprintf(stderr,
            "usage: bench_proxy echo PORT | rtt PORT N [SIZE] | hold PORT N SECONDS | relay PORT UPSTREAM\n");
    return 2;
}
