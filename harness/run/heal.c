/*
 * The healing side of the heal state file (heal.h): finds the journals of
 * runs that are gone and undoes what they left.
 */
#define _GNU_SOURCE /* fopencookie */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cluster/clusterfile.h"
#include "stormlab/stormlab.h" /* sl_output_partials */
#include "heal.h"

/* One fault of a journal, as read back. */
typedef struct fault_s {
    int64_t id;
    char what[512];
    char **undo;      /* NULL: in-process */
    int64_t timeout_us;
    int healed;
} fault_t;

typedef struct journal_s {
    const char *path;
    json_t *header;
    fault_t *faults;
    int n, cap;
} journal_t;

/* Whether heal shows byte c as \xHH rather than as itself: every control
 * byte, and the newline too unless the text is the report's own lines. */
static int escaped(unsigned char c, int newline_ok) {
    return (c < 0x20 && !(newline_ok && c == '\n')) || c == 0x7f;
}

/* A journal's text as heal shows it on one line (a name cannot start a
 * line of its own in the report), cut to fit n. */
static void one_line(const char *in, char *out, size_t n) {
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 5 < n; p++) {
        if (escaped(*p, 0))
            o += (size_t)snprintf(out + o, n - o, "\\x%02x", *p);
        else
            out[o++] = (char)*p;
    }
    out[o] = 0;
}

static void free_faults(journal_t *jr) {
    for (int i = 0; i < jr->n; i++) {
        for (int k = 0; jr->faults[i].undo && jr->faults[i].undo[k]; k++)
            free(jr->faults[i].undo[k]);
        free(jr->faults[i].undo);
    }
    free(jr->faults);
    json_decref(jr->header);
}

static fault_t *find(journal_t *jr, int64_t id) {
    for (int i = 0; i < jr->n; i++)
        if (jr->faults[i].id == id)
            return &jr->faults[i];
    return NULL;
}

/* One record; -1 with err for a record that is not one of ours. */
static int take(journal_t *jr, json_t *rec, int lineno, char *err, size_t errsz) {
    if (lineno == 1) {
        if (!json_is_object(rec) || json_integer_value(json_object_get(rec, "stormlab_heal")) != 1) {
            snprintf(err, errsz, "%.900s:1: not a stormlab heal state file (expected {\"stormlab_heal\":1,...})",
                     jr->path);
            return -1;
        }
        jr->header = json_incref(rec);
        return 0;
    }
    const char *op = json_string_value(json_object_get(rec, "op"));
    json_int_t id = json_integer_value(json_object_get(rec, "id"));
    if (!op || id <= 0) {
        snprintf(err, errsz, "%.900s:%d: expected a record with \"op\" and a positive \"id\"", jr->path, lineno);
        return -1;
    }
    if (!strcmp(op, "healed")) {
        fault_t *f = find(jr, id);
        if (f)
            f->healed = 1;
        return 0;
    }
    if (strcmp(op, "inject")) {
        snprintf(err, errsz, "%.900s:%d: unknown op \"%s\" (expected inject or healed)", jr->path, lineno, op);
        return -1;
    }
    if (jr->n == jr->cap) {
        int cap = jr->cap ? jr->cap * 2 : 16;
        fault_t *nf = realloc(jr->faults, (size_t)cap * sizeof *nf);
        if (!nf) {
            snprintf(err, errsz, "out of memory");
            return -1;
        }
        jr->faults = nf, jr->cap = cap;
    }
    fault_t *f = &jr->faults[jr->n];
    memset(f, 0, sizeof *f);
    f->id = id;
    one_line(json_string_value(json_object_get(rec, "what")) ?: "(unnamed fault)", f->what, sizeof f->what);
    f->timeout_us = json_integer_value(json_object_get(rec, "timeout_us"));
    if (f->timeout_us <= 0)
        f->timeout_us = 60000000;
    json_t *undo = json_object_get(rec, "undo");
    if (json_is_array(undo)) {
        size_t n = json_array_size(undo);
        if (n == 0) {
            snprintf(err, errsz, "%.900s:%d: \"undo\" is an empty command", jr->path, lineno);
            return -1;
        }
        f->undo = calloc(n + 1, sizeof *f->undo);
        for (size_t k = 0; f->undo && k < n; k++) {
            const char *w = json_string_value(json_array_get(undo, k));
            if (!w || !(f->undo[k] = strdup(w))) {
                snprintf(err, errsz, "%.900s:%d: \"undo\" must be a list of strings", jr->path, lineno);
                jr->n++; /* freed with the rest */
                return -1;
            }
        }
        if (!f->undo) {
            snprintf(err, errsz, "out of memory");
            return -1;
        }
    }
    jr->n++;
    return 0;
}

