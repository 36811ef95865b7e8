# A dashed line down the chart at each injected fault or action, drawn as a
# transparent panel over it so it needs no knowledge of the chart's y axis.
if (fault_rows > 0) {
    set tmargin at screen main_top
    set bmargin at screen main_bot
    set yrange [0:1]
    unset tics
    unset ylabel
    unset y2label
    unset xlabel
    unset grid
    set border 0
    unset key
    plot faults using ($1 / tdiv):(0):(0):(1) with vectors nohead dt mark_dt lw 1.2 lc rgb c_grey notitle
    reset
    load lib.'_axes.gp'
}
