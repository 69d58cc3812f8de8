#include "parquet/file_metadata_reader.h"

#include <optional>
#include <utility>

#include "parquet/thrift_ids.h"
#include "util/error.h"

namespace aesync::parquet {

namespace {

// Field ids and types are parquet.thrift's (thrift_ids.h); fields we do not model are skipped
// whatever their type.

using FieldHeader = ThriftCompactReader::FieldHeader;

std::optional<TimeUnit> read_time_unit(ThriftCompactReader& r) {
  std::optional<TimeUnit> unit;
  read_struct(r, [&](const FieldHeader& f) {
    if (f.type != ThriftType::STRUCT || f.id < field::TimeUnit::kMillis || f.id > field::TimeUnit::kNanos) return false;
    unit = static_cast<TimeUnit>(f.id - field::TimeUnit::kMillis);  // MILLIS, MICROS, NANOS in order
    r.skip(ThriftType::STRUCT);                                     // the unit structs are empty
    return true;
  });
  return unit;
}

const char* unit_name(TimeUnit u) {
  switch (u) {
    case TimeUnit::MILLIS: return "MILLIS";
    case TimeUnit::MICROS: return "MICROS";
    case TimeUnit::NANOS: return "NANOS";
  }
  return "?";
}

// LogicalType is a union: one field set, each an (often empty) struct.
void read_logical_type(ThriftCompactReader& r, SchemaColumn& col) {
  read_struct(r, [&](const FieldHeader& f) {
    if (f.type != ThriftType::STRUCT) return false;
    switch (f.id) {
      case field::LogicalType::kDecimal: {
        int32_t scale = 0, precision = 0;
        read_struct(r, [&](const FieldHeader& g) {
          if (g.id == field::DecimalType::kScale)
            scale = read_i32_field(r, g, "DecimalType.scale");
          else if (g.id == field::DecimalType::kPrecision)
            precision = read_i32_field(r, g, "DecimalType.precision");
          else
            return false;
          return true;
        });
        col.decimal = DecimalType{precision, scale};
        return true;
      }
      case field::LogicalType::kTime:
      case field::LogicalType::kTimestamp: {  // both {isAdjustedToUTC, unit}
        bool utc = false;
        std::optional<TimeUnit> unit;
        read_struct(r, [&](const FieldHeader& g) {
          if (g.id == field::TimestampType::kIsAdjustedToUtc) {
            expect_field_type(r, g, ThriftType::BOOL_TRUE, "isAdjustedToUTC");
            utc = r.read_bool_field(g);
          } else if (g.id == field::TimestampType::kUnit) {
            expect_field_type(r, g, ThriftType::STRUCT, "TimeUnit");
            unit = read_time_unit(r);
          } else {
            return false;
          }
          return true;
        });
        if (!unit) r.fail("column '" + col.name + "': time unit missing or unknown");
        col.logical_type = std::string(f.id == field::LogicalType::kTime ? "TIME(" : "TIMESTAMP(") + unit_name(*unit) +
                           (utc ? ",UTC)" : ",local)");
        (f.id == field::LogicalType::kTimestamp ? col.timestamp_unit : col.time_unit) = unit;
        return true;
      }
      case field::LogicalType::kInteger: {
        int bits = 0;
        bool is_signed = true;
        read_struct(r, [&](const FieldHeader& g) {
          if (g.id == field::IntType::kBitWidth) {
            expect_field_type(r, g, ThriftType::I8, "IntType.bitWidth");
            bits = r.read_i8();
          } else if (g.id == field::IntType::kIsSigned) {
            expect_field_type(r, g, ThriftType::BOOL_TRUE, "IntType.isSigned");
            is_signed = r.read_bool_field(g);
          } else {
            return false;
          }
          return true;
        });
        col.logical_type = "INTEGER(" + std::to_string(bits) + (is_signed ? ",signed)" : ",unsigned)");
        col.is_unsigned = !is_signed;
        return true;
      }
      case field::LogicalType::kString:
      case field::LogicalType::kEnum:
      case field::LogicalType::kJson: col.is_text = true; break;
      case field::LogicalType::kUuid: col.is_uuid = true; break;
      case field::LogicalType::kDate: col.is_date = true; break;
      case field::LogicalType::kFloat16: col.is_float16 = true; break;
      default: break;
    }
    static constexpr const char* kNames[] = {"",     "STRING",    "MAP",      "LIST",     "ENUM",     "DECIMAL", "DATE",
                                             "TIME", "TIMESTAMP", "INTERVAL", "INTEGER",  "UNKNOWN",  "JSON",    "BSON",
                                             "UUID", "FLOAT16",   "VARIANT",  "GEOMETRY", "GEOGRAPHY"};
    col.logical_type =
        f.id >= 1 && f.id <= field::LogicalType::kLast ? kNames[f.id] : "LogicalType(" + std::to_string(f.id) + ")";
    r.skip(ThriftType::STRUCT);
    return true;
  });
}

struct SchemaElement {
  SchemaColumn column;
  bool has_type = false;
  bool has_repetition = false;
  std::optional<int32_t> num_children;
  std::optional<int32_t> scale, precision;  // ConvertedType DECIMAL's
};

SchemaElement read_schema_element(ThriftCompactReader& r) {
  namespace id = field::SchemaElement;
  SchemaElement e;
  bool has_name = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case id::kType:
        e.column.type = static_cast<PhysicalType>(read_i32_field(r, f, "SchemaElement.type"));
        e.has_type = true;
        return true;
      case id::kTypeLength: e.column.type_length = read_i32_field(r, f, "SchemaElement.type_length"); return true;
      case id::kRepetitionType:
        e.column.repetition = static_cast<Repetition>(read_i32_field(r, f, "SchemaElement.repetition_type"));
        e.has_repetition = true;
        return true;
      case id::kName:
        e.column.name = read_binary_field(r, f, "SchemaElement.name");
        has_name = true;
        return true;
      case id::kNumChildren: e.num_children = read_i32_field(r, f, "SchemaElement.num_children"); return true;
      case id::kConvertedType:
        e.column.converted_type = static_cast<ConvertedType>(read_i32_field(r, f, "SchemaElement.converted_type"));
        return true;
      case id::kScale: e.scale = read_i32_field(r, f, "SchemaElement.scale"); return true;
      case id::kPrecision: e.precision = read_i32_field(r, f, "SchemaElement.precision"); return true;
      case id::kLogicalType:
        expect_field_type(r, f, ThriftType::STRUCT, "SchemaElement.logicalType");
        read_logical_type(r, e.column);
        return true;
      default: return false;
    }
  });
  if (!has_name) r.fail("schema element without a name");
  return e;
}

