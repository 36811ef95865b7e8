/* The fast way to read a trace.jsonl line (trace_line.c). */
#ifndef SL_TRACE_LINE_H
#define SL_TRACE_LINE_H

#include "runfiles.h"

/* Parses line when it is in the exact form stormlab writes: fills t_us,
 * seq, cause, generation and the strings of e (new allocations) and
 * returns 0.  Returns -1 with e's strings untouched otherwise: the caller
 * reads the line with a JSON parser. */
int sl_trace_line_parse(const char *line, sl_rf_event_t *e);
#endif
