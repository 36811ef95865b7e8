/*
 * The interactive timeline of report.html (docs/plots.md, "Timeline"): the
 * run as JSON in a <script type="application/json"> block, drawn by the
 * vanilla script in timeline_js.h.  Nothing is fetched: the page stays one
 * offline file.
 */
#define _GNU_SOURCE /* qsort_r, open_memstream */
#include "stormlab/outputs.h"
#include "timeline.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The page's data is written straight as JSON text, not built as a jansson
 * tree: a 10,000-member run has tens of thousands of lane segments, and the
 * tree cost more than the rest of report.html (docs/model.md, "Speed").
 * Strings go through sl_json_str, as in every output of the project. */

static void put_int(FILE *f, long long v) {
    char buf[24], *p = buf + sizeof buf;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    fwrite(p, 1, (size_t)(buf + sizeof buf - p), f);
}

/* Seconds to the microsecond, as the trace has them ("%.17g": exact). */
static void put_seconds(FILE *f, double t_s) { fprintf(f, "%.17g", t_s); }

static void put_chain(FILE *f, const sl_run_t *run, const sl_rebalance_t *rb) {
    char label[512], t[32];
    fputc('[', f);
    for (size_t k = rb->n_chain; k-- > 0;) {
        const sl_rf_event_t *e = &run->ev[rb->chain[k]];
        sl_fmt_clock(t, sizeof t, e->t_us);
        snprintf(label, sizeof label, "%s %s %s %s", t, e->kind, e->node ? e->node : "controller/injector",
                 e->detail ? e->detail : "");
        if (k + 1 < rb->n_chain)
            fputc(',', f);
        sl_json_str(f, label);
    }
    fputc(']', f);
}

static void put_log_line(FILE *f, const sl_rf_log_t *l) {
    char t[32], line[2048];
    sl_fmt_clock(t, sizeof t, l->t_ms * 1000);
    snprintf(line, sizeof line, "[%s] %s %s %s", t, l->level, l->node, l->message);
    sl_json_str(f, line);
}

/* Segment indices by group, lane, then their own order (time of end). */
static int cmp_seg_index(const void *a, const void *b, void *segs) {
    const sl_lane_seg_t *seg = segs, *x = &seg[*(const size_t *)a], *y = &seg[*(const size_t *)b];
    if (x->gi != y->gi)
        return x->gi < y->gi ? -1 : 1;
    if (x->lane != y->lane)
        return x->lane < y->lane ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : *(const size_t *)a > *(const size_t *)b;
}

/* "groups": [{"name": G, "lanes": {"G/N": [[t0_ms, t1_ms, state], ...], ...}}, ...],
 * every member of every group; segments of a lane in time order. */
static void put_groups(FILE *f, const sl_run_t *run) {
    sl_lanes_t *ls = sl_lanes_new(run, 100000);
    size_t n_seg;
    const sl_lane_seg_t *seg = sl_lanes_segments(ls, &n_seg);
    size_t *order = malloc((n_seg ? n_seg : 1) * sizeof *order);
    if (!order)
        abort();
    for (size_t i = 0; i < n_seg; i++)
        order[i] = i;
    qsort_r(order, n_seg, sizeof *order, cmp_seg_index, (void *)seg);
    fputs("\"groups\":[", f);
    size_t k = 0;
    for (size_t g = 0; g < run->n_groups; g++) {
        fputs(g ? ",{\"name\":" : "{\"name\":", f);
        sl_json_str(f, run->groups[g]);
        fputs(",\"lanes\":{", f);
        for (int lane = -1; k < n_seg && seg[order[k]].gi == (int)g; k++) {
            const sl_lane_seg_t *sg = &seg[order[k]];
            if (sg->lane != lane) {
                if (lane >= 0)
                    fputs("],", f);
                size_t kn = strlen(run->groups[g]) + 16;
                char *key = malloc(kn); /* any length: a cut key would merge two lanes */
                if (!key)
                    abort();
                snprintf(key, kn, "%s/%d", run->groups[g], sg->lane);
                sl_json_str(f, key);
                free(key);
                fputs(":[", f);
                lane = sg->lane;
            } else {
                fputc(',', f);
            }
            /* milliseconds: a third of the bytes of full-precision seconds */
            fputc('[', f);
            put_int(f, (long long)(sg->t0_s * 1000 + 0.5));
            fputc(',', f);
            put_int(f, (long long)(sg->t1_s * 1000 + 0.5));
            fputc(',', f);
            put_int(f, sg->state);
            fputc(']', f);
            if (k + 1 == n_seg || seg[order[k + 1]].gi != (int)g)
                fputc(']', f);
        }
        fputs("}}", f);
    }
    fputc(']', f);
    free(order);
    sl_lanes_free(ls);
}

