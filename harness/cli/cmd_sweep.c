/*
 * stormlab sweep SCENARIO --vary K=V1,V2 [--vary ..]: run the Cartesian grid
 * of overrides on the simulator, each point in its own process and its own
 * run directory, and write results.tsv (one row per point).  --shard I/N
 * runs a deterministic slice; `sweep --merge DIR...` joins the slices.
 *
 * Processes: the parent validates every point first (a bad value stops the
 * sweep before anything runs), then forks up to --jobs children; each child
 * loads its point, runs it with sl_sim_run_to_dir() into DIR/points/NNNN and
 * sends its result row back through a pipe.  A child that dies without a row
 * is reported as crashed.  Rows are written in point order, so results.tsv
 * is the same bytes for any --jobs and for merged shards.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "report/plot.h"
#include "stormlab/stormlab.h"
#include "gate/pool.h"
#include "gate/sweep.h"
#include "common/textout.h"

#ifndef SL_PLOTS_DIR
#define SL_PLOTS_DIR "plots"
#endif

#define MAX_SETS 256

static const char *const group_metrics[] = {"rebalances",     "generation", "rebalance_s",    "unowned_partition_s",
                                            "max_lag",        "duplicates", "first_stable_s", "stable_from_s"};
#define N_GROUP_METRICS (sizeof group_metrics / sizeof group_metrics[0])

static void usage(FILE *f) {
    fputs("usage: stormlab sweep SCENARIO --vary PATH=V1,V2,... [--vary ...] [--set PATH=VALUE]...\n"
          "                      [--seed N] [--jobs N] [--shard I/N] [--out DIR] [--metric M]\n"
          "                      [--no-plots] [--json] [--quiet]\n"
          "       stormlab sweep --merge DIR... [--out DIR] [--metric M] [--no-plots] [--json] [--quiet]\n"
          "\n"
          "Runs SCENARIO once for every combination of the --vary values (the Cartesian\n"
          "grid), in parallel processes, each point in DIR/points/NNNN/ (a full run\n"
          "directory), and writes DIR/results.tsv: one row per point with the varied\n"
          "values, the seed, every summary metric per group and for the cluster, the\n"
          "number of `expect:` gates breached, and the point's status.  With gnuplot,\n"
          "also a heatmap (two varied keys) or line plot (one) of --metric.\n"
          "\n"
          "options:\n"
          "  --vary PATH=V1,V2,...  a scenario path (as --set takes it) and its values;\n"
          "                    commas inside [] or {} do not split, \\, is a literal comma\n"
          "  --set PATH=VALUE  a fixed override applied to every point (repeatable)\n"
          "  --seed N          seed of every point (default: the scenario's)\n"
          "  -j, --jobs N      parallel processes (default: the number of cores)\n"
          "  --shard I/N       run only shard I of N (1 <= I <= N): points p with\n"
          "                    p mod N = I-1; the same grid splits the same way anywhere\n"
          "  -o, --out DIR     output directory (default: runs/<scenario>-sweep, or\n"
          "                    runs/<scenario>-sweep-shard-I-of-N)\n"
          "  --merge DIR...    join the results.tsv of shard directories into --out\n"
          "                    (refuses different grids, duplicate or missing points)\n"
          "  --metric M        the column the plot and the printed matrix show\n"
          "                    (default: <first group>.rebalances)\n"
          "  --no-plots        do not render the plot\n"
          "  --json            print the rows as JSON on stdout\n"
          "  -q, --quiet       print nothing but errors; no progress bar\n"
          "  -h, --help        this help\n"
          "\n"
          "A sweep does not gate: use `stormlab check` for that.  Sharding and merging on\n"
          "GNU parallel, Slurm and Kubernetes: docs/scale.md.\n"
          "\n"
          "exit codes: 0 every point ran, 2 bad usage or a bad point (nothing runs) or a\n"
          "point the simulator refused, 3 a point could not be carried out\n",
          f);
}

/* ---------------------------------------------------------------- grid */

typedef struct {
    const char *path;
    const char *base_sets[MAX_SETS];
    size_t n_base;
    sl_vary_t vary[SL_SWEEP_MAX_VARY];
    size_t n_vary;
    size_t points;
    int have_seed;
    uint64_t seed;
    const char *out;
    char **groups; /* column groups, from point 0 */
    size_t n_groups;
    int width;     /* digits of point directory names */
} sweep_t;

/* The --set list of point p: the fixed sets, then KEY=VALUE of each vary.
 * The vary strings are malloc'd into owned[]; free with free_owned(). */
static int point_sets(const sweep_t *s, size_t p, const char **sets, char **owned) {
    size_t idx[SL_SWEEP_MAX_VARY];
    sl_grid_point(s->vary, s->n_vary, p, idx);
    size_t n = 0;
    for (size_t i = 0; i < s->n_base; i++) sets[n++] = s->base_sets[i];
    for (size_t i = 0; i < s->n_vary; i++) {
        owned[i] = sl_tx_printf("%s=%s", s->vary[i].key, s->vary[i].values[idx[i]]);
        if (!owned[i]) return -1;
        sets[n++] = owned[i];
    }
    return (int)n;
}

static void free_owned(const sweep_t *s, char **owned) {
    for (size_t i = 0; i < s->n_vary; i++) { free(owned[i]); owned[i] = NULL; }
}

/* "k1=v1, k2=v2" for messages */
static void point_label(const sweep_t *s, size_t p, char *buf, size_t n) {
    size_t idx[SL_SWEEP_MAX_VARY], len = 0;
    sl_grid_point(s->vary, s->n_vary, p, idx);
    buf[0] = '\0';
    for (size_t i = 0; i < s->n_vary && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s=%s", i ? ", " : "", s->vary[i].key,
                                s->vary[i].values[idx[i]]);
}

