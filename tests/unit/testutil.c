#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sl_scenario_t *t_load_sets(const char *yaml, const char *const *sets, size_t n) {
    char err[1024] = "";
    sl_scenario_t *sc = NULL;
    sl_err_t rc = sl_scenario_load_buffer("test.yaml", yaml, strlen(yaml), sets, n, &sc, err, sizeof err);
    ck_assert_msg(rc == SL_OK, "scenario did not load: %s", err);
    return sc;
}

sl_scenario_t *t_load(const char *yaml) { return t_load_sets(yaml, NULL, 0); }

sl_err_t t_try_load(const char *yaml, char *err, size_t err_size) {
    sl_scenario_t *sc = NULL;
    sl_err_t rc = sl_scenario_load_buffer("test.yaml", yaml, strlen(yaml), NULL, 0, &sc, err, err_size);
    sl_scenario_destroy(sc);
    return rc;
}

char *t_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

#include <stdarg.h>

char *t_fmt(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    ck_assert_int_ge(vasprintf(&out, fmt, ap), 0);
    va_end(ap);
    return out;
}

t_run_t *t_start(const char *yaml) {
    t_run_t *r = calloc(1, sizeof *r);
    r->sc = t_load(yaml);
    r->ftrace = open_memstream(&r->trace, &r->trace_len);
    r->flog = open_memstream(&r->log, &r->log_len);
    r->fseries = open_memstream(&r->series, &r->series_len);
    sl_sinks_t sinks = {.trace = r->ftrace, .series = r->fseries, .log = r->flog};
    char err[1024] = "";
    sl_err_t rc = sl_sim_new(r->sc, &sinks, &r->sim, err, sizeof err);
    ck_assert_msg(rc == SL_OK, "sl_sim_new failed: %s", err);
    sl_sim_start(r->sim);
    return r;
}

void t_until(t_run_t *r, int64_t t_us) { sl_engine_run_until(&r->sim->eng, t_us); }

void t_finish(t_run_t *r) {
    sl_engine_run_until(&r->sim->eng, r->sc->duration_us);
    sl_sim_finish(r->sim);
    fclose(r->ftrace);
    fclose(r->flog);
    fclose(r->fseries);
    r->ftrace = r->flog = r->fseries = NULL;
    int cap = 1024;
    r->ev = malloc((size_t)cap * sizeof *r->ev);
    char *line = r->trace;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        ck_assert_msg(nl != NULL, "trace line without newline");
        *nl = 0;
        json_error_t jerr;
        json_t *ev = json_loads(line, 0, &jerr);
        ck_assert_msg(ev != NULL, "trace line %d is not JSON (%s): %s", r->n_ev, jerr.text, line);
        ck_assert_msg(t_ev_seq(ev) == r->n_ev, "trace seq %lld at line %d", (long long)t_ev_seq(ev), r->n_ev);
        if (r->n_ev == cap)
            r->ev = realloc(r->ev, (size_t)(cap *= 2) * sizeof *r->ev);
        r->ev[r->n_ev++] = ev;
        *nl = '\n';
        line = nl + 1;
    }
}

t_run_t *t_run(const char *yaml) {
    t_run_t *r = t_start(yaml);
    t_finish(r);
    return r;
}

char *t_group_yaml(const char *name, int seed, int members, const char *extra, const char *events) {
    return t_fmt("name: %s\n"
                 "seed: %d\n"
                 "duration: 5m\n"
                 "topics:\n"
                 "  - {name: orders, partitions: 12, replication: 3, produce_rate: 100/s}\n"
                 "groups:\n"
                 "  - id: billing\n"
                 "    topics: [orders]\n"
                 "    members: %d\n"
                 "%s"
                 "events:\n%s",
                 name, seed, members, extra ? extra : "", events && *events ? events : "  []\n");
}

t_run_t *t_start_owned(char *yaml) {
    t_run_t *r = t_start(yaml);
    free(yaml);
    return r;
}

t_run_t *t_run_owned(char *yaml) {
    t_run_t *r = t_run(yaml);
    free(yaml);
    return r;
}

void t_free(t_run_t *r) {
    if (r->ftrace) {
        fclose(r->ftrace);
        fclose(r->flog);
        fclose(r->fseries);
    }
    for (int i = 0; i < r->n_ev; i++)
        json_decref(r->ev[i]);
    free(r->ev);
    sl_sim_destroy(r->sim);
    sl_scenario_destroy(r->sc);
    free(r->trace);
    free(r->log);
    free(r->series);
    free(r);
}

int64_t t_ev_time(const json_t *ev) { return json_integer_value(json_object_get(ev, "t_us")); }
int64_t t_ev_seq(const json_t *ev) { return json_integer_value(json_object_get(ev, "seq")); }

static int matches(const json_t *ev, const char *kind, const char *node) {
    if (strcmp(json_string_value(json_object_get(ev, "kind")), kind) != 0)
        return 0;
    if (!node)
        return 1;
    const char *n = json_string_value(json_object_get(ev, "node"));
    return n && strcmp(n, node) == 0;
}

int t_count(const t_run_t *r, const char *kind, const char *node, int64_t from_us, int64_t to_us) {
    int n = 0;
    for (int i = 0; i < r->n_ev; i++) {
        int64_t t = t_ev_time(r->ev[i]);
        if (t >= from_us && t < to_us && matches(r->ev[i], kind, node))
            n++;
    }
    return n;
}

json_t *t_first(const t_run_t *r, const char *kind, const char *node, int64_t from_us) {
    for (int i = 0; i < r->n_ev; i++)
        if (t_ev_time(r->ev[i]) >= from_us && matches(r->ev[i], kind, node))
            return r->ev[i];
    return NULL;
}

json_t *t_root(const t_run_t *r, int64_t seq) {
    for (int hops = 0; hops < 100000; hops++) {
        ck_assert_msg(seq >= 0 && seq < r->n_ev, "cause seq %lld out of range", (long long)seq);
        json_t *cause = json_object_get(r->ev[seq], "cause");
        if (json_is_null(cause))
            return r->ev[seq];
        int64_t c = json_integer_value(cause);
        ck_assert_msg(c < seq, "cause %lld of event %lld is not earlier", (long long)c, (long long)seq);
        seq = c;
    }
    ck_abort_msg("cause chain does not end");
    return NULL;
}

sl_group_result_t t_group(const t_run_t *r, int i) {
    sl_group_result_t g;
    ck_assert_int_eq(sl_sim_group_result(r->sim, i, &g), SL_OK);
    return g;
}

t_run_t *t_run_file(const char *source_path) {
    char *path = t_fmt("%s/%s", SL_SOURCE_DIR, source_path);
    char *y = t_slurp(path, NULL);
    ck_assert_msg(y != NULL, "cannot read %s", path);
    t_run_t *r = t_run(y);
    free(y);
    free(path);
    return r;
}
