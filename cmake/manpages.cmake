# Man pages and shell completions, written at build time from the built
# binary's own --help texts (cmake/manpages.sh, cmake/completions.sh), so
# they cannot drift from it; installed by cmake/install.cmake.
set(SL_MAN_DIR ${PROJECT_BINARY_DIR}/man)
set(SL_COMPLETIONS_DIR ${PROJECT_BINARY_DIR}/completions)
add_custom_command(
  OUTPUT ${SL_MAN_DIR}/stormlab.1 ${SL_COMPLETIONS_DIR}/stormlab.bash
         ${SL_COMPLETIONS_DIR}/_stormlab ${SL_COMPLETIONS_DIR}/stormlab.fish
  COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/manpages.sh $<TARGET_FILE:stormlab> ${SL_MAN_DIR}
          ${PROJECT_VERSION} ${PROJECT_SOURCE_DIR}/cmake
  COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/completions.sh $<TARGET_FILE:stormlab> ${SL_COMPLETIONS_DIR}
          ${PROJECT_SOURCE_DIR}/cmake
  DEPENDS stormlab ${PROJECT_SOURCE_DIR}/cmake/manpages.sh ${PROJECT_SOURCE_DIR}/cmake/help2roff.awk
          ${PROJECT_SOURCE_DIR}/cmake/stormlab-env.roff ${PROJECT_SOURCE_DIR}/cmake/completions.sh
          ${PROJECT_SOURCE_DIR}/cmake/help-table.awk
  COMMENT "Man pages and shell completions from stormlab --help"
  VERBATIM)
# The packages' changelog, compressed like the man pages (gzip -n: no
# name or time inside, so the same source gives the same bytes).
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/changelog.gz
  COMMAND sh -c "gzip -9n < \"$1\" > \"$2\"" sh ${PROJECT_SOURCE_DIR}/cmake/deb/changelog
          ${PROJECT_BINARY_DIR}/changelog.gz
  DEPENDS ${PROJECT_SOURCE_DIR}/cmake/deb/changelog VERBATIM)
add_custom_target(manpages ALL DEPENDS ${SL_MAN_DIR}/stormlab.1 ${SL_COMPLETIONS_DIR}/stormlab.bash
                  ${PROJECT_BINARY_DIR}/changelog.gz)
