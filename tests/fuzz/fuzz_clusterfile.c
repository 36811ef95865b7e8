/*
 * The cluster file of `stormlab run --cluster kafka` on arbitrary bytes
 * (harness/cluster/clusterfile.c, docs/real-runs.md): sl_clusterfile_load()
 * on the file, then, for a file that loads, every action's template
 * expanded (sl_clusterfile_argv) and described (sl_clusterfile_describe)
 * for the broker ids the file may name, with host names set as the
 * cluster's metadata would set them (sl_clusterfile_set_address).  Nothing
 * is run (sl_clusterfile_run is not called).
 *
 * Input: the cluster file, then optionally a NUL and up to 6 host names
 * separated by NULs (the hosts a hostile cluster could advertise).  The file
 * part is written to a memfd (a file under /tmp where memfd_create fails),
 * created once per process, and loaded by its /proc/self/fd path.
 *
 * Properties (beyond no crash, no leak, no UB):
 *  - a refused file gives "PATH:LINE:COL: what" (LINE, COL within the
 *    file) or "PATH: empty cluster file", leaves *out untouched, and a
 *    small error buffer gets a terminated prefix of the same message;
 *  - a loaded file: bootstrap and cluster_id absent or non-empty,
 *    allow_remote only with cluster_id, command_timeout > 0;
 *  - sl_clusterfile_has() says whether sl_clusterfile_argv() finds a
 *    template; without one both argv and describe fail naming the action;
 *    with one they succeed or refuse a value, with a message;
 *  - substitution is exact and never adds a word: with a marker host M the
 *    argv is the template's words with M where {host} stood; any host
 *    with a character outside [A-Za-z0-9._:-], or empty, or starting with
 *    '-', is refused wherever the template uses {host} (and changes
 *    nothing where it does not); any other host gives exactly the marker
 *    argv with M replaced by it (never cut short), or, longer than M, is
 *    refused; a negative port is refused where {port} is substituted;
 *  - describe() is the argv, quoted: read back by a quote-aware splitter
 *    ('...', $'...' with \t \n \r \xHH \\ \') it gives the same words
 *    (argc and bytes), with no unquoted character the shell would act on
 *    and no control byte anywhere in the line (never cut short: the line
 *    is allocated).
 */
#define _GNU_SOURCE /* memfd_create, memmem */
#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clusterfile.h"
#include "fuzz.h"
#include "fuzz_shell.h"

static const char *const actions[] = {SL_CF_ACTIONS};
#define N_ACTIONS (int)(sizeof actions / sizeof actions[0])
#define ERRSZ 1024
#define MAX_IDS 8
#define MAX_HOSTS 6

static int fd = -1;
static char path[64], tmp_path[64];

static void remove_tmp(void) {
    if (tmp_path[0])
        unlink(tmp_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fd = memfd_create("fuzz-cluster.yaml", MFD_CLOEXEC);
    if (fd >= 0) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        if (access(path, R_OK) == 0)
            return 0;
        close(fd);
    }
    snprintf(tmp_path, sizeof tmp_path, "/tmp/fuzz-clusterfile-XXXXXX");
    fd = mkstemp(tmp_path);
    FZ_CHECK(fd >= 0, "cannot create a temporary file");
    atexit(remove_tmp);
    snprintf(path, sizeof path, "%s", tmp_path);
    return 0;
}

static void write_input(const uint8_t *d, size_t n) {
    FZ_CHECK(ftruncate(fd, 0) == 0, "ftruncate");
    for (size_t o = 0; o < n;) {
        ssize_t w = pwrite(fd, d + o, n - o, (off_t)o);
        FZ_CHECK(w > 0, "pwrite");
        o += (size_t)w;
    }
}

/* ---- helpers ---- */

static const char host_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-";

/* What the header promises a substituted value is made of. */
static int host_chars_ok(const char *h) {
    return *h && h[0] != '-' && strspn(h, host_chars) == strlen(h);
}

