# One lane per member process: what it was doing at each moment, derived
# from the trace (harness/report/lanes.c; the states are in docs/plots.md).
# Green is the only colour that means records were being consumed.
load lib.'_style.gp'
stats data.'.lanenames.tsv' using 1 nooutput name 'LANE'
# legend order = the state column of lanes.tsv; stalled and crashed are drawn hollow
# (gnuplot's SVG hatch patterns ignore the line colour)
array colour[12] = [c_green, '#DDDDDD', c_yellow, c_red, c_black, c_orange, c_sky, c_blue, c_purple, c_purple, \
                    c_black, '#999999']
array pattern[12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0]
array state[12] = ['consuming', 'idle (no partitions)', 'fetch blocked (no broker reachable)', \
                   'cut off from coordinator, unaware', 'expelled, unaware', 'rejoining', 'syncing', 'revoking', \
                   'paused (frozen)', 'stalled (poll blocked)', 'crashed', 'stopped']

load data.'.meta.gp'
m_left = m_left_lanes   # room for the lane labels
shown_note = lanes_total > lanes_shown ? sprintf(' (members 1-%d of %d)', lanes_shown, lanes_total) : ''
main_bot = 0.2   # four legend rows
load lib.'_axes.gp'
set multiplot title sprintf('%s:%swhat each member of group %s was doing%s', scenario, title_sep, group, shown_note) \
    font ',15'
load lib.'_strip.gp'
set tmargin at screen main_top
set bmargin at screen main_bot
set yrange [LANE_max + 0.6:0.4]
set ylabel 'member process' offset -1,0
if (LANE_max > 16) { set ytics font ',8' }   # labels no taller than their lanes
set grid noytics
set key at screen 0.5, 0.008 center bottom vertical maxrows 4 reverse Left samplen 1.5 width -3 font ',10'
# solid states first, then the hollow ones (a fill style cannot vary inside one plot-for)
plot for [i = 0:11] data.'.lanes.tsv' \
         using (($2 + $3) / 2 / tdiv):($4 == i && pattern[i + 1] == 0 ? $1 : NaN):($2 / tdiv):($3 / tdiv):($1 - 0.36):($1 + 0.36) \
         with boxxyerror fs solid 1.0 noborder lc rgb colour[i + 1] title (pattern[i + 1] == 0 ? state[i + 1] : ''), \
     for [i = 0:11] data.'.lanes.tsv' \
         using (($2 + $3) / 2 / tdiv):($4 == i && pattern[i + 1] > 0 ? $1 : NaN):($2 / tdiv):($3 / tdiv):($1 - 0.36):($1 + 0.36) \
         with boxxyerror fs empty border lw 2 lc rgb colour[i + 1] title (pattern[i + 1] > 0 ? state[i + 1] : ''), \
     data.'.lanenames.tsv' using (0):1:ytic(2) with points ps 0 lc rgb c_grey notitle, \
     NaN with lines dt 2 lw 1.2 lc rgb c_grey title (fault_rows > 0 ? 'injected fault / action' : '')
load lib.'_marks.gp'
unset multiplot
