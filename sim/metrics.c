/*
 * What the summary and the series report, kept current as the model runs.
 *
 * The integration itself is stormlab/meter.h's, shared with real runs.
 * A group is "stable" (docs/outputs.md) when its coordinator has it Stable, every
 * running member holds an assignment of the current generation with no
 * rejoin pending, and every partition is owned.  A rebalance is each entry
 * into PreparingRebalance after the group first became stable.
 * Unowned partition-seconds count from the first stable moment (the forming
 * of the group is not an outage), or from 0 when it never got there.
 */
#include <math.h>
#include <string.h>

#include "fmt-internal.h"
#include "model-internal.h"

static bool group_is_stable(const sl_group_t *g) {
    if (!g->coordinator || g->loading || g->state != GS_STABLE)
        return false;
    for (int i = 0; i < g->n_member_slots; i++) {
        const sl_member_t *m = g->members[i];
        if (!m->exists || m->proc == PROC_DOWN)
            continue;
        if (m->mstate != MS_STABLE || m->generation != g->generation || m->rejoin_cause >= 0)
            return false;
    }
    return g->meter.unowned == 0;
}

void sl_metrics_group_changed(sl_sim_t *s, sl_group_t *g, int64_t cause) {
    int unowned = 0;
    for (int i = 0; i < g->n_parts; i++)
        unowned += g->parts[i].owners <= 0;
    sl_meter_unowned(&g->meter, sl_now(s), unowned);
    if (sl_meter_settle(&g->meter, sl_now(s), group_is_stable(g)) > 0)
        sl_trace(s, "group.settled", -1, g->index, 0, g->generation, cause,
                 "every member holds its generation %d assignment; all %d partitions owned", g->generation,
                 g->n_parts);
}

void sl_metrics_rebalance_started(sl_sim_t *s, sl_group_t *g) {
    (void)s;
    if (g->meter.first_settled_us >= 0)
        g->rebalances++;
}

/* What Kafka's own rebalance figures measure (the consumer's
 * rebalance-latency-total): the coordinator's time between PreparingRebalance
 * and Stable, without the time a Stable group spends without a member that
 * has not rejoined yet, which rebalance_s counts (docs/outputs.md). */
/* Adds the rebalance span under way up to now (the part after first stable). */
static void close_rebalance_span(sl_sim_t *s, sl_group_t *g) {
    if (g->rebalancing_since_us < 0)
        return;
    if (g->meter.first_settled_us >= 0) {
        int64_t from = g->rebalancing_since_us > g->meter.first_settled_us ? g->rebalancing_since_us : g->meter.first_settled_us;
        g->rebalance_latency_us += sl_now(s) - from;
    }
    g->rebalancing_since_us = -1;
}

void sl_metrics_coordinator_state(sl_sim_t *s, sl_group_t *g) {
    bool in = g->state == GS_PREPARING_REBALANCE || g->state == GS_COMPLETING_REBALANCE || g->state == GS_RECONCILING ||
              g->state == GS_ASSIGNING;
    if (!in)
        close_rebalance_span(s, g);
    else if (g->rebalancing_since_us < 0)
        g->rebalancing_since_us = sl_now(s);
}

int64_t sl_group_lag(sl_sim_t *s, sl_group_t *g) {
    int64_t lag = 0;
    for (int i = 0; i < g->n_parts; i++) {
        sl_partition_sync(s, g->parts[i].p);
        int64_t l = g->parts[i].p->end_offset - sl_gpart_committed(s, &g->parts[i]);
        if (l > 0)
            lag += l;
    }
    return lag;
}

void sl_partition_availability(sl_sim_t *s, sl_partition_t *p, bool online) {
    int64_t now = sl_now(s);
    if (s->n_offline > 0 && now > s->offline_since_us)
        s->unavailable_part_us += (double)s->n_offline * (double)(now - s->offline_since_us);
    s->offline_since_us = now;
    if (online == !p->unavailable)
        return;
    p->unavailable = !online;
    s->n_offline += p->unavailable ? 1 : -1;
}

void sl_metrics_sample(sl_sim_t *s) {
    double dt_s = (double)s->sc->sample_us / 1e6;
    for (int gi = 0; gi < s->n_groups; gi++) {
        sl_group_t *g = &s->groups[gi];
        int64_t lag = sl_group_lag(s, g);
        if (lag > g->max_lag)
            g->max_lag = lag;
        /* Caught-up members consume continuously: count them as of now
         * without materialising each one (see consumer.c). */
        int64_t total = g->consumed + (int64_t)((double)sl_now(s) * g->flow_R - g->flow_W);
        int64_t consumed = total - g->consumed_at_sample;
        g->consumed_at_sample = total;
        if (!s->out.series)
            continue;
        const char *state = !g->coordinator ? "Unloaded" : g->loading ? "Loading" : sl_gstate_name(g->state);
        /* "%.3f\t%s\t%d\t%d\t%s\t%d\t%d\t%lld\t%.1f\n", formatted by hand (fmt-internal.h) */
        /* one write: ids are at most SL_MAX_NAME bytes (the loader's cap), %.1f of any double fits in 640 */
        char row[SL_MAX_NAME + 1024], *p = sl_fmt_seconds3(row, sl_now(s));
        *p++ = '\t';
        size_t id_len = strlen(g->cfg->id);
        memcpy(p, g->cfg->id, id_len);
        p += id_len;
        *p++ = '\t';
        p = sl_fmt_i64(p, g->coordinator && !g->loading ? g->n_members : 0);
        *p++ = '\t';
        p = sl_fmt_i64(p, g->generation);
        *p++ = '\t';
        size_t n = strlen(state);
        memcpy(p, state, n); /* a state name: a few letters */
        p += n;
        *p++ = '\t';
        p = sl_fmt_i64(p, g->n_parts - g->meter.unowned);
        *p++ = '\t';
        p = sl_fmt_i64(p, g->meter.unowned);
        *p++ = '\t';
        p = sl_fmt_i64(p, lag);
        *p++ = '\t';
        p = sl_fmt_f1(p, sl_now(s) > 0 ? (double)consumed / dt_s : 0.0);
        *p++ = '\n';
        fwrite(row, 1, (size_t)(p - row), s->out.series);
    }
}

void sl_metrics_finish(sl_sim_t *s) {
    for (int gi = 0; gi < s->n_groups; gi++) {
        sl_group_t *g = &s->groups[gi];
        sl_meter_finish(&g->meter, sl_now(s));
        close_rebalance_span(s, g); /* a rebalance still under way at the end */
    }
    sl_partition_availability(s, &s->parts[0], !s->parts[0].unavailable); /* closes the integral */
}
