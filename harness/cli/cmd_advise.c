/*
 * stormlab advise SCENARIO: what would have helped.  Tries every remediation
 * in the catalogue (harness/advise/catalogue.c, docs/advise.md), then
 * combinations grown one change at a time from the best ones (a beam search), each as the scenario with extra --set lines run on the
 * simulator in parallel processes, and prints the best few by an objective
 * (default: every `expect:` gate kept, then fewest rebalances, then earliest
 * stable) with the --set lines that reproduce each and a before/after table.
 *
 * Output is the same bytes for any --jobs: candidates are numbered before
 * anything runs and ranked with their number as the last tie-break; the wall
 * time goes to stderr.
 *
 * Exit codes: 0 a change keeps every gate (or the scenario has none), 1 none
 * does, 2 bad usage or a bad scenario, 3 a run could not be carried out.
 */
#define _GNU_SOURCE /* qsort_r, open_memstream */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advise/catalogue.h"
#include "advise/search.h"
#include "cli.h"
#include "gate/pool.h"
#include "stormlab/stormlab.h"
#include "common/textout.h"

#define DEFAULT_TOP 3
#define DEFAULT_COMBINE 10
#define DEFAULT_DEPTH 4

static void usage(FILE *f) {
    fputs("usage: stormlab advise SCENARIO [--jobs N] [--objective KEYS] [--top N] [--combine K]\n"
          "                       [--depth D] [--seed N] [--set PATH=VALUE]... [--json] [--quiet]\n"
          "\n"
          "Searches a catalogue of remediations (session timeout and heartbeat up and down\n"
          "within the broker's bounds, max.poll.interval, max.poll.records, processing time,\n"
          "static membership, cooperative-sticky, the KIP-848 protocol, removing, delaying,\n"
          "spreading or softening each operator action; docs/advise.md), runs each on the\n"
          "simulator with the scenario's seed, then combinations: the K best changes of each\n"
          "size, each with every other single change added, up to D changes at once.  Prints\n"
          "the best few: the --set lines that reproduce each, the gates it keeps and a\n"
          "before/after table.\n"
          "\n"
          "options:\n"
          "  -j, --jobs N        parallel processes (default: the number of cores); the output\n"
          "                      is the same for any N\n"
          "  --objective KEYS    comma-separated, compared in order, lower is better:\n"
          "                      gates (breached), rebalances, stable (latest stable_from_s),\n"
          "                      unowned, rebalance_s, lag, duplicates, crashed, unavailable,\n"
          "                      lost, changes (default: gates,rebalances,stable)\n"
          "  --top N             how many changes to print (default 3)\n"
          "  --combine K         extend the K best changes of each size (default 10; 0: singles only);\n"
          "                      the closest to keeping every gate are extended first\n"
          "  --depth D           at most D changes combined (default 4, at most 8)\n"
          "  --seed N            seed (default: the scenario's `seed:`)\n"
          "  --set PATH=VALUE    override a field before any change (repeatable)\n"
          "  --json              print the result as JSON (docs/advise.md) instead of the text\n"
          "  -q, --quiet         print only the best change's reproduce command\n"
          "  -h, --help          this help\n"
          "\n"
          "exit codes: 0 a change keeps every gate (or there are none), 1 no change tried keeps\n"
          "every gate, 2 bad usage or bad scenario, 3 a run could not be carried out\n",
          f);
}

typedef struct {
    const char *path;
    const char *const *sets;
    size_t n_sets;
    int have_seed;
    uint64_t seed;
} origin_t;

/* "stormlab sim SCENARIO [--seed N] --set ..." reproducing c; malloc'd. */
static char *command(const origin_t *o, const sl_candidate_t *c, const char *verb) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    sl_tx_shell(f, sl_tx_self());
    fprintf(f, " %s ", verb);
    sl_tx_shell(f, o->path);
    if (o->have_seed) fprintf(f, " --seed %" PRIu64, o->seed);
    for (size_t i = 0; i < o->n_sets; i++) {
        fputs(" --set ", f);
        sl_tx_shell(f, o->sets[i]);
    }
    for (int i = 0; c->remedy && i < c->remedy->n_sets; i++) {
        fputs(" --set ", f);
        sl_tx_shell(f, c->remedy->sets[i]);
    }
    fclose(f);
    return buf;
}

static void fmt_num(char *buf, size_t n, double v) {
    if (fabs(v) < 1e15 && v == floor(v)) snprintf(buf, n, "%.0f", v);
    else snprintf(buf, n, "%.1f", v);
}

