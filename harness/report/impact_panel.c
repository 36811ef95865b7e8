/*
 * report.html's impact panel (docs/plots.md "report.html"): what each
 * scenario event cost, from summary.json's `impact` (stormlab sim
 * --impact; docs/outputs.md).  One chart per metric that some event
 * changed, one bar per event: up is worse (every metric here is a cost),
 * worse bars vermillion and hatched, better ones blue and solid (Okabe-Ito
 * colours, told apart without colour too), each labelled with its delta;
 * an operator action's bar has a dashed outline and its label says
 * "action".  Then a table of the events with their verdicts.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "impact.h"
#include "impact_panel.h"
#include "report.h"

/* The costs a chart is drawn for, in the verdict's order (docs/outputs.md). */
static const struct {
    const char *metric, *title, *unit;
    double least; /* the smallest change shown: a tenth of a second, one record */
} charts[] = {
    {"lost_records", "Records lost", "", 0.5},
    {"produce_errors", "Produce errors", "", 0.5},
    {"crashed_members", "Members crashed", "", 0.5},
    {"stable_from_s", "Time until stable for good", " s", 0.05},
    {"unowned_partition_s", "Unowned partition-seconds", " s", 0.05},
    {"unavailable_partition_s", "Unavailable partition-seconds", " s", 0.05},
    {"rebalances", "Rebalances", "", 0.5},
    {"rebalance_s", "Seconds rebalancing", " s", 0.05},
    {"duplicates", "Duplicate records", "", 0.5},
    {"max_lag", "Largest lag", " records", 0.5},
};

#define W 760
#define TOP 22
#define BASE_H 150 /* plot area height */
#define H (TOP + BASE_H + 52) /* and three lines of labels */
#define LEFT 60

static const char *str(json_t *e, const char *key) {
    const char *s = json_string_value(json_object_get(e, key));
    return s ? s : "";
}

static int changed(int k, double d) { return fabs(d) >= charts[k].least; }

static void number(FILE *f, double d, const char *unit) {
    if (d == floor(d) && fabs(d) < 1e15)
        fprintf(f, "%+.0f%s", d, unit);
    else
        fprintf(f, "%+.1f%s", d, unit);
}

static void chart(FILE *f, json_t *impact, size_t n, int k) {
    double max = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(sl_impact_delta_sum(json_array_get(impact, i), charts[k].metric));
        if (d > max)
            max = d;
    }
    double slot = (double)(W - LEFT - 10) / (double)n, bar = slot * 0.6 > 60 ? 60 : slot * 0.6;
    double zero = TOP + BASE_H / 2.0, scale = max > 0 ? (BASE_H / 2.0 - 14) / max : 0;
    fputs("<h3>", f);
    sl_report_esc(f, charts[k].title);
    fputs("</h3>\n", f);
    fprintf(f, "<figure class=\"impact-chart\" data-metric=\"%s\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
               "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
            charts[k].metric, W, H);
    sl_report_esc(f, charts[k].title);
    fputs(": change per event\">\n", f);
    fprintf(f, "<text x=\"4\" y=\"%.0f\" class=\"axis\">worse &#8593;</text>"
               "<text x=\"4\" y=\"%.0f\" class=\"axis\">better &#8595;</text>\n"
               "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"zero\"/>\n",
            zero - 30, zero + 40, LEFT, zero, W - 10, zero);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(impact, i);
        double d = sl_impact_delta_sum(e, charts[k].metric);
        int action = !strcmp(str(e, "kind"), "action");
        const char *cls = !changed(k, d) ? "none" : d > 0 ? "worse" : "better";
        double x = LEFT + slot * (double)i + (slot - bar) / 2, h = fabs(d) * scale;
        if (changed(k, d) && h < 2)
            h = 2; /* a change too small for the scale still shows */
        double y = d > 0 ? zero - h : zero;
        fprintf(f, "<g class=\"bar %s%s\" data-event=\"%lld\" data-delta=\"%.17g\">", cls, action ? " action" : "",
                (long long)json_integer_value(json_object_get(e, "event")), d);
        if (changed(k, d))
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", x, y, bar, h);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"value\">", x + bar / 2, d > 0 ? y - 4 : y + h + 12);
        if (changed(k, d))
            number(f, d, charts[k].unit);
        else
            fputs("0", f);
        fprintf(f, "</text><text x=\"%.1f\" y=\"%d\" class=\"label\">events[%lld]</text>", x + bar / 2,
                TOP + BASE_H + 16, (long long)json_integer_value(json_object_get(e, "event")));
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"label at\">%.0f s</text>", x + bar / 2, TOP + BASE_H + 31,
                json_number_value(json_object_get(e, "at_s")));
        if (action)
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"label kind\">action</text>", x + bar / 2,
                    TOP + BASE_H + 46);
        fputs("</g>\n", f);
    }
    fputs("</svg>\n<figcaption>", f);
    sl_report_esc(f, charts[k].title);
    fputs(": this run minus the same run without the event (summed over the groups).</figcaption>\n</figure>\n", f);
}

