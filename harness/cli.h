/* Shared by the subcommands of the stormlab executable. */
#ifndef SL_CLI_H
#define SL_CLI_H

#include <stddef.h>
#include <stdint.h>

#define SL_VERSION "0.1.0"

enum {
    SL_EXIT_OK = 0,
    SL_EXIT_EXPECT = 1, /* an expectation failed */
    SL_EXIT_USAGE = 2,  /* bad usage or bad input */
    SL_EXIT_RUN = 3     /* the run could not be carried out */
};

/* Digits only, no sign or space: a seed or a count.  0 ok, -1 otherwise. */
int sl_cli_parse_u64(const char *s, uint64_t *out);
/* Monotonic seconds, for the wall times the commands print. */
double sl_cli_wall_seconds(void);
/* name reduced to [A-Za-z0-9._-] for use as a directory name. */
void sl_cli_safe_name(const char *name, char *out, size_t n);

int sl_cmd_sim(int argc, char **argv);
int sl_cmd_plot(int argc, char **argv);
int sl_cmd_explain(int argc, char **argv);
int sl_cmd_check(int argc, char **argv);
int sl_cmd_sweep(int argc, char **argv);
int sl_cmd_lint(int argc, char **argv);
int sl_cmd_compare(int argc, char **argv);
int sl_cmd_run(int argc, char **argv);  /* harness/cmd_run.c, when built with the proxy */
int sl_cmd_heal(int argc, char **argv); /* harness/cmd_heal.c, likewise */

#endif
