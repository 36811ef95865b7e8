/*
 * The heal state file (harness/run/heal.h): a run killed with SIGKILL
 * mid-fault leaves a journal that the next heal finds and undoes (real
 * commands, real processes killed for real); a run still going is left
 * alone; a failed undo is kept and retried without repeating what worked;
 * a torn last line does not matter; a file that is not ours is kept and
 * named; a run that ends normally leaves nothing.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heal.h"
#include "../check_main.h"

static char dir[256], state[300];

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/check_heal.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(state, sizeof state, "%s/state", dir);
}

static void teardown(void) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static int exists(const char *name) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

static void make_file(const char *name) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs("x\n", f);
    fclose(f);
}

/* Journals (and half-created ones) in the state directory. */
static int journals(void) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "ls '%s' 2>/dev/null | grep -c '^run-'", state);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p && fscanf(p, "%d", &n) != 1)
        n = -1;
    if (p)
        pclose(p);
    return n;
}

/* The heal report, for assertions on what it says. */
static char report_buf[16384];

static int heal(sl_heal_stats_t *st) {
    char *buf = NULL, err[1024] = "";
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = sl_heal_leftovers(state, 0, f, st, err, sizeof err);
    fclose(f);
    snprintf(report_buf, sizeof report_buf, "%s%s", buf, err);
    free(buf);
    return rc;
}

/* What a killed run did: in a child, opens a journal with partial output
 * "out.partial", records faults as `fn` says, then dies of SIGKILL. */
typedef void journal_fn(sl_heal_journal_t *j);

static void killed_run(journal_fn *fn, const char *cwd) {
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (cwd && chdir(cwd) < 0)
            _exit(10);
        char partial[512];
        snprintf(partial, sizeof partial, "%s/.trace.jsonl.partial", dir);
        const char *partials[] = {partial};
        sl_heal_run_info_t info = {"killed-scenario", "kafka", dir, partials, 1};
        sl_heal_journal_t *j = NULL;
        char err[1024];
        if (sl_heal_journal_open(state, &info, &j, err, sizeof err) < 0)
            _exit(11);
        make_file(".trace.jsonl.partial");
        fn(j);
        raise(SIGKILL);
        _exit(12);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the run did not die of SIGKILL (status %d)",
                  status);
}

static char marker_a[512], marker_b[512], flag[512];

static void three_faults(sl_heal_journal_t *j) {
    char *undo_a[] = {"touch", marker_a, NULL};
    char *undo_b[] = {"touch", marker_b, NULL};
    int64_t a = sl_heal_journal_inject(j, "broker/2 killed (events[0])", undo_a, 5000000);
    int64_t b = sl_heal_journal_inject(j, "broker/3 killed (events[1])", undo_b, 5000000);
    int64_t c = sl_heal_journal_inject(j, "events[2] partition (fault proxy toxics)", NULL, 0);
    if (a <= 0 || b <= 0 || c <= 0)
        _exit(13);
    sl_heal_journal_healed(j, b); /* broker/3 came back before the kill */
}

START_TEST(a_run_killed_mid_fault_is_healed_by_the_next_heal) {
    snprintf(marker_a, sizeof marker_a, "%s/broker2-started", dir);
    snprintf(marker_b, sizeof marker_b, "%s/broker3-started", dir);
    killed_run(three_faults, NULL);
    ck_assert_int_eq(journals(), 1);
    ck_assert(exists(".trace.jsonl.partial"));
    sl_heal_stats_t st;
    ck_assert_int_eq(heal(&st), 0);
    ck_assert_msg(exists("broker2-started"), "the undo command of the open fault did not run:\n%s", report_buf);
    ck_assert_msg(!exists("broker3-started"), "a fault healed before the kill was undone again:\n%s", report_buf);
    ck_assert(!exists(".trace.jsonl.partial"));
    ck_assert_int_eq(journals(), 0);
    ck_assert_int_eq(st.runs, 1);
    ck_assert_int_eq(st.commands, 1);
    ck_assert_int_eq(st.in_process, 1);
    ck_assert_int_eq(st.partials, 1);
    ck_assert_int_eq(st.failed, 0);
    ck_assert_msg(strstr(report_buf, "killed-scenario") && strstr(report_buf, "broker/2 killed (events[0])") &&
                      strstr(report_buf, "events[2] partition") && strstr(report_buf, ".trace.jsonl.partial"),
                  "the report does not say what it healed:\n%s", report_buf);
    /* Newest first: the partition (in-process) is listed before broker/2. */
    ck_assert(strstr(report_buf, "events[2] partition") < strstr(report_buf, "broker/2 killed"));
    ck_assert_int_eq(heal(&st), 0);
    ck_assert_int_eq(st.runs, 0);
}
END_TEST

