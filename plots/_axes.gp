# Settings `reset` clears, restored after each panel of a multiplot.
set datafile separator "\t"
set lmargin at screen m_left
set rmargin at screen m_right
set xrange [0:tmax]
set grid xtics ytics lc rgb '#DDDDDD' lw 1 dt 1
set border 3 lc rgb '#333333'
set tics nomirror out
set xlabel sprintf('time since the run started (%s)', tunit)
