/*
 * Scenario loader: YAML tree -> sl_scenario_t with Kafka's defaults filled
 * in and every rule of docs/scenarios.md checked.  Top level, cluster, topics, groups
 * and links live here; events and expectations in scenario_events.c.
 *
 * The struct is built privately and handed out only when everything
 * loaded, so on any error *out is untouched and nothing leaks.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load-internal.h"

#define SEC 1000000LL
#define MS 1000LL

static const char *const top_keys[] = {"name", "description", "seed", "duration", "sample",
                                       "cluster", "topics", "groups", "links", "events",
                                       "expect", NULL};
static const char *const cluster_keys[] = {
    "brokers", "offsets_partitions", "offsets_replication", "group_initial_rebalance_delay",
    "group_min_session_timeout", "group_max_session_timeout", "broker_session_timeout",
    "broker_heartbeat_interval", "broker_startup", "coordinator_load", "auto_leader_rebalance",
    "active_controller", "controller_failover",
    "leader_election", "min_insync_replicas", "consumer_assignment_interval", NULL};
static const char *const topic_keys[] = {"name", "partitions", "replication", "owner",
                                         "produce_rate", NULL};
static const char *const group_keys[] = {
    "id", "owner", "topics", "members", "client", "protocol", "assignor", "static",
    "session_timeout", "heartbeat_interval", "max_poll_interval", "max_poll_records",
    "processing", "on_revoke", "commit", "auto_commit_interval", "request_timeout",
    "retry_backoff", "retry_backoff_max", "fetch_max_wait", "startup", NULL};
static const char *const link_keys[] = {"latency", "jitter", "loss", NULL};

const char *const *sl_scenario_keys(const char *where) {
    static const struct {
        const char *where;
        const char *const *keys;
    } places[] = {{"", top_keys},         {"cluster", cluster_keys}, {"topics", topic_keys},
                  {"groups", group_keys}, {"links", link_keys},      {"events", ld_event_keys}};
    for (size_t i = 0; where && i < sizeof places / sizeof places[0]; i++)
        if (!strcmp(where, places[i].where))
            return places[i].keys;
    return NULL;
}

/* ---- name lookups ---- */

static int cmp_name(const void *a, const void *b) {
    return strcmp(((const ld_name_t *)a)->name, ((const ld_name_t *)b)->name);
}

static int find_name(const ld_name_t *order, int n, const char *name) {
    ld_name_t key = {name, -1};
    const ld_name_t *hit = order ? bsearch(&key, order, (size_t)n, sizeof key, cmp_name) : NULL;
    return hit ? hit->index : -1;
}

int ld_topic_index(const ld_t *ld, const char *name) {
    return find_name(ld->topic_order, ld->sc->n_topics, name);
}

int ld_group_index(const ld_t *ld, const char *id) {
    return find_name(ld->group_order, ld->sc->n_groups, id);
}

/* ---- scalars with their own syntax ---- */

