/*
 * Overlay plots for `stormlab compare` (compare.h): both runs' extracts
 * (extract.c) into a scratch directory, then plots/compare-NAME.gp once per
 * (group, plot, format), each gnuplot's stderr kept to show when it fails.
 */
#define _GNU_SOURCE
#include "compare.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "causes.h"
#include "extract.h"
#include "plot.h"

const char *const sl_compare_plot_names[] = {"members", "lag"};

/* Appends name='s' (a gnuplot string, ' doubled, newlines as spaces) to f. */
static void gp_var(FILE *f, const char *name, const char *s) {
    fprintf(f, "%s='", name);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputs("'; ", f);
}

/* Runs gnuplot -e vars script, stderr to log; 0 when it exited 0. */
static int run_gnuplot(const char *gnuplot, const char *vars, const char *script, const char *log, char *err,
                       size_t errsz) {
    pid_t pid;
    int rc = sl_plot_spawn_gnuplot(gnuplot, vars, script, log, &pid);
    if (rc) {
        snprintf(err, errsz, "cannot start %s: %s", gnuplot, strerror(rc));
        return -1;
    }
    return sl_plot_wait_gnuplot(pid, log, script, err, errsz);
}

int sl_compare_plot(const sl_run_t *a, const sl_run_t *b, const char *label_a, const char *label_b,
                    const char *outdir, char *err, size_t errsz) {
    static const char *const fmts[] = {"png", "svg"};
    char gnuplot[4096], tmp[4096], da[4200], db[4200];
    if (sl_plot_find_gnuplot(gnuplot, sizeof gnuplot))
        return SL_CMP_PLOT_NO_GNUPLOT;
    if (sl_plot_pathf(tmp, sizeof tmp, "%s/.compare.partial", outdir) || sl_plot_pathf(da, sizeof da, "%s/a", tmp) ||
        sl_plot_pathf(db, sizeof db, "%s/b", tmp)) {
        snprintf(err, errsz, "%s: path too long", outdir);
        return SL_CMP_PLOT_FAILED;
    }
    sl_plot_rm_tree(tmp);
    if (mkdir(tmp, 0755) || mkdir(da, 0755) || mkdir(db, 0755)) {
        snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
        sl_plot_rm_tree(tmp);
        return SL_CMP_PLOT_FAILED;
    }
    int rc = SL_CMP_PLOT_FAILED, rows_a = 0, rows_b = 0;
    sl_causes_t *ca = sl_causes_new(a), *cb = sl_causes_new(b);
    if (!ca || !cb) {
        snprintf(err, errsz, "out of memory");
        goto out;
    }
    if (sl_extract_write(a, ca, da, &rows_a, err, errsz) || sl_extract_write(b, cb, db, &rows_b, err, errsz))
        goto out;
    /* each run's faults get a strip of their own, A's above B's (plots/_compare.gp) */
    double duration = a->duration_s > b->duration_s ? a->duration_s : b->duration_s;
    const char *lib = sl_plot_scripts_dir();
    /* draw everything first ... */
    for (size_t g = 0; g < a->n_groups; g++) {
        if (sl_run_group_index(b, a->groups[g]) < 0)
            continue;
        char safe[256];
        sl_extract_safe_name(a->groups[g], safe, sizeof safe);
        for (int p = 0; p < SL_COMPARE_N_PLOTS; p++)
            for (int f = 0; f < 2; f++) {
                char script[4200], pout[4400], log[4400], pda[4400], pdb[4400], pfa[4400], pfb[4400], plib[4200];
                if (sl_plot_pathf(script, sizeof script, "%s/compare-%s.gp", lib, sl_compare_plot_names[p]) ||
                    sl_plot_pathf(pout, sizeof pout, "%s/%s-%s.%s", tmp, safe, sl_compare_plot_names[p], fmts[f]) ||
                    sl_plot_pathf(log, sizeof log, "%s/.%s-%s.%s.log", tmp, safe, sl_compare_plot_names[p], fmts[f]) ||
                    sl_plot_pathf(pda, sizeof pda, "%s/%s", da, safe) ||
                    sl_plot_pathf(pdb, sizeof pdb, "%s/%s", db, safe) ||
                    sl_plot_pathf(pfa, sizeof pfa, "%s/faults.tsv", da) ||
                    sl_plot_pathf(pfb, sizeof pfb, "%s/faults.tsv", db) ||
                    sl_plot_pathf(plib, sizeof plib, "%s/", lib)) {
                    snprintf(err, errsz, "plot paths too long under %s", tmp);
                    goto out;
                }
                char *vars = NULL;
                size_t vlen = 0;
                FILE *v = open_memstream(&vars, &vlen);
                if (!v) {
                    snprintf(err, errsz, "out of memory");
                    goto out;
                }
                gp_var(v, "lib", plib);
                gp_var(v, "data_a", pda);
                gp_var(v, "data_b", pdb);
                gp_var(v, "faults_a", pfa);
                gp_var(v, "faults_b", pfb);
                gp_var(v, "out", pout);
                gp_var(v, "fmt", fmts[f]);
                gp_var(v, "group", a->groups[g]);
                gp_var(v, "scenario_a", a->name);
                gp_var(v, "scenario_b", b->name);
                gp_var(v, "label_a", label_a);
                gp_var(v, "label_b", label_b);
                fprintf(v, "rows_a=%d; rows_b=%d; duration=%.3f", rows_a, rows_b, duration);
                fclose(v);
                int r = run_gnuplot(gnuplot, vars, script, log, err, errsz);
                free(vars);
                if (r)
                    goto out;
            }
    }
    /* ... then move them in, so a failure never leaves half a set */
    for (size_t g = 0; g < a->n_groups; g++) {
        if (sl_run_group_index(b, a->groups[g]) < 0)
            continue;
        char safe[256];
        sl_extract_safe_name(a->groups[g], safe, sizeof safe);
        for (int p = 0; p < SL_COMPARE_N_PLOTS; p++)
            for (int f = 0; f < 2; f++) {
                char from[4400], to[4400];
                if (sl_plot_pathf(from, sizeof from, "%s/%s-%s.%s", tmp, safe, sl_compare_plot_names[p], fmts[f]) ||
                    sl_plot_pathf(to, sizeof to, "%s/%s-%s.%s", outdir, safe, sl_compare_plot_names[p], fmts[f]) ||
                    rename(from, to)) {
                    snprintf(err, errsz, "%s: %s", to, strerror(errno));
                    goto out;
                }
            }
    }
    rc = SL_CMP_PLOT_OK;
out:
    sl_causes_free(ca);
    sl_causes_free(cb);
    sl_plot_rm_tree(tmp);
    return rc;
}
