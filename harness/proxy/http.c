/*
 * Toxiproxy's HTTP API on libevent's evhttp, on the loop thread.
 *
 * Two layers: slp_http_dispatch() answers one request given as plain
 * fields (method, path, User-Agent, body), with no socket, so a fuzzer
 * (tests/fuzz/fuzz_proxy_http.c) drives it directly; handle() is the evhttp
 * glue that fills those fields from a real request and sends the answer.
 *
 * Routes, JSON shapes, status codes and error bodies follow Toxiproxy 2.x
 * (its README and api.go), so its clients work unchanged:
 *   {"error": "proxy not found", "status": 404}
 * Bodies are bounded (SLP_HTTP_MAX_BODY, evhttp answers 413 beyond), bad
 * JSON is a 400 with jansson's message, never a crash.  Like Toxiproxy,
 * requests from browsers (User-Agent "Mozilla/...") get 403: a web page
 * must not be able to drive the proxy.
 *
 * Hostile clients are bounded too (docs/reliability.md): headers
 * (SLP_HTTP_MAX_HEADERS), open control connections (SLP_HTTP_MAX_CONNS: at
 * the cap the listener stops accepting and the kernel's backlog holds the
 * rest), connections per peer address (SLP_HTTP_MAX_CONNS_PER_PEER), the
 * time one request may take from its first byte (SLP_HTTP_REQUEST_MS: a
 * client trickling a byte now and then cannot hold a slot), idle time
 * between requests (SLP_HTTP_TIMEOUT_S) and the request rate
 * (SLP_HTTP_RATE per second with as large a burst, 429 beyond), so a flood
 * on the control port cannot take file descriptors or loop time from the
 * links.
 */
#include <stddef.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "proxy-internal.h"

#define SLP_HTTP_MAX_BODY (64 * 1024)
#define SLP_HTTP_MAX_HEADERS (16 * 1024)
#define SLP_HTTP_TIMEOUT_S 30
#define SLP_TOXIPROXY_VERSION "2.12.0"   /* the API version we answer as */
#define SLP_MAX_SEGS 5

static const char *reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    case 507: return "Insufficient Storage";
    default: return "Internal Server Error";
    }
}

/* The answer goes into req->out; the glue (or the fuzzer) sends it. */
static void reply_json(slp_http_req_t *req, int status, json_t *body) {
    req->status = status;
    if (body) {
        char *text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        if (text) {
            evbuffer_add(req->out, text, strlen(text));
            evbuffer_add(req->out, "\n", 1);
            free(text);
        }
        req->json = 1;
    }
}

static void reply_error(slp_http_req_t *req, int status, const char *msg) {
    json_t *o = json_object();
    json_object_set_new(o, "error", json_string(msg));
    json_object_set_new(o, "status", json_integer(status));
    reply_json(req, status, o);
}

/* Parses the request body as JSON; on failure answers 400 and returns NULL. */
static json_t *read_body(slp_http_req_t *req, int allow_empty) {
    size_t len = req->body_len;
    json_error_t jerr;
    if (len == 0) {
        if (allow_empty)
            return json_object();
        reply_error(req, 400, "bad request body: EOF");
        return NULL;
    }
    json_t *j = json_loadb(req->body, len, 0, &jerr);
    if (!j) {
        char msg[300];
        snprintf(msg, sizeof(msg), "bad request body: %s", jerr.text);
        reply_error(req, 400, msg);
    }
    return j;
}

/* Optional string field: 0 ok (*out NULL when absent), -1 after a 400. */
static int get_str(slp_http_req_t *req, json_t *o, const char *key, const char **out) {
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        char msg[200];
        snprintf(msg, sizeof(msg), "bad request body: %s must be a string", key);
        reply_error(req, 400, msg);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static int get_bool(slp_http_req_t *req, json_t *o, const char *key, int *out) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        char msg[200];
        snprintf(msg, sizeof(msg), "bad request body: %s must be true or false", key);
        reply_error(req, 400, msg);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

static int get_num(slp_http_req_t *req, json_t *o, const char *key, double *out) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v)) {
        char msg[200];
        snprintf(msg, sizeof(msg), "bad request body: %s must be a number", key);
        reply_error(req, 400, msg);
        return -1;
    }
    *out = json_number_value(v);
    return 0;
}

/* ---- /proxies ---- */

static void proxies_index(sl_proxy_server_t *srv, slp_http_req_t *req) {
    json_t *o = json_object();
    slp_proxy_t *p;
    TAILQ_FOREACH(p, &srv->proxies, next)
        json_object_set_new(o, p->name, slp_proxy_to_json(p));
    reply_json(req, 200, o);
}

