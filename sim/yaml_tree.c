/*
 * libyaml events -> a small tree with line:col on every node.
 *
 * Hostile input is bounded: the file size (SL_MAX_FILE_BYTES), the nesting
 * depth (SL_MAX_YAML_DEPTH, checked on each collection start so 10,000
 * `[` stop at the 65th), and the work done expanding aliases: every node
 * counts against SL_MAX_YAML_NODES and every scalar byte against
 * SL_MAX_YAML_BYTES, and an alias checks its anchor's subtree weight
 * *before* copying, so a billion-laughs file fails after a few thousand
 * copies.  Anchors and duplicate keys use hash tables, so neither is
 * quadratic in the number of nodes.
 */
#include "stormlab/yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "scenario-internal.h"

/* ---- a string-keyed hash table (anchors, duplicate-key checks) ---- */

typedef struct smap_s {
    char **keys;   /* owned when own_keys */
    void **vals;
    size_t cap, n; /* cap is 0 or a power of two */
    bool own_keys;
} smap_t;

static uint64_t str_hash(const char *s) { /* FNV-1a */
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t smap_slot(const smap_t *m, const char *key) {
    size_t i = (size_t)str_hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & (m->cap - 1);
    return i;
}

static void *smap_get(const smap_t *m, const char *key) {
    if (!m->cap) return NULL;
    size_t i = smap_slot(m, key);
    return m->keys[i] ? m->vals[i] : NULL;
}

/* Inserts or replaces.  Returns -1 when out of memory. */
static int smap_put(smap_t *m, const char *key, void *val) {
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 16;
        smap_t g = {calloc(ncap, sizeof(char *)), calloc(ncap, sizeof(void *)), ncap, 0, m->own_keys};
        if (!g.keys || !g.vals) {
            free(g.keys);
            free(g.vals);
            return -1;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i]) continue;
            size_t j = smap_slot(&g, m->keys[i]);
            g.keys[j] = m->keys[i];
            g.vals[j] = m->vals[i];
            g.n++;
        }
        free(m->keys);
        free(m->vals);
        *m = g;
    }
    size_t i = smap_slot(m, key);
    if (!m->keys[i]) {
        char *k = m->own_keys ? strdup(key) : (char *)key;
        if (!k) return -1;
        m->keys[i] = k;
        m->n++;
    }
    m->vals[i] = val;
    return 0;
}

static void smap_free(smap_t *m) {
    if (m->own_keys)
        for (size_t i = 0; i < m->cap; i++) free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- nodes ---- */

void sl_yaml_free(sl_yaml_node_t *n) {
    if (!n) return;
    for (size_t i = 0; n->items && i < n->n; i++) sl_yaml_free(n->items[i]);
    for (size_t i = 0; n->pairs && i < n->n; i++) {
        sl_yaml_free(n->pairs[i].key);
        sl_yaml_free(n->pairs[i].value);
    }
    free(n->items);
    free(n->pairs);
    free(n->str);
    free(n);
}

static sl_yaml_node_t *node_alloc(sl_yaml_kind_t kind, const char *s, size_t len) {
    sl_yaml_node_t *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->kind = kind;
    n->w_nodes = 1;
    if (kind == SL_YAML_SCALAR) {
        n->str = malloc(len + 1);
        if (!n->str) {
            free(n);
            return NULL;
        }
        memcpy(n->str, s, len);
        n->str[len] = 0;
        n->len = len;
        n->w_bytes = len;
    }
    return n;
}

sl_yaml_node_t *sl_yaml_new_scalar(const char *s) { return node_alloc(SL_YAML_SCALAR, s, strlen(s)); }
sl_yaml_node_t *sl_yaml_new_map(void) { return node_alloc(SL_YAML_MAP, NULL, 0); }

/* Makes room for one more item or pair. */
static int grow(sl_yaml_node_t *n) {
    if (n->n < n->cap) return 0;
    size_t ncap = n->cap ? n->cap * 2 : 4;
    if (n->kind == SL_YAML_SEQ) {
        sl_yaml_node_t **p = realloc(n->items, ncap * sizeof *p);
        if (!p) return -1;
        n->items = p;
    } else {
        sl_yaml_pair_t *p = realloc(n->pairs, ncap * sizeof *p);
        if (!p) return -1;
        n->pairs = p;
    }
    n->cap = ncap;
    return 0;
}

int sl_yaml_map_add(sl_yaml_node_t *map, const char *key, sl_yaml_node_t *value) {
    sl_yaml_node_t *k = sl_yaml_new_scalar(key);
    if (!k || grow(map) != 0) {
        sl_yaml_free(k);
        sl_yaml_free(value);
        return -1;
    }
    k->origin = value->origin;
    map->pairs[map->n].key = k;
    map->pairs[map->n].value = value;
    map->n++;
    return 0;
}

sl_yaml_pair_t *sl_yaml_get_pair(const sl_yaml_node_t *map, const char *key) {
    if (!map || map->kind != SL_YAML_MAP) return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->pairs[i].key->str, key) == 0) return &map->pairs[i];
    return NULL;
}

