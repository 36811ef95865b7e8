# help2roff.awk: a man page from a stormlab command's --help text, so the
# two cannot drift apart (cmake/manpages.cmake runs it at build time).
#
#   stormlab sim --help | awk -v name=stormlab-sim -v whatis="run a scenario ..." \
#       -v version=0.1.0 [-v see_also="stormlab stormlab-run"] [-v extra=FILE] -f help2roff.awk
#
# The --help texts share one layout (harness/cli/cmd_*.c): "usage: ..." lines,
# paragraphs, "options:"-style headings, items indented two spaces with their
# text after two or more spaces (continued on lines indented further), and
# "exit codes: ..." last.  extra is a roff file appended before SEE ALSO
# (ENVIRONMENT, FILES).
function esc(s) {
  gsub(/\\/, "\\e", s)
  return s
}
function line_out(s) {
  s = esc(s)
  if (s ~ /^[.']/) s = "\\&" s
  print s
}
# An item's term: options in bold, METAVARS in italics.
function term(s,    n, w, i, out, word) {
  n = split(s, w, / /)
  out = ""
  for (i = 1; i <= n; i++) {
    word = esc(w[i])
    comma = sub(/,$/, "", word) ? "," : ""
    if (word ~ /^-/) { gsub(/-/, "\\-", word); word = "\\fB" word "\\fR" }
    else if (word ~ /^[A-Z][A-Z_:.0-9|=]*$/) word = "\\fI" word "\\fR"
    word = word comma
    out = out (i > 1 ? " " : "") word
  }
  if (out ~ /^[.']/) out = "\\&" out
  return out
}
function section(title) {
  if (title == cur) return
  print ".SH " title
  cur = title
}
BEGIN {
  printf ".TH %s 1 \"\" \"stormlab %s\" \"stormlab manual\"\n", toupper(name), version
  print ".SH NAME"
  w = esc(whatis)
  gsub(/-/, "\\-", w)
  print name " \\- " w
  state = "start"; cur = ""
}
# usage: the synopsis, one .br per "stormlab ..." line
state == "start" && /^usage: / {
  section("SYNOPSIS")
  sub(/^usage: */, "")
  syn = $0; state = "synopsis"; next
}
state == "synopsis" {
  if ($0 ~ /^ *$/) { print ".nf"; line_out(syn); print ".fi"; state = "body"; section("DESCRIPTION"); para = 0; next }
  l = $0; sub(/^ +/, "", l)
  if (l ~ /^stormlab /) syn = syn "\n" l; else syn = syn " " l
  next
}
# exit codes: the rest of the paragraph
/^[Ee]xit codes: / {
  section("EXIT STATUS")
  sub(/^[Ee]xit codes: */, "")
  line_out($0); state = "exit"; next
}
state == "exit" { if ($0 ~ /^ *$/) state = "body"; else line_out($0); next }
# a heading: "options:", "commands:"
/^[A-Za-z][A-Za-z ]*:$/ {
  h = toupper(substr($0, 1, length($0) - 1))
  section(h == "OPTIONS" ? "OPTIONS" : h)
  item = 0; next
}
/^ *$/ { para = 1; item = 0; if (cur == "OPTIONS" || cur ~ /COMMANDS/) after = 1; next }
# an item: two spaces, a term, two or more spaces, its text
/^  [^ ]/ {
  if (after && cur != "NOTES" && cur != "EXIT STATUS") { section("NOTES"); after = 0 }
  l = substr($0, 3)
  para = 0
  if (match(l, /   */) && RSTART > 1 && substr(l, RSTART, RLENGTH) ~ /^  /) {
    t = substr(l, 1, RSTART - 1); d = substr(l, RSTART + RLENGTH)
  } else { t = l; d = "" }
  print ".TP"
  print term(t)
  if (d != "") line_out(d)
  item = 1; next
}
# an item's text continued
/^    +/ && item { l = $0; sub(/^ +/, "", l); line_out(l); next }
{
  if (after && cur != "NOTES") { section("NOTES"); after = 0; para = 0 }
  if (para) { print ".PP"; para = 0 }
  line_out($0)
}
END {
  if (extra != "") while ((getline l < extra) > 0) print l
  if (see_also != "") {
    print ".SH SEE ALSO"
    n = split(see_also, sa, / /)
    for (i = 1; i <= n; i++) printf "\\fB%s\\fR(1)%s\n", esc(sa[i]), i < n ? "," : ""
  }
}
