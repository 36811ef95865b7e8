/*
 * The scenario loader on arbitrary bytes: sl_scenario_load_buffer(), then,
 * for a file that loads, the resolved-file round trip of docs/scenarios.md.
 *
 * Properties (beyond no crash, no leak, no UB):
 *  - a refused file returns SL_E_INVAL or SL_E_LIMIT (SL_E_NOMEM is allowed)
 *    with a message "fuzz.yaml:LINE:COL: ..." and leaves *out untouched;
 *  - a loaded file's resolved text loads again, and writing that gives the
 *    same bytes (docs/scenarios.md, "The resolved file").
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz_scenario_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[1024];
    sl_scenario_t *sentinel = (sl_scenario_t *)&err, *sc = sentinel;
    sl_err_t rc =
        sl_scenario_load_buffer("fuzz.yaml", (const char *)data, size, NULL, 0, &sc, err, sizeof err);
    if (rc != SL_OK) {
        FZ_CHECK(rc == SL_E_INVAL || rc == SL_E_LIMIT || rc == SL_E_NOMEM, "rc %d (%s): %s", rc,
                 sl_strerror(rc), err);
        FZ_CHECK(sc == sentinel, "*out written on failure (rc %d)", rc);
        FZ_CHECK(memchr(err, 0, sizeof err) != NULL, "message not terminated");
        FZ_CHECK(rc == SL_E_NOMEM || fz_has_position(err, "fuzz.yaml"),
                 "message without fuzz.yaml:LINE:COL: %s", err);
        return 0;
    }
    FZ_CHECK(sc != NULL && sc != sentinel, "SL_OK without a scenario");
    fz_check_round_trip(sc, "fuzz.yaml");
    sl_scenario_destroy(sc);
    return 0;
}
