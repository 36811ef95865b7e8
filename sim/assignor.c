/*
 * Client-side eager assignors, as the group leader runs them (Kafka's
 * RangeAssignor and RoundRobinAssignor).  Members arrive sorted by member
 * id, which is the order both assignors use.
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

/* Round robin over all partitions sorted by topic name, then partition. */
static int roundrobin(const sl_group_t *g, int n, int **out, int *out_n) {
    const sl_scenario_t *sc = g->sim->sc;
    int nt = g->cfg->n_topics;
    topic_order_t *order = malloc((size_t)(nt ? nt : 1) * sizeof *order);
    if (!order)
        return -1;
    int base = 0;
    for (int t = 0; t < nt; t++) {
        order[t].name = sc->topics[g->cfg->topics[t]].name;
        order[t].base = base;
        order[t].n = sc->topics[g->cfg->topics[t]].partitions;
        base += order[t].n;
    }
    qsort(order, (size_t)nt, sizeof *order, cmp_topic);
    int m = 0, rc = 0;
    for (int t = 0; t < nt && rc == 0; t++)
        for (int k = 0; k < order[t].n && rc == 0; k++) {
            rc = push(out, out_n, m, order[t].base + k);
            m = (m + 1) % n;
        }
    free(order);
    return rc;
}

int sl_assign(sl_assignor_t a, const sl_group_t *g, int n_members, int **out, int *out_n) {
    for (int i = 0; i < n_members; i++) {
        out[i] = NULL;
        out_n[i] = 0;
    }
    if (n_members == 0)
        return 0;
    switch (a) {
    case SL_ASSIGN_ROUNDROBIN: return roundrobin(g, n_members, out, out_n);
    case SL_ASSIGN_RANGE: return range(g, n_members, out, out_n);
    default: return -1; /* the simulator refuses these at sl_sim_new() */
    }
}
