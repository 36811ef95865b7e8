/*
 * The resolved scenario (`scenario.resolved.yaml`, docs/scenarios.md): every field
 * of the struct written out, defaults included, in one canonical form, so
 * load -> write -> load -> write is byte-identical and the second load
 * equals the first.  Durations use the largest exact unit, rates `N/s`,
 * doubles the shortest text that reads back to the same double, strings
 * plain when that is unambiguous and double-quoted otherwise.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scenario-internal.h"

static void put_dur(FILE *f, int64_t us) {
    char b[32];
    sl_format_duration(us, b, sizeof b);
    fputs(b, f);
}

/* prefix, then the duration: ", session_timeout: 10s". */
static void put_kdur(FILE *f, const char *prefix, int64_t us) {
    fputs(prefix, f);
    put_dur(f, us);
}

/* Whole numbers as integers, others as the shortest %g that reads back
 * to the same double. */
static void put_double(FILE *f, double v) {
    char b[40];
    if (v == floor(v) && fabs(v) < 1e15) {
        fprintf(f, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(b, sizeof b, "%.*g", prec, v);
        if (strtod(b, NULL) == v) break;
    }
    fputs(b, f);
}

static bool plain_ok(const char *s) {
    static const char *const reserved[] = {"true", "false", "null", "yes", "no", "on", "off",
                                           "y", "n", NULL};
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("._-/*", *p)))
            return false;
    for (int i = 0; reserved[i]; i++)
        if (!strcasecmp(s, reserved[i])) return false;
    return true;
}

/* A string as a plain scalar when safe, else double-quoted with escapes
 * (including the Unicode line breaks YAML would fold). */
static void put_str(FILE *f, const char *s) {
    if (plain_ok(s)) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fputc('\\', f);
            fputc(*p, f);
        } else if (*p == '\n') {
            fputs("\\n", f);
        } else if (*p == '\t') {
            fputs("\\t", f);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\x%02x", *p);
        } else if (p[0] == 0xc2 && p[1] == 0x85) { /* U+0085 NEL */
            fputs("\\N", f);
            p++;
        } else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
            fputs(p[2] == 0xa8 ? "\\L" : "\\P", f); /* U+2028, U+2029 */
            p += 2;
        } else if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) { /* U+FEFF */
            fputs("\\uFEFF", f);
            p += 2;
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void put_selector(FILE *f, const sl_scenario_t *sc, const sl_selector_t *s) {
    char b[2 * SL_MAX_NAME + 32];
    switch (s->kind) {
    case SL_SEL_ALL: snprintf(b, sizeof b, "*"); break;
    case SL_SEL_BROKER_ALL: snprintf(b, sizeof b, "broker/*"); break;
    case SL_SEL_BROKER: snprintf(b, sizeof b, "broker/%d", s->index); break;
    case SL_SEL_GROUP_ALL: snprintf(b, sizeof b, "%s/*", sc->groups[s->group].id); break;
    case SL_SEL_MEMBER: snprintf(b, sizeof b, "%s/%d", sc->groups[s->group].id, s->index); break;
    case SL_SEL_PRODUCER: snprintf(b, sizeof b, "producer/%s", sc->topics[s->topic].name); break;
    case SL_SEL_COORDINATOR: snprintf(b, sizeof b, "coordinator/%s", sc->groups[s->group].id); break;
    }
    put_str(f, b);
}

static void put_selectors(FILE *f, const sl_scenario_t *sc, const sl_selector_t *s, int n) {
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        put_selector(f, sc, &s[i]);
    }
    fputc(']', f);
}

static void put_processing(FILE *f, const sl_group_cfg_t *g) {
    if (g->processing_median_us == g->processing_p99_us) {
        put_dur(f, g->processing_median_us);
        return;
    }
    fputs("{median: ", f);
    put_dur(f, g->processing_median_us);
    fputs(", p99: ", f);
    put_dur(f, g->processing_p99_us);
    fputc('}', f);
}