static void proxy_create(sl_proxy_server_t *srv, slp_http_req_t *req) {
    json_t *b = read_body(req, 0);
    if (!b)
        return;
    const char *name, *listen, *upstream;
    int enabled = 1;
    char err[300];
    if (!json_is_object(b)) {
        reply_error(req, 400, "bad request body: expected a JSON object");
        goto out;
    }
    if (get_str(req, b, "name", &name) < 0 || get_str(req, b, "listen", &listen) < 0 ||
        get_str(req, b, "upstream", &upstream) < 0 || get_bool(req, b, "enabled", &enabled) < 0)
        goto out;
    slp_proxy_t *p;
    int st = slp_proxy_create(srv, name, listen, upstream, enabled, &p, err, sizeof(err));
    if (st == 201)
        reply_json(req, 201, slp_proxy_to_json(p));
    else
        reply_error(req, st, err);
out:
    json_decref(b);
}

static void proxy_update(slp_proxy_t *p, slp_http_req_t *req) {
    json_t *b = read_body(req, 0);
    if (!b)
        return;
    const char *listen, *upstream;
    int enabled = p->enabled;
    char err[300];
    if (!json_is_object(b)) {
        reply_error(req, 400, "bad request body: expected a JSON object");
        goto out;
    }
    if (get_str(req, b, "listen", &listen) < 0 || get_str(req, b, "upstream", &upstream) < 0 ||
        get_bool(req, b, "enabled", &enabled) < 0)
        goto out;
    int st = slp_proxy_update(p, listen, upstream, enabled, err, sizeof(err));
    if (st == 200)
        reply_json(req, 200, slp_proxy_to_json(p));
    else
        reply_error(req, st, err);
out:
    json_decref(b);
}

/* POST /populate: create or replace (when listen or upstream differ). */
static void populate(sl_proxy_server_t *srv, slp_http_req_t *req) {
    json_t *b = read_body(req, 0);
    if (!b)
        return;
    json_t *done = json_array();
    char err[300];
    size_t i;
    json_t *e;
    if (!json_is_array(b)) {
        reply_error(req, 400, "bad request body: expected a JSON array");
        goto out;
    }
    /* Check everything first, so a bad entry changes nothing. */
    json_array_foreach(b, i, e) {
        const char *name = NULL, *upstream = NULL, *listen = NULL;
        int en = 1;
        if (!json_is_object(e)) {
            reply_error(req, 400, "bad request body: expected an array of objects");
            goto out;
        }
        if (get_str(req, e, "name", &name) < 0 || get_str(req, e, "upstream", &upstream) < 0 ||
            get_str(req, e, "listen", &listen) < 0 || get_bool(req, e, "enabled", &en) < 0)
            goto out;
        if (!name || !*name || !upstream || !*upstream) {
            snprintf(err, sizeof(err), "missing required field: %s at proxy %zu",
                     !name || !*name ? "name" : "upstream", i + 1);
            reply_error(req, 400, err);
            goto out;
        }
    }
    json_array_foreach(b, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *upstream = json_string_value(json_object_get(e, "upstream"));
        const char *listen = json_string_value(json_object_get(e, "listen"));
        json_t *jen = json_object_get(e, "enabled");
        int en = jen && json_is_boolean(jen) ? json_is_true(jen) : 1;
        slp_proxy_t *p = slp_proxy_find(srv, name);
        if (p && (strcmp(p->upstream, upstream) != 0 ||
                  (listen && *listen && strcmp(p->listen, listen) != 0))) {
            slp_proxy_delete(p);
            p = NULL;
        }
        int st;
        if (p)
            st = slp_proxy_update(p, NULL, NULL, en, err, sizeof(err));
        else
            st = slp_proxy_create(srv, name, listen, upstream, en, &p, err, sizeof(err));
        if (st != 200 && st != 201) {
            json_t *o = json_object();
            json_object_set_new(o, "error", json_string(err));
            json_object_set_new(o, "status", json_integer(st));
            json_object_set(o, "proxies", done);
            reply_json(req, st, o);
            goto out;
        }
        json_array_append_new(done, slp_proxy_to_json(p));
    }
    json_t *o = json_object();
    json_object_set(o, "proxies", done);
    reply_json(req, 201, o);
out:
    json_decref(done);
    json_decref(b);
}

/* ---- toxics ---- */

static void toxics_index(slp_proxy_t *p, slp_http_req_t *req) {
    json_t *o = slp_proxy_to_json(p);
    json_t *arr = json_incref(json_object_get(o, "toxics"));
    json_decref(o);
    reply_json(req, 200, arr);
}

