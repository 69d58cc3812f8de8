// The config file's keys, described once: section, name, kind (which says how the value is read
// and checked), range, and where the value is stored in Config. Everything that enumerates keys
// is derived from this table: the known keys of each section (unknown-key errors and their "did
// you mean" candidates), the `<key>_file` variants, the secrets registered before validation,
// the literal-secret warning and Config::secrets().
//
// The table's order is the order in which a section's keys are read, so the first error a file
// holds is the one reported, and the order of the candidates that break a "did you mean" tie.
// Internal to the config stage; config.h is the public contract.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace aesync::config_keys {

//! How a key's value is read and checked (the messages are in loader_values.cpp).
enum class KeyKind {
  String,       //!< any text without control characters
  Name,         //!< [A-Za-z_][A-Za-z0-9_]*, at most 128 characters (reaches SQL)
  DashedName,   //!< Name that may also hold '-' after its first character
  Url,          //!< http(s)://..., no credentials, trailing '/' removed
  Duration,     //!< "90s", "5m", "6h", "1d" within [lo, hi] seconds
  Integer,      //!< a TOML integer within [lo, hi]
  Boolean,      //!< a TOML boolean
  Choice,       //!< one of an enum's spellings: read by the section's reader (config.h enums)
  Secret,       //!< text redacted from every output; `<key>_file` accepted
  AccessKeyId,  //!< not secret, but redacted too and `<key>_file` accepted
  AccountId,    //!< [A-Za-z0-9_-]+ (part of the API URL path)
  BucketName,   //!< S3's bucket alphabet [A-Za-z0-9._-]+
  Region,       //!< [A-Za-z0-9_-]+
  Prefix,       //!< an object key prefix: no empty, "." or ".." segment, no leading/trailing '/'
  ProjectId,    //!< digits, written as a string or an integer
  FieldPath,    //!< a HogQL field path such as properties.machine_id
  EntryKey,     //!< a key of an array entry ([[columns]], [[tables]]): read by that entry's reader
};

//! One key of the config file.
struct KeySpec {
  std::string_view section;  //!< "source", "destination", "output", "sync", "posthog", "columns", "tables"
  std::string_view name;
  KeyKind kind;
  int64_t lo = 0;  //!< Duration, Integer: the smallest value accepted
  int64_t hi = 0;  //!< Duration, Integer: the largest value accepted
  //! Url: where credentials written into the URL belong instead (ends "credentials... ; <hint>").
  std::string_view credentials_hint = {};
  //! Where the value goes (the one matching the kind; null for Choice and EntryKey keys).
  std::string* (*text)(Config&) = nullptr;
  void (*number)(Config&, int64_t) = nullptr;
  bool* (*flag)(Config&) = nullptr;

  //! A secret: registered for redaction before validation, warned about when written in clear.
  bool secret() const { return kind == KeyKind::Secret; }
  //! Redacted from outputs (Config::secrets()): the secrets and the access key ids.
  bool redacted() const { return kind == KeyKind::Secret || kind == KeyKind::AccessKeyId; }
  //! Also accepted as `<name>_file`, a path to a file holding the value.
  bool file_allowed() const { return redacted(); }
};

//! Every key, section by section, each section's keys in reading order.
std::span<const KeySpec> all_keys();
//! The sections (the top-level keys), in file order.
std::span<const std::string_view> sections();
//! The keys a table of `section` may hold, `<key>_file` right after its key; for "" (the top
//! level), the sections.
const std::vector<std::string>& known_keys(std::string_view section);

}  // namespace aesync::config_keys
