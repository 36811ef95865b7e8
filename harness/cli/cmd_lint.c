/*
 * stormlab lint CONFIG... [--broker server.properties]: flag storm-prone
 * consumer and broker settings in the config forms teams have (Java and
 * librdkafka .properties, Spring Boot application.properties/.yml, Kafka
 * Streams), each with file:line, the reason, the fix and the bundled
 * scenario that rehearses it with every value the finding depends on as
 * --set overrides, or why the simulator cannot show it.  Text, JSON or
 * SARIF 2.1.0 (docs/ci.md#lint).
 *
 * Exit codes: 0 clean (notes allowed), 1 an error or warning found, 2 bad
 * usage or unreadable input.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lint/lint.h"
#include "stormlab/stormlab.h"
#include "common/textout.h"

#ifndef SL_SCENARIOS_DIR
#define SL_SCENARIOS_DIR "scenarios"
#endif

#define MAX_FILES 1024

static void usage(FILE *f) {
    fputs("usage: stormlab lint CONFIG... [--broker server.properties]\n"
          "                     [--client java|librdkafka] [--processing DURATION] [--stateful]\n"
          "                     [--format text|json|sarif] [--quiet]\n"
          "       stormlab lint --list-rules\n"
          "\n"
          "Reads Kafka consumer configs: Java client and librdkafka .properties/.conf,\n"
          "Spring Boot application.properties and application.yml (spring.kafka.consumer.*,\n"
          "spring.kafka.properties.*, spring.kafka.consumer.properties.*), Kafka Streams\n"
          "configs (recognised by application.id; consumer./main.consumer. prefixes), and a\n"
          "broker's server.properties, and flags settings that make rebalance storms or\n"
          "stop consumers: sessions outside the broker's bounds, heartbeats over a third\n"
          "of the session, batches that overrun max.poll.interval.ms, eager assignors, no\n"
          "or unstable static membership, KIP-848 migration mistakes, values a client or\n"
          "broker refuses, duplicate and misspelt keys.  Each finding names file:line,\n"
          "why, the fix, and a `stormlab sim` command that rehearses it with every value\n"
          "it depends on, or why the simulator cannot show it.  Rules: docs/ci.md#lint.\n"
          "\n"
          "options:\n"
          "  --broker FILE     the broker's server.properties: its group.min/max.session.\n"
          "                    timeout.ms bound the clients' checks, and it is linted too\n"
          "  --client KIND     java or librdkafka (default: detected per file from keys\n"
          "                    only one client knows; Java when nothing decides)\n"
          "  --processing D    typical time to process one record (e.g. 20ms), for the\n"
          "                    max.poll.records x time vs max.poll.interval.ms check\n"
          "                    (default: 10ms assumed)\n"
          "  --stateful        the consumers keep local state: missing static membership\n"
          "                    is a warning, not a note\n"
          "  --format F        text (default), json, or sarif (SARIF 2.1.0, for code\n"
          "                    scanning: each finding on its file and line)\n"
          "  --json            the same as --format json\n"
          "  -q, --quiet       print findings only, no summary line\n"
          "  --list-rules      print every rule id and what it flags, then exit\n"
          "  -h, --help        this help\n"
          "\n"
          "exit codes: 0 clean (notes do not count), 1 an error or warning found,\n"
          "2 bad usage or unreadable input\n",
          f);
}

static int parse_duration_ms(const char *s, double *ms) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v <= 0 || v != v || v > 3.6e6) return -1;
    if (!strcmp(end, "us")) v /= 1000;
    else if (!strcmp(end, "ms")) {}
    else if (!strcmp(end, "s")) v *= 1000;
    else if (!strcmp(end, "m")) v *= 60000;
    else return -1;
    *ms = v;
    return 0;
}

/* The scenario file to show for name: scenarios/NAME.yaml when the working
 * directory has it (a checkout), else the bundled path.  0 when found. */
static int scenario_path(const char *name, char *buf, size_t n) {
    snprintf(buf, n, "scenarios/%s.yaml", name);
    if (access(buf, R_OK) == 0) return 0;
    const char *dir = getenv("STORMLAB_SCENARIOS_DIR");
    snprintf(buf, n, "%s/%s.yaml", dir && *dir ? dir : SL_SCENARIOS_DIR, name);
    if (access(buf, R_OK) == 0) return 0;
    snprintf(buf, n, "scenarios/%s.yaml", name);
    return -1;
}

typedef struct {
    const sl_finding_t *f;
    size_t file_idx, order;
} ref_t;

/* Builds the rehearse command of f into a malloc'd string, or NULL when
 * the finding has none.  Every --set is kept: a rehearsal that dropped one
 * would show a different group.  If the scenario does not load with them
 * (a bug in a rule), *refused gets why and the command is not offered. */
