#include "parquet/parquet_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "parquet/compression.h"
#include "parquet/rle_hybrid_decoder.h"
#include "parquet/thrift_compact_reader.h"
#include "util/error.h"

namespace aesync::parquet {

// ---------------------------------------------------------------------------------------------
// Names

std::string name_of(PhysicalType t) {
  static constexpr const char* kNames[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
                                           "FIXED_LEN_BYTE_ARRAY"};
  const auto i = static_cast<int32_t>(t);
  return i >= 0 && i < 8 ? kNames[i] : std::to_string(i);
}

std::string name_of(Encoding e) {
  static constexpr const char* kNames[] = {"PLAIN", "1", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
                                           "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
                                           "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
  const auto i = static_cast<int32_t>(e);
  return i >= 0 && i < 10 ? kNames[i] : std::to_string(i);
}

std::string name_of(ConvertedType c) {
  static constexpr const char* kNames[] = {
      "UTF8",   "MAP",    "MAP_KEY_VALUE", "LIST",  "ENUM",   "DECIMAL", "DATE",   "TIME_MILLIS",
      "TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8", "UINT_16", "UINT_32", "UINT_64", "INT_8",
      "INT_16", "INT_32", "INT_64", "JSON", "BSON", "INTERVAL"};
  const auto i = static_cast<int32_t>(c);
  return i >= 0 && i < 22 ? kNames[i] : std::to_string(i);
}

std::string name_of(Repetition r) {
  static constexpr const char* kNames[] = {"REQUIRED", "OPTIONAL", "REPEATED"};
  const auto i = static_cast<int32_t>(r);
  return i >= 0 && i < 3 ? kNames[i] : std::to_string(i);
}

int64_t timestamp_to_millis(int64_t value, TimeUnit unit) {
  int64_t div = 1;
  if (unit == TimeUnit::MICROS) div = 1000;
  if (unit == TimeUnit::NANOS) div = 1000000;
  int64_t q = value / div;
  if (value % div < 0) --q;
  return q;
}

ColumnType column_type_of(const SchemaColumn& column) {
  switch (column.type) {
    case PhysicalType::BYTE_ARRAY: return ColumnType::String;
    case PhysicalType::DOUBLE:
    case PhysicalType::FLOAT: return ColumnType::Double;
    case PhysicalType::INT64: return column.timestamp_unit ? ColumnType::Timestamp : ColumnType::Int64;
    case PhysicalType::INT32:
    case PhysicalType::BOOLEAN: return ColumnType::Int64;
    default: break;
  }
  throw FormatError("column '" + column.name + "': physical type " + name_of(column.type) + " is not supported");
}

namespace {

// ---------------------------------------------------------------------------------------------
// Footer (FileMetaData) decoding. Field ids and types are parquet.thrift's; fields we do not
// model are skipped whatever their type.

using FieldHeader = ThriftCompactReader::FieldHeader;

void expect(ThriftCompactReader& r, const FieldHeader& f, ThriftType want, const char* what) {
  const bool ok = f.type == want ||
                  (want == ThriftType::BOOL_TRUE && (f.type == ThriftType::BOOL_TRUE || f.type == ThriftType::BOOL_FALSE));
  if (!ok)
    r.fail(std::string(what) + " has Thrift type " + std::string(thrift_type_name(f.type)) + ", expected " +
           std::string(thrift_type_name(want)));
}

int32_t read_i32_field(ThriftCompactReader& r, const FieldHeader& f, const char* what) {
  expect(r, f, ThriftType::I32, what);
  return r.read_i32();
}

int64_t read_i64_field(ThriftCompactReader& r, const FieldHeader& f, const char* what) {
  expect(r, f, ThriftType::I64, what);
  return r.read_i64();
}

std::string_view read_binary_field(ThriftCompactReader& r, const FieldHeader& f, const char* what) {
  expect(r, f, ThriftType::BINARY, what);
  return r.read_binary();
}

template <class Element>
void read_list_field(ThriftCompactReader& r, const FieldHeader& f, ThriftType elem, const char* what, Element&& element) {
  expect(r, f, ThriftType::LIST, what);
  const auto h = r.read_list_header();
  if (h.size > 0 && h.elem_type != elem)
    r.fail(std::string(what) + " holds " + std::string(thrift_type_name(h.elem_type)) + " elements, expected " +
           std::string(thrift_type_name(elem)));
  for (uint32_t i = 0; i < h.size; ++i) element(i);
}

// Walks a struct's fields, calling field(f) for each; field returns false for fields it does
// not model, which are then skipped.
template <class Field>
void read_struct(ThriftCompactReader& r, Field&& field) {
  r.begin_struct();
  FieldHeader f;
  while (r.next_field(f)) {
    if (!field(f)) r.skip_field(f);
  }
}

std::optional<TimeUnit> read_time_unit(ThriftCompactReader& r) {
  std::optional<TimeUnit> unit;
  read_struct(r, [&](const FieldHeader& f) {
    if (f.type != ThriftType::STRUCT || f.id < 1 || f.id > 3) return false;
    unit = static_cast<TimeUnit>(f.id - 1);  // MILLIS = 1, MICROS = 2, NANOS = 3
    r.skip(ThriftType::STRUCT);              // the unit structs are empty
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
      case 5: {  // DECIMAL {1: scale, 2: precision}
        int32_t scale = 0, precision = 0;
        read_struct(r, [&](const FieldHeader& g) {
          if (g.id == 1) scale = read_i32_field(r, g, "DecimalType.scale");
          else if (g.id == 2) precision = read_i32_field(r, g, "DecimalType.precision");
          else return false;
          return true;
        });
        col.logical_type = "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
        return true;
      }
      case 7:    // TIME {1: isAdjustedToUTC, 2: unit}
      case 8: {  // TIMESTAMP {1: isAdjustedToUTC, 2: unit}
        bool utc = false;
        std::optional<TimeUnit> unit;
        read_struct(r, [&](const FieldHeader& g) {
          if (g.id == 1) {
            expect(r, g, ThriftType::BOOL_TRUE, "isAdjustedToUTC");
            utc = r.read_bool_field(g);
          } else if (g.id == 2) {
            expect(r, g, ThriftType::STRUCT, "TimeUnit");
            unit = read_time_unit(r);
          } else {
            return false;
          }
          return true;
        });
        if (!unit) r.fail("column '" + col.name + "': time unit missing or unknown");
        col.logical_type = std::string(f.id == 7 ? "TIME(" : "TIMESTAMP(") + unit_name(*unit) + (utc ? ",UTC)" : ",local)");
        if (f.id == 8) col.timestamp_unit = unit;
        return true;
      }
      case 10: {  // INTEGER {1: i8 bitWidth, 2: bool isSigned}
        int bits = 0;
        bool is_signed = true;
        read_struct(r, [&](const FieldHeader& g) {
          if (g.id == 1) {
            expect(r, g, ThriftType::I8, "IntType.bitWidth");
            bits = r.read_i8();
          } else if (g.id == 2) {
            expect(r, g, ThriftType::BOOL_TRUE, "IntType.isSigned");
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
      default: break;
    }
    static constexpr const char* kNames[] = {"",     "STRING", "MAP",     "LIST",   "ENUM",    "DECIMAL",
                                             "DATE", "TIME",   "TIMESTAMP", "INTERVAL", "INTEGER", "UNKNOWN",
                                             "JSON", "BSON",   "UUID",    "FLOAT16", "VARIANT", "GEOMETRY",
                                             "GEOGRAPHY"};
    col.logical_type = f.id >= 1 && f.id <= 18 ? kNames[f.id] : "LogicalType(" + std::to_string(f.id) + ")";
    r.skip(ThriftType::STRUCT);
    return true;
  });
}

struct SchemaElement {
  SchemaColumn column;
  bool has_type = false;
  bool has_repetition = false;
  std::optional<int32_t> num_children;
};

SchemaElement read_schema_element(ThriftCompactReader& r) {
  SchemaElement e;
  bool has_name = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case 1:
        e.column.type = static_cast<PhysicalType>(read_i32_field(r, f, "SchemaElement.type"));
        e.has_type = true;
        return true;
      case 2: e.column.type_length = read_i32_field(r, f, "SchemaElement.type_length"); return true;
      case 3:
        e.column.repetition = static_cast<Repetition>(read_i32_field(r, f, "SchemaElement.repetition_type"));
        e.has_repetition = true;
        return true;
      case 4:
        e.column.name = read_binary_field(r, f, "SchemaElement.name");
        has_name = true;
        return true;
      case 5: e.num_children = read_i32_field(r, f, "SchemaElement.num_children"); return true;
      case 6:
        e.column.converted_type = static_cast<ConvertedType>(read_i32_field(r, f, "SchemaElement.converted_type"));
        return true;
      case 10:
        expect(r, f, ThriftType::STRUCT, "SchemaElement.logicalType");
        read_logical_type(r, e.column);
        return true;
      default: return false;
    }
  });
  if (!has_name) r.fail("schema element without a name");
  return e;
}

Statistics read_statistics(ThriftCompactReader& r) {
  Statistics s;
  std::optional<std::string> old_min, old_max;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case 1: old_max = read_binary_field(r, f, "Statistics.max"); return true;
      case 2: old_min = read_binary_field(r, f, "Statistics.min"); return true;
      case 3: s.null_count = read_i64_field(r, f, "Statistics.null_count"); return true;
      case 4: s.distinct_count = read_i64_field(r, f, "Statistics.distinct_count"); return true;
      case 5: s.max_value = read_binary_field(r, f, "Statistics.max_value"); return true;
      case 6: s.min_value = read_binary_field(r, f, "Statistics.min_value"); return true;
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
  bool has_type = false, has_codec = false, has_num_values = false, has_data_page_offset = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case 1:
        c.type = static_cast<PhysicalType>(read_i32_field(r, f, "ColumnMetaData.type"));
        has_type = true;
        return true;
      case 2:
        read_list_field(r, f, ThriftType::I32, "ColumnMetaData.encodings",
                        [&](uint32_t) { c.encodings.push_back(static_cast<Encoding>(r.read_i32())); });
        return true;
      case 3:
        c.path.clear();
        read_list_field(r, f, ThriftType::BINARY, "ColumnMetaData.path_in_schema", [&](uint32_t i) {
          if (i > 0) c.path.push_back('.');
          c.path.append(r.read_binary());
        });
        return true;
      case 4:
        c.codec = static_cast<Codec>(read_i32_field(r, f, "ColumnMetaData.codec"));
        has_codec = true;
        return true;
      case 5:
        c.num_values = read_i64_field(r, f, "ColumnMetaData.num_values");
        has_num_values = true;
        return true;
      case 6: c.total_uncompressed_size = read_i64_field(r, f, "ColumnMetaData.total_uncompressed_size"); return true;
      case 7: c.total_compressed_size = read_i64_field(r, f, "ColumnMetaData.total_compressed_size"); return true;
      case 9:
        c.data_page_offset = read_i64_field(r, f, "ColumnMetaData.data_page_offset");
        has_data_page_offset = true;
        return true;
      case 11: c.dictionary_page_offset = read_i64_field(r, f, "ColumnMetaData.dictionary_page_offset"); return true;
      case 12:
        expect(r, f, ThriftType::STRUCT, "ColumnMetaData.statistics");
        c.statistics = read_statistics(r);
        return true;
      default: return false;
    }
  });
  if (!has_type || !has_codec || !has_num_values || !has_data_page_offset)
    r.fail("ColumnMetaData of column '" + c.path + "' lacks a required field (type, codec, num_values, data_page_offset)");
}

