/*
 * The fast way to read a trace.jsonl line: the exact form sl_json_trace_line
 * writes (keys in its order, no spaces, integers), parsed without building a
 * JSON tree.  Reading the trace back was a sixth of `stormlab sim`'s time on
 * a large run (docs/model.md "Speed").  Anything else -- other key orders,
 * spaces, floats, escapes it would not write -- is left to the JSON parser
 * (runfiles.c), and so is what that parser would refuse (invalid UTF-8, raw
 * control bytes, \u0000), so both read every line alike.
 */
#include "trace_line.h"

#include <stdlib.h>
#include <string.h>

#include "stormlab/outputs.h"

/* Moves *p past lit, or fails. */
static int lit(const char **p, const char *lit) {
    size_t n = strlen(lit);
    if (strncmp(*p, lit, n))
        return -1;
    *p += n;
    return 0;
}

/* A JSON integer as the writer prints it: -?[1-9][0-9]* or 0, at most 18 digits. */
static int integer(const char **p, int64_t *out) {
    const char *s = *p;
    int neg = *s == '-';
    s += neg;
    if (*s < '0' || *s > '9' || (*s == '0' && s[1] >= '0' && s[1] <= '9'))
        return -1;
    int64_t v = 0;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++)
        if (digits < 18) /* longer ones go to the JSON parser below */
            v = v * 10 + (*s - '0');
    if (digits > 18 || *s == '.' || *s == 'e' || *s == 'E')
        return -1;
    *out = neg ? -v : v;
    *p = s;
    return 0;
}

static int integer_or_null(const char **p, int64_t *out) {
    if (!lit(p, "null")) {
        *out = -1;
        return 0;
    }
    return integer(p, out);
}

static int hex4(const char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* A JSON string (UTF-8, the standard escapes but \u0000 and surrogate
 * pairs) into a new string; "null" gives NULL. */
static int string_or_null(const char **p, char **out) {
    if (!lit(p, "null")) {
        *out = NULL;
        return 0;
    }
    const char *s = *p;
    if (*s++ != '"')
        return -1;
    const char *e = s;
    while (*e && *e != '"') /* the closing quote; an escaped one does not count */
        e += *e == '\\' && e[1] ? 2 : 1;
    if (*e != '"')
        return -1;
    char *d = malloc((size_t)(e - s) + 1), *w = d; /* decoding never lengthens */
    if (!d)
        abort();
    for (; *s != '"'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20)
            goto fail; /* a raw control: invalid JSON */
        if (c >= 0x80) {
            uint32_t cp;
            int len = sl_utf8_len((const unsigned char *)s, &cp);
            if (len == 0)
                goto fail; /* not UTF-8: the JSON parser refuses it */
            memcpy(w, s, (size_t)len);
            w += len;
            s += len - 1;
            continue;
        }
        if (c != '\\') {
            *w++ = (char)c;
            continue;
        }
        unsigned u;
        switch (*++s) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u':
            if (hex4(s + 1, &u) || u == 0 || (u >= 0xd800 && u <= 0xdfff))
                goto fail; /* NUL, and surrogate pairs, are the JSON parser's to judge */
            if (u < 0x80) {
                *w++ = (char)u;
            } else if (u < 0x800) {
                *w++ = (char)(0xc0 | (u >> 6));
                *w++ = (char)(0x80 | (u & 0x3f));
            } else {
                *w++ = (char)(0xe0 | (u >> 12));
                *w++ = (char)(0x80 | ((u >> 6) & 0x3f));
                *w++ = (char)(0x80 | (u & 0x3f));
            }
            s += 4;
            break;
        default: goto fail;
        }
    }
    *w = 0;
    *out = d;
    *p = s + 1;
    return 0;
fail:
    free(d);
    return -1;
}

int sl_trace_line_parse(const char *line, sl_rf_event_t *e) {
    const char *p = line;
    int64_t gen = -1;
    char *kind = NULL, *node = NULL, *group = NULL, *member = NULL, *detail = NULL;
    int ok = !lit(&p, "{\"t_us\":") && !integer(&p, &e->t_us) && !lit(&p, ",\"seq\":") && !integer(&p, &e->seq) &&
             !lit(&p, ",\"kind\":") && !string_or_null(&p, &kind) && kind && !lit(&p, ",\"node\":") &&
             !string_or_null(&p, &node) && !lit(&p, ",\"group\":") && !string_or_null(&p, &group) &&
             !lit(&p, ",\"member\":") && !string_or_null(&p, &member) && !lit(&p, ",\"generation\":") &&
             !integer_or_null(&p, &gen) && !lit(&p, ",\"cause\":") && !integer_or_null(&p, &e->cause) &&
             !lit(&p, ",\"detail\":") && !string_or_null(&p, &detail) && !lit(&p, "}") &&
             (!strcmp(p, "\n") || !strcmp(p, "") || !strcmp(p, "\r\n") || !strcmp(p, "\r"));
    /* generation and cause are -1 for null; a written -1 would read the same, as through the JSON parser */
    if (!ok || gen < -1 || gen > INT32_MAX) {
        free(kind);
        free(node);
        free(group);
        free(member);
        free(detail);
        return -1;
    }
    e->generation = (int)gen;
    e->kind = kind;
    e->node = node;
    e->group = group;
    e->member = member;
    e->detail = detail;
    return 0;
}
