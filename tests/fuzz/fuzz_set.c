/*
 * The --set override parser (docs/scenarios.md, "--set path=value"): a
 * fixed valid scenario loaded with fuzzed overrides.  The input is split at
 * NUL bytes into up to 8 overrides, each one "path=value" as a user would
 * type it after --set.
 *
 * Properties (beyond no crash, no leak, no UB):
 *  - a refused override returns SL_E_INVAL or SL_E_LIMIT (or SL_E_NOMEM)
 *    with a message that names the override ("--set PATH: ...") or the
 *    position in the file ("base.yaml:LINE:COL: ...");
 *  - a scenario that loads round-trips through its resolved text;
 *  - "a later one wins": one override given twice loads exactly as given
 *    once (same result code, same resolved bytes), renames aside.
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz_scenario_util.h"

/* Every section, both kinds of list lookup (topics by name, with a dot in
 * one; groups by id), every event action and expect entries to index. */
static const char base[] =
    "name: fuzz-set\n"
    "description: the --set fuzzer's base\n"
    "seed: 7\n"
    "duration: 15m\n"
    "sample: 1s\n"
    "cluster:\n"
    "  brokers: 3\n"
    "  offsets_partitions: 50\n"
    "  group_initial_rebalance_delay: 3s\n"
    "topics:\n"
    "  - name: orders\n"
    "    partitions: 24\n"
    "    replication: 3\n"
    "    owner: checkout-team\n"
    "    produce_rate: 500/s\n"
    "  - name: orders.v2\n"
    "    partitions: 6\n"
    "groups:\n"
    "  - id: billing\n"
    "    owner: billing-team\n"
    "    topics: [orders]\n"
    "    members: 6\n"
    "    session_timeout: 45s\n"
    "    heartbeat_interval: 3s\n"
    "    processing: {median: 2ms, p99: 40ms}\n"
    "  - id: audit\n"
    "    topics: [orders, orders.v2]\n"
    "    members: 2\n"
    "    protocol: consumer\n"
    "    client: java\n"
    "links:\n"
    "  latency: 1ms\n"
    "  jitter: 200us\n"
    "events:\n"
    "  - at: 60s\n"
    "    partition: {from: [billing/1, billing/2], to: [broker/*]}\n"
    "    for: 40s\n"
    "  - at: 2m\n"
    "    restart: coordinator/billing\n"
    "    mode: hard\n"
    "    for: 30s\n"
    "  - at: 3m\n"
    "    set: {group: billing, session_timeout: 10s}\n"
    "    rolling: 15s\n"
    "  - at: 4m\n"
    "    degrade: {from: [billing/*], to: [broker/1], latency: 300ms, jitter: 50ms, loss: 0.05}\n"
    "    for: 1m\n"
    "  - at: 6m\n"
    "    pause: billing/3\n"
    "    for: 50s\n"
    "  - at: 7m\n"
    "    stall: billing/4\n"
    "    for: 6m\n"
    "  - at: 8m\n"
    "    scale: {group: billing, members: 8}\n"
    "expect:\n"
    "  - group: billing\n"
    "    rebalances: {max: 4}\n"
    "    stable_by: 8m\n"
    "  - lost_records: 0\n";

#define MAX_SETS 8

static sl_err_t load(const char *const *sets, size_t n, sl_scenario_t **sc, char *err,
                     size_t errsz) {
    return sl_scenario_load_buffer("base.yaml", base, sizeof base - 1, sets, n, sc, err, errsz);
}

static char *resolved_text(const sl_scenario_t *sc) {
    char *t = NULL;
    size_t len;
    FILE *m = open_memstream(&t, &len);
    FZ_CHECK(m != NULL, "open_memstream");
    FZ_CHECK(sl_scenario_write_resolved(sc, m) == SL_OK, "write_resolved");
    fclose(m);
    return t;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    sl_scenario_t *sc = NULL;
    char err[1024];
    FZ_CHECK(load(NULL, 0, &sc, err, sizeof err) == SL_OK, "the base does not load: %s", err);
    sl_scenario_destroy(sc);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* a NUL-terminated copy, cut into overrides at each NUL */
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    const char *sets[MAX_SETS];
    size_t n = 0;
    for (size_t i = 0; n < MAX_SETS;) {
        sets[n++] = text + i;
        i += strlen(text + i) + 1;
        if (i > size)
            break;
    }
    char err[1024];
    sl_scenario_t *sc = NULL;
    sl_err_t rc = load(sets, n, &sc, err, sizeof err);
    if (rc != SL_OK) {
        FZ_CHECK(rc == SL_E_INVAL || rc == SL_E_LIMIT || rc == SL_E_NOMEM, "rc %d: %s", rc, err);
        FZ_CHECK(sc == NULL, "*out written on failure");
        FZ_CHECK(rc == SL_E_NOMEM || !strncmp(err, "--set ", 6) ||
                     fz_has_position(err, "base.yaml"),
                 "message names neither the override nor file:line:col: %s", err);
    } else {
        fz_check_round_trip(sc, "base.yaml with the overrides");
    }
    if (n == 1) {
        /* the same override twice: the later one wins, so nothing changes */
        const char *twice[2] = {sets[0], sets[0]};
        sl_scenario_t *sc2 = NULL;
        char err2[1024];
        sl_err_t rc2 = load(twice, 2, &sc2, err2, sizeof err2);
        /* except a rename (topics.orders.name=x, groups.billing={id: y...}):
         * the second one then looks for a topic or group that is gone */
        int renamed = rc == SL_OK && rc2 == SL_E_INVAL &&
                      (strstr(err2, ": no topic '") || strstr(err2, ": no group '"));
        FZ_CHECK(rc2 == rc || renamed, "--set %s: given once rc %d (%s), twice rc %d (%s)",
                 sets[0], rc, rc ? err : "ok", rc2, rc2 ? err2 : "ok");
        if (rc == SL_OK && rc2 == SL_OK) {
            char *t1 = resolved_text(sc), *t2 = resolved_text(sc2);
            FZ_CHECK(!strcmp(t1, t2), "--set %s: once and twice differ\n--- once:\n%s\n--- twice:\n%s",
                     sets[0], t1, t2);
            free(t1);
            free(t2);
        }
        sl_scenario_destroy(sc2);
    }
    sl_scenario_destroy(sc);
    free(text);
    return 0;
}
