/*
 * stormlab export --to toxiproxy (docs/export.md): the scenario's faults as
 * Toxiproxy configuration.  toxiproxy.json is the body of POST /populate:
 * one proxy per broker (clients reach broker N through proxy broker-N, its
 * advertised listener pointing at the proxy), and timeline.sh replays the
 * timeline against Toxiproxy's HTTP API with curl, adding each toxic at the
 * event's time and removing it when the event ends.
 *
 * A proxy per broker sees every client of that broker and nothing between
 * brokers, so the mapping is:
 *   partition clients <-> brokers   timeout toxic (timeout 0: the connection
 *                                   stays open and nothing gets through) on
 *                                   both streams, or on the one of a one-way cut
 *   degrade clients -> brokers      latency toxic (latency, jitter) on that stream
 *   a broker frozen (pause)         timeout toxics on both streams of its proxy
 * and the rest (broker restarts, anything between brokers, a consumer's
 * pause or stall, config changes, scaling, the coordinator, packet loss) is
 * listed in not-exported.txt, as is every approximation (a cut of some
 * clients cuts every client of those brokers).
 */
#define _GNU_SOURCE /* open_memstream */
#include <stdlib.h>
#include <string.h>

#include "export-internal.h"

/* One line of the script at a scenario time; at one time removals come
 * before additions (a toxic ending when another starts), then file order. */
typedef struct step_s {
    int64_t at_us;
    int add;
    int seq;
    char *text;
} step_t;

typedef struct tp_s {
    const sl_scenario_t *sc;
    FILE *notes;
    step_t *steps;
    int n_steps, cap_steps;
    int n_toxics;
    char (*added)[96]; /* "PROXY/TOXIC" of every toxic, for the script's clean-up */
} tp_t;

static void push_step(tp_t *t, int64_t at_us, int add, char *text) {
    if (t->n_steps == t->cap_steps) {
        t->cap_steps = t->cap_steps ? 2 * t->cap_steps : 32;
        t->steps = realloc(t->steps, (size_t)t->cap_steps * sizeof *t->steps);
        if (!t->steps)
            abort();
    }
    t->steps[t->n_steps] = (step_t){at_us, add, t->n_steps, text};
    t->n_steps++;
}

static int by_time(const void *a, const void *b) {
    const step_t *x = a, *y = b;
    if (x->at_us != y->at_us)
        return x->at_us < y->at_us ? -1 : 1;
    if (x->add != y->add)
        return x->add - y->add;
    return x->seq - y->seq;
}

/* s as one shell word in single quotes. */
static void sh_quote(FILE *f, const char *s) {
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    fputc('\'', f);
}

static void note(tp_t *t, int ev, const char *what) { sl_export_note(t->notes, t->sc, ev, what); }

/* Toxic type with its attributes on one stream of broker b's proxy, from
 * at_us for dur_us. */
static void toxic(tp_t *t, int ev, int b, const char *stream, const char *type, const char *attrs, int64_t at_us,
                  int64_t dur_us) {
    char name[64], line[1024], when[32];
    t->n_toxics++;
    snprintf(name, sizeof name, "e%d-%s-%s-%d", ev, type, stream, t->n_toxics);
    t->added = realloc(t->added, (size_t)t->n_toxics * sizeof *t->added);
    if (!t->added)
        abort();
    snprintf(t->added[t->n_toxics - 1], sizeof t->added[0], "broker-%d/toxics/%s", b, name);
    sl_scenario_event_line(t->sc, ev, line, sizeof line);
    sl_export_duration(at_us, when, sizeof when);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        abort();
    fprintf(f, "say ");
    char what[1400];
    snprintf(what, sizeof what, "%s events[%d] %s: %s %s on broker-%d (%s)", when, ev, line, type, stream, b, name);
    sh_quote(f, what);
    fprintf(f, "\napi POST /proxies/broker-%d/toxics '{\"name\":\"%s\",\"type\":\"%s\",\"stream\":\"%s\","
               "\"toxicity\":1,\"attributes\":{%s}}'\n",
            b, name, type, stream, attrs);
    fclose(f);
    push_step(t, at_us, 1, text);

    text = NULL;
    f = open_memstream(&text, &len);
    if (!f)
        abort();
    sl_export_duration(at_us + dur_us, when, sizeof when);
    snprintf(what, sizeof what, "%s events[%d] ends: %s removed from broker-%d", when, ev, name, b);
    fprintf(f, "say ");
    sh_quote(f, what);
    fprintf(f, "\napi DELETE /proxies/broker-%d/toxics/%s\n", b, name);
    fclose(f);
    push_step(t, at_us + dur_us, 0, text);
}

