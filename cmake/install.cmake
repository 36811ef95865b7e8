# What `cmake --install` puts where (docs/install.md).  Paths come from
# GNUInstallDirs; the binary finds its run-time files relative to its own
# location (harness/cli/datadirs.c), so an installed tree can be moved.
#
#   BINDIR/stormlab, BINDIR/stormlab-proxy
#   LIBDIR/libstormlab.so.VERSION (+ SONAME link), LIBDIR/libstormlab.a
#   LIBDIR/pkgconfig/stormlab.pc, INCLUDEDIR/stormlab/*.h
#   LIBDIR/stormlab/libstormlab_connect_map.so   (preloaded by Java members' JVMs)
#   DATADIR/stormlab/{plots,scenarios,java}      (gnuplot scripts, scenario library, Java member program)
#   DATADIR/doc/stormlab/{copyright,changelog.gz,*.md}, DATADIR/doc/libstormlab{0,-dev}/
#
#   MANDIR/man1/stormlab.1, stormlab-COMMAND.1   (from --help: cmake/manpages.cmake)
#   DATADIR/bash-completion/completions/stormlab, DATADIR/zsh/vendor-completions/_stormlab,
#   DATADIR/fish/vendor_completions.d/stormlab.fish
include(GNUInstallDirs)
# Three packages' worth (cmake/package.cmake): the program (cli, the
# default), the shared library (lib), what building against it needs (dev).
set(CMAKE_INSTALL_DEFAULT_COMPONENT_NAME cli)

# The layout relative to the binary, compiled in (datadirs.c).
file(RELATIVE_PATH SL_REL_DATADIR "/p/${CMAKE_INSTALL_BINDIR}" "/p/${CMAKE_INSTALL_DATADIR}/stormlab")
file(RELATIVE_PATH SL_REL_PKGLIBDIR "/p/${CMAKE_INSTALL_BINDIR}" "/p/${CMAKE_INSTALL_LIBDIR}/stormlab")
target_compile_definitions(stormlab PRIVATE SL_REL_DATADIR="${SL_REL_DATADIR}"
                           SL_REL_PKGLIBDIR="${SL_REL_PKGLIBDIR}")

# libstormlab: the simulator (sim/) and, when built, the fault proxy
# (harness/proxy/): everything the public headers in include/stormlab/
# declare.  The shared library exports exactly the public sl_ API: every
# file-to-file helper is hidden (GCC visibility in the *-internal.h
# headers); tests/install/library_exports.sh checks it against the headers.
set(SL_LIB_PARTS stormlab_sim)
set(SL_PC_REQUIRES_PRIVATE "yaml-0.1")
set(SL_PC_LIBS_PRIVATE "-lm")
set(SL_HEADERS_EXCLUDE)
if(TARGET stormlab_proxy)
  list(APPEND SL_LIB_PARTS stormlab_proxy)
  string(APPEND SL_PC_REQUIRES_PRIVATE " libevent jansson")
  string(APPEND SL_PC_LIBS_PRIVATE " -lpthread")
else()
  set(SL_HEADERS_EXCLUDE PATTERN proxy.h EXCLUDE)
