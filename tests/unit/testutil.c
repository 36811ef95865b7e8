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