static void toxic_create(slp_proxy_t *p, slp_http_req_t *req) {
    json_t *b = read_body(req, 0);
    if (!b)
        return;
    slp_toxic_spec_t spec;
    const char *name, *type, *stream, *client;
    double toxicity = 1.0;
    char err[300], msg[200];
    memset(&spec, 0, sizeof(spec));
    if (!json_is_object(b)) {
        reply_error(req, 400, "bad request body: expected a JSON object");
        goto out;
    }
    /* Toxiproxy's order of checks: body, stream, name, type, duplicate,
     * attributes. */
    if (get_str(req, b, "name", &name) < 0 || get_str(req, b, "type", &type) < 0 ||
        get_str(req, b, "stream", &stream) < 0 || get_str(req, b, "client", &client) < 0 ||
        get_num(req, b, "toxicity", &toxicity) < 0)
        goto out;
    if (!stream || !*stream || !strcmp(stream, "downstream"))
        spec.stream = SL_PROXY_DOWNSTREAM;
    else if (!strcmp(stream, "upstream"))
        spec.stream = SL_PROXY_UPSTREAM;
    else {
        reply_error(req, 400, "stream was invalid, can be either upstream or downstream");
        goto out;
    }
    int ty = slp_toxic_type_from_name(type);
    if (ty < 0) {
        reply_error(req, 400, "invalid toxic type");
        goto out;
    }
    spec.type = (slp_toxic_type_t)ty;
    if (name && strlen(name) > SLP_NAME_MAX) {
        reply_error(req, 400, "bad request body: name too long");
        goto out;
    }
    if (client && strlen(client) >= SLP_ADDR_MAX) {
        reply_error(req, 400, "bad request body: client too long");
        goto out;
    }
    snprintf(spec.name, sizeof(spec.name), "%s", name ? name : "");
    snprintf(spec.client, sizeof(spec.client), "%s", client ? client : "");
    spec.toxicity = toxicity;
    slp_attrs_defaults(spec.type, &spec.a);
    char full[SLP_NAME_MAX + 32];
    if (spec.name[0])
        snprintf(full, sizeof(full), "%s", spec.name);
    else
        snprintf(full, sizeof(full), "%s_%s", slp_toxic_type_name(spec.type),
                 slp_stream_name(spec.stream));
    if (slp_toxic_find(p, full)) {
        reply_error(req, 409, "toxic already exists");
        goto out;
    }
    if (slp_attrs_from_json(spec.type, json_object_get(b, "attributes"), &spec.a, msg,
                            sizeof(msg)) < 0) {
        snprintf(err, sizeof(err), "bad request body: %s", msg);
        reply_error(req, 400, err);
        goto out;
    }
    slp_toxic_t *t;
    int st = slp_toxic_add(p, &spec, &t, err, sizeof(err));
    if (st == 200)
        reply_json(req, 200, slp_toxic_to_json(t));   /* Toxiproxy: 200, not 201 */
    else
        reply_error(req, st, err);
out:
    json_decref(b);
}

static void toxic_update(slp_toxic_t *t, slp_http_req_t *req) {
    json_t *b = read_body(req, 0);
    if (!b)
        return;
    slp_attrs_t a = t->a;
    double toxicity = t->toxicity;
    char err[300], msg[200];
    if (!json_is_object(b)) {
        reply_error(req, 400, "bad request body: expected a JSON object");
        goto out;
    }
    if (get_num(req, b, "toxicity", &toxicity) < 0)
        goto out;
    if (slp_attrs_from_json(t->type, json_object_get(b, "attributes"), &a, msg, sizeof(msg)) <
        0) {
        snprintf(err, sizeof(err), "bad request body: %s", msg);
        reply_error(req, 400, err);
        goto out;
    }
    int st = slp_toxic_update(t, &a, toxicity, err, sizeof(err));
    if (st == 200)
        reply_json(req, 200, slp_toxic_to_json(t));
    else
        reply_error(req, st, err);
out:
    json_decref(b);
}

/* stormlab's own: GET /proxies/{proxy}/connections, the link accounting. */
static void connections(slp_proxy_t *p, slp_http_req_t *req) {
    json_t *o = json_object();
    json_object_set_new(o, "accepted", json_integer((json_int_t)p->st.accepted));
    json_object_set_new(o, "active", json_integer((json_int_t)p->st.active));
    json_object_set_new(o, "closed", json_integer((json_int_t)p->st.closed));
    json_object_set_new(o, "refused", json_integer((json_int_t)p->st.refused));
    json_object_set_new(o, "upstream_failed", json_integer((json_int_t)p->st.upstream_failed));
    json_object_set_new(o, "reset", json_integer((json_int_t)p->st.reset));
    json_object_set_new(o, "bytes_upstream", json_integer((json_int_t)p->st.bytes_upstream));
    json_object_set_new(o, "bytes_downstream",
                        json_integer((json_int_t)p->st.bytes_downstream));
    json_t *arr = json_array();
    int64_t now = slp_now_us();
    slp_link_t *l;
    TAILQ_FOREACH(l, &p->links, next) {
        json_t *e = json_object();
        json_object_set_new(e, "id", json_integer((json_int_t)l->id));
        json_object_set_new(e, "client", json_string(l->client_addr));
        json_object_set_new(e, "bytes_upstream",
                            json_integer((json_int_t)l->dir[SL_PROXY_UPSTREAM].bytes));
        json_object_set_new(e, "bytes_downstream",
                            json_integer((json_int_t)l->dir[SL_PROXY_DOWNSTREAM].bytes));
        json_object_set_new(e, "age_ms", json_integer((now - l->accepted_us) / 1000));
        json_array_append_new(arr, e);
    }
    json_object_set_new(o, "links", arr);
    reply_json(req, 200, o);
}

