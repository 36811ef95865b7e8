/*
 * stormlab compare DIR_A DIR_B: two run directories side by side, e.g. the
 * simulator against a real cluster on one scenario, or one scenario with two
 * seeds or settings (docs/compare.md).  Reads only the run directories'
 * files (runfiles.c), so any two runs compare: sim, mock, kafka.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stormlab/outputs.h"
#include "report/causes.h"
#include "cli.h"
#include "report/compare.h"
#include "report/impact.h"
#include "report/plot.h"
#include "report/runfiles.h"
#include "common/textout.h"

static void usage(FILE *f) {
    fputs("usage: stormlab compare DIR_A DIR_B [--out DIR] [--no-plots] [--no-impact] [--json]\n"
          "\n"
          "Puts two run directories side by side (written by `stormlab sim` or `stormlab run`):\n"
          "per consumer group rebalances, generation, first stable, stable from, time to\n"
          "stable after the first injected fault, seconds rebalancing, unowned\n"
          "partition-seconds, max lag and duplicates; the cluster's numbers; and B - A for\n"
          "each.  Draws overlay plots of the two timelines (members and generation, lag;\n"
          "A solid, B dashed; each run's faults in a strip of its own) with gnuplot, PNG and\n"
          "SVG per group, and writes compare.json and compare.html (the table and the plots,\n"
          "one page) next to them.  Then each scenario event's impact in A and in B, as\n"
          "explain shows it (this run minus the same run without the event, with its verdict;\n"
          "read from summary.json, else computed from scenario.resolved.yaml: docs/outputs.md).\n"
          "\n"
          "options:\n"
          "  --out DIR         where plots, compare.json and compare.html go (default\n"
          "                    runs/compare-A-vs-B, from the two directories' names)\n"
          "  --no-plots        the table only; nothing is written\n"
          "  --no-impact       leave the impact out (computing it costs one simulation\n"
          "                    per event of a run that has none)\n"
          "  --json            print compare.json to stdout instead of the table\n"
          "  -h, --help        this help\n"
          "\n"
          "exit codes: 0 compared (whether or not the runs differ), 2 bad usage or a\n"
          "directory that is not a run directory, 3 plots or compare.json could not be\n"
          "written\n",
          f);
}

/* A summary value: absent and null both read as "none". */
typedef struct {
    int has;
    double v;
    int integer;
} val_t;

typedef struct {
    const char *key;   /* summary.json key, or a derived one */
    const char *label; /* the table's */
} metric_t;

/* The per-group rows, in order.  time_to_stable_s is derived (see below). */
static const metric_t group_metrics[] = {
    {"rebalances", "rebalances"},
    {"generation", "generation"},
    {"first_stable_s", "first stable (s)"},
    {"stable_from_s", "stable from (s)"},
    {"time_to_stable_s", "time to stable (s)"},
    {"rebalance_s", "rebalancing (s)"},
    {"unowned_partition_s", "unowned partition-s"},
    {"max_lag", "max lag (records)"},
    {"duplicates", "duplicates (records)"},
};
#define N_GROUP_METRICS (sizeof group_metrics / sizeof group_metrics[0])

static const metric_t cluster_metrics[] = {
    {"unavailable_partition_s", "unavailable partition-s"},
    {"produce_errors", "produce errors"},
    {"lost_records", "lost records"},
    {"produced_records", "produced records"},
};
#define N_CLUSTER_METRICS (sizeof cluster_metrics / sizeof cluster_metrics[0])

typedef struct {
    const char *dir;
    sl_run_t *run;
    json_t *impact; /* {"impact": [...], "impact_baselines": {...}} or NULL (report/impact.h) */
    const char *kind; /* "sim", or summary.json's cluster_kind (mock, kafka) */
    double first_fault_s; /* first injected event, -1 when none */
    char label[256];
} side_t;

static val_t json_val(json_t *o, const char *key) {
    val_t r = {0, 0, 0};
    json_t *v = o ? json_object_get(o, key) : NULL;
    if (json_is_integer(v)) {
        r.has = r.integer = 1;
        r.v = (double)json_integer_value(v);
    } else if (json_is_real(v)) {
        r.has = 1;
        r.v = json_real_value(v);
    }
    return r;
}