/* What one side of a link fault names: brokers[b] set for each broker
 * (1-based), *clients when it names consumers or producers, *other for
 * what a proxy cannot act on (the coordinator, known only at run time). */
typedef struct side_s {
    int *brokers;
    int clients, all_clients, coordinator;
} side_t;

static void read_side(const sl_scenario_t *sc, const sl_selector_t *s, int n, side_t *out) {
    int nb = sl_scenario_cluster(sc)->brokers;
    out->brokers = calloc((size_t)nb + 1, sizeof *out->brokers);
    if (!out->brokers)
        abort();
    for (int i = 0; i < n; i++) {
        switch (s[i].kind) {
        case SL_SEL_ALL:
            out->clients = out->all_clients = 1;
            /* fall through */
        case SL_SEL_BROKER_ALL:
            for (int b = 1; b <= nb; b++)
                out->brokers[b] = 1;
            break;
        case SL_SEL_BROKER: out->brokers[s[i].index] = 1; break;
        case SL_SEL_COORDINATOR: out->coordinator = 1; break;
        default: out->clients = 1; break;
        }
    }
}

static int any_broker(const sl_scenario_t *sc, const side_t *s) {
    for (int b = 1; b <= sl_scenario_cluster(sc)->brokers; b++)
        if (s->brokers[b])
            return 1;
    return 0;
}

/* A partition or degradation: toxics on the proxies of the brokers one
 * side names when the other side names clients. */
static void link_fault(tp_t *t, int ev) {
    const sl_event_cfg_t *e = sl_scenario_event(t->sc, ev);
    side_t from = {0}, to = {0};
    read_side(t->sc, e->from, e->n_from, &from);
    read_side(t->sc, e->to, e->n_to, &to);
    int degrade = e->kind == SL_EV_DEGRADE, exported = 0, some_clients = 0;
    char attrs[128];
    if (degrade)
        snprintf(attrs, sizeof attrs, "\"latency\":%lld,\"jitter\":%lld", (long long)(e->latency_us / 1000),
                 (long long)(e->jitter_us / 1000));
    else
        snprintf(attrs, sizeof attrs, "\"timeout\":0");
    const char *type = degrade ? "latency" : "timeout";
    /* clients -> brokers is the proxies' upstream, brokers -> clients downstream;
     * a degradation acts from -> to only, as the simulator applies it */
    for (int dir = 0; dir < 2; dir++) {
        const side_t *c = dir == 0 ? &from : &to, *b = dir == 0 ? &to : &from;
        if (!c->clients || !any_broker(t->sc, b))
            continue;
        for (int id = 1; id <= sl_scenario_cluster(t->sc)->brokers; id++) {
            if (!b->brokers[id])
                continue;
            int up = dir == 0 || !(e->oneway || degrade);
            int down = dir == 1 || !(e->oneway || degrade);
            if (up)
                toxic(t, ev, id, "upstream", type, attrs, e->at_us, sl_export_fault_dur(t->sc, e));
            if (down)
                toxic(t, ev, id, "downstream", type, attrs, e->at_us, sl_export_fault_dur(t->sc, e));
            exported = 1;
        }
        some_clients |= !c->all_clients;
    }
    if (exported && some_clients)
        note(t, ev,
             "approximated: a proxy per broker cannot tell clients apart, so every client of the brokers "
             "named is affected, not only the ones the event names");
    if (!exported)
        note(t, ev, "not exported: Toxiproxy sits between clients and brokers; this event names no client-broker "
                    "link (broker-to-broker traffic does not pass the proxies)");
    else if (any_broker(t->sc, &from) && any_broker(t->sc, &to))
        note(t, ev, "partly exported: the links between brokers it also names do not pass the proxies");
    if (from.coordinator || to.coordinator)
        note(t, ev, "not exported for the coordinator: it is known only at run time (kafka-consumer-groups.sh "
                    "--describe --state names it; add its proxy's toxic by hand)");
    if (degrade && e->loss > 0)
        note(t, ev, "loss not exported: Toxiproxy has no packet-loss toxic (TCP would retransmit anyway)");
    if (degrade && (e->latency_us % 1000 || e->jitter_us % 1000))
        note(t, ev, "approximated: Toxiproxy's latency and jitter are whole milliseconds (rounded down)");
    free(from.brokers);
    free(to.brokers);
}

