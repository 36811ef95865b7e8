/*
 * libstormlab_connect_map.so: what librdkafka's connect_cb does for
 * `stormlab run` (harness/run/links.c), for a client that has no such hook.
 * Loaded into a Java member's JVM with LD_PRELOAD, it sends each connect()
 * to a broker's address to this member's own fault-proxy listener for that
 * broker, so a partition cuts exactly the member's links.  The Java client
 * dials the addresses the brokers advertise in metadata; the harness knows
 * them and passes the map in the environment:
 *
 *   STORMLAB_CONNECT_MAP=127.0.0.1:29092=127.0.0.1:41001,127.0.0.1:29093=127.0.0.1:41002
 *
 * IPv4 only (the member's JVM runs with java.net.preferIPv4Stack=true; a
 * v4-mapped IPv6 address is mapped too).  Any other connect() passes as is.
 * Docs: docs/real-runs.md, "Java members".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAP_MAX 64

typedef struct map_entry_s {
    struct sockaddr_in from, to;
} map_entry_t;

static map_entry_t map[MAP_MAX];
static int n_map;
static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int parse_addr(const char *s, size_t len, struct sockaddr_in *out) {
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *colon = strrchr(buf, ':');
    if (!colon)
        return -1;
    *colon = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port <= 0 || port > 65535)
        return -1;
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, buf, &out->sin_addr) == 1 ? 0 : -1;
}

static void load(void) {
    real_connect = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
    const char *s = getenv("STORMLAB_CONNECT_MAP");
    while (s && *s && n_map < MAP_MAX) {
        const char *comma = strchr(s, ','), *end = comma ? comma : s + strlen(s);
        const char *eq = memchr(s, '=', (size_t)(end - s));
        if (eq && !parse_addr(s, (size_t)(eq - s), &map[n_map].from) &&
            !parse_addr(eq + 1, (size_t)(end - eq - 1), &map[n_map].to))
            n_map++;
        s = comma ? comma + 1 : end;
    }
}

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
    pthread_once(&once, load);
    if (!real_connect)
        return -1;
    struct in_addr ip;
    in_port_t port;
    if (addr && addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        ip = in->sin_addr;
        port = in->sin_port;
    } else if (addr && addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6) &&
               IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)addr)->sin6_addr)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
        memcpy(&ip, &in6->sin6_addr.s6_addr[12], 4);
        port = in6->sin6_port;
    } else {
        return real_connect(fd, addr, len);
    }
    for (int i = 0; i < n_map; i++) {
        if (map[i].from.sin_addr.s_addr != ip.s_addr || map[i].from.sin_port != port)
            continue;
        if (addr->sa_family == AF_INET)
            return real_connect(fd, (const struct sockaddr *)&map[i].to, sizeof map[i].to);
        struct sockaddr_in6 to6 = *(const struct sockaddr_in6 *)addr;
        memset(&to6.sin6_addr, 0, sizeof to6.sin6_addr);
        to6.sin6_addr.s6_addr[10] = to6.sin6_addr.s6_addr[11] = 0xff;
        memcpy(&to6.sin6_addr.s6_addr[12], &map[i].to.sin_addr, 4);
        to6.sin6_port = map[i].to.sin_port;
        return real_connect(fd, (const struct sockaddr *)&to6, sizeof to6);
    }
    return real_connect(fd, addr, len);
}
