/*
 * What each member process was doing, from the trace alone (docs/plots.md,
 * "swimlane states").  One pass over the events, every group at once:
 * member.* events on a member's own node move its lane; link.cut/heal and
 * broker down/up change what every member can reach; the coordinator's
 * member.session_expired / member.removed (on a broker node, naming the
 * member id) mark the member expelled before it learns of it.
 */
#include "lanes.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CUTS 256
#define MAX_BROKERS 1024

typedef struct {
    int gi, number;      /* group index, N of <group>/N */
    const char *node;
    int running;         /* 0 never started, 1 running, 2 stopped, 3 crashed */
    int phase;           /* SL_LANE_REJOINING, SYNCING, REVOKING or CONSUMING (assignment received) */
    int holds;           /* partitions held */
    int paused, stalled, expelled;
    int coordinator;     /* broker id the member believes is its coordinator, -1 unknown */
    const char *member;  /* current member id (borrowed from the run) */
    int shown;           /* state of the open segment, -1 none */
    double since;
} lane_t;

struct sl_lanes_s {
    lane_t *lane;
    size_t n_lane;
    sl_lane_seg_t *seg;
    size_t n_seg, cap_seg;
};

/* The network and the brokers as the members see them. */
typedef struct {
    const sl_rf_event_t *cut[MAX_CUTS]; /* active link.cut events */
    int n_cut;
    unsigned char known[MAX_BROKERS], down[MAX_BROKERS], paused[MAX_BROKERS];
} world_t;

static int broker_id(const char *node) {
    if (!node || strncmp(node, "broker/", 7))
        return -1;
    char *end;
    long v = strtol(node + 7, &end, 10);
    return *end || v < 0 || v >= MAX_BROKERS ? -1 : (int)v;
}

/* Whether comma-separated list [s, end) names node exactly. */
static int list_has(const char *s, const char *end, const char *node) {
    size_t n = strlen(node);
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *stop = comma ? comma : end;
        if ((size_t)(stop - s) == n && !memcmp(s, node, n))
            return 1;
        s = stop + 1;
    }
    return 0;
}

/* A cut's detail is "FROM,... -> TO,... (both ways|one way)": either direction stops a request or its answer. */
static int cut_between(const sl_rf_event_t *cut, const char *a, const char *b) {
    const char *d = cut->detail, *arrow = d ? strstr(d, " -> ") : NULL;
    if (!arrow)
        return 0;
    const char *to = arrow + 4, *to_end = strstr(to, " (");
    if (!to_end)
        to_end = to + strlen(to);
    return (list_has(d, arrow, a) && list_has(to, to_end, b)) || (list_has(d, arrow, b) && list_has(to, to_end, a));
}

static int reachable(const world_t *w, const char *node, int broker) {
    if (broker < 0 || w->down[broker] || w->paused[broker])
        return 0;
    char name[32];
    snprintf(name, sizeof name, "broker/%d", broker);
    for (int i = 0; i < w->n_cut; i++)
        if (cut_between(w->cut[i], node, name))
            return 0;
    return 1;
}

/* A trace that names no broker says nothing about reachability: then every member can fetch. */
static int any_reachable(const world_t *w, const char *node) {
    int known = 0;
    for (int b = 0; b < MAX_BROKERS; b++) {
        known |= w->known[b];
        if (w->known[b] && reachable(w, node, b))
            return 1;
    }
    return !known;
}

static int state_of(const lane_t *l, const world_t *w) {
    if (l->running == 0)
        return -1;
    if (l->running == 2)
        return SL_LANE_STOPPED;
    if (l->running == 3)
        return SL_LANE_CRASHED;
    if (l->paused)
        return SL_LANE_PAUSED;
    if (l->stalled)
        return SL_LANE_STALLED;
    if (l->expelled)
        return SL_LANE_EXPELLED;
    if (l->holds > 0 && l->phase != SL_LANE_REVOKING) {
        if (l->coordinator >= 0 && !reachable(w, l->node, l->coordinator))
            return SL_LANE_CUT_OFF;
        if (!any_reachable(w, l->node))
            return SL_LANE_FETCH_BLOCKED;
        return SL_LANE_CONSUMING;
    }
    return l->phase == SL_LANE_CONSUMING ? SL_LANE_IDLE : l->phase;
}

static void show(sl_lanes_t *ls, lane_t *l, const world_t *w, double t) {
    int now = state_of(l, w);
    if (now == l->shown)
        return;
    if (l->shown >= 0 && t > l->since) {
        if (ls->n_seg == ls->cap_seg &&
            !(ls->seg = realloc(ls->seg, (ls->cap_seg = ls->cap_seg ? 2 * ls->cap_seg : 256) * sizeof *ls->seg)))
            abort();
        ls->seg[ls->n_seg++] = (sl_lane_seg_t){l->gi, l->number, l->since, t, l->shown};
    }
    l->shown = now;
    l->since = t;
}

