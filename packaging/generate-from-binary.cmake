# cmake -DAESYNC_BIN=<built aesync> -DOUT_DIR=<dir> -P generate-from-binary.cmake
#
# Writes what the binary documents about itself, for install.cmake to install:
#   OUT_DIR/aesync.1.gz               `aesync manpage`, gzip -9n (lintian: max compression, no timestamp)
#   OUT_DIR/completions/aesync        `aesync completion bash`
#   OUT_DIR/completions/_aesync       `aesync completion zsh`
#   OUT_DIR/completions/aesync.fish   `aesync completion fish`
# A command the binary does not list in its --help is skipped with a notice and its files are
# removed (install.cmake installs them OPTIONAL): nothing stands in for it. A listed command that
# fails or prints nothing is an error. OUT_DIR/stamp is written either way.
cmake_minimum_required(VERSION 3.25)

execute_process(COMMAND ${AESYNC_BIN} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${AESYNC_BIN} --help exited ${rc}")
endif()
file(MAKE_DIRECTORY ${OUT_DIR}/completions)

# Whether `aesync --help` lists <command> among its subcommands (an indented line starting with it).
function(aesync_has_command command out)
  string(REGEX MATCH "\n  +${command}( |\n)" found "${help}")
  if(found)
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

# Runs `aesync <args>` into <file> (only rewritten when its content changed).
function(aesync_generate file)
  execute_process(COMMAND ${AESYNC_BIN} ${ARGN} OUTPUT_VARIABLE text ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR text STREQUAL "")
    message(FATAL_ERROR "aesync ${ARGN} exited ${rc} with ${err}")
  endif()
  file(WRITE ${file}.new "${text}")
  file(COPY_FILE ${file}.new ${file} ONLY_IF_DIFFERENT)
  file(REMOVE ${file}.new)
endfunction()

aesync_has_command(manpage has_manpage)
if(has_manpage)
  aesync_generate(${OUT_DIR}/aesync.1 manpage)
  if(NOT EXISTS ${OUT_DIR}/aesync.1.gz OR ${OUT_DIR}/aesync.1 IS_NEWER_THAN ${OUT_DIR}/aesync.1.gz)
    execute_process(COMMAND gzip -9n -c ${OUT_DIR}/aesync.1 OUTPUT_FILE ${OUT_DIR}/aesync.1.gz RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "gzip ${OUT_DIR}/aesync.1 exited ${rc}")
    endif()
  endif()
else()
  message(STATUS "aesync has no `manpage` command: no man page is installed")
  file(REMOVE ${OUT_DIR}/aesync.1 ${OUT_DIR}/aesync.1.gz)
endif()

aesync_has_command(completion has_completion)
if(has_completion)
  aesync_generate(${OUT_DIR}/completions/aesync completion bash)
  aesync_generate(${OUT_DIR}/completions/_aesync completion zsh)
  aesync_generate(${OUT_DIR}/completions/aesync.fish completion fish)
else()
  message(STATUS "aesync has no `completion` command: no shell completions are installed")
  file(REMOVE ${OUT_DIR}/completions/aesync ${OUT_DIR}/completions/_aesync ${OUT_DIR}/completions/aesync.fish)
endif()
file(TOUCH ${OUT_DIR}/stamp)
