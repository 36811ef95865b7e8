/* Evaluating and ranking advise's candidates (search.h). */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/exit_codes.h"
#include "gate/pool.h"
#include "search.h"

/* Each group's results, then the cluster's, as the child sends them: the
 * numbers in a fixed order, printed exactly (%.17g) so the parent reads
 * back the values the child computed. */
#define GROUP_FIELDS 10
#define CLUSTER_FIELDS 4

static char *results_row(const sl_run_results_t *r) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    for (int g = 0; g < r->n_groups; g++) {
        const sl_group_result_t *x = &r->groups[g];
        fprintf(f, "%d %d %.17g %.17g %lld %lld %.17g %.17g %.17g %d ", x->rebalances, x->generation, x->rebalance_s,
                x->unowned_partition_s, (long long)x->max_lag, (long long)x->duplicates, x->first_stable_s,
                x->stable_from_s, x->rebalance_latency_s, x->crashed_members);
    }
    fprintf(f, "%.17g %lld %lld %lld\n", r->cluster.unavailable_partition_s, (long long)r->cluster.produce_errors,
            (long long)r->cluster.lost_records, (long long)r->cluster.produced_records);
    fclose(f);
    return buf;
}

/* Reads a row back into r (groups named from sc); 0, or -1 when malformed. */
static int parse_row(const char *row, const sl_scenario_t *sc, sl_run_results_t *r) {
    int ng = sl_scenario_group_count(sc);
    double v[GROUP_FIELDS];
    const char *p = row;
    char *end;
    r->groups = calloc((size_t)(ng ? ng : 1), sizeof *r->groups);
    if (!r->groups) return -1;
    r->n_groups = ng;
    for (int g = 0; g <= ng; g++) {
        int nf = g < ng ? GROUP_FIELDS : CLUSTER_FIELDS;
        for (int k = 0; k < nf; k++) {
            errno = 0;
            v[k] = strtod(p, &end);
            if (end == p || errno) return -1;
            p = end;
        }
        if (g < ng) {
            sl_group_result_t *x = &r->groups[g];
            x->group = sl_scenario_group(sc, g)->id;
            x->rebalances = (int)v[0];
            x->generation = (int)v[1];
            x->rebalance_s = v[2];
            x->unowned_partition_s = v[3];
            x->max_lag = (int64_t)v[4];
            x->duplicates = (int64_t)v[5];
            x->first_stable_s = v[6];
            x->stable_from_s = v[7];
            x->rebalance_latency_s = v[8];
            x->crashed_members = (int)v[9];
        } else {
            r->cluster.unavailable_partition_s = v[0];
            r->cluster.produce_errors = (int64_t)v[1];
            r->cluster.lost_records = (int64_t)v[2];
            r->cluster.produced_records = (int64_t)v[3];
        }
    }
    return 0;
}

#define REFUSED "refused "

typedef struct {
    sl_candidate_t *c;
    size_t *todo; /* task i runs candidate todo[i] */
} eval_t;

/* In the child: run the candidate, send its results. */
static int run_task(void *ctx, size_t i, int fd) {
    eval_t *ev = ctx;
    sl_candidate_t *c = &ev->c[ev->todo[i]];
    sl_run_results_t res;
    char err[1024] = "";
    sl_err_t rc = sl_variant_run(c->sc, NULL, &res, err, sizeof err);
    if (rc == SL_E_INVAL) { /* a combination the simulator does not model: refused, like the loader's */
        for (char *p = err; *p; p++)
            if (*p == '\n') *p = ' ';
        sl_pool_write_all(fd, REFUSED, strlen(REFUSED));
        sl_pool_write_all(fd, err, strlen(err));
        sl_pool_write_all(fd, "\n", 1);
        return SL_EXIT_OK;
    }
    if (rc != SL_OK) {
        fprintf(stderr, "\nstormlab advise: %s: %s\n", c->remedy ? c->remedy->what : "as written",
                err[0] ? err : sl_strerror(rc));
        return SL_EXIT_RUN;
    }
    char *row = results_row(&res);
    sl_run_results_free(&res);
    if (!row) return SL_EXIT_RUN;
    sl_pool_write_all(fd, row, strlen(row));
    free(row);
    return SL_EXIT_OK;
}