int sl_lanes_member_number(const char *node, const char *group) {
    size_t n = strlen(group);
    if (!node || strncmp(node, group, n) || node[n] != '/' || !node[n + 1])
        return -1;
    char *end;
    long v = strtol(node + n + 1, &end, 10);
    return *end || v < 1 || v > 100000 ? -1 : (int)v;
}

static int is(const sl_rf_event_t *e, const char *kind) { return !strcmp(e->kind, kind); }

/* A member's own event moves its lane. */
static void member_event(lane_t *l, const sl_rf_event_t *e) {
    if (is(e, "member.start")) {
        *l = (lane_t){.gi = l->gi, .number = l->number, .node = l->node, .running = 1, .phase = SL_LANE_REJOINING,
                      .coordinator = -1, .shown = l->shown, .since = l->since};
        return;
    }
    if (is(e, "member.stop") || is(e, "member.crashed")) {
        l->running = is(e, "member.stop") ? 2 : 3;
        l->holds = l->paused = l->stalled = l->expelled = 0;
        l->coordinator = -1;
        return;
    }
    if (e->member)
        l->member = e->member;
    if (is(e, "member.paused") || is(e, "member.resumed"))
        l->paused = is(e, "member.paused");
    else if (is(e, "member.stalled") || is(e, "member.unstalled"))
        l->stalled = is(e, "member.stalled");
    else if (is(e, "member.coordinator_found")) {
        const char *b = e->detail ? strstr(e->detail, "broker ") : NULL;
        l->coordinator = b ? atoi(b + 7) : -1;
    } else if (is(e, "member.coordinator_unknown"))
        l->coordinator = -1;
    else if (is(e, "member.rejoin_needed")) {
        /* eager members revoke before they rejoin; cooperative ones and KIP-848 keep consuming */
        if (l->holds > 0 && e->detail && strstr(e->detail, "REBALANCE_IN_PROGRESS"))
            l->phase = SL_LANE_REVOKING;
    } else if (is(e, "member.join") || is(e, "member.id_required")) {
        l->phase = SL_LANE_REJOINING;
        l->expelled = 0;
    } else if (is(e, "member.joined")) {
        l->phase = SL_LANE_SYNCING;
        l->expelled = 0;
    } else if (is(e, "member.assigned")) {
        l->phase = SL_LANE_CONSUMING;
        l->holds = e->detail ? atoi(e->detail) : 0; /* "N partitions (+a, -b)": N held from now on */
        l->expelled = 0;
    } else if (is(e, "member.revoked")) {
        int k = e->detail ? atoi(e->detail) : l->holds;
        l->holds = k >= l->holds ? 0 : l->holds - k;
        if (l->phase == SL_LANE_REVOKING)
            l->phase = SL_LANE_REJOINING;
    } else if (is(e, "member.lost") || is(e, "member.fenced") || is(e, "member.session_timeout") ||
               is(e, "member.poll_timeout") || is(e, "member.revocation_timeout")) {
        l->holds = 0;
        l->expelled = 0;
        l->phase = SL_LANE_REJOINING;
    }
}

static int cmp_lane(const void *a, const void *b) {
    const lane_t *x = a, *y = b;
    return x->gi != y->gi ? x->gi - y->gi : x->number - y->number;
}

