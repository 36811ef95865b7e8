#define _GNU_SOURCE /* strcasestr */
/*
 * `stormlab lint` rules (see lint.h).  Defaults are Kafka 4.x's (Java
 * client, broker) and librdkafka 2.x's; each rule says what the setting does
 * to a consumer group, what to write instead, and which bundled scenario
 * rehearses it, with the file's own values carried in as --set overrides.
 */
#include "lint.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/textout.h"

#define P sl_tx_printf
#define W sl_prop_written

/* Kafka's defaults. */
#define BROKER_MIN_SESSION_MS 6000
#define BROKER_MAX_SESSION_MS 1800000
#define DEF_SESSION_MS 45000
#define DEF_HEARTBEAT_MS 3000
#define DEF_POLL_INTERVAL_MS 300000
#define DEF_POLL_RECORDS 500
#define STREAMS_POLL_RECORDS 1000
#define DEF_REQUEST_TIMEOUT_MS 30000
#define ASSUMED_PROCESSING_MS 10.0
#define LONG_POLL_INTERVAL_MS 600000

/* Every rule, with the one line docs/ci.md and SARIF's rule list show. */
static const struct { const char *id, *summary; } rules[] = {
    {"bad-value", "a value the client or broker refuses (not a number, out of range, not a protocol)"},
    {"placeholder", "a ${...} placeholder lint cannot check"},
    {"duplicate-key", "a key set twice; the earlier line has no effect"},
    {"unknown-key", "a misspelt key (did-you-mean), ignored by Java and Spring, refused by librdkafka"},
    {"broker-file", "a broker's server.properties given as a client's file"},
    {"client-file", "a client's file given as --broker"},
    {"classic-setting-with-consumer-protocol",
     "session.timeout.ms, heartbeat.interval.ms or partition.assignment.strategy under group.protocol=consumer"},
    {"consumer-protocol-not-enabled", "group.protocol=consumer against a broker that does not offer it"},
    {"consumer-setting-with-classic-protocol", "group.remote.assignor without group.protocol=consumer (Java)"},
    {"poll-interval-below-session", "librdkafka: max.poll.interval.ms below session.timeout.ms"},
    {"session-outside-broker-range", "session.timeout.ms outside the broker's group.min/max.session.timeout.ms"},
    {"session-near-broker-min", "session.timeout.ms within twice the broker's minimum"},
    {"heartbeat-not-below-session", "heartbeat.interval.ms not below session.timeout.ms"},
    {"heartbeat-over-third", "heartbeat.interval.ms over a third of session.timeout.ms"},
    {"request-timeout-over-session", "Java: request.timeout.ms longer than session.timeout.ms"},
    {"poll-budget", "max.poll.records x processing time near or over max.poll.interval.ms"},
    {"poll-interval-long", "max.poll.interval.ms over 10 minutes (it is also the rebalance timeout)"},
    {"streams-assignor-ignored", "partition.assignment.strategy in a Kafka Streams config"},
    {"unknown-assignor", "an assignor name the client does not know"},
    {"mixed-assignor-protocols", "librdkafka: eager and cooperative assignors in one list"},
    {"eager-assignor", "an eager assignor first (range, roundrobin, sticky)"},
    {"no-static-membership", "no group.instance.id"},
    {"static-id-unstable", "a group.instance.id that changes at every restart"},
    {"streams-no-standby", "Kafka Streams without standby replicas"},
    {"broker-session-range", "broker: group.min.session.timeout.ms above group.max.session.timeout.ms"},
    {"broker-rejects-default-session", "broker: group.max.session.timeout.ms below the clients' default 45 s"},
    {"broker-consumer-group-bounds", "broker: a group.consumer.* (KIP-848) value outside its own bounds"},
    {"no-initial-rebalance-delay", "broker: group.initial.rebalance.delay.ms=0"},
    {"offsets-replication-one", "broker: offsets.topic.replication.factor=1"},
    {"no-common-assignor", "two members of one group with no assignor in common"},
    {"static-id-collision", "two members of one group with the same group.instance.id"},
    {"mixed-group-protocols", "one group with classic and consumer-protocol members (a migration under way)"},
};

const char *sl_lint_rule_id(size_t n) { return n < sizeof rules / sizeof rules[0] ? rules[n].id : NULL; }

const char *sl_lint_rule_summary(const char *id) {
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (!strcmp(rules[i].id, id)) return rules[i].summary;
    return NULL;
}

const char *sl_lint_client_name(sl_lint_client_t c) {
    return c == SL_CLIENT_LIBRDKAFKA ? "librdkafka" : c == SL_CLIENT_JAVA ? "java" : "auto";
}

const char *sl_lint_sev_name(sl_lint_sev_t s) { return s == SL_SEV_ERROR ? "error" : s == SL_SEV_WARNING ? "warning" : "note"; }

void sl_lint_free(sl_lint_t *l) {
    for (size_t i = 0; i < l->n; i++) {
        sl_finding_t *f = &l->items[i];
        free(f->key); free(f->value); free(f->message); free(f->why); free(f->fix);
        for (size_t k = 0; k < f->n_sets; k++) free(f->sets[k]);
        free(f->sets);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

size_t sl_lint_count(const sl_lint_t *l, sl_lint_sev_t sev) {
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) n += l->items[i].sev == sev;
    return n;
}

typedef struct {
    const sl_props_t *p;
    sl_lint_client_t client;
    sl_lint_t *out;
    const sl_props_t *broker;
    const sl_lint_opts_t *o;
    char *sets[16];
    size_t n_sets;
    int oom;
} ctx_t;

/* Adds a finding; takes ownership of message, why, fix (malloc'd). */
static sl_finding_t *add(ctx_t *c, int line, sl_lint_sev_t sev, const char *rule, const char *key, const char *value,
                         const char *scenario, char *message, char *why, char *fix) {
    sl_lint_t *l = c->out;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        sl_finding_t *ni = realloc(l->items, nc * sizeof *ni);
        if (!ni) { c->oom = 1; free(message); free(why); free(fix); return NULL; }
        l->items = ni;
        l->cap = nc;
    }
    sl_finding_t *f = &l->items[l->n++];
    memset(f, 0, sizeof *f);
    f->file = c->p->path;
    f->line = line;
    f->sev = sev;
    f->rule = rule;
    f->key = strdup(key);
    f->value = value ? strdup(value) : NULL;
    f->message = message;
    f->why = why;
    f->fix = fix;
    f->scenario = scenario;
    if (c->n_sets && (f->sets = calloc(c->n_sets, sizeof *f->sets)))
        for (size_t i = 0; i < c->n_sets; i++)
            if ((f->sets[f->n_sets] = strdup(c->sets[i]))) f->n_sets++;
    if (!f->key || !f->message || !f->why || !f->fix) c->oom = 1;
    return f;
}

/* Findings whose effect happens before any group exists: a client or
 * broker that refuses its configuration.  The simulator runs what started,
 * so it has nothing to show; the finding says so instead of a rehearsal. */
#define REFUSED_CLIENT "the client refuses this configuration before it joins a group, which the simulator " \
                       "cannot show: start one consumer with the file to see the error"
#define REFUSED_BROKER "the broker refuses this configuration at start-up, which the simulator cannot show"
#define NOTHING_RUNS "the line changes nothing in a running group, so there is nothing to rehearse"

static void without_rehearsal(sl_finding_t *f, const char *why) {
    if (!f) return;
    f->scenario = NULL;
    f->no_rehearsal = why;
}

/* Appends one --set to f's own list. */
static void finding_set(ctx_t *c, sl_finding_t *f, char *set) {
    char **ns = set ? realloc(f->sets, (f->n_sets + 1) * sizeof *ns) : NULL;
    if (!ns) { free(set); c->oom = 1; return; }
    f->sets = ns;
    f->sets[f->n_sets++] = set;
}

/* Drops f's --set entries whose path starts with prefix. */
static void finding_unset(sl_finding_t *f, const char *prefix) {
    size_t k = 0;
    for (size_t i = 0; i < f->n_sets; i++) {
        if (!strncmp(f->sets[i], prefix, strlen(prefix))) free(f->sets[i]);
        else f->sets[k++] = f->sets[i];
    }
    f->n_sets = k;
}

/* The session-refused rehearsal (scenarios/session-refused.yaml): the
 * broker's bounds, a starting session timeout the broker accepts, then the
 * refused value rolled out by restarts at 30 s, which the coordinator
 * answers INVALID_SESSION_TIMEOUT. */