static void events_table(FILE *f, json_t *impact, size_t n) {
    fputs("<table class=\"impact-events\">\n<thead><tr><th>event</th><th>at</th><th>kind</th><th>what</th>"
          "<th>effect</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(impact, i);
        char effect[512];
        sl_impact_effect_text(e, effect, sizeof effect);
        fprintf(f, "<tr class=\"%s\"><td>events[%lld]</td><td>%.0f s</td><td>", str(e, "verdict"),
                (long long)json_integer_value(json_object_get(e, "event")),
                json_number_value(json_object_get(e, "at_s")));
        sl_report_esc(f, str(e, "kind"));
        fputs("</td><td><code>", f);
        sl_report_esc(f, str(e, "what"));
        fputs("</code></td><td>", f);
        sl_report_esc(f, effect);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

const char *sl_impact_panel_css(void) {
    return "#impact svg{width:100%;height:auto;border:1px solid #e5e5e5}"
           "#impact .bar.worse rect{fill:url(#worse-hatch);stroke:#D55E00;stroke-width:1.5}"
           "#impact .bar.better rect{fill:#0072B2;stroke:#0072B2;stroke-width:1.5}"
           "#impact .bar.action rect{stroke:#1a1a1a;stroke-dasharray:4 2}"
           "#impact .zero{stroke:#888}#impact text{font-size:12px;text-anchor:middle;fill:#1a1a1a}"
           "#impact text.axis{text-anchor:start;fill:#555}#impact text.at{fill:#555}"
           "#impact text.kind{font-weight:600}#impact h3{margin:1.2rem 0 .2rem;font-size:1rem}"
           "#impact tr.worse td:last-child{color:#B34700}#impact tr.better td:last-child{color:#0072B2}";
}

void sl_impact_panel_write(FILE *f, const sl_run_t *run) {
    json_t *impact = json_object_get(run->summary, "impact");
    size_t n = json_array_size(impact);
    fputs("<section id=\"impact\">\n<h2>What each event cost</h2>\n", f);
    if (!n) {
        fputs("<p class=\"note\">No impact in this run: <code>stormlab sim --impact</code> runs the scenario once "
              "more without each event and shows here what each fault and each operator action changed "
              "(docs/outputs.md); <code>stormlab explain</code> computes it too.</p>\n</section>\n",
              f);
        return;
    }
    /* the hatch the worse bars are filled with: not told by colour alone */
    fputs("<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>"
          "<pattern id=\"worse-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
          "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#D55E00\"/>"
          "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#fff\" stroke-width=\"2\"/></pattern></defs></svg>\n",
          f);
    fputs("<p class=\"note\">Each bar is one scenario event: this run minus the same scenario and seed with that "
          "event removed. Up (hatched) made it worse, down (solid) made it better; an operator action has a dashed "
          "outline and says <b>action</b>.</p>\n",
          f);
    int drawn = 0;
    for (size_t k = 0; k < sizeof charts / sizeof charts[0]; k++) {
        int any = 0;
        for (size_t i = 0; i < n && !any; i++)
            any = changed((int)k, sl_impact_delta_sum(json_array_get(impact, i), charts[k].metric));
        if (any) {
            chart(f, impact, n, (int)k);
            drawn++;
        }
    }
    if (!drawn)
        fputs("<p>No event changed any of the costs.</p>\n", f);
    events_table(f, impact, n);
    fputs("</section>\n", f);
}
