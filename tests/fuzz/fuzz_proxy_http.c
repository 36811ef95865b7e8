/*
 * The fault proxy's control API (harness/proxy/http.c) on arbitrary
 * requests, without a socket: the input is a stream of HTTP/1.1 requests
 * ("METHOD URI HTTP/1.1", headers, a body of Content-Length bytes),
 * parsed here the way evhttp hands them over (the URI parsed by
 * evhttp_uri_parse_with_flags as evhttp does, the User-Agent header, the
 * body bytes), and each goes through slp_http_dispatch() on a fresh server,
 * in order, so one input can create a proxy, add toxics, update and delete
 * them.  Up to 64 requests per input.
 *
 * No DNS and no port but 0: getaddrinfo() is wrapped (-Wl,--wrap) to take
 * numeric hosts only and hand back loopback, port 0, so a fuzzed
 * "listen" binds 127.0.0.1:0 or [::1]:0 and nothing else.
 *
 * Properties (beyond no crash, no leak, no UB):
 *  - every status is one the API documents (docs/proxy.md);
 *  - a JSON answer parses, and an error answer is {"error": text, "status":
 *    the same status};
 *  - after each request the server's books agree: proxy names unique,
 *    toxic names unique per proxy, the proxy and toxic counts match the
 *    lists and stay within SLP_MAX_PROXIES and SLP_MAX_TOXICS.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

#include <event2/http.h>

#include "fuzz.h"
#include "proxy-internal.h"

int __real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res);
int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res);

int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res) {
    struct addrinfo h;
    memset(&h, 0, sizeof h);
    if (hints)
        h = *hints;
    h.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
    int rc = __real_getaddrinfo(node, service, &h, res);
    if (rc != 0)
        return rc;
    for (struct addrinfo *ai = *res; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)ai->ai_addr;
            in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            in->sin_port = 0;
        } else if (ai->ai_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ai->ai_addr;
            in6->sin6_addr = in6addr_loopback;
            in6->sin6_port = 0;
            in6->sin6_scope_id = 0;
        }
    }
    return 0;
}

static int verbose;   /* SL_FUZZ_VERBOSE=1: print each request and answer */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    verbose = getenv("SL_FUZZ_VERBOSE") != NULL;
    return 0;
}

#define MAX_REQUESTS 64

/* One line (up to \n, \r\n accepted) from [*p, end); NULL at the end. */
static const char *next_line(const char **p, const char *end, size_t *len) {
    if (*p >= end)
        return NULL;
    const char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl ? nl : end;
    *p = nl ? nl + 1 : end;
    *len = (size_t)(e - s);
    if (*len && s[*len - 1] == '\r')
        (*len)--;
    return s;
}

static int method_of(const char *m, size_t n) {
    static const struct {
        const char *name;
        int method;
    } ms[] = {{"GET", EVHTTP_REQ_GET},       {"POST", EVHTTP_REQ_POST},
              {"PUT", EVHTTP_REQ_PUT},       {"DELETE", EVHTTP_REQ_DELETE},
              {"PATCH", EVHTTP_REQ_PATCH},   {"HEAD", EVHTTP_REQ_HEAD},
              {"OPTIONS", EVHTTP_REQ_OPTIONS}};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        if (strlen(ms[i].name) == n && !memcmp(ms[i].name, m, n))
            return ms[i].method;
    return -1;
}

static void check_books(const sl_proxy_server_t *srv) {
    size_t np = 0, nt = 0;
    const slp_proxy_t *p, *q;
    TAILQ_FOREACH(p, &srv->proxies, next) {
        np++;
        FZ_CHECK(p->name && *p->name && strlen(p->name) <= SLP_NAME_MAX, "proxy name");
        for (q = TAILQ_NEXT(p, next); q; q = TAILQ_NEXT(q, next))
            FZ_CHECK(strcmp(p->name, q->name) != 0, "two proxies named %s", p->name);
        const slp_toxic_t *t, *u;
        TAILQ_FOREACH(t, &p->toxics, next) {
            nt++;
            FZ_CHECK(t->proxy == p, "toxic %s points to another proxy", t->name);
            for (u = TAILQ_NEXT(t, next); u; u = TAILQ_NEXT(u, next))
                FZ_CHECK(strcmp(t->name, u->name) != 0, "two toxics named %s on %s", t->name,
                         p->name);
        }
    }
    FZ_CHECK(np == srv->n_proxies && nt == srv->n_toxics,
             "books: %zu proxies, %zu toxics listed; counted %zu, %zu", np, nt, srv->n_proxies,
             srv->n_toxics);
    FZ_CHECK(np <= SLP_MAX_PROXIES && nt <= SLP_MAX_TOXICS, "over a cap");
}

