#include "parquet/parquet_writer.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <bit>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "parquet/compression.h"
#include "parquet/rle_hybrid.h"
#include "parquet/statistics.h"
#include "parquet/string_dictionary.h"
#include "parquet/thrift_compact_writer.h"
#include "parquet/value_dictionary.h"
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

// Bits of ChunkMeta::encodings.
constexpr unsigned kEncPlain = 1u << 0;
constexpr unsigned kEncPlainDictionary = 1u << 1;
constexpr unsigned kEncRle = 1u << 2;

// Encoding tag of the dictionary page and of the data pages that index it. PLAIN_DICTIONARY is
// the tag of format-1 files with v1 data pages, which every reader we target accepts.
constexpr Encoding kDictionaryEncoding = Encoding::PLAIN_DICTIONARY;

PhysicalType physical_type(ColumnType t) {
  switch (t) {
    case ColumnType::String: return PhysicalType::BYTE_ARRAY;
    case ColumnType::Double: return PhysicalType::DOUBLE;
    case ColumnType::Int64:
    case ColumnType::Timestamp: return PhysicalType::INT64;
  }
  return PhysicalType::BYTE_ARRAY;
}

struct Column {
  std::string name;
  ColumnType type;
  bool nullable;
};

// What the footer needs to know about one written column chunk.
struct ChunkMeta {
  unsigned encodings = 0;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  ChunkStatistics stats;
};

void put_u32(std::string& out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}

int32_t checked_page_size(size_t n, const std::string& column) {
  if (n > static_cast<size_t>(INT32_MAX))
    throw std::length_error("Parquet column '" + column + "': a page of " + std::to_string(n) +
                            " bytes exceeds the format's 2 GiB limit");
  return static_cast<int32_t>(n);
}

void write_statistics(ThriftCompactWriter& w, int16_t field, const ChunkStatistics& st) {
  w.field_struct(field);
  if (st.min_value && st.legacy_min_max) {
    w.field_binary(1, *st.max_value);  // max (deprecated, signed order)
    w.field_binary(2, *st.min_value);  // min (deprecated, signed order)
  }
  w.field_i64(3, st.null_count);
  if (st.min_value) {
    w.field_binary(5, *st.max_value);
    w.field_binary(6, *st.min_value);
    // The bounds are the actual values, never truncated (too long -> omitted).
    w.field_bool(7, true);  // is_max_value_exact
    w.field_bool(8, true);  // is_min_value_exact
  }
  if (st.nan_count) w.field_i64(9, *st.nan_count);
  w.end_struct();
}

// Pages of one encoding of a column chunk, compressed, held until the row group is written
// (a chunk's pages must be contiguous and its dictionary page first, and the dictionary is only
// complete once the row group is).
struct PageRun {
  std::string bytes;         // PageHeader + body of each page, in order
  int64_t uncompressed = 0;  // headers + uncompressed bodies (total_uncompressed_size)
  size_t pages = 0;
  void clear() {
    bytes.clear();
    uncompressed = 0;
    pages = 0;
  }
};

// What one encoding thread reuses between pages.
struct Scratch {
  Scratch(Codec codec, int level) : compressor(codec, level) {}
  Compressor compressor;
  std::string body, compressed, header;
  std::vector<uint32_t> indices;
};

// One column chunk in progress: statistics, dictionary and pages accumulated over the batches
// of the current row group.
struct ChunkBuilder {
  int64_t rows = 0;
  // Statistics (numbers: bounds of the non-null, non-NaN values; strings written PLAIN: owned
  // copies of the bounds; dictionary entries join them when the chunk is finished).
  int64_t nulls = 0, nans = 0;
  bool any = false;
  int64_t int_lo = 0, int_hi = 0;
  double dbl_lo = 0, dbl_hi = 0;
  std::string str_lo, str_hi;
  bool str_any = false;
  // Dictionary: strings keep one while it stays under the limit. Numbers follow a plan carried
  // from one row group to the next: a trial encodes both ways (while the values look
  // repetitive) and writes the smaller; the row groups after it use the winner alone, and every
  // kRetrialEvery-th row group is a trial again, in case the data changed.
  bool dictionary_alive = true;
  enum class NumberPlan { Trial, Dictionary, Plain } plan = NumberPlan::Trial;
  int row_groups_since_trial = 0;
  StringDictionary strings;
  ValueDictionary values;
  int64_t seen = 0;  // values offered to the dictionary
  PageRun indexed;   // data pages of dictionary indices
  PageRun plain;     // PLAIN data pages

