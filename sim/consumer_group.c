/*
 * The KIP-848 group coordinator (protocol: consumer), after Kafka's
 * GroupMetadataManager.consumerGroupHeartbeat and CurrentAssignmentBuilder.
 *
 * No JoinGroup, no SyncGroup, no global barrier: members heartbeat; every
 * membership change bumps the group epoch and the broker computes a new
 * target assignment with its own assignor (uniform or range).  Each member
 * then reconciles on its own: it first gives up what it must revoke
 * (UNREVOKED_PARTITIONS), acknowledges, moves to the new epoch, and takes
 * the partitions the others have released (UNRELEASED_PARTITIONS until
 * all are free).  A member is fenced when its session expires or when it
 * does not finish a revocation within its rebalance timeout.
 */
#include <stdlib.h>
#include <string.h>

#include "assert-internal.h"
#include "model-internal.h"

#define LOGC(s, g, level, fmt, ...) \
    sl_log(s, sl_broker_node((g)->coordinator), level, "[GroupCoordinator %d]: " fmt, (g)->coordinator, __VA_ARGS__)

bool sl_cg_is_consumer(const sl_group_t *g) { return g->cfg->protocol == SL_PROTO_CONSUMER; }

static const char *cg_state_name(int st) {
    return st == CG_STABLE ? "STABLE" : st == CG_UNREVOKED ? "UNREVOKED_PARTITIONS" : "UNRELEASED_PARTITIONS";
}

static bool contains(const int *a, int n, int x) {
    for (int i = 0; i < n; i++)
        if (a[i] == x)
            return true;
    return false;
}

static void set_list(int **dst, int *dst_n, const int *src, int n) {
    free(*dst);
    *dst = NULL;
    *dst_n = n;
    if (n) {
        *dst = malloc((size_t)n * sizeof(int));
        memcpy(*dst, src, (size_t)n * sizeof(int));
    }
}

static int slot_of(const sl_cmember_t *cm) { return (int)(uint32_t)(cm->id & SL_SLOT_MASK); }

