/*
 * One metric integration for both engines: how a group's settled periods
 * and unowned partitions add up over a run into summary.json's
 * rebalance_s, unowned_partition_s, first_stable_s and stable_from_s
 * (docs/outputs.md).  The simulator and the real-run engine each decide
 * when a group is settled and how many partitions no member owns, in their
 * own terms, and feed one meter per group with the time of each change.
 */
#ifndef STORMLAB_METER_H
#define STORMLAB_METER_H

#include <stdint.h>

#include "stormlab/stormlab.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sl_meter_s {
    int unowned;               /* partitions no member owns, now */
    int settled;               /* the group is settled now */
    int64_t since_us;          /* the integral's last update */
    double unowned_us;         /* partition-microseconds unowned from time 0 */
    double unowned_after_us;   /* the same from the first settled moment */
    int64_t first_settled_us;  /* -1: never settled */
    int64_t settled_since_us;  /* start of the current settled period, -1 none */
    int64_t left_settled_us;   /* start of the current unsettled period */
    int64_t out_of_settled_us; /* time unsettled after the first settled moment */
} sl_meter_t;

/** A meter at time 0 with unowned partitions unowned. */
void sl_meter_init(sl_meter_t *m, int unowned);

/** Adds the unowned partition-time up to now_us, then takes unowned as the
 * new count. */
void sl_meter_unowned(sl_meter_t *m, int64_t now_us, int unowned);

/** Records whether the group is settled at now_us: 1 when it just became
 * settled, -1 when it just left that state, 0 when nothing changed. */
int sl_meter_settle(sl_meter_t *m, int64_t now_us, int settled);

/** Closes the integrals at the run's end. */
void sl_meter_finish(sl_meter_t *m, int64_t end_us);

/** Fills rebalance_s, unowned_partition_s, first_stable_s and stable_from_s. */
void sl_meter_results(const sl_meter_t *m, sl_group_result_t *r);

#ifdef __cplusplus
}
#endif
#endif
