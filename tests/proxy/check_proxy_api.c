/*
 * Toxiproxy's HTTP API, exercised with the requests its README documents
 * and checked against the answers (status, JSON shape, error bodies) its
 * api.go gives.  Real HTTP over loopback to the evhttp control server.
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ptest.h"
#include "../check_main.h"

static pt_upstream_t *up;
static sl_proxy_server_t *srv;
static int cport;   /* control API */

static void setup(void) {
    char err[256], bound[64];
    up = pt_upstream_start();
    ck_assert_int_eq(sl_proxy_server_new(5, &srv, err, sizeof(err)), SL_OK);
    ck_assert_int_eq(sl_proxy_server_start(srv, err, sizeof(err)), SL_OK);
    ck_assert_int_eq(sl_proxy_control_listen(srv, "127.0.0.1:0", bound, sizeof(bound), err,
                                             sizeof(err)),
                     SL_OK);
    cport = pt_port_of(bound);
}

static void teardown(void) {
    sl_proxy_server_destroy(srv);
    pt_upstream_stop(up);
}

/* Sends a request; checks the status; returns the parsed JSON body (or
 * NULL when the body is empty).  The caller decrefs. */
static json_t *req(const char *method, const char *path, const char *body, int want) {
    char *resp;
    int st = pt_http(cport, method, path, body, "", &resp);
    ck_assert_msg(st == want, "%s %s: expected %d, got %d: %s", method, path, want, st, resp);
    json_t *j = NULL;
    if (resp && *resp) {
        json_error_t e;
        j = json_loads(resp, 0, &e);
        ck_assert_msg(j != NULL, "%s %s: body is not JSON: %s", method, path, resp);
    }
    free(resp);
    return j;
}

/* Checks an error body: {"error": msg, "status": status}. */
static void want_error(const char *method, const char *path, const char *body, int status,
                       const char *msg) {
    json_t *j = req(method, path, body, status);
    ck_assert_msg(j && json_is_object(j), "%s %s: no JSON error body", method, path);
    const char *e = json_string_value(json_object_get(j, "error"));
    ck_assert_msg(e && strstr(e, msg) == e, "%s %s: expected error \"%s...\", got \"%s\"",
                  method, path, msg, e ? e : "(none)");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), status);
    json_decref(j);
}

static const char *str(json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    ck_assert_msg(s != NULL, "field %s missing or not a string", k);
    return s;
}

static char *proxy_body(const char *name, const char *listen) {
    static char b[256];
    snprintf(b, sizeof(b), "{\"name\":\"%s\",\"listen\":\"%s\",\"upstream\":\"127.0.0.1:%d\"}",
             name, listen, pt_upstream_port(up));
    return b;
}

START_TEST(version_answers_json) {
    /* given the server, when GET /version, then 200 and {"version": "..."} */
    json_t *j = req("GET", "/version", NULL, 200);
    ck_assert(json_is_string(json_object_get(j, "version")));
    json_decref(j);
}
END_TEST

START_TEST(create_list_show_and_delete_a_proxy) {
    /* given no proxy, when POST /proxies {name, listen, upstream}, then 201
     * with {name, listen (bound port), upstream, enabled: true, toxics: []};
     * it appears in GET /proxies (a map by name) and GET /proxies/{name},
     * serves traffic, and DELETE gives 204 then 404 */
    json_t *p = req("POST", "/proxies", proxy_body("redis", "127.0.0.1:0"), 201);
    ck_assert_str_eq(str(p, "name"), "redis");
    ck_assert(json_is_true(json_object_get(p, "enabled")));
    ck_assert(json_is_array(json_object_get(p, "toxics")));
    ck_assert_int_eq(json_array_size(json_object_get(p, "toxics")), 0);
    int port = pt_port_of(str(p, "listen"));
    ck_assert_int_gt(port, 0);
    json_decref(p);

    json_t *all = req("GET", "/proxies", NULL, 200);
    ck_assert(json_is_object(all));
    ck_assert_str_eq(str(json_object_get(all, "redis"), "name"), "redis");
    json_decref(all);
    json_t *one = req("GET", "/proxies/redis", NULL, 200);
    ck_assert_int_eq(pt_port_of(str(one, "listen")), port);
    json_decref(one);

    int fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    close(fd);

    ck_assert_ptr_null(req("DELETE", "/proxies/redis", NULL, 204));
    want_error("GET", "/proxies/redis", NULL, 404, "proxy not found");
    want_error("DELETE", "/proxies/redis", NULL, 404, "proxy not found");
    ck_assert(pt_connect(port) < 0);
}
END_TEST

