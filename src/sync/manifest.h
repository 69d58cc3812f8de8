// The partition manifest, `<prefix>/<day>/_manifest.json` (docs/data-layout.md): what was exported for a
// day, written after the data object so that a manifest always describes a complete file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "schema/schema.h"
#include "schema/table_shape.h"

namespace aesync {

struct WindowRecord {
  int64_t start = 0, end = 0;  //!< unix seconds, [start, end)
  uint64_t rows = 0;           //!< rows received (and written)
  int64_t sample_weight = 0;   //!< their sum of _sample_interval
  uint64_t source_rows = 0;    //!< rows the source counts in the window (= rows when not checked)
  //! rows / source_rows as the power of ten closest to it (1, 0.1, 0.01...): below 1 when AE
  //! sampled the read (read-time sampling); 1 for a full-resolution window.
  double resolution = 1;
  bool verified = false;  //!< received == counted, exactly (full resolution)
};

//! The power of ten closest to rows / source_rows, at most 1 (1 when source_rows is 0).
double resolution_of(uint64_t rows, uint64_t source_rows);

struct Manifest {
  std::string partition;  //!< YYYY-MM-DD
  std::string table;      //!< the table's name (config.h TableConfig); "" in manifests before tables
  std::string data_key;   //!< the data object's key; empty when rows == 0
  uint64_t rows = 0;
  int64_t sample_weight = 0;
  uint64_t bytes = 0;
  std::string sha256;
  //! The file's columns (a rollup's are its output columns). Read back, a column's nullability
  //! is its `declared_nullable`: the manifest does not record the rule that made it nullable.
  std::vector<ColumnSpec> columns;
  //! The table's schema fingerprint (schema/table_shape.h) when the day was exported; read from a
  //! manifest older than fingerprints, the fingerprint of its columns as a plain table's mapping.
  std::string schema_fingerprint;
  std::vector<WindowRecord> windows;  //!< empty for the file source
  uint64_t source_rows = 0;
  //! Every window verified: the day is exported at full resolution, exactly.
  bool verified = false;
  //! Some window came back read-sampled (kept as returned: resolution < 1).
  bool read_sampled = false;
  std::string exported_at;  //!< RFC 3339
  std::string aesync_version;
};

//! Pretty-printed JSON, keys in the order of docs/data-layout.md, newline-terminated.
std::string manifest_to_json(const Manifest& m);

}  // namespace aesync
