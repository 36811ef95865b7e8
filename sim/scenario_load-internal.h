/*
 * Shared by the scenario loader's files: the load context, error
 * reporting in the one format (`file:line:col: key.path: what was wrong,
 * expected what`), and typed readers of tree values.
 *
 * Every reader returns 0, or -1 after recording the error in the context.
 * `get_*` read an optional key of a mapping (absent: *out untouched, so
 * the caller presets the default); `val_*` read a node that is present.
 */
#ifndef SL_SCENARIO_LOAD_INTERNAL_H
#define SL_SCENARIO_LOAD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario-internal.h"
#include "stormlab/yaml.h"

/* Shared between this part's files only: hidden from a shared library's
 * exports (which carry the public sl_ API alone). */
#pragma GCC visibility push(hidden)

#define LD_PATH 256 /* key paths in messages are cut beyond this */

typedef struct ld_name_s {
    const char *name;
    int index;
} ld_name_t;

typedef struct ld_s {
    const char *file;   /* for messages */
    char *err;
    size_t err_size;
    sl_err_t rc;        /* of the first error */
    sl_scenario_t *sc;  /* being filled */
    ld_name_t *topic_order; /* topics sorted by name, for O(log n) lookups */
    ld_name_t *group_order; /* groups sorted by id */
    char **set_paths;       /* the --set paths, origins of the nodes they made */
    size_t n_set_paths;
} ld_t;

/* Records "file:line:col: path: <fmt>" (or "--set ARG: path: <fmt>" for a
 * node an override made).  Returns -1. */
int ld_fail(ld_t *ld, sl_err_t rc, const sl_yaml_node_t *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int ld_nomem(ld_t *ld);

/* Path builders: buf (LD_PATH bytes) = "parent.key" / "parent[i]". */
const char *ld_key(char *buf, const char *parent, const char *key);
const char *ld_idx(char *buf, const char *parent, size_t i);

/* n must be a mapping (what: "the cluster settings") whose keys are all
 * in valid (NULL-terminated). */
int ld_map(ld_t *ld, const sl_yaml_node_t *n, const char *path, const char *what,
           const char *const *valid);
/* n must be a list (what: "topics"). */
int ld_seq(ld_t *ld, const sl_yaml_node_t *n, const char *path, const char *what);

int val_int(ld_t *ld, const sl_yaml_node_t *n, const char *path, int64_t min, int64_t max,
            int64_t *out);
int val_dur(ld_t *ld, const sl_yaml_node_t *n, const char *path, int64_t min, int64_t *out);
int val_double(ld_t *ld, const sl_yaml_node_t *n, const char *path, double min, double max,
               bool max_inclusive, double *out);
int val_bool(ld_t *ld, const sl_yaml_node_t *n, const char *path, bool *out);
/* id: a name in [A-Za-z0-9._-]{1,SL_MAX_NAME}; else any text up to
 * SL_MAX_NAME bytes (or unbounded when long_text) without control
 * characters other than newline and tab. */
int val_str(ld_t *ld, const sl_yaml_node_t *n, const char *path, bool id, bool long_text, char **out);
/* One of names[0..count); what: "a client". */
int val_enum(ld_t *ld, const sl_yaml_node_t *n, const char *path, const char *what,
             const char *const *names, int count, int *out);

int get_int(ld_t *ld, const sl_yaml_node_t *map, const char *parent, const char *key, int min,
            int max, int *out);
int get_dur(ld_t *ld, const sl_yaml_node_t *map, const char *parent, const char *key, int64_t min,
            int64_t *out);
int get_bool(ld_t *ld, const sl_yaml_node_t *map, const char *parent, const char *key, bool *out);

/* Group fields shared by groups: and `set` events (scenario_load.c).
 * Reads the field named key into g and returns its SL_GF_* bit (0 for
 * fields a `set` cannot change); -1 on error. */
int ld_group_field(ld_t *ld, const sl_yaml_node_t *v, const char *path, const char *key,
                   sl_group_cfg_t *g);
/* Checks the group's timeouts and assignor against the protocol and,
 * when broker_bounds, the broker's session and heartbeat bounds (a `set`
 * event may cross those: the broker's rejection is then modelled, docs/scenarios.md).  On a problem writes the field's key and the message (without
 * location) and returns -1. */
int ld_check_group(const sl_cluster_cfg_t *cl, const sl_group_cfg_t *g, bool broker_bounds,
                   const char **key, char *why, size_t why_size);

/* Events, selectors and expectations (scenario_events.c). */
int ld_events(ld_t *ld, const sl_yaml_node_t *seq);
int ld_expects(ld_t *ld, const sl_yaml_node_t *seq);

/* Lookups by name, -1 when absent. */
int ld_topic_index(const ld_t *ld, const char *name);
int ld_group_index(const ld_t *ld, const char *id);

/* An event's keys: at:, for:, ... and the actions (scenario_events.c). */
extern const char *const ld_event_keys[];

/* Applies the --set overrides to the tree (scenario_set.c). */
int ld_apply_sets(ld_t *ld, sl_yaml_node_t *root, const char *const *sets, size_t n_sets);

#pragma GCC visibility pop

#endif