/* ---- GET /metrics: Prometheus text format ---- */

/* A label value, escaped as the text format wants (\\, \", \n). */
static void prom_label(struct evbuffer *out, const char *key, const char *v) {
    evbuffer_add_printf(out, "%s=\"", key);
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            evbuffer_add_printf(out, "\\%c", *v);
        else if (*v == '\n')
            evbuffer_add(out, "\\n", 2);
        else
            evbuffer_add(out, v, 1);
    }
    evbuffer_add(out, "\"", 1);
}

/* Toxiproxy's proxy metrics under its names and labels (its
 * collectors/proxy.go: received = read from the source, sent = written to
 * the destination, by direction), counted live rather than when a link
 * closes; then stormlab's own: links by outcome and the memory held. */
static void metrics(sl_proxy_server_t *srv, slp_http_req_t *req) {
    static const char *names[2] = {"received", "sent"};
    struct evbuffer *out = req->out;
    for (int k = 0; k < 2; k++) {
        evbuffer_add_printf(out, "# HELP toxiproxy_proxy_%s_bytes_total Bytes %s by the proxy.\n",
                            names[k], k ? "written to destinations" : "read from sources");
        evbuffer_add_printf(out, "# TYPE toxiproxy_proxy_%s_bytes_total counter\n", names[k]);
        slp_proxy_t *p;
        TAILQ_FOREACH(p, &srv->proxies, next)
            for (int dir = 0; dir < 2; dir++) {
                sl_proxy_stream_t w = dir ? SL_PROXY_UPSTREAM : SL_PROXY_DOWNSTREAM;
                uint64_t v = k == 0 ? p->received[w]
                                    : (w == SL_PROXY_UPSTREAM ? p->st.bytes_upstream
                                                              : p->st.bytes_downstream);
                evbuffer_add_printf(out, "toxiproxy_proxy_%s_bytes_total{", names[k]);
                prom_label(out, "direction", slp_stream_name(w));
                evbuffer_add(out, ",", 1);
                prom_label(out, "listener", p->listen);
                evbuffer_add(out, ",", 1);
                prom_label(out, "proxy", p->name);
                evbuffer_add(out, ",", 1);
                prom_label(out, "upstream", p->upstream);
                evbuffer_add_printf(out, "} %llu\n", (unsigned long long)v);
            }
    }
    static const struct {
        const char *name, *help;
        size_t off;
    } counts[] = {
        {"accepted", "Links accepted.", offsetof(sl_proxy_stats_t, accepted)},
        {"closed", "Links closed, for any reason.", offsetof(sl_proxy_stats_t, closed)},
        {"refused", "Links closed by a refuse toxic.", offsetof(sl_proxy_stats_t, refused)},
        {"upstream_failed", "Links closed because the upstream could not be reached.",
         offsetof(sl_proxy_stats_t, upstream_failed)},
        {"reset", "Links reset (RST).", offsetof(sl_proxy_stats_t, reset)},
    };
    for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
        evbuffer_add_printf(out, "# HELP stormlab_proxy_links_%s_total %s\n", counts[k].name,
                            counts[k].help);
        evbuffer_add_printf(out, "# TYPE stormlab_proxy_links_%s_total counter\n", counts[k].name);
        slp_proxy_t *p;
        TAILQ_FOREACH(p, &srv->proxies, next) {
            evbuffer_add_printf(out, "stormlab_proxy_links_%s_total{", counts[k].name);
            prom_label(out, "proxy", p->name);
            evbuffer_add_printf(out, "} %llu\n",
                                (unsigned long long)*(const uint64_t *)(const void *)(
                                    (const char *)&p->st + counts[k].off));
        }
    }
    evbuffer_add_printf(out, "# HELP stormlab_proxy_links_active Links open now.\n"
                             "# TYPE stormlab_proxy_links_active gauge\n");
    slp_proxy_t *p;
    TAILQ_FOREACH(p, &srv->proxies, next) {
        evbuffer_add_printf(out, "stormlab_proxy_links_active{");
        prom_label(out, "proxy", p->name);
        evbuffer_add_printf(out, "} %llu\n", (unsigned long long)p->st.active);
    }
    evbuffer_add_printf(out,
                        "# HELP stormlab_proxy_held_bytes Memory the toxics hold (payload plus "
                        "per-chunk overhead).\n"
                        "# TYPE stormlab_proxy_held_bytes gauge\n"
                        "stormlab_proxy_held_bytes %zu\n"
                        "# HELP stormlab_proxy_held_bytes_cap The cap on stormlab_proxy_held_bytes.\n"
                        "# TYPE stormlab_proxy_held_bytes_cap gauge\n"
                        "stormlab_proxy_held_bytes_cap %zu\n",
                        srv->mem_held, srv->mem_cap);
    req->status = 200;
    req->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

