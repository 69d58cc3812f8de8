#include "parquet/parquet_writer.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "parquet/column_chunk_writer.h"
#include "parquet/file_metadata_writer.h"
#include "util/version.h"

namespace aesync::parquet {

std::optional<Codec> codec_from_name(std::string_view name) {
  if (name == "zstd") return Codec::ZSTD;
  if (name == "snappy") return Codec::SNAPPY;
  if (name == "gzip") return Codec::GZIP;
  if (name == "none") return Codec::UNCOMPRESSED;
  return std::nullopt;
}

namespace {

// Batches smaller than this are encoded on one thread: handing columns to the helper costs more.
constexpr size_t kParallelRows = 1024;

// Runs a job on the caller's thread and on one helper thread at once (the job divides the work
// itself); the helper is started on first use and kept.
class HelperThread {
 public:
  ~HelperThread() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void run_both(const std::function<void()>& job) {
    {
      std::lock_guard lock(mutex_);
      job_ = &job;
      ++posted_;
      error_ = nullptr;
    }
    if (!thread_.joinable())
      thread_ = std::thread([this] { loop(); });
    else
      cv_.notify_all();
    std::exception_ptr mine;
    try {
      job();
    } catch (...) {
      mine = std::current_exception();
    }
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return done_ == posted_; });
    job_ = nullptr;
    if (mine) std::rethrow_exception(mine);
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      cv_.wait(lock, [this] { return quit_ || done_ != posted_; });
      if (quit_) return;
      const std::function<void()>* job = job_;
      lock.unlock();
      std::exception_ptr failed;
      try {
        (*job)();
      } catch (...) {
        failed = std::current_exception();
      }
      lock.lock();
      error_ = failed;
      done_ = posted_;
      cv_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::thread thread_;
  const std::function<void()>* job_ = nullptr;
  uint64_t posted_ = 0, done_ = 0;
  bool quit_ = false;
  std::exception_ptr error_;
};

}  // namespace

