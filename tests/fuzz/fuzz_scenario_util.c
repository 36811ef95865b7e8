/* The scenario properties fuzz_scenario.c and fuzz_set.c share. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_scenario_util.h"

static char *resolved(const sl_scenario_t *sc, size_t *len) {
    char *text = NULL;
    FILE *m = open_memstream(&text, len);
    FZ_CHECK(m != NULL, "open_memstream");
    sl_err_t rc = sl_scenario_write_resolved(sc, m);
    fclose(m);
    FZ_CHECK(rc == SL_OK, "write_resolved: %s", sl_strerror(rc));
    return text;
}

void fz_check_round_trip(const sl_scenario_t *a, const char *what) {
    char err[1024];
    size_t l1, l2;
    char *t1 = resolved(a, &l1);
    sl_scenario_t *b = NULL;
    sl_err_t rc = sl_scenario_load_buffer("resolved.yaml", t1, l1, NULL, 0, &b, err, sizeof err);
    FZ_CHECK(rc == SL_OK, "%s: its resolved text does not load: %s\n--- resolved:\n%s", what,
             err, t1);
    char *t2 = resolved(b, &l2);
    FZ_CHECK(l1 == l2 && !memcmp(t1, t2, l1),
             "%s: resolved text changes on a second round\n--- first:\n%s\n--- second:\n%s",
             what, t1, t2);
    sl_scenario_destroy(b);
    free(t1);
    free(t2);
}

/* "NAME:LINE:COL: " at the start of msg. */
int fz_has_position(const char *msg, const char *name) {
    size_t n = strlen(name);
    unsigned line, col;
    char colon;
    return !strncmp(msg, name, n) && sscanf(msg + n, ":%u:%u%c", &line, &col, &colon) == 3 &&
           colon == ':' && line >= 1 && col >= 1;
}