endif()
set(SL_LIB_OBJECTS)
foreach(part ${SL_LIB_PARTS})
  set_target_properties(${part} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  list(APPEND SL_LIB_OBJECTS $<TARGET_OBJECTS:${part}>)
endforeach()

add_library(stormlab_shared SHARED ${SL_LIB_OBJECTS})
add_library(stormlab_static STATIC ${SL_LIB_OBJECTS})
set_target_properties(stormlab_shared PROPERTIES OUTPUT_NAME stormlab
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
  LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib)
set_target_properties(stormlab_static PROPERTIES OUTPUT_NAME stormlab
  ARCHIVE_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib)
target_link_libraries(stormlab_shared PRIVATE PkgConfig::YAML m)
if(TARGET stormlab_proxy)
  find_package(Threads REQUIRED)
  target_link_libraries(stormlab_shared PRIVATE PkgConfig::LIBEVENT PkgConfig::JANSSON Threads::Threads)
endif()
# The simulator's own files share sl_ functions that no public header
# declares; the version script, made from the installed headers, keeps
# them (and everything else) local.
set(SL_API_NAMES)
file(GLOB SL_PUBLIC_HEADERS ${PROJECT_SOURCE_DIR}/include/stormlab/*.h)
foreach(h ${SL_PUBLIC_HEADERS})
  if(NOT TARGET stormlab_proxy AND h MATCHES "proxy.h$")
    continue()
  endif()
  file(READ ${h} text)
  string(REGEX MATCHALL "sl_[a-z0-9_]+[ ]*\\(" calls "${text}")
  foreach(c ${calls})
    string(REGEX REPLACE "[ (]" "" c "${c}")
    list(APPEND SL_API_NAMES "${c};")
  endforeach()
endforeach()
list(REMOVE_DUPLICATES SL_API_NAMES)
string(REPLACE ";;" "; " SL_API_LIST "${SL_API_NAMES}")
file(WRITE ${PROJECT_BINARY_DIR}/libstormlab.map "{ global: ${SL_API_LIST}; local: *; };\n")
target_link_options(stormlab_shared PRIVATE -Wl,--version-script=${PROJECT_BINARY_DIR}/libstormlab.map)
set_property(TARGET stormlab_shared APPEND PROPERTY LINK_DEPENDS ${PROJECT_BINARY_DIR}/libstormlab.map)
# A shared library that leaves a symbol undefined fails here, not in a user's program.
target_link_options(stormlab_shared PRIVATE -Wl,--no-undefined)

install(TARGETS stormlab RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET stormlab-proxy)
  install(TARGETS stormlab-proxy RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(TARGETS stormlab_shared
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
install(TARGETS stormlab_static ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/stormlab DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
  FILES_MATCHING PATTERN "*.h" ${SL_HEADERS_EXCLUDE})

# stormlab.pc: prefix relative to the .pc file itself, so a moved tree
# still compiles (pkg-config's ${pcfiledir}).
file(RELATIVE_PATH SL_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
configure_file(${PROJECT_SOURCE_DIR}/cmake/stormlab.pc.in ${PROJECT_BINARY_DIR}/stormlab.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/stormlab.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# Run-time files, where datadirs.c looks for them.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plots/ DESTINATION ${CMAKE_INSTALL_DATADIR}/stormlab/plots
  FILES_MATCHING PATTERN "*.gp")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/stormlab/scenarios
  FILES_MATCHING PATTERN "*.yaml" PATTERN "README.md")
if(TARGET stormlab_connect_map)
  install(PROGRAMS ${PROJECT_SOURCE_DIR}/harness/java/member.sh DESTINATION ${CMAKE_INSTALL_DATADIR}/stormlab/java)
  install(FILES ${PROJECT_SOURCE_DIR}/harness/java/pom.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/stormlab/java)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/harness/java/src DESTINATION ${CMAKE_INSTALL_DATADIR}/stormlab/java)
  install(TARGETS stormlab_connect_map LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/stormlab)
endif()
# Each package's copyright file and changelog (compressed, as Debian keeps
# them: cmake/manpages.cmake), and the documentation the man pages and --help
# cite (docs/*.md).
foreach(pkg stormlab:cli libstormlab0:lib libstormlab-dev:dev)
  string(REPLACE ":" ";" pkg ${pkg})
  list(GET pkg 0 dir)
  list(GET pkg 1 comp)
  install(FILES ${PROJECT_SOURCE_DIR}/cmake/copyright ${PROJECT_BINARY_DIR}/changelog.gz
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${dir} COMPONENT ${comp})
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/cmake/deb/libstormlab0.lintian-overrides
  DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME libstormlab0 COMPONENT lib)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/stormlab
  FILES_MATCHING PATTERN "*.md")

# Man pages and shell completions (cmake/manpages.cmake writes them at build time).
install(DIRECTORY ${SL_MAN_DIR}/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 FILES_MATCHING PATTERN "*.1.gz")
install(FILES ${SL_COMPLETIONS_DIR}/stormlab.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  RENAME stormlab)
install(FILES ${SL_COMPLETIONS_DIR}/_stormlab DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${SL_COMPLETIONS_DIR}/stormlab.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
