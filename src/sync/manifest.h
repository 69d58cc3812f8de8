// The partition manifest, `<prefix>/<day>/_manifest.json` (docs/data-layout.md): what was exported for a
// day, written after the data object so that a manifest always describes a complete file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "schema/schema.h"

namespace aesync {

struct WindowRecord {
  int64_t start = 0, end = 0;  //!< unix seconds, [start, end)
  uint64_t rows = 0;
  int64_t sample_weight = 0;
  bool verified = false;
};

struct Manifest {
  std::string partition;  //!< YYYY-MM-DD
  std::string data_key;   //!< the data object's key; empty when rows == 0
  uint64_t rows = 0;
  int64_t sample_weight = 0;
  uint64_t bytes = 0;
  std::string sha256;
  std::vector<ColumnSpec> columns;
  //! Per column, "nullable" as read back by parse_manifest: the manifest does not record the
  //! `when`/`empty_as_null` rule that makes a ColumnSpec nullable, so the flag is kept here.
  //! Empty for a manifest built in memory; manifest_to_json writes a column nullable when its
  //! spec is or this flag is set.
  std::vector<bool> column_nullable;
  std::vector<WindowRecord> windows;  //!< empty for the file source
  uint64_t source_rows = 0;
  bool verified = false;
  std::string exported_at;  //!< RFC 3339
  std::string aesync_version;
};

//! Pretty-printed JSON, keys in the order of docs/data-layout.md, newline-terminated.
std::string manifest_to_json(const Manifest& m);

}  // namespace aesync