/*
 * time_to_stable_s: seconds from the first injected fault or action to the
 * start of the group's final stable period; 0 when the group was already
 * stable for good before it (the fault never unsettled it); from the start
 * of the run when nothing was injected; none when the run ends unsettled.
 */
static val_t group_val(const side_t *s, const char *group, const char *key) {
    json_t *groups = json_object_get(s->run->summary, "groups");
    json_t *g = groups ? json_object_get(groups, group) : NULL;
    if (strcmp(key, "time_to_stable_s"))
        return json_val(g, key);
    val_t r = json_val(g, "stable_from_s");
    if (!r.has || !g)
        return r;
    r.integer = 0;
    double from = s->first_fault_s > 0 ? s->first_fault_s : 0;
    r.v = r.v > from ? r.v - from : 0;
    return r;
}

static val_t cluster_val(const side_t *s, const char *key) {
    return json_val(json_object_get(s->run->summary, "cluster"), key);
}

static int differs(val_t a, val_t b) {
    if (a.has != b.has)
        return 1;
    if (!a.has)
        return 0;
    /* the summary rounds to the millisecond */
    return fabs(a.v - b.v) > 5e-4;
}

static void fmt_val(char *buf, size_t n, val_t v) {
    if (!v.has)
        snprintf(buf, n, "-");
    else if (v.integer)
        snprintf(buf, n, "%.0f", v.v);
    else
        snprintf(buf, n, "%.1f", v.v);
}

static void fmt_diff(char *buf, size_t n, val_t a, val_t b) {
    if (!differs(a, b)) {
        snprintf(buf, n, "=");
        return;
    }
    if (!a.has || !b.has) {
        snprintf(buf, n, "%s", a.has ? "(B has none)" : "(A has none)");
        return;
    }
    double d = b.v - a.v;
    char pct[32] = "";
    if (a.v != 0)
        snprintf(pct, sizeof pct, " (%+.0f%%)", 100.0 * d / fabs(a.v));
    if (a.integer && b.integer)
        snprintf(buf, n, "%+.0f%s", d, pct);
    else
        snprintf(buf, n, "%+.1f%s", d, pct);
}

static void put_num(FILE *f, val_t v) {
    if (!v.has)
        fputs("null", f);
    else if (v.integer)
        fprintf(f, "%.0f", v.v);
    else
        fprintf(f, "%.3f", v.v);
}

static void put_cell(FILE *f, val_t a, val_t b) {
    fputs("{\"a\": ", f);
    put_num(f, a);
    fputs(", \"b\": ", f);
    put_num(f, b);
    fputs(", \"diff\": ", f);
    if (a.has && b.has) {
        val_t d = {1, b.v - a.v, a.integer && b.integer};
        put_num(f, d);
    } else {
        fputs("null", f);
    }
    fputs(", \"rel\": ", f);
    if (a.has && b.has && a.v != 0)
        fprintf(f, "%.4f", (b.v - a.v) / fabs(a.v));
    else
        fputs("null", f);
    fprintf(f, ", \"same\": %s}", differs(a, b) ? "false" : "true");
}

/* Groups of A in order, then those only B has. */
static size_t union_groups(const side_t *a, const side_t *b, const char **out) {
    size_t n = 0;
    for (size_t i = 0; i < a->run->n_groups; i++)
        out[n++] = a->run->groups[i];
    for (size_t i = 0; i < b->run->n_groups; i++)
        if (sl_run_group_index(a->run, b->run->groups[i]) < 0)
            out[n++] = b->run->groups[i];
    return n;
}

static void put_side(FILE *f, const side_t *s) {
    fputs("{\"dir\": ", f);
    sl_tx_json(f, s->dir);
    fputs(", \"scenario\": ", f);
    sl_tx_json(f, s->run->name);
    val_t seed = json_val(s->run->summary, "seed");
    fputs(", \"seed\": ", f);
    put_num(f, seed);
    fputs(", \"kind\": ", f);
    sl_tx_json(f, s->kind);
    fprintf(f, ", \"duration_s\": %.3f, \"first_fault_s\": ", s->run->duration_s);
    if (s->first_fault_s >= 0)
        fprintf(f, "%.3f", s->first_fault_s);
    else
        fputs("null", f);
    fputs("}", f);
}

