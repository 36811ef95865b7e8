/*
 * The heal journal reader (harness/run/heal.c, docs/real-runs.md "Healing")
 * on arbitrary bytes: the input is written as the one journal of a private
 * state directory (0700, created once per process) and read by
 * sl_heal_leftovers() in dry-run mode, the way `stormlab heal --dry-run`
 * reads a journal a dead run left.  Nothing is run and nothing removed.
 *
 * Properties (beyond no crash, no leak, no UB):
 *  - a dry run changes nothing: the journal is still there with the same
 *    bytes, no other file appears, and no command or removal is counted;
 *  - the report is text a terminal shows as it is: no byte below 0x20 but
 *    the newline, none at 0x7f (a journal's "what" or header field cannot
 *    move the cursor or hide a line), and the journal's newlines never
 *    reach it (a fault's name cannot forge a line of its own: its line is
 *    checked as the fault's, below);
 *  - each "would run: CMD" line reads back, as POSIX sh splits it, into
 *    words with no unquoted shell character (fuzz_shell.h), and each
 *    word is one of the undo words the journal holds (the command shown is
 *    the command that would run: nothing added);
 *  - each "would remove PATH" names an output stormlab gives its
 *    unfinished files (a base name starting with '.' and ending in
 *    ".partial"), never a path the journal lists;
 *  - a journal that is not one of ours is reported as kept, with
 *    "FILE:LINE" of the record that was refused.
 */
#define _GNU_SOURCE /* open_memstream, memmem */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzz_shell.h"
#include "heal.h"

static char dir[256], journal[320];

static void remove_dir(void) {
    if (journal[0])
        unlink(journal);
    if (dir[0])
        rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/stormlab-fuzz-heal-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz_heal: mkdtemp");
        abort();
    }
    snprintf(journal, sizeof journal, "%s/run-fuzz.jsonl", dir);
    atexit(remove_dir);
    return 0;
}

static int files_in(const char *d) {
    DIR *dp = opendir(d);
    int n = 0;
    for (struct dirent *e; dp && (e = readdir(dp));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (dp)
        closedir(dp);
    return n;
}

/* Whether word w is one of the strings of the input (an undo word: the
 * journal's JSON may escape it, so the check is on the words that could
 * have come from it: every byte of w printable or a JSON escape of it). */
static int word_from_input(const char *w, const uint8_t *d, size_t n) {
    size_t wl = strlen(w);
    if (wl == 0 || memmem(d, n, w, wl))
        return 1;
    /* escaped in the JSON (\", \\, \/, \uXXXX, \n...): accept when the
     * input has any backslash at all; the quote-back property still holds */
    return memchr(d, '\\', n) != NULL;
}

static void check_report(const char *rep, size_t len, const uint8_t *d, size_t n) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)rep[i];
        FZ_CHECK(c == '\n' || (c >= 0x20 && c != 0x7f), "the report has the raw byte 0x%02x at %zu:\n%s", c, i, rep);
    }
    char *copy = strdup(rep), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* the fault's name comes first and may itself hold the marker:
         * one of the marks must be followed by the quoted command.  A fault
         * undone with the run's process has no command: its line ends with
         * the in-process reason, which no quoted command can end with (the
         * parentheses would be quoted), so a name holding the marker there
         * forges nothing.  Since the name may end with a mark too, the
         * property is that at least one mark is followed by one shell
         * command whose every word is an undo word of the journal. */
        const char *mark = ": would run: ", *gone = ": gone with the run's process (in-process, nothing to undo)";
        size_t ll = strlen(line), gl = strlen(gone);
        int seen = 0, ok = 0;
        int in_process = ll >= gl && !strcmp(line + ll - gl, gone);
        int fault_line = !strncmp(line, "  ", 2) && !in_process; /* not the run's header line */
        for (char *cmd = fault_line ? strstr(line, mark) : NULL; cmd && !ok; cmd = strstr(cmd + 1, mark)) {
            seen = 1;
            char **w = fz_sh_split(cmd + strlen(mark));
            ok = w != NULL;
            for (int i = 0; ok && w[i]; i++)
                ok = word_from_input(w[i], d, n);
            fz_sh_free(w);
        }
        FZ_CHECK(!seen || ok,
                 "no command shown is one shell command of quoted words, each an undo word of the journal: %s", line);
        char *rm = strstr(line, "  would remove ");
        if (rm == line) {
            char *p = rm + strlen("  would remove "), *end = strstr(p, " (an output the run never finished)");
            FZ_CHECK(end != NULL, "a removal without its reason: %s", line);
            *end = 0;
            const char *base = strrchr(p, '/');
            base = base ? base + 1 : p;
            size_t bl = strlen(base);
            FZ_CHECK(base[0] == '.' && bl > 8 && !strcmp(base + bl - 8, ".partial"),
                     "would remove '%s', not a name stormlab gives an unfinished output", p);
        }
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
    int fd = open(journal, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    FZ_CHECK(fd >= 0, "cannot write %s", journal);
    FZ_CHECK(write(fd, d, n) == (ssize_t)n, "short write to %s", journal);
    close(fd);

    char *rep = NULL, err[1024] = "";
    size_t len = 0;
    FILE *report = open_memstream(&rep, &len);
    sl_heal_stats_t st;
    int rc = sl_heal_leftovers(dir, 1, report, &st, err, sizeof err);
    fclose(report);

    FZ_CHECK(rc == 0 || rc == -1, "sl_heal_leftovers returned %d", rc);
    FZ_CHECK(st.commands == 0 && st.partials == 0, "a dry run ran %d commands and removed %d files", st.commands,
             st.partials);
    struct stat sb;
    FZ_CHECK(stat(journal, &sb) == 0 && (size_t)sb.st_size == n, "a dry run changed or removed the journal");
    FZ_CHECK(files_in(dir) == 1, "a dry run left %d files in the state directory", files_in(dir));
    if (st.failed)
        FZ_CHECK(strstr(rep, "run-fuzz.jsonl") != NULL, "a refused journal is not named in the report:\n%s", rep);
    check_report(rep, len, d, n);
    free(rep);
    return 0;
}
