/*
 * stormlab explain DIR: for each rebalance in a run directory, the chain of
 * events back to its root and the first log line that root produced
 * (docs/explain.md).  Reads only the run directory, so it works the same on
 * simulated and real runs.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stormlab/outputs.h"
#include "report/causes.h"
#include "report/impact.h"
#include "cli.h"
#include "report/runfiles.h"

static void usage(FILE *f) {
    fputs("usage: stormlab explain DIR [--generation N] [--group GROUP] [--json]\n"
          "\n"
          "For each rebalance in run directory DIR (every group.rebalance.start after the\n"
          "group first settled), prints the chain of events back to its root, the injected\n"
          "fault or operator action, with times; and the first signal: the first log line\n"
          "in log.txt that descends from that root, which is rarely the root itself.\n"
          "\n"
          "options:\n"
          "  --generation N    only the rebalance(s) that produced generation N\n"
          "  --group GROUP     only this group's rebalances\n"
          "  --json            machine-readable output (see docs/explain.md)\n"
          "  -h, --help        this help\n"
          "\n"
          "exit codes: 0 ok, 2 bad usage, DIR not a run directory, or no such rebalance\n",
          f);
}

/* Terminal columns of a UTF-8 string: labels hold arrows (3 bytes, 1 column). */
static int columns(const char *s) {
    int cols = 0;
    for (const char *p = s; *p; p++)
        cols += ((unsigned char)*p & 0xC0) != 0x80;
    return cols;
}

/* s, then spaces to width columns and two more: printf's %-*s counts bytes,
 * and a value as wide as its column would run into the next. */
static void put_padded(const char *s, int width) {
    fputs(s, stdout);
    for (int cols = columns(s); cols < width + 2; cols++)
        fputc(' ', stdout);
}

/* Whether event r is a row of the by-root table: a root of a rebalance shown
 * (roots[r], marked once for all rows), or (unfiltered) any injected event,
 * which may have started none. */
static int by_root_row(const sl_run_t *run, const unsigned char *roots, int filtered, size_t r) {
    const sl_rf_event_t *e = &run->ev[r];
    return roots[r] || (!filtered && e->cause < 0 && sl_trace_kind_is_root(e->kind));
}

static const char *or_dash(const char *s) { return s ? s : "-"; }