static char *rehearse(const sl_finding_t *f, char *refused, size_t refused_size) {
    *refused = '\0';
    if (!f->scenario) return NULL;
    char path[PATH_MAX + 64];
    if (scenario_path(f->scenario, path, sizeof path) == 0) {
        sl_scenario_t *sc = NULL;
        if (sl_scenario_load_file(path, (const char *const *)f->sets, f->n_sets, &sc, refused, refused_size) !=
            SL_OK) {
            sl_scenario_destroy(sc);
            return NULL;
        }
        sl_scenario_destroy(sc);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    sl_tx_shell(m, sl_tx_self());
    fputs(" sim ", m);
    sl_tx_shell(m, path);
    for (size_t i = 0; i < f->n_sets; i++) {
        fputs(" --set ", m);
        sl_tx_shell(m, f->sets[i]);
    }
    fclose(m);
    return buf;
}

/* Why a finding has no rehearsal (static or refused), or NULL. */
static const char *no_rehearsal(const sl_finding_t *f, const char *cmd, const char *refused) {
    if (cmd) return NULL;
    if (f->no_rehearsal) return f->no_rehearsal;
    return *refused ? refused : "the scenario could not be built";
}

/* A path as SARIF's artifactLocation.uri, a URI reference (RFC 3986): bytes
 * other than unreserved characters and '/' percent-encoded; an absolute
 * path becomes a file:// URI, a relative one stays relative (to %SRCROOT%). */
static void print_uri(const char *path) {
    static const char hex[] = "0123456789ABCDEF";
    putchar('"');
    if (path[0] == '/') fputs("file://", stdout);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
            putchar(*p);
        else
            printf("%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
    putchar('"');
}

/* SARIF 2.1.0 (docs/ci.md#lint): one run, the rules found, one result per
 * finding on its file and line; a finding about a default the file leaves
 * unset is about the whole file (no region), not about its first line. */
static void print_sarif(ref_t *refs, size_t n) {
    const char *ids[64];
    size_t n_ids = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < n_ids && strcmp(ids[k], refs[i].f->rule)) k++;
        if (k == n_ids && n_ids < 64) ids[n_ids++] = refs[i].f->rule;
    }
    printf("{\"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\", \"version\": \"2.1.0\",\n"
           " \"runs\": [{\"tool\": {\"driver\": {\"name\": \"stormlab lint\", \"informationUri\": "
           "\"https://github.com/stormlab/stormlab/blob/main/docs/ci.md#lint\", \"rules\": [");
    for (size_t k = 0; k < n_ids; k++) {
        const char *sum = sl_lint_rule_summary(ids[k]);
        printf("%s\n  {\"id\": ", k ? "," : "");
        sl_tx_json(stdout, ids[k]);
        printf(", \"shortDescription\": {\"text\": ");
        sl_tx_json(stdout, sum ? sum : ids[k]);
        printf("}, \"helpUri\": \"https://github.com/stormlab/stormlab/blob/main/docs/ci.md#%s\"}", ids[k]);
    }
    printf("]}},\n \"results\": [");
    for (size_t i = 0; i < n; i++) {
        const sl_finding_t *f = refs[i].f;
        size_t k = 0;
        while (k < n_ids && strcmp(ids[k], f->rule)) k++;
        char refused[1024];
        char *cmd = rehearse(f, refused, sizeof refused);
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (m) {
            fprintf(m, "%s\nwhy: %s\nfix: %s", f->message, f->why, f->fix);
            if (cmd) fprintf(m, "\nrehearse: %s", cmd);
            else fprintf(m, "\nrehearse: none (%s)", no_rehearsal(f, cmd, refused));
            fclose(m);
        }
        printf("%s\n  {\"ruleId\": ", i ? "," : "");
        sl_tx_json(stdout, f->rule);
        if (k < n_ids) printf(", \"ruleIndex\": %zu", k);
        printf(", \"level\": \"%s\", \"message\": {\"text\": ", sl_lint_sev_name(f->sev));
        sl_tx_json(stdout, text ? text : f->message);
        printf("}, \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ");
        print_uri(f->file);
        if (f->file[0] != '/') printf(", \"uriBaseId\": \"%%SRCROOT%%\"");
        printf("}");
        if (f->line > 0) printf(", \"region\": {\"startLine\": %d}", f->line);
        printf("}}]");
        printf(", \"properties\": {\"key\": ");
        sl_tx_json(stdout, f->key);
        printf(", \"rehearse\": ");
        sl_tx_json(stdout, cmd);
        printf("}}");
        free(text);
        free(cmd);
    }
    printf("]}]}\n");
}


