/* A user's program against the installed library (tests/install/installed_tree.sh):
 * run_scenario SCENARIO DIR simulates SCENARIO into DIR through the public API. */
#include <stdio.h>

#include "stormlab/stormlab.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: run_scenario SCENARIO DIR\n");
        return 2;
    }
    sl_scenario_t *sc = NULL;
    char err[512];
    if (sl_scenario_load_file(argv[1], NULL, 0, &sc, err, sizeof err) != SL_OK) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    sl_err_t rc = sl_sim_run_to_dir(sc, argv[2], NULL, err, sizeof err);
    if (rc != SL_OK) fprintf(stderr, "%s: %s\n", sl_strerror(rc), err);
    sl_scenario_destroy(sc);
    return rc == SL_OK ? 0 : 3;
}