Statistics read_statistics(ThriftCompactReader& r) {
  namespace id = field::Statistics;
  Statistics s;
  std::optional<std::string> old_min, old_max;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case id::kMax: old_max = read_binary_field(r, f, "Statistics.max"); return true;
      case id::kMin: old_min = read_binary_field(r, f, "Statistics.min"); return true;
      case id::kNullCount: s.null_count = read_i64_field(r, f, "Statistics.null_count"); return true;
      case id::kDistinctCount: s.distinct_count = read_i64_field(r, f, "Statistics.distinct_count"); return true;
      case id::kMaxValue: s.max_value = read_binary_field(r, f, "Statistics.max_value"); return true;
      case id::kMinValue: s.min_value = read_binary_field(r, f, "Statistics.min_value"); return true;
      default: return false;
    }
  });
  if (!s.min_value && !s.max_value && (old_min || old_max)) {
    s.min_value = std::move(old_min);
    s.max_value = std::move(old_max);
    s.deprecated_min_max = true;
  }
  return s;
}

void read_column_meta_data(ThriftCompactReader& r, ColumnChunkInfo& c) {
  namespace id = field::ColumnMetaData;
  bool has_type = false, has_codec = false, has_num_values = false, has_data_page_offset = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case id::kType:
        c.type = static_cast<PhysicalType>(read_i32_field(r, f, "ColumnMetaData.type"));
        has_type = true;
        return true;
      case id::kEncodings:
        read_list_field(r, f, ThriftType::I32, "ColumnMetaData.encodings",
                        [&](uint32_t) { c.encodings.push_back(static_cast<Encoding>(r.read_i32())); });
        return true;
      case id::kPathInSchema:
        c.path.clear();
        read_list_field(r, f, ThriftType::BINARY, "ColumnMetaData.path_in_schema", [&](uint32_t i) {
          if (i > 0) c.path.push_back('.');
          c.path.append(r.read_binary());
        });
        return true;
      case id::kCodec:
        c.codec = static_cast<Codec>(read_i32_field(r, f, "ColumnMetaData.codec"));
        has_codec = true;
        return true;
      case id::kNumValues:
        c.num_values = read_i64_field(r, f, "ColumnMetaData.num_values");
        has_num_values = true;
        return true;
      case id::kTotalUncompressedSize:
        c.total_uncompressed_size = read_i64_field(r, f, "ColumnMetaData.total_uncompressed_size");
        return true;
      case id::kTotalCompressedSize:
        c.total_compressed_size = read_i64_field(r, f, "ColumnMetaData.total_compressed_size");
        return true;
      case id::kDataPageOffset:
        c.data_page_offset = read_i64_field(r, f, "ColumnMetaData.data_page_offset");
        has_data_page_offset = true;
        return true;
      case id::kDictionaryPageOffset:
        c.dictionary_page_offset = read_i64_field(r, f, "ColumnMetaData.dictionary_page_offset");
        return true;
      case id::kStatistics:
        expect_field_type(r, f, ThriftType::STRUCT, "ColumnMetaData.statistics");
        c.statistics = read_statistics(r);
        return true;
      default: return false;
    }
  });
  if (!has_type || !has_codec || !has_num_values || !has_data_page_offset)
    r.fail("ColumnMetaData of column '" + c.path +
           "' lacks a required field (type, codec, num_values, data_page_offset)");
}