/* ---- impact, side by side ---- */

static const char *const baselines[][2] = {{"faults_only", "the team's actions (vs faults only)"},
                                           {"nothing_injected", "everything injected (vs nothing)"}};

static int same_event(json_t *x, json_t *y) {
    const char *wx = json_string_value(json_object_get(x, "what")), *wy = json_string_value(json_object_get(y, "what"));
    return wx && wy && !strcmp(wx, wy) &&
           fabs(json_number_value(json_object_get(x, "at_s")) - json_number_value(json_object_get(y, "at_s"))) < 1e-6;
}

/* Pairs the events of A and B: the same `what` at the same time (events
 * match across two settings of one scenario even when one run has more of
 * them).  Fills pairs[k] = {index in A or -1, index in B or -1}; returns k. */
static size_t pair_events(json_t *a, json_t *b, int (*pairs)[2]) {
    size_t na = json_array_size(a), nb = json_array_size(b), k = 0;
    char *used = calloc(nb + 1, 1);
    if (!used)
        return 0;
    for (size_t i = 0; i < na; i++) {
        pairs[k][0] = (int)i;
        pairs[k][1] = -1;
        for (size_t j = 0; j < nb; j++)
            if (!used[j] && same_event(json_array_get(a, i), json_array_get(b, j))) {
                used[j] = 1;
                pairs[k][1] = (int)j;
                break;
            }
        k++;
    }
    for (size_t j = 0; j < nb; j++)
        if (!used[j]) {
            pairs[k][0] = -1;
            pairs[k][1] = (int)j;
            k++;
        }
    free(used);
    return k;
}

static void print_effect(const char *side, json_t *entry) {
    char effect[1024];
    if (!entry) {
        printf("    %s: (no such event)\n", side);
        return;
    }
    sl_impact_effect_text(entry, effect, sizeof effect);
    printf("    %s: event %lld: %s\n", side, (long long)json_integer_value(json_object_get(entry, "event")), effect);
}

static void print_impact(const side_t *a, const side_t *b) {
    json_t *la = json_object_get(a->impact, "impact"), *lb = json_object_get(b->impact, "impact");
    int(*pairs)[2] = calloc(json_array_size(la) + json_array_size(lb) + 1, sizeof *pairs);
    if (!pairs)
        return;
    size_t n = pair_events(la, lb, pairs);
    printf("\nimpact (each event: this run minus the same run without it; docs/outputs.md)\n");
    for (size_t k = 0; k < n; k++) {
        json_t *ea = pairs[k][0] >= 0 ? json_array_get(la, (size_t)pairs[k][0]) : NULL;
        json_t *eb = pairs[k][1] >= 0 ? json_array_get(lb, (size_t)pairs[k][1]) : NULL;
        json_t *e = ea ? ea : eb;
        char t[32];
        sl_fmt_clock(t, sizeof t, llround(json_number_value(json_object_get(e, "at_s")) * 1e6));
        printf("  %s  %s  %s\n", t, json_string_value(json_object_get(e, "kind")),
               json_string_value(json_object_get(e, "what")));
        print_effect("A", ea);
        print_effect("B", eb);
    }
    for (size_t i = 0; i < 2; i++) {
        json_t *ba = json_object_get(json_object_get(a->impact, "impact_baselines"), baselines[i][0]);
        json_t *bb = json_object_get(json_object_get(b->impact, "impact_baselines"), baselines[i][0]);
        char ta[1024] = "-", tb[1024] = "-";
        if (!ba && !bb)
            continue;
        if (ba)
            sl_impact_effect_text(ba, ta, sizeof ta);
        if (bb)
            sl_impact_effect_text(bb, tb, sizeof tb);
        printf("  %s\n    A: %s\n    B: %s\n", baselines[i][1], ta, tb);
    }
    free(pairs);
}

static void put_json(FILE *f, json_t *v) {
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    fputs(text ? text : "null", f);
    free(text);
}

/* compare.json's "impact": [{"a": entry|null, "b": entry|null}, ...] and
 * "impact_baselines": {"faults_only": {"a": ..., "b": ...}, ...}. */
