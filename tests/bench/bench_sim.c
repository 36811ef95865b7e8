/*
 * Simulator benchmark: wall and CPU time, simulated seconds per wall second,
 * timer events per second and peak memory, for the flagship scenario and
 * one-hour scenarios of 1,000 to 100,000 members in every shape that costs
 * differently (idle-heavy, low- and high-throughput, storm-heavy, mixed).
 * Each case runs in its own process so its peak RSS is its own; outputs
 * are written as `stormlab sim --no-plots` writes them, except report.html.
 *
 *   build/tests/bench/bench_sim [REPEATS] [CASE...]
 * CASE is a case's short name (flagship, 1k, 10k, idle-heavy, ...; all by
 * default).  The 1,000- and 10,000-member scenarios live beside this file;
 * the others are written at start by tests/bench/gen-members.sh SHAPE.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model-internal.h"
#include "hugepages.h"
#include "stormlab/stormlab.h"

typedef struct result_s {
    double wall_s;
    double cpu_s;
    double sim_s;
    unsigned long long events;
    unsigned long long trace_events;
} result_t;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_case(const char *path, result_t *out) {
    char err[2048] = "", dir[] = "/tmp/stormlab-bench-XXXXXX";
    sl_scenario_t *sc = NULL;
    if (sl_scenario_load_file(path, NULL, 0, &sc, err, sizeof err) != SL_OK) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    if (!mkdtemp(dir))
        return -1;
    sl_sim_t *sim = NULL;
    double t0 = now_s(), c0 = cpu_s();
    if (sl_sim_run_to_dir(sc, dir, &sim, err, sizeof err) != SL_OK) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    out->wall_s = now_s() - t0;
    out->cpu_s = cpu_s() - c0;
    out->sim_s = (double)sc->duration_us / 1e6;
    out->events = sim->eng.fired;
    out->trace_events = (unsigned long long)sim->out.next_seq;
    sl_sim_destroy(sim);
    sl_scenario_destroy(sc);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct case_s {
    const char *name;  /* short name, for choosing cases on the command line */
    const char *title;
    const char *file;  /* under the source tree, or NULL: generated from name */
} case_t;

static const case_t cases[] = {
    {"flagship", "flagship (coordinator-restart-storm, 6 members, 15 min)", "scenarios/coordinator-restart-storm.yaml"},
    {"1k", "1,000 members, 2,000 partitions, 1 h", "tests/bench/bench-1000-members.yaml"},
    {"10k", "10,000 members (200 groups, mixed), 30 brokers, 1 h", "tests/bench/bench-10000-members.yaml"},
    {"idle-heavy", "10,000 members, 52 % own nothing, 1 h", NULL},
    {"low-throughput", "10,000 members, 1 record/s per topic, 1 h", NULL},
    {"high-throughput", "10,000 members, 20,000 records/s per topic, 1 h", NULL},
    {"storm-heavy", "10,000 members, a fault every minute, 1 h", NULL},
    {"mixed", "10,000 members, 2 topics per group, every mix, 1 h", NULL},
    {"100k", "100,000 members (2,000 groups), 100 brokers, 1 h", NULL},
};

static bool chosen(const char *name, int argc, char **argv) {
    if (argc <= 2)
        return true;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], name))
            return true;
    return false;
}

/* Runs one case `repeats` times, each in its own process; prints its row. */
static int bench_case(const case_t *c, const char *path, int repeats) {
    result_t best = {0};
    long peak_kib = 0;
    for (int r = 0; r < repeats; r++) {
        int fds[2];
        if (pipe(fds) < 0)
            return -1;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            result_t res;
            int rc = run_case(path, &res);
            if (write(fds[1], &res, sizeof res) != (ssize_t)sizeof res)
                rc = -1;
            _exit(rc ? 1 : 0);
        }
        close(fds[1]);
        result_t res;
        ssize_t got = read(fds[0], &res, sizeof res);
        close(fds[0]);
        int status;
        struct rusage ru;
        wait4(pid, &status, 0, &ru);
        if (got != (ssize_t)sizeof res || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench: case %s failed\n", c->name);
            return -1;
        }
        if (r == 0 || res.wall_s < best.wall_s)
            best = res;
        if (ru.ru_maxrss > peak_kib)
            peak_kib = ru.ru_maxrss;
    }
    printf("%-58s %8.3f %8.3f %12.0f %12.0f %12llu %12llu %9.1f\n", c->title, best.wall_s, best.cpu_s,
           best.sim_s / best.wall_s, (double)best.events / best.wall_s, best.events, best.trace_events,
           peak_kib / 1024.0);
    return 0;
}

int main(int argc, char **argv) {
    sl_hugepages_reexec(argv); /* as `stormlab sim` runs */
    int repeats = argc > 1 ? atoi(argv[1]) : 3;
    if (repeats < 1)
        repeats = 1;
    char tmpdir[] = "/tmp/stormlab-bench-gen-XXXXXX";
    if (!mkdtemp(tmpdir))
        return 1;
    double load[3] = {0};
    getloadavg(load, 3);
    printf("stormlab simulator benchmark (%d repeats, best wall time; each case in its own process; "
           "load average %.2f at start)\n",
           repeats, load[0]);
    printf("%-58s %8s %8s %12s %12s %12s %12s %9s\n", "scenario", "wall s", "CPU s", "sim s/wall s", "events/s",
           "events", "trace lines", "peak MiB");
    int rc = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && rc == 0; i++) {
        const case_t *c = &cases[i];
        if (!chosen(c->name, argc, argv))
            continue;
        char path[4096], cmd[8192];
        if (c->file) {
            snprintf(path, sizeof path, "%s/%s", SL_SOURCE_DIR, c->file);
        } else {
            snprintf(path, sizeof path, "%s/%s.yaml", tmpdir, c->name);
            snprintf(cmd, sizeof cmd, "bash '%s/tests/bench/gen-members.sh' %s > '%s'", SL_SOURCE_DIR, c->name, path);
            if (system(cmd) != 0) {
                fprintf(stderr, "bench: %s failed\n", cmd);
                rc = 1;
                break;
            }
        }
        if (bench_case(c, path, repeats) < 0)
            rc = 1;
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        rc = 1;
    printf("\nrerun: cmake --build build --target bench_sim && build/tests/bench/bench_sim %d", repeats);
    for (int i = 2; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
    return rc;
}