ColumnChunkInfo read_column_chunk(ThriftCompactReader& r, size_t rg, size_t col) {
  ColumnChunkInfo c;
  bool has_meta = false;
  std::string file_path;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case 1: file_path = read_binary_field(r, f, "ColumnChunk.file_path"); return true;
      case 3:
        expect(r, f, ThriftType::STRUCT, "ColumnChunk.meta_data");
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
  RowGroupInfo g;
  bool has_columns = false, has_rows = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case 1:
        has_columns = true;
        read_list_field(r, f, ThriftType::STRUCT, "RowGroup.columns",
                        [&](uint32_t i) { g.columns.push_back(read_column_chunk(r, rg, i)); });
        return true;
      case 2: g.total_byte_size = read_i64_field(r, f, "RowGroup.total_byte_size"); return true;
      case 3:
        g.num_rows = read_i64_field(r, f, "RowGroup.num_rows");
        has_rows = true;
        return true;
      case 5: g.file_offset = read_i64_field(r, f, "RowGroup.file_offset"); return true;
      default: return false;
    }
  });
  if (!has_columns || !has_rows) r.fail("row group " + std::to_string(rg) + " lacks its columns or num_rows");
  return g;
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
    }
    columns.push_back(std::move(e.column));
  }
  const int32_t declared = elements[0].num_children.value_or(-1);
  if (declared != static_cast<int32_t>(columns.size()))
    throw FormatError(path + ": schema root declares " + std::to_string(declared) + " children but " +
                      std::to_string(columns.size()) + " leaf elements follow");
  return columns;
}

