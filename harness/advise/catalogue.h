/*
 * The catalogue of remediations `stormlab advise` tries (docs/advise.md):
 * each is a list of `--set` lines against the scenario file, so the change
 * it suggests is exactly what a user types to reproduce it.
 */
#ifndef SL_ADVISE_CATALOGUE_H
#define SL_ADVISE_CATALOGUE_H

#include <stddef.h>

#include "stormlab/scenario.h"

#define SL_REMEDY_MAX_SETS 8

/* One candidate change: a single remediation or a combination. */
typedef struct sl_remedy_s {
    char what[512];                       /* "billing: static membership", "a + b" */
    char *sets[SL_REMEDY_MAX_SETS];       /* "groups.billing.static=true" (owned) */
    int n_sets;
    int parts[SL_REMEDY_MAX_SETS];        /* the singles it combines (indexes, ascending); a single: itself */
    int n_parts;
} sl_remedy_t;

typedef struct sl_remedies_s {
    sl_remedy_t *v;
    size_t n, cap;
} sl_remedies_t;

/* Appends every single remediation the catalogue has for sc (its groups'
 * settings within the broker's bounds, its operator actions) to out, in a
 * fixed order.  0, or -1 when out of memory. */
int sl_advise_catalogue(const sl_scenario_t *sc, sl_remedies_t *out);

/* Appends out->v[ia] + the single change out->v[single] unless that would
 * change one setting or one event twice, or out already holds the same
 * combination (then 0 and nothing appended).  0, or -1 when out of memory. */
int sl_remedy_add_combination(sl_remedies_t *out, int ia, int single);

void sl_remedies_free(sl_remedies_t *r);

#endif