/* A broker frozen (restart mode: pause, or pause of brokers): its clients
 * see open sockets that answer nothing: timeout toxics on both streams. */
static void freeze_brokers(tp_t *t, int ev) {
    const sl_event_cfg_t *e = sl_scenario_event(t->sc, ev);
    sl_selector_t *nodes = NULL;
    int n = sl_export_rolling(t->sc, ev, &nodes), frozen = 0, members = 0;
    for (int i = 0; i < n; i++) {
        if (nodes[i].kind != SL_SEL_BROKER) {
            members |= nodes[i].kind != SL_SEL_COORDINATOR;
            continue;
        }
        int64_t at = e->at_us + (e->rolling_us >= 0 ? (int64_t)i * e->rolling_us : 0);
        toxic(t, ev, nodes[i].index, "upstream", "timeout", "\"timeout\":0", at, sl_export_fault_dur(t->sc, e));
        toxic(t, ev, nodes[i].index, "downstream", "timeout", "\"timeout\":0", at, sl_export_fault_dur(t->sc, e));
        frozen = 1;
    }
    free(nodes);
    if (frozen)
        note(t, ev, "approximated: Toxiproxy cannot freeze a broker; its clients' traffic is held instead "
                    "(timeout toxics), while the broker itself and its replication go on");
    if (members || !frozen)
        note(t, ev, "not exported: a consumer's or producer's pause, or the coordinator's, is not a proxy's to "
                    "make (pause the process: kill -STOP)");
}

static void export_event(tp_t *t, int ev) {
    const sl_event_cfg_t *e = sl_scenario_event(t->sc, ev);
    switch (e->kind) {
    case SL_EV_PARTITION: link_fault(t, ev); return;
    case SL_EV_DEGRADE:
        if (!e->latency_us && !e->jitter_us) {
            note(t, ev, e->loss > 0 ? "not exported: Toxiproxy has no packet-loss toxic"
                                    : "not exported: it adds nothing to the links");
            return;
        }
        link_fault(t, ev);
        return;
    case SL_EV_RESTART:
        if (e->mode == SL_RESTART_PAUSE) {
            freeze_brokers(t, ev);
            return;
        }
        note(t, ev, "not exported: a restart changes the cluster (leaders and coordinators move), which a proxy "
                    "cannot do; restart the broker or client yourself at this time");
        return;
    case SL_EV_PAUSE: freeze_brokers(t, ev); return;
    case SL_EV_STALL:
        note(t, ev, "not exported: a consumer's poll-loop stall is inside the application, not on the wire");
        return;
    case SL_EV_SET:
    case SL_EV_SCALE: note(t, ev, sl_export_rollout_note(e->kind)); return;
    }
}

