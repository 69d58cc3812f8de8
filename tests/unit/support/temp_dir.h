// A fresh folder for one test, named after the process and the running test (so tests of
// parallel ctest processes never share one), removed with everything in it at the end.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace aesync::test {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("aesync-test-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  //! Regular files below the folder (temporary files included).
  size_t files() const {
    size_t n = 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(path)) n += e.is_regular_file();
    return n;
  }
};

}  // namespace aesync::test