static void print_text(const sl_run_t *run, const sl_causes_t *c, const int *pick, int filtered, json_t *impact) {
    char t[32], t2[32], label[512];
    printf("stormlab explain: %s (%s)\n", run->name, run->dir);
    for (size_t g = 0; g < run->n_groups; g++) {
        int n = 0;
        for (size_t i = 0; i < c->n_rb; i++)
            n += c->rb[i].group == (int)g;
        char end[600];
        sl_causes_group_end(run, (int)g, end, sizeof end);
        if (c->first_settled_s[g] < 0)
            printf("group %s never settled: no rebalances counted", run->groups[g]);
        else
            printf("group %s first settled at %.1f s; %d rebalance%s after that", run->groups[g],
                   c->first_settled_s[g], n, n == 1 ? "" : "s");
        if (*end)
            printf("; not settled at the end: %s", end);
        printf("\n");
    }
    for (size_t i = 0; i < c->n_rb; i++) {
        if (!pick[i])
            continue;
        const sl_rebalance_t *rb = &c->rb[i];
        const sl_rf_event_t *s = &run->ev[rb->start];
        const sl_rf_event_t *root = &run->ev[rb->chain[rb->n_chain - 1]];
        sl_fmt_clock(t, sizeof t, s->t_us);
        printf("\n%s rebalance %d -> generation ", run->groups[rb->group], rb->number);
        char end[600];
        if (rb->generation >= 0)
            printf("%d", rb->generation);
        else if (sl_causes_group_end(run, rb->group, end, sizeof end), *end)
            printf("(none: %s)", end);
        else
            printf("(none: the run ended first)");
        printf(", at %s\n", t);
        for (size_t k = 0; k < rb->n_chain; k++) {
            const sl_rf_event_t *e = &run->ev[rb->chain[k]];
            sl_fmt_clock(t, sizeof t, e->t_us);
            printf("  %s %s  %-26s %-10s %s\n", k ? "  <-" : "why:", t, e->kind, or_dash(e->node), or_dash(e->detail));
        }
        sl_fmt_clock(t, sizeof t, root->t_us);
        printf("  root:          %s at %s, %.1f s before: %s%s\n", root->kind, t, (s->t_us - root->t_us) / 1e6,
               sl_causes_label(root, label, sizeof label),
               sl_trace_kind_is_root(root->kind) ? "" : " (not injected by the scenario)");
        for (size_t k = 0; k < rb->n_also; k++) {
            const sl_rf_event_t *a = &run->ev[rb->also[k]], *v = &run->ev[rb->via[k]];
            sl_fmt_clock(t, sizeof t, a->t_us);
            sl_fmt_clock(t2, sizeof t2, v->t_us);
            printf("  %s%s at %s: %s; through %s %s at %s (%s)\n", k ? "               " : "also:          ", a->kind, t,
                   sl_causes_label(a, label, sizeof label), v->kind, or_dash(v->node), t2, or_dash(v->detail));
        }
        if (rb->first_signal < 0) {
            printf("  first signal:  none (no log line descends from the root)\n");
        } else {
            const sl_rf_log_t *l = &run->log[rb->first_signal];
            sl_fmt_clock(t2, sizeof t2, l->t_ms * 1000);
            printf("  first signal:  [%s] %-5s %s %s\n", t2, l->level, l->node, l->message);
            printf("                 %.1f s after the root, %.1f s %s the rebalance\n",
                   (l->t_ms * 1000 - root->t_us) / 1e6, (l->t_ms * 1000 > s->t_us ? l->t_ms * 1000 - s->t_us : s->t_us - l->t_ms * 1000) / 1e6,
                   l->t_ms * 1000 > s->t_us ? "after" : "before");
        }
    }
    /* The roll-up the lesson needs: what each injected event (or other root) cost in rebalances. */
    printf("\nby root (mechanism: the rebalances it started, and those it contributed to | effect: this run minus the run without the event):\n");
    /* columns as wide as their longest value (names run to 64 characters) */
    int kind_w = 0, label_w = 0;
    unsigned char *roots = calloc(run->n_ev ? run->n_ev : 1, 1);
    if (!roots) {
        fprintf(stderr, "stormlab explain: out of memory\n");
        return;
    }
    for (size_t i = 0; i < c->n_rb; i++)
        if (pick[i]) {
            roots[c->rb[i].chain[c->rb[i].n_chain - 1]] |= 1;
            for (size_t k = 0; k < c->rb[i].n_also; k++)
                roots[c->rb[i].also[k]] |= 2;
        }
    for (size_t r = 0; r < run->n_ev; r++) {
        if (!by_root_row(run, roots, filtered, r))
            continue;
        int k = columns(run->ev[r].kind), l = columns(sl_causes_label(&run->ev[r], label, sizeof label));
        kind_w = k > kind_w ? k : kind_w;
        label_w = l > label_w ? l : label_w;
    }
    long long same_t = -1;
    int same_k = 0;
    for (size_t r = 0; r < run->n_ev; r++) {
        const sl_rf_event_t *e = &run->ev[r];
        json_t *entry = NULL;
        if (e->cause < 0 && sl_trace_kind_is_root(e->kind)) { /* the k-th scenario event at this time */
            same_k = e->t_us == same_t ? same_k + 1 : 0;
            same_t = e->t_us;
            entry = sl_impact_entry_at(impact, e->t_us, same_k);
        }
        if (!by_root_row(run, roots, filtered, r)) /* a filtered view lists only the roots it shows */
            continue;
        sl_fmt_clock(t, sizeof t, e->t_us);
        printf("  %s  ", t);
        put_padded(e->kind, kind_w);
        put_padded(sl_causes_label(e, label, sizeof label), label_w);
        if (!(roots[r] & 1))
            printf(roots[r] ? "no rebalance of its own" : "no rebalance");
        for (size_t g = 0, groups = 0; g < run->n_groups; g++) {
            int n = 0;
            for (size_t i = 0; i < c->n_rb; i++) {
                if (!pick[i] || c->rb[i].group != (int)g || c->rb[i].chain[c->rb[i].n_chain - 1] != r)
                    continue;
                if (n++)
                    printf(", %d", c->rb[i].number);
                else
                    printf("%s%s rebalances %d", groups++ ? "; " : "", run->groups[g], c->rb[i].number);
            }
        }
        if (roots[r] & 2) { /* the rebalances it contributed to without starting them */
            int n = 0;
            for (size_t i = 0; i < c->n_rb; i++)
                for (size_t k = 0; pick[i] && k < c->rb[i].n_also; k++)
                    if (c->rb[i].also[k] == r)
                        printf("%s%s %d", n++ ? ", " : "; contributed to ", run->groups[c->rb[i].group],
                               c->rb[i].number);
        }
        if (entry) {
            char effect[1024];
            sl_impact_effect_text(entry, effect, sizeof effect);
            printf("  | event %lld: %s", (long long)json_integer_value(json_object_get(entry, "event")), effect);
        }
        printf("\n");
    }
    free(roots);
    json_t *base = json_object_get(impact, "impact_baselines");
    static const char *const names[][2] = {{"faults_only", "the team's actions (vs faults only)"},
                                           {"nothing_injected", "everything injected (vs nothing)"}};
    for (size_t i = 0; i < 2 && !filtered; i++) {
        json_t *b = json_object_get(base, names[i][0]);
        if (!b)
            continue;
        char effect[1024];
        sl_impact_effect_text(b, effect, sizeof effect);
        printf("  %-57s  | %s\n", names[i][1], effect);
    }
}

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *event_json(const sl_rf_event_t *e) {
    return json_pack("{s:I, s:I, s:s, s:o, s:o, s:o}", "t_us", (json_int_t)e->t_us, "seq", (json_int_t)e->seq, "kind",
                     e->kind, "node", jstr(e->node), "member", jstr(e->member), "detail", jstr(e->detail));
}

