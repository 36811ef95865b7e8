/*
 * stormlab check SCENARIO...: run each scenario on the simulator or, with
 * --cluster, on a real cluster (`stormlab run`), evaluate its `expect:` gates
 * over the run's results (the values summary.json holds, one evaluator for
 * both engines), print every gate with its value and verdict, optionally
 * write JUnit XML, exit 1 on any breach.
 *
 * Exit codes (docs/ci.md): 0 every gate kept, 1 a gate breached, 2 bad usage or
 * a bad scenario (nothing runs), 3 a run could not be carried out (outputs
 * not writable...).  When several apply: 2, then 3, then 1.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "gate/junit.h"
#ifdef SL_HAVE_RUN
#include "run/run.h"
#endif
#include "stormlab/scenario.h"
#include "stormlab/stormlab.h"
#include "common/textout.h"

#define MAX_SEEDS 1000000

static void usage(FILE *f) {
    fputs("usage: stormlab check SCENARIO... [--junit FILE] [--seed N] [--seeds K] [--set PATH=VALUE]...\n"
          "                      [--out DIR] [--json] [--quiet]\n"
          "                      [--cluster mock|kafka [--bootstrap HOST:PORT] [--cluster-file FILE]]\n"
          "\n"
          "Runs each SCENARIO on the deterministic simulator (or a real cluster), evaluates its `expect:` gates\n"
          "(rebalances, generation, rebalance_s, unowned_partition_s, max_lag, duplicates,\n"
          "stable_by per group; lost_records, produce_errors, unavailable_partition_s for the\n"
          "cluster; crashed_members) and impact gates (an event's delta against the same run\n"
          "without it, or its verdict: `- impact: {kind: action, verdict: not-worse}`), and\n"
          "prints every gate with its bound, value and verdict.  A breach prints\n"
          "the command that reproduces the run.  Made for CI: see docs/ci.md.\n"
          "\n"
          "options:\n"
          "  --junit FILE      also write JUnit XML: one <testsuite> per scenario and seed,\n"
          "                    one <testcase> per gate; a breach is a <failure> saying\n"
          "                    expected vs got and the seed\n"
          "  --seed N          seed of the (first) run (default: each scenario's `seed:`)\n"
          "  --seeds K         run K seeds, N..N+K-1; any breach fails the check\n"
          "  --set PATH=VALUE  override a field in every scenario, e.g.\n"
          "                    groups.billing.session_timeout=10s (repeatable)\n"
          "  -o, --out DIR     where run directories go: DIR/<scenario>/seed-<N>/\n"
          "                    (default: runs/check)\n"
          "  --json            print the results as JSON on stdout instead of the table\n"
          "  -q, --quiet       print only breaches and errors\n"
          "  --cluster mock|kafka\n"
          "                    run each scenario on a real cluster as `stormlab run` does\n"
          "                    (real time: the scenario's duration per run) and gate its\n"
          "                    summary.json values; the reproduce command is that run\n"
          "  --bootstrap HOST:PORT,...  --cluster-file FILE\n"
          "                    with --cluster kafka: as for `stormlab run` (docs/real-runs.md)\n"
          "  -h, --help        this help\n"
          "\n"
          "exit codes: 0 every gate kept, 1 a gate breached, 2 bad usage or bad scenario\n"
          "(nothing runs), 3 a run could not be carried out\n",
          f);
}

typedef struct {
    const char *path;
    sl_scenario_t *sc;
    char dirname[256]; /* run directory name under --out, unique per scenario */
} scen_t;

typedef struct {
    char label[300];  /* billing.rebalances */
    char bound[96];   /* <= 4 */
    char value[96];   /* 12, 398.3 s, never; an impact gate's "+1 @3" (at event 3) */
    char delta[96];   /* an impact gate's value without its event: "+1" */
    sl_expect_result_t r;
} gate_t;

static int is_seconds(const char *metric) {
    size_t n = strlen(metric);
    return !strcmp(metric, "stable_by") || (n > 2 && !strcmp(metric + n - 2, "_s"));
}

/* Whole numbers without decimals, others with three: counts read as
 * counts, seconds as summary.json writes them. */
static void fmt_num(char *buf, size_t n, double v) {
    if (fabs(v) < 1e15 && v == floor(v))
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, "%.3f", v);
}

