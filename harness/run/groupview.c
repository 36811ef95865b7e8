/*
 * The state of each group during a real run, in the simulator's terms
 * (docs/outputs.md): state, generation, settled, rebalances, unowned
 * partition-seconds.
 *
 * Rebalances are the coordinator's count: one per generation after the
 * one the group first settled in, from generation ids (the mock
 * coordinator's "generation id N" lines, and every member's JoinGroup
 * answer).  A jump from generation 2 to 4 is two rebalances, the middle one
 * traced as inferred; two sightings of generation 2 are one.  Member events
 * (REBALANCE_IN_PROGRESS, a fence) only time a rebalance's start: each
 * group.rebalance.start after the first settled period is matched by exactly
 * one new generation, so explain numbers them as summary.json counts them.
 *
 * States: the mock cluster's coordinator logs its group state changes,
 * session expiries and leaves ("MOCK" debug lines); a real Kafka cluster
 * shows clients only their own side, so there the members' view stands in:
 * a rebalance starts when the first member is told and ends when every
 * member holds the new generation's assignment.
 *
 * "Settled" is the simulator's: Stable, every running member holds an
 * assignment of the current generation, every partition is owned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run-internal.h"

int sl_rgroups_init(sl_rrun_t *run) {
    const sl_scenario_t *sc = run->sc;
    run->n_groups = sl_scenario_group_count(sc);
    run->groups = calloc((size_t)(sl_scenario_group_count(sc) ? sl_scenario_group_count(sc) : 1), sizeof *run->groups);
    if (!run->groups)
        return -1;
    for (int gi = 0; gi < sl_scenario_group_count(sc); gi++) {
        sl_rgroup_t *g = &run->groups[gi];
        g->cfg = sl_scenario_group(sc, gi);
        g->index = gi;
        for (int k = 0; k < g->cfg->n_topics; k++)
            g->n_parts += sl_scenario_topic(sc, g->cfg->topics[k])->partitions;
        size_t np = (size_t)(g->n_parts ? g->n_parts : 1);
        g->part_topic = calloc(np, sizeof *g->part_topic);
        g->part_no = calloc(np, sizeof *g->part_no);
        g->owners = calloc(np, sizeof *g->owners);
        g->committed = calloc(np, sizeof *g->committed);
        g->consumed = calloc((size_t)(sl_scenario_topic_count(sc) ? sl_scenario_topic_count(sc) : 1), sizeof *g->consumed);
        g->n_slots = sl_scenario_max_members(sc, gi);
        g->target = g->cfg->members;
        g->members = calloc((size_t)(g->n_slots ? g->n_slots : 1), sizeof *g->members);
        if (!g->part_topic || !g->part_no || !g->owners || !g->committed || !g->consumed || !g->members)
            return -1;
        int p = 0;
        for (int k = 0; k < g->cfg->n_topics; k++) {
            int t = g->cfg->topics[k];
            for (int i = 0; i < sl_scenario_topic(sc, t)->partitions; i++, p++) {
                g->part_topic[p] = t;
                g->part_no[p] = i;
                g->committed[p] = -1;
            }
        }
        snprintf(g->state, sizeof g->state, "Empty");
        g->broker_members = run->cluster->has_group_log ? 0 : -1;
        g->base_generation = -1;
        g->rebalance_seq = g->join_seq = g->stable_seq = g->member_join_seq = g->leave_seq = g->expired_seq = -1;
        sl_meter_init(&g->meter, g->n_parts); /* nobody owns a partition before the members join */
        g->leader_slot = -1;
        for (int i = 0; i < g->n_slots; i++) {
            sl_rmember_t *m = &g->members[i];
            m->cl.run = run;
            snprintf(m->cl.node, sizeof m->cl.node, "%s/%d", g->cfg->id, i + 1);
            m->group = gi;
            m->index = i + 1;
            m->cfg = *g->cfg;
            m->joined_gen = m->assigned_gen = -1;
            m->java_in = -1;
            m->blame = m->last_seq = m->assign_seq = -1;
            m->owned = calloc(np, 1);
            if (!m->owned)
                return -1;
            sl_rng_seed(&m->rng, sl_scenario_seed(sc), 0x6d656d6265720000ULL ^ ((uint64_t)gi << 24) ^ (uint64_t)(i + 1));
        }
    }
    return 0;
}

void sl_rgroups_free(sl_rrun_t *run) {
    for (int gi = 0; gi < run->n_groups; gi++) {
        sl_rgroup_t *g = &run->groups[gi];
        for (int i = 0; i < g->n_slots; i++) {
            free(g->members[i].owned);
            free(g->members[i].cl.via);
        }
        for (int t = 0; t < sl_scenario_topic_count(run->sc) && g->consumed; t++)
            free(g->consumed[t].count);
        free(g->members), free(g->part_topic), free(g->part_no), free(g->owners), free(g->committed);
        free(g->consumed);
    }
    free(run->groups);
    run->groups = NULL;
}