/* "rebalances": each with its chain and first signal */
static void put_rebalances(FILE *f, const sl_run_t *run, const sl_causes_t *c) {
    char label[512];
    fputs("\"rebalances\":[", f);
    for (size_t i = 0; i < c->n_rb; i++) {
        const sl_rebalance_t *rb = &c->rb[i];
        const sl_rf_event_t *s = &run->ev[rb->start], *r = &run->ev[rb->chain[rb->n_chain - 1]];
        double t1 = run->duration_s;
        for (size_t k = rb->start; k < run->n_ev; k++)
            if (run->ev[k].gi == rb->group && !strcmp(run->ev[k].kind, "group.settled")) {
                t1 = run->ev[k].t_us / 1e6;
                break;
            }
        fputs(i ? ",{\"group\":" : "{\"group\":", f);
        put_int(f, rb->group);
        fputs(",\"number\":", f);
        put_int(f, rb->number);
        fputs(",\"generation\":", f);
        put_int(f, rb->generation);
        fputs(",\"t0\":", f);
        put_seconds(f, s->t_us / 1e6);
        fputs(",\"t1\":", f);
        put_seconds(f, t1);
        fputs(",\"root\":", f);
        sl_json_str(f, sl_causes_label(r, label, sizeof label));
        fputs(",\"root_seq\":", f);
        put_int(f, r->seq);
        fputs(",\"chain\":", f);
        put_chain(f, run, rb);
        if (rb->first_signal >= 0) {
            fputs(",\"signal\":", f);
            put_log_line(f, &run->log[rb->first_signal]);
        }
        fputc('}', f);
    }
    fputc(']', f);
}

/* "faults": injected faults and operator actions, with their impact when summary.json has it */
static void put_faults(FILE *f, const sl_run_t *run, const sl_causes_t *c) {
    char label[512];
    int index = 0, first = 1;
    fputs("\"faults\":[", f);
    for (size_t i = 0; i < run->n_ev; i++) {
        const sl_rf_event_t *e = &run->ev[i];
        if (e->cause >= 0 || !sl_trace_kind_is_root(e->kind))
            continue;
        long long end_us = sl_causes_end_us(run, c, i);
        fputs(first ? "{\"seq\":" : ",{\"seq\":", f);
        first = 0;
        put_int(f, e->seq);
        fputs(",\"t0\":", f);
        put_seconds(f, e->t_us / 1e6);
        fputs(",\"t1\":", f);
        put_seconds(f, (end_us > e->t_us ? end_us : e->t_us) / 1e6);
        fputs(",\"kind\":", f);
        sl_json_str(f, e->kind);
        fputs(",\"label\":", f);
        sl_json_str(f, sl_causes_label(e, label, sizeof label));
        json_t *imp = impact_of(run, index++, e->t_us / 1e6);
        if (imp) {
            fputs(",\"impact\":", f);
            json_dumpf(imp, f, JSON_COMPACT | JSON_ENSURE_ASCII);
        }
        fputc('}', f);
    }
    fputc(']', f);
}

static void put_data(FILE *f, const sl_run_t *run, const sl_causes_t *c) {
    fputs("{\"duration\":", f);
    put_seconds(f, run->duration_s);
    fputs(",\"states\":[", f);
    for (int s = 0; s < SL_LANE__COUNT; s++) {
        if (s)
            fputc(',', f);
        sl_json_str(f, sl_lane_state_names[s]);
    }
    fputs("],", f);
    put_groups(f, run);
    fputc(',', f);
    put_rebalances(f, run, c);
    fputc(',', f);
    put_faults(f, run, c);
    /* the log, for "what was logged around this moment" */
    fputs(",\"log\":[", f);
    for (size_t i = 0; i < run->n_log && i < MAX_LOG_LINES; i++) {
        fputs(i ? ",[" : "[", f);
        put_int(f, run->log[i].t_ms);
        fputc(',', f);
        put_log_line(f, &run->log[i]);
        fputc(']', f);
    }
    fputs("],\"log_total\":", f);
    put_int(f, (long long)run->n_log);
    fputc('}', f);
}

/* JSON inside <script>: every '<' (only ever inside a string) as \u003c, so
 * no "</script" ends the element early and no "<!--" changes how the HTML
 * parser reads the rest. */
static void put_script_safe(FILE *f, const char *s, size_t n) {
    for (const char *end = s + n; s < end;) {
        const char *lt = memchr(s, '<', (size_t)(end - s));
        size_t plain = (size_t)((lt ? lt : end) - s);
        fwrite(s, 1, plain, f);
        s += plain;
        if (lt) {
            fputs("\\u003c", f);
            s++;
        }
    }
}

void sl_timeline_write(FILE *f, const sl_run_t *run, const sl_causes_t *c) {
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        abort();
    put_data(mem, run, c);
    if (fclose(mem))
        abort();
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
    put_script_safe(f, text, len);
    fputs("</script>\n<script>", f);
    fputs(sl_timeline_js, f);
    fputs("</script>\n</section>\n", f);
    free(text);
}

const char *sl_timeline_css(void) { return sl_timeline_style; }
