/*
 * report.html (docs/plots.md).  One file a reviewer can mail or open
 * offline: CSS, the plots' SVG and the timeline's script and data are
 * inline, and the only links are to the run's own files next to it.
 */
#include "stormlab/outputs.h"
#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extract.h"
#include "plot.h"
#include "svginline.h"
#include "lesson.h"
#include "timeline.h"
#include "impact_panel.h"

void sl_report_esc(FILE *f, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

#define esc sl_report_esc

static void clock_cell(FILE *f, int64_t t_us) {
    char t[32];
    sl_fmt_clock(t, sizeof t, t_us);
    fprintf(f, "<time>%s</time>", t);
}

/* A summary.json value as a table cell: integers as is, reals to 0.1, null as a dash. */
static void json_cell(FILE *f, json_t *v) {
    fputs("<td>", f);
    if (json_is_integer(v))
        fprintf(f, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        fprintf(f, "%.1f", json_real_value(v));
    else if (json_is_string(v))
        esc(f, json_string_value(v));
    else if (json_is_true(v) || json_is_false(v))
        fputs(json_is_true(v) ? "yes" : "no", f);
    else
        fputs("&mdash;", f);
    fputs("</td>", f);
}

/* Column headings for summary.json keys; keys not listed show under their own name. */
static const char *heading(const char *key) {
    static const char *const names[][2] = {
        {"owner", "owner"},
        {"rebalances", "rebalances"},
        {"generation", "final generation"},
        {"first_stable_s", "first settled (s)"},
        {"stable_from_s", "settled from (s)"},
        {"rebalance_s", "time not settled (s)"},
        {"unowned_partition_s", "unowned partition-seconds"},
        {"max_lag", "max lag (records)"},
        {"duplicates", "duplicates (records)"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(key, names[i][0]))
            return names[i][1];
    return key;
}

/* One table from a summary.json object of objects (groups or owners), every key a column. */
static void summary_table(FILE *f, json_t *rows, const char *first_col) {
    json_t *cols = json_array(), *row;
    const char *name, *key;
    json_object_foreach(rows, name, row) {
        json_t *v;
        json_object_foreach(row, key, v) {
            size_t i, n = json_array_size(cols);
            for (i = 0; i < n && strcmp(json_string_value(json_array_get(cols, i)), key); i++)
                ;
            if (i == n)
                json_array_append_new(cols, json_string(key));
        }
    }
    fprintf(f, "<table>\n<thead><tr><th>%s</th>", first_col);
    for (size_t i = 0; i < json_array_size(cols); i++) {
        fputs("<th>", f);
        esc(f, heading(json_string_value(json_array_get(cols, i))));
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    json_object_foreach(rows, name, row) {
        fputs("<tr><th scope=\"row\">", f);
        esc(f, name);
        fputs("</th>", f);
        for (size_t i = 0; i < json_array_size(cols); i++)
            json_cell(f, json_object_get(row, json_string_value(json_array_get(cols, i))));
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
    json_decref(cols);
}

static void section_header(FILE *f, const sl_run_t *run) {
    json_t *seed = json_object_get(run->summary, "seed");
    fputs("<header id=\"scenario\">\n<p class=\"kicker\">stormlab run report</p>\n<h1>", f);
    esc(f, run->name);
    fputs("</h1>\n", f);
    if (run->description) {
        fputs("<p class=\"description\">", f);
        esc(f, run->description);
        fputs("</p>\n", f);
    }
    fprintf(f, "<p class=\"meta\">seed %lld &middot; %.0f s simulated &middot; files: ",
            (long long)json_integer_value(seed), run->duration_s);
    static const char *const files[] = {"trace.jsonl", "series.tsv", "summary.json", "log.txt",
                                        "scenario.resolved.yaml"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        fprintf(f, "%s<a href=\"%s\">%s</a>", i ? ", " : "", files[i], files[i]);
    fputs("</p>\n<nav><a href=\"#summary\">summary</a> <a href=\"#owners\">owners</a> <a href=\"#plots\">plots</a> "
          "<a href=\"#lesson\">lesson</a> <a href=\"#timeline\">timeline</a> <a href=\"#rebalances\">rebalances</a> <a href=\"#faults\">faults and actions</a></nav>\n</header>\n",
          f);
}

static void section_summary(FILE *f, const sl_run_t *run) {
    json_t *cl = json_object_get(run->summary, "cluster"), *v;
    const char *key;
    fputs("<section id=\"summary\">\n<h2>Summary per group</h2>\n", f);
    summary_table(f, json_object_get(run->summary, "groups"), "group");
    fputs("<p class=\"note\">A rebalance is every time the group left Stable after it first settled; forming the group "
          "is not one (docs/outputs.md).</p>\n<h3>Cluster</h3>\n<dl class=\"cluster\">\n",
          f);
    json_object_foreach(cl, key, v) {
        fputs("<div><dt>", f);
        esc(f, key);
        fputs("</dt><dd>", f);
        if (json_is_integer(v))
            fprintf(f, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
            fprintf(f, "%.1f", json_real_value(v));
        fputs("</dd></div>\n", f);
    }
    fputs("</dl>\n</section>\n<section id=\"owners\">\n<h2>Summary per owner</h2>\n", f);
    summary_table(f, json_object_get(run->summary, "owners"), "owner");
    fputs("</section>\n", f);
}

/* The plots in story order: what happened, to whom, what it cost. */
static const char *const plot_order[][2] = {
    {"members", "Members and generation over time; shaded while the group was not settled. A black mark at the top "
                "for each rebalance summary.json counts, drawn at least 0.4% of the axis wide; one rebalance can "
                "step the generation more than once. Grey: the coordinator moving, when no broker counts the "
                "members (the line breaks there)."},
    {"swimlane", "What each member process was doing, derived from the trace; only green is time it consumed "
                 "records."},
    {"partitions", "Partitions owned by some member versus unowned: the unowned band is consumption not happening."},
    {"lag", "Consumer lag and records consumed per second: lag climbs while consumption stops."},
};

static void section_plots(FILE *f, const sl_run_t *run, int with_plots) {
    fputs("<section id=\"plots\">\n<h2>Plots</h2>\n", f);
    if (!with_plots) {
        fputs("<p class=\"note\">Plots were not rendered for this run (<code>--no-plots</code>, or gnuplot is not "
              "installed). Install gnuplot (<code>sudo apt-get install gnuplot-nox</code>) and run <code>stormlab plot ",
              f);
        esc(f, run->dir);
        fputs("</code>.</p>\n</section>\n", f);
        return;
    }
    fputs("<p class=\"note\">Above each plot: every injected fault and operator action, a bar for as long as it "
          "lasted; dashed lines mark when each began. PNG versions are in <a href=\"plots/\">plots/</a>.</p>\n",
          f);
    size_t *drawn = malloc((run->n_groups ? run->n_groups : 1) * sizeof *drawn);
    size_t n_drawn = drawn ? sl_plot_groups(run, 0, drawn) : 0;
    /* what plots/ holds decides: `stormlab plot --all-groups` draws them all */
    size_t with_files = 0;
    for (size_t g = 0; g < run->n_groups; g++) {
        char safe[256], path[4096];
        sl_extract_safe_name(run->groups[g], safe, sizeof safe);
        snprintf(path, sizeof path, "%s/plots/%s-%s.svg", run->dir, safe, plot_order[0][0]);
        with_files += access(path, R_OK) == 0;
    }
    if (with_files < run->n_groups) {
        fprintf(f, "<p class=\"note\">Plots for %zu of the %zu groups: the %zu with the most rebalances, then the most "
                   "unowned partition-seconds. Every group's numbers are in the tables above; <code>stormlab plot ",
                with_files, run->n_groups, n_drawn);
        esc(f, run->dir);
        fputs(" --all-groups</code> draws every group.</p>\n", f);
    }
    free(drawn);
    for (size_t g = 0; g < run->n_groups; g++) {
        char safe[256], first[4096];
        sl_extract_safe_name(run->groups[g], safe, sizeof safe);
        snprintf(first, sizeof first, "%s/plots/%s-%s.svg", run->dir, safe, plot_order[0][0]);
        if (with_files < run->n_groups && access(first, R_OK))
            continue; /* not drawn: no heading for nothing */
        fputs("<h3>Group ", f);
        esc(f, run->groups[g]);
        fputs("</h3>\n", f);
        for (size_t k = 0; k < sizeof plot_order / sizeof *plot_order; k++) {
            char path[4096], prefix[300], label[600];
            snprintf(path, sizeof path, "%s/plots/%s-%s.svg", run->dir, safe, plot_order[k][0]);
            if (access(path, R_OK))
                continue; /* a plots/ directory with its own scripts may lack one */
            snprintf(prefix, sizeof prefix, "%s-%s-", safe, plot_order[k][0]);
            snprintf(label, sizeof label, "%s: %s", run->groups[g], plot_order[k][1]);
            fprintf(f, "<figure id=\"plot-%s-%s\">\n", safe, plot_order[k][0]);
            sl_svg_inline(f, path, prefix, label);
            fputs("\n<figcaption>", f);
            esc(f, plot_order[k][1]);
            fputs("</figcaption>\n</figure>\n", f);
        }
    }
    fputs("</section>\n", f);
}

static void chain_item(FILE *f, const sl_rf_event_t *e, int is_root) {
    fputs(is_root ? "<li class=\"root\">" : "<li>", f);
    clock_cell(f, e->t_us);
    fputs(" <code>", f);
    esc(f, e->kind);
    fputs("</code> <span class=\"node\">", f);
    esc(f, e->node ? e->node : "controller/injector");
    fputs("</span> ", f);
    esc(f, e->detail);
    fputs("</li>\n", f);
}

static void signal_par(FILE *f, const sl_run_t *run, long line, int64_t root_us) {
    fputs("<p class=\"signal\"><strong>First signal</strong> (the first log line this root produced): ", f);
    if (line < 0) {
        fputs("none in log.txt.</p>\n", f);
        return;
    }
    const sl_rf_log_t *l = &run->log[line];
    clock_cell(f, l->t_ms * 1000);
    fprintf(f, ", %.1f s after the root: <code>%s ", (l->t_ms * 1000 - root_us) / 1e6, l->level);
    esc(f, l->node);
    fputc(' ', f);
    esc(f, l->message);
    fputs("</code></p>\n", f);
}

static void rebalance_article(FILE *f, const sl_run_t *run, const sl_rebalance_t *rb) {
    char label[512], safe[256];
    const sl_rf_event_t *s = &run->ev[rb->start], *root = &run->ev[rb->chain[rb->n_chain - 1]];
    sl_extract_safe_name(run->groups[rb->group], safe, sizeof safe);
    fprintf(f, "<article class=\"rebalance\" id=\"rb-%s-%d\">\n<h4>", safe, rb->number);
    esc(f, run->groups[rb->group]);
    fprintf(f, " rebalance %d &rarr; generation ", rb->number);
    char end[600];
    if (rb->generation >= 0) {
        fprintf(f, "%d", rb->generation);
    } else if (sl_causes_group_end(run, rb->group, end, sizeof end), *end) {
        fputs("(none: ", f);
        esc(f, end);
        fputs(")", f);
    } else {
        fputs("(none: the run ended first)", f);
    }
    fputs(" at ", f);
    clock_cell(f, s->t_us);
    fputs("</h4>\n<p class=\"root-line\"><strong>Root:</strong> ", f);
    esc(f, sl_causes_label(root, label, sizeof label));
    fputs(" (<code>", f);
    esc(f, root->kind);
    fprintf(f, "</code>), %.1f s before.</p>\n<ol class=\"chain\">\n", (s->t_us - root->t_us) / 1e6);
    for (size_t k = rb->n_chain; k-- > 0;) /* oldest first: how it unfolded */
        chain_item(f, &run->ev[rb->chain[k]], k == rb->n_chain - 1);
    fputs("</ol>\n", f);
    if (rb->n_also) { /* what else changed it while it ran (causes.h) */
        fputs("<p class=\"also\"><strong>Also contributed:</strong> ", f);
        for (size_t k = 0; k < rb->n_also; k++) {
            const sl_rf_event_t *a = &run->ev[rb->also[k]], *v = &run->ev[rb->via[k]];
            fputs(k ? "; " : "", f);
            esc(f, sl_causes_label(a, label, sizeof label));
            fputs(" (<code>", f);
            esc(f, a->kind);
            fputs("</code> at ", f);
            clock_cell(f, a->t_us);
            fputs("), through <code>", f);
            esc(f, v->kind);
            fputs("</code> at ", f);
            clock_cell(f, v->t_us);
            if (v->detail) {
                fputs(": ", f);
                esc(f, v->detail);
            }
        }
        fputs(".</p>\n", f);
    }
    signal_par(f, run, rb->first_signal, root->t_us);
    fputs("</article>\n", f);
}

static void section_rebalances(FILE *f, const sl_run_t *run, const sl_causes_t *c) {
    fputs("<section id=\"rebalances\">\n<h2>Rebalances and their causes</h2>\n<p class=\"note\">Each rebalance with "
          "the chain of events that led to it, from the root (an injected fault or operator action) down, and the "
          "first log line an engineer would have seen. The same as <code>stormlab explain</code>.</p>\n",
          f);
    for (size_t g = 0; g < run->n_groups; g++) {
        int n = 0;
        for (size_t i = 0; i < c->n_rb; i++)
            n += c->rb[i].group == (int)g;
        fputs("<h3>Group ", f);
        esc(f, run->groups[g]);
        if (c->first_settled_s[g] < 0)
            fputs(": never settled, so no rebalance is counted</h3>\n", f);
        else
            fprintf(f, ": %d rebalance%s after it first settled at %.1f s</h3>\n", n, n == 1 ? "" : "s",
                    c->first_settled_s[g]);
        char end[600];
        sl_causes_group_end(run, (int)g, end, sizeof end);
        if (*end) {
            fputs("<p class=\"group-end\"><strong>Not settled at the end:</strong> ", f);
            esc(f, end);
            fputs("</p>\n", f);
        }
        for (size_t i = 0; i < c->n_rb; i++)
            if (c->rb[i].group == (int)g)
                rebalance_article(f, run, &c->rb[i]);
    }
    fputs("</section>\n", f);
}

/* "billing 3", linked to its article; comma-separated after the first. */
static void rebalance_link(FILE *f, const sl_run_t *run, const sl_rebalance_t *rb, int not_first) {
    char safe[256];
    sl_extract_safe_name(run->groups[rb->group], safe, sizeof safe);
    fprintf(f, "%s<a href=\"#rb-%s-%d\">", not_first ? ", " : "", safe, rb->number);
    esc(f, run->groups[rb->group]);
    fprintf(f, " %d</a>", rb->number);
}

static void section_faults(FILE *f, const sl_run_t *run, const sl_causes_t *c) {
    char label[512];
    fputs("<section id=\"faults\">\n<h2>Injected faults and operator actions</h2>\n<table>\n<thead><tr><th>at</th>"
          "<th>event</th><th>what</th><th>rebalances it caused</th><th>contributed to</th><th>first signal</th></tr></thead>\n"
          "<tbody>\n",
          f);
    for (size_t r = 0; r < run->n_ev; r++) {
        const sl_rf_event_t *e = &run->ev[r];
        if (e->cause >= 0 || !sl_trace_kind_is_root(e->kind))
            continue;
        fputs("<tr><td>", f);
        clock_cell(f, e->t_us);
        fputs("</td><td><code>", f);
        esc(f, e->kind);
        fputs("</code></td><td>", f);
        esc(f, sl_causes_label(e, label, sizeof label));
        fputs("</td><td class=\"list\">", f);
        int any = 0;
        for (size_t i = 0; i < c->n_rb; i++)
            if (c->rb[i].chain[c->rb[i].n_chain - 1] == r)
                rebalance_link(f, run, &c->rb[i], any++);
        fputs(any ? "</td><td class=\"list\">" : "none</td><td class=\"list\">", f);
        any = 0;
        for (size_t i = 0; i < c->n_rb; i++)
            for (size_t k = 0; k < c->rb[i].n_also; k++)
                if (c->rb[i].also[k] == r)
                    rebalance_link(f, run, &c->rb[i], any++);
        fputs(any ? "</td><td>" : "&mdash;</td><td>", f);
        if (c->signal_of[r] >= 0)
            clock_cell(f, run->log[c->signal_of[r]].t_ms * 1000);
        else
            fputs("&mdash;", f);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
}

static const char *css =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1a1a1a;max-width:1240px;margin:0 auto;"
    "padding:1rem 1.5rem 4rem}"
    "h1{margin:.1rem 0 .5rem;font-size:1.9rem}h2{margin-top:2.5rem;border-bottom:2px solid #0072B2;padding-bottom:.2rem}"
    ".kicker{margin:0;color:#555;text-transform:uppercase;letter-spacing:.08em;font-size:.8rem}"
    ".description{font-size:1.05rem;max-width:70em}.meta,.note{color:#555}"
    "nav a{margin-right:1rem}table{border-collapse:collapse;margin:.5rem 0}"
    "th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}th{background:#f2f2f2}"
    "td:first-child,th:first-child,#faults td,#faults th{text-align:left}"
    ".cluster{display:flex;flex-wrap:wrap;gap:.5rem 2rem}.cluster dt{color:#555;font-size:.85rem}.cluster dd{margin:0;"
    "font-size:1.2rem}"
    "figure{margin:1rem 0 2rem}figure svg{width:100%;height:auto;border:1px solid #e5e5e5}"
    "figcaption{color:#444;font-size:.9rem}"
    ".rebalance{border-left:4px solid #E69F00;padding:.1rem 0 .1rem 1rem;margin:1.2rem 0}"
    ".rebalance h4{margin:.2rem 0}.chain{margin:.3rem 0;padding-left:1.4rem}.chain li.root{font-weight:600}"
    "code{font:13px ui-monospace,'DejaVu Sans Mono',monospace;background:#f5f5f5;padding:0 .2rem;word-break:break-word}"
    /* a table cell never breaks a word (action.restar|t, billing-|team): one line per cell, except a list,
     * which breaks between its items; a table wider than the page scrolls */
    "table{display:block;max-width:100%;overflow-x:auto}td,th{white-space:nowrap;word-break:normal}"
    "td.list{white-space:normal;min-width:12rem}td.list a{white-space:nowrap}"
    "time{font-variant-numeric:tabular-nums;color:#0072B2}.node{color:#555}"
    ".lesson>li{margin:.5rem 0}";

FILE *sl_report_page_open(const char *dir, const char *file, const char *title, const char *command,
                          const char *extra_css, char *tmp, char *final, size_t pathsz, char *err, size_t errsz) {
    snprintf(final, pathsz, "%s/%s", dir, file);
    snprintf(tmp, pathsz, "%s/.%s.partial", dir, file);
    FILE *f = sl_output_create(tmp);
    if (!f) {
        snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
        return NULL;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    esc(f, title);
    fprintf(f, " &middot; stormlab %s</title>\n<meta name=\"generator\" content=\"stormlab %s\">\n<style>%s%s</style>\n"
               "</head>\n<body>\n",
            command, SL_VERSION, css, extra_css);
    return f;
}

int sl_report_page_close(FILE *f, const char *tmp, const char *final, char *err, size_t errsz) {
    fputs("</body>\n</html>\n", f);
    int bad = ferror(f);
    if (fclose(f) || bad || rename(tmp, final)) {
        snprintf(err, errsz, "%s: %s", final, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int sl_report_write(const sl_run_t *run, const sl_causes_t *c, int with_plots, char *err, size_t errsz) {
    char tmp[4200], final[4200];
    size_t n_css = strlen(sl_timeline_css()) + strlen(sl_impact_panel_css()) + 1;
    char *css_extra = malloc(n_css);
    if (!css_extra) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    snprintf(css_extra, n_css, "%s%s", sl_timeline_css(), sl_impact_panel_css());
    FILE *f = sl_report_page_open(run->dir, "report.html", run->name, "report", css_extra, tmp, final,
                                  sizeof tmp, err, errsz);
    free(css_extra);
    if (!f)
        return -1;
    section_header(f, run);
    section_summary(f, run);
    sl_lesson_write(f, run, c);
    sl_timeline_write(f, run, c);
    section_plots(f, run, with_plots);
    section_rebalances(f, run, c);
    section_faults(f, run, c);
    sl_impact_panel_write(f, run);
    return sl_report_page_close(f, tmp, final, err, errsz);
}
