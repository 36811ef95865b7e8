/**
 * stormlab fault proxy: a TCP proxy on libevent that cuts, delays, throttles
 * and resets links, with Toxiproxy's toxics and HTTP API, and a seeded
 * generator behind every random choice.
 *
 * Model (Toxiproxy's words):
 *  - a *proxy* is a named listener forwarding every accepted client to one
 *    upstream address;
 *  - a *link* is one accepted client connection and its upstream connection;
 *    it has two directions: *upstream* (client -> server, the requests) and
 *    *downstream* (server -> client, the responses);
 *  - a *toxic* is a fault on one direction of every link of a proxy (or only
 *    of the links whose client matches opts.client), applied to existing
 *    links at once and to each new link when it is accepted.
 *
 * Threads: one event base runs on one thread, the *loop thread*: either a
 * thread of the server's own (sl_proxy_server_start()) or the caller's
 * (sl_proxy_server_run()).  Every other function may be called from any
 * thread: it is posted to the loop thread as a command and returns once the
 * loop has carried it out, so a setter's effect is in place when it returns.
 * Called on the loop thread (from a callback) it runs inline.
 *
 * Errors: sl_err_t (stormlab/stormlab.h): SL_OK, or SL_E_INVAL (unknown
 * proxy or toxic, bad argument, toxic name taken by another type),
 * SL_E_IO (cannot bind or resolve), SL_E_STATE (name already exists,
 * server stopped), SL_E_LIMIT (10,000 proxies or 100,000 toxics held
 * already), SL_E_NOMEM.  Functions with errstr fill it with a message.
 *
 * Strings passed in are copied; nothing passed in is kept by the server.
 */
#ifndef STORMLAB_PROXY_H
#define STORMLAB_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "stormlab/stormlab.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Proxies one server holds at most (SL_E_LIMIT beyond). */
#define SL_PROXY_MAX_PROXIES 10000

/** The proxy server: one event loop, its proxies and its control API. */
typedef struct sl_proxy_server_s sl_proxy_server_t;

/** Direction of a link a toxic applies to (Toxiproxy's `stream`). */
typedef enum sl_proxy_stream_e {
    SL_PROXY_UPSTREAM = 0,   /**< client -> upstream server (requests) */
    SL_PROXY_DOWNSTREAM = 1  /**< upstream server -> client (responses) */
} sl_proxy_stream_t;

/** Fields every toxic has besides its attributes. */
typedef struct sl_proxy_toxic_opts_s {
    /** Toxic name, unique within its proxy; NULL or "" gives Toxiproxy's
     *  default "<type>_<stream>" (e.g. "latency_downstream"). */
    const char *name;
    /** Direction it applies to; ignored by refuse (it closes whole links). */
    sl_proxy_stream_t stream;
    /** Probability, drawn once per link from the seeded generator, that the
     *  toxic applies to that link: 0..1, 1 = every link. */
    double toxicity;
    /** NULL: every link.  "IP" or "IP:port": only links whose client has
     *  that address (clients bound to distinct loopback addresses such as
     *  127.0.1.7 can be told apart; Toxiproxy cannot). */
    const char *client;
} sl_proxy_toxic_opts_t;

/** Defaults: Toxiproxy's (downstream, toxicity 1, every client). */
#define SL_PROXY_TOXIC_OPTS_INIT {NULL, SL_PROXY_DOWNSTREAM, 1.0, NULL}

/** Connection accounting for one proxy: accepted == active + closed. */
typedef struct sl_proxy_stats_s {
    uint64_t accepted;          /**< links accepted since the proxy was created */
    uint64_t active;            /**< links open now */
    uint64_t closed;            /**< links closed, for any reason */
    uint64_t refused;           /**< of closed: by a refuse toxic */
    uint64_t upstream_failed;   /**< of closed: the upstream could not be reached */
    uint64_t reset;             /**< of closed: reset (RST) by reset_peer,
                                     sl_proxy_reset_connections() or a peer's RST */
    uint64_t bytes_upstream;    /**< bytes handed to upstream sockets */
    uint64_t bytes_downstream;  /**< bytes handed to client sockets */
} sl_proxy_stats_t;

/* ---- server lifecycle ---------------------------------------------------- */