/* ---- limits ---- */

/* Token bucket: SLP_HTTP_RATE requests a second, in bursts of as many;
 * tokens are counted in millionths so refills need no division.  O(1). */
static int rate_ok(sl_proxy_server_t *srv, int64_t now_us) {
    const int64_t one = 1000000, cap = (int64_t)SLP_HTTP_RATE * one;
    if (!srv->http_rate_started) {
        srv->http_rate_started = 1;
        srv->http_tokens = cap;
    } else if (now_us > srv->http_tokens_us) {
        int64_t el = now_us - srv->http_tokens_us;
        int64_t add = el >= cap / SLP_HTTP_RATE ? cap : el * SLP_HTTP_RATE;
        srv->http_tokens = srv->http_tokens + add > cap ? cap : srv->http_tokens + add;
    }
    srv->http_tokens_us = now_us;
    if (srv->http_tokens < one)
        return 0;
    srv->http_tokens -= one;
    return 1;
}

/* Open control connections are bounded by SLP_HTTP_MAX_CONNS.  evhttp 2.1
 * tells nobody when it closes a connection, so the connection's bufferevent
 * is made here (evhttp_set_bevcb) and we keep one reference to it.  When
 * evhttp frees the connection, bufferevent_free() clears its callbacks, shuts
 * the socket for writing (the client sees EOF at once) and drops evhttp's
 * reference; a sweep (at each accept, and every SLP_HTTP_SWEEP_MS while any
 * connection is open) finds those, drops ours, and the fd closes.  At the cap
 * the listener stops accepting, so the kernel's backlog holds the next
 * clients until a sweep frees a slot.  A read high-watermark bounds what a
 * let-go bufferevent can buffer before its sweep.  O(SLP_HTTP_MAX_CONNS). */
#define SLP_HTTP_SWEEP_MS 100

static void conns_arm(sl_proxy_server_t *srv) {
    if (srv->http_conns > 0 && srv->http_sweep_ev &&
        !evtimer_pending(srv->http_sweep_ev, NULL)) {
        struct timeval tv = {0, SLP_HTTP_SWEEP_MS * 1000};
        evtimer_add(srv->http_sweep_ev, &tv);
    }
}

static int conn_slot(sl_proxy_server_t *srv, const struct bufferevent *b) {
    for (int i = 0; i < srv->http_conns; i++)
        if (srv->http_bevs[i] == b)
            return i;
    return -1;
}

/* Ends a connection evhttp holds: reads see EOF, so evhttp lets it go (a
 * request cut short is not answered) and the next sweep closes the fd. */
static void conn_shut(sl_proxy_server_t *srv, int i) {
    evutil_socket_t fd = bufferevent_getfd(srv->http_bevs[i]);
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR);
    srv->http_since_us[i] = -1;
}

/* Bytes arrived: a request starts now unless one is under way. */
static void conn_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
    sl_proxy_server_t *srv = arg;
    if (info->n_added == 0)
        return;
    for (int i = 0; i < srv->http_conns; i++)
        if (bufferevent_get_input(srv->http_bevs[i]) == buf) {
            if (srv->http_since_us[i] == 0)
                srv->http_since_us[i] = slp_now_us();
            return;
        }
}

/* The limits on open connections: a request past SLP_HTTP_REQUEST_MS is
 * cut (a slow-loris client), and a peer over SLP_HTTP_MAX_CONNS_PER_PEER
 * loses its newest connection as soon as its address is known. */
static void conns_police(sl_proxy_server_t *srv, int64_t now) {
    for (int i = 0; i < srv->http_conns; i++) {
        int64_t since = srv->http_since_us[i];
        if (since > 0 && now - since > (int64_t)SLP_HTTP_REQUEST_MS * 1000) {
            conn_shut(srv, i);
            continue;
        }
        evutil_socket_t fd = bufferevent_getfd(srv->http_bevs[i]);
        if (since < 0 || srv->http_peer[i][0] || fd < 0)
            continue;
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0) {
            conn_shut(srv, i);   /* gone already */
            continue;
        }
        slp_addr_format_ip((struct sockaddr *)&ss, srv->http_peer[i], SLP_ADDR_MAX);
        int same = 0;
        for (int j = 0; j < srv->http_conns; j++)
            if (j != i && srv->http_since_us[j] >= 0 &&
                !strcmp(srv->http_peer[j], srv->http_peer[i]))
                same++;
        if (same >= SLP_HTTP_MAX_CONNS_PER_PEER)
            conn_shut(srv, i);
    }
}

