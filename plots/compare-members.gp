# `stormlab compare`: members and generation of one group in two runs, run A
# solid, run B dashed, over the same time axis.  Besides _style.gp's
# variables, stormlab sets data_a, data_b (each run's extract prefix) and
# label_a, label_b (how the runs are named in the legend).
load lib.'_style.gp'
stats data_a.'.series.tsv' using 2:3 nooutput name 'A'
stats data_b.'.series.tsv' using 2:3 nooutput name 'B'
m_max = A_max_x > B_max_x ? A_max_x : B_max_x
g_max = A_max_y > B_max_y ? A_max_y : B_max_y
ytop = ceil(m_max * 1.25) + 1
g_top = ceil(g_max * 1.1) + 1

set multiplot title sprintf('%s:%sgroup %s, members and generation, A vs B', scenario, title_sep, group) font ',15'
load lib.'_strip.gp'
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
plot data_a.'.series.tsv' using ($1 / tdiv):2 with steps lw 2.5 lc rgb c_blue title 'members, A: '.label_a, \
     data_b.'.series.tsv' using ($1 / tdiv):2 with steps lw 2.5 dt 2 lc rgb c_sky title 'members, B: '.label_b, \
     data_a.'.series.tsv' using ($1 / tdiv):3 axes x1y2 with steps lw 2 lc rgb c_red title 'generation, A', \
     data_b.'.series.tsv' using ($1 / tdiv):3 axes x1y2 with steps lw 2 dt 2 lc rgb c_orange title 'generation, B'
load lib.'_marks.gp'
unset multiplot
