/* Shared by the subcommands of the stormlab executable. */
#ifndef SL_CLI_H
#define SL_CLI_H

#define SL_VERSION "0.1.0"

enum {
    SL_EXIT_OK = 0,
    SL_EXIT_EXPECT = 1, /* an expectation failed */
    SL_EXIT_USAGE = 2,  /* bad usage or bad input */
    SL_EXIT_RUN = 3     /* the run could not be carried out */
};

int sl_cmd_sim(int argc, char **argv);

#endif
