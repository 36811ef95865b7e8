# Shared by every plot (loaded, not rendered: names starting with _ are
# skipped by `stormlab plot`).  stormlab sets these with gnuplot -e:
#   lib      this directory, with a trailing /
#   data     prefix of the group's extracts (data.'.series.tsv', ...)
#   faults   the injected faults and actions (faults.tsv)
#   fault_rows  label rows the fault strip needs (0: nothing injected)
#   out, fmt output file and 'png' or 'svg'
#   group, scenario, duration (s)
# 1280x720: a 16:9 slide at full size.
if (fmt eq 'png') {
    set terminal pngcairo size 1280,720 font 'DejaVu Sans,12' noenhanced
} else {
    # dynamic: the SVG scales to its container in report.html
    set terminal svg size 1280,720 dynamic font 'DejaVu Sans,12' noenhanced background '#ffffff'
}
set output out
set encoding utf8

# Okabe & Ito's palette: distinguishable with every common colour-vision deficiency.
c_black = '#000000'; c_orange = '#E69F00'; c_sky = '#56B4E9'; c_green = '#009E73'
c_yellow = '#F0E442'; c_blue = '#0072B2'; c_red = '#D55E00'; c_purple = '#CC79A7'
c_grey = '#555555'

# Minutes read better than seconds past five minutes.
if (duration > 300) { tdiv = 60.0; tunit = 'min' } else { tdiv = 1.0; tunit = 's' }
tmax = duration / tdiv

# Screen layout: the title, the fault strip (one row per fault_rows), the
# chart, the x label and the legend.  Fixed margins keep the time axes of
# the strip and the chart aligned.
m_left = 0.075; m_right = 0.925
# a title that would not fit one line (64-character names) takes two
title_sep = strlen(scenario) + strlen(group) > 40 ? "\n" : ' '
strip_top = title_sep eq ' ' ? 0.915 : 0.875
# rows shrink past four so the strip takes at most a fifth of the slide, down
# to 12.6 px a row (a 9 px label and its gap): sixteen rows take 28 %
strip_row = fault_rows > 4 ? (0.2 / fault_rows > 0.0175 ? 0.2 / fault_rows : 0.0175) : 0.042
strip_font = fault_rows > 4 ? ',9' : ',12'
strip_bot = strip_top - strip_row * fault_rows
main_top = fault_rows > 0 ? strip_bot - 0.012 : strip_top
main_bot = 0.165
# the strip's name at its left, the dash of its lines down the chart (_strip.gp, _marks.gp)
strip_name = 'injected'; mark_dt = 2

load lib.'_axes.gp'
