// The factories, side by side: what the config's choices open. Each switches exhaustively on
// the config's enum, so that a new source type, destination or output format is a change the
// compiler walks you through (see docs/architecture.md, "where to change what").
#pragma once

#include <memory>

#include "config/config.h"
#include "schema/table_writer.h"
#include "source/window_source.h"
#include "storage/object_store.h"
#include "util/byte_sink.h"

namespace aesync {

//! The window source for `config.source` (analytics-engine or clickhouse; a `file` source is
//! read whole by the file sync and throws ConfigError here). A source object is used by one
//! thread at a time; open one per concurrently running partition.
std::unique_ptr<WindowSource> open_window_source(const SourceConfig& config);

//! The configured destination ([destination] type = local | s3 | r2) as an ObjectStore.
std::unique_ptr<ObjectStore> open_destination(const Config& config);

//! A TableWriter (Parquet or CSV, as `output` says) writing to `sink`. `memory_share`: how many
//! writers run at once for one read (the tables of a dataset); each gets that share of the
//! Parquet writer's memory (the row group's held pages, each column's dictionary), down to a
//! floor, so that five tables hold about what one does.
std::unique_ptr<TableWriter> make_table_writer(const OutputConfig& output, const Schema& schema, ByteSink& sink,
                                               size_t memory_share = 1);

}  // namespace aesync