FileMetadata read_file_metadata(ThriftCompactReader& r, const std::string& path) {
  FileMetadata m;
  std::vector<SchemaElement> elements;
  bool has_version = false, has_schema = false, has_rows = false, has_row_groups = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case 1:
        m.version = read_i32_field(r, f, "FileMetaData.version");
        has_version = true;
        return true;
      case 2:
        has_schema = true;
        read_list_field(r, f, ThriftType::STRUCT, "FileMetaData.schema",
                        [&](uint32_t) { elements.push_back(read_schema_element(r)); });
        return true;
      case 3:
        m.num_rows = read_i64_field(r, f, "FileMetaData.num_rows");
        has_rows = true;
        return true;
      case 4:
        has_row_groups = true;
        read_list_field(r, f, ThriftType::STRUCT, "FileMetaData.row_groups",
                        [&](uint32_t i) { m.row_groups.push_back(read_row_group_info(r, i)); });
        return true;
      case 6: m.created_by = read_binary_field(r, f, "FileMetaData.created_by"); return true;
      case 7:
        expect(r, f, ThriftType::LIST, "FileMetaData.column_orders");
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

// ---------------------------------------------------------------------------------------------
// Pages

struct PageHeader {
  PageType type{};
  int32_t uncompressed_size = -1;
  int32_t compressed_size = -1;
  // DATA_PAGE / DATA_PAGE_V2 / DICTIONARY_PAGE
  int32_t num_values = -1;
  Encoding encoding{};
  Encoding definition_level_encoding = Encoding::RLE;
  // DATA_PAGE_V2
  int32_t num_nulls = 0;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
  bool has_type_header = false;
};

void read_data_page_header(ThriftCompactReader& r, PageHeader& h) {
  bool has_num = false, has_enc = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case 1: h.num_values = read_i32_field(r, f, "DataPageHeader.num_values"), has_num = true; return true;
      case 2: h.encoding = static_cast<Encoding>(read_i32_field(r, f, "DataPageHeader.encoding")), has_enc = true; return true;
      case 3:
        h.definition_level_encoding = static_cast<Encoding>(read_i32_field(r, f, "DataPageHeader.definition_level_encoding"));
        return true;
      default: return false;
    }
  });
  if (!has_num || !has_enc) r.fail("DataPageHeader lacks num_values or encoding");
  h.has_type_header = true;
}

void read_data_page_header_v2(ThriftCompactReader& r, PageHeader& h) {
  bool has_num = false, has_enc = false, has_def = false, has_rep = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case 1: h.num_values = read_i32_field(r, f, "DataPageHeaderV2.num_values"), has_num = true; return true;
      case 2: h.num_nulls = read_i32_field(r, f, "DataPageHeaderV2.num_nulls"); return true;
      case 4: h.encoding = static_cast<Encoding>(read_i32_field(r, f, "DataPageHeaderV2.encoding")), has_enc = true; return true;
      case 5:
        h.definition_levels_byte_length = read_i32_field(r, f, "DataPageHeaderV2.definition_levels_byte_length");
        has_def = true;
        return true;
      case 6:
        h.repetition_levels_byte_length = read_i32_field(r, f, "DataPageHeaderV2.repetition_levels_byte_length");
        has_rep = true;
        return true;
      case 7:
        expect(r, f, ThriftType::BOOL_TRUE, "DataPageHeaderV2.is_compressed");
        h.is_compressed = r.read_bool_field(f);
        return true;
      default: return false;
    }
  });
  if (!has_num || !has_enc || !has_def || !has_rep)
    r.fail("DataPageHeaderV2 lacks num_values, encoding or a levels byte length");
  if (h.definition_levels_byte_length < 0 || h.repetition_levels_byte_length < 0 || h.num_nulls < 0)
    r.fail("DataPageHeaderV2 has a negative levels length or null count");
  h.has_type_header = true;
}

void read_dictionary_page_header(ThriftCompactReader& r, PageHeader& h) {
  bool has_num = false;
  h.encoding = Encoding::PLAIN;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case 1: h.num_values = read_i32_field(r, f, "DictionaryPageHeader.num_values"), has_num = true; return true;
      case 2: h.encoding = static_cast<Encoding>(read_i32_field(r, f, "DictionaryPageHeader.encoding")); return true;
      default: return false;
    }
  });
  if (!has_num) r.fail("DictionaryPageHeader lacks num_values");
  h.has_type_header = true;
}

PageHeader read_page_header(ThriftCompactReader& r) {
  PageHeader h;
  bool has_type = false, has_u = false, has_c = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case 1: h.type = static_cast<PageType>(read_i32_field(r, f, "PageHeader.type")), has_type = true; return true;
      case 2: h.uncompressed_size = read_i32_field(r, f, "PageHeader.uncompressed_page_size"), has_u = true; return true;
      case 3: h.compressed_size = read_i32_field(r, f, "PageHeader.compressed_page_size"), has_c = true; return true;
      case 5:
        if (h.type != PageType::DATA_PAGE) return false;
        expect(r, f, ThriftType::STRUCT, "PageHeader.data_page_header");
        read_data_page_header(r, h);
        return true;
      case 7:
        if (h.type != PageType::DICTIONARY_PAGE) return false;
        expect(r, f, ThriftType::STRUCT, "PageHeader.dictionary_page_header");
        read_dictionary_page_header(r, h);
        return true;
      case 8:
        if (h.type != PageType::DATA_PAGE_V2) return false;
        expect(r, f, ThriftType::STRUCT, "PageHeader.data_page_header_v2");
        read_data_page_header_v2(r, h);
        return true;
      default: return false;
    }
  });
  if (!has_type || !has_u || !has_c) r.fail("PageHeader lacks type or sizes");
  if (h.uncompressed_size < 0 || h.compressed_size < 0) r.fail("PageHeader has a negative page size");
  if (h.num_values < -1) r.fail("page header has a negative num_values");
  return h;
}

