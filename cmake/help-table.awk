# help-table.awk: what a shell completion needs from one command's --help
# text (cmake/completions.sh), one line each, tab-separated:
#   operand  KIND               the first operand of the usage line (SCENARIO, DIR, ...)
#   option   NAME  ARG  TEXT    each option, ARG its value's name ("" for a flag)
# Items are the lines indented two spaces whose term starts with '-'.
BEGIN { OFS = "\t" }
NR == 1 && /^usage: / {
  n = split($0, w, / +/)
  for (i = 4; i <= n && w[i] !~ /^\[/; i++)
    if (w[i] ~ /^[A-Z][A-Z_.]*$/) { sub(/\.+$/, "", w[i]); print "operand", w[i]; break }
  next
}
/^  -/ {
  l = substr($0, 3)
  if (match(l, /   */) && substr(l, RSTART, RLENGTH) ~ /^  /) { t = substr(l, 1, RSTART - 1); d = substr(l, RSTART + RLENGTH) }
  else { t = l; d = "" }
  if (d ~ /^-/) { terms(d, ""); d = "" }  # "--bootstrap LIST  --cluster-file FILE": two items
  terms(t, d)
}
function terms(t, d,    n, w, arg, i, o) {
  n = split(t, w, / +/)
  arg = ""
  if (w[n] !~ /^-/) arg = w[n]
  for (i = 1; i <= n; i++) if (w[i] ~ /^-/) { o = w[i]; sub(/,$/, "", o); print "option", o, arg, d }
}