static int load(const sl_advise_run_t *run, sl_candidate_t *c) {
    const sl_remedy_t *m = c->remedy;
    size_t n = run->n_sets + (size_t)(m ? m->n_sets : 0);
    const char **sets = calloc(n ? n : 1, sizeof *sets);
    if (!sets) return -1;
    for (size_t i = 0; i < run->n_sets; i++) sets[i] = run->sets[i];
    for (int i = 0; m && i < m->n_sets; i++) sets[run->n_sets + (size_t)i] = m->sets[i];
    if (sl_scenario_load_file(run->path, sets, n, &c->sc, c->error, sizeof c->error) != SL_OK) c->sc = NULL;
    else if (run->have_seed) sl_scenario_set_seed(c->sc, run->seed);
    free(sets);
    return 0;
}

/* The scenario's gates over c's results; an `impact:` gate needs the
 * candidate's counterfactual runs (sl_impact_compute(), computed here in the
 * parent, once, only for scenarios that have such gates). */
static int gate(sl_candidate_t *c) {
    c->n_gates = sl_scenario_expect_count(c->sc);
    c->gates = calloc((size_t)(c->n_gates ? c->n_gates : 1), sizeof *c->gates);
    if (!c->gates) return -1;
    sl_impact_t *im = NULL;
    int rc = 0;
    for (int i = 0; i < c->n_gates && rc == 0; i++) {
        if (sl_scenario_expect_is_impact(c->sc, i)) {
            if (!im && sl_impact_compute(c->sc, &im, c->error, sizeof c->error) != SL_OK) rc = -1;
            else if (sl_impact_expect_eval(im, i, &c->gates[i]) != SL_OK) rc = -1;
        } else if (sl_expect_eval(c->sc, &c->res, i, &c->gates[i]) != SL_OK) {
            rc = -1;
        }
        if (rc == 0) c->gates_kept += c->gates[i].passed;
    }
    sl_impact_destroy(im);
    return rc;
}

int sl_advise_evaluate(const sl_advise_run_t *run, sl_candidate_t *c, size_t n) {
    size_t *todo = calloc(n ? n : 1, sizeof *todo), count = 0;
    char **rows = calloc(n ? n : 1, sizeof *rows);
    int code = SL_EXIT_OK;
    if (!todo || !rows) {
        free(todo);
        free(rows);
        return SL_EXIT_RUN;
    }
    for (size_t i = 0; i < n; i++) {
        if (load(run, &c[i]) != 0) code = SL_EXIT_RUN;
        if (c[i].sc) todo[count++] = i;
    }
    eval_t ev = {c, todo};
    size_t jobs = run->jobs < count ? run->jobs : count;
    int pc = sl_pool_run("advise", "candidate", count, jobs ? jobs : 1, run_task, &ev, rows, run->show);
    if (pc != SL_EXIT_OK) code = SL_EXIT_RUN;
    for (size_t k = 0; k < count; k++) {
        sl_candidate_t *x = &c[todo[k]];
        if (rows[k] && !strncmp(rows[k], REFUSED, strlen(REFUSED))) {
            snprintf(x->error, sizeof x->error, "%s", rows[k] + strlen(REFUSED));
        } else if (!rows[k] || parse_row(rows[k], x->sc, &x->res) != 0 || gate(x) != 0) {
            snprintf(x->error, sizeof x->error, "the run could not be carried out");
            code = SL_EXIT_RUN;
        } else {
            x->ran = true;
        }
        free(rows[k]);
    }
    free(rows);
    free(todo);
    return code;
}

void sl_candidate_free(sl_candidate_t *c) {
    sl_scenario_destroy(c->sc);
    sl_run_results_free(&c->res);
    free(c->gates);
    memset(c, 0, sizeof *c);
}

static const char *const key_names[SL_OBJ__COUNT] = {
    [SL_OBJ_GATES] = "gates",       [SL_OBJ_REBALANCES] = "rebalances", [SL_OBJ_STABLE] = "stable",
    [SL_OBJ_UNOWNED] = "unowned",   [SL_OBJ_REBALANCE_S] = "rebalance_s", [SL_OBJ_LAG] = "lag",
    [SL_OBJ_DUPLICATES] = "duplicates", [SL_OBJ_CRASHED] = "crashed", [SL_OBJ_UNAVAILABLE] = "unavailable",
    [SL_OBJ_LOST] = "lost",         [SL_OBJ_CHANGES] = "changes",
};

