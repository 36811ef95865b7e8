/*
 * The config forms `stormlab lint` reads (props.h): Java/librdkafka
 * .properties, Spring Boot application.properties and application.yml.
 * One job: turn each into Kafka property names at the lines they are
 * written on, so the rules (lint_rules.c) see one vocabulary.
 *
 * Spring Boot's precedence (KafkaProperties.buildConsumerProperties):
 * spring.kafka.properties.X < spring.kafka.consumer.<first-class> <
 * spring.kafka.consumer.properties.X; the entry in force is kept last.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "props.h"

/* Spring Boot's first-class consumer and streams keys (kebab form) and
 * their Kafka names; dur: a java.time.Duration (plain number = ms). */
static const struct { const char *spring, *kafka; int dur; } first_class[] = {
    {"spring.kafka.consumer.group-id", "group.id", 0},
    {"spring.kafka.consumer.max-poll-records", "max.poll.records", 0},
    {"spring.kafka.consumer.max-poll-interval", "max.poll.interval.ms", 1},
    {"spring.kafka.consumer.heartbeat-interval", "heartbeat.interval.ms", 1},
    {"spring.kafka.consumer.auto-commit-interval", "auto.commit.interval.ms", 1},
    {"spring.kafka.consumer.fetch-max-wait", "fetch.max.wait.ms", 1},
    {"spring.kafka.consumer.enable-auto-commit", "enable.auto.commit", 0},
    {"spring.kafka.consumer.auto-offset-reset", "auto.offset.reset", 0},
    {"spring.kafka.consumer.client-id", "client.id", 0},
    {"spring.kafka.consumer.key-deserializer", "key.deserializer", 0},
    {"spring.kafka.consumer.value-deserializer", "value.deserializer", 0},
    {"spring.kafka.consumer.isolation-level", "isolation.level", 0},
    {"spring.kafka.consumer.bootstrap-servers", "bootstrap.servers", 0},
    {"spring.kafka.bootstrap-servers", "bootstrap.servers", 0},
    {"spring.kafka.client-id", "client.id", 0},
    {"spring.kafka.streams.application-id", "application.id", 0},
    {"spring.kafka.streams.state-dir", "state.dir", 0},
};

const char *sl_config_spring_key(size_t n) {
    return n < sizeof first_class / sizeof first_class[0] ? first_class[n].spring : NULL;
}

const char *sl_config_spring_kafka(const char *spring) {
    for (size_t i = 0; i < sizeof first_class / sizeof first_class[0]; i++)
        if (!strcmp(spring, first_class[i].spring)) return first_class[i].kafka;
    return spring;
}

/* Spring's relaxed binding: maxPollRecords, max_poll_records and
 * MAX-POLL-RECORDS all mean max-poll-records.  Only the segments after
 * "spring.kafka." are relaxed; a Kafka name under .properties. is not. */
static void relaxed(const char *in, char *out, size_t n) {
    size_t o = 0;
    for (const char *s = in; *s && o + 2 < n; s++) {
        if (isupper((unsigned char)*s) && s > in && islower((unsigned char)s[-1])) out[o++] = '-';
        out[o++] = *s == '_' ? '-' : (char)tolower((unsigned char)*s);
    }
    out[o] = '\0';
}

/* A Spring Duration ("30s", "500ms", "2m", "PT30S", "30000") in ms, as text;
 * -1 when it is not one (the raw value is then kept and lint reports it). */
static long long spring_ms(const char *v) {
    char *end;
    errno = 0;
    if ((v[0] == 'P' || v[0] == 'p') && (v[1] == 'T' || v[1] == 't')) {
        double x = strtod(v + 2, &end);
        if (end == v + 2 || errno) return -1;
        if ((*end == 'S' || *end == 's') && !end[1]) return (long long)(x * 1000);
        if ((*end == 'M' || *end == 'm') && !end[1]) return (long long)(x * 60000);
        if ((*end == 'H' || *end == 'h') && !end[1]) return (long long)(x * 3600000);
        return -1;
    }
    long long x = strtoll(v, &end, 10);
    if (end == v || errno || x < 0) return -1;
    if (!*end || !strcmp(end, "ms")) return x;
    if (!strcmp(end, "s")) return x * 1000;
    if (!strcmp(end, "m")) return x * 60000;
    if (!strcmp(end, "h")) return x * 3600000;
    return -1;
}

