#define _GNU_SOURCE /* qsort_r */
/*
 * Cause chains (docs/explain.md).  Every trace event names the earlier
 * event that caused it, so the root of each event is found in one pass in
 * file order: O(events).  A log line is tied to the events of the same node
 * in the same millisecond (log.txt and trace.jsonl are written from the
 * same moments), which gives each root its first visible log line.
 */
#include "causes.h"
#include "stormlab/outputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xcalloc(size_t n, size_t sz) {
    void *p = calloc(n ? n : 1, sz);
    if (!p)
        abort();
    return p;
}

/* The chain of event i back to its root, i first. */
static void build_chain(const sl_run_t *run, size_t i, sl_rebalance_t *rb) {
    size_t n = 1;
    for (size_t j = i; run->ev[j].cause >= 0; j = (size_t)run->ev[j].cause)
        n++;
    rb->chain = xcalloc(n, sizeof *rb->chain);
    rb->n_chain = 0;
    for (size_t j = i;; j = (size_t)run->ev[j].cause) {
        rb->chain[rb->n_chain++] = j;
        if (run->ev[j].cause < 0)
            break;
    }
}

/* Events of one millisecond sorted by node, for lookups by log line. */
static int cmp_node(const void *a, const void *b, void *ctx) {
    const sl_run_t *run = ctx;
    const char *x = run->ev[*(const size_t *)a].node, *y = run->ev[*(const size_t *)b].node;
    int c = strcmp(x ? x : "", y ? y : "");
    return c ? c : (*(const size_t *)a < *(const size_t *)b ? -1 : 1);
}

/* Each root's first log line from a descendant event, by a merge of the
 * two time-ordered files.  Within one millisecond the events are sorted by
 * node once, so a crowded millisecond (10,000 members starting) costs
 * O(n log n), not O(lines x events). */
static void find_signals(const sl_run_t *run, sl_causes_t *c) {
    size_t e0 = 0, cap = 0, *bucket = NULL, nb = 0;
    long long bucket_ms = -1;
    for (size_t i = 0; i < run->n_ev; i++)
        c->signal_of[i] = -1;
    for (size_t l = 0; l < run->n_log; l++) {
        const sl_rf_log_t *line = &run->log[l];
        if (line->injected)
            continue;
        while (e0 < run->n_ev && run->ev[e0].t_us / 1000 < line->t_ms)
            e0++;
        if (bucket_ms != line->t_ms) {
            bucket_ms = line->t_ms;
            nb = 0;
            for (size_t e = e0; e < run->n_ev && run->ev[e].t_us / 1000 == line->t_ms; e++) {
                if (nb == cap && !(bucket = realloc(bucket, (cap = cap ? cap * 2 : 64) * sizeof *bucket)))
                    abort();
                bucket[nb++] = e;
            }
            if (nb) /* bucket is NULL until the first event: qsort_r(NULL, 0) is UB */
                qsort_r(bucket, nb, sizeof *bucket, cmp_node, (void *)run);
        }
        /* first event of this node in the bucket */
        size_t lo = 0, hi = nb;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            const char *n = run->ev[bucket[mid]].node;
            if (strcmp(n ? n : "", line->node) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t k = lo; k < nb; k++) {
            const sl_rf_event_t *ev = &run->ev[bucket[k]];
            if (!ev->node || strcmp(ev->node, line->node))
                break;
            size_t r = c->root_of[bucket[k]];
            if (c->signal_of[r] < 0)
                c->signal_of[r] = (long)l;
        }
    }
    free(bucket);
}

/* Kinds of events that change a rebalance under way: who is in it, who
 * coordinates it, when it completes. */