/* "billing.rebalances 3 <= 4" */
static void gate_text(const sl_expect_result_t *g, char *buf, size_t n) {
    char v[32] = "never", b[96] = "", lo[32], hi[32];
    int secs = !strcmp(g->metric, "stable_by") || strstr(g->metric, "_s") != NULL;
    if (g->has_value) fmt_num(v, sizeof v, g->value);
    fmt_num(lo, sizeof lo, g->min);
    fmt_num(hi, sizeof hi, g->max);
    if (g->has_min && g->has_max) snprintf(b, sizeof b, "in %s..%s", lo, hi);
    else if (g->has_max) snprintf(b, sizeof b, "<= %s", hi);
    else snprintf(b, sizeof b, ">= %s", lo);
    snprintf(buf, n, "%s%s%s %s%s %s%s", g->group ? g->group : "", g->group ? "." : "", g->metric, v,
             secs && g->has_value ? " s" : "", b, secs ? " s" : "");
}

static void print_gates(const sl_candidate_t *c) {
    if (!c->n_gates) {
        puts("   gates: the scenario has no expect: gates");
        return;
    }
    printf("   keeps %d of %d gates:", c->gates_kept, c->n_gates);
    for (int i = 0; i < c->n_gates; i++) {
        char t[256];
        gate_text(&c->gates[i], t, sizeof t);
        printf("%s %s%s", i ? "," : "", c->gates[i].passed ? "" : "BREACH ", t);
    }
    putchar('\n');
}

typedef struct {
    const char *label;
    int secs;
} row_t;

static const row_t group_rows[] = {
    {"rebalances", 0},          {"stable_from_s", 1}, {"rebalance_s", 1},     {"unowned_partition_s", 1},
    {"max_lag", 0},             {"duplicates", 0},    {"crashed_members", 0},
};
static const row_t cluster_rows[] = {{"unavailable_partition_s", 1}, {"produce_errors", 0}, {"lost_records", 0}};

/* Value of a table row; never-stable (negative stable_from_s) is NAN. */
static double group_value(const sl_group_result_t *x, int k) {
    switch (k) {
    case 0: return x->rebalances;
    case 1: return x->stable_from_s < 0 ? NAN : x->stable_from_s;
    case 2: return x->rebalance_s;
    case 3: return x->unowned_partition_s;
    case 4: return (double)x->max_lag;
    case 5: return (double)x->duplicates;
    default: return x->crashed_members;
    }
}

static double cluster_value(const sl_cluster_result_t *c, int k) {
    return k == 0 ? c->unavailable_partition_s : k == 1 ? (double)c->produce_errors : (double)c->lost_records;
}

static void cell(char *buf, size_t n, double v, int secs) {
    if (isnan(v)) snprintf(buf, n, "never");
    else if (secs) snprintf(buf, n, "%.1f s", v);
    else snprintf(buf, n, "%.0f", v);
}

static void print_table(const sl_candidate_t *before, const sl_candidate_t *after) {
    printf("   %-36s %14s %16s\n", "", "as written", "with the change");
    for (int g = 0; g < after->res.n_groups; g++)
        for (size_t k = 0; k < sizeof group_rows / sizeof group_rows[0]; k++) {
            char name[300], a[32], b[32];
            snprintf(name, sizeof name, "%s.%s", after->res.groups[g].group, group_rows[k].label);
            cell(a, sizeof a, group_value(&before->res.groups[g], (int)k), group_rows[k].secs);
            cell(b, sizeof b, group_value(&after->res.groups[g], (int)k), group_rows[k].secs);
            printf("   %-36s %14s %16s\n", name, a, b);
        }
    for (size_t k = 0; k < sizeof cluster_rows / sizeof cluster_rows[0]; k++) {
        char name[64], a[32], b[32];
        snprintf(name, sizeof name, "cluster.%s", cluster_rows[k].label);
        cell(a, sizeof a, cluster_value(&before->res.cluster, (int)k), cluster_rows[k].secs);
        cell(b, sizeof b, cluster_value(&after->res.cluster, (int)k), cluster_rows[k].secs);
        printf("   %-36s %14s %16s\n", name, a, b);
    }
}

static void json_num(FILE *f, double v) {
    if (isnan(v)) fputs("null", f);
    else if (fabs(v) < 1e15 && v == floor(v)) fprintf(f, "%.0f", v);
    else fprintf(f, "%.17g", v);
}