/* Reads the journal on fd.  A last line without its newline is a record
 * the run was writing when it died: skipped. */
static int read_journal(journal_t *jr, int fd, char *err, size_t errsz) {
    FILE *f = fdopen(dup(fd), "r");
    if (!f) {
        snprintf(err, errsz, "%.900s: %s", jr->path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (len == 0 || line[len - 1] != '\n')
            break; /* torn last record */
        json_error_t je;
        json_t *rec = json_loadb(line, (size_t)len, 0, &je);
        if (!rec) {
            snprintf(err, errsz, "%.700s:%d:%d: not JSON: %.160s", jr->path, lineno, je.column, je.text);
            rc = -1;
            break;
        }
        rc = take(jr, rec, lineno, err, errsz);
        json_decref(rec);
    }
    free(line);
    fclose(f);
    if (rc == 0 && !jr->header) {
        snprintf(err, errsz, "%.900s: empty (a run that died while creating it)", jr->path);
        rc = 1; /* nothing to heal; the file can go */
    }
    return rc;
}

/* A header field, on one line (buf of n bytes). */
static const char *hstr(const journal_t *jr, const char *key, char *buf, size_t n) {
    const char *s = json_string_value(json_object_get(jr->header, key));
    one_line(s ? s : "?", buf, n);
    return buf;
}

static void cmd_log(void *opaque, int level, const char *line) {
    (void)level;
    fprintf((FILE *)opaque, "      | %s\n", line);
}

/* Runs an undo command in the directory the run ran in (its relative
 * paths are relative to that), and comes back. */
static int run_undo(const fault_t *f, const char *cwd, FILE *report, char *err, size_t errsz) {
    int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cwd && chdir(cwd) < 0) {
        snprintf(err, errsz, "cannot enter %s: %s", cwd, strerror(errno));
        if (here >= 0)
            close(here);
        return -1;
    }
    int rc = sl_clusterfile_run(f->undo, f->timeout_us, cmd_log, report, err, errsz);
    if (here >= 0) {
        if (fchdir(here) < 0)
            fprintf(report, "stormlab heal: cannot return to the working directory: %s\n", strerror(errno));
        close(here);
    }
    return rc;
}

/* Heals one journal whose lock we hold. */
static int heal_one(journal_t *jr, int fd, int dry_run, FILE *report, sl_heal_stats_t *st) {
    int failed = 0;
    char b1[1024], b2[256], b3[128];
    fprintf(report, "stormlab heal: run of %s (pid %lld, cluster %s, started %s) did not finish; what it left:\n",
            hstr(jr, "scenario", b1, sizeof b1), (long long)json_integer_value(json_object_get(jr->header, "pid")),
            hstr(jr, "cluster", b2, sizeof b2), hstr(jr, "started", b3, sizeof b3));
    const char *cwd = json_string_value(json_object_get(jr->header, "cwd"));
    int open_faults = 0;
    for (int i = jr->n - 1; i >= 0; i--) { /* newest first, as a stack unwinds */
        fault_t *f = &jr->faults[i];
        if (f->healed)
            continue;
        open_faults++;
        if (!f->undo) {
            fprintf(report, "  %s: gone with the run's process (in-process, nothing to undo)\n", f->what);
            st->in_process++;
            continue;
        }
        char err[1024] = "", *cmd = sl_clusterfile_quote(f->undo);
        if (dry_run) {
            fprintf(report, "  %s: would run: %s\n", f->what, cmd ? cmd : "(out of memory)");
            free(cmd);
            continue;
        }
        fprintf(report, "  %s: running: %s\n", f->what, cmd ? cmd : "(out of memory)");
        free(cmd);
        fflush(report);
        if (run_undo(f, cwd, report, err, sizeof err) == 0) {
            fprintf(report, "    healed\n");
            sl_heal_record_healed(fd, f->id, 1); /* a retry skips it */
            st->commands++;
        } else {
            fprintf(report, "    FAILED: %s\n", err);
            st->failed++;
            failed = 1;
        }
    }
    if (!open_faults)
        fprintf(report, "  no fault was in place\n");
    /* Only the names stormlab gives its unfinished outputs, only in the
     * run's output directory: never a path the journal lists. */
    const char *out = json_string_value(json_object_get(jr->header, "out"));
    char parts[16][4096];
    int n_parts = out && *out ? sl_output_partials(out, parts, 15) : 0;
    if (n_parts > 15)
        n_parts = 15;
    if (out && *out && snprintf(parts[n_parts], sizeof parts[n_parts], "%s/.report.html.partial", out) <
                           (int)sizeof parts[n_parts])
        n_parts++;
    for (int k = 0; k < n_parts; k++) {
        /* relative to the directory the run ran in, like its undo commands */
        char p[8200];
        int pl = parts[k][0] == '/' || !cwd ? snprintf(p, sizeof p, "%s", parts[k])
                                            : snprintf(p, sizeof p, "%s/%s", cwd, parts[k]);
        if (pl < 0 || pl >= (int)sizeof p)
            continue;
        struct stat lst;
        if (lstat(p, &lst) < 0)
            continue;
        char shown[sizeof p];
        one_line(p, shown, sizeof shown);
        if (dry_run) {
            fprintf(report, "  would remove %s (an output the run never finished)\n", shown);
        } else if (unlink(p) == 0) {
            fprintf(report, "  removed %s (an output the run never finished)\n", shown);
            st->partials++;
        } else {
            fprintf(report, "  cannot remove %s: %s\n", shown, strerror(errno));
            st->failed++;
            failed = 1;
        }
    }
    return failed ? -1 : 0;
}

