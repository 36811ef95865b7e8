/*
 * Runs per second in one process: the impact/advise path, where dozens to
 * hundreds of variants of one scenario run back to back.  The scenario is
 * parsed once; sl_impact_compute() runs it and one variant per event plus
 * two baselines in process, with no sinks (no trace, series or log written),
 * which is the per-run cost impact and advise pay.  Figures: runs per wall
 * second and per CPU second (one core), for the flagship scenario and the
 * 1,000-member one.
 *
 *   build/tests/bench/bench_runs [MIN_CPU_SECONDS]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "stormlab/stormlab.h"

static double clock_s(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bench(const char *title, const char *path, double min_cpu_s) {
    char err[2048] = "";
    sl_scenario_t *sc = NULL;
    if (sl_scenario_load_file(path, NULL, 0, &sc, err, sizeof err) != SL_OK) {
        fprintf(stderr, "bench_runs: %s\n", err);
        return -1;
    }
    long runs = 0, computes = 0;
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), cpu = 0;
    while (cpu < min_cpu_s || computes == 0) {
        sl_impact_t *im = NULL;
        if (sl_impact_compute(sc, &im, err, sizeof err) != SL_OK) {
            fprintf(stderr, "bench_runs: %s\n", err);
            return -1;
        }
        runs += sl_impact_count(im) + 3; /* the run itself, one per event, two baselines */
        computes++;
        sl_impact_destroy(im);
        cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
    double wall = clock_s(CLOCK_MONOTONIC) - w0;
    printf("%-56s %6ld %8.2f %8.2f %12.1f %12.1f\n", title, runs, wall, cpu, runs / wall, runs / cpu);
    sl_scenario_destroy(sc);
    return 0;
}

int main(int argc, char **argv) {
    double min_cpu_s = argc > 1 ? atof(argv[1]) : 3;
    double load[3] = {0};
    getloadavg(load, 3);
    printf("in-process runs (sl_impact_compute: scenario parsed once, no outputs), load average %.2f\n", load[0]);
    printf("%-56s %6s %8s %8s %12s %12s\n", "scenario", "runs", "wall s", "CPU s", "runs/wall s", "runs/CPU s");
    if (bench("flagship (coordinator-restart-storm, 6 members, 15 min)",
              SL_SOURCE_DIR "/scenarios/coordinator-restart-storm.yaml", min_cpu_s) != 0 ||
        bench("1,000 members, 2,000 partitions, 1 h", SL_SOURCE_DIR "/tests/bench/bench-1000-members.yaml",
              min_cpu_s) != 0)
        return 1;
    printf("rerun: cmake --build build --target bench_runs && build/tests/bench/bench_runs %g\n", min_cpu_s);
    return 0;
}
