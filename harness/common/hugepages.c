/*
 * Why a re-exec: glibc's malloc advises its heap for transparent huge pages
 * only under the glibc.malloc.hugetlb tunable, and reads tunables from the
 * environment once, at process start; there is no call that sets it later.
 * On this project's 2-core virtual machine a page fault costs about 9 µs:
 * the 10,000-member heartbeat hour took 27,500 faults, a quarter of its CPU
 * time, and 3,300 with huge pages (docs/model.md, "Speed").  Outputs do not
 * depend on it: where malloc puts things changes no byte of a run.
 */
#include "hugepages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SL_MALLOC_IS_OURS 0 /* the sanitizer's allocator, not glibc's */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SL_MALLOC_IS_OURS 0
#endif
#endif
#ifndef SL_MALLOC_IS_OURS
#define SL_MALLOC_IS_OURS 1
#endif

/* glibc.malloc.hugetlb arrived in glibc 2.35 */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35)) && SL_MALLOC_IS_OURS
static int thp_only_when_advised(void) {
    char mode[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f)
        return 0;
    if (!fgets(mode, sizeof mode, f))
        mode[0] = 0;
    fclose(f);
    return strstr(mode, "[madvise]") != NULL;
}

/* What GLIBC_TUNABLES was before the re-execution ("=VALUE", or "-" for
 * unset): put back once glibc has read the tunables, so that what this
 * process starts (gnuplot, Java members, brokers) gets the user's
 * environment, not ours.  Its presence also says "re-executed already". */
#define WAS "STORMLAB_GLIBC_TUNABLES_WAS"

static void restore(const char *was) {
    if (was[0] == '=')
        setenv("GLIBC_TUNABLES", was + 1, 1);
    else
        unsetenv("GLIBC_TUNABLES");
    unsetenv(WAS);
}

void sl_hugepages_reexec(char **argv) {
    const char *was = getenv(WAS);
    if (was) { /* this is the re-execution: glibc has read the tunables */
        restore(was);
        return;
    }
    const char *tunables = getenv("GLIBC_TUNABLES"), *preload = getenv("LD_PRELOAD");
    if (tunables && strstr(tunables, "glibc.malloc.hugetlb"))
        return; /* the user's choice */
    if (preload && strstr(preload, "vgpreload"))
        return; /* valgrind: the new image would run outside it */
    if (!getauxval(AT_BASE))
        return; /* no interpreter: started as `ld.so stormlab ...` (/proc/self/exe is ld.so), or static */
    if (!thp_only_when_advised())
        return; /* "[always]": malloc's memory gets them anyway; "[never]": nobody does */
    char value[4096], old[4096];
    int n = snprintf(value, sizeof value, "%s%sglibc.malloc.hugetlb=1", tunables ? tunables : "",
                     tunables && *tunables ? ":" : "");
    int m = snprintf(old, sizeof old, "%s%s", tunables ? "=" : "-", tunables ? tunables : "");
    if (n < 0 || (size_t)n >= sizeof value || m < 0 || (size_t)m >= sizeof old || setenv(WAS, old, 1))
        return;
    if (setenv("GLIBC_TUNABLES", value, 1) == 0)
        execv("/proc/self/exe", argv);
    restore(old); /* no /proc: run on with 4 KiB pages, the environment as it was */
}
#else
void sl_hugepages_reexec(char **argv) { (void)argv; }
#endif
