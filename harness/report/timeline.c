/*
 * The interactive timeline of report.html (docs/plots.md, "Timeline"): the
 * run as JSON in a <script type="application/json"> block, drawn by the
 * vanilla script in timeline_js.h.  Nothing is fetched: the page stays one
 * offline file.
 */
#include "stormlab/outputs.h"
#include "timeline.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lanes.h"
#include "timeline_css.h" /* generated: sl_timeline_style */
#include "timeline_js.h"  /* generated: sl_timeline_js */

/* Log lines past this many are left out of the page (it says how many). */
#define MAX_LOG_LINES 20000

/* The scenario event index of each root (its order among the injected roots), as summary.json's impact counts. */
static json_t *impact_of(const sl_run_t *run, int index, double at_s) {
    json_t *impact = json_object_get(run->summary, "impact"), *it;
    size_t i;
    json_array_foreach(impact, i, it) {
        json_t *ev = json_object_get(it, "event"), *at = json_object_get(it, "at_s");
        if ((json_is_integer(ev) && json_integer_value(ev) == index) ||
            (!json_is_integer(ev) && json_is_number(at) && json_number_value(at) == at_s))
            return it;
    }
    return NULL;
}

static json_t *chain_json(const sl_run_t *run, const sl_rebalance_t *rb) {
    json_t *chain = json_array();
    char label[512];
    for (size_t k = rb->n_chain; k-- > 0;) {
        const sl_rf_event_t *e = &run->ev[rb->chain[k]];
        char t[32];
        sl_fmt_clock(t, sizeof t, e->t_us);
        snprintf(label, sizeof label, "%s %s %s %s", t, e->kind, e->node ? e->node : "controller/injector",
                 e->detail ? e->detail : "");
        json_array_append_new(chain, json_string(label));
    }
    return chain;
}

static json_t *build(const sl_run_t *run, const sl_causes_t *c) {
    json_t *root = json_object(), *groups = json_array(), *faults = json_array(), *rbs = json_array(),
           *states = json_array(), *log = json_array();
    json_object_set_new(root, "duration", json_real(run->duration_s));
    for (int s = 0; s < SL_LANE__COUNT; s++)
        json_array_append_new(states, json_string(sl_lane_state_names[s]));
    json_object_set_new(root, "states", states);
    /* lanes: every member, grouped by group */
    sl_lanes_t *ls = sl_lanes_new(run, 100000);
    size_t n_seg;
    const sl_lane_seg_t *seg = sl_lanes_segments(ls, &n_seg);
    for (size_t g = 0; g < run->n_groups; g++)
        json_array_append_new(groups, json_pack("{s:s, s:o}", "name", run->groups[g], "lanes", json_object()));
    for (size_t i = 0; i < n_seg; i++) {
        json_t *lanes = json_object_get(json_array_get(groups, (size_t)seg[i].gi), "lanes");
        char key[300];
        snprintf(key, sizeof key, "%s/%d", run->groups[seg[i].gi], seg[i].lane);
        json_t *l = json_object_get(lanes, key);
        if (!l)
            json_object_set_new(lanes, key, l = json_array());
        /* milliseconds: a third of the bytes of full-precision seconds */
        json_array_append_new(l, json_pack("[I,I,i]", (json_int_t)(seg[i].t0_s * 1000 + 0.5),
                                           (json_int_t)(seg[i].t1_s * 1000 + 0.5), seg[i].state));
    }
    sl_lanes_free(ls);
    json_object_set_new(root, "groups", groups);
    /* rebalances with their chains and first signals */
    char label[512];
    for (size_t i = 0; i < c->n_rb; i++) {
        const sl_rebalance_t *rb = &c->rb[i];
        const sl_rf_event_t *s = &run->ev[rb->start], *r = &run->ev[rb->chain[rb->n_chain - 1]];
        double t1 = run->duration_s;
        for (size_t k = rb->start; k < run->n_ev; k++)
            if (run->ev[k].gi == rb->group && !strcmp(run->ev[k].kind, "group.settled")) {
                t1 = run->ev[k].t_us / 1e6;
                break;
            }
        json_t *o = json_pack("{s:i, s:i, s:i, s:f, s:f, s:s, s:I, s:o}", "group", rb->group, "number", rb->number,
                              "generation", rb->generation, "t0", s->t_us / 1e6, "t1", t1, "root",
                              sl_causes_label(r, label, sizeof label), "root_seq", (json_int_t)r->seq, "chain",
                              chain_json(run, rb));
        if (rb->first_signal >= 0) {
            const sl_rf_log_t *l = &run->log[rb->first_signal];
            char t[32], line[2048];
            sl_fmt_clock(t, sizeof t, l->t_ms * 1000);
            snprintf(line, sizeof line, "[%s] %s %s %s", t, l->level, l->node, l->message);
            json_object_set_new(o, "signal", json_string(line));
        }
        json_array_append_new(rbs, o);
    }
    json_object_set_new(root, "rebalances", rbs);
    /* injected faults and operator actions, with their impact when summary.json has it */
    int index = 0;
    for (size_t i = 0; i < run->n_ev; i++) {
        const sl_rf_event_t *e = &run->ev[i];
        if (e->cause >= 0 || !sl_trace_kind_is_root(e->kind))
            continue;
        long long end_us = sl_causes_end_us(run, c, i);
        json_t *o = json_pack("{s:I, s:f, s:f, s:s, s:s}", "seq", (json_int_t)e->seq, "t0", e->t_us / 1e6, "t1",
                              (end_us > e->t_us ? end_us : e->t_us) / 1e6, "kind", e->kind, "label",
                              sl_causes_label(e, label, sizeof label));
        json_t *imp = impact_of(run, index++, e->t_us / 1e6);
        if (imp)
            json_object_set(o, "impact", imp);
        json_array_append_new(faults, o);
    }
    json_object_set_new(root, "faults", faults);
    /* the log, for "what was logged around this moment" */
    size_t shown = 0;
    for (size_t i = 0; i < run->n_log && shown < MAX_LOG_LINES; i++) {
        const sl_rf_log_t *l = &run->log[i];
        char t[32], line[2048];
        sl_fmt_clock(t, sizeof t, l->t_ms * 1000);
        snprintf(line, sizeof line, "[%s] %s %s %s", t, l->level, l->node, l->message);
        json_array_append_new(log, json_pack("[I,s]", (json_int_t)l->t_ms, line));
        shown++;
    }
    json_object_set_new(root, "log", log);
    json_object_set_new(root, "log_total", json_integer((json_int_t)run->n_log));
    return root;
}

