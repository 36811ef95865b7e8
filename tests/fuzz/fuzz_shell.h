/*
 * Reading a printed command line back as POSIX sh would, for the fuzz
 * targets' properties: a command stormlab shows (`--dry-run`, heal's
 * "would run:") must split back into exactly the words it runs.
 */
#ifndef SL_FUZZ_SHELL_H
#define SL_FUZZ_SHELL_H

/* Words separated by one space; unquoted characters only from the set sh
 * leaves alone; '...' literal; $'...' with \t \n \r \xHH \\ \'; \x is x.
 * Returns the words (NULL-terminated; free with fz_sh_free) or NULL when
 * the line has an unquoted shell character, an open quote or two spaces. */
char **fz_sh_split(const char *line);
void fz_sh_free(char **words);

#endif