sl_rmember_t *sl_rgroup_member_by_id_locked(sl_rgroup_t *g, const char *member_id) {
    if (!member_id || !member_id[0])
        return NULL;
    for (int i = 0; i < g->n_slots; i++)
        if (!strcmp(g->members[i].member_id, member_id))
            return &g->members[i];
    for (int i = 0; i < g->n_slots; i++)
        for (int k = 0; k < 4; k++)
            if (!strcmp(g->members[i].old_ids[k], member_id))
                return &g->members[i];
    return NULL;
}

int64_t sl_rgroup_lag_locked(sl_rrun_t *run, sl_rgroup_t *g) {
    int64_t lag = 0;
    for (int p = 0; p < g->n_parts; p++) {
        const sl_racct_t *a = &run->acct[g->part_topic[p]];
        int64_t end = a->end_offset[g->part_no[p]];
        int64_t committed = g->committed[p] >= 0 ? g->committed[p] : a->start_offset[g->part_no[p]];
        if (end > committed)
            lag += end - committed;
    }
    return lag;
}

static int all_assigned(const sl_rgroup_t *g) {
    int running = 0;
    for (int i = 0; i < g->n_slots; i++) {
        const sl_rmember_t *m = &g->members[i];
        if (!m->running)
            continue;
        running++;
        if (m->rejoining || m->assigned_gen < 0 || m->assigned_gen != g->generation)
            return 0;
    }
    return running > 0;
}

/* A KIP-848 group's coordinator computes targets no more often than its
 * assignment interval (Kafka 4.3+), and members that join meanwhile hold
 * the last target's epoch with nothing: the clients all look settled while
 * the coordinator is still Assigning.  The broker's assignors spread each
 * topic's partitions evenly, so a spread wider than one partition per topic
 * between running members means the current target has not reached them
 * (docs/real-runs.md, "Java members"). */
static int kip848_balanced(const sl_rgroup_t *g) {
    if (g->cfg->protocol != SL_PROTO_CONSUMER)
        return 1;
    int lo = -1, hi = 0;
    for (int i = 0; i < g->n_slots; i++) {
        const sl_rmember_t *m = &g->members[i];
        if (!m->running)
            continue;
        int n = 0;
        for (int p = 0; p < g->n_parts; p++)
            n += m->owned[p] != 0;
        lo = lo < 0 || n < lo ? n : lo;
        hi = n > hi ? n : hi;
    }
    return lo < 0 || hi - lo <= g->cfg->n_topics;
}

void sl_rgroup_changed_locked(sl_rrun_t *run, sl_rgroup_t *g, int64_t cause) {
    if (run->frozen)
        return;
    int64_t now = sl_rstamp_locked(run);
    int unowned = 0;
    for (int p = 0; p < g->n_parts; p++)
        unowned += g->owners[p] <= 0;
    sl_meter_unowned(&g->meter, now, unowned);
    int assigned = all_assigned(g) && kip848_balanced(g);
    if (!run->cluster->has_group_log) {
        /* The members' view: a rebalance ends when all hold the new generation. */
        if (g->rebalancing && assigned && unowned == 0) {
            g->rebalancing = 0;
            snprintf(g->state, sizeof g->state, "Stable");
            g->stable_seq = sl_rtrace_locked(run, now, "group.stable", NULL, g->cfg->id, NULL, g->generation,
                                             cause >= 0 ? cause : g->join_seq,
                                             "every member holds its generation %d assignment (members' view)",
                                             g->generation);
        } else if (!g->rebalancing && g->generation > 0) {
            snprintf(g->state, sizeof g->state, "Stable");
        }
    }
    int was_ever = g->meter.first_settled_us >= 0;
    int change = sl_meter_settle(&g->meter, now, !strcmp(g->state, "Stable") && assigned && unowned == 0);
    if (change > 0) {
        if (!was_ever) {
            g->base_generation = g->generation;
            g->start_open = 0; /* a start before this is the group forming, not a rebalance */
        }
        g->rebalancing = 0;
        sl_rtrace_locked(run, now, "group.settled", NULL, g->cfg->id, NULL, g->generation,
                         cause >= 0 ? cause : g->stable_seq,
                         "every member holds its generation %d assignment; all %d partitions owned", g->generation,
                         g->n_parts);
    }
}

/* A rebalance's start, traced once per generation to come: a second signal
 * before the new generation is the same rebalance. */