static void check_answer(const slp_http_req_t *r) {
    static const int documented[] = {200, 201, 204, 400, 403, 404, 405, 409, 429, 500, 507};
    int ok = 0;
    for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++)
        ok |= r->status == documented[i];
    FZ_CHECK(ok, "undocumented status %d", r->status);
    size_t len = evbuffer_get_length(r->out);
    if (r->status == 204)
        FZ_CHECK(len == 0, "204 with a %zu-byte body", len);
    if (!r->json && r->content_type) {
        /* GET /metrics: Prometheus text format, every line a comment or "name{labels} value" */
        FZ_CHECK(r->status == 200 && !strncmp(r->content_type, "text/plain", 10), "status %d as %s", r->status,
                 r->content_type);
        const char *text = (const char *)evbuffer_pullup(r->out, -1);
        for (size_t i = 0; i < len;) {
            const char *nl = memchr(text + i, '\n', len - i);
            FZ_CHECK(nl != NULL, "metrics: a line without its newline");
            FZ_CHECK(text[i] == '#' || (text[i] >= 'a' && text[i] <= 'z'), "metrics: line starts with 0x%02x",
                     (unsigned char)text[i]);
            i = (size_t)(nl - text) + 1;
        }
        return;
    }
    if (!r->json) {
        FZ_CHECK(r->status == 204 || r->status == 403, "status %d without a JSON body", r->status);
        return;
    }
    const char *text = (const char *)evbuffer_pullup(r->out, -1);
    json_error_t e;
    json_t *j = json_loadb(text, len, 0, &e);
    FZ_CHECK(j != NULL, "status %d: answer is not JSON (%s): %.*s", r->status, e.text, (int)len,
             text);
    if (r->status >= 400) {
        FZ_CHECK(json_is_string(json_object_get(j, "error")), "error answer without error");
        FZ_CHECK(json_integer_value(json_object_get(j, "status")) == r->status,
                 "error answer's status differs from %d", r->status);
    }
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sl_proxy_server_t *srv;
    char err[256];
    FZ_CHECK(sl_proxy_server_new(7, &srv, err, sizeof err) == SL_OK, "server: %s", err);
    const char *p = (const char *)data, *end = p + size;
    for (int n = 0; n < MAX_REQUESTS && p < end; n++) {
        size_t len = 0; /* next_line sets it; p < end so it returns a line */
        const char *line = next_line(&p, end, &len);
        /* request line: METHOD SP URI [SP VERSION] */
        const char *sp1 = memchr(line, ' ', len);
        if (!sp1)
            continue;
        int method = method_of(line, (size_t)(sp1 - line));
        const char *u = sp1 + 1;
        const char *sp2 = memchr(u, ' ', (size_t)(line + len - u));
        size_t ulen = sp2 ? (size_t)(sp2 - u) : (size_t)(line + len - u);
        char *uri = strndup(u, ulen);
        char *ua = NULL;
        size_t clen = 0;
        const char *h;
        size_t hlen;
        while ((h = next_line(&p, end, &hlen)) && hlen) {
            if (hlen > 11 && !strncasecmp(h, "User-Agent:", 11)) {
                const char *v = h + 11;
                while (v < h + hlen && (*v == ' ' || *v == '\t'))
                    v++;
                free(ua);
                ua = strndup(v, (size_t)(h + hlen - v));
            } else if (hlen > 15 && !strncasecmp(h, "Content-Length:", 15)) {
                clen = 0;
                for (const char *d = h + 15; d < h + hlen; d++) {
                    if (*d >= '0' && *d <= '9' && clen < ((size_t)1 << 30))
                        clen = clen * 10 + (size_t)(*d - '0');
                    else if (*d != ' ' && *d != '\t')
                        break;
                }
            }
        }
        if (clen > (size_t)(end - p))
            clen = (size_t)(end - p);
        const char *body = p;
        p += clen;
        /* evhttp: unknown methods, NUL bytes in the URI, URIs it cannot
         * parse and bodies over 64 KiB (413) never reach the handler */
        struct evhttp_uri *parsed =
            method < 0 || strlen(uri) != ulen || clen > 64 * 1024
                ? NULL
                : evhttp_uri_parse_with_flags(uri, EVHTTP_URI_NONCONFORMANT);
        if (parsed) {
            slp_http_req_t r = {.method = method,
                                .path = evhttp_uri_get_path(parsed),
                                .user_agent = ua,
                                .body = clen ? body : NULL,
                                .body_len = clen,
                                .out = evbuffer_new()};
            slp_http_dispatch(srv, &r);
            if (verbose)
                fprintf(stderr, "%s -> %d %.*s", uri, r.status,
                        (int)evbuffer_get_length(r.out),
                        (const char *)evbuffer_pullup(r.out, -1));
            check_answer(&r);
            check_books(srv);
            evbuffer_free(r.out);
            evhttp_uri_free(parsed);
        }
        free(uri);
        free(ua);
    }
    sl_proxy_server_destroy(srv);
    return 0;
}
