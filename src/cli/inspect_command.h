// `aesync inspect PATH [--rows N] [--json]`: describes a Parquet file for a person at a
// terminal (aligned tables) or for a program (one JSON object).
//
// Text: the file (path, size, created_by, version, num_rows, row groups), the schema (column,
// physical type, logical type, converted type, repetition), per row group its rows and bytes and
// per column codec, encodings, sizes, null_count, min, max, then the first N rows with NULL
// shown as `NULL`. Long strings are cut to 40 characters with "…"; control characters and bytes
// that are not UTF-8 are escaped so a value cannot break the layout.
//
// JSON: {"path","bytes","created_by","num_rows","schema":[{"name","physical_type",
// "logical_type","converted_type","repetition"}],"row_groups":[{"rows","total_byte_size",
// "columns":[{"name","codec","encodings","compressed_bytes","uncompressed_bytes","null_count",
// "min","max"}]}],"rows":[{column: value|null}]}. Timestamps are "YYYY-MM-DD hh:mm:ss.fff"
// strings (UTC; ".ffffff" / ".fffffffff" for MICROS / NANOS), dates "YYYY-MM-DD", NaN/infinities
// the strings "NaN"/"inf"/"-inf", booleans true/false, text bytes that are not UTF-8 become
// U+FFFD. logical_type falls back to the converted type's name, else null.
//
// Values are shown as their annotation says, in rows and statistics alike (value_text.h):
// DECIMAL exactly ("-0.05"; JSON: a string, so no reader rounds it), INT96 as a timestamp with
// nanoseconds, FLOAT16 as a number, UUID in its 8-4-4-4-12 form; BYTE_ARRAY is text when
// annotated STRING/ENUM/JSON (or UTF8), else, like other FIXED_LEN_BYTE_ARRAY, bytes shown as
// hex marked "0x", never as text. A row value that cannot be what its annotation says is an
// error naming the row group, column and row; such a statistic is shown as hex. Byte array and
// INT96 bounds from the deprecated Statistics.min/max (signed byte order) are not shown.
//
// Failures (unreadable or malformed file, a value that cannot be shown) are thrown as aesync
// errors; nothing partial is printed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "parquet/parquet_reader.h"

namespace aesync::cli {

//! Prints the description of the Parquet file at `path` with its first `rows` rows; returns
//! the exit code (0).
int run_inspect(const std::string& path, size_t rows, bool json, std::ostream& out);

// Value formatting, exposed for tests.
namespace inspect {

//! One decoded value of a column, as displayed.
struct Cell {
  enum class Kind { Null, Int, UInt, Bool, Double, Float, Timestamp, String, Bytes, Text };
  Kind kind = Kind::Null;
  int64_t i = 0;       //!< Int, Bool (0/1), Timestamp (ms since epoch, UTC)
  uint64_t u = 0;      //!< UInt
  double d = 0;        //!< Double, Float (the float's exact value)
  std::string_view s;  //!< String, Bytes (Bytes: shown as hex)
  std::string text;    //!< Text: the value as shown (decimal, INT96 timestamp, UUID); a JSON string
};

//! The cell of one value of `column` given as its raw bytes: a BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY /
//! INT96 value as the reader holds it. FormatError if the bytes cannot be what the column's
//! annotation says (value_text.h).
Cell bytes_cell(const parquet::SchemaColumn& column, std::string_view raw);
//! The cell of an INT32/INT64 value of `column` (a DECIMAL's unscaled value, signed or
//! unsigned integer).
Cell int_cell(const parquet::SchemaColumn& column, int64_t value);

//! Decodes a plain-encoded statistics value of `column` (raw bytes of its physical type).
//! Values of the wrong size, or that bytes_cell() refuses, come out as Bytes.
Cell decode_statistic(const parquet::SchemaColumn& column, std::string_view plain);

//! The cell as terminal text: strings escaped and cut to `max_chars` characters with "…",
//! doubles in shortest round-trip form, timestamps "YYYY-MM-DD hh:mm:ss.fff", NULL as "NULL".
std::string cell_text(const Cell& cell, size_t max_chars = 40);
//! Appends the cell as a JSON value.
void append_cell_json(std::string& out, const Cell& cell);

//! Shortest text that reads back as `v` ("0.1", "1e+100", "-0", "NaN", "inf", "-inf").
std::string format_double(double v);
//! Same for a float, shortest as a float ("0.1" for 0.1f, not 0.10000000149011612).
std::string format_float(float v);
//! `s` made safe by aesync::shown() (secrets redacted; \n \t \r, other controls as \u00XX,
//! ill-formed UTF-8 bytes as \xNN), cut to `max_chars` terminal columns (a character or an
//! escape's bytes each) with a trailing "…" when longer; never inside a character or an escape.
std::string display_text(std::string_view s, size_t max_chars);
//! `s` with every byte sequence that is not valid UTF-8 replaced by U+FFFD.
std::string valid_utf8(std::string_view s);
//! Terminal columns taken by UTF-8 text (one per code point).
size_t display_width(std::string_view s);

}  // namespace inspect
}  // namespace aesync::cli