sl_yaml_node_t *sl_yaml_get(const sl_yaml_node_t *map, const char *key) {
    sl_yaml_pair_t *p = sl_yaml_get_pair(map, key);
    return p ? p->value : NULL;
}

void sl_yaml_set_origin(sl_yaml_node_t *n, const char *origin) {
    n->origin = origin;
    n->line = n->col = 0;
    for (size_t i = 0; n->items && i < n->n; i++) sl_yaml_set_origin(n->items[i], origin);
    for (size_t i = 0; n->pairs && i < n->n; i++) {
        sl_yaml_set_origin(n->pairs[i].key, origin);
        sl_yaml_set_origin(n->pairs[i].value, origin);
    }
}

bool sl_yaml_is_null(const sl_yaml_node_t *n) {
    return n->kind == SL_YAML_SCALAR && !n->quoted &&
           (n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
            !strcmp(n->str, "Null") || !strcmp(n->str, "NULL"));
}

const char *sl_yaml_kind_desc(const sl_yaml_node_t *n) {
    switch (n->kind) {
    case SL_YAML_MAP: return "a mapping";
    case SL_YAML_SEQ: return "a list";
    case SL_YAML_SCALAR: break;
    }
    return sl_yaml_is_null(n) ? "nothing" : "a scalar";
}

void sl_yaml_excerpt(const char *s, size_t len, char *buf, size_t size) {
    size_t o = 0;
    if (size < 8) {
        if (size) buf[0] = 0;
        return;
    }
    buf[o++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (i >= 40 || o + 10 > size) {
            o += (size_t)snprintf(buf + o, size - o, "...");
            break;
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
        } else {
            buf[o++] = (char)c;
        }
    }
    if (o + 2 <= size) buf[o++] = '"';
    buf[o < size ? o : size - 1] = 0;
}

/* ---- the builder ---- */

typedef struct frame_s {
    sl_yaml_node_t *node;   /* the collection being filled */
    sl_yaml_node_t *key;    /* mapping: key waiting for its value */
    char *anchor;      /* registered when the collection ends */
} frame_t;

typedef struct bld_s {
    const char *name;
    const char *buf;
    size_t len;
    char *err;
    size_t err_size;
    sl_err_t rc;
    frame_t stack[SL_MAX_YAML_DEPTH];
    int depth;
    sl_yaml_node_t *root;
    int docs;
    smap_t anchors;     /* name -> node (inside the tree or the graveyard) */
    sl_yaml_node_t **grave;  /* detached nodes anchors may still point into */
    size_t n_grave, cap_grave;
    size_t nodes, bytes; /* totals so far, aliases expanded */
    bool copied;         /* an alias or merge key was expanded */
} bld_t;