static sl_err_t load_point(const sweep_t *s, size_t p, sl_scenario_t **sc, char *err, size_t errsz) {
    const char *sets[MAX_SETS + SL_SWEEP_MAX_VARY];
    char *owned[SL_SWEEP_MAX_VARY] = {0};
    int n = point_sets(s, p, sets, owned);
    sl_err_t rc = n < 0 ? SL_E_NOMEM : sl_scenario_load_file(s->path, sets, (size_t)n, sc, err, errsz);
    free_owned(s, owned);
    if (rc == SL_OK && s->have_seed) sl_scenario_set_seed(*sc, s->seed);
    return rc;
}

/* The column line (without newline) into f. */
static void write_columns(FILE *f, const sl_vary_t *vary, size_t n_vary, char *const *groups, size_t n_groups) {
    fputs("point", f);
    for (size_t i = 0; i < n_vary; i++) fprintf(f, "\t%s", vary[i].key);
    fputs("\tseed", f);
    for (size_t g = 0; g < n_groups; g++)
        for (size_t m = 0; m < N_GROUP_METRICS; m++) fprintf(f, "\t%s.%s", groups[g], group_metrics[m]);
    fputs("\tunavailable_partition_s\tproduce_errors\tlost_records\tproduced_records\tgates\tgates_failed\tstatus", f);
}

/* ------------------------------------------------------------- children */

static void put_s(FILE *f, double v) {
    if (v < 0) fputs("\tNA", f);
    else fprintf(f, "\t%.3f", v);
}

/* The row of a point after its vary values: seed, metrics, gates, status. */
static char *result_row(const sweep_t *s, const sl_scenario_t *sc, sl_sim_t *sim, const char *status) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fprintf(f, "%" PRIu64, sl_scenario_seed(sc));
    for (size_t g = 0; g < s->n_groups; g++) {
        sl_group_result_t r;
        int found = 0;
        for (int i = 0; sim && i < sl_sim_group_count(sim); i++)
            if (sl_sim_group_result(sim, i, &r) == SL_OK && !strcmp(r.group, s->groups[g])) { found = 1; break; }
        if (!found) {
            for (size_t m = 0; m < N_GROUP_METRICS; m++) fputs("\tNA", f);
            continue;
        }
        fprintf(f, "\t%d\t%d\t%.3f\t%.3f\t%lld\t%lld", r.rebalances, r.generation, r.rebalance_s,
                r.unowned_partition_s, (long long)r.max_lag, (long long)r.duplicates);
        put_s(f, r.first_stable_s);
        put_s(f, r.stable_from_s);
    }
    if (sim) {
        sl_cluster_result_t c;
        sl_sim_cluster_result(sim, &c);
        fprintf(f, "\t%.3f\t%lld\t%lld\t%lld", c.unavailable_partition_s, (long long)c.produce_errors,
                (long long)c.lost_records, (long long)c.produced_records);
        int n = sl_sim_expect_count(sim), failed = 0;
        for (int i = 0; i < n; i++) {
            sl_expect_result_t e;
            if (sl_sim_expect_result(sim, i, &e) == SL_OK && !e.passed) failed++;
        }
        fprintf(f, "\t%d\t%d", n, failed);
    } else {
        fputs("\tNA\tNA\tNA\tNA\tNA\tNA", f);
    }
    fprintf(f, "\t%s\n", status);
    fclose(f);
    return buf;
}

/* In the child: run point p, send the row; the point's exit code. */
static int run_point(const sweep_t *s, size_t p, int fd) {
    char err[2048] = "", dir[4096], label[1024];
    sl_scenario_t *sc = NULL;
    sl_sim_t *sim = NULL;
    point_label(s, p, label, sizeof label);
    sl_err_t rc = load_point(s, p, &sc, err, sizeof err);
    int code = SL_EXIT_OK;
    if (rc == SL_OK) {
        snprintf(dir, sizeof dir, "%s/points/%0*zu", s->out, s->width, p);
        rc = sl_sim_run_to_dir(sc, dir, &sim, err, sizeof err);
    }
    if (rc != SL_OK) {
        code = rc == SL_E_INVAL ? SL_EXIT_USAGE : SL_EXIT_RUN;
        fprintf(stderr, "\nstormlab sweep: point %zu (%s): %s\n", p, label, err[0] ? err : sl_strerror(rc));
    }
    char *row = sc ? result_row(s, sc, sim, code == SL_EXIT_OK ? "ok" : code == SL_EXIT_USAGE ? "refused" : "failed")
                   : NULL;
    if (row) sl_pool_write_all(fd, row, strlen(row));
    free(row);
    sl_sim_destroy(sim);
    sl_scenario_destroy(sc);
    return code;
}

typedef struct {
    const sweep_t *s;
    const size_t *list; /* task i runs point list[i] */
} points_t;

static int point_task(void *ctx, size_t i, int fd) {
    const points_t *pt = ctx;
    return run_point(pt->s, pt->list[i], fd);
}

/* Runs the points in list[0..count) with up to jobs children (gate/pool.h);
 * rows[p] gets each point's row (after the vary values).  Returns the worst
 * exit code. */
static int run_points(const sweep_t *s, const size_t *list, size_t count, size_t jobs, char **rows, int show) {
    char **got = calloc(count ? count : 1, sizeof *got);
    if (!got) {
        fprintf(stderr, "stormlab sweep: out of memory\n");
        return SL_EXIT_RUN;
    }
    points_t pt = {s, list};
    int code = sl_pool_run("sweep", "point", count, jobs, point_task, &pt, got, show);
    for (size_t i = 0; i < count; i++) rows[list[i]] = got[i];
    free(got);
    return code;
}

