/*
 * The scenario's `expect:` gates evaluated over a run's results (the values
 * summary.json holds, docs/outputs.md): one evaluator for the simulator
 * (sl_sim_expect_result) and real-cluster runs (sl_expect_eval over the
 * sl_run_results_t `stormlab run` fills), so a gate reads exactly what
 * summary.json says whichever engine ran.
 */
#include <stdlib.h>
#include <string.h>

#include "model-internal.h"

void sl_expect_result_init(const sl_scenario_t *sc, const sl_expect_cfg_t *e, sl_expect_result_t *out) {
    memset(out, 0, sizeof *out);
    out->group = e->group >= 0 ? sc->groups[e->group].id : NULL;
    out->metric = sl_metric_name(e->metric);
    out->has_min = e->has_min;
    out->has_max = e->has_max;
    out->min = e->min;
    out->max = e->max;
    out->line = e->line;
    out->col = e->col;
    out->event = -1;
}

static void eval(const sl_scenario_t *sc, const sl_expect_cfg_t *e, const sl_group_result_t *g,
                 const sl_cluster_result_t *c, sl_expect_result_t *out) {
    sl_expect_result_init(sc, e, out);
    out->has_value = 1;
    switch (e->metric) {
    case SL_M_REBALANCES: out->value = g->rebalances; break;
    case SL_M_GENERATION: out->value = g->generation; break;
    case SL_M_REBALANCE_S: out->value = g->rebalance_s; break;
    case SL_M_UNOWNED_PARTITION_S: out->value = g->unowned_partition_s; break;
    case SL_M_MAX_LAG: out->value = (double)g->max_lag; break;
    case SL_M_DUPLICATES: out->value = (double)g->duplicates; break;
    case SL_M_STABLE_BY:
        out->value = g->stable_from_s;
        out->has_value = g->stable_from_s >= 0;
        break;
    case SL_M_LOST_RECORDS: out->value = (double)c->lost_records; break;
    case SL_M_PRODUCE_ERRORS: out->value = (double)c->produce_errors; break;
    case SL_M_UNAVAILABLE_PARTITION_S:
        out->value = c->unavailable_partition_s;
        out->has_value = c->unavailable_partition_s >= 0; /* not measured on a real Kafka cluster */
        break;
    case SL_M_CRASHED_MEMBERS: out->value = g->crashed_members; break;
    case SL_M_STABLE_FROM_S: /* impact gates only (sl_impact_expect_eval) */
    case SL_M_VERDICT: out->has_value = 0; break;
    }
    out->passed = out->has_value && (!out->has_min || out->value >= out->min) && (!out->has_max || out->value <= out->max);
}

int sl_scenario_expect_count(const sl_scenario_t *sc) { return sc ? sc->n_expects : 0; }

int sl_scenario_expect_is_impact(const sl_scenario_t *sc, int i) {
    return sc && i >= 0 && i < sc->n_expects && sc->expects[i].impact;
}

sl_err_t sl_expect_eval(const sl_scenario_t *sc, const sl_run_results_t *res, int i, sl_expect_result_t *out) {
    if (!sc || !res || i < 0 || i >= sc->n_expects)
        return SL_E_INVAL;
    const sl_expect_cfg_t *e = &sc->expects[i];
    if (e->impact)
        return SL_E_STATE;
    sl_group_result_t none = {0};
    if (e->group >= 0 && (e->group >= res->n_groups || !res->groups))
        return SL_E_INVAL;
    eval(sc, e, e->group >= 0 ? &res->groups[e->group] : &none, &res->cluster, out);
    return SL_OK;
}

void sl_run_results_free(sl_run_results_t *res) {
    if (!res)
        return;
    free(res->groups);
    res->groups = NULL;
    res->n_groups = 0;
}

int sl_sim_expect_count(const sl_sim_t *s) { return s->sc->n_expects; }

sl_err_t sl_sim_expect_result(const sl_sim_t *s, int i, sl_expect_result_t *out) {
    if (i < 0 || i >= s->sc->n_expects)
        return SL_E_INVAL;
    if (!s->finished)
        return SL_E_STATE;
    const sl_expect_cfg_t *e = &s->sc->expects[i];
    if (e->impact) {
        if (s->impact)
            return sl_impact_expect_eval(s->impact, i, out);
        sl_impact_t *im = NULL;
        char err[256];
        sl_err_t rc = sl_impact_compute(s->sc, &im, err, sizeof err);
        if (rc == SL_OK)
            rc = sl_impact_expect_eval(im, i, out);
        sl_impact_destroy(im);
        return rc;
    }
    sl_group_result_t g = {0};
    sl_cluster_result_t c;
    if (e->group >= 0)
        sl_sim_group_result(s, e->group, &g);
    sl_sim_cluster_result(s, &c);
    eval(s->sc, e, &g, &c, out);
    return SL_OK;
}
