# Partitions of the group's topics owned by some member vs unowned: the
# unowned band is consumption that is not happening.
load lib.'_style.gp'
stats data.'.series.tsv' using ($4 + $5) nooutput name 'P'
ytop = ceil(P_max * 1.15) + 1

set multiplot title sprintf('%s:%spartitions of group %s owned by a member vs unowned', scenario, title_sep, group) font ',15'
load lib.'_strip.gp'
set tmargin at screen main_top
set bmargin at screen main_bot
set yrange [0:ytop]
set ylabel 'partitions (count)'
set key at screen 0.5, 0.012 center bottom vertical maxrows 1 reverse Left samplen 2 width 0
plot data.'.series.tsv' using ($1 / tdiv):(0):4 with filledcurves fs solid 0.75 noborder lc rgb c_green title 'owned by a member', \
     '' using ($1 / tdiv):4:($4 + $5) with filledcurves fs solid 1.0 noborder lc rgb c_red title 'unowned (nobody consumes)', \
     NaN with lines dt 2 lw 1.2 lc rgb c_grey title (fault_rows > 0 ? 'injected fault / action' : '')
load lib.'_marks.gp'
unset multiplot
