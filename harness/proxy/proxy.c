/*
 * Proxies and their toxics, on the loop thread.  Results are HTTP status
 * codes (the control API passes them through; the C API maps them to
 * sl_err_t), with Toxiproxy's messages in errstr.
 */
#include <errno.h>
#include <string.h>

#include "proxy-internal.h"

slp_proxy_t *slp_proxy_find(sl_proxy_server_t *srv, const char *name) {
    slp_proxy_t *p;
    if (!name)
        return NULL;
    TAILQ_FOREACH(p, &srv->proxies, next)
        if (!strcmp(p->name, name))
            return p;
    return NULL;
}

slp_toxic_t *slp_toxic_find(slp_proxy_t *p, const char *name) {
    slp_toxic_t *t;
    if (!name)
        return NULL;
    TAILQ_FOREACH(t, &p->toxics, next)
        if (!strcmp(t->name, name))
            return t;
    return NULL;
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg) {
    (void)lev;
    slp_link_accept(arg, fd, sa, salen);
}

static void accept_error_cb(struct evconnlistener *lev, void *arg) {
    slp_proxy_t *p = arg;
    int err = EVUTIL_SOCKET_ERROR();
    /* EMFILE and friends: say so and go on; the listener stays. */
    fprintf(stderr, "stormlab proxy: %s: accept: %s\n", p->name,
            evutil_socket_error_to_string(err));
    (void)lev;
}

/* Binds the listener at p->listen_sa (port 0 picks one, kept for re-enable). */
static int proxy_start(slp_proxy_t *p, char *errstr, size_t errstr_size) {
    if (p->lev)
        return 200;
    unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
    p->lev = evconnlistener_new_bind(p->srv->base, accept_cb, p, flags, 4096,
                                     (struct sockaddr *)&p->listen_sa, (int)p->listen_len);
    if (!p->lev) {
        char want[SLP_ADDR_MAX];
        slp_addr_format((struct sockaddr *)&p->listen_sa, want, sizeof(want));
        snprintf(errstr, errstr_size, "listen tcp %s: bind: %s", want, strerror(errno));
        return 500;
    }
    evconnlistener_set_error_cb(p->lev, accept_error_cb);
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(evconnlistener_get_fd(p->lev), (struct sockaddr *)&ss, &len) == 0) {
        memcpy(&p->listen_sa, &ss, len);
        p->listen_len = len;
    }
    slp_addr_format((struct sockaddr *)&p->listen_sa, p->listen, sizeof(p->listen));
    if (!sl_proxy_addr_is_loopback((struct sockaddr *)&p->listen_sa))
        fprintf(stderr,
                "stormlab proxy: warning: proxy %s listens on %s, not loopback: anyone who "
                "can reach this host can use it\n",
                p->name, p->listen);
    p->enabled = 1;
    return 200;
}

static void proxy_stop(slp_proxy_t *p) {
    if (p->lev) {
        evconnlistener_free(p->lev);
        p->lev = NULL;
    }
    p->enabled = 0;
    slp_link_t *l;
    while ((l = TAILQ_FIRST(&p->links)))
        slp_link_kill(l, SLP_CLOSE_FIN);
}

/* Sets p's upstream: a numeric address now; a hostname is kept and looked
 * up for each new link, as Toxiproxy dials it (an upstream that does not
 * resolve yet, a container not yet started, is not an error here). */
static int upstream_set(slp_proxy_t *p, const char *upstream, char *errstr, size_t errstr_size) {
    char host[256], port[16], msg[256];
    if (slp_addr_split(upstream, host, port, msg, sizeof(msg)) < 0) {
        snprintf(errstr, errstr_size, "bad request body: upstream: %s", msg);
        return -1;
    }
    if (!slp_addr_is_numeric(host)) {
        p->up_named = 1;
        snprintf(p->up_host, sizeof(p->up_host), "%s", host);
        snprintf(p->up_port, sizeof(p->up_port), "%s", port);
        return 0;
    }
    if (slp_addr_parse(upstream, &p->up_sa, &p->up_len, msg, sizeof(msg)) < 0) {
        snprintf(errstr, errstr_size, "bad request body: upstream: %s", msg);
        return -1;
    }
    p->up_named = 0;
    return 0;
}

static int check_name(const char *name, const char *what, char *errstr, size_t errstr_size) {
    if (!name || !*name) {
        snprintf(errstr, errstr_size, "missing required field: %s", what);
        return -1;
    }
    if (strlen(name) > SLP_NAME_MAX) {
        snprintf(errstr, errstr_size, "bad request body: %s longer than %d bytes", what,
                 SLP_NAME_MAX);
        return -1;
    }
    /* Names reach logs, JSON keys and terminals: no CR/LF, escapes or
     * other control characters. */
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        if (*c < 0x20 || *c == 0x7f) {
            snprintf(errstr, errstr_size,
                     "bad request body: %s contains a control character (0x%02x)", what, *c);
            return -1;
        }
    return 0;
}