/* JSON inside <script>: "</" would end the element early. */
static void put_script_safe(FILE *f, const char *s) {
    for (; *s; s++) {
        if (s[0] == '<' && s[1] == '/')
            fputs("<\\", f);
        else
            fputc(*s, f);
    }
}

void sl_timeline_write(FILE *f, const sl_run_t *run, const sl_causes_t *c) {
    json_t *data = build(run, c);
    char *text = json_dumps(data, JSON_COMPACT | JSON_ENSURE_ASCII);
    fputs("<section id=\"timeline\">\n<h2>Timeline</h2>\n<p class=\"note\">Every member of every group over time, "
          "derived from the trace. Zoom with the buttons, the mouse wheel or <kbd>+</kbd>/<kbd>-</kbd>; pan by "
          "dragging or with the arrow keys; <kbd>0</kbd> shows the whole run. Hover or focus a rebalance mark for "
          "its cause chain and first signal; click a fault for what it caused; click anywhere on the lanes for the "
          "log lines around that moment.</p>\n"
          "<div id=\"tl\" class=\"tl\" tabindex=\"0\" role=\"application\" aria-label=\"timeline of the run\">"
          "<div class=\"tl-bar\"><button type=\"button\" id=\"tl-in\">zoom in</button>"
          "<button type=\"button\" id=\"tl-out\">zoom out</button><button type=\"button\" id=\"tl-all\">whole run"
          "</button><span id=\"tl-range\"></span></div>"
          "<div id=\"tl-legend\" class=\"tl-legend\"></div><div id=\"tl-faults\" class=\"tl-faults\"></div>"
          "<div id=\"tl-scroll\" class=\"tl-scroll\"><div id=\"tl-body\" class=\"tl-body\"><canvas id=\"tl-canvas\">"
          "</canvas></div></div><div id=\"tl-detail\" class=\"tl-detail\" aria-live=\"polite\"></div>"
          "<pre id=\"tl-log\" class=\"tl-log\"></pre></div>\n<script type=\"application/json\" id=\"tl-data\">",
          f);
    put_script_safe(f, text);
    fputs("</script>\n<script>", f);
    fputs(sl_timeline_js, f);
    fputs("</script>\n</section>\n", f);
    free(text);
    json_decref(data);
}

const char *sl_timeline_css(void) { return sl_timeline_style; }
