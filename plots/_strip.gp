# The fault strip: every injected fault and operator action on the time
# axis, a bar for as long as it lasted, its label at its start.
if (fault_rows > 0) {
    set tmargin at screen strip_top
    set bmargin at screen strip_bot
    set yrange [fault_rows:0]
    unset ytics
    unset xlabel
    unset grid
    set format x ''
    set xtics scale 0
    set border 0
    unset key
    set label 1 strip_name at screen m_left - 0.006, screen (strip_top + strip_bot) / 2 right tc rgb c_grey
    plot faults using (($1 + $2) / 2 / tdiv):($3 + 0.5):($1 / tdiv):($2 / tdiv):($3 + 0.12):($3 + 0.88) \
             with boxxyerror fs solid 0.13 noborder lc rgb c_black notitle, \
         '' using ($1 / tdiv):($3 + 0.12):(0):(0.76) with vectors nohead lw 2.5 lc rgb c_black notitle, \
         '' using ($1 / tdiv):($3 + 0.5):5 with labels left offset char 0.5,0 font strip_font tc rgb c_black notitle
    reset
    load lib.'_axes.gp'
}
