/*
 * report.html's "lesson" (docs/plots.md, "The lesson"): the storm told in
 * the order a trainer walks through it, generated from the run's cause
 * analysis: the root, the first signal, what the on-call saw, each
 * rebalance and why, each operator action and what it cost.
 */
#include "lesson.h"

#include <string.h>

#include "extract.h"
#include "report.h"

/* Rebalances listed one by one; past this the list says how many more. */
#define MAX_LISTED 40
/* Warning and error lines shown as "what the on-call saw". */
#define SAW_LINES 5

#define esc sl_report_esc

static void when(FILE *f, int64_t t_us) {
    char t[32];
    sl_fmt_clock(t, sizeof t, t_us);
    fprintf(f, "<time>%s</time>", t);
}

static void log_line(FILE *f, const sl_rf_log_t *l) {
    fputs("<code>", f);
    char t[32];
    sl_fmt_clock(t, sizeof t, l->t_ms * 1000);
    fprintf(f, "[%s] %s ", t, l->level);
    esc(f, l->node);
    fputc(' ', f);
    esc(f, l->message);
    fputs("</code>", f);
}

/* Operator actions (what an on-call does), as opposed to faults (what happens to them). */
static int is_action(const char *kind) {
    return !strcmp(kind, "action.restart") || !strcmp(kind, "action.set") || !strcmp(kind, "group.scale");
}

/* Seconds from a rebalance's start to the group's next settle (the run's end if none). */
static double unsettled_s(const sl_run_t *run, const sl_rebalance_t *rb) {
    for (size_t k = rb->start; k < run->n_ev; k++)
        if (run->ev[k].gi == rb->group && !strcmp(run->ev[k].kind, "group.settled"))
            return (run->ev[k].t_us - run->ev[rb->start].t_us) / 1e6;
    return run->duration_s - run->ev[rb->start].t_us / 1e6;
}

void sl_lesson_write(FILE *f, const sl_run_t *run, const sl_causes_t *c) {
    char label[512];
    fputs("<section id=\"lesson\">\n<h2>The lesson, step by step</h2>\n", f);
    if (c->n_rb == 0) {
        fputs("<p>No group rebalanced after it first settled: nothing in this run set off a storm.</p>\n</section>\n",
              f);
        return;
    }
    /* the rebalances are in time order: the first one's root started the storm */
    const sl_rebalance_t *first = &c->rb[0];
    for (size_t i = 1; i < c->n_rb; i++)
        if (run->ev[c->rb[i].start].t_us < run->ev[first->start].t_us)
            first = &c->rb[i];
    size_t root = first->chain[first->n_chain - 1];
    const sl_rf_event_t *r = &run->ev[root];
    fputs("<ol class=\"lesson\">\n<li><strong>Root.</strong> ", f);
    esc(f, sl_causes_label(r, label, sizeof label));
    fputs(" at ", f);
    when(f, r->t_us);
    fputs(" set off the first rebalance (", f);
    esc(f, run->groups[first->group]);
    fprintf(f, " rebalance %d at ", first->number);
    when(f, run->ev[first->start].t_us);
    fputs(").</li>\n<li><strong>First signal.</strong> ", f);
    if (c->signal_of[root] >= 0) {
        const sl_rf_log_t *l = &run->log[c->signal_of[root]];
        fprintf(f, "%.1f s after the root: ", (l->t_ms * 1000 - r->t_us) / 1e6);
        log_line(f, l);
    } else
        fputs("nothing this root caused reached log.txt.", f);
    fputs("</li>\n<li><strong>What the on-call saw</strong> (the first warnings and errors after the root):<ul>\n", f);
    int saw = 0;
    for (size_t i = 0; i < run->n_log && saw < SAW_LINES; i++) {
        const sl_rf_log_t *l = &run->log[i];
        if (l->injected || l->t_ms * 1000 < r->t_us || !strcmp(l->level, "INFO") || !strcmp(l->level, "DEBUG"))
            continue;
        fputs("<li>", f);
        log_line(f, l);
        fputs("</li>\n", f);
        saw++;
    }
    if (!saw)
        fputs("<li>no warning or error: only INFO lines.</li>\n", f);
    fputs("</ul></li>\n<li><strong>Each rebalance and why</strong> (root, then the event that started it):<ol>\n", f);
    for (size_t i = 0; i < c->n_rb && i < MAX_LISTED; i++) {
        const sl_rebalance_t *rb = &c->rb[i];
        const sl_rf_event_t *s = &run->ev[rb->start], *why = &run->ev[rb->chain[rb->n_chain > 1 ? 1 : 0]];
        char safe[256];
        sl_extract_safe_name(run->groups[rb->group], safe, sizeof safe);
        fputs("<li>", f);
        when(f, s->t_us);
        fprintf(f, " <a href=\"#rb-%s-%d\">", safe, rb->number);
        esc(f, run->groups[rb->group]);
        fprintf(f, " rebalance %d</a>, not settled for %.1f s: ", rb->number, unsettled_s(run, rb));
        esc(f, sl_causes_label(&run->ev[rb->chain[rb->n_chain - 1]], label, sizeof label));
        fputs(" &rarr; <code>", f);
        esc(f, why->kind);
        fputs("</code> ", f);
        esc(f, why->detail);
        fputs("</li>\n", f);
    }
    if (c->n_rb > MAX_LISTED)
        fprintf(f, "<li>&hellip; and %zu more (all in <a href=\"#rebalances\">Rebalances</a>).</li>\n",
                c->n_rb - MAX_LISTED);
    fputs("</ol></li>\n<li><strong>Each fix and what it cost</strong> (operator actions):<ul>\n", f);
    int fixes = 0;
    for (size_t i = 0; i < run->n_ev; i++) {
        const sl_rf_event_t *e = &run->ev[i];
        if (e->cause >= 0 || !is_action(e->kind))
            continue;
        int n = 0;
        double s = 0;
        for (size_t k = 0; k < c->n_rb; k++)
            if (c->rb[k].chain[c->rb[k].n_chain - 1] == i) {
                n++;
                s += unsettled_s(run, &c->rb[k]);
            }
        fputs("<li>", f);
        when(f, e->t_us);
        fputc(' ', f);
        esc(f, sl_causes_label(e, label, sizeof label));
        fprintf(f, ": %d rebalance%s, %.1f s of groups not settled", n, n == 1 ? "" : "s", s);
        json_t *impact = json_object_get(run->summary, "impact"), *it;
        size_t j;
        json_array_foreach(impact, j, it) {
            json_t *at = json_object_get(it, "at_s"), *verdict = json_object_get(it, "verdict");
            if (json_is_number(at) && json_number_value(at) == e->t_us / 1e6 && json_is_string(verdict)) {
                fputs("; against the same run without it: <strong>", f);
                esc(f, json_string_value(verdict));
                fputs("</strong>", f);
                break;
            }
        }
        fputs(".</li>\n", f);
        fixes++;
    }
    if (!fixes)
        fputs("<li>no operator action in this run: the faults played out alone.</li>\n", f);
    fputs("</ul></li>\n</ol>\n</section>\n", f);
}