/* Rewrites e to its Kafka name; returns its Spring precedence (1 lowest). */
static int canonical(sl_prop_t *e) {
    static const char *const raw[] = {"spring.kafka.properties.", "spring.kafka.consumer.properties.",
                                      "spring.kafka.streams.properties."};
    static const int raw_prio[] = {1, 3, 3};
    if (strncmp(e->key, "spring.", 7) != 0) return 2;
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        size_t n = strlen(raw[i]);
        char head[64];
        relaxed(e->key, head, sizeof head);
        if (!strncmp(head, raw[i], n) && strlen(e->key) > n) {
            char *k = strdup(e->key + n);
            if (!k) return -1;
            e->written = e->key;
            e->key = k;
            return raw_prio[i];
        }
    }
    char kebab[512];
    relaxed(e->key, kebab, sizeof kebab);
    for (size_t i = 0; i < sizeof first_class / sizeof first_class[0]; i++) {
        if (strcmp(kebab, first_class[i].spring) != 0) continue;
        char *k = strdup(first_class[i].kafka);
        if (!k) return -1;
        if (first_class[i].dur) {
            long long ms = spring_ms(e->value);
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", ms);
            char *v = ms >= 0 ? strdup(buf) : NULL;
            if (ms >= 0 && !v) { free(k); return -1; }
            if (v) { free(e->value); e->value = v; }
        }
        e->written = e->key;
        e->key = k;
        return 2;
    }
    return 2;
}

/* Stable sort by precedence, so sl_props_get() (the last entry) is the one
 * Spring puts in force. */
static int canonicalise(sl_props_t *p) {
    int *prio = calloc(p->n + 1, sizeof *prio);
    sl_prop_t *sorted = calloc(p->n + 1, sizeof *sorted);
    if (!prio || !sorted) { free(prio); free(sorted); return -1; }
    int rc = 0;
    for (size_t i = 0; i < p->n; i++)
        if ((prio[i] = canonical(&p->items[i])) < 0) rc = -1;
    size_t k = 0;
    for (int level = 1; level <= 3; level++)
        for (size_t i = 0; i < p->n; i++)
            if (prio[i] == level || (prio[i] < 0 && level == 2)) sorted[k++] = p->items[i];
    if (p->n) /* an empty file has no items array: memcpy's pointers must not be NULL */
        memcpy(p->items, sorted, p->n * sizeof *sorted);
    free(prio);
    free(sorted);
    return rc;
}

/* ------------------------------------------------------------------ YAML */

#define YAML_MAX_DEPTH 64

typedef struct {
    sl_props_t *p;
    size_t cap;
} yflat_t;

static int emit(yflat_t *y, const char *key, const char *value, int line) {
    if (y->p->n == y->cap) {
        size_t nc = y->cap ? y->cap * 2 : 32;
        sl_prop_t *ni = realloc(y->p->items, nc * sizeof *ni);
        if (!ni) return -1;
        y->p->items = ni;
        y->cap = nc;
    }
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) { free(k); free(v); return -1; }
    y->p->items[y->p->n++] = (sl_prop_t){.key = k, .value = v, .line = line, .written = NULL};
    return 0;
}

/* One frame per open mapping or sequence: the dotted path up to it. */
typedef struct {
    int is_seq;
    char path[512];
    size_t index;      /* sequences: the next item's index */
    int have_key;      /* mappings: a key read, its value pending */
    char key[256];
    int key_line;
    char joined[1024]; /* a sequence of scalars, comma-joined (Kafka's list form) */
    int scalars_only, line;
} frame_t;

/* The dotted path of f's next child into out; false when it does not fit
 * (a cut path would be another key: refused, not guessed). */
static bool child_path(const frame_t *f, char *out, size_t n) {
    int w = f->is_seq ? snprintf(out, n, "%s[%zu]", f->path, f->index)
                      : snprintf(out, n, "%s%s%s", f->path, *f->path ? "." : "", f->key);
    return w >= 0 && (size_t)w < n;
}

