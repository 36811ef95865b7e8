/* libstormlab_run alone (tests/link/CMakeLists.txt): the run library needs
 * nothing of the CLI (it returns results, the CLI prints them). */
#include <stdio.h>

#include "run/run.h"

int main(void) {
    /* given the run library and nothing else, when a run is asked of an
     * unknown cluster kind, then it refuses before anything runs */
    static const char yaml[] = "name: alone\nduration: 1s\ntopics:\n  - {name: t}\n";
    char err[512];
    sl_scenario_t *sc = NULL;
    if (sl_scenario_load_buffer("alone.yaml", yaml, sizeof yaml - 1, NULL, 0, &sc, err, sizeof err) != SL_OK) {
        fprintf(stderr, "expected the scenario to load, got: %s\n", err);
        return 1;
    }
    sl_run_opts_t o = {.cluster = "nowhere", .out = "."};
    sl_run_outcome_t oc;
    sl_err_t rc = sl_realrun(sc, &o, &oc);
    sl_run_outcome_free(&oc);
    sl_scenario_destroy(sc);
    if (rc != SL_E_INVAL || oc.end != SL_RUN_NOT_STARTED) {
        fprintf(stderr, "expected SL_E_INVAL and nothing run, got %d (end %d)\n", (int)rc, (int)oc.end);
        return 1;
    }
    return 0;
}