static void write_impact_json(FILE *f, const side_t *a, const side_t *b) {
    json_t *la = json_object_get(a->impact, "impact"), *lb = json_object_get(b->impact, "impact");
    int(*pairs)[2] = calloc(json_array_size(la) + json_array_size(lb) + 1, sizeof *pairs);
    size_t n = pairs ? pair_events(la, lb, pairs) : 0;
    fputs(",\n \"impact\": [", f);
    for (size_t k = 0; k < n; k++) {
        fprintf(f, "%s\n  {\"a\": ", k ? "," : "");
        put_json(f, pairs[k][0] >= 0 ? json_array_get(la, (size_t)pairs[k][0]) : NULL);
        fputs(", \"b\": ", f);
        put_json(f, pairs[k][1] >= 0 ? json_array_get(lb, (size_t)pairs[k][1]) : NULL);
        fputc('}', f);
    }
    fputs("],\n \"impact_baselines\": {", f);
    for (size_t i = 0; i < 2; i++) {
        fprintf(f, "%s\"%s\": {\"a\": ", i ? ", " : "", baselines[i][0]);
        put_json(f, json_object_get(json_object_get(a->impact, "impact_baselines"), baselines[i][0]));
        fputs(", \"b\": ", f);
        put_json(f, json_object_get(json_object_get(b->impact, "impact_baselines"), baselines[i][0]));
        fputc('}', f);
    }
    fputc('}', f);
    free(pairs);
}

/* compare.json: what the table shows, cell by cell. */
static void write_json(FILE *f, const side_t *a, const side_t *b, const char **groups, size_t n_groups,
                       int differences, int compared, const char *plots_dir) {
    fputs("{\"a\": ", f);
    put_side(f, a);
    fputs(",\n \"b\": ", f);
    put_side(f, b);
    fputs(",\n \"groups\": {", f);
    for (size_t g = 0; g < n_groups; g++) {
        fprintf(f, "%s\n  ", g ? "," : "");
        sl_tx_json(f, groups[g]);
        fprintf(f, ": {\"in_a\": %s, \"in_b\": %s", sl_run_group_index(a->run, groups[g]) >= 0 ? "true" : "false",
                sl_run_group_index(b->run, groups[g]) >= 0 ? "true" : "false");
        for (size_t m = 0; m < N_GROUP_METRICS; m++) {
            fprintf(f, ",\n    \"%s\": ", group_metrics[m].key);
            put_cell(f, group_val(a, groups[g], group_metrics[m].key), group_val(b, groups[g], group_metrics[m].key));
        }
        fputs("}", f);
    }
    fputs("},\n \"cluster\": {", f);
    for (size_t m = 0; m < N_CLUSTER_METRICS; m++) {
        fprintf(f, "%s\n  \"%s\": ", m ? "," : "", cluster_metrics[m].key);
        put_cell(f, cluster_val(a, cluster_metrics[m].key), cluster_val(b, cluster_metrics[m].key));
    }
    fputc('}', f);
    if (a->impact && b->impact)
        write_impact_json(f, a, b);
    fprintf(f, ",\n \"differences\": %d, \"compared\": %d, \"plots\": ", differences, compared);
    sl_tx_json(f, plots_dir);
    fputs("}\n", f);
}

static void print_row(const char *label, val_t a, val_t b) {
    char va[48], vb[48], d[64];
    fmt_val(va, sizeof va, a);
    fmt_val(vb, sizeof vb, b);
    fmt_diff(d, sizeof d, a, b);
    printf("  %-24s %12s %12s   %s\n", label, va, vb, d);
}

static void print_side(const char *which, const side_t *s) {
    val_t seed = json_val(s->run->summary, "seed");
    char sd[32];
    fmt_val(sd, sizeof sd, seed);
    printf("  %s: %s  (%s, scenario %s, seed %s, %.0f s)\n", which, s->dir, s->kind, s->run->name, sd,
           s->run->duration_s);
}

