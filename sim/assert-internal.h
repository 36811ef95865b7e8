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
#endif
