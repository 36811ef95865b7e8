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
        snprintf(partial, sizeof partial, "%s/out.partial", dir);
        const char *partials[] = {partial};
        sl_heal_run_info_t info = {"killed-scenario", "kafka", dir, partials, 1};
        sl_heal_journal_t *j = NULL;
        char err[1024];
        if (sl_heal_journal_open(state, &info, &j, err, sizeof err) < 0)
            _exit(11);
        make_file("out.partial");
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
    ck_assert(exists("out.partial"));
    sl_heal_stats_t st;
    ck_assert_int_eq(heal(&st), 0);
    ck_assert_msg(exists("broker2-started"), "the undo command of the open fault did not run:\n%s", report_buf);
    ck_assert_msg(!exists("broker3-started"), "a fault healed before the kill was undone again:\n%s", report_buf);
    ck_assert(!exists("out.partial"));
    ck_assert_int_eq(journals(), 0);
    ck_assert_int_eq(st.runs, 1);
    ck_assert_int_eq(st.commands, 1);
    ck_assert_int_eq(st.in_process, 1);
    ck_assert_int_eq(st.partials, 1);
    ck_assert_int_eq(st.failed, 0);
    ck_assert_msg(strstr(report_buf, "killed-scenario") && strstr(report_buf, "broker/2 killed (events[0])") &&
                      strstr(report_buf, "events[2] partition") && strstr(report_buf, "out.partial"),
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
    snprintf(cmd, sizeof cmd, "printf '{\"op\":\"inj' >> %s/run-*.jsonl", state);
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
    sl_heal_stats_t st;
    ck_assert_int_eq(heal(&st), -1);
    ck_assert_int_eq(st.failed, 1);
    ck_assert_msg(strstr(report_buf, "run-foreign.jsonl:1") && strstr(report_buf, "not a stormlab heal state file"),
                  "got:\n%s", report_buf);
    ck_assert_int_eq(access(p, F_OK), 0);
}
END_TEST

START_TEST(the_state_directory_follows_option_then_environment) {
    char buf[512];
    setenv("STORMLAB_STATE_DIR", "/x/env", 1);
    sl_heal_state_dir("/x/opt", buf, sizeof buf);
    ck_assert_str_eq(buf, "/x/opt");
    sl_heal_state_dir(NULL, buf, sizeof buf);
    ck_assert_str_eq(buf, "/x/env");
    unsetenv("STORMLAB_STATE_DIR");
    setenv("XDG_STATE_HOME", "/x/xdg", 1);
    sl_heal_state_dir(NULL, buf, sizeof buf);
    ck_assert_str_eq(buf, "/x/xdg/stormlab");
    unsetenv("XDG_STATE_HOME");
    setenv("HOME", "/x/home", 1);
    sl_heal_state_dir(NULL, buf, sizeof buf);
    ck_assert_str_eq(buf, "/x/home/.local/state/stormlab");
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
    tcase_add_test(tc, no_state_directory_means_nothing_to_heal);
    suite_add_tcase(s, tc);
    return t_run_suite(s);
}
