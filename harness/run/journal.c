/*
 * The writing side of the heal state file (heal.h): one journal per live
 * run, locked for the run's life, one JSON line per record, each written
 * with a single write() so a kill leaves whole lines (a torn last line is
 * tolerated by the reader all the same).
 *
 *   {"stormlab_heal":1,"pid":..,"started":"..","scenario":..,"cluster":..,
 *    "out":..,"cwd":..,"partials":[..]}
 *   {"op":"inject","id":1,"what":"broker/2 kill (events[0])",
 *    "undo":["tests/kafka/cluster.sh","start","2"],"timeout_us":60000000}
 *   {"op":"inject","id":2,"what":"partition ... (events[1])","undo":null}
 *   {"op":"healed","id":1}
 */
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "heal.h"

struct sl_heal_journal_s {
    int fd;
    char path[4096];
    int64_t next_id;
    int open_faults;
    int broken; /* a write failed: keep the file, whatever is healed */
};

int sl_heal_state_dir(const char *dir, char *buf, size_t n, char *err, size_t errsz) {
    const char *e;
    if (dir && *dir)
        snprintf(buf, n, "%s", dir);
    else if ((e = getenv("STORMLAB_STATE_DIR")) && *e)
        snprintf(buf, n, "%s", e);
    else if ((e = getenv("XDG_STATE_HOME")) && *e == '/')
        snprintf(buf, n, "%s/stormlab", e);
    else if ((e = getenv("HOME")) && *e == '/')
        snprintf(buf, n, "%s/.local/state/stormlab", e);
    else {
        /* no HOME (a root systemd unit, a stripped CI job): the password
         * database's home, never a shared temporary directory */
        struct passwd *pw = getpwuid(getuid());
        if (!pw || !pw->pw_dir || pw->pw_dir[0] != '/') {
            snprintf(err, errsz,
                     "no heal state directory: HOME is not set and user %u has no home directory; give --state-dir "
                     "or set STORMLAB_STATE_DIR to a directory only you can write",
                     (unsigned)getuid());
            return -1;
        }
        snprintf(buf, n, "%s/.local/state/stormlab", pw->pw_dir);
    }
    return 0;
}

/* st is ours and no one else may touch it (OpenSSH's sshkey_perm_ok: owned
 * by us, no group or other permission bits).  -1 with err naming what. */
static int perm_ok(const struct stat *st, const char *what, const char *path, char *err, size_t errsz) {
    if (st->st_uid != geteuid()) {
        snprintf(err, errsz, "%.900s: %s owned by uid %u, not by you (uid %u): refused; remove it if it is not yours",
                 path, what, (unsigned)st->st_uid, (unsigned)geteuid());
        return -1;
    }
    if (st->st_mode & 077) {
        snprintf(err, errsz, "%.900s: %s has mode %04o, open to others: refused (expected %s, chmod it or remove it)",
                 path, what, (unsigned)(st->st_mode & 07777), S_ISDIR(st->st_mode) ? "0700" : "0600");
        return -1;
    }
    return 0;
}
/* mkdir -p with mode for the last component. */
static int make_dirs(const char *path, mode_t mode) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* One record on fd: the JSON and a newline in one write(). */
static int put_fd(int fd, json_t *rec, int durable) {
    char *s = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    if (!s)
        return -1;
    size_t len = strlen(s);
    char *line = malloc(len + 2);
    if (!line) {
        free(s);
        return -1;
    }
    memcpy(line, s, len);
    line[len] = '\n';
    free(s);
    ssize_t w = write(fd, line, len + 1);
    free(line);
    return w == (ssize_t)(len + 1) && (!durable || fdatasync(fd) == 0) ? 0 : -1;
}

static int put(sl_heal_journal_t *j, json_t *rec, int durable) {
    if (put_fd(j->fd, rec, durable) < 0) {
        j->broken = 1;
        return -1;
    }
    return 0;
}

int sl_heal_record_healed(int fd, int64_t id, int durable) {
    json_t *rec = json_pack("{s:s, s:I}", "op", "healed", "id", (json_int_t)id);
    return rec ? put_fd(fd, rec, durable) : -1;
}

int sl_heal_state_dir_open(const char *state_dir, int create, char *err, size_t errsz) {
    if (create && make_dirs(state_dir, 0700) < 0) {
        snprintf(err, errsz, "cannot create the heal state directory %s: %s (set --state-dir or STORMLAB_STATE_DIR)",
                 state_dir, strerror(errno));
        return -1;
    }
    int fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        int e = errno;
        snprintf(err, errsz, "cannot open the heal state directory %s: %s%s", state_dir, strerror(e),
                 e == ELOOP || e == ENOTDIR ? " (a symlink or not a directory: refused)" : "");
        errno = e;
        return -1;
    }
    if (fstat(fd, &st) < 0 || perm_ok(&st, "the heal state directory", state_dir, err, errsz) < 0) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

