/*
 * Typed readers of tree values for the scenario loader, and its one error
 * format: `file:line:col: key.path: what was wrong, expected what`.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load-internal.h"

int ld_fail(ld_t *ld, sl_err_t rc, const sl_yaml_node_t *at, const char *path, const char *fmt, ...) {
    ld->rc = rc;
    if (!ld->err || !ld->err_size) return -1;
    size_t size = ld->err_size, o;
    int w;
    if (at && at->origin)
        w = snprintf(ld->err, size, "--set %s: ", at->origin);
    else
        w = snprintf(ld->err, size, "%s:%d:%d: ", ld->file, at ? at->line : 1, at ? at->col : 1);
    o = w < 0 ? 0 : (size_t)w;
    if (o < size && path && *path) {
        w = snprintf(ld->err + o, size - o, "%s: ", path);
        o += w < 0 ? 0 : (size_t)w;
    }
    if (o < size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ld->err + o, size - o, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int ld_nomem(ld_t *ld) {
    ld->rc = SL_E_NOMEM;
    if (ld->err && ld->err_size) snprintf(ld->err, ld->err_size, "%s: out of memory", ld->file);
    return -1;
}

const char *ld_key(char *buf, const char *parent, const char *key) {
    snprintf(buf, LD_PATH, "%s%s%.60s", parent, *parent ? "." : "", key);
    return buf;
}

const char *ld_idx(char *buf, const char *parent, size_t i) {
    snprintf(buf, LD_PATH, "%s[%zu]", parent, i);
    return buf;
}

/* Edit distance, for "did you mean"; long strings are never close. */
static size_t distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b), row[65];
    if (la > 64 || lb > 64) return 99;
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static void join_names(char *buf, size_t size, const char *const *names, int count,
                       const char *last_sep) {
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < count && o < size; i++) {
        int w = snprintf(buf + o, size - o, "%s%s", i == 0 ? "" : i + 1 == count ? last_sep : ", ",
                         names[i]);
        o += w < 0 ? 0 : (size_t)w;
    }
}

int ld_map(ld_t *ld, const sl_yaml_node_t *n, const char *path, const char *what,
           const char *const *valid) {
    if (n->kind != SL_YAML_MAP)
        return ld_fail(ld, SL_E_INVAL, n, path, "found %s, expected a mapping of %s",
                       sl_yaml_kind_desc(n), what);
    int count = 0;
    while (valid[count]) count++;
    for (size_t i = 0; i < n->n; i++) {
        const sl_yaml_node_t *k = n->pairs[i].key;
        int j = 0;
        while (valid[j] && strcmp(valid[j], k->str) != 0) j++;
        if (valid[j]) continue;
        char p[LD_PATH], list[1024], hint[128] = "";
        join_names(list, sizeof list, valid, count, ", ");
        for (j = 0; valid[j]; j++)
            if (distance(valid[j], k->str) <= 2) {
                snprintf(hint, sizeof hint, " (did you mean %s?)", valid[j]);
                break;
            }
        return ld_fail(ld, SL_E_INVAL, k, ld_key(p, path, k->str),
                       "unknown key%s, expected one of %s", hint, list);
    }
    return 0;
}

int ld_seq(ld_t *ld, const sl_yaml_node_t *n, const char *path, const char *what) {
    if (n->kind != SL_YAML_SEQ)
        return ld_fail(ld, SL_E_INVAL, n, path, "found %s, expected a list of %s",
                       sl_yaml_kind_desc(n), what);
    return 0;
}

/* n must be a scalar with a value. */
static int scalar(ld_t *ld, const sl_yaml_node_t *n, const char *path, const char *expected) {
    if (n->kind != SL_YAML_SCALAR)
        return ld_fail(ld, SL_E_INVAL, n, path, "found %s, expected %s", sl_yaml_kind_desc(n), expected);
    if (sl_yaml_is_null(n))
        return ld_fail(ld, SL_E_INVAL, n, path, "no value, expected %s", expected);
    return 0;
}

/* n must be an unquoted scalar: YAML reads "5" as a string, 5 as a number. */
static int plain(ld_t *ld, const sl_yaml_node_t *n, const char *path, const char *expected) {
    if (scalar(ld, n, path, expected) != 0) return -1;
    if (n->quoted) {
        char ex[64];
        sl_yaml_excerpt(n->str, n->len, ex, sizeof ex);
        return ld_fail(ld, SL_E_INVAL, n, path, "%s is a quoted string, expected %s (without quotes)",
                       ex, expected);
    }
    return 0;
}