/* Members in Kafka's order (member id string) for the assignor. */
static int members_sorted(sl_sim_t *s, const sl_group_t *g, sl_cmember_t ***out) {
    int n = 0;
    sl_cmember_t **v = malloc((size_t)(g->n_slots ? g->n_slots : 1) * sizeof *v);
    for (int i = 0; i < g->n_slots; i++)
        if (g->slots[i])
            v[n++] = g->slots[i];
    /* insertion sort by printed id: n is a group's size */
    for (int i = 1; i < n; i++) {
        sl_cmember_t *x = v[i];
        char a[160], b[160];
        sl_member_id_str(s, g, x->id, a, sizeof a);
        int j = i - 1;
        while (j >= 0) {
            sl_member_id_str(s, g, v[j]->id, b, sizeof b);
            if (strcmp(b, a) <= 0)
                break;
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
    *out = v;
    return n;
}

/* The broker-side assignor: a new target assignment for the current group
 * epoch, sticky to the previous target. */
static void compute_target(sl_sim_t *s, sl_group_t *g) {
    sl_cmember_t **v;
    int n = members_sorted(s, g, &v);
    int **claims = calloc((size_t)(n ? n : 1), sizeof *claims), *claims_n = calloc((size_t)(n ? n : 1), sizeof(int));
    int **out = calloc((size_t)(n ? n : 1), sizeof *out), *out_n = calloc((size_t)(n ? n : 1), sizeof(int));
    for (int i = 0; i < n; i++) {
        claims[i] = v[i]->target;
        claims_n[i] = v[i]->n_target;
    }
    sl_assignor_t a = g->cfg->assignor == SL_ASSIGN_RANGE ? SL_ASSIGN_RANGE : SL_ASSIGN_STICKY;
    if (n && sl_assign(a, g, n, (const int *const *)claims, claims_n, out, out_n) < 0)
        sl_oom();
    for (int i = 0; i < n; i++) {
        set_list(&v[i]->target, &v[i]->n_target, out[i], out_n[i]);
        free(out[i]);
    }
    free(out);
    free(out_n);
    free(claims);
    free(claims_n);
    free(v);
    g->target_epoch = g->generation;
    g->assigned_at_us = sl_now(s);
    LOGC(s, g, "INFO", "[GroupId %s] Computed a new target assignment for epoch %d with '%s' assignor.", g->cfg->id,
         g->generation, a == SL_ASSIGN_RANGE ? "range" : "uniform");
}

/* Kafka 4.3+ (group.consumer.assignment.interval.ms): a target assignment
 * no sooner than the interval after the last one, computed on the
 * coordinator's heartbeat path; epochs bumped in between share it. */
static void maybe_assign(sl_sim_t *s, sl_group_t *g) {
    if (g->target_epoch == g->generation || !g->n_members)
        return;
    if (g->assigned_at_us >= 0 && sl_now(s) - g->assigned_at_us < s->sc->cluster.consumer_assignment_interval_us)
        return;
    compute_target(s, g);
}

/* A membership change: bump the group epoch; the target follows at once or
 * after the assignment interval (maybe_assign). */
static void bump_epoch(sl_sim_t *s, sl_group_t *g, int64_t cause, const char *reason) {
    sl_group_wake_heartbeats(s, g); /* the answers change from here */
    g->generation++;
    g->rebalance_seq = sl_trace(s, "group.rebalance.start", sl_broker_node(g->coordinator), g->index, 0,
                                g->generation, cause, "group epoch %d: %s", g->generation, reason);
    LOGC(s, g, "INFO", "[GroupId %s] Bumped group epoch to %d (reason: %s)", g->cfg->id, g->generation, reason);
    sl_metrics_rebalance_started(s, g);
    maybe_assign(s, g);
    g->state = !g->n_members ? GS_EMPTY : g->target_epoch != g->generation ? GS_ASSIGNING : GS_RECONCILING;
    sl_metrics_coordinator_state(s, g);
    sl_trace(s, "group.state", sl_broker_node(g->coordinator), g->index, 0, g->generation, g->rebalance_seq, "%s",
             sl_gstate_name(g->state));
    sl_metrics_group_changed(s, g, g->rebalance_seq);
}

static void release(sl_group_t *g, sl_cmember_t *cm, const int *parts, int n) {
    for (int i = 0; i < n; i++)
        if (g->cg_holder[parts[i]] == slot_of(cm))
            g->cg_holder[parts[i]] = -1;
}

static void remove_member(sl_sim_t *s, sl_group_t *g, sl_cmember_t *cm, int64_t cause, const char *why) {
    char idstr[160], reason[256];
    sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
    release(g, cm, cm->assignment, cm->n_assignment);
    release(g, cm, cm->revoking, cm->n_revoking);
    g->removed_ids[g->removed_next] = cm->id;
    g->removed_seq[g->removed_next] = cause;
    g->removed_next = (g->removed_next + 1) % 64;
    g->n_members--;
    sl_cm_free(s, g, cm);
    snprintf(reason, sizeof reason, "%s %s", why, idstr);
    bump_epoch(s, g, cause, reason);
}

/* Whether the target is the current epoch's and every member has
 * reconciled to it (Kafka's ConsumerGroup state). */
static void update_state(sl_sim_t *s, sl_group_t *g, int64_t cause) {
    sl_gstate_t st = !g->n_members ? GS_EMPTY : g->target_epoch != g->generation ? GS_ASSIGNING : GS_STABLE;
    for (int i = 0; i < g->n_slots && st == GS_STABLE; i++) {
        sl_cmember_t *cm = g->slots[i];
        if (cm && (cm->member_epoch != g->target_epoch || cm->cg_state != CG_STABLE))
            st = GS_RECONCILING;
    }
    if (st != g->state) {
        sl_group_wake_heartbeats(s, g);
        g->state = st;
        sl_metrics_coordinator_state(s, g);
        sl_trace(s, "group.state", sl_broker_node(g->coordinator), g->index, 0, g->generation, cause, "%s",
                 sl_gstate_name(st));
        if (st == GS_STABLE)
            sl_trace(s, "group.stable", sl_broker_node(g->coordinator), g->index, 0, g->generation, g->rebalance_seq,
                     "every member reconciled to group epoch %d", g->generation);
    }
    sl_metrics_group_changed(s, g, cause);
}

/* CurrentAssignmentBuilder: move cm towards its target, given what it
 * reports owning. */
static void reconcile(sl_sim_t *s, sl_group_t *g, sl_cmember_t *cm, const int *owned, int n_owned, int64_t cause) {
    if (cm->cg_state == CG_UNREVOKED) {
        bool done = true;
        for (int i = 0; i < cm->n_revoking && done; i++)
            done = !contains(owned, n_owned, cm->revoking[i]);
        if (!done)
            return; /* still revoking; the revoke timer runs */
        release(g, cm, cm->revoking, cm->n_revoking);
        set_list(&cm->revoking, &cm->n_revoking, NULL, 0);
        sl_timer_cancel(&s->eng, &cm->revoke_timer);
        cm->cg_state = CG_STABLE;
    }
    if (cm->member_epoch == g->target_epoch && cm->cg_state == CG_STABLE)
        return;
    /* Anything assigned now but not in the target must go first. */
    int *keep = malloc((size_t)(cm->n_assignment + 1) * sizeof(int)), nk = 0;
    int *rev = malloc((size_t)(cm->n_assignment + 1) * sizeof(int)), nr = 0;
    for (int i = 0; i < cm->n_assignment; i++) {
        if (contains(cm->target, cm->n_target, cm->assignment[i]))
            keep[nk++] = cm->assignment[i];
        else
            rev[nr++] = cm->assignment[i];
    }
    int old_state = cm->cg_state;
    if (nr > 0) {
        set_list(&cm->assignment, &cm->n_assignment, keep, nk);
        set_list(&cm->revoking, &cm->n_revoking, rev, nr);
        cm->cg_state = CG_UNREVOKED;
        sl_timer_arm(&s->eng, &cm->revoke_timer, sl_now(s) + cm->rebalance_timeout_us, cause);
    } else {
        /* Take what is free of the target; wait for the rest. */
        int *now = malloc((size_t)(cm->n_target + 1) * sizeof(int)), nn = 0;
        bool waiting = false;
        for (int i = 0; i < cm->n_target; i++) {
            int p = cm->target[i], h = g->cg_holder[p];
            if (h < 0 || h == slot_of(cm)) {
                g->cg_holder[p] = slot_of(cm);
                now[nn++] = p;
            } else {
                waiting = true;
            }
        }
        set_list(&cm->assignment, &cm->n_assignment, now, nn);
        free(now);
        cm->member_epoch = g->target_epoch;
        cm->cg_state = waiting ? CG_UNRELEASED : CG_STABLE;
    }
    if (cm->cg_state != old_state || cm->cg_state != CG_STABLE)
        sl_trace(s, "member.reconciling", sl_broker_node(g->coordinator), g->index, cm->id, cm->member_epoch, cause,
                 "%s: %d assigned, %d to revoke", cg_state_name(cm->cg_state), cm->n_assignment, cm->n_revoking);
    free(keep);
    free(rev);
}

static sl_msg_t *answer(sl_sim_t *s, sl_group_t *g, const sl_msg_t *req, sl_cmember_t *cm) {
    sl_msg_t *r = sl_coord_reply(s, g->coordinator, req, KE_NONE);
    r->member_id = cm->id;
    r->generation = cm->member_epoch;
    r->n_parts = cm->n_assignment;
    if (cm->n_assignment) {
        r->parts = malloc((size_t)cm->n_assignment * sizeof(int));
        memcpy(r->parts, cm->assignment, (size_t)cm->n_assignment * sizeof(int));
    }
    r->cause = g->rebalance_seq >= 0 && cm->member_epoch != g->generation ? g->rebalance_seq : req->cause;
    return r;
}

void sl_cg_handle(sl_sim_t *s, sl_group_t *g, sl_msg_t *req) {
    const sl_cluster_cfg_t *cc = &s->sc->cluster;
    (void)cc;
    int client = s->node_member[req->src]->index - 1;
    char idstr[160];
    if (req->generation == -1) { /* leave */
        sl_cmember_t *cm = sl_cm_find(g, req->member_id);
        sl_msg_t *r = sl_coord_reply(s, g->coordinator, req, KE_NONE);
        r->generation = -1;
        sl_net_send(s, r);
        if (cm) {
            sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
            LOGC(s, g, "INFO", "[GroupId %s] Member %s left the consumer group.", g->cfg->id, idstr);
            int64_t seq = sl_trace(s, "member.left", sl_broker_node(g->coordinator), g->index, cm->id,
                                   cm->member_epoch, req->cause, "leave heartbeat (epoch -1)");
            remove_member(s, g, cm, seq, "member left:");
            update_state(s, g, seq);
        }
        return;
    }
    sl_cmember_t *cm = NULL;
    if (req->generation == 0 && req->member_id == 0) {
        /* A new member: it joins by heartbeating with epoch 0. */
        cm = sl_cm_add(s, g, client, 0);
        cm->session_timeout_us = g->cfg->session_timeout_us; /* the broker decides it in KIP-848 */
        cm->rebalance_timeout_us = req->rebalance_timeout_us;
        cm->member_epoch = 0;
        g->n_members++;
        sl_cm_arm_session(s, cm);
        sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
        int64_t seq = sl_trace(s, "member.joined", sl_broker_node(g->coordinator), g->index, cm->id, 0, req->cause,
                               "new member joins with epoch 0");
        char reason[256];
        snprintf(reason, sizeof reason, "member %s joined", idstr);
        bump_epoch(s, g, seq, reason);
    } else {
        cm = sl_cm_find(g, req->member_id);
        if (!cm) {
            sl_msg_t *r = sl_coord_reply(s, g->coordinator, req, KE_UNKNOWN_MEMBER_ID);
            for (int i = 0; i < 64; i++)
                if (g->removed_ids[i] == req->member_id)
                    r->cause = g->removed_seq[i];
            sl_net_send(s, r);
            return;
        }
        if (req->generation != cm->member_epoch) {
            sl_msg_t *r = sl_coord_reply(s, g->coordinator, req, KE_FENCED_MEMBER_EPOCH);
            sl_net_send(s, r);
            return;
        }
        sl_cm_arm_session(s, cm);
        cm->rebalance_timeout_us = req->rebalance_timeout_us;
    }
    maybe_assign(s, g);
    reconcile(s, g, cm, req->parts, req->n_parts, req->cause);
    /* Partitions this member released are picked up by the members that
     * wait for them at their own next heartbeat, as in Kafka. */
    sl_net_send(s, answer(s, g, req, cm));
    update_state(s, g, req->cause);
}

sl_kerr_t sl_cg_commit_offsets(sl_sim_t *s, sl_group_t *g, sl_mid_t member_id, int epoch, const int *parts,
                               const int64_t *offsets, int n) {
    (void)s;
    sl_cmember_t *cm = sl_cm_find(g, member_id);
    if (!cm)
        return KE_UNKNOWN_MEMBER_ID;
    if (epoch != cm->member_epoch && epoch != cm->member_epoch - 1)
        return KE_FENCED_MEMBER_EPOCH; /* Kafka accepts the current or the previous epoch's commits */
    for (int i = 0; i < n; i++) {
        sl_gpart_t *gp = &g->parts[parts[i]];
        if (offsets[i] > gp->committed)
            gp->committed = offsets[i];
    }
    return KE_NONE;
}

void sl_cg_commit(sl_sim_t *s, sl_group_t *g, sl_msg_t *req) {
    sl_kerr_t err = sl_cg_commit_offsets(s, g, req->member_id, req->generation, req->parts, req->offsets, req->n_parts);
    sl_net_send(s, sl_coord_reply(s, g->coordinator, req, err));
}

void sl_cg_session_expired(sl_sim_t *s, sl_group_t *g, sl_cmember_t *cm) {
    sl_member_t *client = cm->client < g->n_member_slots ? g->members[cm->client] : NULL;
    char idstr[160];
    sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
    int64_t seq = sl_trace(s, "member.session_expired", sl_broker_node(g->coordinator), g->index, cm->id,
                           cm->member_epoch, client ? client->blame_seq : -1, "no heartbeat for %lld ms: fenced",
                           (long long)(cm->session_timeout_us / 1000));
    LOGC(s, g, "INFO", "[GroupId %s] Member %s fenced from the group because its session expired.", g->cfg->id, idstr);
    remove_member(s, g, cm, seq, "member session expired:");
    update_state(s, g, seq);
}

void sl_cg_revoke_expired(void *ctx, sl_timer_t *t) {
    sl_cmember_t *cm = ctx;
    sl_group_t *g = cm->group;
    sl_sim_t *s = g->sim;
    sl_member_t *client = cm->client < g->n_member_slots ? g->members[cm->client] : NULL;
    char idstr[160];
    sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
    int64_t seq = sl_trace(s, "member.revocation_timeout", sl_broker_node(g->coordinator), g->index, cm->id,
                           cm->member_epoch, client && client->blame_seq >= 0 ? client->blame_seq : t->cause,
                           "did not revoke %d partitions within the rebalance timeout: fenced", cm->n_revoking);
    LOGC(s, g, "INFO", "[GroupId %s] Member %s fenced from the group because it failed to revoke partitions within %lld ms.",
         g->cfg->id, idstr, (long long)(cm->rebalance_timeout_us / 1000));
    remove_member(s, g, cm, seq, "member failed to revoke in time:");
    update_state(s, g, seq);
}

void sl_cg_unload(sl_sim_t *s, sl_group_t *g) {
    for (int i = 0; i < g->n_slots; i++)
        if (g->slots[i]) {
            sl_timer_cancel(&s->eng, &g->slots[i]->session_timer);
            sl_timer_cancel(&s->eng, &g->slots[i]->revoke_timer);
        }
}

void sl_cg_load(sl_sim_t *s, sl_group_t *g, int64_t cause) {
    int64_t seq = sl_trace(s, "coordinator.load.done", sl_broker_node(g->coordinator), g->index, 0, g->generation,
                           cause, "loaded %s: group epoch %d, %d members", g->cfg->id, g->generation, g->n_members);
    for (int i = 0; i < g->n_slots; i++) {
        sl_cmember_t *cm = g->slots[i];
        if (!cm)
            continue;
        sl_cm_arm_session(s, cm);
        if (cm->cg_state == CG_UNREVOKED)
            sl_timer_arm(&s->eng, &cm->revoke_timer, sl_now(s) + cm->rebalance_timeout_us, seq);
    }
    g->state = GS_DEAD; /* recomputed */
    sl_metrics_coordinator_state(s, g);
    update_state(s, g, seq);
}

void sl_cg_init(sl_sim_t *s, sl_group_t *g) {
    (void)s;
    g->cg_holder = malloc((size_t)(g->n_parts ? g->n_parts : 1) * sizeof(int));
    for (int i = 0; i < g->n_parts; i++)
        g->cg_holder[i] = -1;
    g->rebalance_seq = -1;
    g->target_epoch = 0;
    g->assigned_at_us = -1;
}

void sl_cg_free(sl_sim_t *s, sl_group_t *g) {
    (void)s;
    free(g->cg_holder);
    g->cg_holder = NULL;
}
