/* Small helpers shared by the subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int sl_cli_parse_u64(const char *s, uint64_t *out) {
    /* strtoull accepts "-1", " 1" and "+1"; a seed or a count is digits only */
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

double sl_cli_wall_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void sl_cli_safe_name(const char *name, char *out, size_t n) {
    size_t j = 0;
    for (const char *p = name; *p && j + 1 < n && j < 200; p++)
        out[j++] = (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p)) ? *p : '_';
    out[j] = '\0';
    if (j == 0 || !strcmp(out, ".") || !strcmp(out, ".."))
        snprintf(out, n, "scenario");
}
