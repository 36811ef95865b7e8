/*
 * A JUnit XML report (the format CI systems publish: GitHub Actions test
 * reporters, GitLab, Jenkins).  One <testsuite> per scenario run, one
 * <testcase> per expectation.  The writer owns every string it is given a
 * copy of; nothing is written until sl_junit_write_file().
 */
#ifndef SL_JUNIT_H
#define SL_JUNIT_H

#include <stddef.h>
#include <stdio.h>

typedef struct sl_junit_s sl_junit_t;
typedef struct sl_junit_suite_s sl_junit_suite_t;

typedef enum { SL_JUNIT_PASS, SL_JUNIT_FAILURE, SL_JUNIT_ERROR } sl_junit_status_t;

/** A new, empty report named name (the <testsuites name=>); NULL on ENOMEM. */
sl_junit_t *sl_junit_new(const char *name);
void sl_junit_destroy(sl_junit_t *j);

/** Adds a <testsuite>; file may be NULL.  The suite is owned by j. */
sl_junit_suite_t *sl_junit_suite(sl_junit_t *j, const char *name, const char *file, double time_s);
/** Adds a <property name= value=> to the suite. */
int sl_junit_property(sl_junit_suite_t *s, const char *name, const char *value);
/**
 * Adds a <testcase>.  For FAILURE and ERROR, message is the one-line
 * message= attribute and body (may be NULL) the element's text.
 * file/line may be NULL/0.
 */
int sl_junit_case(sl_junit_suite_t *s, const char *classname, const char *name, const char *file, int line,
                  double time_s, sl_junit_status_t status, const char *message, const char *body);

/** Writes the document. */
void sl_junit_write(const sl_junit_t *j, FILE *f);
/** Writes the document to path through a temporary file and rename(), so a
 * reader never sees half a report.  0, or -1 with a message in err. */
int sl_junit_write_file(const sl_junit_t *j, const char *path, char *err, size_t errsz);

#endif