/* An impact gate (docs/scenarios.md#impact-gates): impact[event 3].billing.rebalances, a signed delta. */
static void describe_impact(gate_t *g) {
    const sl_expect_result_t *r = &g->r;
    const char *unit = is_seconds(r->metric) ? " s" : "";
    char sel[64], lo[32], hi[32], v[32];
    if (!strcmp(r->selector, "event"))
        snprintf(sel, sizeof sel, "event %d", r->event);
    else
        snprintf(sel, sizeof sel, "%s", r->selector);
    snprintf(g->label, sizeof g->label, "impact[%s].%s%s%s", sel, r->group ? r->group : "", r->group ? "." : "",
             r->metric);
    fmt_num(lo, sizeof lo, r->min);
    fmt_num(hi, sizeof hi, r->max);
    if (r->verdict_bound)
        snprintf(g->bound, sizeof g->bound, "%s", r->verdict_bound);
    else if (r->has_min && r->has_max)
        snprintf(g->bound, sizeof g->bound, "%s..%s%s", lo, hi, unit);
    else if (r->has_max)
        snprintf(g->bound, sizeof g->bound, "<= %s%s", hi, unit);
    else
        snprintf(g->bound, sizeof g->bound, ">= %s%s", lo, unit);
    fmt_num(v, sizeof v, r->value);
    if (!r->has_value)
        snprintf(g->delta, sizeof g->delta, "no event");
    else if (r->verdict_bound)
        snprintf(g->delta, sizeof g->delta, "%s", r->verdict);
    else
        snprintf(g->delta, sizeof g->delta, "%s%s%s", r->value > 0 ? "+" : "", v, unit);
    snprintf(g->value, sizeof g->value, "%s", g->delta);
    if (r->has_value)
        snprintf(g->value + strlen(g->value), sizeof g->value - strlen(g->value), " @%d", r->event);
}

static void describe(gate_t *g) {
    const sl_expect_result_t *r = &g->r;
    if (r->is_impact) {
        describe_impact(g);
        return;
    }
    const char *unit = is_seconds(r->metric) ? " s" : "";
    char lo[32], hi[32];
    fmt_num(lo, sizeof lo, r->min);
    fmt_num(hi, sizeof hi, r->max);
    if (r->group)
        snprintf(g->label, sizeof g->label, "%s.%s", r->group, r->metric);
    else
        snprintf(g->label, sizeof g->label, "%s", r->metric);
    if (r->has_min && r->has_max)
        snprintf(g->bound, sizeof g->bound, "%s..%s%s", lo, hi, unit);
    else if (r->has_max)
        snprintf(g->bound, sizeof g->bound, "<= %s%s", hi, unit);
    else
        snprintf(g->bound, sizeof g->bound, ">= %s%s", lo, unit);
    if (!r->has_value) {
        snprintf(g->value, sizeof g->value, "%s", strcmp(r->metric, "stable_by") ? "unmeasured" : "never");
    } else {
        char v[32];
        fmt_num(v, sizeof v, r->value);
        snprintf(g->value, sizeof g->value, "%s%s", v, unit);
    }
}

/* "expected <= 4, got 12" */
static void expected_got(const sl_scenario_t *sc, const gate_t *g, char *buf, size_t n) {
    if (g->r.is_impact && g->r.has_value) {
        char what[512];
        sl_scenario_event_line(sc, g->r.event, what, sizeof what);
        snprintf(buf, n, "expected %s, got %s at event %d (%s): this run minus the same run without it", g->bound,
                 g->delta, g->r.event, what);
    } else if (!g->r.has_value && strcmp(g->r.metric, "stable_by"))
        snprintf(buf, n, "expected %s, got no value (not measured on this cluster)", g->bound);
    else if (!g->r.has_value)
        snprintf(buf, n, "expected %s, got never stable (the run ends unsettled)", g->bound);
    else
        snprintf(buf, n, "expected %s, got %s", g->bound, g->value);
}

/* Where the runs go: the simulator (cluster NULL) or a real cluster. */
typedef struct {
    const char *cluster, *bootstrap, *cluster_file;
} target_t;

/* The `stormlab sim` (or `stormlab run --cluster ...`) command line that
 * reproduces one run; malloc'd. */
