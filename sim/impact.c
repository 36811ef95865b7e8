/*
 * Counterfactual impact of every scenario event (docs/outputs.md `impact`):
 * the run minus the same scenario and seed with that event removed.
 *
 * Variants are made at the scenario level: a shallow copy of the resolved
 * scenario whose `events` array leaves some events out, run in process with
 * no sinks, so a variant costs one simulation and nothing else (no process,
 * no YAML, no output files).  The fault interpreter never learns that an
 * event was removed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assert-internal.h"
#include "stormlab/outputs.h"
#include "scenario-internal.h"

/* What each metric's smallest measurable change is measured against. */
typedef enum scale_e {
    SCALE_COUNT,       /* any change of one or more */
    SCALE_DURATION,    /* 1 % of the run's duration */
    SCALE_PARTITION_S  /* 1 % of the partitions concerned times the duration */
} scale_t;

typedef struct metric_s {
    const char *name;
    bool cluster;     /* a cluster metric, else one per group */
    scale_t scale;
} metric_t;

/* The verdict's order (docs/outputs.md `impact`): data loss, crashes, the
 * time the group took to settle for good and the partitions nobody read,
 * then the storm's own counts and costs. */
static const metric_t metrics[] = {
    {"lost_records", true, SCALE_COUNT},
    {"produce_errors", true, SCALE_COUNT},
    {"crashed_members", false, SCALE_COUNT},
    {"stable_from_s", false, SCALE_DURATION},
    {"unowned_partition_s", false, SCALE_PARTITION_S},
    {"unavailable_partition_s", true, SCALE_PARTITION_S},
    {"rebalances", false, SCALE_COUNT},
    {"duplicates", false, SCALE_COUNT},
    {"max_lag", false, SCALE_COUNT},
    {"rebalance_s", false, SCALE_DURATION},
};
#define N_METRICS (int)(sizeof metrics / sizeof metrics[0])
#define SL_IMPACT_SHARE 0.01 /* smaller changes of a time are the model's timing noise, not an effect */

typedef struct entry_s {
    int event;          /* index in sc->events; -1 for a baseline */
    const char *name;   /* baselines: "faults_only", "nothing_injected" */
    bool *removed;      /* n_events: what the variant leaves out */
    int n_removed;
    double *delta;      /* this run minus the variant, values_len */
    int verdict;        /* SL_IMPACT_* */
    int decided_metric; /* index in metrics, -1 for none */
    int decided_group;  /* -1 for a cluster metric */
    double decided_delta;
} entry_t;

struct sl_impact_s {
    const sl_scenario_t *sc; /* not owned */
    int n_groups;
    double *base;            /* values of the run itself */
    entry_t *entries;        /* n_events events, then the two baselines */
    int n_entries;
};

static int n_values(const sl_scenario_t *sc) { return N_METRICS * (sc->n_groups + 1); }
/* Slot of metric m for group g (g = n_groups: the cluster). */
static int slot(const sl_scenario_t *sc, int m, int g) { return m * (sc->n_groups + 1) + g; }

/* Reads the metrics of a run's results into v. */
static void collect(const sl_run_results_t *res, const sl_scenario_t *sc, double *v) {
    double end_s = (double)sc->duration_us / 1e6;
    for (int i = 0; i < n_values(sc); i++)
        v[i] = 0;
    for (int g = 0; g < sc->n_groups && g < res->n_groups; g++) {
        const sl_group_result_t *r = &res->groups[g];
        for (int m = 0; m < N_METRICS; m++) {
            double x = 0;
            const char *n = metrics[m].name;
            if (metrics[m].cluster) continue;
            if (!strcmp(n, "rebalances")) x = r->rebalances;
            else if (!strcmp(n, "rebalance_s")) x = r->rebalance_s;
            /* A group that never settles counts as settling at the run's end: a lower bound of its cost. */
            else if (!strcmp(n, "stable_from_s")) x = r->stable_from_s < 0 ? end_s : r->stable_from_s;
            else if (!strcmp(n, "unowned_partition_s")) x = r->unowned_partition_s;
            else if (!strcmp(n, "duplicates")) x = (double)r->duplicates;
            else if (!strcmp(n, "max_lag")) x = (double)r->max_lag;
            else if (!strcmp(n, "crashed_members")) x = r->crashed_members;
            v[slot(sc, m, g)] = x;
        }
    }
    const sl_cluster_result_t *c = &res->cluster;
    for (int m = 0; m < N_METRICS; m++) {
        const char *n = metrics[m].name;
        if (!metrics[m].cluster) continue;
        v[slot(sc, m, sc->n_groups)] = !strcmp(n, "lost_records")     ? (double)c->lost_records
                                       : !strcmp(n, "produce_errors") ? (double)c->produce_errors
                                                                      : c->unavailable_partition_s;
    }
}

