/* `stormlab proxy`: argument parsing around sl_proxy_server_run(). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_cli.h"
#include "stormlab/proxy.h"

static const char usage[] =
    "usage: stormlab proxy [--listen ADDR --upstream ADDR] [--control ADDR] [--seed N]\n"
    "\n"
    "A TCP fault proxy serving Toxiproxy's HTTP API (docs/proxy.md).\n"
    "\n"
    "  --listen ADDR    listen on ADDR (host:port) as proxy \"default\" ...\n"
    "  --upstream ADDR  ... forwarding to ADDR; both or neither\n"
    "  --control ADDR   HTTP API address (default 127.0.0.1:8474; port 0 picks one)\n"
    "  --seed N         seed of every random choice (jitter, toxicity, slicer, loss);\n"
    "                   default 0, a seed like any other\n"
    "  --help           this text\n"
    "\n"
    "Exit codes: 0 stopped by SIGINT/SIGTERM, 2 bad usage, 3 cannot bind.\n";

static int bad_usage(const char *fmt, const char *arg) {
    fprintf(stderr, "stormlab proxy: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage);
    return 2;
}

/* "--opt VALUE" or "--opt=VALUE"; returns the value or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt) {
    size_t n = strlen(opt);
    if (strncmp(argv[*i], opt, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != 0)
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

int sl_proxy_cli_main(int argc, char **argv) {
    const char *listen = NULL, *upstream = NULL, *control = "127.0.0.1:8474";
    uint64_t seed = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if ((v = opt_value(argc, argv, &i, "--listen"))) {
            listen = v;
        } else if ((v = opt_value(argc, argv, &i, "--upstream"))) {
            upstream = v;
        } else if ((v = opt_value(argc, argv, &i, "--control"))) {
            control = v;
        } else if ((v = opt_value(argc, argv, &i, "--seed"))) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (!*v || *end || errno || v[0] == '-')
                return bad_usage("--seed: expected an unsigned integer, got \"%s\"", v);
            seed = (uint64_t)s;
        } else {
            return bad_usage("unknown argument \"%s\"", argv[i]);
        }
    }
    if (listen && !*listen)
        return bad_usage("%s needs a value", "--listen");
    if (upstream && !*upstream)
        return bad_usage("%s needs a value", "--upstream");
    if (!*control)
        return bad_usage("%s needs a value", "--control");
    if (!listen != !upstream)
        return bad_usage("%s", "--listen and --upstream go together");

    char err[512], bound[80];
    sl_proxy_server_t *srv;
    if (sl_proxy_server_new(seed, &srv, err, sizeof(err)) != SL_OK) {
        fprintf(stderr, "stormlab proxy: %s\n", err);
        return 3;
    }
    sl_err_t rc = sl_proxy_control_listen(srv, control, bound, sizeof(bound), err, sizeof(err));
    if (rc != SL_OK) {
        fprintf(stderr, "stormlab proxy: %s\n", err);
        sl_proxy_server_destroy(srv);
        return rc == SL_E_INVAL ? 2 : 3;
    }
    printf("stormlab proxy: seed %" PRIu64 " (--seed to change)\n", seed);
    printf("stormlab proxy: control API http://%s\n", bound);
    if (listen) {
        rc = sl_proxy_create(srv, "default", listen, upstream, 1, err, sizeof(err));
        if (rc != SL_OK) {
            fprintf(stderr, "stormlab proxy: proxy default: %s\n", err);
            sl_proxy_server_destroy(srv);
            return rc == SL_E_INVAL ? 2 : 3;
        }
        char addr[80];
        sl_proxy_listen_address(srv, "default", addr, sizeof(addr));
        printf("stormlab proxy: proxy default %s -> %s\n", addr, upstream);
    }
    fflush(stdout);
    sl_proxy_server_run(srv, 1);
    sl_proxy_server_destroy(srv);
    printf("stormlab proxy: stopped\n");
    return 0;
}
