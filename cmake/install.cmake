# Install rules (included by CMakeLists.txt when SAIKI_INSTALL is on).
#
#   include/saiki/*.h                     the public headers (C++ and C)
#   lib/libsaiki.a, lib/libsaiki.so.*     the libraries (SONAME libsaiki.so.0.2)
#   lib/cmake/saiki/saikiConfig*.cmake    find_package(saiki): saiki::saiki,
#                                         saiki::shared, saiki::static
#   lib/pkgconfig/saiki.pc                pkg-config (relocatable: paths are
#                                         relative to the .pc file)
#   bin/saiki                             the CLI (with SAIKI_BUILD_CLI)
#   bin/saiki-serve                       `saiki serve` (with SAIKI_BUILD_SERVER),
#                                         which saiki looks for beside itself
#   SAIKI_PYTHON_INSTALL_DIR/saiki/       the Python package (bindings/python),
#                                         told where the shared library is
#
# Every path is relative to the prefix chosen at install time, so
# `cmake --install build --prefix /some/dir` gives a tree that works there.
include(CMakePackageConfigHelpers)

set(SAIKI_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/saiki)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/saiki
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(TARGETS ${SAIKI_LIBRARY_TARGETS} EXPORT saikiTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Development
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT saikiTargets NAMESPACE saiki:: DESTINATION ${SAIKI_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/saikiConfig.cmake.in
  ${PROJECT_BINARY_DIR}/saikiConfig.cmake INSTALL_DESTINATION ${SAIKI_CMAKE_DIR})
# 0.x: only the same minor is compatible (saiki/version.h); from 1.0 the same major.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_saiki_compat SameMinorVersion)
else()
  set(_saiki_compat SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/saikiConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${_saiki_compat})
install(FILES ${PROJECT_BINARY_DIR}/saikiConfig.cmake ${PROJECT_BINARY_DIR}/saikiConfigVersion.cmake
        DESTINATION ${SAIKI_CMAKE_DIR})

# pkg-config: the path from the .pc file's folder back to the prefix, so the
# installed tree can be moved.
file(RELATIVE_PATH SAIKI_PC_TO_PREFIX
     "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" SAIKI_PC_TO_PREFIX "${SAIKI_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/saiki.pc.in ${PROJECT_BINARY_DIR}/saiki.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/saiki.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(TARGET saiki-cli)
  install(TARGETS saiki-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# In the same directory as saiki: `saiki serve` execs the saiki-serve beside
# it (cli/run.h).
if(TARGET saiki-serve)
  install(TARGETS saiki-serve RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# The Python package. It finds the shared library through _libpath.py,
# written at install time with the library's installed path (the prefix is
# only known then); without it (pip install), through $SAIKI_LIBRARY or the
# dynamic loader's search path.
set(SAIKI_PYTHON_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/python3/dist-packages" CACHE STRING
    "Where cmake --install puts the Python package saiki (relative to the prefix)")
if(SAIKI_SHARED)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/bindings/python/saiki
          DESTINATION ${SAIKI_PYTHON_INSTALL_DIR}
          PATTERN "__pycache__" EXCLUDE PATTERN "_libpath.py" EXCLUDE)
  set(_saiki_soname "libsaiki.so.${SAIKI_SOVERSION}")
  install(CODE "
    set(_dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${SAIKI_PYTHON_INSTALL_DIR}/saiki\")
    set(_lib \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/${_saiki_soname}\")
    message(STATUS \"Installing: \${_dir}/_libpath.py\")
    file(WRITE \"\${_dir}/_libpath.py\"
      \"# Written by cmake --install: the shared library this package was installed with.\\nLIBRARY = \\\"\${_lib}\\\"\\n\")
  ")
endif()

# The library embeds SudachiDict's synonym data (engine/synonyms.h): its
# licence and notice go with every install.
install(FILES ${PROJECT_SOURCE_DIR}/datasets/sudachi-synonyms/LEGAL
              ${PROJECT_SOURCE_DIR}/datasets/sudachi-synonyms/LICENSE-2.0.txt
              ${PROJECT_SOURCE_DIR}/datasets/sudachi-synonyms/SOURCE.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/sudachi-synonyms)
