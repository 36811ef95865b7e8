/*
 * The small tab-separated files plots/NAME.gp read (docs/plots.md), written
 * from a loaded run: gnuplot cannot follow cause chains or filter
 * interleaved groups, so the harness does that once here.
 */
#ifndef SL_EXTRACT_H
#define SL_EXTRACT_H

#include <stddef.h>

#include "causes.h"
#include "runfiles.h"

/* A name made safe as one file-name component: anything but [A-Za-z0-9._-]
 * becomes _, and so does a leading '.' (never "." or "..", never hidden).
 * The one sanitiser of every command (group files here; run directories
 * through sl_cli_safe_name). */
void sl_extract_safe_name(const char *group, char *out, size_t n);

/*
 * Writes into datadir (which must exist): faults.tsv, and per group
 * <safe>.series.tsv, <safe>.unsettled.tsv, <safe>.lanes.tsv,
 * <safe>.lanenames.tsv, <safe>.meta.gp.  *fault_rows is how many label rows the fault
 * strip needs (0: nothing was injected).  Returns 0, or -1 with err.
 */
int sl_extract_write(const sl_run_t *run, const sl_causes_t *c, const char *datadir, int *fault_rows, char *err,
                     size_t errsz);
/* The same for the n groups listed (indexes into run->groups) only: the
 * ones plots are drawn for. */
int sl_extract_write_groups(const sl_run_t *run, const sl_causes_t *c, const char *datadir, const size_t *groups,
                            size_t n, int *fault_rows, char *err, size_t errsz);

#endif
