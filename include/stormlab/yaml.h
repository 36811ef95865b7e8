/**
 * A small YAML document tree built from libyaml's event parser: the one
 * reader of stormlab's YAML files (scenario files in sim/, cluster files in
 * harness/cluster/), so both have the same limits and the same
 * "file:line:col: message" errors.
 *
 * Every node carries the 1-based line:col where it starts, so the loader
 * can say where a bad value is.  Anchors and aliases are supported by
 * copying (an alias becomes a deep copy of its anchor), and `<<` merge
 * keys by copying the merged mappings' pairs; both count against a total
 * node and byte budget, so an alias bomb fails after a bounded amount of
 * work.  Duplicate keys, nesting deeper than SL_MAX_YAML_DEPTH, NUL
 * characters and more than one document are errors.  The tree is mutable:
 * `--set` overrides edit it before it is converted to a scenario.
 */
#ifndef STORMLAB_YAML_H
#define STORMLAB_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "stormlab/stormlab.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sl_yaml_kind_e { SL_YAML_SCALAR, SL_YAML_SEQ, SL_YAML_MAP } sl_yaml_kind_t;

typedef struct sl_yaml_node_s sl_yaml_node_t;

typedef struct sl_yaml_pair_s {
    sl_yaml_node_t *key;    /* always a scalar */
    sl_yaml_node_t *value;
} sl_yaml_pair_t;

struct sl_yaml_node_s {
    sl_yaml_kind_t kind;
    int line, col;      /* 1-based; 0 for nodes made by --set */
    const char *origin; /* NULL: from the file; else the --set argument
                         * (not owned) the node came from */
    /* scalar */
    char *str;          /* NUL-terminated, never contains NUL */
    size_t len;
    bool quoted;        /* quoted or block style: a string, never a number */
    /* sequence: items[0..n); mapping: pairs[0..n) */
    sl_yaml_node_t **items;
    sl_yaml_pair_t *pairs;
    size_t n, cap;
    /* subtree totals (this node included), for the alias budget */
    size_t w_nodes, w_bytes;
};

/*
 * Parses buf[0..len) (one YAML document) into a tree.  name is used in
 * messages ("name:line:col: ...").  On success *root is a new tree the
 * caller frees with sl_yaml_free().  On failure *root is untouched and err
 * holds the message; returns SL_E_INVAL (syntax, duplicate key, empty
 * document...), SL_E_LIMIT (size, depth, node budget) or SL_E_NOMEM.
 */
sl_err_t sl_yaml_parse(const char *name, const char *buf, size_t len,
                  sl_yaml_node_t **root, char *err, size_t err_size);

/*
 * Reads path whole into *buf (the caller frees it), refusing a file over
 * SL_MAX_FILE_BYTES without reading it all: SL_E_IO (cannot open or read),
 * SL_E_LIMIT or SL_E_NOMEM with err set.  Used for scenario files and
 * cluster files alike, so both have the same limits.
 */
sl_err_t sl_yaml_read_file(const char *path, char **buf, size_t *len, char *err, size_t err_size);

/* Frees a tree; NULL is a no-op. */
void sl_yaml_free(sl_yaml_node_t *n);

/* The value of key in map (a SL_YAML_MAP), or NULL. */
sl_yaml_node_t *sl_yaml_get(const sl_yaml_node_t *map, const char *key);
/* The pair whose key is key, or NULL. */
sl_yaml_pair_t *sl_yaml_get_pair(const sl_yaml_node_t *map, const char *key);

/* A new plain scalar (copy of s), or NULL when out of memory. */
sl_yaml_node_t *sl_yaml_new_scalar(const char *s);
/* A new empty mapping, or NULL when out of memory. */
sl_yaml_node_t *sl_yaml_new_map(void);
/* Appends key: value to map; takes ownership of value (and of key's copy).
 * Returns 0, or -1 when out of memory (value is then freed). */
int sl_yaml_map_add(sl_yaml_node_t *map, const char *key, sl_yaml_node_t *value);

/* Sets origin (not copied) on n and its whole subtree. */
void sl_yaml_set_origin(sl_yaml_node_t *n, const char *origin);

/* A plain scalar that YAML reads as null: empty, ~, null. */
bool sl_yaml_is_null(const sl_yaml_node_t *n);

/* "a mapping", "a list", "a string" ...: for messages. */
const char *sl_yaml_kind_desc(const sl_yaml_node_t *n);

/* Writes s[0..len) into buf as a short double-quoted excerpt for a
 * message: control characters escaped, cut at 40 characters with "...". */
void sl_yaml_excerpt(const char *s, size_t len, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
