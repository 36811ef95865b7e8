/*
 * The quote-aware splitter the fuzz targets read stormlab's printed
 * commands back with (fuzz_shell.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_shell.h"

/* Reads describe()'s line back as POSIX sh would: words separated by one
 * space; unquoted characters only from the set sh leaves alone; '...'
 * literal; \x is x.  Returns the words (NULL-terminated) or NULL when the
 * line has an unquoted shell character or an open quote. */
char **fz_sh_split(const char *line) {
    size_t len = strlen(line);
    char **w = calloc(len + 2, sizeof *w);
    char *cur = malloc(len + 1);
    size_t cl = 0;
    int n = 0, in_word = 0;
    for (const char *p = line;; p++) {
        if (*p == 0 || *p == ' ') {
            if (in_word) {
                cur[cl] = 0;
                w[n++] = strdup(cur);
                cl = 0;
                in_word = 0;
            } else if (*p == ' ') {
                goto bad; /* two spaces, or a leading one: describe() never writes them */
            }
            if (*p == 0)
                break;
            continue;
        }
        in_word = 1;
        if (*p == '\'') {
            const char *e = strchr(p + 1, '\'');
            if (!e)
                goto bad;
            memcpy(cur + cl, p + 1, (size_t)(e - p - 1));
            cl += (size_t)(e - p - 1);
            p = e;
        } else if (*p == '$' && p[1] == '\'') {
            for (p += 2; *p != '\''; p++) {
                if (!*p)
                    goto bad;
                if (*p != '\\') {
                    cur[cl++] = *p;
                    continue;
                }
                p++;
                if (*p == 't' || *p == 'n' || *p == 'r')
                    cur[cl++] = *p == 't' ? '\t' : *p == 'n' ? '\n' : '\r';
                else if (*p == '\\' || *p == '\'')
                    cur[cl++] = *p;
                else if (*p == 'x' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
                    char hex[3] = {p[1], p[2], 0};
                    cur[cl++] = (char)strtol(hex, NULL, 16);
                    p += 2;
                } else
                    goto bad;
            }
        } else if (*p == '\\' && p[1]) {
            cur[cl++] = *++p;
        } else if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/=@,+%-", *p)) {
            cur[cl++] = *p;
        } else {
            goto bad;
        }
    }
    free(cur);
    return w;
bad:
    free(cur);
    for (int i = 0; i < n; i++)
        free(w[i]);
    free(w);
    return NULL;
}

void fz_sh_free(char **w) {
    for (int i = 0; w && w[i]; i++)
        free(w[i]);
    free(w);
}