static void refused_session_sets(ctx_t *c, sl_finding_t *f, int64_t bmin, int64_t bmax, int64_t refused) {
    if (!f) return;
    int64_t base = 10000 < bmin ? bmin : 10000 > bmax ? bmax : 10000;
    int64_t hb = (refused < base ? refused : base) / 3;
    char d[64];
    finding_unset(f, "groups." SL_LINT_GROUP ".session_timeout=");
    finding_unset(f, "groups." SL_LINT_GROUP ".heartbeat_interval=");
    finding_unset(f, "cluster.group_min_session_timeout=");
    finding_unset(f, "cluster.group_max_session_timeout=");
    sl_tx_ms(d, sizeof d, bmin);
    finding_set(c, f, P("cluster.group_min_session_timeout=%s", d));
    sl_tx_ms(d, sizeof d, bmax);
    finding_set(c, f, P("cluster.group_max_session_timeout=%s", d));
    sl_tx_ms(d, sizeof d, base);
    finding_set(c, f, P("groups." SL_LINT_GROUP ".session_timeout=%s", d));
    sl_tx_ms(d, sizeof d, hb > 0 ? hb : 1);
    finding_set(c, f, P("groups." SL_LINT_GROUP ".heartbeat_interval=%s", d));
    sl_tx_ms(d, sizeof d, refused);
    finding_set(c, f, P("events.0.set.session_timeout=%s", d));
}

/* ---------------------------------------------------------------- lookup */

/* Prefixes under which a consumer's settings also appear: Kafka Streams
 * (main.consumer., consumer.) and Spring Boot; the more specific wins. */
static const char *const prefixes[] = {"main.consumer.", "consumer.", "spring.kafka.consumer.properties.", "",
                                       "spring.kafka.properties."};

static const sl_prop_t *lookup(const sl_props_t *p, const char *key) {
    char buf[512];
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        snprintf(buf, sizeof buf, "%s%s", prefixes[i], key);
        const sl_prop_t *e = sl_props_get(p, buf);
        if (e) return e;
    }
    return NULL;
}

static const char *strip_prefix(const char *key) {
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (n && !strncmp(key, prefixes[i], n)) return key + n;
    }
    return key;
}

typedef struct {
    const sl_prop_t *e; /* NULL: absent, the default applies */
    int ok;             /* a usable number (absent counts) */
    int64_t v;
} ival_t;

/* An integer setting: absent -> def; present -> parsed and range-checked,
 * a bad value becomes an error finding and ok = 0. */
static ival_t get_int(ctx_t *c, const char *key, int64_t def, int64_t min, int64_t max, const char *who) {
    ival_t r = {lookup(c->p, key), 1, def};
    if (!r.e) return r;
    const char *s = r.e->value;
    if (strstr(s, "${")) {
        r.ok = 0;
        sl_finding_t *f = add(c, r.e->line, SL_SEV_NOTE, "placeholder", W(r.e), s, NULL,
            P("%s=%s is a placeholder; not checked", W(r.e), s),
            P("stormlab lint reads the file as written; the value is filled in at deploy time"),
            P("lint the rendered file (after templating) to check %s", key));
        without_rehearsal(f, "the value is not known until deploy time");
        return r;
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ' || *end == '\t') end++;
    if (!*s || end == s || *end || errno || v < min || v > max) {
        r.ok = 0;
        const char *kind = (!*s || end == s || *end) ? "is not a whole number" : "is out of range";
        sl_finding_t *f = add(c, r.e->line, SL_SEV_ERROR, "bad-value", W(r.e), s, NULL,
            P("%s=%s %s (expected %lld..%lld)", W(r.e), s, kind, (long long)min, (long long)max),
            P("%s", who),
            P("write %s as a whole number of %s in %lld..%lld, e.g. %s=%lld", key,
              strstr(key, ".ms") ? "milliseconds" : "units", (long long)min, (long long)max, key, (long long)def));
        without_rehearsal(f, strstr(who, "broker") ? REFUSED_BROKER : REFUSED_CLIENT);
        return r;
    }
    r.v = v;
    return r;
}

static void add_set(ctx_t *c, const char *path, int64_t ms, int is_ms) {
    if (c->n_sets == sizeof c->sets / sizeof c->sets[0]) return;
    char d[64];
    if (is_ms) sl_tx_ms(d, sizeof d, ms);
    else snprintf(d, sizeof d, "%lld", (long long)ms);
    c->sets[c->n_sets++] = P("%s=%s", path, d);
}

static void free_sets(ctx_t *c) {
    for (size_t i = 0; i < c->n_sets; i++) free(c->sets[i]);
    c->n_sets = 0;
}

/* --------------------------------------------------------------- detect */

static const char *const java_keys[] = {"key.deserializer", "value.deserializer", "max.poll.records",
                                        "fetch.max.wait.ms", "default.api.timeout.ms", "interceptor.classes",
                                        "client.dns.lookup", "sasl.jaas.config", "application.id",
                                        "retry.backoff.max.ms", "allow.auto.create.topics", NULL};
static const char *const rdk_keys[] = {"metadata.broker.list", "socket.timeout.ms", "enable.auto.offset.store",
                                       "coordinator.query.interval.ms", "queued.min.messages",
                                       "queued.max.messages.kbytes", "fetch.wait.max.ms", "statistics.interval.ms",
                                       "debug", "enable.partition.eof", "topic.metadata.refresh.interval.ms",
                                       "api.version.request", "broker.version.fallback", "log_level",
                                       "log.connection.close", "socket.keepalive.enable", "fetch.error.backoff.ms",
                                       "builtin.features", NULL};

sl_lint_client_t sl_lint_detect(const sl_props_t *p, const char **marker) {
    int java = 0, rdk = 0;
    const char *jm = NULL, *rm = NULL;
    for (size_t i = 0; i < p->n; i++) {
        const char *k = strip_prefix(p->items[i].key);
        for (int j = 0; java_keys[j]; j++)
            if (!strcmp(k, java_keys[j])) { java++; if (!jm) jm = p->items[i].key; }
        for (int j = 0; rdk_keys[j]; j++)
            if (!strcmp(k, rdk_keys[j])) { rdk++; if (!rm) rm = p->items[i].key; }
        if (!strcmp(k, "partition.assignment.strategy")) {
            if (strstr(p->items[i].value, "org.apache.kafka") || strstr(p->items[i].value, "Assignor")) {
                java++;
                if (!jm) jm = p->items[i].key;
            } else if (strstr(p->items[i].value, "range") || strstr(p->items[i].value, "roundrobin") ||
                       strstr(p->items[i].value, "cooperative-sticky")) {
                rdk++;
                if (!rm) rm = p->items[i].key;
            }
        }
    }
    if (marker) *marker = rdk > java ? rm : jm;
    return rdk > java ? SL_CLIENT_LIBRDKAFKA : SL_CLIENT_JAVA;
}

/* ------------------------------------------------------------- assignors */

typedef enum { A_RANGE, A_ROUNDROBIN, A_STICKY, A_COOP, A_CUSTOM, A_UNKNOWN } assignor_t;

static const char *assignor_name(assignor_t a) {
    static const char *const n[] = {"range", "roundrobin", "sticky", "cooperative-sticky", "custom", "unknown"};
    return n[a];
}

static assignor_t classify(const char *s, sl_lint_client_t client) {
    static const struct { const char *java, *rdk; assignor_t a; } t[] = {
        {"org.apache.kafka.clients.consumer.RangeAssignor", "range", A_RANGE},
        {"org.apache.kafka.clients.consumer.RoundRobinAssignor", "roundrobin", A_ROUNDROBIN},
        {"org.apache.kafka.clients.consumer.StickyAssignor", NULL, A_STICKY},
        {"org.apache.kafka.clients.consumer.CooperativeStickyAssignor", "cooperative-sticky", A_COOP},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (client == SL_CLIENT_JAVA && !strcmp(s, t[i].java)) return t[i].a;
        if (client == SL_CLIENT_LIBRDKAFKA && t[i].rdk && !strcmp(s, t[i].rdk)) return t[i].a;
    }
    if (client == SL_CLIENT_JAVA && strchr(s, '.') && !strchr(s, ' ')) return A_CUSTOM;
    return A_UNKNOWN;
}

#define MAX_ASSIGNORS 8

/* Splits a comma list (blanks trimmed) into up to MAX_ASSIGNORS names. */
static size_t split_list(const char *v, char out[][128]) {
    size_t n = 0;
    while (*v && n < MAX_ASSIGNORS) {
        while (*v == ' ' || *v == '\t' || *v == ',') v++;
        if (!*v) break;
        size_t len = strcspn(v, ",");
        size_t t = len;
        while (t && (v[t - 1] == ' ' || v[t - 1] == '\t')) t--;
        snprintf(out[n++], 128, "%.*s", (int)(t < 127 ? t : 127), v);
        v += len;
    }
    return n;
}

static int is_eager(assignor_t a) { return a == A_RANGE || a == A_ROUNDROBIN || a == A_STICKY; }

/* ------------------------------------------------------------- the rules */

static int ieq(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    return *a == *b;
}

static int lev(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    int d[65][65];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int m = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < m) m = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < m) m = d[i - 1][j - 1] + cost;
            d[i][j] = m;
        }
    return d[la][lb];
}

