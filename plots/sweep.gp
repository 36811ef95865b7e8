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
    set palette defined (0 '#ffffff', 1 '#fde0a0', 2 '#f07c3c', 3 '#a01010')
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
