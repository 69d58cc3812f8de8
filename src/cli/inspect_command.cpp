#include "cli/inspect_command.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <vector>

#include "parquet/compression.h"
#include "parquet/value_text.h"
#include "util/error.h"
#include "util/json_writer.h"
#include "util/text.h"
#include "util/time.h"
#include "util/utf8.h"

namespace aesync::cli {
namespace inspect {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string hex_bytes(std::string_view s) {
  std::string out = "0x";
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// Length of the piece of shown() text at `pos`: one of its escapes (\n \t \r \uXXXX \xNN),
// which a cut must not split, else one UTF-8 character (shown() text is well-formed).
size_t shown_piece(std::string_view text, size_t pos, bool& escape) {
  const auto hex_digits = [&](size_t from, size_t n) {
    if (text.size() - from < n) return false;
    for (size_t i = from; i < from + n; ++i)
      if (!std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
    return true;
  };
  escape = true;
  if (text[pos] == '\\' && pos + 1 < text.size()) {
    const char c = text[pos + 1];
    if (c == 'n' || c == 't' || c == 'r') return 2;
    if (c == 'u' && hex_digits(pos + 2, 4)) return 6;
    if (c == 'x' && hex_digits(pos + 2, 2)) return 4;
  }
  escape = false;
  size_t bad = 0;
  const size_t n = utf8::sequence(reinterpret_cast<const unsigned char*>(text.data()) + pos, text.size() - pos, &bad);
  return n == 0 ? 1 : n;
}

}  // namespace

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string format_float(float v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

size_t display_width(std::string_view s) {
  size_t width = 0;
  for (unsigned char c : s) width += (c & 0xc0) != 0x80;  // count lead bytes, not continuations
  return width;
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* u = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t pos = 0; pos < s.size();) {
    size_t bad = 0;
    const size_t n = utf8::sequence(u + pos, s.size() - pos, &bad);
    if (n == 0) {  // one U+FFFD per byte of an ill-formed sequence
      out += "\uFFFD";
      ++pos;
    } else {
      out.append(s.substr(pos, n));
      pos += n;
    }
  }
  return out;
}

std::string display_text(std::string_view s, size_t max_chars) {
  // shown() makes the text safe (the one way to show untrusted text); inspect only cuts it to
  // its table's columns. Bounding shown()'s input keeps long values cheap: 4 bytes per
  // character kept and two more are enough to know the text is cut here.
  const std::string safe = shown(s, max_chars < SIZE_MAX / 8 ? 4 * (max_chars + 2) : 0);
  std::string out;
  // Bytes and columns of each piece appended, to back out whole pieces when cutting.
  std::vector<std::pair<size_t, size_t>> pieces;
  size_t width = 0;
  for (size_t pos = 0; pos < safe.size();) {
    bool escape;
    const size_t len = shown_piece(safe, pos, escape);
    const size_t piece_width = escape ? len : 1;  // escapes are ASCII: one column per byte
    if (width + piece_width > max_chars) {
      // Too long: drop whole pieces until the ellipsis fits.
      while (!pieces.empty() && width + 1 > max_chars) {
        out.resize(out.size() - pieces.back().first);
        width -= pieces.back().second;
        pieces.pop_back();
      }
      return out + "\u2026";
    }
    out.append(safe, pos, len);
    pieces.emplace_back(len, piece_width);
    width += piece_width;
    pos += len;
  }
  return out;
}

Cell bytes_cell(const parquet::SchemaColumn& column, std::string_view raw) {
  using parquet::PhysicalType;
  Cell c;
  if (column.decimal) {
    c.kind = Cell::Kind::Text;
    c.text = parquet::decimal_text(raw, column.decimal->scale);
  } else if (column.type == PhysicalType::INT96) {
    c.kind = Cell::Kind::Text;
    c.text = parquet::int96_timestamp_text(raw);
  } else if (column.is_uuid) {
    c.kind = Cell::Kind::Text;
    c.text = parquet::uuid_text(raw);
  } else if (column.is_float16) {
    c.kind = Cell::Kind::Float;
    c.d = parquet::float16_value(raw);
  } else {
    c.kind = column.type == PhysicalType::BYTE_ARRAY && column.is_text ? Cell::Kind::String : Cell::Kind::Bytes;
    c.s = raw;
  }
  return c;
}

Cell int_cell(const parquet::SchemaColumn& column, int64_t value) {
  Cell c;
  c.kind = Cell::Kind::Text;
  if (column.decimal) {
    c.text = parquet::decimal_text(value, column.decimal->scale);
  } else if (column.timestamp_unit) {
    c.text = parquet::timestamp_text(value, *column.timestamp_unit);
  } else if (column.time_unit) {
    c.text = parquet::time_text(value, *column.time_unit);
  } else if (column.is_date) {
    c.text = format_day(value);
  } else if (column.is_unsigned && column.type == parquet::PhysicalType::INT64) {
    c.kind = Cell::Kind::UInt;
    c.u = static_cast<uint64_t>(value);
  } else {
    c.kind = Cell::Kind::Int;
    c.i = value;
  }
  return c;
}

Cell decode_statistic(const parquet::SchemaColumn& column, std::string_view plain) {
  using parquet::PhysicalType;
  Cell c;
  const auto u32 = [&] {
    uint32_t v;
    std::memcpy(&v, plain.data(), 4);
    return v;
  };
  const auto u64 = [&] {
    uint64_t v;
    std::memcpy(&v, plain.data(), 8);
    return v;
  };
  switch (column.type) {
    case PhysicalType::BOOLEAN:
      if (plain.size() != 1) break;
      c.kind = Cell::Kind::Bool;
      c.i = plain[0] != 0;
      return c;
    case PhysicalType::INT32:
      if (plain.size() != 4) break;
      if (column.decimal || column.is_date || column.time_unit) {
        try {
          return int_cell(column, static_cast<int32_t>(u32()));
        } catch (const FormatError&) {
          break;  // not a time of day: shown as the bytes it is
        }
      }
      if (column.is_unsigned) {
        c.kind = Cell::Kind::UInt;
        c.u = u32();
      } else {
        c.kind = Cell::Kind::Int;
        c.i = static_cast<int32_t>(u32());
      }
      return c;
    case PhysicalType::INT64:
      if (plain.size() != 8) break;
      if (column.decimal || column.timestamp_unit || column.time_unit) {
        try {
          return int_cell(column, static_cast<int64_t>(u64()));
        } catch (const FormatError&) {
          break;  // not a time of day: shown as the bytes it is
        }
      }
      if (column.is_unsigned) {
        c.kind = Cell::Kind::UInt;
        c.u = u64();
      } else {
        c.kind = Cell::Kind::Int;
        c.i = static_cast<int64_t>(u64());
      }
      return c;
    case PhysicalType::FLOAT: {
      if (plain.size() != 4) break;
      const uint32_t bits = u32();
      float f;
      std::memcpy(&f, &bits, 4);
      c.kind = Cell::Kind::Float;
      c.d = f;
      return c;
    }
    case PhysicalType::DOUBLE: {
      if (plain.size() != 8) break;
      const uint64_t bits = u64();
      c.kind = Cell::Kind::Double;
      std::memcpy(&c.d, &bits, 8);
      return c;
    }
    case PhysicalType::BYTE_ARRAY:
    case PhysicalType::FIXED_LEN_BYTE_ARRAY:
    case PhysicalType::INT96: try { return bytes_cell(column, plain);
      } catch (const FormatError&) {
        break;  // not a value of the annotation: shown as the bytes it is
      }
    default: break;
  }
  c.kind = Cell::Kind::Bytes;
  c.s = plain;
  return c;
}

std::string cell_text(const Cell& cell, size_t max_chars) {
  switch (cell.kind) {
    case Cell::Kind::Null: return "NULL";
    case Cell::Kind::Int: return std::to_string(cell.i);
    case Cell::Kind::UInt: return std::to_string(cell.u);
    case Cell::Kind::Bool: return cell.i ? "true" : "false";
    case Cell::Kind::Double: return format_double(cell.d);
    case Cell::Kind::Float: return format_float(static_cast<float>(cell.d));
    case Cell::Kind::Timestamp: return format_timestamp_ms(cell.i);
    case Cell::Kind::String: return display_text(cell.s, max_chars);
    case Cell::Kind::Text: return cell.text;  // never cut: a shortened number would read as another
    case Cell::Kind::Bytes: {
      const std::string hex = hex_bytes(cell.s.substr(0, std::min(cell.s.size(), max_chars)));
      return hex.size() <= max_chars ? hex : hex.substr(0, max_chars == 0 ? 0 : max_chars - 1) + "\u2026";
    }
  }
  return {};
}

void append_cell_json(std::string& out, const Cell& cell) {
  switch (cell.kind) {
    case Cell::Kind::Null: out += "null"; return;
    case Cell::Kind::Int: out += std::to_string(cell.i); return;
    case Cell::Kind::UInt: out += std::to_string(cell.u); return;
    case Cell::Kind::Bool: out += cell.i ? "true" : "false"; return;
    case Cell::Kind::Double: json::append_double(out, cell.d); return;
    case Cell::Kind::Float: {
      const std::string text = format_float(static_cast<float>(cell.d));
      if (std::isfinite(cell.d)) {
        out += text;
      } else {
        json::append_string(out, text);
      }
      return;
    }
    case Cell::Kind::Timestamp: json::append_string(out, format_timestamp_ms(cell.i)); return;
    case Cell::Kind::String: json::append_string(out, valid_utf8(cell.s)); return;
    case Cell::Kind::Bytes: json::append_string(out, hex_bytes(cell.s)); return;
    case Cell::Kind::Text: json::append_string(out, cell.text); return;
  }
}

}  // namespace inspect

namespace {

using inspect::Cell;
using parquet::FileMetadata;
using parquet::SchemaColumn;

// A cell of row `i` of a decoded column.
Cell row_cell(const ColumnBuffer& col, const SchemaColumn& schema, size_t i) {
  Cell c;
  if (col.is_null(i)) return c;
  switch (col.type) {
    case ColumnType::String: return inspect::bytes_cell(schema, col.string_at(i));
    case ColumnType::Double:
      c.kind = schema.type == parquet::PhysicalType::FLOAT ? Cell::Kind::Float : Cell::Kind::Double;
      c.d = col.doubles[i];
      break;
    case ColumnType::Timestamp:  // not read so (Timestamps::AsStored), kept for completeness
      c.kind = Cell::Kind::Timestamp;
      c.i = col.ints[i];
      break;
    case ColumnType::Int64:
      if (schema.type != parquet::PhysicalType::BOOLEAN) return inspect::int_cell(schema, col.ints[i]);
      c.kind = Cell::Kind::Bool;
      c.i = col.ints[i];
      break;
  }
  return c;
}

// Reads the first `limit` rows, row group by row group, and hands each row's cells to `use`.
// A value that cannot be shown is a FormatError naming where it is.
template <class Use>
void for_first_rows(const parquet::ParquetReader& reader, const std::string& path, size_t limit, Use&& use) {
  const FileMetadata& m = reader.metadata();
  size_t shown = 0;
  std::vector<Cell> cells(m.columns.size());
  for (size_t g = 0; g < m.row_groups.size() && shown < limit; ++g) {
    if (m.row_groups[g].num_rows == 0) continue;
    const RowBatch batch = reader.read_row_group(g, parquet::ParquetReader::Timestamps::AsStored);
    const size_t n = std::min(batch.rows, limit - shown);
    for (size_t i = 0; i < n; ++i) {
      for (size_t c = 0; c < cells.size(); ++c) {
        try {
          cells[c] = row_cell(batch.columns[c], m.columns[c], i);
        } catch (const FormatError& e) {
          throw FormatError(path + ": row group " + std::to_string(g) + ", column '" +
                            aesync::shown(m.columns[c].name) + "', row " + std::to_string(i) + ": " + e.what());
        }
      }
      use(cells);
    }
    shown += n;
  }
}

std::string optional_logical(const SchemaColumn& c) {
  if (!c.logical_type.empty()) return c.logical_type;
  if (c.converted_type) return parquet::name_of(*c.converted_type);
  return {};
}

std::string encodings_text(const parquet::ColumnChunkInfo& c) {
  std::string out;
  for (size_t i = 0; i < c.encodings.size(); ++i) {
    if (i) out += ",";
    out += parquet::name_of(c.encodings[i]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text

// Columns padded to their widest cell; numbers may be right-aligned.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)), right_(header_.size(), false) {}
  void align_right(size_t column) { right_[column] = true; }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  //! `rule`: a line of dashes under the header (a key/value list goes without).
  void print(std::ostream& out, const std::string& indent, bool rule = true) const {
    std::vector<size_t> width(header_.size());
    for (size_t c = 0; c < header_.size(); ++c) width[c] = inspect::display_width(header_[c]);
    for (const auto& row : rows_)
      for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], inspect::display_width(row[c]));
    print_row(out, indent, header_, width);
    if (rule) {
      std::vector<std::string> dashes;
      for (size_t w : width) dashes.emplace_back(w, '-');
      print_row(out, indent, dashes, width);
    }
    for (const auto& row : rows_) print_row(out, indent, row, width);
  }

 private:
  void print_row(std::ostream& out, const std::string& indent, const std::vector<std::string>& row,
                 const std::vector<size_t>& width) const {
    std::string line = indent;
    for (size_t c = 0; c < row.size(); ++c) {
      const size_t pad = width[c] - inspect::display_width(row[c]);
      if (c) line += "  ";
      if (right_[c]) line.append(pad, ' ');
      line += row[c];
      if (!right_[c] && c + 1 < row.size()) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  }

  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// The min or max to show. Old writers filled the deprecated `min`/`max` of byte arrays in
// signed byte order (PARQUET-251) and INT96 has no defined order: such bounds may be wrong,
// so they are not shown, as parquet-mr and Arrow ignore them.
const std::optional<std::string>& trusted(const SchemaColumn& col, const parquet::Statistics& st,
                                          const std::optional<std::string>& v) {
  static const std::optional<std::string> kNone;
  const bool bytes = col.type == parquet::PhysicalType::BYTE_ARRAY ||
                     col.type == parquet::PhysicalType::FIXED_LEN_BYTE_ARRAY ||
                     col.type == parquet::PhysicalType::INT96;
  return st.deprecated_min_max && bytes ? kNone : v;
}

std::string stat_text(const SchemaColumn& col, const std::optional<std::string>& v) {
  return v ? inspect::cell_text(inspect::decode_statistic(col, *v)) : "-";
}

void print_text(const parquet::ParquetReader& reader, const std::string& path, size_t rows, std::ostream& out) {
  const FileMetadata& m = reader.metadata();
  TextTable file({"file", inspect::display_text(path, 200)});
  file.add({"size", std::to_string(m.file_size) + " bytes"});
  file.add({"created by", m.created_by.empty() ? "-" : inspect::display_text(m.created_by, 120)});
  file.add({"version", std::to_string(m.version)});
  file.add({"rows", std::to_string(m.num_rows)});
  file.add({"row groups", std::to_string(m.row_groups.size())});
  file.add({"column orders", m.has_column_orders ? "yes" : "no"});
  file.print(out, "", false);

  out << "\nschema: " << m.columns.size() << (m.columns.size() == 1 ? " column\n" : " columns\n");
  TextTable schema({"column", "physical", "logical", "converted", "repetition"});
  for (const SchemaColumn& c : m.columns) {
    std::string physical = parquet::name_of(c.type);
    if (c.type_length) physical += "(" + std::to_string(*c.type_length) + ")";
    schema.add({inspect::display_text(c.name, 40), physical, c.logical_type.empty() ? "-" : c.logical_type,
                c.converted_type ? parquet::name_of(*c.converted_type) : "-", parquet::name_of(c.repetition)});
  }
  schema.print(out, "  ");

  for (size_t g = 0; g < m.row_groups.size(); ++g) {
    const parquet::RowGroupInfo& rg = m.row_groups[g];
    out << "\nrow group " << g << ": " << rg.num_rows << (rg.num_rows == 1 ? " row, " : " rows, ") << rg.total_byte_size
        << " bytes uncompressed\n";
    TextTable t({"column", "codec", "encodings", "compressed", "uncompressed", "nulls", "min", "max"});
    for (size_t c : {3, 4, 5}) t.align_right(c);
    for (size_t c = 0; c < rg.columns.size(); ++c) {
      const parquet::ColumnChunkInfo& cc = rg.columns[c];
      const parquet::Statistics& st = cc.statistics;
      t.add({inspect::display_text(cc.path, 40), parquet::codec_name(cc.codec), encodings_text(cc),
             std::to_string(cc.total_compressed_size), std::to_string(cc.total_uncompressed_size),
             st.null_count ? std::to_string(*st.null_count) : "-",
             stat_text(m.columns[c], trusted(m.columns[c], st, st.min_value)),
             stat_text(m.columns[c], trusted(m.columns[c], st, st.max_value))});
    }
    t.print(out, "  ");
  }

  if (rows == 0) return;
  const size_t shown = static_cast<size_t>(std::min<int64_t>(m.num_rows, static_cast<int64_t>(rows)));
  out << "\nfirst " << shown << (shown == 1 ? " row" : " rows") << " of " << m.num_rows << "\n";
  if (shown == 0) return;
  std::vector<std::string> header;
  for (const SchemaColumn& c : m.columns) header.push_back(inspect::display_text(c.name, 40));
  TextTable t(std::move(header));
  for (size_t c = 0; c < m.columns.size(); ++c) {
    const SchemaColumn& col = m.columns[c];
    const auto t_type = col.type;
    if (col.decimal || col.is_float16 ||
        ((t_type == parquet::PhysicalType::INT32 || t_type == parquet::PhysicalType::INT64 ||
          t_type == parquet::PhysicalType::FLOAT || t_type == parquet::PhysicalType::DOUBLE) &&
         !col.timestamp_unit && !col.time_unit && !col.is_date))
      t.align_right(c);
  }
  for_first_rows(reader, path, rows, [&](const std::vector<Cell>& cells) {
    std::vector<std::string> row;
    row.reserve(cells.size());
    for (const Cell& cell : cells) row.push_back(inspect::cell_text(cell));
    t.add(std::move(row));
  });
  t.print(out, "  ");
}

// ---------------------------------------------------------------------------------------------
// JSON

void append_key(std::string& out, std::string_view key) {
  json::append_string(out, key);
  out += ':';
}

void append_optional_string(std::string& out, const std::string& s) {
  if (s.empty()) {
    out += "null";
  } else {
    json::append_string(out, inspect::valid_utf8(s));
  }
}

void append_stat_json(std::string& out, const SchemaColumn& col, const std::optional<std::string>& v) {
  if (!v) {
    out += "null";
  } else {
    inspect::append_cell_json(out, inspect::decode_statistic(col, *v));
  }
}

std::string json_text(const parquet::ParquetReader& reader, const std::string& path, size_t rows) {
  const FileMetadata& m = reader.metadata();
  std::string out = "{";
  append_key(out, "path");
  json::append_string(out, inspect::valid_utf8(path));
  out += ',';
  append_key(out, "bytes");
  out += std::to_string(m.file_size) + ',';
  append_key(out, "created_by");
  append_optional_string(out, m.created_by);
  out += ',';
  append_key(out, "num_rows");
  out += std::to_string(m.num_rows) + ',';

  append_key(out, "schema");
  out += '[';
  for (size_t c = 0; c < m.columns.size(); ++c) {
    const SchemaColumn& col = m.columns[c];
    if (c) out += ',';
    out += '{';
    append_key(out, "name");
    json::append_string(out, inspect::valid_utf8(col.name));
    out += ',';
    append_key(out, "physical_type");
    json::append_string(out, parquet::name_of(col.type));
    out += ',';
    append_key(out, "logical_type");
    append_optional_string(out, optional_logical(col));
    out += ',';
    append_key(out, "converted_type");
    append_optional_string(out, col.converted_type ? parquet::name_of(*col.converted_type) : std::string());
    out += ',';
    append_key(out, "repetition");
    json::append_string(out, parquet::name_of(col.repetition));
    out += '}';
  }
  out += "],";

  append_key(out, "row_groups");
  out += '[';
  for (size_t g = 0; g < m.row_groups.size(); ++g) {
    const parquet::RowGroupInfo& rg = m.row_groups[g];
    if (g) out += ',';
    out += '{';
    append_key(out, "rows");
    out += std::to_string(rg.num_rows) + ',';
    append_key(out, "total_byte_size");
    out += std::to_string(rg.total_byte_size) + ',';
    append_key(out, "columns");
    out += '[';
    for (size_t c = 0; c < rg.columns.size(); ++c) {
      const parquet::ColumnChunkInfo& cc = rg.columns[c];
      if (c) out += ',';
      out += '{';
      append_key(out, "name");
      json::append_string(out, inspect::valid_utf8(cc.path));
      out += ',';
      append_key(out, "codec");
      json::append_string(out, parquet::codec_name(cc.codec));
      out += ',';
      append_key(out, "encodings");
      out += '[';
      for (size_t e = 0; e < cc.encodings.size(); ++e) {
        if (e) out += ',';
        json::append_string(out, parquet::name_of(cc.encodings[e]));
      }
      out += "],";
      append_key(out, "compressed_bytes");
      out += std::to_string(cc.total_compressed_size) + ',';
      append_key(out, "uncompressed_bytes");
      out += std::to_string(cc.total_uncompressed_size) + ',';
      append_key(out, "null_count");
      out += cc.statistics.null_count ? std::to_string(*cc.statistics.null_count) : "null";
      out += ',';
      append_key(out, "min");
      append_stat_json(out, m.columns[c], trusted(m.columns[c], cc.statistics, cc.statistics.min_value));
      out += ',';
      append_key(out, "max");
      append_stat_json(out, m.columns[c], trusted(m.columns[c], cc.statistics, cc.statistics.max_value));
      out += '}';
    }
    out += "]}";
  }
  out += "],";

  append_key(out, "rows");
  out += '[';
  bool first = true;
  for_first_rows(reader, path, rows, [&](const std::vector<Cell>& cells) {
    if (!first) out += ',';
    first = false;
    out += '{';
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c) out += ',';
      append_key(out, inspect::valid_utf8(m.columns[c].name));
      inspect::append_cell_json(out, cells[c]);
    }
    out += '}';
  });
  out += "]}\n";
  return out;
}

}  // namespace

int run_inspect(const std::string& path, size_t rows, bool json, std::ostream& out) {
  const parquet::ParquetReader reader(path);
  // Refuse before printing anything, rather than fail halfway through the output.
  if (rows > 0 && reader.metadata().num_rows > 0) {
    for (const SchemaColumn& c : reader.metadata().columns) {
      try {
        parquet::column_type_of(c);
      } catch (const FormatError& e) {
        throw FormatError(path + ": cannot show rows: " + e.what() + " (--rows 0 shows the rest)");
      }
    }
  }
  if (json) {
    out << json_text(reader, path, rows);  // built whole first: a failure prints nothing
  } else {
    std::ostringstream text;  // likewise
    print_text(reader, path, rows, text);
    out << text.str();
  }
  out.flush();
  return 0;
}

}  // namespace aesync::cli
