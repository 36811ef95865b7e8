/*
 * Guaranteed healing (docs/reliability.md): the heal state file of a real
 * run and the code that heals what a killed run left behind.
 *
 * A run keeps a journal in the state directory while it lives: a header
 * (scenario, cluster, its output directory's partial files) and one line
 * per fault before the fault is injected ("inject": what, and the command
 * that undoes it when something outside the process must be undone, such
 * as a broker stopped through the cluster file), then one line when it is
 * undone ("healed").  The run holds an exclusive flock() on its journal
 * for its whole life: the kernel drops the lock when the process dies,
 * even of SIGKILL, so "the lock can be taken" means "its run is gone"
 * without trusting pids.  A run that ends normally removes its journal.
 *
 * sl_heal_leftovers() (run by `stormlab heal` and at the start of every
 * `stormlab run`) takes each journal whose run is gone, runs the undo
 * command of every fault not marked healed (newest first), removes the
 * run's partial outputs, and deletes the journal once all of it worked.
 * A journal whose undo failed is kept, with what did work marked healed,
 * so the next heal retries only the rest.
 *
 * Lines are JSON (jansson both ways).  Journal functions are called from
 * the run's main thread only.
 */
#ifndef SL_HEAL_H
#define SL_HEAL_H

#include <stdint.h>
#include <stdio.h>

typedef struct sl_heal_journal_s sl_heal_journal_t;

/* The directory for journals: dir when not NULL, else $STORMLAB_STATE_DIR,
 * $XDG_STATE_HOME/stormlab, $HOME/.local/state/stormlab, or (no HOME) the
 * password database's home + /.local/state/stormlab; never a shared
 * temporary directory.  Writes it into buf; -1 with err when there is none. */
int sl_heal_state_dir(const char *dir, char *buf, size_t n, char *err, size_t errsz);

/* Opens the state directory (creating it 0700 when create) and checks it
 * the way OpenSSH checks a key: a real directory (not a symlink), owned by
 * us, no permission for group or others.  An O_DIRECTORY fd, or -1 with
 * err (errno ENOENT when it is absent and create is 0). */
int sl_heal_state_dir_open(const char *state_dir, int create, char *err, size_t errsz);

/* Opens journal name in the state directory dirfd (dir is its path, for
 * messages) for reading and appending, only when it is a regular file (no
 * symlink followed, a FIFO cannot block: O_NONBLOCK), owned by us, mode
 * without group or other bits.  An fd, or -1 with err (errno ENOENT when
 * it is gone). */
int sl_heal_journal_file_open(int dirfd, const char *dir, const char *name, char *err, size_t errsz);

/* What the header of a journal says about its run. */
typedef struct sl_heal_run_info_s {
    const char *scenario;   /* its name */
    const char *cluster;    /* "mock", "kafka" */
    const char *out;        /* the output directory */
    const char *const *partials; /* files the run writes and renames at the end */
    int n_partials;
} sl_heal_run_info_t;

/* Creates (mode 0600, directory 0700) and locks a new journal.  0, or -1
 * with err. */
int sl_heal_journal_open(const char *state_dir, const sl_heal_run_info_t *info, sl_heal_journal_t **out, char *err,
                         size_t errsz);
/* Records a fault about to be injected, durably (fdatasync) when it has an
 * undo command.  undo is a NULL-terminated argv or NULL for a fault that
 * lives in this process only (the proxy's toxics, the mock cluster): it
 * dies with the process.  Returns the fault's id (> 0), or -1 when the
 * journal could not be written (the caller must not inject). */
int64_t sl_heal_journal_inject(sl_heal_journal_t *j, const char *what, char *const *undo, int64_t timeout_us);
/* Records that fault id is undone.  Ignores id <= 0. */
void sl_heal_journal_healed(sl_heal_journal_t *j, int64_t id);
/* Faults injected and not yet healed. */
int sl_heal_journal_open_faults(const sl_heal_journal_t *j);
/* Unlocks and frees; deletes the file when every fault is healed (keeps it
 * for `stormlab heal` otherwise).  Returns 1 when the file was kept. */
int sl_heal_journal_close(sl_heal_journal_t *j);
const char *sl_heal_journal_path(const sl_heal_journal_t *j);

/* Appends the record that fault id is undone to the journal open on fd
 * (journal.c writes every record; heal.c uses this one).  0 or -1. */
int sl_heal_record_healed(int fd, int64_t id, int durable);

/* What sl_heal_leftovers() found and did. */
typedef struct sl_heal_stats_s {
    int runs;          /* journals of runs that are gone */
    int live;          /* journals of runs still running (left alone) */
    int commands;      /* undo commands run successfully */
    int in_process;    /* faults that died with their process */
    int partials;      /* partial outputs removed */
    int failed;        /* undo commands that failed, or unreadable journals */
} sl_heal_stats_t;

/* Heals every journal in state_dir whose run is gone; prints what it does
 * to report (nothing at all when there is nothing to heal).  dry_run:
 * print, change nothing.  Returns 0 when everything found was healed (or
 * nothing was found), -1 otherwise (err says why when the directory itself
 * could not be read). */
int sl_heal_leftovers(const char *state_dir, int dry_run, FILE *report, sl_heal_stats_t *st, char *err, size_t errsz);

#endif
