/*
 * One scenario simulated with no outputs (no trace, series or log): what
 * the simulation itself costs, for bench_simpy.sh's engine-to-engine
 * comparison (SimPy writes nothing either).  Prints the CPU seconds of the
 * run (scenario loading excluded).
 *
 *   build/tests/bench/sim_no_outputs SCENARIO
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>

#include "hugepages.h"
#include "stormlab/stormlab.h"

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    sl_hugepages_reexec(argv); /* as `stormlab sim` runs */
    if (argc != 2) {
        fprintf(stderr, "usage: sim_no_outputs SCENARIO\n");
        return 2;
    }
    char err[2048] = "";
    sl_scenario_t *sc = NULL;
    sl_sim_t *sim = NULL;
    if (sl_scenario_load_file(argv[1], NULL, 0, &sc, err, sizeof err) != SL_OK) {
        fprintf(stderr, "sim_no_outputs: %s\n", err);
        return 2;
    }
    double t0 = cpu_s();
    sl_sinks_t none = {0};
    if (sl_sim_new(sc, &none, &sim, err, sizeof err) != SL_OK || sl_sim_run(sim) != SL_OK) {
        fprintf(stderr, "sim_no_outputs: %s\n", err[0] ? err : "the run failed");
        return 3;
    }
    printf("%.3f\n", cpu_s() - t0);
    sl_sim_destroy(sim);
    sl_scenario_destroy(sc);
    return 0;
}
