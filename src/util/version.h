// The version, build revision and build date: written into every Parquet file's created_by and
// every manifest (version and revision), and shown by `aesync --version` and the man page.
#pragma once

#include <string>

namespace aesync {

//! "0.1.0"
const char* version();
//! The git revision the binary was built from (12 hex digits), or "unknown".
const char* build_rev();
//! The revision's commit date (UTC, YYYY-MM-DD): reproducible, not the wall clock of the build.
//! $SOURCE_DATE_EPOCH's day when built outside git with it set, else "unknown".
const char* build_date();
//! "aesync 0.1.0 (build <rev>, <date>)": what `aesync --version` prints.
std::string version_line();
//! "aesync version 0.1.0 (build <rev>)": the form Parquet readers parse in created_by.
std::string created_by();

}  // namespace aesync
