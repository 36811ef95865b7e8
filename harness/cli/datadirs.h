/*
 * Where stormlab finds the files it reads at run time (docs/install.md):
 * the gnuplot scripts, the scenario library, the Java member program and
 * the connect() map its JVMs preload.
 */
#ifndef SL_CLI_DATADIRS_H
#define SL_CLI_DATADIRS_H

/* For each run-time file whose environment variable (STORMLAB_PLOTS_DIR,
 * STORMLAB_SCENARIOS_DIR, STORMLAB_JAVA_DIR, STORMLAB_CONNECT_MAP_LIB) is
 * unset: when the binary sits in an installed tree (BINDIR/stormlab with
 * DATADIR/stormlab/ beside it, found relative to the binary itself, so a
 * moved tree still works), sets the variable to the installed path; else
 * the build's own paths (the source tree) apply.  Called once, first thing
 * in main: every reader and every child process sees the same answer. */
void sl_cli_locate_data(void);

#endif
