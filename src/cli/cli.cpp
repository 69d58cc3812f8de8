#include "cli/cli.h"

#include <cstdio>

namespace aesync::cli {

int run(int, char**) {
  std::fprintf(stderr, "aesync: not wired yet\n");
  return 2;
}

}  // namespace aesync::cli
