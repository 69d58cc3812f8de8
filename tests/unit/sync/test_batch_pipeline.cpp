// BatchPipeline: rows mapped on the caller's thread, row groups written on a second one;
// order, batch sizes (rows and byte budget), error hand-back and abandonment.
#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "schema/mapper.h"
#include "sync/batch_pipeline.h"

using namespace aesync;

namespace {

Schema two_columns() {
  Schema s;
  ColumnSpec n;
  n.name = "n";
  n.type = ColumnType::Int64;
  n.from = *RawColumn::parse("_sample_interval");
  ColumnSpec t;
  t.name = "t";
  t.type = ColumnType::String;
  t.from = *RawColumn::parse("blob1");
  s.columns = {n, t};
  return s;
}

// Records every row group it is given: its rows, first and last value of "n", the thread.
class RecordingWriter final : public TableWriter {
 public:
  struct Group {
    size_t rows;
    int64_t first, last;
    std::thread::id thread;
  };
  void write(const RowBatch& batch) override {
    std::lock_guard lock(mutex);
    if (fail_on_write != 0 && groups.size() + 1 == fail_on_write)
      throw std::runtime_error("disk full writing row group");
    groups.push_back(
        {batch.rows, batch.columns[0].ints.front(), batch.columns[0].ints.back(), std::this_thread::get_id()});
  }
  void close() override {}
  std::mutex mutex;
  std::vector<Group> groups;
  size_t fail_on_write = 0;  // 1-based write that throws; 0 = none
};

struct Rows {
  explicit Rows(const Mapper& m) : values(m.raw_columns().size()) {}
  // Raw columns are in the mapper's order: timestamp first, then _sample_interval, blob1.
  RawRow row(int64_t n, std::string_view text) {
    values[1].i = n;
    values[2].s = text;
    return RawRow{values.data(), values.size(), static_cast<uint64_t>(n)};
  }
  std::vector<RawValue> values;
};

}  // namespace

TEST(BatchPipeline, RawColumnOrderOfTheTestSchema) {
  const Schema schema = two_columns();
  Mapper mapper(schema);
  ASSERT_EQ(mapper.raw_columns().size(), 3u);
  EXPECT_EQ(mapper.raw_columns()[1].name(), "_sample_interval");
  EXPECT_EQ(mapper.raw_columns()[2].name(), "blob1");
}

TEST(BatchPipeline, RowGroupsOfRowGroupRowsInInputOrderOnASecondThread) {
  const Schema schema = two_columns();
  Mapper mapper(schema);
  RecordingWriter writer;
  Rows rows(mapper);
  {
    BatchPipeline p(schema, mapper, writer, 1000);
    for (int64_t i = 0; i < 2500; ++i) p.append(rows.row(i, "x"));
    EXPECT_EQ(p.buffered_rows(), 500u);
    p.finish();
    EXPECT_EQ(p.buffered_rows(), 0u);
  }
  ASSERT_EQ(writer.groups.size(), 3u);
  const size_t sizes[] = {1000, 1000, 500};
  for (size_t g = 0; g < 3; ++g) {
    EXPECT_EQ(writer.groups[g].rows, sizes[g]);
    EXPECT_EQ(writer.groups[g].first, static_cast<int64_t>(g * 1000));
    EXPECT_EQ(writer.groups[g].last, static_cast<int64_t>(g * 1000 + sizes[g] - 1));
    EXPECT_NE(writer.groups[g].thread, std::this_thread::get_id());
  }
}

TEST(BatchPipeline, OneBatchIsWrittenInlineWithoutAThread) {
  const Schema schema = two_columns();
  Mapper mapper(schema);
  RecordingWriter writer;
  Rows rows(mapper);
  BatchPipeline p(schema, mapper, writer, 1000);
  for (int64_t i = 0; i < 999; ++i) p.append(rows.row(i, "x"));
  p.finish();
  ASSERT_EQ(writer.groups.size(), 1u);
  EXPECT_EQ(writer.groups[0].rows, 999u);
  EXPECT_EQ(writer.groups[0].thread, std::this_thread::get_id());
  p.finish();  // nothing left: writes nothing
  EXPECT_EQ(writer.groups.size(), 1u);
}

TEST(BatchPipeline, ByteBudgetCutsBatchesAtTheCheckEvery1024Rows) {
  const Schema schema = two_columns();
  Mapper mapper(schema);
  RecordingWriter writer;
  Rows rows(mapper);
  const std::string text(100, 'v');
  // 1024 rows x (100 bytes + 8 + 4) = 114,688 bytes >= 100,000 at the first check.
  BatchPipeline p(schema, mapper, writer, 1'000'000, 100'000);
  for (int64_t i = 0; i < 3000; ++i) p.append(rows.row(i, text));
  p.finish();
  ASSERT_EQ(writer.groups.size(), 3u);
  EXPECT_EQ(writer.groups[0].rows, 1024u);
  EXPECT_EQ(writer.groups[1].rows, 1024u);
  EXPECT_EQ(writer.groups[2].rows, 952u);
  EXPECT_EQ(writer.groups[2].last, 2999);
}

TEST(BatchPipeline, AWriteErrorReachesTheCallerAndNothingMoreIsWritten) {
  const Schema schema = two_columns();
  Mapper mapper(schema);
  RecordingWriter writer;
  writer.fail_on_write = 2;
  Rows rows(mapper);
  BatchPipeline p(schema, mapper, writer, 100);
  try {
    for (int64_t i = 0; i < 10'000; ++i) p.append(rows.row(i, "x"));
    p.finish();
    FAIL() << "the write error was not handed back";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "disk full writing row group");
  }
  EXPECT_EQ(writer.groups.size(), 1u);
  EXPECT_THROW(p.finish(), std::runtime_error);  // and stays failed
  EXPECT_EQ(writer.groups.size(), 1u);
}

TEST(BatchPipeline, DestroyedWithoutFinishWritesNoMore) {
  const Schema schema = two_columns();
  Mapper mapper(schema);
  RecordingWriter writer;
  Rows rows(mapper);
  {
    BatchPipeline p(schema, mapper, writer, 100);
    for (int64_t i = 0; i < 250; ++i) p.append(rows.row(i, "x"));
    // Two batches handed over, 50 rows buffered: the caller gives up (e.g. the source failed).
  }
  // The handed-over batches may or may not have been written, but never the buffered rows.
  ASSERT_LE(writer.groups.size(), 2u);
  for (const auto& g : writer.groups) EXPECT_EQ(g.rows, 100u);
}