int slp_proxy_create(sl_proxy_server_t *srv, const char *name, const char *listen,
                     const char *upstream, int enabled, slp_proxy_t **out, char *errstr,
                     size_t errstr_size) {
    if (check_name(name, "name", errstr, errstr_size) < 0 ||
        check_name(upstream, "upstream", errstr, errstr_size) < 0)
        return 400;
    if (slp_proxy_find(srv, name)) {
        snprintf(errstr, errstr_size, "proxy already exists");
        return 409;
    }
    if (srv->n_proxies >= SLP_MAX_PROXIES) {
        snprintf(errstr, errstr_size, "too many proxies (at most %d)", SLP_MAX_PROXIES);
        return 507;
    }
    if (!listen || !*listen)
        listen = "127.0.0.1:0";
    slp_proxy_t *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(errstr, errstr_size, "out of memory");
        return 500;
    }
    char msg[256];
    if (slp_addr_parse(listen, &p->listen_sa, &p->listen_len, msg, sizeof(msg)) < 0) {
        snprintf(errstr, errstr_size, "bad request body: listen: %s", msg);
        free(p);
        return 400;
    }
    if (upstream_set(p, upstream, errstr, errstr_size) < 0) {
        free(p);
        return 400;
    }
    p->srv = srv;
    p->name = strdup(name);
    p->upstream = strdup(upstream);
    if (!p->name || !p->upstream) {
        free(p->name);
        free(p->upstream);
        free(p);
        snprintf(errstr, errstr_size, "out of memory");
        return 500;
    }
    snprintf(p->listen, sizeof(p->listen), "%s", listen);
    p->stream_id = sl_rng_hash(name);
    TAILQ_INIT(&p->links);
    TAILQ_INIT(&p->toxics);
    if (enabled) {
        int rc = proxy_start(p, errstr, errstr_size);
        if (rc != 200) {
            free(p->name);
            free(p->upstream);
            free(p);
            return rc;
        }
    }
    TAILQ_INSERT_TAIL(&srv->proxies, p, next);
    srv->n_proxies++;
    if (out)
        *out = p;
    return 201;
}

static void toxic_free(slp_toxic_t *t) {
    free(t->name);
    free(t->client);
    free(t);
}

void slp_proxy_delete(slp_proxy_t *p) {
    proxy_stop(p);
    slp_toxic_t *t;
    while ((t = TAILQ_FIRST(&p->toxics))) {
        TAILQ_REMOVE(&p->toxics, t, next);
        toxic_free(t);
        p->srv->n_toxics--;
    }
    TAILQ_REMOVE(&p->srv->proxies, p, next);
    p->srv->n_proxies--;
    free(p->name);
    free(p->upstream);
    free(p);
}

int slp_proxy_update(slp_proxy_t *p, const char *listen, const char *upstream, int enabled,
                     char *errstr, size_t errstr_size) {
    char msg[256];
    if (upstream && *upstream && strcmp(upstream, p->upstream) != 0) {
        slp_proxy_t probe = *p;   /* checked on a copy: a bad one changes nothing */
        if (upstream_set(&probe, upstream, errstr, errstr_size) < 0)
            return 400;
        char *dup = strdup(upstream);
        if (!dup) {
            snprintf(errstr, errstr_size, "out of memory");
            return 500;
        }
        /* Toxiproxy restarts the proxy: links drop, the listener stays put. */
        proxy_stop(p);
        free(p->upstream);
        p->upstream = dup;
        p->up_sa = probe.up_sa;
        p->up_len = probe.up_len;
        p->up_named = probe.up_named;
        memcpy(p->up_host, probe.up_host, sizeof(p->up_host));
        memcpy(p->up_port, probe.up_port, sizeof(p->up_port));
    }
    if (listen && *listen && strcmp(listen, p->listen) != 0) {
        struct sockaddr_storage sa;
        socklen_t len;
        if (slp_addr_parse(listen, &sa, &len, msg, sizeof(msg)) < 0) {
            snprintf(errstr, errstr_size, "bad request body: listen: %s", msg);
            return 400;
        }
        proxy_stop(p);
        p->listen_sa = sa;
        p->listen_len = len;
        snprintf(p->listen, sizeof(p->listen), "%s", listen);
    }
    if (enabled && !p->lev)
        return proxy_start(p, errstr, errstr_size);
    if (!enabled)
        proxy_stop(p);
    return 200;
}

