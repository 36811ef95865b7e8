/*
 * The server: its event base, the loop thread, and the public API.
 *
 * Every public call is a command run on the loop thread (like librdkafka's
 * mock cluster setters): the caller queues it, wakes the loop through a
 * self-pipe and waits on a condition variable until the loop has run it.
 * On the loop thread itself, or while no loop runs, the command runs inline.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "proxy-internal.h"

typedef struct slp_cmd {
    void (*fn)(void *arg);
    void *arg;
    int done;
    struct slp_cmd *next;
} slp_cmd_t;

static void run_cmds(slp_cmd_t *list, sl_proxy_server_t *srv) {
    for (slp_cmd_t *c = list; c;) {
        slp_cmd_t *nx = c->next;   /* c lives on its caller's stack */
        c->fn(c->arg);
        pthread_mutex_lock(&srv->mu);
        c->done = 1;
        pthread_cond_broadcast(&srv->cv);
        pthread_mutex_unlock(&srv->mu);
        c = nx;
    }
}

static slp_cmd_t *take_cmds(sl_proxy_server_t *srv) {
    slp_cmd_t *list = srv->cmd_head;
    srv->cmd_head = srv->cmd_tail = NULL;
    return list;
}

static void wake_cb(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    sl_proxy_server_t *srv = arg;
    char buf[64];
    while (read(fd, buf, sizeof(buf)) > 0) {
    }
    pthread_mutex_lock(&srv->mu);
    slp_cmd_t *list = take_cmds(srv);
    pthread_mutex_unlock(&srv->mu);
    run_cmds(list, srv);
}

/* Runs fn(arg) on the loop thread and waits for it. */
static void call(sl_proxy_server_t *srv, void (*fn)(void *), void *arg) {
    pthread_mutex_lock(&srv->mu);
    if (!srv->loop_running || pthread_equal(srv->loop_tid, pthread_self())) {
        pthread_mutex_unlock(&srv->mu);
        fn(arg);
        return;
    }
    slp_cmd_t cmd = {fn, arg, 0, NULL};
    if (srv->cmd_tail)
        srv->cmd_tail->next = &cmd;
    else
        srv->cmd_head = &cmd;
    srv->cmd_tail = &cmd;
    char one = 1;
    ssize_t w = write(srv->wake_wr, &one, 1);   /* a full pipe is already a wake-up */
    (void)w;
    while (!cmd.done)
        pthread_cond_wait(&srv->cv, &srv->mu);
    pthread_mutex_unlock(&srv->mu);
}

static int set_nonblock_cloexec(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

sl_err_t sl_proxy_server_new(uint64_t seed, sl_proxy_server_t **out, char *errstr,
                             size_t errstr_size) {
    sl_proxy_server_t *srv = calloc(1, sizeof(*srv));
    struct event_config *cfg = NULL;
    int fds[2] = {-1, -1};
    if (!srv) {
        snprintf(errstr, errstr_size, "out of memory");
        return SL_E_NOMEM;
    }
    srv->seed = seed;
    srv->wake_rd = srv->wake_wr = -1;
    TAILQ_INIT(&srv->proxies);
    TAILQ_INIT(&srv->dead_links);
    TAILQ_INIT(&srv->mem_waiting);
    srv->mem_cap = SLP_MEM_CAP_BYTES;
    if (!(srv->io_buf = malloc(SLP_MAX_IO_BYTES))) {
        free(srv);
        snprintf(errstr, errstr_size, "out of memory");
        return SL_E_NOMEM;
    }
    memset(srv->io_buf, 0, SLP_MAX_IO_BYTES); /* its pages mapped now, not at the first reads */
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->cv, NULL);
    /* A peer closing while we write is an ordinary event for a proxy, not a
     * reason to die; librdkafka asks the same of its host process. */
    signal(SIGPIPE, SIG_IGN);

    cfg = event_config_new();
    if (!cfg)
        goto nomem;
    /* Microsecond timers (timerfd), not epoll's milliseconds: latency and
     * slicer delays are measured in them. */
    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
    srv->base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    if (!srv->base)
        goto nomem;
    if (pipe(fds) < 0 || set_nonblock_cloexec(fds[0]) < 0 || set_nonblock_cloexec(fds[1]) < 0) {
        snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
        goto err;
    }
    srv->wake_rd = fds[0];
    srv->wake_wr = fds[1];
    srv->wake_ev = event_new(srv->base, srv->wake_rd, EV_READ | EV_PERSIST, wake_cb, srv);
    if (!srv->wake_ev || event_add(srv->wake_ev, NULL) < 0)
        goto nomem;
    srv->mem_wake_ev = event_new(srv->base, -1, 0, slp_mem_wake_cb, srv);
    if (!srv->mem_wake_ev)
        goto nomem;
    *out = srv;
    return SL_OK;
nomem:
    snprintf(errstr, errstr_size, "out of memory");
err:
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    srv->wake_rd = srv->wake_wr = -1;
    if (srv->wake_ev)
        event_free(srv->wake_ev);
    if (srv->mem_wake_ev)
        event_free(srv->mem_wake_ev);
    if (srv->base)
        event_base_free(srv->base);
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->cv);
    free(srv->io_buf);
    free(srv);
    return SL_E_NOMEM;
}