uint32_t load_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);  // Parquet is little-endian, as is every target we build for
  return v;
}
uint64_t load_u64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// DELTA_BINARY_PACKED (Encodings.md): a header <block size> <miniblocks per block> <value
// count> <first value>, then blocks of <min delta> <one bit width per miniblock> <miniblocks>.
// Deltas are added with wrap-around in 64 bits (INT32 columns truncate afterwards). Decodes the
// first `n` values into `out`; returns an error message, empty on success.
class DeltaBinaryPackedDecoder {
 public:
  explicit DeltaBinaryPackedDecoder(std::string_view data) : data_(data) {}

  std::string decode(size_t n, std::vector<uint64_t>& out) {
    out.resize(n);
    uint64_t block_size, miniblocks, total, first;
    if (!uleb(block_size) || !uleb(miniblocks) || !uleb(total) || !zigzag(first)) return "truncated header";
    if (block_size == 0 || block_size % 128 != 0 || block_size > (uint64_t{1} << 31) || miniblocks == 0 ||
        block_size % miniblocks != 0 ||
        (block_size / miniblocks) % 32 != 0)
      return "invalid block size " + std::to_string(block_size) + " / miniblocks " + std::to_string(miniblocks);
    if (total < n) return "holds " + std::to_string(total) + " values, the page needs " + std::to_string(n);
    if (n == 0) return {};
    const uint64_t per_mini = block_size / miniblocks;
    uint64_t value = first;
    out[0] = value;
    size_t k = 1;
    while (k < n) {
      uint64_t min_delta;
      if (!zigzag(min_delta)) return "truncated block header";
      if (miniblocks > data_.size() - pos_) return "truncated miniblock bit widths";
      const size_t widths = pos_;
      pos_ += miniblocks;
      for (uint64_t m = 0; m < miniblocks && k < n; ++m) {
        const unsigned w = static_cast<uint8_t>(data_[widths + m]);
        if (w > 64) return "miniblock bit width " + std::to_string(w) + " exceeds 64";
        const uint64_t bytes = per_mini * w / 8;
        const size_t avail = data_.size() - pos_;
        const uint64_t take = std::min<uint64_t>(per_mini, n - k);
        // Values past the last one needed may be missing; the ones we read must be present.
        if ((take * w + 7) / 8 > avail) return "truncated miniblock";
        for (uint64_t j = 0; j < take; ++j) {
          value += min_delta + bits(pos_, j * w, w);
          out[k++] = value;
        }
        pos_ += std::min<uint64_t>(bytes, avail);
      }
    }
    return {};
  }

 private:
  bool uleb(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool zigzag(uint64_t& v) {
    uint64_t u;
    if (!uleb(u)) return false;
    v = (u >> 1) ^ (~(u & 1) + 1);
    return true;
  }
  // `w` bits (LSB first) at bit `bit` after byte `start`; the caller checked they exist.
  uint64_t bits(size_t start, uint64_t bit, unsigned w) const {
    if (w == 0) return 0;
    size_t byte = start + static_cast<size_t>(bit / 8);
    unsigned shift = static_cast<unsigned>(bit % 8);
    uint64_t v = 0;
    for (unsigned got = 0; got < w; ++byte) {
      v |= (static_cast<uint64_t>(static_cast<uint8_t>(data_[byte])) >> shift) << got;
      got += 8 - shift;
      shift = 0;
    }
    return w == 64 ? v : v & ((uint64_t{1} << w) - 1);
  }

  std::string_view data_;
  size_t pos_ = 0;
};

// The memory a row group may decode into. Run-length and dictionary encodings let a few bytes
// stand for any number of values (one RLE run of 2^31 - 1 dictionary indices is six bytes), so
// the counts in a hostile file cannot size anything by themselves: every page is charged
// before it allocates (its values, its decompressed size, the string bytes it expands to), and
// the row group fails once the charges pass max(kMinDecodeBudget, kDecodeExpansion x file
// size). The floor keeps small, highly repetitive files readable (aesync's own 262,144-row
// groups of constant columns decode to less); 1024x is far above what real data compresses by.
constexpr uint64_t kMinDecodeBudget = uint64_t{256} << 20;
constexpr uint64_t kDecodeExpansion = 1024;
// Charged per value of a page: its output (8 bytes, or a 4-byte string offset, + 1 defined
// flag) and the page's scratch arrays (definition levels, indices or deltas).
constexpr uint64_t kBytesPerValue = 16;

struct DecodeBudget {
  uint64_t limit = 0;
  uint64_t used = 0;
  uint64_t file_size = 0;
};

// Decodes one column chunk's pages into a ColumnBuffer.
class ChunkDecoder {
 public:
  ChunkDecoder(const SchemaColumn& column, const ColumnChunkInfo& chunk, size_t rg, ColumnBuffer& out,
               DecodeBudget& budget)
      : col_(column), chunk_(chunk), out_(out), budget_(budget),
        where_("row group " + std::to_string(rg) + ", column '" + column.name + "'") {}