static int cmp_ref(const void *a, const void *b) {
    const ref_t *x = a, *y = b;
    if (x->file_idx != y->file_idx) return x->file_idx < y->file_idx ? -1 : 1;
    int lx = x->f->line ? x->f->line : INT_MAX, ly = y->f->line ? y->f->line : INT_MAX;
    if (lx != ly) return lx < ly ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

int sl_cmd_lint(int argc, char **argv) {
    static const struct option opts[] = {
        {"broker", required_argument, 0, 'b'}, {"client", required_argument, 0, 'c'},
        {"processing", required_argument, 0, 'p'}, {"stateful", no_argument, 0, 's'},
        {"json", no_argument, 0, 'j'},         {"quiet", no_argument, 0, 'q'},
        {"format", required_argument, 0, 'f'},
        {"list-rules", no_argument, 0, 'L'},   {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *broker_path = NULL;
    sl_lint_opts_t o = {SL_CLIENT_AUTO, 0, 0};
    int json = 0, quiet = 0, c, code = SL_EXIT_USAGE;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (broker_path) {
                fprintf(stderr, "stormlab lint: --broker given twice, expected one server.properties\n");
                return SL_EXIT_USAGE;
            }
            broker_path = optarg;
            break;
        case 'c':
            if (!strcmp(optarg, "java")) o.client = SL_CLIENT_JAVA;
            else if (!strcmp(optarg, "librdkafka")) o.client = SL_CLIENT_LIBRDKAFKA;
            else {
                fprintf(stderr, "stormlab lint: --client: '%s' is not a client, expected java or librdkafka\n",
                        optarg);
                return SL_EXIT_USAGE;
            }
            break;
        case 'p':
            if (parse_duration_ms(optarg, &o.processing_ms) != 0) {
                fprintf(stderr, "stormlab lint: --processing: '%s' is not a duration, expected a positive number "
                        "with a unit (us, ms, s, m) such as 20ms\n", optarg);
                return SL_EXIT_USAGE;
            }
            break;
        case 's': o.stateful = 1; break;
        case 'j': json = 1; break;
        case 'f':
            if (!strcmp(optarg, "json")) json = 1;
            else if (!strcmp(optarg, "sarif")) json = 2;
            else if (!strcmp(optarg, "text")) json = 0;
            else {
                fprintf(stderr, "stormlab lint: --format: '%s' is not a format, expected text, json or sarif\n",
                        optarg);
                return SL_EXIT_USAGE;
            }
            break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return SL_EXIT_OK;
        case 'L':
            for (size_t i = 0; sl_lint_rule_id(i); i++)
                printf("%-40s %s\n", sl_lint_rule_id(i), sl_lint_rule_summary(sl_lint_rule_id(i)));
            return SL_EXIT_OK;
        default:
            if (optopt && strchr("bcpf", optopt))
                fprintf(stderr, "stormlab lint: option '%s' needs a value\n", argv[optind - 1]);
            else
                fprintf(stderr, "stormlab lint: unknown option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return SL_EXIT_USAGE;
        }
    }
    size_t n = (size_t)(argc - optind);
    if (n == 0 && !broker_path) {
        fprintf(stderr, "stormlab lint: nothing to lint, expected consumer configs and/or --broker "
                "server.properties\n");
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    if (n > MAX_FILES) {
        fprintf(stderr, "stormlab lint: %zu files, expected at most %d\n", n, MAX_FILES);
        return SL_EXIT_USAGE;
    }
    sl_props_t **files = calloc(n + 1, sizeof *files), *broker = NULL;
    sl_lint_t lint = {0};
    ref_t *refs = NULL;
    if (!files) return SL_EXIT_RUN;
    int unreadable = 0;
    char err[2048];
    for (size_t i = 0; i < n; i++) {
        sl_err_t rc = sl_config_read(argv[optind + (int)i], &files[i], err, sizeof err);
        if (rc != SL_OK) {
            fprintf(stderr, "stormlab lint: %s\n", err);
            unreadable++;
        }
    }
    if (broker_path) {
        sl_err_t rc = sl_config_read(broker_path, &broker, err, sizeof err);
        if (rc != SL_OK) {
            fprintf(stderr, "stormlab lint: --broker %s\n", err);
            unreadable++;
        }
    }
    if (unreadable) goto out;

    code = SL_EXIT_RUN;
    if (broker && sl_lint_broker(&lint, broker) != 0) goto oom;
    for (size_t i = 0; i < n; i++)
        if (sl_lint_client(&lint, files[i], broker, &o) != 0) goto oom;
    if (n > 1 && sl_lint_groups(&lint, (const sl_props_t *const *)files, n, &o) != 0) goto oom;

    refs = calloc(lint.n + 1, sizeof *refs);
    if (!refs) goto oom;
    for (size_t i = 0; i < lint.n; i++) {
        size_t fi = n; /* the broker's file sorts last */
        for (size_t k = 0; k < n; k++)
            if (lint.items[i].file == files[k]->path) fi = k;
        refs[i] = (ref_t){&lint.items[i], fi, i};
    }
    qsort(refs, lint.n, sizeof *refs, cmp_ref);

    size_t errors = sl_lint_count(&lint, SL_SEV_ERROR), warnings = sl_lint_count(&lint, SL_SEV_WARNING),
           notes = sl_lint_count(&lint, SL_SEV_NOTE);
    if (json == 2) {
        print_sarif(refs, lint.n);
    } else if (json) {
        printf("{\"files\": [");
        for (size_t i = 0; i < n; i++) {
            const char *marker = NULL;
            sl_lint_client_t k = o.client != SL_CLIENT_AUTO ? o.client : sl_lint_detect(files[i], &marker);
            printf("%s\n  {\"file\": ", i ? "," : "");
            sl_tx_json(stdout, files[i]->path);
            printf(", \"kind\": \"%s\", \"detected_by\": ", sl_lint_client_name(k));
            sl_tx_json(stdout, o.client != SL_CLIENT_AUTO ? "--client" : marker);
            printf("}");
        }
        if (broker) {
            printf("%s\n  {\"file\": ", n ? "," : "");
            sl_tx_json(stdout, broker->path);
            printf(", \"kind\": \"broker\", \"detected_by\": \"--broker\"}");
        }
        printf("],\n \"findings\": [");
        for (size_t i = 0; i < lint.n; i++) {
            const sl_finding_t *f = refs[i].f;
            char refused[1024];
            char *cmd = rehearse(f, refused, sizeof refused);
            printf("%s\n  {\"file\": ", i ? "," : "");
            sl_tx_json(stdout, f->file);
            if (f->line) printf(", \"line\": %d", f->line);
            else printf(", \"line\": null");
            printf(", \"severity\": \"%s\", \"rule\": \"%s\", \"key\": ", sl_lint_sev_name(f->sev), f->rule);
            sl_tx_json(stdout, f->key);
            printf(", \"value\": ");
            sl_tx_json(stdout, f->value);
            printf(", \"message\": ");
            sl_tx_json(stdout, f->message);
            printf(", \"why\": ");
            sl_tx_json(stdout, f->why);
            printf(", \"fix\": ");
            sl_tx_json(stdout, f->fix);
            printf(", \"scenario\": ");
            sl_tx_json(stdout, f->scenario);
            printf(", \"rehearse\": ");
            sl_tx_json(stdout, cmd);
            printf(", \"no_rehearsal\": ");
            sl_tx_json(stdout, no_rehearsal(f, cmd, refused));
            printf("}");
            free(cmd);
        }
        printf("],\n \"errors\": %zu, \"warnings\": %zu, \"notes\": %zu}\n", errors, warnings, notes);
    } else {
        for (size_t i = 0; i < lint.n; i++) {
            const sl_finding_t *f = refs[i].f;
            char refused[1024];
            char *cmd = rehearse(f, refused, sizeof refused);
            if (f->line) printf("%s:%d: %s: %s [%s]\n", f->file, f->line, sl_lint_sev_name(f->sev), f->message, f->rule);
            else printf("%s: %s: %s [%s]\n", f->file, sl_lint_sev_name(f->sev), f->message, f->rule);
            printf("    why: %s\n    fix: %s\n", f->why, f->fix);
            if (cmd) printf("    rehearse: %s\n", cmd);
            else printf("    rehearse: none (%s)\n", no_rehearsal(f, cmd, refused));
            free(cmd);
        }
        if (!quiet) {
            printf("lint: ");
            for (size_t i = 0; i < n; i++) {
                const char *marker = NULL;
                sl_lint_client_t k = o.client != SL_CLIENT_AUTO ? o.client : sl_lint_detect(files[i], &marker);
                printf("%s%s (%s%s%s%s)", i ? ", " : "", files[i]->path,
                       k == SL_CLIENT_JAVA ? "Java client" : "librdkafka", marker || o.client ? ", by " : "",
                       o.client != SL_CLIENT_AUTO ? "--client" : marker ? marker : "",
                       !marker && o.client == SL_CLIENT_AUTO ? ", the default" : "");
            }
            if (broker) printf("%s%s (broker)", n ? ", " : "", broker->path);
            if (!lint.n) printf(": clean\n");
            else
                printf(": %zu error%s, %zu warning%s, %zu note%s\n", errors, errors == 1 ? "" : "s", warnings,
                       warnings == 1 ? "" : "s", notes, notes == 1 ? "" : "s");
        }
    }
    code = errors + warnings ? SL_EXIT_EXPECT : SL_EXIT_OK;
    goto out;
oom:
    fprintf(stderr, "stormlab lint: out of memory\n");
out:
    free(refs);
    sl_lint_free(&lint);
    for (size_t i = 0; i < n; i++) sl_props_destroy(files[i]);
    free(files);
    sl_props_destroy(broker);
    return code;
}