static void print_table(const side_t *a, const side_t *b, const char **groups, size_t n_groups, int differences,
                        int compared) {
    printf("stormlab compare\n");
    print_side("A", a);
    print_side("B", b);
    for (size_t g = 0; g < n_groups; g++) {
        int ia = sl_run_group_index(a->run, groups[g]) >= 0, ib = sl_run_group_index(b->run, groups[g]) >= 0;
        printf("\ngroup %-20s %12s %12s   %s%s\n", groups[g], "A", "B", "B - A",
               ia && ib ? "" : ia ? "   (only in A)" : "   (only in B)");
        for (size_t m = 0; m < N_GROUP_METRICS; m++)
            print_row(group_metrics[m].label, group_val(a, groups[g], group_metrics[m].key),
                      group_val(b, groups[g], group_metrics[m].key));
    }
    printf("\n%-26s %12s %12s   %s\n", "cluster", "A", "B", "B - A");
    for (size_t m = 0; m < N_CLUSTER_METRICS; m++)
        print_row(cluster_metrics[m].label, cluster_val(a, cluster_metrics[m].key),
                  cluster_val(b, cluster_metrics[m].key));
    printf("\ndifferences: %d of %d values differ", differences, compared);
    if (a->first_fault_s >= 0 || b->first_fault_s >= 0) {
        char fa[32] = "-", fb[32] = "-";
        if (a->first_fault_s >= 0)
            snprintf(fa, sizeof fa, "%.1f s", a->first_fault_s);
        if (b->first_fault_s >= 0)
            snprintf(fb, sizeof fb, "%.1f s", b->first_fault_s);
        printf(" (time to stable counts from the first injected fault: A %s, B %s)", fa, fb);
    }
    printf("\n");
    if (a->impact && b->impact)
        print_impact(a, b);
}

static double first_fault_s(const sl_run_t *run) {
    for (size_t i = 0; i < run->n_ev; i++)
        if (run->ev[i].cause < 0 && run->ev[i].kind && sl_trace_kind_is_root(run->ev[i].kind))
            return run->ev[i].t_us / 1e6;
    return -1;
}

/* "sim/member-cut-long" from ".../sim/member-cut-long/": the last two path
 * components, enough to tell two runs apart in a legend. */
static void short_label(const char *dir, const char *kind, char *out, size_t n) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    size_t len = strlen(buf);
    while (len > 1 && buf[len - 1] == '/')
        buf[--len] = 0;
    const char *p = buf + len;
    int slashes = 0;
    while (p > buf && slashes < 2) {
        p--;
        if (*p == '/' && ++slashes == 2)
            p++;
    }
    snprintf(out, n, "%s (%s)", p, kind);
}

static int load_side(side_t *s, const char *dir) {
    char err[8192];
    s->dir = dir;
    if (sl_run_load(dir, &s->run, err, sizeof err)) {
        fprintf(stderr, "stormlab compare: %s\n", err);
        return -1;
    }
    json_t *k = json_object_get(s->run->summary, "cluster_kind");
    s->kind = json_is_string(k) ? json_string_value(k) : "sim";
    s->first_fault_s = first_fault_s(s->run);
    short_label(dir, s->kind, s->label, sizeof s->label);
    return 0;
}

/* Owns the formatted strings of one row of compare.html. */
typedef struct {
    sl_compare_row_t row;
    char a[48], b[48], diff[64];
} page_row_t;

static void page_row(page_row_t *p, const char *group, const char *only, const char *label, val_t a, val_t b) {
    fmt_val(p->a, sizeof p->a, a);
    fmt_val(p->b, sizeof p->b, b);
    fmt_diff(p->diff, sizeof p->diff, a, b);
    p->row = (sl_compare_row_t){group, label, p->a, p->b, p->diff, only, differs(a, b)};
}

