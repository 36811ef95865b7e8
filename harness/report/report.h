/*
 * report.html: one self-contained page per run (inline SVG and CSS, no
 * script, no network) with the scenario, the summary per group and owner,
 * the plots and every rebalance with its cause chain.
 */
#ifndef SL_REPORT_H
#define SL_REPORT_H

#include <stddef.h>

#include "causes.h"
#include "runfiles.h"

/*
 * Writes run->dir/report.html (through a .partial file and a rename).
 * with_plots: inline run->dir/plots/NAME.svg; else say how to get them.
 * Returns 0, or -1 with err.
 */
int sl_report_write(const sl_run_t *run, const sl_causes_t *c, int with_plots, char *err, size_t errsz);

/* Writes s to f with HTML's special characters escaped (text and attribute values). */
void sl_report_esc(FILE *f, const char *s);

#endif
