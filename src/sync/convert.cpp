#include "sync/convert.h"

#include <unistd.h>

#include <memory>

#include "schema/mapper.h"
#include "source/file_input.h"
#include "source/jsoneachrow_reader.h"
#include "storage/file_output.h"
#include "sync/batch_pipeline.h"
#include "sync/factories.h"
#include "sync/progress.h"
#include "util/cancel.h"

namespace aesync {

namespace {

// Rows between two looks at the progress line and at the cancellation.
constexpr uint64_t kRowsPerProgress = 1 << 12;

class ConvertConsumer final : public RowConsumer {
 public:
  ConvertConsumer(BatchPipeline& pipeline, Progress& progress, const std::string& input)
      : pipeline_(pipeline), progress_(progress), input_(input) {}
  void on_row(const RawRow& row) override {
    pipeline_.append(row);
    if (++rows_ % kRowsPerProgress == 0) report();
  }
  //! Tells the progress line the rows since the last time; throws when interrupted. (The output's
  //! bytes are counted by the encoding thread: the line shows the input read instead.)
  void report() {
    progress_.add_rows(static_cast<int64_t>(rows_ - rows_reported_));
    rows_reported_ = rows_;
    cancel::throw_if_requested("converting " + input_);
  }
  uint64_t rows() const { return rows_; }

 private:
  BatchPipeline& pipeline_;
  Progress& progress_;
  const std::string& input_;
  uint64_t rows_ = 0;
  uint64_t rows_reported_ = 0;
};

}  // namespace

ConvertResult convert_file(const Config& config, const std::string& input, const std::string& output,
                           bool show_progress) {
  std::unique_ptr<AtomicFile> file;
  std::unique_ptr<FdSink> stdout_sink;
  ByteSink* sink;
  if (output == "-") {
    stdout_sink = std::make_unique<FdSink>(STDOUT_FILENO, "<stdout>");
    sink = stdout_sink.get();
  } else {
    file = std::make_unique<AtomicFile>(output);
    sink = file.get();
  }
  Mapper mapper(config.schema);
  std::unique_ptr<TableWriter> writer = make_table_writer(config.output, config.schema, *sink);
  ConvertResult result;
  Progress progress(show_progress);
  progress.start(0);
  progress.set_input_size(input_file_size(input));
  {
    BatchPipeline pipeline(config.schema, mapper, *writer);
    ConvertConsumer consumer(pipeline, progress, input);
    JsonEachRowReader reader(mapper.raw_columns(), consumer);
    read_jsoneachrow_file(input, reader, [&](uint64_t bytes) {
      consumer.report();  // the chunk's rows counted too: a pipe may pause after it
      progress.input_read(static_cast<int64_t>(bytes));
    });
    pipeline.finish();
    consumer.report();
    result.rows = consumer.rows();
    result.invalid_utf8_replaced = reader.invalid_utf8_replaced();
  }
  writer->close();
  progress.finish();
  result.bytes = sink->bytes_written();
  if (file)
    file->commit();
  else
    stdout_sink->flush();
  return result;
}

}  // namespace aesync
