# The version of mcsec, from one place.
#
# Contract: include() after project(mcsec VERSION x.y.z). Sets
#   MCSEC_VERSION_FULL  PROJECT_VERSION when built from a release tree (no
#                       .git: the Debian package, a tarball) or from a clean
#                       checkout at tag vPROJECT_VERSION; otherwise
#                       PROJECT_VERSION + "+git." + what `git describe` says
#                       after the tag (or the bare commit when no tag), with
#                       "-" turned into ".":
#                         0.1.0+git.5.g1a2b3c4   0.1.0+git.g1a2b3c4.dirty
# and writes it into <build>/generated/mcsec_version.h (MCSEC_VERSION_FULL),
# rewritten only when it changes, so a new commit recompiles the three files
# that print it (mcsecctl --version, mcsec-httpd --version, RPC
# mcsec.version), not the whole tree. MCSEC_VERSION (every file) stays
# PROJECT_VERSION: the release version, which is also the version of the
# Debian packages and the top entry of CHANGELOG.md and debian/changelog
# (tests/pkg/test_versions.sh checks the three agree).
#
# -DMCSEC_VERSION_FROM_GIT=OFF (debian/rules) reports the release version
# even inside a checkout, so the binaries of a package say its version.

option(MCSEC_VERSION_FROM_GIT "Append git describe to the version in a checkout" ON)
set(MCSEC_VERSION_FULL "${PROJECT_VERSION}")
if(MCSEC_VERSION_FROM_GIT AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  find_program(MCSEC_GIT git)
  if(MCSEC_GIT)
    execute_process(
      COMMAND ${MCSEC_GIT} -C "${PROJECT_SOURCE_DIR}" describe --tags --match "v[0-9]*"
              --always --dirty --abbrev=7
      OUTPUT_VARIABLE _mcsec_describe OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE _mcsec_rc ERROR_QUIET)
    if(_mcsec_rc EQUAL 0 AND NOT _mcsec_describe STREQUAL "v${PROJECT_VERSION}")
      # v0.1.0-5-g1a2b3c4[-dirty] -> 5-g1a2b3c4[-dirty]; 1a2b3c4[-dirty] -> g1a2b3c4...
      if(_mcsec_describe MATCHES "^v[0-9][^-]*-(.*)$")
        set(_mcsec_after "${CMAKE_MATCH_1}")
      else()
        set(_mcsec_after "g${_mcsec_describe}")
      endif()
      string(REPLACE "-" "." _mcsec_after "${_mcsec_after}")
      set(MCSEC_VERSION_FULL "${PROJECT_VERSION}+git.${_mcsec_after}")
    endif()
  endif()
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/mcsec_version.h.in"
               "${PROJECT_BINARY_DIR}/generated/mcsec_version.h" @ONLY)
set(MCSEC_VERSION_INCLUDE_DIR "${PROJECT_BINARY_DIR}/generated")
message(STATUS "mcsec version ${MCSEC_VERSION_FULL}")