/* ------------------------------------------------------ matrix and plot */

/* Field k (0-based, tab-separated) of line into buf. */
static void field(const char *line, size_t k, char *buf, size_t n) {
    for (; k && line; k--) {
        line = strchr(line, '\t');
        if (line) line++;
    }
    if (!line) { snprintf(buf, n, "NA"); return; }
    size_t len = strcspn(line, "\t");
    snprintf(buf, n, "%.*s", (int)(len < n ? len : n - 1), line);
}

static long column_index(const char *columns, const char *name) {
    size_t k = 0;
    for (const char *p = columns; p; k++) {
        size_t len = strcspn(p, "\t");
        if (len == strlen(name) && !strncmp(p, name, len)) return (long)k;
        p = strchr(p, '\t');
        if (p) p++;
    }
    return -1;
}

/* The plain metric columns a user may pick with --metric. */
static int is_metric_column(const char *columns, long k, size_t n_vary) {
    char name[512];
    field(columns, (size_t)k, name, sizeof name);
    return k > (long)n_vary + 1 && strcmp(name, "status") != 0;
}

static void metric_list(const char *columns, size_t n_vary, char *buf, size_t n) {
    size_t len = 0;
    buf[0] = '\0';
    for (long k = (long)n_vary + 2;; k++) {
        char name[512];
        field(columns, (size_t)k, name, sizeof name);
        if (!strcmp(name, "NA") || !strcmp(name, "status")) break;
        if (len < n) len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "", name);
    }
}

/* The metric over the grid as a table on stdout (one or two varied keys). */
static void print_matrix(const sl_vary_t *vary, size_t n_vary, char *const *rows, long col, const char *metric) {
    char v[128];
    if (n_vary == 1) {
        printf("%s by %s:\n", metric, vary[0].key);
        for (size_t a = 0; a < vary[0].n; a++) {
            field(rows[a], (size_t)col, v, sizeof v);
            printf("  %-24s %12s\n", vary[0].values[a], v);
        }
        return;
    }
    if (n_vary != 2) return;
    int w0 = 6;
    for (size_t a = 0; a < vary[0].n; a++)
        if ((int)strlen(vary[0].values[a]) + 2 > w0) w0 = (int)strlen(vary[0].values[a]) + 2;
    /* full values: each column as wide as its heading (cooperative-sticky, not cooperative-) */
    int wc = 12;
    for (size_t b = 0; b < vary[1].n; b++)
        if ((int)strlen(vary[1].values[b]) > wc) wc = (int)strlen(vary[1].values[b]);
    printf("%s (rows: %s, columns: %s):\n", metric, vary[0].key, vary[1].key);
    printf("  %-*s", w0, "");
    for (size_t b = 0; b < vary[1].n; b++) printf(" %*s", wc, vary[1].values[b]);
    putchar('\n');
    for (size_t a = 0; a < vary[0].n; a++) {
        printf("  %-*s", w0, vary[0].values[a]);
        for (size_t b = 0; b < vary[1].n; b++) {
            field(rows[a * vary[1].n + b], (size_t)col, v, sizeof v);
            printf(" %*s", wc, v);
        }
        putchar('\n');
    }
}

static int in_path(const char *prog) {
    const char *path = getenv("PATH");
    while (path && *path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        char cand[4096];
        snprintf(cand, sizeof cand, "%.*s/%s", (int)len, len ? path : ".", prog);
        if (access(cand, X_OK) == 0) return 1;
        path = end ? end + 1 : NULL;
    }
    return 0;
}

/* A gnuplot single-quoted string: '' stands for '. */
static void gp_str(FILE *f, const char *name, const char *s) {
    fprintf(f, "%s='", name);
    for (; *s; s++) {
        if (*s == '\'') fputc('\'', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputs("'; ", f);
}

/* Renders plots/sweep.gp for metric; prints what happened.  Never fails
 * the sweep: results.tsv is the product, the plot a view of it. */
static void render_plot(const char *out, const char *scenario, const sl_vary_t *vary, size_t n_vary,
                        char *const *rows, long col, const char *metric, int quiet) {
    if (n_vary > 2) {
        if (!quiet)
            printf("plot: skipped: a plot shows one or two varied keys, this sweep varies %zu (results.tsv has "
                   "every point)\n", n_vary);
        return;
    }
    if (!in_path("gnuplot")) {
        if (!quiet)
            printf("plot: skipped: gnuplot not found; install it with `sudo apt-get install gnuplot-nox` "
                   "(results.tsv is written)\n");
        return;
    }
    const char *pdir = getenv("STORMLAB_PLOTS_DIR");
    char script[4096], pl[4096], dat[4600], base[4600], safe[256];
    snprintf(script, sizeof script, "%s/sweep.gp", pdir && *pdir ? pdir : SL_PLOTS_DIR);
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "stormlab sweep: plot skipped: %s: %s (set STORMLAB_PLOTS_DIR to the plots/ folder)\n",
                script, strerror(errno));
        return;
    }
    snprintf(pl, sizeof pl, "%s/plots", out);
    sl_cli_safe_name(metric, safe, sizeof safe);
    snprintf(dat, sizeof dat, "%s/sweep-%s.dat", pl, safe);
    snprintf(base, sizeof base, "%s/sweep-%s", pl, safe);
    FILE *f = sl_tx_mkdirs(pl) == 0 ? sl_output_create(dat) : NULL;
    if (!f) {
        fprintf(stderr, "stormlab sweep: plot skipped: %s: %s\n", dat, strerror(errno));
        return;
    }
    char v[128];
    /* heatmap: x = second key (columns), y = first key (rows), as printed */
    size_t nx = n_vary == 2 ? vary[1].n : vary[0].n, ny = n_vary == 2 ? vary[0].n : 1;
    for (size_t a = 0; a < ny; a++)
        for (size_t b = 0; b < nx; b++) {
            field(rows[a * nx + b], (size_t)col, v, sizeof v);
            const char *xl = n_vary == 2 ? vary[1].values[b] : vary[0].values[b];
            const char *yl = n_vary == 2 ? vary[0].values[a] : "";
            fprintf(f, "%zu\t%zu\t%s\t\"%s\"\t\"%s\"\n", b, a, strcmp(v, "NA") ? v : "NaN", xl, yl);
        }
    fclose(f);
    char *expr = NULL;
    size_t elen = 0;
    FILE *e = open_memstream(&expr, &elen);
    if (!e) return;
    gp_str(e, "datafile", dat);
    gp_str(e, "outbase", base);
    gp_str(e, "mode", n_vary == 2 ? "heatmap" : "line");
    gp_str(e, "metric", metric);
    gp_str(e, "scenario", scenario);
    gp_str(e, "xname", n_vary == 2 ? vary[1].key : vary[0].key);
    gp_str(e, "yname", n_vary == 2 ? vary[0].key : "");
    fprintf(e, "nx=%zu; ny=%zu", nx, ny);
    fclose(e);
    /* gnuplot's stderr goes to a log shown only when it fails: its warnings are not the user's business */
    char gnuplot[4096], log[4700], err[2048] = "";
    pid_t pid = -1;
    snprintf(log, sizeof log, "%s/.sweep-%s.log", pl, safe);
    int bad = sl_plot_find_gnuplot(gnuplot, sizeof gnuplot) || sl_plot_spawn_gnuplot(gnuplot, expr, script, log, &pid) ||
              sl_plot_wait_gnuplot(pid, log, "the sweep plot", err, sizeof err);
    free(expr);
    if (bad)
        fprintf(stderr, "stormlab sweep: plot failed (results.tsv is written): %s\n", err[0] ? err : strerror(errno));
    else if (!quiet)
        printf("plot: %s.png, %s.svg (%s)\n", base, base, metric);
}

