# Consumer lag (records produced but not yet committed) and the rate the
# group consumed at: lag climbs whenever consumption stops.
load lib.'_style.gp'
stats data.'.series.tsv' using 6 nooutput name 'LAG'
stats data.'.series.tsv' using 7 nooutput name 'RATE'

set multiplot title sprintf('%s:%sconsumer lag of group %s and records consumed per second', scenario, title_sep, group) font ',15'
load lib.'_strip.gp'
set tmargin at screen main_top
set bmargin at screen main_bot
set yrange [0:LAG_max * 1.15 + 10]
set y2range [0:RATE_max * 1.15 + 1]
# 140k reads better than 140000, but 1.5k would round to 2k: prefixes only past 10k
if (LAG_max >= 10000) { set format y '%.0s%c' }
if (RATE_max >= 10000) { set format y2 '%.0s%c' }
set ytics nomirror tc rgb c_blue
set y2tics nomirror tc rgb c_orange
set ylabel 'lag (records)' tc rgb c_blue
set y2label 'consumed (records/s)' tc rgb c_orange
set key at screen 0.5, 0.012 center bottom vertical maxrows 1 reverse Left samplen 2 width 0
plot data.'.series.tsv' using ($1 / tdiv):(0):6 with filledcurves fs transparent solid 0.35 noborder lc rgb c_sky notitle, \
     '' using ($1 / tdiv):6 with lines lw 2.2 lc rgb c_blue title 'lag (records)', \
     '' using ($1 / tdiv):7 axes x1y2 with lines lw 1.2 lc rgb c_orange title 'consumed (records/s)', \
     NaN with lines dt 2 lw 1.2 lc rgb c_grey title (fault_rows > 0 ? 'injected fault / action' : '')
load lib.'_marks.gp'
unset multiplot
