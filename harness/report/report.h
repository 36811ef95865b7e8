/*
 * report.html: one self-contained page per run (inline SVG and CSS, no
 * script, no network) with the scenario, the summary per group and owner,
 * the plots and every rebalance with its cause chain.
 */
#ifndef SL_REPORT_H
#define SL_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "causes.h"
#include "runfiles.h"

/*
 * Writes run->dir/report.html (through a .partial file and a rename).
 * with_plots: inline run->dir/plots/NAME.svg; else say how to get them.
 * Returns 0, or -1 with err.
 */
int sl_report_write(const sl_run_t *run, const sl_causes_t *c, int with_plots, char *err, size_t errsz);

/*
 * A page of stormlab's (report.html, compare.html) begun in dir/.FILE.partial:
 * the head with "TITLE · stormlab COMMAND" and report.html's style sheet
 * followed by extra_css, then <body>.  tmp and final (pathsz bytes each)
 * receive the two paths for sl_report_page_close.  NULL with err when the
 * file cannot be made.
 */
FILE *sl_report_page_open(const char *dir, const char *file, const char *title, const char *command,
                          const char *extra_css, char *tmp, char *final, size_t pathsz, char *err, size_t errsz);

/* Ends the page, closes f and renames tmp to final: 0, or -1 with err (tmp removed). */
int sl_report_page_close(FILE *f, const char *tmp, const char *final, char *err, size_t errsz);

/* Writes s to f with HTML's special characters escaped (text and attribute values). */
void sl_report_esc(FILE *f, const char *s);

#endif
