# Install-time part of install.cmake: what depends on the prefix (CMAKE_INSTALL_PREFIX as given to
# `cmake --install --prefix`, /usr under CPack) or on what the build generated. DESTDIR applies
# (file(INSTALL) prepends it to these absolute paths).
#   systemd units: ExecStart= and the comments name <prefix>/bin/aesync, Documentation= the
#     installed production.md; deploy/systemd/ holds them as the Debian package installs them
#     (/usr/bin/aesync, file:///usr/share/doc/aesync/docs/production.md).
#   man page and completions: only those generate-from-binary.cmake produced; zsh's in Debian's
#     vendor folder under /usr, in zsh's site-functions elsewhere.
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(unit_dir /lib/systemd/system)
  set(zsh_dir /usr/share/zsh/vendor-completions)
else()
  set(unit_dir "${prefix}/lib/systemd/system")
  set(zsh_dir "${prefix}/${AESYNC_DATADIR}/zsh/site-functions")
endif()

# Installs <file> of the generated folder into <dir> (mode 0644) if the build generated it.
function(aesync_install_generated file dir)
  if(EXISTS "${AESYNC_GENERATED_DIR}/${file}")
    file(INSTALL DESTINATION "${dir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
         FILES "${AESYNC_GENERATED_DIR}/${file}")
  endif()
endfunction()

set(staged "${AESYNC_GENERATED_DIR}/units")
file(MAKE_DIRECTORY "${staged}")
foreach(unit aesync.service aesync.timer aesync-daemon.service)
  file(READ "${AESYNC_SOURCE_DIR}/deploy/systemd/${unit}" text)
  string(REPLACE "/usr/bin/aesync" "${prefix}/${AESYNC_BINDIR}/aesync" text "${text}")
  string(REPLACE "file:///usr/share/doc/aesync/" "file://${prefix}/${AESYNC_DOCDIR}/" text "${text}")
  file(WRITE "${staged}/${unit}" "${text}")
  aesync_install_generated(units/${unit} "${unit_dir}")
endforeach()

aesync_install_generated(aesync.1.gz "${prefix}/${AESYNC_MANDIR}/man1")
aesync_install_generated(completions/aesync "${prefix}/${AESYNC_DATADIR}/bash-completion/completions")
aesync_install_generated(completions/aesync.fish "${prefix}/${AESYNC_DATADIR}/fish/vendor_completions.d")
aesync_install_generated(completions/_aesync "${zsh_dir}")
