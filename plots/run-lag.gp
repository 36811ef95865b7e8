# Consumer lag (records produced but not yet committed) and, in a panel of
# its own below, the rate the group consumed at: lag climbs whenever
# consumption stops.  The rate is noisy (a batch per poll, catch-up bursts),
# so it never shares the lag's axes, where it would hide the incident's
# peak; the peak is marked and labelled with its value and time.
load lib.'_style.gp'
# [*:*]: stats would otherwise keep only x in _axes.gp's xrange (axis units, not seconds)
stats [*:*] data.'.series.tsv' using 1:6 nooutput name 'LAG'
stats data.'.series.tsv' using 7 nooutput name 'RATE'

# the chart split: lag above (72 %), consumed/s below, a gap between
split = main_bot + (main_top - main_bot) * 0.28
gap = 0.02
lag_top = LAG_max_y * 1.22 + 10

set multiplot title sprintf('%s:%sconsumer lag of group %s and records consumed per second', scenario, title_sep, group) font ',15'
load lib.'_strip.gp'

# lag: no x tick labels (the rate panel below carries the time axis)
set tmargin at screen main_top
set bmargin at screen split + gap
set yrange [0:lag_top]
# 140k reads better than 140000, but 1.5k would round to 2k: prefixes only past 10k
if (LAG_max_y >= 10000) { set format y '%.0s%c' }
set format x ''
unset xlabel
set ytics nomirror tc rgb c_blue
set ylabel 'lag (records)' tc rgb c_blue
set key at screen 0.5, 0.012 center bottom vertical maxrows 1 reverse Left samplen 2 width 0
# the peak's label sits on the side of the point with more room, above it
peak_x = LAG_pos_max_y / tdiv
peak_text = sprintf('peak %s records at %.1f %s', gprintf(LAG_max_y >= 10000 ? '%.1s%c' : '%.0f', LAG_max_y), \
                    peak_x, tunit)
if (LAG_max_y > 0 && peak_x > tmax / 2) {
    set label 10 peak_text at peak_x, LAG_max_y offset -0.8, 0.9 right tc rgb c_blue front
}
if (LAG_max_y > 0 && peak_x <= tmax / 2) {
    set label 10 peak_text at peak_x, LAG_max_y offset 0.8, 0.9 left tc rgb c_blue front
}
plot data.'.series.tsv' using ($1 / tdiv):(0):6 with filledcurves fs transparent solid 0.35 noborder lc rgb c_sky notitle, \
     '' using ($1 / tdiv):6 with lines lw 2.2 lc rgb c_blue title 'lag (records)', \
     '+' using (peak_x):(LAG_max_y > 0 ? LAG_max_y : NaN) every ::0::0 with points pt 7 ps 1.2 lc rgb c_blue \
         notitle, \
     NaN with lines lw 1.2 lc rgb c_orange title 'consumed (records/s)', \
     NaN with lines dt 2 lw 1.2 lc rgb c_grey title (fault_rows > 0 ? 'injected fault / action' : '')
unset label 10

# consumed/s: its own small panel and axis, the time axis under it
set tmargin at screen split
set bmargin at screen main_bot
set format x
set xlabel sprintf('time since the run started (%s)', tunit)
set yrange [0:RATE_max * 1.15 + 1]
if (RATE_max >= 10000) { set format y '%.0s%c' } else { set format y '%g' }
set ytics nomirror tc rgb c_orange
# at most four ticks, at a round step, so the labels of the short axis never touch
rate_raw = (RATE_max * 1.15 + 1) / 3.0
rate_mag = 10 ** floor(log10(rate_raw))
set ytics 0, ceil(rate_raw / rate_mag) * rate_mag
set ylabel "consumed\n(records/s)" tc rgb c_orange
unset key
plot data.'.series.tsv' using ($1 / tdiv):7 with lines lw 1.2 lc rgb c_orange notitle
load lib.'_marks.gp'
unset multiplot
