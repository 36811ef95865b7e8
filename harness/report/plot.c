/*
 * gnuplot as a child process: one run per (group, script, format), a few
 * at a time.  Each child's stderr goes to a file we show when it fails,
 * since gnuplot's message names the script line that broke.
 */
#define _GNU_SOURCE
#include "plot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "extract.h"
#include "stormlab/stormlab.h" /* sl_output_create */

extern char **environ;

#define MAX_SCRIPTS 32
#define MAX_PARALLEL 4

const char *sl_plot_scripts_dir(void) {
    const char *d = getenv("STORMLAB_PLOTS_DIR");
    return d && *d ? d : SL_PLOTS_DIR;
}

int sl_plot_find_gnuplot(char *out, size_t n) {
    const char *path = getenv("PATH");
    if (!path)
        return -1;
    while (*path) {
        size_t len = strcspn(path, ":");
        snprintf(out, n, "%.*s/gnuplot", (int)(len ? len : 1), len ? path : ".");
        if (access(out, X_OK) == 0)
            return 0;
        path += len + (path[len] == ':');
    }
    return -1;
}

int sl_plot_have_gnuplot(void) {
    char path[4096];
    return sl_plot_find_gnuplot(path, sizeof path) == 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/*
 * plots/run-NAME.gp, sorted, as NAME: the scripts drawn for each group of a
 * run.  Other scripts there belong to other commands (sweep.gp), and
 * names starting with '_' are pieces the run scripts load.
 */
static int list_scripts(const char *dir, char **names, int *n, char *err, size_t errsz) {
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errsz, "plot scripts: %s: %s (set STORMLAB_PLOTS_DIR to the plots/ directory)", dir,
                 strerror(errno));
        return -1;
    }
    struct dirent *de;
    *n = 0;
    while ((de = readdir(d)) && *n < MAX_SCRIPTS) {
        size_t len = strlen(de->d_name);
        if (len > 7 && !strncmp(de->d_name, "run-", 4) && !strcmp(de->d_name + len - 3, ".gp"))
            names[(*n)++] = strndup(de->d_name + 4, len - 7);
    }
    closedir(d);
    qsort(names, (size_t)*n, sizeof *names, cmp_str);
    if (!*n) {
        snprintf(err, errsz, "plot scripts: no run-NAME.gp files in %s", dir);
        return -1;
    }
    return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

