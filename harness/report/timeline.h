/*
 * report.html's interactive timeline (docs/plots.md, "Timeline"): lanes per
 * member grouped by group, faults and actions as bands, rebalances with
 * their cause chains, the log around any moment; vanilla JS, no fetches.
 */
#ifndef SL_TIMELINE_H
#define SL_TIMELINE_H

#include <stdio.h>

#include "causes.h"
#include "runfiles.h"

/* Writes the <section id="timeline"> with its data and script to f. */
void sl_timeline_write(FILE *f, const sl_run_t *run, const sl_causes_t *c);

/* The CSS the section needs, for the page's <style>. */
const char *sl_timeline_css(void);

#endif