sl_err_t sl_variant_run(const sl_scenario_t *sc, const bool *removed, sl_run_results_t *res, char *errstr,
                        size_t errstr_size) {
    memset(res, 0, sizeof *res);
    sl_scenario_t variant = *sc; /* shallow: the kept events' pointers stay sc's */
    variant.events = malloc((size_t)(sc->n_events ? sc->n_events : 1) * sizeof *variant.events);
    res->groups = calloc((size_t)(sc->n_groups ? sc->n_groups : 1), sizeof *res->groups);
    if (!variant.events || !res->groups) {
        free(variant.events);
        sl_run_results_free(res);
        return SL_E_NOMEM;
    }
    variant.n_events = 0;
    for (int i = 0; i < sc->n_events; i++)
        if (!removed || !removed[i]) variant.events[variant.n_events++] = sc->events[i];
    sl_sim_t *sim = NULL;
    sl_err_t rc = sl_sim_new(&variant, NULL, &sim, errstr, errstr_size);
    if (rc == SL_OK) rc = sl_sim_run(sim);
    if (rc == SL_OK) {
        res->n_groups = sc->n_groups;
        for (int g = 0; g < sc->n_groups; g++)
            sl_sim_group_result(sim, g, &res->groups[g]);
        sl_sim_cluster_result(sim, &res->cluster);
    }
    sl_sim_destroy(sim);
    free(variant.events);
    if (rc != SL_OK) sl_run_results_free(res);
    return rc;
}

/* Runs sc without the events marked in removed; v receives its metrics. */
static sl_err_t run_variant(const sl_scenario_t *sc, const bool *removed, double *v, char *errstr,
                            size_t errstr_size) {
    sl_run_results_t res;
    sl_err_t rc = sl_variant_run(sc, removed, &res, errstr, errstr_size);
    if (rc == SL_OK) collect(&res, sc, v);
    sl_run_results_free(&res);
    return rc;
}

/* The most members group g has with the events in removed left out. */
static int max_members_without(const sl_scenario_t *sc, int g, const bool *removed) {
    int n = sc->groups[g].members;
    for (int e = 0; e < sc->n_events; e++)
        if (!removed[e] && sc->events[e].kind == SL_EV_SCALE && sc->events[e].group == g && sc->events[e].members > n)
            n = sc->events[e].members;
    return n;
}

static bool names_missing_member(const sl_scenario_t *sc, const sl_selector_t *s, int n, const bool *removed) {
    for (int i = 0; i < n; i++)
        if (s[i].kind == SL_SEL_MEMBER && s[i].index > max_members_without(sc, s[i].group, removed)) return true;
    return false;
}

/* Removes, with the events already marked, every event that cannot exist
 * without them: one whose selector names a member only a removed `scale`
 * creates.  Repeats until nothing changes (removals can cascade). */
static void close_dependents(const sl_scenario_t *sc, bool *removed) {
    for (bool changed = true; changed;) {
        changed = false;
        for (int j = 0; j < sc->n_events; j++) {
            const sl_event_cfg_t *e = &sc->events[j];
            if (removed[j]) continue;
            if (names_missing_member(sc, e->from, e->n_from, removed) ||
                names_missing_member(sc, e->to, e->n_to, removed) ||
                names_missing_member(sc, e->targets, e->n_targets, removed)) {
                removed[j] = changed = true;
            }
        }
    }
}

static double round_ms(double v) {
    double r = round(v * 1000) / 1000;
    return r == 0 ? 0 : r; /* no -0 in the output */
}

/* Partitions a group reads (g < n_groups) or all topic partitions (the cluster). */
static double partitions_of(const sl_scenario_t *sc, int g) {
    double n = 0;
    if (g < sc->n_groups)
        for (int t = 0; t < sc->groups[g].n_topics; t++) n += sc->topics[sc->groups[g].topics[t]].partitions;
    else
        for (int t = 0; t < sc->n_topics; t++) n += sc->topics[t].partitions;
    return n;
}