static void json_results(FILE *f, const sl_run_results_t *r) {
    fputs("{\"groups\": {", f);
    for (int g = 0; g < r->n_groups; g++) {
        fputs(g ? ", " : "", f);
        sl_tx_json(f, r->groups[g].group);
        fputs(": {", f);
        for (size_t k = 0; k < sizeof group_rows / sizeof group_rows[0]; k++) {
            fprintf(f, "%s\"%s\": ", k ? ", " : "", group_rows[k].label);
            json_num(f, group_value(&r->groups[g], (int)k));
        }
        fputs("}", f);
    }
    fputs("}, \"cluster\": {", f);
    for (size_t k = 0; k < sizeof cluster_rows / sizeof cluster_rows[0]; k++) {
        fprintf(f, "%s\"%s\": ", k ? ", " : "", cluster_rows[k].label);
        json_num(f, cluster_value(&r->cluster, (int)k));
    }
    fputs("}}", f);
}

static void json_candidate(FILE *f, const origin_t *o, const sl_candidate_t *c, int rank) {
    fputs("{", f);
    if (rank) fprintf(f, "\"rank\": %d, ", rank);
    fputs("\"change\": ", f);
    sl_tx_json(f, c->remedy ? c->remedy->what : "as written");
    fputs(", \"sets\": [", f);
    for (int i = 0; c->remedy && i < c->remedy->n_sets; i++) {
        fputs(i ? ", " : "", f);
        sl_tx_json(f, c->remedy->sets[i]);
    }
    fputs("], \"command\": ", f);
    char *cmd = command(o, c, "sim");
    sl_tx_json(f, cmd);
    free(cmd);
    fputs(", \"results\": ", f);
    json_results(f, &c->res);
    fprintf(f, ", \"gates_kept\": %d, \"gates_total\": %d, \"all_gates_kept\": %s, \"gates\": [", c->gates_kept,
            c->n_gates, c->gates_kept == c->n_gates ? "true" : "false");
    for (int i = 0; i < c->n_gates; i++) {
        const sl_expect_result_t *g = &c->gates[i];
        char label[300];
        snprintf(label, sizeof label, "%s%s%s", g->group ? g->group : "", g->group ? "." : "", g->metric);
        fputs(i ? ", {\"gate\": " : "{\"gate\": ", f);
        sl_tx_json(f, label);
        fputs(", \"value\": ", f);
        json_num(f, g->has_value ? g->value : NAN);
        fprintf(f, ", \"passed\": %s}", g->passed ? "true" : "false");
    }
    fputs("]}", f);
}

typedef int (*cmp_fn)(const sl_objective_t *, const sl_candidate_t *, size_t, const sl_candidate_t *, size_t);

typedef struct {
    const sl_objective_t *obj;
    const sl_candidate_t *c;
    cmp_fn cmp;
} rank_ctx_t;

static int by_objective(const void *a, const void *b, void *arg) {
    const rank_ctx_t *r = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return r->cmp(r->obj, &r->c[x], x, &r->c[y], y);
}

/* Indexes of the candidates in c[from..n) that ran, best first by cmp; returns how many. */
static size_t ranked(const sl_objective_t *obj, const sl_candidate_t *c, size_t from, size_t n, size_t *out,
                     cmp_fn cmp) {
    size_t k = 0;
    for (size_t i = from; i < n; i++)
        if (c[i].ran) out[k++] = i;
    rank_ctx_t r = {obj, c, cmp};
    qsort_r(out, k, sizeof *out, by_objective, &r);
    return k;
}