static void write_cluster(FILE *f, const sl_cluster_cfg_t *c) {
    fprintf(f, "cluster:\n  brokers: %d\n  offsets_partitions: %d\n  offsets_replication: %d\n"
               "  min_insync_replicas: %d\n  active_controller: %d\n",
            c->brokers, c->offsets_partitions, c->offsets_replication, c->min_insync_replicas,
            c->active_controller);
    const struct {
        const char *key;
        int64_t us;
    } d[] = {
        {"group_initial_rebalance_delay", c->group_initial_rebalance_delay_us},
        {"group_min_session_timeout", c->group_min_session_timeout_us},
        {"group_max_session_timeout", c->group_max_session_timeout_us},
        {"broker_session_timeout", c->broker_session_timeout_us},
        {"broker_heartbeat_interval", c->broker_heartbeat_interval_us},
        {"broker_startup", c->broker_startup_us},
        {"coordinator_load", c->coordinator_load_us},
        {"auto_leader_rebalance", c->auto_leader_rebalance_us},
        {"leader_election", c->leader_election_us},
        {"controller_failover", c->controller_failover_us},
        {"consumer_assignment_interval", c->consumer_assignment_interval_us},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        fprintf(f, "  %s: ", d[i].key);
        put_dur(f, d[i].us);
        fputc('\n', f);
    }
}

static void write_topics(FILE *f, const sl_scenario_t *sc) {
    fputs("topics:\n", f);
    for (int i = 0; i < sc->n_topics; i++) {
        const sl_topic_cfg_t *t = &sc->topics[i];
        fputs("  - name: ", f);
        put_str(f, t->name);
        fprintf(f, "\n    partitions: %d\n    replication: %d\n    owner: ", t->partitions,
                t->replication);
        put_str(f, t->owner);
        fputs("\n    produce_rate: ", f);
        put_double(f, t->produce_rate_per_s);
        fputs("/s\n", f);
    }
}

static void write_group(FILE *f, const sl_scenario_t *sc, const sl_group_cfg_t *g) {
    fputs("  - id: ", f);
    put_str(f, g->id);
    fputs("\n    owner: ", f);
    put_str(f, g->owner);
    fputs("\n    topics: [", f);
    for (int t = 0; t < g->n_topics; t++) {
        if (t) fputs(", ", f);
        put_str(f, sc->topics[g->topics[t]].name);
    }
    fprintf(f, "]\n    members: %d\n    client: %s\n    protocol: %s\n    assignor: %s\n"
               "    static: %s\n", g->members, sl_client_name(g->client),
            sl_protocol_name(g->protocol), sl_assignor_name(g->assignor),
            g->static_membership ? "true" : "false");
    fputs("    session_timeout: ", f);
    put_dur(f, g->session_timeout_us);
    fputs("\n    heartbeat_interval: ", f);
    put_dur(f, g->heartbeat_interval_us);
    fputs("\n    max_poll_interval: ", f);
    put_dur(f, g->max_poll_interval_us);
    fprintf(f, "\n    max_poll_records: %d\n    processing: ", g->max_poll_records);
    put_processing(f, g);
    fputs("\n    on_revoke: ", f);
    put_dur(f, g->on_revoke_us);
    fprintf(f, "\n    commit: %s\n    auto_commit_interval: ", sl_commit_name(g->commit));
    put_dur(f, g->auto_commit_interval_us);
    fputs("\n    request_timeout: ", f);
    put_dur(f, g->request_timeout_us);
    fputs("\n    retry_backoff: ", f);
    put_dur(f, g->retry_backoff_us);
    fputs("\n    retry_backoff_max: ", f);
    put_dur(f, g->retry_backoff_max_us);
    fputs("\n    fetch_max_wait: ", f);
    put_dur(f, g->fetch_max_wait_us);
    fputs("\n    startup: ", f);
    if (g->n_startup_each == 0)
        put_dur(f, g->startup_us);
    for (int i = 0; i < g->n_startup_each; i++) {
        fputs(i ? ", " : "[", f);
        put_dur(f, g->startup_each_us[i]);
    }
    if (g->n_startup_each)
        fputc(']', f);
    fputc('\n', f);
}

