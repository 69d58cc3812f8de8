#include "csv/csv_writer.h"

#include <zlib.h>

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

#include "util/error.h"
#include "util/time.h"

namespace aesync::csv {

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

namespace {

void append_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("nan");
    return;
  }
  if (std::isinf(v)) {
    out.append(v > 0 ? "inf" : "-inf");
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Streams bytes through zlib's gzip wrapper into the sink.
class GzipStream {
 public:
  explicit GzipStream(ByteSink& sink) : sink_(sink) {
    if (deflateInit2(&z_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::runtime_error("gzip: deflateInit2 failed");
  }
  ~GzipStream() { deflateEnd(&z_); }
  void write(std::string_view data, bool finish) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z_.avail_in = static_cast<uInt>(data.size());
    int rc;
    do {
      z_.next_out = out_;
      z_.avail_out = sizeof out_;
      rc = deflate(&z_, finish ? Z_FINISH : Z_NO_FLUSH);
      if (rc == Z_STREAM_ERROR) throw std::runtime_error("gzip: deflate failed");
      sink_.write(out_, sizeof out_ - z_.avail_out);
    } while (z_.avail_out == 0 || (finish && rc != Z_STREAM_END));
  }

 private:
  ByteSink& sink_;
  z_stream z_{};
  Bytef out_[64 * 1024];
};

}  // namespace

struct CsvWriter::Impl {
  const Schema& schema;
  ByteSink& sink;
  std::unique_ptr<GzipStream> gzip;
  std::string text;
  bool closed = false;

  void emit(bool finish) {
    if (gzip)
      gzip->write(text, finish);
    else
      sink.write(text.data(), text.size());
    text.clear();
  }
};

CsvWriter::CsvWriter(const Schema& schema, bool gzip, ByteSink& sink) : impl_(new Impl{schema, sink, nullptr, {}}) {
  if (gzip) impl_->gzip = std::make_unique<GzipStream>(sink);
  std::string& t = impl_->text;
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    if (i) t.push_back(',');
    append_csv_field(t, schema.columns[i].name);
  }
  t.push_back('\n');
}

CsvWriter::~CsvWriter() = default;

void CsvWriter::write(const RowBatch& batch) {
  std::string& t = impl_->text;
  for (size_t r = 0; r < batch.rows; ++r) {
    for (size_t c = 0; c < batch.columns.size(); ++c) {
      const ColumnBuffer& col = batch.columns[c];
      if (c) t.push_back(',');
      if (col.is_null(r)) continue;
      switch (col.type) {
        case ColumnType::String: {
          std::string_view v = col.string_at(r);
          if (v.empty())
            t.append("\"\"");
          else
            append_csv_field(t, v);
          break;
        }
        case ColumnType::Double: append_double(t, col.doubles[r]); break;
        case ColumnType::Int64: {
          char buf[24];
          auto [end, ec] = std::to_chars(buf, buf + sizeof buf, col.ints[r]);
          t.append(buf, end);
          break;
        }
        case ColumnType::Timestamp: t.append(format_timestamp_ms(col.ints[r])); break;
      }
    }
    t.push_back('\n');
    if (t.size() >= (1 << 20)) impl_->emit(false);
  }
}

void CsvWriter::close() {
  if (impl_->closed) return;
  impl_->closed = true;
  impl_->emit(true);
}

}  // namespace aesync::csv
