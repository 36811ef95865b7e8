/*
 * The pure parts of `stormlab sweep` (see sweep.h).
 */
#include "sweep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *trim_dup(const char *s, size_t len) {
    while (len && (*s == ' ')) { s++; len--; }
    while (len && s[len - 1] == ' ') len--;
    char *d = malloc(len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void sl_vary_free(sl_vary_t *v) {
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) free(v->values[i]);
    free(v->values);
    free(v->key);
    free(v->spec);
    memset(v, 0, sizeof *v);
}

static int add_value(sl_vary_t *v, char *val, char *err, size_t errsz) {
    if (!val) { snprintf(err, errsz, "out of memory"); return -1; }
    if (!*val) {
        snprintf(err, errsz, "--vary %s: empty value (value %zu), expected KEY=V1,V2,...", v->spec, v->n + 1);
        free(val);
        return -1;
    }
    if (strpbrk(val, "\t\n\r")) {
        snprintf(err, errsz, "--vary %s: a value holds a tab or newline, which results.tsv cannot hold", v->spec);
        free(val);
        return -1;
    }
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->values[i], val)) {
            snprintf(err, errsz, "--vary %s: value '%s' given twice, expected each value once", v->spec, val);
            free(val);
            return -1;
        }
    char **nv = realloc(v->values, (v->n + 1) * sizeof *nv);
    if (!nv) { free(val); snprintf(err, errsz, "out of memory"); return -1; }
    v->values = nv;
    v->values[v->n++] = val;
    return 0;
}

int sl_vary_parse(const char *spec, sl_vary_t *out, char *err, size_t errsz) {
    sl_vary_t v;
    memset(&v, 0, sizeof v);
    if (!(v.spec = strdup(spec))) { snprintf(err, errsz, "out of memory"); return -1; }
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec) {
        snprintf(err, errsz, "--vary %s: expected KEY=V1,V2,... such as groups.billing.session_timeout=10s,45s", spec);
        goto fail;
    }
    if (!(v.key = trim_dup(spec, (size_t)(eq - spec))) || !*v.key || strpbrk(v.key, " \t\n")) {
        snprintf(err, errsz, "--vary %s: '%.*s' is not a scenario path, expected one such as groups.billing.session_timeout",
                 spec, (int)(eq - spec), spec);
        goto fail;
    }
    /* split at top-level commas; "\," is a comma inside a value */
    char *cur = malloc(strlen(eq) + 1);
    if (!cur) { snprintf(err, errsz, "out of memory"); goto fail; }
    size_t len = 0;
    int depth = 0;
    for (const char *p = eq + 1;; p++) {
        if (*p == '\\' && (p[1] == ',' || p[1] == '\\')) { cur[len++] = *++p; continue; }
        if (*p == '[' || *p == '{') depth++;
        if ((*p == ']' || *p == '}') && depth > 0) depth--;
        if (*p == '\0' || (*p == ',' && depth == 0)) {
            if (add_value(&v, trim_dup(cur, len), err, errsz) != 0) { free(cur); goto fail; }
            len = 0;
            if (!*p) break;
            continue;
        }
        cur[len++] = *p;
    }
    free(cur);
    *out = v;
    return 0;
fail:
    sl_vary_free(&v);
    return -1;
}

size_t sl_grid_points(const sl_vary_t *v, size_t n) {
    size_t p = 1;
    for (size_t i = 0; i < n; i++) {
        if (v[i].n == 0 || p > SL_SWEEP_MAX_POINTS / v[i].n) return 0;
        p *= v[i].n;
    }
    return p;
}

void sl_grid_point(const sl_vary_t *v, size_t n, size_t p, size_t *idx) {
    for (size_t i = n; i-- > 0;) {
        idx[i] = p % v[i].n;
        p /= v[i].n;
    }
}

int sl_shard_parse(const char *s, unsigned *i, unsigned *n, char *err, size_t errsz) {
    char *end;
    errno = 0;
    unsigned long a = strtoul(s, &end, 10), b = 0;
    int ok = end != s && *s >= '0' && *s <= '9' && *end == '/' && !errno;
    if (ok) {
        const char *q = end + 1;
        ok = *q >= '0' && *q <= '9';
        b = strtoul(q, &end, 10);
        ok = ok && !*end && !errno;
    }
    if (!ok || b < 1 || b > 100000 || a < 1 || a > b) {
        snprintf(err, errsz, "--shard: '%s' is not a shard, expected I/N with 1 <= I <= N (shards are numbered "
                 "from 1, e.g. --shard 1/4 .. --shard 4/4)", s);
        return -1;
    }
    *i = (unsigned)a;
    *n = (unsigned)b;
    return 0;
}