int slp_toxic_add(slp_proxy_t *p, const slp_toxic_spec_t *spec, slp_toxic_t **out,
                  char *errstr, size_t errstr_size) {
    char name[SLP_NAME_MAX + 32];
    if (spec->name[0])
        snprintf(name, sizeof(name), "%s", spec->name);
    else
        snprintf(name, sizeof(name), "%s_%s", slp_toxic_type_name(spec->type),
                 slp_stream_name(spec->stream));
    if (slp_toxic_find(p, name)) {
        snprintf(errstr, errstr_size, "toxic already exists");
        return 409;
    }
    char msg[200];
    if (check_name(name, "name", errstr, errstr_size) < 0)
        return 400;
    if (spec->client[0] && !slp_addr_is_client(spec->client)) {
        snprintf(errstr, errstr_size,
                 "bad request body: client must be an IP address or ip:port, not \"%.64s\"",
                 spec->client);
        return 400;
    }
    if (slp_toxic_validate(spec->type, &spec->a, spec->toxicity, msg, sizeof(msg)) < 0) {
        snprintf(errstr, errstr_size, "bad request body: %s", msg);
        return 400;
    }
    if (p->srv->n_toxics >= SLP_MAX_TOXICS) {
        snprintf(errstr, errstr_size, "too many toxics (at most %d over all proxies)",
                 SLP_MAX_TOXICS);
        return 507;
    }
    slp_toxic_t *t = calloc(1, sizeof(*t));
    if (!t || !(t->name = strdup(name)) ||
        (spec->client[0] && !(t->client = strdup(spec->client)))) {
        if (t)
            toxic_free(t);
        snprintf(errstr, errstr_size, "out of memory");
        return 500;
    }
    t->proxy = p;
    t->type = spec->type;
    t->stream = spec->stream;
    t->toxicity = spec->toxicity;
    t->a = spec->a;
    TAILQ_INSERT_TAIL(&p->toxics, t, next);
    p->srv->n_toxics++;
    /* Existing links get it now; a kill during the walk removes the link
     * from the list, so walk with a saved next. */
    slp_link_t *l, *nx;
    for (l = TAILQ_FIRST(&p->links); l; l = nx) {
        nx = TAILQ_NEXT(l, next);
        slp_link_toxic_added(l, t);
    }
    if (out)
        *out = t;
    return 200;
}

int slp_toxic_update(slp_toxic_t *t, const slp_attrs_t *a, double toxicity, char *errstr,
                     size_t errstr_size) {
    char msg[200];
    if (slp_toxic_validate(t->type, a, toxicity, msg, sizeof(msg)) < 0) {
        snprintf(errstr, errstr_size, "bad request body: %s", msg);
        return 400;
    }
    int redraw = toxicity != t->toxicity;
    t->a = *a;
    t->toxicity = toxicity;
    slp_link_t *l, *nx;
    for (l = TAILQ_FIRST(&t->proxy->links); l; l = nx) {
        nx = TAILQ_NEXT(l, next);
        if (t->type == SLP_TX_REFUSE)
            slp_link_toxic_added(l, t);   /* a refuse update turns links away again */
        else
            slp_link_toxic_updated(l, t, redraw);
    }
    return 200;
}

void slp_toxic_remove(slp_toxic_t *t) {
    slp_proxy_t *p = t->proxy;
    slp_link_t *l, *nx;
    for (l = TAILQ_FIRST(&p->links); l; l = nx) {
        nx = TAILQ_NEXT(l, next);
        slp_link_toxic_removed(l, t);
    }
    TAILQ_REMOVE(&p->toxics, t, next);
    toxic_free(t);
    p->srv->n_toxics--;
}

/* Removes every toxic and releases at once what removed cuts still hold
 * (theirs and earlier ones' draining on TCP's schedule): a reset is the
 * teardown's heal, which wants every held byte delivered now. */
size_t slp_proxy_reset_begin(sl_proxy_server_t *srv) {
    slp_proxy_t *p;
    srv->reset_left = 0;
    TAILQ_FOREACH(p, &srv->proxies, next) {
        slp_toxic_t *t;
        while ((t = TAILQ_FIRST(&p->toxics)))
            slp_toxic_remove(t);
        slp_link_t *l, *nx;
        for (l = TAILQ_FIRST(&p->links); l; l = nx) {
            nx = TAILQ_NEXT(l, next);
            slp_link_release_drains(l);
        }
        p->reset_start = !p->lev;
        srv->reset_left += (size_t)p->reset_start;
    }
    return srv->reset_left;
}

size_t slp_proxy_reset_step(sl_proxy_server_t *srv) {
    slp_proxy_t *p;
    int64_t until = slp_now_us() + SLP_RESET_SLICE_US;
    int done = 0;
    size_t left = 0;
    TAILQ_FOREACH(p, &srv->proxies, next) {
        if (!p->reset_start)
            continue;
        if (done && slp_now_us() >= until) {
            left++;
            continue;
        }
        p->reset_start = 0;
        done++;
        char err[256];
        if (proxy_start(p, err, sizeof(err)) != 200)
            fprintf(stderr, "stormlab proxy: reset: %s: %s\n", p->name, err);
    }
    return srv->reset_left = left;
}

/* The C API's reset (a run's teardown): everything before it returns. */
void slp_proxy_reset_all(sl_proxy_server_t *srv) {
    slp_proxy_reset_begin(srv);
    while (slp_proxy_reset_step(srv) > 0) {
    }
}

void slp_server_close_all(sl_proxy_server_t *srv) {
    slp_http_close(srv);
    slp_proxy_t *p;
    while ((p = TAILQ_FIRST(&srv->proxies)))
        slp_proxy_delete(p);
    slp_links_reap_all(srv);
}