static void conns_sweep(sl_proxy_server_t *srv) {
    int n = 0, was = srv->http_conns;
    conns_police(srv, slp_now_us());
    for (int i = 0; i < was; i++) {
        struct bufferevent *b = srv->http_bevs[i];
        bufferevent_event_cb ecb = NULL;
        bufferevent_getcb(b, NULL, NULL, &ecb, NULL);
        if (ecb) {                       /* evhttp still holds it */
            srv->http_bevs[n] = b;
            srv->http_since_us[n] = srv->http_since_us[i];
            memmove(srv->http_peer[n], srv->http_peer[i], SLP_ADDR_MAX);
            n++;
            continue;
        }
        bufferevent_disable(b, EV_READ | EV_WRITE);
        bufferevent_decref(b);           /* the last reference: closes the fd */
    }
    srv->http_conns = n;
    if (was == SLP_HTTP_MAX_CONNS && n < was && srv->http_lev)
        evconnlistener_enable(srv->http_lev);
    conns_arm(srv);
}

static void conns_sweep_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    conns_sweep(arg);
}

static struct bufferevent *conn_new(struct event_base *base, void *arg) {
    sl_proxy_server_t *srv = arg;
    conns_sweep(srv);
    if (srv->http_conns >= SLP_HTTP_MAX_CONNS)
        return NULL;   /* not reached: the listener is off at the cap */
    struct bufferevent *b = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!b)
        return NULL;   /* evhttp makes its own, uncounted: only when out of memory */
    bufferevent_setwatermark(b, EV_READ, 0, SLP_HTTP_MAX_HEADERS + SLP_HTTP_MAX_BODY + 4096);
    if (!evbuffer_add_cb(bufferevent_get_input(b), conn_input_cb, srv)) {
        bufferevent_free(b);
        return NULL;
    }
    bufferevent_incref(b);
    int i = srv->http_conns++;
    srv->http_bevs[i] = b;
    srv->http_since_us[i] = slp_now_us();   /* the connect starts the first request */
    srv->http_peer[i][0] = 0;
    if (srv->http_conns == SLP_HTTP_MAX_CONNS && srv->http_lev)
        evconnlistener_disable(srv->http_lev);
    /* evhttp sets the socket and its callbacks after this returns: the
     * sweep, run at once on the next loop turn, learns the peer. */
    if (srv->http_sweep_ev)
        event_active(srv->http_sweep_ev, EV_TIMEOUT, 1);
    return b;
}

/* ---- routing ---- */

static int split_path(const char *path, char segs[SLP_MAX_SEGS][SLP_NAME_MAX + 1]) {
    int n = 0;
    const char *s = path;
    while (*s) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (n == SLP_MAX_SEGS || len > 3 * SLP_NAME_MAX)
            return -1;
        char raw[3 * SLP_NAME_MAX + 1];
        memcpy(raw, s, len);
        raw[len] = 0;
        size_t dlen = 0;
        char *dec = evhttp_uridecode(raw, 0, &dlen);
        if (!dec || dlen > SLP_NAME_MAX || memchr(dec, 0, dlen)) {
            free(dec);
            return -1;
        }
        memcpy(segs[n], dec, dlen + 1);
        free(dec);
        n++;
        s += len;
    }
    return n;
}