/* Keys a misspelling is measured against (did-you-mean): the ones the
 * rules read, and the everyday ones of each file kind, so a real key is
 * never taken for a typo of its neighbour. */
static const char *const client_keys[] = {
    "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms", "max.poll.records",
    "request.timeout.ms", "partition.assignment.strategy", "group.instance.id", "group.protocol",
    "group.remote.assignor", "group.id", "bootstrap.servers", "client.id", "enable.auto.commit",
    "auto.commit.interval.ms", "auto.offset.reset", "fetch.min.bytes", "fetch.max.bytes", "fetch.max.wait.ms",
    "max.partition.fetch.bytes", "isolation.level", "key.deserializer", "value.deserializer", "client.rack",
    "retry.backoff.ms", "retry.backoff.max.ms", "reconnect.backoff.ms", "metadata.max.age.ms",
    "security.protocol", "default.api.timeout.ms", "connections.max.idle.ms", "allow.auto.create.topics",
    "metadata.broker.list", "socket.timeout.ms", "enable.auto.offset.store", "coordinator.query.interval.ms",
    "queued.min.messages", "fetch.wait.max.ms", "statistics.interval.ms", "enable.partition.eof",
    "group.protocol.type", "application.id", "num.stream.threads", "num.standby.replicas", "state.dir",
    "processing.guarantee", "commit.interval.ms", NULL};
static const char *const broker_keys[] = {
    "group.min.session.timeout.ms", "group.max.session.timeout.ms", "group.initial.rebalance.delay.ms",
    "offsets.topic.replication.factor", "group.consumer.session.timeout.ms",
    "group.consumer.min.session.timeout.ms", "group.consumer.max.session.timeout.ms",
    "group.consumer.heartbeat.interval.ms", "group.consumer.min.heartbeat.interval.ms",
    "group.consumer.max.heartbeat.interval.ms", "group.coordinator.rebalance.protocols",
    "group.consumer.assignors", "offsets.retention.minutes", "num.partitions", "default.replication.factor",
    "min.insync.replicas", NULL};

static int in_list(const char *k, const char *const *keys) {
    for (int j = 0; keys[j]; j++)
        if (!strcmp(k, keys[j])) return 1;
    return 0;
}

/* The nearest key one or two edits away, or NULL. */
static const char *nearest(const char *k, const char *const *keys) {
    const char *best = NULL;
    int bd = 3;
    if (strlen(k) < 8) return NULL;
    for (int j = 0; keys[j]; j++) {
        int d = lev(k, keys[j]);
        if (d > 0 && d < bd) { bd = d; best = keys[j]; }
    }
    return best;
}

/* A key set twice (the later entry wins: Properties.load, and Spring's
 * precedence for its three spellings of one key), and a key one or two edits
 * from a known one, which is almost surely that key mistyped: Java and the
 * broker ignore it (a WARN log line), librdkafka refuses to create the
 * client, Spring Boot ignores an unknown spring.kafka.consumer.* name. */
static void typos_and_duplicates(ctx_t *c, int broker) {
    const char *const *keys = broker ? broker_keys : client_keys;
    for (size_t i = 0; i < c->p->n; i++) {
        const sl_prop_t *e = &c->p->items[i];
        for (size_t j = i + 1; j < c->p->n; j++)
            if (!strcmp(c->p->items[j].key, e->key)) {
                const sl_prop_t *w = &c->p->items[j];
                sl_finding_t *f = add(c, e->line, SL_SEV_WARNING, "duplicate-key", W(e), e->value, NULL,
                    P("%s is set twice: line %d (%s=%s) is overridden by line %d (%s=%s)", e->key, e->line, W(e),
                      e->value, w->line, W(w), w->value),
                    P("only line %d counts; whoever edits line %d changes nothing", w->line, e->line),
                    P("delete line %d and keep line %d (%s=%s)", e->line, w->line, W(w), w->value));
                without_rehearsal(f, NOTHING_RUNS);
                break;
            }
        const char *k = broker ? e->key : strip_prefix(e->key);
        const char *meant = NULL;
        char spring[256];
        if (!broker && !e->written && !strncmp(k, "spring.kafka.consumer.", 22)) {
            /* a Spring name config_forms.c did not know */
            const char *sk;
            for (size_t n = 0; (sk = sl_config_spring_key(n)); n++)
                if (lev(k, sk) <= 2) { snprintf(spring, sizeof spring, "%s", sk); meant = spring; break; }
            if (!meant) continue;
        } else if (!strncmp(k, "spring.", 7) || in_list(k, keys)) {
            continue;
        } else if (!(meant = nearest(k, keys))) {
            continue;
        }
        int rdk = !broker && c->client == SL_CLIENT_LIBRDKAFKA;
        const char *kafka = meant == spring ? sl_config_spring_kafka(meant) : meant;
        const sl_prop_t *set = broker ? sl_props_get(c->p, kafka) : lookup(c->p, kafka);
        char *why = rdk ? P("librdkafka refuses unknown properties (\"No such configuration property\"): the "
                            "consumer is not created")
                    : set ? P("%s ignores this line; %s=%s on line %d is the value in force",
                              broker ? "the broker" : meant == spring ? "Spring Boot" : "the Java client", W(set),
                              set->value, set->line)
                          : P("%s ignores it, so %s keeps its default",
                              broker ? "the broker" : meant == spring ? "Spring Boot" : "the Java client (a WARN "
                              "log line)", meant);
        char *fix = set ? P("delete line %d (%s=%s is already set on line %d)", e->line, W(set), set->value,
                            set->line)
                        : P("write %s=%s on line %d", meant, e->value, e->line);
        sl_finding_t *f = add(c, e->line, rdk ? SL_SEV_ERROR : SL_SEV_WARNING, "unknown-key", W(e), e->value,
                              NULL, P("%s is not a known setting (did you mean %s?)", W(e), meant), why, fix);
        without_rehearsal(f, rdk ? REFUSED_CLIENT : NOTHING_RUNS);
    }
}

/* The broker's bounds for a classic session timeout. */
static void broker_bounds(const sl_props_t *b, int64_t *min, int64_t *max, int *from_file) {
    *min = BROKER_MIN_SESSION_MS;
    *max = BROKER_MAX_SESSION_MS;
    *from_file = 0;
    if (!b) return;
    const sl_prop_t *e;
    char *end;
    if ((e = sl_props_get(b, "group.min.session.timeout.ms"))) {
        long long v = strtoll(e->value, &end, 10);
        if (end != e->value && !*end && v >= 0) { *min = v; *from_file = 1; }
    }
    if ((e = sl_props_get(b, "group.max.session.timeout.ms"))) {
        long long v = strtoll(e->value, &end, 10);
        if (end != e->value && !*end && v >= 0) { *max = v; *from_file = 1; }
    }
}

static void broker_sets(ctx_t *c, const sl_props_t *b) {
    static const struct { const char *key, *path; int ms; } m[] = {
        {"group.initial.rebalance.delay.ms", "cluster.group_initial_rebalance_delay", 1},
        {"group.min.session.timeout.ms", "cluster.group_min_session_timeout", 1},
        {"group.max.session.timeout.ms", "cluster.group_max_session_timeout", 1},
        {"offsets.topic.replication.factor", "cluster.offsets_replication", 0},
    };
    if (!b) return;
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        const sl_prop_t *e = sl_props_get(b, m[i].key);
        char *end;
        if (!e) continue;
        long long v = strtoll(e->value, &end, 10);
        if (end != e->value && !*end && v >= 0) add_set(c, m[i].path, v, m[i].ms);
    }
}

/* What sl_lint_client reads from a client's file once, for every rule
 * family below (each adds its findings in the order they are reported). */