/* The `set` mapping: group, then the changed fields in sl_group_field_t order. */
static void put_set(FILE *f, const sl_scenario_t *sc, const sl_event_cfg_t *e) {
    const sl_group_cfg_t *v = &e->set_values;
    unsigned m = e->set_mask;
    fputs("{group: ", f);
    put_str(f, sc->groups[e->group].id);
    if (m & SL_GF_SESSION_TIMEOUT) put_kdur(f, ", session_timeout: ", v->session_timeout_us);
    if (m & SL_GF_HEARTBEAT_INTERVAL)
        put_kdur(f, ", heartbeat_interval: ", v->heartbeat_interval_us);
    if (m & SL_GF_MAX_POLL_INTERVAL) put_kdur(f, ", max_poll_interval: ", v->max_poll_interval_us);
    if (m & SL_GF_MAX_POLL_RECORDS) fprintf(f, ", max_poll_records: %d", v->max_poll_records);
    if (m & SL_GF_PROCESSING) {
        fputs(", processing: ", f);
        put_processing(f, v);
    }
    if (m & SL_GF_ON_REVOKE) put_kdur(f, ", on_revoke: ", v->on_revoke_us);
    if (m & SL_GF_ASSIGNOR) fprintf(f, ", assignor: %s", sl_assignor_name(v->assignor));
    if (m & SL_GF_STATIC) fprintf(f, ", static: %s", v->static_membership ? "true" : "false");
    if (m & SL_GF_COMMIT) fprintf(f, ", commit: %s", sl_commit_name(v->commit));
    if (m & SL_GF_REQUEST_TIMEOUT) put_kdur(f, ", request_timeout: ", v->request_timeout_us);
    if (m & SL_GF_CLIENT) fprintf(f, ", client: %s", sl_client_name(v->client));
    if (m & SL_GF_PROTOCOL) fprintf(f, ", protocol: %s", sl_protocol_name(v->protocol));
    fputc('}', f);
}

static void write_event(FILE *f, const sl_scenario_t *sc, const sl_event_cfg_t *e) {
    fputs("  - at: ", f);
    put_dur(f, e->at_us);
    fputc('\n', f);
    switch (e->kind) {
    case SL_EV_PARTITION:
    case SL_EV_DEGRADE:
        fputs(e->kind == SL_EV_PARTITION ? "    partition: {from: " : "    degrade: {from: ", f);
        put_selectors(f, sc, e->from, e->n_from);
        fputs(", to: ", f);
        put_selectors(f, sc, e->to, e->n_to);
        if (e->kind == SL_EV_DEGRADE) {
            fputs(", latency: ", f);
            put_dur(f, e->latency_us);
            fputs(", jitter: ", f);
            put_dur(f, e->jitter_us);
            fputs(", loss: ", f);
            put_double(f, e->loss);
        }
        fputs("}\n", f);
        if (e->kind == SL_EV_PARTITION) fprintf(f, "    oneway: %s\n", e->oneway ? "true" : "false");
        break;
    case SL_EV_RESTART:
    case SL_EV_PAUSE:
    case SL_EV_STALL:
        fprintf(f, "    %s: ", e->kind == SL_EV_RESTART ? "restart" : e->kind == SL_EV_PAUSE ? "pause" : "stall");
        put_selectors(f, sc, e->targets, e->n_targets);
        fputc('\n', f);
        if (e->kind == SL_EV_RESTART) fprintf(f, "    mode: %s\n", sl_restart_mode_name(e->mode));
        break;
    case SL_EV_SET:
        fputs("    set: ", f);
        put_set(f, sc, e);
        fputc('\n', f);
        break;
    case SL_EV_SCALE:
        fputs("    scale: {group: ", f);
        put_str(f, sc->groups[e->group].id);
        fprintf(f, ", members: %d}\n", e->members);
        break;
    }
    if (e->for_us >= 0) {
        put_kdur(f, "    for: ", e->for_us);
        fputc('\n', f);
    }
    if (e->rolling_us >= 0) {
        put_kdur(f, "    rolling: ", e->rolling_us);
        fputc('\n', f);
    }
    if (e->kind_given) fprintf(f, "    kind: %s\n", e->is_action ? "action" : "fault");
}

/* One event as a line: its resolved YAML without `at:`, keys joined by ", "
 * ("restart: [coordinator/billing], mode: hard, for: 30s").  The impact
 * entries' `what` (docs/outputs.md). */