int sl_cmd_advise(int argc, char **argv) {
    static const struct option opts[] = {
        {"jobs", required_argument, 0, 'j'}, {"objective", required_argument, 0, 'O'},
        {"top", required_argument, 0, 'T'},  {"combine", required_argument, 0, 'C'},
        {"depth", required_argument, 0, 'D'},
        {"seed", required_argument, 0, 's'}, {"set", required_argument, 0, 'S'},
        {"json", no_argument, 0, 'J'},       {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    const char *sets[SL_CLI_MAX_SETS], *objective = NULL;
    size_t n_sets = 0;
    uint64_t seed = 0, top = DEFAULT_TOP, combine = DEFAULT_COMBINE, depth = DEFAULT_DEPTH;
    long jobs = 0;
    int have_seed = 0, json = 0, quiet = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hqj:", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (sl_pool_parse_jobs("advise", optarg, &jobs) < 0) return SL_EXIT_USAGE;
            break;
        case 'O': objective = optarg; break;
        case 'T':
        case 'C':
        case 'D': {
            uint64_t v, hi = c == 'D' ? SL_REMEDY_MAX_SETS : 1000;
            const char *name = c == 'T' ? "top" : c == 'C' ? "combine" : "depth";
            if (sl_cli_parse_u64(optarg, &v) < 0 || v > hi || (c != 'C' && v == 0)) {
                fprintf(stderr, "stormlab advise: --%s: '%s' is not a count, expected %s..%" PRIu64 "\n", name,
                        optarg, c == 'C' ? "0" : "1", hi);
                return SL_EXIT_USAGE;
            }
            *(c == 'T' ? &top : c == 'C' ? &combine : &depth) = v;
            break;
        }
        case 's':
            if (sl_cli_take_seed("advise", optarg, &seed, &have_seed) < 0) return SL_EXIT_USAGE;
            break;
        case 'S':
            if (sl_cli_take_set("advise", optarg, sets, &n_sets) < 0) return SL_EXIT_USAGE;
            break;
        case 'J': json = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return SL_EXIT_OK;
        default: return sl_cli_bad_option("advise", argv[optind - 1], usage);
        }
    }
    if (sl_cli_one_operand("advise", "SCENARIO", argc, optind, usage) < 0) return SL_EXIT_USAGE;
    sl_objective_t obj;
    char err[2048] = "";
    if (sl_objective_parse(objective, &obj, err, sizeof err) < 0) {
        fprintf(stderr, "stormlab advise: %s\n", err);
        return SL_EXIT_USAGE;
    }
    origin_t o = {argv[optind], sets, n_sets, have_seed, seed};
    sl_scenario_t *sc;
    int load = sl_cli_load_scenario(o.path, sets, n_sets, have_seed, seed, &sc, err, sizeof err);
    if (load != SL_EXIT_OK) return load;
    if (!have_seed) o.seed = sl_scenario_seed(sc);
    o.have_seed = 1; /* the commands name the seed the runs used */
    double t0 = sl_wall_seconds();
    int code = SL_EXIT_OK;
    sl_remedies_t rem = {0};
    sl_candidate_t *cand = NULL;
    size_t *order = NULL, n_single = 0, n_combined = 0, n_cand = 0;
    if (sl_advise_catalogue(sc, &rem) != 0) goto nomem;
    n_single = rem.n;
    /* Round 1: the scenario as written (candidate 0) and every single change. */
    sl_advise_run_t run = {o.path, sets, n_sets, true, o.seed, (size_t)(jobs ? jobs : sl_pool_default_jobs()),
                           !quiet && !json && isatty(STDERR_FILENO)};
    size_t cap = 1 + n_single + (size_t)(depth > 1 ? depth - 1 : 0) * (size_t)combine * n_single;
    cand = calloc(cap, sizeof *cand);
    order = calloc(cap, sizeof *order);
    if (!cand || !order) goto nomem;
    for (size_t i = 0; i <= n_single; i++) cand[i].remedy = i ? &rem.v[i - 1] : NULL;
    n_cand = 1 + n_single;
    if (sl_advise_evaluate(&run, cand, n_cand) != SL_EXIT_OK || !cand[0].ran) {
        fprintf(stderr, "stormlab advise: %s: %s\n", o.path,
                cand[0].ran ? "a candidate's run could not be carried out" : cand[0].error);
        code = SL_EXIT_RUN;
        goto out;
    }
    /* Rounds 2..depth, a beam search: the `combine` best changes of the last
     * round (closest to keeping the gates first, then the objective), each
     * with every single change added that touches something else.  A stall
     * or a late scale can need several changes at once, none of which keeps
     * a gate alone (docs/advise.md). */
    size_t round_from = 1;
    for (uint64_t d = 2; d <= depth; d++) {
        size_t k = ranked(&obj, cand, round_from, n_cand, order, sl_candidate_cmp_search), first = rem.n;
        if (k > combine) k = (size_t)combine;
        for (size_t b = 0; b < k; b++)
            for (size_t s1 = 0; s1 < n_single; s1++)
                if (sl_remedy_add_combination(&rem, (int)(order[b] - 1), (int)s1) != 0) goto nomem;
        size_t added = rem.n - first;
        if (!added) break;
        for (size_t i = 1; i < n_cand; i++) cand[i].remedy = &rem.v[i - 1]; /* rem.v may have moved */
        for (size_t i = 0; i < added; i++) cand[n_cand + i].remedy = &rem.v[first + i];
        if (sl_advise_evaluate(&run, cand + n_cand, added) != SL_EXIT_OK) {
            fprintf(stderr, "stormlab advise: %s: a candidate's run could not be carried out\n", o.path);
            code = SL_EXIT_RUN;
            goto out;
        }
        round_from = n_cand;
        n_cand += added;
        n_combined += added;
    }
    size_t n_ranked = ranked(&obj, cand, 1, n_cand, order, sl_candidate_cmp), refused = n_cand - 1 - n_ranked;
    const sl_candidate_t *base = &cand[0];
    int found = n_ranked > 0 && cand[order[0]].gates_kept == cand[order[0]].n_gates;
    code = found || !base->n_gates ? SL_EXIT_OK : SL_EXIT_EXPECT;
    size_t shown = n_ranked < top ? n_ranked : (size_t)top;
    if (json) {
        printf("{\"scenario\": ");
        sl_tx_json(stdout, sl_scenario_name(sc));
        printf(", \"seed\": %" PRIu64 ", \"objective\": [", o.seed);
        for (int i = 0; i < obj.n; i++) printf("%s\"%s\"", i ? ", " : "", sl_objective_name(obj.keys[i]));
        printf("], \"tried\": %zu, \"singles\": %zu, \"combinations\": %zu, \"depth\": %" PRIu64
               ", \"beam\": %" PRIu64 ", \"refused\": %zu,\n \"as_written\": ",
               n_cand - 1, n_single, n_combined, depth, combine, refused);
        json_candidate(stdout, &o, base, 0);
        printf(",\n \"best\": [");
        for (size_t k = 0; k < shown; k++) {
            printf("%s\n  ", k ? "," : "");
            json_candidate(stdout, &o, &cand[order[k]], (int)k + 1);
        }
        printf("],\n \"refused_changes\": [");
        for (size_t i = 1, k = 0; i < n_cand; i++)
            if (!cand[i].ran) {
                printf("%s\n  {\"change\": ", k++ ? "," : "");
                sl_tx_json(stdout, cand[i].remedy->what);
                printf(", \"error\": ");
                sl_tx_json(stdout, cand[i].error);
                printf("}");
            }
        printf("]}\n");
    } else if (quiet) {
        if (shown) {
            char *cmd = command(&o, &cand[order[0]], "sim");
            printf("%s\n", cmd ? cmd : "");
            free(cmd);
        }
    } else {
        printf("stormlab advise: %s (seed %" PRIu64 ")\n", sl_scenario_name(sc), o.seed);
        printf("as written:");
        if (base->n_gates) printf(" keeps %d of %d gates,", base->gates_kept, base->n_gates);
        printf(" %.0f rebalances, stable from ", sl_objective_value(base, SL_OBJ_REBALANCES));
        double st = sl_objective_value(base, SL_OBJ_STABLE);
        if (st > (double)sl_scenario_duration_us(sc) / 1e6) printf("never\n");
        else printf("%.1f s\n", st);
        printf("tried %zu changes: %zu single, %zu combinations of up to %" PRIu64 " (the %" PRIu64
               " best of each size extended by one); %zu refused by the loader or the simulator\n",
               n_cand - 1, n_single, n_combined, depth, combine, refused);
        printf("objective:");
        for (int i = 0; i < obj.n; i++) printf("%s %s", i ? "," : "", sl_objective_name(obj.keys[i]));
        printf(" (lower is better, in that order)\n");
        if (!found && base->n_gates) printf("no change tried keeps every gate; the closest:\n");
        for (size_t k = 0; k < shown; k++) {
            const sl_candidate_t *x = &cand[order[k]];
            char *cmd = command(&o, x, "sim");
            printf("\n%zu. %s\n", k + 1, x->remedy->what);
            print_gates(x);
            printf("   reproduce: %s\n", cmd ? cmd : "");
            free(cmd);
            print_table(base, x);
        }
    }
    if (!quiet) fprintf(stderr, "advise: %zu runs with %zu jobs in %.2f s\n", n_cand, run.jobs,
                        sl_wall_seconds() - t0);
    goto out;
nomem:
    fprintf(stderr, "stormlab advise: out of memory\n");
    code = SL_EXIT_RUN;
out:
    for (size_t i = 0; cand && i < cap; i++) sl_candidate_free(&cand[i]);
    free(cand);
    free(order);
    sl_remedies_free(&rem);
    sl_scenario_destroy(sc);
    return code;
}
