/*
 * `stormlab help --set-paths [SCENARIO]`: every path --set and --vary take,
 * one per line, for shell completion (cmake/completions.sh).  The keys come
 * from the loader's own tables (sl_scenario_keys), so a completion never
 * offers a key the loader refuses; with a scenario, its topics, groups and
 * events are named as --set addresses them (docs/scenarios.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "stormlab/scenario.h"

/* The top-level keys that hold one value (not a list or mapping). */
static int scalar_top(const char *k) {
    return strcmp(k, "cluster") && strcmp(k, "topics") && strcmp(k, "groups") && strcmp(k, "links") &&
           strcmp(k, "events") && strcmp(k, "expect");
}

static void under(const char *prefix, const char *where, const char *skip) {
    for (const char *const *k = sl_scenario_keys(where); *k; k++)
        if (!skip || strcmp(*k, skip))
            printf("%s.%s\n", prefix, *k);
}

int sl_cli_set_paths(int argc, char **argv) {
    if (argc > 1) {
        fprintf(stderr, "usage: stormlab help --set-paths [SCENARIO]\n");
        return SL_EXIT_USAGE;
    }
    for (const char *const *k = sl_scenario_keys(""); *k; k++)
        if (scalar_top(*k))
            printf("%s\n", *k);
    under("cluster", "cluster", NULL);
    under("links", "links", NULL);
    if (argc == 0)
        return SL_EXIT_OK;
    sl_scenario_t *sc = NULL;
    char err[1024];
    if (sl_scenario_load_file(argv[0], NULL, 0, &sc, err, sizeof err) != SL_OK) {
        fprintf(stderr, "stormlab: %s\n", err);
        return SL_EXIT_USAGE;
    }
    char prefix[1100];
    for (int i = 0; i < sl_scenario_topic_count(sc); i++) {
        snprintf(prefix, sizeof prefix, "topics.%s", sl_scenario_topic(sc, i)->name);
        under(prefix, "topics", "name");
    }
    for (int i = 0; i < sl_scenario_group_count(sc); i++) {
        snprintf(prefix, sizeof prefix, "groups.%s", sl_scenario_group(sc, i)->id);
        under(prefix, "groups", "id");
    }
    /* an event by its place in the file; its time and length are what a
     * sweep varies (the action's own keys depend on the action) */
    for (int i = 0; i < sl_scenario_event_count(sc); i++) {
        const sl_event_cfg_t *ev = sl_scenario_event(sc, i);
        printf("events.%d.at\n", ev->file_index);
        if (ev->for_us > 0)
            printf("events.%d.for\n", ev->file_index);
    }
    sl_scenario_destroy(sc);
    return SL_EXIT_OK;
}