static int argc_of(char **av) {
    int n = 0;
    while (av[n])
        n++;
    return n;
}

static int same_argv(char **a, char **b) {
    int i = 0;
    for (; a[i] && b[i]; i++)
        if (strcmp(a[i], b[i]))
            return 0;
    return !a[i] && !b[i];
}

/* s with every occurrence of from replaced by to (malloc'd). */
static char *replace(const char *s, const char *from, const char *to) {
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    for (const char *p = strstr(s, from); p; p = strstr(p + fl, from))
        n++;
    char *out = malloc(strlen(s) + n * tl + 1), *o = out;
    for (const char *p = s;;) {
        const char *q = strstr(p, from);
        if (!q) {
            strcpy(o, p);
            break;
        }
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, tl);
        o += tl;
        p = q + fl;
    }
    return out;
}

/* The marker argv with marker replaced by host: what the host must give. */
static char **expected_argv(char **m, const char *marker, const char *host) {
    int n = argc_of(m);
    char **e = calloc((size_t)n + 1, sizeof *e);
    for (int i = 0; i < n; i++)
        e[i] = replace(m[i], marker, host);
    return e;
}

static int uses(char **av, const char *marker) {
    for (int i = 0; av[i]; i++)
        if (strstr(av[i], marker))
            return 1;
    return 0;
}

static void check_err(const char *err, const char *what) {
    FZ_CHECK(memchr(err, 0, ERRSZ) != NULL, "%s: message not terminated", what);
    FZ_CHECK(err[0] != 0, "%s failed without a message", what);
    FZ_CHECK(!strncmp(err, path, strlen(path)), "%s: message does not name the file: %s", what, err);
}

/* describe() against the argv it describes; with small_too, also into
 * small buffers. */
static void check_describe(sl_clusterfile_t *cf, const char *act, int id, char **av) {
    char err[ERRSZ] = "";
    char *line = sl_clusterfile_describe(cf, act, id, err, sizeof err);
    FZ_CHECK(line != NULL, "argv succeeded, describe failed: %s", err);
    for (const unsigned char *p = (const unsigned char *)line; *p; p++)
        FZ_CHECK(*p >= 0x20 && *p < 0x7f, "describe's line has the raw byte 0x%02x: %s", *p, line);
    char **back = fz_sh_split(line);
    FZ_CHECK(back != NULL, "describe wrote an unquoted shell character or an open quote: %s", line);
    FZ_CHECK(argc_of(back) == argc_of(av), "describe's line has %d words, argv %d: %s", argc_of(back),
             argc_of(av), line);
    for (int i = 0; av[i]; i++)
        FZ_CHECK(!strcmp(back[i], av[i]), "describe's word %d reads back as '%s', argv has '%s'", i, back[i], av[i]);
    fz_sh_free(back);
    free(line);
}

/* argv of (act, id) now; on failure checks the message (and that describe
 * fails the same way).  Returns the argv or NULL. */
static char **expand(sl_clusterfile_t *cf, const char *act, int id, char *err) {
    char **av = (char **)&av;
    err[0] = 0;
    int rc = sl_clusterfile_argv(cf, act, id, &av, err, ERRSZ);
    if (rc < 0) {
        FZ_CHECK(rc == -1, "argv rc %d", rc);
        FZ_CHECK(av == (char **)&av, "argv wrote *argv on failure");
        check_err(err, "argv");
        char err2[ERRSZ] = "";
        FZ_CHECK(sl_clusterfile_describe(cf, act, id, err2, sizeof err2) == NULL, "argv failed (%s), describe did not",
                 err);
        FZ_CHECK(!strcmp(err, err2), "argv and describe fail differently: %s / %s", err, err2);
        return NULL;
    }
    FZ_CHECK(rc == 0 && av != NULL && av != (char **)&av, "argv rc %d without an argv", rc);
    FZ_CHECK(av[0] != NULL, "argv succeeded with no words");
    return av;
}

/* ---- one input ---- */