static int fail(bld_t *b, sl_err_t rc, size_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(bld_t *b, sl_err_t rc, size_t line, size_t col, const char *fmt, ...) {
    b->rc = rc;
    if (b->err && b->err_size) {
        int o = snprintf(b->err, b->err_size, "%s:%zu:%zu: ", b->name, line, col);
        if (o >= 0 && (size_t)o < b->err_size) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(b->err + o, b->err_size - (size_t)o, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

static int nomem(bld_t *b) {
    b->rc = SL_E_NOMEM;
    if (b->err && b->err_size) snprintf(b->err, b->err_size, "%s: out of memory", b->name);
    return -1;
}

/* The key path to the collection on top of the stack ("groups[0]"). */
static void frame_path(const bld_t *b, char *buf, size_t size) {
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i + 1 < b->depth && o < size; i++) {
        const frame_t *f = &b->stack[i];
        if (f->node->kind == SL_YAML_SEQ)
            o += (size_t)snprintf(buf + o, size - o, "[%zu]", f->node->n);
        else if (f->key)
            o += (size_t)snprintf(buf + o, size - o, "%s%.60s", o ? "." : "", f->key->str);
    }
}

/* Counts n (a new node or a copy of a subtree) against the budgets. */
static int charge(bld_t *b, size_t nodes, size_t bytes, size_t line, size_t col) {
    const char *why = b->copied ? " once aliases are expanded" : "";
    const char *hint = b->copied ? " (is this an alias bomb?)" : "";
    if (nodes > SL_MAX_YAML_NODES - b->nodes)
        return fail(b, SL_E_LIMIT, line, col, "more than %d YAML nodes%s, expected a smaller document%s",
                    SL_MAX_YAML_NODES, why, hint);
    if (bytes > (size_t)SL_MAX_YAML_BYTES - b->bytes)
        return fail(b, SL_E_LIMIT, line, col,
                    "more than %d bytes of text%s, expected a smaller document%s", SL_MAX_YAML_BYTES,
                    why, hint);
    b->nodes += nodes;
    b->bytes += bytes;
    return 0;
}

static sl_yaml_node_t *copy_tree(const sl_yaml_node_t *s) {
    sl_yaml_node_t *n = node_alloc(s->kind, s->str, s->len);
    if (!n) return NULL;
    n->line = s->line;
    n->col = s->col;
    n->quoted = s->quoted;
    n->w_nodes = s->w_nodes;
    n->w_bytes = s->w_bytes;
    for (size_t i = 0; i < s->n; i++) {
        if (grow(n) != 0) goto err;
        if (s->kind == SL_YAML_SEQ) {
            if (!(n->items[i] = copy_tree(s->items[i]))) goto err;
        } else {
            sl_yaml_node_t *k = copy_tree(s->pairs[i].key), *v = k ? copy_tree(s->pairs[i].value) : NULL;
            if (!v) {
                sl_yaml_free(k);
                goto err;
            }
            n->pairs[i].key = k;
            n->pairs[i].value = v;
        }
        n->n++;
    }
    return n;
err:
    sl_yaml_free(n);
    return NULL;
}

static int bury(bld_t *b, sl_yaml_node_t *n) {
    if (b->n_grave == b->cap_grave) {
        size_t ncap = b->cap_grave ? b->cap_grave * 2 : 8;
        sl_yaml_node_t **g = realloc(b->grave, ncap * sizeof *g);
        if (!g) {
            sl_yaml_free(n);
            return nomem(b);
        }
        b->grave = g;
        b->cap_grave = ncap;
    }
    b->grave[b->n_grave++] = n;
    return 0;
}

/* Hands a finished node to its parent (or makes it the root). */
static int attach(bld_t *b, sl_yaml_node_t *n) {
    if (b->depth == 0) {
        b->root = n;
        return 0;
    }
    frame_t *f = &b->stack[b->depth - 1];
    if (f->node->kind == SL_YAML_SEQ) {
        if (grow(f->node) != 0) {
            sl_yaml_free(n);
            return nomem(b);
        }
        f->node->items[f->node->n++] = n;
        return 0;
    }
    if (!f->key) {
        if (n->kind != SL_YAML_SCALAR) {
            char path[256];
            frame_path(b, path, sizeof path);
            fail(b, SL_E_INVAL, (size_t)n->line, (size_t)n->col,
                 "%s%s%s used as a mapping key, expected a plain name", path, *path ? ": " : "",
                 sl_yaml_kind_desc(n));
            sl_yaml_free(n);
            return -1;
        }
        f->key = n;
        return 0;
    }
    if (grow(f->node) != 0) {
        sl_yaml_free(n);
        return nomem(b);
    }
    f->node->pairs[f->node->n].key = f->key;
    f->node->pairs[f->node->n].value = n;
    f->node->n++;
    f->key = NULL;
    return 0;
}

static int check_duplicates(bld_t *b, sl_yaml_node_t *map) {
    smap_t seen = {0};
    int rc = 0;
    for (size_t i = 0; i < map->n && rc == 0; i++) {
        sl_yaml_node_t *k = map->pairs[i].key, *first = smap_get(&seen, k->str);
        if (first) {
            char path[256];
            frame_path(b, path, sizeof path);
            rc = fail(b, SL_E_INVAL, (size_t)k->line, (size_t)k->col,
                      "%s%s%.60s: duplicate key, expected each key once in a mapping "
                      "(first at %d:%d)", path, *path ? "." : "", k->str, first->line, first->col);
        } else if (smap_put(&seen, k->str, k) != 0) {
            rc = nomem(b);
        }
    }
    smap_free(&seen);
    return rc;
}

/* Resolves `<<: *base` (or a list of bases) by copying the bases' pairs
 * that the mapping does not set itself; earlier bases win. */
static int apply_merges(bld_t *b, sl_yaml_node_t *map) {
    size_t keep = 0, n = map->n;
    sl_yaml_pair_t *merges = malloc((n ? n : 1) * sizeof *merges);
    size_t n_merges = 0;
    smap_t have = {0};
    int rc = 0;
    if (!merges) return nomem(b);
    for (size_t i = 0; i < n; i++) {
        sl_yaml_pair_t p = map->pairs[i];
        if (!p.key->quoted && !strcmp(p.key->str, "<<"))
            merges[n_merges++] = p;
        else
            map->pairs[keep++] = p;
    }
    map->n = keep;
    for (size_t i = 0; i < keep && rc == 0; i++)
        if (smap_put(&have, map->pairs[i].key->str, map->pairs[i].key) != 0) rc = nomem(b);
    for (size_t m = 0; m < n_merges && rc == 0; m++) {
        sl_yaml_node_t *v = merges[m].value;
        size_t n_src = v->kind == SL_YAML_SEQ ? v->n : 1;
        for (size_t s = 0; s < n_src && rc == 0; s++) {
            sl_yaml_node_t *src = v->kind == SL_YAML_SEQ ? v->items[s] : v;
            if (src->kind != SL_YAML_MAP) {
                rc = fail(b, SL_E_INVAL, (size_t)src->line, (size_t)src->col,
                          "<<: %s, expected a mapping or a list of mappings to merge",
                          sl_yaml_kind_desc(src));
                break;
            }
            for (size_t j = 0; j < src->n && rc == 0; j++) {
                sl_yaml_pair_t sp = src->pairs[j];
                if (smap_get(&have, sp.key->str)) continue;
                b->copied = true;
                if (charge(b, sp.key->w_nodes + sp.value->w_nodes, sp.key->w_bytes + sp.value->w_bytes,
                           (size_t)sp.key->line, (size_t)sp.key->col) != 0) {
                    rc = -1;
                    break;
                }
                sl_yaml_node_t *k = copy_tree(sp.key), *val = k ? copy_tree(sp.value) : NULL;
                if (!val || grow(map) != 0) {
                    sl_yaml_free(k);
                    sl_yaml_free(val);
                    rc = nomem(b);
                    break;
                }
                map->pairs[map->n].key = k;
                map->pairs[map->n].value = val;
                map->n++;
                if (smap_put(&have, k->str, k) != 0) rc = nomem(b);
            }
        }
    }
    /* The merge pairs are detached; anchors may point into them. */
    for (size_t m = 0; m < n_merges; m++) {
        if (bury(b, merges[m].key) != 0 || bury(b, merges[m].value) != 0) rc = -1;
    }
    free(merges);
    smap_free(&have);
    return rc;
}

static void weigh(sl_yaml_node_t *n) {
    n->w_nodes = 1;
    n->w_bytes = n->len;
    for (size_t i = 0; n->kind == SL_YAML_SEQ && i < n->n; i++) {
        n->w_nodes += n->items[i]->w_nodes;
        n->w_bytes += n->items[i]->w_bytes;
    }
    for (size_t i = 0; n->kind == SL_YAML_MAP && i < n->n; i++) {
        n->w_nodes += n->pairs[i].key->w_nodes + n->pairs[i].value->w_nodes;
        n->w_bytes += n->pairs[i].key->w_bytes + n->pairs[i].value->w_bytes;
    }
}

static int register_anchor(bld_t *b, const char *anchor, sl_yaml_node_t *n) {
    if (anchor && smap_put(&b->anchors, anchor, n) != 0) return nomem(b);
    return 0;
}

static int on_scalar(bld_t *b, const yaml_event_t *ev) {
    size_t line = ev->start_mark.line + 1, col = ev->start_mark.column + 1;
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(v, 0, len))
        return fail(b, SL_E_INVAL, line, col, "a NUL character in a string, expected text");
    if (charge(b, 1, len, line, col) != 0) return -1;
    sl_yaml_node_t *n = node_alloc(SL_YAML_SCALAR, v, len);
    if (!n) return nomem(b);
    n->line = (int)line;
    n->col = (int)col;
    const char *tag = (const char *)ev->data.scalar.tag;
    n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
                (tag && !strcmp(tag, YAML_STR_TAG));
    if (register_anchor(b, (const char *)ev->data.scalar.anchor, n) != 0) {
        sl_yaml_free(n);
        return -1;
    }
    return attach(b, n);
}

static int on_alias(bld_t *b, const yaml_event_t *ev) {
    size_t line = ev->start_mark.line + 1, col = ev->start_mark.column + 1;
    const char *a = (const char *)ev->data.alias.anchor;
    const sl_yaml_node_t *src = smap_get(&b->anchors, a);
    if (!src)
        return fail(b, SL_E_INVAL, line, col,
                    "alias *%.60s names no finished anchor, expected an anchor &%.60s "
                    "defined (and closed) before it", a, a);
    b->copied = true;
    if (charge(b, src->w_nodes, src->w_bytes, line, col) != 0) return -1;
    sl_yaml_node_t *n = copy_tree(src);
    if (!n) return nomem(b);
    n->line = (int)line;
    n->col = (int)col;
    return attach(b, n);
}

static int on_start(bld_t *b, const yaml_event_t *ev, sl_yaml_kind_t kind) {
    size_t line = ev->start_mark.line + 1, col = ev->start_mark.column + 1;
    if (b->depth >= SL_MAX_YAML_DEPTH)
        return fail(b, SL_E_LIMIT, line, col,
                    "nesting deeper than %d levels, expected a shallower document",
                    SL_MAX_YAML_DEPTH);
    if (charge(b, 1, 0, line, col) != 0) return -1;
    const yaml_char_t *anchor = kind == SL_YAML_SEQ ? ev->data.sequence_start.anchor
                                               : ev->data.mapping_start.anchor;
    sl_yaml_node_t *n = node_alloc(kind, NULL, 0);
    char *a = anchor ? strdup((const char *)anchor) : NULL;
    if (!n || (anchor && !a)) {
        free(a);
        sl_yaml_free(n);
        return nomem(b);
    }
    n->line = (int)line;
    n->col = (int)col;
    b->stack[b->depth++] = (frame_t){n, NULL, a};
    return 0;
}

static int on_end(bld_t *b) {
    frame_t *f = &b->stack[b->depth - 1];
    sl_yaml_node_t *n = f->node;
    int rc = 0;
    if (n->kind == SL_YAML_MAP) {
        rc = check_duplicates(b, n);
        if (rc == 0) rc = apply_merges(b, n);
    }
    weigh(n);
    if (rc == 0) rc = register_anchor(b, f->anchor, n);
    free(f->anchor);
    b->depth--;
    if (rc != 0) {
        sl_yaml_free(n);
        return rc;
    }
    return attach(b, n);
}

/* libyaml reports reader errors (bad UTF-8, control characters) as a byte
 * offset; turn it into line:col. */
/* The line:col of byte off, counting line breaks as libyaml does (\n, \r,
 * \r\n, NEL, LS, PS), so a reader error's position matches the parser's. */
static void offset_to_mark(const bld_t *b, size_t off, size_t *line, size_t *col) {
    const unsigned char *d = (const unsigned char *)b->buf;
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < b->len;) {
        size_t brk = 0;
        if (d[i] == '\n')
            brk = 1;
        else if (d[i] == '\r')
            brk = i + 1 < b->len && d[i + 1] == '\n' ? 2 : 1;
        else if (d[i] == 0xc2 && i + 1 < b->len && d[i + 1] == 0x85)
            brk = 2;
        else if (d[i] == 0xe2 && i + 2 < b->len && d[i + 1] == 0x80 && (d[i + 2] == 0xa8 || d[i + 2] == 0xa9))
            brk = 3;
        if (brk) {
            (*line)++;
            *col = 1;
            i += brk;
        } else {
            (*col)++;
            i++;
        }
    }
}

static int syntax_error(bld_t *b, const yaml_parser_t *p) {
    if (p->error == YAML_MEMORY_ERROR) return nomem(b);
    if (p->error == YAML_READER_ERROR) {
        size_t line, col;
        offset_to_mark(b, p->problem_offset, &line, &col);
        return fail(b, SL_E_INVAL, line, col, "%s (byte 0x%02x), expected UTF-8 text",
                    p->problem ? p->problem : "unreadable input",
                    p->problem_value >= 0 ? (unsigned)p->problem_value & 0xffu : 0u);
    }
    if (p->context)
        return fail(b, SL_E_INVAL, p->problem_mark.line + 1, p->problem_mark.column + 1,
                    "YAML syntax error: %s (%s at %zu:%zu), expected well-formed YAML",
                    p->problem ? p->problem : "?", p->context, p->context_mark.line + 1,
                    p->context_mark.column + 1);
    return fail(b, SL_E_INVAL, p->problem_mark.line + 1, p->problem_mark.column + 1,
                "YAML syntax error: %s, expected well-formed YAML", p->problem ? p->problem : "?");
}

static int on_event(bld_t *b, const yaml_event_t *ev) {
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (b->docs++ > 0)
            return fail(b, SL_E_INVAL, ev->start_mark.line + 1, ev->start_mark.column + 1,
                        "a second YAML document, expected one document per file");
        return 0;
    case YAML_SCALAR_EVENT: return on_scalar(b, ev);
    case YAML_ALIAS_EVENT: return on_alias(b, ev);
    case YAML_SEQUENCE_START_EVENT: return on_start(b, ev, SL_YAML_SEQ);
    case YAML_MAPPING_START_EVENT: return on_start(b, ev, SL_YAML_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: return on_end(b);
    default: return 0;
    }
}

sl_err_t sl_yaml_read_file(const char *path, char **buf, size_t *len, char *err, size_t err_size) {
    if (err && err_size) err[0] = 0;
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) {
        if (err && err_size)
            snprintf(err, err_size, "%s: cannot open: %s", path ? path : "(null)", strerror(errno));
        return SL_E_IO;
    }
    /* Read one byte past the limit to tell "too big" without reading it all. */
    size_t cap = SL_MAX_FILE_BYTES + 1, n = 0;
    char *b = malloc(cap);
    sl_err_t rc = SL_OK;
    if (!b) {
        rc = SL_E_NOMEM;
        if (err && err_size) snprintf(err, err_size, "%s: out of memory", path);
    } else {
        n = fread(b, 1, cap, f);
        if (ferror(f)) {
            rc = SL_E_IO;
            if (err && err_size) snprintf(err, err_size, "%s: cannot read: %s", path, strerror(errno));
        } else if (n > SL_MAX_FILE_BYTES) {
            rc = SL_E_LIMIT;
            if (err && err_size)
                snprintf(err, err_size, "%s:1:1: the file is larger than %d bytes, expected at most %d", path,
                         SL_MAX_FILE_BYTES, SL_MAX_FILE_BYTES);
        }
    }
    fclose(f);
    if (rc != SL_OK) {
        free(b);
        return rc;
    }
    *buf = b;
    *len = n;
    return SL_OK;
}

