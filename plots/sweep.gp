# stormlab sweep: one metric over the sweep's grid.
# Called by `stormlab sweep` (and `sweep --merge`) with -e defining:
#   datafile  x_index  y_index  value  "x label"  "y label"   (tab-separated)
#   outbase   output path without extension (.png and .svg are written)
#   mode      'heatmap' (two varied keys) or 'line' (one)
#   metric, scenario, xname, yname, nx, ny
# Rerun by hand: gnuplot -e "datafile='DIR/plots/sweep-M.dat'; outbase='out'; mode='heatmap'; \
#   metric='M'; scenario='S'; xname='K2'; yname='K1'; nx=2; ny=2" plots/sweep.gp

set datafile separator "\t"
set termoption noenhanced
set title sprintf("%s: %s", scenario, metric)
set xlabel xname

if (mode eq 'heatmap') {
    set ylabel yname
    set cblabel metric
    # An honest scale: it starts at 0 (the lowest value is not drawn as "nothing") in a pale but visible
    # colour; whole-number ticks when every value is whole (counts), never 8.5 rebalances.
    set palette defined (0 '#fdf3d8', 1 '#fde0a0', 2 '#f07c3c', 3 '#a01010')
    stats datafile using 3 nooutput name 'V'
    frac = 0
    stats datafile using (abs($3 - floor($3)) > 1e-9 ? 1 : 0) nooutput name 'F'
    frac = int(F_max)
    top = V_max > 0 ? V_max : 1
    set cbrange [(V_min < 0 ? V_min : 0):top]
    step = top <= 10 ? 1 : ceil(top / 8.0)
    if (!frac) { set cbtics 0, step; set format cb '%.0f' }
    set xrange [-0.5:nx-0.5]
    set yrange [-0.5:ny-0.5]
    set tics out nomirror
    set datafile missing "NaN"
    do for [fmt in "png svg"] {
        if (fmt eq 'png') { set terminal pngcairo size 900,640 noenhanced }
        else { set terminal svg size 900,640 noenhanced }
        set output outbase.'.'.fmt
        set style textbox opaque noborder
        plot datafile using 1:2:3:xtic(4):ytic(5) with image notitle, \
             '' using 1:2:(sprintf("%g", $3)) with labels boxed notitle
        unset output
    }
} else {
    set ylabel metric
    set grid ytics
    set xrange [-0.5:nx-0.5]
    set yrange [0:*]
    do for [fmt in "png svg"] {
        if (fmt eq 'png') { set terminal pngcairo size 900,560 noenhanced }
        else { set terminal svg size 900,560 noenhanced }
        set output outbase.'.'.fmt
        plot datafile using 1:3:xtic(4) with linespoints lw 2 pt 7 notitle, \
             '' using 1:3:(sprintf("%g", $3)) with labels offset 0,1 notitle
        unset output
    }
}
