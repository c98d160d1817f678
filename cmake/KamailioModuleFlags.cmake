# Compile flags for an out-of-tree Kamailio module, taken from the Kamailio
# source tree exactly as Debian's build produces them.
#
# Contract: include() this file with KAMAILIO_SRC set to a Kamailio source
# tree (apt-get source kamailio). It sets
#   KAMAILIO_INCLUDE_DIR         the tree's src/ (add it as a SYSTEM include)
#   KAMAILIO_MODULE_DEFINITIONS  every -D Debian's build gives a module, without
#                                the "-D" and without MOD_NAME (set it per module)
#   KAMAILIO_MODULE_OPTIONS      the other compiler options that change code
#                                (-pthread, -m64, -O2, ...)
# and fails configure when the tree is missing or the flags cannot be read.
#
# Why: kamailio refuses a module whose MODULE_VERSION strings (version and
# compile-flags string, both derived from these -D's) differ from its own, and
# the -D's not in those strings (__CPU_x86_64, CC_GCC_LIKE_ASM, FAST_LOCK, ...)
# select the inline lock and atomic implementations, which must match too.
#
# How: copy the build system of the tree (src/Makefile*, core/*.sh, the textops
# module) to a scratch directory, configure it the way debian/rules does
# (target configure-stamp: make cfg with prefix=/usr, cfg_target=/etc/kamailio/,
# CC_EXTRA_OPTS = dpkg-buildflags CPPFLAGS + CFLAGS + -DVERSION_NODATE), then
# read the compile line `make -n` prints for textops.c.

if(NOT EXISTS "${KAMAILIO_SRC}/src/Makefile.defs" OR
   NOT EXISTS "${KAMAILIO_SRC}/src/core/sr_module.h")
  message(FATAL_ERROR
    "KAMAILIO_SRC='${KAMAILIO_SRC}' is not a Kamailio source tree "
    "(no src/Makefile.defs or src/core/sr_module.h). mcsec.so builds against "
    "the Debian source of the installed kamailio: run scripts/setup.sh (it does "
    "'apt-get source kamailio' into third_party/), or pass -DKAMAILIO_SRC=<tree>, "
    "or configure with -DMCSEC_BUILD_MODULE=OFF to skip the module.")
endif()

find_program(KAMAILIO_MAKE NAMES make gmake REQUIRED)

set(_kam_scratch "${CMAKE_BINARY_DIR}/kamailio-flags")
file(REMOVE_RECURSE "${_kam_scratch}")
file(MAKE_DIRECTORY "${_kam_scratch}/src/core" "${_kam_scratch}/src/modules")
file(GLOB _kam_makefiles "${KAMAILIO_SRC}/src/Makefile*")
file(GLOB _kam_scripts "${KAMAILIO_SRC}/src/core/*.sh")
file(COPY ${_kam_makefiles} DESTINATION "${_kam_scratch}/src")
file(COPY ${_kam_scripts} DESTINATION "${_kam_scratch}/src/core")
file(COPY "${KAMAILIO_SRC}/src/modules/textops" DESTINATION "${_kam_scratch}/src/modules")

# debian/rules: CC_EXTRA_OPTS := CPPFLAGS + CFLAGS (dpkg-buildflags with
# DEB_BUILD_MAINT_OPTIONS=hardening=+all) + -DVERSION_NODATE.
set(_kam_extra "-DVERSION_NODATE")
find_program(DPKG_BUILDFLAGS dpkg-buildflags)
if(DPKG_BUILDFLAGS)
  foreach(_kind CPPFLAGS CFLAGS)
    execute_process(
      COMMAND ${CMAKE_COMMAND} -E env DEB_BUILD_MAINT_OPTIONS=hardening=+all
              ${DPKG_BUILDFLAGS} --get ${_kind}
      OUTPUT_VARIABLE _kam_bf OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE _kam_rc)
    if(_kam_rc EQUAL 0)
      set(_kam_extra "${_kam_bf} ${_kam_extra}")
    endif()
  endforeach()
else()
  message(WARNING "dpkg-buildflags not found: using Debian 12's hardening defaults")
  set(_kam_extra "-Wdate-time -D_FORTIFY_SOURCE=2 -g -O2 ${_kam_extra}")
endif()

execute_process(
  COMMAND ${KAMAILIO_MAKE} -C "${_kam_scratch}/src" cfg quiet=verbose prefix=/usr
          cfg_target=/etc/kamailio/ FLAVOUR=kamailio "CC_EXTRA_OPTS=${_kam_extra}"
          group_include=kstandard
  OUTPUT_VARIABLE _kam_cfg_out ERROR_VARIABLE _kam_cfg_out RESULT_VARIABLE _kam_rc)
if(NOT _kam_rc EQUAL 0)
  message(FATAL_ERROR "make cfg in the Kamailio scratch tree failed:\n${_kam_cfg_out}")
endif()

execute_process(
  COMMAND ${KAMAILIO_MAKE} -C "${_kam_scratch}/src/modules/textops" -n quiet=verbose
  OUTPUT_VARIABLE _kam_make_out ERROR_VARIABLE _kam_make_err RESULT_VARIABLE _kam_rc)
string(REGEX MATCH "[^\n]* -c textops\\.c[^\n]*" _kam_line "${_kam_make_out}")
if(NOT _kam_rc EQUAL 0 OR _kam_line STREQUAL "")
  message(FATAL_ERROR
    "could not read the module compile line from 'make -n' in ${_kam_scratch}:\n"
    "${_kam_make_out}${_kam_make_err}")
endif()

separate_arguments(_kam_args UNIX_COMMAND "${_kam_line}")
set(KAMAILIO_MODULE_DEFINITIONS "")
set(KAMAILIO_MODULE_OPTIONS "")
foreach(_arg IN LISTS _kam_args)
  if(_arg MATCHES "^-D(.*)$")
    set(_def "${CMAKE_MATCH_1}")
    if(NOT _def MATCHES "^MOD_NAME=")
      list(APPEND KAMAILIO_MODULE_DEFINITIONS "${_def}")
    endif()
  elseif(_arg MATCHES "^-(pthread|m64|m32|O[0-3s]?|fno-strict-overflow|fPIC)$")
    list(APPEND KAMAILIO_MODULE_OPTIONS "${_arg}")
  endif()
endforeach()

foreach(_required NAME VERSION ARCH OS_QUOTED)
  if(NOT KAMAILIO_MODULE_DEFINITIONS MATCHES "(^|;)${_required}=")
    message(FATAL_ERROR "the Kamailio compile line lacks -D${_required}: ${_kam_line}")
  endif()
endforeach()

set(KAMAILIO_INCLUDE_DIR "${KAMAILIO_SRC}/src")
list(LENGTH KAMAILIO_MODULE_DEFINITIONS _kam_ndefs)
message(STATUS "Kamailio module flags: ${_kam_ndefs} definitions from ${KAMAILIO_SRC}; "
               "options: ${KAMAILIO_MODULE_OPTIONS}")
