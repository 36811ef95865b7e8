/* Properties of the scenario loader that more than one target checks. */
#ifndef SL_FUZZ_SCENARIO_UTIL_H
#define SL_FUZZ_SCENARIO_UTIL_H

#include "stormlab/stormlab.h"

/* a's resolved text loads again and writes back to the same bytes
 * (docs/scenarios.md, "The resolved file"); aborts otherwise. */
void fz_check_round_trip(const sl_scenario_t *a, const char *what);
/* msg starts with "NAME:LINE:COL:" (1-based line and column). */
int fz_has_position(const char *msg, const char *name);

#endif
