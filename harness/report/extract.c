/*
 * Extracts for the gnuplot scripts.  Times are seconds; the scripts choose
 * the axis unit.  Every file starts with a `#` line naming its columns,
 * which gnuplot skips.
 */
#include "stormlab/outputs.h"
#include "extract.h"
#include "lanes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stormlab/stormlab.h" /* sl_output_create */

/* The fault strip above each plot has at most this many label rows
 * (plots/_style.gp gives each at least 12.6 px: a 9 px label and a gap). */
#define MAX_ROWS 16
/* Layout as plots/_style.gp draws it: 1280 px wide, the time axis ends at
 * 0.925 of it and starts at most at LEFT_MAX (the swimlane's lane labels,
 * at most LANE_LABEL_MAX characters of LABEL_PX_PER_CHAR). */
#define PLOT_WIDTH_PX 1280.0
#define LABEL_PX_PER_CHAR 7.4
#define LANE_LABEL_MAX 24
#define LEFT_MAX ((LANE_LABEL_MAX * LABEL_PX_PER_CHAR + 48) / PLOT_WIDTH_PX)
/* Lanes in a swimlane: past this a lane is thinner than its label, so
 * members after the first MAX_LANES are left out (and the title says so). */
#define MAX_LANES 40

void sl_extract_safe_name(const char *group, char *out, size_t n) {
    size_t i = 0;
    for (; group[i] && i + 1 < n; i++) {
        char ch = group[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                 ch == '_' || ch == '-';
        out[i] = ok && !(i == 0 && ch == '.') ? ch : '_';
    }
    out[i] = 0;
}

static FILE *open_out(const char *datadir, const char *safe, const char *name, char *err, size_t errsz) {
    char path[4096];
    if (safe)
        snprintf(path, sizeof path, "%s/%s.%s", datadir, safe, name);
    else
        snprintf(path, sizeof path, "%s/%s", datadir, name);
    FILE *f = sl_output_create(path);
    if (!f)
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
    return f;
}

static int close_out(FILE *f, char *err, size_t errsz) {
    int bad = ferror(f);
    if (fclose(f) || bad) {
        snprintf(err, errsz, "writing plot data: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static size_t utf8_len(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/*
 * Injected events with their labels, each on the first strip row where it
 * overlaps nothing.  Label widths are estimated for the narrowest time axis
 * any plot has (LEFT_MAX to 0.925 of 1280 px) at the strip's font; a label
 * that finds no free row is left out (its bar and tick stay) rather than
 * drawn over another.
 */
static int write_faults(const sl_run_t *run, const sl_causes_t *c, const char *datadir, int *rows, char *err,
                        size_t errsz) {
    FILE *f = open_out(datadir, NULL, "faults.tsv", err, errsz);
    if (!f)
        return -1;
    fprintf(f, "# t_start_s\tt_end_s\trow\tkind\tlabel\n");
    double busy_until[MAX_ROWS];
    for (int r = 0; r < MAX_ROWS; r++)
        busy_until[r] = -1e300;
    double axis_px = (0.925 - LEFT_MAX) * PLOT_WIDTH_PX;
    double s_per_char = (run->duration_s > 0 ? run->duration_s : 1) * LABEL_PX_PER_CHAR / axis_px;
    char label[512];
    for (size_t i = 0; i < run->n_ev; i++) {
        const sl_rf_event_t *e = &run->ev[i];
        if (e->cause >= 0 || !sl_trace_kind_is_root(e->kind))
            continue;
        double t0 = e->t_us / 1e6;
        long long end_us = sl_causes_end_us(run, c, i);
        double t1 = end_us > e->t_us ? end_us / 1e6 : t0;
        sl_causes_label(e, label, sizeof label);
        double width = (utf8_len(label) + 5) * s_per_char; /* the tick, the offset, a gap */
        int row = -1;
        for (int r = 0; r < MAX_ROWS && row < 0; r++)
            if (busy_until[r] < t0)
                row = r;
        if (row < 0) { /* no room: the bar on the row free soonest, no label */
            row = 0;
            for (int r = 1; r < MAX_ROWS; r++)
                if (busy_until[r] < busy_until[row])
                    row = r;
            label[0] = 0;
        }
        if (busy_until[row] < (t0 + width > t1 ? t0 + width : t1))
            busy_until[row] = (t0 + width > t1 ? t0 + width : t1);
        if (row + 1 > *rows)
            *rows = row + 1;
        fprintf(f, "%.6f\t%.6f\t%d\t%s\t%s\n", t0, t1, row, e->kind, label);
    }
    return close_out(f, err, errsz);
}

static int write_series(const sl_run_t *run, const char *group, const char *safe, const char *datadir, char *err,
                        size_t errsz) {
    FILE *f = open_out(datadir, safe, "series.tsv", err, errsz);
    if (!f)
        return -1;
    /* loaded: 0 while the coordinator moves (series.tsv state Loading or Unloaded), when its member count is 0
     * only because no broker holds the group */
    fprintf(f, "# t_s\tmembers\tgeneration\towned\tunowned\tlag\tconsumed_per_s\tloaded\n");
    int gi = sl_run_group_index(run, group);
    for (size_t i = 0; i < run->n_samples; i++) {
        const sl_rf_sample_t *s = &run->samples[i];
        int loaded = !s->state || (strcmp(s->state, "Loading") && strcmp(s->state, "Unloaded"));
        if (s->gi == gi)
            fprintf(f, "%.3f\t%d\t%d\t%d\t%d\t%lld\t%.1f\t%d\n", s->t_s, s->members, s->generation, s->owned,
                    s->unowned, s->lag, s->consumed_per_s, loaded);
    }
    return close_out(f, err, errsz);
}

/*
 * Periods the group was not settled (docs/outputs.md `group.settled`):
 * forming until it first settles, then from each rebalance start or
 * coordinator unload to the next settle.
 */
static int write_unsettled(const sl_run_t *run, const char *group, const char *safe, const char *datadir, char *err,
                           size_t errsz) {
    FILE *f = open_out(datadir, safe, "unsettled.tsv", err, errsz);
    if (!f)
        return -1;
    fprintf(f, "# t_start_s\tt_end_s\tforming\n");
    double open_at = 0;
    int open = 1, forming = 1, gi = sl_run_group_index(run, group);
    for (size_t i = 0; i < run->n_ev; i++) {
        const sl_rf_event_t *e = &run->ev[i];
        if (e->gi != gi)
            continue;
        if (!strcmp(e->kind, "group.settled") && open) {
            fprintf(f, "%.6f\t%.6f\t%d\n", open_at, e->t_us / 1e6, forming);
            open = forming = 0;
        } else if (!open && (!strcmp(e->kind, "group.rebalance.start") || !strcmp(e->kind, "coordinator.unload"))) {
            open = 1;
            open_at = e->t_us / 1e6;
        }
    }
    if (open)
        fprintf(f, "%.6f\t%.6f\t%d\n", open_at, run->duration_s, forming);
    return close_out(f, err, errsz);
}

/*
 * The group's coordinator moves: from coordinator.unload to the next
 * coordinator.load.done, with the brokers it moved between.
 */
static int write_coordinator(const sl_run_t *run, int gi, const char *safe, const char *datadir, char *err,
                             size_t errsz) {
    FILE *f = open_out(datadir, safe, "coordinator.tsv", err, errsz);
    if (!f)
        return -1;
    fprintf(f, "# t_start_s\tt_end_s\tlabel\n");
    const sl_rf_event_t *from = NULL;
    for (size_t i = 0; i < run->n_ev; i++) {
        const sl_rf_event_t *e = &run->ev[i];
        if (e->gi != gi)
            continue;
        if (!strcmp(e->kind, "coordinator.unload") && !from)
            from = e;
        else if (!strcmp(e->kind, "coordinator.load.done") && from) {
            fprintf(f, "%.6f\t%.6f\t%s → %s\n", from->t_us / 1e6, e->t_us / 1e6, from->node ? from->node : "?",
                    e->node ? e->node : "?");
            from = NULL;
        }
    }
    if (from)
        fprintf(f, "%.6f\t%.6f\t%s → (none)\n", from->t_us / 1e6, run->duration_s, from->node ? from->node : "?");
    return close_out(f, err, errsz);
}

/*
 * Every rebalance summary.json counts (causes.c): its start, and its end at
 * the next group.settled (the run's end if none), so a plot can draw each
 * one at least a few pixels wide however short it was.
 */
static int write_rebalances(const sl_run_t *run, const sl_causes_t *c, int gi, const char *safe,
                            const char *datadir, char *err, size_t errsz) {
    FILE *f = open_out(datadir, safe, "rebalances.tsv", err, errsz);
    if (!f)
        return -1;
    fprintf(f, "# t_start_s\tt_end_s\tnumber\n");
    for (size_t i = 0; i < c->n_rb; i++) {
        if (c->rb[i].group != gi)
            continue;
        double t1 = run->duration_s;
        for (size_t k = c->rb[i].start; k < run->n_ev; k++)
            if (run->ev[k].gi == gi && !strcmp(run->ev[k].kind, "group.settled")) {
                t1 = run->ev[k].t_us / 1e6;
                break;
            }
        fprintf(f, "%.6f\t%.6f\t%d\n", run->ev[c->rb[i].start].t_us / 1e6, t1, c->rb[i].number);
    }
    return close_out(f, err, errsz);
}

static void lane_label(const char *group, int n, int long_names, char *out, size_t size) {
    if (long_names)
        snprintf(out, size, "member %d", n);
    else
        snprintf(out, size, "%s/%d", group, n);
}

static int write_lanes(const sl_run_t *run, const sl_lanes_t *ls, size_t g, const char *safe, const char *datadir,
                       char *err, size_t errsz) {
    int max = 0, gi = (int)g;
    for (size_t i = 0; i < run->n_ev; i++)
        if (run->ev[i].gi == gi && !strncmp(run->ev[i].kind, "member.", 7)) {
            int n = sl_lanes_member_number(run->ev[i].node, run->groups[g]);
            if (n > max)
                max = n;
        }
    FILE *f = open_out(datadir, safe, "lanes.tsv", err, errsz);
    if (!f)
        return -1;
    fprintf(f, "# lane\tt_start_s\tt_end_s\tstate (");
    for (int s = 0; s < SL_LANE__COUNT; s++)
        fprintf(f, "%s%d %s", s ? ", " : "", s, sl_lane_state_names[s]);
    fprintf(f, ")\n");
    size_t n_seg;
    const sl_lane_seg_t *seg = sl_lanes_segments(ls, &n_seg);
    for (size_t i = 0; i < n_seg; i++)
        if (seg[i].gi == gi)
            fprintf(f, "%d\t%.6f\t%.6f\t%d\n", seg[i].lane, seg[i].t0_s, seg[i].t1_s, seg[i].state);
    if (close_out(f, err, errsz))
        return -1;
    int shown = max < MAX_LANES ? max : MAX_LANES;
    /* gnuplot variables the swimlane script loads */
    if (!(f = open_out(datadir, safe, "meta.gp", err, errsz)))
        return -1;
    /* a lane is labelled with its node, or "member N" under the title's group when the node name is long */
    int long_names = strlen(run->groups[g]) + 7 > LANE_LABEL_MAX, label_chars = 0;
    for (int n = 1; n <= shown; n++) {
        char label[300];
        lane_label(run->groups[g], n, long_names, label, sizeof label);
        if ((int)utf8_len(label) > label_chars)
            label_chars = (int)utf8_len(label);
    }
    double m_left = (label_chars * LABEL_PX_PER_CHAR + 48) / PLOT_WIDTH_PX;
    fprintf(f, "lanes_total = %d\nlanes_shown = %d\nm_left_lanes = %.4f\n", max, shown, m_left > 0.075 ? m_left : 0.075);
    if (close_out(f, err, errsz))
        return -1;
    if (!(f = open_out(datadir, safe, "lanenames.tsv", err, errsz)))
        return -1;
    fprintf(f, "# lane\tnode\n");
    for (int n = 1; n <= shown; n++) {
        char label[300];
        lane_label(run->groups[g], n, long_names, label, sizeof label);
        fprintf(f, "%d\t%s\n", n, label);
    }
    if (max == 0) /* gnuplot's stats cannot read an empty file */
        fprintf(f, "1\t(no member events)\n");
    return close_out(f, err, errsz);
}

int sl_extract_write(const sl_run_t *run, const sl_causes_t *c, const char *datadir, int *fault_rows, char *err,
                     size_t errsz) {
    return sl_extract_write_groups(run, c, datadir, NULL, run->n_groups, fault_rows, err, errsz);
}

int sl_extract_write_groups(const sl_run_t *run, const sl_causes_t *c, const char *datadir, const size_t *groups,
                            size_t n, int *fault_rows, char *err, size_t errsz) {
    *fault_rows = 0;
    if (write_faults(run, c, datadir, fault_rows, err, errsz))
        return -1;
    sl_lanes_t *ls = sl_lanes_new(run, MAX_LANES);
    int rc = 0;
    for (size_t k = 0; k < n && !rc; k++) {
        size_t g = groups ? groups[k] : k;
        char safe[256];
        sl_extract_safe_name(run->groups[g], safe, sizeof safe);
        if (write_series(run, run->groups[g], safe, datadir, err, errsz) ||
            write_unsettled(run, run->groups[g], safe, datadir, err, errsz) ||
            write_lanes(run, ls, g, safe, datadir, err, errsz) ||
            write_coordinator(run, (int)g, safe, datadir, err, errsz) ||
            write_rebalances(run, c, (int)g, safe, datadir, err, errsz))
            rc = -1;
    }
    sl_lanes_free(ls);
    return rc;
}
