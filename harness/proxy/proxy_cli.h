/* `stormlab proxy`: the standalone fault proxy with Toxiproxy's HTTP API. */
#ifndef SL_PROXY_CLI_H
#define SL_PROXY_CLI_H

/**
 * Runs `stormlab proxy [--listen ADDR --upstream ADDR] [--control ADDR]
 * [--seed N]` until SIGINT or SIGTERM.  argv[0] is "proxy".
 * @return 0 ok, 2 bad usage, 3 cannot bind (or resolve) an address.
 */
int sl_proxy_cli_main(int argc, char **argv);

#endif
