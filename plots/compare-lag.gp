# `stormlab compare`: consumer lag of one group in two runs, run A solid,
# run B dashed, each run's faults in a strip of its own (variables: _compare.gp).
scenario = ''; fault_rows = rows_a + rows_b   # _style.gp sizes the strip rows for both
load lib.'_style.gp'
load lib.'_compare.gp'
stats data_a.'.series.tsv' using 6 nooutput name 'A'
stats data_b.'.series.tsv' using 6 nooutput name 'B'
lag_max = A_max > B_max ? A_max : B_max

set multiplot title sprintf('group %s: consumer lag, A vs B', group) font ',15'
load lib.'_compare_strips.gp'
set tmargin at screen main_top
set bmargin at screen main_bot
set yrange [0:lag_max * 1.15 + 10]
if (lag_max >= 10000) { set format y '%.0s%c' }
set ytics nomirror tc rgb c_blue
set ylabel 'lag (records)' tc rgb c_blue
set key at screen 0.5, 0.012 center bottom vertical maxrows 1 reverse Left samplen 3 width 0
plot data_a.'.series.tsv' using ($1 / tdiv):6 with lines lw 2.2 lc rgb c_blue title 'lag, A', \
     data_b.'.series.tsv' using ($1 / tdiv):6 with lines lw 2.2 dt 2 lc rgb c_orange title 'lag, B', \
     NaN with lines dt 2 lw 1.2 lc rgb c_grey title (rows_a > 0 ? 'fault / action of A' : ''), \
     NaN with lines dt 3 lw 1.2 lc rgb c_grey title (rows_b > 0 ? 'fault / action of B' : '')
load lib.'_compare_marks.gp'
unset multiplot
