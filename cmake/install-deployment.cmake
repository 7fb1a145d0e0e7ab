# install-deployment.cmake: the part of `cmake --install` that needs the final install paths:
# the nginx site, the systemd units and the example environment files name the programs and
# data folders, so their shipped paths (the /usr/local defaults) are replaced by the real
# ones here, at install time, when `--prefix` and DESTDIR are known. The files in the
# repository stay real, working configurations for the default prefix (systemd-analyze verify
# accepts the units as they are, nginx -t the site once its certificates exist).
#
# Included by an install(CODE) of CMakeLists.txt, which sets MG_SOURCE_DIR, MG_BINARY_DIR,
# MG_BINDIR, MG_DATADIR, MG_DOCDIR (GNUInstallDirs, relative to the prefix or absolute),
# MG_SYSCONFDIR, MG_LOCALSTATEDIR (absolute) and MG_SYSTEMD_UNITDIR (empty: PREFIX/lib/...).
#
#   PREFIX/lib/systemd/system/*.service *.socket *.timer   replaced on every install (local
#                                     changes belong in drop-ins: systemctl edit musicgraph)
#   SYSCONFDIR/nginx/sites-available/musicgraph   replaced while it is as last shipped; an
#                                     edited copy is kept (the new version is then only in
#                                     DATADIR/musicgraph/nginx/musicgraph.conf)
#   SYSCONFDIR/musicgraph/env.example, migrate.env.example   replaced; env and migrate.env
#                                     are the operator's and never written
#   LOCALSTATEDIR/lib/musicgraph/     created (mode 0750) when missing, else left alone

set(mg_destdir "$ENV{DESTDIR}")
string(REGEX REPLACE "(.)/+$" "\\1" mg_prefix "${CMAKE_INSTALL_PREFIX}")

