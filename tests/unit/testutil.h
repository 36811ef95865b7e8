/* Helpers shared by the Check suites. */
#ifndef SL_TESTUTIL_H
#define SL_TESTUTIL_H
#include <stddef.h>
#include "stormlab/stormlab.h"

/* Loads a scenario from a string; fails the test (with the loader's message)
 * when it does not load. */
sl_scenario_t *t_load(const char *yaml);
/* Loads with --set overrides. */
sl_scenario_t *t_load_sets(const char *yaml, const char *const *sets, size_t n);
/* Tries to load; returns the error and copies the message into err. */
sl_err_t t_try_load(const char *yaml, char *err, size_t err_size);
/* Reads a whole file into a new NUL-terminated buffer (caller frees). */
char *t_slurp(const char *path, size_t *len);
#endif
