/*
 * `stormlab proxy` as a process (the stormlab-proxy executable runs
 * sl_proxy_cli_main): exit codes, what it prints, clean shutdown on
 * SIGINT and SIGTERM.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptest.h"
#include "../check_main.h"

typedef struct {
    pid_t pid;
    int out;          /* the child's stdout */
    char text[4096];  /* what it printed so far */
    size_t len;
} child_t;

static void spawn(child_t *c, const char *const *args) {
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    memset(c, 0, sizeof(*c));
    c->pid = fork();
    ck_assert_int_ge(c->pid, 0);
    if (c->pid == 0) {
        dup2(p[1], 1);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        close(p[0]);
        char *argv[16];
        int n = 0;
        argv[n++] = (char *)SL_PROXY_BIN;
        for (; args[n - 1] && n < 15; n++)
            argv[n] = (char *)args[n - 1];
        argv[n] = NULL;
        execv(SL_PROXY_BIN, argv);
        _exit(127);
    }
    close(p[1]);
    c->out = p[0];
}

/* Reads the child's stdout until `what` appears (or 5 s pass). */
static const char *wait_for(child_t *c, const char *what) {
    int64_t deadline = pt_now_us() + 5000000;
    while (!strstr(c->text, what) && pt_now_us() < deadline) {
        if (!pt_readable(c->out, 100))
            continue;
        ssize_t r = read(c->out, c->text + c->len, sizeof(c->text) - 1 - c->len);
        if (r <= 0)
            break;
        c->len += (size_t)r;
        c->text[c->len] = 0;
    }
    return strstr(c->text, what);
}

static int wait_exit(child_t *c) {
    int st = 0;
    for (int i = 0; i < 500; i++) {
        pid_t r = waitpid(c->pid, &st, WNOHANG);
        if (r == c->pid) {
            close(c->out);
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        pt_sleep_ms(10);
    }
    kill(c->pid, SIGKILL);
    waitpid(c->pid, &st, 0);
    close(c->out);
    return -1;
}

static int run(const char *const *args) {
    child_t c;
    spawn(&c, args);
    return wait_exit(&c);
}

START_TEST(help_exits_0_with_usage) {
    /* given --help, then exit 0 and the usage on stdout */
    child_t c;
    const char *args[] = {"--help", NULL};
    spawn(&c, args);
    ck_assert_ptr_nonnull(wait_for(&c, "usage: stormlab proxy"));
    ck_assert_int_eq(wait_exit(&c), 0);
}
END_TEST

START_TEST(bad_usage_exits_2) {
    /* given an unknown option, --listen without --upstream, or a bad seed,
     * then exit 2 */
    const char *a[] = {"--bogus", NULL};
    ck_assert_int_eq(run(a), 2);
    const char *b[] = {"--listen", "127.0.0.1:0", NULL};
    ck_assert_int_eq(run(b), 2);
    const char *c[] = {"--seed", "-1", NULL};
    ck_assert_int_eq(run(c), 2);
    const char *d[] = {"--seed", "12x", NULL};
    ck_assert_int_eq(run(d), 2);
    const char *e[] = {"--control", "nonsense", NULL};
    ck_assert_int_eq(run(e), 2);
}
END_TEST

START_TEST(an_address_in_use_exits_3) {
    /* given a port already bound, when it is the control or the listen
     * address, then exit 3 */
    pt_upstream_t *busy = pt_upstream_start();   /* a listening port */
    int port = pt_upstream_port(busy);
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
    const char *a[] = {"--control", addr, NULL};
    ck_assert_int_eq(run(a), 3);
    const char *b[] = {"--control", "127.0.0.1:0", "--listen", addr, "--upstream", addr, NULL};
    ck_assert_int_eq(run(b), 3);
    pt_upstream_stop(busy);
}
END_TEST

static void signal_closes_everything(int sig) {
    pt_upstream_t *up = pt_upstream_start();
    char upaddr[64];
    snprintf(upaddr, sizeof(upaddr), "127.0.0.1:%d", pt_upstream_port(up));
    child_t c;
    const char *args[] = {"--control", "127.0.0.1:0", "--listen", "127.0.0.1:0", "--upstream",
                          upaddr, "--seed", "42", NULL};
    spawn(&c, args);
    const char *line = wait_for(&c, "proxy default ");
    ck_assert_msg(line != NULL, "no proxy line in: %s", c.text);
    ck_assert_ptr_nonnull(strstr(c.text, "seed 42"));
    char addr[64];
    ck_assert_int_eq(sscanf(line, "proxy default %63s", addr), 1);
    int port = pt_port_of(addr);
    const char *ctl = strstr(c.text, "http://");
    ck_assert_ptr_nonnull(ctl);
    ck_assert_int_eq(sscanf(ctl, "http://%63s", addr), 1);
    int cport = pt_port_of(addr);

    char *body;
    ck_assert_int_eq(pt_http(cport, "GET", "/proxies/default", NULL, "", &body), 200);
    ck_assert_ptr_nonnull(strstr(body, "\"upstream\":\"127.0.0.1:"));
    free(body);
    int fd = pt_connect(port);
    ck_assert(pt_ping(fd, 2000) > 0);

    kill(c.pid, sig);
    char ch;
    ck_assert(pt_readable(fd, 3000));
    ck_assert_int_le(recv(fd, &ch, 1, 0), 0);
    ck_assert_int_eq(wait_exit(&c), 0);
    ck_assert(pt_connect(port) < 0);
    close(fd);
    pt_upstream_stop(up);
}

START_TEST(sigterm_closes_every_link_and_exits_0) {
    /* given a running proxy with an open link, when SIGTERM arrives, then
     * the link is closed, the listener is gone and the exit code is 0 */
    signal_closes_everything(SIGTERM);
}
END_TEST

START_TEST(sigint_closes_every_link_and_exits_0) {
    /* as above with SIGINT (Ctrl-C) */
    signal_closes_everything(SIGINT);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("proxy_cli");
    TCase *tc = tcase_create("stormlab proxy");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, help_exits_0_with_usage);
    tcase_add_test(tc, bad_usage_exits_2);
    tcase_add_test(tc, an_address_in_use_exits_3);
    tcase_add_test(tc, sigterm_closes_every_link_and_exits_0);
    tcase_add_test(tc, sigint_closes_every_link_and_exits_0);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return t_run_suite(suite());
}