uint64_t sl_proxy_server_seed(const sl_proxy_server_t *srv) {
    return srv->seed;
}

static void stop_cmd(void *arg) {
    sl_proxy_server_t *srv = arg;
    if (srv->stopped)
        return;
    srv->stopped = 1;
    slp_server_close_all(srv);
    for (int i = 0; i < 2; i++)
        if (srv->sig_ev[i]) {
            event_free(srv->sig_ev[i]);
            srv->sig_ev[i] = NULL;
        }
    event_base_loopbreak(srv->base);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg) {
    (void)what;
    fprintf(stderr, "stormlab proxy: %s, closing every link\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    stop_cmd(arg);
}

/* The loop, on whichever thread runs it. */
static void loop(sl_proxy_server_t *srv) {
    pthread_mutex_lock(&srv->mu);
    srv->loop_tid = pthread_self();
    srv->loop_running = 1;
    pthread_mutex_unlock(&srv->mu);

    while (!srv->stopped)
        if (event_base_dispatch(srv->base) < 0)
            break;

    /* Commands queued while the loop was ending run here, on this thread. */
    pthread_mutex_lock(&srv->mu);
    srv->loop_running = 0;
    slp_cmd_t *list = take_cmds(srv);
    pthread_mutex_unlock(&srv->mu);
    run_cmds(list, srv);
}

static void *thread_main(void *arg) {
    loop(arg);
    return NULL;
}

sl_err_t sl_proxy_server_start(sl_proxy_server_t *srv, char *errstr, size_t errstr_size) {
    if (srv->own_thread || srv->loop_running || srv->stopped) {
        snprintf(errstr, errstr_size, "server already running or stopped");
        return SL_E_STATE;
    }
    /* Mark running before the thread exists so that calls made right after
     * this returns are queued, not run inline beside the new loop. */
    pthread_mutex_lock(&srv->mu);
    srv->loop_running = 1;
    pthread_mutex_unlock(&srv->mu);
    int rc = pthread_create(&srv->thread, NULL, thread_main, srv);
    if (rc != 0) {
        srv->loop_running = 0;
        snprintf(errstr, errstr_size, "pthread_create: %s", strerror(rc));
        return SL_E_NOMEM;
    }
    pthread_mutex_lock(&srv->mu);
    srv->loop_tid = srv->thread;
    pthread_mutex_unlock(&srv->mu);
    srv->own_thread = 1;
    return SL_OK;
}

sl_err_t sl_proxy_server_run(sl_proxy_server_t *srv, int handle_signals) {
    if (srv->own_thread || srv->loop_running || srv->stopped)
        return SL_E_STATE;
    if (handle_signals) {
        srv->sig_ev[0] = evsignal_new(srv->base, SIGINT, signal_cb, srv);
        srv->sig_ev[1] = evsignal_new(srv->base, SIGTERM, signal_cb, srv);
        for (int i = 0; i < 2; i++)
            if (srv->sig_ev[i])
                event_add(srv->sig_ev[i], NULL);
    }
    loop(srv);
    return SL_OK;
}

void sl_proxy_server_stop(sl_proxy_server_t *srv) {
    if (!srv)
        return;
    call(srv, stop_cmd, srv);
    if (srv->own_thread && !pthread_equal(srv->thread, pthread_self())) {
        pthread_join(srv->thread, NULL);
        srv->own_thread = 0;
    }
}

void sl_proxy_server_destroy(sl_proxy_server_t *srv) {
    if (!srv)
        return;
    sl_proxy_server_stop(srv);
    slp_links_reap_all(srv);
    if (srv->dns)
        evdns_base_free(srv->dns, 0);   /* no lookup left: links cancel theirs */
    event_free(srv->mem_wake_ev);
    event_free(srv->wake_ev);
    close(srv->wake_rd);
    close(srv->wake_wr);
    event_base_free(srv->base);
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->cv);
    free(srv->io_buf);
    free(srv);
}