/* The first lane at or after (gi, number) in the sorted lanes. */
static size_t lower_bound(const sl_lanes_t *ls, int gi, int number) {
    size_t lo = 0, hi = ls->n_lane;
    lane_t key = {.gi = gi, .number = number};
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_lane(&ls->lane[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Lane (gi, number) once the lanes are sorted, else NULL: O(log lanes), a
 * 100,000-member run has as many lanes. */
static lane_t *find_lane(sl_lanes_t *ls, int gi, int number) {
    size_t i = lower_bound(ls, gi, number);
    return i < ls->n_lane && ls->lane[i].gi == gi && ls->lane[i].number == number ? &ls->lane[i] : NULL;
}

/* The set of (group, number) lanes seen while collecting them: open
 * addressing, at most half full. */
typedef struct {
    uint64_t *key; /* (gi + 1) << 32 | number; 0 empty */
    size_t cap, n;
} seen_t;

static uint64_t seen_key(int gi, int number) { return (uint64_t)(gi + 1) << 32 | (uint32_t)number; }

/* Adds the key; 1 when it was new. */
static int seen_add(seen_t *h, uint64_t key) {
    if (2 * (h->n + 1) > h->cap) {
        seen_t g = {calloc(h->cap ? h->cap * 2 : 1024, sizeof *g.key), h->cap ? h->cap * 2 : 1024, 0};
        if (!g.key)
            abort();
        for (size_t i = 0; i < h->cap; i++)
            if (h->key[i])
                seen_add(&g, h->key[i]);
        free(h->key);
        *h = g;
    }
    size_t i = (size_t)(key * UINT64_C(0x9E3779B97F4A7C15) >> 20) & (h->cap - 1);
    for (; h->key[i]; i = (i + 1) & (h->cap - 1))
        if (h->key[i] == key)
            return 0;
    h->key[i] = key;
    h->n++;
    return 1;
}

sl_lanes_t *sl_lanes_new(const sl_run_t *run, int max_lanes) {
    sl_lanes_t *ls = calloc(1, sizeof *ls);
    world_t *w = calloc(1, sizeof *w);
    if (!ls || !w)
        abort();
    /* the lanes: member nodes of each group, numbers up to max_lanes */
    seen_t seen = {0};
    size_t cap = 0;
    for (size_t i = 0; i < run->n_ev; i++) {
        const sl_rf_event_t *e = &run->ev[i];
        int b = broker_id(e->node);
        if (b >= 0)
            w->known[b] = 1;
        int n = e->gi < 0 || strncmp(e->kind, "member.", 7) ? -1 : sl_lanes_member_number(e->node, run->groups[e->gi]);
        if (n < 0 || n > max_lanes || !seen_add(&seen, seen_key(e->gi, n)))
            continue;
        if (ls->n_lane == cap && !(ls->lane = realloc(ls->lane, (cap = cap ? cap * 2 : 64) * sizeof *ls->lane)))
            abort();
        ls->lane[ls->n_lane++] = (lane_t){.gi = e->gi, .number = n, .node = e->node, .coordinator = -1, .shown = -1};
    }
    free(seen.key);
    qsort(ls->lane, ls->n_lane, sizeof *ls->lane, cmp_lane);
    for (size_t i = 0; i < run->n_ev; i++) {
        const sl_rf_event_t *e = &run->ev[i];
        double t = e->t_us / 1e6;
        int b = broker_id(e->node), world = 0;
        if (is(e, "link.cut") && w->n_cut < MAX_CUTS)
            w->cut[w->n_cut++] = e, world = 1;
        else if (is(e, "link.heal")) {
            for (int k = 0; k < w->n_cut; k++)
                if (w->cut[k]->seq == e->cause)
                    w->cut[k--] = w->cut[--w->n_cut];
            world = 1;
        } else if (b >= 0 && (is(e, "broker.down") || is(e, "broker.serving")))
            w->down[b] = is(e, "broker.down"), world = 1;
        else if (b >= 0 && (is(e, "broker.paused") || is(e, "broker.resumed")))
            w->paused[b] = is(e, "broker.paused"), world = 1;
        if (world) {
            for (size_t k = 0; k < ls->n_lane; k++)
                show(ls, &ls->lane[k], w, t);
            continue;
        }
        if (e->gi < 0 || strncmp(e->kind, "member.", 7))
            continue;
        if (b >= 0 && e->member && (is(e, "member.session_expired") || is(e, "member.removed"))) {
            for (size_t k = lower_bound(ls, e->gi, 0); k < ls->n_lane && ls->lane[k].gi == e->gi; k++) {
                lane_t *l = &ls->lane[k];
                if (l->running == 1 && l->member && !strcmp(l->member, e->member)) {
                    l->expelled = 1;
                    show(ls, l, w, t);
                }
            }
            continue;
        }
        lane_t *l = find_lane(ls, e->gi, sl_lanes_member_number(e->node, run->groups[e->gi]));
        if (!l)
            continue;
        member_event(l, e);
        show(ls, l, w, t);
    }
    for (size_t k = 0; k < ls->n_lane; k++) { /* close every open segment at the end of the run */
        lane_t *l = &ls->lane[k];
        l->running = 0;
        show(ls, l, w, run->duration_s);
    }
    free(w);
    return ls;
}

void sl_lanes_free(sl_lanes_t *ls) {
    if (!ls)
        return;
    free(ls->lane);
    free(ls->seg);
    free(ls);
}

const sl_lane_seg_t *sl_lanes_segments(const sl_lanes_t *ls, size_t *n) {
    *n = ls->n_seg;
    return ls->seg;
}

const char *const sl_lane_state_names[SL_LANE__COUNT] = {
    "consuming", "idle (no partitions)", "fetch blocked (no broker reachable)",
    "cut off from coordinator, unaware", "expelled, unaware", "rejoining", "syncing", "revoking",
    "paused (frozen)", "stalled (poll blocked)", "crashed", "stopped",
};
