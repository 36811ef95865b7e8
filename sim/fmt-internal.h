/*
 * Number formatting for the outputs' hot lines (series.tsv rows, trace and
 * log line prefixes): the same bytes printf writes, without parsing a
 * format per field.  printf was a fifth of a large run's time (docs/model.md
 * "Speed"); sim_outputs_unchanged.sh holds the bytes to printf's.
 */
#ifndef SL_FMT_INTERNAL_H
#define SL_FMT_INTERNAL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

/* "%0*llu" of v: at least width digits, at p; returns the end. */
static inline char *sl_fmt_u_width(char *p, uint64_t v, int width) {
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* "%lld" of v at p; returns the end. */
static inline char *sl_fmt_i64(char *p, int64_t v) {
    if (v < 0)
        *p++ = '-';
    return sl_fmt_u_width(p, v < 0 ? -(uint64_t)v : (uint64_t)v, 1);
}

/* "%.3f" of us / 1e6 (seconds): by hand when exact (whole milliseconds). */
static inline char *sl_fmt_seconds3(char *p, int64_t us) {
    if (us < 0 || us % 1000)
        return p + sprintf(p, "%.3f", (double)us / 1e6);
    p = sl_fmt_u_width(p, (uint64_t)(us / 1000000), 1);
    *p++ = '.';
    return sl_fmt_u_width(p, (uint64_t)(us / 1000 % 1000), 3);
}

/* "%.1f" of v: by hand when v is a whole number printf prints exactly. */
static inline char *sl_fmt_f1(char *p, double v) {
    if (v != v || fabs(v) >= 1e15 || v != (double)(int64_t)v || (v == 0 && signbit(v)))
        return p + sprintf(p, "%.1f", v);
    p = sl_fmt_i64(p, (int64_t)v);
    *p++ = '.';
    *p++ = '0';
    return p;
}
#endif
