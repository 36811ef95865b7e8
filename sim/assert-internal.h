/* Programmer errors abort with the expression and place (redis serverAssert);
 * operating errors are returned, never asserted. */
#ifndef SL_ASSERT_INTERNAL_H
#define SL_ASSERT_INTERNAL_H
#include <stdio.h>
#include <stdlib.h>
#define SL_ASSERT(expr)                                                                  \
    do {                                                                                 \
        if (!(expr)) {                                                                   \
            fprintf(stderr, "stormlab: assertion failed: %s (%s:%d)\n", #expr, __FILE__, \
                    __LINE__);                                                           \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* Out of memory inside a running simulation (the policy stormlab.h
 * states): the model cannot unwind an event it has half applied, so it
 * stops the process saying why, never goes on with a broken state: a
 * failed allocation of the model ends in sl_oom() (sl_xrealloc() does it). */
static inline void sl_oom_at(const char *file, int line) {
    fprintf(stderr, "stormlab: out of memory during the simulation (%s:%d)\n", file, line);
    abort();
}
#define sl_oom() sl_oom_at(__FILE__, __LINE__)
/* realloc(p, n) (n 0 counts as 1) or sl_oom(). */
static inline void *sl_xrealloc_at(void *p, size_t n, const char *file, int line) {
    void *q = realloc(p, n ? n : 1);
    if (!q)
        sl_oom_at(file, line);
    return q;
}
#define sl_xrealloc(p, n) sl_xrealloc_at((p), (n), __FILE__, __LINE__)
#endif
