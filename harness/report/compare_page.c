/*
 * compare.html: `stormlab compare`'s page (docs/compare.md).  The table's
 * cells come formatted from cmd_compare.c (the terminal table's own
 * formatting); this file lays them out beside both runs' names and the
 * overlay plots, inline, with report.html's style.  No script: nothing to
 * fetch, nothing to run.
 */
#include "compare.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h> /* access */

#include "extract.h"
#include "report.h"
#include "svginline.h"

#define esc sl_report_esc

static void side(FILE *f, const char *which, const char *how, const sl_compare_side_t *s) {
    fprintf(f, "<li id=\"run-%s\"><strong>%s</strong> (%s): <code>", which, which, how);
    esc(f, s->dir);
    fputs("</code>, ", f);
    esc(f, s->kind);
    fputs(", scenario <strong>", f);
    esc(f, s->scenario);
    fputs("</strong>, seed ", f);
    esc(f, s->seed);
    fprintf(f, ", %.0f s</li>\n", s->duration_s);
}

static void table_head(FILE *f, const char *first, const char *note) {
    fputs("<table>\n<thead><tr><th>", f);
    esc(f, first);
    fputs("</th><th>A</th><th>B</th><th>B &minus; A</th></tr></thead>\n<tbody>\n", f);
    if (note) {
        fputs("<tr><td colspan=\"4\" class=\"note\">", f);
        esc(f, note);
        fputs("</td></tr>\n", f);
    }
}

static void row(FILE *f, const sl_compare_row_t *r) {
    fprintf(f, "<tr%s><td>", r->differs ? " class=\"differs\"" : "");
    esc(f, r->label);
    fputs("</td><td>", f);
    esc(f, r->a);
    fputs("</td><td>", f);
    esc(f, r->b);
    fputs("</td><td>", f);
    esc(f, r->diff);
    fputs("</td></tr>\n", f);
}

static void plots(FILE *f, const char *outdir, const char *group) {
    static const char *const what[SL_COMPARE_N_PLOTS] = {"members and generation", "consumer lag"};
    char safe[256];
    sl_extract_safe_name(group, safe, sizeof safe);
    for (int p = 0; p < SL_COMPARE_N_PLOTS; p++) {
        char path[4400], prefix[300], label[600];
        snprintf(path, sizeof path, "%s/%s-%s.svg", outdir, safe, sl_compare_plot_names[p]);
        if (access(path, R_OK))
            continue;
        snprintf(prefix, sizeof prefix, "%s-%s-", safe, sl_compare_plot_names[p]);
        snprintf(label, sizeof label, "%s: %s, A vs B", group, what[p]);
        fprintf(f, "<figure id=\"plot-%s-%s\">\n", safe, sl_compare_plot_names[p]);
        sl_svg_inline(f, path, prefix, label);
        fputs("\n<figcaption>", f);
        esc(f, label);
        fputs(": A solid, B dashed; above the chart, A's injected faults and actions, then B's.</figcaption>\n"
              "</figure>\n",
              f);
    }
}

int sl_compare_page_write(const char *outdir, const sl_compare_side_t *a, const sl_compare_side_t *b,
                          const sl_compare_row_t *rows, size_t n_rows, int differences, int compared, int with_plots,
                          char *err, size_t errsz) {
    char tmp[4200], final[4200], title[600];
    snprintf(title, sizeof title, "%s vs %s", a->scenario, b->scenario);
    FILE *f = sl_report_page_open(outdir, "compare.html", title, "compare", "tr.differs td{background:#fff4e0}", tmp,
                                  final, sizeof tmp, err, errsz);
    if (!f)
        return -1;
    fputs("<header id=\"runs\">\n<p class=\"kicker\">stormlab compare</p>\n<h1>", f);
    esc(f, a->scenario);
    fputs(" <small>(A)</small> vs ", f);
    esc(f, b->scenario);
    fputs(" <small>(B)</small></h1>\n<ul>\n", f);
    side(f, "A", "solid lines", a);
    side(f, "B", "dashed lines", b);
    fprintf(f, "</ul>\n<p class=\"meta\">%d of %d values differ (rows shaded)", differences, compared);
    if (a->first_fault_s >= 0 || b->first_fault_s >= 0) {
        fputs("; time to stable counts from the first injected fault:", f);
        if (a->first_fault_s >= 0)
            fprintf(f, " A %.1f s", a->first_fault_s);
        if (b->first_fault_s >= 0)
            fprintf(f, "%s B %.1f s", a->first_fault_s >= 0 ? "," : "", b->first_fault_s);
    }
    fputs(".</p>\n</header>\n<section id=\"table\">\n<h2>Side by side</h2>\n", f);
    const char *group = NULL;
    int open = 0;
    for (size_t i = 0; i < n_rows; i++) {
        const sl_compare_row_t *r = &rows[i];
        if (!open || (r->group ? !group || strcmp(r->group, group) : group != NULL)) {
            if (open)
                fputs("</tbody>\n</table>\n", f);
            fputs("<h3>", f);
            if (r->group) {
                fputs("Group ", f);
                esc(f, r->group);
            } else {
                fputs("Cluster", f);
            }
            fputs("</h3>\n", f);
            table_head(f, r->group ? "group metric" : "cluster metric", r->only);
            group = r->group;
            open = 1;
        }
        row(f, r);
    }
    if (open)
        fputs("</tbody>\n</table>\n", f);
    fputs("</section>\n<section id=\"plots\">\n<h2>Overlay plots</h2>\n", f);
    if (!with_plots)
        fputs("<p class=\"note\">No overlay plots: gnuplot is not installed (<code>sudo apt-get install "
              "gnuplot-nox</code>, then run <code>stormlab compare</code> again).</p>\n",
              f);
    for (size_t i = 0; i < n_rows && with_plots; i++) {
        if (!rows[i].group || rows[i].only || (i > 0 && rows[i - 1].group && !strcmp(rows[i - 1].group, rows[i].group)))
            continue; /* once per group both runs have */
        fputs("<h3>Group ", f);
        esc(f, rows[i].group);
        fputs("</h3>\n", f);
        plots(f, outdir, rows[i].group);
    }
    fputs("</section>\n", f);
    return sl_report_page_close(f, tmp, final, err, errsz);
}
