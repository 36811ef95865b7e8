/* Inlining SVG files into report.html. */
#ifndef SL_SVGINLINE_H
#define SL_SVGINLINE_H

#include <stdio.h>

/*
 * Writes the <svg> element of file path to out with every id (and every
 * reference to one) prefixed by prefix, gnuplot's <title> tooltips dropped
 * and label as its aria-label.  Returns 0, or -1 when the file cannot be
 * read or holds no <svg>.
 */
int sl_svg_inline(FILE *out, const char *path, const char *prefix, const char *label);

#endif