/**
 * Creates a server with no proxies and no control API.
 *
 * @param seed  master seed of every random choice (jitter, toxicity, slicer
 *              sizes, loss stalls); 0 is a seed like any other.
 * @param out   receives the server; the caller frees it with
 *              sl_proxy_server_destroy().  Untouched on failure.
 * Thread: any; the server is not yet shared.  Sets SIGPIPE to ignored for
 * the process: a peer closing mid-write is an ordinary event for a proxy.
 */
sl_err_t sl_proxy_server_new(uint64_t seed, sl_proxy_server_t **out, char *errstr,
                             size_t errstr_size);

/** The master seed given to sl_proxy_server_new(). */
uint64_t sl_proxy_server_seed(const sl_proxy_server_t *srv);

/**
 * Starts the loop on a thread of the server's own and returns.
 * Returns SL_E_STATE if the loop already runs or has been stopped.
 */
sl_err_t sl_proxy_server_start(sl_proxy_server_t *srv, char *errstr, size_t errstr_size);

/**
 * Runs the loop on the calling thread until sl_proxy_server_stop() or, when
 * handle_signals is non-zero, SIGINT or SIGTERM, then closes every listener,
 * link and control connection and returns SL_OK.
 * handle_signals installs libevent signal handlers for the duration.
 */
sl_err_t sl_proxy_server_run(sl_proxy_server_t *srv, int handle_signals);

/**
 * Closes every listener, link and the control API, and ends the loop.
 * Thread: any but a signal handler.  When the loop runs on the server's own
 * thread, returns after that thread has ended.  Idempotent.
 */
void sl_proxy_server_stop(sl_proxy_server_t *srv);

/** Stops the server if needed and frees it; NULL is a no-op. */
void sl_proxy_server_destroy(sl_proxy_server_t *srv);

/**
 * Serves Toxiproxy's HTTP API (docs/proxy.md) on addr ("127.0.0.1:8474";
 * port 0 picks a free port).  A host other than loopback is bound as asked
 * and noted on stderr: the API has no authentication.
 *
 * @param bound  if not NULL, receives the bound "ip:port".
 * @return SL_OK, SL_E_INVAL (bad address), SL_E_IO (cannot bind),
 *         SL_E_STATE (already serving).
 */
sl_err_t sl_proxy_control_listen(sl_proxy_server_t *srv, const char *addr, char *bound,
                                 size_t bound_size, char *errstr, size_t errstr_size);

/* ---- proxies ------------------------------------------------------------- */

/**
 * Creates a proxy.  listen "host:port" (port 0: a free port; NULL or "":
 * "127.0.0.1:0"); upstream "host:port", resolved now.  enabled 0 creates it
 * down (not listening).
 * @return SL_OK, SL_E_INVAL (bad name or address), SL_E_STATE (name exists),
 *         SL_E_IO (cannot bind).
 */
sl_err_t sl_proxy_create(sl_proxy_server_t *srv, const char *name, const char *listen,
                         const char *upstream, int enabled, char *errstr,
                         size_t errstr_size);

/** Deletes a proxy: closes its listener and every link.  SL_E_INVAL if unknown. */
sl_err_t sl_proxy_delete(sl_proxy_server_t *srv, const char *name);

/**
 * Enables (listens again on the same address) or disables (closes the
 * listener, so new clients are refused by the kernel, and closes every
 * link) a proxy: Toxiproxy's "down".
 */
sl_err_t sl_proxy_set_enabled(sl_proxy_server_t *srv, const char *name, int enabled,
                              char *errstr, size_t errstr_size);

/** Writes the proxy's bound listen address ("127.0.0.1:40123") into buf. */
sl_err_t sl_proxy_listen_address(sl_proxy_server_t *srv, const char *name, char *buf,
                                 size_t size);

/** Copies the proxy's connection accounting into *out. */
sl_err_t sl_proxy_get_stats(sl_proxy_server_t *srv, const char *name, sl_proxy_stats_t *out);

/** Resets (TCP RST, both sockets) every link of the proxy now. */
sl_err_t sl_proxy_reset_connections(sl_proxy_server_t *srv, const char *name);

/** POST /reset: enables every proxy and removes every toxic; what cuts
 *  held (even removed ones still waiting for their retransmission time)
 *  goes on at once. */
sl_err_t sl_proxy_reset_all(sl_proxy_server_t *srv);