START_TEST(bad_proxy_requests_get_toxiproxys_errors) {
    /* given one proxy, when creating it again, or with bad JSON, or without
     * name or upstream, then 409 / 400 with Toxiproxy's messages */
    json_decref(req("POST", "/proxies", proxy_body("a", "127.0.0.1:0"), 201));
    want_error("POST", "/proxies", proxy_body("a", "127.0.0.1:0"), 409, "proxy already exists");
    want_error("POST", "/proxies", "{\"name\": ", 400, "bad request body");
    want_error("POST", "/proxies", "[1,2]", 400, "bad request body");
    want_error("POST", "/proxies", "{\"upstream\":\"127.0.0.1:1\"}", 400,
               "missing required field: name");
    want_error("POST", "/proxies", "{\"name\":\"b\"}", 400, "missing required field: upstream");
    want_error("POST", "/proxies", "{\"name\":7,\"upstream\":\"127.0.0.1:1\"}", 400,
               "bad request body");
    want_error("GET", "/nothing/here", NULL, 404, "not found");
}
END_TEST

START_TEST(a_proxy_that_cannot_bind_gets_500) {
    /* given a port in use, when a proxy is created on it, then 500 and the
     * bind error, and no proxy is left behind */
    json_t *a = req("POST", "/proxies", proxy_body("a", "127.0.0.1:0"), 201);
    char listen[64];
    snprintf(listen, sizeof(listen), "%s", str(a, "listen"));
    json_decref(a);
    want_error("POST", "/proxies", proxy_body("b", listen), 500, "listen tcp");
    want_error("GET", "/proxies/b", NULL, 404, "proxy not found");
}
END_TEST

START_TEST(disable_and_enable_a_proxy) {
    /* given a proxy, when POST /proxies/{name} {"enabled": false}, then 200
     * with enabled false and connecting is refused; {"enabled": true}
     * serves again on the same address */
    json_t *p = req("POST", "/proxies", proxy_body("a", "127.0.0.1:0"), 201);
    int port = pt_port_of(str(p, "listen"));
    json_decref(p);
    p = req("POST", "/proxies/a", "{\"enabled\":false}", 200);
    ck_assert(json_is_false(json_object_get(p, "enabled")));
    json_decref(p);
    ck_assert(pt_connect(port) < 0 && errno == ECONNREFUSED);
    p = req("PATCH", "/proxies/a", "{\"enabled\":true}", 200);
    ck_assert(json_is_true(json_object_get(p, "enabled")));
    ck_assert_int_eq(pt_port_of(str(p, "listen")), port);
    json_decref(p);
    int fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);
    close(fd);
    want_error("POST", "/proxies/zz", "{\"enabled\":false}", 404, "proxy not found");
}
END_TEST