/* ---- commands ---- */

static sl_err_t status_to_err(int status) {
    switch (status) {
    case 200:
    case 201:
    case 204:
        return SL_OK;
    case 404:
    case 400:
        return SL_E_INVAL;
    case 409:
        return SL_E_STATE;
    case 507:
        return SL_E_LIMIT;
    default:
        return SL_E_IO;
    }
}

typedef struct {
    sl_proxy_server_t *srv;
    const char *name, *listen, *upstream, *toxic;
    int enabled;
    char *errstr;
    size_t errstr_size;
    char *buf;
    size_t size;
    sl_proxy_stats_t *stats;
    const slp_toxic_spec_t *spec;
    int status;
} args_t;

static int stopped(args_t *a) {
    if (a->srv->stopped) {
        snprintf(a->errstr, a->errstr_size, "server stopped");
        a->status = 503;
        return 1;
    }
    return 0;
}

static void control_cmd(void *arg) {
    args_t *a = arg;
    if (stopped(a))
        return;
    a->status = slp_http_listen(a->srv, a->listen, a->errstr, a->errstr_size);
    if (a->status == 200 && a->buf)
        snprintf(a->buf, a->size, "%s", a->srv->control_addr);
}

sl_err_t sl_proxy_control_listen(sl_proxy_server_t *srv, const char *addr, char *bound,
                                 size_t bound_size, char *errstr, size_t errstr_size) {
    char dummy[8];
    if (!errstr) {
        errstr = dummy;
        errstr_size = sizeof(dummy);
    }
    args_t a = {.srv = srv, .listen = addr, .errstr = errstr, .errstr_size = errstr_size,
                .buf = bound, .size = bound_size};
    call(srv, control_cmd, &a);
    if (a.status == 409)
        return SL_E_STATE;
    return status_to_err(a.status);
}

static void create_cmd(void *arg) {
    args_t *a = arg;
    if (stopped(a))
        return;
    a->status = slp_proxy_create(a->srv, a->name, a->listen, a->upstream, a->enabled, NULL,
                                 a->errstr, a->errstr_size);
}

sl_err_t sl_proxy_create(sl_proxy_server_t *srv, const char *name, const char *listen,
                         const char *upstream, int enabled, char *errstr,
                         size_t errstr_size) {
    char dummy[8];
    if (!errstr) {
        errstr = dummy;
        errstr_size = sizeof(dummy);
    }
    args_t a = {.srv = srv, .name = name, .listen = listen, .upstream = upstream,
                .enabled = enabled, .errstr = errstr, .errstr_size = errstr_size};
    call(srv, create_cmd, &a);
    if (a.status == 503)
        return SL_E_STATE;
    return status_to_err(a.status);
}

static void delete_cmd(void *arg) {
    args_t *a = arg;
    slp_proxy_t *p = slp_proxy_find(a->srv, a->name);
    if (!p) {
        a->status = 404;
        return;
    }
    slp_proxy_delete(p);
    a->status = 204;
}

sl_err_t sl_proxy_delete(sl_proxy_server_t *srv, const char *name) {
    args_t a = {.srv = srv, .name = name};
    call(srv, delete_cmd, &a);
    return status_to_err(a.status);
}

static void enable_cmd(void *arg) {
    args_t *a = arg;
    slp_proxy_t *p = slp_proxy_find(a->srv, a->name);
    if (!p) {
        snprintf(a->errstr, a->errstr_size, "proxy not found");
        a->status = 404;
        return;
    }
    if (stopped(a))
        return;
    a->status = slp_proxy_update(p, NULL, NULL, a->enabled, a->errstr, a->errstr_size);
}

sl_err_t sl_proxy_set_enabled(sl_proxy_server_t *srv, const char *name, int enabled,
                              char *errstr, size_t errstr_size) {
    char dummy[8];
    if (!errstr) {
        errstr = dummy;
        errstr_size = sizeof(dummy);
    }
    args_t a = {.srv = srv, .name = name, .enabled = enabled, .errstr = errstr,
                .errstr_size = errstr_size};
    call(srv, enable_cmd, &a);
    if (a.status == 503)
        return SL_E_STATE;
    return status_to_err(a.status);
}

static void addr_cmd(void *arg) {
    args_t *a = arg;
    slp_proxy_t *p = slp_proxy_find(a->srv, a->name);
    if (!p) {
        a->status = 404;
        return;
    }
    snprintf(a->buf, a->size, "%s", p->listen);
    a->status = 200;
}