/* compare.html from the same values and formatting as the terminal's table. */
static int write_page(const char *outdir, const side_t *a, const side_t *b, const char **groups, size_t n_groups,
                      int differences, int compared, int with_plots) {
    size_t n = n_groups * N_GROUP_METRICS + N_CLUSTER_METRICS, k = 0;
    page_row_t *p = calloc(n, sizeof *p);
    sl_compare_row_t *rows = calloc(n, sizeof *rows);
    char err[8192] = "", seed_a[32], seed_b[32];
    int rc = -1;
    if (!p || !rows) {
        fprintf(stderr, "stormlab compare: out of memory\n");
        goto out;
    }
    for (size_t g = 0; g < n_groups; g++) {
        int ia = sl_run_group_index(a->run, groups[g]) >= 0, ib = sl_run_group_index(b->run, groups[g]) >= 0;
        const char *only = ia && ib ? NULL : ia ? "only in A" : "only in B";
        for (size_t m = 0; m < N_GROUP_METRICS; m++, k++)
            page_row(&p[k], groups[g], only, group_metrics[m].label, group_val(a, groups[g], group_metrics[m].key),
                     group_val(b, groups[g], group_metrics[m].key));
    }
    for (size_t m = 0; m < N_CLUSTER_METRICS; m++, k++)
        page_row(&p[k], NULL, NULL, cluster_metrics[m].label, cluster_val(a, cluster_metrics[m].key),
                 cluster_val(b, cluster_metrics[m].key));
    for (size_t i = 0; i < n; i++)
        rows[i] = p[i].row;
    fmt_val(seed_a, sizeof seed_a, json_val(a->run->summary, "seed"));
    fmt_val(seed_b, sizeof seed_b, json_val(b->run->summary, "seed"));
    sl_compare_side_t sa = {a->dir, a->kind, a->run->name, seed_a, a->run->duration_s, a->first_fault_s};
    sl_compare_side_t sb = {b->dir, b->kind, b->run->name, seed_b, b->run->duration_s, b->first_fault_s};
    rc = sl_compare_page_write(outdir, &sa, &sb, rows, n, differences, compared, with_plots, err, sizeof err);
    if (rc)
        fprintf(stderr, "stormlab compare: %s\n", err);
out:
    free(p);
    free(rows);
    return rc;
}

/* runs/compare-A-vs-B: the last component of each directory (the last two
 * when those are equal, as in runs/sim/x and runs/kafka/x), through the
 * one name sanitiser; never inside either run's directory. */
static void default_out(const char *dir_a, const char *dir_b, char *out, size_t n) {
    char na[4096], nb[4096], name[8300];
    const char *dirs[2] = {dir_a, dir_b};
    char *names[2] = {na, nb};
    for (int two = 0; two < 2; two++) {
        for (int i = 0; i < 2; i++) {
            char buf[4096];
            snprintf(buf, sizeof buf, "%s", dirs[i]);
            size_t len = strlen(buf);
            while (len > 1 && buf[len - 1] == '/')
                buf[--len] = 0;
            char *p = strrchr(buf, '/');
            if (two && p && p > buf) {
                *p = '-';
                p = strrchr(buf, '/');
            }
            snprintf(names[i], 4096, "%s", p ? p + 1 : buf);
        }
        if (strcmp(na, nb))
            break;
    }
    snprintf(name, sizeof name, "compare-%s-vs-%s", na, nb);
    sl_cli_default_out(name, "", out, n);
}

