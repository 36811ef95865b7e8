#include "ptest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct pt_upstream_s {
    int lfd;
    int port;
    atomic_uint_fast64_t bytes;
    atomic_int stop;
    pthread_t thread;
};

typedef struct {
    pt_upstream_t *u;
    int fd;
} conn_arg_t;

static void *echo_conn(void *arg) {
    conn_arg_t *c = arg;
    char buf[65536];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
        if (n <= 0)
            break;
        atomic_fetch_add(&c->u->bytes, (uint64_t)n);
        for (ssize_t off = 0; off < n;) {
            ssize_t w = send(c->fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w <= 0)
                goto out;
            off += w;
        }
    }
out:
    close(c->fd);
    free(c);
    return NULL;
}

static void *accept_loop(void *arg) {
    pt_upstream_t *u = arg;
    while (!atomic_load(&u->stop)) {
        struct pollfd p = {u->lfd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(u->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        conn_arg_t *c = malloc(sizeof(*c));
        c->u = u;
        c->fd = fd;
        pthread_t t;
        if (pthread_create(&t, NULL, echo_conn, c) == 0)
            pthread_detach(t);
        else {
            close(fd);
            free(c);
        }
    }
    return NULL;
}

pt_upstream_t *pt_upstream_start(void) {
    pt_upstream_t *u = calloc(1, sizeof(*u));
    u->lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(u->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(u->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(u->lfd, 1024) < 0) {
        perror("pt_upstream_start");
        abort();
    }
    socklen_t len = sizeof(sa);
    getsockname(u->lfd, (struct sockaddr *)&sa, &len);
    u->port = ntohs(sa.sin_port);
    pthread_create(&u->thread, NULL, accept_loop, u);
    return u;
}

int pt_upstream_port(const pt_upstream_t *u) {
    return u->port;
}

uint64_t pt_upstream_bytes(const pt_upstream_t *u) {
    return atomic_load(&((pt_upstream_t *)u)->bytes);
}

void pt_upstream_stop(pt_upstream_t *u) {
    atomic_store(&u->stop, 1);
    pthread_join(u->thread, NULL);
    close(u->lfd);
    free(u);   /* connection threads end with their clients; they never touch u after */
}

int64_t pt_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void pt_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

int pt_port_of(const char *addr) {
    const char *c = strrchr(addr, ':');
    return c ? atoi(c + 1) : -1;
}

int pt_connect_from(const char *src_ip, int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (src_ip) {
        struct sockaddr_in src = {0};
        src.sin_family = AF_INET;
        inet_pton(AF_INET, src_ip, &src.sin_addr);
        if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
            close(fd);
            return -1;
        }
    }
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int pt_connect(int port) {
    return pt_connect_from(NULL, port);
}

int pt_readable(int fd, int timeout_ms) {
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, timeout_ms) > 0;
}

size_t pt_read_n(int fd, void *buf, size_t n, int timeout_ms) {
    int64_t deadline = pt_now_us() + (int64_t)timeout_ms * 1000;
    size_t got = 0;
    while (got < n) {
        int64_t left = (deadline - pt_now_us()) / 1000;
        if (left <= 0 || !pt_readable(fd, (int)left))
            break;
        ssize_t r = recv(fd, (char *)buf + got, n - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

size_t pt_exchange(int fd, const void *out, size_t n, void *in, size_t m, int timeout_ms,
                   int64_t *first_us, int64_t *last_us) {
    int64_t deadline = pt_now_us() + (int64_t)timeout_ms * 1000;
    size_t sent = 0, got = 0;
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    while (got < m) {
        int64_t left = (deadline - pt_now_us()) / 1000;
        if (left <= 0)
            break;
        struct pollfd p = {fd, (short)(POLLIN | (sent < n ? POLLOUT : 0)), 0};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        if ((p.revents & POLLOUT) && sent < n) {
            size_t chunk = n - sent > 65536 ? 65536 : n - sent;
            ssize_t w = send(fd, (const char *)out + sent, chunk, MSG_NOSIGNAL);
            if (w > 0)
                sent += (size_t)w;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(fd, (char *)in + got, m - got, 0);
            if (r > 0) {
                int64_t now = pt_now_us();
                if (got == 0 && first_us)
                    *first_us = now;
                got += (size_t)r;
                if (last_us)
                    *last_us = now;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                break;
            }
        }
    }
    fcntl(fd, F_SETFL, fl);
    return got;
}

int64_t pt_ping(int fd, int timeout_ms) {
    char c = 'x', r;
    int64_t t0 = pt_now_us();
    if (send(fd, &c, 1, MSG_NOSIGNAL) != 1)
        return -1;
    if (pt_read_n(fd, &r, 1, timeout_ms) != 1)
        return -1;
    return pt_now_us() - t0;
}

sl_proxy_server_t *pt_proxy_new(uint64_t seed, int upstream_port, int *port_out) {
    sl_proxy_server_t *srv;
    char err[256], up[64], addr[64];
    if (sl_proxy_server_new(seed, &srv, err, sizeof(err)) != SL_OK ||
        sl_proxy_server_start(srv, err, sizeof(err)) != SL_OK) {
        fprintf(stderr, "pt_proxy_new: %s\n", err);
        abort();
    }
    snprintf(up, sizeof(up), "127.0.0.1:%d", upstream_port);
    if (sl_proxy_create(srv, "p", "127.0.0.1:0", up, 1, err, sizeof(err)) != SL_OK) {
        fprintf(stderr, "pt_proxy_new: %s\n", err);
        abort();
    }
    sl_proxy_listen_address(srv, "p", addr, sizeof(addr));
    *port_out = pt_port_of(addr);
    return srv;
}

int pt_http(int port, const char *method, const char *path, const char *body,
            const char *extra_headers, char **body_out) {
    if (body_out)
        *body_out = NULL;
    int fd = pt_connect(port);
    if (fd < 0)
        return -1;
    size_t blen = body ? strlen(body) : 0;
    size_t cap = 512 + strlen(path) + blen + (extra_headers ? strlen(extra_headers) : 0);
    char *req = malloc(cap);
    const char *ua = extra_headers && strstr(extra_headers, "User-Agent:")
                         ? ""
                         : "User-Agent: stormlab-test\r\n";
    const char *host = extra_headers && strstr(extra_headers, "Host:") ? "" : "Host: 127.0.0.1\r\n";
    int n = snprintf(req, cap,
                     "%s %s HTTP/1.1\r\n%s%s"
                     "Connection: close\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n%s\r\n",
                     method, path, host, ua, blen, extra_headers ? extra_headers : "");
    if (blen)
        memcpy(req + n, body, blen);
    size_t total = (size_t)n + blen;
    for (size_t off = 0; off < total;) {
        ssize_t w = send(fd, req + off, total - off, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    free(req);
    size_t rcap = 1 << 16, got = 0;
    char *resp = malloc(rcap + 1);
    for (;;) {
        if (got == rcap) {
            rcap *= 2;
            resp = realloc(resp, rcap + 1);
        }
        if (!pt_readable(fd, 5000))
            break;
        ssize_t r = recv(fd, resp + got, rcap - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    resp[got] = 0;
    close(fd);
    int status = -1;
    if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
        status = -1;
    char *b = strstr(resp, "\r\n\r\n");
    if (body_out)
        *body_out = strdup(b ? b + 4 : "");
    free(resp);
    return status;
}

void pt_fill(void *buf, size_t n, uint64_t seed) {
    uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
    unsigned char *p = buf;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (unsigned char)(x >> 24);
    }
}
