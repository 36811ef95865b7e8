/*
 * Member lanes: what each member process was doing over the run, derived
 * from trace.jsonl alone (rules in docs/plots.md, "Swimlane states").  The
 * swimlane plot and report.html's timeline both draw these segments.
 */
#ifndef SL_LANES_H
#define SL_LANES_H

#include <stddef.h>

#include "runfiles.h"

/* Lane states, in legend order; the index is the `state` column of lanes.tsv. */
enum {
    SL_LANE_CONSUMING,     /* holds partitions, reaches its coordinator and a broker */
    SL_LANE_IDLE,          /* in the group with no partitions */
    SL_LANE_FETCH_BLOCKED, /* holds partitions, no broker reachable (links cut, brokers down or frozen) */
    SL_LANE_CUT_OFF,       /* holds partitions, the coordinator it knows is unreachable, not yet noticed */
    SL_LANE_EXPELLED,      /* the coordinator removed it; it has not learned so yet */
    SL_LANE_REJOINING,     /* JoinGroup sent or about to be, no partitions */
    SL_LANE_SYNCING,       /* JoinGroup answered, waiting for its assignment */
    SL_LANE_REVOKING,      /* eager: giving up its partitions before rejoining */
    SL_LANE_PAUSED,        /* process frozen */
    SL_LANE_STALLED,       /* poll loop blocked */
    SL_LANE_CRASHED,
    SL_LANE_STOPPED,
    SL_LANE__COUNT
};
extern const char *const sl_lane_state_names[SL_LANE__COUNT];

typedef struct {
    int gi, lane;        /* group index, member number N of <group>/N */
    double t0_s, t1_s;   /* t1_s > t0_s */
    int state;           /* SL_LANE_* */
} sl_lane_seg_t;

typedef struct sl_lanes_s sl_lanes_t;

/* N when node is "<group>/N" ("billing/3" of billing; "billing-eu/3" is not), else -1. */
int sl_lanes_member_number(const char *node, const char *group);

/* Segments of every member numbered up to max_lanes in every group; borrows
 * strings from run (keep it alive).  Free with sl_lanes_free(). */
sl_lanes_t *sl_lanes_new(const sl_run_t *run, int max_lanes);
void sl_lanes_free(sl_lanes_t *ls);

/* All segments, in time order of their end; *n their count. */
const sl_lane_seg_t *sl_lanes_segments(const sl_lanes_t *ls, size_t *n);

#endif
