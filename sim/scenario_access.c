/* The read-only accessors of include/stormlab/scenario.h: a loaded
 * scenario's records for the engines outside sim/ (harness/run/). */
#include "scenario-internal.h"

int sl_scenario_topic_count(const sl_scenario_t *sc) { return sc->n_topics; }
const sl_topic_cfg_t *sl_scenario_topic(const sl_scenario_t *sc, int i) {
    return i >= 0 && i < sc->n_topics ? &sc->topics[i] : NULL;
}
int sl_scenario_group_count(const sl_scenario_t *sc) { return sc->n_groups; }
const sl_group_cfg_t *sl_scenario_group(const sl_scenario_t *sc, int i) {
    return i >= 0 && i < sc->n_groups ? &sc->groups[i] : NULL;
}
int sl_scenario_event_count(const sl_scenario_t *sc) { return sc->n_events; }
const sl_event_cfg_t *sl_scenario_event(const sl_scenario_t *sc, int i) {
    return i >= 0 && i < sc->n_events ? &sc->events[i] : NULL;
}
const sl_cluster_cfg_t *sl_scenario_cluster(const sl_scenario_t *sc) { return &sc->cluster; }
const sl_link_cfg_t *sl_scenario_links(const sl_scenario_t *sc) { return &sc->links; }
int64_t sl_scenario_duration_us(const sl_scenario_t *sc) { return sc->duration_us; }
int64_t sl_scenario_sample_us(const sl_scenario_t *sc) { return sc->sample_us; }
const char *sl_scenario_file(const sl_scenario_t *sc) { return sc->file; }
