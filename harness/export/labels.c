/*
 * The labels file of stormlab export --labels FILE (docs/export.md): how
 * stormlab's selectors (broker/2, billing/ *, producer/orders) map onto
 * Kubernetes pods.  Read with the scenario loader's YAML reader, so it has
 * the same limits and says file:line:col about a bad key or value.
 */
#include <stdlib.h>
#include <string.h>

#include "labels-internal.h"
#include <stormlab/yaml.h>

static char *dup_or_die(const char *s) {
    char *d = strdup(s);
    if (!d)
        abort(); /* a few bytes: out of memory is not survivable here */
    return d;
}

static void map_add(sl_label_map_t *m, const char *k, const char *v) {
    char **nk = realloc(m->keys, (size_t)(m->n + 1) * sizeof *nk);
    if (!nk)
        abort();
    m->keys = nk;
    char **nv = realloc(m->values, (size_t)(m->n + 1) * sizeof *nv);
    if (!nv)
        abort();
    m->values = nv;
    m->keys[m->n] = dup_or_die(k);
    m->values[m->n] = dup_or_die(v);
    m->n++;
}

static void map_free(sl_label_map_t *m) {
    for (int i = 0; i < m->n; i++)
        free(m->keys[i]), free(m->values[i]);
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

void sl_export_labels_destroy(sl_export_labels_t *l) {
    if (!l)
        return;
    free(l->namespace_);
    free(l->broker_pod);
    free(l->member_pod);
    map_free(&l->brokers);
    map_free(&l->group);
    map_free(&l->producer);
    map_free(&l->coordinator);
    for (int i = 0; i < l->n_groups; i++)
        free(l->groups[i].name), map_free(&l->groups[i].map);
    for (int i = 0; i < l->n_producers; i++)
        free(l->producers[i].name), map_free(&l->producers[i].map);
    free(l->groups);
    free(l->producers);
    free(l);
}

static sl_err_t bad(char *err, size_t n, const char *file, const sl_yaml_node_t *at, const char *key, const char *what) {
    snprintf(err, n, "%s:%d:%d: %s: %s", file, at->line, at->col, key, what);
    return SL_E_INVAL;
}

/* A mapping of label keys to string values. */
static sl_err_t read_map(const char *file, const char *key, const sl_yaml_node_t *v, sl_label_map_t *m, char *err,
                         size_t n) {
    if (v->kind != SL_YAML_MAP || v->n == 0)
        return bad(err, n, file, v, key, "expected a mapping of Kubernetes labels to values, such as {app: kafka}");
    map_free(m);
    for (size_t i = 0; i < v->n; i++) {
        const sl_yaml_pair_t *p = &v->pairs[i];
        if (p->value->kind != SL_YAML_SCALAR || sl_yaml_is_null(p->value) || p->key->len == 0)
            return bad(err, n, file, p->value, key, "a label's value must be a string, expected key: value");
        map_add(m, p->key->str, p->value->str);
    }
    return SL_OK;
}

static sl_err_t read_str(const char *file, const char *key, const sl_yaml_node_t *v, char **out, char *err, size_t n) {
    if (v->kind != SL_YAML_SCALAR || sl_yaml_is_null(v) || v->len == 0)
        return bad(err, n, file, v, key, "expected a string");
    free(*out);
    *out = dup_or_die(v->str);
    return SL_OK;
}

static sl_err_t read_overrides(const char *file, const char *key, const sl_yaml_node_t *v, sl_label_override_t **out,
                               int *count, char *err, size_t n) {
    if (v->kind != SL_YAML_MAP)
        return bad(err, n, file, v, key, "expected a mapping of names to label mappings");
    for (size_t i = 0; i < v->n; i++) {
        sl_label_override_t *o = realloc(*out, (size_t)(*count + 1) * sizeof *o);
        if (!o)
            abort();
        *out = o;
        o = &o[*count];
        memset(o, 0, sizeof *o);
        o->name = dup_or_die(v->pairs[i].key->str);
        (*count)++;
        sl_err_t rc = read_map(file, key, v->pairs[i].value, &o->map, err, n);
        if (rc != SL_OK)
            return rc;
    }
    return SL_OK;
}

static void defaults(sl_export_labels_t *l) {
    l->namespace_ = dup_or_die("default");
    map_add(&l->brokers, "app.kubernetes.io/name", "kafka");
    l->broker_pod = dup_or_die("kafka-{i}");
    map_add(&l->group, "app.kubernetes.io/name", "{group}");
    l->member_pod = dup_or_die("{group}-{i}");
    map_add(&l->producer, "app.kubernetes.io/name", "producer-{topic}");
    map_add(&l->coordinator, "app.kubernetes.io/name", "kafka");
    map_add(&l->coordinator, "stormlab.io/coordinator-of", "{group}");
}

sl_err_t sl_export_labels_load(const char *path, sl_export_labels_t **out, char *err, size_t errsz) {
    sl_export_labels_t *l = calloc(1, sizeof *l);
    if (!l)
        return SL_E_NOMEM;
    defaults(l);
    if (!path) {
        *out = l;
        return SL_OK;
    }
    char *buf = NULL;
    size_t len = 0;
    sl_yaml_node_t *root = NULL;
    sl_err_t rc = sl_yaml_read_file(path, &buf, &len, err, errsz);
    if (rc == SL_OK)
        rc = sl_yaml_parse(path, buf, len, &root, err, errsz);
    free(buf);
    if (rc != SL_OK)
        goto out;
    if (root->kind != SL_YAML_MAP) {
        rc = bad(err, errsz, path, root, "labels file", "expected a mapping (namespace:, brokers:, groups: ...)");
        goto out;
    }
    for (size_t i = 0; i < root->n && rc == SL_OK; i++) {
        const char *k = root->pairs[i].key->str;
        const sl_yaml_node_t *v = root->pairs[i].value;
        if (!strcmp(k, "namespace"))
            rc = read_str(path, k, v, &l->namespace_, err, errsz);
        else if (!strcmp(k, "brokers"))
            rc = read_map(path, k, v, &l->brokers, err, errsz);
        else if (!strcmp(k, "broker_pod"))
            rc = read_str(path, k, v, &l->broker_pod, err, errsz);
        else if (!strcmp(k, "group"))
            rc = read_map(path, k, v, &l->group, err, errsz);
        else if (!strcmp(k, "groups"))
            rc = read_overrides(path, k, v, &l->groups, &l->n_groups, err, errsz);
        else if (!strcmp(k, "member_pod"))
            rc = read_str(path, k, v, &l->member_pod, err, errsz);
        else if (!strcmp(k, "producer"))
            rc = read_map(path, k, v, &l->producer, err, errsz);
        else if (!strcmp(k, "producers"))
            rc = read_overrides(path, k, v, &l->producers, &l->n_producers, err, errsz);
        else if (!strcmp(k, "coordinator"))
            rc = read_map(path, k, v, &l->coordinator, err, errsz);
        else
            rc = bad(err, errsz, path, root->pairs[i].key, k,
                     "unknown key, expected one of namespace, brokers, broker_pod, group, groups, member_pod, "
                     "producer, producers, coordinator");
    }
out:
    sl_yaml_free(root);
    if (rc != SL_OK) {
        sl_export_labels_destroy(l);
        return rc;
    }
    *out = l;
    return SL_OK;
}

void sl_label_expand(const char *tmpl, const char *group, const char *topic, int n, char *out, size_t size) {
    size_t used = 0;
    out[0] = 0;
    for (const char *p = tmpl; *p && used + 1 < size;) {
        char num[16];
        const char *sub = NULL;
        size_t skip = 0;
        if (!strncmp(p, "{group}", 7))
            sub = group ? group : "", skip = 7;
        else if (!strncmp(p, "{topic}", 7))
            sub = topic ? topic : "", skip = 7;
        else if (!strncmp(p, "{n}", 3))
            snprintf(num, sizeof num, "%d", n), sub = num, skip = 3;
        else if (!strncmp(p, "{i}", 3))
            snprintf(num, sizeof num, "%d", n - 1), sub = num, skip = 3;
        if (sub) {
            int w = snprintf(out + used, size - used, "%s", sub);
            used = w < 0 ? used : (size_t)w >= size - used ? size - 1 : used + (size_t)w;
            p += skip;
        } else {
            out[used++] = *p++;
            out[used] = 0;
        }
    }
}