/* ------------------------------------------------------------- outputs */

static int write_results(const char *out, char *const *header, size_t n_header, const char *columns,
                         char *const *rows, size_t points) {
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/results.tsv", out);
    snprintf(tmp, sizeof tmp, "%s.partial", path);
    FILE *f = sl_output_create(tmp);
    if (!f) {
        fprintf(stderr, "stormlab sweep: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < n_header; i++) fprintf(f, "%s\n", header[i]);
    fprintf(f, "%s\n", columns);
    for (size_t p = 0; p < points; p++)
        if (rows[p]) fprintf(f, "%s\n", rows[p]);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        fprintf(stderr, "stormlab sweep: %s: %s\n", path, strerror(errno ? errno : EIO));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void print_json(const char *columns, char *const *rows, size_t points, size_t n_vary) {
    char name[512], v[4096];
    long n_cols = 1;
    for (const char *p = columns; *p; p++) n_cols += *p == '\t';
    printf("[");
    int first = 1;
    for (size_t p = 0; p < points; p++) {
        if (!rows[p]) continue;
        printf("%s\n  {", first ? "" : ",");
        first = 0;
        for (long k = 0; k < n_cols; k++) {
            field(columns, (size_t)k, name, sizeof name);
            field(rows[p], (size_t)k, v, sizeof v);
            if (k) fputs(", ", stdout);
            sl_tx_json(stdout, name);
            fputs(": ", stdout);
            int is_text = (k >= 1 && k <= (long)n_vary) || k == n_cols - 1;
            if (is_text) sl_tx_json(stdout, v);
            else if (!strcmp(v, "NA")) fputs("null", stdout);
            else fputs(v, stdout);
        }
        putchar('}');
    }
    printf("\n]\n");
}

/* After results.tsv: the matrix and the plot, when every point is there. */
static void show_results(const char *out, const char *scenario, const sl_vary_t *vary, size_t n_vary,
                         const char *columns, char *const *rows, size_t points, const char *metric, int plots,
                         int quiet) {
    for (size_t p = 0; p < points; p++)
        if (!rows[p]) return; /* a shard: the merged results show the grid */
    long col = column_index(columns, metric);
    if (col < 0) return;
    if (!quiet) print_matrix(vary, n_vary, rows, col, metric);
    if (plots) render_plot(out, scenario, vary, n_vary, rows, col, metric, quiet);
}

/* --------------------------------------------------------------- merge */

static int do_merge(char **dirs, int n, const char *out, const char *metric, int plots, int json, int quiet) {
    sl_results_t *in = calloc((size_t)n, sizeof *in);
    char err[4400], path[4200];
    int code = SL_EXIT_USAGE;
    sl_vary_t vary[SL_SWEEP_MAX_VARY];
    size_t n_vary = 0;
    char **rows = NULL;
    if (!in) return SL_EXIT_RUN;
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
            snprintf(path, sizeof path, "%s/results.tsv", dirs[i]);
        else
            snprintf(path, sizeof path, "%s", dirs[i]);
        if (sl_results_read(path, &in[i], err, sizeof err) != 0) {
            fprintf(stderr, "stormlab sweep --merge: %s\n", err);
            goto out;
        }
        if (i == 0) continue;
        int same = in[i].n_header == in[0].n_header && !strcmp(in[i].columns, in[0].columns);
        for (size_t h = 0; same && h < in[0].n_header; h++) same = !strcmp(in[i].header[h], in[0].header[h]);
        if (!same) {
            fprintf(stderr, "stormlab sweep --merge: %s is a different sweep than %s (its header lines differ: "
                    "scenario, grid, --vary, --set or --seed), expected shards of one sweep\n", dirs[i], dirs[0]);
            goto out;
        }
        for (int j = 0; j < i; j++)
            if (in[i].shard && in[j].shard && !strcmp(in[i].shard, in[j].shard)) {
                fprintf(stderr, "stormlab sweep --merge: %s and %s are both shard %s\n", dirs[j], dirs[i],
                        in[i].shard);
                goto out;
            }
    }
    size_t points = in[0].points;
    rows = calloc(points, sizeof *rows);
    if (!rows) { code = SL_EXIT_RUN; goto out; }
    for (int i = 0; i < n; i++)
        for (size_t p = 0; p < points; p++) {
            if (!in[i].rows[p]) continue;
            if (rows[p]) {
                int j = 0;
                while (!in[j].rows[p]) j++;
                fprintf(stderr, "stormlab sweep --merge: point %zu is in both %s and %s\n", p, dirs[j], dirs[i]);
                goto out;
            }
            rows[p] = in[i].rows[p];
        }
    size_t missing = 0;
    for (size_t p = 0; p < points; p++) missing += !rows[p];
    if (missing) {
        unsigned si = 0, sn = 0;
        char e2[256];
        if (in[0].shard) sl_shard_parse(in[0].shard, &si, &sn, e2, sizeof e2);
        fprintf(stderr, "stormlab sweep --merge: %zu of %zu points missing:", missing, points);
        size_t shown = 0;
        for (size_t p = 0; p < points && shown < 10; p++)
            if (!rows[p]) {
                if (sn) fprintf(stderr, "%s %zu (shard %zu/%u)", shown ? "," : "", p, p % sn + 1, sn);
                else fprintf(stderr, "%s %zu", shown ? "," : "", p);
                shown++;
            }
        fprintf(stderr, "%s; expected every shard's directory\n", missing > shown ? ", ..." : "");
        goto out;
    }
    for (size_t h = 0; h < in[0].n_header; h++)
        if (!strncmp(in[0].header[h], "# vary: ", 8)) {
            if (n_vary == SL_SWEEP_MAX_VARY || sl_vary_parse(in[0].header[h] + 8, &vary[n_vary], err, sizeof err)) {
                fprintf(stderr, "stormlab sweep --merge: %s: bad \"# vary:\" line\n", dirs[0]);
                goto out;
            }
            n_vary++;
        }
    const char *scen = sl_results_header(&in[0], "scenario");
    char defout[512];
    if (!out) {
        sl_cli_default_out(scen ? scen : "sweep", "-sweep", defout, sizeof defout);
        out = defout;
    }
    if (sl_tx_mkdirs(out) != 0) {
        fprintf(stderr, "stormlab sweep --merge: %s: %s\n", out, strerror(errno));
        code = SL_EXIT_RUN;
        goto out;
    }
    char mdef[600];
    if (!metric) {
        field(in[0].columns, n_vary + 2, mdef, sizeof mdef);
        metric = mdef;
    }
    long col = column_index(in[0].columns, metric);
    if (col < 0 || !is_metric_column(in[0].columns, col, n_vary)) {
        char list[4096];
        metric_list(in[0].columns, n_vary, list, sizeof list);
        fprintf(stderr, "stormlab sweep --merge: --metric %s: no such column, expected one of %s\n", metric, list);
        goto out;
    }
    if (write_results(out, in[0].header, in[0].n_header, in[0].columns, rows, points) != 0) {
        code = SL_EXIT_RUN;
        goto out;
    }
    if (json)
        print_json(in[0].columns, rows, points, n_vary);
    else if (!quiet)
        printf("stormlab sweep --merge: %s, %zu points from %d director%s\n", scen ? scen : "?", points, n,
               n == 1 ? "y" : "ies");
    show_results(out, scen ? scen : "", vary, n_vary, in[0].columns, rows, points, metric, plots, quiet || json);
    if (!quiet && !json) printf("results: %s/results.tsv\n", out);
    code = SL_EXIT_OK;
out:
    for (int i = 0; i < n; i++) sl_results_free(&in[i]);
    for (size_t i = 0; i < n_vary; i++) sl_vary_free(&vary[i]);
    free(in);
    free(rows); /* the strings were in[]'s */
    return code;
}

/* --------------------------------------------------------------- sweep */

/* ------------------------------------------------------------- command */

/* One sweep from the command line to its printed results.  Each stage
 * below fills its part of the state and returns GO_ON, or the exit code. */
#define GO_ON (-1)

typedef struct {
    sweep_t s;
    const char *metric, *shard;
    long jobs;
    int merge, plots, json, quiet;
    unsigned si, sn;          /* shard si of sn (1 of 1: the whole grid) */
    char **operands;          /* what follows the options */
    int n_operands;
    sl_scenario_t *sc0;       /* point 0, loaded */
    char **header;            /* results.tsv's comment lines */
    size_t n_header;
    char *columns;            /* results.tsv's column line */
    size_t *list, count;      /* the points this shard runs */
    char **rows;              /* results.tsv's rows, by point */
    double wall;              /* seconds the points took */
    int points_code;          /* how the points went (SL_EXIT_*) */
    char defout[600], mdef[600];
    char err[4400];
} sweep_cmd_t;

/* parse: the options into the state. */
static int sweep_parse(sweep_cmd_t *st, int argc, char **argv) {
    static const struct option opts[] = {
        {"vary", required_argument, 0, 'V'},  {"set", required_argument, 0, 'S'},
        {"seed", required_argument, 0, 's'},  {"jobs", required_argument, 0, 'j'},
        {"shard", required_argument, 0, 'H'}, {"out", required_argument, 0, 'o'},
        {"merge", no_argument, 0, 'M'},       {"metric", required_argument, 0, 'm'},
        {"no-plots", no_argument, 0, 'P'},    {"json", no_argument, 0, 'J'},
        {"quiet", no_argument, 0, 'q'},       {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    sweep_t *s = &st->s;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hqo:j:", opts, NULL)) != -1) {
        switch (c) {
        case 'V':
            if (s->n_vary == SL_SWEEP_MAX_VARY) {
                fprintf(stderr, "stormlab sweep: too many --vary options (at most %d)\n", SL_SWEEP_MAX_VARY);
                return SL_EXIT_USAGE;
            }
            if (sl_vary_parse(optarg, &s->vary[s->n_vary], st->err, sizeof st->err) != 0) {
                fprintf(stderr, "stormlab sweep: %s\n", st->err);
                return SL_EXIT_USAGE;
            }
            for (size_t i = 0; i < s->n_vary; i++)
                if (!strcmp(s->vary[i].key, s->vary[s->n_vary].key)) {
                    fprintf(stderr, "stormlab sweep: --vary %s: %s is varied twice, expected each path once\n",
                            optarg, s->vary[i].key);
                    s->n_vary++;
                    return SL_EXIT_USAGE;
                }
            s->n_vary++;
            break;
        case 'S':
            if (s->n_base == MAX_SETS) {
                fprintf(stderr, "stormlab sweep: too many --set options (at most %d)\n", MAX_SETS);
                return SL_EXIT_USAGE;
            }
            if (strpbrk(optarg, "\n\r")) {
                fprintf(stderr, "stormlab sweep: --set: a newline in '%s', expected one line\n", optarg);
                return SL_EXIT_USAGE;
            }
            s->base_sets[s->n_base++] = optarg;
            break;
        case 's':
            if (sl_cli_take_seed("sweep", optarg, &s->seed, &s->have_seed) < 0)
                return SL_EXIT_USAGE;
            break;
        case 'j':
            if (sl_pool_parse_jobs("sweep", optarg, &st->jobs) < 0)
                return SL_EXIT_USAGE;
            break;
        case 'H': st->shard = optarg; break;
        case 'o': s->out = optarg; break;
        case 'M': st->merge = 1; break;
        case 'm': st->metric = optarg; break;
        case 'P': st->plots = 0; break;
        case 'J': st->json = 1; break;
        case 'q': st->quiet = 1; break;
        case 'h': usage(stdout); return SL_EXIT_OK;
        default:
            if (optopt && strchr("VSsjHom", optopt))
                fprintf(stderr, "stormlab sweep: option '%s' needs a value\n", argv[optind - 1]);
            else
                fprintf(stderr, "stormlab sweep: unknown option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return SL_EXIT_USAGE;
        }
    }
    st->operands = argv + optind;
    st->n_operands = argc - optind;
    return GO_ON;
}

/* validate: the options together; --merge ends here, joining shards. */
static int sweep_validate(sweep_cmd_t *st) {
    sweep_t *s = &st->s;
    if (s->out && !*s->out) {
        fprintf(stderr, "stormlab sweep: --out: empty directory name\n");
        return SL_EXIT_USAGE;
    }
    if (st->merge) {
        if (s->n_vary || s->n_base || st->shard || s->have_seed || st->jobs) {
            fprintf(stderr, "stormlab sweep: --merge joins finished shards; --vary, --set, --seed, --jobs and "
                    "--shard belong to the sweep itself\n");
            return SL_EXIT_USAGE;
        }
        if (!st->n_operands) {
            fprintf(stderr, "stormlab sweep: --merge: expected the shard directories (or results.tsv files)\n");
            return SL_EXIT_USAGE;
        }
        return do_merge(st->operands, st->n_operands, s->out, st->metric, st->plots, st->json, st->quiet);
    }
    if (!st->n_operands) {
        fprintf(stderr, "stormlab sweep: missing SCENARIO\n");
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    if (st->n_operands != 1) {
        fprintf(stderr, "stormlab sweep: expected exactly one SCENARIO, got '%s' too\n", st->operands[1]);
        return SL_EXIT_USAGE;
    }
    if (!s->n_vary) {
        fprintf(stderr, "stormlab sweep: nothing to vary, expected at least one --vary PATH=V1,V2,...\n");
        return SL_EXIT_USAGE;
    }
    for (size_t i = 0; i < s->n_vary; i++)
        if (s->have_seed && !strcmp(s->vary[i].key, "seed")) {
            fprintf(stderr, "stormlab sweep: --seed and --vary seed=... both set the seed, expected one of them\n");
            return SL_EXIT_USAGE;
        }
    if (st->shard && sl_shard_parse(st->shard, &st->si, &st->sn, st->err, sizeof st->err) != 0) {
        fprintf(stderr, "stormlab sweep: %s\n", st->err);
        return SL_EXIT_USAGE;
    }
    s->path = st->operands[0];
    s->points = sl_grid_points(s->vary, s->n_vary);
    if (!s->points) {
        fprintf(stderr, "stormlab sweep: the grid has more than %d points, expected fewer values\n",
                SL_SWEEP_MAX_POINTS);
        return SL_EXIT_USAGE;
    }
    s->width = 4;
    for (size_t p = s->points - 1; p >= 10000; p /= 10) s->width++;
    return GO_ON;
}

/* Every point loads before any runs: a bad value stops the sweep here,
 * in every shard alike.  Point 0 is kept (st->sc0). */
static int sweep_load_points(sweep_cmd_t *st) {
    const sweep_t *s = &st->s;
    size_t bad = 0;
    for (size_t p = 0; p < s->points; p++) {
        sl_scenario_t *sc = NULL;
        char label[1024];
        st->err[0] = '\0';
        sl_err_t rc = load_point(s, p, &sc, st->err, sizeof st->err);
        if (rc != SL_OK) {
            if (rc == SL_E_IO || (p == 0 && rc != SL_E_INVAL)) {
                fprintf(stderr, "stormlab: %s\n", st->err[0] ? st->err : sl_strerror(rc));
                bad = s->points;
                break;
            }
            if (bad < 10) {
                point_label(s, p, label, sizeof label);
                fprintf(stderr, "stormlab sweep: point %zu (%s): %s\n", p, label,
                        st->err[0] ? st->err : sl_strerror(rc));
            }
            bad++;
            continue;
        }
        if (p == 0) st->sc0 = sc;
        else sl_scenario_destroy(sc);
    }
    if (bad) {
        if (bad < s->points || s->points > 1)
            fprintf(stderr, "stormlab sweep: %zu of %zu points are invalid; nothing was run\n",
                    bad < s->points ? bad : s->points, s->points);
        return SL_EXIT_USAGE;
    }
    return GO_ON;
}

/* The column groups, from point 0; a point without one writes NA.  Group
 * ids are only reachable through a simulation's results. */
static int sweep_plan_groups(sweep_cmd_t *st) {
    sweep_t *s = &st->s;
    sl_sim_t *probe = NULL;
    if (sl_sim_new(st->sc0, &(sl_sinks_t){0}, &probe, st->err, sizeof st->err) != SL_OK) {
        fprintf(stderr, "stormlab sweep: %s\n", st->err);
        return SL_EXIT_USAGE;
    }
    int ng = sl_sim_group_count(probe);
    s->groups = calloc((size_t)(ng > 0 ? ng : 1), sizeof *s->groups);
    for (int g = 0; s->groups && g < ng; g++) {
        sl_group_result_t r;
        if (sl_sim_group_result(probe, g, &r) == SL_OK) s->groups[s->n_groups++] = strdup(r.group);
    }
    sl_sim_destroy(probe);
    return s->groups ? GO_ON : SL_EXIT_RUN;
}

/* The header names the grid: the resolved scenario of point 0 (every
 * default and override in it) and the grid options, hashed, so merge
 * refuses shards of different sweeps. */
static int sweep_plan_header(sweep_cmd_t *st, const char *name) {
    const sweep_t *s = &st->s;
    uint64_t h = SL_TX_FNV_INIT;
    char *res = NULL;
    size_t rlen = 0;
    FILE *f = open_memstream(&res, &rlen);
    if (f) {
        sl_scenario_write_resolved(st->sc0, f);
        fclose(f);
        h = sl_tx_fnv1a(h, res, rlen);
        free(res);
    }
    /* room for the shard line too (execute) */
    st->header = calloc(8 + s->n_vary + s->n_base, sizeof *st->header);
    if (!st->header) return SL_EXIT_RUN;
    char **hd = st->header;
    size_t n = 0;
    hd[n++] = strdup("# stormlab sweep");
    hd[n++] = sl_tx_printf("# scenario: %s", name);
    for (size_t i = 0; i < s->n_vary; i++) {
        hd[n++] = sl_tx_printf("# vary: %s", s->vary[i].spec);
        h = sl_tx_fnv1a(h, s->vary[i].spec, strlen(s->vary[i].spec) + 1);
    }
    for (size_t i = 0; i < s->n_base; i++) {
        hd[n++] = sl_tx_printf("# set: %s", s->base_sets[i]);
        h = sl_tx_fnv1a(h, s->base_sets[i], strlen(s->base_sets[i]) + 1);
    }
    if (s->have_seed) hd[n++] = sl_tx_printf("# seed: %" PRIu64, s->seed);
    hd[n++] = sl_tx_printf("# points: %zu", s->points);
    hd[n++] = sl_tx_printf("# grid: fnv1a64:%016" PRIx64, h);
    st->n_header = n;
    for (size_t i = 0; i < n; i++)
        if (!hd[i]) return SL_EXIT_RUN;
    return GO_ON;
}

/* plan: the columns, the output directory, results.tsv's header and the
 * metric shown. */
static int sweep_plan(sweep_cmd_t *st) {
    sweep_t *s = &st->s;
    int code = sweep_plan_groups(st);
    if (code != GO_ON) return code;
    const char *name = sl_scenario_name(st->sc0);
    if (!s->out) {
        char suffix[64];
        if (st->shard) snprintf(suffix, sizeof suffix, "-sweep-shard-%u-of-%u", st->si, st->sn);
        else snprintf(suffix, sizeof suffix, "-sweep");
        sl_cli_default_out(name, suffix, st->defout, sizeof st->defout);
        s->out = st->defout;
    }
    if ((code = sweep_plan_header(st, name)) != GO_ON) return code;
    char *cbuf = NULL;
    size_t clen = 0;
    FILE *f = open_memstream(&cbuf, &clen);
    if (!f) return SL_EXIT_RUN;
    write_columns(f, s->vary, s->n_vary, s->groups, s->n_groups);
    fclose(f);
    st->columns = cbuf;
    if (!st->metric) {
        if (s->n_groups) snprintf(st->mdef, sizeof st->mdef, "%s.rebalances", s->groups[0]);
        else snprintf(st->mdef, sizeof st->mdef, "unavailable_partition_s");
        st->metric = st->mdef;
    }
    long mcol = column_index(st->columns, st->metric);
    if (mcol < 0 || !is_metric_column(st->columns, mcol, s->n_vary)) {
        char mlist[4096];
        metric_list(st->columns, s->n_vary, mlist, sizeof mlist);
        fprintf(stderr, "stormlab sweep: --metric %s: no such column, expected one of %s\n", st->metric, mlist);
        return SL_EXIT_USAGE;
    }
    return GO_ON;
}

/* Each row as results.tsv holds it: the point and its vary values before
 * the child's fields (NA and "crashed" for a child that died without one). */
static int sweep_complete_rows(sweep_cmd_t *st) {
    const sweep_t *s = &st->s;
    for (size_t i = 0; i < st->count; i++) {
        size_t p = st->list[i], idx[SL_SWEEP_MAX_VARY];
        sl_grid_point(s->vary, s->n_vary, p, idx);
        char *buf = NULL;
        size_t blen = 0;
        FILE *f = open_memstream(&buf, &blen);
        if (!f) return SL_EXIT_RUN;
        fprintf(f, "%zu", p);
        for (size_t k = 0; k < s->n_vary; k++) fprintf(f, "\t%s", s->vary[k].values[idx[k]]);
        if (st->rows[p]) {
            fprintf(f, "\t%s", st->rows[p]);
        } else {
            long n_cols = 1;
            for (const char *q = st->columns; *q; q++) n_cols += *q == '\t';
            for (long k = (long)s->n_vary + 1; k < n_cols - 1; k++) fputs("\tNA", f);
            fputs("\tcrashed", f);
        }
        fclose(f);
        free(st->rows[p]);
        st->rows[p] = buf;
    }
    return GO_ON;
}

/* execute: this shard's points in parallel processes, each in
 * DIR/points/NNNN/. */
static int sweep_execute(sweep_cmd_t *st) {
    const sweep_t *s = &st->s;
    char pdir[4200];
    snprintf(pdir, sizeof pdir, "%s/points", s->out);
    if (sl_tx_mkdirs(pdir) != 0) {
        fprintf(stderr, "stormlab sweep: %s: %s\n", pdir, strerror(errno));
        return SL_EXIT_RUN;
    }
    st->list = calloc(s->points, sizeof *st->list);
    st->rows = calloc(s->points, sizeof *st->rows);
    if (!st->list || !st->rows) return SL_EXIT_RUN;
    for (size_t p = 0; p < s->points; p++)
        if (sl_shard_has(p, st->si, st->sn)) st->list[st->count++] = p;
    if (!st->jobs)
        st->jobs = sl_pool_default_jobs();
    if ((size_t)st->jobs > st->count) st->jobs = st->count ? (long)st->count : 1;
    if (st->shard) /* after the fixed header, so merge can drop it */
        st->header[st->n_header++] = sl_tx_printf("# shard: %u/%u", st->si, st->sn);
    if (!st->quiet && !st->json) {
        printf("stormlab sweep: %s, %zu point%s (", sl_scenario_name(st->sc0), s->points, s->points == 1 ? "" : "s");
        for (size_t i = 0; i < s->n_vary; i++) printf("%s%zu", i ? " x " : "", s->vary[i].n);
        printf(")");
        if (st->shard) printf(", shard %u/%u: %zu point%s", st->si, st->sn, st->count, st->count == 1 ? "" : "s");
        printf(", %ld job%s\n", st->jobs, st->jobs == 1 ? "" : "s");
        fflush(stdout);
    }
    double t0 = sl_wall_seconds();
    st->points_code = run_points(s, st->list, st->count, (size_t)st->jobs, st->rows,
                                 !st->quiet && isatty(STDERR_FILENO));
    st->wall = sl_wall_seconds() - t0;
    return sweep_complete_rows(st);
}

/* present: results.tsv, then what the options ask to print. */
static int sweep_present(sweep_cmd_t *st) {
    const sweep_t *s = &st->s;
    const char *name = sl_scenario_name(st->sc0);
    if (write_results(s->out, st->header, st->n_header, st->columns, st->rows, s->points) != 0)
        return SL_EXIT_RUN;
    if (st->json)
        print_json(st->columns, st->rows, s->points, s->n_vary);
    show_results(s->out, name, s->vary, s->n_vary, st->columns, st->rows, s->points, st->metric, st->plots,
                 st->quiet || st->json);
    if (!st->quiet && !st->json) {
        printf("results: %s/results.tsv (one row per point; run directories in %s/points/)\n", s->out, s->out);
        if (st->shard) {
            printf("merge the shards: %s sweep --merge ", sl_tx_self());
            for (unsigned k = 1; k <= st->sn; k++) printf("%sDIR_%u", k > 1 ? " " : "", k);
            printf("\n");
        }
        printf("wall time: %.3f s\n", st->wall);
    }
    if (st->points_code != SL_EXIT_OK)
        fprintf(stderr, "stormlab sweep: %s (see the status column of %s/results.tsv)\n",
                st->points_code == SL_EXIT_USAGE ? "the simulator refused a point" : "a point could not be carried out",
                s->out);
    return st->points_code;
}

static void sweep_free(sweep_cmd_t *st) {
    sweep_t *s = &st->s;
    for (size_t i = 0; i < s->n_vary; i++) sl_vary_free(&s->vary[i]);
    for (size_t i = 0; i < s->n_groups; i++) free(s->groups[i]);
    free(s->groups);
    if (st->rows)
        for (size_t p = 0; p < s->points; p++) free(st->rows[p]);
    free(st->rows);
    free(st->list);
    for (size_t i = 0; i < st->n_header; i++) free(st->header[i]);
    free(st->header);
    free(st->columns);
    sl_scenario_destroy(st->sc0);
}

int sl_cmd_sweep(int argc, char **argv) {
    sweep_cmd_t *st = calloc(1, sizeof *st);
    if (!st) return SL_EXIT_RUN;
    st->plots = 1;
    st->si = st->sn = 1;
    int code = sweep_parse(st, argc, argv);
    if (code == GO_ON) code = sweep_validate(st);
    if (code == GO_ON) code = sweep_load_points(st);
    if (code == GO_ON) code = sweep_plan(st);
    if (code == GO_ON) code = sweep_execute(st);
    if (code == GO_ON) code = sweep_present(st);
    sweep_free(st);
    free(st);
    return code;
}
