/*
 * Cluster files (clusterfile.h): read and parsed by the scenario loader's
 * YAML reader (sim/yaml_tree.c), so a cluster file has a scenario's limits
 * (4 MiB, 200,000 nodes, nesting 64 deep, no NUL, no duplicate key) and
 * errors with file:line:col; every key checked; at most SL_MAX_BROKERS
 * brokers, duplicates found by sorting; command templates split into argv
 * before substitution; commands run with posix_spawnp and a timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clusterfile.h"
#include "stormlab/scenario.h" /* sl_parse_duration, SL_MAX_BROKERS */
#include "stormlab/yaml.h" /* sl_yaml_read_file, sl_yaml_parse */

static const char *const actions[] = {SL_CF_ACTIONS};
#define N_ACTIONS 5

typedef struct cf_broker_s {
    int id;
    char host[256];
    int port;
    int host_given, port_given;
    int host_long; /* set_address() was given a longer host: refused, never cut short */
    int line, col; /* where the file lists it (0 when from metadata) */
    char *tmpl[N_ACTIONS];
} cf_broker_t;

struct sl_clusterfile_s {
    char *path;
    char *bootstrap, *cluster_id;
    int allow_remote;
    int64_t timeout_us;
    char *tmpl[N_ACTIONS]; /* defaults for every broker */
    cf_broker_t *brokers;
    int n_brokers;
};

static int action_index(const char *a) {
    for (int i = 0; i < N_ACTIONS; i++)
        if (!strcmp(actions[i], a))
            return i;
    return -1;
}

#define FAIL(node, ...)                                                                                            \
    do {                                                                                                           \
        int _o = snprintf(err, errsz, "%s:%d:%d: ", cf->path, (node)->line, (node)->col);                          \
        if (_o > 0 && (size_t)_o < errsz)                                                                          \
            snprintf(err + _o, errsz - (size_t)_o, __VA_ARGS__);                                                   \
        return -1;                                                                                                 \
    } while (0)

static const char *scalar(const sl_yaml_node_t *n) { return n && n->kind == SL_YAML_SCALAR ? n->str : NULL; }

/* Checks a template now: it must split, and name only known placeholders. */
static int check_template(sl_clusterfile_t *cf, const sl_yaml_node_t *n, const char *key, char **dst, char *err, size_t errsz);

