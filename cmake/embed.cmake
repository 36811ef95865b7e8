# cmake -DIN=file -DOUT=header -DNAME=symbol -P embed.cmake
# Writes `static const char NAME[] = {...bytes..., 0};`: report.html's
# script and style live as plain .js/.css files and are compiled in.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* generated from ${IN} by cmake/embed.cmake */\nstatic const char ${NAME}[] = {${bytes}0};\n")
