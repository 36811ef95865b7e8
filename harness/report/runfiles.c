/*
 * Reading a run directory back (docs/outputs.md).  A malformed line of
 * trace.jsonl, series.tsv or summary.json is an error naming file and line:
 * a report built on a half-read trace would tell a wrong story, which is
 * worse than none.  log.txt is read leniently: it only supplies first signals.
 */
#include "runfiles.h"
#include "trace_line.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#define GROW(arr, n, cap)                                                                                              \
    do {                                                                                                               \
        if ((n) == (cap)) {                                                                                            \
            size_t c_ = (cap) ? (cap) * 2 : 64;                                                                        \
            void *p_ = realloc((arr), c_ * sizeof *(arr));                                                             \
            if (!p_)                                                                                                   \
                abort();                                                                                               \
            (arr) = p_;                                                                                                \
            (cap) = c_;                                                                                                \
        }                                                                                                              \
    } while (0)

static char *xstrdup(const char *s) {
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static FILE *open_in(const sl_run_t *run, const char *name, char *path, size_t pathsz) {
    snprintf(path, pathsz, "%s/%s", run->dir, name);
    return fopen(path, "r");
}

static void chomp(char *s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
}

/* A file's lines in place, each NUL-terminated where its '\n' was: read a
 * block at a time, not copied line by line as getline() does (a
 * 100,000-member hour's series.tsv is 7.2 M lines). */
typedef struct {
    FILE *f;
    char *buf;
    size_t cap, start, end; /* buf[start..end) is read and not yet handed out */
    int eof;
} lines_t;

static lines_t lines_open(FILE *f) {
    lines_t r = {f, malloc(1 << 20), 1 << 20, 0, 0, 0};
    if (!r.buf)
        abort();
    return r;
}

/* The next line, or NULL at the end of the file (or on a read error). */
static char *lines_next(lines_t *r) {
    for (;;) {
        char *at = r->buf + r->start, *nl = memchr(at, '\n', r->end - r->start);
        if (nl) {
            *nl = 0;
            r->start = (size_t)(nl + 1 - r->buf);
            return at;
        }
        if (r->eof) { /* a last line with no '\n': the block always has room for its NUL */
            if (r->start == r->end)
                return NULL;
            r->buf[r->end] = 0;
            r->start = r->end;
            return at;
        }
        memmove(r->buf, at, r->end - r->start); /* the part line first, then more */
        r->end -= r->start;
        r->start = 0;
        if (r->end + 1 >= r->cap) { /* a line longer than the block */
            r->cap *= 2;
            if (!(r->buf = realloc(r->buf, r->cap)))
                abort();
        }
        size_t n = fread(r->buf + r->end, 1, r->cap - 1 - r->end, r->f);
        r->end += n;
        r->eof = n == 0;
    }
}

/* 0 when every line was read, -1 (with err) when reading failed part way:
 * a run cut short by an I/O error must not pass for a shorter run. */
static int lines_close(lines_t *r, const char *path, char *err, size_t errsz) {
    int bad = ferror(r->f);
    if (bad && err)
        snprintf(err, errsz, "%s: read error", path);
    free(r->buf);
    fclose(r->f);
    return bad ? -1 : 0;
}

/* A string or null member; anything else is malformed. */
static int get_str(json_t *o, const char *key, char **out) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    *out = xstrdup(json_string_value(v));
    return 0;
}

static int get_int(json_t *o, const char *key, int64_t *out, int nullable) {
    json_t *v = json_object_get(o, key);
    if (nullable && (!v || json_is_null(v))) {
        *out = -1;
        return 0;
    }
    if (!json_is_integer(v))
        return -1;
    *out = json_integer_value(v);
    return 0;
}

/* A trace line not in the form stormlab writes, read with the JSON parser
 * into e; what is wrong with it, or NULL (msg holds the parser's words). */
static const char *read_json_line(const char *line, sl_rf_event_t *e, char msg[JSON_ERROR_TEXT_LENGTH]) {
    json_error_t jerr;
    json_t *o = json_loads(line, 0, &jerr);
    int64_t gen = -1;
    const char *what = NULL;
    if (!o) {
        snprintf(msg, JSON_ERROR_TEXT_LENGTH, "%s", jerr.text);
        what = msg;
    } else if (!json_is_object(o)) {
        what = "not a JSON object";
    } else if (get_int(o, "t_us", &e->t_us, 0) || get_int(o, "seq", &e->seq, 0)) {
        what = "t_us and seq must be integers";
    } else if (get_int(o, "cause", &e->cause, 1) || get_int(o, "generation", &gen, 1)) {
        what = "cause and generation must be integers or null";
    } else if (get_str(o, "kind", &e->kind) || !e->kind || get_str(o, "node", &e->node) ||
               get_str(o, "group", &e->group) || get_str(o, "member", &e->member) || get_str(o, "detail", &e->detail)) {
        what = "kind must be a string; node, group, member, detail strings or null";
    }
    e->generation = (int)gen;
    json_decref(o);
    return what;
}

