/* Shared by the exporters (export.c, chaos_mesh.c). */
#ifndef SL_EXPORT_INTERNAL_H
#define SL_EXPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "export.h"
#include "stormlab/outputs.h"
#include "stormlab/scenario.h"

/* us as a Go duration, as Chaos Mesh reads them: the scenario format's
 * ("90s", "1500ms", "2m": sl_format_duration), but zero as "0s". */
void sl_export_duration(int64_t us, char *out, size_t size);
/* name as a Kubernetes DNS label prefix: [a-z0-9-], starting and ending
 * with a letter or digit, at most size - 1 (<= 40) bytes; "scenario" when
 * nothing is left. */
void sl_export_dns_name(const char *name, char *out, size_t size);
/* The nodes event ev of a rolling restart/pause/stall acts on, one by one
 * in the simulator's order (brokers by id, members by number as many as the
 * group has then, producers by topic): *out malloc'd, count returned. */
int sl_export_rolling(const sl_scenario_t *sc, int ev, sl_selector_t **out);
/* dir/name holding buf[0..len), written under a temporary name then
 * renamed (dir created if needed).  SL_OK, or SL_E_IO with err. */
sl_err_t sl_export_write_file(const char *dir, const char *name, const char *buf, size_t len, char *err,
                              size_t errsz);

/* A line of not-exported.txt for event ev: "events[ev] at T: its YAML: what". */
void sl_export_note(FILE *notes, const sl_scenario_t *sc, int ev, const char *what);
/* How long a fault lasts: its for:, or to the end of the run without one. */
int64_t sl_export_fault_dur(const sl_scenario_t *sc, const sl_event_cfg_t *e);

/* Why a set or scale event is not exported, the same for every target:
 * the team's rollout, not a fault. */
const char *sl_export_rollout_note(sl_event_kind_t kind);

#endif
