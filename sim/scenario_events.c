/*
 * Scenario loader, second half: the event timeline (with its node
 * selectors) and the `expect:` gates.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load-internal.h"

const char *const ld_event_keys[] = {"at", "for", "rolling", "mode", "oneway", "kind", "skip",
                                         "partition", "degrade", "restart", "pause", "stall",
                                         "set", "scale", NULL};
#define N_ACTIONS 7 /* sl_event_kind_t's values; sl_event_kind_name() names them */

static const char *const set_keys[] = {
    "group", "client", "protocol", "assignor", "static", "session_timeout",
    "heartbeat_interval", "max_poll_interval", "max_poll_records", "processing", "on_revoke",
    "commit", "request_timeout", NULL};

#define BIT(k) (1u << (k))
#define SEL_ANY 0x7fu
#define SEL_RESTART (BIT(SL_SEL_BROKER_ALL) | BIT(SL_SEL_BROKER) | BIT(SL_SEL_GROUP_ALL) | \
                     BIT(SL_SEL_MEMBER) | BIT(SL_SEL_COORDINATOR))
#define SEL_MEMBERS (BIT(SL_SEL_GROUP_ALL) | BIT(SL_SEL_MEMBER))

/* ---- selectors ---- */

/* "7" -> 7; -1 when not a small positive decimal. */
static int small_index(const char *s) {
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 9 || s[n]) return -1;
    return atoi(s);
}

static int parse_selector(ld_t *ld, const sl_yaml_node_t *n, const char *path, const int *maxm,
                          sl_selector_t *sel) {
    const sl_scenario_t *sc = ld->sc;
    const char *s = n->str, *slash = strchr(s, '/');
    char ex[64];
    sl_yaml_excerpt(n->str, n->len, ex, sizeof ex);
    *sel = (sl_selector_t){.group = -1, .topic = -1, .index = 0};
    if (!strcmp(s, "*")) {
        sel->kind = SL_SEL_ALL;
        return 0;
    }
    if (!slash || slash == s)
        return ld_fail(ld, SL_E_INVAL, n, path,
                       "%s is not a selector, expected *, broker/*, broker/N, <group>/*, <group>/N, "
                       "producer/<topic> or coordinator/<group>", ex);
    size_t plen = (size_t)(slash - s);
    const char *rest = slash + 1;
    if (plen == 6 && !strncmp(s, "broker", 6)) {
        if (!strcmp(rest, "*")) {
            sel->kind = SL_SEL_BROKER_ALL;
            return 0;
        }
        int i = small_index(rest);
        if (i < 1 || i > sc->cluster.brokers)
            return ld_fail(ld, SL_E_INVAL, n, path, "%s names no broker, expected broker/1..broker/%d "
                           "or broker/*", ex, sc->cluster.brokers);
        sel->kind = SL_SEL_BROKER;
        sel->index = i;
        return 0;
    }
    if (plen == 8 && !strncmp(s, "producer", 8)) {
        if ((sel->topic = ld_topic_index(ld, rest)) < 0)
            return ld_fail(ld, SL_E_INVAL, n, path, "%s names no topic, expected producer/<topic> with "
                           "a name listed under topics:", ex);
        sel->kind = SL_SEL_PRODUCER;
        return 0;
    }
    if (plen == 11 && !strncmp(s, "coordinator", 11)) {
        if ((sel->group = ld_group_index(ld, rest)) < 0)
            return ld_fail(ld, SL_E_INVAL, n, path, "%s names no group, expected coordinator/<group> "
                           "with an id listed under groups:", ex);
        sel->kind = SL_SEL_COORDINATOR;
        return 0;
    }
    char gid[SL_MAX_NAME + 1] = "";
    if (plen <= SL_MAX_NAME) {
        memcpy(gid, s, plen);
        gid[plen] = 0;
        sel->group = ld_group_index(ld, gid);
    }
    if (sel->group < 0)
        return ld_fail(ld, SL_E_INVAL, n, path,
                       "%s names no group, expected broker/..., producer/..., coordinator/... or "
                       "<group>/... with an id listed under groups:", ex);
    if (!strcmp(rest, "*")) {
        sel->kind = SL_SEL_GROUP_ALL;
        return 0;
    }
    int i = small_index(rest), max = maxm[sel->group];
    if (i < 1 || i > max) {
        if (max == 0)
            return ld_fail(ld, SL_E_INVAL, n, path, "%s names no member: group %s never has members, "
                           "expected a group with members", ex, gid);
        return ld_fail(ld, SL_E_INVAL, n, path, "%s names no member, expected %s/1..%s/%d or %s/* "
                       "(the group has at most %d members)", ex, gid, gid, max, gid, max);
    }
    sel->kind = SL_SEL_MEMBER;
    sel->index = i;
    return 0;
}