/* The report goes through this filter: a journal's fault names, header
 * fields and paths (and the undo commands' own output) reach a terminal, so
 * every control byte but the newline is shown as \xHH and none can move
 * the cursor or hide a line of what heal did. */
static ssize_t shown_write(void *cookie, const char *buf, size_t n) {
    FILE *to = cookie;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (escaped(c, 1))
            fprintf(to, "\\x%02x", c);
        else
            fputc(c, to);
    }
    fflush(to);
    return (ssize_t)n;
}

static FILE *shown_stream(FILE *to) {
    cookie_io_functions_t io = {.write = shown_write};
    FILE *f = fopencookie(to, "w", io);
    if (f)
        setvbuf(f, NULL, _IOLBF, 0);
    return f ? f : to;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int is_journal(const struct dirent *e) {
    /* run-*.jsonl, and run-*.jsonl.new: a run that died while creating it */
    return !strncmp(e->d_name, "run-", 4) && strstr(e->d_name, ".jsonl");
}

static int heal_all(const char *state_dir, int dry_run, FILE *report, sl_heal_stats_t *st, char *err, size_t errsz);

int sl_heal_leftovers(const char *state_dir, int dry_run, FILE *report, sl_heal_stats_t *st, char *err,
                      size_t errsz) {
    FILE *shown = shown_stream(report);
    int rc = heal_all(state_dir, dry_run, shown, st, err, errsz);
    if (shown != report)
        fclose(shown);
    return rc;
}

static int heal_all(const char *state_dir, int dry_run, FILE *report, sl_heal_stats_t *st, char *err, size_t errsz) {
    memset(st, 0, sizeof *st);
    /* undo commands are believed only from a directory and files that
     * passed the owner and mode checks (heal.h) */
    int dfd = sl_heal_state_dir_open(state_dir, 0, err, errsz);
    if (dfd < 0) {
        if (errno == ENOENT) {
            err[0] = 0;
            return 0; /* no run ever kept state here */
        }
        st->failed++;
        return -1;
    }
    struct dirent **names = NULL;
    int n = scandir(state_dir, &names, is_journal, by_name);
    if (n < 0) {
        snprintf(err, errsz, "cannot read the heal state directory %s: %s", state_dir, strerror(errno));
        close(dfd);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char path[4096 + 256], oerr[1200] = "";
        snprintf(path, sizeof path, "%s/%s", state_dir, names[i]->d_name);
        int fd = sl_heal_journal_file_open(dfd, state_dir, names[i]->d_name, oerr, sizeof oerr);
        free(names[i]);
        if (fd < 0) {
            if (errno == ENOENT)
                continue; /* healed by someone else meanwhile */
            fprintf(report, "stormlab heal: %s (kept, nothing in it run)\n", oerr);
            st->failed++;
            rc = -1;
            continue;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            st->live++; /* its run holds it: still running */
            close(fd);
            continue;
        }
        journal_t jr = {.path = path};
        char rerr[1024] = "";
        int r = read_journal(&jr, fd, rerr, sizeof rerr);
        if (r < 0) {
            /* the message quotes the journal (an unknown op, JSON's error
             * text): on one line, so no byte of it can forge a line */
            char shown[sizeof rerr * 4];
            one_line(rerr, shown, sizeof shown);
            fprintf(report, "stormlab heal: %s (kept; fix or remove it by hand)\n", shown);
            st->failed++;
            rc = -1;
        } else if (r > 0) {
            if (!dry_run)
                unlink(path);
        } else {
            st->runs++;
            if (heal_one(&jr, fd, dry_run, report, st) < 0) {
                fprintf(report, "  kept %s: run `stormlab heal` again once the failure above is fixed\n", path);
                rc = -1;
            } else if (!dry_run) {
                unlink(path);
            }
        }
        free_faults(&jr);
        close(fd); /* drops the lock, after the unlink */
    }
    free(names);
    close(dfd);
    return rc;
}
