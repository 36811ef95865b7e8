# `stormlab compare`'s layout, loaded after _style.gp: a subtitle line per
# run naming it, then two fault strips, A's above B's, each labelled, then
# the chart.  stormlab sets (besides _style.gp's lib, out, fmt, group,
# duration): data_a, data_b (each run's extract prefix), faults_a, faults_b,
# rows_a, rows_b (each run's faults.tsv and label rows), scenario_a,
# scenario_b, label_a, label_b (how the runs are named).
fit(s) = strlen(s) > 150 ? s[1:148].'…' : s
set label 101 fit(sprintf('A (solid): %s, %s', scenario_a, label_a)) at screen 0.5, screen 0.93 center font ',11' \
    tc rgb c_black
set label 102 fit(sprintf('B (dashed): %s, %s', scenario_b, label_b)) at screen 0.5, screen 0.905 center font ',11' \
    tc rgb c_black
a_top = 0.88
a_bot = a_top - strip_row * rows_a
b_top = rows_a > 0 ? a_bot - 0.012 : a_top
b_bot = b_top - strip_row * rows_b
main_top = rows_b > 0 ? b_bot - 0.012 : (rows_a > 0 ? a_bot - 0.012 : a_top)