static int write_file_json(const char *outdir, const side_t *a, const side_t *b, const char **groups, size_t n_groups,
                           int differences, int compared, const char *plots_dir) {
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/compare.json", outdir);
    snprintf(tmp, sizeof tmp, "%s/.compare.json.partial", outdir);
    FILE *f = sl_output_create(tmp);
    if (!f) {
        fprintf(stderr, "stormlab compare: %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    write_json(f, a, b, groups, n_groups, differences, compared, plots_dir);
    if (fclose(f) || rename(tmp, path)) {
        fprintf(stderr, "stormlab compare: %s: %s\n", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

int sl_cmd_compare(int argc, char **argv) {
    static const struct option opts[] = {{"help", no_argument, 0, 'h'},
                                         {"json", no_argument, 0, 'j'},
                                         {"out", required_argument, 0, 'o'},
                                         {"no-plots", no_argument, 0, 'P'},
                                         {"no-impact", no_argument, 0, 'I'},
                                         {0, 0, 0, 0}};
    int c, json = 0, no_plots = 0, no_impact = 0;
    const char *out = NULL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return SL_EXIT_OK;
        case 'j': json = 1; break;
        case 'o': out = optarg; break;
        case 'P': no_plots = 1; break;
        case 'I': no_impact = 1; break;
        default:
            if (optopt == 'o' || (optind > 0 && !strcmp(argv[optind - 1], "--out")))
                fprintf(stderr, "stormlab compare: --out needs a directory\n");
            else
                fprintf(stderr, "stormlab compare: unknown option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return SL_EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "stormlab compare: expected two run directories, got %d\n", argc - optind);
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    if (out && !*out) {
        fprintf(stderr, "stormlab compare: --out needs a directory\n");
        return SL_EXIT_USAGE;
    }
    side_t a = {0}, b = {0};
    int rc = SL_EXIT_USAGE;
    const char **groups = NULL;
    char *outbuf = NULL;
    if (load_side(&a, argv[optind]) || load_side(&b, argv[optind + 1]))
        goto done;
    groups = calloc(a.run->n_groups + b.run->n_groups + 1, sizeof *groups);
    if (!groups) {
        rc = SL_EXIT_RUN;
        goto done;
    }
    size_t n_groups = union_groups(&a, &b, groups);
    if (!no_impact) {
        char ierr[4096] = "";
        side_t *sides[] = {&a, &b};
        for (int i = 0; i < 2; i++)
            if (!(sides[i]->impact = sl_impact_of_run(sides[i]->run, ierr, sizeof ierr)))
                fprintf(stderr, "stormlab compare: no impact for %s: %s\n", sides[i]->dir, ierr);
    }
    int differences = 0, compared = 0;
    for (size_t g = 0; g < n_groups; g++)
        for (size_t m = 0; m < N_GROUP_METRICS; m++, compared++)
            differences += differs(group_val(&a, groups[g], group_metrics[m].key),
                                   group_val(&b, groups[g], group_metrics[m].key));
    for (size_t m = 0; m < N_CLUSTER_METRICS; m++, compared++)
        differences += differs(cluster_val(&a, cluster_metrics[m].key), cluster_val(&b, cluster_metrics[m].key));

    rc = SL_EXIT_OK;
    const char *plots_dir = NULL, *plots_note = NULL;
    char err[8192] = "";
    if (!no_plots) {
        char def[4400];
        default_out(a.dir, b.dir, def, sizeof def);
        outbuf = strdup(out ? out : def);
        if (!outbuf || sl_tx_mkdirs(outbuf)) {
            fprintf(stderr, "stormlab compare: %s: %s\n", outbuf ? outbuf : "--out", strerror(errno));
            rc = SL_EXIT_RUN;
            goto done;
        }
        switch (sl_compare_plot(a.run, b.run, a.label, b.label, outbuf, err, sizeof err)) {
        case SL_CMP_PLOT_OK: plots_dir = outbuf; break;
        case SL_CMP_PLOT_NO_GNUPLOT:
            plots_note = "gnuplot not found, so no overlay plots were drawn (the table is complete); install it "
                         "with `sudo apt-get install gnuplot-nox` and run compare again";
            break;
        default:
            fprintf(stderr, "stormlab compare: %s\n", err);
            rc = SL_EXIT_RUN;
        }
        if (write_file_json(outbuf, &a, &b, groups, n_groups, differences, compared, plots_dir))
            rc = SL_EXIT_RUN;
        /* the page only when it is whole: with every plot, or none because gnuplot is absent */
        if (rc == SL_EXIT_OK && write_page(outbuf, &a, &b, groups, n_groups, differences, compared, plots_dir != NULL))
            rc = SL_EXIT_RUN;
    }
    if (json)
        write_json(stdout, &a, &b, groups, n_groups, differences, compared, plots_dir);
    else
        print_table(&a, &b, groups, n_groups, differences, compared);
    if (plots_note)
        fprintf(stderr, "stormlab compare: %s\n", plots_note);
    if (!json && outbuf && rc == SL_EXIT_OK) {
        size_t drawn = 0;
        for (size_t g = 0; g < a.run->n_groups; g++)
            drawn += sl_run_group_index(b.run, a.run->groups[g]) >= 0;
        if (plots_dir)
            printf("plots: %s/ (GROUP-members, GROUP-lag as .png and .svg, %zu group%s), compare.json and "
                   "compare.html\n",
                   outbuf, drawn, drawn == 1 ? "" : "s");
        else
            printf("written: %s/compare.json and compare.html\n", outbuf);
    }
done:
    free(outbuf);
    free(groups);
    json_decref(a.impact);
    json_decref(b.impact);
    sl_run_destroy(a.run);
    sl_run_destroy(b.run);
    return rc;
}
