/* Small helpers shared by the subcommands. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "report/extract.h" /* sl_extract_safe_name */

int sl_cli_parse_u64(const char *s, uint64_t *out) {
    /* strtoull accepts "-1", " 1" and "+1"; a seed or a count is digits only */
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int sl_cli_take_seed(const char *cmd, const char *arg, uint64_t *seed, int *have_seed) {
    if (sl_cli_parse_u64(arg, seed) < 0) {
        fprintf(stderr, "stormlab %s: --seed: '%s' is not a seed, expected an integer 0..%" PRIu64 "\n", cmd, arg,
                UINT64_MAX);
        return -1;
    }
    *have_seed = 1;
    return 0;
}

int sl_cli_take_set(const char *cmd, const char *arg, const char **sets, size_t *n_sets) {
    if (*n_sets == SL_CLI_MAX_SETS) {
        fprintf(stderr, "stormlab %s: too many --set options (at most %d)\n", cmd, SL_CLI_MAX_SETS);
        return -1;
    }
    sets[(*n_sets)++] = arg;
    return 0;
}

int sl_cli_one_operand(const char *cmd, const char *what, int argc, int optind_, void (*usage)(FILE *)) {
    if (optind_ == argc - 1)
        return 0;
    fprintf(stderr, "stormlab %s: %s %s\n", cmd, optind_ >= argc ? "missing" : "expected exactly one", what);
    usage(stderr);
    return -1;
}

int sl_cli_bad_option(const char *cmd, const char *opt, void (*usage)(FILE *)) {
    fprintf(stderr, "stormlab %s: unknown or incomplete option '%s'\n", cmd, opt);
    usage(stderr);
    return SL_EXIT_USAGE;
}

int sl_cli_load_scenario(const char *path, const char *const *sets, size_t n_sets, int have_seed, uint64_t seed,
                         sl_scenario_t **sc, char *err, size_t errsz) {
    *sc = NULL;
    sl_err_t rc = sl_scenario_load_file(path, sets, n_sets, sc, err, errsz);
    if (rc != SL_OK) {
        fprintf(stderr, "stormlab: %s\n", err[0] ? err : sl_strerror(rc));
        return rc == SL_E_IO || rc == SL_E_INVAL || rc == SL_E_LIMIT ? SL_EXIT_USAGE : SL_EXIT_RUN;
    }
    if (have_seed)
        sl_scenario_set_seed(*sc, seed);
    return SL_EXIT_OK;
}

void sl_cli_safe_name(const char *name, char *out, size_t n) {
    /* one rule for every file name made from a user's name (report/extract.c) */
    char cut[SL_CLI_MAX_NAME + 1];
    snprintf(cut, sizeof cut, "%s", name);
    sl_extract_safe_name(cut, out, n);
    if (!out[0])
        snprintf(out, n, "scenario");
}

void sl_cli_default_out(const char *name, const char *suffix, char *out, size_t n) {
    char safe[SL_CLI_MAX_NAME + 1];
    sl_cli_safe_name(name, safe, sizeof safe);
    snprintf(out, n, "runs/%s%s", safe, suffix);
}

int sl_cli_cat_file(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}
