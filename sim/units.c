/*
 * Units and names: durations ("45s"), and the one name table per enum that
 * the loader, the writer and the outputs share.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "scenario-internal.h"

#define NAME_OF(table, i) \
    ((size_t)(i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "unknown")

static const char *const client_names[] = {
    [SL_CLIENT_JAVA] = "java",
    [SL_CLIENT_LIBRDKAFKA] = "librdkafka",
};
static const char *const protocol_names[] = {
    [SL_PROTO_CLASSIC] = "classic",
    [SL_PROTO_CONSUMER] = "consumer",
};
static const char *const assignor_names[] = {
    [SL_ASSIGN_RANGE] = "range",
    [SL_ASSIGN_ROUNDROBIN] = "roundrobin",
    [SL_ASSIGN_STICKY] = "sticky",
    [SL_ASSIGN_COOPERATIVE_STICKY] = "cooperative-sticky",
    [SL_ASSIGN_UNIFORM] = "uniform",
};
static const char *const commit_names[] = {
    [SL_COMMIT_AUTO] = "auto",
    [SL_COMMIT_SYNC_PER_BATCH] = "sync-per-batch",
};
static const char *const restart_mode_names[] = {
    [SL_RESTART_HARD] = "hard",
    [SL_RESTART_CONTROLLED] = "controlled",
    [SL_RESTART_PAUSE] = "pause",
};
static const char *const event_kind_names[] = {
    [SL_EV_PARTITION] = "partition", [SL_EV_DEGRADE] = "degrade", [SL_EV_RESTART] = "restart",
    [SL_EV_PAUSE] = "pause",         [SL_EV_STALL] = "stall",     [SL_EV_SET] = "set",
    [SL_EV_SCALE] = "scale",
};
static const char *const metric_names[] = {
    [SL_M_REBALANCES] = "rebalances",
    [SL_M_GENERATION] = "generation",
    [SL_M_REBALANCE_S] = "rebalance_s",
    [SL_M_UNOWNED_PARTITION_S] = "unowned_partition_s",
    [SL_M_MAX_LAG] = "max_lag",
    [SL_M_DUPLICATES] = "duplicates",
    [SL_M_STABLE_BY] = "stable_by",
    [SL_M_LOST_RECORDS] = "lost_records",
    [SL_M_PRODUCE_ERRORS] = "produce_errors",
    [SL_M_UNAVAILABLE_PARTITION_S] = "unavailable_partition_s",
    [SL_M_CRASHED_MEMBERS] = "crashed_members",
    [SL_M_STABLE_FROM_S] = "stable_from_s",
    [SL_M_VERDICT] = "verdict",
};

const char *sl_client_name(sl_client_t c) { return NAME_OF(client_names, c); }
const char *sl_protocol_name(sl_protocol_t p) { return NAME_OF(protocol_names, p); }
const char *sl_assignor_name(sl_assignor_t a) { return NAME_OF(assignor_names, a); }
const char *sl_commit_name(sl_commit_t c) { return NAME_OF(commit_names, c); }
const char *sl_restart_mode_name(sl_restart_mode_t m) { return NAME_OF(restart_mode_names, m); }
const char *sl_metric_name(sl_metric_t m) { return NAME_OF(metric_names, m); }
const char *sl_event_kind_name(sl_event_kind_t k) { return NAME_OF(event_kind_names, k); }

/* Largest first, so sl_format_duration picks the largest exact unit. */
static const struct {
    const char *suffix;
    int64_t us;
} units[] = {
    {"h", 3600LL * 1000000}, {"m", 60LL * 1000000}, {"s", 1000000}, {"ms", 1000}, {"us", 1},
};

int sl_parse_duration(const char *s, int64_t *us) {
    uint64_t v = 0;
    const char *p = s;
    if (!s || *p < '0' || *p > '9') return -1; /* no sign, no space, not empty */
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (*p == 0) {
        if (v != 0) return -1; /* a bare number other than 0 has no unit */
        *us = 0;
        return 0;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(p, units[i].suffix) != 0) continue;
        if (v > (uint64_t)INT64_MAX / (uint64_t)units[i].us) return -1;
        *us = (int64_t)v * units[i].us;
        return 0;
    }
    return -1;
}

void sl_format_duration(int64_t us, char *buf, size_t size) {
    if (us == 0) {
        snprintf(buf, size, "0");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (us % units[i].us == 0) {
            snprintf(buf, size, "%" PRId64 "%s", us / units[i].us, units[i].suffix);
            return;
        }
    }
}
