/*
 * The fault proxy's insides, shared by its sources (never installed).
 *
 * Everything here lives on the loop thread: the server's commands
 * (server.c) and the HTTP API (http.c) call these functions from that
 * thread only, so none of these structures has a lock.
 *
 * Data path of one link direction (link.c):
 *
 *   src bufferevent --read--> [stage 1] -> [stage 2] -> ... --sink--> dst bufferevent
 *
 * A stage is one toxic applied to this link (in the order the toxics were
 * added, as Toxiproxy chains them).  Bytes travel as chunks (one evbuffer
 * each, moved, never copied); a stage either passes a chunk on, holds it
 * in its queue until a due time (latency, loss, slicer, bandwidth), holds
 * it until removed (cut) or drops it (timeout, reset_peer).  With no stage
 * at all the bytes go straight from one evbuffer to the other.
 *
 * A cut removed while it holds bytes (and its rto is not 0) leaves its
 * stage behind, *draining*: it holds on until TCP's next retransmission of
 * the oldest held byte (of the handshake, for a link opened during the
 * cut), then passes everything and goes.  A draining stage
 * belongs to no toxic: it reads a copy of the removed toxic of its own.
 */
#ifndef SL_PROXY_INTERNAL_H
#define SL_PROXY_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>

#include "stormlab/rng.h"
#include "stormlab/proxy.h"

/* Shared between this part's files only: hidden from a shared library's
 * exports (which carry the public sl_ API alone). */
#pragma GCC visibility push(hidden)