START_TEST(a_run_still_going_is_left_alone) {
    snprintf(marker_a, sizeof marker_a, "%s/must-not-run", dir);
    const char *none[] = {NULL};
    sl_heal_run_info_t info = {"live", "kafka", dir, none, 0};
    sl_heal_journal_t *j = NULL;
    char err[1024];
    ck_assert_int_eq(sl_heal_journal_open(state, &info, &j, err, sizeof err), 0);
    char *undo[] = {"touch", marker_a, NULL};
    ck_assert_int_gt(sl_heal_journal_inject(j, "broker/1 killed", undo, 5000000), 0);
    sl_heal_stats_t st;
    ck_assert_int_eq(heal(&st), 0);
    ck_assert_int_eq(st.live, 1);
    ck_assert_int_eq(st.runs, 0);
    ck_assert(!exists("must-not-run"));
    /* It ends with the fault still open (its own heal failed): the file
     * stays for `stormlab heal`, which now undoes it. */
    ck_assert_int_eq(sl_heal_journal_close(j), 1);
    ck_assert_int_eq(heal(&st), 0);
    ck_assert_int_eq(st.runs, 1);
    ck_assert(exists("must-not-run"));
}
END_TEST

START_TEST(a_run_that_ends_normally_leaves_nothing) {
    const char *none[] = {NULL};
    sl_heal_run_info_t info = {"normal", "mock", dir, none, 0};
    sl_heal_journal_t *j = NULL;
    char err[1024];
    ck_assert_int_eq(sl_heal_journal_open(state, &info, &j, err, sizeof err), 0);
    char *undo[] = {"true", NULL};
    int64_t a = sl_heal_journal_inject(j, "broker/1 killed", undo, 5000000);
    int64_t b = sl_heal_journal_inject(j, "events[1] partition", NULL, 0);
    ck_assert_int_eq(sl_heal_journal_open_faults(j), 2);
    sl_heal_journal_healed(j, b);
    sl_heal_journal_healed(j, a);
    ck_assert_int_eq(sl_heal_journal_open_faults(j), 0);
    ck_assert_int_eq(sl_heal_journal_close(j), 0);
    ck_assert_int_eq(journals(), 0);
}
END_TEST

static void failing_then_working(sl_heal_journal_t *j) {
    char *undo_a[] = {"touch", marker_a, NULL};
    char *undo_b[] = {"test", "-e", flag, NULL}; /* fails until the flag exists */
    if (sl_heal_journal_inject(j, "broker/1 killed", undo_a, 5000000) <= 0 ||
        sl_heal_journal_inject(j, "broker/2 paused", undo_b, 5000000) <= 0)
        _exit(13);
}

START_TEST(a_failed_undo_is_kept_and_retried_without_repeating_what_worked) {
    snprintf(marker_a, sizeof marker_a, "%s/broker1-started", dir);
    snprintf(flag, sizeof flag, "%s/broker2-can-resume", dir);
    killed_run(failing_then_working, NULL);
    sl_heal_stats_t st;
    ck_assert_int_eq(heal(&st), -1);
    ck_assert_int_eq(st.failed, 1);
    ck_assert_int_eq(st.commands, 1);
    ck_assert(exists("broker1-started"));
    ck_assert_msg(strstr(report_buf, "FAILED") && strstr(report_buf, "broker/2 paused") &&
                      strstr(report_buf, "`stormlab heal` again"),
                  "the report does not say what failed:\n%s", report_buf);
    ck_assert_int_eq(journals(), 1);
    unlink(marker_a);
    make_file("broker2-can-resume");
    ck_assert_int_eq(heal(&st), 0);
    ck_assert_int_eq(st.commands, 1);
    ck_assert_msg(!exists("broker1-started"), "the undo that had worked ran again");
    ck_assert_int_eq(journals(), 0);
}
END_TEST

