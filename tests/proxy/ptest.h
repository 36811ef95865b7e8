/*
 * Helpers for the proxy's tests: a real upstream server on loopback, client
 * sockets with deadlines, a minimal HTTP/1.1 client.  No mocks: every byte
 * crosses real sockets on 127.0.0.0/8, on ports the kernel picks (port 0).
 */
#ifndef SL_PTEST_H
#define SL_PTEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stormlab/proxy.h"

/* An echo server on 127.0.0.1:0, one thread per connection, counting the
 * bytes it receives (to tell "nothing reached the server" apart). */
typedef struct pt_upstream_s pt_upstream_t;
pt_upstream_t *pt_upstream_start(void);
int pt_upstream_port(const pt_upstream_t *u);
uint64_t pt_upstream_bytes(const pt_upstream_t *u);
void pt_upstream_stop(pt_upstream_t *u);

int64_t pt_now_us(void);
void pt_sleep_ms(int ms);
int pt_port_of(const char *addr);     /* "127.0.0.1:123" -> 123 */

/* Connects to 127.0.0.1:port (from src_ip when not NULL); -1 on failure
 * with errno set.  TCP_NODELAY on. */
int pt_connect(int port);
int pt_connect_from(const char *src_ip, int port);

/* 1 readable (data or EOF or error), 0 timeout. */
int pt_readable(int fd, int timeout_ms);
/* Reads until n bytes, EOF, error or the deadline: returns bytes read. */
size_t pt_read_n(int fd, void *buf, size_t n, int timeout_ms);
/* Sends out (n bytes) and reads m bytes back at the same time (no deadlock
 * when both directions fill up).  Returns bytes read; first_us and last_us
 * (may be NULL) get the arrival times of the first and last byte. */
size_t pt_exchange(int fd, const void *out, size_t n, void *in, size_t m, int timeout_ms,
                   int64_t *first_us, int64_t *last_us);
/* One byte out, one byte back: the round trip in microseconds, -1 on
 * timeout or close. */
int64_t pt_ping(int fd, int timeout_ms);

/* A started server (own loop thread) with proxy "p" in front of port
 * upstream_port, listening on 127.0.0.1:0; *port_out gets its port. */
sl_proxy_server_t *pt_proxy_new(uint64_t seed, int upstream_port, int *port_out);

/* HTTP/1.1 request to 127.0.0.1:port; returns the status (-1 on failure)
 * and, if body_out, the response body (caller frees).  extra_headers ""
 * or lines ending in \r\n. */
int pt_http(int port, const char *method, const char *path, const char *body,
            const char *extra_headers, char **body_out);

/* Deterministic test payload (xorshift), independent of the proxy's rng. */
void pt_fill(void *buf, size_t n, uint64_t seed);

#endif
