/*
 * The pure parts of `stormlab sweep`: the --vary grid, shards, and the
 * results.tsv format that `sweep --merge` reads back.  No processes here,
 * so a unit test can state the rules (tests/harness/check_sweep.c).
 */
#ifndef SL_SWEEP_H
#define SL_SWEEP_H

#include <stddef.h>
#include <stdio.h>

#define SL_SWEEP_MAX_VARY 32
#define SL_SWEEP_MAX_POINTS 1000000

/** One --vary KEY=V1,V2,...: a scenario path (as --set takes it) and values. */
typedef struct sl_vary_s {
    char *spec;     /**< the option's text, as given */
    char *key;      /**< groups.billing.session_timeout */
    char **values;  /**< n values, in the order given */
    size_t n;
} sl_vary_t;

/**
 * Parses spec into out.  Values are split at commas outside [] and {} (so
 * a YAML flow value such as {median: 2ms, p99: 40ms} stays one value); "\,"
 * is a literal comma; blanks around a value are dropped.  An empty key or
 * value, a tab or newline in a value (results.tsv could not hold it), or the
 * same value twice is an error.  0, or -1 with a message in err.
 */
int sl_vary_parse(const char *spec, sl_vary_t *out, char *err, size_t errsz);
void sl_vary_free(sl_vary_t *v);

/** Points in the grid (the product of the value counts), or 0 when it
 * exceeds SL_SWEEP_MAX_POINTS. */
size_t sl_grid_points(const sl_vary_t *v, size_t n);
/** The value index of each vary for point p (0-based); the last --vary
 * changes fastest, like nested loops written in option order. */
void sl_grid_point(const sl_vary_t *v, size_t n, size_t p, size_t *idx);

/** Parses "I/N" (1 <= I <= N <= 100000).  0, or -1 with a message. */
int sl_shard_parse(const char *s, unsigned *i, unsigned *n, char *err, size_t errsz);
/** Whether point p belongs to shard i of n: round-robin (p mod n == i-1),
 * so each shard gets a fair mix of cheap and expensive corners. */
int sl_shard_has(size_t p, unsigned i, unsigned n);

/** results.tsv read back: its # header lines (without "# shard:"), the
 * column line, and its rows by point. */
typedef struct sl_results_s {
    char **header;   /**< "# ..." lines without newline, "# shard:" excluded */
    size_t n_header;
    char *columns;   /**< the column-name line */
    char *shard;     /**< "I/N" or NULL */
    size_t points;   /**< the grid's size, from "# points:" */
    char **rows;     /**< rows[p] or NULL when absent; points entries */
    size_t n_rows;
} sl_results_t;

/**
 * Reads path (a results.tsv).  A malformed file, a row whose point number
 * is outside the grid, a row given twice, or a row with a different number
 * of fields than the column line is an error.  0, or -1 with a message.
 */
int sl_results_read(const char *path, sl_results_t *out, char *err, size_t errsz);
void sl_results_free(sl_results_t *r);
/** The value of "# NAME: value" in the header, or NULL. */
const char *sl_results_header(const sl_results_t *r, const char *name);

#endif
