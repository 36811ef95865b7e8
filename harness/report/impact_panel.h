/* report.html's impact panel: what each scenario event cost (impact_panel.c). */
#ifndef SL_REPORT_IMPACT_PANEL_H
#define SL_REPORT_IMPACT_PANEL_H

#include <stdio.h>

#include "runfiles.h"

/* The panel's section, from run's summary.json `impact`; without one, a
 * note saying how to get it. */
void sl_impact_panel_write(FILE *f, const sl_run_t *run);
/* Its styles, for the page's <style>. */
const char *sl_impact_panel_css(void);

#endif
