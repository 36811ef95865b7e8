/* Addresses: "host:port" parsing and formatting, and the monotonic clock. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "proxy-internal.h"

int64_t slp_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int slp_addr_split(const char *hostport, char host[256], char port[16], char *errstr,
                   size_t errstr_size) {
    const char *colon;
    if (!hostport || !*hostport) {
        snprintf(errstr, errstr_size, "empty address (expected host:port)");
        return -1;
    }
    if (hostport[0] == '[') {
        const char *end = strchr(hostport, ']');
        if (!end || end[1] != ':') {
            snprintf(errstr, errstr_size, "bad address \"%s\" (expected [v6]:port)", hostport);
            return -1;
        }
        size_t n = (size_t)(end - hostport - 1);
        if (n >= 256)
            goto toolong;
        memcpy(host, hostport + 1, n);
        host[n] = 0;
        colon = end + 1;
    } else {
        colon = strrchr(hostport, ':');
        if (!colon) {
            snprintf(errstr, errstr_size, "bad address \"%s\" (expected host:port)", hostport);
            return -1;
        }
        size_t n = (size_t)(colon - hostport);
        if (n >= 256)
            goto toolong;
        memcpy(host, hostport, n);
        host[n] = 0;
        if (memchr(host, ':', n)) {
            snprintf(errstr, errstr_size, "bad address \"%s\" (IPv6 needs [brackets])",
                     hostport);
            return -1;
        }
    }
    if (strlen(colon + 1) >= 16 || !colon[1])
        goto badport;
    strcpy(port, colon + 1);
    char *endp;
    long pn = strtol(port, &endp, 10);
    if (*endp || pn < 0 || pn > 65535)
        goto badport;
    if (!host[0])
        strcpy(host, "127.0.0.1");   /* ":port": loopback, never every interface */
    return 0;
toolong:
    snprintf(errstr, errstr_size, "address too long");
    return -1;
badport:
    snprintf(errstr, errstr_size, "bad port in \"%s\" (expected 0..65535)", hostport);
    return -1;
}

int slp_addr_is_numeric(const char *host) {
    struct in6_addr a6;
    struct in_addr a4;
    return inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
}

int slp_addr_pick(const struct addrinfo *res, struct sockaddr_storage *sa, socklen_t *len) {
    const struct addrinfo *ai, *pick = NULL;
    /* IPv4 first: "localhost" often lists ::1 first while servers under
     * test listen on 127.0.0.1 only. */
    for (ai = res; ai; ai = ai->ai_next)
        if (ai->ai_family == AF_INET) {
            pick = ai;
            break;
        }
    if (!pick)
        pick = res;
    if (!pick || pick->ai_addrlen > sizeof(*sa))
        return -1;
    memset(sa, 0, sizeof(*sa));
    memcpy(sa, pick->ai_addr, pick->ai_addrlen);
    *len = (socklen_t)pick->ai_addrlen;
    return 0;
}

int slp_addr_parse(const char *hostport, struct sockaddr_storage *sa, socklen_t *len,
                   char *errstr, size_t errstr_size) {
    char host[256], port[16];
    if (slp_addr_split(hostport, host, port, errstr, errstr_size) < 0)
        return -1;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(errstr, errstr_size, "cannot resolve \"%s\": %s", host, gai_strerror(rc));
        return -1;
    }
    rc = slp_addr_pick(res, sa, len);
    freeaddrinfo(res);
    if (rc < 0) {
        snprintf(errstr, errstr_size, "address too long");
        return -1;
    }
    return 0;
}

void slp_addr_format_ip(const struct sockaddr *sa, char *buf, size_t size) {
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
                  (socklen_t)size);
    else
        snprintf(buf, size, "?");
}

void slp_addr_format(const struct sockaddr *sa, char *buf, size_t size) {
    char ip[INET6_ADDRSTRLEN];
    slp_addr_format_ip(sa, ip, sizeof(ip));
    if (sa->sa_family == AF_INET)
        snprintf(buf, size, "%s:%u", ip, ntohs(((const struct sockaddr_in *)sa)->sin_port));
    else if (sa->sa_family == AF_INET6)
        snprintf(buf, size, "[%s]:%u", ip, ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
    else
        snprintf(buf, size, "?");
}

int sl_proxy_addr_is_loopback(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return 0;
}

int slp_addr_host_is_loopback(const char *host) {
    char h[SLP_ADDR_MAX];
    size_t n = strlen(host);
    if (n == 0 || n >= sizeof(h))
        return 0;
    memcpy(h, host, n + 1);
    if (h[0] == '[') { /* [v6] or [v6]:port */
        char *end = strchr(h, ']');
        if (!end || (end[1] && end[1] != ':'))
            return 0;
        *end = 0;
        memmove(h, h + 1, strlen(h + 1) + 1);
    } else {
        char *colon = strchr(h, ':');
        if (colon && strchr(colon + 1, ':'))
            return 0; /* a bare v6 address is not a Host header */
        if (colon)
            *colon = 0;
    }
    size_t hl = strlen(h);
    if (hl && h[hl - 1] == '.')
        h[--hl] = 0; /* "localhost." is localhost */
    if (!strcasecmp(h, "localhost") || (hl > 10 && !strcasecmp(h + hl - 10, ".localhost")))
        return 1; /* RFC 6761: always loopback, never asked of DNS */
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, h, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, h, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int slp_addr_is_client(const char *s) {
    char ip[SLP_ADDR_MAX];
    struct in6_addr a6;
    struct in_addr a4;
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof(ip))
        return 0;
    if (inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1)
        return 1;
    /* ip:port or [v6]:port, the port all digits */
    const char *colon = strrchr(s, ':');
    if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
        strlen(colon + 1) > 5 || atoi(colon + 1) > 65535)
        return 0;
    if (s[0] == '[') {
        if (colon == s + 1 || colon[-1] != ']')
            return 0;
        memcpy(ip, s + 1, (size_t)(colon - s - 2));
        ip[colon - s - 2] = 0;
        return inet_pton(AF_INET6, ip, &a6) == 1;
    }
    memcpy(ip, s, (size_t)(colon - s));
    ip[colon - s] = 0;
    return inet_pton(AF_INET, ip, &a4) == 1;
}