typedef struct {
    const char *s;
    int hostile; /* a character outside the set, empty, or a leading '-' */
} host_t;

static const char *const fixed_hostile[] = {
    "kafka-2;rm -rf /", "$(id)", "`id`", "a b", "a\tb", "a\nb", "-oProxyCommand=x", "--help", "-", "", "a'b", "a\"b",
    "a\\b", "{host}", "{id}", "a|b", "a&b", "a>b", "*", "~root", "a/b", "a=b", "h\xc3\xa9", "\x7f", "a,b",
};
static const char *const fixed_valid[] = {"127.0.0.1", "kafka-3.internal", "::1", "a", "h_1:9092", "0"};

static void check_host(sl_clusterfile_t *cf, const char *act, int id, char **m, const char *marker, int uses_host,
                       const host_t *h) {
    char err[ERRSZ];
    sl_clusterfile_set_address(cf, id, h->s, 9092);
    char **av = expand(cf, act, id, err);
    if (!uses_host) {
        /* no {host} (or the file gives the host): the host changes nothing */
        FZ_CHECK(av != NULL, "host '%s' refused where no {host} is substituted: %s", h->s, err);
        FZ_CHECK(same_argv(av, m), "host '%s' changed an argv that does not substitute {host}", h->s);
        sl_clusterfile_argv_free(av);
        return;
    }
    if (h->hostile) {
        FZ_CHECK(av == NULL, "hostile host '%s' substituted into %s of broker %d (word 0 '%s')", h->s, act, id,
                 av ? av[0] : "");
        FZ_CHECK(strstr(err, "refused") != NULL, "hostile host '%s' failed without 'refused': %s", h->s, err);
        return;
    }
    if (!av) {
        /* a valid host no longer than the marker fits wherever the marker did */
        FZ_CHECK(strlen(h->s) > strlen(marker), "valid host '%s' refused where %s was not: %s", h->s, marker, err);
        FZ_CHECK(strstr(err, "refused") != NULL, "host '%s' failed without 'refused': %s", h->s, err);
        return;
    }
    char **want = expected_argv(m, marker, h->s);
    FZ_CHECK(argc_of(av) == argc_of(want), "host '%s' gives %d words, the template %d", h->s, argc_of(av),
             argc_of(want));
    for (int i = 0; av[i]; i++)
        FZ_CHECK(!strcmp(av[i], want[i]), "host '%.300s': word %d is '%.600s', expected '%.600s'", h->s, i, av[i],
                 want[i]);
    check_describe(cf, act, id, av);
    sl_clusterfile_argv_free(want);
    sl_clusterfile_argv_free(av);
}

/* The marker hosts: two valid host names of one length that appear
 * nowhere in the input. */
static void pick_markers(char *m1, char *m2, size_t msz, const uint8_t *d, size_t n) {
    for (unsigned k = 0;; k++) {
        snprintf(m1, msz, "Zq%u.mk", k);
        snprintf(m2, msz, "Xw%u.mk", k);
        if (!memmem(d, n, m1, strlen(m1)) && !memmem(d, n, m2, strlen(m2)))
            return;
    }
}

