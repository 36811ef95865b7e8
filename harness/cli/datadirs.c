/* Run-time files relative to the binary (datadirs.h). */
#include "datadirs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The installed layout, relative to the directory holding the binary
 * (cmake/install.cmake computes them from GNUInstallDirs); a build that
 * is never installed leaves them unset and uses its source paths. */
#ifndef SL_REL_DATADIR
#define SL_REL_DATADIR "../share/stormlab"
#endif
#ifndef SL_REL_PKGLIBDIR
#define SL_REL_PKGLIBDIR "../lib/stormlab"
#endif

static void locate(const char *var, const char *bindir, const char *rel, const char *name) {
    const char *set = getenv(var);
    if (set && *set) return; /* the user's choice wins */
    char path[PATH_MAX];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/%s/%s", bindir, rel, name) >= (int)sizeof path) return;
    if (stat(path, &st) == 0) setenv(var, path, 1);
}

void sl_cli_locate_data(void) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = '\0';
    locate("STORMLAB_PLOTS_DIR", exe, SL_REL_DATADIR, "plots");
    locate("STORMLAB_SCENARIOS_DIR", exe, SL_REL_DATADIR, "scenarios");
    locate("STORMLAB_JAVA_DIR", exe, SL_REL_DATADIR, "java");
    locate("STORMLAB_CONNECT_MAP_LIB", exe, SL_REL_PKGLIBDIR, "libstormlab_connect_map.so");
}