static void print_json(const sl_run_t *run, const sl_causes_t *c, const int *pick) {
    char label[512];
    json_t *groups = json_object(), *list = json_array();
    for (size_t g = 0; g < run->n_groups; g++)
        json_object_set_new(groups, run->groups[g],
                            json_pack("{s:o}", "first_settled_s",
                                      c->first_settled_s[g] < 0 ? json_null() : json_real(c->first_settled_s[g])));
    for (size_t i = 0; i < c->n_rb; i++) {
        if (!pick[i])
            continue;
        const sl_rebalance_t *rb = &c->rb[i];
        const sl_rf_event_t *s = &run->ev[rb->start], *root = &run->ev[rb->chain[rb->n_chain - 1]];
        json_t *chain = json_array();
        for (size_t k = 0; k < rb->n_chain; k++)
            json_array_append_new(chain, event_json(&run->ev[rb->chain[k]]));
        json_t *root_j = event_json(root);
        json_object_set_new(root_j, "label", json_string(sl_causes_label(root, label, sizeof label)));
        json_object_set_new(root_j, "injected", json_boolean(sl_trace_kind_is_root(root->kind)));
        json_t *sig = json_null();
        if (rb->first_signal >= 0) {
            const sl_rf_log_t *l = &run->log[rb->first_signal];
            sig = json_pack("{s:I, s:s, s:s, s:s}", "t_ms", (json_int_t)l->t_ms, "level", l->level, "node", l->node,
                            "message", l->message);
        }
        json_t *also = json_array();
        for (size_t k = 0; k < rb->n_also; k++) {
            const sl_rf_event_t *a = &run->ev[rb->also[k]];
            json_t *aj = event_json(a);
            json_object_set_new(aj, "label", json_string(sl_causes_label(a, label, sizeof label)));
            json_object_set_new(aj, "injected", json_boolean(sl_trace_kind_is_root(a->kind)));
            json_object_set_new(aj, "via", event_json(&run->ev[rb->via[k]]));
            json_array_append_new(also, aj);
        }
        json_array_append_new(list, json_pack("{s:s, s:i, s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "group",
                                              run->groups[rb->group], "number", rb->number, "generation",
                                              rb->generation < 0 ? json_null() : json_integer(rb->generation), "t_us",
                                              (json_int_t)s->t_us, "reason", jstr(s->detail), "chain", chain, "root",
                                              root_j, "also", also, "first_signal", sig));
    }
    json_t *doc = json_pack("{s:s, s:s, s:o, s:o}", "scenario", run->name, "dir", run->dir, "groups", groups,
                            "rebalances", list);
    json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    fputc('\n', stdout);
    json_decref(doc);
}

static int parse_int(const char *s, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !*s || *end || v < 0 || v > 1000000000)
        return -1;
    *out = (int)v;
    return 0;
}