static void check_action(sl_clusterfile_t *cf, const char *act, int id, const host_t *hosts, size_t n_fixed,
                         size_t n_hosts, const uint8_t *d, size_t n) {
    char m1[32], m2[32], err[ERRSZ];
    pick_markers(m1, m2, sizeof m1, d, n);
    sl_clusterfile_set_address(cf, id, m1, 9092);
    char **a1 = expand(cf, act, id, err);
    if (a1)
        check_describe(cf, act, id, a1);
    sl_clusterfile_set_address(cf, id, m2, 9092);
    char **a2 = expand(cf, act, id, err);
    FZ_CHECK(!a1 == !a2, "host %s and host %s: one expands, the other not (%s)", m1, m2, err);
    if (!a1) {
        /* refused for another value (the id, the file's host, the port):
         * a hostile host cannot make it pass */
        for (size_t i = 0; i < n_hosts; i++)
            if (hosts[i].hostile) {
                sl_clusterfile_set_address(cf, id, hosts[i].s, 9092);
                char **av = expand(cf, act, id, err);
                FZ_CHECK(av == NULL, "hostile host '%s' made a refused command pass", hosts[i].s);
            }
        return;
    }
    char **want2 = expected_argv(a1, m1, m2);
    int exact = same_argv(a2, want2); /* else the file spells a marker itself (YAML escapes) */
    sl_clusterfile_argv_free(want2);
    sl_clusterfile_argv_free(a2);
    int uses_host = uses(a1, m1);
    FZ_CHECK(exact || uses_host, "two hosts give different argvs, neither of which has the host");
    /* where the host is not substituted, a few hosts show that it changes
     * nothing: the input's and the first of the fixed ones */
    if (exact)
        for (size_t i = 0; i < n_hosts; i++)
            if (uses_host || i < 3 || i >= n_fixed)
                check_host(cf, act, id, a1, m1, uses_host, &hosts[i]);
    /* the port: a negative one is refused where {port} is substituted */
    sl_clusterfile_set_address(cf, id, m1, 1);
    char **p1 = expand(cf, act, id, err);
    FZ_CHECK(p1 != NULL, "port 1 refused: %s", err);
    sl_clusterfile_set_address(cf, id, m1, -1);
    char **pn = expand(cf, act, id, err);
    if (same_argv(p1, a1))
        FZ_CHECK(pn && same_argv(pn, a1), "port -1 changed an argv that does not substitute {port}");
    else
        FZ_CHECK(!pn && strstr(err, "refused"), "port -1 substituted (%s)", pn ? pn[0] : err);
    sl_clusterfile_argv_free(p1);
    sl_clusterfile_argv_free(pn);
    sl_clusterfile_argv_free(a1);
}

/* Lines as libyaml counts them (breaks \n, \r, \r\n, NEL, LS, PS; one
 * more at the end when the last line has no break: libyaml's stream end
 * forces a new line), and the longest line in bytes (an upper bound on
 * its column count). */
static void measure(const uint8_t *d, size_t n, unsigned *lines, unsigned *longest) {
    unsigned l = 1, w = 0, cur = 0;
    for (size_t i = 0; i < n; i++) {
        size_t brk = 0;
        if (d[i] == '\n')
            brk = 1;
        else if (d[i] == '\r')
            brk = i + 1 < n && d[i + 1] == '\n' ? 2 : 1;
        else if (d[i] == 0xc2 && i + 1 < n && d[i + 1] == 0x85)
            brk = 2;
        else if (d[i] == 0xe2 && i + 2 < n && d[i + 1] == 0x80 && (d[i + 2] == 0xa8 || d[i + 2] == 0xa9))
            brk = 3;
        if (brk) {
            l++;
            cur = 0;
            i += brk - 1;
        } else if (++cur > w) {
            w = cur;
        }
    }
    *lines = l + (cur > 0);
    *longest = w;
}

static void check_refused(const char *err, const uint8_t *d, size_t n) {
    FZ_CHECK(memchr(err, 0, ERRSZ) != NULL, "message not terminated");
    size_t pl = strlen(path);
    FZ_CHECK(!strncmp(err, path, pl), "message does not name the file: %s", err);
    const char *r = err + pl;
    if (!strcmp(r, ": empty cluster file"))
        return;
    unsigned line, col, lines, longest;
    char colon;
    int used = 0;
    FZ_CHECK(sscanf(r, ":%u:%u%c%n", &line, &col, &colon, &used) == 3 && colon == ':' && r[used] == ' ' &&
                 r[used + 1] != 0,
             "message not PATH:LINE:COL: what: %s", err);
    FZ_CHECK(line >= 1 && col >= 1, "line %u, column %u: %s", line, col, err);
    if (n >= 2 && ((d[0] == 0xff && d[1] == 0xfe) || (d[0] == 0xfe && d[1] == 0xff)))
        return; /* UTF-16 (libyaml decodes it): its line breaks are not the bytes' */
    measure(d, n, &lines, &longest);
    FZ_CHECK(line <= lines, "line %u of %u: %s", line, lines, err);
    FZ_CHECK(col <= longest + 1, "column %u, longest line %u: %s", col, longest, err);
}

