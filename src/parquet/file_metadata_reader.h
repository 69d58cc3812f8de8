// Parquet footer decoding: FileMetaData (Thrift compact) into the reader's FileMetadata, with
// the schema flattened to its leaf columns and the row groups' ColumnChunk metadata and
// statistics (field ids: thrift_ids.h).
//
// Input is untrusted: a field of the wrong wire type, a required field missing, a nested schema
// (groups, repeated fields), a chunk stored in another file or encrypted, row counts that do not
// add up or a chunk whose path or type differs from its schema column are FormatErrors naming
// the file (`path`), and for Thrift errors the byte offset. Fields we do not model are skipped.
// Annotations are decoded once here, from LogicalType or (old writers) ConvertedType: TIMESTAMP
// and TIME units, DATE, unsigned integers, DECIMAL (a DECIMAL that is not valid is refused),
// text, UUID, FLOAT16.
#pragma once

#include <string>

#include "parquet/parquet_reader.h"
#include "parquet/thrift_compact_reader.h"

namespace aesync::parquet {

//! Decodes the FileMetaData struct `r` is positioned at (file_size is left to the caller).
FileMetadata read_file_metadata(ThriftCompactReader& r, const std::string& path);

}  // namespace aesync::parquet
