/* The trace vocabulary of include/stormlab/outputs.h: one row per kind,
 * in docs/outputs.md's order.  Both engines write these names; explain, the
 * report and the tests classify events through this table. */
#include <string.h>

#include "stormlab/outputs.h"

static const sl_trace_kind_t kinds[] = {
    {"link.cut", 1, "a partition event starts"},
    {"link.heal", 0, "a partition event ends"},
    {"link.degrade", 1, "a degrade event starts"},
    {"link.restore", 0, "a degrade event ends"},
    {"action.restart", 1, "a restart (of brokers or members) fires"},
    {"action.pause", 1, "a pause fires"},
    {"action.stall", 1, "a stall of members' poll loops fires"},
    {"action.set", 1, "a set (config rollout) fires"},
    {"group.scale", 1, "a scale event changes a group's member count"},
    {"broker.down", 0, "a broker process stops"},
    {"broker.paused", 0, "a broker process freezes"},
    {"broker.starting", 0, "a broker process starts"},
    {"broker.serving", 0, "a broker finishes its startup"},
    {"broker.resumed", 0, "a broker process thaws"},
    {"broker.fenced", 0, "the controller fences a broker"},
    {"broker.preferred_leaders", 0, "auto leader rebalance moves leadership back to a returned broker"},
    {"controller.lost", 0, "the broker hosting the active KRaft controller stops; the other voters elect one"},
    {"controller.elected", 0, "a broker's controller becomes the active one"},
    {"partition.leader", 0, "a partition changes leader"},
    {"partition.offline", 0, "a partition loses every in-sync replica"},
    {"producer.start", 0, "a real run's producer starts"},
    {"produce.lost", 0, "buffered records expired after delivery.timeout.ms"},
    {"records.lost", 0, "a real run: acknowledged records missing from the log"},
    {"records.unacked", 0, "a real run: records without a delivery report at its end"},
    {"records.duplicated", 0, "a real run: records processed again by a member"},
    {"records.checked", 0, "a real run's record accounting for a topic"},
    {"coordinator.unload", 0, "a group's coordinator resigns or dies"},
    {"coordinator.load.start", 0, "a new coordinator starts loading the group"},
    {"coordinator.load.done", 0, "the new coordinator has loaded the group"},
    {"group.state", 0, "the coordinator moves the group to another state"},
    {"group.rebalance.start", 0, "the group enters PreparingRebalance (KIP-848: the group epoch is bumped)"},
    {"group.join.complete", 0, "a new generation"},
    {"group.stable", 0, "the leader's assignment is stored and the group is Stable"},
    {"group.settled", 0, "every member holds its assignment and every partition is owned"},
    {"group.store_failed", 0, "the leader's assignment could not be written to __consumer_offsets"},
    {"member.start", 0, "a consumer process starts"},
    {"member.stop", 0, "a consumer process closes or is killed"},
    {"member.crashed", 0, "a consumer dies on a fatal error"},
    {"member.paused", 0, "a consumer process freezes"},
    {"member.resumed", 0, "a consumer process thaws"},
    {"member.stalled", 0, "a consumer's poll loop blocks"},
    {"member.unstalled", 0, "a consumer's poll loop is free again"},
    {"member.coordinator_unknown", 0, "the client marks its coordinator unknown"},
    {"member.coordinator_found", 0, "the client discovers its coordinator"},
    {"member.join", 0, "JoinGroup sent"},
    {"member.id_required", 0, "JoinGroup answered MEMBER_ID_REQUIRED"},
    {"member.joined", 0, "JoinGroup answered"},
    {"member.assigned", 0, "SyncGroup answered with partitions"},
    {"member.rejoin_needed", 0, "a heartbeat was answered REBALANCE_IN_PROGRESS"},
    {"member.revoked", 0, "partitions given up cleanly"},
    {"member.lost", 0, "partitions lost without a commit"},
    {"member.static_rejoin", 0, "a static member's instance came back with a new member id"},
    {"member.session_timeout", 0, "librdkafka's own session timer expired"},
    {"member.reconciling", 0, "KIP-848: the coordinator moves a member towards its target"},
    {"member.revocation_timeout", 0, "KIP-848: a member did not revoke within its rebalance timeout"},
    {"member.fenced", 0, "a heartbeat was answered UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION"},
    {"member.poll_timeout", 0, "max.poll.interval.ms passed without a poll(); the member leaves"},
    {"member.session_expired", 0, "the coordinator expires a member"},
    {"member.removed", 0, "the coordinator removes a member at join or sync completion"},
    {"member.left", 0, "the coordinator receives a member's LeaveGroup"},
    {"run.end", 0, "a real run ends (its detail says how)"},
};

int sl_trace_kind_count(void) { return (int)(sizeof kinds / sizeof kinds[0]); }

const sl_trace_kind_t *sl_trace_kind_at(int i) {
    return i >= 0 && i < sl_trace_kind_count() ? &kinds[i] : NULL;
}

const sl_trace_kind_t *sl_trace_kind_find(const char *name) {
    for (int i = 0; name && i < sl_trace_kind_count(); i++)
        if (!strcmp(kinds[i].name, name))
            return &kinds[i];
    return NULL;
}

int sl_trace_kind_is_root(const char *name) {
    const sl_trace_kind_t *k = sl_trace_kind_find(name);
    return k && k->root;
}