ColumnChunkInfo read_column_chunk(ThriftCompactReader& r, size_t rg, size_t col) {
  namespace id = field::ColumnChunk;
  ColumnChunkInfo c;
  bool has_meta = false;
  std::string file_path;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case id::kFilePath: file_path = read_binary_field(r, f, "ColumnChunk.file_path"); return true;
      case id::kMetaData:
        expect_field_type(r, f, ThriftType::STRUCT, "ColumnChunk.meta_data");
        read_column_meta_data(r, c);
        has_meta = true;
        return true;
      default: return false;
    }
  });
  const std::string where = "row group " + std::to_string(rg) + ", column " + std::to_string(col);
  if (!file_path.empty()) r.fail(where + ": data in another file ('" + file_path + "') is not supported");
  if (!has_meta) r.fail(where + ": no ColumnMetaData (encrypted columns are not supported)");
  return c;
}

RowGroupInfo read_row_group_info(ThriftCompactReader& r, size_t rg) {
  namespace id = field::RowGroup;
  RowGroupInfo g;
  bool has_columns = false, has_rows = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case id::kColumns:
        has_columns = true;
        read_list_field(r, f, ThriftType::STRUCT, "RowGroup.columns",
                        [&](uint32_t i) { g.columns.push_back(read_column_chunk(r, rg, i)); });
        return true;
      case id::kTotalByteSize: g.total_byte_size = read_i64_field(r, f, "RowGroup.total_byte_size"); return true;
      case id::kNumRows:
        g.num_rows = read_i64_field(r, f, "RowGroup.num_rows");
        has_rows = true;
        return true;
      case id::kFileOffset: g.file_offset = read_i64_field(r, f, "RowGroup.file_offset"); return true;
      default: return false;
    }
  });
  if (!has_columns || !has_rows) r.fail("row group " + std::to_string(rg) + " lacks its columns or num_rows");
  return g;
}