/* A selector string or a non-empty list of them, of the kinds in allowed. */
static int val_selectors(ld_t *ld, const sl_yaml_node_t *v, const char *path, unsigned allowed,
                         const char *action, const int *maxm, sl_selector_t **out, int *n_out) {
    char p[LD_PATH];
    const sl_yaml_node_t *const *items = (const sl_yaml_node_t *const *)&v;
    size_t n = 1;
    if (v->kind == SL_YAML_SEQ) {
        items = (const sl_yaml_node_t *const *)v->items;
        n = v->n;
        if (n == 0)
            return ld_fail(ld, SL_E_INVAL, v, path, "an empty list, expected at least one selector "
                           "such as broker/1");
    }
    sl_selector_t *sels = calloc(n, sizeof *sels);
    if (!sels) return ld_nomem(ld);
    for (size_t i = 0; i < n; i++) {
        const char *ip = v->kind == SL_YAML_SEQ ? ld_idx(p, path, i) : path;
        const sl_yaml_node_t *it = items[i];
        if (it->kind != SL_YAML_SCALAR || sl_yaml_is_null(it)) {
            free(sels);
            return ld_fail(ld, SL_E_INVAL, it, ip, "found %s, expected a selector such as broker/1",
                           sl_yaml_kind_desc(it));
        }
        if (parse_selector(ld, it, ip, maxm, &sels[i]) != 0) {
            free(sels);
            return -1;
        }
        if (!(allowed & BIT(sels[i].kind))) {
            char ex[64];
            sl_yaml_excerpt(it->str, it->len, ex, sizeof ex);
            free(sels);
            if (allowed == SEL_RESTART)
                return ld_fail(ld, SL_E_INVAL, it, ip, "%s cannot be restarted, expected broker/N, "
                               "broker/*, <group>/N, <group>/* or coordinator/<group>", ex);
            if (!strcmp(action, "pause"))
                return ld_fail(ld, SL_E_INVAL, it, ip, "%s cannot be paused by pause: (it freezes "
                               "consumers), expected <group>/N or <group>/*; to freeze a broker use "
                               "restart: broker/N with mode: pause", ex);
            return ld_fail(ld, SL_E_INVAL, it, ip, "%s is not a consumer (stall blocks a consumer's "
                           "poll loop), expected <group>/N or <group>/*", ex);
        }
    }
    *out = sels;
    *n_out = (int)n;
    return 0;
}

/* ---- events ---- */

static int val_group_ref(ld_t *ld, const sl_yaml_node_t *m, const char *path, int *g) {
    char p[LD_PATH], *id = NULL;
    const sl_yaml_node_t *v = sl_yaml_get(m, "group");
    ld_key(p, path, "group");
    if (!v) return ld_fail(ld, SL_E_INVAL, m, p, "missing, expected the id of a group such as billing");
    if (val_str(ld, v, p, true, false, &id) != 0) return -1;
    *g = ld_group_index(ld, id);
    if (*g < 0) ld_fail(ld, SL_E_INVAL, v, p, "\"%s\" is not a declared group, expected an id listed "
                        "under groups:", id);
    free(id);
    return *g < 0 ? -1 : 0;
}

static int load_links_action(ld_t *ld, const sl_yaml_node_t *m, const char *path, sl_event_cfg_t *e,
                             const int *maxm) {
    static const char *const part_keys[] = {"from", "to", NULL};
    static const char *const degr_keys[] = {"from", "to", "latency", "jitter", "loss", NULL};
    bool degrade = e->kind == SL_EV_DEGRADE;
    char p[LD_PATH];
    const sl_yaml_node_t *v;
    if (ld_map(ld, m, path, degrade ? "from:, to: and the added latency, jitter, loss"
                                    : "from: and to: selectors", degrade ? degr_keys : part_keys))
        return -1;
    for (int side = 0; side < 2; side++) {
        const char *k = side ? "to" : "from";
        if (!(v = sl_yaml_get(m, k)))
            return ld_fail(ld, SL_E_INVAL, m, ld_key(p, path, k), "missing, expected the nodes on "
                           "this side, such as [broker/*]");
        if (val_selectors(ld, v, ld_key(p, path, k), SEL_ANY, "", maxm, side ? &e->to : &e->from,
                          side ? &e->n_to : &e->n_from))
            return -1;
    }
    if (!degrade) return 0;
    if (get_dur(ld, m, path, "latency", 0, &e->latency_us) || get_dur(ld, m, path, "jitter", 0, &e->jitter_us))
        return -1;
    if ((v = sl_yaml_get(m, "loss")) && val_double(ld, v, ld_key(p, path, "loss"), 0, 1, false, &e->loss))
        return -1;
    return 0;
}