void slp_http_dispatch(sl_proxy_server_t *srv, slp_http_req_t *req) {
    enum evhttp_cmd_type m = req->method;
    const char *ua = req->user_agent;
    req->status = 500;
    req->json = 0;
    req->deferred = 0;
    req->content_type = NULL;
    if (ua && !strncmp(ua, "Mozilla/", 8)) {
        req->status = 403;
        evbuffer_add_printf(req->out, "User agent not allowed\n");
        return;
    }
    /* DNS rebinding: a page of evil.example whose name now resolves to
     * 127.0.0.1 reaches a loopback API as a same-origin request, but its
     * Host still says evil.example (docs/reliability.md, attack 12). */
    if (srv->control_loopback && req->host && !slp_addr_host_is_loopback(req->host)) {
        reply_error(req, 403, "Host not allowed: the control API listens on loopback and answers only requests "
                              "addressed to localhost or a loopback address");
        return;
    }
    if (!rate_ok(srv, slp_now_us())) {
        reply_error(req, 429, "too many requests");
        return;
    }
    const char *path = req->path;
    char segs[SLP_MAX_SEGS][SLP_NAME_MAX + 1];
    int n = path ? split_path(path, segs) : -1;
    int get = m == EVHTTP_REQ_GET, post = m == EVHTTP_REQ_POST || m == EVHTTP_REQ_PATCH;
    int del = m == EVHTTP_REQ_DELETE;
    if (n < 0)
        goto notfound;

    if (n == 1 && !strcmp(segs[0], "version")) {
        if (!get)
            goto badmethod;
        json_t *o = json_object();
        json_object_set_new(o, "version", json_string(SLP_TOXIPROXY_VERSION));
        json_object_set_new(o, "stormlab", json_string(SLP_STORMLAB_VERSION));
        reply_json(req, 200, o);
        return;
    }
    if (n == 1 && !strcmp(segs[0], "metrics")) {
        if (!get)
            goto badmethod;
        metrics(srv, req);
        return;
    }
    if (n == 1 && !strcmp(segs[0], "reset")) {
        if (m != EVHTTP_REQ_POST)
            goto badmethod;
        /* Proxies are enabled a batch a loop turn (reset_cb), so the links
         * and the API go on meanwhile; the 204 waits for the last one. */
        if (slp_proxy_reset_begin(srv) > 0 && srv->reset_ev) {
            req->deferred = 1;
            event_active(srv->reset_ev, EV_TIMEOUT, 1);
        } else {
            slp_proxy_reset_all(srv);
        }
        reply_json(req, 204, NULL);
        return;
    }
    if (n == 1 && !strcmp(segs[0], "populate")) {
        if (m != EVHTTP_REQ_POST)
            goto badmethod;
        populate(srv, req);
        return;
    }
    if (n == 0 || strcmp(segs[0], "proxies") != 0)
        goto notfound;
    if (n == 1) {
        if (get)
            proxies_index(srv, req);
        else if (m == EVHTTP_REQ_POST)
            proxy_create(srv, req);
        else
            goto badmethod;
        return;
    }
    if (n == 3 && strcmp(segs[2], "toxics") != 0 && strcmp(segs[2], "connections") != 0)
        goto notfound;
    if (n == 4 && strcmp(segs[2], "toxics") != 0)
        goto notfound;
    if (n > 4)
        goto notfound;
    slp_proxy_t *p = slp_proxy_find(srv, segs[1]);
    if (n == 2) {
        if (!get && !post && !del)
            goto badmethod;
        if (!p) {
            reply_error(req, 404, "proxy not found");
            return;
        }
        if (get)
            reply_json(req, 200, slp_proxy_to_json(p));
        else if (post)
            proxy_update(p, req);
        else {
            slp_proxy_delete(p);
            reply_json(req, 204, NULL);
        }
        return;
    }
    if (n == 3 && !strcmp(segs[2], "connections")) {
        if (!get)
            goto badmethod;
        if (!p)
            reply_error(req, 404, "proxy not found");
        else
            connections(p, req);
        return;
    }
    if (n == 3) {
        if (!get && m != EVHTTP_REQ_POST)
            goto badmethod;
        if (!p)
            reply_error(req, 404, "proxy not found");
        else if (get)
            toxics_index(p, req);
        else
            toxic_create(p, req);
        return;
    }
    /* n == 4: /proxies/{proxy}/toxics/{toxic} */
    if (!get && !post && !del)
        goto badmethod;
    if (!p) {
        reply_error(req, 404, "proxy not found");
        return;
    }
    slp_toxic_t *t = slp_toxic_find(p, segs[3]);
    if (!t) {
        reply_error(req, 404, "toxic not found");
        return;
    }
    if (get)
        reply_json(req, 200, slp_toxic_to_json(t));
    else if (post)
        toxic_update(t, req);
    else {
        slp_toxic_remove(t);
        reply_json(req, 204, NULL);
    }
    return;
notfound:
    reply_error(req, 404, "not found");
    return;
badmethod:
    reply_error(req, 405, "method not allowed");
}

/* Answers the POST /reset requests waiting for the job (204), or, when the
 * API closes first, with 503. */
static void reset_answer(sl_proxy_server_t *srv, int status) {
    for (int i = 0; i < srv->n_reset_waiters; i++)
        evhttp_send_reply(srv->reset_waiters[i], status, reason(status), NULL);
    srv->n_reset_waiters = 0;
}

static void reset_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    sl_proxy_server_t *srv = arg;
    static const struct timeval now = {0, 0};
    /* A timer, not event_active: an event activated from its own callback
     * runs again in the same pass, before any socket is polled. */
    if (slp_proxy_reset_step(srv) > 0)
        event_add(srv->reset_ev, &now);
    else
        reset_answer(srv, 204);
}

