/* Forked worker processes (pool.h). */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/exit_codes.h"
#include "pool.h"

typedef struct {
    pid_t pid;
    int fd;
    size_t task;
    char *buf;
    size_t len, cap;
} slot_t;

int sl_pool_parse_jobs(const char *cmd, const char *arg, long *jobs) {
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (!*arg || *end || errno || v < 1 || v > SL_POOL_MAX_JOBS) {
        fprintf(stderr, "stormlab %s: --jobs: '%s' is not a process count, expected 1..%d\n", cmd, arg,
                SL_POOL_MAX_JOBS);
        return -1;
    }
    *jobs = v;
    return 0;
}

long sl_pool_default_jobs(void) {
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    return ncpu > 0 ? (ncpu < SL_POOL_MAX_JOBS ? ncpu : SL_POOL_MAX_JOBS) : 1;
}

void sl_pool_write_all(int fd, const char *buf, size_t len) {
    while (len) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        buf += w;
        len -= (size_t)w;
    }
}

static void progress(const char *cmd, const char *what, size_t done, size_t total, size_t running, double t0,
                     double *last) {
    double now = sl_wall_seconds(); /* redraw at most 10 times a second, and at the end */
    if (done < total && now - *last < 0.1) return;
    *last = now;
    char bar[31];
    size_t fill = total ? done * 30 / total : 30;
    for (size_t i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r\033[K%s [%s] %zu/%zu %ss, %zu running, %.1f s", cmd, bar, done, total, what, running,
            now - t0);
}

/* In the child: run the task, exit with its code; never returns. */
static void child_main(sl_pool_task_fn task, void *ctx, size_t i, int fd) {
    signal(SIGPIPE, SIG_IGN);
    int code = task(ctx, i, fd);
    close(fd);
    _exit(code);
}

/* The child of s is done (its pipe at EOF): its row into rows, its code
 * returned. */
static int reap(const char *cmd, const char *what, slot_t *s, char **rows) {
    close(s->fd);
    int st = 0;
    while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR) {}
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : SL_EXIT_RUN;
    if (s->len > 0 && s->buf[s->len - 1] == '\n') {
        s->buf[s->len - 1] = '\0';
        rows[s->task] = strdup(s->buf);
    } else {
        if (WIFSIGNALED(st))
            fprintf(stderr, "\nstormlab %s: %s %zu: killed by signal %d\n", cmd, what, s->task, WTERMSIG(st));
        else
            fprintf(stderr, "\nstormlab %s: %s %zu: exited %d without a result\n", cmd, what, s->task, code);
        code = SL_EXIT_RUN;
    }
    free(s->buf);
    memset(s, 0, sizeof *s);
    return code;
}

static int worse(int a, int b) {
    if (a == SL_EXIT_USAGE || b == SL_EXIT_USAGE) return SL_EXIT_USAGE;
    return a != SL_EXIT_OK || b != SL_EXIT_OK ? SL_EXIT_RUN : SL_EXIT_OK;
}

/* Forks the child of task i into a free slot; the exit code of a failure. */
static int start(const char *cmd, const char *what, slot_t *slots, size_t i, sl_pool_task_fn task, void *ctx) {
    size_t k = 0;
    while (slots[k].pid) k++;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        fprintf(stderr, "stormlab %s: %s %zu: pipe: %s\n", cmd, what, i, strerror(errno));
        return SL_EXIT_RUN;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "stormlab %s: %s %zu: fork: %s\n", cmd, what, i, strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return SL_EXIT_RUN;
    }
    if (pid == 0) {
        close(fds[0]);
        child_main(task, ctx, i, fds[1]);
    }
    close(fds[1]);
    slots[k] = (slot_t){.pid = pid, .fd = fds[0], .task = i};
    return SL_EXIT_OK;
}

int sl_pool_run(const char *cmd, const char *what, size_t count, size_t jobs, sl_pool_task_fn task, void *ctx,
                char **rows, int show) {
    if (jobs > SL_POOL_MAX_JOBS) jobs = SL_POOL_MAX_JOBS;
    if (jobs < 1) jobs = 1;
    slot_t *slots = calloc(jobs, sizeof *slots);
    struct pollfd *pf = calloc(jobs, sizeof *pf);
    size_t *map = calloc(jobs, sizeof *map);
    if (!slots || !pf || !map) {
        free(slots);
        free(pf);
        free(map);
        fprintf(stderr, "stormlab %s: out of memory\n", cmd);
        return SL_EXIT_RUN;
    }
    size_t next = 0, running = 0, done = 0;
    int code = SL_EXIT_OK;
    double t0 = sl_wall_seconds(), last = 0;
    while (next < count || running) {
        while (running < jobs && next < count) {
            int c = start(cmd, what, slots, next++, task, ctx);
            if (c == SL_EXIT_OK) running++;
            else code = worse(code, c), done++;
        }
        if (!running) break;
        size_t np = 0;
        for (size_t k = 0; k < jobs; k++)
            if (slots[k].pid) {
                pf[np] = (struct pollfd){.fd = slots[k].fd, .events = POLLIN};
                map[np++] = k;
            }
        int r = poll(pf, np, show ? 200 : -1);
        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "stormlab %s: poll: %s\n", cmd, strerror(errno));
            code = SL_EXIT_RUN;
            break;
        }
        for (size_t i = 0; r > 0 && i < np; i++) {
            if (!pf[i].revents) continue;
            slot_t *s = &slots[map[i]];
            if (s->cap - s->len < 4096) {
                size_t ncap = s->cap ? s->cap * 2 : 8192;
                char *nb = realloc(s->buf, ncap);
                if (!nb) {
                    fprintf(stderr, "stormlab %s: out of memory\n", cmd);
                    abort();
                }
                s->buf = nb;
                s->cap = ncap;
            }
            ssize_t got = read(s->fd, s->buf + s->len, s->cap - s->len - 1);
            if (got < 0 && errno == EINTR) continue;
            if (got > 0) {
                s->len += (size_t)got;
                continue;
            }
            code = worse(code, reap(cmd, what, s, rows)); /* EOF: the child is done */
            running--;
            done++;
        }
        if (show) progress(cmd, what, done, count, running, t0, &last);
    }
    if (show) fputs("\r\033[K", stderr);
    free(slots);
    free(pf);
    free(map);
    return code;
}