static int load_set(ld_t *ld, const sl_yaml_node_t *m, const char *path, sl_event_cfg_t *e) {
    char p[LD_PATH];
    if (ld_map(ld, m, path, "group: and the group settings to change", set_keys) ||
        val_group_ref(ld, m, path, &e->group))
        return -1;
    for (size_t i = 0; i < m->n; i++) {
        const char *k = m->pairs[i].key->str;
        if (!strcmp(k, "group")) continue;
        int bit = ld_group_field(ld, m->pairs[i].value, ld_key(p, path, k), k, &e->set_values);
        if (bit < 0) return -1;
        e->set_mask |= (unsigned)bit;
    }
    if (!e->set_mask)
        return ld_fail(ld, SL_E_INVAL, m, path, "nothing to set, expected a group setting such as "
                       "session_timeout: 10s");
    return 0;
}

static int load_scale(ld_t *ld, const sl_yaml_node_t *m, const char *path, sl_event_cfg_t *e) {
    static const char *const keys[] = {"group", "members", NULL};
    char p[LD_PATH];
    if (ld_map(ld, m, path, "group: and members:", keys) || val_group_ref(ld, m, path, &e->group))
        return -1;
    if (!sl_yaml_get(m, "members"))
        return ld_fail(ld, SL_E_INVAL, m, ld_key(p, path, "members"),
                       "missing, expected the new member count such as 8");
    return get_int(ld, m, path, "members", 0, SL_MAX_MEMBERS, &e->members);
}

/* Which modifiers each action takes, by sl_event_kind_t. */
static const struct {
    const char *key;
    unsigned kinds;
} modifiers[] = {
    {"for", BIT(SL_EV_PARTITION) | BIT(SL_EV_DEGRADE) | BIT(SL_EV_RESTART) | BIT(SL_EV_PAUSE) |
                BIT(SL_EV_STALL)},
    {"rolling", BIT(SL_EV_RESTART) | BIT(SL_EV_PAUSE) | BIT(SL_EV_STALL) | BIT(SL_EV_SET) |
                    BIT(SL_EV_SCALE)},
    {"mode", BIT(SL_EV_RESTART)},
    {"oneway", BIT(SL_EV_PARTITION)},
};

static int load_event(ld_t *ld, const sl_yaml_node_t *m, const char *path, sl_event_cfg_t *e,
                      const int *maxm, const sl_yaml_node_t **action_at) {
    char p[LD_PATH];
    const sl_yaml_node_t *v, *action = NULL, *action_key = NULL;
    if (ld_map(ld, m, path, "an event (at: and one action)", ld_event_keys) != 0) return -1;
    e->line = m->line;
    e->col = m->col;
    e->for_us = e->rolling_us = -1;
    e->group = -1;
    for (size_t i = 0; i < m->n; i++)
        for (int a = 0; a < N_ACTIONS; a++) {
            if (strcmp(m->pairs[i].key->str, sl_event_kind_name((sl_event_kind_t)a)) != 0) continue;
            if (action)
                return ld_fail(ld, SL_E_INVAL, m->pairs[i].key, ld_key(p, path, sl_event_kind_name((sl_event_kind_t)a)),
                               "a second action (after %s at %d:%d), expected exactly one action per "
                               "event", action_key->str, action_key->line, action_key->col);
            action_key = m->pairs[i].key;
            action = m->pairs[i].value;
            e->kind = (sl_event_kind_t)a;
        }
    if (!action)
        return ld_fail(ld, SL_E_INVAL, m, path, "no action, expected one of partition, degrade, "
                       "restart, pause, stall, set, scale");
    *action_at = action;
    if (!(v = sl_yaml_get(m, "at")))
        return ld_fail(ld, SL_E_INVAL, m, ld_key(p, path, "at"), "missing, expected the time the "
                       "event fires, such as 2m");
    if (val_dur(ld, v, ld_key(p, path, "at"), 0, &e->at_us) != 0) return -1;
    if (e->at_us > ld->sc->duration_us) {
        char a[32], d[32];
        sl_format_duration(e->at_us, a, sizeof a);
        sl_format_duration(ld->sc->duration_us, d, sizeof d);
        return ld_fail(ld, SL_E_INVAL, v, p, "%s is after the end of the run, expected at most the "
                       "duration %s", a, d);
    }
    for (size_t i = 0; i < sizeof modifiers / sizeof modifiers[0]; i++)
        if ((v = sl_yaml_get(m, modifiers[i].key)) && !(modifiers[i].kinds & BIT(e->kind))) {
            char ok[128] = "";
            size_t o = 0;
            for (int a = 0; a < N_ACTIONS; a++)
                if (modifiers[i].kinds & BIT(a))
                    o += (size_t)snprintf(ok + o, sizeof ok - o, "%s%s", o ? ", " : "", sl_event_kind_name((sl_event_kind_t)a));
            return ld_fail(ld, SL_E_INVAL, sl_yaml_get_pair(m, modifiers[i].key)->key,
                           ld_key(p, path, modifiers[i].key), "not valid on a %s event, expected it "
                           "only on %s", sl_event_kind_name(e->kind), ok);
        }
    if (get_dur(ld, m, path, "for", 0, &e->for_us) || get_dur(ld, m, path, "rolling", 0, &e->rolling_us) ||
        get_bool(ld, m, path, "oneway", &e->oneway))
        return -1;
    if ((v = sl_yaml_get(m, "mode"))) {
        const char *names[] = {sl_restart_mode_name(SL_RESTART_HARD),
                               sl_restart_mode_name(SL_RESTART_CONTROLLED),
                               sl_restart_mode_name(SL_RESTART_PAUSE)};
        int x;
        if (val_enum(ld, v, ld_key(p, path, "mode"), "a restart mode", names, 3, &x) != 0) return -1;
        e->mode = (sl_restart_mode_t)x;
    }
    /* Who starts it: restart, set and scale are the team's by default (docs/scenarios.md). */
    e->is_action = e->kind == SL_EV_RESTART || e->kind == SL_EV_SET || e->kind == SL_EV_SCALE;
    if ((v = sl_yaml_get(m, "kind"))) {
        const char *names[] = {"fault", "action"};
        int x;
        if (val_enum(ld, v, ld_key(p, path, "kind"), "who starts the event", names, 2, &x) != 0) return -1;
        e->is_action = x == 1;
        e->kind_given = true;
    }
    ld_key(p, path, sl_event_kind_name(e->kind));
    switch (e->kind) {
    case SL_EV_PARTITION:
    case SL_EV_DEGRADE: return load_links_action(ld, action, p, e, maxm);
    case SL_EV_RESTART:
        return val_selectors(ld, action, p, SEL_RESTART, "restart", maxm, &e->targets, &e->n_targets);
    case SL_EV_PAUSE:
    case SL_EV_STALL:
        return val_selectors(ld, action, p, SEL_MEMBERS, sl_event_kind_name(e->kind), maxm, &e->targets,
                             &e->n_targets);
    case SL_EV_SET: return load_set(ld, action, p, e);
    case SL_EV_SCALE: return load_scale(ld, action, p, e);
    }
    return 0;
}