static int load_trace(sl_run_t *run, char *err, size_t errsz) {
    char path[4096];
    FILE *f = open_in(run, "trace.jsonl", path, sizeof path);
    if (!f) {
        snprintf(err, errsz, "%s: %s (is %s a run directory?)", path, strerror(errno), run->dir);
        return -1;
    }
    size_t cap = 0, lineno = 0;
    lines_t lines = lines_open(f);
    int rc = 0;
    for (char *line; (line = lines_next(&lines));) {
        lineno++;
        GROW(run->ev, run->n_ev, cap);
        sl_rf_event_t *e = &run->ev[run->n_ev];
        memset(e, 0, sizeof *e);
        char jmsg[JSON_ERROR_TEXT_LENGTH];
        const char *what = sl_trace_line_parse(line, e) == 0 ? NULL : read_json_line(line, e, jmsg);
        if (!what && e->seq != (int64_t)run->n_ev)
            what = "seq is not the event's position in the file (0, 1, 2, ...)";
        else if (!what && e->cause >= e->seq)
            what = "cause must name an earlier event";
        else if (!what && run->n_ev && e->t_us < run->ev[run->n_ev - 1].t_us)
            what = "events are not in time order";
        run->n_ev++; /* counted even when bad, so destroy frees its strings */
        if (what) {
            snprintf(err, errsz, "%s:%zu: %s", path, lineno, what);
            rc = -1;
            break;
        }
    }
    if (lines_close(&lines, path, rc ? NULL : err, errsz))
        rc = -1;
    return rc;
}

/* Position in by_name where g is or would go. */
static size_t name_slot(const sl_run_t *run, const char *g, int *found) {
    size_t lo = 0, hi = run->n_groups;
    *found = 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(run->groups[run->by_name[mid]], g);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* g's index in run->groups, added if new. */
static int add_group(sl_run_t *run, const char *g) {
    int found;
    size_t at = name_slot(run, g, &found);
    if (found)
        return (int)run->by_name[at];
    run->groups = realloc(run->groups, (run->n_groups + 1) * sizeof *run->groups);
    run->by_name = realloc(run->by_name, (run->n_groups + 1) * sizeof *run->by_name);
    if (!run->groups || !run->by_name)
        abort();
    memmove(run->by_name + at + 1, run->by_name + at, (run->n_groups - at) * sizeof *run->by_name);
    run->by_name[at] = run->n_groups;
    run->groups[run->n_groups++] = xstrdup(g);
    return (int)run->n_groups - 1;
}

static const char *intern_state(sl_run_t *run, const char *state) {
    for (size_t i = 0; i < run->n_states; i++)
        if (!strcmp(run->states[i], state))
            return run->states[i];
    run->states = realloc(run->states, (run->n_states + 1) * sizeof *run->states);
    if (!run->states)
        abort();
    return run->states[run->n_states++] = xstrdup(state);
}

static int strtoll_all(const char *c, long long *out) {
    char *end;
    *out = strtoll(c, &end, 10);
    return end == c || *end ? -1 : 0;
}

/* A column that is all an integer ("%d", "%lld"), by hand: strtoll's
 * locale and base handling cost more than the row's other work. */
static int parse_ll(const char *c, long long *out) {
    const char *p = c;
    int neg = *p == '-';
    p += neg;
    if (*p < '0' || *p > '9')
        return strtoll_all(c, out); /* a sign or spaces strtoll takes, or not a number */
    long long v = 0;
    int digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++)
        if (digits < 18)
            v = v * 10 + (*p - '0');
    if (*p || digits > 18) /* not only an integer, or near overflow: strtoll decides */
        return strtoll_all(c, out);
    *out = neg ? -v : v;
    return 0;
}

/* A column that is all a number ("%.3f", "%.1f"), equal to strtod's
 * reading: d digits with k after the point are the integer n = digits
 * over 10^k, and n and 10^k are exact doubles below 2^53, so their IEEE
 * quotient is the correctly rounded value, which strtod returns too.
 * Other forms go to strtod. */
static int parse_double(const char *c, double *out) {
    static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    const char *p = c;
    int neg = *p == '-', digits = 0, frac = -1;
    p += neg;
    int64_t n = 0;
    for (;; p++) {
        if (*p >= '0' && *p <= '9') {
            if (digits < 15) /* more go to strtod below */
                n = n * 10 + (*p - '0');
            digits++;
            frac += frac >= 0;
        } else if (*p == '.' && frac < 0) {
            frac = 0;
        } else {
            break;
        }
    }
    if (*p || !digits || digits > 15 || frac == 0 || frac > 8) {
        char *end;
        *out = strtod(c, &end);
        return end == c || *end ? -1 : 0;
    }
    double v = frac > 0 ? (double)n / pow10[frac] : (double)n;
    *out = neg ? -v : v;
    return 0;
}

