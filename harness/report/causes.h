/*
 * Cause chains over a loaded run: which rebalances happened, the events
 * from each back to its root (the injected fault or operator action), and
 * the "first signal", the first log line an engineer saw that descends
 * from that root.  Used by `stormlab explain` and report.html.
 */
#ifndef SL_CAUSES_H
#define SL_CAUSES_H

#include <stddef.h>

#include "runfiles.h"

typedef struct sl_rebalance_s {
    size_t start;       /* index in run->ev of its group.rebalance.start */
    int group;          /* index in run->groups */
    int number;         /* 1, 2, ... within the group, as summary.json counts */
    int generation;     /* the generation it produced; -1 if the run ended first */
    size_t *chain;      /* ev indices: start, its cause, ..., the root */
    size_t n_chain;
    long first_signal;  /* index in run->log, -1 when no log line descends from the root */
    /* Other causes that contributed while it ran (until the group was stable
     * again or the next rebalance began): the roots, other than its own, of
     * the events that changed it (a member joining, leaving, expiring, being
     * removed or timing out its poll, the coordinator moving, the event that
     * completed it).  also[k] is a root, via[k] the first such event. */
    size_t *also, *via;
    size_t n_also;
} sl_rebalance_t;

typedef struct sl_causes_s {
    sl_rebalance_t *rb;
    size_t n_rb;
    size_t *root_of;    /* per event: index of its root */
    long *signal_of;    /* per event that is a root: first log line descending from it, else -1 */
    double *first_settled_s; /* per group: first group.settled, -1 if never */
} sl_causes_t;

/* Analyses run; the result borrows nothing from it.  Free with sl_causes_free(). */
sl_causes_t *sl_causes_new(const sl_run_t *run);
void sl_causes_free(sl_causes_t *c);

/* A scenario event (a root kind of the trace vocabulary): sl_trace_kind_is_root(), stormlab/outputs.h. */

/*
 * A short label for an injected event, for plots ("partition billing/1,2",
 * "restart (hard) broker/1").  Writes into buf, returns buf.
 */
char *sl_causes_label(const sl_rf_event_t *e, char *buf, size_t n);

/*
 * When an injected event's effect ended (a partition healed, a process
 * thawed or came back), in microseconds; -1 if it has no end in the trace.
 */
long long sl_causes_end_us(const sl_run_t *run, const sl_causes_t *c, size_t root);

/*
 * How group g ends the run, when it ends not settled (summary.json's
 * stable_from_s is null), as one clause for explain and report.html:
 * "every member crashed (3 of 3; the first at 00:01:00: InvalidSession...)",
 * "2 of 5 members crashed (...) and it was still rebalancing when the run
 * ended", "still rebalancing when the run ended, 12.0 s after this one
 * began"; "" when it ends settled.  A rebalance that produced no generation
 * is explained by the same clause.
 */
void sl_causes_group_end(const sl_run_t *run, int g, char *buf, size_t n);

#endif