/* Member counts for selectors: the most each group ever has, counting
 * scale events anywhere in the timeline.  Malformed scale events are
 * skipped here; the main pass reports them. */
static int *scan_max_members(ld_t *ld, const sl_yaml_node_t *seq) {
    const sl_scenario_t *sc = ld->sc;
    int *maxm = calloc((size_t)(sc->n_groups ? sc->n_groups : 1), sizeof *maxm);
    if (!maxm) return NULL;
    for (int g = 0; g < sc->n_groups; g++) maxm[g] = sc->groups[g].members;
    for (size_t i = 0; i < seq->n; i++) {
        const sl_yaml_node_t *s = sl_yaml_get(seq->items[i], "scale");
        const sl_yaml_node_t *gid = sl_yaml_get(s, "group"), *mem = sl_yaml_get(s, "members");
        if (!gid || !mem || gid->kind != SL_YAML_SCALAR || mem->kind != SL_YAML_SCALAR || mem->quoted) continue;
        int g = ld_group_index(ld, gid->str);
        int n = small_index(mem->str);
        if (g >= 0 && n > maxm[g] && n <= SL_MAX_MEMBERS) maxm[g] = n;
    }
    return maxm;
}

typedef struct order_s {
    int64_t at_us;
    int index; /* in the file */
} order_t;

