// `aesync convert`: a JSONEachRow dump mapped into one output file or stdout (Parquet or CSV, as
// config.output says), rows in input order.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"

namespace aesync {

struct ConvertResult {
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t invalid_utf8_replaced = 0;
};

//! Maps `input` ("-" = stdin) into `output` ("-" = stdout) as config.output describes.
//! A file output is written under a temporary name and renamed when complete; an interrupted
//! conversion (Ctrl-C: util/cancel.h) throws cancel::Cancelled and leaves no file. With
//! `show_progress`, a progress line (sync/progress.h) while it runs.
ConvertResult convert_file(const Config& config, const std::string& input, const std::string& output,
                           bool show_progress = false);

}  // namespace aesync
