// Chooses the output format: a TableWriter (Parquet or CSV) over a sink, and the data object's
// file name for that format (SPEC §3: data.parquet, data.csv, data.csv.gz).
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "schema/table_writer.h"
#include "util/byte_sink.h"

namespace aesync {

std::unique_ptr<TableWriter> make_table_writer(const OutputConfig& output, const Schema& schema, ByteSink& sink);
std::string data_file_name(const OutputConfig& output);

}  // namespace aesync
