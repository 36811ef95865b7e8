/* stormlab-proxy: the proxy subcommand as its own executable, for tests and
 * for machines that want the proxy alone. */
#include <stdio.h>

#include "proxy_cli.h"

int main(int argc, char **argv) {
    static char name[] = "proxy";
    if (argc > 0)
        argv[0] = name;
    return sl_proxy_cli_main(argc, argv);
}
