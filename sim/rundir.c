/*
 * The run directory's names and making it (see rundir-internal.h).
 */
#include "rundir-internal.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

const char *const sl_out_names[SL_OUT__N] = {"trace.jsonl", "series.tsv", "log.txt", "summary.json",
                                             "scenario.resolved.yaml"};

void sl_out_paths(const char *dir, char (*final)[4096], char (*partial)[4096]) {
    for (int i = 0; i < SL_OUT__N; i++) {
        snprintf(final[i], sizeof final[i], "%s/%s", dir, sl_out_names[i]);
        snprintf(partial[i], sizeof partial[i], "%s/.%s.partial", dir, sl_out_names[i]);
    }
}

int sl_out_mkdir_p(const char *dir) {
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) < 0 && errno != EEXIST ? -1 : 0;
}