typedef struct {
    ctx_t c;
    int java, streams, kip848; /* Java client, Kafka Streams, group.protocol=consumer */
    const char *who;           /* what a client does with a value it refuses */
    ival_t session, hb, poll_iv, records, req;
    const sl_prop_t *proto;    /* group.protocol, or NULL */
} client_t;

/* The client, its kind and its timers (a bad value is a finding). */
static void client_read(client_t *k) {
    ctx_t *c = &k->c;
    const sl_props_t *client = k->c.p;
    const sl_lint_opts_t *o = k->c.o;
    c->client = o->client != SL_CLIENT_AUTO ? o->client : sl_lint_detect(client, NULL);
    int java = k->java = c->client == SL_CLIENT_JAVA;
    /* Kafka Streams runs its own consumer: StreamsPartitionAssignor, and
     * max.poll.records=1000 (StreamsConfig's consumer default overrides) */
    int streams = k->streams = java && sl_lint_is_streams(client);
    const char *who = k->who = java ? "the Java client refuses to start (ConfigException)"
                           : "librdkafka refuses to create the consumer (invalid configuration)";
    int64_t imax = java ? 2147483647 : 3600000;
    k->session = get_int(c, "session.timeout.ms", DEF_SESSION_MS, java ? 0 : 1, imax, who);
    k->hb = get_int(c, "heartbeat.interval.ms", DEF_HEARTBEAT_MS, java ? 0 : 1, imax, who);
    k->poll_iv = get_int(c, "max.poll.interval.ms", DEF_POLL_INTERVAL_MS, 1, java ? 2147483647 : 86400000, who);
    k->records = (ival_t){NULL, 1, DEF_POLL_RECORDS}, k->req = (ival_t){NULL, 1, DEF_REQUEST_TIMEOUT_MS};
    if (java) {
        k->records = get_int(c, "max.poll.records", streams ? STREAMS_POLL_RECORDS : DEF_POLL_RECORDS, 1,
                          2147483647, who);
        k->req = get_int(c, "request.timeout.ms", DEF_REQUEST_TIMEOUT_MS, 0, 2147483647, who);
    }
    k->proto = lookup(client, "group.protocol");
    k->kip848 = k->proto && ieq(k->proto->value, "consumer");
}

/* The file's own values, carried into every rehearsal command. */
static void client_rehearsal_sets(client_t *k) {
    ctx_t *c = &k->c;
    const sl_props_t *client = k->c.p;
    const sl_props_t *broker = k->c.broker;
    const sl_lint_opts_t *o = k->c.o;
    int java = k->java;
    int kip848 = k->kip848;
    ival_t session = k->session;
    ival_t hb = k->hb;
    ival_t poll_iv = k->poll_iv;
    ival_t records = k->records;
    ival_t req = k->req;
    /* the file's own values, carried into the rehearsal: what the group is
     * first (a protocol bounds the timeouts), then its timers */
    if (!java) c->sets[c->n_sets++] = P("groups." SL_LINT_GROUP ".client=librdkafka");
    if (kip848) c->sets[c->n_sets++] = P("groups." SL_LINT_GROUP ".protocol=consumer");
    const sl_prop_t *ae = kip848 ? NULL : lookup(client, "partition.assignment.strategy");
    if (ae) {
        char first[MAX_ASSIGNORS][128];
        assignor_t a = split_list(ae->value, first) ? classify(first[0], c->client) : A_UNKNOWN;
        if (a <= A_COOP) c->sets[c->n_sets++] = P("groups." SL_LINT_GROUP ".assignor=%s", assignor_name(a));
    }
    const sl_prop_t *ie = lookup(client, "group.instance.id");
    if (ie && *ie->value) c->sets[c->n_sets++] = P("groups." SL_LINT_GROUP ".static=true");
    /* under group.protocol=consumer the broker decides the session and
     * heartbeat (the client refuses them: classic-setting-with-consumer-
     * protocol); a heartbeat not below the session is refused too
     * (heartbeat-not-below-session): neither is what a running group has,
     * nor, under the consumer protocol, is the client's assignor */
    if (!kip848 && session.e && session.ok) add_set(c, "groups." SL_LINT_GROUP ".session_timeout", session.v, 1);
    if (!kip848 && hb.e && hb.ok && (!session.ok || hb.v < session.v))
        add_set(c, "groups." SL_LINT_GROUP ".heartbeat_interval", hb.v, 1);
    if (poll_iv.e && poll_iv.ok) add_set(c, "groups." SL_LINT_GROUP ".max_poll_interval", poll_iv.v, 1);
    if (records.e && records.ok) add_set(c, "groups." SL_LINT_GROUP ".max_poll_records", records.v, 0);
    if (req.e && req.ok) add_set(c, "groups." SL_LINT_GROUP ".request_timeout", req.v, 1);
    if (o->processing_ms > 0 && c->n_sets < 16) {
        char d[64];
        if (o->processing_ms >= 1 && o->processing_ms == (double)(int64_t)o->processing_ms)
            sl_tx_ms(d, sizeof d, (int64_t)o->processing_ms);
        else
            snprintf(d, sizeof d, "%lldus", (long long)(o->processing_ms * 1000 + 0.5));
        c->sets[c->n_sets++] = P("groups." SL_LINT_GROUP ".processing=%s", d);
    }
    broker_sets(c, broker);
}

/* A broker's file given as a client's: the note, and no client rules (a
 * broker has no assignor or static membership to miss).  1 when it is one. */
static int client_is_broker_file(client_t *k) {
    ctx_t *c = &k->c;
    const sl_props_t *client = k->c.p;
    /* a broker's file given as a client's: the note, and no client rules
     * (a broker has no assignor or static membership to miss) */
    static const char *const broker_only[] = {"process.roles", "node.id", "broker.id", "log.dirs",
                                              "controller.quorum.voters", "group.min.session.timeout.ms", NULL};
    for (int i = 0; broker_only[i]; i++) {
        const sl_prop_t *e = sl_props_get(client, broker_only[i]);
        if (e && !lookup(client, "group.id")) {
            sl_finding_t *f = add(c, e->line, SL_SEV_NOTE, "broker-file", W(e), e->value, NULL,
                P("%s is a broker setting: this looks like a server.properties", W(e)),
                P("client rules do not apply to a broker's file, so none were checked"),
                P("pass it as --broker %s", client->path));
            without_rehearsal(f, "a note about the file, not a setting");
            return 1;
        }
    }

    return 0;
}

