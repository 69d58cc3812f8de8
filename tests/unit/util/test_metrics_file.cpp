// metrics::Registry::write_file (the textfile collector's file, whole or not at all),
// metrics::label (label values escaped as the exposition format says) and sample_value.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../support/temp_dir.h"
#include "util/error.h"
#include "util/metrics.h"

namespace aesync::metrics {
namespace {

using test::TempDir;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(MetricsFile, WritesTheRenderingAndReplacesTheOldFileLeavingNoTemporary) {
  TempDir dir;
  const auto path = dir.path / "aesync.prom";
  Registry r;
  r.declare("x_total", Type::Counter, "X.");
  r.add("x_total", 3);
  r.write_file(path.string());
  EXPECT_EQ(read(path), "# HELP x_total X.\n# TYPE x_total counter\nx_total 3\n");
  r.add("x_total", 4);
  r.write_file(path.string());
  EXPECT_EQ(read(path), "# HELP x_total X.\n# TYPE x_total counter\nx_total 7\n");
  EXPECT_EQ(dir.files(), 1u) << "the temporary file was renamed, not left";
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::others_read)
      << "the collector reads it whatever the umask";
}

TEST(MetricsFile, AMissingFolderIsAnErrorNamingThePath) {
  TempDir dir;
  const std::string path = (dir.path / "missing" / "aesync.prom").string();
  Registry r;
  try {
    r.write_file(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "--metrics-file " + path + ": cannot create " + (dir.path / "missing").string() +
                                         "/.aesync.prom." + std::to_string(::getpid()) +
                                         ".tmp (No such file or directory)");
  }
  EXPECT_EQ(dir.files(), 0u);
}

TEST(MetricsFile, LabelValuesAreEscaped) {
  EXPECT_EQ(label("version", "0.1.0"), "version=\"0.1.0\"");
  EXPECT_EQ(label("v", "a\\b\"c\nd"), "v=\"a\\\\b\\\"c\\nd\"");
}

TEST(MetricsFile, SampleValueFindsTheUnlabelledSample) {
  const std::string text =
      "# HELP a_seconds A.\n# TYPE a_seconds gauge\na_seconds_total 5\na_seconds 1795616842\nb{x=\"1\"} 2\nc junk\n";
  EXPECT_EQ(sample_value(text, "a_seconds"), 1795616842.0);
  EXPECT_EQ(sample_value(text, "b"), std::nullopt) << "labelled";
  EXPECT_EQ(sample_value(text, "c"), std::nullopt) << "not a number";
  EXPECT_EQ(sample_value(text, "d"), std::nullopt);
  EXPECT_EQ(sample_value("a 1.5", "a"), 1.5) << "without a final newline";
}

}  // namespace
}  // namespace aesync::metrics