int sl_heal_journal_file_open(int dirfd, const char *dir, const char *name, char *err, size_t errsz) {
    /* O_NONBLOCK: a FIFO planted under a journal's name cannot hang us */
    int fd = openat(dirfd, name, O_RDWR | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    char path[4096 + 256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errsz, "%.900s: %s%s", path, strerror(e), e == ELOOP ? " (a symlink: refused)" : "");
        errno = e;
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errsz, "%.900s: not a regular file: refused", path);
        close(fd);
        errno = EPERM;
        return -1;
    }
    if (perm_ok(&st, "heal state file", path, err, errsz) < 0) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

int sl_heal_journal_open(const char *state_dir, const sl_heal_run_info_t *info, sl_heal_journal_t **out, char *err,
                         size_t errsz) {
    int dfd = sl_heal_state_dir_open(state_dir, 1, err, errsz);
    if (dfd < 0)
        return -1;
    close(dfd);
    sl_heal_journal_t *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* Named by start time, so journals list in the order their runs began. */
    snprintf(j->path, sizeof j->path, "%s/run-%lld%09ld-%d.jsonl", state_dir, (long long)ts.tv_sec, ts.tv_nsec,
             (int)getpid());
    /* Written under a name readers skip, locked, then renamed: a reader
     * never sees a journal that is not locked by its run or complete. */
    char tmp[4096 + 16];
    snprintf(tmp, sizeof tmp, "%s.new", j->path);
    j->fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (j->fd < 0) {
        snprintf(err, errsz, "cannot create the heal state file %s: %s", tmp, strerror(errno));
        free(j);
        return -1;
    }
    if (flock(j->fd, LOCK_EX | LOCK_NB) < 0) {
        snprintf(err, errsz, "cannot lock the heal state file %s: %s", tmp, strerror(errno));
        close(j->fd);
        unlink(tmp);
        free(j);
        return -1;
    }
    char started[32], cwd[4096], outabs[4096];
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!getcwd(cwd, sizeof cwd))
        snprintf(cwd, sizeof cwd, "/");
    if (!realpath(info->out, outabs))
        snprintf(outabs, sizeof outabs, "%s", info->out);
    json_t *parts = json_array();
    for (int i = 0; i < info->n_partials; i++) {
        char abs[4096 + 64];
        if (info->partials[i][0] == '/')
            snprintf(abs, sizeof abs, "%s", info->partials[i]);
        else
            snprintf(abs, sizeof abs, "%s/%s", cwd, info->partials[i]);
        json_array_append_new(parts, json_string(abs));
    }
    json_t *h = json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:o}", "stormlab_heal", 1, "pid", (int)getpid(),
                          "started", started, "scenario", info->scenario, "cluster", info->cluster, "out", outabs,
                          "cwd", cwd, "partials", parts);
    if (!h || put(j, h, 1) < 0 || rename(tmp, j->path) < 0) {
        snprintf(err, errsz, "cannot write the heal state file %s: %s", j->path, strerror(errno));
        close(j->fd);
        unlink(tmp);
        free(j);
        return -1;
    }
    j->next_id = 1;
    *out = j;
    return 0;
}

int64_t sl_heal_journal_inject(sl_heal_journal_t *j, const char *what, char *const *undo, int64_t timeout_us) {
    if (!j)
        return 0;
    json_t *argv = json_null();
    if (undo) {
        argv = json_array();
        for (int i = 0; undo[i]; i++)
            json_array_append_new(argv, json_string(undo[i]));
    }
    int64_t id = j->next_id;
    json_t *rec = json_pack("{s:s, s:I, s:s, s:o, s:I}", "op", "inject", "id", (json_int_t)id, "what", what, "undo",
                            argv, "timeout_us", (json_int_t)timeout_us);
    /* In-process faults need no fsync: the page cache outlives a killed
     * process; only a machine crash loses them, and they die with it. */
    if (!rec || put(j, rec, undo != NULL) < 0)
        return -1;
    j->next_id++;
    j->open_faults++;
    return id;
}

void sl_heal_journal_healed(sl_heal_journal_t *j, int64_t id) {
    if (!j || id <= 0)
        return;
    if (sl_heal_record_healed(j->fd, id, 0) == 0)
        j->open_faults--;
    else
        j->broken = 1;
}

int sl_heal_journal_open_faults(const sl_heal_journal_t *j) { return j ? j->open_faults : 0; }

const char *sl_heal_journal_path(const sl_heal_journal_t *j) { return j ? j->path : ""; }

int sl_heal_journal_close(sl_heal_journal_t *j) {
    if (!j)
        return 0;
    int keep = j->open_faults > 0 || j->broken;
    if (!keep)
        unlink(j->path); /* before the lock goes: no reader sees it half-done */
    close(j->fd);
    free(j);
    return keep;
}
