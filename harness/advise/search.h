/*
 * Evaluating advise's candidates: each is the scenario file loaded with the
 * user's --set lines plus the candidate's, run on the simulator in a forked
 * worker (gate/pool.h, sl_variant_run), its results gated by the scenario's
 * own `expect:` and ranked by an objective.  Results are kept by candidate
 * number, so the ranking is the same for any number of jobs.
 */
#ifndef SL_ADVISE_SEARCH_H
#define SL_ADVISE_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"
#include "stormlab/stormlab.h"

typedef struct sl_candidate_s {
    const sl_remedy_t *remedy;   /* NULL: the scenario as written */
    sl_scenario_t *sc;           /* loaded with the user's sets and the remedy's; NULL when refused */
    char error[1024];            /* why it was refused or failed */
    bool ran;                    /* res and gates are valid */
    sl_run_results_t res;        /* what summary.json would hold */
    int n_gates, gates_kept;
    sl_expect_result_t *gates;   /* n_gates, the scenario's `expect:` in file order */
} sl_candidate_t;

typedef struct sl_advise_run_s {
    const char *path;            /* the scenario file */
    const char *const *sets;     /* the user's --set lines, applied before each candidate's */
    size_t n_sets;
    bool have_seed;
    uint64_t seed;
    size_t jobs;
    bool show;                   /* progress line on stderr */
} sl_advise_run_t;

/* Loads c[i].remedy's variant of the scenario for every i in 0..n (a
 * refusal is kept in c[i].error), runs the loaded ones with up to run->jobs
 * processes and gates their results.  Returns SL_EXIT_RUN when a run could
 * not be carried out (its c[i].error says why), else SL_EXIT_OK. */
int sl_advise_evaluate(const sl_advise_run_t *run, sl_candidate_t *c, size_t n);

void sl_candidate_free(sl_candidate_t *c);

/* The objective: keys compared in order, lower is better. */
typedef enum sl_objective_key_e {
    SL_OBJ_GATES,        /* gates breached */
    SL_OBJ_REBALANCES,   /* rebalances, summed over the groups */
    SL_OBJ_STABLE,       /* the latest stable_from_s over the groups (never: after the run) */
    SL_OBJ_UNOWNED,      /* unowned partition-s, summed */
    SL_OBJ_REBALANCE_S,  /* seconds out of stable, summed */
    SL_OBJ_LAG,          /* the largest max_lag */
    SL_OBJ_DUPLICATES,   /* duplicates, summed */
    SL_OBJ_CRASHED,      /* crashed members, summed */
    SL_OBJ_UNAVAILABLE,  /* unavailable partition-s */
    SL_OBJ_LOST,         /* lost records */
    SL_OBJ_CHANGES,      /* --set lines the change needs */
    SL_OBJ__COUNT
} sl_objective_key_t;

#define SL_OBJ_MAX 16
typedef struct sl_objective_s {
    sl_objective_key_t keys[SL_OBJ_MAX];
    int n;
} sl_objective_t;

/* Parses "gates,rebalances,stable" (the default when spec is NULL).  0, or
 * -1 with a message naming the bad key and the known ones. */
int sl_objective_parse(const char *spec, sl_objective_t *out, char *err, size_t errsz);
/* The key's name ("rebalances"). */
const char *sl_objective_name(sl_objective_key_t k);
/* Candidate c's value of key k (lower is better); c must have run. */
double sl_objective_value(const sl_candidate_t *c, sl_objective_key_t k);
/* How far c's breached gates are from their bounds, each relative to its
 * bound (a gate with no value counts 2): 0 when every gate holds.  It tells
 * apart candidates that breach as many gates, so the search extends the ones
 * closest to keeping them. */
double sl_candidate_breach(const sl_candidate_t *c);
/* The search's order: as sl_candidate_cmp(), but breach distance decides
 * right after the gates key. */
int sl_candidate_cmp_search(const sl_objective_t *o, const sl_candidate_t *a, size_t ia, const sl_candidate_t *b,
                            size_t ib);
/* Orders candidates that ran by the objective, then fewer --set lines, then
 * catalogue order (a, b: their indexes in the candidate list). */
int sl_candidate_cmp(const sl_objective_t *o, const sl_candidate_t *a, size_t ia, const sl_candidate_t *b, size_t ib);

#endif
