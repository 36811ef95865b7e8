/*
 * `--set path=value` overrides (docs/scenarios.md), applied to the YAML tree before
 * it becomes a scenario, so an override is checked exactly like the file.
 *
 * A path walks mappings by key, `groups` by id, `topics` by name (names
 * may contain dots: the longest matching name wins) and any list by a
 * 0-based index (`events.0.at`, in the file's order).  A missing key is
 * created (the loader then rejects it if it is unknown, naming the
 * override); a group, topic or index that does not exist is an error.
 * The value is read as YAML, so `topics=[orders, payments]` and
 * `processing={median: 2ms, p99: 40ms}` work too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load-internal.h"

#define MAX_COMPONENTS SL_MAX_YAML_DEPTH

/* How the top-level lists are addressed. */
static const struct {
    const char *key;
    const char *item;  /* for messages */
    const char *name;  /* key that names an item, or NULL: by index only */
} lists[] = {
    {"topics", "topic", "name"},
    {"groups", "group", "id"},
    {"events", "event", NULL},
    {"expect", "expect entry", NULL},
};

static int set_fail(ld_t *ld, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_fail(ld_t *ld, const char *path, const char *fmt, ...) {
    ld->rc = SL_E_INVAL;
    if (!ld->err || !ld->err_size) return -1;
    int o = snprintf(ld->err, ld->err_size, "--set %s: ", path);
    if (o >= 0 && (size_t)o < ld->err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ld->err + o, ld->err_size - (size_t)o, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Joins comps[i..i+k) with dots into buf; false when it does not fit. */
static bool join(char *buf, size_t size, char *const *comps, int i, int k) {
    size_t o = 0;
    for (int j = i; j < i + k; j++) {
        int w = snprintf(buf + o, size - o, "%s%s", j > i ? "." : "", comps[j]);
        if (w < 0 || (size_t)w >= size - o) return false;
        o += (size_t)w;
    }
    return true;
}

/* Finds the list item comps[i..] addresses; returns how many components
 * it used (0: none). */
static int find_item(const sl_yaml_node_t *seq, const char *name_key, char *const *comps, int i, int nc,
                     size_t *item) {
    char buf[LD_PATH];
    if (name_key)
        for (int k = nc - i; k >= 1; k--) {
            if (!join(buf, sizeof buf, comps, i, k)) continue;
            for (size_t j = 0; j < seq->n; j++) {
                const sl_yaml_node_t *id = sl_yaml_get(seq->items[j], name_key);
                if (id && id->kind == SL_YAML_SCALAR && !strcmp(id->str, buf)) {
                    *item = j;
                    return k;
                }
            }
        }
    const char *c = comps[i];
    if (*c && strspn(c, "0123456789") == strlen(c) && strlen(c) < 10 && (size_t)atoi(c) < seq->n) {
        *item = (size_t)atoi(c);
        return 1;
    }
    return 0;
}

static int apply_one(ld_t *ld, sl_yaml_node_t *root, const char *arg) {
    const char *eq = strchr(arg, '=');
    char *path = eq ? strndup(arg, (size_t)(eq - arg)) : strdup(arg);
    if (!path) return ld_nomem(ld);
    char **grown = realloc(ld->set_paths, (ld->n_set_paths + 1) * sizeof *grown);
    if (!grown) {
        free(path);
        return ld_nomem(ld);
    }
    ld->set_paths = grown;
    ld->set_paths[ld->n_set_paths++] = path; /* freed by the loader, nodes point at it */
    if (!eq || eq == arg)
        return set_fail(ld, path, "expected path=value, such as groups.billing.session_timeout=10s");

    /* Split a copy of the path into components. */
    char *work = strdup(path), *comps[MAX_COMPONENTS];
    int nc = 0, rc = 0;
    if (!work) return ld_nomem(ld);
    for (char *s = work, *dot;; s = dot + 1) {
        dot = strchr(s, '.');
        if (dot) *dot = 0;
        if (!*s) {
            free(work);
            return set_fail(ld, path, "an empty key in the path, expected keys separated by single dots");
        }
        if (nc == MAX_COMPONENTS) {
            free(work);
            return set_fail(ld, path, "more than %d keys in the path, expected a shorter path",
                            MAX_COMPONENTS);
        }
        comps[nc++] = s;
        if (!dot) break;
    }

    sl_yaml_node_t *value = NULL;
    char name[LD_PATH + 8];
    snprintf(name, sizeof name, "--set %s", path);
    sl_err_t prc = sl_yaml_parse(name, eq + 1, strlen(eq + 1), &value, ld->err, ld->err_size);
    if (prc != SL_OK) {
        free(work);
        ld->rc = prc;
        return -1;
    }
    sl_yaml_set_origin(value, path);

    sl_yaml_node_t *cur = root;
    int li = -1; /* the top-level list cur is, or -1 */
    for (int i = 0; i < nc && rc == 0;) {
        bool last = i == nc - 1;
        char where[LD_PATH];
        join(where, sizeof where, comps, 0, i);
        if (cur->kind == SL_YAML_MAP) {
            sl_yaml_pair_t *pair = sl_yaml_get_pair(cur, comps[i]);
            int next_li = -1;
            for (size_t l = 0; cur == root && l < sizeof lists / sizeof lists[0]; l++)
                if (!strcmp(comps[i], lists[l].key)) next_li = (int)l;
            if (!pair && next_li >= 0 && !last) {
                rc = set_fail(ld, path, "no %s '%s', expected one listed under %s:", lists[next_li].item,
                              comps[i + 1], comps[i]);
                break;
            }
            if (!pair || last) {
                sl_yaml_node_t *node = last ? value : sl_yaml_new_map();
                if (!node) {
                    rc = ld_nomem(ld);
                    break;
                }
                if (last) value = NULL;
                sl_yaml_set_origin(node, path);
                if (pair) {
                    sl_yaml_free(pair->value);
                    pair->value = node;
                } else if (sl_yaml_map_add(cur, comps[i], node) != 0) {
                    rc = ld_nomem(ld);
                    break;
                }
                cur = node;
                i++;
                continue;
            }
            cur = pair->value;
            li = next_li;
            i++;
        } else if (cur->kind == SL_YAML_SEQ) {
            size_t item;
            int used = find_item(cur, li >= 0 ? lists[li].name : NULL, comps, i, nc, &item);
            if (!used) {
                if (li >= 0 && lists[li].name)
                    rc = set_fail(ld, path, "no %s '%s', expected one listed under %s:", lists[li].item,
                                  comps[i], lists[li].key);
                else
                    rc = set_fail(ld, path, "no %s %s (%s has %zu, numbered from 0), expected an index",
                                  li >= 0 ? lists[li].item : "item", comps[i], where, cur->n);
                break;
            }
            li = -1;
            i += used;
            if (i == nc) {
                sl_yaml_free(cur->items[item]);
                cur->items[item] = value;
                value = NULL;
                break;
            }
            cur = cur->items[item];
        } else {
            rc = set_fail(ld, path, "%s is a single value, expected a path that ends there (%s=...)",
                          where, where);
        }
    }
    sl_yaml_free(value);
    free(work);
    return rc;
}

int ld_apply_sets(ld_t *ld, sl_yaml_node_t *root, const char *const *sets, size_t n_sets) {
    /* A file that is not a mapping is reported by the loader. */
    if (root->kind != SL_YAML_MAP) return 0;
    for (size_t i = 0; i < n_sets; i++)
        if (apply_one(ld, root, sets[i] ? sets[i] : "") != 0) return -1;
    return 0;
}