int val_int(ld_t *ld, const sl_yaml_node_t *n, const char *path, int64_t min, int64_t max,
            int64_t *out) {
    if (plain(ld, n, path, "an integer") != 0) return -1;
    char ex[64];
    sl_yaml_excerpt(n->str, n->len, ex, sizeof ex);
    const char *p = n->str;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    if (!*p || strspn(p, "0123456789") != strlen(p))
        return ld_fail(ld, SL_E_INVAL, n, path, "%s is not an integer, expected a whole number such as 3", ex);
    uint64_t v = 0;
    bool big = false;
    for (; *p; p++) {
        if (v > (UINT64_MAX - 9) / 10) big = true;
        else v = v * 10 + (uint64_t)(*p - '0');
    }
    if (neg && v > 0) {
        if (min >= 0)
            return ld_fail(ld, SL_E_INVAL, n, path, "%s is negative, expected at least %" PRId64, ex, min);
        if (big || v > (uint64_t)INT64_MAX || -(int64_t)v < min)
            return ld_fail(ld, SL_E_INVAL, n, path, "%s is too small, expected at least %" PRId64, ex, min);
        *out = -(int64_t)v;
        return 0;
    }
    if (big || v > (uint64_t)max)
        return ld_fail(ld, SL_E_LIMIT, n, path, "%s is too large, expected at most %" PRId64, ex, max);
    if ((int64_t)v < min)
        return ld_fail(ld, SL_E_INVAL, n, path, "%s is too small, expected at least %" PRId64, ex, min);
    *out = (int64_t)v;
    return 0;
}

int val_dur(ld_t *ld, const sl_yaml_node_t *n, const char *path, int64_t min, int64_t *out) {
    static const char expected[] = "a number with a unit (us, ms, s, m, h) such as 45s";
    if (scalar(ld, n, path, "a duration such as 45s") != 0) return -1;
    char ex[64], lim[32];
    sl_yaml_excerpt(n->str, n->len, ex, sizeof ex);
    sl_format_duration(SL_MAX_DURATION_US, lim, sizeof lim);
    int64_t us;
    if (sl_parse_duration(n->str, &us) != 0) {
        const char *p = n->str + (n->str[0] == '-' || n->str[0] == '+');
        size_t digits = strspn(p, "0123456789");
        const char *unit = p + digits;
        bool unit_ok = !strcmp(unit, "us") || !strcmp(unit, "ms") || !strcmp(unit, "s") ||
                       !strcmp(unit, "m") || !strcmp(unit, "h");
        if (n->str[0] == '-' && digits)
            return ld_fail(ld, SL_E_INVAL, n, path, "%s is negative, expected a duration of 0 or more "
                           "such as 45s", ex);
        if (n->str[0] != '+' && digits && unit_ok)
            return ld_fail(ld, SL_E_LIMIT, n, path, "%s is too large, expected at most %s", ex, lim);
        return ld_fail(ld, SL_E_INVAL, n, path, "%s is not a duration, expected %s", ex, expected);
    }
    if (us > SL_MAX_DURATION_US)
        return ld_fail(ld, SL_E_LIMIT, n, path, "%s is too large, expected at most %s", ex, lim);
    if (us < min) {
        char m[32];
        sl_format_duration(min, m, sizeof m);
        return ld_fail(ld, SL_E_INVAL, n, path, "%s is too short, expected at least %s", ex, m);
    }
    *out = us;
    return 0;
}

int val_double(ld_t *ld, const sl_yaml_node_t *n, const char *path, double min, double max,
               bool max_inclusive, double *out) {
    if (plain(ld, n, path, "a number") != 0) return -1;
    char ex[64];
    sl_yaml_excerpt(n->str, n->len, ex, sizeof ex);
    /* [-+]digits[.digits][e[-+]digits]: no hex, inf or nan, which strtod takes. */
    const char *p = n->str;
    size_t d1, d2 = 0;
    if (*p == '-' || *p == '+') p++;
    p += d1 = strspn(p, "0123456789");
    if (*p == '.') {
        p++;
        p += d2 = strspn(p, "0123456789");
    }
    bool ok = d1 + d2 > 0;
    if (ok && (*p == 'e' || *p == 'E')) {
        p++;
        if (*p == '-' || *p == '+') p++;
        size_t d3 = strspn(p, "0123456789");
        ok = d3 > 0;
        p += d3;
    }
    if (!ok || *p)
        return ld_fail(ld, SL_E_INVAL, n, path, "%s is not a number, expected a decimal number such as 0.05",
                       ex);
    errno = 0;
    double v = strtod(n->str, NULL);
    if (errno == ERANGE && fabs(v) > 1) /* overflow; underflow to ~0 is harmless */
        return ld_fail(ld, SL_E_LIMIT, n, path, "%s is too large, expected at most %.17g", ex, max);
    if (!(v >= min))
        return ld_fail(ld, SL_E_INVAL, n, path, "%s is too small, expected at least %.17g", ex, min);
    if (max_inclusive ? !(v <= max) : !(v < max))
        return ld_fail(ld, v > 1e15 ? SL_E_LIMIT : SL_E_INVAL, n, path, "%s is too large, expected %s %.17g",
                       ex, max_inclusive ? "at most" : "less than", max);
    *out = v == 0 ? 0 : v; /* -0 -> 0 */
    return 0;
}

