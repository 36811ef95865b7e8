/*
 * Java .properties reader (see props.h).  O(n) in the file size; the
 * lookup is a linear scan from the end, fine for files of a few hundred
 * entries.
 */
#include "props.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *s;
    size_t n, cap;
} buf_t;

static int put(buf_t *b, char c) {
    if (b->n + 2 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 64;
        char *ns = realloc(b->s, nc);
        if (!ns) return -1;
        b->s = ns;
        b->cap = nc;
    }
    b->s[b->n++] = c;
    b->s[b->n] = '\0';
    return 0;
}

static int put_utf8(buf_t *b, unsigned cp) {
    if (cp < 0x80) return put(b, (char)cp);
    if (cp < 0x800) return put(b, (char)(0xc0 | (cp >> 6))) || put(b, (char)(0x80 | (cp & 0x3f)));
    return put(b, (char)(0xe0 | (cp >> 12))) || put(b, (char)(0x80 | ((cp >> 6) & 0x3f))) ||
           put(b, (char)(0x80 | (cp & 0x3f)));
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

void sl_props_destroy(sl_props_t *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) { free(p->items[i].key); free(p->items[i].value); free(p->items[i].written); }
    free(p->items);
    free(p->path);
    free(p);
}

const sl_prop_t *sl_props_get(const sl_props_t *p, const char *key) {
    for (size_t i = p->n; i-- > 0;)
        if (!strcmp(p->items[i].key, key)) return &p->items[i];
    return NULL;
}

/* One logical line, already joined, into key and value. */
static int split_entry(const char *s, size_t len, buf_t *key, buf_t *val) {
    size_t i = 0;
    int in_key = 1, sep_seen = 0;
    buf_t *b = key;
    while (i < len) {
        char c = s[i++];
        if (in_key && c != '\\' && (c == '=' || c == ':' || is_blank(c))) {
            in_key = 0;
            /* skip blanks, then one '=' or ':' (unless the key ended at it), then blanks */
            if (c == '=' || c == ':') sep_seen = 1;
            while (i < len && is_blank(s[i])) i++;
            if (!sep_seen && i < len && (s[i] == '=' || s[i] == ':')) {
                i++;
                while (i < len && is_blank(s[i])) i++;
            } else if (sep_seen) {
                while (i < len && is_blank(s[i])) i++;
            }
            b = val;
            continue;
        }
        if (c == '\\' && i < len) {
            c = s[i++];
            switch (c) {
            case 't': c = '\t'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned cp = 0;
                int k = 0;
                for (; k < 4 && i < len; k++, i++) {
                    char h = s[i];
                    int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                            : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                    if (d < 0) break;
                    cp = cp * 16 + (unsigned)d;
                }
                if (put_utf8(b, k == 4 ? cp : 0xfffd)) return -1;
                continue;
            }
            default: break;
            }
        } else if (c == '\\') {
            continue; /* a lone trailing backslash */
        }
        if (put(b, c)) return -1;
    }
    if (!key->s && !(key->s = calloc(1, 1))) return -1;
    if (!val->s && !(val->s = calloc(1, 1))) return -1;
    return 0;
}

sl_err_t sl_props_parse(const char *path, const char *buf, size_t len, sl_props_t **out, char *err, size_t errsz) {
    if (len > SL_PROPS_MAX_BYTES) {
        snprintf(err, errsz, "%s: %zu bytes, expected a properties file of at most %u bytes", path, len,
                 SL_PROPS_MAX_BYTES);
        return SL_E_LIMIT;
    }
    if (memchr(buf, '\0', len)) {
        size_t off = (size_t)((const char *)memchr(buf, '\0', len) - buf);
        int line = 1;
        for (size_t i = 0; i < off; i++) line += buf[i] == '\n';
        snprintf(err, errsz, "%s:%d: a NUL byte: not a text file, expected a .properties file", path, line);
        return SL_E_INVAL;
    }
    sl_props_t *p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(path))) {
        free(p);
        return SL_E_NOMEM;
    }
    size_t cap = 0;
    buf_t logical = {0};
    size_t i = 0;
    int line = 1;
    while (i < len) {
        /* one natural line */
        size_t start = i;
        while (i < len && buf[i] != '\n' && buf[i] != '\r') i++;
        size_t end = i;
        int this_line = line;
        if (i < len) {
            if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n') i++;
            i++;
            line++;
        }
        size_t s = start;
        while (s < end && is_blank(buf[s])) s++;
        if (s == end || buf[s] == '#' || buf[s] == '!') continue;
        /* join continuation lines */
        logical.n = 0;
        if (logical.s) logical.s[0] = '\0';
        int entry_line = this_line;
        for (;;) {
            size_t bs = 0;
            for (size_t k = end; k > s && buf[k - 1] == '\\'; k--) bs++;
            int cont = bs % 2 == 1;
            for (size_t k = s; k < end - (cont ? 1 : 0); k++)
                if (put(&logical, buf[k])) goto nomem;
            if (!cont || i >= len) break;
            start = i;
            while (i < len && buf[i] != '\n' && buf[i] != '\r') i++;
            end = i;
            if (i < len) {
                if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n') i++;
                i++;
                line++;
            }
            s = start;
            while (s < end && is_blank(buf[s])) s++;
        }
        buf_t key = {0}, val = {0};
        if (split_entry(logical.s ? logical.s : "", logical.n, &key, &val)) {
            free(key.s);
            free(val.s);
            goto nomem;
        }
        if (p->n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            sl_prop_t *ni = realloc(p->items, nc * sizeof *ni);
            if (!ni) { free(key.s); free(val.s); goto nomem; }
            p->items = ni;
            cap = nc;
        }
        p->items[p->n++] = (sl_prop_t){.key = key.s, .value = val.s, .line = entry_line, .written = NULL};
    }
    free(logical.s);
    *out = p;
    return SL_OK;
nomem:
    free(logical.s);
    sl_props_destroy(p);
    snprintf(err, errsz, "%s: out of memory", path);
    return SL_E_NOMEM;
}