static int64_t start_rebalance(sl_rrun_t *run, sl_rgroup_t *g, int64_t now, const char *node, int64_t cause,
                               const char *reason) {
    g->rebalancing = 1;
    if (g->start_open)
        return g->rebalance_seq;
    g->start_open = 1;
    g->rebalance_seq = sl_rtrace_locked(run, now, "group.rebalance.start", node, g->cfg->id, NULL, g->generation,
                                        cause, "%s", reason);
    return g->rebalance_seq;
}

/* Generation `gen` seen (coordinator's line or a member's JoinGroup
 * answer): every generation between the last seen and it is one rebalance,
 * each with its start and its join.complete; generations no one reported
 * are traced as inferred from the jump. */
static void new_generation(sl_rrun_t *run, sl_rgroup_t *g, int64_t now, const char *node, const char *member, int gen,
                           int64_t cause, const char *detail) {
    while (g->generation < gen) {
        int next = g->generation + 1;
        int counted = g->base_generation >= 0;
        if (counted && !g->start_open)
            start_rebalance(run, g, now, node, cause,
                            next < gen ? "a generation no member reported (the ids jumped)" : detail);
        g->generation = next;
        g->start_open = 0;
        if (counted)
            g->rebalances = g->generation - g->base_generation;
        g->join_seq = sl_rtrace_locked(run, now, "group.join.complete", node, g->cfg->id, next == gen ? member : NULL,
                                       next, g->rebalance_seq, "%s",
                                       next < gen ? "inferred: a later generation was reported" : detail);
    }
}

void sl_rgroup_member_rebalance_locked(sl_rrun_t *run, sl_rgroup_t *g, int64_t cause, const char *why) {
    if (run->frozen || run->cluster->has_group_log || g->rebalancing)
        return;
    int64_t now = sl_rstamp_locked(run);
    snprintf(g->state, sizeof g->state, "PreparingRebalance");
    start_rebalance(run, g, now, NULL, cause, why);
    sl_rgroup_changed_locked(run, g, g->rebalance_seq);
}

void sl_rgroup_member_generation_locked(sl_rrun_t *run, sl_rgroup_t *g, int gen, int64_t cause) {
    if (run->frozen || gen <= g->generation)
        return;
    int64_t now = sl_rstamp_locked(run);
    if (!run->cluster->has_group_log) {
        if (!g->rebalancing)
            snprintf(g->state, sizeof g->state, "PreparingRebalance");
        g->rebalancing = 1;
    }
    char detail[64];
    snprintf(detail, sizeof detail, "generation %d (a member's JoinGroup answer)", gen);
    new_generation(run, g, now, NULL, NULL, gen, cause, detail);
    if (!run->cluster->has_group_log)
        snprintf(g->state, sizeof g->state, "CompletingRebalance");
}

/* ---- the mock coordinator's lines ---- */

static const char *kafka_state(const char *mock) {
    if (!strcmp(mock, "Joining") || !strcmp(mock, "Rebalancing"))
        return "PreparingRebalance";
    if (!strcmp(mock, "Syncing"))
        return "CompletingRebalance";
    if (!strcmp(mock, "Up"))
        return "Stable";
    return "Empty";
}

static sl_rgroup_t *group_named(sl_rrun_t *run, const char *id) {
    for (int i = 0; i < run->n_groups; i++)
        if (!strcmp(run->groups[i].cfg->id, id))
            return &run->groups[i];
    return NULL;
}

/* Lines about a group that carry nothing the view uses (offsets are
 * accounted from the members' commits; the FSM and sync lines precede the
 * state change line that says the same). */
static const char *const known_noise[] = {
    "committing offset", "returning committed offset", "has no committed offset",
    "syncing members in state", "FSM timeout in state", NULL,
};

static void unparsed_line(sl_rrun_t *run, int level, const char *fac, const char *msg) {
    const char *about = NULL;
    for (int i = 0; i < run->n_groups && !about; i++) {
        const char *hit = strstr(msg, run->groups[i].cfg->id);
        size_t n = strlen(run->groups[i].cfg->id);
        if (hit && (hit == msg || hit[-1] == ' ' || hit[-1] == '"') && (!hit[n] || strchr(" :,\"", hit[n])))
            about = run->groups[i].cfg->id;
    }
    if (!about)
        return;
    for (int i = 0; known_noise[i]; i++)
        if (strstr(msg, known_noise[i]))
            return;
    pthread_mutex_lock(&run->mu);
    run->unparsed_lines++;
    sl_rlog_locked(run, sl_rstamp_locked(run), "mock", level, "UNPARSED %s: %s", fac, msg);
    pthread_mutex_unlock(&run->mu);
}

