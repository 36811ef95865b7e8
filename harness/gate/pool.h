/*
 * Forked worker processes for commands that run many simulations (sweep's
 * points, advise's candidates): up to `jobs` children at a time, each runs
 * one task and sends one text row back through a pipe.  The parent keeps
 * the rows by task number, so what a command prints from them does not
 * depend on how many jobs ran or in which order they finished.
 */
#ifndef SL_POOL_H
#define SL_POOL_H

#include <stddef.h>

#define SL_POOL_MAX_JOBS 1024

/* Runs task i in a forked child: writes its row (one line ending in '\n')
 * to fd and returns the child's exit code (SL_EXIT_*). */
typedef int (*sl_pool_task_fn)(void *ctx, size_t i, int fd);

/* Runs tasks 0..count-1 with up to jobs children.  rows[i] receives task
 * i's row without its newline (malloc'd, the caller frees), or stays NULL
 * when the child died without one (reported on stderr as "stormlab CMD:
 * WHAT i: ...").  show draws a progress line on stderr.  Returns the worst
 * exit code: SL_EXIT_USAGE if any task returned it, else SL_EXIT_RUN if any
 * failed, else SL_EXIT_OK. */
int sl_pool_run(const char *cmd, const char *what, size_t count, size_t jobs, sl_pool_task_fn task, void *ctx,
                char **rows, int show);

/* --jobs ARG: 1..SL_POOL_MAX_JOBS into *jobs; 0, or -1 after printing
 * "stormlab CMD: --jobs: ..." to stderr. */
int sl_pool_parse_jobs(const char *cmd, const char *arg, long *jobs);

/* The default --jobs: the number of online cores (at least 1). */
long sl_pool_default_jobs(void);

/* Writes all of buf to fd (a child's row); gives up on an error. */
void sl_pool_write_all(int fd, const char *buf, size_t len);

#endif