  void reset() {
    rows = nulls = nans = seen = 0;
    any = str_any = false;
    dictionary_alive = true;
    strings.clear();
    values.clear();
    indexed.clear();
    plain.clear();
  }
  size_t buffered_bytes() const { return indexed.bytes.size() + plain.bytes.size(); }
};

// A number column re-checks its choice between dictionary and PLAIN every this many row groups.
constexpr int kRetrialEvery = 8;

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
  Impl(const Schema& schema, WriterOptions opts, ByteSink& out) : options(std::move(opts)), sink(out) {
    if (schema.columns.empty()) throw std::logic_error("ParquetWriter: the schema has no columns");
    for (const ColumnSpec& c : schema.columns) columns.push_back(Column{c.name, c.type, c.nullable()});
    if (options.created_by.empty()) options.created_by = aesync::created_by();
    if (options.page_bytes == 0) options.page_bytes = 1;
    if (options.row_group_rows == 0) options.row_group_rows = 1;
    builders.resize(columns.size());
    chunks.resize(columns.size());
    scratch.emplace_back(std::make_unique<Scratch>(options.codec, options.compression_level));
    // Columns are handed to the two encoding threads costliest first (numbers, then strings), so
    // neither waits long for the other at the end of a batch.
    for (size_t k = 0; k < columns.size(); ++k)
      if (columns[k].type != ColumnType::String) order.push_back(k);
    for (size_t k = 0; k < columns.size(); ++k)
      if (columns[k].type == ColumnType::String) order.push_back(k);
  }

  WriterOptions options;
  ByteSink& sink;
  std::vector<Column> columns;

  uint64_t offset = 0;  // bytes written to the sink by this writer = the current file offset
  uint64_t rows = 0;
  size_t row_group_count = 0;
  int64_t group_rows = 0;        // rows in the row group being built
  std::string row_groups_bytes;  // the RowGroup structs written so far, Thrift-encoded
  bool closed = false;
  bool broken = false;  // a write threw: the output is incomplete, refuse to go on

  std::vector<ChunkBuilder> builders;  // one per column: the row group in progress
  std::vector<ChunkMeta> chunks;       // one per column: the row group being written out
  std::vector<std::unique_ptr<Scratch>> scratch;  // one per encoding thread
  std::vector<size_t> order;
  HelperThread helper;

  void emit(const void* data, size_t n) {
    sink.write(data, n);
    offset += n;
  }
  void emit(const std::string& s) { emit(s.data(), s.size()); }

  void check_usable(const char* what) const {
    if (closed) throw std::logic_error(std::string("ParquetWriter::") + what + " after close()");
    if (broken) throw std::logic_error(std::string("ParquetWriter::") + what + " after a failed write");
  }

  // Compresses `s.body` into a page (header + body) appended to `out`; returns the header plus
  // uncompressed body size. `data_page` selects the header kind.
  int64_t make_page(Scratch& s, const Column& col, bool data_page, int32_t num_values, Encoding encoding,
                    std::string& out) const {
    const int32_t uncompressed = checked_page_size(s.body.size(), col.name);
    const std::string* payload = &s.body;
    if (options.codec != Codec::UNCOMPRESSED) {
      s.compressor.compress(s.body, s.compressed);
      payload = &s.compressed;
    }
    const int32_t compressed_size = checked_page_size(payload->size(), col.name);

    s.header.clear();
    ThriftCompactWriter w(s.header);
    w.begin_struct();  // PageHeader
    w.field_i32(1, static_cast<int32_t>(data_page ? PageType::DATA_PAGE : PageType::DICTIONARY_PAGE));
    w.field_i32(2, uncompressed);
    w.field_i32(3, compressed_size);
    if (data_page) {
      w.field_struct(5);  // DataPageHeader
      w.field_i32(1, num_values);
      w.field_i32(2, static_cast<int32_t>(encoding));
      w.field_i32(3, static_cast<int32_t>(Encoding::RLE));  // definition levels
      w.field_i32(4, static_cast<int32_t>(Encoding::RLE));  // repetition levels (none: max level 0)
      w.end_struct();
    } else {
      w.field_struct(7);  // DictionaryPageHeader
      w.field_i32(1, num_values);
      w.field_i32(2, static_cast<int32_t>(encoding));
      w.end_struct();
    }
    w.end_struct();
    out.append(s.header);
    out.append(*payload);
    return static_cast<int64_t>(s.header.size()) + uncompressed;
  }

  // Rows [begin, end) of a page: about `page_bytes` of encoded values, at least one row.
  size_t page_end(const ColumnBuffer& c, size_t begin, size_t n, bool dictionary, int index_bits) const {
    const size_t page_bytes = options.page_bytes;
    // Even a page of 1-bit indices stays far below the i32 limits of a page header.
    constexpr size_t kMaxPageRows = size_t{1} << 28;
    size_t limit;
    if (dictionary) {
      limit = std::max<size_t>(1, page_bytes * 8 / static_cast<size_t>(index_bits));
    } else if (c.type != ColumnType::String) {
      limit = std::max<size_t>(1, page_bytes / 8);
    } else {
      // PLAIN strings: 4-byte length + bytes per value; NULLs cost nothing.
      const uint32_t* off = c.offsets.data();
      size_t bytes = 0;
      size_t i = begin;
      while (i < n && bytes < page_bytes && i - begin < kMaxPageRows) {
        if (!c.is_null(i)) bytes += 4 + (off[i + 1] - off[i]);
        ++i;
      }
      return i;
    }
    limit = std::min(limit, kMaxPageRows);
    return std::min(n, begin + limit);
  }

  // Data pages of rows [begin, end) into `run`: dictionary indices (`s.indices`, one per
  // non-null row, from a dictionary of `dictionary_size` entries) or PLAIN values.
  void write_data_pages(Scratch& s, const Column& col, const ColumnBuffer& c, size_t begin, size_t end,
                        bool indexed, size_t dictionary_size, PageRun& run) const {
    const uint8_t* defined = col.nullable ? c.defined.data() : nullptr;
    const int index_bits = indexed ? dictionary_index_bit_width(dictionary_size) : 0;
    size_t value_pos = 0;  // index into s.indices of the page's first non-null value
    for (size_t b = begin; b < end;) {
      const size_t e = page_end(c, b, end, indexed, index_bits);
      s.body.clear();
      size_t present = e - b;
      if (defined != nullptr) {
        encode_definition_levels(defined + b, e - b, s.body);
        present = 0;
        for (size_t i = b; i < e; ++i) present += defined[i];
      }
      if (indexed) {
        encode_dictionary_indices(s.indices.data() + value_pos, present, dictionary_size, s.body);
        value_pos += present;
      } else if (c.type == ColumnType::String) {
        for (size_t i = b; i < e; ++i) {
          if (defined != nullptr && !defined[i]) continue;
          const std::string_view v = c.string_at(i);
          put_u32(s.body, static_cast<uint32_t>(v.size()));
          s.body.append(v);
        }
      } else {
        // DOUBLE and INT64 share the PLAIN layout: 8 little-endian bytes per value.
        const char* src = c.type == ColumnType::Double ? reinterpret_cast<const char*>(c.doubles.data())
                                                       : reinterpret_cast<const char*>(c.ints.data());
        if (defined == nullptr) {
          s.body.append(src + b * 8, (e - b) * 8);
        } else {
          const size_t pos = s.body.size();
          s.body.resize(pos + present * 8);
          char* dst = s.body.data() + pos;
          for (size_t i = b; i < e; ++i) {
            if (!defined[i]) continue;
            std::memcpy(dst, src + i * 8, 8);
            dst += 8;
          }
        }
      }
      run.uncompressed += make_page(s, col, true, static_cast<int32_t>(e - b),
                                    indexed ? kDictionaryEncoding : Encoding::PLAIN, run.bytes);
      ++run.pages;
      b = e;
    }
  }

  void add_number_statistics(ChunkBuilder& cb, const ColumnBuffer& c, const uint8_t* defined, size_t begin,
                             size_t end) const {
    if (c.type == ColumnType::Double) {
      const double* v = c.doubles.data();
      for (size_t i = begin; i < end; ++i) {
        if (defined != nullptr && !defined[i]) {
          ++cb.nulls;
          continue;
        }
        const double x = v[i];
        if (x != x) {
          ++cb.nans;
          continue;
        }
        if (!cb.any) {
          cb.dbl_lo = cb.dbl_hi = x;
          cb.any = true;
        }
        cb.dbl_lo = x < cb.dbl_lo ? x : cb.dbl_lo;
        cb.dbl_hi = x > cb.dbl_hi ? x : cb.dbl_hi;
      }
    } else {
      const int64_t* v = c.ints.data();
      for (size_t i = begin; i < end; ++i) {
        if (defined != nullptr && !defined[i]) {
          ++cb.nulls;
          continue;
        }
        if (!cb.any) {
          cb.int_lo = cb.int_hi = v[i];
          cb.any = true;
        }
        cb.int_lo = std::min(cb.int_lo, v[i]);
        cb.int_hi = std::max(cb.int_hi, v[i]);
      }
    }
  }

  void add_string_bound(ChunkBuilder& cb, std::string_view v) const {
    if (!cb.str_any) {
      cb.str_lo = cb.str_hi = v;
      cb.str_any = true;
      return;
    }
    if (bytes_less(v, cb.str_lo)) cb.str_lo = v;
    if (bytes_less(cb.str_hi, v)) cb.str_hi = v;
  }

  // Encodes rows [begin, end) of column k into its chunk builder (statistics, dictionary, pages).
  void encode_column(size_t k, const ColumnBuffer& c, size_t begin, size_t end, Scratch& s) {
    const Column& col = columns[k];
    ChunkBuilder& cb = builders[k];
    const uint8_t* defined = col.nullable ? c.defined.data() : nullptr;
    cb.rows += static_cast<int64_t>(end - begin);
    s.indices.clear();

    if (c.type == ColumnType::String) {
      if (cb.dictionary_alive) {
        for (size_t i = begin; i < end; ++i) {
          if (defined != nullptr && !defined[i]) continue;
          s.indices.push_back(cb.strings.insert(c.string_at(i)));
          if (cb.strings.plain_bytes() > options.dictionary_limit_bytes) {
            // Past the limit: this batch and the rest of the chunk are written PLAIN.
            cb.dictionary_alive = false;
            break;
          }
        }
      }
      // A chunk whose first rows are all NULL is PLAIN: its dictionary would come after pages that
      // do not index it (and an empty dictionary page is best not written at all).
      if (cb.strings.size() == 0) cb.dictionary_alive = false;
      if (cb.dictionary_alive) {
        if (defined != nullptr) cb.nulls += static_cast<int64_t>((end - begin) - s.indices.size());
        write_data_pages(s, col, c, begin, end, true, cb.strings.size(), cb.indexed);
      } else {
        for (size_t i = begin; i < end; ++i) {
          if (defined != nullptr && !defined[i]) {
            ++cb.nulls;
            continue;
          }
          add_string_bound(cb, c.string_at(i));
        }
        write_data_pages(s, col, c, begin, end, false, 0, cb.plain);
      }
      return;
    }

    add_number_statistics(cb, c, defined, begin, end);
    using Plan = ChunkBuilder::NumberPlan;
    if (cb.plan != Plan::Plain && cb.dictionary_alive) {
      const uint64_t* bits = c.type == ColumnType::Double ? reinterpret_cast<const uint64_t*>(c.doubles.data())
                                                           : reinterpret_cast<const uint64_t*>(c.ints.data());
      // Given up when the dictionary would pass the limit, or (in a trial) when nearly all of the
      // chunk's first 4096 values are distinct (measurements, counters).
      const size_t cap = options.dictionary_limit_bytes / 8;
      constexpr int64_t kProbe = 4096;
      const bool trial = cb.plan == Plan::Trial;
      for (size_t i = begin; i < end && cb.dictionary_alive; ++i) {
        if (defined != nullptr && !defined[i]) continue;
        s.indices.push_back(cb.values.insert(bits[i]));
        ++cb.seen;
        if (cb.values.size() > cap ||
            (trial && cb.seen == kProbe && cb.values.size() > static_cast<size_t>(kProbe * 9 / 10)))
          cb.dictionary_alive = false;
      }
      if (cb.values.size() == 0) {
        // Only NULLs so far: PLAIN for the whole chunk (as for strings).
        cb.dictionary_alive = false;
        cb.indexed.clear();
      } else if (cb.dictionary_alive) {
        write_data_pages(s, col, c, begin, end, true, cb.values.size(), cb.indexed);
        if (!trial) return;  // the dictionary alone
      } else if (trial) {
        cb.indexed.clear();  // the trial is over: PLAIN it is
      }
      // Not in a trial and the dictionary overflowed: the chunk goes on PLAIN after the
      // dictionary pages it has (as a string chunk does).
    }
    write_data_pages(s, col, c, begin, end, false, 0, cb.plain);
  }

  // Encodes rows [begin, end) of the batch into the row group in progress, the columns shared
  // between this thread and the helper.
  void encode_rows(const RowBatch& batch, size_t begin, size_t end) {
    if (end - begin < kParallelRows || columns.size() < 2 || !options.parallel) {
      for (size_t k : order) encode_column(k, batch.columns[k], begin, end, *scratch[0]);
      return;
    }
    if (scratch.size() < 2) scratch.emplace_back(std::make_unique<Scratch>(options.codec, options.compression_level));
    std::atomic<size_t> next{0};
    std::atomic<int> slot{0};
    const std::function<void()> job = [&] {
      Scratch& s = *scratch[static_cast<size_t>(slot.fetch_add(1))];
      for (size_t t; (t = next.fetch_add(1)) < order.size();) encode_column(order[t], batch.columns[order[t]], begin, end, s);
    };
    helper.run_both(job);
  }

  // Writes the row group in progress: per column the dictionary page, then its data pages.
  void finish_row_group() {
    if (group_rows == 0) return;
    const auto row_group_offset = static_cast<int64_t>(offset);
    int64_t total_uncompressed = 0, total_compressed = 0;
    Scratch& s = *scratch[0];
    for (size_t k = 0; k < columns.size(); ++k) {
      const Column& col = columns[k];
      ChunkBuilder& cb = builders[k];
      ChunkMeta& meta = chunks[k];
      meta = ChunkMeta{};
      meta.num_values = cb.rows;
      const bool is_string = col.type == ColumnType::String;

      // The dictionary page, if any data page indexes it.
      using Plan = ChunkBuilder::NumberPlan;
      bool use_dictionary = cb.indexed.pages > 0;
      int64_t dictionary_uncompressed = 0;
      std::string page;
      if (use_dictionary) {
        s.body.clear();
        size_t entries;
        if (is_string) {
          s.body.reserve(cb.strings.plain_bytes());
          for (size_t i = 0; i < cb.strings.size(); ++i) {
            const std::string_view e = cb.strings.entry(i);
            put_u32(s.body, static_cast<uint32_t>(e.size()));
            s.body.append(e);
          }
          entries = cb.strings.size();
        } else {
          const std::vector<uint64_t>& e = cb.values.entries();
          s.body.assign(reinterpret_cast<const char*>(e.data()), e.size() * 8);
          entries = e.size();
        }
        dictionary_uncompressed = make_page(s, col, false, static_cast<int32_t>(entries), kDictionaryEncoding, page);
        // A number trial: the dictionary only if it and its indices come out smaller than PLAIN.
        if (!is_string && cb.plan == Plan::Trial && page.size() + cb.indexed.bytes.size() >= cb.plain.bytes.size())
          use_dictionary = false;
      }
      const bool trial_plain = !is_string && cb.plan == Plan::Trial && !use_dictionary;

      if (use_dictionary) {
        meta.dictionary_page_offset = static_cast<int64_t>(offset);
        meta.total_uncompressed_size += dictionary_uncompressed;
        meta.total_compressed_size += static_cast<int64_t>(page.size());
        emit(page);
        meta.encodings |= kEncPlainDictionary;
      }
      meta.data_page_offset = static_cast<int64_t>(offset);
      // Indexed pages, then PLAIN ones if the dictionary was given up on the way; a number trial
      // holds two complete encodings and writes the one chosen.
      if (use_dictionary) {
        meta.total_uncompressed_size += cb.indexed.uncompressed;
        meta.total_compressed_size += static_cast<int64_t>(cb.indexed.bytes.size());
        emit(cb.indexed.bytes);
      }
      if (cb.plain.pages > 0 && (trial_plain || is_string || cb.plan != Plan::Trial)) {
        meta.total_uncompressed_size += cb.plain.uncompressed;
        meta.total_compressed_size += static_cast<int64_t>(cb.plain.bytes.size());
        emit(cb.plain.bytes);
        meta.encodings |= kEncPlain;
      }
      if (col.nullable) meta.encodings |= kEncRle;

      // Statistics.
      if (is_string) {
        for (size_t i = 0; i < (cb.indexed.pages > 0 ? cb.strings.size() : 0); ++i) add_string_bound(cb, cb.strings.entry(i));
        StringMinMax mm;
        if (cb.str_any) {
          mm.add(cb.str_lo);
          mm.add(cb.str_hi);
        }
        meta.stats = mm.finish(cb.nulls, options.max_statistics_bytes);
      } else if (col.type == ColumnType::Double) {
        meta.stats = double_bounds(cb.nulls, cb.nans, cb.any, cb.dbl_lo, cb.dbl_hi);
      } else {
        meta.stats = int64_bounds(cb.nulls, cb.any, cb.int_lo, cb.int_hi);
      }
      total_uncompressed += meta.total_uncompressed_size;
      total_compressed += meta.total_compressed_size;
      if (!is_string) {
        // The next row group's plan: a trial's winner, until the next trial; a dictionary that
        // overflowed calls for a trial.
        const bool overflowed = cb.plan == Plan::Dictionary && !cb.dictionary_alive;
        if (cb.plan == Plan::Trial) cb.plan = use_dictionary ? Plan::Dictionary : Plan::Plain;
        if (overflowed || ++cb.row_groups_since_trial >= kRetrialEvery) {
          cb.plan = Plan::Trial;
          cb.row_groups_since_trial = 0;
        }
      }
      cb.reset();
    }

    ThriftCompactWriter w(row_groups_bytes);
    w.begin_struct();  // RowGroup
    w.field_list(1, ThriftType::STRUCT, columns.size());
    for (size_t k = 0; k < columns.size(); ++k) {
      const ChunkMeta& m = chunks[k];
      w.begin_struct();  // ColumnChunk
      // file_offset: deprecated; 0 = "no ColumnMetaData outside the footer" (current spec).
      w.field_i64(2, 0);
      w.field_struct(3);  // ColumnMetaData
      w.field_i32(1, static_cast<int32_t>(physical_type(columns[k].type)));
      const int n_enc = std::popcount(m.encodings);
      w.field_list(2, ThriftType::I32, static_cast<size_t>(n_enc));
      if (m.encodings & kEncPlainDictionary) w.i32(static_cast<int32_t>(kDictionaryEncoding));
      if (m.encodings & kEncPlain) w.i32(static_cast<int32_t>(Encoding::PLAIN));
      if (m.encodings & kEncRle) w.i32(static_cast<int32_t>(Encoding::RLE));
      w.field_list(3, ThriftType::BINARY, 1);
      w.binary(columns[k].name);
      w.field_i32(4, static_cast<int32_t>(options.codec));
      w.field_i64(5, m.num_values);
      w.field_i64(6, m.total_uncompressed_size);
      w.field_i64(7, m.total_compressed_size);
      w.field_i64(9, m.data_page_offset);
      if (m.dictionary_page_offset) w.field_i64(11, *m.dictionary_page_offset);
      write_statistics(w, 12, m.stats);
      w.end_struct();  // ColumnMetaData
      w.end_struct();  // ColumnChunk
    }
    w.field_i64(2, total_uncompressed);
    w.field_i64(3, group_rows);
    w.field_i64(5, row_group_offset);
    w.field_i64(6, total_compressed);
    w.end_struct();  // RowGroup

    rows += static_cast<uint64_t>(group_rows);
    ++row_group_count;
    group_rows = 0;
  }

  size_t buffered_bytes() const {
    size_t n = 0;
    for (const ChunkBuilder& cb : builders) n += cb.buffered_bytes();
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
      const Column& col = columns[k];
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
    std::string meta;
    meta.reserve(row_groups_bytes.size() + 256 + 64 * columns.size());
    ThriftCompactWriter w(meta);
    w.begin_struct();  // FileMetaData
    w.field_i32(1, 1);  // version
    w.field_list(2, ThriftType::STRUCT, columns.size() + 1);
    w.begin_struct();  // root SchemaElement
    w.field_binary(4, "schema");
    w.field_i32(5, static_cast<int32_t>(columns.size()));
    w.end_struct();
    for (const Column& col : columns) {
      w.begin_struct();  // leaf SchemaElement
      w.field_i32(1, static_cast<int32_t>(physical_type(col.type)));
      w.field_i32(3, static_cast<int32_t>(col.nullable ? Repetition::OPTIONAL : Repetition::REQUIRED));
      w.field_binary(4, col.name);
      if (col.type == ColumnType::String) {
        w.field_i32(6, static_cast<int32_t>(ConvertedType::UTF8));
        w.field_struct(10);  // LogicalType
        w.field_struct(1);   // STRING: StringType {}
        w.end_struct();
        w.end_struct();
      } else if (col.type == ColumnType::Timestamp) {
        w.field_i32(6, static_cast<int32_t>(ConvertedType::TIMESTAMP_MILLIS));
        w.field_struct(10);  // LogicalType
        w.field_struct(8);   // TIMESTAMP: TimestampType
        w.field_bool(1, true);  // isAdjustedToUTC
        w.field_struct(2);      // unit: TimeUnit
        w.field_struct(1);      // MILLIS: MilliSeconds {}
        w.end_struct();
        w.end_struct();
        w.end_struct();
        w.end_struct();
      }
      // Int64 and Double carry no annotation: every reader maps plain INT64 / DOUBLE to a
      // signed 64-bit integer / float64.
      w.end_struct();
    }
    w.field_i64(3, static_cast<int64_t>(rows));
    w.field_list(4, ThriftType::STRUCT, row_group_count);
    w.raw(row_groups_bytes);
    w.field_binary(6, options.created_by);
    w.field_list(7, ThriftType::STRUCT, columns.size());
    for (size_t k = 0; k < columns.size(); ++k) {
      w.begin_struct();    // ColumnOrder
      w.field_struct(1);   // TYPE_ORDER: TypeDefinedOrder {}
      w.end_struct();
      w.end_struct();
    }
    w.end_struct();  // FileMetaData

    put_u32(meta, static_cast<uint32_t>(meta.size()));
    meta.append(kMagic, 4);
    emit(meta.data(), meta.size());
    closed = true;
    broken = false;
  }
};

ParquetWriter::ParquetWriter(const Schema& schema, WriterOptions options, ByteSink& sink)
    : impl_(std::make_unique<Impl>(schema, std::move(options), sink)) {
  impl_->emit(kMagic, 4);
}

ParquetWriter::~ParquetWriter() = default;

void ParquetWriter::write_row_group(const RowBatch& batch) { impl_->append(batch, true); }

void ParquetWriter::append(const RowBatch& batch) { impl_->append(batch, false); }

void ParquetWriter::close() { impl_->close(); }

uint64_t ParquetWriter::rows_written() const { return impl_->rows + static_cast<uint64_t>(impl_->group_rows); }

size_t ParquetWriter::row_groups_written() const { return impl_->row_group_count; }

}  // namespace aesync::parquet
