# Members and generation of one group over time, its unsettled periods
# shaded: each step of the generation line is a rebalance.
load lib.'_style.gp'
stats data.'.series.tsv' using 2 nooutput name 'M'
stats data.'.series.tsv' using 3 nooutput name 'G'
ytop = ceil(M_max * 1.25) + 1

set multiplot title sprintf('%s:%smembers in group %s and its generation (shaded: rebalancing)', scenario, title_sep, group) font ',15'
load lib.'_strip.gp'
set tmargin at screen main_top
set bmargin at screen main_bot
set yrange [0:ytop]
g_top = ceil(G_max * 1.1) + 1
set y2range [0:g_top]
# whole steps on small axes (no half a member); gnuplot's round steps on large ones
set ytics nomirror tc rgb c_blue
set y2tics nomirror tc rgb c_red
if (ytop <= 20) { set ytics ceil(ytop / 10.0) }
if (g_top <= 20) { set y2tics ceil(g_top / 10.0) }
set ylabel 'members in the group (count)' tc rgb c_blue
set y2label 'generation' tc rgb c_red
set key at screen 0.5, 0.012 center bottom vertical maxrows 1 reverse Left samplen 2 width 0
plot data.'.unsettled.tsv' using (($1 + $2) / 2 / tdiv):(0):($1 / tdiv):($2 / tdiv):(0):(ytop) \
         with boxxyerror fs transparent solid 0.28 noborder lc rgb c_orange title 'not settled (rebalancing)', \
     data.'.series.tsv' using ($1 / tdiv):2 with steps lw 2.5 lc rgb c_blue title 'members', \
     '' using ($1 / tdiv):3 axes x1y2 with steps lw 2 lc rgb c_red title 'generation', \
     NaN with lines dt 2 lw 1.2 lc rgb c_grey title (fault_rows > 0 ? 'injected fault / action' : '')
load lib.'_marks.gp'
unset multiplot