START_TEST(toxics_are_created_listed_updated_and_removed) {
    /* given a proxy, when POST /proxies/a/toxics {type: latency, attributes}
     * without name or stream, then 200 with name "latency_downstream",
     * stream "downstream", toxicity 1 and the attributes; it is listed,
     * shown, updated (attributes merged), and deleted (204, then 404) */
    json_decref(req("POST", "/proxies", proxy_body("a", "127.0.0.1:0"), 201));
    json_t *t = req("POST", "/proxies/a/toxics",
                    "{\"type\":\"latency\",\"attributes\":{\"latency\":100,\"jitter\":5}}", 200);
    ck_assert_str_eq(str(t, "name"), "latency_downstream");
    ck_assert_str_eq(str(t, "type"), "latency");
    ck_assert_str_eq(str(t, "stream"), "downstream");
    ck_assert(json_number_value(json_object_get(t, "toxicity")) == 1.0);
    json_t *attrs = json_object_get(t, "attributes");
    ck_assert_int_eq(json_integer_value(json_object_get(attrs, "latency")), 100);
    ck_assert_int_eq(json_integer_value(json_object_get(attrs, "jitter")), 5);
    json_decref(t);

    t = req("POST", "/proxies/a/toxics",
            "{\"name\":\"slow\",\"type\":\"bandwidth\",\"stream\":\"upstream\","
            "\"toxicity\":0.5,\"attributes\":{\"rate\":100}}",
            200);
    ck_assert_str_eq(str(t, "stream"), "upstream");
    json_decref(t);

    json_t *list = req("GET", "/proxies/a/toxics", NULL, 200);
    ck_assert(json_is_array(list));
    ck_assert_int_eq(json_array_size(list), 2);
    ck_assert_str_eq(str(json_array_get(list, 0), "name"), "slow");   /* upstream first */
    json_decref(list);
    json_t *p = req("GET", "/proxies/a", NULL, 200);
    ck_assert_int_eq(json_array_size(json_object_get(p, "toxics")), 2);
    json_decref(p);

    t = req("POST", "/proxies/a/toxics/latency_downstream",
            "{\"attributes\":{\"latency\":200}}", 200);
    attrs = json_object_get(t, "attributes");
    ck_assert_int_eq(json_integer_value(json_object_get(attrs, "latency")), 200);
    ck_assert_int_eq(json_integer_value(json_object_get(attrs, "jitter")), 5);
    json_decref(t);
    t = req("PATCH", "/proxies/a/toxics/slow", "{\"toxicity\":0.25}", 200);
    ck_assert(json_number_value(json_object_get(t, "toxicity")) == 0.25);
    json_decref(t);
    t = req("GET", "/proxies/a/toxics/slow", NULL, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(t, "attributes"), "rate")),
                     100);
    json_decref(t);

    ck_assert_ptr_null(req("DELETE", "/proxies/a/toxics/slow", NULL, 204));
    want_error("DELETE", "/proxies/a/toxics/slow", NULL, 404, "toxic not found");
    want_error("GET", "/proxies/a/toxics/slow", NULL, 404, "toxic not found");
    want_error("POST", "/proxies/a/toxics/slow", "{}", 404, "toxic not found");
}
END_TEST

START_TEST(every_toxic_type_takes_toxiproxys_attributes) {
    /* given a proxy, when each of Toxiproxy's toxics (and stormlab's cut,
     * refuse, loss) is created with its documented attributes, then each
     * answers 200 echoing those attributes */
    json_decref(req("POST", "/proxies", proxy_body("a", "127.0.0.1:0"), 201));
    static const struct {
        const char *type, *attrs, *key;
        long long val;
    } cases[] = {
        {"latency", "{\"latency\":10,\"jitter\":2}", "jitter", 2},
        {"bandwidth", "{\"rate\":50}", "rate", 50},
        {"slow_close", "{\"delay\":20}", "delay", 20},
        {"timeout", "{\"timeout\":30}", "timeout", 30},
        {"reset_peer", "{\"timeout\":40}", "timeout", 40},
        {"limit_data", "{\"bytes\":1024}", "bytes", 1024},
        {"slicer", "{\"average_size\":64,\"size_variation\":8,\"delay\":100}", "delay", 100},
        {"loss", "{\"probability\":0.1,\"rto\":150}", "rto", 150},
        {"cut", "{\"rto\":300}", "rto", 300},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[256];
        snprintf(body, sizeof(body), "{\"type\":\"%s\",\"stream\":\"upstream\",\"attributes\":%s}",
                 cases[i].type, cases[i].attrs);
        json_t *t = req("POST", "/proxies/a/toxics", body, 200);
        char want[64];
        snprintf(want, sizeof(want), "%s_upstream", cases[i].type);
        ck_assert_str_eq(str(t, "name"), want);
        if (cases[i].key)
            ck_assert_int_eq(
                json_integer_value(json_object_get(json_object_get(t, "attributes"), cases[i].key)),
                cases[i].val);
        json_decref(t);
    }
    json_decref(req("POST", "/proxies/a/toxics", "{\"type\":\"refuse\"}", 200));
}
END_TEST

/* The cut's "rto" attribute of toxic t (a JSON toxic). */
static json_int_t cut_rto(json_t *t) {
    json_t *v = json_object_get(json_object_get(t, "attributes"), "rto");
    ck_assert_msg(json_is_integer(v), "attributes.rto missing or not an integer");
    return json_integer_value(v);
}

