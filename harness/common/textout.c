/*
 * Text helpers shared by check, sweep and lint (see textout.h).
 */
#define _GNU_SOURCE /* vasprintf */
#include "textout.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stormlab/outputs.h"

/* The escaper of the simulator's own outputs, so the CLI's JSON writes a
 * name exactly as trace.jsonl and summary.json do.  The only sim/ header
 * the CLI sees (the rest of sim/ is reached through stormlab.h). */
void sl_tx_json(FILE *f, const char *s) { sl_json_str(f, s); }

void sl_tx_xml(FILE *f, const char *s) {
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp;
        int n = sl_utf8_len(p, &cp);
        if (n == 0) { fputc('?', f); p++; continue; }
        if (n > 1) {
            /* U+FFFE and U+FFFF are not XML characters either */
            if (cp == 0xfffe || cp == 0xffff) fputc('?', f);
            else fwrite(p, 1, (size_t)n, f);
            p += n;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        case '\t': case '\n': case '\r': fputc(*p, f); break;
        default: fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
        }
        p++;
    }
}

void sl_tx_shell(FILE *f, const char *s) {
    int plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,@%+-", *p) != NULL;
    if (plain) { fputs(s, f); return; }
    fputc('\'', f);
    for (const char *p = s; *p; p++) {
        if (*p == '\'') fputs("'\\''", f);
        else fputc(*p, f);
    }
    fputc('\'', f);
}

void sl_tx_ms(char *buf, size_t n, int64_t ms) {
    if (ms == 0) snprintf(buf, n, "0");
    else if (ms % 3600000 == 0) snprintf(buf, n, "%lldh", (long long)(ms / 3600000));
    else if (ms % 60000 == 0) snprintf(buf, n, "%lldm", (long long)(ms / 60000));
    else if (ms % 1000 == 0) snprintf(buf, n, "%llds", (long long)(ms / 1000));
    else snprintf(buf, n, "%lldms", (long long)ms);
}

const char *sl_tx_self(void) {
    static char self[PATH_MAX + 16];
    char exe[PATH_MAX], cwd[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return "stormlab";
    exe[n] = '\0';
    if (getcwd(cwd, sizeof cwd)) {
        size_t lc = strlen(cwd);
        if (!strncmp(exe, cwd, lc) && exe[lc] == '/') {
            snprintf(self, sizeof self, "%s", exe + lc + 1);
            /* "stormlab" alone would be looked up in PATH */
            if (!strchr(self, '/')) snprintf(self, sizeof self, "./%s", exe + lc + 1);
            return self;
        }
    }
    const char *path = getenv("PATH");
    while (path && *path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        char cand[PATH_MAX], real[PATH_MAX];
        if (len && len < sizeof cand - 16) {
            snprintf(cand, sizeof cand, "%.*s/stormlab", (int)len, path);
            if (realpath(cand, real) && !strcmp(real, exe)) return "stormlab";
        }
        path = end ? end + 1 : NULL;
    }
    snprintf(self, sizeof self, "%s", exe);
    return self;
}

char *sl_tx_printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    return s;
}

uint64_t sl_tx_fnv1a(uint64_t h, const void *data, size_t len) {
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

int sl_tx_mkdirs(const char *dir) {
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) { errno = ENAMETOOLONG; return -1; }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    struct stat st;
    if (stat(buf, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; return -1; }
    return 0;
}
