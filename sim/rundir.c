/*
 * The run directory's names and making it (see include/stormlab/outputs.h).
 */
#include "stormlab/outputs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stormlab/stormlab.h"

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

FILE *sl_output_create(const char *path) {
    /* unlink removes a planted symlink itself, never its target; if one is
     * planted again before open, O_EXCL fails instead of following it */
    if (unlink(path) < 0 && errno != ENOENT)
        return NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        unlink(path);
        errno = e;
    }
    return f;
}

int sl_output_partials(const char *dir, char (*paths)[4096], int max) {
    char fin[SL_OUT__N][4096], tmp[SL_OUT__N][4096];
    sl_out_paths(dir, fin, tmp);
    for (int i = 0; i < SL_OUT__N && i < max; i++)
        memcpy(paths[i], tmp[i], sizeof tmp[i]);
    return SL_OUT__N;
}