START_TEST(a_cuts_rto_is_an_attribute_200_by_default) {
    /* given a proxy, when a cut is posted without attributes, then its
     * rto is 200 (TCP's minimum RTO); one posted with rto 0 keeps 0; an
     * update sets it and a GET shows it; a negative or non-integer rto
     * gets 400, on create and on update, and changes nothing */
    json_decref(req("POST", "/proxies", proxy_body("a", "127.0.0.1:0"), 201));
    json_t *t = req("POST", "/proxies/a/toxics", "{\"type\":\"cut\"}", 200);
    ck_assert_int_eq(cut_rto(t), 200);
    json_decref(t);
    t = req("POST", "/proxies/a/toxics",
            "{\"name\":\"now\",\"type\":\"cut\",\"stream\":\"upstream\",\"attributes\":{\"rto\":0}}",
            200);
    ck_assert_int_eq(cut_rto(t), 0);
    json_decref(t);
    json_decref(req("PATCH", "/proxies/a/toxics/now", "{\"attributes\":{\"rto\":500}}", 200));
    t = req("GET", "/proxies/a/toxics/now", NULL, 200);
    ck_assert_int_eq(cut_rto(t), 500);
    json_decref(t);
    want_error("POST", "/proxies/a/toxics",
               "{\"name\":\"neg\",\"type\":\"cut\",\"attributes\":{\"rto\":-1}}", 400,
               "bad request body");
    want_error("POST", "/proxies/a/toxics",
               "{\"name\":\"str\",\"type\":\"cut\",\"attributes\":{\"rto\":\"fast\"}}", 400,
               "bad request body");
    want_error("POST", "/proxies/a/toxics/now", "{\"attributes\":{\"rto\":-200}}", 400,
               "bad request body");
    want_error("GET", "/proxies/a/toxics/neg", NULL, 404, "toxic not found");
    t = req("GET", "/proxies/a/toxics/now", NULL, 200);
    ck_assert_int_eq(cut_rto(t), 500);
    json_decref(t);
}
END_TEST

START_TEST(bad_toxic_requests_get_400_404_409) {
    /* given a proxy with a toxic, when toxics are posted with bad JSON, an
     * unknown type, a bad stream, a duplicate name, bad attributes, or to
     * an unknown proxy, then 400 / 409 / 404 with Toxiproxy's messages */
    json_decref(req("POST", "/proxies", proxy_body("a", "127.0.0.1:0"), 201));
    json_decref(req("POST", "/proxies/a/toxics", "{\"type\":\"latency\"}", 200));
    want_error("POST", "/proxies/a/toxics", "{\"type\":", 400, "bad request body");
    want_error("POST", "/proxies/a/toxics", "", 400, "bad request body");
    want_error("POST", "/proxies/a/toxics", "{\"type\":\"explode\"}", 400, "invalid toxic type");
    want_error("POST", "/proxies/a/toxics", "{}", 400, "invalid toxic type");
    want_error("POST", "/proxies/a/toxics", "{\"type\":\"latency\",\"stream\":\"sideways\"}", 400,
               "stream was invalid, can be either upstream or downstream");
    want_error("POST", "/proxies/a/toxics", "{\"type\":\"latency\"}", 409,
               "toxic already exists");
    want_error("POST", "/proxies/a/toxics",
               "{\"type\":\"latency\",\"name\":\"x\",\"attributes\":{\"latency\":\"slow\"}}", 400,
               "bad request body");
    want_error("POST", "/proxies/a/toxics",
               "{\"type\":\"latency\",\"name\":\"x\",\"attributes\":{\"latency\":-5}}", 400,
               "bad request body");
    want_error("POST", "/proxies/a/toxics", "{\"type\":\"latency\",\"name\":\"x\",\"toxicity\":2}",
               400, "bad request body");
    want_error("POST", "/proxies/a/toxics/latency_downstream", "{\"attributes\":{\"jitter\":1.5}}",
               400, "bad request body");
    want_error("POST", "/proxies/nope/toxics", "{\"type\":\"latency\"}", 404, "proxy not found");
    want_error("GET", "/proxies/nope/toxics", NULL, 404, "proxy not found");
    want_error("PUT", "/proxies/a/toxics", "{}", 405, "method not allowed");
}
END_TEST