sl_err_t sl_proxy_listen_address(sl_proxy_server_t *srv, const char *name, char *buf,
                                 size_t size) {
    args_t a = {.srv = srv, .name = name, .buf = buf, .size = size};
    call(srv, addr_cmd, &a);
    return status_to_err(a.status);
}

static void stats_cmd(void *arg) {
    args_t *a = arg;
    slp_proxy_t *p = slp_proxy_find(a->srv, a->name);
    if (!p) {
        a->status = 404;
        return;
    }
    *a->stats = p->st;
    a->status = 200;
}

sl_err_t sl_proxy_get_stats(sl_proxy_server_t *srv, const char *name, sl_proxy_stats_t *out) {
    args_t a = {.srv = srv, .name = name, .stats = out};
    call(srv, stats_cmd, &a);
    return status_to_err(a.status);
}

static void reset_conns_cmd(void *arg) {
    args_t *a = arg;
    slp_proxy_t *p = slp_proxy_find(a->srv, a->name);
    if (!p) {
        a->status = 404;
        return;
    }
    slp_link_t *l;
    while ((l = TAILQ_FIRST(&p->links)))
        slp_link_kill(l, SLP_CLOSE_RST);
    a->status = 200;
}

sl_err_t sl_proxy_reset_connections(sl_proxy_server_t *srv, const char *name) {
    args_t a = {.srv = srv, .name = name};
    call(srv, reset_conns_cmd, &a);
    return status_to_err(a.status);
}

static void reset_all_cmd(void *arg) {
    args_t *a = arg;
    slp_proxy_reset_all(a->srv);
    a->status = 204;
}

sl_err_t sl_proxy_reset_all(sl_proxy_server_t *srv) {
    args_t a = {.srv = srv};
    call(srv, reset_all_cmd, &a);
    return status_to_err(a.status);
}

/* Upsert: add, or update in place a toxic of the same name and type. */
static void toxic_set_cmd(void *arg) {
    args_t *a = arg;
    const slp_toxic_spec_t *spec = a->spec;
    slp_proxy_t *p = slp_proxy_find(a->srv, a->name);
    if (!p) {
        a->status = 404;
        return;
    }
    char name[SLP_NAME_MAX + 32];
    if (spec->name[0])
        snprintf(name, sizeof(name), "%s", spec->name);
    else
        snprintf(name, sizeof(name), "%s_%s", slp_toxic_type_name(spec->type),
                 slp_stream_name(spec->stream));
    slp_toxic_t *t = slp_toxic_find(p, name);
    char err[256];
    if (!t) {
        a->status = slp_toxic_add(p, spec, NULL, err, sizeof(err));
        return;
    }
    if (t->type != spec->type || t->stream != spec->stream ||
        (t->client ? strcmp(t->client, spec->client) : spec->client[0] != 0)) {
        a->status = 400;   /* the name is taken by another kind of toxic */
        return;
    }
    a->status = slp_toxic_update(t, &spec->a, spec->toxicity, err, sizeof(err));
}

static sl_err_t toxic_set(sl_proxy_server_t *srv, const char *proxy,
                          const sl_proxy_toxic_opts_t *opts, slp_toxic_spec_t *spec) {
    static const sl_proxy_toxic_opts_t defaults = SL_PROXY_TOXIC_OPTS_INIT;
    if (!opts)
        opts = &defaults;
    if (opts->name && strlen(opts->name) > SLP_NAME_MAX)
        return SL_E_INVAL;
    if (opts->client && strlen(opts->client) >= SLP_ADDR_MAX)
        return SL_E_INVAL;
    if (opts->stream != SL_PROXY_UPSTREAM && opts->stream != SL_PROXY_DOWNSTREAM)
        return SL_E_INVAL;
    snprintf(spec->name, sizeof(spec->name), "%s", opts->name ? opts->name : "");
    snprintf(spec->client, sizeof(spec->client), "%s", opts->client ? opts->client : "");
    spec->stream = opts->stream;
    spec->toxicity = opts->toxicity;
    args_t a = {.srv = srv, .name = proxy, .spec = spec};
    call(srv, toxic_set_cmd, &a);
    return status_to_err(a.status);
}

#define SPEC(var, type_)                                                                 \
    slp_toxic_spec_t var;                                                                \
    memset(&var, 0, sizeof(var));                                                        \
    var.type = (type_);                                                                  \
    slp_attrs_defaults(var.type, &var.a)