  // `data` holds the chunk's bytes, which start at file offset `base`.
  void decode(std::string_view data, uint64_t base) {
    const uint64_t want = static_cast<uint64_t>(chunk_.num_values);
    size_t pos = 0;
    bool first_page = true;
    while (values_ < want) {
      if (pos >= data.size())
        fail("column chunk ends at byte offset " + std::to_string(base + data.size()) + " after " +
             std::to_string(values_) + " of " + std::to_string(want) + " values");
      const uint64_t page_offset = base + pos;
      ThriftCompactReader r(data.substr(pos), page_offset, where_ + ": page header");
      const PageHeader h = read_page_header(r);
      pos += r.position();
      if (static_cast<uint64_t>(h.compressed_size) > data.size() - pos)
        fail("page at byte offset " + std::to_string(page_offset) + " is truncated: its body needs " +
             std::to_string(h.compressed_size) + " bytes, the column chunk has " + std::to_string(data.size() - pos) +
             " left");
      const std::string_view body = data.substr(pos, static_cast<size_t>(h.compressed_size));
      pos += body.size();
      page_where_ = where_ + ", page at byte offset " + std::to_string(page_offset);
      switch (h.type) {
        case PageType::DICTIONARY_PAGE:
          if (!first_page) page_fail("a dictionary page must be the chunk's first page");
          require_type_header(h);
          read_dictionary(h, body);
          break;
        case PageType::DATA_PAGE:
          require_type_header(h);
          read_data_page_v1(h, body, want);
          break;
        case PageType::DATA_PAGE_V2:
          require_type_header(h);
          read_data_page_v2(h, body, want);
          break;
        default: break;  // index pages and unknown page types carry no values
      }
      first_page = false;
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw FormatError(where_ + ": " + what); }
  [[noreturn]] void page_fail(const std::string& what) const { throw FormatError(page_where_ + ": " + what); }

  // Whether `bytes` more fit in the row group's budget (see DecodeBudget).
  bool fits(uint64_t bytes) const { return bytes <= budget_.limit - budget_.used; }
  [[noreturn]] void over_budget(uint64_t bytes) const {
    page_fail("decoding needs " + std::to_string(bytes) + " more bytes, past the row group's limit of " +
              std::to_string(budget_.limit) + " (" + std::to_string(kDecodeExpansion) + " times the file's " +
              std::to_string(budget_.file_size) + " bytes, at least " + std::to_string(kMinDecodeBudget >> 20) +
              " MiB)");
  }
  void charge(uint64_t bytes) {
    if (!fits(bytes)) over_budget(bytes);
    budget_.used += bytes;
  }
  // String bytes about to be appended: charged, and kept addressable by the 32-bit offsets.
  void charge_strings(uint64_t bytes) {
    if (bytes > UINT32_MAX - out_.bytes.size())
      page_fail("column strings pass 4 GiB (" + std::to_string(out_.bytes.size() + bytes) + " bytes)");
    charge(bytes);
  }

  void require_type_header(const PageHeader& h) const {
    if (!h.has_type_header) page_fail("page header lacks the header for its page type");
  }

  std::string_view decompressed(std::string_view compressed, size_t uncompressed_size) {
    if (chunk_.codec == Codec::UNCOMPRESSED) {
      if (compressed.size() != uncompressed_size)
        page_fail("uncompressed page of " + std::to_string(compressed.size()) + " bytes declares " +
                  std::to_string(uncompressed_size));
      return compressed;
    }
    // The page buffer is reused, not kept: it must fit next to what is decoded, not be charged.
    if (!fits(uncompressed_size)) over_budget(uncompressed_size);
    try {
      decompress_into(chunk_.codec, compressed, uncompressed_size, page_buffer_);
    } catch (const FormatError& e) {
      page_fail(e.what());
    }
    if (page_buffer_.size() != uncompressed_size)
      page_fail("decompressed to " + std::to_string(page_buffer_.size()) + " bytes, the header says " +
                std::to_string(uncompressed_size));
    return page_buffer_;
  }

  // Plain-encoded dictionary entries, converted once to the output representation.
  void read_dictionary(const PageHeader& h, std::string_view body) {
    if (h.encoding != Encoding::PLAIN && h.encoding != Encoding::PLAIN_DICTIONARY)
      page_fail("dictionary page encoding " + name_of(h.encoding) + " is not supported");
    if (h.num_values < 0) page_fail("dictionary page has a negative num_values");
    const std::string_view data = decompressed(body, static_cast<size_t>(h.uncompressed_size));
    // Kept for the whole chunk: entries (FLOAT widens to 8 bytes) and string offsets.
    charge(2 * static_cast<uint64_t>(data.size()));
    const auto n = static_cast<size_t>(h.num_values);
    dict_size_ = n;
    has_dict_ = true;
    size_t pos = 0;
    switch (col_.type) {
      case PhysicalType::BYTE_ARRAY:
        dict_bytes_.clear();
        dict_offsets_.assign(1, 0);
        for (size_t i = 0; i < n; ++i) {
          const std::string_view v = plain_byte_array(data, pos, i, "dictionary entry");
          dict_bytes_.append(v);
          dict_offsets_.push_back(static_cast<uint32_t>(dict_bytes_.size()));
        }
        break;
      case PhysicalType::DOUBLE:
      case PhysicalType::FLOAT:
        dict_doubles_.clear();
        need_fixed(data, pos, n, "dictionary page");
        for (size_t i = 0; i < n; ++i) dict_doubles_.push_back(plain_double(data, pos));
        break;
      case PhysicalType::INT64:
      case PhysicalType::INT32:
        dict_ints_.clear();
        need_fixed(data, pos, n, "dictionary page");
        for (size_t i = 0; i < n; ++i) dict_ints_.push_back(plain_int(data, pos));
        break;
      default: page_fail("dictionary for physical type " + name_of(col_.type) + " is not supported");
    }
  }

  void read_data_page_v1(const PageHeader& h, std::string_view body, uint64_t want) {
    const size_t n = page_values(h, want);
    const std::string_view data = decompressed(body, static_cast<size_t>(h.uncompressed_size));
    size_t pos = 0;
    const uint32_t* levels = nullptr;
    if (col_.repetition == Repetition::OPTIONAL) {
      levels_.resize(n);
      if (h.definition_level_encoding == Encoding::RLE) {
        if (data.size() < 4) page_fail("definition levels: missing 4-byte length");
        const uint32_t len = load_u32(data.data());
        if (len > data.size() - 4)
          page_fail("definition levels length " + std::to_string(len) + " exceeds the page's remaining " +
                    std::to_string(data.size() - 4) + " bytes");
        RleHybridDecoder d(data.substr(4, len), 1);
        if (!d.decode(levels_.data(), n)) page_fail("definition levels end before " + std::to_string(n) + " values");
        pos = 4 + len;
      } else if (h.definition_level_encoding == Encoding::BIT_PACKED) {
        // Deprecated: one bit per level, most significant bit first, no length prefix.
        const size_t bytes = (n + 7) / 8;
        if (bytes > data.size()) page_fail("definition levels end before " + std::to_string(n) + " values");
        for (size_t i = 0; i < n; ++i) levels_[i] = (static_cast<uint8_t>(data[i / 8]) >> (7 - i % 8)) & 1;
        pos = bytes;
      } else {
        page_fail("definition level encoding " + name_of(h.definition_level_encoding) + " is not supported");
      }
      levels = levels_.data();
    }
    read_values(h.encoding, data.substr(pos), levels, n);
    values_ += n;
  }

  void read_data_page_v2(const PageHeader& h, std::string_view body, uint64_t want) {
    const size_t n = page_values(h, want);
    const auto rep_len = static_cast<size_t>(h.repetition_levels_byte_length);
    const auto def_len = static_cast<size_t>(h.definition_levels_byte_length);
    if (rep_len > body.size() || def_len > body.size() - rep_len)
      page_fail("levels of " + std::to_string(rep_len + def_len) + " bytes exceed the page body of " +
                std::to_string(body.size()) + " bytes");
    if (static_cast<size_t>(h.uncompressed_size) < rep_len + def_len)
      page_fail("uncompressed_page_size " + std::to_string(h.uncompressed_size) + " is smaller than the levels");
    // Levels come first and are never compressed; rep levels are absent for flat columns.
    const std::string_view def = body.substr(rep_len, def_len);
    const uint32_t* levels = nullptr;
    if (col_.repetition == Repetition::OPTIONAL) {
      levels_.resize(n);
      RleHybridDecoder d(def, 1);
      if (!d.decode(levels_.data(), n)) page_fail("definition levels end before " + std::to_string(n) + " values");
      levels = levels_.data();
    }
    const std::string_view values_body = body.substr(rep_len + def_len);
    const size_t values_size = static_cast<size_t>(h.uncompressed_size) - rep_len - def_len;
    const std::string_view data = h.is_compressed ? decompressed(values_body, values_size) : values_body;
    const size_t nulls = read_values(h.encoding, data, levels, n);
    if (nulls != static_cast<size_t>(h.num_nulls))
      page_fail("the page header counts " + std::to_string(h.num_nulls) + " nulls, the definition levels " +
                std::to_string(nulls));
    values_ += n;
  }

  size_t page_values(const PageHeader& h, uint64_t want) {
    if (h.num_values < 0) page_fail("data page has a negative num_values");
    if (static_cast<uint64_t>(h.num_values) > want - values_)
      page_fail("page holds " + std::to_string(h.num_values) + " values, more than the " +
                std::to_string(want - values_) + " the column chunk has left");
    charge(static_cast<uint64_t>(h.num_values) * kBytesPerValue);
    return static_cast<size_t>(h.num_values);
  }

  // Appends n values (levels[i] == 0: NULL) and returns the number of NULLs.
  size_t read_values(Encoding enc, std::string_view data, const uint32_t* levels, size_t n) {
    size_t present = n;
    if (levels) {
      present = 0;
      for (size_t i = 0; i < n; ++i) {
        if (levels[i] > 1) page_fail("definition level " + std::to_string(levels[i]) + " exceeds the maximum 1");
        present += levels[i];
      }
    }
    switch (enc) {
      case Encoding::PLAIN: read_plain(data, levels, n, present); break;
      case Encoding::PLAIN_DICTIONARY:
      case Encoding::RLE_DICTIONARY: read_dictionary_indices(data, levels, n, present); break;
      case Encoding::DELTA_BINARY_PACKED: read_delta_binary_packed(data, levels, n, present); break;
      case Encoding::RLE:
        if (col_.type != PhysicalType::BOOLEAN) page_fail("RLE encoding is only supported for BOOLEAN values");
        read_rle_booleans(data, levels, n, present);
        break;
      default: page_fail("encoding " + name_of(enc) + " is not supported");
    }
    return n - present;
  }

  // Calls value(k) for the k-th present value, append_null() for the others.
  template <class Value>
  void emit(const uint32_t* levels, size_t n, Value&& value) {
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
      if (levels && levels[i] == 0) {
        out_.append_null();
      } else {
        value(k++);
      }
    }
  }

