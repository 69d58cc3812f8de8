#include "sync/convert.h"

#include <unistd.h>

#include <memory>

#include "schema/mapper.h"
#include "source/file_input.h"
#include "source/jsoneachrow_reader.h"
#include "storage/file_output.h"
#include "sync/batch_pipeline.h"
#include "sync/factories.h"

namespace aesync {

namespace {

class ConvertConsumer final : public RowConsumer {
 public:
  explicit ConvertConsumer(BatchPipeline& pipeline) : pipeline_(pipeline) {}
  void on_row(const RawRow& row) override {
    pipeline_.append(row);
    ++rows_;
  }
  uint64_t rows() const { return rows_; }

 private:
  BatchPipeline& pipeline_;
  uint64_t rows_ = 0;
};

}  // namespace

ConvertResult convert_file(const Config& config, const std::string& input, const std::string& output) {
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
  {
    BatchPipeline pipeline(config.schema, mapper, *writer);
    ConvertConsumer consumer(pipeline);
    JsonEachRowReader reader(mapper.raw_columns(), consumer);
    read_jsoneachrow_file(input, reader);
    pipeline.finish();
    result.rows = consumer.rows();
    result.invalid_utf8_replaced = reader.invalid_utf8_replaced();
  }
  writer->close();
  result.bytes = sink->bytes_written();
  if (file)
    file->commit();
  else
    stdout_sink->flush();
  return result;
}

}  // namespace aesync