int sl_shard_has(size_t p, unsigned i, unsigned n) { return p % n == (size_t)(i - 1); }

void sl_results_free(sl_results_t *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n_header; i++) free(r->header[i]);
    free(r->header);
    if (r->rows)
        for (size_t i = 0; i < r->points; i++) free(r->rows[i]);
    free(r->rows);
    free(r->columns);
    free(r->shard);
    memset(r, 0, sizeof *r);
}

const char *sl_results_header(const sl_results_t *r, const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i < r->n_header; i++) {
        const char *h = r->header[i];
        if (!strncmp(h, "# ", 2) && !strncmp(h + 2, name, n) && h[2 + n] == ':')
            return h + 3 + n + (h[3 + n] == ' ');
    }
    return NULL;
}

static size_t fields(const char *line) {
    size_t n = 1;
    for (; *line; line++) n += *line == '\t';
    return n;
}

int sl_results_read(const char *path, sl_results_t *out, char *err, size_t errsz) {
    sl_results_t r;
    memset(&r, 0, sizeof r);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, rc = -1;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if ((size_t)len != strlen(line)) {
            snprintf(err, errsz, "%s:%d: a NUL byte, expected a results.tsv written by stormlab sweep", path, lineno);
            goto out;
        }
        if (line[0] == '#') {
            if (r.columns) {
                snprintf(err, errsz, "%s:%d: a header line after the column line", path, lineno);
                goto out;
            }
            if (!strncmp(line, "# shard:", 8)) {
                free(r.shard);
                r.shard = strdup(line + 8 + (line[8] == ' '));
                continue;
            }
            char **nh = realloc(r.header, (r.n_header + 1) * sizeof *nh);
            if (!nh) { snprintf(err, errsz, "out of memory"); goto out; }
            r.header = nh;
            r.header[r.n_header++] = strdup(line);
            continue;
        }
        if (!r.columns) {
            if (lineno == 1 || r.n_header == 0 || strcmp(r.header[0], "# stormlab sweep") != 0) {
                snprintf(err, errsz, "%s: not a results.tsv written by stormlab sweep (its first line is not "
                         "\"# stormlab sweep\")", path);
                goto out;
            }
            const char *pts = sl_results_header(&r, "points");
            char *end;
            unsigned long long np = pts ? strtoull(pts, &end, 10) : 0;
            if (!pts || *end || np < 1 || np > SL_SWEEP_MAX_POINTS) {
                snprintf(err, errsz, "%s: no valid \"# points:\" header line", path);
                goto out;
            }
            if (strncmp(line, "point\t", 6) != 0) {
                snprintf(err, errsz, "%s:%d: expected the column line starting \"point\"", path, lineno);
                goto out;
            }
            r.points = (size_t)np;
            r.columns = strdup(line);
            r.rows = calloc(r.points, sizeof *r.rows);
            if (!r.columns || !r.rows) { snprintf(err, errsz, "out of memory"); goto out; }
            continue;
        }
        if (!*line) continue;
        char *end;
        errno = 0;
        unsigned long long p = strtoull(line, &end, 10);
        if (end == line || *end != '\t' || errno || p >= r.points) {
            snprintf(err, errsz, "%s:%d: expected a point number 0..%zu at the start of the row", path, lineno,
                     r.points - 1);
            goto out;
        }
        if (fields(line) != fields(r.columns)) {
            snprintf(err, errsz, "%s:%d: %zu fields, expected %zu like the column line", path, lineno, fields(line),
                     fields(r.columns));
            goto out;
        }
        if (r.rows[p]) {
            snprintf(err, errsz, "%s:%d: point %llu appears twice", path, lineno, p);
            goto out;
        }
        if (!(r.rows[p] = strdup(line))) { snprintf(err, errsz, "out of memory"); goto out; }
        r.n_rows++;
    }
    if (ferror(f)) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!r.columns) {
        snprintf(err, errsz, "%s: no column line: not a results.tsv written by stormlab sweep", path);
        goto out;
    }
    rc = 0;
out:
    free(line);
    fclose(f);
    if (rc == 0) *out = r;
    else sl_results_free(&r);
    return rc;
}
