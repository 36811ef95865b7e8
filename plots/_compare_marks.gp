# A line down the chart at each fault or action of either run: A's dashed, B's dotted.
faults = faults_a; fault_rows = rows_a; mark_dt = 2
load lib.'_marks.gp'
faults = faults_b; fault_rows = rows_b; mark_dt = 3
load lib.'_marks.gp'
