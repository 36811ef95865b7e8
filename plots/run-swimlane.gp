# One lane per member process: what it was doing at each moment, from its
# own member.* trace events.  A storm looks like stripes of orange/yellow.
load lib.'_style.gp'
stats data.'.lanenames.tsv' using 1 nooutput name 'LANE'
array colour[7] = [c_orange, c_yellow, c_green, c_sky, c_red, c_purple, c_blue]
array state[7] = ['joining', 'syncing', 'consuming', 'revoked (committed)', \
                  'lost (no commit)', 'paused (frozen)', 'stalled (poll blocked)']

load data.'.meta.gp'
shown_note = lanes_total > lanes_shown ? sprintf(' (members 1-%d of %d)', lanes_shown, lanes_total) : ''
set multiplot title sprintf('%s: what each member of group %s was doing%s', scenario, group, shown_note) font ',15'
load lib.'_strip.gp'
set tmargin at screen main_top
set bmargin at screen main_bot
set yrange [LANE_max + 0.6:0.4]
set ylabel 'member process'
if (LANE_max > 16) { set ytics font ',8' }   # labels no taller than their lanes
set grid noytics
set key at screen 0.5, 0.012 center bottom vertical maxrows 2 reverse Left samplen 2 width -2
plot for [i = 0:6] data.'.lanes.tsv' \
         using (($2 + $3) / 2 / tdiv):($4 == i ? $1 : NaN):($2 / tdiv):($3 / tdiv):($1 - 0.36):($1 + 0.36) \
         with boxxyerror fs solid 1.0 noborder lc rgb colour[i + 1] title state[i + 1], \
     data.'.lanenames.tsv' using (0):1:ytic(2) with points ps 0 notitle, \
     NaN with lines dt 2 lw 1.2 lc rgb c_grey title (fault_rows > 0 ? 'injected fault / action' : '')
load lib.'_marks.gp'
unset multiplot