  size_t fixed_width() const {
    switch (col_.type) {
      case PhysicalType::INT32:
      case PhysicalType::FLOAT: return 4;
      case PhysicalType::INT64:
      case PhysicalType::DOUBLE: return 8;
      default: return 0;
    }
  }

  void need_fixed(std::string_view data, size_t pos, size_t count, const char* what) const {
    const size_t w = fixed_width();
    if (count > (data.size() - pos) / w)
      page_fail(std::string(what) + " needs " + std::to_string(count) + " values of " + std::to_string(w) +
                " bytes, the page holds " + std::to_string(data.size() - pos) + " bytes");
  }

  // Fixed-width readers; need_fixed() has checked the bytes exist.
  double plain_double(std::string_view data, size_t& pos) const {
    if (col_.type == PhysicalType::FLOAT) {
      const uint32_t bits = load_u32(data.data() + pos);
      pos += 4;
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    const uint64_t bits = load_u64(data.data() + pos);
    pos += 8;
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }

  int64_t plain_int(std::string_view data, size_t& pos) const {
    if (col_.type == PhysicalType::INT32) {
      const uint32_t bits = load_u32(data.data() + pos);
      pos += 4;
      return int_value(bits);
    }
    const uint64_t bits = load_u64(data.data() + pos);
    pos += 8;
    return int_value(bits);
  }

  // The Int64/Timestamp value of an INT32 (low 32 bits) or INT64 column's raw bits.
  int64_t int_value(uint64_t bits) const {
    if (col_.type == PhysicalType::INT32) {
      const auto low = static_cast<uint32_t>(bits);
      return col_.is_unsigned ? int64_t{low} : int64_t{static_cast<int32_t>(low)};
    }
    const auto v = static_cast<int64_t>(bits);
    return col_.timestamp_unit ? timestamp_to_millis(v, *col_.timestamp_unit) : v;
  }

  std::string_view plain_byte_array(std::string_view data, size_t& pos, size_t i, const char* what) const {
    if (data.size() - pos < 4)
      page_fail(std::string(what) + " " + std::to_string(i) + ": length prefix past the end of the page");
    const uint32_t len = load_u32(data.data() + pos);
    pos += 4;
    if (len > data.size() - pos)
      page_fail(std::string(what) + " " + std::to_string(i) + ": length " + std::to_string(len) +
                " exceeds the page's remaining " + std::to_string(data.size() - pos) + " bytes");
    const std::string_view v = data.substr(pos, len);
    pos += len;
    return v;
  }

  void read_plain(std::string_view data, const uint32_t* levels, size_t n, size_t present) {
    size_t pos = 0;
    switch (col_.type) {
      case PhysicalType::BYTE_ARRAY:
        charge_strings(data.size());  // the strings are at most the page's bytes
        emit(levels, n, [&](size_t k) { out_.append_string(plain_byte_array(data, pos, k, "value")); });
        break;
      case PhysicalType::DOUBLE:
      case PhysicalType::FLOAT:
        need_fixed(data, 0, present, "PLAIN data");
        emit(levels, n, [&](size_t) { out_.append_double(plain_double(data, pos)); });
        break;
      case PhysicalType::INT64:
      case PhysicalType::INT32:
        need_fixed(data, 0, present, "PLAIN data");
        emit(levels, n, [&](size_t) { out_.append_int(plain_int(data, pos)); });
        break;
      case PhysicalType::BOOLEAN:
        if (present > data.size() * 8)
          page_fail("PLAIN booleans need " + std::to_string((present + 7) / 8) + " bytes, the page holds " +
                    std::to_string(data.size()));
        // Booleans are bit-packed LSB first, continuing across the page.
        emit(levels, n, [&](size_t k) { out_.append_int((static_cast<uint8_t>(data[k / 8]) >> (k % 8)) & 1); });
        break;
      default: page_fail("physical type " + name_of(col_.type) + " is not supported");
    }
  }

  void read_rle_booleans(std::string_view data, const uint32_t* levels, size_t n, size_t present) {
    if (data.size() < 4) page_fail("RLE booleans: missing 4-byte length");
    const uint32_t len = load_u32(data.data());
    if (len > data.size() - 4) page_fail("RLE booleans: length " + std::to_string(len) + " exceeds the page");
    indices_.resize(present);
    RleHybridDecoder d(data.substr(4, len), 1);
    if (!d.decode(indices_.data(), present)) page_fail("RLE booleans end before " + std::to_string(present) + " values");
    emit(levels, n, [&](size_t k) { out_.append_int(indices_[k]); });
  }

  void read_delta_binary_packed(std::string_view data, const uint32_t* levels, size_t n, size_t present) {
    if (col_.type != PhysicalType::INT32 && col_.type != PhysicalType::INT64)
      page_fail("DELTA_BINARY_PACKED is only supported for INT32 and INT64 values");
    const std::string err = DeltaBinaryPackedDecoder(data).decode(present, deltas_);
    if (!err.empty()) page_fail("DELTA_BINARY_PACKED: " + err);
    emit(levels, n, [&](size_t k) { out_.append_int(int_value(deltas_[k])); });
  }

  void read_dictionary_indices(std::string_view data, const uint32_t* levels, size_t n, size_t present) {
    if (!has_dict_) page_fail("dictionary-encoded page without a dictionary page");
    indices_.resize(present);
    if (present > 0) {
      if (data.empty()) page_fail("dictionary indices: missing bit width");
      const int bit_width = static_cast<uint8_t>(data[0]);
      if (bit_width > 32) page_fail("dictionary indices: bit width " + std::to_string(bit_width) + " exceeds 32");
      RleHybridDecoder d(data.substr(1), bit_width);
      if (!d.decode(indices_.data(), present))
        page_fail("dictionary indices end before " + std::to_string(present) + " values");
      for (size_t k = 0; k < present; ++k) {
        if (indices_[k] >= dict_size_)
          fail("dictionary index " + std::to_string(indices_[k]) + " out of range (dictionary has " +
               std::to_string(dict_size_) + " entries)");
      }
    }
    switch (col_.type) {
      case PhysicalType::BYTE_ARRAY: {
        // A long entry repeated by a run of indices is the other way to expand a few bytes.
        uint64_t bytes = 0;
        for (size_t k = 0; k < present; ++k) bytes += dict_offsets_[indices_[k] + 1] - dict_offsets_[indices_[k]];
        charge_strings(bytes);
        emit(levels, n, [&](size_t k) {
          const uint32_t i = indices_[k];
          out_.append_string(std::string_view(dict_bytes_).substr(dict_offsets_[i], dict_offsets_[i + 1] - dict_offsets_[i]));
        });
        break;
      }
      case PhysicalType::DOUBLE:
      case PhysicalType::FLOAT: emit(levels, n, [&](size_t k) { out_.append_double(dict_doubles_[indices_[k]]); }); break;
      case PhysicalType::INT64:
      case PhysicalType::INT32: emit(levels, n, [&](size_t k) { out_.append_int(dict_ints_[indices_[k]]); }); break;
      default: page_fail("dictionary encoding for physical type " + name_of(col_.type) + " is not supported");
    }
  }

  const SchemaColumn& col_;
  const ColumnChunkInfo& chunk_;
  ColumnBuffer& out_;
  DecodeBudget& budget_;
  std::string where_;
  std::string page_where_;
  uint64_t values_ = 0;

  std::string page_buffer_;          // the current page, decompressed
  std::vector<uint32_t> levels_;     // definition levels of the current page
  std::vector<uint32_t> indices_;    // dictionary indices / RLE booleans of the current page
  std::vector<uint64_t> deltas_;     // DELTA_BINARY_PACKED values of the current page
  bool has_dict_ = false;
  size_t dict_size_ = 0;
  std::string dict_bytes_;
  std::vector<uint32_t> dict_offsets_;
  std::vector<double> dict_doubles_;
  std::vector<int64_t> dict_ints_;
};

// ---------------------------------------------------------------------------------------------
// File access

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_file(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) throw StorageError("cannot open " + path + ": " + std::strerror(errno));
  return f;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ParquetReader

ParquetReader::ParquetReader(const std::string& path) : path_(path) {
  File f = open_file(path);
  if (fseeko(f.get(), 0, SEEK_END) != 0) throw StorageError("cannot seek in " + path + ": " + std::strerror(errno));
  const off_t size = ftello(f.get());
  if (size < 0) throw StorageError("cannot size " + path + ": " + std::strerror(errno));
  meta_.file_size = static_cast<uint64_t>(size);
  parse_footer();
}

ParquetReader ParquetReader::from_bytes(std::string bytes, std::string name) {
  ParquetReader r;
  r.path_ = std::move(name);
  r.meta_.file_size = bytes.size();
  r.bytes_ = std::make_shared<const std::string>(std::move(bytes));
  r.parse_footer();
  return r;
}

std::string ParquetReader::read_range(uint64_t offset, uint64_t size) const {
  if (bytes_) return bytes_->substr(offset, size);
  File f = open_file(path_);
  std::string out(size, '\0');
  if (fseeko(f.get(), static_cast<off_t>(offset), SEEK_SET) != 0 ||
      std::fread(out.data(), 1, out.size(), f.get()) != out.size())
    throw StorageError("cannot read " + std::to_string(size) + " bytes at offset " + std::to_string(offset) + " of " +
                       path_ + (std::ferror(f.get()) ? std::string(": ") + std::strerror(errno) : ": file shrank"));
  return out;
}

void ParquetReader::parse_footer() {
  const uint64_t size = meta_.file_size;
  if (size < 12)
    throw FormatError(path_ + ": file of " + std::to_string(size) + " bytes is too small to be Parquet (needs at least 12)");
  const std::string head = read_range(0, 4);
  const std::string tail = read_range(size - 8, 8);
  if (std::memcmp(head.data(), kMagic, 4) != 0) throw FormatError(path_ + ": no PAR1 magic at byte offset 0");
  if (tail.compare(4, 4, "PARE") == 0) throw FormatError(path_ + ": encrypted footers are not supported");
  if (std::memcmp(tail.data() + 4, kMagic, 4) != 0)
    throw FormatError(path_ + ": no PAR1 magic at byte offset " + std::to_string(size - 4));
  const uint32_t footer_len = load_u32(tail.data());
  if (footer_len == 0 || footer_len > size - 12)
    throw FormatError(path_ + ": footer length " + std::to_string(footer_len) + " (at byte offset " +
                      std::to_string(size - 8) + ") does not fit in the file of " + std::to_string(size) + " bytes");
  const uint64_t footer_start = size - 8 - footer_len;
  const std::string footer = read_range(footer_start, footer_len);
  ThriftCompactReader r(footer, footer_start, path_ + ": footer");
  const uint64_t file_size = meta_.file_size;
  meta_ = read_file_metadata(r, path_);
  meta_.file_size = file_size;

  // Every chunk must lie between the leading magic and the footer.
  for (size_t g = 0; g < meta_.row_groups.size(); ++g) {
    for (const ColumnChunkInfo& c : meta_.row_groups[g].columns) {
      const std::string where = path_ + ": row group " + std::to_string(g) + ", column '" + c.path + "'";
      if (c.num_values != meta_.row_groups[g].num_rows)
        throw FormatError(where + ": num_values " + std::to_string(c.num_values) + " differs from the row group's " +
                          std::to_string(meta_.row_groups[g].num_rows) + " rows");
      int64_t start = c.data_page_offset;
      if (c.dictionary_page_offset && *c.dictionary_page_offset > 0 && *c.dictionary_page_offset < start)
        start = *c.dictionary_page_offset;
      const auto limit = static_cast<int64_t>(footer_start);
      if (start < 4 || c.total_compressed_size < 0 || start > limit || c.total_compressed_size > limit - start)
        throw FormatError(where + ": column chunk at byte offset " + std::to_string(start) + " of " +
                          std::to_string(c.total_compressed_size) + " bytes lies outside the data (bytes 4 to " +
                          std::to_string(limit) + ")");
    }
  }
}

RowBatch ParquetReader::read_row_group(size_t index) const {
  if (index >= meta_.row_groups.size())
    throw FormatError(path_ + ": row group " + std::to_string(index) + " does not exist (the file has " +
                      std::to_string(meta_.row_groups.size()) + ")");
  const RowGroupInfo& rg = meta_.row_groups[index];
  DecodeBudget budget;
  budget.file_size = meta_.file_size;
  budget.limit = std::max(kMinDecodeBudget, meta_.file_size > UINT64_MAX / kDecodeExpansion
                                                ? UINT64_MAX
                                                : meta_.file_size * kDecodeExpansion);
  RowBatch batch;
  batch.rows = static_cast<size_t>(rg.num_rows);
  batch.columns.reserve(meta_.columns.size());
  for (size_t c = 0; c < meta_.columns.size(); ++c) {
    const SchemaColumn& col = meta_.columns[c];
    const ColumnChunkInfo& chunk = rg.columns[c];
    ColumnType type;
    try {
      type = column_type_of(col);
    } catch (const FormatError& e) {
      throw FormatError(path_ + ": row group " + std::to_string(index) + ", " + e.what());
    }
    ColumnBuffer& out = batch.columns.emplace_back(type, col.repetition == Repetition::OPTIONAL);
    int64_t start = chunk.data_page_offset;
    if (chunk.dictionary_page_offset && *chunk.dictionary_page_offset > 0 && *chunk.dictionary_page_offset < start)
      start = *chunk.dictionary_page_offset;
    const std::string data = read_range(static_cast<uint64_t>(start), static_cast<uint64_t>(chunk.total_compressed_size));
    try {
      ChunkDecoder(col, chunk, index, out, budget).decode(data, static_cast<uint64_t>(start));
    } catch (const FormatError& e) {
      throw FormatError(path_ + ": " + e.what());
    }
  }
  return batch;
}

}  // namespace aesync::parquet