static char *repro_cmd(const target_t *tg, const char *path, uint64_t seed, const char *const *sets, size_t n_sets,
                       int impact) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    sl_tx_shell(f, sl_tx_self());
    fputs(tg->cluster ? " run " : " sim ", f);
    sl_tx_shell(f, path);
    if (tg->cluster) {
        fputs(" --cluster ", f);
        sl_tx_shell(f, tg->cluster);
        if (tg->bootstrap) {
            fputs(" --bootstrap ", f);
            sl_tx_shell(f, tg->bootstrap);
        }
        if (tg->cluster_file) {
            fputs(" --cluster-file ", f);
            sl_tx_shell(f, tg->cluster_file);
        }
    }
    fprintf(f, " --seed %" PRIu64, seed);
    if (impact && !tg->cluster)
        fputs(" --impact", f); /* summary.json then holds the deltas the impact gates read */
    for (size_t i = 0; i < n_sets; i++) {
        fputs(" --set ", f);
        sl_tx_shell(f, sets[i]);
    }
    fclose(f);
    return buf;
}

typedef struct {
    int json, quiet;
    FILE *json_out;   /* memstream collecting runs while the table prints */
    int first_run;
    int name_w;
    size_t gates, breached, runs, runs_failed, run_errors;
} report_t;

static void print_header(const report_t *rp) {
    printf("%-*s %6s  %-30s %-16s %14s  %s\n", rp->name_w, "scenario", "seed", "gate", "bound", "value", "verdict");
}

static void json_gate(FILE *f, const gate_t *g, int first) {
    const sl_expect_result_t *r = &g->r;
    fprintf(f, "%s{\"gate\": ", first ? "" : ", ");
    sl_tx_json(f, g->label);
    fputs(", \"group\": ", f);
    sl_tx_json(f, r->group);
    fputs(", \"metric\": ", f);
    sl_tx_json(f, r->metric);
    if (r->has_min) fprintf(f, ", \"min\": %.17g", r->min);
    else fputs(", \"min\": null", f);
    if (r->has_max) fprintf(f, ", \"max\": %.17g", r->max);
    else fputs(", \"max\": null", f);
    if (r->has_value) fprintf(f, ", \"value\": %.17g", r->value);
    else fputs(", \"value\": null", f);
    if (r->is_impact) {
        fputs(", \"impact\": {\"selector\": ", f);
        sl_tx_json(f, r->selector);
        fprintf(f, ", \"events\": %d, \"event\": ", r->n_events);
        if (r->event >= 0) fprintf(f, "%d", r->event);
        else fputs("null", f);
        fputs(", \"verdict\": ", f);
        sl_tx_json(f, r->verdict);
        fputs(", \"verdict_bound\": ", f);
        sl_tx_json(f, r->verdict_bound);
        fputc('}', f);
    }
    fprintf(f, ", \"passed\": %s, \"line\": %d, \"col\": %d}", r->passed ? "true" : "false", r->line, r->col);
}

static int has_impact_gates(const sl_scenario_t *sc) {
    for (int i = 0; i < sl_scenario_expect_count(sc); i++)
        if (sl_scenario_expect_is_impact(sc, i))
            return 1;
    return 0;
}

/* Runs sc on the target into dir and fills its gates (n of them,
 * calloc'd into *gates_out); SL_OK or why the run could not be carried out. */
