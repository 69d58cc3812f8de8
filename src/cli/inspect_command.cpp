#include "cli/inspect_command.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "parquet/compression.h"
#include "util/error.h"
#include "util/json_writer.h"
#include "util/time.h"

namespace aesync::cli {
namespace inspect {
namespace {

// Length of the valid UTF-8 sequence at s[pos], or 0 if the bytes there are not one
// (overlong forms, surrogates and code points past U+10FFFF are invalid). `cp` receives it.
size_t utf8_sequence(std::string_view s, size_t pos, uint32_t& cp) {
  const auto b0 = static_cast<uint8_t>(s[pos]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t len;
  uint32_t min;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2, cp = b0 & 0x1f, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3, cp = b0 & 0x0f, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - pos < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    const auto b = static_cast<uint8_t>(s[pos + i]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

bool is_valid_utf8(std::string_view s) {
  uint32_t cp;
  for (size_t pos = 0; pos < s.size();) {
    const size_t n = utf8_sequence(s, pos, cp);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

constexpr char kHex[] = "0123456789abcdef";

std::string hex_bytes(std::string_view s) {
  std::string out = "0x";
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// The first `keep` code points of printable text, then "…".
std::string cut_with_ellipsis(std::string text, size_t keep) {
  size_t pos = 0;
  uint32_t cp;
  for (size_t n = 0; pos < text.size() && n < keep; ++n) {
    const size_t len = utf8_sequence(text, pos, cp);
    pos += len == 0 ? 1 : len;
  }
  text.resize(pos);
  text += "\u2026";
  return text;
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
  uint32_t cp;
  for (size_t pos = 0; pos < s.size();) {
    const size_t n = utf8_sequence(s, pos, cp);
    if (n == 0) {
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
  std::string out;
  // Bytes and columns of each piece appended, to back out whole pieces when cutting.
  std::vector<std::pair<size_t, size_t>> pieces;
  size_t width = 0;
  uint32_t cp;
  for (size_t pos = 0; pos < s.size();) {
    char piece[12];
    size_t len;
    bool escaped = true;  // escapes are ASCII: one column per byte
    const size_t n = utf8_sequence(s, pos, cp);
    if (n == 0) {
      len = static_cast<size_t>(std::snprintf(piece, sizeof piece, "\\x%02x", static_cast<uint8_t>(s[pos])));
    } else if (cp == '\n' || cp == '\t' || cp == '\r') {
      piece[0] = '\\';
      piece[1] = cp == '\n' ? 'n' : cp == '\t' ? 't' : 'r';
      len = 2;
    } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
      // Other C0/C1 controls would move the cursor or change the terminal's state.
      len = static_cast<size_t>(std::snprintf(piece, sizeof piece, "\\u%04x", static_cast<unsigned>(cp)));
    } else {
      std::memcpy(piece, s.data() + pos, n);
      len = n;
      escaped = false;
    }
    const size_t piece_width = escaped ? len : 1;
    if (width + piece_width > max_chars) {
      // Too long: drop whole pieces until the ellipsis fits.
      while (!pieces.empty() && width + 1 > max_chars) {
        out.resize(out.size() - pieces.back().first);
        width -= pieces.back().second;
        pieces.pop_back();
      }
      return out + "\u2026";
    }
    out.append(piece, len);
    pieces.emplace_back(len, piece_width);
    width += piece_width;
    pos += n == 0 ? 1 : n;
  }
  return out;
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
      if (column.timestamp_unit) {
        c.kind = Cell::Kind::Timestamp;
        c.i = parquet::timestamp_to_millis(static_cast<int64_t>(u64()), *column.timestamp_unit);
      } else if (column.is_unsigned) {
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
      c.kind = is_valid_utf8(plain) ? Cell::Kind::String : Cell::Kind::Bytes;
      c.s = plain;
      return c;
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
    case Cell::Kind::Bytes: {
      const std::string hex = hex_bytes(cell.s.substr(0, std::min(cell.s.size(), max_chars)));
      return hex.size() <= max_chars ? hex : cut_with_ellipsis(hex, max_chars == 0 ? 0 : max_chars - 1);
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
    case ColumnType::String:
      c.s = col.string_at(i);
      c.kind = inspect::decode_statistic(schema, c.s).kind;  // String, or Bytes when not UTF-8
      break;
    case ColumnType::Double:
      c.kind = schema.type == parquet::PhysicalType::FLOAT ? Cell::Kind::Float : Cell::Kind::Double;
      c.d = col.doubles[i];
      break;
    case ColumnType::Timestamp:
      c.kind = Cell::Kind::Timestamp;
      c.i = col.ints[i];
      break;
    case ColumnType::Int64:
      if (schema.type == parquet::PhysicalType::BOOLEAN) {
        c.kind = Cell::Kind::Bool;
        c.i = col.ints[i];
      } else if (schema.type == parquet::PhysicalType::INT64 && schema.is_unsigned) {
        c.kind = Cell::Kind::UInt;
        c.u = static_cast<uint64_t>(col.ints[i]);
      } else {
        c.kind = Cell::Kind::Int;
        c.i = col.ints[i];
      }
      break;
  }
  return c;
}

// Reads the first `limit` rows, row group by row group, and hands each decoded row group with
// the number of its rows to show to `use`.
template <class Use>
void for_first_rows(const parquet::ParquetReader& reader, size_t limit, Use&& use) {
  size_t shown = 0;
  for (size_t g = 0; g < reader.metadata().row_groups.size() && shown < limit; ++g) {
    if (reader.metadata().row_groups[g].num_rows == 0) continue;
    const RowBatch batch = reader.read_row_group(g);
    const size_t n = std::min(batch.rows, limit - shown);
    use(batch, n);
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
             st.null_count ? std::to_string(*st.null_count) : "-", stat_text(m.columns[c], st.min_value),
             stat_text(m.columns[c], st.max_value)});
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
    const auto t_type = m.columns[c].type;
    if (t_type == parquet::PhysicalType::INT32 || t_type == parquet::PhysicalType::INT64 ||
        t_type == parquet::PhysicalType::FLOAT || t_type == parquet::PhysicalType::DOUBLE) {
      if (!m.columns[c].timestamp_unit) t.align_right(c);
    }
  }
  for_first_rows(reader, rows, [&](const RowBatch& batch, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      std::vector<std::string> row;
      row.reserve(batch.columns.size());
      for (size_t c = 0; c < batch.columns.size(); ++c)
        row.push_back(inspect::cell_text(row_cell(batch.columns[c], m.columns[c], i)));
      t.add(std::move(row));
    }
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
      append_stat_json(out, m.columns[c], cc.statistics.min_value);
      out += ',';
      append_key(out, "max");
      append_stat_json(out, m.columns[c], cc.statistics.max_value);
      out += '}';
    }
    out += "]}";
  }
  out += "],";

  append_key(out, "rows");
  out += '[';
  bool first = true;
  for_first_rows(reader, rows, [&](const RowBatch& batch, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      if (!first) out += ',';
      first = false;
      out += '{';
      for (size_t c = 0; c < batch.columns.size(); ++c) {
        if (c) out += ',';
        append_key(out, inspect::valid_utf8(m.columns[c].name));
        inspect::append_cell_json(out, row_cell(batch.columns[c], m.columns[c], i));
      }
      out += '}';
    }
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
    print_text(reader, path, rows, out);
  }
  out.flush();
  return 0;
}

}  // namespace aesync::cli
