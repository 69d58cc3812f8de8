// Errors at the boundaries of aesync's stages.
//
// Hot loops (JSON reading, encoding) return plain status values; the stage boundaries turn a
// failure into one of these exceptions, whose message names the culprit (config key and
// file:line, input line, partition, object key). `main` catches them once and picks the exit
// code: 2 for usage/configuration errors, 1 for runtime failures.
#pragma once

#include <stdexcept>
#include <string>

namespace aesync {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  //! The process exit code this error maps to (docs/commands.md).
  virtual int exit_code() const { return 1; }
};

//! A command line that cannot be run as written (exit 2).
class UsageError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return 2; }
};

//! A configuration that cannot be used; the message names the key and file:line (exit 2).
class ConfigError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return 2; }
};

//! Input data that cannot be read or mapped (exit 1); the message names the line.
class InputError : public Error {
 public:
  using Error::Error;
};

//! A failure of an object store or a local file (exit 1); the message names the key/path.
class StorageError : public Error {
 public:
  using Error::Error;
};

//! A malformed or unsupported Parquet file being read (exit 1).
class FormatError : public Error {
 public:
  using Error::Error;
};

}  // namespace aesync
