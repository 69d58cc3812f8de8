// The version and build revision, as written into every Parquet file's created_by and every
// manifest.
#pragma once

#include <string>

namespace aesync {

//! "0.1.0"
const char* version();
//! The git revision the binary was built from (12 hex digits), or "unknown".
const char* build_rev();
//! "aesync version 0.1.0 (build <rev>)": the form Parquet readers parse in created_by.
std::string created_by();

}  // namespace aesync
