/*
 * Copies a gnuplot SVG file into an HTML page.  Several SVGs in one page
 * share one id space, and every gnuplot SVG defines the same ids (gpPt0,
 * gnuplot_canvas, ...), so each copy gets its ids prefixed; the XML prolog
 * is dropped and the <title> tooltips gnuplot puts on every element are
 * replaced by one aria-label.
 */
#include "svginline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, r;
    char *buf = malloc(cap + 1);
    if (!buf)
        abort();
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap && !(buf = realloc(buf, (cap *= 2) + 1)))
            abort();
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

static int starts(const char *p, const char *end, const char *lit) {
    size_t n = strlen(lit);
    return (size_t)(end - p) >= n && !memcmp(p, lit, n);
}

static void put_attr_escaped(FILE *out, const char *s) {
    for (; *s; s++) {
        if (*s == '"')
            fputs("&quot;", out);
        else if (*s == '&')
            fputs("&amp;", out);
        else if (*s == '<')
            fputs("&lt;", out);
        else
            fputc(*s, out);
    }
}

int sl_svg_inline(FILE *out, const char *path, const char *prefix, const char *label) {
    size_t len = 0;
    char *buf = slurp(path, &len);
    if (!buf)
        return -1;
    const char *end = buf + len, *p = strstr(buf, "<svg");
    if (!p) {
        free(buf);
        return -1;
    }
    fputs("<svg role=\"img\" aria-label=\"", out);
    put_attr_escaped(out, label);
    fputc('"', out);
    p += 4;
    while (p < end) {
        static const char *const id_attrs[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
        int done = 0;
        for (size_t k = 0; k < sizeof id_attrs / sizeof *id_attrs && !done; k++) {
            /* "id=" must start an attribute, not end a longer name such as "gid=" */
            if (starts(p, end, id_attrs[k]) && (k > 1 || (p > buf && (p[-1] == ' ' || p[-1] == '\t')))) {
                fputs(id_attrs[k], out);
                fputs(prefix, out);
                p += strlen(id_attrs[k]);
                done = 1;
            }
        }
        if (done)
            continue;
        if (starts(p, end, "<title>")) { /* tooltips such as "gnuplot_plot_1a" mean nothing to a reader */
            const char *close = strstr(p, "</title>");
            if (close) {
                p = close + 8;
                continue;
            }
        }
        fputc(*p++, out);
    }
    free(buf);
    return 0;
}
