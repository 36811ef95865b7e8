/*
 * A run's counterfactual impact (docs/outputs.md `impact`) as explain,
 * compare and report.html read it: summary.json's `impact` when the run was
 * made with `stormlab sim --impact`, else computed in process from the run's
 * scenario.resolved.yaml (a real run's impact is the simulator's answer to
 * the same scenario).
 */
#ifndef SL_REPORT_IMPACT_H
#define SL_REPORT_IMPACT_H

#include <jansson.h>
#include <stddef.h>

#include "runfiles.h"

/* The impact document {"impact": [...], "impact_baselines": {...}} of run,
 * a new reference; NULL with err filled when it can be neither read nor
 * computed. */
json_t *sl_impact_of_run(const sl_run_t *run, char *err, size_t errsz);

/* 1 when summary.json holds the impact (no simulation needed to read it). */
int sl_impact_stored(const sl_run_t *run);

/* The impact document computed from DIR/scenario.resolved.yaml, whatever
 * summary.json holds: one simulation per event plus the baselines. */
json_t *sl_impact_compute_in(const char *dir, char *err, size_t errsz);

/* The entry of `impact` whose event fires at t_us as the k-th injected
 * event at that time (k from 0), or NULL: how a trace root finds its event. */
json_t *sl_impact_entry_at(json_t *doc, long long t_us, int k);

/* One line of effect: the non-zero deltas summed over the groups, then the
 * verdict and its metric: "+1 rebalances, stable +0.8 s  => worse (rebalances)". */
void sl_impact_effect_text(json_t *entry, char *buf, size_t size);

/* A delta summed over the groups (group metrics) or the cluster's. */
double sl_impact_delta_sum(json_t *entry, const char *metric);

#endif
