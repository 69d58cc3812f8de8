// Shared by the JSONEachRow reader's unit tests: raw columns by name, and a consumer that keeps
// each row as text ("line|cell|cell...", doubles with %.17g, strings whole), so a test compares
// whole rows exactly.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "schema/raw_row.h"
#include "schema/schema.h"

namespace aesync::reader_test {

inline std::vector<RawColumn> cols(std::initializer_list<std::string_view> names) {
  std::vector<RawColumn> out;
  for (auto n : names) out.push_back(*RawColumn::parse(n));
  return out;
}

class Recorder : public RowConsumer {
 public:
  explicit Recorder(std::vector<RawColumn> c) : columns_(std::move(c)) {}
  void on_row(const RawRow& row) override {
    using K = RawColumn::Kind;
    std::string out = std::to_string(row.line);
    EXPECT_EQ(row.size, columns_.size());
    for (size_t i = 0; i < row.size; ++i) {
      out += '|';
      switch (columns_[i].kind) {
        case K::Timestamp:
        case K::SampleInterval: out += std::to_string(row[i].i); break;
        case K::Double: {
          char buf[64];
          std::snprintf(buf, sizeof buf, "%.17g", row[i].d);
          out += buf;
          break;
        }
        default: EXPECT_NE(row[i].s.data(), nullptr); out.append(row[i].s.data(), row[i].s.size());
      }
    }
    rows.push_back(std::move(out));
  }
  std::vector<std::string> rows;

 private:
  std::vector<RawColumn> columns_;
};

}  // namespace aesync::reader_test
