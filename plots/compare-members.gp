# `stormlab compare`: members and generation of one group in two runs, run A
# solid, run B dashed, over the same time axis, each run's faults in a strip
# of its own (variables: _compare.gp).  The members line breaks while a
# coordinator moves (no broker holds the group: no count, not zero members).
scenario = ''; fault_rows = rows_a + rows_b   # _style.gp sizes the strip rows for both
load lib.'_style.gp'
load lib.'_compare.gp'
stats data_a.'.series.tsv' using 2:3 nooutput name 'A'
stats data_b.'.series.tsv' using 2:3 nooutput name 'B'
m_max = A_max_x > B_max_x ? A_max_x : B_max_x
g_max = A_max_y > B_max_y ? A_max_y : B_max_y
ytop = ceil(m_max * 1.25) + 1
g_top = ceil(g_max * 1.1) + 1

set multiplot title sprintf('group %s: members and generation, A vs B', group) font ',15'
load lib.'_compare_strips.gp'
set tmargin at screen main_top
set bmargin at screen main_bot
set yrange [0:ytop]
set y2range [0:g_top]
set ytics nomirror tc rgb c_blue
set y2tics nomirror tc rgb c_red
if (ytop <= 20) { set ytics ceil(ytop / 10.0) }
if (g_top <= 20) { set y2tics ceil(g_top / 10.0) }
set ylabel 'members in the group (count)' tc rgb c_blue
set y2label 'generation' tc rgb c_red
set key at screen 0.5, 0.012 center bottom vertical maxrows 2 reverse Left samplen 3 width 0
plot data_a.'.series.tsv' using ($1 / tdiv):(int($8) ? $2 : NaN) with steps lw 2.5 lc rgb c_blue title 'members, A', \
     data_b.'.series.tsv' using ($1 / tdiv):(int($8) ? $2 : NaN) with steps lw 2.5 dt 2 lc rgb c_sky title 'members, B', \
     data_a.'.series.tsv' using ($1 / tdiv):3 axes x1y2 with steps lw 2 lc rgb c_red title 'generation, A', \
     data_b.'.series.tsv' using ($1 / tdiv):3 axes x1y2 with steps lw 2 dt 2 lc rgb c_orange title 'generation, B', \
     NaN with lines dt 2 lw 1.2 lc rgb c_grey title (rows_a > 0 ? 'fault / action of A' : ''), \
     NaN with lines dt 3 lw 1.2 lc rgb c_grey title (rows_b > 0 ? 'fault / action of B' : '')
load lib.'_compare_marks.gp'
unset multiplot
