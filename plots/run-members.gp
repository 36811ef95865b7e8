# Members and generation of one group over time.  Shaded: the group not
# settled; a mark at the top for every rebalance summary.json counts, at
# least 0.4 % of the axis wide so a sub-second one shows at any duration;
# grey: the coordinator moving, when the group has no coordinator to count
# its members (the members line breaks there instead of dropping to 0).
load lib.'_style.gp'
stats data.'.series.tsv' using 2 nooutput name 'M'
stats data.'.series.tsv' using 3 nooutput name 'G'
ytop = ceil(M_max * 1.25) + 1
mark_half = tmax * 0.002   # half the minimum width, in axis units
half(a, b) = (b - a) / 2 / tdiv > mark_half ? (b - a) / 2 / tdiv : mark_half

set multiplot title sprintf('%s:%smembers in group %s and its generation', scenario, title_sep, group) font ',15'
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
set key at screen 0.5, 0.012 center bottom vertical maxrows 2 reverse Left samplen 2 width 0
plot data.'.unsettled.tsv' using (($1 + $2) / 2 / tdiv):(0):(half($1, $2)):(ytop) \
         with boxxyerror fs transparent solid 0.28 noborder lc rgb c_orange title 'not settled (rebalancing)', \
     data.'.coordinator.tsv' using (($1 + $2) / 2 / tdiv):(ytop / 2.0):(half($1, $2)):(ytop / 2.0) \
         with boxxyerror fs transparent solid 0.45 noborder lc rgb c_grey title 'coordinator moving (no member count)', \
     data.'.rebalances.tsv' using ($1 / tdiv + mark_half):(ytop * 0.97):(mark_half):(ytop * 0.03) \
         with boxxyerror fs solid 1.0 noborder lc rgb c_black title 'a rebalance (summary.json counts it)', \
     data.'.series.tsv' using ($1 / tdiv):(int($8) ? $2 : NaN) with steps lw 2.5 lc rgb c_blue title 'members', \
     '' using ($1 / tdiv):3 axes x1y2 with steps lw 2 lc rgb c_red title 'generation', \
     NaN with lines dt 2 lw 1.2 lc rgb c_grey title (fault_rows > 0 ? 'injected fault / action' : '')
load lib.'_marks.gp'
unset multiplot