/* group.protocol, and the settings each protocol refuses. */
static void protocol_rules(client_t *k) {
    ctx_t *c = &k->c;
    const sl_props_t *client = k->c.p;
    const sl_props_t *broker = k->c.broker;
    int java = k->java;
    int kip848 = k->kip848;
    const char *who = k->who;
    ival_t session = k->session;
    ival_t poll_iv = k->poll_iv;
    const sl_prop_t *proto = k->proto;
    /* group.protocol */
    if (proto) {
        if (!ieq(proto->value, "consumer") && !ieq(proto->value, "classic"))
            without_rehearsal(
                add(c, proto->line, SL_SEV_ERROR, "bad-value", W(proto), proto->value, NULL,
                    P("%s=%s is not a group protocol (expected classic or consumer)", W(proto), proto->value),
                    P("%s", who), P("group.protocol=classic, or group.protocol=consumer for KIP-848")),
                REFUSED_CLIENT);
    }
    if (kip848) {
        /* Both clients refuse these under the consumer protocol: the Java
         * client (ConsumerConfig, ConfigException) and librdkafka
         * (rd_kafka_conf_finalize: "is not supported for
         * group.protocol=consumer ... defined broker side"). */
        static const struct { const char *key, *broker; } classic_only[] = {
            {"session.timeout.ms", "group.consumer.session.timeout.ms"},
            {"heartbeat.interval.ms", "group.consumer.heartbeat.interval.ms"},
            {"partition.assignment.strategy", "group.consumer.assignors (or group.remote.assignor here)"},
            {"group.protocol.type", NULL},
        };
        for (size_t i = 0; i < sizeof classic_only / sizeof classic_only[0]; i++) {
            const sl_prop_t *e = lookup(client, classic_only[i].key);
            if (!e || (java && !classic_only[i].broker)) continue;
            sl_finding_t *f = add(c, e->line, SL_SEV_ERROR, "classic-setting-with-consumer-protocol", W(e),
                e->value, NULL,
                P("%s is a classic-protocol setting, but group.protocol=consumer (line %d)", W(e), proto->line),
                java ? P("the Java client refuses it under group.protocol=consumer (ConfigException): the broker "
                         "decides it for the new protocol")
                     : P("librdkafka refuses to create the consumer (\"`%s` is not supported for "
                         "`group.protocol=consumer`\"): the broker decides it for the new protocol", e->key),
                classic_only[i].broker ? P("delete line %d; set %s on the broker instead", e->line,
                                           classic_only[i].broker)
                                       : P("delete line %d", e->line));
            without_rehearsal(f, REFUSED_CLIENT);
        }
        /* the broker must offer the protocol (Kafka 4.0 does by default) */
        const sl_prop_t *bp = broker ? sl_props_get(broker, "group.coordinator.rebalance.protocols") : NULL;
        if (bp && !strstr(bp->value, "consumer")) {
            sl_finding_t *f = add(c, proto->line, SL_SEV_ERROR, "consumer-protocol-not-enabled", W(proto),
                proto->value, NULL,
                P("group.protocol=consumer, but %s:%d enables only group.coordinator.rebalance.protocols=%s",
                  broker->path, bp->line, bp->value),
                P("the broker answers the consumer's ConsumerGroupHeartbeat with UNSUPPORTED_VERSION: it never "
                  "joins its group"),
                P("group.coordinator.rebalance.protocols=classic,consumer on the brokers (Kafka 4.0's default), or "
                  "group.protocol=classic here"));
            without_rehearsal(f, "the simulator's brokers always offer both protocols");
        }
    } else {
        const sl_prop_t *ra = lookup(client, "group.remote.assignor");
        if (ra && java)
            without_rehearsal(
                add(c, ra->line, SL_SEV_ERROR, "consumer-setting-with-classic-protocol", W(ra), ra->value, NULL,
                    P("%s is a consumer-protocol (KIP-848) setting, but the group protocol is classic", W(ra)),
                    P("the Java client refuses it unless group.protocol=consumer (ConfigException)"),
                    P("remove it, or set group.protocol=consumer")),
                REFUSED_CLIENT);
        /* librdkafka (rd_kafka_conf_finalize, classic protocol only):
         * "`max.poll.interval.ms` must be >= `session.timeout.ms`" */
        if (!java && poll_iv.ok && session.ok && poll_iv.v < session.v)
            without_rehearsal(
                add(c, poll_iv.e ? poll_iv.e->line : session.e->line, SL_SEV_ERROR, "poll-interval-below-session",
                    "max.poll.interval.ms", poll_iv.e ? poll_iv.e->value : "300000", NULL,
                    P("max.poll.interval.ms=%lld is below session.timeout.ms=%lld", (long long)poll_iv.v,
                      (long long)session.v),
                    P("librdkafka refuses to create the consumer (\"`max.poll.interval.ms` must be >= "
                      "`session.timeout.ms`\")"),
                    P("max.poll.interval.ms=%lld (at least session.timeout.ms), or a shorter session.timeout.ms",
                      (long long)(session.v > DEF_POLL_INTERVAL_MS ? session.v : DEF_POLL_INTERVAL_MS))),
                REFUSED_CLIENT);
    }
}

/* The session timeout, the heartbeat and the request timeout. */
static void session_rules(client_t *k) {
    ctx_t *c = &k->c;
    const sl_props_t *broker = k->c.broker;
    int java = k->java;
    int kip848 = k->kip848;
    ival_t session = k->session;
    ival_t hb = k->hb;
    ival_t req = k->req;
    /* session timeout against the broker's bounds */
    int64_t bmin, bmax;
    int from_file;
    broker_bounds(broker, &bmin, &bmax, &from_file);
    char src[512];
    if (from_file) snprintf(src, sizeof src, "%s", broker->path);
    else snprintf(src, sizeof src, "Kafka's defaults; pass --broker server.properties for yours");
    int session_line = session.e ? session.e->line : 0;
    /* the session rules' rehearsal: a 20 s cut of one member, which the
     * default 45 s session absorbs with either client (librdkafka's own
     * session timer included) */
    const char *session_scn = "member-cut-short";
    char sv[32];
    snprintf(sv, sizeof sv, "%lld", (long long)session.v);
    if (!kip848 && session.ok) {
        if (session.v < bmin || session.v > bmax) {
            sl_finding_t *f = add(c, session_line, SL_SEV_ERROR, "session-outside-broker-range",
                "session.timeout.ms", sv, "session-refused",
                P("session.timeout.ms=%lld%s is outside the broker's group.min.session.timeout.ms.."
                  "group.max.session.timeout.ms = %lld..%lld (%s)", (long long)session.v,
                  session.e ? "" : " (the default)", (long long)bmin, (long long)bmax, src),
                P("the coordinator answers every JoinGroup with INVALID_SESSION_TIMEOUT and the consumer stops "
                  "(InvalidSessionTimeoutException): rolled out to a running group, it takes members out one by "
                  "one"),
                P("session.timeout.ms=%lld", (long long)(session.v < bmin ? (bmin * 3 > DEF_SESSION_MS ? bmin * 3 :
                  (DEF_SESSION_MS < bmax ? DEF_SESSION_MS : bmax)) : bmax)));
            refused_session_sets(c, f, bmin, bmax, session.v);
        } else if (session.v < 2 * bmin) {
            add(c, session_line, SL_SEV_WARNING, "session-near-broker-min", "session.timeout.ms", sv,
                session_scn,
                P("session.timeout.ms=%lld is near the broker's minimum %lld (%s)", (long long)session.v,
                  (long long)bmin, src),
                P("a GC pause, a slow disk or a network blip longer than %lld ms expels the member and rebalances "
                  "the group; the scenario's cut, absorbed at the default 45 s, costs rebalances with yours",
                  (long long)session.v),
                P("session.timeout.ms=%d (the default) and fix what makes members miss heartbeats", DEF_SESSION_MS));
        }
    }
    /* heartbeat against session */
    if (!kip848 && session.ok && hb.ok) {
        char hv[32];
        snprintf(hv, sizeof hv, "%lld", (long long)hb.v);
        int hb_line = hb.e ? hb.e->line : session_line;
        if (hb.v >= session.v) {
            sl_finding_t *f = add(c, hb_line, SL_SEV_ERROR, "heartbeat-not-below-session",
                "heartbeat.interval.ms", hv, NULL,
                P("heartbeat.interval.ms=%lld is not below session.timeout.ms=%lld", (long long)hb.v,
                  (long long)session.v),
                java ? P("the Java consumer refuses it (\"Heartbeat must be set lower than the session timeout\")")
                     : P("the coordinator expels the member between two heartbeats"),
                P("heartbeat.interval.ms=%lld (a third of session.timeout.ms)", (long long)(session.v / 3)));
            without_rehearsal(f, java ? REFUSED_CLIENT : "the simulator refuses a heartbeat interval that is "
                                 "not below the session timeout, as the Java client does");
        } else if (hb.v * 3 > session.v) {
            /* rehearsed with the cut two thirds of the session long: a
             * member heartbeating every third of it rides that out, yours
             * can have its last heartbeat too long before the cut */
            char d[64];
            sl_tx_ms(d, sizeof d, session.v * 2 / 3);
            sl_finding_t *f = add(c, hb_line, SL_SEV_WARNING, "heartbeat-over-third", "heartbeat.interval.ms", hv,
                session_scn,
                P("heartbeat.interval.ms=%lld is more than a third of session.timeout.ms=%lld", (long long)hb.v,
                  (long long)session.v),
                P("fewer than three heartbeats fit in a session: a heartbeat delayed by less than the session (a "
                  "network blip of %s, a retransmit, a coordinator busy loading) can arrive after the member's "
                  "last one has aged past session.timeout.ms, and the member is expelled", d),
                P("heartbeat.interval.ms=%lld (at most session.timeout.ms / 3)", (long long)(session.v / 3)));
            if (f) finding_set(c, f, P("events.0.for=%s", d));
        }
    }
    /* request timeout against session (Java: the consumer waits a hung
     * request out before it looks for the coordinator again) */
    if (java && !kip848 && session.ok && req.ok && req.v > session.v) {
        char rv[32];
        snprintf(rv, sizeof rv, "%lld", (long long)req.v);
        sl_finding_t *f = add(c, req.e ? req.e->line : session_line, SL_SEV_WARNING, "request-timeout-over-session",
            "request.timeout.ms", rv, "broker-pause",
            P("request.timeout.ms=%lld%s is longer than session.timeout.ms=%lld", (long long)req.v,
              req.e ? "" : " (the default)", (long long)session.v),
            P("a commit or fetch sent into a dead connection waits out request.timeout.ms, longer than the "
              "coordinator waits for a heartbeat: the member is expelled while a request of its own still hangs"),
            P("request.timeout.ms=%lld (below session.timeout.ms), or a longer session.timeout.ms",
              (long long)(session.v * 2 / 3)));
        /* The heartbeat itself does not wait it out: the Java consumer gives its coordinator up after a
         * session without a heartbeat answer, so a frozen-coordinator rehearsal shows the same timings
         * with or without the fix (tests/cli/lint_rehearse.py checked it against the fix run). */
        without_rehearsal(f, "the Java consumer also gives its coordinator up after a session without a heartbeat "
                             "answer, so a rehearsal shows the same expiry with or without the fix; the hung "
                             "request is in the trace of any run with a frozen broker");
    }
}

