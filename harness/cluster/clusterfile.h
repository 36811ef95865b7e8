/*
 * The cluster file of `stormlab run --cluster kafka` (docs/real-runs.md):
 * YAML naming the cluster to expect and, per broker, the commands that
 * stop, start, kill, pause and resume it.
 *
 * A command template is split into words first (whitespace; '...' and
 * "..." group; \ escapes), then {id}, {host} and {port} are substituted
 * inside words, so a substituted value never becomes a new word, an
 * option or a shell construct; the values themselves are checked
 * ([A-Za-z0-9._:-] only, not empty, no leading -).  Commands run with posix_spawnp (no shell
 * unless the template names one), stdin from /dev/null, stdout and stderr
 * logged, killed with their process group after command_timeout.
 */
#ifndef SL_CLUSTERFILE_H
#define SL_CLUSTERFILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sl_clusterfile_s sl_clusterfile_t;

/* The actions a template exists for. */
#define SL_CF_ACTIONS "stop", "start", "kill", "pause", "resume"

/* Loads and checks path; errors say "file:line:col: key: what was expected". */
int sl_clusterfile_load(const char *path, sl_clusterfile_t **out, char *err, size_t errsz);
void sl_clusterfile_destroy(sl_clusterfile_t *cf);

const char *sl_clusterfile_bootstrap(const sl_clusterfile_t *cf);  /* NULL when absent */
const char *sl_clusterfile_cluster_id(const sl_clusterfile_t *cf); /* NULL when absent */
int sl_clusterfile_allow_remote(const sl_clusterfile_t *cf);
int64_t sl_clusterfile_timeout_us(const sl_clusterfile_t *cf);
/* Whether a template exists for action on broker id. */
int sl_clusterfile_has(const sl_clusterfile_t *cf, const char *action, int id);
/* Sets the host and port substituted for broker id (from metadata) unless
 * the file gives them. */
void sl_clusterfile_set_address(sl_clusterfile_t *cf, int id, const char *host, int port);

/* The expanded argv of action on broker id: a NULL-terminated array the
 * caller frees with sl_clusterfile_argv_free().  -1 with err on a missing
 * template or a value that fails the check. */
int sl_clusterfile_argv(const sl_clusterfile_t *cf, const char *action, int id, char ***argv, char *err, size_t errsz);
void sl_clusterfile_argv_free(char **argv);
/* argv as one shell-quoted line, exactly, never cut short: words of safe
 * characters as they are, printable ones in '...', words with control or
 * non-ASCII bytes in $'...' with those bytes escaped (\r, \x1b...), so
 * what --dry-run, the log and `stormlab heal` show is what runs.  A new
 * string the caller frees; NULL when out of memory. */
char *sl_clusterfile_quote(char *const *argv);
/* The argv of action on broker id as one shell-quoted line (a new string),
 * or NULL with err. */
char *sl_clusterfile_describe(const sl_clusterfile_t *cf, const char *action, int id, char *err, size_t errsz);

/* Runs argv; each output line and the outcome go to log(opaque, line).
 * Returns 0 when it exited 0 within timeout_us. */
int sl_clusterfile_run(char **argv, int64_t timeout_us, void (*log)(void *opaque, int level, const char *line),
                       void *opaque, char *err, size_t errsz);

#endif