// ConvertedType values format.h does not name.
constexpr int32_t kConvertedUtf8 = 0, kConvertedEnum = 4, kConvertedDecimal = 5, kConvertedDate = 6,
                  kConvertedTimeMillis = 7, kConvertedTimeMicros = 8, kConvertedJson = 19;

// Completes a DECIMAL column from its ConvertedType (old writers) and checks it (parquet-format
// LogicalTypes.md: 1 <= precision, 0 <= scale <= precision, on the four physical types).
void check_decimal(SchemaElement& e, const std::string& path) {
  SchemaColumn& c = e.column;
  const bool converted = c.converted_type && static_cast<int32_t>(*c.converted_type) == kConvertedDecimal;
  if (!c.decimal && converted) {
    if (!e.precision) throw FormatError(path + ": column '" + c.name + "' is a DECIMAL without a precision");
    c.decimal = DecimalType{*e.precision, e.scale.value_or(0)};
  }
  if (!c.decimal) return;
  const DecimalType d = *c.decimal;
  const std::string name = "DECIMAL(" + std::to_string(d.precision) + "," + std::to_string(d.scale) + ")";
  if (d.precision < 1 || d.precision > kMaxDecimalPrecision || d.scale < 0 || d.scale > d.precision)
    throw FormatError(path + ": column '" + c.name + "' has an invalid " + name + " (needs 1 <= precision <= " +
                      std::to_string(kMaxDecimalPrecision) + " and 0 <= scale <= precision)");
  if (c.type != PhysicalType::INT32 && c.type != PhysicalType::INT64 && c.type != PhysicalType::BYTE_ARRAY &&
      c.type != PhysicalType::FIXED_LEN_BYTE_ARRAY)
    throw FormatError(path + ": column '" + c.name + "': " + name + " cannot annotate physical type " +
                      name_of(c.type));
  if (c.logical_type.empty() || c.logical_type == "DECIMAL") c.logical_type = name;
}

// Turns the flattened schema tree (root first) into leaf columns; anything nested is refused.
std::vector<SchemaColumn> flat_columns(std::vector<SchemaElement>& elements, const std::string& path) {
  if (elements.empty()) throw FormatError(path + ": the footer has an empty schema");
  std::vector<SchemaColumn> columns;
  for (size_t i = 1; i < elements.size(); ++i) {
    SchemaElement& e = elements[i];
    if ((e.num_children && *e.num_children > 0) || !e.has_type ||
        (e.has_repetition && e.column.repetition == Repetition::REPEATED))
      throw FormatError(path + ": nested columns are not supported: " + e.column.name);
    if (!e.has_repetition) e.column.repetition = Repetition::REQUIRED;
    if (e.column.repetition != Repetition::REQUIRED && e.column.repetition != Repetition::OPTIONAL)
      throw FormatError(path + ": column '" + e.column.name + "' has an invalid repetition " +
                        std::to_string(static_cast<int32_t>(e.column.repetition)));
    // Old writers annotate only with ConvertedType; derive what the reader acts on.
    if (e.column.converted_type && !e.column.timestamp_unit) {
      if (*e.column.converted_type == ConvertedType::TIMESTAMP_MILLIS) e.column.timestamp_unit = TimeUnit::MILLIS;
      if (*e.column.converted_type == ConvertedType::TIMESTAMP_MICROS) e.column.timestamp_unit = TimeUnit::MICROS;
    }
    if (e.column.converted_type && e.column.logical_type.empty()) {
      const auto ct = static_cast<int32_t>(*e.column.converted_type);
      if (ct >= 11 && ct <= 14) e.column.is_unsigned = true;  // UINT_8..UINT_64
      if (ct == kConvertedUtf8 || ct == kConvertedEnum || ct == kConvertedJson) e.column.is_text = true;
      if (ct == kConvertedDate) e.column.is_date = true;
      if (ct == kConvertedTimeMillis) e.column.time_unit = TimeUnit::MILLIS;
      if (ct == kConvertedTimeMicros) e.column.time_unit = TimeUnit::MICROS;
    }
    // Only the physical types the annotations are defined on are read as such.
    if (e.column.is_date && e.column.type != PhysicalType::INT32) e.column.is_date = false;
    if (e.column.time_unit &&
        e.column.type != (e.column.time_unit == TimeUnit::MILLIS ? PhysicalType::INT32 : PhysicalType::INT64))
      e.column.time_unit.reset();
    if (e.column.timestamp_unit && e.column.type != PhysicalType::INT64) e.column.timestamp_unit.reset();
    check_decimal(e, path);
    columns.push_back(std::move(e.column));
  }
  const int32_t declared = elements[0].num_children.value_or(-1);
  if (declared != static_cast<int32_t>(columns.size()))
    throw FormatError(path + ": schema root declares " + std::to_string(declared) + " children but " +
                      std::to_string(columns.size()) + " leaf elements follow");
  return columns;
}

}  // namespace

