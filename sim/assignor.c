/*
 * Client-side assignors, as the group leader runs them (Kafka's
 * RangeAssignor, RoundRobinAssignor, StickyAssignor and
 * CooperativeStickyAssignor).  Members arrive sorted by member id, the
 * order Kafka's assignors use, each with the partitions it claims (its
 * previous assignment for the eager sticky assignor, what it owns now for
 * cooperative-sticky).
 */
#include <stdlib.h>
#include <string.h>

#include "model-internal.h"

static int push(int **out, int *out_n, int m, int part) {
    int *a = realloc(out[m], (size_t)(out_n[m] + 1) * sizeof(int));
    if (!a)
        return -1;
    out[m] = a;
    a[out_n[m]++] = part;
    return 0;
}

/* Range: per topic, consecutive partition ranges; the first members get
 * one extra when the division is not exact. */
static int range(const sl_group_t *g, int n, int **out, int *out_n) {
    const sl_scenario_t *sc = g->sim->sc;
    int base = 0;
    for (int t = 0; t < g->cfg->n_topics; t++) {
        int np = sc->topics[g->cfg->topics[t]].partitions;
        int per = np / n, extra = np % n;
        for (int m = 0; m < n; m++) {
            int start = m * per + (m < extra ? m : extra);
            int len = per + (m < extra);
            for (int k = 0; k < len; k++)
                if (push(out, out_n, m, base + start + k) < 0)
                    return -1;
        }
        base += np;
    }
    return 0;
}

typedef struct topic_order_s {
    const char *name;
    int base, n;
} topic_order_t;

static int cmp_topic(const void *a, const void *b) {
    return strcmp(((const topic_order_t *)a)->name, ((const topic_order_t *)b)->name);
}

/* All partitions sorted by topic name, then partition: the order both
 * round robin and the sticky assignors walk. */
static int *sorted_partitions(const sl_group_t *g) {
    const sl_scenario_t *sc = g->sim->sc;
    int nt = g->cfg->n_topics;
    topic_order_t *order = malloc((size_t)(nt ? nt : 1) * sizeof *order);
    int *parts = malloc((size_t)(g->n_parts ? g->n_parts : 1) * sizeof *parts);
    if (!order || !parts) {
        free(order);
        free(parts);
        return NULL;
    }
    int base = 0;
    for (int t = 0; t < nt; t++) {
        order[t].name = sc->topics[g->cfg->topics[t]].name;
        order[t].base = base;
        order[t].n = sc->topics[g->cfg->topics[t]].partitions;
        base += order[t].n;
    }
    qsort(order, (size_t)nt, sizeof *order, cmp_topic);
    int k = 0;
    for (int t = 0; t < nt; t++)
        for (int i = 0; i < order[t].n; i++)
            parts[k++] = order[t].base + i;
    free(order);
    return parts;
}

static int roundrobin(const sl_group_t *g, int n, int **out, int *out_n) {
    int *parts = sorted_partitions(g);
    if (!parts)
        return -1;
    int rc = 0;
    for (int k = 0; k < g->n_parts && rc == 0; k++)
        rc = push(out, out_n, k % n, parts[k]);
    free(parts);
    return rc;
}

/* Sticky (AbstractStickyAssignor's constrained assignment, all members
 * subscribed to the same topics): every member keeps what it claims up to
 * its quota (maxQuota while members with an extra partition remain, else
 * minQuota); what is left goes first to members below minQuota, then one
 * each to members that may still reach maxQuota. */