/* The poll loop: one batch against max.poll.interval.ms, and a long one. */
static void poll_rules(client_t *k) {
    ctx_t *c = &k->c;
    const sl_lint_opts_t *o = k->c.o;
    int java = k->java;
    int streams = k->streams;
    ival_t poll_iv = k->poll_iv;
    ival_t records = k->records;
    /* one batch against max.poll.interval.ms */
    if (java && poll_iv.ok && records.ok) {
        double per = o->processing_ms > 0 ? o->processing_ms : ASSUMED_PROCESSING_MS;
        double batch_ms = per * (double)records.v;
        if (batch_ms * 2 >= (double)poll_iv.v) {
            long long fit = (long long)((double)poll_iv.v / 4 / per);
            int over = batch_ms > (double)poll_iv.v;
            char pv[32];
            snprintf(pv, sizeof pv, "%lld", (long long)poll_iv.v);
            add(c, poll_iv.e ? poll_iv.e->line : (records.e ? records.e->line : 0), over ? SL_SEV_ERROR : SL_SEV_WARNING,
                "poll-budget", "max.poll.interval.ms", pv, "member-pause-vs-stall",
                P("max.poll.records=%lld%s x %g ms per record%s = %.0f ms, %.0f%% of max.poll.interval.ms=%lld%s",
                  (long long)records.v, records.e ? "" : streams ? " (Kafka Streams' default)" : " (the default)",
                  per, o->processing_ms > 0 ? "" : " (assumed; --processing sets yours)",
                  batch_ms, 100.0 * batch_ms / (double)poll_iv.v, (long long)poll_iv.v,
                  poll_iv.e ? "" : " (the default)"),
                over ? P("one full batch takes longer than max.poll.interval.ms: the member misses it on its first "
                         "full poll, leaves the group, which rebalances, and its uncommitted records are processed "
                         "again, over and over")
                     : P("one slow batch and the member misses max.poll.interval.ms: it leaves the group, which "
                         "rebalances, and its uncommitted records are processed twice; a slow member also "
                         "stretches every rebalance, which waits for its next poll()"),
                P("max.poll.records=%lld, or max.poll.interval.ms=%.0f (4x the batch)", fit > 0 ? fit : 1,
                  batch_ms * 4));
        }
    }
    if (poll_iv.ok && poll_iv.e && poll_iv.v > LONG_POLL_INTERVAL_MS) {
        /* rehearsed on the scenario's own session timers (its 3m event sets
         * the session to 10 s): the finding is about the poll loop alone */
        sl_finding_t *f = add(c, poll_iv.e->line, SL_SEV_WARNING, "poll-interval-long", W(poll_iv.e), poll_iv.e->value,
            "coordinator-restart-storm",
            P("max.poll.interval.ms=%lld is over %d minutes", (long long)poll_iv.v, LONG_POLL_INTERVAL_MS / 60000),
            P("it is also the rebalance timeout: every rebalance waits up to this long for a member stuck in "
              "its poll loop, and with eager assignors the whole group stops consuming meanwhile"),
            P("max.poll.interval.ms=%d and a smaller max.poll.records; move long work off the poll thread",
              DEF_POLL_INTERVAL_MS));
        if (f) {
            finding_unset(f, "groups." SL_LINT_GROUP ".session_timeout=");
            finding_unset(f, "groups." SL_LINT_GROUP ".heartbeat_interval=");
        }
    }
}

