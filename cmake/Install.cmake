# `cmake --install` rules: every part where Debian expects it (prefix /usr,
# which debian/rules and the packages use; docs/packaging.md lists the files).
#
#   bin/mcsecctl, sbin/mcsec-httpd, sbin/mcsec-fetch-crls (the CRL job)
#   <Kamailio's module directory>/mcsec.so    component "module" (the package
#                               kamailio-mcsec-module; everything else: "mcsec")
#   lib/mcsec/ipsec/*.sh        charon per border, CRL loading (ipsec/)
#   /etc/mcsec/mcsec-is-proxy.cfg, /etc/default/<each deploy/systemd/*.default>
#                               (conffiles)
#   <systemd unit dir>/*.service, *.timer   every unit of deploy/systemd/
#   share/mcsec/examples/       example policies and make-example-keys.sh
#   share/mcsec/prometheus/, share/mcsec/grafana/, share/mcsec/ha/
#                               deploy/prometheus, deploy/grafana and
#                               deploy/ha, whole, when they exist
#   share/doc/mcsec/            README, CHANGELOG, docs/*.md
#   share/man/man5, man8        mcsec-policy(5), mcsecctl(8), mcsec-httpd(8)
#
# The units and the cfg name the installed paths: deploy/systemd/ is written
# for prefix /usr; with another prefix the paths of our own files in the
# units are rewritten at configure time (build/deploy/systemd/).

# Kamailio's module directory, as the installed kamailio reports it
# (`kamailio -I`: "Default paths to modules"), e.g. on Debian amd64
# /usr/lib/x86_64-linux-gnu/kamailio/modules. Without kamailio: the
# multiarch library directory of GNUInstallDirs + kamailio/modules.
set(_kam_moddir "${CMAKE_INSTALL_FULL_LIBDIR}/kamailio/modules")
find_program(MCSEC_KAMAILIO kamailio PATHS /usr/sbin /usr/local/sbin)
if(MCSEC_KAMAILIO)
  execute_process(COMMAND ${MCSEC_KAMAILIO} -I OUTPUT_VARIABLE _kam_info
                  ERROR_QUIET RESULT_VARIABLE _kam_rc)
  if(_kam_rc EQUAL 0 AND _kam_info MATCHES "Default paths to modules: ([^\n]*)")
    string(STRIP "${CMAKE_MATCH_1}" _kam_moddir)
  endif()
endif()
set(MCSEC_KAMAILIO_MODULE_DIR "${_kam_moddir}" CACHE PATH
    "Where mcsec.so is installed: Kamailio's module directory (mpath)")
if(CMAKE_LIBRARY_ARCHITECTURE AND
   NOT MCSEC_KAMAILIO_MODULE_DIR MATCHES "/${CMAKE_LIBRARY_ARCHITECTURE}/")
  message(WARNING "Kamailio's module directory ${MCSEC_KAMAILIO_MODULE_DIR} has no "
                  "${CMAKE_LIBRARY_ARCHITECTURE}: is kamailio of this architecture?")
endif()

# systemd's unit directory (/lib/systemd/system on Debian 12).
set(_unitdir "/lib/systemd/system")
find_package(PkgConfig QUIET)
pkg_get_variable(_pc_unitdir systemd systemdsystemunitdir)
if(_pc_unitdir)
  set(_unitdir "${_pc_unitdir}")
endif()
set(MCSEC_SYSTEMD_UNIT_DIR "${_unitdir}" CACHE PATH "Where the systemd units go")

set(MCSEC_ETC_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/mcsec")
set(MCSEC_LIBEXEC_DIR "${CMAKE_INSTALL_PREFIX}/lib/mcsec")   # arch-independent scripts
set(MCSEC_SHARE_DIR "${CMAKE_INSTALL_FULL_DATADIR}/mcsec")

# Binaries.
install(TARGETS mcsecctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT mcsec)
install(TARGETS mcsec-httpd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR} COMPONENT mcsec)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/tools/mcsec-fetch-crls.sh
        DESTINATION ${CMAKE_INSTALL_SBINDIR} RENAME mcsec-fetch-crls COMPONENT mcsec)
if(TARGET mcsec_module)
  install(TARGETS mcsec_module LIBRARY DESTINATION ${MCSEC_KAMAILIO_MODULE_DIR}
          COMPONENT module)