int val_bool(ld_t *ld, const sl_yaml_node_t *n, const char *path, bool *out) {
    if (plain(ld, n, path, "true or false") != 0) return -1;
    const char *s = n->str;
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
        *out = true;
        return 0;
    }
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
        *out = false;
        return 0;
    }
    char ex[64];
    sl_yaml_excerpt(n->str, n->len, ex, sizeof ex);
    return ld_fail(ld, SL_E_INVAL, n, path, "%s is not a boolean, expected true or false", ex);
}

/* Kafka's topic name characters; not isalnum(), which follows the locale. */
static bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

int val_str(ld_t *ld, const sl_yaml_node_t *n, const char *path, bool id, bool long_text, char **out) {
    if (scalar(ld, n, path, id ? "a name" : "a string") != 0) return -1;
    char ex[64];
    sl_yaml_excerpt(n->str, n->len, ex, sizeof ex);
    if (!long_text && n->len > SL_MAX_NAME)
        return ld_fail(ld, SL_E_LIMIT, n, path, "%s is %zu bytes long, expected at most %d", ex, n->len,
                       SL_MAX_NAME);
    if (id) {
        size_t ok = 0;
        while (ok < n->len && is_name_char(n->str[ok])) ok++;
        if (ok < n->len || !strcmp(n->str, ".") || !strcmp(n->str, ".."))
            return ld_fail(ld, SL_E_INVAL, n, path,
                           "%s is not a valid name, expected letters, digits, '.', '_' and '-' only "
                           "(Kafka's rule for topic names)", ex);
    } else {
        for (size_t i = 0; i < n->len; i++) {
            unsigned char c = (unsigned char)n->str[i];
            if ((c < 0x20 && !(long_text && (c == '\n' || c == '\t'))) || c == 0x7f)
                return ld_fail(ld, SL_E_INVAL, n, path, "%s contains a control character, expected text",
                               ex);
        }
    }
    char *s = strdup(n->str);
    if (!s) return ld_nomem(ld);
    free(*out);
    *out = s;
    return 0;
}

int val_enum(ld_t *ld, const sl_yaml_node_t *n, const char *path, const char *what,
             const char *const *names, int count, int *out) {
    char list[256];
    join_names(list, sizeof list, names, count, " or ");
    if (scalar(ld, n, path, list) != 0) return -1;
    for (int i = 0; i < count; i++)
        if (!strcmp(n->str, names[i])) {
            *out = i;
            return 0;
        }
    char ex[64];
    sl_yaml_excerpt(n->str, n->len, ex, sizeof ex);
    return ld_fail(ld, SL_E_INVAL, n, path, "%s is not %s, expected %s", ex, what, list);
}

int get_int(ld_t *ld, const sl_yaml_node_t *map, const char *parent, const char *key, int min,
            int max, int *out) {
    const sl_yaml_node_t *v = sl_yaml_get(map, key);
    char p[LD_PATH];
    int64_t x;
    if (!v) return 0;
    if (val_int(ld, v, ld_key(p, parent, key), min, max, &x) != 0) return -1;
    *out = (int)x;
    return 0;
}

int get_dur(ld_t *ld, const sl_yaml_node_t *map, const char *parent, const char *key, int64_t min,
            int64_t *out) {
    const sl_yaml_node_t *v = sl_yaml_get(map, key);
    char p[LD_PATH];
    return v ? val_dur(ld, v, ld_key(p, parent, key), min, out) : 0;
}

int get_bool(ld_t *ld, const sl_yaml_node_t *map, const char *parent, const char *key, bool *out) {
    const sl_yaml_node_t *v = sl_yaml_get(map, key);
    char p[LD_PATH];
    return v ? val_bool(ld, v, ld_key(p, parent, key), out) : 0;
}