static int sticky(const sl_group_t *g, int n, const int *const *claimed, const int *claimed_n, int **out,
                  int *out_n) {
    int P = g->n_parts;
    int min_q = P / n, max_q = (P + n - 1) / n, with_max = P % n; /* members that get max_q */
    char *taken = calloc((size_t)(P ? P : 1), 1);
    if (!taken)
        return -1;
    for (int m = 0; m < n; m++) {
        int keep = 0, limit;
        int valid = 0;
        for (int k = 0; claimed && k < claimed_n[m]; k++)
            valid += claimed[m][k] >= 0 && claimed[m][k] < P && !taken[claimed[m][k]];
        if (valid <= min_q)
            limit = valid;
        else if (with_max > 0 && max_q > min_q) {
            limit = max_q;
            with_max--;
        } else
            limit = min_q;
        for (int k = 0; claimed && k < claimed_n[m] && keep < limit; k++) {
            int p = claimed[m][k];
            if (p < 0 || p >= P || taken[p])
                continue;
            taken[p] = 1;
            keep++;
            if (push(out, out_n, m, p) < 0)
                goto fail;
        }
    }
    int *order = sorted_partitions(g);
    if (!order)
        goto fail;
    int next = 0;
    /* Fill members below minQuota, in member order. */
    for (int m = 0; m < n; m++)
        while (out_n[m] < min_q) {
            while (next < P && taken[order[next]])
                next++;
            if (next == P)
                break;
            taken[order[next]] = 1;
            if (push(out, out_n, m, order[next]) < 0) {
                free(order);
                goto fail;
            }
        }
    /* Then one more each for members allowed maxQuota. */
    for (int m = 0; m < n && with_max > 0; m++) {
        if (out_n[m] != min_q)
            continue;
        while (next < P && taken[order[next]])
            next++;
        if (next == P)
            break;
        taken[order[next]] = 1;
        with_max--;
        if (push(out, out_n, m, order[next]) < 0) {
            free(order);
            goto fail;
        }
    }
    free(order);
    free(taken);
    return 0;
fail:
    free(taken);
    return -1;
}

/* CooperativeStickyAssignor: the sticky assignment, minus every partition
 * that another member still owns: that owner must revoke it first, and it
 * moves in the next rebalance (KIP-429's two generations). */
static int cooperative_sticky(const sl_group_t *g, int n, const int *const *owned, const int *owned_n,
                              int **out, int *out_n) {
    if (sticky(g, n, owned, owned_n, out, out_n) < 0)
        return -1;
    int P = g->n_parts;
    int *owner = malloc((size_t)(P ? P : 1) * sizeof *owner);
    if (!owner)
        return -1;
    for (int p = 0; p < P; p++)
        owner[p] = -1;
    for (int m = 0; m < n; m++)
        for (int k = 0; owned && k < owned_n[m]; k++)
            if (owned[m][k] >= 0 && owned[m][k] < P && owner[owned[m][k]] < 0)
                owner[owned[m][k]] = m;
    for (int m = 0; m < n; m++) {
        int w = 0;
        for (int k = 0; k < out_n[m]; k++) {
            int p = out[m][k];
            if (owner[p] < 0 || owner[p] == m)
                out[m][w++] = p;
        }
        out_n[m] = w;
    }
    free(owner);
    return 0;
}

bool sl_assignor_is_cooperative(sl_assignor_t a) { return a == SL_ASSIGN_COOPERATIVE_STICKY; }

int sl_assign(sl_assignor_t a, const sl_group_t *g, int n_members, const int *const *claimed,
              const int *claimed_n, int **out, int *out_n) {
    for (int i = 0; i < n_members; i++) {
        out[i] = NULL;
        out_n[i] = 0;
    }
    if (n_members == 0)
        return 0;
    switch (a) {
    case SL_ASSIGN_ROUNDROBIN: return roundrobin(g, n_members, out, out_n);
    case SL_ASSIGN_RANGE: return range(g, n_members, out, out_n);
    case SL_ASSIGN_STICKY: return sticky(g, n_members, claimed, claimed_n, out, out_n);
    case SL_ASSIGN_COOPERATIVE_STICKY: return cooperative_sticky(g, n_members, claimed, claimed_n, out, out_n);
    default: return -1; /* uniform is a broker-side (KIP-848) assignor */
    }
}
