/* report.html's lesson section: the storm in teaching order (docs/plots.md, "The lesson"). */
#ifndef SL_LESSON_H
#define SL_LESSON_H

#include <stdio.h>

#include "causes.h"
#include "runfiles.h"

/* Writes <section id="lesson"> for run to f. */
void sl_lesson_write(FILE *f, const sl_run_t *run, const sl_causes_t *c);

#endif