START_TEST(control_characters_in_names_and_non_address_clients_get_400) {
    /* given a proxy
     * when a proxy or a toxic is named with CR/LF, ESC or DEL, or a toxic's
     *  client is not an address (a hostname, words, a bad port)
     * then 400 and nothing is created; numeric clients (ip, ip:port,
     *  [v6]:port) are taken */
    json_decref(req("POST", "/proxies", proxy_body("a", "127.0.0.1:0"), 201));
    want_error("POST", "/proxies", "{\"name\":\"x\\r\\nSet-Cookie: 1\",\"upstream\":\"127.0.0.1:1\"}",
               400, "bad request body: name contains a control character (0x0d)");
    want_error("POST", "/proxies", "{\"name\":\"\\u001b[2Kok\",\"upstream\":\"127.0.0.1:1\"}", 400,
               "bad request body: name contains a control character (0x1b)");
    want_error("POST", "/proxies/a/toxics", "{\"type\":\"latency\",\"name\":\"t\\n\"}", 400,
               "bad request body: name contains a control character (0x0a)");
    want_error("POST", "/proxies/a/toxics", "{\"type\":\"latency\",\"name\":\"d\\u007f\"}", 400,
               "bad request body: name contains a control character (0x7f)");
    const char *bad[] = {"billing", "localhost", "127.0.0.1:99999", "127.0.0.1:", "1.2.3",
                         "[::1]", "::1]:5", "127.0.0.1 ; rm"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char body[200];
        snprintf(body, sizeof(body), "{\"type\":\"latency\",\"name\":\"c%zu\",\"client\":\"%s\"}",
                 i, bad[i]);
        want_error("POST", "/proxies/a/toxics", body, 400, "bad request body: client must be");
    }
    const char *good[] = {"127.0.0.2", "127.0.0.2:4000", "::1", "[::1]:4000"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char body[200];
        snprintf(body, sizeof(body), "{\"type\":\"latency\",\"name\":\"g%zu\",\"client\":\"%s\"}",
                 i, good[i]);
        json_decref(req("POST", "/proxies/a/toxics", body, 200));
    }
    json_t *all = req("GET", "/proxies", NULL, 200);
    ck_assert_int_eq(json_object_size(all), 1);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(all, "a"), "toxics")), 4);
    json_decref(all);
}
END_TEST

/* The port of proxy name's listener, from GET /proxies/{name}. */
static int listen_port(const char *name) {
    char path[128];
    snprintf(path, sizeof(path), "/proxies/%s", name);
    json_t *p = req("GET", path, NULL, 200);
    int port = pt_port_of(str(p, "listen"));
    json_decref(p);
    return port;
}

/* 1 when the peer closed fd (EOF or reset) within timeout_ms. */
static int closed_within(int fd, int timeout_ms) {
    char c;
    int64_t end = pt_now_us() + (int64_t)timeout_ms * 1000;
    while (pt_now_us() < end) {
        if (!pt_readable(fd, 50))
            continue;
        ssize_t r = recv(fd, &c, 1, 0);
        if (r <= 0)
            return 1;
    }
    return 0;
}

START_TEST(an_upstream_hostname_is_looked_up_for_each_new_link) {
    /* given a proxy whose upstream is a name that does not resolve (a
     * container not started yet), and one whose upstream is "localhost"
     * when each is created and a client connects through it
     * then both are created (201, as Toxiproxy); the first client is closed
     *  and counted as upstream_failed; the second's bytes reach the echo
     *  server and come back */
    json_decref(req("POST", "/proxies",
                    "{\"name\":\"later\",\"listen\":\"127.0.0.1:0\","
                    "\"upstream\":\"not-started-yet.invalid:6379\"}",
                    201));
    int fd = pt_connect(listen_port("later"));
    ck_assert_int_ge(fd, 0);
    ck_assert_msg(closed_within(fd, 5000), "expected the client closed when the name does not resolve");
    close(fd);
    sl_proxy_stats_t st;
    ck_assert_int_eq(sl_proxy_get_stats(srv, "later", &st), SL_OK);
    ck_assert_uint_eq(st.upstream_failed, 1);

    char body[200];
    snprintf(body, sizeof(body),
             "{\"name\":\"named\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"localhost:%d\"}",
             pt_upstream_port(up));
    json_t *p = req("POST", "/proxies", body, 201);
    ck_assert_ptr_nonnull(strstr(body, str(p, "upstream")));   /* stored as given */
    json_decref(p);
    fd = pt_connect(listen_port("named"));
    ck_assert_int_ge(fd, 0);
    ck_assert_msg(pt_ping(fd, 3000) >= 0, "no echo through a proxy to localhost");
    close(fd);
}
END_TEST