static sl_err_t run_gates(const target_t *tg, const sl_scenario_t *sc, const char *dir, gate_t **gates_out, int *n_out,
                          char *err, size_t errsz) {
    int n = sl_scenario_expect_count(sc);
    gate_t *gates = calloc((size_t)(n ? n : 1), sizeof *gates);
    if (!gates)
        return SL_E_NOMEM;
    sl_err_t rc = SL_OK;
    int impact = has_impact_gates(sc);
    if (!tg->cluster) {
        sl_sim_t *sim = NULL;
        /* the run directory's summary.json carries the impact the gates read */
        rc = sl_sim_run_to_dir_opts(sc, dir, impact ? SL_RUN_IMPACT : 0, &sim, err, errsz);
        for (int i = 0; rc == SL_OK && i < n; i++)
            rc = sl_sim_expect_result(sim, i, &gates[i].r);
        sl_sim_destroy(sim);
    } else {
#ifdef SL_HAVE_RUN
        sl_run_outcome_t oc;
        sl_run_opts_t ro = {0};
        ro.cluster = tg->cluster;
        ro.bootstrap = tg->bootstrap;
        ro.cluster_file = tg->cluster_file;
        ro.out = dir;
        ro.no_plots = 1;
        ro.quiet = 1;
        sl_err_t x = sl_realrun(sc, &ro, &oc);
        if (x != SL_OK) {
            snprintf(err, errsz, "stormlab run --cluster %s: %s; see log.txt in the run directory", tg->cluster,
                     x == SL_E_INVAL ? "bad input, nothing ran"
                     : oc.end == SL_RUN_FAILED ? oc.failure
                                                : "the run could not be carried out");
            rc = x == SL_E_INVAL ? SL_E_INVAL : SL_E_IO;
        }
        /* A real run's impact is the simulator's answer to the same scenario
         * (docs/outputs.md `impact`): counterfactual runs need a replayable clock. */
        sl_impact_t *im = NULL;
        if (rc == SL_OK && impact)
            rc = sl_impact_compute(sc, &im, err, errsz);
        for (int i = 0; rc == SL_OK && i < n; i++)
            rc = sl_scenario_expect_is_impact(sc, i) ? sl_impact_expect_eval(im, i, &gates[i].r)
                                                     : sl_expect_eval(sc, &oc.results, i, &gates[i].r);
        sl_impact_destroy(im);
        sl_run_outcome_free(&oc);
#else
        snprintf(err, errsz, "real-cluster runs are not in this build (built without librdkafka)");
        rc = SL_E_INVAL;
#endif
    }
    if (rc != SL_OK) {
        free(gates);
        return rc;
    }
    for (int i = 0; i < n; i++)
        describe(&gates[i]);
    *gates_out = gates;
    *n_out = n;
    return SL_OK;
}