struct ParquetWriter::Impl {
  Impl(const Schema& schema, WriterOptions opts, ByteSink& out) : options(std::move(opts)), output(out) {
    if (schema.columns.empty()) throw std::logic_error("ParquetWriter: the schema has no columns");
    for (const ColumnSpec& c : schema.columns) columns.push_back(LeafColumn{c.name, c.type, c.nullable()});
    if (options.created_by.empty()) options.created_by = aesync::created_by();
    if (options.page_bytes == 0) options.page_bytes = 1;
    if (options.row_group_rows == 0) options.row_group_rows = 1;
    for (const LeafColumn& c : columns) writers.push_back(make_column_chunk_writer(c, options));
    chunks.resize(columns.size());
    scratch.emplace_back(std::make_unique<PageScratch>(options.codec, options.compression_level));
    // Columns are handed to the two encoding threads costliest first, so neither waits long for
    // the other at the end of a batch.
    for (size_t k = 0; k < columns.size(); ++k) order.push_back(k);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return encoding_priority(columns[a].type) < encoding_priority(columns[b].type);
    });
  }

  WriterOptions options;  // the chunk writers keep a reference: never reassigned after them
  FileOutput output;
  std::vector<LeafColumn> columns;

  uint64_t rows = 0;
  size_t row_group_count = 0;
  int64_t group_rows = 0;        // rows in the row group being built
  std::string row_groups_bytes;  // the RowGroup structs written so far, Thrift-encoded
  bool closed = false;
  bool broken = false;  // a write threw: the output is incomplete, refuse to go on

  std::vector<std::unique_ptr<ColumnChunkWriter>> writers;  // one per column: the row group in progress
  std::vector<ColumnChunkMeta> chunks;                      // one per column: the row group being written out
  std::vector<std::unique_ptr<PageScratch>> scratch;        // one per encoding thread
  std::vector<size_t> order;
  HelperThread helper;

  void check_usable(const char* what) const {
    if (closed) throw std::logic_error(std::string("ParquetWriter::") + what + " after close()");
    if (broken) throw std::logic_error(std::string("ParquetWriter::") + what + " after a failed write");
  }

  // Encodes rows [begin, end) of the batch into the row group in progress, the columns shared
  // between this thread and the helper.
  void encode_rows(const RowBatch& batch, size_t begin, size_t end) {
    if (end - begin < kParallelRows || columns.size() < 2 || !options.parallel) {
      for (size_t k : order) writers[k]->encode(batch.columns[k], begin, end, *scratch[0]);
      return;
    }
    if (scratch.size() < 2)
      scratch.emplace_back(std::make_unique<PageScratch>(options.codec, options.compression_level));
    std::atomic<size_t> next{0};
    std::atomic<int> slot{0};
    const std::function<void()> job = [&] {
      PageScratch& s = *scratch[static_cast<size_t>(slot.fetch_add(1))];
      for (size_t t; (t = next.fetch_add(1)) < order.size();)
        writers[order[t]]->encode(batch.columns[order[t]], begin, end, s);
    };
    helper.run_both(job);
  }

  // Writes the row group in progress: per column the dictionary page, then its data pages; its
  // RowGroup struct is kept for the footer.
  void finish_row_group() {
    if (group_rows == 0) return;
    const auto row_group_offset = static_cast<int64_t>(output.offset);
    for (size_t k = 0; k < columns.size(); ++k) chunks[k] = writers[k]->write(output, *scratch[0]);
    append_row_group(row_groups_bytes, columns, chunks, options.codec, group_rows, row_group_offset);
    rows += static_cast<uint64_t>(group_rows);
    ++row_group_count;
    group_rows = 0;
  }

  size_t buffered_bytes() const {
    size_t n = 0;
    for (const auto& w : writers) n += w->buffered_bytes();
    return n;
  }

  void validate(const RowBatch& batch, const char* what) const {
    const std::string op = std::string("ParquetWriter::") + what;
    if (batch.rows == 0) throw std::logic_error(op + ": empty batch (no empty row groups)");
    if (batch.columns.size() != columns.size())
      throw std::logic_error(op + ": batch has " + std::to_string(batch.columns.size()) + " columns, schema has " +
                             std::to_string(columns.size()));
    for (size_t k = 0; k < columns.size(); ++k) {
      const ColumnBuffer& c = batch.columns[k];
      const LeafColumn& col = columns[k];
      const std::string where = op + ": column '" + col.name + "' ";
      if (c.type != col.type) throw std::logic_error(where + "has the wrong type");
      if (c.nullable != col.nullable) throw std::logic_error(where + "has the wrong nullability");
      if (c.size() != batch.rows || (col.nullable && c.defined.size() != batch.rows))
        throw std::logic_error(where + "holds " + std::to_string(c.size()) + " values for " +
                               std::to_string(batch.rows) + " rows");
    }
  }

  void append(const RowBatch& batch, bool whole_row_group) {
    const char* what = whole_row_group ? "write_row_group" : "append";
    check_usable(what);
    validate(batch, what);
    broken = true;
    if (whole_row_group) finish_row_group();
    for (size_t begin = 0; begin < batch.rows;) {
      size_t end = batch.rows;
      if (!whole_row_group)
        end = std::min(end, begin + static_cast<size_t>(static_cast<int64_t>(options.row_group_rows) - group_rows));
      encode_rows(batch, begin, end);
      group_rows += static_cast<int64_t>(end - begin);
      if (whole_row_group || group_rows >= static_cast<int64_t>(options.row_group_rows) ||
          buffered_bytes() >= options.row_group_bytes)
        finish_row_group();
      begin = end;
    }
    broken = false;
  }

  void close() {
    check_usable("close");
    broken = true;
    finish_row_group();
    output.write(file_footer(columns, rows, row_group_count, row_groups_bytes, options.created_by));
    closed = true;
    broken = false;
  }
};

ParquetWriter::ParquetWriter(const Schema& schema, WriterOptions options, ByteSink& sink)
    : impl_(std::make_unique<Impl>(schema, std::move(options), sink)) {
  impl_->output.write(std::string_view(kMagic, 4));
}

ParquetWriter::~ParquetWriter() = default;

void ParquetWriter::write_row_group(const RowBatch& batch) { impl_->append(batch, true); }

void ParquetWriter::append(const RowBatch& batch) { impl_->append(batch, false); }

void ParquetWriter::close() { impl_->close(); }

uint64_t ParquetWriter::rows_written() const { return impl_->rows + static_cast<uint64_t>(impl_->group_rows); }

size_t ParquetWriter::row_groups_written() const { return impl_->row_group_count; }

}  // namespace aesync::parquet