/* Splits one series.tsv row into its 9 columns (the text is cut at the tabs)
 * and parses them; 0 when each column parses to its end.  By hand, not sscanf: a
 * 100,000-member hour has 7.2 M rows. */
static int parse_sample(char *line, sl_rf_sample_t *s, char **group, char **state) {
    char *col[9];
    int n = 0;
    for (char *p = line; n < 9; n++) {
        col[n] = p;
        char *tab = p; /* columns are a few bytes: a loop beats strchr's call */
        while (*tab && *tab != '\t')
            tab++;
        if (!*tab) {
            n++;
            break;
        }
        *tab = 0;
        p = tab + 1;
    }
    if (n != 9 || !*col[1] || !*col[4])
        return -1;
    long long v[5];
    static const int ints[5] = {2, 3, 5, 6, 7}; /* members, generation, owned, unowned, lag */
    if (parse_double(col[0], &s->t_s))
        return -1;
    for (int i = 0; i < 5; i++)
        if (parse_ll(col[ints[i]], &v[i]))
            return -1;
    if (parse_double(col[8], &s->consumed_per_s))
        return -1;
    s->members = (int)v[0], s->generation = (int)v[1], s->owned = (int)v[2], s->unowned = (int)v[3], s->lag = v[4];
    *group = col[1];
    *state = col[4];
    return 0;
}

static int load_series(sl_run_t *run, char *err, size_t errsz) {
    char path[4096];
    FILE *f = open_in(run, "series.tsv", path, sizeof path);
    if (!f) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 0, lineno = 0;
    struct stat st;
    if (!fstat(fileno(f), &st) && st.st_size > 0) { /* rows are 24 bytes or more: no copying as the array grows */
        cap = (size_t)st.st_size / 24 + 1;
        if (!(run->samples = malloc(cap * sizeof *run->samples)))
            abort();
    }
    lines_t lines = lines_open(f);
    int rc = 0, header_seen = 0;
    size_t next_gi = 0; /* the group after the previous row's, in first-appearance order */
    for (char *line; (line = lines_next(&lines));) {
        lineno++;
        chomp(line);
        if (line[0] == '#' || !line[0])
            continue;
        if (!header_seen) { /* the column header line */
            header_seen = 1;
            static const char cols[] = "t_s\tgroup\tmembers\tgeneration\tstate\towned\tunowned\tlag\tconsumed_per_s";
            if (strncmp(line, cols, sizeof cols - 1)) { /* later columns may be added */
                snprintf(err, errsz, "%s:%zu: unexpected column header", path, lineno);
                rc = -1;
                break;
            }
            continue;
        }
        char *group, *state;
        sl_rf_sample_t s;
        memset(&s, 0, sizeof s);
        if (parse_sample(line, &s, &group, &state)) {
            snprintf(err, errsz, "%s:%zu: expected 9 tab-separated columns", path, lineno);
            rc = -1;
            break;
        }
        /* Rows come group by group in the same order every sample: try the
         * group after the previous row's before searching. */
        s.gi = next_gi < run->n_groups && !strcmp(run->groups[next_gi], group) ? (int)next_gi : add_group(run, group);
        next_gi = (size_t)s.gi + 1 < run->n_groups ? (size_t)s.gi + 1 : 0;
        s.state = intern_state(run, state);
        GROW(run->samples, run->n_samples, cap);
        run->samples[run->n_samples++] = s;
    }
    if (run->n_samples && run->n_samples < cap) { /* give back what the estimate left over */
        sl_rf_sample_t *fit = realloc(run->samples, run->n_samples * sizeof *run->samples);
        if (fit)
            run->samples = fit;
    }
    if (lines_close(&lines, path, rc ? NULL : err, errsz))
        rc = -1;
    return rc;
}

/* log.txt is optional: a real-cluster run may have captured no logs. */
static int load_log(sl_run_t *run) {
    char path[4096];
    FILE *f = open_in(run, "log.txt", path, sizeof path);
    if (!f)
        return 0;
    size_t cap = 0;
    lines_t lines = lines_open(f);
    for (char *line; (line = lines_next(&lines));) {
        chomp(line);
        if (line[0] == '#' || !line[0])
            continue;
        int h, m, s, ms, off = 0;
        char level[8], node[256];
        if (sscanf(line, "[%d:%d:%d.%d] %7s %255s %n", &h, &m, &s, &ms, level, node, &off) != 6 || !off)
            continue; /* a continuation (a stack trace in a real run's log): nothing to match a trace event */
        GROW(run->log, run->n_log, cap);
        sl_rf_log_t *l = &run->log[run->n_log++];
        l->t_ms = (((int64_t)h * 60 + m) * 60 + s) * 1000 + ms;
        snprintf(l->level, sizeof l->level, "%s", level);
        l->node = xstrdup(node);
        l->message = xstrdup(line + off);
        l->injected = !strncmp(l->message, "[stormlab]", 10);
    }
    lines_close(&lines, path, NULL, 0); /* log.txt is read leniently: what was read stands */
    return 0;
}