/* The smallest change of metric m, summed over its groups, that counts. */
static double measurable(const sl_scenario_t *sc, int m) {
    double dur_s = (double)sc->duration_us / 1e6;
    switch (metrics[m].scale) {
    case SCALE_COUNT: return 0.5;
    case SCALE_DURATION: return SL_IMPACT_SHARE * dur_s;
    case SCALE_PARTITION_S: {
        double parts = 0;
        if (metrics[m].cluster) parts = partitions_of(sc, sc->n_groups);
        else for (int g = 0; g < sc->n_groups; g++) parts += partitions_of(sc, g);
        return SL_IMPACT_SHARE * dur_s * (parts > 0 ? parts : 1);
    }
    }
    return 0.5;
}

/* The verdict: the first metric (in the table's order) whose change over
 * the groups is measurable decides, by its sign. */
static void decide(const sl_scenario_t *sc, entry_t *e) {
    e->verdict = SL_IMPACT_NONE;
    e->decided_metric = e->decided_group = -1;
    e->decided_delta = 0;
    for (int m = 0; m < N_METRICS; m++) {
        double total = 0, biggest = 0;
        int at = -1;
        int lo = metrics[m].cluster ? sc->n_groups : 0, hi = metrics[m].cluster ? sc->n_groups + 1 : sc->n_groups;
        for (int g = lo; g < hi; g++) {
            double d = e->delta[slot(sc, m, g)];
            total += d;
            if (fabs(d) > fabs(biggest)) biggest = d, at = g;
        }
        if (fabs(total) < measurable(sc, m) || at < 0) continue;
        e->verdict = total > 0 ? SL_IMPACT_WORSE : SL_IMPACT_BETTER;
        e->decided_metric = m;
        e->decided_group = at == sc->n_groups ? -1 : at;
        e->decided_delta = biggest;
        return;
    }
}

static sl_err_t fill(const sl_impact_t *im, entry_t *e, double *scratch, char *errstr, size_t errstr_size) {
    const sl_scenario_t *sc = im->sc;
    close_dependents(sc, e->removed);
    e->n_removed = 0;
    for (int i = 0; i < sc->n_events; i++)
        e->n_removed += e->removed[i];
    sl_err_t rc = run_variant(sc, e->removed, scratch, errstr, errstr_size);
    if (rc != SL_OK) return rc;
    for (int i = 0; i < n_values(sc); i++)
        e->delta[i] = round_ms(im->base[i] - scratch[i]);
    decide(sc, e);
    return SL_OK;
}

sl_err_t sl_impact_compute(const sl_scenario_t *sc, sl_impact_t **out, char *errstr, size_t errstr_size) {
    sl_err_t rc = SL_E_NOMEM;
    if (errstr_size) errstr[0] = 0;
    int nv = n_values(sc), ne = sc->n_events + 2;
    sl_impact_t *im = calloc(1, sizeof *im);
    double *scratch = malloc((size_t)nv * sizeof *scratch);
    if (!im || !scratch) goto err;
    im->sc = sc;
    im->n_groups = sc->n_groups;
    im->base = malloc((size_t)nv * sizeof *im->base);
    im->entries = calloc((size_t)ne, sizeof *im->entries);
    if (!im->base || !im->entries) goto err;
    im->n_entries = ne;
    for (int k = 0; k < ne; k++) {
        entry_t *e = &im->entries[k];
        e->removed = calloc((size_t)(sc->n_events ? sc->n_events : 1), sizeof *e->removed);
        e->delta = calloc((size_t)nv, sizeof *e->delta);
        if (!e->removed || !e->delta) goto err;
        e->event = k < sc->n_events ? k : -1;
        if (k < sc->n_events) e->removed[k] = true;
        else if (k == sc->n_events) {
            e->name = "faults_only"; /* every operator action removed */
            for (int i = 0; i < sc->n_events; i++)
                e->removed[i] = sc->events[i].is_action;
        } else {
            e->name = "nothing_injected";
            for (int i = 0; i < sc->n_events; i++)
                e->removed[i] = true;
        }
    }
    if ((rc = run_variant(sc, NULL, im->base, errstr, errstr_size)) != SL_OK) goto err;
    for (int k = 0; k < ne; k++)
        if ((rc = fill(im, &im->entries[k], scratch, errstr, errstr_size)) != SL_OK) goto err;
    free(scratch);
    *out = im;
    return SL_OK;
err:
    if (!errstr[0]) snprintf(errstr, errstr_size, "out of memory computing the impact");
    free(scratch);
    sl_impact_destroy(im);
    return rc;
}