/* evhttp glue: one real request in, one answer out. */
static void handle(struct evhttp_request *ev, void *arg) {
    sl_proxy_server_t *srv = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
    struct evbuffer *in = evhttp_request_get_input_buffer(ev);
    slp_http_req_t req = {
        .method = evhttp_request_get_command(ev),
        .path = uri ? evhttp_uri_get_path(uri) : NULL,
        .user_agent = evhttp_find_header(evhttp_request_get_input_headers(ev), "User-Agent"),
        .host = evhttp_find_header(evhttp_request_get_input_headers(ev), "Host"),
        .body_len = evbuffer_get_length(in),
        .out = evbuffer_new(),
    };
    if (!req.out) {
        evhttp_send_error(ev, 500, "out of memory");
        return;
    }
    req.body = req.body_len ? (const char *)evbuffer_pullup(in, -1) : NULL;
    slp_http_dispatch(srv, &req);
    /* Answered: the connection's next request starts with its next byte
     * (or now, when it is already in). */
    struct evhttp_connection *con = evhttp_request_get_connection(ev);
    int slot = con ? conn_slot(srv, evhttp_connection_get_bufferevent(con)) : -1;
    if (slot >= 0 && srv->http_since_us[slot] > 0)
        srv->http_since_us[slot] =
            evbuffer_get_length(bufferevent_get_input(srv->http_bevs[slot])) ? slp_now_us() : 0;
    if (req.deferred && srv->n_reset_waiters < SLP_HTTP_MAX_CONNS) {
        /* evhttp keeps the request until it is answered, even if its
         * client goes away (it is then freed by the answer). */
        srv->reset_waiters[srv->n_reset_waiters++] = ev;
        evbuffer_free(req.out);
        return;
    }
    if (req.deferred)   /* not reached: one waiter per connection at most */
        while (slp_proxy_reset_step(srv) > 0) {
        }
    if (req.json || req.content_type)
        evhttp_add_header(evhttp_request_get_output_headers(ev), "Content-Type",
                          req.json ? "application/json" : req.content_type);
    evhttp_send_reply(ev, req.status, reason(req.status), req.out);
    evbuffer_free(req.out);
}

int slp_http_listen(sl_proxy_server_t *srv, const char *addr, char *errstr,
                    size_t errstr_size) {
    struct sockaddr_storage sa;
    socklen_t len;
    char msg[256];
    if (srv->http) {
        snprintf(errstr, errstr_size, "control API already listening on %s",
                 srv->control_addr);
        return 409;
    }
    if (slp_addr_parse(addr ? addr : "127.0.0.1:8474", &sa, &len, msg, sizeof(msg)) < 0) {
        snprintf(errstr, errstr_size, "control address: %s", msg);
        return 400;
    }
    struct evhttp *http = evhttp_new(srv->base);
    if (!http) {
        snprintf(errstr, errstr_size, "out of memory");
        return 500;
    }
    evhttp_set_max_body_size(http, SLP_HTTP_MAX_BODY);
    evhttp_set_max_headers_size(http, SLP_HTTP_MAX_HEADERS);
    evhttp_set_timeout(http, SLP_HTTP_TIMEOUT_S);
    evhttp_set_bevcb(http, conn_new, srv);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE |
                                         EVHTTP_REQ_PATCH | EVHTTP_REQ_PUT | EVHTTP_REQ_HEAD);
    evhttp_set_gencb(http, handle, srv);
    unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
    struct evconnlistener *lev =
        evconnlistener_new_bind(srv->base, NULL, NULL, flags, 128, (struct sockaddr *)&sa,
                                (int)len);
    if (!lev) {
        char want[SLP_ADDR_MAX];
        slp_addr_format((struct sockaddr *)&sa, want, sizeof(want));
        snprintf(errstr, errstr_size, "control API: listen tcp %s: %s", want,
                 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        evhttp_free(http);
        return 500;
    }
    if (!evhttp_bind_listener(http, lev)) {
        evconnlistener_free(lev);
        evhttp_free(http);
        snprintf(errstr, errstr_size, "out of memory");
        return 500;
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof(bound);
    if (getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&bound, &blen) == 0)
        slp_addr_format((struct sockaddr *)&bound, srv->control_addr,
                        sizeof(srv->control_addr));
    srv->control_loopback = sl_proxy_addr_is_loopback((struct sockaddr *)&sa);
    if (!srv->control_loopback)
        fprintf(stderr,
                "stormlab proxy: warning: control API on %s, not loopback; it has no "
                "authentication\n",
                srv->control_addr);
    srv->http = http;
    srv->http_lev = lev;
    if (!srv->http_sweep_ev)
        srv->http_sweep_ev = evtimer_new(srv->base, conns_sweep_cb, srv);
    if (!srv->reset_ev)
        srv->reset_ev = event_new(srv->base, -1, 0, reset_cb, srv);
    return 200;
}

void slp_http_close(sl_proxy_server_t *srv) {
    if (srv->reset_ev) {
        event_free(srv->reset_ev);
        srv->reset_ev = NULL;
    }
    reset_answer(srv, 503);   /* before evhttp frees their connections */
    if (srv->http) {
        srv->http_lev = NULL;     /* freed with the evhttp */
        evhttp_free(srv->http);   /* frees its bound listeners and connections */
        srv->http = NULL;
    }
    conns_sweep(srv);             /* every connection is let go of now */
    SLP_ASSERT(srv->http_conns == 0);
    if (srv->http_sweep_ev) {
        event_free(srv->http_sweep_ev);
        srv->http_sweep_ev = NULL;
    }
}