static int val_seed(ld_t *ld, const sl_yaml_node_t *n, const char *path, uint64_t *out) {
    char ex[64];
    if (n->kind != SL_YAML_SCALAR || sl_yaml_is_null(n) || n->quoted)
        return ld_fail(ld, SL_E_INVAL, n, path, "found %s, expected an unsigned integer such as 7",
                       n->quoted ? "a quoted string" : sl_yaml_kind_desc(n));
    sl_yaml_excerpt(n->str, n->len, ex, sizeof ex);
    if (strspn(n->str, "0123456789") != n->len)
        return ld_fail(ld, SL_E_INVAL, n, path, "%s is not a seed, expected an integer 0..%" PRIu64,
                       ex, UINT64_MAX);
    uint64_t v = 0;
    for (const char *p = n->str; *p; p++) {
        if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return ld_fail(ld, SL_E_LIMIT, n, path, "%s is too large, expected at most %" PRIu64, ex,
                           UINT64_MAX);
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

/* "500/s", or a plain number of records per second. */
static int val_rate(ld_t *ld, const sl_yaml_node_t *n, const char *path, double *out) {
    if (n->kind != SL_YAML_SCALAR || sl_yaml_is_null(n))
        return ld_fail(ld, SL_E_INVAL, n, path, "found %s, expected a rate such as 500/s",
                       sl_yaml_kind_desc(n));
    sl_yaml_node_t num = *n;
    char buf[64];
    if (n->len > 2 && !strcmp(n->str + n->len - 2, "/s") && n->len - 2 < sizeof buf) {
        memcpy(buf, n->str, n->len - 2);
        buf[n->len - 2] = 0;
        num.str = buf;
        num.len = n->len - 2;
        num.quoted = false;
    }
    return val_double(ld, &num, path, 0, SL_MAX_PRODUCE_RATE, true, out);
}

/* ---- groups ---- */

static void group_defaults(sl_group_cfg_t *g, sl_protocol_t proto) {
    g->members = 1;
    g->client = SL_CLIENT_JAVA;
    g->protocol = proto;
    /* group.remote.assignor is uniform; the classic client's
     * partition.assignment.strategy default starts with range. */
    g->assignor = proto == SL_PROTO_CONSUMER ? SL_ASSIGN_UNIFORM : SL_ASSIGN_RANGE;
    g->static_membership = false;
    g->session_timeout_us = 45 * SEC;
    /* group.consumer.heartbeat.interval.ms (5s) for the consumer protocol,
     * heartbeat.interval.ms (3s) for classic. */
    g->heartbeat_interval_us = proto == SL_PROTO_CONSUMER ? 5 * SEC : 3 * SEC;
    g->max_poll_interval_us = 300 * SEC;
    g->max_poll_records = 500;
    g->processing_median_us = g->processing_p99_us = 1 * MS;
    g->on_revoke_us = 0;
    g->commit = SL_COMMIT_AUTO;
    g->auto_commit_interval_us = 5 * SEC;
    g->request_timeout_us = 30 * SEC;
    g->retry_backoff_us = 100 * MS;
    g->retry_backoff_max_us = 1 * SEC;
    g->fetch_max_wait_us = 500 * MS;
    g->startup_us = 0;
}

/* `startup`: one duration for every member, or a list, one per member in
 * index order (the last for members past it): the fidelity suite gives the
 * simulator each member's measured start-up (docs/scenarios.md). */
static int val_startup(ld_t *ld, const sl_yaml_node_t *v, const char *path, sl_group_cfg_t *g) {
    g->n_startup_each = 0;
    if (v->kind != SL_YAML_SEQ)
        return val_dur(ld, v, path, 0, &g->startup_us);
    if (v->n == 0 || v->n > SL_MAX_STARTUPS)
        return ld_fail(ld, SL_E_INVAL, v, path, "a list of %zu, expected 1 to %d durations, one per member, "
                       "such as [1200ms, 1500ms]", v->n, SL_MAX_STARTUPS);
    char p[LD_PATH];
    for (size_t i = 0; i < v->n; i++)
        if (val_dur(ld, v->items[i], ld_idx(p, path, i), 0, &g->startup_each_us[i]) != 0)
            return -1;
    g->n_startup_each = (int)v->n;
    g->startup_us = g->startup_each_us[v->n - 1];
    return 0;
}

static int val_processing(ld_t *ld, const sl_yaml_node_t *v, const char *path, sl_group_cfg_t *g) {
    int64_t median, p99;
    char p[LD_PATH];
    if (v->kind != SL_YAML_MAP) {
        if (val_dur(ld, v, path, 0, &median) != 0) return -1;
        g->processing_median_us = g->processing_p99_us = median;
        return 0;
    }
    static const char *const keys[] = {"median", "p99", NULL};
    if (ld_map(ld, v, path, "processing times per record (median, p99)", keys) != 0) return -1;
    const sl_yaml_node_t *m = sl_yaml_get(v, "median"), *q = sl_yaml_get(v, "p99");
    if (!m)
        return ld_fail(ld, SL_E_INVAL, v, ld_key(p, path, "median"),
                       "missing, expected the median processing time per record such as 2ms");
    if (val_dur(ld, m, ld_key(p, path, "median"), 0, &median) != 0) return -1;
    p99 = median;
    if (q && val_dur(ld, q, ld_key(p, path, "p99"), 0, &p99) != 0) return -1;
    if (p99 < median) {
        char a[32], b[32];
        sl_format_duration(p99, a, sizeof a);
        sl_format_duration(median, b, sizeof b);
        return ld_fail(ld, SL_E_INVAL, q, ld_key(p, path, "p99"),
                       "%s is below the median %s, expected a p99 of at least the median", a, b);
    }
    g->processing_median_us = median;
    g->processing_p99_us = p99;
    return 0;
}

int ld_group_field(ld_t *ld, const sl_yaml_node_t *v, const char *path, const char *key,
                   sl_group_cfg_t *g) {
    int x;
    if (!strcmp(key, "client")) {
        const char *names[] = {sl_client_name(SL_CLIENT_JAVA), sl_client_name(SL_CLIENT_LIBRDKAFKA)};
        if (val_enum(ld, v, path, "a client", names, 2, &x) != 0) return -1;
        g->client = (sl_client_t)x;
        return SL_GF_CLIENT;
    }
    if (!strcmp(key, "protocol")) {
        const char *names[] = {sl_protocol_name(SL_PROTO_CLASSIC), sl_protocol_name(SL_PROTO_CONSUMER)};
        if (val_enum(ld, v, path, "a group protocol", names, 2, &x) != 0) return -1;
        g->protocol = (sl_protocol_t)x;
        return SL_GF_PROTOCOL;
    }
    if (!strcmp(key, "assignor")) {
        const char *names[] = {sl_assignor_name(SL_ASSIGN_RANGE), sl_assignor_name(SL_ASSIGN_ROUNDROBIN),
                               sl_assignor_name(SL_ASSIGN_STICKY),
                               sl_assignor_name(SL_ASSIGN_COOPERATIVE_STICKY),
                               sl_assignor_name(SL_ASSIGN_UNIFORM)};
        if (val_enum(ld, v, path, "an assignor", names, 5, &x) != 0) return -1;
        g->assignor = (sl_assignor_t)x;
        return SL_GF_ASSIGNOR;
    }
    if (!strcmp(key, "commit")) {
        const char *names[] = {sl_commit_name(SL_COMMIT_AUTO), sl_commit_name(SL_COMMIT_SYNC_PER_BATCH)};
        if (val_enum(ld, v, path, "a commit mode", names, 2, &x) != 0) return -1;
        g->commit = (sl_commit_t)x;
        return SL_GF_COMMIT;
    }
    if (!strcmp(key, "static"))
        return val_bool(ld, v, path, &g->static_membership) ? -1 : (int)SL_GF_STATIC;
    if (!strcmp(key, "session_timeout"))
        return val_dur(ld, v, path, 1, &g->session_timeout_us) ? -1 : (int)SL_GF_SESSION_TIMEOUT;
    if (!strcmp(key, "heartbeat_interval"))
        return val_dur(ld, v, path, 1, &g->heartbeat_interval_us) ? -1 : (int)SL_GF_HEARTBEAT_INTERVAL;
    if (!strcmp(key, "max_poll_interval"))
        return val_dur(ld, v, path, 1, &g->max_poll_interval_us) ? -1 : (int)SL_GF_MAX_POLL_INTERVAL;
    if (!strcmp(key, "on_revoke"))
        return val_dur(ld, v, path, 0, &g->on_revoke_us) ? -1 : (int)SL_GF_ON_REVOKE;
    if (!strcmp(key, "request_timeout"))
        return val_dur(ld, v, path, 1, &g->request_timeout_us) ? -1 : (int)SL_GF_REQUEST_TIMEOUT;
    if (!strcmp(key, "processing"))
        return val_processing(ld, v, path, g) ? -1 : (int)SL_GF_PROCESSING;
    if (!strcmp(key, "max_poll_records")) {
        int64_t n;
        if (val_int(ld, v, path, 1, INT_MAX, &n) != 0) return -1;
        g->max_poll_records = (int)n;
        return SL_GF_MAX_POLL_RECORDS;
    }
    /* Fields a `set` event cannot change. */
    if (!strcmp(key, "auto_commit_interval")) return val_dur(ld, v, path, 1, &g->auto_commit_interval_us);
    if (!strcmp(key, "retry_backoff")) return val_dur(ld, v, path, 0, &g->retry_backoff_us);
    if (!strcmp(key, "retry_backoff_max")) return val_dur(ld, v, path, 0, &g->retry_backoff_max_us);
    if (!strcmp(key, "fetch_max_wait")) return val_dur(ld, v, path, 0, &g->fetch_max_wait_us);
    if (!strcmp(key, "startup")) return val_startup(ld, v, path, g);
    return 0;
}

int ld_check_group(const sl_cluster_cfg_t *cl, const sl_group_cfg_t *g, bool broker_bounds,
                   const char **key, char *why, size_t why_size) {
    char s[32], h[32], lo[32], hi[32];
    sl_format_duration(g->session_timeout_us, s, sizeof s);
    sl_format_duration(g->heartbeat_interval_us, h, sizeof h);
    if (g->protocol == SL_PROTO_CLASSIC) {
        sl_format_duration(cl->group_min_session_timeout_us, lo, sizeof lo);
        sl_format_duration(cl->group_max_session_timeout_us, hi, sizeof hi);
        if (broker_bounds && (g->session_timeout_us < cl->group_min_session_timeout_us ||
                              g->session_timeout_us > cl->group_max_session_timeout_us)) {
            *key = "session_timeout";
            snprintf(why, why_size,
                     "%s is outside the broker's group.min.session.timeout.ms..group.max.session."
                     "timeout.ms (%s..%s), expected a value in %s..%s", s, lo, hi, lo, hi);
            return -1;
        }
        if (g->heartbeat_interval_us >= g->session_timeout_us) {
            *key = "heartbeat_interval";
            snprintf(why, why_size,
                     "%s is not below the session timeout %s, expected a heartbeat interval less "
                     "than session_timeout (a third of it is usual)", h, s);
            return -1;
        }
        if (g->assignor == SL_ASSIGN_UNIFORM) {
            *key = "assignor";
            snprintf(why, why_size,
                     "uniform is the broker's assignor of protocol: consumer, expected range, "
                     "roundrobin, sticky or cooperative-sticky with protocol: classic");
            return -1;
        }
        if (g->client == SL_CLIENT_LIBRDKAFKA && g->assignor == SL_ASSIGN_STICKY) {
            *key = "assignor";
            snprintf(why, why_size,
                     "librdkafka has no eager sticky assignor, expected range, roundrobin or "
                     "cooperative-sticky with client: librdkafka");
            return -1;
        }
        return 0;
    }
    if (broker_bounds && (g->session_timeout_us < SL_CONSUMER_MIN_SESSION_US ||
                          g->session_timeout_us > SL_CONSUMER_MAX_SESSION_US)) {
        *key = "session_timeout";
        snprintf(why, why_size,
                 "%s is outside the broker's group.consumer.min.session.timeout.ms..group.consumer."
                 "max.session.timeout.ms (45s..60s), expected a value in 45s..60s", s);
        return -1;
    }
    if (broker_bounds && (g->heartbeat_interval_us < SL_CONSUMER_MIN_HEARTBEAT_US ||
                          g->heartbeat_interval_us > SL_CONSUMER_MAX_HEARTBEAT_US)) {
        *key = "heartbeat_interval";
        snprintf(why, why_size,
                 "%s is outside the broker's group.consumer.min.heartbeat.interval.ms..group."
                 "consumer.max.heartbeat.interval.ms (5s..15s), expected a value in 5s..15s", h);
        return -1;
    }
    if (g->heartbeat_interval_us >= g->session_timeout_us) {
        *key = "heartbeat_interval";
        snprintf(why, why_size, "%s is not below the session timeout %s, expected a heartbeat "
                 "interval less than session_timeout", h, s);
        return -1;
    }
    if (g->assignor != SL_ASSIGN_UNIFORM && g->assignor != SL_ASSIGN_RANGE) {
        *key = "assignor";
        snprintf(why, why_size,
                 "%s is a client-side assignor, expected uniform or range with protocol: consumer "
                 "(the broker assigns)", sl_assignor_name(g->assignor));
        return -1;
    }
    return 0;
}

static int load_group_topics(ld_t *ld, const sl_yaml_node_t *m, const char *path, sl_group_cfg_t *g) {
    char p[LD_PATH], q[LD_PATH];
    const sl_yaml_node_t *v = sl_yaml_get(m, "topics");
    ld_key(p, path, "topics");
    if (!v)
        return ld_fail(ld, SL_E_INVAL, m, p, "missing, expected a list of the topics the group "
                       "consumes, such as [orders]");
    const sl_yaml_node_t *const *items = (const sl_yaml_node_t *const *)&v;
    size_t n = 1;
    if (v->kind == SL_YAML_SEQ) {
        items = (const sl_yaml_node_t *const *)v->items;
        n = v->n;
    }
    if (n == 0)
        return ld_fail(ld, SL_E_INVAL, v, p, "an empty list, expected at least one topic");
    g->topics = calloc(n, sizeof *g->topics);
    char *seen = calloc((size_t)ld->sc->n_topics, 1);
    int rc = 0;
    if (!g->topics || !seen) rc = ld_nomem(ld);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *name = NULL;
        const char *ip = v->kind == SL_YAML_SEQ ? ld_idx(q, p, i) : p;
        if (val_str(ld, items[i], ip, true, false, &name) != 0) {
            rc = -1;
            break;
        }
        int t = ld_topic_index(ld, name);
        if (t < 0)
            rc = ld_fail(ld, SL_E_INVAL, items[i], ip,
                         "\"%s\" is not a declared topic, expected a name listed under topics:", name);
        else if (seen[t])
            rc = ld_fail(ld, SL_E_INVAL, items[i], ip, "\"%s\" is listed twice, expected each topic once",
                         name);
        else {
            seen[t] = 1;
            g->topics[g->n_topics++] = t;
        }
        free(name);
    }
    free(seen);
    return rc;
}

static int load_group(ld_t *ld, const sl_yaml_node_t *m, const char *path, sl_group_cfg_t *g) {
    char p[LD_PATH];
    if (ld_map(ld, m, path, "group settings", group_keys) != 0) return -1;
    g->line = m->line;
    g->col = m->col;
    const sl_yaml_node_t *v = sl_yaml_get(m, "protocol");
    sl_protocol_t proto = SL_PROTO_CLASSIC;
    if (v) {
        sl_group_cfg_t tmp = {0};
        if (ld_group_field(ld, v, ld_key(p, path, "protocol"), "protocol", &tmp) < 0) return -1;
        proto = tmp.protocol;
    }
    group_defaults(g, proto);
    if (!(v = sl_yaml_get(m, "id")))
        return ld_fail(ld, SL_E_INVAL, m, ld_key(p, path, "id"),
                       "missing, expected the group's id (group.id) such as billing");
    if (val_str(ld, v, ld_key(p, path, "id"), true, false, &g->id) != 0) return -1;
    if (!strcmp(g->id, "broker") || !strcmp(g->id, "producer") || !strcmp(g->id, "coordinator"))
        return ld_fail(ld, SL_E_INVAL, v, p,
                       "\"%s\" is reserved for selectors (broker/N, producer/T, coordinator/G), "
                       "expected another group id", g->id);
    for (int i = 0; i < ld->sc->n_groups - 1; i++)
        if (!strcmp(ld->sc->groups[i].id, g->id))
            return ld_fail(ld, SL_E_INVAL, v, p, "\"%s\" is already the id of groups[%d], expected "
                           "unique group ids", g->id, i);
    g->owner = strdup("");
    if (!g->owner) return ld_nomem(ld);
    if ((v = sl_yaml_get(m, "owner")) && val_str(ld, v, ld_key(p, path, "owner"), false, false, &g->owner))
        return -1;
    if (load_group_topics(ld, m, path, g) != 0) return -1;
    if (get_int(ld, m, path, "members", 0, SL_MAX_MEMBERS, &g->members) != 0) return -1;
    for (size_t i = 0; i < m->n; i++) {
        const char *k = m->pairs[i].key->str;
        if (!strcmp(k, "id") || !strcmp(k, "owner") || !strcmp(k, "topics") || !strcmp(k, "members"))
            continue;
        if (ld_group_field(ld, m->pairs[i].value, ld_key(p, path, k), k, g) < 0) return -1;
    }
    const char *bad;
    char why[512];
    if (ld_check_group(&ld->sc->cluster, g, true, &bad, why, sizeof why) != 0) {
        const sl_yaml_node_t *at = sl_yaml_get(m, bad);
        return ld_fail(ld, SL_E_INVAL, at ? at : m, ld_key(p, path, bad), "%s%s", why,
                       at ? "" : " (the default; set it explicitly)");
    }
    return 0;
}

/* Sorted copies of the names, for lookups by events and --set. */
static int index_names(ld_t *ld, ld_name_t **order, int n, bool topics) {
    *order = calloc((size_t)(n ? n : 1), sizeof **order);
    if (!*order) return ld_nomem(ld);
    for (int i = 0; i < n; i++)
        (*order)[i] = (ld_name_t){topics ? ld->sc->topics[i].name : ld->sc->groups[i].id, i};
    qsort(*order, (size_t)n, sizeof **order, cmp_name);
    return 0;
}

static int load_groups(ld_t *ld, const sl_yaml_node_t *v) {
    char p[LD_PATH];
    sl_scenario_t *sc = ld->sc;
    if (v) {
        if (ld_seq(ld, v, "groups", "consumer groups (- id: billing ...)") != 0) return -1;
        if (v->n > SL_MAX_GROUPS)
            return ld_fail(ld, SL_E_LIMIT, v, "groups", "%zu groups, expected at most %d", v->n,
                           SL_MAX_GROUPS);
        sc->groups = calloc(v->n ? v->n : 1, sizeof *sc->groups);
        if (!sc->groups) return ld_nomem(ld);
        for (size_t i = 0; i < v->n; i++) {
            /* Counted before loading so a half-loaded group is freed too. */
            sc->n_groups++;
            if (load_group(ld, v->items[i], ld_idx(p, "groups", i), &sc->groups[i]) != 0) return -1;
        }
    }
    return index_names(ld, &ld->group_order, sc->n_groups, false);
}

/* ---- topics ---- */

static int load_topic(ld_t *ld, const sl_yaml_node_t *m, const char *path, sl_topic_cfg_t *t,
                      int64_t *total) {
    char p[LD_PATH];
    const sl_yaml_node_t *v;
    if (ld_map(ld, m, path, "topic settings", topic_keys) != 0) return -1;
    t->line = m->line;
    t->col = m->col;
    t->partitions = 1;
    t->replication = 1;
    if (!(v = sl_yaml_get(m, "name")))
        return ld_fail(ld, SL_E_INVAL, m, ld_key(p, path, "name"),
                       "missing, expected the topic's name such as orders");
    if (val_str(ld, v, ld_key(p, path, "name"), true, false, &t->name) != 0) return -1;
    for (int i = 0; i < ld->sc->n_topics - 1; i++)
        if (!strcmp(ld->sc->topics[i].name, t->name))
            return ld_fail(ld, SL_E_INVAL, v, p, "\"%s\" is already the name of topics[%d], expected "
                           "unique topic names", t->name, i);
    t->owner = strdup("");
    if (!t->owner) return ld_nomem(ld);
    if ((v = sl_yaml_get(m, "owner")) && val_str(ld, v, ld_key(p, path, "owner"), false, false, &t->owner))
        return -1;
    if (get_int(ld, m, path, "partitions", 1, SL_MAX_PARTITIONS, &t->partitions) != 0) return -1;
    if (get_int(ld, m, path, "replication", 1, SL_MAX_BROKERS, &t->replication) != 0) return -1;
    if (t->replication > ld->sc->cluster.brokers) {
        v = sl_yaml_get(m, "replication");
        return ld_fail(ld, SL_E_INVAL, v, ld_key(p, path, "replication"),
                       "%d is more than the %d brokers, expected at most %d", t->replication,
                       ld->sc->cluster.brokers, ld->sc->cluster.brokers);
    }
    if ((v = sl_yaml_get(m, "produce_rate")) &&
        val_rate(ld, v, ld_key(p, path, "produce_rate"), &t->produce_rate_per_s) != 0)
        return -1;
    *total += t->partitions;
    if (*total > SL_MAX_TOTAL_PARTITIONS)
        return ld_fail(ld, SL_E_LIMIT, m, path, "%" PRId64 " partitions over all topics, expected at "
                       "most %d", *total, SL_MAX_TOTAL_PARTITIONS);
    return 0;
}

static int load_topics(ld_t *ld, const sl_yaml_node_t *root) {
    char p[LD_PATH];
    sl_scenario_t *sc = ld->sc;
    const sl_yaml_node_t *v = sl_yaml_get(root, "topics");
    int64_t total = 0;
    if (!v)
        return ld_fail(ld, SL_E_INVAL, root, "topics",
                       "missing, expected a list of at least one topic (- name: orders)");
    if (ld_seq(ld, v, "topics", "topics (- name: orders ...)") != 0) return -1;
    if (v->n == 0)
        return ld_fail(ld, SL_E_INVAL, v, "topics", "an empty list, expected at least one topic");
    if (v->n > SL_MAX_TOPICS)
        return ld_fail(ld, SL_E_LIMIT, v, "topics", "%zu topics, expected at most %d", v->n,
                       SL_MAX_TOPICS);
    sc->topics = calloc(v->n, sizeof *sc->topics);
    if (!sc->topics) return ld_nomem(ld);
    for (size_t i = 0; i < v->n; i++) {
        sc->n_topics++;
        if (load_topic(ld, v->items[i], ld_idx(p, "topics", i), &sc->topics[i], &total) != 0)
            return -1;
    }
    return index_names(ld, &ld->topic_order, sc->n_topics, true);
}

/* ---- cluster, links ---- */

static int load_cluster(ld_t *ld, const sl_yaml_node_t *m) {
    sl_cluster_cfg_t *c = &ld->sc->cluster;
    const char *P = "cluster";
    *c = (sl_cluster_cfg_t){
        .brokers = 3,
        .offsets_partitions = 50,
        .offsets_replication = 3,
        .group_initial_rebalance_delay_us = 3 * SEC,
        .group_min_session_timeout_us = 6 * SEC,
        .group_max_session_timeout_us = 1800 * SEC,
        .broker_session_timeout_us = 9 * SEC,
        .broker_heartbeat_interval_us = 2 * SEC,
        .broker_startup_us = 20 * SEC,
        .coordinator_load_us = 2 * SEC,
        .auto_leader_rebalance_us = 300 * SEC,
        .leader_election_us = 50 * MS,
        .min_insync_replicas = 1,
        .controller_failover_us = 2500 * MS,
        .consumer_assignment_interval_us = 1 * SEC,
    };
    bool explicit_repl = m && sl_yaml_get(m, "offsets_replication");
    if (m) {
        if (ld_map(ld, m, P, "cluster settings", cluster_keys) != 0 ||
            get_int(ld, m, P, "brokers", 1, SL_MAX_BROKERS, &c->brokers) ||
            get_int(ld, m, P, "offsets_partitions", 1, SL_MAX_PARTITIONS, &c->offsets_partitions) ||
            get_int(ld, m, P, "offsets_replication", 1, SL_MAX_BROKERS, &c->offsets_replication) ||
            get_dur(ld, m, P, "group_initial_rebalance_delay", 0, &c->group_initial_rebalance_delay_us) ||
            get_dur(ld, m, P, "group_min_session_timeout", 1, &c->group_min_session_timeout_us) ||
            get_dur(ld, m, P, "group_max_session_timeout", 1, &c->group_max_session_timeout_us) ||
            get_dur(ld, m, P, "broker_session_timeout", 1, &c->broker_session_timeout_us) ||
            get_dur(ld, m, P, "broker_heartbeat_interval", 1, &c->broker_heartbeat_interval_us) ||
            get_dur(ld, m, P, "broker_startup", 0, &c->broker_startup_us) ||
            get_dur(ld, m, P, "coordinator_load", 0, &c->coordinator_load_us) ||
            get_dur(ld, m, P, "auto_leader_rebalance", 0, &c->auto_leader_rebalance_us) ||
            get_dur(ld, m, P, "leader_election", 0, &c->leader_election_us) ||
            get_int(ld, m, P, "min_insync_replicas", 1, SL_MAX_BROKERS, &c->min_insync_replicas) ||
            get_int(ld, m, P, "active_controller", 0, SL_MAX_BROKERS, &c->active_controller) ||
            get_dur(ld, m, P, "controller_failover", 0, &c->controller_failover_us) ||
            get_dur(ld, m, P, "consumer_assignment_interval", 0, &c->consumer_assignment_interval_us))
            return -1;
    }
    char a[32], b[32];
    if (c->group_min_session_timeout_us > c->group_max_session_timeout_us) {
        const sl_yaml_node_t *at = sl_yaml_get(m, "group_max_session_timeout");
        sl_format_duration(c->group_min_session_timeout_us, a, sizeof a);
        sl_format_duration(c->group_max_session_timeout_us, b, sizeof b);
        return ld_fail(ld, SL_E_INVAL, at ? at : sl_yaml_get(m, "group_min_session_timeout"),
                       "cluster.group_max_session_timeout",
                       "%s is below group_min_session_timeout %s, expected max >= min", b, a);
    }
    if (c->broker_heartbeat_interval_us >= c->broker_session_timeout_us) {
        const sl_yaml_node_t *at = sl_yaml_get(m, "broker_heartbeat_interval");
        sl_format_duration(c->broker_heartbeat_interval_us, a, sizeof a);
        sl_format_duration(c->broker_session_timeout_us, b, sizeof b);
        return ld_fail(ld, SL_E_INVAL, at ? at : sl_yaml_get(m, "broker_session_timeout"),
                       "cluster.broker_heartbeat_interval",
                       "%s is not below broker_session_timeout %s, expected a shorter heartbeat", a, b);
    }
    if (c->active_controller > c->brokers)
        return ld_fail(ld, SL_E_INVAL, sl_yaml_get(m, "active_controller"), "cluster.active_controller",
                       "broker %d is not one of the %d brokers, expected 0 (dedicated controllers) or 1..%d",
                       c->active_controller, c->brokers, c->brokers);
    if (c->offsets_replication > c->brokers) {
        if (explicit_repl)
            return ld_fail(ld, SL_E_INVAL, sl_yaml_get(m, "offsets_replication"),
                           "cluster.offsets_replication", "%d is more than the %d brokers, expected "
                           "at most %d", c->offsets_replication, c->brokers, c->brokers);
        c->offsets_replication = c->brokers; /* the default 3 on a smaller cluster */
    }
    return 0;
}

static int load_links(ld_t *ld, const sl_yaml_node_t *m) {
    sl_link_cfg_t *l = &ld->sc->links;
    char p[LD_PATH];
    const sl_yaml_node_t *v;
    *l = (sl_link_cfg_t){.latency_us = 1 * MS, .jitter_us = 0, .loss = 0};
    if (!m) return 0;
    if (ld_map(ld, m, "links", "link settings (latency, jitter, loss)", link_keys) != 0 ||
        get_dur(ld, m, "links", "latency", 0, &l->latency_us) ||
        get_dur(ld, m, "links", "jitter", 0, &l->jitter_us))
        return -1;
    if ((v = sl_yaml_get(m, "loss")) && val_double(ld, v, ld_key(p, "links", "loss"), 0, 1, false, &l->loss))
        return -1;
    return 0;
}

/* ---- top level ---- */

static int load_root(ld_t *ld, const sl_yaml_node_t *root) {
    sl_scenario_t *sc = ld->sc;
    const sl_yaml_node_t *v;
    if (root->kind == SL_YAML_SCALAR && sl_yaml_is_null(root))
        return ld_fail(ld, SL_E_INVAL, root, "",
                       "the file is empty, expected a mapping with at least name: and topics:");
    if (ld_map(ld, root, "", "scenario keys (name:, topics:, ...) at the top level", top_keys) != 0)
        return -1;
    sc->seed = 1;
    sc->duration_us = 600 * SEC;
    sc->sample_us = 1 * SEC;
    if (!(v = sl_yaml_get(root, "name")))
        return ld_fail(ld, SL_E_INVAL, root, "name", "missing, expected the scenario's name "
                       "(name: my-storm)");
    if (val_str(ld, v, "name", false, false, &sc->name) != 0) return -1;
    if (!*sc->name) return ld_fail(ld, SL_E_INVAL, v, "name", "empty, expected a name");
    if (!(sc->description = strdup(""))) return ld_nomem(ld);
    if ((v = sl_yaml_get(root, "description")) && val_str(ld, v, "description", false, true, &sc->description))
        return -1;
    if ((v = sl_yaml_get(root, "seed")) && val_seed(ld, v, "seed", &sc->seed) != 0) return -1;
    if (get_dur(ld, root, "", "duration", 1, &sc->duration_us) ||
        get_dur(ld, root, "", "sample", 1, &sc->sample_us))
        return -1;
    if (sc->sample_us > sc->duration_us) {
        char a[32], b[32];
        sl_format_duration(sc->sample_us, a, sizeof a);
        sl_format_duration(sc->duration_us, b, sizeof b);
        v = sl_yaml_get(root, "sample");
        return ld_fail(ld, SL_E_INVAL, v ? v : sl_yaml_get(root, "duration"), "sample",
                       "%s is longer than the duration %s, expected at most the duration", a, b);
    }
    if (sc->duration_us / sc->sample_us > SL_MAX_SAMPLES) {
        v = sl_yaml_get(root, "sample");
        return ld_fail(ld, SL_E_LIMIT, v ? v : sl_yaml_get(root, "duration"), "sample",
                       "%" PRId64 " samples over the duration, expected at most %d (a longer sample)",
                       sc->duration_us / sc->sample_us, SL_MAX_SAMPLES);
    }
    if (load_cluster(ld, sl_yaml_get(root, "cluster")) || load_topics(ld, root) ||
        load_groups(ld, sl_yaml_get(root, "groups")) || load_links(ld, sl_yaml_get(root, "links")))
        return -1;
    if ((v = sl_yaml_get(root, "events")) && ld_events(ld, v) != 0) return -1;
    /* Members over all groups, each at its largest (scale events). */
    int64_t members = 0;
    int *most = calloc((size_t)(sc->n_groups ? sc->n_groups : 1), sizeof *most);
    if (!most) return ld_nomem(ld);
    for (int g = 0; g < sc->n_groups; g++) most[g] = sc->groups[g].members;
    for (int i = 0; i < sc->n_events; i++)
        if (sc->events[i].kind == SL_EV_SCALE && sc->events[i].members > most[sc->events[i].group])
            most[sc->events[i].group] = sc->events[i].members;
    for (int g = 0; g < sc->n_groups; g++) members += most[g];
    free(most);
    if (members > SL_MAX_TOTAL_MEMBERS)
        return ld_fail(ld, SL_E_LIMIT, sl_yaml_get(root, "groups"), "groups",
                       "%" PRId64 " members over all groups at their largest, expected at most %d",
                       members, SL_MAX_TOTAL_MEMBERS);
    /* The output budget: series.tsv has a row per sample and group. */
    int64_t rows = (sc->duration_us / sc->sample_us + 1) * (int64_t)sc->n_groups;
    if (rows > SL_MAX_SERIES_ROWS) {
        v = sl_yaml_get(root, "sample");
        return ld_fail(ld, SL_E_LIMIT, v ? v : sl_yaml_get(root, "duration"), "sample",
                       "series.tsv would have %" PRId64 " rows (%" PRId64 " samples x %d groups), expected at "
                       "most %d (a longer sample, a shorter duration or fewer groups)",
                       rows, sc->duration_us / sc->sample_us + 1, sc->n_groups, SL_MAX_SERIES_ROWS);
    }
    if ((v = sl_yaml_get(root, "expect")) && ld_expects(ld, v) != 0) return -1;
    return 0;
}

/* ---- public API ---- */

static void free_group(sl_group_cfg_t *g) {
    free(g->id);
    free(g->owner);
    free(g->topics);
}

void sl_scenario_destroy(sl_scenario_t *sc) {
    if (!sc) return;
    for (int i = 0; i < sc->n_topics; i++) {
        free(sc->topics[i].name);
        free(sc->topics[i].owner);
    }
    for (int i = 0; i < sc->n_groups; i++) free_group(&sc->groups[i]);
    for (int i = 0; i < sc->n_events; i++) {
        free(sc->events[i].from);
        free(sc->events[i].to);
        free(sc->events[i].targets);
        free_group(&sc->events[i].set_values);
    }
    free(sc->topics);
    free(sc->groups);
    free(sc->events);
    free(sc->expects);
    free(sc->file);
    free(sc->name);
    free(sc->description);
    free(sc);
}

sl_err_t sl_scenario_load_buffer(const char *name, const char *buf, size_t len,
                                 const char *const *sets, size_t n_sets, sl_scenario_t **out,
                                 char *errstr, size_t errstr_size) {
    if (errstr && errstr_size) errstr[0] = 0;
    if (!name) name = "(buffer)";
    if (!out || (!buf && len) || (!sets && n_sets)) {
        if (errstr && errstr_size) snprintf(errstr, errstr_size, "%s: invalid arguments", name);
        return SL_E_INVAL;
    }
    sl_yaml_node_t *root = NULL;
    sl_err_t rc = sl_yaml_parse(name, buf ? buf : "", len, &root, errstr, errstr_size);
    if (rc != SL_OK) return rc;
    ld_t ld = {.file = name, .err = errstr, .err_size = errstr_size, .rc = SL_OK};
    ld.sc = calloc(1, sizeof *ld.sc);
    if (!ld.sc || !(ld.sc->file = strdup(name))) {
        ld_nomem(&ld);
    } else if (ld_apply_sets(&ld, root, sets, n_sets) == 0 && load_root(&ld, root) == 0) {
        *out = ld.sc;
        ld.sc = NULL;
    }
    sl_scenario_destroy(ld.sc);
    free(ld.topic_order);
    free(ld.group_order);
    for (size_t i = 0; i < ld.n_set_paths; i++) free(ld.set_paths[i]);
    free(ld.set_paths);
    sl_yaml_free(root);
    return ld.rc;
}

sl_err_t sl_scenario_load_file(const char *path, const char *const *sets, size_t n_sets,
                               sl_scenario_t **out, char *errstr, size_t errstr_size) {
    char *buf = NULL;
    size_t n = 0;
    sl_err_t rc = sl_yaml_read_file(path, &buf, &n, errstr, errstr_size);
    if (rc == SL_OK) rc = sl_scenario_load_buffer(path, buf, n, sets, n_sets, out, errstr, errstr_size);
    free(buf);
    return rc;
}

const char *sl_scenario_name(const sl_scenario_t *sc) { return sc->name; }
uint64_t sl_scenario_seed(const sl_scenario_t *sc) { return sc->seed; }
void sl_scenario_set_seed(sl_scenario_t *sc, uint64_t seed) { sc->seed = seed; }