void sl_impact_destroy(sl_impact_t *im) {
    if (!im) return;
    for (int k = 0; im->entries && k < im->n_entries; k++) {
        free(im->entries[k].removed);
        free(im->entries[k].delta);
    }
    free(im->entries);
    free(im->base);
    free(im);
}

int sl_impact_count(const sl_impact_t *im) { return im->sc->n_events; }

static const char *const verdict_names[] = {"none", "worse", "better"};

sl_err_t sl_impact_entry(const sl_impact_t *im, int i, sl_impact_entry_t *out) {
    const sl_scenario_t *sc = im->sc;
    if (i < 0 || i >= im->n_entries) return SL_E_INVAL;
    const entry_t *e = &im->entries[i];
    memset(out, 0, sizeof *out);
    out->event = e->event;
    out->baseline = e->name;
    out->at_s = e->event >= 0 ? (double)sc->events[e->event].at_us / 1e6 : 0;
    out->is_action = e->event >= 0 && sc->events[e->event].is_action;
    out->verdict = (sl_impact_verdict_t)e->verdict;
    out->verdict_name = verdict_names[e->verdict];
    out->decided_by = e->decided_metric >= 0 ? metrics[e->decided_metric].name : NULL;
    out->decided_group = e->decided_group >= 0 ? sc->groups[e->decided_group].id : NULL;
    out->decided_delta = e->decided_delta;
    out->n_removed = e->n_removed;
    return SL_OK;
}

/* Counts as integers, times as summary.json writes them. */
static void put_value(FILE *f, int m, double v) {
    if (metrics[m].scale != SCALE_COUNT)
        sl_json_num(f, v);
    else
        fprintf(f, "%lld", (long long)llround(v));
}

static void write_delta(FILE *f, const sl_scenario_t *sc, const entry_t *e) {
    fputs("{\"groups\": {", f);
    for (int g = 0; g < sc->n_groups; g++) {
        if (g) fputs(", ", f);
        sl_json_str(f, sc->groups[g].id);
        fputs(": {", f);
        int k = 0;
        for (int m = 0; m < N_METRICS; m++) {
            if (metrics[m].cluster) continue;
            fprintf(f, "%s\"%s\": ", k++ ? ", " : "", metrics[m].name);
            put_value(f, m, e->delta[slot(sc, m, g)]);
        }
        fputc('}', f);
    }
    fputs("}, \"cluster\": {", f);
    int k = 0;
    for (int m = 0; m < N_METRICS; m++) {
        if (!metrics[m].cluster) continue;
        fprintf(f, "%s\"%s\": ", k++ ? ", " : "", metrics[m].name);
        put_value(f, m, e->delta[slot(sc, m, sc->n_groups)]);
    }
    fputs("}}", f);
}

static void write_decided(FILE *f, const sl_scenario_t *sc, const entry_t *e) {
    fprintf(f, ", \"verdict\": \"%s\", \"decided_by\": ", verdict_names[e->verdict]);
    if (e->decided_metric < 0) {
        fputs("null", f);
        return;
    }
    char key[SL_MAX_NAME + 64];
    if (e->decided_group >= 0)
        snprintf(key, sizeof key, "groups.%s.%s", sc->groups[e->decided_group].id, metrics[e->decided_metric].name);
    else
        snprintf(key, sizeof key, "cluster.%s", metrics[e->decided_metric].name);
    sl_json_str(f, key);
}

static void write_removed(FILE *f, const sl_scenario_t *sc, const entry_t *e) {
    fputs(", \"removed\": [", f);
    for (int i = 0, k = 0; i < sc->n_events; i++)
        if (e->removed[i]) fprintf(f, "%s%d", k++ ? ", " : "", i);
    fputc(']', f);
}

