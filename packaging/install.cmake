# What `make install` and `make package` put where (included by the top-level CMakeLists.txt).
#
# Contract: one set of install rules serves both. Paths that depend on the prefix are decided at
# install time (`cmake --install --prefix P`, or CPack's /usr), not at configure time, so that one
# build tree installs under /usr/local and packages under /usr without a rebuild:
#   <P>/bin/aesync                                    the binary
#   <P>/share/doc/aesync/{README.md,copyright,changelog.gz}, docs/*.md,
#     examples/{aesync.toml,aesync.env.example}
#   <P>/share/man/man1/aesync.1.gz                     from `aesync manpage`
#   <P>/share/bash-completion/completions/aesync      from `aesync completion bash`
#   <P>/share/fish/vendor_completions.d/aesync.fish   from `aesync completion fish`
#   zsh (`aesync completion zsh`): /usr/share/zsh/vendor-completions/_aesync (Debian's), else
#     <P>/share/zsh/site-functions/_aesync (zsh's default fpath under another prefix)
#   systemd units: /lib/systemd/system for P=/usr (Debian 12's place), else <P>/lib/systemd/system
#     (on systemd's search path for P=/usr/local), with ExecStart and Documentation= rewritten to
#     <P>'s binary and docs.
# The man page and completions are generated from the built binary
# (packaging/generate-from-binary.cmake); a binary without those commands gets none installed (not
# even their folders), never a stand-in.
include(GNUInstallDirs)
# A umask of 077 at build time must not make 0700 folders in the package (lintian: non-standard-dir-perm).
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                                WORLD_READ WORLD_EXECUTE)

set(AESYNC_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${AESYNC_GENERATED_DIR}/stamp
  COMMAND ${CMAKE_COMMAND} -DAESYNC_BIN=$<TARGET_FILE:aesync> -DOUT_DIR=${AESYNC_GENERATED_DIR}
          -P ${CMAKE_SOURCE_DIR}/packaging/generate-from-binary.cmake
  DEPENDS aesync ${CMAKE_SOURCE_DIR}/packaging/generate-from-binary.cmake
  COMMENT "Man page and shell completions from the built aesync"
  VERBATIM)
add_custom_target(aesync_generated ALL DEPENDS ${AESYNC_GENERATED_DIR}/stamp)

# The Debian changelog (lintian wants one, in Debian's format, for the package's own version),
# dated by the commit the build is from so that two builds of one commit are identical.
execute_process(COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C TZ=UTC
                        git log -1 "--date=format-local:%a, %d %b %Y %H:%M:%S +0000" --format=%cd
                WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                OUTPUT_VARIABLE AESYNC_CHANGELOG_DATE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT AESYNC_CHANGELOG_DATE)
  string(TIMESTAMP AESYNC_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
endif()
set(AESYNC_PACKAGE_MAINTAINER "aesync maintainers <maintainers@aesync.example.org>"
    CACHE STRING "The Maintainer of the Debian package (and of its changelog entry)")
configure_file(${CMAKE_SOURCE_DIR}/packaging/changelog.in ${AESYNC_GENERATED_DIR}/changelog @ONLY)
execute_process(COMMAND gzip -9nf ${AESYNC_GENERATED_DIR}/changelog)

install(TARGETS aesync RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The docs keep the source tree's layout (README.md, docs/*.md, examples/), so their relative links work.
file(GLOB AESYNC_DOCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/packaging/copyright
              ${AESYNC_GENERATED_DIR}/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${AESYNC_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(FILES ${CMAKE_SOURCE_DIR}/examples/aesync.toml ${CMAKE_SOURCE_DIR}/deploy/systemd/aesync.env.example
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(CODE "set(AESYNC_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
set(AESYNC_GENERATED_DIR \"${AESYNC_GENERATED_DIR}\")
set(AESYNC_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
set(AESYNC_DATADIR \"${CMAKE_INSTALL_DATADIR}\")
set(AESYNC_MANDIR \"${CMAKE_INSTALL_MANDIR}\")
set(AESYNC_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")")
install(SCRIPT ${CMAKE_SOURCE_DIR}/packaging/install-prefixed.cmake)

# `make package`: build/aesync_<version>_<arch>.deb.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME aesync)
set(CPACK_PACKAGE_VENDOR "aesync")
set(CPACK_PACKAGE_CONTACT "${AESYNC_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Cloudflare Analytics Engine to Parquet on S3/R2 for PostHog")
# The extended description: lines under 80 columns (lintian: extended-description-line-too-long).
set(CPACK_PACKAGE_DESCRIPTION
    "aesync reads a Cloudflare Workers Analytics Engine dataset through its SQL\n"
    "API in time windows, maps its columns to named, typed ones, writes one\n"
    "Parquet file per UTC day and uploads it to Cloudflare R2 or any\n"
    "S3-compatible store, where PostHog's data warehouse reads it as a table\n"
    "that joins with product events. It runs from a systemd timer, a Kubernetes\n"
    "CronJob or as a daemon serving Prometheus metrics.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from the binary's NEEDED entries (dpkg-shlibdeps over Debian's shlibs);
# CA certificates because TLS is always verified.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "ca-certificates")
include(CPack)