void sl_plot_rm_tree(const char *dir) { nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

/* The file that says a plots/ directory is stormlab's: written into every
 * plots/ it makes, and looked for before one is replaced or removed, so a
 * user's own plots/ (`--out .` in a project) is never deleted. */
#define PLOTS_MARKER ".made-by-stormlab"

/* 1 when dir is absent or holds the marker (a regular file); else 0. */
static int plots_ours(const char *dir) {
    char m[4200];
    struct stat st;
    if (lstat(dir, &st) < 0)
        return errno == ENOENT;
    snprintf(m, sizeof m, "%s/" PLOTS_MARKER, dir);
    return lstat(m, &st) == 0 && S_ISREG(st.st_mode);
}

void sl_plot_remove(const sl_run_t *run) {
    char path[4096];
    snprintf(path, sizeof path, "%s/plots", run->dir);
    if (plots_ours(path))
        sl_plot_rm_tree(path);
}

/* A gnuplot string literal: single quotes, a quote doubled. */
static void gp_quote(char *out, size_t n, const char *s) {
    size_t o = 0;
    if (n < 3)
        return;
    out[o++] = '\'';
    for (; *s && o + 3 < n; s++) {
        if (*s == '\'')
            out[o++] = '\'';
        out[o++] = *s;
    }
    out[o++] = '\'';
    out[o] = 0;
}

int sl_plot_pathf(char *buf, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r < 0 || (size_t)r >= n ? -1 : 0;
}

typedef struct {
    pid_t pid;
    char log[4200];  /* the child's stderr */
    char what[600];  /* "billing-members.png" */
} job_t;

int sl_plot_spawn_gnuplot(const char *gnuplot, const char *vars, const char *script, const char *log, pid_t *pid) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char *argv[] = {(char *)"gnuplot", (char *)"-e", (char *)vars, (char *)script, NULL};
    int rc = posix_spawn(pid, gnuplot, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* A gnuplot that ended with wait status st: 0 when it drew, else -1 and its
 * log in err (the first failure only).  The log is removed either way. */
static int gnuplot_result(int st, const char *log, const char *what, char *err, size_t errsz) {
    int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (!ok && err[0] == 0) {
        char msg[1500] = "";
        FILE *f = fopen(log, "r");
        if (f) {
            size_t n = fread(msg, 1, sizeof msg - 1, f);
            msg[n] = 0;
            fclose(f);
        }
        snprintf(err, errsz, "gnuplot failed drawing %s:\n%s", what, msg);
    }
    unlink(log);
    return ok ? 0 : -1;
}

int sl_plot_wait_gnuplot(pid_t pid, const char *log, const char *what, char *err, size_t errsz) {
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return gnuplot_result(st, log, what, err, errsz);
}

/* Waits for whichever job ends first, and moves the last job into its slot.
 * (Waiting for the last one started left the slots of those that had ended
 * idle meanwhile: one gnuplot at a time after the first few.)  Only these
 * pids are waited for, never any child: the caller may have others. */
static int reap_first_done(job_t *jobs, int *running, char *err, size_t errsz) {
    for (;;) {
        for (int i = 0; i < *running; i++) {
            int st = 0;
            pid_t r = waitpid(jobs[i].pid, &st, WNOHANG);
            if (r == 0 || (r < 0 && errno == EINTR))
                continue;
            int rc = gnuplot_result(r == jobs[i].pid ? st : -1, jobs[i].log, jobs[i].what, err, errsz);
            jobs[i] = jobs[--*running];
            return rc;
        }
        nanosleep(&(struct timespec){0, 2000000}, NULL); /* 2 ms: a plot takes 70-200 ms */
    }
}

/* How stormy group i was: its rebalances and unowned partition-seconds. */
static void storm_of(const sl_run_t *run, size_t i, double *rebalances, double *unowned) {
    json_t *g = json_object_get(json_object_get(run->summary, "groups"), run->groups[i]);
    *rebalances = json_number_value(json_object_get(g, "rebalances"));
    *unowned = json_number_value(json_object_get(g, "unowned_partition_s"));
}

size_t sl_plot_groups(const sl_run_t *run, int all_groups, size_t *idx) {
    size_t n = run->n_groups;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    if (all_groups || n <= SL_PLOT_MAX_GROUPS)
        return n;
    /* the stormiest first (a stable selection: ties keep file order) */
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], j = i;
        double vr, vu;
        storm_of(run, v, &vr, &vu);
        while (j > 0) {
            double r, u;
            storm_of(run, idx[j - 1], &r, &u);
            if (r > vr || (r == vr && u >= vu))
                break;
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
    /* then back in file order */
    for (size_t i = 1; i < SL_PLOT_MAX_GROUPS; i++)
        for (size_t j = i; j > 0 && idx[j - 1] > idx[j]; j--) {
            size_t t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    return SL_PLOT_MAX_GROUPS;
}

static int run_all(const sl_run_t *run, const char *gnuplot, const char *tmp, char **scripts, int n_scripts,
                   int fault_rows, const size_t *drawn, size_t n_drawn, char *err, size_t errsz) {
    static const char *const fmts[] = {"png", "svg"};
    const char *lib = sl_plot_scripts_dir();
    job_t jobs[MAX_PARALLEL];
    int running = 0, rc = 0;
    err[0] = 0;
    for (size_t d = 0; d < n_drawn; d++) {
        size_t g = drawn[d];
        char safe[256];
        sl_extract_safe_name(run->groups[g], safe, sizeof safe);
        for (int s = 0; s < n_scripts; s++) {
            for (int f = 0; f < 2; f++) {
                if (running == MAX_PARALLEL)
                    rc |= reap_first_done(jobs, &running, err, errsz);
                job_t *j = &jobs[running];
                char q_lib[4200], q_data[4200], q_out[4200], q_faults[4200], q_group[600], q_name[600];
                char p_lib[4096], p_data[4096], p_out[4096], p_faults[4096], vars[20000], script[4200];
                if (sl_plot_pathf(p_lib, sizeof p_lib, "%s/", lib) ||
                    sl_plot_pathf(p_data, sizeof p_data, "%s/data/%s", tmp, safe) ||
                    sl_plot_pathf(p_faults, sizeof p_faults, "%s/data/faults.tsv", tmp) ||
                    sl_plot_pathf(p_out, sizeof p_out, "%s/%s-%s.%s", tmp, safe, scripts[s], fmts[f]) ||
                    sl_plot_pathf(script, sizeof script, "%s/run-%s.gp", lib, scripts[s]) ||
                    sl_plot_pathf(j->log, sizeof j->log, "%s/.%s-%s.%s.log", tmp, safe, scripts[s], fmts[f])) {
                    if (!err[0])
                        snprintf(err, errsz, "plot paths too long under %s", tmp);
                    rc = -1;
                    continue;
                }
                gp_quote(q_lib, sizeof q_lib, p_lib);
                gp_quote(q_data, sizeof q_data, p_data);
                gp_quote(q_faults, sizeof q_faults, p_faults);
                gp_quote(q_out, sizeof q_out, p_out);
                gp_quote(q_group, sizeof q_group, run->groups[g]);
                gp_quote(q_name, sizeof q_name, run->name);
                sl_plot_pathf(vars, sizeof vars,
                              "lib=%s; data=%s; faults=%s; fault_rows=%d; out=%s; fmt='%s'; group=%s; scenario=%s; "
                              "duration=%.3f",
                              q_lib, q_data, q_faults, fault_rows, q_out, fmts[f], q_group, q_name, run->duration_s);
                sl_plot_pathf(j->what, sizeof j->what, "%s-%s.%s (%s)", safe, scripts[s], fmts[f], script);
                if (sl_plot_spawn_gnuplot(gnuplot, vars, script, j->log, &j->pid)) {
                    if (!err[0])
                        snprintf(err, errsz, "cannot start %s: %s", gnuplot, strerror(errno));
                    rc = -1;
                    continue;
                }
                running++;
            }
        }
    }
    while (running)
        rc |= reap_first_done(jobs, &running, err, errsz);
    return rc;
}

int sl_plot_render(const sl_run_t *run, const sl_causes_t *c, int all_groups, char *err, size_t errsz) {
    char gnuplot[4096], tmp[4096], data[4200], final[4096], old[4096];
    char *scripts[MAX_SCRIPTS];
    int n_scripts = 0, rc = SL_PLOT_FAILED, fault_rows = 0;
    size_t *drawn = NULL;
    if (sl_plot_find_gnuplot(gnuplot, sizeof gnuplot))
        return SL_PLOT_NO_GNUPLOT;
    if (list_scripts(sl_plot_scripts_dir(), scripts, &n_scripts, err, errsz))
        return SL_PLOT_FAILED;
    if (sl_plot_pathf(tmp, sizeof tmp, "%s/.plots.partial", run->dir) ||
        sl_plot_pathf(data, sizeof data, "%s/data", tmp) || sl_plot_pathf(final, sizeof final, "%s/plots", run->dir) ||
        sl_plot_pathf(old, sizeof old, "%s/.plots.old", run->dir)) {
        snprintf(err, errsz, "%s: path too long", run->dir);
        goto out;
    }
    if (!plots_ours(final)) {
        snprintf(err, errsz, "%s exists and was not made by stormlab (no %s in it): not replacing it; give --out a "
                             "directory of its own",
                 final, PLOTS_MARKER);
        goto out;
    }
    sl_plot_rm_tree(tmp);
    char marker[4200];
    FILE *mf = NULL;
    if (mkdir(tmp, 0755) || mkdir(data, 0755) ||
        (snprintf(marker, sizeof marker, "%s/" PLOTS_MARKER, tmp), !(mf = sl_output_create(marker))) || fclose(mf)) {
        snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    drawn = malloc((run->n_groups ? run->n_groups : 1) * sizeof *drawn);
    if (!drawn) {
        snprintf(err, errsz, "out of memory");
        goto out;
    }
    size_t n_drawn = sl_plot_groups(run, all_groups, drawn);
    if (sl_extract_write_groups(run, c, data, drawn, n_drawn, &fault_rows, err, errsz) ||
        run_all(run, gnuplot, tmp, scripts, n_scripts, fault_rows, drawn, n_drawn, err, errsz))
        goto out;
    /* swap in the new plots only now that every one is drawn */
    sl_plot_rm_tree(old);
    if ((rename(final, old) && errno != ENOENT) || rename(tmp, final)) {
        snprintf(err, errsz, "%s: %s", final, strerror(errno));
        goto out;
    }
    sl_plot_rm_tree(old);
    rc = SL_PLOT_OK;
out:
    if (rc != SL_PLOT_OK)
        sl_plot_rm_tree(tmp);
    for (int i = 0; i < n_scripts; i++)
        free(scripts[i]);
    free(drawn);
    return rc;
}