sl_err_t sl_impact_write_json(const sl_impact_t *im, FILE *f) {
    const sl_scenario_t *sc = im->sc;
    fputc('[', f);
    for (int i = 0; i < sc->n_events; i++) {
        const entry_t *e = &im->entries[i];
        char what[1024];
        sl_scenario_event_line(sc, i, what, sizeof what);
        fprintf(f, "%s\n  {\"event\": %d, \"at_s\": ", i ? "," : "", i);
        sl_json_num(f, (double)sc->events[i].at_us / 1e6);
        fputs(", \"what\": ", f);
        sl_json_str(f, what);
        fprintf(f, ", \"kind\": \"%s\"", sc->events[i].is_action ? "action" : "fault");
        write_removed(f, sc, e);
        fputs(", \"delta\": ", f);
        write_delta(f, sc, e);
        write_decided(f, sc, e);
        fputc('}', f);
    }
    fputs("],\n \"impact_baselines\": {", f);
    for (int k = sc->n_events; k < im->n_entries; k++) {
        const entry_t *e = &im->entries[k];
        fprintf(f, "%s\n  \"%s\": {", k > sc->n_events ? "," : "", e->name);
        fputs("\"delta\": ", f);
        write_delta(f, sc, e);
        write_removed(f, sc, e);
        write_decided(f, sc, e);
        fputc('}', f);
    }
    fputc('}', f);
    return ferror(f) ? SL_E_IO : SL_OK;
}

/* ---- impact gates (docs/scenarios.md#impact-gates) ---- */

static const char *const selector_names[] = {
    [SL_IMPACT_SEL_EVENTS] = "every event",
    [SL_IMPACT_SEL_FAULTS] = "every fault",
    [SL_IMPACT_SEL_ACTIONS] = "every action",
    [SL_IMPACT_SEL_EVENT] = "event",
};

static bool covers(const sl_scenario_t *sc, const sl_expect_cfg_t *x, int i) {
    switch (x->sel) {
    case SL_IMPACT_SEL_EVENTS: return true;
    case SL_IMPACT_SEL_FAULTS: return !sc->events[i].is_action;
    case SL_IMPACT_SEL_ACTIONS: return sc->events[i].is_action;
    case SL_IMPACT_SEL_EVENT: return i == x->event;
    }
    return false;
}

/* The gate's delta for entry e: its group's, the sum over the groups, or the cluster's. */
static double gate_delta(const sl_scenario_t *sc, const sl_expect_cfg_t *x, const entry_t *e) {
    int m = 0;
    while (m < N_METRICS && strcmp(metrics[m].name, sl_metric_name(x->metric)) != 0) m++;
    SL_ASSERT(m < N_METRICS);
    if (metrics[m].cluster) return e->delta[slot(sc, m, sc->n_groups)];
    if (x->group >= 0) return e->delta[slot(sc, m, x->group)];
    double sum = 0;
    for (int g = 0; g < sc->n_groups; g++) sum += e->delta[slot(sc, m, g)];
    return round_ms(sum);
}

/* How far inside its bounds v is (negative: outside). */
static double margin(const sl_expect_cfg_t *x, double v) {
    double lo = x->has_min ? v - x->min : INFINITY, hi = x->has_max ? x->max - v : INFINITY;
    return lo < hi ? lo : hi;
}

sl_err_t sl_impact_expect_eval(const sl_impact_t *im, int i, sl_expect_result_t *out) {
    const sl_scenario_t *sc = im->sc;
    if (i < 0 || i >= sc->n_expects || !sc->expects[i].impact) return SL_E_INVAL;
    const sl_expect_cfg_t *x = &sc->expects[i];
    sl_expect_result_init(sc, x, out);
    out->is_impact = 1;
    out->selector = selector_names[x->sel];
    out->passed = 1;
    bool verdict = x->metric == SL_M_VERDICT;
    if (verdict) out->verdict_bound = sl_verdict_specs[x->verdict_spec].name;
    double best = INFINITY;
    for (int k = 0; k < sc->n_events; k++) {
        if (!covers(sc, x, k)) continue;
        const entry_t *e = &im->entries[k];
        out->n_events++;
        bool ok;
        double v = 0, room;
        if (verdict) {
            ok = (sl_verdict_specs[x->verdict_spec].accepts >> e->verdict) & 1u;
            room = ok ? 1 : -1;
        } else {
            v = gate_delta(sc, x, e);
            room = margin(x, v);
            ok = room >= 0;
        }
        /* the first breach decides; with none, the event closest to its bound */
        if ((!ok && out->passed) || (out->passed && room < best)) {
            best = room;
            out->event = k;
            out->value = v;
            out->has_value = 1;
            out->verdict = verdict_names[e->verdict];
        }
        if (!ok) out->passed = 0;
    }
    return SL_OK;
}
