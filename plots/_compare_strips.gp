# Both runs' fault strips (_compare.gp's layout): A's dashed lines, B's dotted.
faults = faults_a; fault_rows = rows_a; strip_top = a_top; strip_bot = a_bot; strip_name = 'A injected'; mark_dt = 2
load lib.'_strip.gp'
faults = faults_b; fault_rows = rows_b; strip_top = b_top; strip_bot = b_bot; strip_name = 'B injected'; mark_dt = 3
load lib.'_strip.gp'
