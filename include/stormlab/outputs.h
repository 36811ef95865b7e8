/*
 * The files a run writes, as both engines write them.
 *
 * JSON string literals as every stormlab output writes them: the
 * simulator's trace.jsonl and summary.json, a real run's (harness/run) and
 * the CLI's --json and compare.json (harness/cli/textout.c's sl_tx_json).  One
 * escaper, so the same name reads the same in all of them, and always
 * parses: RFC 8259 text that is valid UTF-8 whatever the input bytes.
 *
 * Also the pieces of trace.jsonl and summary.json that the simulator
 * (sim/trace.c, sim/sim.c) and a real run (harness/run/record.c) write
 * alike: one writer each, so the two backends' files stay the same schema
 * to the byte (docs/outputs.md).
 */
#ifndef STORMLAB_OUTPUTS_H
#define STORMLAB_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stormlab/stormlab.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Length of the valid UTF-8 sequence at s (1..4), its code point in *cp;
 * 0 when s does not start one (a stray continuation byte, an overlong form,
 * a surrogate, past U+10FFFF, cut short).  s is NUL-terminated: a sequence
 * cut short stops at the NUL, never reads past it. */
int sl_utf8_len(const unsigned char *s, uint32_t *cp);

/** Writes s as a JSON string literal, quotes included; NULL writes null.
 * '"' and '\\' are backslash-escaped; \n \r \t as such; the other C0
 * controls and DEL as \u00XX; every byte that does not start a valid UTF-8
 * sequence as \ufffd; all else (valid UTF-8, '/') as is. */
void sl_json_str(FILE *f, const char *s);

/** Writes v as summary.json's numbers: three decimals, trailing zeros cut
 * down to one digit after the point (2.500 as 2.5, 3.000 as 3.0). */
void sl_json_num(FILE *f, double v);

/** sl_json_num(v), or null when v < 0 (a time that never came). */
void sl_json_num_or_null(FILE *f, double v);

/** One trace.jsonl line, newline included:
 * {"t_us":T,"seq":N,"kind":"KIND","node":..,"group":..,"member":..,
 * "generation":..,"cause":..,"detail":".."}.  kind is a fixed event name,
 * written as is; node, group, member and detail as sl_json_str (NULL as
 * null); a negative generation or cause as null. */
void sl_json_trace_line(FILE *f, int64_t t_us, int64_t seq, const char *kind, const char *node, const char *group,
                        const char *member, int generation, int64_t cause, const char *detail);

/** Group i's results and owner ("" when none) for the summary writers
 * below; ctx is the caller's run. */
typedef void (*sl_json_group_fn)(const void *ctx, int i, sl_group_result_t *r, const char **owner);

/** The members of summary.json's "groups" object for groups 0..n-1, each
 * on its own line ("\n  \"ID\": {...}", comma-separated); the braces
 * around them are the caller's. */
void sl_json_summary_groups(FILE *f, int n, sl_json_group_fn get, const void *ctx);

/** The members of summary.json's "owners" object: groups 0..n-1 rolled up
 * by owner ("(none)" for no owner), in order of first appearance. */
void sl_json_summary_owners(FILE *f, int n, sl_json_group_fn get, const void *ctx);

/* ---- the run directory ----
 * Both backends write the same five files, `stormlab sim` (sim/sim.c) and
 * `stormlab run` (harness/run/runner.c), each under a temporary name and
 * renamed once the run is complete (docs/outputs.md). */
enum { SL_OUT_TRACE, SL_OUT_SERIES, SL_OUT_LOG, SL_OUT_SUMMARY, SL_OUT_RESOLVED, SL_OUT__N };

/** The files' names, indexed by SL_OUT_*: "trace.jsonl", ... */
extern const char *const sl_out_names[SL_OUT__N];

/** Each file's path in dir: final[i] = "DIR/NAME", partial[i] = "DIR/.NAME.partial"
 * (cut to size bytes, as snprintf does). */
void sl_out_paths(const char *dir, char (*final)[4096], char (*partial)[4096]);

/** mkdir -p dir (mode 0777 before the umask): 0, or -1 (with mkdir's errno
 * when one failed; a dir of 4096 bytes or more fails as is). */
int sl_out_mkdir_p(const char *dir);

/*
 * The trace vocabulary: every `kind` a trace.jsonl line may carry, from the
 * simulator or a real run, with what it means and whether it is a root (a
 * scenario's fault or operator action: where a cause chain ends).  One
 * table (sim/trace_kinds.c) that explain, the report and the tests read;
 * docs/outputs.md lists the same kinds (a test keeps the two equal).
 */
typedef struct sl_trace_kind_s {
    const char *name;    /* "link.cut" */
    int root;            /* 1: a scenario event, a cause chain ends here */
    const char *meaning; /* when it is emitted, one line */
} sl_trace_kind_t;

/** Number of kinds in the table. */
int sl_trace_kind_count(void);
/** Kind i, 0 <= i < sl_trace_kind_count(). */
const sl_trace_kind_t *sl_trace_kind_at(int i);
/** The kind named name, or NULL when the vocabulary has no such kind. */
const sl_trace_kind_t *sl_trace_kind_find(const char *name);
/** 1 when name is a root kind (a fault or operator action the scenario injected). */
int sl_trace_kind_is_root(const char *name);

#ifdef __cplusplus
}
#endif
#endif