static int load_summary(sl_run_t *run, char *err, size_t errsz) {
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", run->dir);
    json_error_t jerr;
    run->summary = json_load_file(path, 0, &jerr);
    if (!run->summary) {
        snprintf(err, errsz, "%s:%d: %s", path, jerr.line, jerr.text);
        return -1;
    }
    json_t *d = json_object_get(run->summary, "duration_s");
    if (!json_is_object(json_object_get(run->summary, "groups")) || !json_is_number(d)) {
        snprintf(err, errsz, "%s: expected \"groups\" and \"duration_s\"", path);
        return -1;
    }
    run->duration_s = json_number_value(d);
    run->name = xstrdup(json_string_value(json_object_get(run->summary, "scenario")));
    return 0;
}

/*
 * Top-level `name:` and `description:` of scenario.resolved.yaml.  The
 * sim's loader would validate the whole file, but a run directory from an
 * older or newer stormlab should still report, so only these two keys are
 * read (and a file that does not parse is simply ignored).
 */
static void load_scenario_text(sl_run_t *run) {
    char path[4096];
    FILE *f = open_in(run, "scenario.resolved.yaml", path, sizeof path);
    if (!f)
        return;
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    int depth = 0, want_key = 0, done = 0;
    char **target = NULL;
    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev))
            break;
        switch (ev.type) {
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            depth++;
            want_key = depth == 1 && ev.type == YAML_MAPPING_START_EVENT;
            target = NULL;
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            depth--;
            want_key = depth == 1;
            break;
        case YAML_SCALAR_EVENT:
            if (depth != 1)
                break;
            if (want_key) {
                const char *k = (const char *)ev.data.scalar.value;
                target = !strcmp(k, "name") ? &run->name : !strcmp(k, "description") ? &run->description : NULL;
                want_key = 0;
            } else {
                if (target) {
                    free(*target);
                    *target = xstrdup((const char *)ev.data.scalar.value);
                }
                target = NULL;
                want_key = 1;
            }
            break;
        case YAML_STREAM_END_EVENT: done = 1; break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    fclose(f);
}

int sl_run_load(const char *dir, sl_run_t **out, char *err, size_t errsz) {
    sl_run_t *run = calloc(1, sizeof *run);
    if (!run)
        abort();
    run->dir = xstrdup(dir);
    size_t n = strlen(run->dir);
    while (n > 1 && run->dir[n - 1] == '/')
        run->dir[--n] = 0;
    if (load_trace(run, err, errsz) || load_series(run, err, errsz) || load_summary(run, err, errsz) ||
        load_log(run)) {
        sl_run_destroy(run);
        return -1;
    }
    load_scenario_text(run);
    if (!run->name)
        run->name = xstrdup("(unnamed)");
    /* Group indexes once, so per-group passes compare integers. */
    for (size_t i = 0; i < run->n_ev; i++)
        run->ev[i].gi = sl_run_group_index(run, run->ev[i].group);
    *out = run;
    return 0;
}

void sl_run_destroy(sl_run_t *run) {
    if (!run)
        return;
    for (size_t i = 0; i < run->n_ev; i++) {
        sl_rf_event_t *e = &run->ev[i];
        free(e->kind), free(e->node), free(e->group), free(e->member), free(e->detail);
    }
    for (size_t i = 0; i < run->n_states; i++)
        free(run->states[i]);
    free(run->states);
    for (size_t i = 0; i < run->n_log; i++)
        free(run->log[i].node), free(run->log[i].message);
    for (size_t i = 0; i < run->n_groups; i++)
        free(run->groups[i]);
    free(run->ev), free(run->samples), free(run->log), free(run->groups), free(run->by_name);
    json_decref(run->summary);
    free(run->dir), free(run->name), free(run->description);
    free(run);
}

int sl_run_group_index(const sl_run_t *run, const char *group) {
    if (!group)
        return -1;
    int found;
    size_t at = name_slot(run, group, &found);
    return found ? (int)run->by_name[at] : -1;
}

void sl_fmt_clock(char *buf, size_t n, int64_t t_us) {
    int64_t ms = t_us / 1000;
    snprintf(buf, n, "%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%03" PRId64, ms / 3600000, ms / 60000 % 60,
             ms / 1000 % 60, ms % 1000);
}