sl_err_t sl_yaml_parse(const char *name, const char *buf, size_t len, sl_yaml_node_t **root,
                  char *err, size_t err_size) {
    bld_t b = {.name = name, .buf = buf, .len = len, .err = err, .err_size = err_size};
    b.anchors.own_keys = true;
    if (len > SL_MAX_FILE_BYTES) {
        fail(&b, SL_E_LIMIT, 1, 1, "the file is %zu bytes, expected at most %d", len,
             SL_MAX_FILE_BYTES);
        return b.rc;
    }
    const char *nul = memchr(buf, 0, len);
    if (nul) {
        size_t line, col;
        offset_to_mark(&b, (size_t)(nul - buf), &line, &col);
        fail(&b, SL_E_INVAL, line, col, "a NUL byte, expected UTF-8 text (is this a binary file?)");
        return b.rc;
    }
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        nomem(&b);
        return b.rc;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    for (bool done = false; !done;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            syntax_error(&b, &p);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        int rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
        if (rc != 0) break;
    }
    yaml_parser_delete(&p);
    for (; b.depth > 0; b.depth--) {
        sl_yaml_free(b.stack[b.depth - 1].node);
        sl_yaml_free(b.stack[b.depth - 1].key);
        free(b.stack[b.depth - 1].anchor);
    }
    for (size_t i = 0; i < b.n_grave; i++) sl_yaml_free(b.grave[i]);
    free(b.grave);
    smap_free(&b.anchors);
    if (b.rc == SL_OK && !b.root) {
        /* An empty stream reads as a null document. */
        b.root = sl_yaml_new_scalar("");
        if (!b.root) nomem(&b);
        else b.root->line = b.root->col = 1;
    }
    if (b.rc != SL_OK) {
        sl_yaml_free(b.root);
        return b.rc;
    }
    *root = b.root;
    return SL_OK;
}
