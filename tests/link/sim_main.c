/* libstormlab_sim alone (tests/link/CMakeLists.txt): the public API only. */
#include <stdio.h>

#include "stormlab/scenario.h"

int main(void) {
    /* given the simulator library and nothing else, when a scenario loads
     * from a buffer, then its records read through the public accessors */
    static const char yaml[] = "name: alone\nduration: 1m\ntopics:\n  - {name: t, partitions: 4}\n"
                               "groups:\n  - {id: g, topics: [t], members: 2}\n";
    char err[512];
    sl_scenario_t *sc = NULL;
    if (sl_scenario_load_buffer("alone.yaml", yaml, sizeof yaml - 1, NULL, 0, &sc, err, sizeof err) != SL_OK) {
        fprintf(stderr, "expected the scenario to load, got: %s\n", err);
        return 1;
    }
    int ok = sl_scenario_group_count(sc) == 1 && sl_scenario_group(sc, 0)->members == 2 &&
             sl_scenario_topic(sc, 0)->partitions == 4 && sl_scenario_duration_us(sc) == 60000000;
    if (!ok)
        fprintf(stderr, "expected 1 group of 2 members, 4 partitions, 60 s; got %d groups\n", sl_scenario_group_count(sc));
    sl_scenario_destroy(sc);
    return ok ? 0 : 1;
}