/* Assignors: eager, unknown, mixed, or Streams' own. */
static void assignor_rules(client_t *k) {
    ctx_t *c = &k->c;
    const sl_props_t *client = k->c.p;
    int java = k->java;
    int streams = k->streams;
    int kip848 = k->kip848;
    /* assignors: Streams puts its own StreamsPartitionAssignor in */
    const sl_prop_t *spa = streams ? lookup(client, "partition.assignment.strategy") : NULL;
    if (spa)
        without_rehearsal(
            add(c, spa->line, SL_SEV_WARNING, "streams-assignor-ignored", W(spa), spa->value, NULL,
                P("%s=%s in a Kafka Streams config (application.id is set)", W(spa), spa->value),
                P("Kafka Streams replaces it with its own StreamsPartitionAssignor (cooperative since Kafka 2.4): "
                  "the line has no effect, and whoever reads it is misled"),
                P("delete line %d", spa->line)),
            NOTHING_RUNS);
    if (!kip848 && !streams) {
        const sl_prop_t *pa = lookup(client, "partition.assignment.strategy");
        char names[MAX_ASSIGNORS][128];
        size_t n = 0;
        if (pa) n = split_list(pa->value, names);
        else if (java) {
            snprintf(names[0], 128, "org.apache.kafka.clients.consumer.RangeAssignor");
            snprintf(names[1], 128, "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
            n = 2;
        } else {
            snprintf(names[0], 128, "range");
            snprintf(names[1], 128, "roundrobin");
            n = 2;
        }
        int eager = 0, coop = 0, unknown = 0;
        assignor_t first = A_UNKNOWN;
        for (size_t i = 0; i < n; i++) {
            assignor_t a = classify(names[i], c->client);
            if (i == 0) first = a;
            eager |= is_eager(a);
            coop |= a == A_COOP;
            if (a == A_UNKNOWN) {
                unknown = 1;
                sl_finding_t *f = add(c, pa ? pa->line : 0, SL_SEV_ERROR, "unknown-assignor",
                    pa ? W(pa) : "partition.assignment.strategy", names[i], NULL,
                    P("'%s' is not a %s assignor", names[i], java ? "Java" : "librdkafka"),
                    P("%s", java ? "the Java client expects class names and refuses the consumer (ConfigException)"
                                 : "librdkafka refuses the consumer (unsupported partition.assignment.strategy)"),
                    P("partition.assignment.strategy=%s",
                      java ? "org.apache.kafka.clients.consumer.CooperativeStickyAssignor" : "cooperative-sticky"));
                without_rehearsal(f, REFUSED_CLIENT);
            }
        }
        if (!unknown && !java && eager && coop && pa) {
            sl_finding_t *f = add(c, pa->line, SL_SEV_ERROR, "mixed-assignor-protocols", W(pa), pa->value,
                NULL,
                P("partition.assignment.strategy=%s mixes eager and cooperative assignors", pa->value),
                P("librdkafka refuses the consumer: all assignors must share one rebalance protocol, so it cannot "
                  "migrate online the way the Java client does"),
                P("partition.assignment.strategy=cooperative-sticky on every member (one rolling restart)"));
            without_rehearsal(f, REFUSED_CLIENT);
        } else if (!unknown && is_eager(first)) {
            char *msg = pa ? P("%s=%s rebalances eagerly (%s first)", W(pa), pa->value, assignor_name(first))
                           : P("partition.assignment.strategy is not set: the %s default (%s) rebalances eagerly",
                               java ? "Java" : "librdkafka", java ? "RangeAssignor, CooperativeStickyAssignor" :
                               "range,roundrobin");
            add(c, pa ? pa->line : 0, SL_SEV_WARNING, "eager-assignor", "partition.assignment.strategy",
                pa ? pa->value : names[0], "rolling-restart-eager", msg,
                P("every rebalance revokes every partition of every member before it rejoins: the whole group "
                  "stops consuming, and a rolling restart of N members stops it about 2N times%s",
                  coop ? "; the group stays on the first assignor until every member drops it" : ""),
                P("partition.assignment.strategy=%s%s; compare scenarios/rolling-restart-cooperative.yaml",
                  java ? "org.apache.kafka.clients.consumer.CooperativeStickyAssignor" : "cooperative-sticky",
                  java ? " (from the default: one rolling restart without RangeAssignor)"
                       : " (from an eager list: a full stop and restart of the group, not a rolling one)"));
        }
    }
}

/* Static membership, and Kafka Streams' standby replicas. */
static void membership_rules(client_t *k) {
    ctx_t *c = &k->c;
    const sl_props_t *client = k->c.p;
    const sl_lint_opts_t *o = k->c.o;
    int streams = k->streams;
    /* static membership */
    const sl_prop_t *gi = lookup(client, "group.instance.id");
    if (!gi || !*gi->value) {
        const sl_prop_t *hint = lookup(client, "application.id");
        if (!hint) hint = sl_props_get(client, "state.dir");
        int stateful = o->stateful || hint;
        char sf[300] = "";
        if (hint) snprintf(sf, sizeof sf, " on a stateful consumer (%s is set)", W(hint));
        else if (stateful) snprintf(sf, sizeof sf, " on a stateful consumer (--stateful)");
        add(c, gi ? gi->line : 0, stateful ? SL_SEV_WARNING : SL_SEV_NOTE, "no-static-membership",
            "group.instance.id", gi ? gi->value : NULL, "rolling-restart-eager",
            P("group.instance.id is %s%s", gi ? "empty" : "not set", sf),
            streams ? P("every restart (a deploy, a rescheduled pod) is two rebalances: the new instance joins "
                        "with a new member id, and the old one, which Kafka Streams closes without a LeaveGroup, "
                        "is expelled when session.timeout.ms expires; tasks that move rebuild their state. A static "
                        "member restarted within session.timeout.ms gets its tasks back with none")
                    : P("every restart (a deploy, a rescheduled pod) is two rebalances: LeaveGroup, then a new "
                        "member joins%s; a static member restarted within session.timeout.ms gets its partitions "
                        "back with none", stateful ? ", and local state is rebuilt for partitions that moved" : ""),
            P("group.instance.id=<a name stable across restarts, e.g. the pod or host name>, and a "
              "session.timeout.ms longer than a restart; compare scenarios/rolling-restart-static.yaml"));
    } else if (strcasestr(gi->value, "random") || strcasestr(gi->value, "uuid")) {
        without_rehearsal(
            add(c, gi->line, SL_SEV_WARNING, "static-id-unstable", W(gi), gi->value, NULL,
                P("%s=%s changes at every restart", W(gi), gi->value),
                P("a static member sends no LeaveGroup: each restart leaves the old instance id holding its "
                  "partitions, unconsumed, until session.timeout.ms expires, then rebalances, and the new id joins "
                  "as a stranger (another rebalance): worse than no static membership"),
                P("an id stable across restarts and unique in the group: a StatefulSet pod name, a host name, "
                  "${HOSTNAME} where it is stable")),
            "the simulator's static members keep their ids across restarts; a changing id is not modelled");
    }
    if (streams) {
        const sl_prop_t *sb = lookup(client, "num.standby.replicas");
        if (!sb || !strcmp(sb->value, "0"))
            without_rehearsal(
                add(c, sb ? sb->line : 0, SL_SEV_NOTE, "streams-no-standby", "num.standby.replicas",
                    sb ? sb->value : "0", NULL,
                    P("num.standby.replicas is %s: no instance keeps a warm copy of another's state", sb ? "0" :
                      "not set (0)"),
                    P("when a member leaves (a crash, a restart longer than session.timeout.ms), its stateful tasks "
                      "move and rebuild their stores from the changelog topics before they process again; the "
                      "rebalance is over in seconds, the stall lasts as long as the restore"),
                    P("num.standby.replicas=1 (the tasks fail over to an instance that has the state)")),
                "the simulator models consumer groups, not Kafka Streams' state stores and their restore");
    }
}

int sl_lint_client(sl_lint_t *out, const sl_props_t *client, const sl_props_t *broker, const sl_lint_opts_t *o) {
    client_t k = {.c = {.p = client, .out = out, .broker = broker, .o = o}};
    client_read(&k);
    client_rehearsal_sets(&k);
    if (!client_is_broker_file(&k)) {
        typos_and_duplicates(&k.c, 0);
        protocol_rules(&k);
        session_rules(&k);
        poll_rules(&k);
        assignor_rules(&k);
        membership_rules(&k);
    }
    free_sets(&k.c);
    return k.c.oom ? -1 : 0;
}

int sl_lint_is_streams(const sl_props_t *p) { return lookup(p, "application.id") != NULL; }

int sl_lint_broker(sl_lint_t *out, const sl_props_t *broker) {
    ctx_t c = {.p = broker, .out = out};
    /* a client's file given as the broker's: the note, and no broker rules */
    if (sl_props_get(broker, "group.id") || sl_props_get(broker, "key.deserializer")) {
        const sl_prop_t *e = sl_props_get(broker, "group.id");
        if (!e) e = sl_props_get(broker, "key.deserializer");
        without_rehearsal(add(&c, e->line, SL_SEV_NOTE, "client-file", W(e), e->value, NULL,
                              P("%s is a client setting: this looks like a consumer's properties", W(e)),
                              P("broker rules do not apply to a client's file, so none were checked"),
                              P("pass it without --broker")),
                          "a note about the file, not a setting");
        return c.oom ? -1 : 0;
    }
    const char *who = "the broker refuses to start (ConfigException)";
    ival_t mn = get_int(&c, "group.min.session.timeout.ms", BROKER_MIN_SESSION_MS, 0, 2147483647, who);
    ival_t mx = get_int(&c, "group.max.session.timeout.ms", BROKER_MAX_SESSION_MS, 0, 2147483647, who);
    ival_t delay = get_int(&c, "group.initial.rebalance.delay.ms", 3000, 0, 2147483647, who);
    ival_t repl = get_int(&c, "offsets.topic.replication.factor", 3, 1, 32767, who);
    broker_sets(&c, broker);
    typos_and_duplicates(&c, 1);
    if (mn.ok && mx.ok && mn.v > mx.v) {
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)mn.v);
        sl_finding_t *f = add(&c, mn.e ? mn.e->line : mx.e->line, SL_SEV_ERROR, "broker-session-range", "group.min.session.timeout.ms",
            v, "coordinator-restart-storm",
            P("group.min.session.timeout.ms=%lld is above group.max.session.timeout.ms=%lld", (long long)mn.v,
              (long long)mx.v),
            P("no session timeout is acceptable: every JoinGroup is answered INVALID_SESSION_TIMEOUT"),
            P("group.min.session.timeout.ms=%d and group.max.session.timeout.ms=%d (Kafka's defaults)",
              BROKER_MIN_SESSION_MS, BROKER_MAX_SESSION_MS));
        without_rehearsal(f, "the simulator refuses a broker whose minimum is above its maximum");
    } else if (mx.ok && mx.v < DEF_SESSION_MS) {
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)mx.v);
        sl_finding_t *f = add(&c, mx.e->line, SL_SEV_WARNING, "broker-rejects-default-session",
            "group.max.session.timeout.ms", v, "session-refused",
            P("group.max.session.timeout.ms=%lld is below the clients' default session.timeout.ms=%d",
              (long long)mx.v, DEF_SESSION_MS),
            P("every classic consumer left at the default is refused with INVALID_SESSION_TIMEOUT and stops"),
            P("group.max.session.timeout.ms=%d (the default), or set session.timeout.ms on every client",
              BROKER_MAX_SESSION_MS));
        refused_session_sets(&c, f, mn.ok ? mn.v : BROKER_MIN_SESSION_MS, mx.v, DEF_SESSION_MS);
    }
    /* the consumer protocol's bounds (KIP-848): GroupCoordinatorConfig
     * requires min <= value <= max for both, and the broker refuses to start */
    ival_t cs = get_int(&c, "group.consumer.session.timeout.ms", 45000, 1, 2147483647, who);
    ival_t csmin = get_int(&c, "group.consumer.min.session.timeout.ms", 45000, 1, 2147483647, who);
    ival_t csmax = get_int(&c, "group.consumer.max.session.timeout.ms", 60000, 1, 2147483647, who);
    ival_t ch = get_int(&c, "group.consumer.heartbeat.interval.ms", 5000, 1, 2147483647, who);
    ival_t chmin = get_int(&c, "group.consumer.min.heartbeat.interval.ms", 5000, 1, 2147483647, who);
    ival_t chmax = get_int(&c, "group.consumer.max.heartbeat.interval.ms", 15000, 1, 2147483647, who);
    const struct { ival_t v, lo, hi; const char *key, *lok, *hik; } kb[] = {
        {cs, csmin, csmax, "group.consumer.session.timeout.ms", "group.consumer.min.session.timeout.ms",
         "group.consumer.max.session.timeout.ms"},
        {ch, chmin, chmax, "group.consumer.heartbeat.interval.ms", "group.consumer.min.heartbeat.interval.ms",
         "group.consumer.max.heartbeat.interval.ms"}};
    for (size_t i = 0; i < 2; i++) {
        if (!kb[i].v.ok || !kb[i].lo.ok || !kb[i].hi.ok || (kb[i].v.v >= kb[i].lo.v && kb[i].v.v <= kb[i].hi.v))
            continue;
        const sl_prop_t *at = kb[i].v.e ? kb[i].v.e : kb[i].lo.e && kb[i].v.v < kb[i].lo.v ? kb[i].lo.e : kb[i].hi.e;
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)kb[i].v.v);
        without_rehearsal(
            add(&c, at ? at->line : 0, SL_SEV_ERROR, "broker-consumer-group-bounds", kb[i].key, v, NULL,
                P("%s=%lld%s is outside %s..%s = %lld..%lld", kb[i].key, (long long)kb[i].v.v,
                  kb[i].v.e ? "" : " (the default)", kb[i].lok, kb[i].hik, (long long)kb[i].lo.v,
                  (long long)kb[i].hi.v),
                P("the broker refuses to start (\"%s must be greater than or equal to %s\" or \"... less than "
                  "or equal to %s\")", kb[i].key, kb[i].lok, kb[i].hik),
                P("keep %s within its bounds (defaults: %s)", kb[i].key,
                  i == 0 ? "45000 in 45000..60000" : "5000 in 5000..15000")),
            REFUSED_BROKER);
    }
    if (cs.ok && ch.ok && ch.v >= cs.v)
        without_rehearsal(
            add(&c, ch.e ? ch.e->line : cs.e ? cs.e->line : 0, SL_SEV_ERROR, "broker-consumer-group-bounds",
                "group.consumer.heartbeat.interval.ms", ch.e ? ch.e->value : "5000", NULL,
                P("group.consumer.heartbeat.interval.ms=%lld is not below group.consumer.session.timeout.ms=%lld",
                  (long long)ch.v, (long long)cs.v),
                P("the broker refuses to start: the heartbeat interval must be below the session timeout"),
                P("group.consumer.heartbeat.interval.ms=%lld", (long long)(cs.v / 3 > 0 ? cs.v / 3 : 1))),
            REFUSED_BROKER);
    if (delay.ok && delay.e && delay.v == 0) {
        add(&c, delay.e->line, SL_SEV_WARNING, "no-initial-rebalance-delay", W(delay.e), delay.e->value,
            "group-cold-start",
            P("group.initial.rebalance.delay.ms=0: an empty group rebalances at its first member"),
            P("when a group (re)starts and its members come up one after another (a deploy, a fleet restart), "
              "each arrival that finds the group settled starts a rebalance of its own, each revoking what the "
              "previous one assigned; with the delay the group forms once"),
            P("group.initial.rebalance.delay.ms=3000 (the default; 0 is meant for tests)"));
    }
    if (repl.ok && repl.e && repl.v == 1) {
        add(&c, repl.e->line, SL_SEV_WARNING, "offsets-replication-one", W(repl.e), repl.e->value,
            "coordinator-killed",
            P("offsets.topic.replication.factor=1: each group's coordinator and committed offsets live on one "
              "broker"),
            P("when that broker stops, its groups have no coordinator until it returns: no commits, no joins, "
              "and members that restart meanwhile cannot get their partitions"),
            P("offsets.topic.replication.factor=3 (the default; set before the first group is created)"));
    }
    free_sets(&c);
    return c.oom ? -1 : 0;
}

