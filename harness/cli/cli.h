/* Shared by the subcommands of the stormlab executable. */
#ifndef SL_CLI_H
#define SL_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/clock.h"      /* sl_wall_seconds() */
#include "common/exit_codes.h" /* SL_EXIT_* */
#include "stormlab/stormlab.h"


/* Digits only, no sign or space: a seed or a count.  0 ok, -1 otherwise. */
int sl_cli_parse_u64(const char *s, uint64_t *out);

/* Most --set options one command line takes. */
#define SL_CLI_MAX_SETS 256

/*
 * Option handling the subcommands share, one wording for all; cmd names the
 * command in the messages ("sim").  Unless said otherwise each returns 0,
 * or -1 after printing "stormlab CMD: ..." to stderr, and the caller exits
 * SL_EXIT_USAGE.
 */

/* --seed arg: *seed and *have_seed = 1 when arg is a seed (sl_cli_parse_u64). */
int sl_cli_take_seed(const char *cmd, const char *arg, uint64_t *seed, int *have_seed);
/* --set arg: appended to sets (room for SL_CLI_MAX_SETS). */
int sl_cli_take_set(const char *cmd, const char *arg, const char **sets, size_t *n_sets);
/* After the options: exactly one operand, what ("SCENARIO", "DIR"), in
 * argv[optind]; else "missing WHAT" or "expected exactly one WHAT", then
 * usage(stderr). */
int sl_cli_one_operand(const char *cmd, const char *what, int argc, int optind_, void (*usage)(FILE *));
/* getopt_long's answer to an option it does not know or that lacks its
 * value (opt, argv[optind - 1]): "unknown or incomplete option 'OPT'", then
 * usage(stderr).  Returns SL_EXIT_USAGE. */
int sl_cli_bad_option(const char *cmd, const char *opt, void (*usage)(FILE *));

/* SCENARIO loaded with the --set overrides, its seed replaced when
 * have_seed: SL_EXIT_OK with *sc, or the exit code after printing
 * "stormlab: " and the loader's message (err) to stderr. */
int sl_cli_load_scenario(const char *path, const char *const *sets, size_t n_sets, int have_seed, uint64_t seed,
                         sl_scenario_t **sc, char *err, size_t errsz);
/* Copies DIR/NAME to stdout; 0, or -1 when it cannot be read. */
int sl_cli_cat_file(const char *dir, const char *name);
/* name reduced to [A-Za-z0-9._-] (every other character, and a leading
 * '.', becomes '_'; cut at SL_CLI_MAX_NAME; "scenario" when empty) for use
 * as one path component: never "..", never a '/', never hidden. */
#define SL_CLI_MAX_NAME 200
void sl_cli_safe_name(const char *name, char *out, size_t n);
/* The default output directory of a scenario called name:
 * "runs/<safe name><suffix>" (sim: "", run: "-run", sweep: "-sweep"). */
void sl_cli_default_out(const char *name, const char *suffix, char *out, size_t n);

int sl_cmd_sim(int argc, char **argv);
int sl_cmd_plot(int argc, char **argv);
int sl_cmd_explain(int argc, char **argv);
int sl_cmd_check(int argc, char **argv);
int sl_cmd_sweep(int argc, char **argv);
/* `stormlab help --set-paths [SCENARIO]` (argv: what follows it). */
int sl_cli_set_paths(int argc, char **argv);
int sl_cmd_advise(int argc, char **argv); /* harness/cli/cmd_advise.c, harness/advise/ */
int sl_cmd_lint(int argc, char **argv);
int sl_cmd_compare(int argc, char **argv);
int sl_cmd_export(int argc, char **argv);
int sl_cmd_run(int argc, char **argv);  /* harness/cli/cmd_run.c, when built with the proxy */
int sl_cmd_heal(int argc, char **argv); /* harness/cli/cmd_heal.c, likewise */

#endif