void sl_rgroups_cluster_line(sl_rrun_t *run, int level, const char *fac, const char *msg) {
    char gid[256], from[32], to[32], reason[256], mid[128];
    int n, gen;
    sl_rgroup_t *g = NULL;
    enum { L_OTHER, L_STATE, L_EXPIRED, L_LEAVE, L_ELECT } kind = L_OTHER;
    if (sscanf(msg, "Mock consumer group %255s with %d member(s) changing state %31s -> %31[^:]: %255[^\n]", gid, &n,
               from, to, reason) == 5)
        kind = L_STATE;
    else if (sscanf(msg, "Member %127s session timed out for group %255s", mid, gid) == 2)
        kind = L_EXPIRED;
    else if (sscanf(msg, "Member %127s is leaving group %255s", mid, gid) == 2)
        kind = L_LEAVE;
    else if (sscanf(msg, "Consumer group %255s with %d member(s) is rebalancing: elected leader is %127s generation id %d",
                    gid, &n, mid, &gen) == 4)
        kind = L_ELECT;
    if (kind == L_OTHER) {
        /* Connections and requests are not the story; a line about one of
         * the run's groups that no pattern above matched is a gap in this
         * parser: logged as UNPARSED (the mock tests fail on it), never
         * silently dropped. */
        unparsed_line(run, level, fac, msg);
        return;
    }
    if (!(g = group_named(run, gid)))
        return; /* a group of no scenario's: librdkafka's own */
    if (kind == L_ELECT) {
        size_t l = strlen(mid);
        if (l && mid[l - 1] == ',')
            mid[l - 1] = 0;
    }
    char node[32];
    int coord = run->cluster->ops->coordinator(run->cluster, gid);
    snprintf(node, sizeof node, "broker/%d", coord);
    pthread_mutex_lock(&run->mu);
    int64_t now = sl_rstamp_locked(run);
    sl_rlog_locked(run, now, node, level, "%s: %s", fac, msg);
    if (run->frozen) {
        pthread_mutex_unlock(&run->mu);
        return;
    }
    switch (kind) {
    case L_STATE: {
        const char *was = g->state, *ks = kafka_state(to);
        int entering = !strcmp(ks, "PreparingRebalance") && strcmp(was, "PreparingRebalance");
        int64_t cause = -1;
        if (strstr(reason, "member join"))
            cause = g->member_join_seq;
        else if (strstr(reason, "timeout") || strstr(reason, "timed out"))
            cause = g->expired_seq >= 0 ? g->expired_seq : g->rebalance_seq;
        else if (strstr(reason, "leave"))
            cause = g->leave_seq;
        else if (strstr(reason, "synced"))
            cause = g->join_seq;
        g->broker_members = n;
        int64_t st = sl_rtrace_locked(run, now, "group.state", node, gid, NULL, g->generation,
                                      entering ? cause : (cause >= 0 ? cause : g->rebalance_seq), "%s -> %s (%s)", was,
                                      ks, reason);
        snprintf(g->state, sizeof g->state, "%s", ks);
        if (entering)
            start_rebalance(run, g, now, node, st, reason);
        if (!strcmp(ks, "Stable"))
            g->stable_seq = sl_rtrace_locked(run, now, "group.stable", node, gid, NULL, g->generation, st,
                                             "assignment of generation %d delivered to all %d members", g->generation,
                                             n);
        sl_rgroup_changed_locked(run, g, !strcmp(ks, "Stable") ? g->stable_seq : st);
        break;
    }
    case L_EXPIRED: {
        sl_rmember_t *m = sl_rgroup_member_by_id_locked(g, mid);
        int64_t cause = m ? (m->blame >= 0 ? m->blame : m->last_seq) : -1;
        g->expired_seq = sl_rtrace_locked(run, now, "member.session_expired", node, gid, mid, g->generation, cause,
                                          "no heartbeat for session.timeout.ms%s%s", m ? " from " : "",
                                          m ? m->cl.node : "");
        break;
    }
    case L_LEAVE: {
        sl_rmember_t *m = sl_rgroup_member_by_id_locked(g, mid);
        g->leave_seq = sl_rtrace_locked(run, now, "member.left", node, gid, mid, g->generation,
                                        m ? m->last_seq : -1, "LeaveGroup%s%s", m ? " from " : "",
                                        m ? m->cl.node : "");
        break;
    }
    case L_ELECT: {
        g->broker_members = n;
        char detail[64];
        snprintf(detail, sizeof detail, "%d members", n);
        new_generation(run, g, now, node, mid, gen, g->rebalance_seq, detail);
        break;
    }
    default: break;
    }
    pthread_mutex_unlock(&run->mu);
}

void sl_rgroups_finish_locked(sl_rrun_t *run) {
    for (int gi = 0; gi < run->n_groups; gi++) {
        sl_rgroup_t *g = &run->groups[gi];
        sl_rgroup_changed_locked(run, g, -1);
        sl_meter_finish(&g->meter, sl_rstamp_locked(run));
    }
}