FileMetadata read_file_metadata(ThriftCompactReader& r, const std::string& path) {
  namespace id = field::FileMetaData;
  FileMetadata m;
  std::vector<SchemaElement> elements;
  bool has_version = false, has_schema = false, has_rows = false, has_row_groups = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case id::kVersion:
        m.version = read_i32_field(r, f, "FileMetaData.version");
        has_version = true;
        return true;
      case id::kSchema:
        has_schema = true;
        read_list_field(r, f, ThriftType::STRUCT, "FileMetaData.schema",
                        [&](uint32_t) { elements.push_back(read_schema_element(r)); });
        return true;
      case id::kNumRows:
        m.num_rows = read_i64_field(r, f, "FileMetaData.num_rows");
        has_rows = true;
        return true;
      case id::kRowGroups:
        has_row_groups = true;
        read_list_field(r, f, ThriftType::STRUCT, "FileMetaData.row_groups",
                        [&](uint32_t i) { m.row_groups.push_back(read_row_group_info(r, i)); });
        return true;
      case id::kCreatedBy: m.created_by = read_binary_field(r, f, "FileMetaData.created_by"); return true;
      case id::kColumnOrders:
        expect_field_type(r, f, ThriftType::LIST, "FileMetaData.column_orders");
        m.has_column_orders = true;
        return false;  // only its presence matters
      default: return false;
    }
  });
  if (!has_version || !has_schema || !has_rows || !has_row_groups)
    throw FormatError(path + ": FileMetaData lacks a required field (version, schema, num_rows, row_groups)");
  m.columns = flat_columns(elements, path);

  if (m.num_rows < 0) throw FormatError(path + ": negative num_rows " + std::to_string(m.num_rows));
  int64_t rows = 0;
  for (size_t g = 0; g < m.row_groups.size(); ++g) {
    const RowGroupInfo& rg = m.row_groups[g];
    const std::string where = path + ": row group " + std::to_string(g);
    if (rg.num_rows < 0) throw FormatError(where + ": negative num_rows " + std::to_string(rg.num_rows));
    if (rg.num_rows > m.num_rows - rows)
      throw FormatError(where + ": row counts add up past the file's num_rows " + std::to_string(m.num_rows));
    rows += rg.num_rows;
    if (rg.columns.size() != m.columns.size())
      throw FormatError(where + " has " + std::to_string(rg.columns.size()) + " columns, the schema " +
                        std::to_string(m.columns.size()));
    for (size_t c = 0; c < rg.columns.size(); ++c) {
      const ColumnChunkInfo& cc = rg.columns[c];
      const SchemaColumn& sc = m.columns[c];
      if (cc.path != sc.name)
        throw FormatError(where + ", column " + std::to_string(c) + ": path_in_schema '" + cc.path +
                          "' does not match schema column '" + sc.name + "'");
      if (cc.type != sc.type)
        throw FormatError(where + ", column '" + sc.name + "': chunk type " + name_of(cc.type) +
                          " differs from schema type " + name_of(sc.type));
    }
  }
  if (rows != m.num_rows)
    throw FormatError(path + ": row groups hold " + std::to_string(rows) + " rows, FileMetaData.num_rows says " +
                      std::to_string(m.num_rows));
  return m;
}

}  // namespace aesync::parquet