sl_err_t sl_proxy_set_latency(sl_proxy_server_t *srv, const char *proxy,
                              const sl_proxy_toxic_opts_t *opts, int64_t latency_ms,
                              int64_t jitter_ms) {
    SPEC(s, SLP_TX_LATENCY);
    s.a.latency_ms = latency_ms;
    s.a.jitter_ms = jitter_ms;
    return toxic_set(srv, proxy, opts, &s);
}

sl_err_t sl_proxy_set_bandwidth(sl_proxy_server_t *srv, const char *proxy,
                                const sl_proxy_toxic_opts_t *opts, int64_t rate_kbps) {
    SPEC(s, SLP_TX_BANDWIDTH);
    s.a.rate_kbps = rate_kbps;
    return toxic_set(srv, proxy, opts, &s);
}

sl_err_t sl_proxy_set_slow_close(sl_proxy_server_t *srv, const char *proxy,
                                 const sl_proxy_toxic_opts_t *opts, int64_t delay_ms) {
    SPEC(s, SLP_TX_SLOW_CLOSE);
    s.a.delay_ms = delay_ms;
    return toxic_set(srv, proxy, opts, &s);
}

sl_err_t sl_proxy_set_timeout(sl_proxy_server_t *srv, const char *proxy,
                              const sl_proxy_toxic_opts_t *opts, int64_t timeout_ms) {
    SPEC(s, SLP_TX_TIMEOUT);
    s.a.timeout_ms = timeout_ms;
    return toxic_set(srv, proxy, opts, &s);
}

sl_err_t sl_proxy_set_reset_peer(sl_proxy_server_t *srv, const char *proxy,
                                 const sl_proxy_toxic_opts_t *opts, int64_t timeout_ms) {
    SPEC(s, SLP_TX_RESET_PEER);
    s.a.timeout_ms = timeout_ms;
    return toxic_set(srv, proxy, opts, &s);
}

sl_err_t sl_proxy_set_limit_data(sl_proxy_server_t *srv, const char *proxy,
                                 const sl_proxy_toxic_opts_t *opts, int64_t bytes) {
    SPEC(s, SLP_TX_LIMIT_DATA);
    s.a.bytes = bytes;
    return toxic_set(srv, proxy, opts, &s);
}

sl_err_t sl_proxy_set_slicer(sl_proxy_server_t *srv, const char *proxy,
                             const sl_proxy_toxic_opts_t *opts, int64_t average_size,
                             int64_t size_variation, int64_t delay_us) {
    SPEC(s, SLP_TX_SLICER);
    s.a.average_size = average_size;
    s.a.size_variation = size_variation;
    s.a.delay_us = delay_us;
    return toxic_set(srv, proxy, opts, &s);
}

sl_err_t sl_proxy_set_cut(sl_proxy_server_t *srv, const char *proxy,
                          const sl_proxy_toxic_opts_t *opts) {
    SPEC(s, SLP_TX_CUT);   /* rto: 200 ms, TCP's */
    return toxic_set(srv, proxy, opts, &s);
}

sl_err_t sl_proxy_set_cut_rto(sl_proxy_server_t *srv, const char *proxy,
                              const sl_proxy_toxic_opts_t *opts, int64_t rto_ms) {
    SPEC(s, SLP_TX_CUT);
    s.a.rto_ms = rto_ms;
    return toxic_set(srv, proxy, opts, &s);
}

sl_err_t sl_proxy_set_refuse(sl_proxy_server_t *srv, const char *proxy,
                             const sl_proxy_toxic_opts_t *opts) {
    SPEC(s, SLP_TX_REFUSE);
    return toxic_set(srv, proxy, opts, &s);
}

sl_err_t sl_proxy_set_loss(sl_proxy_server_t *srv, const char *proxy,
                           const sl_proxy_toxic_opts_t *opts, double probability,
                           int64_t rto_ms) {
    SPEC(s, SLP_TX_LOSS);
    s.a.probability = probability;
    s.a.rto_ms = rto_ms;
    return toxic_set(srv, proxy, opts, &s);
}

static void toxic_remove_cmd(void *arg) {
    args_t *a = arg;
    slp_proxy_t *p = slp_proxy_find(a->srv, a->name);
    slp_toxic_t *t = p ? slp_toxic_find(p, a->toxic) : NULL;
    if (!t) {
        a->status = 404;
        return;
    }
    slp_toxic_remove(t);
    a->status = 204;
}

sl_err_t sl_proxy_toxic_remove(sl_proxy_server_t *srv, const char *proxy, const char *toxic) {
    args_t a = {.srv = srv, .name = proxy, .toxic = toxic};
    call(srv, toxic_remove_cmd, &a);
    return status_to_err(a.status);
}
