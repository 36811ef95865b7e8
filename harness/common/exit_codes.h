/* The exit codes of every stormlab command (README.md, "The command line"),
 * shared by the commands and by what runs commands as child processes (the
 * worker pool of check, sweep and advise). */
#ifndef SL_EXIT_CODES_H
#define SL_EXIT_CODES_H

enum {
    SL_EXIT_OK = 0,
    SL_EXIT_EXPECT = 1, /* an expectation failed */
    SL_EXIT_USAGE = 2,  /* bad usage or bad input */
    SL_EXIT_RUN = 3     /* the run could not be carried out */
};

#endif