static sl_err_t yaml_flatten(const char *path, const char *buf, size_t len, sl_props_t *p, char *err,
                             size_t errsz) {
    yaml_parser_t ps;
    if (!yaml_parser_initialize(&ps)) return SL_E_NOMEM;
    yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
    frame_t *st = calloc(YAML_MAX_DEPTH, sizeof *st);
    if (!st) { yaml_parser_delete(&ps); return SL_E_NOMEM; }
    yflat_t y = {p, 0};
    int depth = 0, done = 0;
    sl_err_t rc = SL_OK;
    while (!done && rc == SL_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&ps, &ev)) {
            snprintf(err, errsz, "%s:%zu:%zu: %s%s%s, expected a YAML document (application.yml)", path,
                     ps.problem_mark.line + 1, ps.problem_mark.column + 1, ps.problem ? ps.problem : "bad YAML",
                     ps.context ? " " : "", ps.context ? ps.context : "");
            rc = SL_E_INVAL;
            break;
        }
        int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
        frame_t *top = depth ? &st[depth - 1] : NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = 1; break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            if (depth == YAML_MAX_DEPTH) {
                snprintf(err, errsz, "%s:%d:%d: nested deeper than %d levels, expected a config file", path, line,
                         col, YAML_MAX_DEPTH);
                rc = SL_E_LIMIT;
                break;
            }
            if (top && !top->is_seq && !top->have_key) {
                snprintf(err, errsz, "%s:%d:%d: a mapping or list used as a key, expected a plain key", path,
                         line, col);
                rc = SL_E_INVAL;
                break;
            }
            {
                frame_t *f = &st[depth];
                memset(f, 0, sizeof *f);
                if (top && !child_path(top, f->path, sizeof f->path)) {
                    snprintf(err, errsz, "%s:%d:%d: a key path longer than %zu characters, expected a config key",
                             path, line, col, sizeof f->path - 1);
                    rc = SL_E_LIMIT;
                    break;
                }
                if (top && top->is_seq) top->scalars_only = 0;
                f->is_seq = ev.type == YAML_SEQUENCE_START_EVENT;
                f->scalars_only = 1;
                f->line = top && !top->is_seq ? top->key_line : line;
                depth++;
            }
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            if (!depth) break;
            depth--;
            if (st[depth].is_seq && st[depth].scalars_only && st[depth].index > 0 &&
                emit(&y, st[depth].path, st[depth].joined, st[depth].line))
                rc = SL_E_NOMEM;
            if (depth) {
                frame_t *up = &st[depth - 1];
                if (up->is_seq) up->index++;
                else up->have_key = 0;
            }
            break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT: {
            const char *v = ev.type == YAML_SCALAR_EVENT ? (const char *)ev.data.scalar.value : "";
            if (!top) break; /* a document that is a lone scalar: nothing to read */
            if (!top->is_seq && !top->have_key) {
                if (strlen(v) >= sizeof top->key) {
                    snprintf(err, errsz, "%s:%d:%d: a key longer than %zu characters, expected a config key", path,
                             line, col, sizeof top->key - 1);
                    rc = SL_E_LIMIT;
                    break;
                }
                snprintf(top->key, sizeof top->key, "%s", v);
                top->have_key = 1;
                top->key_line = line;
                break;
            }
            char k[800];
            if (!child_path(top, k, sizeof k)) {
                snprintf(err, errsz, "%s:%d:%d: a key path longer than %zu characters, expected a config key", path,
                         line, col, sizeof k - 1);
                rc = SL_E_LIMIT;
                break;
            }
            if (top->is_seq) {
                size_t n = strlen(top->joined);
                snprintf(top->joined + n, sizeof top->joined - n, "%s%s", n ? "," : "", v);
                if (emit(&y, k, v, line)) rc = SL_E_NOMEM;
                top->index++;
            } else {
                if (emit(&y, k, v, top->key_line)) rc = SL_E_NOMEM;
                top->have_key = 0;
            }
            break;
        }
        default: break;
        }
        yaml_event_delete(&ev);
    }
    free(st);
    yaml_parser_delete(&ps);
    return rc;
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

sl_err_t sl_config_parse(const char *path, const char *buf, size_t len, int yaml, sl_props_t **out, char *err,
                         size_t errsz) {
    sl_err_t rc;
    if (!yaml) {
        rc = sl_props_parse(path, buf, len, out, err, errsz);
    } else {
        if (len > SL_PROPS_MAX_BYTES) {
            snprintf(err, errsz, "%s: %zu bytes, expected a config file of at most %u bytes", path, len,
                     SL_PROPS_MAX_BYTES);
            return SL_E_LIMIT;
        }
        sl_props_t *p = calloc(1, sizeof *p);
        if (!p || !(p->path = strdup(path))) { free(p); return SL_E_NOMEM; }
        rc = yaml_flatten(path, buf, len, p, err, errsz);
        if (rc != SL_OK) { sl_props_destroy(p); return rc; }
        *out = p;
    }
    if (rc != SL_OK) return rc;
    if (canonicalise(*out)) {
        sl_props_destroy(*out);
        *out = NULL;
        snprintf(err, errsz, "%s: out of memory", path);
        return SL_E_NOMEM;
    }
    return SL_OK;
}

sl_err_t sl_config_read(const char *path, sl_props_t **out, char *err, size_t errsz) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return SL_E_IO;
    }
    char *buf = malloc(SL_PROPS_MAX_BYTES + 1);
    if (!buf) { fclose(f); return SL_E_NOMEM; }
    size_t len = fread(buf, 1, SL_PROPS_MAX_BYTES + 1, f);
    int rerr = ferror(f), e = errno;
    fclose(f);
    if (rerr) {
        snprintf(err, errsz, "%s: %s", path, strerror(e == 0 ? EIO : e));
        free(buf);
        return SL_E_IO;
    }
    sl_err_t rc = sl_config_parse(path, buf, len, ends_with(path, ".yml") || ends_with(path, ".yaml"), out, err,
                                  errsz);
    free(buf);
    return rc;
}