START_TEST(a_timeout_closes_after_idle_time_and_when_removed) {
    /* given a timeout toxic of 400 ms upstream (Toxiproxy's clock: each
     * chunk it swallows restarts it)
     * when a client sends a byte every 150 ms for 900 ms
     * then its link is still open; when it stops, the link closes within
     *  ~400 ms; and given a timeout of 0 (never closes), when the toxic is
     *  removed, then the link it swallowed bytes from is closed (as
     *  Toxiproxy's cleanup does) */
    json_decref(req("POST", "/proxies", proxy_body("t", "127.0.0.1:0"), 201));
    int port = listen_port("t");
    int fd = pt_connect(port);
    ck_assert_int_ge(fd, 0);
    ck_assert(pt_ping(fd, 3000) >= 0);
    json_decref(req("POST", "/proxies/t/toxics",
                    "{\"type\":\"timeout\",\"stream\":\"upstream\",\"attributes\":{\"timeout\":400}}",
                    200));
    for (int i = 0; i < 6; i++) {
        send(fd, "x", 1, MSG_NOSIGNAL);
        ck_assert_msg(!closed_within(fd, 150), "closed at %d ms although bytes kept coming", i * 150);
    }
    int64_t t0 = pt_now_us();
    ck_assert_msg(closed_within(fd, 2000), "not closed after the traffic stopped");
    int64_t ms = (pt_now_us() - t0) / 1000;
    ck_assert_msg(ms >= 200 && ms < 900, "expected the close ~400 ms after the last byte, got %lld",
                  (long long)ms);
    close(fd);

    json_decref(req("POST", "/proxies/t/toxics/timeout_upstream", "{\"attributes\":{\"timeout\":0}}",
                    200));
    fd = pt_connect(port);
    ck_assert_int_ge(fd, 0);
    send(fd, "lost", 4, MSG_NOSIGNAL);
    ck_assert_msg(!closed_within(fd, 300), "a timeout of 0 closed the link");
    ck_assert_ptr_null(req("DELETE", "/proxies/t/toxics/timeout_upstream", NULL, 204));
    ck_assert_msg(closed_within(fd, 1000), "removing the timeout left its link open");
    close(fd);
}
END_TEST

START_TEST(metrics_count_bytes_under_toxiproxys_names) {
    /* given a proxy that carried 1000 bytes each way (a client's echo)
     * when GET /metrics
     * then 200, text/plain Prometheus format, and toxiproxy_proxy_received
     *  and _sent_bytes_total are 1000 for each direction, labelled with
     *  direction, listener, proxy and upstream */
    json_decref(req("POST", "/proxies", proxy_body("m", "127.0.0.1:0"), 201));
    int fd = pt_connect(listen_port("m"));
    char out[1000], in[1000];
    pt_fill(out, sizeof(out), 4);
    ck_assert_uint_eq(pt_exchange(fd, out, sizeof(out), in, sizeof(in), 3000, NULL, NULL),
                      sizeof(in));
    close(fd);
    char *text;
    ck_assert_int_eq(pt_http(cport, "GET", "/metrics", NULL, "", &text), 200);
    char want[512];
    const char *kinds[] = {"received", "sent"}, *dirs[] = {"upstream", "downstream"};
    for (int k = 0; k < 2; k++)
        for (int d = 0; d < 2; d++) {
            snprintf(want, sizeof(want),
                     "toxiproxy_proxy_%s_bytes_total{direction=\"%s\",listener=\"127.0.0.1:%d\","
                     "proxy=\"m\",upstream=\"127.0.0.1:%d\"} 1000\n",
                     kinds[k], dirs[d], listen_port("m"), pt_upstream_port(up));
            ck_assert_msg(strstr(text, want), "expected the line\n%s in\n%s", want, text);
        }
    ck_assert_ptr_nonnull(strstr(text, "# TYPE toxiproxy_proxy_sent_bytes_total counter\n"));
    ck_assert_ptr_nonnull(strstr(text, "stormlab_proxy_links_accepted_total{proxy=\"m\"} 1\n"));
    free(text);
}
END_TEST