static void add_id(int *ids, int *n, int id) {
    for (int k = 0; k < *n; k++)
        if (ids[k] == id)
            return;
    if (*n < MAX_IDS)
        ids[(*n)++] = id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t ylen = nul ? (size_t)(nul - data) : size;
    write_input(data, ylen);

    char err[ERRSZ];
    sl_clusterfile_t *sentinel = (sl_clusterfile_t *)&err, *cf = sentinel;
    memset(err, 0, sizeof err);
    if (sl_clusterfile_load(path, &cf, err, sizeof err) != 0) {
        FZ_CHECK(cf == sentinel, "*out written on failure");
        check_refused(err, data, ylen);
        /* a small buffer: a terminated prefix of the same message */
        char small[12];
        memset(small, 'x', sizeof small);
        FZ_CHECK(sl_clusterfile_load(path, &cf, small, sizeof small) != 0, "loads the second time");
        FZ_CHECK(memchr(small, 0, sizeof small) != NULL, "small message not terminated");
        FZ_CHECK(!strncmp(small, err, strlen(small)), "small message '%s' is not a prefix of '%s'", small, err);
        return 0;
    }
    FZ_CHECK(cf != NULL && cf != sentinel, "loaded without a cluster file");

    const char *b = sl_clusterfile_bootstrap(cf), *cid = sl_clusterfile_cluster_id(cf);
    FZ_CHECK(!b || *b, "empty bootstrap");
    FZ_CHECK(!cid || *cid, "empty cluster_id");
    FZ_CHECK(sl_clusterfile_allow_remote(cf) == 0 || (sl_clusterfile_allow_remote(cf) == 1 && cid),
             "allow_remote %d with cluster_id %s", sl_clusterfile_allow_remote(cf), cid ? cid : "(none)");
    FZ_CHECK(sl_clusterfile_timeout_us(cf) > 0, "command_timeout %lld", (long long)sl_clusterfile_timeout_us(cf));
    FZ_CHECK(!sl_clusterfile_has(cf, "restart", 1) && !sl_clusterfile_has(cf, "", 1), "has() an unknown action");
    char **av = (char **)&av;
    FZ_CHECK(sl_clusterfile_argv(cf, "Stop", 1, &av, err, sizeof err) == -1 && av == (char **)&av,
             "argv of an unknown action");
    check_err(err, "argv of an unknown action");

    /* the ids: the numbers written after "id" (up to 3 bytes between, as in
     * "id: 3"), 1, 0 and 2, then any other number in the file */
    int ids[MAX_IDS], n_ids = 0;
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 1)
            for (int k = 0; k < 3; k++)
                add_id(ids, &n_ids, k == 0 ? 1 : k == 1 ? 0 : 2);
        for (size_t i = 0; pass != 1 && i < ylen && n_ids < MAX_IDS; i++) {
            if (data[i] < '0' || data[i] > '9' || (i && data[i - 1] >= '0' && data[i - 1] <= '9'))
                continue;
            int after_id = 0;
            for (size_t j = i >= 5 ? i - 5 : 0; j + 2 <= i; j++)
                after_id |= data[j] == 'i' && data[j + 1] == 'd';
            if (pass == 0 && !after_id)
                continue;
            long v = 0;
            for (size_t j = i; j < ylen && data[j] >= '0' && data[j] <= '9' && v <= INT_MAX; j++)
                v = v * 10 + (data[j] - '0');
            if (v <= INT_MAX)
                add_id(ids, &n_ids, (int)v);
        }
    }

    /* before any address is set: has() and argv() agree */
    for (int k = 0; k < n_ids; k++)
        for (int a = 0; a < N_ACTIONS; a++) {
            int has = sl_clusterfile_has(cf, actions[a], ids[k]);
            FZ_CHECK(has == 0 || has == 1, "has() = %d", has);
            char **w = expand(cf, actions[a], ids[k], err);
            if (!has) {
                FZ_CHECK(!w, "argv without a template");
                char want[64];
                snprintf(want, sizeof want, "no '%s' command for broker %d", actions[a], ids[k]);
                FZ_CHECK(strstr(err, want) != NULL, "missing template, message: %s", err);
                continue;
            }
            if (!w) {
                FZ_CHECK(strstr(err, "refused") != NULL, "a template that loaded does not expand: %s", err);
                continue;
            }
            check_describe(cf, actions[a], ids[k], w);
            sl_clusterfile_argv_free(w);
        }

    /* the hosts: fixed ones, the input's (as given, and mapped onto the
     * allowed characters so that valid hosts of any length come up) */
    host_t hosts[sizeof fixed_hostile / sizeof fixed_hostile[0] + sizeof fixed_valid / sizeof fixed_valid[0] + 3 +
                 2 * MAX_HOSTS];
    char *owned[2 * MAX_HOSTS + 3];
    size_t n_hosts = 0, n_owned = 0;
    for (size_t i = 0; i < sizeof fixed_hostile / sizeof fixed_hostile[0]; i++)
        hosts[n_hosts++] = (host_t){fixed_hostile[i], 1};
    for (size_t i = 0; i < sizeof fixed_valid / sizeof fixed_valid[0]; i++)
        hosts[n_hosts++] = (host_t){fixed_valid[i], 0};
    /* longer than any host name: 300 characters, valid ones and with a ';' at the end */
    char *lv = malloc(301), *lh = malloc(301), *l255 = malloc(256);
    memset(lv, 'k', 300), lv[300] = 0;
    memset(lh, 'k', 300), lh[297] = ';', lh[298] = 'i', lh[299] = 'd', lh[300] = 0;
    memset(l255, 'k', 255), l255[255] = 0;
    owned[n_owned++] = lv, owned[n_owned++] = lh, owned[n_owned++] = l255;
    hosts[n_hosts++] = (host_t){lv, 0};
    hosts[n_hosts++] = (host_t){lh, 1};
    hosts[n_hosts++] = (host_t){l255, 0};
    size_t n_fixed = n_hosts;
    const uint8_t *p = nul ? nul + 1 : data, *end = nul ? data + size : data + ylen;
    for (int k = 0; k < MAX_HOSTS && p <= end; k++) {
        const uint8_t *e = nul ? memchr(p, 0, (size_t)(end - p)) : memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((e ? e : end) - p);
        if (len > 400)
            len = 400;
        char *as_is = malloc(len + 1), *mapped = malloc(len + 2);
        memcpy(as_is, p, len), as_is[len] = 0;
        for (size_t i = 0; i < len; i++)
            mapped[i] = host_chars[p[i] % (sizeof host_chars - 1)];
        mapped[len] = 0;
        if (!len || mapped[0] == '-')
            mapped[0] = 'h', mapped[1] = 0;
        owned[n_owned++] = as_is, owned[n_owned++] = mapped;
        hosts[n_hosts++] = (host_t){as_is, !host_chars_ok(as_is)};
        hosts[n_hosts++] = (host_t){mapped, 0};
        if (!nul || !e)
            break;
        p = e + 1;
    }

    for (int k = 0; k < n_ids; k++)
        for (int a = 0; a < N_ACTIONS; a++)
            if (sl_clusterfile_has(cf, actions[a], ids[k]))
                check_action(cf, actions[a], ids[k], hosts, n_fixed, n_hosts, data, size);

    for (size_t i = 0; i < n_owned; i++)
        free(owned[i]);
    sl_clusterfile_destroy(cf);
    return 0;
}
