/* A run's impact for explain, compare and report.html (impact.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "impact.h"
#include "stormlab/stormlab.h"

int sl_impact_stored(const sl_run_t *run) { return json_is_array(json_object_get(run->summary, "impact")); }

json_t *sl_impact_of_run(const sl_run_t *run, char *err, size_t errsz) {
    if (sl_impact_stored(run))
        return json_pack("{s:O, s:O}", "impact", json_object_get(run->summary, "impact"), "impact_baselines",
                         json_object_get(run->summary, "impact_baselines"));
    return sl_impact_compute_in(run->dir, err, errsz);
}

json_t *sl_impact_compute_in(const char *dir, char *err, size_t errsz) {
    char path[4096];
    snprintf(path, sizeof path, "%s/scenario.resolved.yaml", dir);
    sl_scenario_t *sc = NULL;
    sl_impact_t *im = NULL;
    char *text = NULL;
    size_t len = 0;
    json_t *doc = NULL;
    if (sl_scenario_load_file(path, NULL, 0, &sc, err, errsz) != SL_OK)
        goto out;
    if (sl_impact_compute(sc, &im, err, errsz) != SL_OK)
        goto out;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        goto out;
    fputs("{\"impact\": ", f);
    sl_impact_write_json(im, f);
    fputs("}", f);
    fclose(f);
    json_error_t je;
    if (!(doc = json_loadb(text, len, 0, &je)))
        snprintf(err, errsz, "impact of %s: %s", dir, je.text);
out:
    free(text);
    sl_impact_destroy(im);
    sl_scenario_destroy(sc);
    return doc;
}

json_t *sl_impact_entry_at(json_t *doc, long long t_us, int k) {
    json_t *list = json_object_get(doc, "impact"), *e;
    size_t i;
    json_array_foreach(list, i, e) {
        if (llround(json_number_value(json_object_get(e, "at_s")) * 1e6) == t_us && k-- == 0)
            return e;
    }
    return NULL;
}

double sl_impact_delta_sum(json_t *entry, const char *metric) {
    json_t *delta = json_object_get(entry, "delta"), *c = json_object_get(json_object_get(delta, "cluster"), metric);
    if (c)
        return json_number_value(c);
    double sum = 0;
    const char *g;
    json_t *v;
    json_object_foreach(json_object_get(delta, "groups"), g, v) sum += json_number_value(json_object_get(v, metric));
    return sum;
}

/* The metrics explain names, in the verdict's order (docs/outputs.md), with their short labels. */
static const struct {
    const char *metric, *label;
    int seconds;
} shown[] = {
    {"lost_records", "lost", 0},          {"produce_errors", "produce errors", 0},
    {"crashed_members", "crashed", 0},    {"stable_from_s", "stable", 1},
    {"unowned_partition_s", "unowned", 1}, {"unavailable_partition_s", "unavailable", 1},
    {"rebalances", "rebalances", 0},      {"duplicates", "dups", 0},
};

void sl_impact_effect_text(json_t *entry, char *buf, size_t size) {
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof shown / sizeof shown[0] && o < size; i++) {
        double d = sl_impact_delta_sum(entry, shown[i].metric);
        if (shown[i].seconds ? fabs(d) < 0.05 : d == 0)
            continue;
        if (shown[i].seconds)
            o += (size_t)snprintf(buf + o, size - o, "%s%s %+.1f s", o ? ", " : "", shown[i].label, d);
        else
            o += (size_t)snprintf(buf + o, size - o, "%s%+.0f %s", o ? ", " : "", d, shown[i].label);
    }
    if (o == 0 && o < size)
        o += (size_t)snprintf(buf, size, "no change");
    const char *verdict = json_string_value(json_object_get(entry, "verdict"));
    const char *by = json_string_value(json_object_get(entry, "decided_by"));
    const char *last = by ? strrchr(by, '.') : NULL;
    if (o < size)
        o += (size_t)snprintf(buf + o, size - o, "  => %s%s%s%s", verdict ? verdict : "?", last ? " (" : "",
                              last ? last + 1 : "", last ? ")" : "");
    json_t *removed = json_object_get(entry, "removed");
    if (json_object_get(entry, "event") && json_array_size(removed) > 1 && o < size) { /* baselines remove many by design */
        o += (size_t)snprintf(buf + o, size - o, "; removed with event%s", json_array_size(removed) > 2 ? "s" : "");
        size_t i;
        json_t *x;
        json_array_foreach(removed, i, x) {
            if (json_integer_value(x) != json_integer_value(json_object_get(entry, "event")) && o < size)
                o += (size_t)snprintf(buf + o, size - o, " %lld", (long long)json_integer_value(x));
        }
        if (o < size)
            snprintf(buf + o, size - o, " (they need it)");
    }
}