int sl_lint_groups(sl_lint_t *out, const sl_props_t *const *clients, size_t n, const sl_lint_opts_t *o) {
    int oom = 0;
    for (size_t i = 0; i < n; i++) {
        const sl_prop_t *gi = lookup(clients[i], "group.id");
        if (!gi) continue;
        sl_lint_client_t ci = o->client != SL_CLIENT_AUTO ? o->client : sl_lint_detect(clients[i], NULL);
        for (size_t j = 0; j < i; j++) {
            const sl_prop_t *gj = lookup(clients[j], "group.id");
            if (!gj || strcmp(gi->value, gj->value) != 0) continue;
            sl_lint_client_t cj = o->client != SL_CLIENT_AUTO ? o->client : sl_lint_detect(clients[j], NULL);
            ctx_t c = {.p = clients[i], .out = out};
            /* two members with one static id fence each other */
            const sl_prop_t *ii = lookup(clients[i], "group.instance.id"), *ij = lookup(clients[j], "group.instance.id");
            if (ii && ij && *ii->value && !strcmp(ii->value, ij->value) && !strstr(ii->value, "${"))
                without_rehearsal(
                    add(&c, ii->line, SL_SEV_ERROR, "static-id-collision", W(ii), ii->value, NULL,
                        P("group.instance.id=%s is also the id of %s:%d, in the same group %s", ii->value,
                          clients[j]->path, ij->line, gi->value),
                        P("the second to join fences the first (FENCED_INSTANCE_ID): one of the two consumers "
                          "stops, and the group runs one member short"),
                        P("one id per instance, e.g. the host or pod name")),
                    "the simulator gives every static member its own id");
            /* KIP-848 online migration: one group, two protocols */
            const sl_prop_t *pri = lookup(clients[i], "group.protocol"), *prj = lookup(clients[j], "group.protocol");
            int ki = pri && ieq(pri->value, "consumer"), kj = prj && ieq(prj->value, "consumer");
            if (ki != kj) {
                const sl_prop_t *at = pri ? pri : gi;
                without_rehearsal(
                    add(&c, at->line, SL_SEV_NOTE, "mixed-group-protocols", W(at), at->value, NULL,
                        P("group %s mixes group.protocol=%s here with %s in %s", gi->value,
                          ki ? "consumer" : "classic", kj ? "consumer" : "classic", clients[j]->path),
                        P("an online migration (KIP-848): the first consumer-protocol member converts the group; "
                          "classic members keep joining through JoinGroup/SyncGroup and still stop at every "
                          "rebalance until they are restarted with group.protocol=consumer; the group converts "
                          "back only when the last consumer-protocol member leaves"),
                        P("finish the rolling upgrade: group.protocol=consumer on every member, without "
                          "session.timeout.ms, heartbeat.interval.ms and partition.assignment.strategy")),
                    "the simulator runs a group on one protocol; compare scenarios/rolling-restart-kip848.yaml");
            }
            oom |= c.oom;
            if (ki || kj || sl_lint_is_streams(clients[i]) || sl_lint_is_streams(clients[j])) continue;
            const sl_prop_t *pi = lookup(clients[i], "partition.assignment.strategy");
            const sl_prop_t *pj = lookup(clients[j], "partition.assignment.strategy");
            char ai[MAX_ASSIGNORS][128], aj[MAX_ASSIGNORS][128];
            size_t ni = pi ? split_list(pi->value, ai) : 0, nj = pj ? split_list(pj->value, aj) : 0;
            if (!pi) { ni = 1; snprintf(ai[0], 128, "%s", ci == SL_CLIENT_JAVA ? "org.apache.kafka.clients.consumer.RangeAssignor" : "range"); }
            if (!pj) { nj = 1; snprintf(aj[0], 128, "%s", cj == SL_CLIENT_JAVA ? "org.apache.kafka.clients.consumer.RangeAssignor" : "range"); }
            int common = 0;
            for (size_t a = 0; a < ni; a++)
                for (size_t b = 0; b < nj; b++) {
                    assignor_t x = classify(ai[a], ci), y = classify(aj[b], cj);
                    if (x != A_UNKNOWN && x == y && (x != A_CUSTOM || !strcmp(ai[a], aj[b]))) common = 1;
                }
            if (common) continue;
            sl_finding_t *f = add(&c, pi ? pi->line : gi->line, SL_SEV_ERROR, "no-common-assignor",
                "partition.assignment.strategy", pi ? pi->value : NULL, NULL,
                P("group.id=%s is also used by %s:%d, and the two share no assignor (%s vs %s)", gi->value,
                  clients[j]->path, pj ? pj->line : gj->line, pi ? pi->value : "the default",
                  pj ? pj->value : "the default"),
                P("the coordinator refuses the member that cannot agree with the group "
                  "(INCONSISTENT_GROUP_PROTOCOL): during a rolling change half the fleet cannot join"),
                P("list the new assignor and the old one on every member first, then drop the old one in a "
                  "second rolling restart"));
            without_rehearsal(f, "the simulator's members of one group share one assignor");
            oom |= c.oom;
        }
    }
    return oom ? -1 : 0;
}
