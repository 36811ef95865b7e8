/*
 * The remediation catalogue (catalogue.h, docs/advise.md).  Values are
 * chosen relative to what the scenario has (twice, half...) and kept inside
 * the bounds the loader enforces, so nearly every candidate loads; the
 * loader still checks each one, and advise reports the ones it refuses.
 */
#define _GNU_SOURCE /* vasprintf */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"

#define S_US INT64_C(1000000)
#define MS_US INT64_C(1000)

static sl_remedy_t *push(sl_remedies_t *r) {
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        sl_remedy_t *v = realloc(r->v, cap * sizeof *v);
        if (!v) return NULL;
        r->v = v;
        r->cap = cap;
    }
    sl_remedy_t *m = &r->v[r->n++];
    memset(m, 0, sizeof *m);
    m->parts[0] = (int)r->n - 1;
    m->n_parts = 1;
    return m;
}

static int add_set(sl_remedy_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_set(sl_remedy_t *m, const char *fmt, ...) {
    if (m->n_sets == SL_REMEDY_MAX_SETS) return -1;
    va_list ap;
    va_start(ap, fmt);
    int rc = vasprintf(&m->sets[m->n_sets], fmt, ap);
    va_end(ap);
    if (rc < 0) return -1;
    m->n_sets++;
    return 0;
}

/* A duration as the scenario writes it, rounded to the millisecond. */
static void dur(char *buf, size_t n, int64_t us) {
    sl_format_duration(us / MS_US * MS_US, buf, n);
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* One remediation that changes one group field (and the heartbeat, when a
 * shorter session would otherwise not leave it below the session). */
static int group_change(sl_remedies_t *out, const sl_group_cfg_t *g, const char *what, const char *field,
                        const char *value) {
    sl_remedy_t *m = push(out);
    if (!m) return -1;
    snprintf(m->what, sizeof m->what, "%s: %s", g->id, what);
    return add_set(m, "groups.%s.%s=%s", g->id, field, value);
}

/* session.timeout.ms up and down, within the broker's bounds for the group's protocol. */
static int session_timeouts(sl_remedies_t *out, const sl_scenario_t *sc, const sl_group_cfg_t *g) {
    const sl_cluster_cfg_t *cl = sl_scenario_cluster(sc);
    bool consumer = g->protocol == SL_PROTO_CONSUMER;
    int64_t lo = consumer ? SL_CONSUMER_MIN_SESSION_US : cl->group_min_session_timeout_us;
    int64_t hi = consumer ? SL_CONSUMER_MAX_SESSION_US : cl->group_max_session_timeout_us;
    int64_t cur = g->session_timeout_us;
    int64_t want[3] = {cur * 2, cur * 4, cur / 2};
    if (consumer) want[0] = hi, want[1] = hi, want[2] = lo; /* the broker allows little room */
    for (int k = 0; k < 3; k++) {
        int64_t v = clamp(want[k] / S_US * S_US, lo, hi);
        if (v == cur || (k == 1 && v == clamp(want[0] / S_US * S_US, lo, hi))) continue;
        char s[32], h[32], what[128];
        dur(s, sizeof s, v);
        snprintf(what, sizeof what, "session timeout %s (%s)", s, v > cur ? "up" : "down");
        sl_remedy_t *m = push(out);
        if (!m) return -1;
        snprintf(m->what, sizeof m->what, "%s: %s", g->id, what);
        if (add_set(m, "groups.%s.session_timeout=%s", g->id, s)) return -1;
        if (g->heartbeat_interval_us * 3 > v) { /* keep heartbeats at a third of the session, as Kafka advises */
            int64_t hb = v / 3 / MS_US * MS_US;
            if (consumer) hb = clamp(hb, SL_CONSUMER_MIN_HEARTBEAT_US, SL_CONSUMER_MAX_HEARTBEAT_US);
            dur(h, sizeof h, hb);
            if (add_set(m, "groups.%s.heartbeat_interval=%s", g->id, h)) return -1;
            snprintf(m->what + strlen(m->what), sizeof m->what - strlen(m->what), ", heartbeat %s", h);
        }
    }
    return 0;
}

static int heartbeats(sl_remedies_t *out, const sl_group_cfg_t *g) {
    bool consumer = g->protocol == SL_PROTO_CONSUMER;
    int64_t lo = consumer ? SL_CONSUMER_MIN_HEARTBEAT_US : 100 * MS_US;
    int64_t hi = consumer ? SL_CONSUMER_MAX_HEARTBEAT_US : (g->session_timeout_us - 1) / 3;
    int64_t cur = g->heartbeat_interval_us, want[2] = {cur / 3, cur * 2};
    for (int k = 0; k < 2; k++) {
        int64_t v = clamp(want[k] / MS_US * MS_US, lo, hi);
        if (v == cur || v >= g->session_timeout_us) continue;
        char h[32], what[128];
        dur(h, sizeof h, v);
        snprintf(what, sizeof what, "heartbeat interval %s (%s)", h, v > cur ? "up" : "down");
        if (group_change(out, g, what, "heartbeat_interval", h)) return -1;
    }
    return 0;
}

static int poll_settings(sl_remedies_t *out, const sl_group_cfg_t *g) {
    int64_t mpi[2] = {g->max_poll_interval_us * 2, g->max_poll_interval_us / 5 / S_US * S_US};
    for (int k = 0; k < 2; k++) {
        if (mpi[k] < S_US || mpi[k] == g->max_poll_interval_us) continue;
        char v[32], what[128];
        dur(v, sizeof v, mpi[k]);
        snprintf(what, sizeof what, "max.poll.interval %s (%s)", v, k ? "down" : "up");
        if (group_change(out, g, what, "max_poll_interval", v)) return -1;
    }
    int mpr[2] = {g->max_poll_records / 5, g->max_poll_records * 2};
    for (int k = 0; k < 2; k++) {
        if (mpr[k] < 1 || mpr[k] == g->max_poll_records) continue;
        char v[32], what[128];
        snprintf(v, sizeof v, "%d", mpr[k]);
        snprintf(what, sizeof what, "max.poll.records %s (%s)", v, k ? "up" : "down");
        if (group_change(out, g, what, "max_poll_records", v)) return -1;
    }
    if (g->processing_p99_us >= 2) { /* faster processing: half the time per record */
        char med[32], p99[32], v[96], what[160];
        sl_format_duration(g->processing_median_us / 2, med, sizeof med);
        sl_format_duration(g->processing_p99_us / 2, p99, sizeof p99);
        snprintf(v, sizeof v, "{median: %s, p99: %s}", med, p99);
        snprintf(what, sizeof what, "processing twice as fast (median %s, p99 %s per record)", med, p99);
        if (group_change(out, g, what, "processing", v)) return -1;
    }
    return 0;
}

static int protocols(sl_remedies_t *out, const sl_group_cfg_t *g) {
    if (!g->static_membership &&
        group_change(out, g, "static membership (group.instance.id per member)", "static", "true"))
        return -1;
    if (g->protocol != SL_PROTO_CLASSIC) return 0;
    if (g->assignor != SL_ASSIGN_COOPERATIVE_STICKY &&
        group_change(out, g, "cooperative-sticky assignor (incremental rebalances)", "assignor",
                     "cooperative-sticky"))
        return -1;
    /* KIP-848: the broker's assignor and its session and heartbeat bounds */
    sl_remedy_t *m = push(out);
    if (!m) return -1;
    snprintf(m->what, sizeof m->what, "%s: the KIP-848 consumer protocol (group.protocol=consumer)", g->id);
    if (add_set(m, "groups.%s.protocol=consumer", g->id) || add_set(m, "groups.%s.assignor=uniform", g->id))
        return -1;
    int64_t s = clamp(g->session_timeout_us, SL_CONSUMER_MIN_SESSION_US, SL_CONSUMER_MAX_SESSION_US);
    int64_t h = clamp(g->heartbeat_interval_us, SL_CONSUMER_MIN_HEARTBEAT_US, SL_CONSUMER_MAX_HEARTBEAT_US);
    char v[32];
    if (s != g->session_timeout_us) {
        dur(v, sizeof v, s);
        if (add_set(m, "groups.%s.session_timeout=%s", g->id, v)) return -1;
    }
    if (h != g->heartbeat_interval_us) {
        dur(v, sizeof v, h);
        if (add_set(m, "groups.%s.heartbeat_interval=%s", g->id, v)) return -1;
    }
    return 0;
}

/* Twice the members, when every one of them can still own a partition: a
 * member that stalls or falls behind then holds half as many partitions, so
 * half as much lag piles up behind it. */
static int scale_out(sl_remedies_t *out, const sl_scenario_t *sc, const sl_group_cfg_t *g) {
    int most = 0;
    for (int t = 0; t < g->n_topics; t++) {
        int p = sl_scenario_topic(sc, g->topics[t])->partitions;
        if (p > most) most = p;
    }
    if (g->members * 2 > most) return 0;
    char v[16], what[64];
    snprintf(v, sizeof v, "%d", g->members * 2);
    snprintf(what, sizeof what, "%d members instead of %d (scale out)", g->members * 2, g->members);
    return group_change(out, g, what, "members", v);
}

/* Does event e restart more than one node at once (so spreading it helps)? */
static bool restarts_many(const sl_scenario_t *sc, const sl_event_cfg_t *e) {
    if (e->kind == SL_EV_SET) return true; /* applied by restarting every member */
    if (e->kind != SL_EV_RESTART) return false;
    for (int k = 0; k < e->n_targets; k++) {
        sl_sel_kind_t s = e->targets[k].kind;
        if (s == SL_SEL_ALL || s == SL_SEL_GROUP_ALL || (s == SL_SEL_BROKER_ALL && sl_scenario_cluster(sc)->brokers > 1))
            return true;
    }
    return e->n_targets > 1;
}

static bool restarts_brokers(const sl_event_cfg_t *e) {
    if (e->kind != SL_EV_RESTART || e->mode != SL_RESTART_HARD) return false;
    for (int k = 0; k < e->n_targets; k++) {
        sl_sel_kind_t s = e->targets[k].kind;
        if (s == SL_SEL_BROKER || s == SL_SEL_BROKER_ALL || s == SL_SEL_COORDINATOR || s == SL_SEL_ALL) return true;
    }
    return false;
}

/* Removing, delaying, spreading, or softening the operator action i. */
static int actions(sl_remedies_t *out, const sl_scenario_t *sc, int i) {
    const sl_event_cfg_t *e = sl_scenario_event(sc, i);
    int n = e->file_index;
    char line[256], at[32], v[32];
    sl_scenario_event_line(sc, i, line, sizeof line);
    sl_format_duration(e->at_us, at, sizeof at);
    sl_remedy_t *m = push(out);
    if (!m) return -1;
    snprintf(m->what, sizeof m->what, "remove events[%d] (at %s: %s)", n, at, line);
    if (add_set(m, "events.%d.skip=true", n)) return -1;
    static const int64_t delays[] = {60 * S_US, 300 * S_US};
    for (int k = 0; k < 2; k++) {
        if (e->at_us + delays[k] > sl_scenario_duration_us(sc)) continue;
        sl_format_duration(e->at_us + delays[k], v, sizeof v);
        if (!(m = push(out))) return -1;
        snprintf(m->what, sizeof m->what, "delay events[%d] to %s (%s)", n, v, line);
        if (add_set(m, "events.%d.at=%s", n, v)) return -1;
    }
    if (restarts_many(sc, e) || (e->rolling_us > 0 && e->kind != SL_EV_SCALE)) {
        int64_t gaps[2] = {e->rolling_us > 0 ? e->rolling_us * 2 : 30 * S_US,
                           e->rolling_us > 0 ? e->rolling_us * 4 : 120 * S_US};
        for (int k = 0; k < 2; k++) {
            dur(v, sizeof v, gaps[k]);
            if (!(m = push(out))) return -1;
            snprintf(m->what, sizeof m->what, "spread events[%d] (%s) %s apart", n, line, v);
            if (add_set(m, "events.%d.rolling=%s", n, v)) return -1;
        }
    }
    if (restarts_brokers(e)) {
        if (!(m = push(out))) return -1;
        snprintf(m->what, sizeof m->what, "controlled instead of hard restart in events[%d] (%s)", n, line);
        if (add_set(m, "events.%d.mode=controlled", n)) return -1;
    }
    return 0;
}

int sl_advise_catalogue(const sl_scenario_t *sc, sl_remedies_t *out) {
    for (int g = 0; g < sl_scenario_group_count(sc); g++) {
        const sl_group_cfg_t *gc = sl_scenario_group(sc, g);
        if (session_timeouts(out, sc, gc) || heartbeats(out, gc) || poll_settings(out, gc) || protocols(out, gc) ||
            scale_out(out, sc, gc))
            return -1;
    }
    for (int i = 0; i < sl_scenario_event_count(sc); i++)
        if (sl_scenario_event(sc, i)->is_action && actions(out, sc, i)) return -1;
    return 0;
}

/* What a --set line changes: its path, or "events.N" for any key of event N
 * (removing and delaying one event are one change). */
static void touched(const char *set, char *buf, size_t n) {
    const char *eq = strchr(set, '=');
    size_t len = eq ? (size_t)(eq - set) : strlen(set);
    if (!strncmp(set, "events.", 7)) {
        const char *dot = memchr(set + 7, '.', len - 7);
        if (dot) len = (size_t)(dot - set);
    }
    snprintf(buf, n, "%.*s", (int)len, set);
}

/* Do a and b change one setting or one event? */
static bool overlap(const sl_remedy_t *a, const sl_remedy_t *b) {
    for (int i = 0; i < a->n_sets; i++)
        for (int j = 0; j < b->n_sets; j++) {
            char ta[256], tb[256];
            touched(a->sets[i], ta, sizeof ta);
            touched(b->sets[j], tb, sizeof tb);
            if (!strcmp(ta, tb)) return true;
        }
    return false;
}

int sl_remedy_add_combination(sl_remedies_t *out, int ia, int single) {
    const sl_remedy_t *a = &out->v[ia], *b = &out->v[single];
    if (a->n_sets + b->n_sets > SL_REMEDY_MAX_SETS || a->n_parts == SL_REMEDY_MAX_SETS || overlap(a, b)) return 0;
    int parts[SL_REMEDY_MAX_SETS], n = 0;
    for (int i = 0; i < a->n_parts; i++) { /* a's parts with `single` in its place, ascending */
        if (a->parts[i] == single) return 0;
        if (n == i && a->parts[i] > single) parts[n++] = single;
        parts[n++] = a->parts[i];
    }
    if (n == a->n_parts) parts[n++] = single;
    for (size_t k = 0; k < out->n; k++)
        if (out->v[k].n_parts == n && !memcmp(out->v[k].parts, parts, (size_t)n * sizeof *parts)) return 0;
    sl_remedy_t *m = push(out);
    if (!m) return -1;
    memcpy(m->parts, parts, sizeof parts);
    m->n_parts = n;
    /* push may have moved the array the parts live in: read them by index.
     * The text and the --set lines follow the parts' catalogue order, so a
     * combination reads the same whichever way the search reached it. */
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        const sl_remedy_t *p = &out->v[parts[i]];
        len += (size_t)snprintf(m->what + len, len < sizeof m->what ? sizeof m->what - len : 0, "%s%s",
                                i ? " + " : "", p->what);
        if (len >= sizeof m->what) len = sizeof m->what - 1;
        for (int k = 0; k < p->n_sets; k++)
            if (add_set(m, "%s", p->sets[k])) return -1;
    }
    return 0;
}

void sl_remedies_free(sl_remedies_t *r) {
    for (size_t i = 0; i < r->n; i++)
        for (int k = 0; k < r->v[i].n_sets; k++) free(r->v[i].sets[k]);
    free(r->v);
    memset(r, 0, sizeof *r);
}
