# Debian packages with CPack (docs/install.md): `cpack -G DEB` in a build
# directory configured with -DCMAKE_INSTALL_PREFIX=/usr (so GNUInstallDirs
# picks Debian's multiarch library directory) writes three, from what
# cmake/install.cmake installs:
#   stormlab          the program, its data, man pages, completions, docs (component cli)
#   libstormlab0      the shared library (lib)
#   libstormlab-dev   headers, static library, .so link, stormlab.pc (dev)
# Shared-library dependencies come from dpkg-shlibdeps; the tools stormlab
# runs but does not link are declared by hand.  tests/install/deb.sh builds
# them, installs them into a scratch root, runs the flagship there and
# checks them with lintian.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME stormlab)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the stormlab authors")
set(CPACK_PACKAGE_CONTACT "stormlab authors <stormlab-authors@users.noreply.github.com>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL cli lib dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# a shlibs file for libstormlab.so.0 (CPack reads this one globally)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_CLI_PACKAGE_NAME stormlab)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
# plots need gnuplot (without it sim still writes everything but plots/)
set(CPACK_DEBIAN_CLI_PACKAGE_RECOMMENDS "gnuplot-nox")
# client: java groups in real runs: a JDK and Maven (docs/real-runs.md)
set(CPACK_DEBIAN_CLI_PACKAGE_SUGGESTS "default-jdk-headless, maven")
set(CPACK_COMPONENT_CLI_DESCRIPTION "chaos lab for Kafka consumer-group rebalance storms
stormlab rehearses Kafka consumer-group incidents: one YAML scenario
describes brokers, consumer groups, the network and a timeline of faults
and operator actions. It runs on a deterministic simulator (hours of
incident in seconds, byte-identical for a seed) or against a real cluster
through its fault proxy, and explains why each rebalance happened and
what each fault and each fix cost.")

set(CPACK_DEBIAN_LIB_PACKAGE_NAME libstormlab0)
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
# ldconfig through dpkg's trigger, as Debian policy asks of a shared library
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/cmake/deb/triggers)
set(CPACK_COMPONENT_LIB_DESCRIPTION "rebalance-storm simulator library of stormlab
The library behind stormlab: scenario loading, the deterministic
discrete-event simulator of Kafka consumer groups and the outputs it
writes, and the TCP fault proxy with a Toxiproxy-compatible API.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libstormlab-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libstormlab0 (= ${PROJECT_VERSION}), libyaml-dev, libevent-dev, libjansson-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION "rebalance-storm simulator library of stormlab (development files)
Headers, the static library and the pkg-config file (stormlab.pc) for
programs that load scenarios, run the simulator or embed the fault proxy.")
include(CPack)