int sl_cmd_explain(int argc, char **argv) {
    static const struct option opts[] = {{"generation", required_argument, 0, 'g'},
                                         {"group", required_argument, 0, 'G'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int generation = -1, json = 0, c;
    const char *group = NULL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'g':
            if (parse_int(optarg, &generation) < 0) {
                fprintf(stderr, "stormlab explain: --generation: '%s' is not a generation, expected an integer >= 0\n",
                        optarg);
                return SL_EXIT_USAGE;
            }
            break;
        case 'G': group = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return SL_EXIT_OK;
        default: return sl_cli_bad_option("explain", argv[optind - 1], usage);
        }
    }
    if (sl_cli_one_operand("explain", "DIR", argc, optind, usage) < 0)
        return SL_EXIT_USAGE;
    char err[4096];
    sl_run_t *run = NULL;
    if (sl_run_load(argv[optind], &run, err, sizeof err)) {
        fprintf(stderr, "stormlab explain: %s\n", err);
        return SL_EXIT_USAGE;
    }
    if (group && sl_run_group_index(run, group) < 0) {
        fprintf(stderr, "stormlab explain: --group: no group '%s' in %s\n", group, run->dir);
        sl_run_destroy(run);
        return SL_EXIT_USAGE;
    }
    sl_causes_t *cz = sl_causes_new(run);
    int *pick = calloc(cz->n_rb ? cz->n_rb : 1, sizeof *pick), picked = 0, rc = SL_EXIT_OK;
    if (!pick)
        abort();
    for (size_t i = 0; i < cz->n_rb; i++) {
        pick[i] = (generation < 0 || cz->rb[i].generation == generation) &&
                  (!group || !strcmp(run->groups[cz->rb[i].group], group));
        picked += pick[i];
    }
    if (generation >= 0 && !picked) {
        fprintf(stderr, "stormlab explain: no rebalance%s%s produced generation %d in %s", group ? " of " : "",
                group ? group : "", generation, run->dir);
        int lo = -1, hi = -1;
        for (size_t i = 0; i < cz->n_rb; i++) {
            int g = cz->rb[i].generation;
            if (g >= 0 && (!group || !strcmp(run->groups[cz->rb[i].group], group))) {
                lo = lo < 0 || g < lo ? g : lo;
                hi = g > hi ? g : hi;
            }
        }
        if (lo >= 0)
            fprintf(stderr, " (rebalances produced generations %d..%d)", lo, hi);
        fputc('\n', stderr);
        rc = SL_EXIT_USAGE;
    } else if (json) {
        print_json(run, cz, pick);
    } else {
        /* The impact column, when summary.json lacks it, takes one simulation
         * of the scenario per event: they run with the loaded run set aside,
         * so the two are never in memory together (a 100,000-member hour: 570
         * MiB a simulation, 720 MiB the loaded run); then it is read again,
         * the same files giving the same rebalances. */
        json_t *impact = NULL;
        char ierr[2048] = "";
        char scenario[4200];
        snprintf(scenario, sizeof scenario, "%s/scenario.resolved.yaml", run->dir);
        if (sl_impact_stored(run) || access(scenario, R_OK)) { /* read, or nothing to compute it from */
            impact = sl_impact_of_run(run, ierr, sizeof ierr);
        } else {
            char *dir = strdup(run->dir);
            size_t n_rb = cz->n_rb;
            if (!dir)
                abort();
            sl_causes_free(cz);
            sl_run_destroy(run);
            impact = sl_impact_compute_in(dir, ierr, sizeof ierr);
            run = NULL;
            cz = NULL;
            if (sl_run_load(dir, &run, err, sizeof err) || (cz = sl_causes_new(run))->n_rb != n_rb) {
                fprintf(stderr, "stormlab explain: %s\n",
                        run ? "the run's files changed while its impact was computed" : err);
                free(dir);
                free(pick);
                json_decref(impact);
                sl_causes_free(cz);
                sl_run_destroy(run);
                return SL_EXIT_USAGE;
            }
            free(dir);
        }
        if (!impact)
            fprintf(stderr, "stormlab explain: no impact column: %s\n", ierr);
        print_text(run, cz, pick, generation >= 0 || group, impact);
        json_decref(impact);
    }
    free(pick);
    sl_causes_free(cz);
    sl_run_destroy(run);
    return rc;
}