/* tmpl with each "{id}" replaced by broker id b. */
static void upstream_of(const char *tmpl, int b, char *out, size_t size) {
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 12 < size; p++) {
        if (!strncmp(p, "{id}", 4)) {
            o += (size_t)snprintf(out + o, size - o, "%d", b);
            p += 3;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = 0;
}

/* toxiproxy.json: the body of POST /populate. */
static char *populate_json(const sl_scenario_t *sc, const sl_export_toxiproxy_opts_t *o, size_t *len) {
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        abort();
    fputs("[\n", f);
    int nb = sl_scenario_cluster(sc)->brokers;
    for (int b = 1; b <= nb; b++) {
        char listen[300], upstream[600];
        snprintf(listen, sizeof listen, "%s:%d", o->listen_host, o->listen_port + b - 1);
        upstream_of(o->upstream, b, upstream, sizeof upstream);
        fprintf(f, "  {\"name\": \"broker-%d\", \"listen\": ", b);
        sl_json_str(f, listen);
        fputs(", \"upstream\": ", f);
        sl_json_str(f, upstream);
        fprintf(f, ", \"enabled\": true}%s\n", b < nb ? "," : "");
    }
    fputs("]\n", f);
    fclose(f);
    return buf;
}

static char *script(tp_t *t, size_t *len) {
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        abort();
    fputs("#!/bin/sh\n# stormlab export --to toxiproxy: the timeline of scenario ", f);
    sl_json_str(f, sl_scenario_name(t->sc));
    fputs(" (docs/export.md).\n"
          "# Load the proxies first (point each broker's advertised listener at its proxy):\n"
          "#   curl -fsS -X POST -H 'Content-Type: application/json' --data @toxiproxy.json "
          "\"$TOXIPROXY_URL/populate\"\n"
          "# then start this at the scenario's time 0.  TOXIPROXY_URL: the API (default http://127.0.0.1:8474);\n"
          "# SPEED: how many times faster than real time (default 1; 60 plays a minute a second).\n"
          "# Interrupted, it removes the toxics it added.  not-exported.txt lists what is approximated or left out.\n"
          "set -eu\n"
          "url=${TOXIPROXY_URL:-http://127.0.0.1:8474}\n"
          "speed=${SPEED:-1}\n"
          "now=0\n"
          "say() { echo \"stormlab timeline: $1\"; }\n"
          "api() { # METHOD PATH [JSON]\n"
          "  if [ $# -gt 2 ]; then\n"
          "    curl -fsS -X \"$1\" -H 'Content-Type: application/json' --data \"$3\" \"$url$2\" >/dev/null\n"
          "  else\n"
          "    curl -fsS -X \"$1\" \"$url$2\" >/dev/null\n"
          "  fi\n"
          "}\n"
          "# until SECONDS: sleep until the scenario's time SECONDS\n"
          "until_s() {\n"
          "  d=$(awk -v a=\"$now\" -v b=\"$1\" -v s=\"$speed\" 'BEGIN { d = (b - a) / s; printf \"%.3f\", (d > 0 ? d : 0) "
          "}')\n"
          "  sleep \"$d\"\n"
          "  now=$1\n"
          "}\n"
          "clean_up() {\n",
          f);
    for (int i = 0; i < t->n_toxics; i++)
        fprintf(f, "  curl -sS -X DELETE \"$url/proxies/%s\" >/dev/null 2>&1 || true\n", t->added[i]);
    fputs("  :\n}\n"
          "trap 'say \"interrupted: removing the toxics\"; clean_up; exit 130' INT TERM\n",
          f);
    if (t->n_steps) /* qsort takes no NULL, even for no elements */
        qsort(t->steps, (size_t)t->n_steps, sizeof *t->steps, by_time);
    int64_t last = -1;
    for (int i = 0; i < t->n_steps; i++) {
        if (t->steps[i].at_us != last) {
            last = t->steps[i].at_us;
            fprintf(f, "\nuntil_s %lld.%06lld\n", (long long)(last / 1000000), (long long)(last % 1000000));
        }
        fputs(t->steps[i].text, f);
    }
    fputs("\nsay 'timeline done'\n", f);
    fclose(f);
    return buf;
}

sl_err_t sl_export_toxiproxy(const sl_scenario_t *sc, const sl_export_toxiproxy_opts_t *o, const char *dir,
                             char **notes, char *err, size_t errsz) {
    tp_t t = {.sc = sc};
    size_t notes_len = 0, json_len = 0, sh_len = 0;
    *notes = NULL;
    t.notes = open_memstream(notes, &notes_len);
    if (!t.notes)
        abort();
    for (int i = 0; i < sl_scenario_event_count(sc); i++)
        export_event(&t, i);
    fclose(t.notes);
    char *json = populate_json(sc, o, &json_len);
    char *sh = script(&t, &sh_len);
    sl_err_t rc = sl_export_write_file(dir, "toxiproxy.json", json, json_len, err, errsz);
    if (rc == SL_OK)
        rc = sl_export_write_file(dir, "timeline.sh", sh, sh_len, err, errsz);
    if (rc == SL_OK)
        rc = sl_export_write_file(dir, "not-exported.txt", *notes, notes_len, err, errsz);
    for (int i = 0; i < t.n_steps; i++)
        free(t.steps[i].text);
    free(t.steps);
    free(t.added);
    free(json);
    free(sh);
    return rc;
}
