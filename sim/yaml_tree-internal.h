/*
 * A small YAML document tree built from libyaml's event parser.
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
#ifndef SL_YAML_TREE_INTERNAL_H
#define SL_YAML_TREE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "stormlab/stormlab.h"

typedef enum yt_kind_e { YT_SCALAR, YT_SEQ, YT_MAP } yt_kind_t;

typedef struct yt_node_s yt_node_t;

typedef struct yt_pair_s {
    yt_node_t *key;    /* always a scalar */
    yt_node_t *value;
} yt_pair_t;

struct yt_node_s {
    yt_kind_t kind;
    int line, col;      /* 1-based; 0 for nodes made by --set */
    const char *origin; /* NULL: from the file; else the --set argument
                         * (not owned) the node came from */
    /* scalar */
    char *str;          /* NUL-terminated, never contains NUL */
    size_t len;
    bool quoted;        /* quoted or block style: a string, never a number */
    /* sequence: items[0..n); mapping: pairs[0..n) */
    yt_node_t **items;
    yt_pair_t *pairs;
    size_t n, cap;
    /* subtree totals (this node included), for the alias budget */
    size_t w_nodes, w_bytes;
};

/*
 * Parses buf[0..len) (one YAML document) into a tree.  name is used in
 * messages ("name:line:col: ...").  On success *root is a new tree the
 * caller frees with yt_free().  On failure *root is untouched and err
 * holds the message; returns SL_E_INVAL (syntax, duplicate key, empty
 * document...), SL_E_LIMIT (size, depth, node budget) or SL_E_NOMEM.
 */
sl_err_t yt_parse(const char *name, const char *buf, size_t len,
                  yt_node_t **root, char *err, size_t err_size);

/*
 * Reads path whole into *buf (the caller frees it), refusing a file over
 * SL_MAX_FILE_BYTES without reading it all: SL_E_IO (cannot open or read),
 * SL_E_LIMIT or SL_E_NOMEM with err set.  Used for scenario files and
 * cluster files alike, so both have the same limits.
 */
sl_err_t yt_read_file(const char *path, char **buf, size_t *len, char *err, size_t err_size);

/* Frees a tree; NULL is a no-op. */
void yt_free(yt_node_t *n);

/* The value of key in map (a YT_MAP), or NULL. */
yt_node_t *yt_get(const yt_node_t *map, const char *key);
/* The pair whose key is key, or NULL. */
yt_pair_t *yt_get_pair(const yt_node_t *map, const char *key);

/* A new plain scalar (copy of s), or NULL when out of memory. */
yt_node_t *yt_new_scalar(const char *s);
/* A new empty mapping, or NULL when out of memory. */
yt_node_t *yt_new_map(void);
/* Appends key: value to map; takes ownership of value (and of key's copy).
 * Returns 0, or -1 when out of memory (value is then freed). */
int yt_map_add(yt_node_t *map, const char *key, yt_node_t *value);

/* Sets origin (not copied) on n and its whole subtree. */
void yt_set_origin(yt_node_t *n, const char *origin);

/* A plain scalar that YAML reads as null: empty, ~, null. */
bool yt_is_null(const yt_node_t *n);

/* "a mapping", "a list", "a string" ...: for messages. */
const char *yt_kind_desc(const yt_node_t *n);

/* Writes s[0..len) into buf as a short double-quoted excerpt for a
 * message: control characters escaped, cut at 40 characters with "...". */
void yt_excerpt(const char *s, size_t len, char *buf, size_t size);

#endif