void sl_scenario_event_line(const sl_scenario_t *sc, int i, char *buf, size_t size) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        snprintf(buf, size, "event %d", i);
        return;
    }
    write_event(f, sc, &sc->events[i]);
    fclose(f);
    size_t o = 0;
    buf[0] = 0;
    char *line = strchr(text, '\n'); /* after "  - at: ..." */
    while (line && *++line) {
        char *end = strchr(line, '\n');
        if (end) *end = 0;
        while (*line == ' ') line++;
        if (o < size) o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "", line);
        line = end;
    }
    free(text);
}

static void put_bound(FILE *f, const sl_expect_cfg_t *x, double v) {
    if (x->metric == SL_M_STABLE_BY)
        put_dur(f, (int64_t)llround(v * 1e6));
    else
        put_double(f, v);
}

static void write_impact_selector(FILE *f, const sl_scenario_t *sc, const sl_expect_cfg_t *x) {
    fputs("  - impact: {", f);
    if (x->sel == SL_IMPACT_SEL_EVENT) fprintf(f, "event: %d, ", x->event);
    if (x->sel == SL_IMPACT_SEL_FAULTS) fputs("kind: fault, ", f);
    if (x->sel == SL_IMPACT_SEL_ACTIONS) fputs("kind: action, ", f);
    if (x->group >= 0) {
        fputs("group: ", f);
        put_str(f, sc->groups[x->group].id);
        fputs(", ", f);
    }
    if (x->metric == SL_M_VERDICT) fprintf(f, "verdict: %s}\n", sl_verdict_specs[x->verdict_spec].name);
}

static void write_expect(FILE *f, const sl_scenario_t *sc, const sl_expect_cfg_t *x) {
    if (x->impact) write_impact_selector(f, sc, x);
    if (x->impact && x->metric == SL_M_VERDICT) return;
    if (!x->impact) fputs("  - ", f);
    if (!x->impact && x->group >= 0) {
        fputs("group: ", f);
        put_str(f, sc->groups[x->group].id);
        fputs("\n    ", f);
    }
    fprintf(f, "%s: {", sl_metric_name(x->metric));
    if (x->has_min) {
        fputs("min: ", f);
        put_bound(f, x, x->min);
    }
    if (x->has_min && x->has_max) fputs(", ", f);
    if (x->has_max) {
        fputs("max: ", f);
        put_bound(f, x, x->max);
    }
    fputs(x->impact ? "}}\n" : "}\n", f);
}

sl_err_t sl_scenario_write_resolved(const sl_scenario_t *sc, FILE *f) {
    if (!sc || !f) return SL_E_INVAL;
    fputs("# Resolved by stormlab: every default written out.  Run this file to\n"
          "# reproduce the run byte for byte.\n", f);
    fputs("name: ", f);
    put_str(f, sc->name);
    fputs("\ndescription: ", f);
    put_str(f, sc->description);
    fprintf(f, "\nseed: %" PRIu64 "\nduration: ", sc->seed);
    put_dur(f, sc->duration_us);
    fputs("\nsample: ", f);
    put_dur(f, sc->sample_us);
    fputc('\n', f);
    write_cluster(f, &sc->cluster);
    write_topics(f, sc);
    fputs(sc->n_groups ? "groups:\n" : "groups: []\n", f);
    for (int i = 0; i < sc->n_groups; i++) write_group(f, sc, &sc->groups[i]);
    fputs("links:\n  latency: ", f);
    put_dur(f, sc->links.latency_us);
    fputs("\n  jitter: ", f);
    put_dur(f, sc->links.jitter_us);
    fputs("\n  loss: ", f);
    put_double(f, sc->links.loss);
    fputc('\n', f);
    fputs(sc->n_events ? "events:\n" : "events: []\n", f);
    for (int i = 0; i < sc->n_events; i++) write_event(f, sc, &sc->events[i]);
    fputs(sc->n_expects ? "expect:\n" : "expect: []\n", f);
    for (int i = 0; i < sc->n_expects; i++) write_expect(f, sc, &sc->expects[i]);
    return ferror(f) ? SL_E_IO : SL_OK;
}
