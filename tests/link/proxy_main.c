/* libstormlab_proxy alone (tests/link/CMakeLists.txt): the public API only. */
#include <stdio.h>

#include "stormlab/proxy.h"

int main(void) {
    /* given the proxy library and nothing else, when a server is made and
     * destroyed, then it links and runs */
    sl_proxy_server_t *ps = NULL;
    char err[512];
    if (sl_proxy_server_new(1, &ps, err, sizeof err) != SL_OK) {
        fprintf(stderr, "expected a proxy server, got: %s\n", err);
        return 1;
    }
    sl_proxy_server_destroy(ps);
    return 0;
}