static int changes_rebalance(const char *kind) {
    static const char *const kinds[] = {"member.join",        "member.left",          "member.removed",
                                        "member.session_expired", "member.fenced",    "member.poll_timeout",
                                        "member.crashed",     "member.static_rejoin", "member.revocation_timeout",
                                        "coordinator.unload", "group.join.complete",  "group.stable",
                                        "group.store_failed"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (!strcmp(kind, kinds[k]))
            return 1;
    return 0;
}

/* Event i, inside rebalance rb, names another root: add it once. */
static void add_also(sl_causes_t *c, sl_rebalance_t *rb, size_t i) {
    size_t r = c->root_of[i];
    if (r == c->root_of[rb->start])
        return;
    for (size_t k = 0; k < rb->n_also; k++)
        if (rb->also[k] == r)
            return;
    if (!(rb->n_also & (rb->n_also - 1))) { /* 0, 1, 2, 4...: grow by doubling */
        size_t cap = rb->n_also ? rb->n_also * 2 : 1;
        if (!(rb->also = realloc(rb->also, cap * sizeof *rb->also)) || !(rb->via = realloc(rb->via, cap * sizeof *rb->via)))
            abort();
    }
    rb->also[rb->n_also] = r;
    rb->via[rb->n_also++] = i;
}

sl_causes_t *sl_causes_new(const sl_run_t *run) {
    sl_causes_t *c = xcalloc(1, sizeof *c);
    c->root_of = xcalloc(run->n_ev, sizeof *c->root_of);
    c->signal_of = xcalloc(run->n_ev, sizeof *c->signal_of);
    c->first_settled_s = xcalloc(run->n_groups, sizeof *c->first_settled_s);
    /* causes point backwards (checked on load), so one forward pass suffices */
    for (size_t i = 0; i < run->n_ev; i++)
        c->root_of[i] = run->ev[i].cause < 0 ? i : c->root_of[run->ev[i].cause];
    find_signals(run, c);

    for (size_t g = 0; g < run->n_groups; g++)
        c->first_settled_s[g] = -1;
    int *count = xcalloc(run->n_groups, sizeof *count);
    /* per group, the next group.join.complete at or after a given event:
     * one backwards pass instead of a forward scan per rebalance */
    long *next_join = xcalloc(run->n_ev + 1, sizeof *next_join), *pending = xcalloc(run->n_groups, sizeof *pending);
    int *ev_group = xcalloc(run->n_ev + 1, sizeof *ev_group);
    for (size_t g = 0; g < run->n_groups; g++)
        pending[g] = -1;
    /* KIP-848 groups (their coordinator goes Assigning or Reconciling) have no join
     * phase: each rebalance is a group epoch bump, and the epoch it produced
     * is the one its group.rebalance.start names (docs/explain.md). */
    unsigned char *epochs = xcalloc(run->n_groups, 1);
    for (size_t i = 0; i < run->n_ev; i++) {
        ev_group[i] = sl_run_group_index(run, run->ev[i].group);
        if (ev_group[i] >= 0 && !strcmp(run->ev[i].kind, "group.state") && run->ev[i].detail &&
            (!strcmp(run->ev[i].detail, "Reconciling") || !strcmp(run->ev[i].detail, "Assigning")))
            epochs[ev_group[i]] = 1;
    }
    for (size_t i = run->n_ev; i-- > 0;) {
        int g = ev_group[i];
        if (g >= 0 && !strcmp(run->ev[i].kind, "group.join.complete"))
            pending[g] = (long)i;
        next_join[i] = g >= 0 ? pending[g] : -1;
    }
    c->rb = xcalloc(run->n_ev, sizeof *c->rb);
    long *open = xcalloc(run->n_groups, sizeof *open); /* per group: the rebalance under way, else -1 */
    for (size_t g = 0; g < run->n_groups; g++)
        open[g] = -1;
    for (size_t i = 0; i < run->n_ev; i++) {
        const sl_rf_event_t *e = &run->ev[i];
        int g = ev_group[i];
        if (g < 0)
            continue;
        if (open[g] >= 0 && !strcmp(e->kind, "group.rebalance.start"))
            open[g] = -1;
        if (open[g] >= 0 && changes_rebalance(e->kind))
            add_also(c, &c->rb[open[g]], i);
        if (!strcmp(e->kind, "group.stable"))
            open[g] = -1;
        if (!strcmp(e->kind, "group.settled") && c->first_settled_s[g] < 0)
            c->first_settled_s[g] = e->t_us / 1e6;
        /* forming the group is not a rebalance (summary.json's definition) */
        if (strcmp(e->kind, "group.rebalance.start") || c->first_settled_s[g] < 0)
            continue;
        sl_rebalance_t *rb = &c->rb[c->n_rb++];
        rb->start = i;
        rb->group = g;
        rb->number = ++count[g];
        rb->generation = -1;
        if (epochs[g])
            rb->generation = e->generation;
        else if (next_join[i] >= 0)
            rb->generation = run->ev[next_join[i]].generation;
        build_chain(run, i, rb);
        rb->first_signal = c->signal_of[c->root_of[i]];
        open[g] = (long)(c->n_rb - 1);
    }
    free(open);
    free(epochs);
    free(count);
    free(next_join);
    free(pending);
    free(ev_group);
    return c;
}

void sl_causes_free(sl_causes_t *c) {
    if (!c)
        return;
    for (size_t i = 0; i < c->n_rb; i++)
        free(c->rb[i].chain), free(c->rb[i].also), free(c->rb[i].via);
    free(c->rb), free(c->root_of), free(c->signal_of), free(c->first_settled_s);
    free(c);
}

long long sl_causes_end_us(const sl_run_t *run, const sl_causes_t *c, size_t root) {
    static const char *const ends[] = {"link.heal",      "link.restore",   "member.resumed", "member.unstalled",
                                       "broker.serving", "broker.resumed", "member.start"};
    long long end = -1;
    for (size_t i = root + 1; i < run->n_ev; i++) {
        if (c->root_of[i] != root)
            continue;
        for (size_t k = 0; k < sizeof ends / sizeof *ends; k++)
            if (!strcmp(run->ev[i].kind, ends[k]))
                end = run->ev[i].t_us;
    }
    return end;
}

/* "billing/1,billing/2,billing/3" -> "billing/1-3"; "billing/1,billing/2" -> "billing/1,2". */
static void compress_nodes(const char *list, char *out, size_t n) {
    char prev_prefix[128] = "";
    long run_start = -1, run_end = -1;
    size_t o = 0;
    out[0] = 0;
#define EMIT(...) (o += (size_t)snprintf(out + o, o < n ? n - o : 0, __VA_ARGS__), o = o < n ? o : n)
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[128];
        snprintf(item, sizeof item, "%.*s", (int)len, p);
        char *slash = strrchr(item, '/');
        char *end = NULL;
        long num = slash ? strtol(slash + 1, &end, 10) : -1;
        int numeric = slash && end && end != slash + 1 && !*end;
        if (numeric)
            slash[1] = 0; /* item is now the prefix, "billing/" */
        if (numeric && run_start >= 0 && !strcmp(item, prev_prefix) && num == run_end + 1) {
            run_end = num;
        } else {
            if (run_start >= 0 && run_end > run_start)
                EMIT(run_end > run_start + 1 ? "-%ld" : ",%ld", run_end);
            if (numeric) {
                EMIT("%s%s%ld", o ? "," : "", strcmp(item, prev_prefix) ? item : "", num);
                snprintf(prev_prefix, sizeof prev_prefix, "%s", item);
                run_start = run_end = num;
            } else {
                EMIT("%s%s", o ? "," : "", item);
                prev_prefix[0] = 0;
                run_start = run_end = -1;
            }
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    if (run_start >= 0 && run_end > run_start)
        EMIT(run_end > run_start + 1 ? "-%ld" : ",%ld", run_end);
#undef EMIT
}

char *sl_causes_label(const sl_rf_event_t *e, char *buf, size_t n) {
    const char *d = e->detail ? e->detail : "";
    char a[256], b[256];
    if (!strcmp(e->kind, "link.cut") || !strcmp(e->kind, "link.degrade")) {
        /* "A,B -> C,D (both ways)" or "A -> C: +300000us latency, ..."; the lists are as long as the
         * scenario's selectors make them (fourteen 64-character members: 940 bytes) */
        const char *sep = strstr(d, " -> ");
        size_t to_len = sep ? strcspn(sep + 4, " :(") : 0;
        char *from = sep ? strndup(d, (size_t)(sep - d)) : NULL, *to = sep ? strndup(sep + 4, to_len) : NULL;
        if (!from || !to || !*from || strchr(from, ' ') || !*to) {
            free(from), free(to);
            size_t len = strlen(d);
            if (!sep && len > 3 && !strcmp(d + len - 3, "...") && strchr(d, ',') && !strchr(d, ' ')) {
                /* the trace cut a long node list short (sim/faults.c describe()): the whole names it kept */
                char *kept = strndup(d, (size_t)(strrchr(d, ',') - d));
                if (kept) {
                    compress_nodes(kept, a, sizeof a);
                    snprintf(buf, n, "%s %s,…", strcmp(e->kind, "link.cut") ? "degrade" : "partition", a);
                    free(kept);
                    return buf;
                }
            }
            snprintf(buf, n, "%s %s", e->kind, d);
            return buf;
        }
        compress_nodes(from, a, sizeof a);
        compress_nodes(to, b, sizeof b);
        free(from), free(to);
        const char *arrow = strstr(d, "both ways") ? "↔" : "→";
        if (!strcmp(e->kind, "link.cut")) {
            snprintf(buf, n, "partition %s %s %s", a, arrow, b);
        } else {
            long lat_us = 0;
            const char *plus = strstr(d, ": +");
            if (plus)
                lat_us = strtol(plus + 3, NULL, 10);
            if (lat_us >= 1000)
                snprintf(buf, n, "degrade %s → %s +%ldms", a, b, lat_us / 1000);
            else
                snprintf(buf, n, "degrade %s → %s", a, b);
        }
    } else if (!strcmp(e->kind, "group.scale")) {
        int x, y;
        if (sscanf(d, "%d -> %d", &x, &y) == 2)
            snprintf(buf, n, "scale %s %d→%d", e->group ? e->group : "", x, y);
        else
            snprintf(buf, n, "scale %s %s", e->group ? e->group : "", d);
    } else if (!strcmp(e->kind, "action.set") && e->group) {
        snprintf(buf, n, "config change %s%s", e->group, strstr(d, "rolling") ? " (rolling restart)" : "");
    } else {
        /* "restart (hard) broker/1", "pause billing/3": the node list is the last word */
        const char *sp = strrchr(d, ' ');
        if (sp && strchr(sp, ',')) {
            compress_nodes(sp + 1, a, sizeof a);
            snprintf(buf, n, "%.*s %s", (int)(sp - d), d, a);
        } else {
            snprintf(buf, n, "%s", d[0] ? d : e->kind);
        }
    }
    return buf;
}

void sl_causes_group_end(const sl_run_t *run, int g, char *buf, size_t n) {
    buf[0] = 0;
    json_t *sum = json_object_get(json_object_get(run->summary, "groups"), run->groups[g]);
    if (!sum || !json_is_null(json_object_get(sum, "stable_from_s")))
        return;
    /* each member process's last word: started, or stopped for good (crashed) */
    int crashed = 0, members = 0;
    const sl_rf_event_t *first_crash = NULL;
    char (*seen)[160] = NULL;
    int *state = NULL; /* 1 running, 2 crashed */
    for (size_t i = 0; i < run->n_ev; i++) {
        const sl_rf_event_t *e = &run->ev[i];
        if (e->gi != g || !e->node)
            continue;
        int st = !strcmp(e->kind, "member.start") ? 1 : !strcmp(e->kind, "member.crashed") ? 2 : 0;
        if (!st)
            continue;
        int k = 0;
        while (k < members && strcmp(seen[k], e->node))
            k++;
        if (k == members) {
            void *ns = realloc(seen, (size_t)(members + 1) * sizeof *seen), *nt = NULL;
            if (ns)
                seen = ns;
            if (ns && (nt = realloc(state, (size_t)(members + 1) * sizeof *state)))
                state = nt;
            if (!ns || !nt)
                break;
            snprintf(seen[members], sizeof seen[0], "%s", e->node);
            state[members++] = 0;
        }
        state[k] = st;
        if (st == 2 && !first_crash)
            first_crash = e;
    }
    for (int k = 0; k < members; k++)
        crashed += state[k] == 2;
    free(seen);
    free(state);
    size_t o = 0;
    if (crashed) {
        char t[32], tr[32], label[512];
        sl_fmt_clock(t, sizeof t, first_crash->t_us);
        /* and what it descends from: the event to look at */
        const sl_rf_event_t *root = first_crash;
        for (int hops = 0; root->cause >= 0 && (size_t)root->cause < run->n_ev && hops < 100000; hops++)
            root = &run->ev[root->cause];
        sl_fmt_clock(tr, sizeof tr, root->t_us);
        o += (size_t)snprintf(buf, n, "%s (%d of %d; the first at %s, %s: %s; root: %s at %s)",
                              crashed == members ? "every member crashed" : "members crashed", crashed, members, t,
                              first_crash->node, first_crash->detail ? first_crash->detail : "?",
                              sl_causes_label(root, label, sizeof label), tr);
        if (crashed == members)
            return;
    }
    if (o < n)
        snprintf(buf + o, n - o, "%sit was still rebalancing when the run ended", o ? " and " : "");
}