static void torn_last_record(sl_heal_journal_t *j) {
    char *undo[] = {"touch", marker_a, NULL};
    if (sl_heal_journal_inject(j, "broker/1 killed", undo, 5000000) <= 0)
        _exit(13);
    /* The run dies while writing its next record. */
    char cmd[700];
    /* (sh does not expand a glob in a redirection: the loop does) */
    snprintf(cmd, sizeof cmd, "for f in %s/run-*.jsonl; do printf '{\"op\":\"inj' >> \"$f\"; done", state);
    if (system(cmd) != 0)
        _exit(14);
}

START_TEST(a_torn_last_record_does_not_stop_the_heal) {
    snprintf(marker_a, sizeof marker_a, "%s/broker1-started", dir);
    killed_run(torn_last_record, NULL);
    sl_heal_stats_t st;
    ck_assert_msg(heal(&st) == 0, "%s", report_buf);
    ck_assert(exists("broker1-started"));
    ck_assert_int_eq(journals(), 0);
}
END_TEST

static void relative_undo(sl_heal_journal_t *j) {
    char *undo[] = {"touch", "relative-marker", NULL};
    if (sl_heal_journal_inject(j, "broker/1 killed", undo, 5000000) <= 0)
        _exit(13);
}

START_TEST(undo_commands_run_where_the_run_ran) {
    char sub[512];
    snprintf(sub, sizeof sub, "%s/where-it-ran", dir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    killed_run(relative_undo, sub);
    sl_heal_stats_t st;
    ck_assert_int_eq(heal(&st), 0);
    ck_assert(exists("where-it-ran/relative-marker"));
    ck_assert(access("relative-marker", F_OK) != 0);
}
END_TEST

START_TEST(a_file_that_is_not_a_journal_is_kept_and_named) {
    ck_assert_int_eq(mkdir(state, 0700), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/run-foreign.jsonl", state);
    FILE *f = fopen(p, "w");
    fputs("{\"hello\":1}\n", f);
    fclose(f);
    chmod(p, 0600);
    sl_heal_stats_t st;
    ck_assert_int_eq(heal(&st), -1);
    ck_assert_int_eq(st.failed, 1);
    ck_assert_msg(strstr(report_buf, "run-foreign.jsonl:1") && strstr(report_buf, "not a stormlab heal state file"),
                  "got:\n%s", report_buf);
    ck_assert_int_eq(access(p, F_OK), 0);
}
END_TEST

START_TEST(the_state_directory_follows_option_then_environment) {
    char buf[512], err[512];
    setenv("STORMLAB_STATE_DIR", "/x/env", 1);
    ck_assert_int_eq(sl_heal_state_dir("/x/opt", buf, sizeof buf, err, sizeof err), 0);
    ck_assert_str_eq(buf, "/x/opt");
    sl_heal_state_dir(NULL, buf, sizeof buf, err, sizeof err);
    ck_assert_str_eq(buf, "/x/env");
    unsetenv("STORMLAB_STATE_DIR");
    setenv("XDG_STATE_HOME", "/x/xdg", 1);
    sl_heal_state_dir(NULL, buf, sizeof buf, err, sizeof err);
    ck_assert_str_eq(buf, "/x/xdg/stormlab");
    unsetenv("XDG_STATE_HOME");
    setenv("HOME", "/x/home", 1);
    sl_heal_state_dir(NULL, buf, sizeof buf, err, sizeof err);
    ck_assert_str_eq(buf, "/x/home/.local/state/stormlab");
}
END_TEST

START_TEST(without_home_the_state_directory_is_the_password_databases_home_never_tmp) {
    /* given no STORMLAB_STATE_DIR, XDG_STATE_HOME or HOME (a root systemd unit) */
    unsetenv("STORMLAB_STATE_DIR"), unsetenv("XDG_STATE_HOME"), unsetenv("HOME");
    char buf[512], err[512] = "", want[600];
    /* then the home comes from getent passwd (an independent reader of the same database) */
    char cmd[64];
    snprintf(cmd, sizeof cmd, "getent passwd %u | cut -d: -f6", (unsigned)getuid());
    FILE *p = popen(cmd, "r");
    char home[400] = "";
    ck_assert_ptr_nonnull(fgets(home, sizeof home, p));
    pclose(p);
    home[strcspn(home, "\n")] = 0;
    snprintf(want, sizeof want, "%s/.local/state/stormlab", home);
    ck_assert_int_eq(sl_heal_state_dir(NULL, buf, sizeof buf, err, sizeof err), 0);
    ck_assert_str_eq(buf, want);
    ck_assert_msg(strncmp(buf, "/tmp", 4) != 0, "state directory in /tmp: %s", buf);
}
END_TEST

/* A journal planted by someone else: header of a run in dir, one open fault
 * whose undo would create pwned, and a partials list naming victim. */
static char pwned[512], victim[512];

static void plant_journal(const char *path, mode_t mode) {
    snprintf(pwned, sizeof pwned, "%s/PWNED", dir);
    snprintf(victim, sizeof victim, "%s/victim-owned.txt", dir);
    make_file("victim-owned.txt");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "{\"stormlab_heal\":1,\"pid\":1,\"started\":\"x\",\"scenario\":\"s\",\"cluster\":\"kafka\","
            "\"out\":\"%s\",\"cwd\":\"%s\",\"partials\":[\"%s\"]}\n"
            "{\"op\":\"inject\",\"id\":1,\"what\":\"w\",\"undo\":[\"touch\",\"%s\"],\"timeout_us\":5000000}\n",
            dir, dir, victim, pwned);
    fclose(f);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* Nothing of the planted journal happened, and the report says why. */
static void assert_refused(int rc, const char *why) {
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(access(pwned, F_OK) != 0, "the planted undo command ran");
    ck_assert_msg(access(victim, F_OK) == 0, "the planted partial was deleted");
    ck_assert_msg(strstr(report_buf, why) != NULL, "expected '%s' in:\n%s", why, report_buf);
}

START_TEST(a_state_directory_others_can_write_is_refused) {
    /* given a state directory planted with mode 0777 and a journal in it */
    ck_assert_int_eq(mkdir(state, 0700), 0);
    ck_assert_int_eq(chmod(state, 0777), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/run-1.jsonl", state);
    plant_journal(p, 0600);
    /* when healed, then nothing runs: the directory is refused by its mode */
    sl_heal_stats_t st;
    assert_refused(heal(&st), "has mode 0777, open to others: refused");
    /* and a run will not keep its journal there either */
    sl_heal_run_info_t info = {"s", "kafka", dir, NULL, 0};
    sl_heal_journal_t *j = NULL;
    char err[1024] = "";
    ck_assert_int_eq(sl_heal_journal_open(state, &info, &j, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "open to others"), "got: %s", err);
}
END_TEST

START_TEST(a_journal_owned_by_another_user_is_refused) {
    /* given our state directory holding a journal owned by uid 4242 (tests run as root: chown) */
    ck_assert_int_eq(mkdir(state, 0700), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/run-1.jsonl", state);
    plant_journal(p, 0600);
    if (chown(p, 4242, 4242) < 0) {
        fprintf(stderr, "skipped: cannot chown (not root)\n");
        return;
    }
    sl_heal_stats_t st;
    assert_refused(heal(&st), "owned by uid 4242, not by you");
    ck_assert_int_eq(access(p, F_OK), 0); /* kept for a human to look at */
}
END_TEST

START_TEST(a_journal_others_can_write_is_refused) {
    ck_assert_int_eq(mkdir(state, 0700), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/run-1.jsonl", state);
    plant_journal(p, 0666);
    sl_heal_stats_t st;
    assert_refused(heal(&st), "has mode 0666, open to others: refused");
}
END_TEST

START_TEST(a_fifo_named_like_a_journal_does_not_hang_the_heal) {
    /* given a FIFO run-1.jsonl (no writer: a blocking open would wait forever) */
    ck_assert_int_eq(mkdir(state, 0700), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/run-1.jsonl", state);
    ck_assert_int_eq(mkfifo(p, 0600), 0);
    snprintf(pwned, sizeof pwned, "%s/PWNED", dir);
    snprintf(victim, sizeof victim, "%s/victim-owned.txt", dir);
    make_file("victim-owned.txt");
    alarm(10); /* a hang fails the test instead of stalling the suite */
    sl_heal_stats_t st;
    assert_refused(heal(&st), "not a regular file: refused");
    alarm(0);
}
END_TEST

START_TEST(a_symlinked_journal_is_not_followed) {
    /* given run-1.jsonl a symlink to a journal of ours outside the directory */
    ck_assert_int_eq(mkdir(state, 0700), 0);
    char p[512], target[512];
    snprintf(target, sizeof target, "%s/elsewhere.jsonl", dir);
    plant_journal(target, 0600);
    snprintf(p, sizeof p, "%s/run-1.jsonl", state);
    ck_assert_int_eq(symlink(target, p), 0);
    sl_heal_stats_t st;
    assert_refused(heal(&st), "a symlink: refused");
}
END_TEST

START_TEST(partials_are_removed_by_stormlabs_names_in_the_output_directory_only) {
    /* given a genuine journal (ours, 0600) of a run in dir whose partials
     * list names a file of the victim's, and dir holding a real partial */
    ck_assert_int_eq(mkdir(state, 0700), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/run-1.jsonl", state);
    plant_journal(p, 0600);
    make_file(".summary.json.partial");
    sl_heal_stats_t st;
    heal(&st);
    /* then stormlab's partial name is removed, the listed path is not */
    ck_assert_msg(!exists(".summary.json.partial"), "the run's partial is still there");
    ck_assert_msg(access(victim, F_OK) == 0, "a path from the journal's partials list was deleted");
    ck_assert_int_eq(st.partials, 1);
}
END_TEST

START_TEST(no_state_directory_means_nothing_to_heal) {
    sl_heal_stats_t st;
    ck_assert_int_eq(heal(&st), 0);
    ck_assert_int_eq(st.runs + st.live + st.failed, 0);
    ck_assert_str_eq(report_buf, "");
}
END_TEST

int main(void) {
    Suite *s = suite_create("heal");
    TCase *tc = tcase_create("state file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_run_killed_mid_fault_is_healed_by_the_next_heal);
    tcase_add_test(tc, a_run_still_going_is_left_alone);
    tcase_add_test(tc, a_run_that_ends_normally_leaves_nothing);
    tcase_add_test(tc, a_failed_undo_is_kept_and_retried_without_repeating_what_worked);
    tcase_add_test(tc, a_torn_last_record_does_not_stop_the_heal);
    tcase_add_test(tc, undo_commands_run_where_the_run_ran);
    tcase_add_test(tc, a_file_that_is_not_a_journal_is_kept_and_named);
    tcase_add_test(tc, the_state_directory_follows_option_then_environment);
    tcase_add_test(tc, without_home_the_state_directory_is_the_password_databases_home_never_tmp);
    tcase_add_test(tc, a_state_directory_others_can_write_is_refused);
    tcase_add_test(tc, a_journal_owned_by_another_user_is_refused);
    tcase_add_test(tc, a_journal_others_can_write_is_refused);
    tcase_add_test(tc, a_fifo_named_like_a_journal_does_not_hang_the_heal);
    tcase_add_test(tc, a_symlinked_journal_is_not_followed);
    tcase_add_test(tc, partials_are_removed_by_stormlabs_names_in_the_output_directory_only);
    tcase_add_test(tc, no_state_directory_means_nothing_to_heal);
    suite_add_tcase(s, tc);
    return t_run_suite(s);
}