START_TEST(reset_enables_every_proxy_and_removes_every_toxic) {
    /* given a disabled proxy and one with toxics, when POST /reset, then
     * 204, both are enabled and no toxic is left */
    json_decref(req("POST", "/proxies", proxy_body("a", "127.0.0.1:0"), 201));
    json_decref(req("POST", "/proxies", proxy_body("b", "127.0.0.1:0"), 201));
    json_decref(req("POST", "/proxies/a/toxics", "{\"type\":\"cut\"}", 200));
    json_decref(req("POST", "/proxies/a/toxics", "{\"type\":\"latency\",\"stream\":\"upstream\"}",
                    200));
    json_decref(req("POST", "/proxies/b", "{\"enabled\":false}", 200));
    ck_assert_ptr_null(req("POST", "/reset", "", 204));
    json_t *all = req("GET", "/proxies", NULL, 200);
    ck_assert(json_is_true(json_object_get(json_object_get(all, "b"), "enabled")));
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(all, "a"), "toxics")), 0);
    json_decref(all);
}
END_TEST

START_TEST(populate_creates_and_replaces_proxies) {
    /* given proxy a, when POST /populate with a (same) and c (new), then 201
     * {"proxies": [a, c]}; a missing upstream is a 400 that changes nothing */
    json_decref(req("POST", "/proxies", proxy_body("a", "127.0.0.1:0"), 201));
    char body[512];
    snprintf(body, sizeof(body),
             "[{\"name\":\"a\",\"upstream\":\"127.0.0.1:%d\"},"
             "{\"name\":\"c\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"127.0.0.1:%d\"}]",
             pt_upstream_port(up), pt_upstream_port(up));
    json_t *j = req("POST", "/populate", body, 201);
    json_t *arr = json_object_get(j, "proxies");
    ck_assert_int_eq(json_array_size(arr), 2);
    ck_assert_str_eq(str(json_array_get(arr, 1), "name"), "c");
    json_decref(j);
    want_error("POST", "/populate", "[{\"name\":\"d\"}]", 400, "missing required field: upstream");
    want_error("GET", "/proxies/d", NULL, 404, "proxy not found");
}
END_TEST

START_TEST(oversized_bodies_and_browsers_are_refused) {
    /* given the API, when a body over 64 KiB is posted, then 413 and no
     * crash; when the User-Agent is a browser's, then 403 as Toxiproxy */
    size_t n = 100 * 1024;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = 0;
    char *resp;
    int st = pt_http(cport, "POST", "/proxies", big, "", &resp);
    ck_assert_int_eq(st, 413);
    free(resp);
    free(big);
    st = pt_http(cport, "GET", "/proxies", NULL, "User-Agent: Mozilla/5.0 (X11)\r\n", &resp);
    ck_assert_int_eq(st, 403);
    free(resp);
    json_t *v = req("GET", "/version", NULL, 200);
    json_decref(v);
}
END_TEST

START_TEST(a_request_for_another_host_is_refused_on_a_loopback_api) {
    /* given the API on loopback
     * when a request says Host: evil.example (a DNS-rebinding page whose
     *  name now resolves to 127.0.0.1), or a name that merely starts like
     *  a loopback one
     * then 403 and nothing is created; requests for localhost, *.localhost,
     *  127.x.y.z, [::1] (with or without a port) and none at all (HTTP/1.0
     *  clients) are answered */
    const char *evil[] = {"evil.example", "evil.example:8474", "127.evil.example", "localhost.evil.example:1",
                          "0x7f000001.example", "[::2]:8474", "10.0.0.1", ""};
    for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
        char hdr[128], *resp;
        snprintf(hdr, sizeof(hdr), "Host: %s\r\n", evil[i]);
        int st = pt_http(cport, "POST", "/proxies", "{\"name\":\"r\",\"upstream\":\"127.0.0.1:1\"}", hdr, &resp);
        ck_assert_msg(st == 403, "Host '%s': expected 403, got %d", evil[i], st);
        ck_assert_msg(strstr(resp, "Host not allowed"), "Host '%s': the answer does not say why: %s", evil[i], resp);
        free(resp);
    }
    json_t *all = req("GET", "/proxies", NULL, 200);
    ck_assert_ptr_null(json_object_get(all, "r"));
    json_decref(all);
    const char *good[] = {"localhost", "LOCALHOST:8474", "toxiproxy.localhost:1", "127.0.0.1", "127.1.2.3:80",
                          "[::1]:8474", "[::1]", "localhost."};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char hdr[128], *resp;
        snprintf(hdr, sizeof(hdr), "Host: %s\r\n", good[i]);
        int st = pt_http(cport, "GET", "/version", NULL, hdr, &resp);
        ck_assert_msg(st == 200, "Host '%s': expected 200, got %d", good[i], st);
        free(resp);
    }
}
END_TEST

