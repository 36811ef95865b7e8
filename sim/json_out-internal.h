/*
 * JSON string literals as every stormlab output writes them: the
 * simulator's trace.jsonl and summary.json, a real run's (harness/run) and
 * the CLI's --json and compare.json (harness/textout.c's sl_tx_json).  One
 * escaper, so the same name reads the same in all of them, and always
 * parses: RFC 8259 text that is valid UTF-8 whatever the input bytes.
 */
#ifndef SL_JSON_OUT_INTERNAL_H
#define SL_JSON_OUT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

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

#endif