const char *sl_objective_name(sl_objective_key_t k) { return key_names[k]; }

int sl_objective_parse(const char *spec, sl_objective_t *out, char *err, size_t errsz) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec ? spec : "gates,rebalances,stable");
    out->n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = 0;
        while (k < SL_OBJ__COUNT && strcmp(t, key_names[k])) k++;
        if (k == SL_OBJ__COUNT) {
            snprintf(err, errsz,
                     "--objective: '%s' is not a key, expected a comma-separated list of gates, rebalances, stable, "
                     "unowned, rebalance_s, lag, duplicates, crashed, unavailable, lost, changes",
                     t);
            return -1;
        }
        if (out->n == SL_OBJ_MAX) {
            snprintf(err, errsz, "--objective: more than %d keys", SL_OBJ_MAX);
            return -1;
        }
        out->keys[out->n++] = (sl_objective_key_t)k;
    }
    if (!out->n) {
        snprintf(err, errsz, "--objective: empty, expected keys such as gates,rebalances,stable");
        return -1;
    }
    return 0;
}

double sl_objective_value(const sl_candidate_t *c, sl_objective_key_t k) {
    const sl_run_results_t *r = &c->res;
    double v = 0;
    for (int g = 0; g < r->n_groups; g++) {
        const sl_group_result_t *x = &r->groups[g];
        switch (k) {
        case SL_OBJ_REBALANCES: v += x->rebalances; break;
        case SL_OBJ_STABLE: {
            /* a group that never settles is later than any that does */
            double s = x->stable_from_s < 0 ? (double)sl_scenario_duration_us(c->sc) / 1e6 + 1 : x->stable_from_s;
            if (s > v) v = s;
            break;
        }
        case SL_OBJ_UNOWNED: v += x->unowned_partition_s; break;
        case SL_OBJ_REBALANCE_S: v += x->rebalance_s; break;
        case SL_OBJ_LAG: if ((double)x->max_lag > v) v = (double)x->max_lag; break;
        case SL_OBJ_DUPLICATES: v += (double)x->duplicates; break;
        case SL_OBJ_CRASHED: v += x->crashed_members; break;
        default: break;
        }
    }
    switch (k) {
    case SL_OBJ_GATES: return c->n_gates - c->gates_kept;
    case SL_OBJ_UNAVAILABLE: return r->cluster.unavailable_partition_s;
    case SL_OBJ_LOST: return (double)r->cluster.lost_records;
    case SL_OBJ_CHANGES: return c->remedy ? c->remedy->n_sets : 0;
    default: return v;
    }
}

double sl_candidate_breach(const sl_candidate_t *c) {
    double d = 0;
    for (int i = 0; i < c->n_gates; i++) {
        const sl_expect_result_t *g = &c->gates[i];
        if (g->passed) continue;
        if (!g->has_value) {
            d += 2;
            continue;
        }
        double bound = g->has_max && g->value > g->max ? g->max : g->min;
        double scale = fabs(bound) > 1 ? fabs(bound) : 1;
        d += fabs(g->value - bound) / scale;
    }
    return d;
}

static int compare(const sl_objective_t *o, const sl_candidate_t *a, size_t ia, const sl_candidate_t *b, size_t ib,
                   bool breach) {
    for (int i = 0; i < o->n; i++) {
        double x = sl_objective_value(a, o->keys[i]), y = sl_objective_value(b, o->keys[i]);
        if (x != y) return x < y ? -1 : 1;
        if (breach && o->keys[i] == SL_OBJ_GATES) {
            x = sl_candidate_breach(a);
            y = sl_candidate_breach(b);
            if (x != y) return x < y ? -1 : 1;
        }
    }
    double x = sl_objective_value(a, SL_OBJ_CHANGES), y = sl_objective_value(b, SL_OBJ_CHANGES);
    if (x != y) return x < y ? -1 : 1;
    return (ia > ib) - (ia < ib);
}

int sl_candidate_cmp(const sl_objective_t *o, const sl_candidate_t *a, size_t ia, const sl_candidate_t *b, size_t ib) {
    return compare(o, a, ia, b, ib, false);
}

int sl_candidate_cmp_search(const sl_objective_t *o, const sl_candidate_t *a, size_t ia, const sl_candidate_t *b,
                            size_t ib) {
    return compare(o, a, ia, b, ib, true);
}