static int cmp_order(const void *a, const void *b) {
    const order_t *x = a, *y = b;
    if (x->at_us != y->at_us) return x->at_us < y->at_us ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Replays the `set` events in time order and checks each group stays a
 * configuration a client would accept. */
static int check_sets(ld_t *ld, const order_t *ord, const sl_yaml_node_t *const *actions) {
    sl_scenario_t *sc = ld->sc;
    sl_group_cfg_t *now = malloc((size_t)(sc->n_groups ? sc->n_groups : 1) * sizeof *now);
    int rc = 0;
    if (!now) return ld_nomem(ld);
    if (sc->n_groups) /* memcpy from NULL is undefined even for 0 bytes */
        memcpy(now, sc->groups, (size_t)sc->n_groups * sizeof *now);
    for (int i = 0; i < sc->n_events && rc == 0; i++) {
        const sl_event_cfg_t *e = &sc->events[i];
        if (e->kind != SL_EV_SET) continue;
        sl_group_cfg_t *g = &now[e->group];
        const sl_group_cfg_t *s = &e->set_values;
        unsigned mk = e->set_mask;
        if (mk & SL_GF_SESSION_TIMEOUT) g->session_timeout_us = s->session_timeout_us;
        if (mk & SL_GF_HEARTBEAT_INTERVAL) g->heartbeat_interval_us = s->heartbeat_interval_us;
        if (mk & SL_GF_MAX_POLL_INTERVAL) g->max_poll_interval_us = s->max_poll_interval_us;
        if (mk & SL_GF_MAX_POLL_RECORDS) g->max_poll_records = s->max_poll_records;
        if (mk & SL_GF_PROCESSING) {
            g->processing_median_us = s->processing_median_us;
            g->processing_p99_us = s->processing_p99_us;
        }
        if (mk & SL_GF_ON_REVOKE) g->on_revoke_us = s->on_revoke_us;
        if (mk & SL_GF_ASSIGNOR) g->assignor = s->assignor;
        if (mk & SL_GF_STATIC) g->static_membership = s->static_membership;
        if (mk & SL_GF_COMMIT) g->commit = s->commit;
        if (mk & SL_GF_REQUEST_TIMEOUT) g->request_timeout_us = s->request_timeout_us;
        if (mk & SL_GF_CLIENT) g->client = s->client;
        if (mk & SL_GF_PROTOCOL) g->protocol = s->protocol;
        const char *key;
        char why[512], path[LD_PATH], p[LD_PATH];
        if (ld_check_group(&sc->cluster, g, false, &key, why, sizeof why) == 0) continue;
        const sl_yaml_node_t *at = sl_yaml_get(actions[ord[i].index], key);
        snprintf(path, sizeof path, "events[%d].set", e->file_index);
        rc = ld_fail(ld, SL_E_INVAL, at ? at : actions[ord[i].index], ld_key(p, path, key),
                     "%s (group %s after this event)", why, g->id);
    }
    free(now);
    return rc;
}

/* `skip: true` leaves an event out of the run, as if it were not written
 * (`--set events.3.skip=true`: how `stormlab advise` removes an operator
 * action).  kept receives the other items, file_idx their places in the
 * file, so messages and --set paths keep the file's numbering. */
static int drop_skipped(ld_t *ld, const sl_yaml_node_t *seq, sl_yaml_node_t *kept, int *file_idx) {
    char p[LD_PATH];
    kept->n = 0;
    for (size_t i = 0; i < seq->n; i++) {
        bool skip = false;
        if (seq->items[i]->kind == SL_YAML_MAP && get_bool(ld, seq->items[i], ld_idx(p, "events", i), "skip", &skip) != 0)
            return -1;
        if (skip) continue;
        file_idx[kept->n] = (int)i;
        kept->items[kept->n++] = seq->items[i];
    }
    return 0;
}

int ld_events(ld_t *ld, const sl_yaml_node_t *seq) {
    sl_scenario_t *sc = ld->sc;
    char p[LD_PATH];
    if (ld_seq(ld, seq, "events", "events (- at: 60s ...)") != 0) return -1;
    if (seq->n > SL_MAX_EVENTS)
        return ld_fail(ld, SL_E_LIMIT, seq, "events", "%zu events, expected at most %d", seq->n,
                       SL_MAX_EVENTS);
    size_t n = seq->n ? seq->n : 1;
    sl_yaml_node_t kept = *seq;
    kept.items = calloc(n, sizeof *kept.items);
    int *file_idx = calloc(n, sizeof *file_idx);
    sl_event_cfg_t *evs = calloc(n, sizeof *evs);
    order_t *ord = calloc(n, sizeof *ord);
    const sl_yaml_node_t **actions = calloc(n, sizeof *actions);
    int *maxm = NULL;
    int rc = 0;
    if (!kept.items || !file_idx || !evs || !ord || !actions) rc = ld_nomem(ld);
    if (rc == 0) rc = drop_skipped(ld, seq, &kept, file_idx);
    if (rc == 0 && !(maxm = scan_max_members(ld, &kept))) rc = ld_nomem(ld);
    /* Events go into sc as they load, so a failure frees them with sc. */
    if (rc == 0) {
        sc->events = evs;
        evs = NULL;
    }
    for (size_t i = 0; i < kept.n && rc == 0; i++) {
        sc->n_events++;
        sc->events[i].file_index = file_idx[i];
        rc = load_event(ld, kept.items[i], ld_idx(p, "events", (size_t)file_idx[i]), &sc->events[i], maxm,
                        &actions[i]);
        ord[i] = (order_t){sc->events[i].at_us, (int)i};
    }
    if (rc == 0) {
        /* Stable sort by time: ties keep the file's order. */
        qsort(ord, kept.n, sizeof *ord, cmp_order);
        sl_event_cfg_t *sorted = calloc(n, sizeof *sorted);
        if (!sorted) {
            rc = ld_nomem(ld);
        } else {
            for (size_t i = 0; i < kept.n; i++) sorted[i] = sc->events[ord[i].index];
            free(sc->events);
            sc->events = sorted;
            rc = check_sets(ld, ord, actions);
        }
    }
    free(kept.items);
    free(file_idx);
    free(evs);
    free(ord);
    free(actions);
    free(maxm);
    return rc;
}

/* ---- expect ---- */

static const struct {
    const char *key;
    sl_metric_t metric;
    bool group;    /* needs group: */
    bool duration; /* value is a duration (stored in seconds) */
} metrics[] = {
    {"rebalances", SL_M_REBALANCES, true, false},
    {"generation", SL_M_GENERATION, true, false},
    {"rebalance_s", SL_M_REBALANCE_S, true, false},
    {"unowned_partition_s", SL_M_UNOWNED_PARTITION_S, true, false},
    {"max_lag", SL_M_MAX_LAG, true, false},
    {"duplicates", SL_M_DUPLICATES, true, false},
    {"stable_by", SL_M_STABLE_BY, true, true},
    {"lost_records", SL_M_LOST_RECORDS, false, false},
    {"produce_errors", SL_M_PRODUCE_ERRORS, false, false},
    {"unavailable_partition_s", SL_M_UNAVAILABLE_PARTITION_S, false, false},
    {"crashed_members", SL_M_CRASHED_MEMBERS, true, false},
};
#define N_METRICS (sizeof metrics / sizeof metrics[0])
#define MAX_BOUND 1e15

static int val_bound(ld_t *ld, const sl_yaml_node_t *v, const char *path, bool duration, bool signed_delta,
                     double *out) {
    if (signed_delta) return val_double(ld, v, path, -MAX_BOUND, MAX_BOUND, true, out);
    if (!duration) return val_double(ld, v, path, 0, MAX_BOUND, true, out);
    int64_t us;
    if (val_dur(ld, v, path, 0, &us) != 0) return -1;
    *out = (double)us / 1e6;
    return 0;
}

/* Bounds of x->metric from v (a plain number is a max); an impact gate's
 * bounds are signed numbers (a delta), never durations. */
static int load_bounds(ld_t *ld, const sl_yaml_node_t *k, const sl_yaml_node_t *v, const char *path, bool duration,
                       sl_expect_cfg_t *x) {
    static const char *const keys[] = {"min", "max", NULL};
    char p[LD_PATH];
    bool d = duration && !x->impact;
    x->line = k->line;
    x->col = k->col;
    if (v->kind != SL_YAML_MAP) {
        x->has_max = true;
        return val_bound(ld, v, path, d, x->impact, &x->max);
    }
    if (ld_map(ld, v, path, "bounds (min:, max:)", keys) != 0) return -1;
    const sl_yaml_node_t *lo = sl_yaml_get(v, "min"), *hi = sl_yaml_get(v, "max");
    if (!lo && !hi)
        return ld_fail(ld, SL_E_INVAL, v, path, "no bound, expected min:, max: or both");
    if (lo && val_bound(ld, lo, ld_key(p, path, "min"), d, x->impact, &x->min)) return -1;
    if (hi && val_bound(ld, hi, ld_key(p, path, "max"), d, x->impact, &x->max)) return -1;
    x->has_min = lo != NULL;
    x->has_max = hi != NULL;
    if (lo && hi && x->min > x->max)
        return ld_fail(ld, SL_E_INVAL, lo, ld_key(p, path, "min"), "%.17g is above max %.17g, "
                       "expected min <= max", x->min, x->max);
    return 0;
}

static int load_metric(ld_t *ld, const sl_yaml_node_t *k, const sl_yaml_node_t *v, const char *path,
                       int mi, sl_expect_cfg_t *x) {
    x->metric = metrics[mi].metric;
    return load_bounds(ld, k, v, path, metrics[mi].duration, x);
}

const sl_verdict_spec_t sl_verdict_specs[] = {
    {"not-worse", 1u << SL_IMPACT_NONE | 1u << SL_IMPACT_BETTER},
    {"not-better", 1u << SL_IMPACT_NONE | 1u << SL_IMPACT_WORSE},
    {"worse", 1u << SL_IMPACT_WORSE},
    {"better", 1u << SL_IMPACT_BETTER},
    {"none", 1u << SL_IMPACT_NONE},
    {NULL, 0},
};

/* The deltas an impact gate may bound: the metrics summary.json's impact
 * gives (docs/outputs.md), cluster ones without group:. */
static const struct {
    const char *key;
    sl_metric_t metric;
    bool group;
} impact_metrics[] = {
    {"rebalances", SL_M_REBALANCES, true},
    {"rebalance_s", SL_M_REBALANCE_S, true},
    {"stable_from_s", SL_M_STABLE_FROM_S, true},
    {"unowned_partition_s", SL_M_UNOWNED_PARTITION_S, true},
    {"max_lag", SL_M_MAX_LAG, true},
    {"duplicates", SL_M_DUPLICATES, true},
    {"crashed_members", SL_M_CRASHED_MEMBERS, true},
    {"lost_records", SL_M_LOST_RECORDS, false},
    {"produce_errors", SL_M_PRODUCE_ERRORS, false},
    {"unavailable_partition_s", SL_M_UNAVAILABLE_PARTITION_S, false},
};
#define N_IMPACT_METRICS (sizeof impact_metrics / sizeof impact_metrics[0])

/* `- impact: {event: 3 | kind: action|fault, group: G, verdict: not-worse,
 * <metric>: bounds...}` (docs/scenarios.md#impact-gates): one gate per
 * verdict or metric key, all sharing the selector and group. */
static int load_impact(ld_t *ld, const sl_yaml_node_t *entry, const sl_yaml_node_t *m, const char *path) {
    static const char *const keys[] = {"event", "kind", "group", "verdict", "rebalances", "rebalance_s",
                                       "stable_from_s", "unowned_partition_s", "max_lag", "duplicates",
                                       "crashed_members", "lost_records", "produce_errors",
                                       "unavailable_partition_s", NULL};
    static const char *const kinds[] = {"fault", "action"};
    sl_scenario_t *sc = ld->sc;
    char p[LD_PATH];
    if (entry->n != 1)
        return ld_fail(ld, SL_E_INVAL, entry, path, "impact: with other keys, expected an entry of its own "
                       "(- impact: {event: 3, rebalances: {max: 0}})");
    ld_key(p, path, "impact");
    if (ld_map(ld, m, p, "an impact gate (event: or kind:, then verdict: or metric bounds)", keys) != 0) return -1;
    sl_impact_sel_t sel = SL_IMPACT_SEL_EVENTS;
    int event = -1, g = -1;
    const sl_yaml_node_t *ev = sl_yaml_get(m, "event"), *kind = sl_yaml_get(m, "kind");
    char q[LD_PATH];
    if (ev && kind)
        return ld_fail(ld, SL_E_INVAL, kind, ld_key(q, p, "kind"), "kind: with event:, expected one of them "
                       "(event: N picks one event, kind: every fault or every action)");
    if (ev) {
        int64_t x;
        if (sc->n_events == 0)
            return ld_fail(ld, SL_E_INVAL, ev, ld_key(q, p, "event"), "the scenario has no events, expected "
                           "an impact gate only with events:");
        if (val_int(ld, ev, ld_key(q, p, "event"), 0, sc->n_events - 1, &x) != 0) return -1;
        sel = SL_IMPACT_SEL_EVENT;
        event = (int)x;
    } else if (kind) {
        int k;
        if (val_enum(ld, kind, ld_key(q, p, "kind"), "an event kind", kinds, 2, &k) != 0) return -1;
        sel = k ? SL_IMPACT_SEL_ACTIONS : SL_IMPACT_SEL_FAULTS;
    }
    if (sl_yaml_get(m, "group") && val_group_ref(ld, m, p, &g) != 0) return -1;
    int before = sc->n_expects;
    for (size_t j = 0; j < m->n; j++) {
        const sl_yaml_node_t *k = m->pairs[j].key, *v = m->pairs[j].value;
        if (!strcmp(k->str, "event") || !strcmp(k->str, "kind") || !strcmp(k->str, "group")) continue;
        ld_key(q, p, k->str);
        sl_expect_cfg_t *x = &sc->expects[sc->n_expects++];
        x->impact = true;
        x->sel = sel;
        x->event = event;
        x->group = g;
        if (!strcmp(k->str, "verdict")) {
            const char *names[8];
            int n = 0, vi;
            for (; sl_verdict_specs[n].name; n++) names[n] = sl_verdict_specs[n].name;
            if (val_enum(ld, v, q, "a verdict", names, n, &vi) != 0) return -1;
            x->metric = SL_M_VERDICT;
            x->verdict_spec = vi;
            x->line = k->line;
            x->col = k->col;
            continue;
        }
        size_t mi = 0;
        while (mi < N_IMPACT_METRICS && strcmp(impact_metrics[mi].key, k->str) != 0) mi++;
        if (!impact_metrics[mi].group && g >= 0)
            return ld_fail(ld, SL_E_INVAL, k, q, "a cluster metric with group:, expected it in an impact gate "
                           "without group:");
        x->metric = impact_metrics[mi].metric;
        if (load_bounds(ld, k, v, q, false, x) != 0) return -1;
    }
    if (sc->n_expects == before)
        return ld_fail(ld, SL_E_INVAL, m, p, "nothing to check, expected verdict: not-worse or a delta's "
                       "bounds such as rebalances: {max: 0}");
    return 0;
}

int ld_expects(ld_t *ld, const sl_yaml_node_t *seq) {
    static const char *const keys[] = {"group", "rebalances", "generation", "rebalance_s",
                                       "unowned_partition_s", "max_lag", "duplicates", "stable_by",
                                       "lost_records", "produce_errors", "unavailable_partition_s",
                                       "crashed_members", "impact", NULL};
    sl_scenario_t *sc = ld->sc;
    char p[LD_PATH], q[LD_PATH];
    if (ld_seq(ld, seq, "expect", "expectations (- group: billing ...)") != 0) return -1;
    size_t total = 0;
    for (size_t i = 0; i < seq->n; i++) {
        const sl_yaml_node_t *m = seq->items[i];
        if (ld_map(ld, m, ld_idx(p, "expect", i), "a group's or the cluster's metric bounds", keys))
            return -1;
        const sl_yaml_node_t *im = sl_yaml_get(m, "impact");
        total += m->n + (im && im->kind == SL_YAML_MAP ? im->n : 0); /* an impact entry: one gate per key at most */
    }
    sc->expects = calloc(total ? total : 1, sizeof *sc->expects);
    if (!sc->expects) return ld_nomem(ld);
    for (size_t i = 0; i < seq->n; i++) {
        const sl_yaml_node_t *m = seq->items[i];
        int g = -1, before = sc->n_expects;
        ld_idx(p, "expect", i);
        const sl_yaml_node_t *im = sl_yaml_get(m, "impact");
        if (im) {
            if (load_impact(ld, m, im, p) != 0) return -1;
            continue;
        }
        if (sl_yaml_get(m, "group") && val_group_ref(ld, m, p, &g) != 0) return -1;
        for (size_t j = 0; j < m->n; j++) {
            const sl_yaml_node_t *k = m->pairs[j].key;
            size_t mi = 0;
            while (mi < N_METRICS && strcmp(metrics[mi].key, k->str) != 0) mi++;
            if (mi == N_METRICS) continue; /* group: */
            ld_key(q, p, k->str);
            if (metrics[mi].group && g < 0)
                return ld_fail(ld, SL_E_INVAL, k, q, "a group metric without group:, expected "
                               "group: ID in this entry, or a cluster metric (lost_records, "
                               "produce_errors, unavailable_partition_s)");
            if (!metrics[mi].group && g >= 0)
                return ld_fail(ld, SL_E_INVAL, k, q, "a cluster metric in a group's entry, expected "
                               "it in an entry without group:");
            sl_expect_cfg_t *x = &sc->expects[sc->n_expects++];
            x->group = g;
            if (load_metric(ld, k, m->pairs[j].value, q, (int)mi, x) != 0) return -1;
        }
        if (sc->n_expects == before)
            return ld_fail(ld, SL_E_INVAL, m, p, "no metric, expected at least one such as "
                           "rebalances: 4 or lost_records: 0");
    }
    return 0;
}

void sl_group_cfg_apply_set(sl_group_cfg_t *cfg, const sl_event_cfg_t *ev) {
    const sl_group_cfg_t *v = &ev->set_values;
    unsigned k = ev->set_mask;
    if (k & SL_GF_SESSION_TIMEOUT) cfg->session_timeout_us = v->session_timeout_us;
    if (k & SL_GF_HEARTBEAT_INTERVAL) cfg->heartbeat_interval_us = v->heartbeat_interval_us;
    if (k & SL_GF_MAX_POLL_INTERVAL) cfg->max_poll_interval_us = v->max_poll_interval_us;
    if (k & SL_GF_MAX_POLL_RECORDS) cfg->max_poll_records = v->max_poll_records;
    if (k & SL_GF_PROCESSING) {
        cfg->processing_median_us = v->processing_median_us;
        cfg->processing_p99_us = v->processing_p99_us;
    }
    if (k & SL_GF_ON_REVOKE) cfg->on_revoke_us = v->on_revoke_us;
    if (k & SL_GF_ASSIGNOR) cfg->assignor = v->assignor;
    if (k & SL_GF_STATIC) cfg->static_membership = v->static_membership;
    if (k & SL_GF_COMMIT) cfg->commit = v->commit;
    if (k & SL_GF_REQUEST_TIMEOUT) cfg->request_timeout_us = v->request_timeout_us;
    if (k & SL_GF_CLIENT) cfg->client = v->client;
    if (k & SL_GF_PROTOCOL) cfg->protocol = v->protocol;
}

int sl_scenario_max_members(const sl_scenario_t *sc, int gi) {
    int n = sc->groups[gi].members;
    for (int e = 0; e < sc->n_events; e++)
        if (sc->events[e].kind == SL_EV_SCALE && sc->events[e].group == gi && sc->events[e].members > n)
            n = sc->events[e].members;
    return n;
}
