/*
 * Toxic types: names, attributes (Toxiproxy's JSON names and units),
 * defaults, validation and their JSON form.  Pure functions; no I/O.
 */
#include <stddef.h>
#include <string.h>

#include "proxy-internal.h"

enum { A_INT, A_REAL };

typedef struct attr_desc_s {
    const char *json;     /* attribute name in Toxiproxy's JSON */
    int kind;             /* A_INT or A_REAL */
    size_t off;           /* field in slp_attrs_t */
} attr_desc_t;

#define AI(name, field) {name, A_INT, offsetof(slp_attrs_t, field)}
#define AR(name, field) {name, A_REAL, offsetof(slp_attrs_t, field)}

static const struct {
    const char *name;
    attr_desc_t attrs[3];
    int n;
} types[SLP_TX__COUNT] = {
    [SLP_TX_LATENCY] = {"latency", {AI("latency", latency_ms), AI("jitter", jitter_ms)}, 2},
    [SLP_TX_BANDWIDTH] = {"bandwidth", {AI("rate", rate_kbps)}, 1},
    [SLP_TX_SLOW_CLOSE] = {"slow_close", {AI("delay", delay_ms)}, 1},
    [SLP_TX_TIMEOUT] = {"timeout", {AI("timeout", timeout_ms)}, 1},
    [SLP_TX_RESET_PEER] = {"reset_peer", {AI("timeout", timeout_ms)}, 1},
    [SLP_TX_LIMIT_DATA] = {"limit_data", {AI("bytes", bytes)}, 1},
    [SLP_TX_SLICER] = {"slicer",
                       {AI("average_size", average_size), AI("size_variation", size_variation),
                        AI("delay", delay_us)},
                       3},
    [SLP_TX_CUT] = {"cut", {AI("rto", rto_ms)}, 1},
    [SLP_TX_REFUSE] = {"refuse", {{0}}, 0},
    [SLP_TX_LOSS] = {"loss", {AR("probability", probability), AI("rto", rto_ms)}, 2},
};

const char *slp_toxic_type_name(slp_toxic_type_t t) {
    SLP_ASSERT(t >= 0 && t < SLP_TX__COUNT);
    return types[t].name;
}

int slp_toxic_type_from_name(const char *name) {
    if (!name)
        return -1;
    for (int i = 0; i < SLP_TX__COUNT; i++)
        if (!strcmp(types[i].name, name))
            return i;
    return -1;
}

const char *slp_stream_name(sl_proxy_stream_t s) {
    return s == SL_PROXY_UPSTREAM ? "upstream" : "downstream";
}

void slp_attrs_defaults(slp_toxic_type_t t, slp_attrs_t *a) {
    memset(a, 0, sizeof(*a));
    if (t == SLP_TX_LOSS || t == SLP_TX_CUT)
        a->rto_ms = 200;   /* Linux's minimum RTO */
}

static int64_t *ifield(slp_attrs_t *a, size_t off) {
    return (int64_t *)(void *)((char *)a + off);
}
static double *rfield(slp_attrs_t *a, size_t off) {
    return (double *)(void *)((char *)a + off);
}

int slp_toxic_validate(slp_toxic_type_t t, const slp_attrs_t *a, double toxicity,
                       char *errstr, size_t errstr_size) {
    if (!(toxicity >= 0.0 && toxicity <= 1.0)) {
        snprintf(errstr, errstr_size, "toxicity must be between 0 and 1");
        return -1;
    }
    for (int i = 0; i < types[t].n; i++) {
        const attr_desc_t *d = &types[t].attrs[i];
        if (d->kind == A_INT && *ifield((slp_attrs_t *)a, d->off) < 0) {
            snprintf(errstr, errstr_size, "attribute %s must not be negative", d->json);
            return -1;
        }
    }
    /* Durations are held as microseconds: keep them far from overflow. */
    const int64_t max_ms = (int64_t)1 << 40;
    if (a->latency_ms > max_ms || a->jitter_ms > max_ms || a->delay_ms > max_ms ||
        a->timeout_ms > max_ms || a->rto_ms > max_ms || a->delay_us > max_ms * 1000 ||
        a->rate_kbps > max_ms) {
        snprintf(errstr, errstr_size, "attribute out of range");
        return -1;
    }
    if (t == SLP_TX_SLICER && a->average_size > 0 && a->size_variation >= a->average_size) {
        snprintf(errstr, errstr_size, "size_variation must be smaller than average_size");
        return -1;
    }
    if (t == SLP_TX_LOSS && !(a->probability >= 0.0 && a->probability <= 1.0)) {
        snprintf(errstr, errstr_size, "attribute probability must be between 0 and 1");
        return -1;
    }
    return 0;
}

int slp_attrs_from_json(slp_toxic_type_t t, json_t *obj, slp_attrs_t *a, char *errstr,
                        size_t errstr_size) {
    if (!obj || json_is_null(obj))
        return 0;
    if (!json_is_object(obj)) {
        snprintf(errstr, errstr_size, "attributes must be an object");
        return -1;
    }
    for (int i = 0; i < types[t].n; i++) {
        const attr_desc_t *d = &types[t].attrs[i];
        json_t *v = json_object_get(obj, d->json);
        if (!v || json_is_null(v))
            continue;
        if (d->kind == A_INT) {
            if (!json_is_integer(v)) {
                snprintf(errstr, errstr_size, "attribute %s must be an integer", d->json);
                return -1;
            }
            *ifield(a, d->off) = (int64_t)json_integer_value(v);
        } else {
            if (!json_is_number(v)) {
                snprintf(errstr, errstr_size, "attribute %s must be a number", d->json);
                return -1;
            }
            *rfield(a, d->off) = json_number_value(v);
        }
    }
    return 0;
}

json_t *slp_toxic_to_json(const slp_toxic_t *t) {
    json_t *attrs = json_object();
    for (int i = 0; i < types[t->type].n; i++) {
        const attr_desc_t *d = &types[t->type].attrs[i];
        if (d->kind == A_INT)
            json_object_set_new(attrs, d->json,
                                json_integer(*ifield((slp_attrs_t *)&t->a, d->off)));
        else
            json_object_set_new(attrs, d->json, json_real(*rfield((slp_attrs_t *)&t->a, d->off)));
    }
    json_t *o = json_object();
    json_object_set_new(o, "attributes", attrs);
    json_object_set_new(o, "name", json_string(t->name));
    json_object_set_new(o, "type", json_string(types[t->type].name));
    json_object_set_new(o, "stream", json_string(slp_stream_name(t->stream)));
    json_object_set_new(o, "toxicity", json_real(t->toxicity));
    if (t->client)
        json_object_set_new(o, "client", json_string(t->client));
    return o;
}

json_t *slp_proxy_to_json(const slp_proxy_t *p) {
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "listen", json_string(p->listen));
    json_object_set_new(o, "upstream", json_string(p->upstream));
    json_object_set_new(o, "enabled", json_boolean(p->enabled));
    json_t *arr = json_array();
    /* Toxiproxy lists upstream toxics first, then downstream ones. */
    for (int s = SL_PROXY_UPSTREAM; s <= SL_PROXY_DOWNSTREAM; s++) {
        const slp_toxic_t *t;
        TAILQ_FOREACH(t, &p->toxics, next)
            if ((int)t->stream == s)
                json_array_append_new(arr, slp_toxic_to_json(t));
    }
    json_object_set_new(o, "toxics", arr);
    return o;
}