/* ---- toxics: typed setters ------------------------------------------------
 * Each adds the toxic, or updates it in place when a toxic of that name and
 * type exists (SL_E_INVAL when the name belongs to another type).  opts NULL
 * means SL_PROXY_TOXIC_OPTS_INIT.  Units are Toxiproxy's. */

/** latency: every chunk delayed latency_ms +/- jitter_ms (uniform, seeded). */
sl_err_t sl_proxy_set_latency(sl_proxy_server_t *srv, const char *proxy,
                              const sl_proxy_toxic_opts_t *opts, int64_t latency_ms,
                              int64_t jitter_ms);
/** bandwidth: at most rate_kbps KB/s (1 KB = 1000 bytes); 0 = unlimited. */
sl_err_t sl_proxy_set_bandwidth(sl_proxy_server_t *srv, const char *proxy,
                                const sl_proxy_toxic_opts_t *opts, int64_t rate_kbps);
/** slow_close: the close (FIN) is passed on delay_ms late. */
sl_err_t sl_proxy_set_slow_close(sl_proxy_server_t *srv, const char *proxy,
                                 const sl_proxy_toxic_opts_t *opts, int64_t delay_ms);
/** timeout: data dropped; the link closed after timeout_ms (0: never). */
sl_err_t sl_proxy_set_timeout(sl_proxy_server_t *srv, const char *proxy,
                              const sl_proxy_toxic_opts_t *opts, int64_t timeout_ms);
/** reset_peer: on the first data after it applies, wait timeout_ms, then RST. */
sl_err_t sl_proxy_set_reset_peer(sl_proxy_server_t *srv, const char *proxy,
                                 const sl_proxy_toxic_opts_t *opts, int64_t timeout_ms);
/** limit_data: pass bytes bytes (per link and direction), then close. */
sl_err_t sl_proxy_set_limit_data(sl_proxy_server_t *srv, const char *proxy,
                                 const sl_proxy_toxic_opts_t *opts, int64_t bytes);
/** slicer: chunks cut into average_size +/- size_variation byte slices,
 *  delay_us microseconds apart. */
sl_err_t sl_proxy_set_slicer(sl_proxy_server_t *srv, const char *proxy,
                             const sl_proxy_toxic_opts_t *opts, int64_t average_size,
                             int64_t size_variation, int64_t delay_us);
/** cut (stormlab): a blackhole; bytes are held, none pass, links stay open.
 *  Removing it heals the path as TCP sees a healed partition: what a link
 *  direction held goes on, in order, at the sender's next retransmission
 *  of its oldest held byte (first held + rto x (2^k - 1), the rto doubling
 *  from 200 ms, each step at most 120 s), holding what arrives meanwhile
 *  behind it.  sl_proxy_reset_all() releases it at once. */
sl_err_t sl_proxy_set_cut(sl_proxy_server_t *srv, const char *proxy,
                          const sl_proxy_toxic_opts_t *opts);
/** cut with its first retransmission timeout rto_ms instead of 200 ms;
 *  0: what was held goes on the moment the cut is removed. */
sl_err_t sl_proxy_set_cut_rto(sl_proxy_server_t *srv, const char *proxy,
                              const sl_proxy_toxic_opts_t *opts, int64_t rto_ms);
/** refuse (stormlab): closes the existing links and every new one at once. */
sl_err_t sl_proxy_set_refuse(sl_proxy_server_t *srv, const char *proxy,
                             const sl_proxy_toxic_opts_t *opts);
/** loss (stormlab): TCP-like loss: each chunk is lost with probability
 *  (0..1) and stalls rto_ms, doubling per repeated loss, holding the
 *  chunks behind it (head-of-line blocking); nothing is dropped. */
sl_err_t sl_proxy_set_loss(sl_proxy_server_t *srv, const char *proxy,
                           const sl_proxy_toxic_opts_t *opts, double probability,
                           int64_t rto_ms);

/** Removes a toxic; held bytes continue at once, but a cut's at its
 *  retransmission time (sl_proxy_set_cut).  SL_E_INVAL if unknown. */
sl_err_t sl_proxy_toxic_remove(sl_proxy_server_t *srv, const char *proxy, const char *toxic);

struct sockaddr;
/** 1 when sa is a loopback address (127.0.0.0/8 or ::1): the addresses the proxy and the real-run guard accept without
 *  warning (docs/reliability.md). */
int sl_proxy_addr_is_loopback(const struct sockaddr *sa);

#ifdef __cplusplus
}
#endif
#endif
