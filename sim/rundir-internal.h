/*
 * The run directory both backends write, `stormlab sim` (sim/sim.c) and
 * `stormlab run` (harness/run/runner.c): the same five files, each written
 * under a temporary name and renamed once the run is complete
 * (docs/outputs.md).
 */
#ifndef SL_RUNDIR_INTERNAL_H
#define SL_RUNDIR_INTERNAL_H

#include <stddef.h>

enum { SL_OUT_TRACE, SL_OUT_SERIES, SL_OUT_LOG, SL_OUT_SUMMARY, SL_OUT_RESOLVED, SL_OUT__N };

/** The files' names, indexed by SL_OUT_*: "trace.jsonl", ... */
extern const char *const sl_out_names[SL_OUT__N];

/** Each file's path in dir: final[i] = "DIR/NAME", partial[i] = "DIR/.NAME.partial"
 * (cut to size bytes, as snprintf does). */
void sl_out_paths(const char *dir, char (*final)[4096], char (*partial)[4096]);

/** mkdir -p dir (mode 0777 before the umask): 0, or -1 (with mkdir's errno
 * when one failed; a dir of 4096 bytes or more fails as is). */
int sl_out_mkdir_p(const char *dir);

#endif
