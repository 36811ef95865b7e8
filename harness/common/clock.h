/* Wall time for what the commands print (elapsed seconds, progress redraws);
 * never read by sim/, whose time is virtual. */
#ifndef SL_CLOCK_H
#define SL_CLOCK_H

/* Monotonic seconds. */
double sl_wall_seconds(void);

#endif