/* Runs one scenario at one seed; returns the exit code it contributes. */
static int run_one(report_t *rp, sl_junit_t *ju, const target_t *tg, scen_t *s, uint64_t seed, const char *outdir,
                   const char *const *sets, size_t n_sets) {
    const char *name = sl_scenario_name(s->sc);
    char dir[4096], err[2048] = "", suite_name[512], seedstr[32];
    snprintf(dir, sizeof dir, "%s/%s/seed-%" PRIu64, outdir, s->dirname, seed);
    snprintf(seedstr, sizeof seedstr, "%" PRIu64, seed);
    snprintf(suite_name, sizeof suite_name, "%s (seed %" PRIu64 ")", name, seed);
    sl_scenario_set_seed(s->sc, seed);
    char *repro = repro_cmd(tg, s->path, seed, sets, n_sets, has_impact_gates(s->sc));
    double t0 = sl_wall_seconds();
    gate_t *gates = NULL;
    int n = 0;
    sl_err_t rc = run_gates(tg, s->sc, dir, &gates, &n, err, sizeof err);
    double wall = sl_wall_seconds() - t0;
    rp->runs++;
    sl_junit_suite_t *su = ju ? sl_junit_suite(ju, suite_name, s->path, wall) : NULL;
    if (su) {
        sl_junit_property(su, "scenario", name);
        sl_junit_property(su, "seed", seedstr);
        sl_junit_property(su, "run_dir", dir);
        if (repro) sl_junit_property(su, "reproduce", repro);
    }
    if (rp->json) {
        fprintf(rp->json_out, "%s\n  {\"scenario\": ", rp->first_run ? "" : ",");
        rp->first_run = 0;
        sl_tx_json(rp->json_out, name);
        fputs(", \"file\": ", rp->json_out);
        sl_tx_json(rp->json_out, s->path);
        fprintf(rp->json_out, ", \"seed\": %" PRIu64 ", \"dir\": ", seed);
        sl_tx_json(rp->json_out, dir);
        fputs(", \"reproduce\": ", rp->json_out);
        sl_tx_json(rp->json_out, repro);
        fprintf(rp->json_out, ", \"wall_s\": %.3f", wall);
    }
    int code = SL_EXIT_OK;
    if (rc != SL_OK) {
        const char *msg = err[0] ? err : sl_strerror(rc);
        code = rc == SL_E_INVAL ? SL_EXIT_USAGE : SL_EXIT_RUN;
        rp->run_errors++;
        fprintf(stderr, "stormlab check: %s (seed %" PRIu64 ") could not run: %s\n", s->path, seed, msg);
        if (su) {
            char *body = sl_tx_printf("%s\nseed: %" PRIu64 "\nreproduce: %s\n", msg, seed, repro ? repro : "");
            sl_junit_case(su, name, "run", s->path, 0, wall, SL_JUNIT_ERROR, msg, body);
            free(body);
        }
        if (rp->json) {
            fputs(", \"error\": ", rp->json_out);
            sl_tx_json(rp->json_out, msg);
            fputs(", \"gates\": []}", rp->json_out);
        }
        free(repro);
        return code;
    }
    int breached = 0;
    if (rp->json)
        fputs(", \"error\": null, \"gates\": [", rp->json_out);
    for (int i = 0; i < n; i++) {
        const gate_t g = gates[i];
        rp->gates++;
        char eg[1024];
        expected_got(s->sc, &g, eg, sizeof eg);
        if (!g.r.passed) {
            breached++;
            rp->breached++;
        }
        if (!rp->json && (!rp->quiet || !g.r.passed))
            printf("%-*s %6" PRIu64 "  %-30s %-16s %14s  %s\n", rp->name_w, name, seed, g.label, g.bound, g.value,
                   g.r.passed ? "ok" : "BREACH");
        if (rp->json)
            json_gate(rp->json_out, &g, i == 0);
        if (su) {
            char case_name[512];
            snprintf(case_name, sizeof case_name, "%s %s (seed %" PRIu64 ")", g.label, g.bound, seed);
            if (g.r.passed) {
                sl_junit_case(su, name, case_name, s->path, g.r.line, 0, SL_JUNIT_PASS, NULL, NULL);
            } else {
                char *msg = sl_tx_printf("%s: %s (seed %" PRIu64 ")", g.label, eg, seed);
                char *body = sl_tx_printf("%s:%d:%d: %s: %s\nseed: %" PRIu64 "\nreproduce: %s\nrun directory: %s\n",
                                          s->path, g.r.line, g.r.col, g.label, eg, seed, repro ? repro : "", dir);
                sl_junit_case(su, name, case_name, s->path, g.r.line, 0, SL_JUNIT_FAILURE, msg, body);
                free(msg);
                free(body);
            }
        }
    }
    if (rp->json)
        fputs("]}", rp->json_out);
    if (n == 0) {
        if (!rp->json && !rp->quiet)
            printf("%-*s %6" PRIu64 "  %-30s %-16s %14s  %s\n", rp->name_w, name, seed, "(no expect: gates)", "-",
                   "-", "ran");
        if (su)
            sl_junit_case(su, name, "run (no expect: gates)", s->path, 0, wall, SL_JUNIT_PASS, NULL, NULL);
    }
    if (breached) {
        rp->runs_failed++;
        code = SL_EXIT_EXPECT;
        /* the breach block goes to stderr in --json mode, keeping stdout JSON */
        FILE *o = rp->json ? stderr : stdout;
        for (int i = 0; i < n; i++) {
            const gate_t g = gates[i];
            if (g.r.passed)
                continue;
            char eg[1024];
            expected_got(s->sc, &g, eg, sizeof eg);
            fprintf(o, "  %s:%d:%d: %s: %s\n", s->path, g.r.line, g.r.col, g.label, eg);
        }
        fprintf(o, "  reproduce: %s\n  run directory: %s/\n", repro ? repro : "", dir);
    }
    free(repro);
    free(gates);
    return code;
}

static int worse(int a, int b) {
    static const int rank[] = {0, 1, 3, 2}; /* exit code -> severity: 2 > 3 > 1 > 0 */
    return rank[b] > rank[a] ? b : a;
}

