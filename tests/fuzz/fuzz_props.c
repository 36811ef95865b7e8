/*
 * `stormlab lint` on arbitrary bytes: the .properties reader
 * (harness/lint/props.c), the config forms on top of it
 * (harness/lint/config_forms.c: Spring Boot's names and precedence; an input
 * that starts with the YAML document marker "---" is read as
 * application.yml), every lint rule (harness/lint/lint_rules.c) with the file
 * as consumer (Java, librdkafka, detected; alone and against itself as the
 * broker), as broker and as two members of one group, what cmd_lint.c
 * prints of each finding (JSON strings, shell words), and the bundled
 * scenario each finding suggests loaded with the --set overrides carrying
 * the file's values, as cmd_lint.c's rehearse() does.
 *
 * Properties (beyond no crash, no leak, no UB):
 *  - a refused file is SL_E_INVAL (a NUL byte) or SL_E_LIMIT, with a
 *    message naming the file;
 *  - every entry has a key and a value and a line within the file; a key
 *    rewritten from Spring's spelling keeps that spelling, which starts
 *    with "spring.";
 *  - a YAML error is SL_E_INVAL or SL_E_LIMIT with file:line:col;
 *  - every finding has a rule, a message, why and fix, and a line within
 *    the file (0: a default is meant);
 *  - every string printed as JSON parses back (jansson) to the same text
 *    when it was UTF-8, and every shell word reads back (POSIX quoting) to
 *    the same text with no unquoted shell character: a properties file
 *    cannot inject a command into the printed rehearse line.
 */
#include <dirent.h>
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "lint/lint.h"
#include "common/textout.h"

#ifndef SL_SOURCE_DIR
#define SL_SOURCE_DIR "."
#endif

/* The bundled scenarios, read once. */
typedef struct {
    char name[64];
    char *text;
    size_t len;
} scn_t;
static scn_t scns[64];
static size_t n_scns;