#define SLP_ASSERT(expr)                                                                 \
    do {                                                                                 \
        if (!(expr)) {                                                                   \
            fprintf(stderr, "stormlab proxy: assertion failed: %s (%s:%d)\n", #expr,     \
                    __FILE__, __LINE__);                                                 \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* Memory one direction may hold (its stages' chunks, each counted as its
 * payload plus SLP_CHUNK_OVERHEAD, and the destination's output buffer)
 * before the proxy stops reading its source: TCP's own back-pressure then
 * reaches the sender.  1 MiB per direction keeps a loopback pipe full. */
#define SLP_DIR_HIGH_BYTES ((size_t)1 << 20)
/* What one held chunk costs beyond its payload: the chunk, its evbuffer
 * and the smallest evbuffer chain libevent allocates (1 KiB on 64-bit),
 * with malloc's headers.  Counting it makes 1-byte chunks (a slicer of
 * average_size 1, 1-byte writes under latency) cost what they really do. */
#define SLP_CHUNK_OVERHEAD ((size_t)1280)
/* Memory all the stages of all links together may hold (counted as above)
 * before every direction stops reading; they read again once it is under
 * half.  The default of sl_proxy_server_t.mem_cap. */
#define SLP_MEM_CAP_BYTES ((size_t)256 << 20)
/* Largest single read or write on a socket (libevent's default is 16 KiB,
 * which costs throughput on loopback). */
#define SLP_MAX_IO_BYTES ((size_t)256 << 10)
/* Longest name (proxy or toxic) and address string. */
#define SLP_NAME_MAX 200
#define SLP_ADDR_MAX 64
/* A lost chunk is retransmitted at most this many times (RTO doubling). */
#define SLP_LOSS_MAX_RETRIES 6
/* The longest retransmission timeout (Linux's TCP_RTO_MAX): a healed cut's
 * doubling RTO steps stop growing here. */
#define SLP_TCP_RTO_MAX_US 120000000LL
/* The first retransmission of a connection's handshake (Linux's
 * TCP_TIMEOUT_INIT), doubling after: when a link opened during a cut can
 * really connect once the cut heals. */
#define SLP_TCP_SYN_RTO_US 1000000LL
/* Control API: open connections at most (more wait in the kernel's
 * backlog), and requests a second (and burst) before 429. */
#define SLP_HTTP_MAX_CONNS 64
#define SLP_HTTP_RATE 1000
/* Control API: open connections from one peer address at most (more are
 * closed at once), and the time one request may take from its first byte
 * (or from the connect) to its last, whatever trickles in meanwhile. */
#define SLP_HTTP_MAX_CONNS_PER_PEER 16
#define SLP_HTTP_REQUEST_MS 5000
/* Proxies per server and toxics over all its proxies: what a client of the
 * API (or a runaway caller) can make the server hold.  At the cap, create
 * and add answer 507 (SL_E_LIMIT).  A toxic costs ~200 bytes plus a stage
 * on each link it applies to; a proxy, a listening socket. */
#define SLP_MAX_PROXIES SL_PROXY_MAX_PROXIES
#define SLP_MAX_TOXICS 100000

typedef enum slp_toxic_type_e {
    SLP_TX_LATENCY,
    SLP_TX_BANDWIDTH,
    SLP_TX_SLOW_CLOSE,
    SLP_TX_TIMEOUT,
    SLP_TX_RESET_PEER,
    SLP_TX_LIMIT_DATA,
    SLP_TX_SLICER,
    SLP_TX_CUT,
    SLP_TX_REFUSE,
    SLP_TX_LOSS,
    SLP_TX__COUNT
} slp_toxic_type_t;

/* A toxic's attributes, typed.  Which fields a type uses is in toxic.c's
 * table; the JSON names and units are Toxiproxy's. */
typedef struct slp_attrs_s {
    int64_t latency_ms;      /* latency: latency */
    int64_t jitter_ms;       /* latency: jitter */
    int64_t rate_kbps;       /* bandwidth: rate, KB/s, 1 KB = 1000 bytes */
    int64_t delay_ms;        /* slow_close: delay */
    int64_t timeout_ms;      /* timeout, reset_peer: timeout */
    int64_t bytes;           /* limit_data: bytes */
    int64_t average_size;    /* slicer: average_size, bytes */
    int64_t size_variation;  /* slicer: size_variation, bytes */
    int64_t delay_us;        /* slicer: delay, microseconds (Toxiproxy's unit) */
    double probability;      /* loss: probability, 0..1 */
    int64_t rto_ms;          /* loss: rto, first retransmission stall;
                                cut: rto, first retransmission after the cut
                                began (0: release at once when removed) */
} slp_attrs_t;

/* An add request, from the C API or from JSON. */
typedef struct slp_toxic_spec_s {
    slp_toxic_type_t type;
    char name[SLP_NAME_MAX + 1];   /* "" -> "<type>_<stream>" */
    sl_proxy_stream_t stream;
    double toxicity;
    char client[SLP_ADDR_MAX];     /* "" = every client */
    slp_attrs_t a;
} slp_toxic_spec_t;

struct slp_proxy;
struct slp_link;
struct slp_dir;

typedef struct slp_toxic {
    TAILQ_ENTRY(slp_toxic) next;   /* proxy's toxics, creation order */
    struct slp_proxy *proxy;
    char *name;
    slp_toxic_type_t type;
    sl_proxy_stream_t stream;
    double toxicity;
    char *client;                  /* NULL = every client */
    slp_attrs_t a;
} slp_toxic_t;

typedef struct slp_chunk {
    TAILQ_ENTRY(slp_chunk) next;
    struct evbuffer *buf;
    int64_t due_us;                /* monotonic time it may leave the stage */
} slp_chunk_t;
TAILQ_HEAD(slp_chunkq, slp_chunk);

typedef struct slp_stage {
    TAILQ_ENTRY(slp_stage) next;
    struct slp_dir *dir;
    slp_toxic_t *toxic;            /* the definition; read live, so updates apply */
    int active;                    /* toxicity draw: 0 passes everything on */
    struct slp_chunkq q;           /* held chunks, in order */
    size_t q_bytes;
    size_t q_chunks;
    struct event *timer;           /* next release, or timeout/reset_peer */
    int64_t free_us;               /* latency/loss/slicer: last due time;
                                      bandwidth: when the next byte may go */
    int64_t passed;                /* limit_data: bytes passed */
    int armed;                     /* reset_peer: data seen, reset pending */
    int64_t held_since_us;         /* cut: when the oldest held chunk arrived */
    int64_t opened_in_cut_us;      /* cut: the link was set up under it, then (0: not) */
    int draining;                  /* cut removed: holding until its release time */
    int paused;                    /* slicer: waits for memory after it (dir_flow wakes it) */
    slp_toxic_t own;               /* draining: the removed toxic's copy (toxic
                                      points here; no name, client, proxy) */
} slp_stage_t;
TAILQ_HEAD(slp_stageq, slp_stage);

typedef struct slp_dir {
    struct slp_link *link;
    sl_proxy_stream_t which;
    struct bufferevent *src, *dst;
    struct slp_stageq stages;
    size_t held;                   /* memory in this direction's stages: payload plus
                                      SLP_CHUNK_OVERHEAD per chunk */
    int mem_blocked;               /* on srv->mem_waiting: paused at the server's mem_cap */
    TAILQ_ENTRY(slp_dir) mem_next;
    struct event *rev;             /* read event on src's socket (ours, see link.c) */
    struct evbuffer *scratch;      /* fast path: read here, written on at once */
    int reading;                   /* rev added */
    int eof_in;                    /* src said EOF */
    int eof_out;                   /* EOF passed every stage; FIN when drained */
    int fin_sent;                  /* shutdown(SHUT_WR) done on dst */
    struct event *close_timer;     /* slow_close */
    sl_rng_t rng;                 /* jitter, slicer sizes, loss draws */
    sl_rng_t rng_tox;             /* toxicity draws */
    uint64_t bytes;                /* bytes handed to dst */
} slp_dir_t;

typedef struct slp_link {
    TAILQ_ENTRY(slp_link) next;    /* proxy's live links, or server's dead ones */
    struct slp_proxy *proxy;       /* NULL once dead */
    sl_proxy_server_t *srv;
    uint64_t id;                   /* ordinal within the proxy, from 0 */
    char client_ip[SLP_ADDR_MAX];
    char client_addr[SLP_ADDR_MAX];  /* "ip:port" */
    struct bufferevent *cbev;      /* client side */
    struct bufferevent *ubev;      /* upstream side */
    struct evdns_getaddrinfo_request *dns_req;  /* a named upstream's lookup in flight */
    slp_dir_t dir[2];              /* indexed by sl_proxy_stream_t */
    int connected;                 /* upstream connect finished */
    int closing;                   /* flushing outputs, then close */
    int dead;                      /* sockets closed; memory freed by reap_ev */
    int64_t accepted_us;
    struct event *reap_ev;
} slp_link_t;
TAILQ_HEAD(slp_linkq, slp_link);

typedef struct slp_proxy {
    TAILQ_ENTRY(slp_proxy) next;
    sl_proxy_server_t *srv;
    char *name;
    char *upstream;                /* as given */
    char listen[SLP_ADDR_MAX + 8]; /* bound "ip:port" (or as given, before bind) */
    struct sockaddr_storage listen_sa;
    socklen_t listen_len;
    struct sockaddr_storage up_sa; /* a numeric upstream, resolved once */
    socklen_t up_len;
    int up_named;                  /* a hostname: looked up for each new link */
    char up_host[256], up_port[16];
    uint64_t received[2];          /* bytes read from sources, by sl_proxy_stream_t */
    struct evconnlistener *lev;    /* NULL while disabled */
    int enabled;
    int reset_start;               /* POST /reset: to be enabled by the reset job */
    uint64_t stream_id;            /* hash of the name: the proxy's rng streams */
    uint64_t next_link_id;
    struct slp_linkq links;
    TAILQ_HEAD(, slp_toxic) toxics;
    sl_proxy_stats_t st;
} slp_proxy_t;
TAILQ_HEAD(slp_proxyq, slp_proxy);

struct slp_cmd;

struct sl_proxy_server_s {
    uint64_t seed;
    struct event_base *base;
    struct slp_proxyq proxies;
    size_t n_proxies, n_toxics;    /* bounded by SLP_MAX_PROXIES, SLP_MAX_TOXICS */
    struct slp_linkq dead_links;   /* killed, waiting for their reap event */
    struct evdns_base *dns;        /* named upstreams' lookups; made at the first */
    int dns_tuned;
    char *io_buf;                  /* SLP_MAX_IO_BYTES, mapped once: the fast path reads here (link.c) */
    size_t mem_held, mem_cap;      /* every direction's held, and its cap (SLP_MEM_CAP_BYTES) */
    TAILQ_HEAD(, slp_dir) mem_waiting; /* directions paused at the cap */
    struct event *mem_wake_ev;     /* resumes them once mem_held is under half the cap */

    /* control API (http.c) */
    struct evhttp *http;
    struct evconnlistener *http_lev;   /* owned by http; paused at SLP_HTTP_MAX_CONNS */
    struct bufferevent *http_bevs[SLP_HTTP_MAX_CONNS]; /* open control connections (one reference each) */
    int64_t http_since_us[SLP_HTTP_MAX_CONNS]; /* their request's start; 0 idle, -1 shut */
    char http_peer[SLP_HTTP_MAX_CONNS][SLP_ADDR_MAX]; /* their peer's ip; "" not yet known */
    int http_conns;                    /* entries in http_bevs */
    struct event *http_sweep_ev;       /* drops the connections evhttp let go of */
    int http_rate_started;
    int64_t http_tokens;               /* rate limit bucket, millionths of a request */
    int64_t http_tokens_us;            /* monotonic time of the last refill */
    char control_addr[SLP_ADDR_MAX + 8];
    int control_loopback;              /* the API listens on loopback: Host must say so too */
    /* POST /reset's job: proxies left to enable, a batch a loop turn, and
     * the requests answered when it is done (http.c) */
    size_t reset_left;
    struct event *reset_ev;
    struct evhttp_request *reset_waiters[SLP_HTTP_MAX_CONNS];
    int n_reset_waiters;

    /* commands from other threads (server.c) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct slp_cmd *cmd_head, *cmd_tail;
    int wake_rd, wake_wr;          /* self-pipe */
    struct event *wake_ev;
    pthread_t loop_tid;
    int loop_running;
    pthread_t thread;              /* the server's own loop thread */
    int own_thread;                /* thread started and not yet joined */
    int stopped;
    struct event *sig_ev[2];
};

/* ---- time, addresses (addr.c) ---- */
int64_t slp_now_us(void);
/* Parses "host:port", "[v6]:port" or ":port" (host 127.0.0.1).  Hostnames
 * resolve through getaddrinfo, IPv4 preferred.  0 or -1 with errstr. */
int slp_addr_parse(const char *hostport, struct sockaddr_storage *sa, socklen_t *len,
                   char *errstr, size_t errstr_size);
/* The syntax alone: host (":port" gives 127.0.0.1) and port, no lookup. */
int slp_addr_split(const char *hostport, char host[256], char port[16], char *errstr,
                   size_t errstr_size);
int slp_addr_is_numeric(const char *host);
struct addrinfo;
/* The address to use from a lookup's answer (IPv4 first): 0, or -1. */
int slp_addr_pick(const struct addrinfo *res, struct sockaddr_storage *sa, socklen_t *len);
void slp_addr_format(const struct sockaddr *sa, char *buf, size_t size);
void slp_addr_format_ip(const struct sockaddr *sa, char *buf, size_t size);
/* Whether an HTTP Host header's host ("name", "name:port", "[v6]:port")
 * is loopback by its text alone: localhost, *.localhost, 127.0.0.0/8,
 * ::1.  No lookup: a name is what a DNS-rebinding page controls. */
int slp_addr_host_is_loopback(const char *host);
/* A toxic's client: an IP address, "ip:port" or "[v6]:port", numeric. */
int slp_addr_is_client(const char *s);

/* ---- proxies and toxics (proxy.c); results are HTTP status codes:
 * 200/201 ok, 400 bad input, 404 not found, 409 exists, 500 cannot bind,
 * 507 a cap (SLP_MAX_PROXIES, SLP_MAX_TOXICS) reached. */
slp_proxy_t *slp_proxy_find(sl_proxy_server_t *srv, const char *name);
int slp_proxy_create(sl_proxy_server_t *srv, const char *name, const char *listen,
                     const char *upstream, int enabled, slp_proxy_t **out, char *errstr,
                     size_t errstr_size);
void slp_proxy_delete(slp_proxy_t *p);
int slp_proxy_update(slp_proxy_t *p, const char *listen, const char *upstream, int enabled,
                     char *errstr, size_t errstr_size);
void slp_proxy_reset_all(sl_proxy_server_t *srv);
/* The reset of POST /reset: toxics removed and drains released now; the
 * disabled proxies are marked, and slp_proxy_reset_step() enables them for
 * SLP_RESET_SLICE_US at most per call (at least one): a bind is the
 * kernel's free-port search, from 0.1 ms to over 10 ms with thousands of
 * ports taken.  Both return the proxies still to enable. */
#define SLP_RESET_SLICE_US 20000
size_t slp_proxy_reset_begin(sl_proxy_server_t *srv);
size_t slp_proxy_reset_step(sl_proxy_server_t *srv);
slp_toxic_t *slp_toxic_find(slp_proxy_t *p, const char *name);
int slp_toxic_add(slp_proxy_t *p, const slp_toxic_spec_t *spec, slp_toxic_t **out,
                  char *errstr, size_t errstr_size);
int slp_toxic_update(slp_toxic_t *t, const slp_attrs_t *a, double toxicity, char *errstr,
                     size_t errstr_size);
void slp_toxic_remove(slp_toxic_t *t);
void slp_server_close_all(sl_proxy_server_t *srv);

/* ---- toxic types (toxic.c) ---- */
const char *slp_toxic_type_name(slp_toxic_type_t t);
int slp_toxic_type_from_name(const char *name);   /* -1 if unknown */
const char *slp_stream_name(sl_proxy_stream_t s);
void slp_attrs_defaults(slp_toxic_type_t t, slp_attrs_t *a);
/* Validates attributes and toxicity: 0, or -1 with a message. */
int slp_toxic_validate(slp_toxic_type_t t, const slp_attrs_t *a, double toxicity,
                       char *errstr, size_t errstr_size);
/* Reads the type's attributes from a JSON object into *a (absent keys keep
 * *a's values; unknown keys are ignored, as Toxiproxy does). */
int slp_attrs_from_json(slp_toxic_type_t t, json_t *obj, slp_attrs_t *a, char *errstr,
                        size_t errstr_size);
json_t *slp_toxic_to_json(const slp_toxic_t *t);
json_t *slp_proxy_to_json(const slp_proxy_t *p);

/* ---- links (link.c) ---- */
/* The rng stream of one link direction: (proxy name hash, link ordinal,
 * direction, purpose 0 = data (jitter, slicer, loss), 1 = toxicity draws).
 * Public to the tests, which predict jitter sequences from it. */
static inline uint64_t slp_link_stream(uint64_t proxy_stream, uint64_t link_id,
                                       sl_proxy_stream_t which, int purpose) {
    return (proxy_stream ^ (link_id * 0x9e3779b97f4a7c15ULL)) ^
           ((uint64_t)which << 1 | (uint64_t)(purpose & 1));
}
void slp_link_accept(slp_proxy_t *p, evutil_socket_t fd, const struct sockaddr *sa,
                     int salen);
enum { SLP_CLOSE_FIN, SLP_CLOSE_RST };
void slp_link_kill(slp_link_t *l, int how);
void slp_link_toxic_added(slp_link_t *l, slp_toxic_t *t);
void slp_link_toxic_updated(slp_link_t *l, slp_toxic_t *t, int redraw);
/* A removed cut holding bytes drains on TCP's schedule (see above). */
void slp_link_toxic_removed(slp_link_t *l, slp_toxic_t *t);
/* Passes on at once what the link's draining cuts hold (reset_all). */
void slp_link_release_drains(slp_link_t *l);
/* TCP's retransmission of bytes first sent at first_us, first at or after
 * now: first_us + rto x (2^k - 1), k >= 1, the step doubling from rto_us and
 * capped at SLP_TCP_RTO_MAX_US.  Public to the tests. */
int64_t slp_tcp_retransmit_at(int64_t first_us, int64_t rto_us, int64_t now_us);
int slp_link_matches(const slp_link_t *l, const slp_toxic_t *t);
void slp_links_reap_all(sl_proxy_server_t *srv);
/* srv->mem_wake_ev: resumes the directions paused at the memory cap. */
void slp_mem_wake_cb(evutil_socket_t fd, short what, void *srv);

/* ---- control API (http.c) ---- */
/* One control request, whatever carried it: evhttp, or a fuzzer. */
typedef struct slp_http_req_s {
    int method;                 /* enum evhttp_cmd_type */
    const char *path;           /* the URI's path, still %-encoded; NULL: none */
    const char *user_agent;     /* NULL when absent */
    const char *host;           /* the Host header; NULL when absent */
    const char *body;           /* body_len bytes, not NUL-terminated */
    size_t body_len;
    struct evbuffer *out;       /* the answer's body goes here (the caller's) */
    int status;                 /* set by slp_http_dispatch */
    int json;                   /* out holds JSON (Content-Type application/json) */
    int deferred;               /* answered later (POST /reset still enabling proxies) */
    const char *content_type;   /* otherwise, when not NULL */
} slp_http_req_t;
/* Answers req on the loop thread: fills status, out and json. */
void slp_http_dispatch(sl_proxy_server_t *srv, slp_http_req_t *req);
int slp_http_listen(sl_proxy_server_t *srv, const char *addr, char *errstr,
                    size_t errstr_size);   /* HTTP-style status */
void slp_http_close(sl_proxy_server_t *srv);

#pragma GCC visibility pop

#endif
