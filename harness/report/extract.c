/*
 * Extracts for the gnuplot scripts.  Times are seconds; the scripts choose
 * the axis unit.  Every file starts with a `#` line naming its columns,
 * which gnuplot skips.
 */
#include "extract.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fault strip above each plot has at most this many label rows. */
#define MAX_ROWS 4
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
    FILE *f = fopen(path, "w");
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
 * Injected events with their labels, each on a strip row where it does not
 * overlap the one before.  The label width in seconds is estimated from a
 * 1280 px wide plot (about 1090 px of time axis, 7.5 px per character): a
 * guess, but overlapping labels only cost legibility.
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
    double s_per_char = (run->duration_s > 0 ? run->duration_s : 1) * 7.5 / 1090.0;
    char label[512];
    for (size_t i = 0; i < run->n_ev; i++) {
        const sl_rf_event_t *e = &run->ev[i];
        if (e->cause >= 0 || !sl_causes_is_injected(e->kind))
            continue;
        double t0 = e->t_us / 1e6;
        long long end_us = sl_causes_end_us(run, c, i);
        double t1 = end_us > e->t_us ? end_us / 1e6 : t0;
        sl_causes_label(e, label, sizeof label);
        double width = (utf8_len(label) + 5) * s_per_char; /* the tick, the offset, a gap */
        int row = 0;
        for (int r = 0; r < MAX_ROWS; r++) { /* first free row, else the one free soonest */
            if (busy_until[r] < t0) {
                row = r;
                break;
            }
            if (busy_until[r] < busy_until[row])
                row = r;
        }
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
    fprintf(f, "# t_s\tmembers\tgeneration\towned\tunowned\tlag\tconsumed_per_s\n");
    int gi = sl_run_group_index(run, group);
    for (size_t i = 0; i < run->n_samples; i++) {
        const sl_rf_sample_t *s = &run->samples[i];
        if (s->gi == gi)
            fprintf(f, "%.3f\t%d\t%d\t%d\t%d\t%lld\t%.1f\n", s->t_s, s->members, s->generation, s->owned, s->unowned,
                    s->lag, s->consumed_per_s);
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

/* Lane state machine of one member process, driven by its own member.* events. */
typedef struct {
    int base;            /* SL_LANE_* or -1 while the process is not running */
    int paused, stalled; /* overlays: a frozen process, a blocked poll loop */
    int shown;           /* what the open segment shows, -1 none */
    double since;
} lane_t;

static int lane_base(const char *kind, int base) {
    static const struct {
        const char *kind;
        int state;
    } map[] = {{"member.start", SL_LANE_JOINING},   {"member.join", SL_LANE_JOINING},
               {"member.id_required", SL_LANE_JOINING}, {"member.joined", SL_LANE_SYNCING},
               {"member.assigned", SL_LANE_CONSUMING},  {"member.revoked", SL_LANE_REVOKED},
               {"member.lost", SL_LANE_LOST},           {"member.fenced", SL_LANE_LOST},
               {"member.poll_timeout", SL_LANE_LOST},   {"member.stop", -1},
               {"member.crashed", -1}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcmp(kind, map[i].kind))
            return map[i].state;
    return base;
}

static void lane_show(FILE *f, lane_t *l, int lane, double t) {
    int now = l->base < 0 ? -1 : l->paused ? SL_LANE_PAUSED : l->stalled ? SL_LANE_STALLED : l->base;
    if (now == l->shown)
        return;
    if (l->shown >= 0 && t > l->since)
        fprintf(f, "%d\t%.6f\t%.6f\t%d\n", lane, l->since, t, l->shown);
    l->shown = now;
    l->since = t;
}

/* The number after the last '/' of a member node ("billing/3" -> 3), or -1. */
static int node_number(const char *node) {
    const char *s = node ? strrchr(node, '/') : NULL;
    if (!s || !s[1])
        return -1;
    char *end;
    long v = strtol(s + 1, &end, 10);
    return *end || v < 1 || v > 100000 ? -1 : (int)v;
}

/* "billing/3" is a member node of group billing; "billing-eu/3" is not. */
static int is_member_node(const char *node, const char *group) {
    size_t n = strlen(group);
    return node && !strncmp(node, group, n) && node[n] == '/' && node_number(node) > 0;
}

static int write_lanes(const sl_run_t *run, const char *group, const char *safe, const char *datadir, char *err,
                       size_t errsz) {
    int max = 0, gi = sl_run_group_index(run, group);
    for (size_t i = 0; i < run->n_ev; i++)
        if (run->ev[i].gi == gi && !strncmp(run->ev[i].kind, "member.", 7)) {
            int n = node_number(run->ev[i].node);
            if (n > max && is_member_node(run->ev[i].node, group))
                max = n;
        }
    lane_t *lanes = calloc((size_t)max + 1, sizeof *lanes);
    if (!lanes)
        abort();
    for (int i = 0; i <= max; i++)
        lanes[i].base = lanes[i].shown = -1;
    FILE *f = open_out(datadir, safe, "lanes.tsv", err, errsz);
    if (!f) {
        free(lanes);
        return -1;
    }
    fprintf(f, "# lane\tt_start_s\tt_end_s\tstate (0 joining 1 syncing 2 consuming 3 revoked 4 lost 5 paused 6 stalled)\n");
    for (size_t i = 0; i < run->n_ev; i++) {
        const sl_rf_event_t *e = &run->ev[i];
        if (e->gi != gi || strncmp(e->kind, "member.", 7) || !is_member_node(e->node, group))
            continue; /* member.* events the coordinator logs sit on broker nodes */
        int n = node_number(e->node);
        if (n > MAX_LANES)
            continue;
        lane_t *l = &lanes[n];
        l->base = lane_base(e->kind, l->base);
        if (!strcmp(e->kind, "member.paused") || !strcmp(e->kind, "member.resumed"))
            l->paused = !strcmp(e->kind, "member.paused");
        if (!strcmp(e->kind, "member.stalled") || !strcmp(e->kind, "member.unstalled"))
            l->stalled = !strcmp(e->kind, "member.stalled");
        if (l->base < 0)
            l->paused = l->stalled = 0;
        lane_show(f, l, n, e->t_us / 1e6);
    }
    int shown = max < MAX_LANES ? max : MAX_LANES;
    for (int n = 1; n <= shown; n++) {
        lanes[n].base = -1;
        lane_show(f, &lanes[n], n, run->duration_s);
    }
    free(lanes);
    if (close_out(f, err, errsz))
        return -1;
    /* gnuplot variables the swimlane script loads */
    if (!(f = open_out(datadir, safe, "meta.gp", err, errsz)))
        return -1;
    fprintf(f, "lanes_total = %d\nlanes_shown = %d\n", max, shown);
    if (close_out(f, err, errsz))
        return -1;
    if (!(f = open_out(datadir, safe, "lanenames.tsv", err, errsz)))
        return -1;
    fprintf(f, "# lane\tnode\n");
    for (int n = 1; n <= shown; n++)
        fprintf(f, "%d\t%s/%d\n", n, group, n);
    if (max == 0) /* gnuplot's stats cannot read an empty file */
        fprintf(f, "1\t(no member events)\n");
    return close_out(f, err, errsz);
}

int sl_extract_write(const sl_run_t *run, const sl_causes_t *c, const char *datadir, int *fault_rows, char *err,
                     size_t errsz) {
    *fault_rows = 0;
    if (write_faults(run, c, datadir, fault_rows, err, errsz))
        return -1;
    for (size_t g = 0; g < run->n_groups; g++) {
        char safe[256];
        sl_extract_safe_name(run->groups[g], safe, sizeof safe);
        if (write_series(run, run->groups[g], safe, datadir, err, errsz) ||
            write_unsettled(run, run->groups[g], safe, datadir, err, errsz) ||
            write_lanes(run, run->groups[g], safe, datadir, err, errsz))
            return -1;
    }
    return 0;
}
