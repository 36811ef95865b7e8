/*
 * JUnit XML writer (see junit.h).  The schema followed is the one CI
 * publishers accept: <testsuites tests failures errors time> holding
 * <testsuite name tests failures errors skipped time> holding
 * <properties> and <testcase classname name time [file line]>, a failing
 * case carrying <failure message type>text</failure>.
 */
#include "junit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stormlab/stormlab.h" /* sl_output_create */

#include "common/textout.h"

typedef struct {
    char *classname, *name, *file, *message, *body;
    int line;
    double time_s;
    sl_junit_status_t status;
} jcase_t;

typedef struct {
    char *name, *value;
} jprop_t;

struct sl_junit_suite_s {
    char *name, *file;
    double time_s;
    jprop_t *props;
    size_t n_props;
    jcase_t *cases;
    size_t n_cases;
};

struct sl_junit_s {
    char *name;
    sl_junit_suite_t **suites;
    size_t n_suites;
};

static char *dup0(const char *s) { return s ? strdup(s) : NULL; }

sl_junit_t *sl_junit_new(const char *name) {
    sl_junit_t *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    if (!(j->name = strdup(name))) { free(j); return NULL; }
    return j;
}

void sl_junit_destroy(sl_junit_t *j) {
    if (!j) return;
    for (size_t i = 0; i < j->n_suites; i++) {
        sl_junit_suite_t *s = j->suites[i];
        for (size_t k = 0; k < s->n_props; k++) { free(s->props[k].name); free(s->props[k].value); }
        for (size_t k = 0; k < s->n_cases; k++) {
            jcase_t *c = &s->cases[k];
            free(c->classname); free(c->name); free(c->file); free(c->message); free(c->body);
        }
        free(s->props); free(s->cases); free(s->name); free(s->file); free(s);
    }
    free(j->suites);
    free(j->name);
    free(j);
}

sl_junit_suite_t *sl_junit_suite(sl_junit_t *j, const char *name, const char *file, double time_s) {
    sl_junit_suite_t **ns = realloc(j->suites, (j->n_suites + 1) * sizeof *ns);
    if (!ns) return NULL;
    j->suites = ns;
    sl_junit_suite_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->name = strdup(name);
    s->file = dup0(file);
    s->time_s = time_s;
    j->suites[j->n_suites++] = s;
    return s;
}

int sl_junit_property(sl_junit_suite_t *s, const char *name, const char *value) {
    jprop_t *np = realloc(s->props, (s->n_props + 1) * sizeof *np);
    if (!np) return -1;
    s->props = np;
    s->props[s->n_props].name = strdup(name);
    s->props[s->n_props].value = strdup(value);
    s->n_props++;
    return 0;
}

int sl_junit_case(sl_junit_suite_t *s, const char *classname, const char *name, const char *file, int line,
                  double time_s, sl_junit_status_t status, const char *message, const char *body) {
    jcase_t *nc = realloc(s->cases, (s->n_cases + 1) * sizeof *nc);
    if (!nc) return -1;
    s->cases = nc;
    jcase_t *c = &s->cases[s->n_cases++];
    c->classname = strdup(classname);
    c->name = strdup(name);
    c->file = dup0(file);
    c->line = line;
    c->time_s = time_s;
    c->status = status;
    c->message = dup0(message);
    c->body = dup0(body);
    return 0;
}

static void count(const sl_junit_suite_t *s, size_t *fail, size_t *err) {
    *fail = *err = 0;
    for (size_t k = 0; k < s->n_cases; k++) {
        if (s->cases[k].status == SL_JUNIT_FAILURE) (*fail)++;
        if (s->cases[k].status == SL_JUNIT_ERROR) (*err)++;
    }
}

static void attr(FILE *f, const char *name, const char *value) {
    fprintf(f, " %s=\"", name);
    sl_tx_xml(f, value);
    fputc('"', f);
}

void sl_junit_write(const sl_junit_t *j, FILE *f) {
    size_t tests = 0, fails = 0, errs = 0;
    double time_s = 0;
    for (size_t i = 0; i < j->n_suites; i++) {
        size_t fl, er;
        count(j->suites[i], &fl, &er);
        tests += j->suites[i]->n_cases;
        fails += fl;
        errs += er;
        time_s += j->suites[i]->time_s;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", f);
    attr(f, "name", j->name);
    fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", tests, fails, errs, time_s);
    for (size_t i = 0; i < j->n_suites; i++) {
        const sl_junit_suite_t *s = j->suites[i];
        size_t fl, er;
        count(s, &fl, &er);
        fputs("  <testsuite", f);
        attr(f, "name", s->name);
        fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"%.3f\"", s->n_cases, fl, er,
                s->time_s);
        if (s->file) attr(f, "file", s->file);
        fputs(">\n", f);
        if (s->n_props) {
            fputs("    <properties>\n", f);
            for (size_t k = 0; k < s->n_props; k++) {
                fputs("      <property", f);
                attr(f, "name", s->props[k].name);
                attr(f, "value", s->props[k].value);
                fputs("/>\n", f);
            }
            fputs("    </properties>\n", f);
        }
        for (size_t k = 0; k < s->n_cases; k++) {
            const jcase_t *c = &s->cases[k];
            fputs("    <testcase", f);
            attr(f, "classname", c->classname);
            attr(f, "name", c->name);
            if (c->file) {
                attr(f, "file", c->file);
                if (c->line > 0) fprintf(f, " line=\"%d\"", c->line);
            }
            fprintf(f, " time=\"%.3f\"", c->time_s);
            if (c->status == SL_JUNIT_PASS) { fputs("/>\n", f); continue; }
            const char *el = c->status == SL_JUNIT_FAILURE ? "failure" : "error";
            fprintf(f, ">\n      <%s", el);
            attr(f, "message", c->message ? c->message : "");
            attr(f, "type", c->status == SL_JUNIT_FAILURE ? "expectation" : "run");
            fputc('>', f);
            sl_tx_xml(f, c->body ? c->body : "");
            fprintf(f, "</%s>\n    </testcase>\n", el);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
}

int sl_junit_write_file(const sl_junit_t *j, const char *path, char *err, size_t errsz) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.partial", path) >= (int)sizeof tmp) {
        snprintf(err, errsz, "%s: path too long", path);
        return -1;
    }
    FILE *f = sl_output_create(tmp);
    if (!f) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return -1;
    }
    sl_junit_write(j, f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno ? errno : EIO));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
