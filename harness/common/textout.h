/*
 * Text helpers shared by check, sweep and lint: escaping for JSON, XML and
 * the shell, durations in Kafka's milliseconds written the scenario way,
 * and the command a user types to reach this binary.
 */
#ifndef SL_TEXTOUT_H
#define SL_TEXTOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Writes s as a JSON string literal, quotes included; NULL writes null.
 * Control characters are \u-escaped; bytes that are not UTF-8 become U+FFFD.
 * It is sim/'s sl_json_str (stormlab/outputs.h): the CLI's JSON escapes
 * exactly as trace.jsonl and summary.json do; whatever compiles textout.c
 * links stormlab_sim. */
void sl_tx_json(FILE *f, const char *s);

/** Writes s as XML 1.0 character data / attribute text: & < > " ' escaped,
 * characters XML 1.0 forbids (most C0 controls) and invalid UTF-8 replaced
 * by '?', so the document always parses. */
void sl_tx_xml(FILE *f, const char *s);

/** Writes s as one shell word: unchanged when it is plain
 * ([A-Za-z0-9_./:=,@%+-]), otherwise single-quoted. */
void sl_tx_shell(FILE *f, const char *s);

/** Formats a duration given in milliseconds the way scenario files write it,
 * in the largest exact unit: 45000 -> "45s", 1500 -> "1500ms", 0 -> "0". */
void sl_tx_ms(char *buf, size_t n, int64_t ms);

/** The command that reaches this executable from the current directory:
 * "build/stormlab" when it lies below the working directory, "stormlab"
 * when that is what PATH finds, else its absolute path.  Static storage. */
const char *sl_tx_self(void);

/** A malloc'd copy of the formatted string, or NULL when out of memory. */
char *sl_tx_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** 64-bit FNV-1a over len bytes, continuing from h (start with
 * SL_TX_FNV_INIT).  Used to name a sweep's grid, not for security. */
#define SL_TX_FNV_INIT 0xcbf29ce484222325ULL
uint64_t sl_tx_fnv1a(uint64_t h, const void *data, size_t len);

/** Creates dir and its parents (mode 0777 & ~umask); 0 or -1 with errno. */
int sl_tx_mkdirs(const char *dir);

#endif