endif()
file(GLOB _ipsec_scripts ${PROJECT_SOURCE_DIR}/ipsec/*.sh)
install(PROGRAMS ${_ipsec_scripts} DESTINATION ${MCSEC_LIBEXEC_DIR}/ipsec COMPONENT mcsec)

# Installed paths in units and cfg. The sources name the /usr layout; a
# different prefix or module directory is substituted here.
function(mcsec_installed_copy in out)
  file(READ "${in}" _text)
  string(REPLACE "/usr/bin/mcsecctl" "${CMAKE_INSTALL_FULL_BINDIR}/mcsecctl" _text "${_text}")
  string(REPLACE "/usr/sbin/mcsec-" "${CMAKE_INSTALL_FULL_SBINDIR}/mcsec-" _text "${_text}")
  string(REPLACE "/usr/lib/mcsec/" "${MCSEC_LIBEXEC_DIR}/" _text "${_text}")
  string(REPLACE "/etc/mcsec/" "${MCSEC_ETC_DIR}/" _text "${_text}")
  string(REPLACE "/etc/default/mcsec-" "${CMAKE_INSTALL_FULL_SYSCONFDIR}/default/mcsec-"
         _text "${_text}")
  string(REPLACE "#!trydef MODULES_DIR \"/usr/lib/x86_64-linux-gnu/kamailio/modules/\""
         "#!trydef MODULES_DIR \"${MCSEC_KAMAILIO_MODULE_DIR}/\"" _text "${_text}")
  set(_old "")
  if(EXISTS "${out}")
    file(READ "${out}" _old)
  endif()
  if(NOT _old STREQUAL _text)
    file(WRITE "${out}" "${_text}")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${in}")
endfunction()

set(_gen ${PROJECT_BINARY_DIR}/installed)
file(GLOB _units ${PROJECT_SOURCE_DIR}/deploy/systemd/*.service
                 ${PROJECT_SOURCE_DIR}/deploy/systemd/*.timer)
set(_unit_copies "")
foreach(_unit IN LISTS _units)
  get_filename_component(_name "${_unit}" NAME)
  mcsec_installed_copy("${_unit}" "${_gen}/systemd/${_name}")
  list(APPEND _unit_copies "${_gen}/systemd/${_name}")
endforeach()
install(FILES ${_unit_copies} DESTINATION ${MCSEC_SYSTEMD_UNIT_DIR} COMPONENT mcsec)
mcsec_installed_copy(${PROJECT_SOURCE_DIR}/deploy/kamailio/mcsec-is-proxy.cfg
                     ${_gen}/mcsec-is-proxy.cfg)
install(FILES ${_gen}/mcsec-is-proxy.cfg DESTINATION ${MCSEC_ETC_DIR} COMPONENT mcsec)
# Every deploy/systemd/NAME.default becomes /etc/default/NAME (what the units'
# EnvironmentFile= reads).
file(GLOB _defaults ${PROJECT_SOURCE_DIR}/deploy/systemd/*.default)
foreach(_default IN LISTS _defaults)
  get_filename_component(_name "${_default}" NAME_WLE)
  install(FILES ${_default} DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/default RENAME ${_name}
          COMPONENT mcsec)
endforeach()

# Examples: the two policies and the script that makes the keys they name
# (run it on a copy: it writes keys/ beside itself).
install(FILES ${PROJECT_SOURCE_DIR}/policies/system-a.yaml
              ${PROJECT_SOURCE_DIR}/policies/system-b.yaml
        DESTINATION ${MCSEC_SHARE_DIR}/examples COMPONENT mcsec)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/policies/make-example-keys.sh
        DESTINATION ${MCSEC_SHARE_DIR}/examples COMPONENT mcsec)

# Metrics and dashboards, and the two-node reference deployment (keepalived
# template, its check and notify scripts, the sysctl file:
# docs/high-availability.md), whole directories, whatever they hold.
foreach(_dir prometheus grafana ha)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/${_dir}/ OPTIONAL USE_SOURCE_PERMISSIONS
          DESTINATION ${MCSEC_SHARE_DIR}/${_dir} COMPONENT mcsec)
endforeach()

# Documentation and man pages.
file(GLOB _docs ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md ${_docs}
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT mcsec)
foreach(_page IN LISTS MCSEC_MAN_PAGES)
  get_filename_component(_ext "${_page}" LAST_EXT)
  string(SUBSTRING "${_ext}" 1 -1 _sec)
  install(FILES ${_page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_sec} COMPONENT mcsec)
endforeach()