static int parse_int(const char *s, int lo, int hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int load_broker(sl_clusterfile_t *cf, const sl_yaml_node_t *map, char *err, size_t errsz) {
    if (map->kind != SL_YAML_MAP)
        FAIL(map, "brokers[]: expected a mapping with id and optional host, port, %s", "stop/start/kill/pause/resume");
    cf_broker_t *b = &cf->brokers[cf->n_brokers++];
    memset(b, 0, sizeof *b);
    b->id = -1;
    b->line = map->line, b->col = map->col;
    for (const sl_yaml_pair_t *p = map->pairs; p < map->pairs + map->n; p++) {
        const sl_yaml_node_t *k = p->key, *v = p->value;
        const char *key = scalar(k), *val = scalar(v);
        if (!key)
            FAIL(k, "brokers[]: expected a key");
        int a = action_index(key);
        if (!val)
            FAIL(v, "brokers[].%s: expected a scalar", key);
        if (!strcmp(key, "id")) {
            if (parse_int(val, 0, 1 << 30, &b->id) < 0)
                FAIL(v, "brokers[].id: '%s' is not a broker id, expected an integer >= 0", val);
        } else if (!strcmp(key, "host")) {
            /* the rule argv() applies to every substituted value, checked here
             * so a bad host is named with its line, not when a command is built */
            if (!*val || *val == '-' || strlen(val) >= sizeof b->host ||
                strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:_") != strlen(val))
                FAIL(v, "brokers[].host: '%s' is not a host name, expected [A-Za-z0-9._:-], not empty, not starting "
                        "with -", val);
            snprintf(b->host, sizeof b->host, "%s", val);
            b->host_given = 1;
        } else if (!strcmp(key, "port")) {
            if (parse_int(val, 1, 65535, &b->port) < 0)
                FAIL(v, "brokers[].port: '%s' is not a port, expected 1..65535", val);
            b->port_given = 1;
        } else if (a >= 0) {
            if (check_template(cf, v, key, &b->tmpl[a], err, errsz) < 0)
                return -1;
        } else {
            FAIL(k, "brokers[]: unknown key '%s', expected id, host, port, stop, start, kill, pause or resume", key);
        }
    }
    if (b->id < 0)
        FAIL(map, "brokers[]: missing id");
    return 0;
}

/* Brokers by id, then by place in the file: a duplicate follows its first. */
static int by_id_then_place(const void *a, const void *b) {
    const cf_broker_t *x = *(const cf_broker_t *const *)a, *y = *(const cf_broker_t *const *)b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* A broker listed twice, found in O(n log n): the later listing is named. */
static int check_duplicate_brokers(sl_clusterfile_t *cf, char *err, size_t errsz) {
    if (cf->n_brokers < 2)
        return 0;
    const cf_broker_t **s = malloc((size_t)cf->n_brokers * sizeof *s);
    if (!s) {
        snprintf(err, errsz, "%s: out of memory", cf->path);
        return -1;
    }
    for (int i = 0; i < cf->n_brokers; i++)
        s[i] = &cf->brokers[i];
    qsort(s, (size_t)cf->n_brokers, sizeof *s, by_id_then_place);
    const cf_broker_t *dup = NULL;
    for (int i = 1; i < cf->n_brokers; i++)
        if (s[i]->id == s[i - 1]->id && (!dup || s[i] < dup))
            dup = s[i];
    free(s);
    if (dup) {
        snprintf(err, errsz, "%s:%d:%d: brokers[]: broker %d listed twice", cf->path, dup->line, dup->col, dup->id);
        return -1;
    }
    return 0;
}

static int load_doc(sl_clusterfile_t *cf, const sl_yaml_node_t *root, char *err, size_t errsz) {
    if (root->kind == SL_YAML_SCALAR && sl_yaml_is_null(root)) {
        snprintf(err, errsz, "%s: empty cluster file", cf->path);
        return -1;
    }
    if (root->kind != SL_YAML_MAP)
        FAIL(root, "expected a mapping (cluster_id, allow_remote, bootstrap, command_timeout, commands, brokers)");
    for (const sl_yaml_pair_t *p = root->pairs; p < root->pairs + root->n; p++) {
        const sl_yaml_node_t *k = p->key, *v = p->value;
        const char *key = scalar(k), *val = scalar(v);
        if (!key)
            FAIL(k, "expected a key");
        if (!strcmp(key, "cluster_id") || !strcmp(key, "bootstrap")) {
            if (!val || !*val)
                FAIL(v, "%s: expected a string", key);
            char **dst = !strcmp(key, "cluster_id") ? &cf->cluster_id : &cf->bootstrap;
            free(*dst);
            *dst = strdup(val);
        } else if (!strcmp(key, "allow_remote")) {
            if (!val || (strcmp(val, "true") && strcmp(val, "false")))
                FAIL(v, "allow_remote: expected true or false");
            cf->allow_remote = !strcmp(val, "true");
        } else if (!strcmp(key, "command_timeout")) {
            if (!val || sl_parse_duration(val, &cf->timeout_us) < 0 || cf->timeout_us <= 0)
                FAIL(v, "command_timeout: '%s' is not a duration, expected e.g. 60s", val ? val : "");
        } else if (!strcmp(key, "commands")) {
            if (v->kind != SL_YAML_MAP)
                FAIL(v, "commands: expected a mapping of stop, start, kill, pause, resume to command templates");
            for (const sl_yaml_pair_t *q = v->pairs; q < v->pairs + v->n; q++) {
                const sl_yaml_node_t *ck = q->key, *cv = q->value;
                const char *ckey = scalar(ck);
                int a = ckey ? action_index(ckey) : -1;
                if (a < 0)
                    FAIL(ck, "commands: unknown key '%s', expected stop, start, kill, pause or resume", ckey ? ckey : "");
                if (check_template(cf, cv, ckey, &cf->tmpl[a], err, errsz) < 0)
                    return -1;
            }
        } else if (!strcmp(key, "brokers")) {
            if (v->kind != SL_YAML_SEQ)
                FAIL(v, "brokers: expected a list of mappings");
            if (v->n > SL_MAX_BROKERS)
                FAIL(v, "brokers: %zu brokers, expected at most %d", v->n, SL_MAX_BROKERS);
            cf_broker_t *nb = realloc(cf->brokers, (v->n + (size_t)cf->n_brokers + 1) * sizeof *nb);
            if (!nb)
                FAIL(v, "out of memory");
            cf->brokers = nb;
            for (size_t i = 0; i < v->n; i++)
                if (load_broker(cf, v->items[i], err, errsz) < 0)
                    return -1;
            if (check_duplicate_brokers(cf, err, errsz) < 0)
                return -1;
        } else {
            FAIL(k, "unknown key '%s', expected cluster_id, allow_remote, bootstrap, command_timeout, commands or brokers",
                 key);
        }
    }
    if (cf->allow_remote && !cf->cluster_id)
        FAIL(root, "allow_remote: true needs cluster_id: the id of the cluster you mean to touch");
    return 0;
}

int sl_clusterfile_load(const char *path, sl_clusterfile_t **out, char *err, size_t errsz) {
    char *buf = NULL;
    size_t len = 0;
    if (sl_yaml_read_file(path, &buf, &len, err, errsz) != SL_OK)
        return -1;
    sl_yaml_node_t *root = NULL;
    sl_err_t prc = sl_yaml_parse(path, buf, len, &root, err, errsz);
    free(buf);
    if (prc != SL_OK)
        return -1;
    sl_clusterfile_t *cf = calloc(1, sizeof *cf);
    if (!cf || !(cf->path = strdup(path))) {
        free(cf);
        sl_yaml_free(root);
        snprintf(err, errsz, "%s: out of memory", path);
        return -1;
    }
    cf->timeout_us = 60 * 1000000LL;
    int rc = load_doc(cf, root, err, errsz);
    sl_yaml_free(root);
    if (rc < 0) {
        sl_clusterfile_destroy(cf);
        return -1;
    }
    *out = cf;
    return 0;
}

void sl_clusterfile_destroy(sl_clusterfile_t *cf) {
    if (!cf)
        return;
    for (int i = 0; i < N_ACTIONS; i++)
        free(cf->tmpl[i]);
    for (int b = 0; b < cf->n_brokers; b++)
        for (int i = 0; i < N_ACTIONS; i++)
            free(cf->brokers[b].tmpl[i]);
    free(cf->brokers), free(cf->path), free(cf->bootstrap), free(cf->cluster_id);
    free(cf);
}

const char *sl_clusterfile_bootstrap(const sl_clusterfile_t *cf) { return cf->bootstrap; }
const char *sl_clusterfile_cluster_id(const sl_clusterfile_t *cf) { return cf->cluster_id; }
int sl_clusterfile_allow_remote(const sl_clusterfile_t *cf) { return cf->allow_remote; }
int64_t sl_clusterfile_timeout_us(const sl_clusterfile_t *cf) { return cf->timeout_us; }

static cf_broker_t *broker(const sl_clusterfile_t *cf, int id) {
    for (int i = 0; i < cf->n_brokers; i++)
        if (cf->brokers[i].id == id)
            return &cf->brokers[i];
    return NULL;
}

static const char *template_for(const sl_clusterfile_t *cf, const char *action, int id) {
    int a = action_index(action);
    if (a < 0)
        return NULL;
    cf_broker_t *b = broker(cf, id);
    return b && b->tmpl[a] ? b->tmpl[a] : cf->tmpl[a];
}

int sl_clusterfile_has(const sl_clusterfile_t *cf, const char *action, int id) {
    return template_for(cf, action, id) != NULL;
}

void sl_clusterfile_set_address(sl_clusterfile_t *cf, int id, const char *host, int port) {
    cf_broker_t *b = broker(cf, id);
    if (!b) {
        cf_broker_t *nb = realloc(cf->brokers, (size_t)(cf->n_brokers + 1) * sizeof *nb);
        if (!nb)
            return;
        cf->brokers = nb;
        b = &cf->brokers[cf->n_brokers++];
        memset(b, 0, sizeof *b);
        b->id = id;
    }
    if (!b->host_given) {
        b->host_long = strlen(host) >= sizeof b->host;
        snprintf(b->host, sizeof b->host, "%s", host);
    }
    if (!b->port_given)
        b->port = port;
}

/* ---- templates ---- */

/* Splits t into words: whitespace separates; '...' literal; "..." with \"
 * and \\; \x outside quotes is x.  Returns the word count or -1. */
static int split(const char *t, char ***words, char *why, size_t whysz) {
    char **w = NULL;
    int n = 0;
    size_t len = strlen(t);
    char *cur = malloc(len + 1);
    if (!cur)
        return -1;
    size_t cl = 0;
    int in_word = 0;
    for (const char *p = t;; p++) {
        char c = *p;
        if (c == 0 || c == ' ' || c == '\t' || c == '\n') {
            if (in_word) {
                cur[cl] = 0;
                char **nw = realloc(w, (size_t)(n + 2) * sizeof *nw);
                if (!nw)
                    goto bad;
                w = nw;
                w[n++] = strdup(cur);
                w[n] = NULL;
                cl = 0;
                in_word = 0;
            }
            if (c == 0)
                break;
            continue;
        }
        in_word = 1;
        if (c == '\'') {
            const char *e = strchr(p + 1, '\'');
            if (!e) {
                snprintf(why, whysz, "unterminated ' quote");
                goto bad;
            }
            memcpy(cur + cl, p + 1, (size_t)(e - p - 1));
            cl += (size_t)(e - p - 1);
            p = e;
        } else if (c == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                    p++;
                cur[cl++] = *p;
            }
            if (!*p) {
                snprintf(why, whysz, "unterminated \" quote");
                goto bad;
            }
        } else if (c == '\\' && p[1]) {
            cur[cl++] = *++p;
        } else {
            cur[cl++] = c;
        }
    }
    free(cur);
    if (!n) {
        snprintf(why, whysz, "empty command");
        free(w);
        return -1;
    }
    *words = w;
    return n;
bad:
    free(cur);
    for (int i = 0; i < n; i++)
        free(w[i]);
    free(w);
    return -1;
}

void sl_clusterfile_argv_free(char **argv) {
    for (int i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

static int placeholders_ok(const char *word, char *why, size_t whysz) {
    for (const char *p = strchr(word, '{'); p; p = strchr(p + 1, '{')) {
        if (strncmp(p, "{id}", 4) && strncmp(p, "{host}", 6) && strncmp(p, "{port}", 6)) {
            snprintf(why, whysz, "unknown placeholder in '%s', expected {id}, {host} or {port}", word);
            return -1;
        }
    }
    return 0;
}

static int check_template(sl_clusterfile_t *cf, const sl_yaml_node_t *n, const char *key, char **dst, char *err, size_t errsz) {
    const char *v = scalar(n);
    if (!v)
        FAIL(n, "%s: expected a command template (a string)", key);
    char why[256] = "", **w = NULL;
    int nw = split(v, &w, why, sizeof why);
    if (nw < 0)
        FAIL(n, "%s: cannot split the command: %s", key, why);
    for (int i = 0; i < nw; i++)
        if (placeholders_ok(w[i], why, sizeof why) < 0) {
            sl_clusterfile_argv_free(w);
            FAIL(n, "%s: %s", key, why);
        }
    sl_clusterfile_argv_free(w);
    free(*dst);
    *dst = strdup(v);
    return 0;
}

static int value_ok(const char *v) {
    return *v && strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == strlen(v) && v[0] != '-';
}

int sl_clusterfile_argv(const sl_clusterfile_t *cf, const char *action, int id, char ***argv, char *err, size_t errsz) {
    const char *t = template_for(cf, action, id);
    if (!t) {
        snprintf(err, errsz, "%s: no '%s' command for broker %d (commands.%s or brokers[id=%d].%s)", cf->path, action,
                 id, action, id, action);
        return -1;
    }
    cf_broker_t *b = broker(cf, id);
    char vid[32], vport[16], why[256] = "";
    snprintf(vid, sizeof vid, "%d", id);
    snprintf(vport, sizeof vport, "%d", b ? b->port : 0);
    const char *vhost = b && b->host[0] ? b->host : "";
    char **w = NULL;
    int n = split(t, &w, why, sizeof why);
    if (n < 0) {
        snprintf(err, errsz, "%s: %s command: %s", cf->path, action, why);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        /* room for every placeholder's value: nothing is cut short */
        size_t n_open = 0, vmax = strlen(vhost) > sizeof vid ? strlen(vhost) : sizeof vid, o = 0;
        for (const char *q = strchr(w[i], '{'); q; q = strchr(q + 1, '{'))
            n_open++;
        char *out = malloc(strlen(w[i]) + n_open * vmax + 1);
        if (!out)
            goto bad;
        for (const char *p = w[i]; *p;) {
            const char *val = NULL;
            size_t skip = 0;
            if (!strncmp(p, "{id}", 4))
                val = vid, skip = 4;
            else if (!strncmp(p, "{host}", 6))
                val = vhost, skip = 6;
            else if (!strncmp(p, "{port}", 6))
                val = vport, skip = 6;
            if (val) {
                if (val == vhost && b && b->host_long) {
                    snprintf(err, errsz, "%s: %s command for broker %d: host '%.40s...' refused (longer than %zu characters)",
                             cf->path, action, id, b->host, sizeof b->host - 1);
                    free(out);
                    goto bad;
                }
                if (!value_ok(val)) {
                    snprintf(err, errsz, "%s: %s command for broker %d: value '%s' refused (expected [A-Za-z0-9._:-], not "
                                         "starting with -)",
                             cf->path, action, id, val);
                    free(out);
                    goto bad;
                }
                memcpy(out + o, val, strlen(val));
                o += strlen(val);
                p += skip;
            } else {
                out[o++] = *p++;
            }
        }
        out[o] = 0;
        free(w[i]);
        w[i] = out;
    }
    *argv = w;
    return 0;
bad:
    sl_clusterfile_argv_free(w);
    return -1;
}

/* A growing string for quote(): every append checked, never cut. */
typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} qbuf_t;

static void qput(qbuf_t *q, const char *s, size_t n) {
    if (q->oom)
        return;
    if (q->n + n + 1 > q->cap) {
        size_t cap = (q->n + n + 1) * 2;
        char *ns = realloc(q->s, cap);
        if (!ns) {
            q->oom = 1;
            return;
        }
        q->s = ns, q->cap = cap;
    }
    memcpy(q->s + q->n, s, n);
    q->n += n;
    q->s[q->n] = 0;
}

#define SAFE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/=@,+-%"

/* One word: as it is when every character is safe; '...' when it has only
 * printable ASCII; else $'...' with every other byte escaped (\t, \n,
 * \r, \xHH), so a control character or an escape sequence is shown, never
 * sent to the terminal, and the line means the same words to the shell
 * (bash, zsh, ksh and POSIX.1-2024 sh read $'...'). */
static void quote_word(qbuf_t *q, const char *a) {
    size_t len = strlen(a);
    if (len && strspn(a, SAFE_CHARS) == len) {
        qput(q, a, len);
        return;
    }
    int printable = 1;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        if (*p < 0x20 || *p >= 0x7f)
            printable = 0;
    if (printable) {
        qput(q, "'", 1);
        for (const char *p = a; *p; p++)
            qput(q, *p == '\'' ? "'\\''" : p, *p == '\'' ? 4 : 1);
        qput(q, "'", 1);
        return;
    }
    qput(q, "$'", 2);
    for (const unsigned char *p = (const unsigned char *)a; *p; p++) {
        char e[8];
        if (*p == '\'' || *p == '\\')
            e[0] = '\\', e[1] = (char)*p, e[2] = 0;
        else if (*p == '\t' || *p == '\n' || *p == '\r')
            snprintf(e, sizeof e, "\\%c", *p == '\t' ? 't' : *p == '\n' ? 'n' : 'r');
        else if (*p < 0x20 || *p >= 0x7f)
            snprintf(e, sizeof e, "\\x%02x", *p);
        else
            e[0] = (char)*p, e[1] = 0;
        qput(q, e, strlen(e));
    }
    qput(q, "'", 1);
}

char *sl_clusterfile_quote(char *const *argv) {
    qbuf_t q = {0};
    qput(&q, "", 0);
    for (int i = 0; argv[i]; i++) {
        if (i)
            qput(&q, " ", 1);
        quote_word(&q, argv[i]);
    }
    if (q.oom) {
        free(q.s);
        return NULL;
    }
    return q.s;
}

char *sl_clusterfile_describe(const sl_clusterfile_t *cf, const char *action, int id, char *err, size_t errsz) {
    char **argv;
    if (sl_clusterfile_argv(cf, action, id, &argv, err, errsz) < 0)
        return NULL;
    char *line = sl_clusterfile_quote(argv);
    sl_clusterfile_argv_free(argv);
    if (!line)
        snprintf(err, errsz, "%s: out of memory", cf->path);
    return line;
}

extern char **environ;

int sl_clusterfile_run(char **argv, int64_t timeout_us, void (*log)(void *opaque, int level, const char *line),
                       void *opaque, char *err, size_t errsz) {
    int pfd[2];
    if (pipe(pfd) < 0) {
        snprintf(err, errsz, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
    posix_spawn_file_actions_addclose(&fa, pfd[0]);
    posix_spawn_file_actions_addclose(&fa, pfd[1]);
    posix_spawnattr_init(&at);
    posix_spawnattr_setpgroup(&at, 0); /* its own group: a timeout kills it and its children */
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&at, &none); /* our blocked SIGINT/SIGTERM are not its business */
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    int src = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(pfd[1]);
    if (src != 0) {
        close(pfd[0]);
        snprintf(err, errsz, "cannot run %s: %s", argv[0], strerror(src));
        return -1;
    }
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char line[4096];
    size_t ll = 0;
    int timed_out = 0;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t used = (now.tv_sec - t0.tv_sec) * 1000000LL + (now.tv_nsec - t0.tv_nsec) / 1000;
        if (used >= timeout_us) {
            timed_out = 1;
            kill(-pid, SIGKILL);
            break;
        }
        struct pollfd pf = {pfd[0], POLLIN, 0};
        int pr = poll(&pf, 1, (int)((timeout_us - used) / 1000) + 1);
        if (pr <= 0)
            continue;
        char buf[1024];
        ssize_t r = read(pfd[0], buf, sizeof buf);
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r; i++) {
            if (buf[i] == '\n' || ll + 1 >= sizeof line) {
                line[ll] = 0;
                if (log)
                    log(opaque, 6, line);
                ll = 0;
            } else {
                line[ll++] = buf[i];
            }
        }
    }
    if (ll && log) {
        line[ll] = 0;
        log(opaque, 6, line);
    }
    close(pfd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (timed_out) {
        snprintf(err, errsz, "%s timed out after %lld ms (killed)", argv[0], (long long)(timeout_us / 1000));
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errsz, "%s %s %d", argv[0], WIFEXITED(status) ? "exited with" : "killed by signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return -1;
    }
    return 0;
}