static const scn_t *scenario(const char *name) {
    for (size_t i = 0; i < n_scns; i++)
        if (!strcmp(scns[i].name, name))
            return &scns[i];
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *dir = SL_SOURCE_DIR "/scenarios";
    DIR *d = opendir(dir);
    FZ_CHECK(d != NULL, "cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d)) && n_scns < sizeof scns / sizeof scns[0]) {
        size_t n = strlen(e->d_name);
        if (n < 6 || n - 5 >= sizeof scns[0].name || strcmp(e->d_name + n - 5, ".yaml"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        FZ_CHECK(f != NULL, "cannot open %s", path);
        scn_t *s = &scns[n_scns++];
        memcpy(s->name, e->d_name, n - 5);
        s->name[n - 5] = 0;
        s->text = malloc(1 << 20);
        s->len = fread(s->text, 1, 1 << 20, f);
        fclose(f);
    }
    closedir(d);
    return 0;
}

/* Valid UTF-8 (what jansson accepts back unchanged). */
static int utf8_ok(const char *s) {
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

static void check_json(const char *s) {
    char *out = NULL;
    size_t len;
    FILE *m = open_memstream(&out, &len);
    sl_tx_json(m, s);
    fclose(m);
    json_error_t e;
    json_t *j = json_loadb(out, len, JSON_DECODE_ANY, &e);
    FZ_CHECK(j != NULL, "sl_tx_json printed invalid JSON: %s (%s)", out, e.text);
    if (!s)
        FZ_CHECK(json_is_null(j), "NULL printed as %s", out);
    else {
        FZ_CHECK(json_is_string(j), "not a JSON string: %s", out);
        if (utf8_ok(s))
            FZ_CHECK(!strcmp(json_string_value(j), s), "JSON %s reads back differently", out);
    }
    json_decref(j);
    free(out);
}

/* Reads one POSIX shell word back: unquoted safe characters, '...' and \x.
 * -1 when the word holds an unquoted character the shell would act on. */
static int shell_unquote(const char *w, char *out, size_t cap) {
    size_t n = 0;
    for (const char *p = w; *p;) {
        if (*p == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (!end)
                return -1;
            for (p++; p < end && n + 1 < cap; p++)
                out[n++] = *p;
            p = end + 1;
        } else if (*p == '\\' && p[1]) {
            if (n + 1 < cap)
                out[n++] = p[1];
            p += 2;
        } else if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,@%+-",
                          *p)) {
            if (n + 1 < cap)
                out[n++] = *p;
            p++;
        } else {
            return -1;
        }
    }
    out[n] = 0;
    return 0;
}

static void check_shell(const char *s) {
    char *out = NULL;
    size_t len;
    FILE *m = open_memstream(&out, &len);
    sl_tx_shell(m, s);
    fclose(m);
    size_t cap = strlen(s) + 1;
    char *back = malloc(cap);
    FZ_CHECK(shell_unquote(out, back, cap) == 0, "shell word %s has an unquoted metacharacter",
             out);
    FZ_CHECK(!strcmp(back, s), "shell word %s reads back as %s", out, back);
    free(back);
    free(out);
}

/* What cmd_lint.c prints of a finding, and its rehearse line. */
static void check_finding(const sl_finding_t *f, const sl_props_t *p, int lines, int *loads) {
    FZ_CHECK(f->rule && f->message && f->why && f->fix && f->key, "a finding with a NULL field");
    FZ_CHECK(f->file == p->path, "finding's file is not the props' path");
    FZ_CHECK(f->line >= 0 && f->line <= lines, "finding line %d of %d", f->line, lines);
    check_json(f->key);
    check_json(f->value);
    check_json(f->message);
    check_json(f->why);
    check_json(f->fix);
    for (size_t i = 0; i < f->n_sets; i++) {
        FZ_CHECK(f->sets[i] != NULL, "NULL set");
        check_shell(f->sets[i]);
    }
    if (!f->scenario || !f->n_sets || *loads >= 2)
        return;
    const scn_t *s = scenario(f->scenario);
    FZ_CHECK(s != NULL, "finding suggests scenario %s, not in scenarios/", f->scenario);
    /* rehearse(): the scenario with every --set, or no rehearsal */
    sl_scenario_t *sc = NULL;
    char err[1024];
    sl_err_t rc = sl_scenario_load_buffer(s->name, s->text, s->len, (const char *const *)f->sets, f->n_sets, &sc,
                                          err, sizeof err);
    FZ_CHECK(rc == SL_OK || rc == SL_E_INVAL || rc == SL_E_LIMIT, "rc %d: %s", rc, err);
    sl_scenario_destroy(sc);
    (*loads)++;
}

static void check_lint(const sl_lint_t *l, const sl_props_t *p, int lines, int *loads) {
    for (size_t i = 0; i < l->n; i++)
        check_finding(&l->items[i], p, lines, loads);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sl_props_t *p = NULL;
    char err[512];
    int yaml = size >= 3 && !memcmp(data, "---", 3);
    const char *path = yaml ? "fuzz.yml" : "fuzz.properties";
    int lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || (data[i] == '\r' && !(i + 1 < size && data[i + 1] == '\n'));
    if (!yaml) {
        /* the .properties reader alone: entries in file order */
        sl_err_t rc = sl_props_parse(path, (const char *)data, size, &p, err, sizeof err);
        if (rc != SL_OK) {
            FZ_CHECK(rc == SL_E_INVAL || rc == SL_E_LIMIT || rc == SL_E_NOMEM, "rc %d: %s", rc, err);
            FZ_CHECK(rc == SL_E_NOMEM || !strncmp(err, path, strlen(path)), "message does not name the file: %s",
                     err);
            return 0;
        }
        for (size_t i = 1; i < p->n; i++)
            FZ_CHECK(p->items[i].line >= p->items[i - 1].line, "entries out of line order");
        sl_props_destroy(p);
        p = NULL;
    }
    /* what lint reads: Spring's names made Kafka's, in Spring's precedence */
    sl_err_t rc = sl_config_parse(path, (const char *)data, size, yaml, &p, err, sizeof err);
    if (rc != SL_OK) {
        FZ_CHECK(rc == SL_E_INVAL || rc == SL_E_LIMIT || rc == SL_E_NOMEM, "rc %d: %s", rc, err);
        FZ_CHECK(rc == SL_E_NOMEM || !strncmp(err, path, strlen(path)), "message does not name the file: %s", err);
        FZ_CHECK(p == NULL, "a refused file still returned");
        return 0;
    }
    for (size_t i = 0; i < p->n; i++) {
        FZ_CHECK(p->items[i].key && p->items[i].value, "entry %zu without key or value", i);
        FZ_CHECK(p->items[i].line >= 1 && p->items[i].line <= lines, "entry %zu at line %d of %d",
                 i, p->items[i].line, lines);
        FZ_CHECK(!p->items[i].written || !strncmp(p->items[i].written, "spring.", 7),
                 "entry %zu rewritten from %s, not a Spring name", i, p->items[i].written);
    }
    const char *marker;
    sl_lint_client_t detected = sl_lint_detect(p, &marker);
    FZ_CHECK(detected == SL_CLIENT_JAVA || detected == SL_CLIENT_LIBRDKAFKA, "detected %d",
             detected);

    static const sl_lint_opts_t opts[] = {
        {SL_CLIENT_AUTO, 0, 0}, {SL_CLIENT_JAVA, 20, 1}, {SL_CLIENT_LIBRDKAFKA, 0.001, 0}};
    int loads = 0;
    sl_lint_t l = {0};
    FZ_CHECK(sl_lint_broker(&l, p) == 0, "sl_lint_broker failed");
    /* the file as consumer: alone, then (Java) against itself as the broker */
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        FZ_CHECK(sl_lint_client(&l, p, i == 1 ? p : NULL, &opts[i]) == 0, "sl_lint_client failed");
    const sl_props_t *two[2] = {p, p};
    FZ_CHECK(sl_lint_groups(&l, two, 2, &opts[0]) == 0, "sl_lint_groups failed");
    check_lint(&l, p, lines, &loads);
    size_t counted = sl_lint_count(&l, SL_SEV_NOTE) + sl_lint_count(&l, SL_SEV_WARNING) +
                     sl_lint_count(&l, SL_SEV_ERROR);
    FZ_CHECK(counted == l.n, "severity counts %zu, findings %zu", counted, l.n);
    sl_lint_free(&l);
    sl_props_destroy(p);
    return 0;
}