int sl_cmd_check(int argc, char **argv) {
    static const struct option opts[] = {
        {"junit", required_argument, 0, 'J'}, {"seed", required_argument, 0, 's'},
        {"seeds", required_argument, 0, 'K'}, {"set", required_argument, 0, 'S'},
        {"out", required_argument, 0, 'o'},   {"json", no_argument, 0, 'j'},
        {"quiet", no_argument, 0, 'q'},       {"cluster", required_argument, 0, 'C'},
        {"bootstrap", required_argument, 0, 'B'}, {"cluster-file", required_argument, 0, 'F'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    target_t tg = {0};
    const char *sets[SL_CLI_MAX_SETS];
    size_t n_sets = 0;
    const char *junit = NULL, *outdir = "runs/check";
    uint64_t seed = 0, seeds = 1;
    int have_seed = 0, c;
    report_t rp;
    memset(&rp, 0, sizeof rp);
    rp.first_run = 1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hqo:", opts, NULL)) != -1) {
        switch (c) {
        case 'J': junit = optarg; break;
        case 's':
            if (sl_cli_take_seed("check", optarg, &seed, &have_seed) < 0)
                return SL_EXIT_USAGE;
            break;
        case 'K':
            if (sl_cli_parse_u64(optarg, &seeds) < 0 || seeds < 1 || seeds > MAX_SEEDS) {
                fprintf(stderr, "stormlab check: --seeds: '%s' is not a count, expected an integer 1..%d\n", optarg,
                        MAX_SEEDS);
                return SL_EXIT_USAGE;
            }
            break;
        case 'S':
            if (sl_cli_take_set("check", optarg, sets, &n_sets) < 0)
                return SL_EXIT_USAGE;
            break;
        case 'o': outdir = optarg; break;
        case 'j': rp.json = 1; break;
        case 'q': rp.quiet = 1; break;
        case 'C': tg.cluster = optarg; break;
        case 'B': tg.bootstrap = optarg; break;
        case 'F': tg.cluster_file = optarg; break;
        case 'h': usage(stdout); return SL_EXIT_OK;
        default:
            if (optopt && strchr("JsKSoCBF", optopt))
                fprintf(stderr, "stormlab check: option '%s' needs a value\n", argv[optind - 1]);
            else
                fprintf(stderr, "stormlab check: unknown option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return SL_EXIT_USAGE;
        }
    }
    if (tg.cluster && strcmp(tg.cluster, "mock") && strcmp(tg.cluster, "kafka")) {
        fprintf(stderr, "stormlab check: --cluster: '%s' is not a cluster kind, expected mock or kafka\n", tg.cluster);
        return SL_EXIT_USAGE;
    }
    if ((tg.bootstrap || tg.cluster_file) && (!tg.cluster || strcmp(tg.cluster, "kafka"))) {
        fprintf(stderr, "stormlab check: --bootstrap and --cluster-file go with --cluster kafka\n");
        return SL_EXIT_USAGE;
    }
#ifndef SL_HAVE_RUN
    if (tg.cluster) {
        fprintf(stderr, "stormlab check: --cluster %s: real-cluster runs are not in this build (built without "
                        "librdkafka); drop --cluster to check on the simulator\n", tg.cluster);
        return SL_EXIT_USAGE;
    }
#endif
    if (optind >= argc) {
        fprintf(stderr, "stormlab check: missing SCENARIO\n");
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    if (!*outdir) {
        fprintf(stderr, "stormlab check: --out: empty directory name\n");
        return SL_EXIT_USAGE;
    }
    if (junit && !*junit) {
        fprintf(stderr, "stormlab check: --junit: empty file name\n");
        return SL_EXIT_USAGE;
    }

    /* Load every scenario first: a bad file stops the check before anything runs. */
    size_t n = (size_t)(argc - optind);
    scen_t *sc = calloc(n, sizeof *sc);
    sl_junit_t *ju = junit ? sl_junit_new("stormlab check") : NULL;
    if (!sc || (junit && !ju)) {
        fprintf(stderr, "stormlab check: out of memory\n");
        free(sc);
        sl_junit_destroy(ju);
        return SL_EXIT_RUN;
    }
    int code = SL_EXIT_OK, bad = 0;
    rp.name_w = 8;
    for (size_t i = 0; i < n; i++) {
        char err[2048] = "";
        sc[i].path = argv[optind + (int)i];
        sl_err_t rc = sl_scenario_load_file(sc[i].path, sets, n_sets, &sc[i].sc, err, sizeof err);
        if (rc != SL_OK) {
            const char *msg = err[0] ? err : sl_strerror(rc);
            fprintf(stderr, "stormlab: %s\n", msg);
            bad++;
            code = worse(code, rc == SL_E_NOMEM ? SL_EXIT_RUN : SL_EXIT_USAGE);
            if (ju) {
                sl_junit_suite_t *su = sl_junit_suite(ju, sc[i].path, sc[i].path, 0);
                if (su) sl_junit_case(su, sc[i].path, "load", sc[i].path, 0, 0, SL_JUNIT_ERROR, msg, msg);
            }
            continue;
        }
        const char *name = sl_scenario_name(sc[i].sc);
        int w = (int)strlen(name);
        if (w > rp.name_w) rp.name_w = w < 40 ? w : 40;
        char base[220];
        sl_cli_safe_name(name, base, sizeof base);
        snprintf(sc[i].dirname, sizeof sc[i].dirname, "%s", base);
        /* two files with one name: number the later ones */
        for (int k = 2;; k++) {
            int clash = 0;
            for (size_t j = 0; j < i; j++)
                if (sc[j].sc && !strcmp(sc[j].dirname, sc[i].dirname)) clash = 1;
            if (!clash) break;
            snprintf(sc[i].dirname, sizeof sc[i].dirname, "%s-%d", base, k);
        }
    }
    char jerr[4200];
    if (bad) {
        fprintf(stderr, "stormlab check: %d of %zu scenario%s could not be loaded; nothing was run\n", bad, n,
                n == 1 ? "" : "s");
        if (ju && sl_junit_write_file(ju, junit, jerr, sizeof jerr) != 0)
            fprintf(stderr, "stormlab check: --junit %s\n", jerr);
        goto out;
    }

    double t0 = sl_wall_seconds();
    char *jbuf = NULL;
    size_t jlen = 0;
    if (rp.json) {
        rp.json_out = open_memstream(&jbuf, &jlen);
        if (!rp.json_out) {
            fprintf(stderr, "stormlab check: out of memory\n");
            code = SL_EXIT_RUN;
            goto out;
        }
    } else if (!rp.quiet) {
        printf("stormlab check: %zu scenario%s x %" PRIu64 " seed%s on %s%s\n", n, n == 1 ? "" : "s", seeds,
               seeds == 1 ? "" : "s", tg.cluster ? "the real cluster " : "the simulator", tg.cluster ? tg.cluster : "");
        print_header(&rp);
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t base = have_seed ? seed : sl_scenario_seed(sc[i].sc);
        for (uint64_t k = 0; k < seeds; k++) /* wraps past 2^64-1 to 0: a seed like any other */
            code = worse(code, run_one(&rp, ju, &tg, &sc[i], base + k, outdir, sets, n_sets));
        fflush(stdout);
    }
    double wall = sl_wall_seconds() - t0;
    if (rp.json) {
        fclose(rp.json_out);
        printf("{\"ok\": %s, \"exit\": %d, \"runs\": %zu, \"gates\": %zu, \"breached\": %zu, \"run_errors\": %zu, "
               "\"wall_s\": %.3f, \"results\": [%s\n]}\n",
               code == SL_EXIT_OK ? "true" : "false", code, rp.runs, rp.gates, rp.breached, rp.run_errors, wall,
               jbuf ? jbuf : "");
        free(jbuf);
    } else if (code == SL_EXIT_OK) {
        if (!rp.quiet)
            printf("check: ok: %zu gate%s kept in %zu run%s (%.2f s)\n", rp.gates, rp.gates == 1 ? "" : "s", rp.runs,
                   rp.runs == 1 ? "" : "s", wall);
    } else {
        printf("check: FAILED:");
        if (rp.breached)
            printf(" %zu of %zu gate%s breached in %zu of %zu run%s%s", rp.breached, rp.gates,
                   rp.gates == 1 ? "" : "s", rp.runs_failed, rp.runs, rp.runs == 1 ? "" : "s",
                   rp.run_errors ? ";" : "");
        if (rp.run_errors)
            printf(" %zu of %zu run%s could not be carried out", rp.run_errors, rp.runs, rp.runs == 1 ? "" : "s");
        printf(" (%.2f s)\n", wall);
    }
    if (ju) {
        if (sl_junit_write_file(ju, junit, jerr, sizeof jerr) != 0) {
            fprintf(stderr, "stormlab check: --junit %s\n", jerr);
            code = worse(code, SL_EXIT_RUN);
        } else if (!rp.json && !rp.quiet) {
            printf("junit: %s\n", junit);
        }
    }
out:
    for (size_t i = 0; i < n; i++)
        sl_scenario_destroy(sc[i].sc);
    free(sc);
    sl_junit_destroy(ju);
    return code;
}