# mg_full(OUT DIR): DIR under the prefix unless it is absolute.
function(mg_full out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${mg_prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

mg_full(mg_bindir "${MG_BINDIR}")
mg_full(mg_datadir "${MG_DATADIR}/musicgraph")
mg_full(mg_docdir "${MG_DOCDIR}")
set(mg_confdir "${MG_SYSCONFDIR}/musicgraph")
set(mg_statedir "${MG_LOCALSTATEDIR}/lib/musicgraph")
if(MG_SYSTEMD_UNITDIR)
  set(mg_unitdir "${MG_SYSTEMD_UNITDIR}")
else()
  # The vendor unit folder of the prefix: systemd searches /usr/local/lib/systemd/system and
  # /usr/lib/systemd/system, below /etc/systemd/system, so the operator's own files and
  # drop-ins there win and an install never overwrites them.
  set(mg_unitdir "${mg_prefix}/lib/systemd/system")
endif()

# The shipped paths and what they become. Longest first: /usr/local/share/doc/musicgraph
# before /usr/local/share/musicgraph's shorter relatives.
set(mg_from
    "/usr/local/share/doc/musicgraph" "/usr/local/share/musicgraph" "/usr/local/bin/"
    "/etc/musicgraph" "/var/lib/musicgraph")
set(mg_to
    "${mg_docdir}" "${mg_datadir}" "${mg_bindir}/"
    "${mg_confdir}" "${mg_statedir}")

set(mg_stage "${MG_BINARY_DIR}/install-stage")
file(REMOVE_RECURSE "${mg_stage}")
file(MAKE_DIRECTORY "${mg_stage}")

# mg_configure(SOURCE OUTVAR): SOURCE's text with the install paths in it.
function(mg_configure source outvar)
  file(READ "${source}" text)
  list(LENGTH mg_from n)
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    list(GET mg_from ${i} from)
    list(GET mg_to ${i} to)
    string(REPLACE "${from}" "${to}" text "${text}")
  endforeach()
  if(NOT mg_prefix STREQUAL "/usr/local" AND text MATCHES "/usr/local/")
    message(WARNING "${source} still names a /usr/local/ path after the install paths were "
                    "filled in; check the installed copy")
  endif()
  set(${outvar} "${text}" PARENT_SCOPE)
endfunction()

# mg_install_text(TEXT NAME DEST): write TEXT as DEST/NAME, mode 0644 (DESTDIR honoured by
# file(INSTALL), which also prints it and records it in install_manifest.txt).
function(mg_install_text text name dest)
  file(MAKE_DIRECTORY "${mg_stage}/${name}.d")
  file(WRITE "${mg_stage}/${name}.d/${name}" "${text}")
  # file(INSTALL) skips a destination with the same time stamp as the source, whatever its
  # contents: a file that differs is removed first so it is always replaced.
  set(target "${mg_destdir}${dest}/${name}")
  if(EXISTS "${target}")
    file(READ "${target}" current)
    if(NOT current STREQUAL text)
      file(REMOVE "${target}")
    endif()
  endif()
  file(INSTALL DESTINATION "${dest}" TYPE FILE
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${mg_stage}/${name}.d/${name}")
endfunction()

# --- systemd units: every unit file in systemd/ --------------------------------------------
file(GLOB mg_units LIST_DIRECTORIES false
     "${MG_SOURCE_DIR}/systemd/*.service" "${MG_SOURCE_DIR}/systemd/*.socket"
     "${MG_SOURCE_DIR}/systemd/*.timer")
list(SORT mg_units)
foreach(unit ${mg_units})
  get_filename_component(name "${unit}" NAME)
  mg_configure("${unit}" text)
  mg_install_text("${text}" "${name}" "${mg_unitdir}")
endforeach()
set(mg_searched /etc/systemd/system /usr/local/lib/systemd/system /usr/lib/systemd/system
    /lib/systemd/system)
list(FIND mg_searched "${mg_unitdir}" mg_found)
if(mg_found EQUAL -1)
  message(WARNING "systemd does not look for units in ${mg_unitdir}: link them with "
                  "`systemctl link ${mg_unitdir}/musicgraph.service ...`, or configure with "
                  "-DMUSICGRAPH_SYSTEMD_UNITDIR=/etc/systemd/system")
endif()

# --- example environments ------------------------------------------------------------------
foreach(example env.example migrate.env.example)
  mg_configure("${MG_SOURCE_DIR}/systemd/${example}" text)
  mg_install_text("${text}" "${example}" "${mg_confdir}")
endforeach()
if(NOT EXISTS "${mg_destdir}${mg_confdir}/env")
  message(STATUS "Not created: ${mg_confdir}/env (copy env.example, mode 0640 "
                 "root:musicgraph; docs/deployment.md)")
endif()

# --- nginx site: a configuration file the operator edits (server name, certificates) ---------
mg_configure("${MG_SOURCE_DIR}/nginx/musicgraph.conf" mg_site)
set(mg_site_dest "${MG_SYSCONFDIR}/nginx/sites-available")
set(mg_site_file "${mg_destdir}${mg_site_dest}/musicgraph")
set(mg_pristine_file "${mg_destdir}${mg_datadir}/nginx/musicgraph.conf")
set(mg_site_action install)
if(EXISTS "${mg_site_file}")
  file(READ "${mg_site_file}" mg_current)
  set(mg_previous "")
  if(EXISTS "${mg_pristine_file}")
    file(READ "${mg_pristine_file}" mg_previous)
  endif()
  # Replace only what is still exactly as shipped last time (or already the new version).
  if(NOT mg_current STREQUAL mg_site AND NOT mg_current STREQUAL mg_previous)
    set(mg_site_action keep)
  endif()
endif()
if(mg_site_action STREQUAL "install")
  mg_install_text("${mg_site}" "musicgraph" "${mg_site_dest}")
else()
  message(STATUS "Kept (edited here): ${mg_site_dest}/musicgraph; compare it with the new "
                 "version: diff -u ${mg_site_dest}/musicgraph ${mg_datadir}/nginx/musicgraph.conf")
endif()
# The shipped version, always current: what the kept copy is compared with next time.
mg_install_text("${mg_site}" "musicgraph.conf" "${mg_datadir}/nginx")

# --- state folder (backups) --------------------------------------------------------------------
# Created when missing (mode 0750); an existing one, which the operator may have given to
# another owner or mode, is left exactly as it is, with its contents.
if(NOT IS_DIRECTORY "${mg_destdir}${mg_statedir}")
  file(MAKE_DIRECTORY "${mg_destdir}${mg_statedir}")
  file(CHMOD "${mg_destdir}${mg_statedir}" DIRECTORY_PERMISSIONS
       OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
  message(STATUS "Created: ${mg_destdir}${mg_statedir} (mode 0750)")
else()
  message(STATUS "Exists: ${mg_destdir}${mg_statedir}")
endif()