/* The fastest of three round trips: load only ever adds time. */
static int64_t min_rtt(int fd) {
    int64_t best = -1;
    for (int i = 0; i < 3; i++) {
        int64_t r = pt_ping(fd, 3000);
        ck_assert_msg(r >= 0, "ping got no answer");
        if (best < 0 || r < best)
            best = r;
    }
    return best;
}

START_TEST(api_changes_reach_live_traffic) {
    /* given a proxy created over HTTP and an open link, when a 100 ms
     * latency toxic is posted, then the link's round trip grows by ~100 ms,
     * and when it is deleted, it shrinks back */
    json_t *p = req("POST", "/proxies", proxy_body("a", "127.0.0.1:0"), 201);
    int port = pt_port_of(str(p, "listen"));
    json_decref(p);
    int fd = pt_connect(port);
    int64_t base = min_rtt(fd);
    ck_assert_msg(base < 30000, "base rtt %.1f ms", base / 1000.0);
    json_decref(req("POST", "/proxies/a/toxics",
                    "{\"type\":\"latency\",\"attributes\":{\"latency\":100}}", 200));
    int64_t rtt = min_rtt(fd);
    ck_assert_msg(rtt >= 100000 && rtt < 100000 + base + 20000, "rtt %.1f ms", rtt / 1000.0);
    ck_assert_ptr_null(req("DELETE", "/proxies/a/toxics/latency_downstream", NULL, 204));
    rtt = min_rtt(fd);
    ck_assert_msg(rtt < 30000, "rtt after removal %.1f ms", rtt / 1000.0);
    close(fd);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("proxy_api");
    TCase *tp = tcase_create("proxies");
    tcase_add_checked_fixture(tp, setup, teardown);
    tcase_set_timeout(tp, 20);
    tcase_add_test(tp, version_answers_json);
    tcase_add_test(tp, create_list_show_and_delete_a_proxy);
    tcase_add_test(tp, bad_proxy_requests_get_toxiproxys_errors);
    tcase_add_test(tp, a_proxy_that_cannot_bind_gets_500);
    tcase_add_test(tp, disable_and_enable_a_proxy);
    tcase_add_test(tp, reset_enables_every_proxy_and_removes_every_toxic);
    tcase_add_test(tp, populate_creates_and_replaces_proxies);
    tcase_add_test(tp, an_upstream_hostname_is_looked_up_for_each_new_link);
    tcase_add_test(tp, a_timeout_closes_after_idle_time_and_when_removed);
    tcase_add_test(tp, metrics_count_bytes_under_toxiproxys_names);
    suite_add_tcase(s, tp);
    TCase *tt = tcase_create("toxics");
    tcase_add_checked_fixture(tt, setup, teardown);
    tcase_set_timeout(tt, 20);
    tcase_add_test(tt, toxics_are_created_listed_updated_and_removed);
    tcase_add_test(tt, every_toxic_type_takes_toxiproxys_attributes);
    tcase_add_test(tt, a_cuts_rto_is_an_attribute_200_by_default);
    tcase_add_test(tt, bad_toxic_requests_get_400_404_409);
    tcase_add_test(tt, control_characters_in_names_and_non_address_clients_get_400);
    tcase_add_test(tt, api_changes_reach_live_traffic);
    suite_add_tcase(s, tt);
    TCase *tg = tcase_create("guards");
    tcase_add_checked_fixture(tg, setup, teardown);
    tcase_set_timeout(tg, 20);
    tcase_add_test(tg, oversized_bodies_and_browsers_are_refused);
    tcase_add_test(tg, a_request_for_another_host_is_refused_on_a_loopback_api);
    suite_add_tcase(s, tg);
    return s;
}

int main(void) {
    return t_run_suite(suite());
}
